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
 *
 * A test harness's run is a test by its harness, whatever it ran (a
 * program the build made in an earlier trace: `bt trace -- make check` on
 * a built tree): automake's parallel harness runs each test as `$(SHELL)
 * test-driver --test-name T --log-file T.log --trs-file T.trs … -- ./T`,
 * and its result (harnessResult) is the test's exit status as test-driver
 * reads it: 0 PASS, 77 SKIP, 99 ERROR, else FAIL, or with
 * `--expect-failure yes` XPASS and XFAIL. test-driver itself exits 0 then:
 * a failed test fails no process of its job but the test's own.
 */
import type { Job } from './jobs.js';
import { keptWalk } from './kept.js';
import { Kind, READS, WRITES } from './kinds.js';
import { baseName } from '../normalize/paths.js';
import type { BuildModel, Process } from './types.js';

/** A test harness's logs: kept, and still no product of the build. */
const LOG = /\.(?:log|trs)$/;

/** The roots of the test runs among `jobs` (see the module's comment); Process.job set for every job. */
export function testRuns(model: BuildModel, jobs: readonly Job[], procs: ReadonlyMap<number, Process>): Set<number> {
  const out = new Set<number>();
  let walk: ReturnType<typeof keptWalk> | undefined;
  for (const job of jobs) {
    if (out.has(job.proc)) continue;
    const harness = harnessOf(job, (id) => procs.get(id)) !== undefined;
    if (!harness && (!ranProduct(model, job, procs) || removedOthers(model, job, procs))) continue;
    walk ??= keptWalk(model, { ignore: (f) => LOG.test(f.path), throughReaders: true });
    // with the jobs that read what it wrote, of which nothing kept came (the recipe gathering test-suite.log)
    const barren = walk([job.proc]);
    if (harness) out.add(job.proc);
    for (const j of barren ?? []) out.add(j);
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

/** A test harness's driver script, by name: automake's parallel test harness. */
const HARNESS_DRIVERS: ReadonlySet<string> = new Set(['test-driver']);

export type TestResult = 'PASS' | 'FAIL' | 'SKIP' | 'ERROR' | 'XFAIL' | 'XPASS';

/** The results that fail a test run (automake counts them in its "# FAIL", "# XPASS" and "# ERROR" lines). */
export const FAILING_RESULTS: ReadonlySet<TestResult> = new Set(['FAIL', 'XPASS', 'ERROR']);

interface Harness {
  /** The process running the driver script (`/bin/bash ../build-aux/test-driver …`). */
  driver: Process;
  /** Its options before `--` (`--test-name`, `--expect-failure`, `--enable-hard-errors`), by name. */
  options: Map<string, string>;
  /** The test's command: the words after `--`. */
  command: string[];
}

/** The harness driver in `job`, if one of its processes runs one: a shell given the driver script, its options, `--`, then the test. */
function harnessOf(job: { procs: readonly number[] }, process: (id: number) => Process | undefined): Harness | undefined {
  for (const id of job.procs) {
    const p = process(id);
    if (!p) continue;
    const i = p.argv.findIndex((a, k) => k > 0 && k < 3 && HARNESS_DRIVERS.has(baseName(a)));
    const end = i < 0 ? -1 : p.argv.indexOf('--', i + 1);
    if (end < 0) continue;
    const options = new Map<string, string>();
    for (let k = i + 1; k + 1 < end; k += 2) options.set(p.argv[k]!, p.argv[k + 1]!);
    return { driver: p, options, command: p.argv.slice(end + 1) };
  }
  return undefined;
}

/** A harness test's outcome: its name, the test's process (the driver's child that ran the command), and the result test-driver gave it. */
export interface HarnessOutcome {
  name: string;
  test: Process | undefined;
  result: TestResult;
}

/** What a harness test (a job whose process runs test-driver) gave, from its test's exit status; undefined for any other job, or when the log has no exit of the test. */
export function harnessResult(job: { procs: readonly number[] }, process: (id: number) => Process | undefined): HarnessOutcome | undefined {
  const h = harnessOf(job, process);
  if (!h) return undefined;
  const n = h.command.length;
  // the command's words end its argv: a #! script's argv is its interpreter's and its options' before them (`/bin/sh -e ./t1`)
  const ran = (a: readonly string[]) => a.length >= n && h.command.every((w, k) => w === a[a.length - n + k]);
  const children = h.driver.children.map(process).filter((c): c is Process => c !== undefined);
  // the child that ran the command ("$@"), by what the driver passed (`invoked`, when the model has it) or what it received
  const test = children.find((c) => c.execd && ran(c.invoked ?? c.argv)) ?? children.filter((c) => c.execd).at(-1);
  if (!test || (test.exitCode < 0 && !test.signal)) return undefined;
  // the shell's $? for a killed test is 128 + the signal
  const status = test.signal ? 128 + test.signal : test.exitCode;
  const expect = h.options.get('--expect-failure') === 'yes';
  const hard = h.options.get('--enable-hard-errors') !== 'no';
  const result: TestResult =
    status === 0 ? (expect ? 'XPASS' : 'PASS') : status === 77 ? 'SKIP' : status === 99 && hard ? 'ERROR' : expect ? 'XFAIL' : 'FAIL';
  return { name: h.options.get('--test-name') ?? h.command.join(' '), test, result };
}

/**
 * Among `tests`, the harness's reports: tests of no harness themselves that
 * read what a harness test wrote (automake's recipe gathering the .log and
 * .trs files into test-suite.log, which fails when a test did). They tell
 * of the tests, and are none: by job root.
 */
export function harnessReports(tests: readonly Job[], process: (id: number) => Process | undefined): Set<number> {
  const harness = tests.filter((j) => harnessOf(j, process));
  const out = new Set<number>();
  if (!harness.length) return out;
  const wrote = new Set(harness.flatMap((j) => j.written));
  for (const j of tests) {
    if (harness.includes(j)) continue;
    const read = j.procs.some((id) => {
      const p = process(id);
      return p !== undefined && [...p.files.values()].some((a) => a.kinds & READS && wrote.has(a.file));
    });
    if (read) out.add(j.proc);
  }
  return out;
}
