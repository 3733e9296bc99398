/**
 * The files of a build in the groups a build engineer asks about:
 *
 *   inputs         read (or run), never written by the build; split by where they are:
 *                  tree (under the build's start directory), system (/usr, /lib*, /etc,
 *                  /opt, …) and elsewhere (home directories, other trees: the unexpected)
 *   outputs        written, present at the end, and read by no other job of the build
 *                  (the products first: see productsFirst)
 *   intermediates  written, then read by another job or removed (objects, generated
 *                  headers, gcc's /tmp/ccXXXXXX.s, a file one job wrote and another moved)
 *                  (by path, those in the tree first)
 *   temporaries    made and removed (or renamed onto another name) by one process, read
 *                  by no other (model/temporary.ts isOwnTemporary): ar's stXXXXXX,
 *                  sed -i's sedXXXXXX, a mkstemp file os.replace()d into place; or made
 *                  and removed in a directory the build made and removed (isTemporary:
 *                  kbuild's try-run `.tmp_<pid>/tmp`)
 *   tests          written by the tests alone (model/tests.ts testFiles: a test's log,
 *                  what it left behind, what it made and a job removed), read by no
 *                  job, not a temporary: not the build's outputs or intermediates
 *   probes         looked up and not found (failed open, exec, stat, …), per directory
 *
 * Runtime noise (/proc, /sys, /dev, shared libraries, the loader, locale
 * data; but not a library the build made, nor a link input: see
 * linkInputs) is left out unless `all` is set. Directories are not grouped.
 * A file used by two names on a merged /usr (/bin/sh and /usr/bin/sh) is
 * in a group once, by its /usr name (model/usrmerge.ts distinctFiles).
 */
import { compileGlob, defaultHidden, SYSTEM_PATHS } from '../graph/glob.js';
import { Kind, READS, WRITES } from '../model/kinds.js';
import { unitId, type Build, type BuildFile, type Process } from '../model/index.js';
import { baseName, dirName, resolvePath } from '../normalize/paths.js';
import { isSetApart } from '../model/temporary.js';
import { cacheGroups } from '../present/fold.js';
import { distinctFiles } from '../model/usrmerge.js';

export type Place = 'tree' | 'system' | 'elsewhere';

export interface FileGroups {
  inputs: Record<Place, number[]>;
  outputs: number[];
  /** Not the temporaries. */
  intermediates: number[];
  /** Made and removed (or renamed onto another name) by one process, read by no other, or made and removed in a directory the build made and removed (isTemporary). */
  temporaries: number[];
  /** Written by the tests alone, read by no job (model/tests.ts testFiles), kept or removed. */
  tests: number[];
  /** Probed paths (file ids) that the build never found. */
  probes: number[];
  /** Made during the build by processes outside the trace, written by none of it (model/outside.ts): no inputs. */
  outside: number[];
}

const SYSTEM = [...SYSTEM_PATHS, '/opt'].map((g) => compileGlob(g, '/'));
const NOISE = defaultHidden();

/** True for runtime noise: /proc, /sys, /dev, shared libraries, the loader, locale data; of these only /proc, /sys, /dev and /run when the build wrote it (`written`). */
export function isNoise(path: string, written = false): boolean {
  return NOISE(path, written);
}

/**
 * Programs that link: GNU ld (ld.bfd, ld.gold, gold), lld in its flavours
 * (ld.lld, ld64.lld, wasm-ld, rust-lld), mold, sold; with a target prefix
 * too (x86_64-linux-gnu-ld). collect2 and the compiler drivers run one.
 */
const LINKER = /^(?:[\w.+]+(?:-[\w.+]+)*-)?(?:ld(?:\.(?:bfd|gold|lld|mold))?|gold|lld|ld64\.lld|wasm-ld|mold|sold)$/;
/** A shared library's name: libz.so, libc.so.6, ld-linux-x86-64.so.2. */
const SHARED = /\.so(?:\.[0-9][0-9.]*)?$/;

/** Whether process `proc` is a linker (by the name it was run as, or its program's). */
function isLinker(build: Build, proc: number): boolean {
  const p = build.process(proc);
  if (!p) return false;
  return (p.argv[0] !== undefined && LINKER.test(baseName(p.argv[0]))) || (!!p.exe && LINKER.test(baseName(p.exe)));
}

const linkInputsOf = new WeakMap<Build, Map<number, Set<number>>>();

/** The loader's own files: its cache and configuration, a preload list. */
const LOADER_FILES = /^\/etc\/ld\.so\./;

