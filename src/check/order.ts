/**
 * Ordering in a build system's graph, for bt check's missing-dep: is a
 * target made after a rule (there is a path of prerequisites, of any kind,
 * from the target back to one of the rule's outputs)? A depth-first search
 * from the target that stops at the first output found; the nodes of a
 * search that found none reach none of the rule's outputs, and later
 * searches for the same rule skip them (ninja -t missingdeps keeps the
 * same kind of memo), so asking for every job of a big build stays linear
 * per generating rule.
 */
export class OrderIndex {
  /** Per generating rule (its key): nodes known to reach none of its outputs. */
  private readonly cleared = new Map<string, Set<string>>();

  constructor(
    /** The prerequisites of every kind (normal, order-only, …) of the rule that makes a node. */
    private readonly inputs: (node: string) => Iterable<string>,
  ) {}

  /** `to` (or any of `starts`, the targets made with it) depends, transitively, on one of `outputs` (the rule known by `key`). */
  after(key: string, outputs: ReadonlySet<string>, starts: readonly string[]): boolean {
    let cleared = this.cleared.get(key);
    if (!cleared) this.cleared.set(key, (cleared = new Set()));
    const seen = new Set<string>(starts);
    const stack = [...starts];
    while (stack.length) {
      for (const q of this.inputs(stack.pop()!)) {
        if (outputs.has(q)) return true;
        if (seen.has(q) || cleared.has(q)) continue;
        seen.add(q);
        stack.push(q);
      }
    }
    for (const n of seen) cleared.add(n);
    return false;
  }
}
