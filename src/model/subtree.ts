/**
 * A process's subtree: the process and everything it started, through the
 * model's child lists (Process.children). One walk for every reader that
 * asks "what ran under this process" (bt check's sub-makes, ninja's
 * generator run, cargo's rustc and the proc macros running in it).
 */
import type { Build } from './index.js';
import type { Process } from './types.js';

/** The processes of `root`'s subtree, `root` first, depth first (last child first); stop early by leaving the loop. */
export function* subtree(build: Build, root: number): Generator<Process> {
  const stack = [root];
  while (stack.length) {
    const p = build.process(stack.pop()!);
    if (!p) continue;
    yield p;
    stack.push(...p.children);
  }
}