/**
 * When a process ran the program it ran last, at the earliest: its first
 * use of that program (the exec); its start for a fork that ran none.
 */
function ranAt(build: Build, p: Process): number {
  for (const a of p.files.values()) if (a.kinds & Kind.EXEC && build.model.files[a.file].path === p.exe) return a.first;
  return p.start;
}

/**
 * When the dynamic loader was done in a process, at the latest: the first
 * time the process read, wrote or listed a file that is neither named like
 * a shared library nor the loader's own (/etc/ld.so.cache, …), nor the
 * program it ran, once it ran it (ranAt). The loader maps the libraries a
 * program needs before the program runs, and touches nothing else; the
 * program's first file (a locale file, an input, its output) comes after.
 * What the process did before its exec was its caller's (a shell's
 * `>/dev/null` in the forked child: kbuild's `(ld -v) >/dev/null`), before
 * the loader began; a file used both before and after counts from its last
 * use. Infinity when the program used no such file: the loader mapped
 * everything it read.
 */
function loaderDone(build: Build, p: Process): number {
  const ran = ranAt(build, p);
  let done = Infinity;
  for (const a of p.files.values()) {
    if (!(a.kinds & (Kind.READ | WRITES | Kind.LIST)) || a.kinds & Kind.EXEC || a.last < ran) continue;
    const at = a.first >= ran ? a.first : a.last;
    if (at >= done) continue;
    const path = build.model.files[a.file].path;
    if (!SHARED.test(baseName(path)) && !LOADER_FILES.test(path)) done = at;
  }
  return done;
}

/** The plugins a linker was told to load (-plugin FILE, --plugin=FILE): its own code, like the loader's mappings. */
function pluginsOf(p: Process): Set<string> {
  const out = new Set<string>();
  const add = (f: string) => {
    const path = resolvePath(p.cwd, f);
    if (path) out.add(path);
  };
  p.argv.forEach((a, i) => {
    if ((a === '-plugin' || a === '--plugin') && p.argv[i + 1]) add(p.argv[i + 1]);
    else if (/^--?plugin=/.test(a)) add(a.slice(a.indexOf('=') + 1));
  });
  return out;
}

/**
 * Shared libraries that a linker read as link inputs, each with the
 * linker processes that did: per (process, file), the process is a linker
 * (isLinker), the file is named like a shared library (libz.so, the linker
 * script libc.so, libc.so.6), the linker read it, and either looked it up
 * by path (stat, access: ld.bfd's and lld's search through the -L
 * directories) or still used it after the loader was done (loaderDone:
 * ld.gold finds it in a directory listing and opens it). The dynamic
 * loader maps the libraries a program needs without looking them up by
 * path, before the program runs: those mappings, in a linker
 * (libbfd-2.40-system.so, named like a link input too) as in every
 * process, stay runtime noise, and so do the plugins the linker was told
 * to load (-plugin liblto_plugin.so). Computed once per build.
 */
export function linkInputs(build: Build): ReadonlyMap<number, ReadonlySet<number>> {
  let m = linkInputsOf.get(build);
  if (m) return m;
  m = new Map();
  for (const p of build.model.processes) {
    if (!isLinker(build, p.proc)) continue;
    const done = loaderDone(build, p);
    const plugins = pluginsOf(p);
    for (const a of p.files.values()) {
      if (!(a.kinds & Kind.READ)) continue;
      const path = build.model.files[a.file].path;
      if (!SHARED.test(baseName(path)) || !(a.kinds & Kind.STAT || a.last > done) || plugins.has(path)) continue;
      const procs = m.get(a.file);
      if (procs) procs.add(p.proc);
      else m.set(a.file, new Set([p.proc]));
    }
  }
  linkInputsOf.set(build, m);
  return m;
}

/**
 * Whether one of `procs` read file `id` as a link input (linkInputs): the
 * smaller side is walked and looked up in the other's Set (an array of
 * `procs` is walked), so a library every linker read, asked about per job,
 * costs the job's processes, not the build's linkers.
 */
export function linkInputOf(build: Build, id: number, procs: ReadonlySet<number> | readonly number[]): boolean {
  const by = linkInputs(build).get(id);
  if (!by) return false;
  if (isArray(procs)) return procs.some((p) => by.has(p));
  if (procs.size < by.size) {
    for (const p of procs) if (by.has(p)) return true;
    return false;
  }
  for (const p of by) if (procs.has(p)) return true;
  return false;
}

function isArray(procs: ReadonlySet<number> | readonly number[]): procs is readonly number[] {
  return Array.isArray(procs);
}

