/**
 * A process's subtree: the process and everything it started, through the
 * model's child lists (Process.children). One walk for every reader that
 * asks "what ran under this process" (bt check's sub-makes, ninja's
 * generator run, cargo's rustc and the proc macros running in it, the
 * model's failed probes under a scratch build); and the other way, a set of
 * processes with their ancestors.
 */
import type { Build } from './index.js';
import type { Process } from './types.js';

/**
 * The processes of `root`'s subtree, `root` first, depth first (last child
 * first); stop early by leaving the loop. `processes`: a Build, or the
 * model's processes by proc id (before there is a Build).
 */
export function* subtree(processes: Pick<Build, 'process'> | ReadonlyMap<number, Process>, root: number): Generator<Process> {
  const get = 'process' in processes ? (id: number) => processes.process(id) : (id: number) => processes.get(id);
  const stack = [root];
  while (stack.length) {
    const p = get(stack.pop()!);
    if (!p) continue;
    yield p;
    stack.push(...p.children);
  }
}

/**
 * The processes of `procs` and all their ancestors: the tree that keeps
 * them connected to the build's root (bt graph --filter, bt export's
 * timelines, bt view's graphs of a process or a file).
 */
export function withAncestors(build: Pick<Build, 'process'>, procs: Iterable<number>): Set<number> {
  const out = new Set<number>();
  for (const proc of procs) {
    for (let q = build.process(proc); q && !out.has(q.proc); q = q.parent ? build.process(q.parent) : undefined) out.add(q.proc);
  }
  return out;
}
