/**
 * Many files under one directory outside the build's tree, shown as that
 * directory: a C++ compile's ~150 headers under /usr/include, a Python
 * generator's library under ~/.pyenv, a rust toolchain's .rlib files. bt
 * deps' text tree and bt graph fold them so that the build's own files
 * stay in view; --inputs (deps) and --unfold (graph) show every one.
 *
 * And a build tool's cache, bookkeeping and scratch (cacheGroupOf),
 * wherever it is and whatever the build did with it, shown as one group:
 * bt graph and the viewer's provenance draw one node, bt summary one line
 * per list, bt deps and rdeps one line (also with --inputs, --outputs).
 */
import type { Build } from '../model/index.js';
import { goCacheOf } from '../model/gotool.js';
import { ccacheDirByLayout, compilerCacheHomes, compilerCacheTool, isCompilerCacheEntry, type CompilerCacheTool } from '../model/compilercache.js';
import { gradleUserHome, jvmTool } from '../model/jvmtool.js';
import { programName } from '../model/program.js';
import { baseName, dirName } from '../normalize/paths.js';

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

/**
 * A build tool's cache, bookkeeping or scratch: files the build wrote and
 * read that no one asks about one by one, shown as one group with a count
 * in the graph (one node), bt summary's lists and bt deps' (one line) and
 * the viewer's provenance graph. Without them a clean Go build is a column
 * of ~400 cache entries beside its dozen jobs, and a Cargo build's outputs
 * are mostly fingerprints and incremental objects. bt graph --unfold, bt
 * deps --unfold and the JSON still name every file.
 */
export interface CacheGroup {
  /** What the group stands for, unique per group: its directory with a slash (/root/.cache/go-build/), or its files' pattern (…/deps/util-b344….*.rcgu.o, target/**\/). */
  name: string;
  /** What it is, in words: "Go build cache". */
  what: string;
  /**
   * What its files were made from is its own business too, folded with
   * it in bt deps' tree: CMake's try-compile checks (their sources,
   * compiler and libraries tell of configure, not of what the build made).
   */
  whole?: true;
  /**
   * A cache that concurrent jobs share under the tool's own locking (the
   * Go build cache, ccache's, sccache's), by its tool: which job wrote an
   * entry is no race (one key, one content), and its bookkeeping
   * (isBookkeeping: stats, locks, CACHEDIR.TAG, scratch, its log) orders
   * no job after another; its entries are what a cache hit is made of.
   */
  shared?: 'go' | CompilerCacheTool;
}

/**
 * Whether `path`, in cache group `g`, is the tool's bookkeeping rather
 * than a cache entry: what links no job to another (the critical path, bt
 * rdeps) and races with nothing (bt check). A shared cache's files but its
 * entries (Go's xx/<hash>-a|-d, ccache's <c>/<c>/<key>M|R).
 */
export function isBookkeeping(path: string, g: CacheGroup | undefined): boolean {
  if (!g?.shared) return false;
  return g.shared === 'go' ? !GO_ENTRY.test(path) : !isCompilerCacheEntry(g.shared, path);
}

/** What cacheGroupOf needs to know of the build beyond a path. */
export interface CacheContext {
  /** Go build caches (GOCACHE): directories without a trailing slash. */
  goCaches: ReadonlySet<string>;
  /** Gradle's caches (GRADLE_USER_HOME/caches): directories without a trailing slash. */
  gradleCaches: ReadonlySet<string>;
  /** Cargo profile directories (target/debug, target/x86_64-unknown-linux-gnu/release): those holding a .fingerprint directory. */
  cargoProfiles: ReadonlySet<string>;
  /** Cargo's target directories above the profiles (target, and target/<triple> under it), each to its top one (target). */
  cargoTargets: ReadonlyMap<string, string>;
  /** Compiler caches (ccache's, sccache's cache directories) and the logs they were told to write (CCACHE_LOGFILE), by path, with their tool. */
  compilerCaches: ReadonlyMap<string, CompilerCacheTool>;
  compilerLogs: ReadonlyMap<string, CompilerCacheTool>;
}

/** The environments of a build's compiler cache processes (ccache, sccache), with their tool. */
export interface CompilerCacheEnv {
  tool: CompilerCacheTool;
  env: readonly string[];
}

