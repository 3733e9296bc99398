/**
 * Command runners: xargs and GNU parallel run one command over many
 * arguments. A runner that ran its command several times at once (`xargs
 * -P2 -n1 gcc -c`, `parallel -j2 gcc … ::: *.c`) is a build driver: each
 * run is a job of its own, as a recipe is under make -j, so the jobs,
 * their parallelism, the critical path and each object's provenance are
 * the compiles'. One that ran its command once or one run after another
 * (`xargs rm -f` in a recipe, `xargs -n1 gcc -c` without -P) is a loop,
 * like a shell's `for`: it stays in the job that ran it. `find -exec`
 * runs its command one at a time: a loop too. A runner named with
 * --driver, or traced itself (the root acts as a driver), drives whatever
 * it ran.
 *
 * A runner's runs are its children that read, ran, wrote or removed a
 * file of the build's tree (under the directory the build started in).
 * Its other children are its own start-up work, not the build's: GNU
 * parallel runs `tput` and `hostname`, `sh -c 'echo cccc…'` to find the
 * longest command line, four `sleep 10101` to count the processes it may
 * start and a `bash -c testfun` before its first run. Those are set aside
 * (JobIndex.probes): no jobs. (A runner none of whose children touched
 * the tree sets none aside.)
 */
import { isPseudoPath } from '../normalize/paths.js';
import { Kind, READS, WRITES } from './kinds.js';
import { programName } from './program.js';
import { subtree } from './subtree.js';
import type { BuildModel, Process } from './types.js';

/** Command runners, by program name. */
const RUNNERS: ReadonlySet<string> = new Set(['xargs', 'parallel']);

/** How a run used a file of the tree: read, ran, wrote or removed it. */
const WORKS = READS | WRITES | Kind.DELETE;

/** True if `p` runs a command runner (xargs, GNU parallel: `perl /usr/bin/parallel`). */
export function isRunner(p: Pick<Process, 'argv' | 'exe' | 'pid'>): boolean {
  return RUNNERS.has(programName(p));
}

export interface RunnerChildren {
  /** Whether the runner drives its runs: it ran several at once (or `always`). */
  drives: boolean;
  /** Its children that are none of its runs (its start-up probes): set aside when it drives. */
  own: Process[];
}

/**
 * What runner `p` did with its children (see the module's comment);
 * `always`: it drives whatever it ran (named with --driver, or the root).
 */
export function runnerChildren(model: BuildModel, procs: ReadonlyMap<number, Process>, p: Process, always: boolean): RunnerChildren {
  const tree = model.header.cwd && model.header.cwd !== '/' ? `${model.header.cwd}/` : '/';
  const worksInTree = (child: number) => {
    for (const q of subtree(procs, child)) {
      for (const a of q.files.values()) {
        if (!(a.kinds & WORKS)) continue;
        const f = model.files[a.file]!;
        if (!f.dir && f.path.startsWith(tree) && !isPseudoPath(f.path)) return true;
      }
    }
    return false;
  };
  const runs: Process[] = [];
  const own: Process[] = [];
  for (const c of p.children) {
    const q = procs.get(c);
    if (q) (worksInTree(c) ? runs : own).push(q);
  }
  // a runner that did nothing with the tree: nothing of it is start-up work to set aside
  return { drives: always || atOnce(runs), own: runs.length ? own : [] };
}

/** Whether two of these processes ran at the same time. */
function atOnce(runs: Process[]): boolean {
  let end = -Infinity;
  for (const r of [...runs].sort((a, b) => a.start - b.start)) {
    if (r.start < end) return true;
    end = Math.max(end, r.end);
  }
  return false;
}
