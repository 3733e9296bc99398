/**
 * Facts about the go tool that more than one reader needs: where a go
 * process keeps its build cache (present/fold.ts folds it, check/toolchain.ts
 * allows it).
 */
import { envMap } from './env.js';
import { normalizeAbs } from '../normalize/paths.js';

/** `dir` (absolute) without a trailing slash or dot components; undefined for a relative one. */
function absDir(dir: string | undefined): string | undefined {
  return dir?.startsWith('/') ? normalizeAbs(dir) : undefined;
}

/**
 * The Go build cache a go process uses by its environment (go help
 * cache): $GOCACHE when set (an absolute directory; "off" or a relative
 * one is none), else go-build in the user's cache directory
 * ($XDG_CACHE_HOME when absolute, else $HOME/.cache). A GOCACHE set with
 * `go env -w` is not in the environment: present/fold.ts cacheContext
 * finds that cache by its entries.
 */
export function goCacheOf(env: readonly string[]): string | undefined {
  const vars = envMap(env);
  const set = vars.get('GOCACHE');
  if (set !== undefined && set !== '') return absDir(set);
  const xdg = absDir(vars.get('XDG_CACHE_HOME'));
  if (xdg !== undefined) return `${xdg === '/' ? '' : xdg}/go-build`;
  const home = absDir(vars.get('HOME'));
  return home === undefined ? undefined : `${home === '/' ? '' : home}/.cache/go-build`;
}