/** A Go cache entry, below its cache: xx/<sha256 of the action or output>-a (action) or -d (data). */
const GO_ENTRY = /\/([0-9a-f]{2})\/\1[0-9a-f]{62}-[ad]$/;
/** The go command's work directory ($WORK: os.MkdirTemp(GOTMPDIR, "go-build"), removed when it ends) and its linker's (go-link-), a build's scratch. */
const GO_WORK = /^go-(build|link-)\d+$/;
/** Cargo's per-unit fingerprints, under a profile directory. */
const FINGERPRINT = /^(.+)\/\.fingerprint(?:\/|$)/;
/** rustc's codegen units (crate-hash.cgu.rcgu.o): written by rustc, read by the linker it runs, removed or linked into its incremental cache; of no use apart. */
const CODEGEN_UNIT = /^(.*\/)([^/.]+)\.[^/]*\.rcgu\.o$/;
/**
 * rustc's temporary directories (the tempfile crate's: a prefix and six
 * random characters) beside its outputs: rmetaXXXXXX (the .rmeta before
 * its rename into place), rustcXXXXXX (symbols.o for the linker),
 * .tmpXXXXXX.temp-archive (an .rlib before its rename); removed when it ends.
 */
const RUSTC_SCRATCH = /^(?:rmeta[A-Za-z0-9]{6}|rustc[A-Za-z0-9]{6}|\.tmp[A-Za-z0-9]{6}\.temp-archive)$/;
/**
 * CMake's try-compile scratch, below a build directory's CMakeFiles/: a
 * directory per check, CMakeScratch/TryCompile-XXXXXX (CMake 3.24 and
 * later), or CMakeTmp (before), where configure writes a source, builds it
 * and reads the result, then removes it.
 */
const CMAKE_SCRATCH = /^(.*?\/CMakeFiles\/)(?:(CMakeScratch)(?:\/TryCompile-[^/]+(?:\/.*)?)?|CMakeTmp(?:\/.*)?)$/;
/** npm's content-addressed cache (cacache: content-v2/, index-v5/, tmp/), the _cacache directory of its cache (~/.npm by default, npm config get cache). */
const NPM_CACHE = '_cacache';
/** A Cargo profile's own directories, relative to it (OUT_DIR's files are the build's own: only the directory). */
const CARGO_DIR = /^(?:deps|build|examples|\.fingerprint|incremental|build\/[^/]+|build\/[^/]+\/out)$/;
/** A target triple (x86_64-unknown-linux-gnu), a directory between Cargo's target directory and a profile. */
const TRIPLE = /^[a-z0-9_]+-[a-z0-9_]+-[a-z0-9_.-]+$/;

/**
 * What cacheGroupOf needs from a build: the Go caches its go processes
 * use (`goEnvs`: their environments; model/gotool.ts) or whose entries it
 * touched, Gradle's caches (the caches/ of `gradleHomes`, its gradle JVMs'
 * user homes; model/jvmtool.ts), Cargo's profile directories (those with a
 * .fingerprint directory) and the target directories above them, and the
 * compiler caches its ccache and sccache processes use (`compilerEnvs`;
 * ccache's also by the layout of the files they touched, `compilerPaths`: a
 * cache_dir set in ccache.conf) and the logs they write.
 */
export function cacheContext(
  paths: Iterable<string>,
  goEnvs: Iterable<readonly string[]>,
  compilerEnvs: Iterable<CompilerCacheEnv> = [],
  compilerPaths: Iterable<string> = [],
  gradleHomes: Iterable<string> = [],
): CacheContext {
  const gradleCaches = new Set([...gradleHomes].filter((d) => d !== '/').map((d) => `${d}/caches`));
  const goCaches = new Set<string>();
  const cargoProfiles = new Set<string>();
  const compilerCaches = new Map<string, CompilerCacheTool>();
  const compilerLogs = new Map<string, CompilerCacheTool>();
  for (const env of goEnvs) {
    const dir = goCacheOf(env);
    if (dir !== undefined && dir !== '/') goCaches.add(dir);
  }
  for (const { tool, env } of compilerEnvs) {
    const homes = compilerCacheHomes(tool, env);
    for (const d of homes.caches) compilerCaches.set(d, tool);
    for (const l of homes.logs) compilerLogs.set(l, tool);
  }
  // by layout, the shallowest first: ccache looks for an entry at deeper levels too (<c>/<c>/<c>/<key>M), inside the cache
  const byLayout = new Set<string>();
  for (const p of compilerPaths) {
    const dir = ccacheDirByLayout(p);
    if (dir !== undefined) byLayout.add(dir);
  }
  const within = (d: string) => [...compilerCaches.keys()].some((c) => d === c || d.startsWith(`${c}/`));
  for (const dir of [...byLayout].sort((a, b) => a.length - b.length)) if (!within(dir)) compilerCaches.set(dir, 'ccache');
  for (const p of paths) {
    const entry = GO_ENTRY.exec(p);
    if (entry) goCaches.add(p.slice(0, entry.index));
    const fp = FINGERPRINT.exec(p);
    if (fp) cargoProfiles.add(fp[1]!);
  }
  const cargoTargets = new Map<string, string>();
  for (const profile of cargoProfiles) {
    const up = dirName(profile);
    if (up === '/' || up === '.') continue;
    const top = TRIPLE.test(baseName(up)) && dirName(up) !== '/' ? dirName(up) : up;
    cargoTargets.set(up, top);
    cargoTargets.set(top, top);
  }
  return { goCaches, gradleCaches, cargoProfiles, cargoTargets, compilerCaches, compilerLogs };
}

