/**
 * What is not a difference between two builds: where they ran (the start
 * directory, or the base directory base.ts chose, becomes `$START`; a
 * build directory that does not correspond to the other build's, as
 * `make O=/var/obj` against `make O=out`, becomes `$BUILD` in both: base.ts
 * movedDirs), and temporary names, which become `<tmp>`;
 * `--mask REGEX` adds patterns (matches become `*`). Temporary names:
 *
 *  - a file the build made and removed (the whole path)
 *  - by name: gcc's /tmp/cc*.s, mktemp's /tmp/tmp.*, kbuild's `.tmp_<pid>`
 *  - a temporary directory, as a path component wherever it is (in an
 *    argument such as `-L$START/target/debug/deps/<tmp>/raw-dylibs`, an
 *    environment value, a working directory, a file's key): a scratch
 *    directory, one the build made and removed (model/temporary.ts
 *    isScratchDir: kbuild's `.tmp_<pid>`, rustc's `rustcXXXXXX`, CMake's
 *    `TryCompile-XXXXXX`, cargo's `targetXXXXXX` renamed into place),
 *    whatever its name; or one the build made and kept whose name is
 *    mktemp-style: a temporary prefix (`rustc`, `cc`, `tmp`, `tmp.`)
 *    and 6 to 10 random characters with at least one capital letter or
 *    digit (ordinary words such as `ccompile` or `tmp_debug` stay), or go's
 *    `go-build<N>` and `go-link-<N>`.
 *    Only directories this build made are masked: a directory that was
 *    there before the build is compared as it is.
 *  - the same in relative paths; autoconf's `conf$$` and CMake's `cmTC_xxxxx`
 *    names wherever they are (relative.ts)
 *
 * A directory reached through a symbolic link is named as the directory
 * it resolves to (aliases.ts): `-I /usr/lib/go-1.19/src` and `-I
 * /usr/share/go-1.19/src` are one argument when /usr/lib/go-1.19 is a link
 * to /usr/share/go-1.19.
 */
import { DiffError } from '../errors.js';
import type { Build } from '../model/index.js';
import { isScratchDir } from '../model/temporary.js';
import { baseName, dirName, relativeInside } from '../normalize/paths.js';
import { resolvedName } from './aliases.js';
import { RelativeTemps } from './relative.js';

/**
 * Built-in temporary-name patterns, for naming only: they make the same
 * temporary of two builds one word (`.tmp_12345` and `.tmp_23456`, kbuild's
 * try-run directory, whose name has the shell's pid), which pairs the
 * commands that named it. Whether a directory is a temporary (a scratch
 * directory) is the model's rule (model/temporary.ts isScratchDir), not
 * its name.
 */
const TEMP_PATTERNS: readonly RegExp[] = [
  /\/(?:var\/)?tmp\/cc[A-Za-z0-9]{6}(?:\.[A-Za-z0-9]+)?/g,
  /\/(?:var\/)?tmp\/tmp\.[A-Za-z0-9]{6,}(?:\.[A-Za-z0-9]+)?/g,
  /\.tmp_\d+/g,
];

/**
 * Toolchains' names that change with every build or every flag change,
 * masked by default: the change of flags or sources that made a new name
 * shows elsewhere (arguments, environment, inputs).
 *
 * Cargo: rustc's incremental session directories and their lock files
 * (`incremental/app-2a6ux1gnzq7ia/s-hooe2zahsc-1ceic68-78owgv…` and
 * `s-hooe2tbld9-1gh5ihv.lock`, renamed at each build) become `s-<session>`;
 * the 16-hex-digit metadata hash in file names (`libutil-dbe8f10e3f5b4e8d.rlib`,
 * `.fingerprint/app-398db3b3eac09eb2`) and in `-C extra-filename=-…` and
 * `-C metadata=…` becomes `<hash>`.
 *
 * Go: a build cache entry (`$GOCACHE/2d/2d92fd9a…<64 hex>-d`, an action's
 * `-a` or its output's `-d`, under the directory named by the hash's first
 * byte) becomes `…/go-build/<hash>-d`: which entries a build used follows
 * from its inputs and flags. A build ID (`-buildid=rnq-9pQt…/kURS…/…`,
 * `-buildid eB…/eB…`: 2 to 4 parts of 20 base64 characters) becomes
 * `<buildid>`.
 */
