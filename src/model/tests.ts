/**
 * Test runs of a build's own drivers: jobs that try the build's products
 * rather than make them (JobIndex.tests; ctest's runs are tests by their
 * driver, jobs.ts TEST_DRIVERS). A job is a test when it ran a program the
 * build made (`./calc > test.out` in `make check`, automake's `test-driver
 * … -- ./t1`), nothing the build kept came of it but logs (kept.ts; a
 * `.log` or `.trs` file: automake's harness keeps t1.log and t1.trs; a
 * file left behind that only other such jobs read: the `test.out` of a
 * failed `make check`, read by the comparison that failed), and
 * it removed for good no file it did not make (`libtool --mode=clean rm -f
 * x.lo` cleans, it tests nothing). So is a job that read what a test
 * wrote, of which nothing kept came either (`test "$(cat test.out)" = 9`,
 * the recipe that gathers test-suite.log). A generator the build made and
 * runs (sqlite's `./mkkeywordhash > keywordhash.h`) leaves a file the
 * build kept: a job. So is `make install`'s copy of a product: it ran
 * install, not the product.
 */
import type { Job } from './jobs.js';
import { keptWalk } from './kept.js';
import { Kind, READS, WRITES } from './kinds.js';
import type { BuildModel, Process } from './types.js';

/** A test harness's logs: kept, and still no product of the build. */
const LOG = /\.(?:log|trs)$/;

/** The roots of the test runs among `jobs` (see the module's comment); Process.job set for every job. */
export function testRuns(model: BuildModel, jobs: readonly Job[], procs: ReadonlyMap<number, Process>): Set<number> {
  const out = new Set<number>();
  let walk: ReturnType<typeof keptWalk> | undefined;
  for (const job of jobs) {
    if (out.has(job.proc) || !ranProduct(model, job, procs) || removedOthers(model, job, procs)) continue;
    walk ??= keptWalk(model, { ignore: (f) => LOG.test(f.path), throughReaders: true });
    const barren = walk([job.proc]);
    if (!barren) continue;
    for (const j of barren) out.add(j);
  }
  return out;
}

/** Whether a process of `job` ran a file the build had written before (a program or script it made). */
function ranProduct(model: BuildModel, job: Job, procs: ReadonlyMap<number, Process>): boolean {
  for (const id of job.procs) {
    for (const a of procs.get(id)!.files.values()) {
      if (!(a.kinds & Kind.EXEC)) continue;
      if (model.files[a.file]!.procs.some((w) => w.kinds & WRITES && w.firstWrite >= 0 && w.firstWrite < a.first)) return true;
    }
  }
  return false;
}

/** Whether `job` removed a file that is gone at the end and that it had not written: it cleaned what others made. */
function removedOthers(model: BuildModel, job: Job, procs: ReadonlyMap<number, Process>): boolean {
  const wrote = new Set(job.written);
  for (const id of job.procs) {
    for (const a of procs.get(id)!.files.values()) {
      if (!(a.kinds & Kind.DELETE) || wrote.has(a.file)) continue;
      const f = model.files[a.file]!;
      if (f.removed && !f.dir) return true;
    }
  }
  return false;
}

/**
 * The files the tests wrote (JobIndex.inTest: a test's processes, a test
 * driver's own) that no process of the build outside them wrote or read:
 * a test's log, what it left behind (`calc.log` of `./calc > calc.log`,
 * ctest's LastTest.log), what it made and another test read or a job
 * removed (`test.out`, then `rm -f test.out`). They try the build's
 * products and are none (answers/groups.ts lists them apart from the
 * outputs and intermediates). A file a test wrote that a job then read is
 * the build's. By file id: 1 for a test's file.
 */
export function testFiles(model: BuildModel, inTest: (proc: number) => boolean): Uint8Array {
  const out = new Uint8Array(model.files.length);
  for (const f of model.files) {
    if (f.dir || !(f.kinds & WRITES)) continue;
    if (f.procs.every((a) => !(a.kinds & (WRITES | READS)) || inTest(a.proc))) out[f.id] = 1;
  }
  return out;
}