/**
 * The target directory (target) whose layout `path` is one of Cargo's
 * directories of: the target directory, a triple's, a profile, its deps/,
 * build/, examples/, .fingerprint/ and incremental/ (an empty one without
 * CARGO_INCREMENTAL), a build script's directory and its OUT_DIR (not what
 * is in them), and the temporary name Cargo makes the target directory
 * under (targetXXXXXX, renamed to target).
 */
function cargoLayoutOf(path: string, ctx: CacheContext): string | undefined {
  const target = ctx.cargoTargets.get(path);
  if (target !== undefined) return target;
  const renamed = path.slice(0, -6);
  if (ctx.cargoTargets.get(renamed) === renamed && /^[A-Za-z0-9]{6}$/.test(path.slice(-6))) return renamed;
  for (let d = path, i = 0; i < 4 && d !== '/' && d !== '.'; d = dirName(d), i++) {
    if (!ctx.cargoProfiles.has(d)) continue;
    return d === path || CARGO_DIR.test(path.slice(d.length + 1)) ? ctx.cargoTargets.get(dirName(d)) : undefined;
  }
  return undefined;
}

/** Whether `dir` is at or under one of Cargo's profile directories. */
function inCargoProfile(dir: string, ctx: CacheContext): boolean {
  for (let d = dir; d !== '/' && d !== '.' && d !== ''; d = dirName(d)) if (ctx.cargoProfiles.has(d)) return true;
  return false;
}

/**
 * The cache, bookkeeping or scratch group of `path` (absolute), undefined
 * for a file that is not in one. The rules:
 *   - the Go build cache (CacheContext.goCaches), with everything in it:
 *     the directory, its xx/ directories, its entries, trim.txt;
 *   - a compiler cache (CacheContext.compilerCaches: ccache's, sccache's),
 *     with everything in it: its entries, stats, locks, CACHEDIR.TAG,
 *     tmp/; and the log it writes (CCACHE_LOGFILE), that file alone;
 *   - Gradle's cache (CacheContext.gradleCaches, ~/.gradle/caches/), with
 *     everything in it: compiled build scripts, file hashes, dependencies;
 *   - the go command's work directory (/tmp/go-build123/) and its linker's
 *     (/tmp/go-link-123/), with everything in them: removed when it ends;
 *   - Cargo's directories (cargoLayoutOf), one group per target directory
 *     (target/**\/);
 *   - Cargo's fingerprints, what is in <profile>/.fingerprint/;
 *   - rustc's incremental cache under Cargo, what is in <profile>/incremental/;
 *   - rustc's scratch directories under a profile (RUSTC_SCRATCH), with
 *     what is in them, one group per directory they are in;
 *   - rustc's codegen units (*.rcgu.o), one group per crate and directory;
 *   - CMake's try-compile scratch (CMAKE_SCRATCH), with everything in it,
 *     one group per build directory: CMakeFiles/CMakeScratch/TryCompile-*\/
 *     or CMakeFiles/CMakeTmp/ (`whole`: what it was made from folds too);
 *   - npm's cache (NPM_CACHE), with everything in it: the packuments and
 *     tarballs `npm install` reads and writes by their hashes.
 * Not OUT_DIR's files (<profile>/build/<pkg>-<hash>/out/): a build script's
 * generated sources are the build's own files.
 */