const noiseFlags = new WeakMap<Build, Uint8Array>();
const pathNoiseFlags = new WeakMap<Build, Uint8Array>();

/** Whether each file of a build (by id) is runtime noise by its path (isNoise; a file the build wrote is not); computed once per build. */
export function pathNoiseOf(build: Build): Uint8Array {
  let flags = pathNoiseFlags.get(build);
  if (!flags) {
    const files = build.model.files;
    flags = new Uint8Array(files.length);
    for (let i = 0; i < files.length; i++) flags[i] = isNoise(files[i].path, (files[i].kinds & WRITES) !== 0) ? 1 : 0;
    pathNoiseFlags.set(build, flags);
  }
  return flags;
}

/** Whether each file of a build (by id) is runtime noise: by its path, unless the build wrote it or some linker read it as a link input (linkInputs); computed once per build. */
export function noiseOf(build: Build): Uint8Array {
  let flags = noiseFlags.get(build);
  if (!flags) {
    flags = Uint8Array.from(pathNoiseOf(build));
    for (const id of linkInputs(build).keys()) flags[id] = 0;
    noiseFlags.set(build, flags);
  }
  return flags;
}

/** Where a path is, seen from a build that started in `startDir`. */
export function placeOf(path: string, startDir: string): Place {
  if (startDir && startDir !== '/' && (path === startDir || path.startsWith(`${startDir}/`))) return 'tree';
  for (const m of SYSTEM) if (m.test(path)) return 'system';
  return 'elsewhere';
}

/**
 * A file read by another job than the ones that wrote it (model/jobs.ts;
 * a process in no job, a driver, is a unit of its own): what one job hands
 * to another. A file only its own job read back (a link step's `nm
 * vmlinux` and `sorttable vmlinux`, `strip prog` after `cc -o prog`) is
 * what that job made, not an intermediate; nor is a product a test ran
 * (JobIndex.inTest: ctest running `app`).
 */
function readByOthers(build: Build, f: BuildFile): boolean {
  const unit = (proc: number) => {
    const p = build.process(proc);
    return p ? unitId(p) : proc;
  };
  const writers = new Set<number>();
  for (const a of f.procs) if (a.kinds & WRITES) writers.add(unit(a.proc));
  if (!writers.size) return false;
  for (const a of f.procs) if (!(a.kinds & WRITES) && a.kinds & READS && !writers.has(unit(a.proc)) && !build.jobs.inTest(a.proc)) return true;
  return false;
}

/** Sorts file ids by path. */
export function byPath(build: Build, ids: number[]): number[] {
  const files = build.model.files;
  return ids.sort((a, b) => (files[a].path < files[b].path ? -1 : files[a].path > files[b].path ? 1 : 0));
}

const runsOf = new WeakMap<Build, { dirs: string[]; goals: Set<string> }>();

/**
 * Where the build ran, for ordering its files: its start directory and the
 * directories its build drivers ran in (make's working directory and its
 * -C DIR, which kbuild's `O=DIR` becomes; ninja -C), the outermost only;
 * and the goals they were asked for (a word of a driver's command line
 * that is no option nor assignment, as a path in those directories:
 * `make vmlinux` run in the O= directory). Computed once per build.
 */
function runsIn(build: Build): { dirs: string[]; goals: Set<string> } {
  let r = runsOf.get(build);
  if (r) return r;
  const all = new Set<string>(build.startDir && build.startDir !== '/' ? [build.startDir] : []);
  const goals = new Set<string>();
  for (const p of build.model.processes) {
    if (p.job || !build.jobs.runsDriver(p.proc)) continue;
    const where = [p.cwd, ...(p.chdirs ?? [])].filter((d) => d && d !== '/');
    for (const d of where) all.add(d);
    for (const a of p.argv.slice(1)) {
      if (a.startsWith('-') || a.includes('=')) continue;
      for (const d of where) {
        const g = resolvePath(d, a);
        if (g) goals.add(g);
      }
    }
  }
  const sorted = [...all].sort();
  const dirs = sorted.filter((d) => !sorted.some((o) => o !== d && d.startsWith(`${o}/`)));
  r = { dirs, goals };
  runsOf.set(build, r);
  return r;
}

/** The directory of those the build ran in (runsIn) that holds `path`, if one does. */
function runDirOf(build: Build, path: string): string | undefined {
  return runsIn(build).dirs.find((d) => path.startsWith(`${d}/`));
}

