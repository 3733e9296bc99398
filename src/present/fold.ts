/**
 * Many files under one directory outside the build's tree, shown as that
 * directory: a C++ compile's ~150 headers under /usr/include, a Python
 * generator's library under ~/.pyenv, a rust toolchain's .rlib files. bt
 * deps' text tree and bt graph fold them so that the build's own files
 * stay in view; --inputs (deps) and --unfold (graph) show every one.
 *
 * And a build tool's cache and bookkeeping (cacheGroupOf), wherever it is
 * and whatever the build did with it, shown as one group: bt graph and
 * the viewer's provenance draw one node, bt summary one line per list.
 */
import type { Build } from '../model/index.js';
import { envMap } from '../model/env.js';
import { programName } from '../model/program.js';
import { dirName, normalizeAbs } from '../normalize/paths.js';

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
 * A build tool's cache or bookkeeping: files the build wrote and read that
 * no one asks about one by one, shown as one group with a count in the
 * graph (one node), bt summary's lists (one line) and the viewer's
 * provenance graph. Without them a clean Go build is a column of ~400
 * cache entries beside its dozen jobs, and a Cargo build's outputs are
 * mostly fingerprints and incremental objects. bt graph --unfold and bt
 * summary --json still name every file.
 */
export interface CacheGroup {
  /** What the group stands for, unique per group: its directory with a slash (/root/.cache/go-build/), or its files' pattern (…/deps/util-b344….*.rcgu.o). */
  name: string;
  /** What it is, in words: "Go build cache". */
  what: string;
}

/** What cacheGroupOf needs to know of the build beyond a path. */
export interface CacheContext {
  /** Go build caches (GOCACHE): directories without a trailing slash. */
  goCaches: ReadonlySet<string>;
  /** Cargo profile directories (target/debug, target/x86_64-unknown-linux-gnu/release): those holding a .fingerprint directory. */
  cargoProfiles: ReadonlySet<string>;
}

/** A Go cache entry, below its cache: xx/<sha256 of the action or output>-a (action) or -d (data). */
const GO_ENTRY = /\/([0-9a-f]{2})\/\1[0-9a-f]{62}-[ad]$/;
/** Cargo's per-unit fingerprints, under a profile directory. */
const FINGERPRINT = /^(.+)\/\.fingerprint(?:\/|$)/;
/** rustc's codegen units (crate-hash.cgu.rcgu.o): written by rustc, read by the linker it runs, removed or linked into its incremental cache; of no use apart. */
const CODEGEN_UNIT = /^(.*\/)([^/.]+)\.[^/]*\.rcgu\.o$/;

/** `dir` (absolute) without a trailing slash or dot components; undefined for a relative one. */
function absDir(dir: string | undefined): string | undefined {
  return dir?.startsWith('/') ? normalizeAbs(dir) : undefined;
}

/**
 * The Go build cache a go process uses by its environment (go help
 * cache): $GOCACHE when set (an absolute directory; "off" is none), else
 * go-build in the user's cache directory ($XDG_CACHE_HOME, else
 * $HOME/.cache). A GOCACHE set with `go env -w` is not in the environment:
 * cacheContext finds that cache by its entries.
 */
export function goCacheOf(env: readonly string[]): string | undefined {
  const set = envMap(env).get('GOCACHE');
  if (set !== undefined && set !== '') return absDir(set);
  const xdg = absDir(envMap(env).get('XDG_CACHE_HOME'));
  if (xdg !== undefined) return `${xdg === '/' ? '' : xdg}/go-build`;
  const home = absDir(envMap(env).get('HOME'));
  return home === undefined ? undefined : `${home === '/' ? '' : home}/.cache/go-build`;
}

/**
 * What cacheGroupOf needs from a build: the Go caches its go processes
 * use (`goEnvs`: their environments) or whose entries it touched, and
 * Cargo's profile directories (those with a .fingerprint directory).
 */
export function cacheContext(paths: Iterable<string>, goEnvs: Iterable<readonly string[]>): CacheContext {
  const goCaches = new Set<string>();
  const cargoProfiles = new Set<string>();
  for (const env of goEnvs) {
    const dir = goCacheOf(env);
    if (dir !== undefined && dir !== '/') goCaches.add(dir);
  }
  for (const p of paths) {
    const entry = GO_ENTRY.exec(p);
    if (entry) goCaches.add(p.slice(0, entry.index));
    const fp = FINGERPRINT.exec(p);
    if (fp) cargoProfiles.add(fp[1]!);
  }
  return { goCaches, cargoProfiles };
}

/**
 * The cache or bookkeeping group of `path` (absolute), undefined for a
 * file that is not in one. The rules:
 *   - the Go build cache (CacheContext.goCaches), with everything in it:
 *     the directory, its xx/ directories, its entries, trim.txt;
 *   - Cargo's fingerprints, <profile>/.fingerprint/;
 *   - rustc's incremental cache under Cargo, <profile>/incremental/;
 *   - rustc's codegen units (*.rcgu.o), one group per crate and directory.
 * Not OUT_DIR (<profile>/build/<pkg>-<hash>/out/): a build script's
 * generated sources are the build's own files.
 */
export function cacheGroupOf(path: string, ctx: CacheContext): CacheGroup | undefined {
  for (let d = path; d !== '/' && d !== ''; d = dirName(d)) {
    if (ctx.goCaches.has(d)) return { name: `${d}/`, what: 'Go build cache' };
    const base = d.slice(d.lastIndexOf('/') + 1);
    if ((base === '.fingerprint' || base === 'incremental') && ctx.cargoProfiles.has(dirName(d))) {
      return { name: `${d}/`, what: base === '.fingerprint' ? "Cargo's fingerprints" : "rustc's incremental cache" };
    }
  }
  const cgu = CODEGEN_UNIT.exec(path);
  if (cgu) return { name: `${cgu[1]}${cgu[2]}.*.rcgu.o`, what: "rustc's codegen units" };
  return undefined;
}

const groupsOf = new WeakMap<Build, ReadonlyArray<CacheGroup | undefined>>();

/** Each file's cache group (cacheGroupOf; by file id), one object per group, computed once per build. */
export function cacheGroups(build: Build): ReadonlyArray<CacheGroup | undefined> {
  let out = groupsOf.get(build);
  if (out) return out;
  const files = build.model.files;
  const goEnvs = build.model.processes.filter((p) => programName(p) === 'go').map((p) => p.env);
  const ctx = cacheContext(files.map((f) => f.path), goEnvs);
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
