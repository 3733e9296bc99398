/**
 * Hermeticity: files the build read or looked for outside the allowed
 * roots — the "unexpected dependency" (a header from /opt/toolchain-old, a
 * jar from ~/.m2, a file from another user's home).
 *
 * Allowed by default: the build's start directory and the directories its
 * build drivers ran in (an out-of-tree build directory); the system roots /usr,
 * /lib*, /bin, /sbin, /etc, /dev, /proc, /sys, /run, and the homes of the
 * toolchains it ran (go's GOROOT, GOCACHE, …, cargo's and rustup's:
 * toolchain.ts), as the system's; in /tmp and /var/tmp
 * only files the build itself created (and looking for a missing name
 * there, as mktemp and cleanups do). `--allow GLOB` adds roots,
 * `--strict` starts from the start directory alone. A file the build made
 * itself is never an outside dependency. Findings are grouped by
 * directory; a directory inside another reported one joins it: one finding
 * for everything read from ~/.rustup. / and a home directory (HOME of a
 * process of the build) hold unrelated things: they take only what is in a
 * directory of them the build found missing, and their fix names each file
 * (~/.gyp and ~/.gitconfig are no licence for all of ~). What programs of
 * an installation outside the allowed roots looked at joins that
 * installation's finding: a python from ~/.pyenv and the user
 * site-packages it looks for are one finding; what it looked at once it
 * ran a script from elsewhere (gyp_main.py probing ~/.gyp) is the script's,
 * not the installation's. The system is no such installation: under --strict, what the
 * build used under a system root is one finding per top directory (/usr/,
 * /etc/, /lib/, …), and a program from /usr takes nothing of /etc, /lib
 * or elsewhere into its finding; so is each toolchain home (~/.cache/ccache/,
 * ~/.cache/go-build/: one finding, not one per hash directory).
 *
 * A search (one process looking for the same names in several such
 * directories and finding none) is one finding.
 *
 * A finding says how many files were read (their content, or run), looked
 * at (a stat: it is there) and looked for and missing, and by how many jobs
 * and how many processes outside jobs (drivers: go build, cargo). Its fix
 * is the --allow options that accept it, ready to paste.
 */
import { compileGlob, type PathMatcher } from '../graph/glob.js';
import { Kind, kindNames, USES, type Build, type BuildFile, type Process } from '../model/index.js';
import { envMap } from '../model/env.js';
import { baseName, dirName, normalizeAbs, relativeInside, resolvePath } from '../normalize/paths.js';
import { jobOf, jobRef, secondsSince, type FileUse, type Finding } from './finding.js';
import type { Noise } from './noise.js';
import { plural, quoteArg } from '../present/format.js';
import { toolchainRoots } from './toolchain.js';

/**
 * The system: its programs, libraries and configuration, and the package
 * managers' databases of what is installed (dpkg-shlibdeps, dpkg-gencontrol
 * and dpkg-checkbuilddeps read /var/lib/dpkg in every Debian package build;
 * rpmbuild reads /var/lib/rpm).
 */
export const SYSTEM_ROOTS: readonly string[] = ['/usr', '/lib*', '/bin', '/sbin', '/etc', '/dev', '/proc', '/sys', '/run', '/var/lib/dpkg', '/var/lib/rpm'];

const SYSTEM = SYSTEM_ROOTS.map((r) => compileGlob(r));
/** The system roots below a top directory (/var/lib/dpkg): each is its own group. */
const NESTED = SYSTEM_ROOTS.filter((r) => r.lastIndexOf('/') > 0);

/** The system root a path is under, as one group: its top directory ("/usr" for /usr/bin/cc, "/lib64" for /lib64/ld.so), or a nested root ("/var/lib/dpkg"); else undefined. */
function systemTop(path: string): string | undefined {
  const nested = NESTED.find((r) => path === r || path.startsWith(`${r}/`));
  if (nested) return nested;
  const top = `/${path.split('/')[1]}`;
  return top !== '/' && SYSTEM.some((m) => m.test(top)) ? top : undefined;
}

