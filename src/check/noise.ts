/**
 * Noise control for bt check (and bt diff): accesses that are known to be
 * benign and are never reported.
 *
 *  - the dynamic loader: its cache and configuration, and shared libraries
 *    in the system library directories (a library found elsewhere, say in
 *    /opt/old/lib, is reported: that is a dependency)
 *  - locale, character-set and time-zone data
 *  - the process looking at itself and at its terminal: /proc/self,
 *    /proc/<pid>, /dev/null, /dev/tty, /dev/fd, /dev/pts, random devices,
 *    the CPU count in /sys; the JVM's perf data and attach files
 *    (/tmp/hsperfdata_<user>, /tmp/.java_pid<pid>: JVM_RUNTIME)
 *  - the compiler's own internal files (/usr/lib/gcc, /usr/libexec/gcc,
 *    clang's resource directory)
 *  - name-service files (passwd, group, nsswitch)
 *  - temporary files created and removed by the same job (gcc's /tmp/cc*.s)
 *  - a library looked for and not found, wherever: the loader's search
 *    (glibc-hwcaps, tls and platform subdirectories, RPATH and RUNPATH
 *    directories) and the linker's (-lfoo: libfoo.so, then libfoo.a, in
 *    each -L directory). The loader opens DIR/SUB/libfoo.so.1 and, when
 *    that fails, stats DIR/SUB to learn whether the directory is there
 *    (glibc's open_path): a failed lookup of a directory by a process that
 *    failed to open a shared library in it is that search too, whatever
 *    the directory is called (glibc-hwcaps/x86-64-v4, tls/x86_64,
 *    haswell, an RPATH entry that does not exist) and wherever it is
 *  - the search for a program along PATH: the failed execs of a process
 *    that then ran a program of that name from elsewhere, and names looked
 *    for (stat, access) and missing in a directory of the process's PATH
 *  - a process checking its inherited $PWD: lookups (stat, readlink) of that
 *    directory and the directories above it (a shell's check, a realpath)
 *  - a discovery walk: a name looked for and missing in a directory above
 *    the process's working directory, which the process also looked for
 *    one directory further down on the way (go's VCS stamping looking for
 *    .git, .hg, .svn … and go.work, cargo for .cargo/config.toml,
 *    rust-toolchain and a repository's .git or HEAD, pyenv for
 *    .python-version, in every parent up to /); what is under such a
 *    missing name (/.cargo/config) is too. A name found anywhere on the
 *    way is a dependency and stays reported; a lone lookup above the
 *    working directory (-I../../include) is no walk
 *  - the TLS certificate stores a program looks for outside the system
 *    roots (openssl-probe's list, linked into cargo): network setup, no input
 *  - a file-system case-sensitivity probe: a name looked for and missing
 *    whose spelling in other case is a file the same process made (gradle
 *    makes /tmp/gradle_fs_probing<n>.tmp and looks for
 *    /TMP/GRADLE_FS_PROBING<n>.TMP)
 *  - a name looked for in a "directory" that is a list of absolute paths
 *    joined by `;` (`/bin;/bin/sh`): a PATH written with DOS separators,
 *    autoconf's test of the separator in every configure and config.status,
 *    `(PATH='/bin;/bin'; FPATH=$PATH; sh -c :)`
 *
 * `--ignore GLOB` adds globs (src/graph/glob.ts syntax).
 */
import { compileGlob, JVM_RUNTIME, LOCALE_DATA, NAME_SERVICE, optionGlobs, type PathMatcher } from '../graph/glob.js';
import { Kind, type Build, type BuildFile, type FileAccess } from '../model/index.js';
import { envMap } from '../model/env.js';
import { baseName, dirName, relativeInside } from '../normalize/paths.js';

