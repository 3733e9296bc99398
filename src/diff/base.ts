/**
 * Where each build's paths are compared from: its base directory, which
 * `$START` stands for and the build tree's keys are relative to.
 *
 * A build's project directory is where the traced command ran its build:
 * the directory its program ran in (`env -C cw cargo build` ran cargo in
 * cw), or the last one it changed into before it started anything (`make
 * -C build`, `sh -c 'cd cw && cargo build'`). Usually that is the start
 * directory, or it is the same way below it in both builds, and the start
 * directories are the bases (two checkouts compare whole, sources beside
 * a `make -C build` directory included). When the builds went another way
 * from their start directory to their project directory (A started in cw,
 * B started above it and ran `env -C cw`), the bases are the project
 * directories less the trailing directories both ways share (cw, and cw;
 * /x/p then `-C build`, and /x then `-C p/build`, give /x/p and /x/p):
 * the commands then run in corresponding directories and the files under
 * them are the same files. A project directory outside its start
 * directory is its own base.
 */
import { isShell, programName, type Build, type Process } from '../model/index.js';
import { normalizeAbs, relativeInside } from '../normalize/paths.js';

/** The build's root process, the traced command (the root with the header's pid, else the first), if it ran a program. */
export function rootProcess(build: Build): Process | undefined {
  const roots = build.model.roots.map((id) => build.process(id)!);
  const r = roots.find((p) => p.pid === build.header.root_pid) ?? roots[0];
  return r?.execd ? r : undefined;
}

/** Where the traced command ran its build (see the module comment); the start directory when the log does not say. */
export function projectDir(build: Build): string {
  const r = rootProcess(build);
  return r?.chdirs?.[r.chdirs.length - 1] || r?.cwd || build.startDir;
}

/** The two builds' base directories (see the module comment). */
export function baseDirs(a: Build, b: Build): [string, string] {
  const pa = projectDir(a);
  const pb = projectDir(b);
  const ra = a.startDir ? relativeInside(a.startDir, pa) : undefined;
  const rb = b.startDir ? relativeInside(b.startDir, pb) : undefined;
  if (ra === undefined || rb === undefined) return [pa, pb];
  if (ra === rb) return [a.startDir, b.startDir];
  const sa = parts(ra);
  const sb = parts(rb);
  let k = 0;
  while (k < sa.length && k < sb.length && sa[sa.length - 1 - k] === sb[sb.length - 1 - k]) k++;
  return [up(pa, k), up(pb, k)];
}

function parts(rel: string): string[] {
  return rel === '.' || rel === '' ? [] : rel.split('/');
}

/** `dir` less its last `n` components. */
function up(dir: string, n: number): string {
  const p = dir.split('/');
  return p.slice(0, p.length - n).join('/') || '/';
}

/** Programs whose `-C DIR` (or O=DIR) sub-make runs the build in a build directory. */
const MAKES = new Set(['make', 'gmake']);

/**
 * The directory a build's make ran its build in, when a sub-make did so
 * elsewhere than the project directory with a makefile from outside it
 * (kbuild's `make O=DIR`, which runs `make -C DIR -f $START/Makefile`): the
 * working directory of the first such make started by the root through
 * makes (and their shells) only; undefined when none. A recursive make's
 * `$(MAKE) -C lib`, which runs lib's own Makefile, is no build directory:
 * with -j, or another list of subdirectories, the first one differs
 * between two builds of the same tree.
 */
export function makeDir(build: Build): string | undefined {
  const root = rootProcess(build);
  if (!root || !MAKES.has(programName(root))) return undefined;
  const project = projectDir(build);
  const makes = new Set([root.proc]);
  for (const p of build.model.processes) {
    if (!p.execd || p === root) continue;
    let up = build.process(p.parent);
    while (up && !up.execd) up = build.process(up.parent);
    if (!up || !makes.has(up.proc)) continue;
    if (isShell(programName(p))) makes.add(p.proc); // a recipe's `$(MAKE) -C DIR` run by a shell
    if (!MAKES.has(programName(p))) continue;
    // where it started, else where `-C DIR` took it (make goes back when it leaves: the first move counts)
    const dir = p.cwd !== project ? p.cwd : p.chdirs?.find((d) => d !== project);
    if (!dir) makes.add(p.proc);
    else if (makefileOutside(p.argv, dir)) return dir;
  }
  return undefined;
}

/** True when a make's argv names a makefile (`-f FILE`, `-fFILE`, `--file=FILE`, `--makefile=FILE`) outside `dir`, where it runs. */
function makefileOutside(argv: readonly string[], dir: string): boolean {
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    const file = a === '-f' || a === '--file' || a === '--makefile' ? argv[++i] : /^(?:-f|--file=|--makefile=)(.+)$/.exec(a)?.[1];
    if (file === undefined) continue;
    const abs = normalizeAbs(file.startsWith('/') ? file : `${dir}/${file}`);
    if (relativeInside(dir, abs) === undefined) return true;
  }
  return false;
}

/**
 * The build directories of two builds whose makes ran their builds in
 * directories that do not correspond (A's `make O=/var/obj`, B's `make
 * O=out`; makeDir): [A's, B's], compared as one directory; undefined when
 * they are the same place relative to each base (or neither has one).
 */
export function movedDirs(a: Build, b: Build, [baseA, baseB]: readonly [string, string]): [string, string] | undefined {
  const da = makeDir(a);
  const db = makeDir(b);
  if (!da || !db) return undefined;
  const ra = relativeInside(baseA, da) ?? da;
  const rb = relativeInside(baseB, db) ?? db;
  return ra === rb ? undefined : [da, db];
}