/** Directories whose own lookups are path walking, not dependencies. */
const WALKED = ['/tmp', '/var/tmp'];

const TEMP = /^\/(var\/)?tmp\//;

/** Read, run, hard-linked, looked up or looked for. */
const LOOKS = USES | Kind.PROBE;

export interface HermeticityOptions {
  allow?: readonly PathMatcher[];
  strict?: boolean;
}

/** The directories build drivers (make, ninja, …) ran in, outside the start directory. */
export function buildDirs(build: Build): string[] {
  const start = build.startDir || '/';
  const dirs = new Set<string>();
  for (const p of build.model.processes) {
    if (p.job || !(build.model.roots.includes(p.proc) || p.children.some((c) => build.jobs.get(c)))) continue;
    // where it was started, and where it went before starting anything (make -C DIR changes directory itself)
    for (const d of [p.cwd, ...(p.chdirs ?? [])]) if (d && relativeInside(start, d) === undefined) dirs.add(d);
  }
  return [...dirs].sort();
}

export function hermeticity(build: Build, noise: Noise, opts: HermeticityOptions = {}): Finding[] {
  const start = build.startDir || '/';
  const homes = toolchainRoots(build);
  const toolchains = opts.strict ? [] : homes;
  // under --strict a toolchain's home is one finding, as a system root is: ccache's cache, not one per <c>/<c>/ directory
  const homeOf = (path: string) => (opts.strict ? homes.find((h) => path.startsWith(`${h}/`)) : undefined);
  // directories named by the log (the start and build directories, HOME, GOPATH…) as literal paths: a `*` in one allows nothing more
  const dirs = [start, ...buildDirs(build), ...toolchains].map((d) => compileGlob(literal(d)));
  const allowed: PathMatcher[] = [...dirs, ...(opts.strict ? [] : SYSTEM), ...(opts.allow ?? [])];
  const plainRoots = [start, ...buildDirs(build), ...(opts.strict ? [] : ['/usr', '/lib', '/bin', '/sbin', '/etc']), ...toolchains, ...WALKED];
  const isWalked = (f: BuildFile) => plainRoots.some((r) => r === f.path || f.path === '/' || r.startsWith(`${f.path}/`));

  // the directories above the files the build used: a readlink or stat of one (realpath walking a path) says only that it is a directory
  let above: Set<string> | undefined;
  const isAbove = (p: string) => (above ??= ancestors(build)).has(p);

  const byDir = new Map<string, FileUse[]>();
  for (const f of build.model.files) {
    if (f.created || !(f.kinds & LOOKS)) continue;
    if (allowed.some((m) => m.test(f.path))) continue;
    if (f.dir && isWalked(f)) continue;
    if (noise.file(f)) continue;
    for (const a of f.procs) {
      const k = a.kinds & LOOKS;
      if (!k || noise.use(f, a)) continue;
      // a directory's metadata looked at (stat): path walking; the files read in it are what counts
      if (k === Kind.STAT && (f.dir || isAbove(f.path))) continue;
      if (k === Kind.PROBE && TEMP.test(f.path)) continue;
      // under --strict the system is reported per top directory: /usr/, /etc/, /lib/; a toolchain's home as one
      const dir = systemTop(f.path) ?? homeOf(f.path) ?? dirName(f.path);
      let uses = byDir.get(dir);
      if (!uses) byDir.set(dir, (uses = []));
      uses.push({ path: f.path, access: kindNames(k), time: secondsSince(build, a.first), proc: a.proc });
    }
  }

  const tops = new Set(['/', ...homeDirs(build)]);
  joinInside(build, byDir, tops);
  joinByProgram(build, byDir, (p) => allowed.some((m) => m.test(p)));
  joinInside(build, byDir, tops);
  const searches = joinSearches(byDir);

  const out: Finding[] = [];
  for (const [dir, uses] of byDir) {
    uses.sort((a, b) => a.time - b.time || (a.path < b.path ? -1 : 1));
    const ids = [...new Set(uses.map((u) => jobOf(build, u.proc)))];
    const files = new Set(uses.map((u) => u.path));
    const search = searches.get(dir);
    out.push({
      kind: 'hermeticity',
      file: dir,
      jobs: ids.map((j) => jobRef(build, j)),
      detail: `${howUsed(uses)} outside the allowed roots, by ${byWhom(build, ids)}${search ? `: a search for ${search.names.join(', ')} in ${search.dirs.length} directories` : ''}`,
      fix: search
        ? `if the build may find them there: ${search.dirs.map((d) => `--allow ${quoteArg(`${literal(d)}/**`)}`).join(' ')}`
        : `if the build may use ${files.size === 1 ? 'it' : 'them'}: ${allowOptions(tops.has(dir) ? undefined : dir, files)}`,
      time: uses[0].time,
      uses,
    });
  }
  return out;
}

