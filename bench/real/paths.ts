/**
 * Lexical path handling for fidelity facts (independent of src/, same
 * rules as bt normalize): `.` and `..` are folded, repeated slashes
 * collapsed, `..` at the root stays at the root, symlinks are not followed.
 */

/** "/a/./b/../c//d/" -> "/a/c/d". */
export function normalizeAbs(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

/**
 * `p` resolved against the absolute directory `base`: undefined if `p` is
 * relative and the base unknown, or if `p` is empty (the kernel's ENOENT,
 * unless AT_EMPTY_PATH applies: pass emptyIsBase).
 */
export function resolveLexical(base: string | undefined, p: string, emptyIsBase = false): string | undefined {
  if (p.startsWith('/')) return normalizeAbs(p);
  if (p === '' && !emptyIsBase) return undefined;
  if (base === undefined || !base.startsWith('/')) return undefined;
  return normalizeAbs(p === '' ? base : `${base}/${p}`);
}

/** The form a path takes in a fact when it cannot be made absolute. */
export function unresolvedPath(p: string): string {
  return `?unresolved:${p}`;
}