/** Globs of benign paths (absolute; a glob matches everything below a matched directory). */
export const NOISE_GLOBS: readonly string[] = [
  // the loader
  '/etc/ld.so.cache',
  '/etc/ld.so.preload',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/{lib,lib32,lib64,libx32,usr/lib,usr/lib32,usr/lib64,usr/libx32,usr/local/lib}/**/*.so',
  '/{lib,lib32,lib64,libx32,usr/lib,usr/lib32,usr/lib64,usr/libx32,usr/local/lib}/**/*.so.*',
  '/{lib,lib32,lib64,libx32,usr/lib,usr/lib32,usr/lib64,usr/libx32}/**/glibc-hwcaps',
  '/{lib,lib64,usr/lib,usr/lib64}/**/tls',
  // locale, character sets, time zones
  ...LOCALE_DATA,
  '/etc/locale.alias',
  // a process looking at itself, its terminal, the machine
  '/proc/self',
  '/proc/thread-self',
  '/proc/[0-9]*',
  '/proc/filesystems',
  '/proc/meminfo',
  '/proc/cpuinfo',
  '/proc/stat',
  '/sys/devices/system/cpu',
  '/sys/fs/cgroup',
  '/dev/null',
  '/dev/zero',
  '/dev/full',
  '/dev/random',
  '/dev/urandom',
  '/dev/tty',
  '/dev/pts',
  '/dev/ptmx',
  '/dev/fd',
  '/dev/stdin',
  '/dev/stdout',
  '/dev/stderr',
  '/dev/shm',
  // make's job server (GNU make 4.4: a named pipe)
  '/tmp/GMfifo*',
  // the JVM's perf data and attach files
  ...JVM_RUNTIME,
  // the compiler's own files
  '/usr/lib/gcc',
  '/usr/libexec/gcc',
  '/usr/lib/gcc-cross',
  '/usr/lib/llvm-*/lib/clang',
  '/usr/lib/clang',
  // name service
  ...NAME_SERVICE,
  // TLS certificate stores probed outside the system roots (openssl-probe)
  '/var/ssl',
  '/opt/etc/ssl',
];

/** Compiles user globs (`--allow`, `--ignore`): an empty or bad one is a UsageError naming the option (glob.ts optionGlobs). */
export function compileGlobs(globs: readonly string[] | undefined, base: string, option: string): PathMatcher[] {
  return optionGlobs(globs, option, base || '/').map((m) => withDirectory(m.glob, m, base || '/'));
}

/**
 * `X/**` also matches X itself: allowing everything under a directory
 * allows looking the directory up (cargo's probe of /.cargo before
 * /.cargo/config.toml), as a user who writes it means.
 */
function withDirectory(glob: string, m: PathMatcher, base: string): PathMatcher {
  const dir = /^(.*[^/])\/\*\*\/?$/.exec(glob.trim())?.[1];
  if (dir === undefined || dir.startsWith('**')) return m;
  // relative to the base as the glob is (a bare `vendor` would match that name anywhere)
  // a directory's glob matches it and all under it (compileGlob): what X/** matches, and X
  const self = compileGlob(dir.startsWith('/') ? dir : `${base.replace(/\/$/, '')}/${dir}`, base);
  return { glob, test: self.test };
}

/** A shared library: looking for one and not finding it is the loader's search (anywhere). */
const SHARED_LIBRARY = /\.so(\.[0-9]+)*$/;
/** A static library (libfoo.a): not finding one is the linker's -l search through the -L directories. */
const STATIC_LIBRARY = /\/lib[^/]*\.a$/;

/** A PATH with DOS separators taken for one directory (autoconf's `PATH='/bin;/bin'`). */
const DOS_PATH_LIST = /^\/[^;]*(;\/[^;]*)+$/;

const BUILTIN: readonly PathMatcher[] = NOISE_GLOBS.map((g) => compileGlob(g));

/** A shared or static library (what the loader's and the linker's searches look for). */
export function isLibraryPath(p: string): boolean {
  return SHARED_LIBRARY.test(p) || STATIC_LIBRARY.test(p);
}

/** Decides which files are noise for one build. */
export class Noise {
  private readonly cache = new Map<number, boolean>();

  constructor(
    private readonly build: Build,
    private readonly ignore: readonly PathMatcher[] = [],
  ) {}

  /** The path is benign by the built-in list or an --ignore glob. */
  path(path: string): boolean {
    for (const m of BUILTIN) if (m.test(path)) return true;
    for (const m of this.ignore) if (m.test(path)) return true;
    return false;
  }

  /** The file is noise: a benign path, or a temporary file of one job. */
  file(f: BuildFile): boolean {
    let v = this.cache.get(f.id);
    if (v === undefined) {
      v = this.path(f.path) || isJobTemporary(this.build, f);
      this.cache.set(f.id, v);
    }
    return v;
  }

  /**
   * The use is noise: the loader looking for a library, or a PATH search
   * (failed execs, or lookups) for a program that the process or one of its
   * subprocesses then ran from elsewhere.
   */
  use(f: BuildFile, a: FileAccess): boolean {
    // a shell checking that $PWD (inherited, maybe stale) is its cwd, a realpath walk of $PWD
    // (cmake: readlink of each component): lookups of $PWD and the directories above it
    if ((a.kinds & ~Kind.DIR) === Kind.STAT) {
      const pwd = envOf(this.build, a.proc, 'PWD');
      if (pwd && (pwd === f.path || f.path === '/' || pwd.startsWith(`${f.path}/`))) return true;
    }
    if (a.kinds !== Kind.PROBE) return false;
    if (SHARED_LIBRARY.test(f.path) || STATIC_LIBRARY.test(f.path)) return true;
    if (DOS_PATH_LIST.test(dirName(f.path))) return true;
    return this.caseProbe(a.proc, f.path) || this.loaderDir(a.proc, f.path) || this.ranElsewhere(a.proc, f.path) || this.onPath(a.proc, f.path) || this.walkedUp(a.proc, f.path);
  }