const HASH_PATTERNS: ReadonlyArray<[RegExp, string | ((m: string) => string)]> = [
  [/(incremental\/[^/\s'"]+\/)s-[0-9a-z]{10}-[0-9a-z]{1,7}(?:-[0-9a-z]+)?(?=$|[/.\s'"])/g, '$1s-<session>'],
  [/\/[0-9a-f]{2}\/[0-9a-f]{64}(-[ad])(?=$|[/\s'":,;])/g, '/<hash>$1'],
  [/-[0-9a-f]{16}(?=$|[/.\s'":,;])/g, '-<hash>'],
  [/\bmetadata=[0-9a-f]{16}\b/g, 'metadata=<hash>'],
  [/(?<![\w./-])[\w-]{20}(?:\/[\w-]{20}){1,3}(?![\w/-])/g, (m) => (m.split('/').every(random) ? '<buildid>' : m)],
];

/** A part of a build ID: base64 noise, with a lower-case letter and a capital or a digit (not a word or a number that happens to be 20 long). */
function random(part: string): boolean {
  return /[a-z]/.test(part) && /[A-Z0-9]/.test(part);
}

function hashNames(s: string): string {
  if (!s.includes('-') && !s.includes('metadata=') && !s.includes('/')) return s;
  let out = s;
  for (const [re, to] of HASH_PATTERNS) out = out.replace(re, to as string);
  return out;
}

/**
 * A kept directory's name that is a temporary one (rustc's rustcXXXXXX, gcc's
 * ccXXXXXX, tmpXXXXXXXX, mktemp's tmp.XXXXXXXXXX; go's work directories
 * go-build<N> and go-link-<N>, kept by `go build -work` or a killed build).
 */
const TEMP_DIR_NAME = /^(?:(?:rustc|cc|tmp\.?)(?=[A-Za-z0-9_]*[A-Z0-9])[A-Za-z0-9_]{6,10}|go-build\d{4,}|go-link-\d{4,})$/;

/** A directory as a whole path part (followed by /, the end, or a separator such as : or a space). */
function wholePart(dir: string): RegExp {
  return new RegExp(`${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=/|$|[^\\w.+-])`, 'g');
}

/** Compiles --mask patterns; a bad one is a DiffError E_BAD_INPUT. */
export function compileMasks(masks: readonly string[] | undefined): RegExp[] {
  return (masks ?? []).map((m) => {
    if (!m) throw new DiffError('E_BAD_INPUT', '--mask needs a regular expression, got an empty string');
    try {
      return new RegExp(m, 'g');
    } catch (err) {
      throw new DiffError('E_BAD_INPUT', `bad regular expression in --mask "${m}": ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`, {
        cause: err,
      });
    }
  });
}

export class Masker {
  /** The directory `$START` stands for and keys are relative to: the start directory, or the base base.ts chose. */
  private readonly start: string;
  /** That directory where it is a whole path part (followed by /, the end, or a separator such as : or a space). */
  private readonly startRe: RegExp;
  private readonly temps: Set<string>;
  /** Temporary directories the build made (absolute paths), and their names (a quick test before the prefix walk). */
  private readonly tempDirs: Set<string>;
  private readonly tempDirNames: Set<string>;
  private readonly relative: RelativeTemps;
  /**
   * Files the build made beside its tree, in the directory above the start
   * (dpkg-buildpackage's `../hello_2.10-3_amd64.deb`, `.changes`,
   * `.buildinfo`), by path: keyed `$START/../name`, so that two builds in
   * two directories pair them. What the build only read there keeps its
   * path (another build elsewhere reads the same /home/u/.gitconfig).
   */
  private readonly beside: Set<string>;
  /** The build directory compared as `$BUILD` (base.ts movedDirs), and that directory where it is a whole path part. */
  private readonly moved: string | undefined;
  private readonly movedRe: RegExp | undefined;

  constructor(
    build: Build,
    private readonly user: readonly RegExp[] = [],
    base: string = build.startDir,
    /** Directory names -> the directories they resolve to (aliases.ts dirAliases). */
    private readonly aliases: ReadonlyMap<string, string> = new Map(),
    /** A build directory that corresponds to the other build's elsewhere (base.ts movedDirs): `$BUILD` in both. */
    moved?: string,
  ) {
    this.start = base || '/';
    this.startRe = wholePart(this.start);
    this.moved = moved;
    this.movedRe = moved ? wholePart(moved) : undefined;
    this.temps = new Set(build.model.files.filter((f) => f.created && f.removed && !f.dir).map((f) => f.path));
    this.tempDirs = new Set(
      build.model.files
        .filter((f) => (isScratchDir(f) || (f.dir && f.created && TEMP_DIR_NAME.test(baseName(f.path)))) && f.path !== this.start && f.path !== build.startDir)
        .map((f) => f.path),
    );
    this.tempDirNames = new Set([...this.tempDirs].map(baseName));
    this.relative = new RelativeTemps(build, this.temps, this.tempDirs);
    const above = dirName(this.start);
    this.beside = new Set(
      above === '/' || above === this.start
        ? []
        : build.model.files.filter((f) => f.created && !f.removed && relativeInside(above, f.path) !== undefined && relativeInside(this.start, f.path) === undefined).map((f) => f.path),
    );
  }

  /**
   * A string from the build (argument, environment value) with its run-specific parts masked; `cwd`: where its relative
   * paths start (the process's working directory); `asTyped`: the build directory kept as it is, not `$BUILD`.
   */
  text(s: string, cwd?: string, asTyped = false): string {
    let out = this.relative.text(s, cwd);
    if (out.includes('/')) {
      out = out.replace(/\/[^\s:=,;'"]+/g, (p) => (this.temps.has(p) ? '<tmp>' : this.aliases.size ? resolvedName(p, this.aliases) : p));
      for (const re of TEMP_PATTERNS) out = out.replace(re, '<tmp>');
      if (this.tempDirs.size) out = out.replace(/\/[^\s:=,;'"]+/g, (p) => this.dirs(p));
      // the build directory, then the start directory as a whole path part: /w/proj-deps is not $START-deps
      if (this.movedRe && !asTyped) out = out.replace(this.movedRe, '$$BUILD');
      if (this.start !== '/') out = out.replace(this.startRe, '$$START');
    }
    out = hashNames(out);
    for (const re of this.user) out = out.replace(re, '*');
    return out;
  }

  /** An absolute path with each component that is a temporary directory of the build as `<tmp>`. */
  private dirs(p: string): string {
    const parts = p.split('/');
    if (!parts.some((c) => this.tempDirNames.has(c))) return p;
    let prefix = '';
    for (let i = 1; i < parts.length; i++) {
      prefix += `/${parts[i]}`;
      if (this.tempDirs.has(prefix)) parts[i] = '<tmp>';
    }
    return parts.join('/');
  }

  /** A file's key: relative inside the start directory, else its masked absolute path. */
  path(p: string): string {
    if (this.temps.has(p)) return '<tmp>';
    const r = this.aliases.size ? resolvedName(p, this.aliases) : p;
    const q = this.tempDirs.size ? this.dirs(r) : r;
    const built = this.built(q);
    if (built !== undefined) return built;
    const rel = relativeInside(this.start, q);
    if (rel !== undefined) return this.user.length ? this.text(rel) : hashNames(rel);
    if (this.beside.has(q)) return this.text(`$START/../${relativeInside(dirName(this.start), q)!}`);
    return this.text(q);
  }

  /** A working directory relative to the start directory ("." for it). */
  cwd(p: string): string {
    const q = this.tempDirs.size ? this.dirs(p) : p;
    const built = this.built(q);
    if (built !== undefined) return built;
    const rel = relativeInside(this.start, q);
    return rel === undefined ? this.text(q) : hashNames(rel);
  }

  /** A path in the build directory as `$BUILD` or `$BUILD/rel`, else undefined. */
  private built(p: string): string | undefined {
    const rel = this.moved ? relativeInside(this.moved, p) : undefined;
    if (rel === undefined) return undefined;
    return rel === '.' || rel === '' ? '$BUILD' : `$BUILD/${this.user.length ? this.text(rel) : hashNames(rel)}`;
  }
}
