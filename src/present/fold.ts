/**
 * Many files under one directory outside the build's tree, shown as that
 * directory: a C++ compile's ~150 headers under /usr/include, a Python
 * generator's library under ~/.pyenv, a rust toolchain's .rlib files. bt
 * deps' text tree and bt graph fold them so that the build's own files
 * stay in view; --inputs (deps) and --unfold (graph) show every one.
 */
import { dirName } from '../normalize/paths.js';

/** From how many files under one directory they are shown as that directory. */
export const FOLD_AT = 12;

/** Whether `dir` may stand for what is under it: not /, a top directory (/usr) or a home directory (/home/ann). */
function foldable(dir: string): boolean {
  const depth = dir.split('/').length - 1;
  return depth >= (dir.startsWith('/home/') ? 3 : 2);
}

/** The directories above `path`, the shallowest first (/a/b/c -> /a, /a/b). */
function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let d = dirName(path); d !== '/' && d !== '.' && d !== ''; d = dirName(d)) out.unshift(d);
  return out;
}

/**
 * For each of `paths` (absolute) that folds, the directory it folds into:
 * the shallowest foldable directory with FOLD_AT (`at`) or more of the
 * paths under it. Paths that fold into no directory are not in the map.
 */
export function foldDirs(paths: readonly string[], at = FOLD_AT): Map<string, string> {
  const under = new Map<string, number>();
  for (const p of paths) for (const d of ancestors(p)) under.set(d, (under.get(d) ?? 0) + 1);
  const out = new Map<string, string>();
  for (const p of paths) {
    const dir = ancestors(p).find((d) => foldable(d) && (under.get(d) ?? 0) >= at);
    if (dir !== undefined) out.set(p, dir);
  }
  return out;
}
