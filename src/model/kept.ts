/**
 * Whether anything the build kept came of some jobs: the one walk behind a
 * failed probe (failures.ts: a failed job nothing kept came of) and a test
 * run (tests.ts: a job that ran a product and left nothing but logs).
 *
 * From what the jobs (and a driver's own processes) wrote, through the jobs
 * that read it and what those wrote, and so on; a file moved or linked to
 * another name is followed to it. A file still there at the end is kept,
 * unless `ignore` takes it (a test's log); a directory or a kernel
 * pseudo-file (/dev/null, a terminal) is no file of the build. A driver
 * reading what a job wrote does not count (Process.job 0: its result is
 * what a probe is for, and a driver reads much for its own bookkeeping).
 * Reads Process.job as the job index set it.
 */
import { isPseudoPath } from '../normalize/paths.js';
import { READS, WRITES } from './kinds.js';
import type { BuildFile, BuildModel, Process } from './types.js';

export interface KeptOptions {
  /** Files still there that count as nothing kept (a test's logs). */
  ignore?: (f: BuildFile) => boolean;
  /**
   * A file still there that the roots wrote and a job other than its
   * writers read counts as nothing kept by itself: what came of those
   * readers decides (a failed test's `test.out`, left behind, that only
   * the comparison reading it read). One that no other job read is kept,
   * and so is every such file further on (else the product a test ran
   * would count for nothing).
   */
  throughReaders?: boolean;
}

/**
 * The walk over `model` (see above): called with job roots and a driver's
 * own processes, it answers undefined when a kept file came of them, else
 * the jobs it went through (the roots and every job that read what they,
 * and so on, wrote). Jobs found to lead to nothing kept are remembered
 * between calls.
 */
export function keptWalk(model: BuildModel, opts: KeptOptions = {}): (roots: readonly number[], own?: readonly Process[]) => ReadonlySet<number> | undefined {
  const byProc = new Map(model.processes.map((p) => [p.proc, p]));
  const members = new Map<number, Process[]>();
  for (const p of model.processes) {
    if (!p.job) continue;
    const m = members.get(p.job);
    if (m) m.push(p);
    else members.set(p.job, [p]);
  }
  const movedTo = new Map<number, number[]>();
  for (const l of model.links) {
    const to = movedTo.get(l.from);
    if (to) to.push(l.to);
    else movedTo.set(l.from, [l.to]);
  }
  // jobs known to lead to nothing the build kept: a walk that finds nothing kept marks every job it went through
  const barren = new Set<number>();
  return (roots, own = []) => {
    const seenJobs = new Set(roots);
    const seenFiles = new Set<number>();
    const jobs = [...roots];
    const files: number[] = [];
    const wrote = (p: Process) => {
      for (const a of p.files.values()) if (a.kinds & WRITES) files.push(a.file);
    };
    own.forEach(wrote);
    // what the roots wrote themselves (throughReaders)
    const first = new Set<number>();
    if (opts.throughReaders) for (const r of roots) for (const p of members.get(r) ?? []) for (const a of p.files.values()) if (a.kinds & WRITES) first.add(a.file);
    for (;;) {
      while (files.length) {
        const id = files.pop()!;
        if (seenFiles.has(id)) continue;
        seenFiles.add(id);
        const f = model.files[id];
        if (f.dir || isPseudoPath(f.path)) continue; // /dev/null, a terminal, the kernel's files: no file of the build
        const readers = new Set<number>();
        for (const a of f.procs) {
          const reader = a.kinds & READS ? byProc.get(a.proc)?.job : 0;
          if (reader) readers.add(reader);
        }
        if (!f.removed && !opts.ignore?.(f)) {
          if (!opts.throughReaders || !first.has(id)) return undefined;
          // kept, unless another job read it: then it is what came of that job that counts
          for (const a of f.procs) if (a.kinds & WRITES) readers.delete(byProc.get(a.proc)?.job ?? 0);
          if (!readers.size) return undefined;
        }
        files.push(...(movedTo.get(id) ?? []));
        for (const reader of readers) {
          if (!seenJobs.has(reader)) {
            seenJobs.add(reader);
            jobs.push(reader);
          }
        }
      }
      const job = jobs.pop();
      if (job === undefined) break;
      if (!barren.has(job)) for (const p of members.get(job) ?? []) wrote(p);
    }
    for (const j of seenJobs) barren.add(j);
    return seenJobs;
  };
}
