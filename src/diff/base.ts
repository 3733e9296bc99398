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
import type { Build, Process } from '../model/index.js';
import { relativeInside } from '../normalize/paths.js';

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