export function cacheGroupOf(path: string, ctx: CacheContext): CacheGroup | undefined {
  const target = ctx.cargoProfiles.size ? cargoLayoutOf(path, ctx) : undefined;
  if (target !== undefined) return { name: `${target}/**/`, what: "Cargo's directories" };
  const log = ctx.compilerLogs.get(path);
  if (log) return { name: path, what: `${log}'s log`, shared: log };
  for (let d = path; d !== '/' && d !== ''; d = dirName(d)) {
    if (ctx.goCaches.has(d)) return { name: `${d}/`, what: 'Go build cache', shared: 'go' };
    const compiler = ctx.compilerCaches.get(d);
    if (compiler) return { name: `${d}/`, what: `${compiler}'s cache`, shared: compiler };
    if (ctx.gradleCaches.has(d)) return { name: `${d}/`, what: "Gradle's cache" };
    const base = d.slice(d.lastIndexOf('/') + 1);
    if (base === NPM_CACHE) return { name: `${d}/`, what: "npm's cache" };
    const work = GO_WORK.exec(base);
    if (work) return { name: `${d}/`, what: work[1] === 'build' ? "go's work directory" : "the go linker's work directory" };
    if ((base === '.fingerprint' || base === 'incremental') && ctx.cargoProfiles.has(dirName(d))) {
      return { name: `${d}/`, what: base === '.fingerprint' ? "Cargo's fingerprints" : "rustc's incremental cache" };
    }
    if (RUSTC_SCRATCH.test(base) && inCargoProfile(dirName(d), ctx)) return { name: `${dirName(d)}/{.tmp,rmeta,rustc}*/`, what: "rustc's scratch directories" };
  }
  const cgu = CODEGEN_UNIT.exec(path);
  if (cgu) return { name: `${cgu[1]}${cgu[2]}.*.rcgu.o`, what: "rustc's codegen units" };
  const cmake = CMAKE_SCRATCH.exec(path);
  if (cmake) return { name: `${cmake[1]}${cmake[2] ? 'CMakeScratch/TryCompile-*' : 'CMakeTmp'}/`, what: "CMake's try-compile scratch", whole: true };
  return undefined;
}

const groupsOf = new WeakMap<Build, ReadonlyArray<CacheGroup | undefined>>();

/** Each file's cache group (cacheGroupOf; by file id), one object per group, computed once per build. */
export function cacheGroups(build: Build): ReadonlyArray<CacheGroup | undefined> {
  let out = groupsOf.get(build);
  if (out) return out;
  const files = build.model.files;
  const goEnvs = build.model.processes.filter((p) => programName(p) === 'go').map((p) => p.env);
  // the tools whose caches are found from their processes: ccache's and sccache's, gradle's
  const compilerEnvs: CompilerCacheEnv[] = [];
  const compilerPaths: string[] = [];
  const gradleHomes = new Set<string>();
  for (const p of build.model.processes) {
    const tool = p.execd ? compilerCacheTool(p) : undefined;
    if (tool) {
      compilerEnvs.push({ tool, env: p.env });
      if (tool === 'ccache') for (const id of p.files.keys()) compilerPaths.push(files[id].path);
      continue;
    }
    const home = jvmTool(programName(p), p.argv) === 'gradle' ? gradleUserHome(p.env, p.argv) : undefined;
    if (home) gradleHomes.add(home);
  }
  const ctx = cacheContext(files.map((f) => f.path), goEnvs, compilerEnvs, compilerPaths, gradleHomes);
  const byName = new Map<string, CacheGroup>();
  out = files.map((f) => {
    const g = cacheGroupOf(f.path, ctx);
    if (!g) return undefined;
    const known = byName.get(g.name);
    if (known) return known;
    byName.set(g.name, g);
    return g;
  });
  groupsOf.set(build, out);
  return out;
}

const bookkeepingFlags = new WeakMap<Build, Uint8Array>();

/** Whether each file of a build (by id) is a shared cache's bookkeeping (isBookkeeping), computed once per build: what orders no job after another. */
export function bookkeepingOf(build: Build): Uint8Array {
  let flags = bookkeepingFlags.get(build);
  if (!flags) {
    const groups = cacheGroups(build);
    const files = build.model.files;
    flags = new Uint8Array(files.length);
    for (let i = 0; i < files.length; i++) if (isBookkeeping(files[i].path, groups[i])) flags[i] = 1;
    bookkeepingFlags.set(build, flags);
  }
  return flags;
}
