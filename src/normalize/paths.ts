/**
 * Lexical path resolution: no filesystem access (the build's tree may be
 * gone, and the tracing machine may not be this one). `.` and `..` are
 * folded, repeated slashes collapsed; `..` at the root stays at the root.
 * Symbolic links are not followed, so `a/link/..` folds to `a`, which is
 * what the kernel would see only if `link` is not a symlink: the usual
 * trade-off of tools that cannot look at the tree.
 */

/** What an absolute path that is already normal lacks: "//", "/." (also "/.."), a trailing "/" after a name. */
const NOT_NORMAL = /\/[/.]|[^]\/$/;

/** The same for a relative tail: it also must not start with "/" or be "." or "..". */
const REST_NOT_NORMAL = /^(?:\/|\.\.?$)|\/[/.]|\/$/;

/** Normalizes an absolute path lexically ("/a/./b/../c//d/" -> "/a/c/d"). */
export function normalizeAbs(p: string): string {
  // Fast path: already normal.
  if (p.charCodeAt(0) === 47 && !NOT_NORMAL.test(p)) return p;
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      out.pop();
      continue;
    }
    out.push(part);
  }
  return `/${out.join('/')}`;
}

/**
 * Resolves `p` against the absolute directory `base`. An absolute `p`
 * ignores the base. Returns undefined when `p` is relative and the base is
 * unknown.
 */
export function resolvePath(base: string | undefined, p: string): string | undefined {
  if (p.startsWith('/')) return normalizeAbs(p);
  if (base === undefined || !base.startsWith('/')) return undefined;
  if (p === '' || p === '.') return normalizeAbs(base);
  // Fast path (the usual relative path): leading "../" and "./" applied to
  // the base, then a tail with nothing to fold.
  let dir = normalizeAbs(base);
  let i = 0;
  for (;;) {
    if (p.startsWith('../', i)) {
      dir = dirName(dir);
      i += 3;
    } else if (p.startsWith('./', i)) {
      i += 2;
    } else {
      break;
    }
  }
  const rest = i === 0 ? p : p.slice(i);
  if (rest.length > 0 && !REST_NOT_NORMAL.test(rest)) {
    return dir === '/' ? `/${rest}` : `${dir}/${rest}`;
  }
  return normalizeAbs(`${dir}/${rest}`);
}

/** The last component of a path ("/a/b.c" -> "b.c", "/" -> "/"). */
export function baseName(p: string): string {
  if (p === '/' || p === '') return p;
  const s = p.endsWith('/') ? p.slice(0, -1) : p;
  const i = s.lastIndexOf('/');
  return i < 0 ? s : s.slice(i + 1);
}

/** The directory of an absolute path ("/a/b.c" -> "/a", "/a" -> "/"). */
export function dirName(p: string): string {
  const i = p.lastIndexOf('/');
  if (i <= 0) return '/';
  return p.slice(0, i);
}

/** `p` relative to directory `dir` if inside it ("/r/a/b", "/r" -> "a/b"), else undefined. */
export function relativeInside(dir: string, p: string): string | undefined {
  if (dir === '/') return p.slice(1) || '.';
  if (p === dir) return '.';
  if (p.startsWith(dir) && p.charCodeAt(dir.length) === 47) return p.slice(dir.length + 1);
  return undefined;
}

/**
 * The paths under directories, found by binary search in the paths sorted
 * once (made on first use): `under(dir)` is every path that starts with
 * `dir/`, sorted. For a question asked often of many paths (a failed
 * compile's -I directories against every target of a build graph).
 */
export function pathsUnder(paths: () => Iterable<string>): (dir: string) => string[] {
  let sorted: string[] | undefined;
  return (dir) => {
    sorted ??= [...paths()].sort();
    const prefix = `${dir}/`;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    const out: string[] = [];
    for (let i = lo; i < sorted.length && sorted[i]!.startsWith(prefix); i++) out.push(sorted[i]!);
    return out;
  };
}

/** A kernel pseudo-file (/proc, /sys, /dev): no build's input or output. */
export function isPseudoPath(p: string): boolean {
  return /^\/(proc|sys|dev)(\/|$)/.test(p);
}