  /**
   * A discovery walk (go's VCS stamping, cargo's configuration search): for
   * the nearest directory D above the process's working directory that
   * holds `path`, the name N under D that `path` is in was never found by
   * the build, and the process also looked up N in the directory below D
   * on its way up.
   */
  private walkedUp(proc: number, path: string): boolean {
    const p = this.build.process(proc);
    if (!p) return false;
    for (const cwd of new Set([p.cwd, ...(p.chdirs ?? [])])) {
      if (!cwd.startsWith('/') || cwd === '/') continue;
      for (let d = dirName(cwd); ; d = dirName(d)) {
        const under = relativeInside(d, path);
        if (under !== undefined && under !== '.') {
          const name = under.split('/')[0];
          const at = (dir: string) => this.build.file(dir === '/' ? `/${name}` : `${dir}/${name}`);
          const below = `${d === '/' ? '' : d}/${relativeInside(d, cwd)!.split('/')[0]}`;
          const lower = at(below);
          if (at(d)?.kinds === Kind.PROBE && !!lower && p.files.has(lower.id)) return true;
          break;
        }
        if (d === '/') break;
      }
    }
    return false;
  }

  /** A case-sensitivity probe: `path` in upper or lower case is a file process `proc` made. */
  private caseProbe(proc: number, path: string): boolean {
    const p = this.build.process(proc);
    if (!p) return false;
    for (const other of [path.toLowerCase(), path.toUpperCase()]) {
      if (other === path) continue;
      const f = this.build.file(other);
      if (f && (p.files.get(f.id)?.kinds ?? 0) & Kind.CREATE) return true;
    }
    return false;
  }

  private readonly libDirs = new Map<number, Set<string>>();

  /**
   * The loader checking a directory of its search path: the process also
   * looked for a shared library in `path` and did not find it (glibc stats
   * a search directory, or a glibc-hwcaps/tls/platform subdirectory of
   * one, after the first library open in it fails).
   */
  private loaderDir(proc: number, path: string): boolean {
    let dirs = this.libDirs.get(proc);
    if (!dirs) {
      dirs = new Set();
      for (const a of this.build.process(proc)?.files.values() ?? []) {
        if (!(a.kinds & Kind.PROBE)) continue;
        const p = this.build.model.files[a.file].path;
        if (SHARED_LIBRARY.test(p)) dirs.add(dirName(p));
      }
      this.libDirs.set(proc, dirs);
    }
    return dirs.has(path);
  }

  private readonly paths = new Map<number, Set<string>>();

  /**
   * A name looked for in a directory of the process's PATH: a program
   * search (collect2 looking for nm and strip, a shell's `command -v`),
   * whether or not the program was then run.
   */
  private onPath(proc: number, path: string): boolean {
    let dirs = this.paths.get(proc);
    if (!dirs) {
      const value = envOf(this.build, proc, 'PATH') ?? '';
      dirs = new Set(value.split(':').filter((d) => d.startsWith('/')).map((d) => (d.length > 1 ? d.replace(/\/+$/, '') : d)));
      this.paths.set(proc, dirs);
    }
    return dirs.has(dirName(path));
  }

  private readonly ran = new Map<number, Map<string, string[]>>();

  /** `proc` or a subprocess ran a program named like `path`, from another place. */
  private ranElsewhere(proc: number, path: string): boolean {
    let names = this.ran.get(proc);
    if (!names) {
      names = new Map();
      const stack = [proc];
      while (stack.length) {
        const p = this.build.process(stack.pop()!);
        if (!p) continue;
        if (p.execd && p.exe) {
          const n = baseName(p.exe);
          names.set(n, [...(names.get(n) ?? []), p.exe]);
        }
        stack.push(...p.children);
      }
      this.ran.set(proc, names);
    }
    const exes = names.get(baseName(path));
    return !!exes && exes.some((e) => e !== path);
  }
}

/** The value of an environment variable of a process (at its last exec). */
function envOf(build: Build, proc: number, name: string): string | undefined {
  const p = build.process(proc);
  return p && envMap(p.env).get(name);
}

/** Created and removed within the build, and only ever touched by one job (or one process outside jobs). */
export function isJobTemporary(build: Build, f: BuildFile): boolean {
  if (!f.created || !f.removed) return false;
  let owner: number | undefined;
  for (const { proc } of f.procs) {
    const p = build.process(proc);
    const o = p?.job || -proc;
    if (owner === undefined) owner = o;
    else if (owner !== o) return false;
  }
  return true;
}
