/**
 * Facts about compiler caches (ccache, sccache) that more than one reader
 * needs: where a ccache or sccache process keeps its cache, its
 * configuration and its log, by its environment (present/fold.ts folds the
 * cache and log, check/toolchain.ts allows them all), and which of the
 * cache's files are its entries (what a hit is made of) rather than its
 * bookkeeping (stats, locks, CACHEDIR.TAG, scratch).
 */
import { envMap } from './env.js';
import { programName, programsOf } from './program.js';
import type { Process } from './types.js';
import { baseName, normalizeAbs } from '../normalize/paths.js';

export type CompilerCacheTool = 'ccache' | 'sccache';

/** Where one compiler cache process keeps its files, by its environment (absolute paths, no trailing slash). */
export interface CompilerCacheHomes {
  tool: CompilerCacheTool;
  /** The cache directories it may use: $CCACHE_DIR, else the legacy ~/.ccache and $XDG_CACHE_HOME/ccache (~/.cache/ccache); sccache's $SCCACHE_DIR, else ~/.cache/sccache. */
  caches: string[];
  /** Its configuration files and directories: $CCACHE_CONFIGPATH, ~/.config/ccache, /etc/ccache.conf (and ~/.ccache, which it looks for, with a CCACHE_DIR); sccache's $SCCACHE_CONF, ~/.config/sccache. */
  configs: string[];
  /** The log it was told to write ($CCACHE_LOGFILE, $SCCACHE_ERROR_LOG): its bookkeeping, wherever it is. */
  logs: string[];
}

/**
 * ccache's cache entries: <dir>/<c>/<c>/<rest of the key><M|R> (4.x: a
 * manifest, a result), <rest>W or <rest>_<n>W (4.x raw files), or
 * <hash>-<size>.<suffix> (3.x); the rest of the cache directory (stats,
 * stats.lock, CACHEDIR.TAG, tmp/, lock/, ccache.conf) is bookkeeping.
 */
const CCACHE_ENTRY = /\/[0-9a-z]\/[0-9a-z]\/[0-9a-z]+(?:[MRW]|_\d+W|-\d+\.(?:manifest|result|o|stderr|d|dia|gcno|su|dwo))$/;
/** sccache's local cache entries: <dir>/<c>/<c>/<hex key>. */
const SCCACHE_ENTRY = /\/[0-9a-f]\/[0-9a-f]\/[0-9a-f]{32,}$/;

/** Whether `path`, in a compiler cache of `tool`, is one of its entries (not its bookkeeping). */
export function isCompilerCacheEntry(tool: CompilerCacheTool, path: string): boolean {
  return (tool === 'ccache' ? CCACHE_ENTRY : SCCACHE_ENTRY).test(path);
}

/**
 * ccache's cache directory found by its layout (a cache_dir set in a
 * configuration file is not in the environment): the directory above a
 * first-level <c>/CACHEDIR.TAG, <c>/stats or <c>/<c>/stats, or above an
 * entry.
 */
const CCACHE_LAYOUT = /^(\/.+?)\/[0-9a-f]\/(?:CACHEDIR\.TAG|stats(?:\.lock)?|[0-9a-f]\/stats(?:\.lock)?|[0-9a-z]\/[0-9a-z]+[MR])$/;

/** The cache directory of a ccache file by the cache's layout, undefined when `path` does not look like one. */
export function ccacheDirByLayout(path: string): string | undefined {
  return CCACHE_LAYOUT.exec(path)?.[1];
}

/** The compiler cache a process runs (by its program name or its exe: /usr/lib/ccache/gcc is ccache too), undefined for any other. */
export function compilerCacheTool(p: Pick<Process, 'argv' | 'exe' | 'pid'>): CompilerCacheTool | undefined {
  const name = programName(p);
  if (name === 'ccache' || name === 'sccache') return name;
  const exe = baseName(p.exe);
  if (exe === 'ccache' || exe === 'sccache') return exe;
  return p.exe.includes('/ccache/') ? 'ccache' : undefined;
}

/** `dir` (absolute) without a trailing slash or dot components; undefined for a relative or empty one. */
function absDir(dir: string | undefined): string | undefined {
  return dir?.startsWith('/') ? normalizeAbs(dir) : undefined;
}

const under = (dir: string | undefined, name: string) => (dir === undefined ? undefined : `${dir === '/' ? '' : dir}/${name}`);

/** Where a ccache or sccache process keeps its cache, configuration and log, by its environment. */
export function compilerCacheHomes(tool: CompilerCacheTool, env: readonly string[]): CompilerCacheHomes {
  const vars = envMap(env);
  const home = absDir(vars.get('HOME'));
  const cache = absDir(vars.get('XDG_CACHE_HOME')) ?? under(home, '.cache');
  const config = absDir(vars.get('XDG_CONFIG_HOME')) ?? under(home, '.config');
  const some = (...l: Array<string | undefined>) => l.filter((d): d is string => d !== undefined && d !== '/');
  if (tool === 'ccache') {
    const set = absDir(vars.get('CCACHE_DIR'));
    return {
      tool,
      caches: set ? [set] : some(under(home, '.ccache'), under(cache, 'ccache')),
      // ccache looks for the legacy ~/.ccache whatever CCACHE_DIR says
      configs: some(absDir(vars.get('CCACHE_CONFIGPATH')), under(config, 'ccache'), '/etc/ccache.conf', ...(set ? [under(home, '.ccache')] : [])),
      logs: some(absDir(vars.get('CCACHE_LOGFILE'))),
    };
  }
  return {
    tool,
    caches: some(absDir(vars.get('SCCACHE_DIR')) ?? under(cache, 'sccache')),
    configs: some(absDir(vars.get('SCCACHE_CONF')), under(config, 'sccache')),
    logs: some(absDir(vars.get('SCCACHE_ERROR_LOG'))),
  };
}

/**
 * What ccache did for one compile: served it from the cache without running
 * the compiler (direct mode), after running only the preprocessor, ran the
 * compiler (a miss), or exec'd the compiler in its place, caching nothing (a
 * compile it cannot cache: several sources, an option it does not handle).
 */
export type CacheOutcome = 'direct hit' | 'preprocessed hit' | 'miss' | 'uncached';

/**
 * What ccache did for the compile a job's root ran (`ccache gcc -c …`),
 * from the processes it ran: none, a direct hit; only the preprocessor (`gcc
 * -E`), a preprocessed hit; the compiler (`gcc … -c`), a miss; the root
 * itself went on as the compiler (Process.execs: ccache exec'd it),
 * uncached. Undefined for any other process: not ccache, not a compile (a
 * link ccache hands to the compiler is none). sccache compiles in its
 * server, not under the client: not told.
 */
export function cacheOutcome(root: Process, proc: (id: number) => Process | undefined): CacheOutcome | undefined {
  const chain = programsOf(root);
  const at = chain.findIndex((x) => programName({ argv: x.argv, exe: x.exe, pid: root.pid }) === 'ccache');
  if (!root.execd || at < 0 || !chain[at].argv.includes('-c')) return undefined;
  if (at < chain.length - 1) return 'uncached';
  let preprocessed = false;
  const stack = [...root.children];
  while (stack.length) {
    const p = proc(stack.pop()!);
    if (!p) continue;
    if (p.execd && p.argv.includes('-c')) return 'miss';
    if (p.execd && p.argv.includes('-E')) preprocessed = true;
    stack.push(...p.children);
  }
  return preprocessed ? 'preprocessed hit' : 'direct hit';
}