/** By path, the files where the build ran first (runsIn: the start directory, an O= directory): a build's own objects before the compiler's temporaries and the caches elsewhere; a build tool's cache (present/fold.ts) last. */
function treeFirst(build: Build, ids: number[]): number[] {
  const caches = cacheGroups(build);
  const inTree = (id: number) => (caches[id] ? 2 : runDirOf(build, build.model.files[id].path) !== undefined ? 0 : 1);
  const keys = new Map(ids.map((id) => [id, inTree(id)]));
  return byPath(build, ids).sort((a, b) => keys.get(a)! - keys.get(b)!);
}

/**
 * Outputs, the products first: a build tool's cache (present/fold.ts: the
 * Go build cache, cargo's .fingerprint) after every other file; a goal a
 * driver was asked for (`make vmlinux`: runsIn) before every other; those
 * where the build ran (the start directory, an O= directory) before the
 * others; then those with no hidden component (a build
 * system's state: .ninja_log, cargo's .cargo-lock) and that are not a
 * cache directory's tag (CACHEDIR.TAG, which cargo writes first, says
 * that its directory is a cache) before the others; then the shallowest
 * first (the final program and library sit near the top); then by path.
 */
function productsFirst(build: Build, ids: number[]): number[] {
  const files = build.model.files;
  const caches = cacheGroups(build);
  const { goals } = runsIn(build);
  const keys = new Map<number, number>();
  for (const id of ids) {
    const path = files[id].path;
    const dir = runDirOf(build, path);
    const rel = dir !== undefined ? path.slice(dir.length + 1) : path.slice(1);
    const parts = rel.split('/');
    const hidden = parts.some((c) => c.startsWith('.')) || parts[parts.length - 1] === 'CACHEDIR.TAG';
    const goal = !caches[id] && goals.has(path);
    keys.set(id, goal ? 0 : 1 + (caches[id] ? 1 << 21 : 0) + (dir !== undefined ? 0 : 1 << 20) + (hidden ? 1 << 19 : 0) + Math.min(parts.length, (1 << 19) - 2));
  }
  return byPath(build, ids).sort((a, b) => keys.get(a)! - keys.get(b)!);
}

/**
 * The groups of a build's files. `distinct: false` keeps both names of a
 * file on a merged /usr (for a caller that selects from the groups first,
 * then drops the names twice over: bt summary --filter).
 */
export function fileGroups(build: Build, opts: { all?: boolean; distinct?: boolean } = {}): FileGroups {
  const g: FileGroups = { inputs: { tree: [], system: [], elsewhere: [] }, outputs: [], intermediates: [], temporaries: [], tests: [], probes: [], outside: [] };
  const start = build.startDir;
  const noise = noiseOf(build);
  const caches = cacheGroups(build);
  for (const f of build.model.files) {
    if (f.dir || f.kinds & Kind.DIR) continue;
    if (!opts.all && noise[f.id]) continue;
    const k = f.kinds;
    const written = (k & WRITES) !== 0;
    if (written) {
      if (isSetApart(f, build.model.files, !!caches[f.id])) g.temporaries.push(f.id);
      else if (build.jobs.testFile(f.id)) g.tests.push(f.id);
      else if (f.removed || readByOthers(build, f)) g.intermediates.push(f.id);
      else g.outputs.push(f.id);
    } else if (f.outside) {
      g.outside.push(f.id);
    } else if (k & READS) {
      g.inputs[placeOf(f.path, start)].push(f.id);
    } else if (k & Kind.PROBE && !(k & (Kind.STAT | Kind.LIST | Kind.DELETE))) {
      g.probes.push(f.id);
    }
  }
  if (opts.distinct !== false) {
    for (const place of ['tree', 'system', 'elsewhere'] as const) g.inputs[place] = distinctFiles(build, g.inputs[place]);
    g.probes = distinctFiles(build, g.probes);
  }
  for (const ids of [g.inputs.tree, g.inputs.system, g.inputs.elsewhere, g.probes, g.outside]) byPath(build, ids);
  productsFirst(build, g.outputs);
  treeFirst(build, g.intermediates);
  treeFirst(build, g.temporaries);
  treeFirst(build, g.tests);
  return g;
}

/** Probed paths counted per directory, most first. */
export function probesByDir(build: Build, probes: readonly number[]): Array<{ dir: string; count: number }> {
  const counts = new Map<string, number>();
  for (const id of probes) {
    const d = dirName(build.model.files[id].path);
    counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  return [...counts].map(([dir, count]) => ({ dir, count })).sort((a, b) => b.count - a.count || (a.dir < b.dir ? -1 : 1));
}
