/**
 * What a user probably meant by a file name the build never touched
 * (`bt deps build/ap`: build/app): the files the build read or wrote whose
 * path ends in as many components as the name has, the closest by edit
 * distance, at most a third of the name's length away (none for a name of
 * one or two characters). For the error
 * message only: it never picks a file for the user.
 */

/** Levenshtein distance of a and b, giving up (returning max + 1) once it exceeds `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      best = Math.min(best, cur[j]);
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[b.length];
}

/** The end of `path` with as many components as `name` has ("a/b/c", 2 -> "b/c"). */
function endOf(path: string, components: number): string {
  return path.split('/').slice(-components).join('/');
}

/**
 * Up to `limit` paths of `paths` whose end is nearest to `name` (those of
 * the least distance, by path), as they would be named: the same number of
 * components as `name`, or the whole path for an absolute name.
 */
export function nearestNames(name: string, paths: Iterable<string>, limit = 3): string[] {
  const want = name.replace(/^\.\//, '').replace(/\/+$/, '');
  if (want.length < 3) return []; // "o" is near every one-letter name
  const components = want.split('/').length;
  const max = Math.max(1, Math.floor(want.length / 3));
  // the ends at the least distance found so far: a nearer one starts the list anew
  let nearest = max;
  let found: string[] = [];
  const seen = new Set<string>();
  for (const p of paths) {
    const end = want.startsWith('/') ? p : endOf(p, components);
    if (seen.has(end)) continue;
    seen.add(end);
    const d = editDistance(want, end, nearest);
    if (d === 0 || d > nearest) continue;
    if (d < nearest) {
      nearest = d;
      found = [];
    }
    found.push(end);
  }
  return found.sort().slice(0, limit);
}