/** A search joined into one finding: the names looked for, and the directories tried, in the order they were first tried. */
interface Search {
  names: string[];
  dirs: string[];
}

/**
 * A search is one finding: a process looking for the same names in several
 * directories outside the allowed roots and finding nothing in any of them
 * (cmake's find_program(doxygen) and find_program(dot) trying /opt/bin,
 * /opt/sbin, /Applications/Doxygen.app/…, /ATT/Graphviz/bin: 8 findings
 * before). The directories whose every use is a missing lookup by that one
 * process, of a name it also looked for in another of them, join the one
 * it tried first; the result maps that directory to the search. A
 * directory where something was found keeps its own finding.
 */
function joinSearches(byDir: Map<string, FileUse[]>): Map<string, Search> {
  const byProc = new Map<number, string[]>();
  for (const [dir, uses] of byDir) {
    const proc = uses[0]!.proc;
    // / takes only what is in a directory of it the build found missing (joinInside): no search goes through it
    if (dir === '/' || !uses.every((u) => u.proc === proc && u.access.length === 1 && u.access[0] === 'probe')) continue;
    const dirs = byProc.get(proc);
    if (dirs) dirs.push(dir);
    else byProc.set(proc, [dir]);
  }
  const first = (dir: string) => Math.min(...byDir.get(dir)!.map((u) => u.time));
  const out = new Map<string, Search>();
  for (const dirs of byProc.values()) {
    if (dirs.length < 2) continue;
    const tried = new Map<string, Set<string>>(); // name -> the directories it was looked for in
    for (const d of dirs) {
      for (const u of byDir.get(d)!) {
        const n = baseName(u.path);
        const where = tried.get(n);
        if (where) where.add(dirName(u.path));
        else tried.set(n, new Set([dirName(u.path)]));
      }
    }
    const again = (u: FileUse) => tried.get(baseName(u.path))!.size > 1;
    const search = dirs.filter((d) => byDir.get(d)!.some(again)).sort((a, b) => first(a) - first(b));
    if (search.length < 2) continue;
    const [into, ...rest] = search as [string, ...string[]];
    const uses = byDir.get(into)!;
    for (const d of rest) {
      uses.push(...byDir.get(d)!);
      byDir.delete(d);
    }
    const names = [...new Set([...uses].sort((a, b) => a.time - b.time).filter(again).map((u) => baseName(u.path)))];
    out.set(into, { names, dirs: search });
  }
  return out;
}

/** Content uses: read, run, linked from, listed (a directory's entries). */
const CONTENT = new Set(['read', 'exec', 'link_from', 'list']);

/** "2 files read, 1 looked at, 1 looked for and missing": each file counted once, by its most telling use. */
function howUsed(uses: readonly FileUse[]): string {
  const how = new Map<string, number>(); // 2 read, 1 looked at, 0 missing
  for (const u of uses) {
    const rank = u.access.some((k) => CONTENT.has(k)) ? 2 : u.access.some((k) => k !== 'probe') ? 1 : 0;
    how.set(u.path, Math.max(how.get(u.path) ?? 0, rank));
  }
  const n = (r: number) => [...how.values()].filter((v) => v === r).length;
  const [read, seen, missing] = [n(2), n(1), n(0)];
  return [
    read ? `${plural(read, 'file')} read` : '',
    seen ? `${read ? seen : plural(seen, 'file')} looked at` : '',
    missing ? `${read || seen ? missing : plural(missing, 'file')} looked for and missing` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

/** "1 job", "2 processes" (drivers outside jobs: go build, cargo), "2 jobs and 1 process", as the lines under the finding name them. */
function byWhom(build: Build, ids: readonly number[]): string {
  const jobs = ids.filter((id) => build.jobs.get(id)).length;
  const procs = ids.length - jobs;
  return [jobs ? plural(jobs, 'job') : '', procs ? plural(procs, 'process', 'processes') : ''].filter(Boolean).join(' and ');
}

/**
 * A directory inside another reported one joins it. Nothing joins / or a
 * home directory (`tops`) but what is in a directory of it that the build
 * found missing: cargo's /.cargo/config goes with its /.cargo, looked for
 * in every parent; ~/.pyenv does not go with ~/.gyp.
 */
function joinInside(build: Build, byDir: Map<string, FileUse[]>, tops: ReadonlySet<string>): void {
  const dirs = [...byDir.keys()].sort((a, b) => a.length - b.length);
  const missing = (p: string) => build.file(p)?.kinds === Kind.PROBE;
  for (const d of dirs) {
    const inside = (a: string) => {
      const under = a === '/' ? '/' : `${a}/`;
      return d.startsWith(under) && (!tops.has(a) || missing(under + d.slice(under.length).split('/')[0]));
    };
    const into = dirs.find((a) => a !== d && byDir.has(a) && inside(a));
    if (!into) continue;
    byDir.get(into)!.push(...byDir.get(d)!);
    byDir.delete(d);
  }
}

/** The home directories of the build's processes (their HOME), absolute. */
function homeDirs(build: Build): string[] {
  const envs = new Set(build.model.processes.map((p) => p.env));
  const out = new Set<string>();
  for (const env of envs) {
    const home = envMap(env).get('HOME');
    if (home?.startsWith('/')) out.add(normalizeAbs(home));
  }
  return [...out];
}

/** Where a program is installed: the directory above its bin, sbin, libexec or shims directory, else its own directory. */
function prefixOf(exe: string): string {
  const dir = dirName(exe);
  return /^(?:s?bin|libexec|shims)$/.test(baseName(dir)) ? dirName(dir) : dir;
}

/**
 * What programs installed outside the allowed roots looked at is part of
 * that installation: a python from ~/.pyenv/versions/3.11.4 reading its
 * lib/python3.11, looking for .python-version in every parent and for the
 * user's site-packages is one dependency, that python, not four. A
 * directory whose every use was by programs of one such installation
 * becomes part of the installation's finding. A program of the system
 * (/usr/bin/cc under --strict) is of no installation, and what is under a
 * system root joins no installation elsewhere: /etc/alternatives is not
 * part of /usr, nor /usr/lib of ~/.pyenv. Once a program started on a
 * file its arguments name from outside its installation (the script a
 * python runs: gyp_main.py), what it looked at outside its installation is
 * that file's doing (gyp's ~/.gyp), no longer the installation's: only
 * what it looked at before (its start-up: lib/python311.zip, the user
 * site-packages) joins.
 */
function joinByProgram(build: Build, byDir: Map<string, FileUse[]>, isAllowed: (path: string) => boolean): void {
  // the program it runs, or the last script it ran (a #! script's exe is its interpreter, /usr/bin/bash); once per process
  const homes = new Map<number, { home: string; script: number } | undefined>();
  const outside = (path: string) => !isAllowed(path) && systemTop(path) === undefined;
  const home = (proc: number) => {
    if (homes.has(proc)) return homes.get(proc);
    const p = build.process(proc);
    let program = p?.exe && outside(p.exe) ? p.exe : undefined;
    if (p && !program) {
      for (const a of p.files.values()) {
        if (!(a.kinds & Kind.EXEC)) continue;
        const path = build.model.files[a.file]!.path;
        if (outside(path)) program = path;
      }
    }
    const h = p && program ? { home: prefixOf(program), script: scriptStart(build, p, prefixOf(program)) } : undefined;
    homes.set(proc, h);
    return h;
  };
  // the installation a use is of: under it, or by its program before it ran a script from elsewhere
  const of = (u: FileUse) => {
    const h = home(u.proc);
    return h && (u.time < h.script || relativeInside(h.home, u.path) !== undefined) ? h.home : undefined;
  };
  for (const [dir, uses] of [...byDir]) {
    const found = new Set(uses.map(of));
    const [into] = found;
    if (found.size !== 1 || into === undefined || into === dir || systemTop(dir) !== undefined) continue;
    byDir.delete(dir);
    const there = byDir.get(into);
    if (there) there.push(...uses);
    else byDir.set(into, uses);
  }
}

/**
 * When (seconds since the build began, as a use's time) a process first
 * touched a file that its arguments name, outside its installation `home`
 * and not a directory: the script an interpreter runs (python3
 * gyp_main.py …). Infinity when it touched none (python3 -c CODE, a
 * program of the installation run on nothing of elsewhere).
 */
function scriptStart(build: Build, p: Process, home: string): number {
  let first = Infinity;
  for (const word of p.argv.slice(1)) {
    const path = resolvePath(p.cwd, word);
    if (!path || relativeInside(home, path) !== undefined) continue;
    const f = build.file(path);
    const a = f && !f.dir ? p.files.get(f.id) : undefined;
    if (a && (a.kinds & ~Kind.PROBE) !== 0) first = Math.min(first, secondsSince(build, a.first));
  }
  return first;
}

/** Every directory above a file the build found (not the files themselves, nor what was only looked for). */
function ancestors(build: Build): Set<string> {
  const out = new Set<string>();
  for (const f of build.model.files) {
    if ((f.kinds & ~Kind.PROBE) === 0) continue;
    for (let d = dirName(f.path); !out.has(d); d = dirName(d)) {
      out.add(d);
      if (d === '/') break;
    }
  }
  return out;
}

/** A path as a glob that matches it alone: glob characters escaped. */
function literal(path: string): string {
  return path.replace(/[\\*?[\]{}]/g, '\\$&');
}

/**
 * How to accept a finding, ready to paste: `--allow 'DIR/**'` (which also
 * accepts DIR), and every file of it outside DIR (a python's probe of
 * /.python-version), a file with others under it as `FILE/**` (cargo's
 * /.cargo and /.cargo/config.toml). For / and a home directory there is
 * no DIR (undefined): allowing all under them allows every tool's files, so
 * each file is named.
 */
function allowOptions(dir: string | undefined, files: ReadonlySet<string>): string {
  const top = dir === undefined || dir === '/' || dir === '' ? undefined : dir.replace(/\/$/, '');
  const outside = [...files].filter((p) => top === undefined || relativeInside(top, p) === undefined).sort();
  const has = new Set(outside);
  const globs = top === undefined ? [] : [`${literal(top)}/**`];
  for (const p of outside) {
    // covered by a file above it in the list, whose glob takes what is under it
    let covered = false;
    for (let d = dirName(p); d !== '/' && !covered; d = dirName(d)) covered = has.has(d);
    if (covered) continue;
    globs.push(outside.some((q) => q.startsWith(`${p}/`)) ? `${literal(p)}/**` : literal(p));
  }
  return globs.map((g) => `--allow ${quoteArg(g)}`).join(' ');
}
