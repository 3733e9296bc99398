/**
 * bt diff: why did this build change, or why is CI different from my
 * laptop? Two builds' processes are matched (match.ts) and compared; the
 * report lists, most important first: a start directory that changed the
 * way to the build (base.ts); exit statuses that changed; commands only in
 * one build; the same commands with other arguments, or run in another
 * directory; environment variables that differ, per tool; inputs that
 * changed; inputs read in one build only, and files read in both but found
 * in another place (another header or library picked); outputs of one
 * build only; the biggest changes of job durations. Paths are compared
 * from each build's base directory (base.ts).
 */
import { loadBuild, Kind, programName, READS, WRITES, type Build, type BuildFile, type LoadOptions, type Process, unitId } from '../model/index.js';
import { baseName, isPseudoPath } from '../normalize/paths.js';
import { usrMergeOf } from '../log/usrmerge.js';
import { mergedUsr } from '../model/usrmerge.js';
import { tornAt, type Damage } from '../log/check.js';
import { exitText } from '../present/format.js';
import { Noise } from '../check/noise.js';
import { cacheGroups } from '../present/fold.js';
import { dirAliases } from './aliases.js';
import { baseDirs, movedDirs } from './base.js';
import { compileMasks, Masker } from './mask.js';
import { argDiff, madeAlike, match, side, type ArgOp, type Matching, type Side } from './match.js';
import { umaskChanges, type UmaskChange } from './umask.js';
import { compareContents, type ContentComparison } from './contents.js';

export interface DiffOptions {
  /** Environment variables never compared. */
  ignoreEnv?: readonly string[];
  /** Regular expressions masked in arguments, environment values and paths. */
  mask?: readonly string[];
  /** Job duration changes listed at most. */
  maxDurations?: number;
  /** Compare the outputs of both builds by their content on disk now (contents.ts). */
  contents?: boolean;
}

export interface Command {
  proc: number;
  /** Masked as in the comparison: the base directory (BuildInfo.base_dir) as `$START`, temporary names as `<tmp>`. */
  argv: string[];
  /** Relative to the base directory ("." for it). */
  cwd: string;
}

export interface DiffReport {
  a: BuildInfo;
  b: BuildInfo;
  /**
   * The builds started in directories that lead to their build another way
   * (A in cw, B above it with `env -C cw`): each start directory and the
   * base directory its paths are compared from (base.ts). Empty otherwise,
   * two checkouts in other places included.
   */
  start_dir: Array<{ a: string; b: string; a_base: string; b_base: string }>;
  exit_status: Array<{ a: Command; b: Command; a_status: string; b_status: string }>;
  /** Topmost processes only in one build (`hidden`: their own subprocesses, not listed). */
  only_in_a: OnlyCommand[];
  only_in_b: OnlyCommand[];
  /** Matched commands with other arguments (each has a word removed or added). */
  arguments: Array<{ a: Command; b: Command; removed: string[]; added: string[]; diff: ArgOp[] }>;
  /**
   * The build directory the makes ran their builds in, where it does not
   * correspond (A's `make O=/var/obj`, B's `make O=out`): compared as one
   * directory (`$BUILD` in commands and paths); `commands`: the processes
   * of both builds that ran there or below it, paired. Empty otherwise.
   */
  build_dir: Array<{ a: string; b: string; commands: number }>;
  /** Matched commands with the same arguments, run in another working directory. */
  directories: Array<{ a: Command; b: Command }>;
  environment: Array<{ name: string; a: string | null; b: string | null; tools: string[] }>;
  /** The umask paired commands started with, where it differs (umask.ts): one entry per pair of umasks. */
  umask: UmaskChange[];
  inputs_only_in_a: FileEntry[];
  inputs_only_in_b: FileEntry[];
  resolved_elsewhere: Array<{ name: string; a: string[]; b: string[]; tools: string[] }>;
  /**
   * Inputs of both builds that changed: at the same place in both, by
   * modification time ("sec.nsec", as a stat or open found it before the
   * build wrote it: an edited source); in two trees (two checkouts, whose
   * times differ anyway), by size (as an open found it). `by` says which.
   */
  inputs_changed: Array<{ path: string; by: 'mtime' | 'size'; a: string; b: string; a_size?: number; b_size?: number; tools: string[] }>;
  outputs_only_in_a: FileEntry[];
  outputs_only_in_b: FileEntry[];
  /**
   * When B is a partial rebuild of A's tree (remadeInB): the outputs of A
   * that B wrote again (`files`, with B's tools) and how many of A's
   * outputs B remade or left as A made them (`of`), whatever new
   * files B also made (CMake's first rebuild writes its
   * compiler_depend.internal files: outputs only in B). Null otherwise (two
   * clean builds, where B built nothing on A's files).
   */
  remade_in_b: { of: number; files: FileEntry[] } | null;
  /** --contents: the outputs of both builds compared by their files' content now (contents.ts); null without it. */
  outputs_content: ContentComparison | null;
  durations: Array<{ a: Command; b: Command; a_ms: number; b_ms: number; change_ms: number }>;
}

/** A topmost process only in one build: `status` as bt writes it ("exit 0", "exit 3", "SIGKILL", "unknown"); `hidden`: its own subprocesses, not listed. */
export type OnlyCommand = Command & { status: string; hidden: number };

export interface BuildInfo {
  command: string[];
  start_dir: string;
  /** The directory its paths are compared from (`$START`, relative keys): the start directory unless start_dir says otherwise. */
  base_dir: string;
  duration_ms: number;
  exit_status: number | null;
  processes: number;
  /** Why the log is not the whole build (a truncated or damaged log, a trailer that disagrees), else null. */
  incomplete: string | null;
}

export interface FileEntry {
  /** Relative to the base directory when inside it. */
  path: string;
  tools: string[];
  /**
   * Inputs only: every process that read it was part of a command that ran
   * only in this build (an only_in_a or only_in_b entry): the proc of that
   * command, the first to start of several; a file a command of both builds
   * read too has none. Text folds these into one line per command.
   */
  only_command?: number;
}

/**
 * Environment variables never compared: gcc passes its own options to its
 * subprocesses in COLLECT_GCC_OPTIONS (the argument diff already shows
 * them); shells put the last command in `_` and the previous directory
 * in OLDPWD.
 */
export const DEFAULT_IGNORED_ENV: readonly string[] = ['COLLECT_GCC_OPTIONS', '_', 'OLDPWD'];

/**
 * Job duration changes listed: at least 50 ms, 20% of the job's longer
 * duration and 1% of the longer build's (smaller ones are timing noise).
 */
const MIN_CHANGE_NS = 50e6;
const MIN_CHANGE_RATIO = 0.2;
const MIN_BUILD_RATIO = 0.01;

/** The content sections (everything but durations): a diff with none of them is "no difference". */
export const CONTENT_SECTIONS = [
  'start_dir',
  'exit_status',
  'only_in_a',
  'only_in_b',
  'arguments',
  'build_dir',
  'directories',
  'environment',
  'umask',
  'inputs_only_in_a',
  'inputs_only_in_b',
  'resolved_elsewhere',
  'inputs_changed',
  'outputs_only_in_a',
  'outputs_only_in_b',
] as const;

export function differs(r: DiffReport): boolean {
  return CONTENT_SECTIONS.some((k) => r[k].length > 0) || (r.outputs_content?.differ.length ?? 0) > 0;
}

export function diffBuilds(ba: Build, bb: Build, opts: DiffOptions = {}): DiffReport {
  const masks = compileMasks(opts.mask);
  const [baseA, baseB] = baseDirs(ba, bb);
  const aliases = dirAliases(ba, bb);
  const moved = movedDirs(ba, bb, [baseA, baseB]);
  const a = side(ba, new Masker(ba, masks, baseA, aliases, moved?.[0]));
  const b = side(bb, new Masker(bb, masks, baseB, aliases, moved?.[1]));
  const m = match(a, b);
  const rebased = baseA !== ba.startDir || baseB !== bb.startDir;
  const pairs = [...m.same, ...m.changed];

  const exit_status = pairs
    .map(([x, y]) => [ba.process(x)!, bb.process(y)!] as const)
    .filter(([p, q]) => status(p) !== status(q))
    .map(([p, q]) => ({ a: cmd(a, p.proc), b: cmd(b, q.proc), a_status: status(p), b_status: status(q) }));

  // a changed pair with no word removed or added differs in its working directory only (the roots always pair)
  const byStartA = (u: { a: Command }, v: { a: Command }) => ba.process(u.a.proc)!.start - ba.process(v.a.proc)!.start;
  const arguments_: DiffReport['arguments'] = [];
  const directories: DiffReport['directories'] = [];
  // the traced commands as typed: another build directory is what the user changed there (O=/var/obj -> O=out), not $BUILD
  const roots = moved ? (m.roots ?? []) : [];
  for (const [x, y] of m.changed) {
    const typed = x === roots[0] && y === roots[1];
    const d = typed ? argDiff(asTyped(a, x), asTyped(b, y)) : argDiff(a.argv.get(x)!, b.argv.get(y)!);
    const removed = d.filter((o) => o.op === '-').map((o) => o.arg);
    const added = d.filter((o) => o.op === '+').map((o) => o.arg);
    if (removed.length || added.length) arguments_.push({ a: cmd(a, x, typed), b: cmd(b, y, typed), removed, added, diff: d });
    else directories.push({ a: cmd(a, x), b: cmd(b, y) });
  }
  arguments_.sort(byStartA);
  directories.sort(byStartA);

  const only_in_a = topmost(a, m.onlyA, m.wrapperA);
  const only_in_b = topmost(b, m.onlyB, m.wrapperB);
  const inputs = fileSets(a, b, Kind.READ | Kind.EXEC, false, [onlyTop(a, m.onlyA, only_in_a), onlyTop(b, m.onlyB, only_in_b)]);
  const outputs = fileSets(a, b, WRITES, true);
  const resolved = resolvedElsewhere(a, b, m, inputs.onlyA, inputs.onlyB);

  // the shell's PWD says the start directory, which start_dir reports
  const ignored = [...DEFAULT_IGNORED_ENV, ...(rebased ? ['PWD'] : []), ...(opts.ignoreEnv ?? [])];
  return {
    a: info(ba, baseA),
    b: info(bb, baseB),
    start_dir: rebased ? [{ a: ba.startDir, b: bb.startDir, a_base: baseA, b_base: baseB }] : [],
    exit_status,
    only_in_a,
    only_in_b,
    arguments: arguments_,
    build_dir: moved ? [{ a: moved[0], b: moved[1], commands: pairs.filter(([x]) => a.cwd.get(x)?.startsWith('$BUILD')).length }] : [],
    directories,
    environment: environment(a, b, m, new Set(ignored)),
    umask: umaskChanges(a, b, m),
    inputs_only_in_a: inputs.onlyA.filter((e) => !resolved.used.has(e)),
    inputs_only_in_b: inputs.onlyB.filter((e) => !resolved.used.has(e)),
    resolved_elsewhere: resolved.list,
    inputs_changed: changedInputs(a, b),
    outputs_only_in_a: outputs.onlyA,
    outputs_only_in_b: outputs.onlyB,
    remade_in_b: remadeInB(a, b, m, outputs),
    outputs_content: opts.contents ? compareContents(outputs.both.map((e) => [e.path, outputs.pathsA.get(e.path)!, outputs.pathsB.get(e.path)!, e.tools] as const)) : null,
    durations: durations(a, b, pairs, opts.maxDurations ?? 10),
  };
}

/** Loads two logs and compares them (bad masks fail before the logs are read); `loaded` sees each build as it is loaded. */
export function diffFiles(
  pathA: string,
  pathB: string,
  opts: DiffOptions = {},
  load: LoadOptions = {},
  loaded: (path: string, build: Build) => void = () => {},
): DiffReport {
  compileMasks(opts.mask);
  const ba = loadBuild(pathA, load);
  loaded(pathA, ba);
  const bb = loadBuild(pathB, load);
  loaded(pathB, bb);
  return diffBuilds(ba, bb, opts);
}

function info(b: Build, base: string): BuildInfo {
  return {
    command: [...(b.header.command ?? [])],
    start_dir: b.startDir,
    base_dir: base,
    duration_ms: Math.round(b.durationNs / 1e6),
    exit_status: b.model.trailer?.exit_status ?? null,
    processes: b.model.processes.length,
    incomplete: incomplete(b.damage, b.model.incomplete),
  };
}

/** A process as the report shows it: its argv masked (argv[0] as a masked path, not only the program's name); `typed`: the build directory as it is (asTyped). */
function cmd(s: Side, proc: number, typed = false): Command {
  const p = s.build.process(proc)!;
  const masked = typed ? asTyped(s, proc) : s.argv.get(proc);
  return { proc, argv: masked ? [s.mask.text(p.argv[0] ?? '', p.cwd), ...masked.slice(1)] : p.argv.map((x) => s.mask.text(x, p.cwd)), cwd: s.cwd.get(proc) ?? '' };
}

/** A process's argv masked as in the comparison (argv[0] as its name) but for the build directory, kept as it is. */
function asTyped(s: Side, proc: number): string[] {
  const p = s.build.process(proc)!;
  return [programName(p), ...p.argv.slice(1).map((w) => s.mask.text(w, p.cwd, true))];
}

/** Why a log is not the whole build, in words (what bt's warning on stderr says), or null; `noTrailer`: the model found the log unfinished (bt trace was killed). */
function incomplete(d: Damage, noTrailer = false): string | null {
  if (d.torn) return `the log is ${tornAt(d.torn)}`;
  if (d.trailerMismatch) return d.trailerMismatch;
  if (d.live) return 'the log is still being written';
  if (noTrailer) return 'the log has no trailer (bt trace did not finish)';
  return null;
}

function status(p: Process): string {
  return exitText(p.exitCode, p.signal);
}

/**
 * Unmatched processes whose nearest ran-a-program ancestor is matched (or
 * none): the rest is hidden under them. A root shell that wrapped the
 * other build's traced command (match.ts rootPair) stands apart like a
 * matched one: its other commands are listed (configure), and it is
 * listed only when it ran none.
 */
function topmost(s: Side, only: Process[], wrapper?: number): OnlyCommand[] {
  const isOnly = new Set(only.map((p) => p.proc));
  const execd = new Set(s.procs.map((p) => p.proc));
  const top = new Map<number, number>();
  for (const p of only) {
    let anc = p.parent;
    let root = p.proc;
    while (anc) {
      if (execd.has(anc)) {
        if (!isOnly.has(anc) || anc === wrapper) break;
        root = anc;
      }
      anc = s.build.process(anc)?.parent ?? 0;
    }
    top.set(root, (top.get(root) ?? 0) + (root === p.proc ? 0 : 1));
  }
  if (wrapper !== undefined && top.size > 1) top.delete(wrapper);
  return [...top]
    .map(([proc, hidden]) => ({ ...cmd(s, proc), status: status(s.build.process(proc)!), hidden }))
    .sort((x, y) => s.build.process(x.proc)!.start - s.build.process(y.proc)!.start);
}

/**
 * The command only in one build (its topmost process, a `topmost` entry)
 * that process `proc` was part of, or undefined for a process of a command
 * both builds ran. A fork that ran no program counts as its program's.
 */
function onlyTop(s: Side, only: readonly Process[], tops: readonly OnlyCommand[]): (proc: number) => number | undefined {
  const isOnly = new Set(only.map((p) => p.proc));
  const isTop = new Set(tops.map((t) => t.proc));
  const execd = new Set(s.procs.map((p) => p.proc));
  const parent = (id: number) => s.build.process(id)?.parent ?? 0;
  return (proc) => {
    let p = proc;
    while (p && !execd.has(p)) p = parent(p);
    if (!isOnly.has(p)) return undefined;
    while (p && !isTop.has(p)) p = parent(p);
    return p || undefined;
  };
}

/** make's jobserver file descriptors (or fifo) in MAKEFLAGS and MFLAGS: `--jobserver-auth=3,4` and `--jobserver-auth=fifo:/tmp/GMfifo12` are `--jobserver-auth=<fds>`. */
const JOBSERVER = /(--jobserver-(?:auth|fds)=)\S+/g;

function envMap(s: Side, p: Process): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of p.env) {
    const i = e.indexOf('=');
    if (i > 0) out.set(e.slice(0, i), s.mask.text(e.slice(i + 1)).replace(JOBSERVER, '$1<fds>'));
  }
  return out;
}

/**
 * Environment variables that differ, where they first differ: a pair of
 * matched processes shows a difference unless it comes from above, that is
 * when their nearest ran-a-program parents (a) differ in that variable too
 * (inherited: shown there), (b) are not each other's match (a process of one
 * build only, such as the gcc driver setting COLLECT_GCC for its collect2
 * and ld, set it for its children), or (c) are the same program with other
 * arguments and the variable is one those arguments explain (make
 * CFLAGS=-O0 exporting CFLAGS, MAKEFLAGS and MAKEOVERRIDES to its recipes:
 * the argument diff shows it; a variable a changed Makefile exports still
 * shows). The roots' differences always show.
 */
function environment(a: Side, b: Side, m: Matching, ignore: Set<string>): DiffReport['environment'] {
  const diffs = new Map<string, { name: string; a: string | null; b: string | null; tools: Set<string> }>();
  const envs = new Map<Side, Map<number, Map<string, string>>>([
    [a, new Map()],
    [b, new Map()],
  ]);
  const env = (s: Side, proc: number) => {
    const c = envs.get(s)!;
    let e = c.get(proc);
    if (!e) c.set(proc, (e = envMap(s, s.build.process(proc)!)));
    return e;
  };
  const execdA = new Set(a.procs.map((p) => p.proc));
  const execdB = new Set(b.procs.map((p) => p.proc));
  const up = (s: Side, execd: Set<number>, proc: number) => {
    let anc = s.build.process(proc)?.parent ?? 0;
    while (anc && !execd.has(anc)) anc = s.build.process(anc)?.parent ?? 0;
    return anc;
  };
  for (const [x, y] of [...m.same, ...m.changed]) {
    const p = a.build.process(x)!;
    const q = b.build.process(y)!;
    if (!p.env.length || !q.env.length) continue; // traced with --no-env
    const ea = env(a, x);
    const eb = env(b, y);
    const pa = up(a, execdA, x);
    const pb = up(b, execdB, y);
    const parents = pa && pb && a.build.process(pa)!.env.length && b.build.process(pb)!.env.length ? ([pa, pb] as const) : undefined;
    const paired = parents !== undefined && (m.same.get(parents[0]) ?? m.changed.get(parents[0])) === parents[1];
    const explained = parents && paired && !m.same.has(parents[0]) ? argumentVariables(a, b, parents) : undefined;
    for (const name of new Set([...ea.keys(), ...eb.keys()])) {
      if (ignore.has(name)) continue;
      const va = ea.get(name) ?? null;
      const vb = eb.get(name) ?? null;
      if (va === vb) continue;
      if (parents) {
        if (!paired || explained?.has(name)) continue; // (b), (c)
        if ((env(a, parents[0]).get(name) ?? null) !== (env(b, parents[1]).get(name) ?? null)) continue; // (a)
      }
      const k = JSON.stringify([name, va, vb]);
      let d = diffs.get(k);
      if (!d) diffs.set(k, (d = { name, a: va, b: vb, tools: new Set() }));
      d.tools.add(programName(p));
    }
  }
  return [...diffs.values()]
    .map((d) => ({ ...d, tools: [...d.tools].sort() }))
    .sort((u, v) => (u.name < v.name ? -1 : u.name > v.name ? 1 : 0));
}

/** The variables a change of a parent's arguments explains: make's own (MAKEFLAGS, MFLAGS, MAKEOVERRIDES) and every NAME=value argument of either. */
function argumentVariables(a: Side, b: Side, [pa, pb]: readonly [number, number]): Set<string> {
  const names = new Set(['MAKEFLAGS', 'MFLAGS', 'MAKEOVERRIDES']);
  for (const argv of [a.build.process(pa)!.argv, b.build.process(pb)!.argv]) {
    for (const arg of argv.slice(1)) {
      const eq = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(arg);
      if (eq) names.add(eq[1]);
    }
  }
  return names;
}

/** The programs that used `f` in one of the ways `kinds`. */
function toolsOf(s: Side, f: BuildFile, kinds: number): Set<string> {
  const tools = new Set<string>();
  for (const acc of f.procs) if (acc.kinds & kinds) tools.add(programName(s.build.process(acc.proc)!));
  return tools;
}

/**
 * Files read (or written) by one build only, by key. Inputs are what bt
 * summary calls inputs: read or run and never written by that build (a
 * file the build made or remade, even one that was there before it, as
 * an intermediate remade by a second make, is an output or intermediate,
 * compared as such); outputs are the files written and present at the end.
 */
function fileSets(
  a: Side,
  b: Side,
  kinds: number,
  outputs: boolean,
  tops?: readonly [(proc: number) => number | undefined, (proc: number) => number | undefined],
): { onlyA: FileEntry[]; onlyB: FileEntry[]; both: FileEntry[]; inA: number; pathsA: Map<string, string>; pathsB: Map<string, string> } {
  const collect = (s: Side, top?: (proc: number) => number | undefined) => {
    const noise = new Noise(s.build);
    const out = new Map<string, Set<string>>();
    // per key, the file's own path (the first of that key)
    const paths = new Map<string, string>();
    // per key, the command only in this build it is folded under (oneTop; null: a command of both builds read it)
    const only = new Map<string, number | null>();
    for (const f of s.build.model.files) {
      if (f.dir || !(f.kinds & kinds)) continue;
      if (outputs ? f.removed : f.created || f.kinds & WRITES) continue;
      if (isPseudoPath(f.path) || noise.path(f.path)) continue;
      const key = s.mask.path(f.path);
      if (key === '<tmp>') continue;
      out.set(key, new Set([...(out.get(key) ?? []), ...toolsOf(s, f, kinds)]));
      if (!paths.has(key)) paths.set(key, f.path);
      if (top) for (const acc of f.procs) if (acc.kinds & kinds) only.set(key, oneTop(only.get(key), top(acc.proc)));
    }
    return { out, only, paths };
  };
  const { out: ka, only: oa, paths: pathsA } = collect(a, tops?.[0]);
  const { out: kb, only: ob, paths: pathsB } = collect(b, tops?.[1]);
  // /lib/x.so in one and /usr/lib/x.so in the other: the same file when /lib was a link into /usr on both systems
  const dirs = bothMerged(a.build, b.build);
  const merged = (m: Map<string, Set<string>>) => new Set([...m.keys()].map((k) => mergedUsr(k, dirs)));
  const ma = merged(ka);
  const mb = merged(kb);
  const only = (x: Map<string, Set<string>>, y: Map<string, Set<string>>, my: Set<string>, ox: Map<string, number | null>) =>
    [...x]
      .filter(([k]) => !y.has(k) && !my.has(mergedUsr(k, dirs)))
      .map(([path, tools]): FileEntry => {
        const c = ox.get(path);
        return { path, tools: [...tools].sort(), ...(typeof c === 'number' ? { only_command: c } : {}) };
      })
      .sort((u, v) => byPlace(u.path, v.path));
  const both = [...kb]
    .filter(([k]) => ka.has(k))
    .map(([path, tools]): FileEntry => ({ path, tools: [...tools].sort() })) // B's: what wrote it again
    .sort((u, v) => byPlace(u.path, v.path));
  return { onlyA: only(ka, kb, mb, oa), onlyB: only(kb, ka, ma, ob), both, inA: ka.size, pathsA, pathsB };
}

/**
 * What B remade of A's outputs, when B is a partial rebuild of A's tree:
 * it wrote again some of A's outputs (`both`, listed with B's tools) and
 * left others that B could have made, as A made them, and used (read, ran
 * or stat'ed: make comparing timestamps) one of those. A file B could have
 * made is one whose makers in A all ran in A only (make skipped them in B:
 * the file was up to date); a file whose maker ran in B too and did not
 * write it again (a compiler cache's entry that B's compile read: a cache
 * hit; a log) is no product B left. `of`: what B remade and what it left.
 * What B made besides does not count. A clean build (in an emptied or
 * another tree), even one that made fewer files than A, found none of A's
 * it left: null.
 */
function remadeInB(a: Side, b: Side, m: Matching, outputs: { onlyA: readonly FileEntry[]; both: readonly FileEntry[] }): DiffReport['remade_in_b'] {
  if (!outputs.both.length || !outputs.onlyA.length) return null;
  const onlyA = new Set(outputs.onlyA.map((e) => e.path));
  const execd = new Set(a.procs.map((p) => p.proc));
  /** The process that ran the program `proc` ran (a fork that ran none runs its parent's) also ran in B. */
  const ranInB = (proc: number) => {
    let p = proc;
    while (p && !execd.has(p)) p = a.build.process(p)?.parent ?? 0;
    return m.same.has(p) || m.changed.has(p);
  };
  const ranAgain = new Set<string>();
  for (const f of a.build.model.files) {
    if (f.dir || !(f.kinds & WRITES)) continue;
    const key = a.mask.path(f.path);
    if (onlyA.has(key) && f.procs.some((acc) => acc.kinds & WRITES && ranInB(acc.proc))) ranAgain.add(key);
  }
  const left = new Set([...onlyA].filter((k) => !ranAgain.has(k)));
  const used = b.build.model.files.some((f) => !f.dir && f.kinds & (Kind.READ | Kind.EXEC | Kind.STAT) && !(f.kinds & WRITES) && left.has(b.mask.path(f.path)));
  return used ? { of: outputs.both.length + left.size, files: [...outputs.both] } : null;
}

/**
 * The command only in one build a file is folded under, given the one so far
 * (undefined: no reader yet) and a reader's: null once a reader was of a
 * command both builds ran; of several such commands the first to start
 * (proc ids are in start order), so each file counts once.
 */
function oneTop(sofar: number | null | undefined, reader: number | undefined): number | null {
  if (reader === undefined || sofar === null) return null;
  return sofar === undefined ? reader : Math.min(sofar, reader);
}

/**
 * The directories (/bin, /lib…) that were links into /usr on both traced
 * systems (model/usrmerge.ts usrMergeOf: the logs' headers). Only there are
 * /bin/sh of one build and /usr/bin/sh of the other one file: where one
 * system had a /bin of its own, they can be two.
 */
function bothMerged(a: Build, b: Build): ReadonlySet<string> {
  const mb = usrMergeOf(b.header);
  return new Set([...usrMergeOf(a.header)].filter((d) => mb.has(d)));
}

/** The order of path lists: the build tree's files (keys relative to the start directory) first, then the others (absolute), each by name. */
export function byPlace(u: string, v: string): number {
  const ou = u.startsWith('/') ? 1 : 0;
  const ov = v.startsWith('/') ? 1 : 0;
  return ou - ov || (u < v ? -1 : u > v ? 1 : 0);
}

/** An input as one build found it, and the tools that used it. */
interface Found {
  file: BuildFile;
  tools: Set<string>;
}

/**
 * Files both builds used and neither made (read, run or only stat'ed: a
 * no-op build's make only compares its prerequisites' timestamps), where a
 * process of each build asked for it (make's stat of a prerequisite, a
 * compiler's open of a header): what was edited, touched or upgraded in
 * between. At the same path in both: by modification time (or size). In
 * two trees (two checkouts, compared by the path relative to each start
 * directory): by size only, as an open found it, since copying or checking
 * out gives every file a time of its own; a same-size edit there is not
 * seen (bt hashes no content). Not a build tool's cache (present/fold.ts):
 * ccache and go touch the entries they use (their LRU), and which entries
 * a build used follows from its inputs.
 */
function changedInputs(a: Side, b: Side): DiffReport['inputs_changed'] {
  const collect = (s: Side) => {
    const noise = new Noise(s.build);
    const caches = cacheGroups(s.build);
    // by the name the rest of the diff knows it by: a file of the build tree relative to its start directory, so two checkouts compare
    const out = new Map<string, Found | null>(); // null: two files of one name (masked)
    for (const f of s.build.model.files) {
      // used, never written by the build (a target it remakes has an older mtime each time)
      if (f.dir || f.created || f.mtime === undefined || !(f.kinds & (READS | Kind.STAT)) || f.kinds & WRITES) continue;
      if (isPseudoPath(f.path) || noise.path(f.path) || caches[f.id]) continue;
      const key = s.mask.path(f.path);
      if (key.includes('<tmp>')) continue;
      out.set(key, out.has(key) ? null : { file: f, tools: toolsOf(s, f, READS | Kind.STAT) });
    }
    return out;
  };
  const ka = collect(a);
  const kb = collect(b);
  const out: DiffReport['inputs_changed'] = [];
  for (const [path, x] of ka) {
    const y = kb.get(path);
    if (!x || !y) continue;
    const [fa, fb] = [x.file, y.file];
    const by = fa.path === fb.path ? 'mtime' : 'size';
    const changed = by === 'mtime' ? fa.mtime !== fb.mtime || (fa.size !== undefined && fb.size !== undefined && fa.size !== fb.size) : fa.size !== undefined && fb.size !== undefined && fa.size !== fb.size;
    if (!changed) continue;
    out.push({
      path,
      by,
      a: fa.mtime!,
      b: fb.mtime!,
      ...(fa.size !== undefined ? { a_size: fa.size } : {}),
      ...(fb.size !== undefined ? { b_size: fb.size } : {}),
      tools: [...new Set([...x.tools, ...y.tools])].sort(),
    });
  }
  return out.sort((u, v) => byPlace(u.path, v.path));
}

/**
 * The jobs (job roots; a process in no job stands for itself) that read
 * each of `keys` (inputs of one build only, by key).
 */
function consumers(s: Side, keys: ReadonlySet<string>): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (const f of s.build.model.files) {
    if (f.dir || !(f.kinds & (Kind.READ | Kind.EXEC))) continue;
    const key = s.mask.path(f.path);
    if (!keys.has(key)) continue;
    let set = out.get(key);
    if (!set) out.set(key, (set = new Set()));
    for (const acc of f.procs) {
      if (!(acc.kinds & (Kind.READ | Kind.EXEC))) continue;
      const p = s.build.process(acc.proc);
      if (p) set.add(unitId(p));
    }
  }
  return out;
}

/**
 * Inputs only in A and only in B with the same name that the same consumer
 * read: a job of A and its pair in B that made the same files (or neither
 * any) read the one and the other (another header or library picked), and
 * did not read the other build's file as well. Two files of one name that
 * different jobs read (kernel/events/core.c and kernel/sched/core.c), or
 * that one job read both of in both builds (kernel/built-in.a's archive of
 * sched/core.o and events/core.o, each made by one build), are no such
 * thing.
 */
function resolvedElsewhere(a: Side, b: Side, m: Matching, onlyA: FileEntry[], onlyB: FileEntry[]): { list: DiffReport['resolved_elsewhere']; used: Set<FileEntry> } {
  const used = new Set<FileEntry>();
  const names = (l: FileEntry[]) => new Set(l.map((e) => baseName(e.path)));
  const common = new Set([...names(onlyA)].filter((n) => names(onlyB).has(n)));
  // the consumers, in each build, of the files of both lists (a consumer may have read the other build's file too, as one it made)
  const keys = new Set([...onlyA, ...onlyB].filter((e) => common.has(baseName(e.path))).map((e) => e.path));
  const readA = consumers(a, keys);
  const readB = consumers(b, keys);
  const partner = (x: number) => m.same.get(x) ?? m.changed.get(x);
  /**
   * Whether a consumer of A's file `pa` is paired with one of B's file `pb`, the two made the same files, and neither
   * read the other's file too (kbuild's archive of kernel/ read sched/core.o and events/core.o in both builds: each an
   * input of one build only because the other build made it).
   */
  const sameConsumer = (pa: string, pb: string) => {
    const jb = readB.get(pb);
    if (!jb) return false;
    for (const x of readA.get(pa) ?? []) {
      const y = partner(x);
      if (y === undefined || !jb.has(y) || !madeAlike(a, x, b, y)) continue;
      if (readA.get(pb)?.has(x) || readB.get(pa)?.has(y)) continue;
      return true;
    }
    return false;
  };
  const byName = (l: FileEntry[]) => {
    const m = new Map<string, FileEntry[]>();
    for (const e of l) {
      const n = baseName(e.path);
      m.set(n, [...(m.get(n) ?? []), e]);
    }
    return m;
  };
  const na = byName(onlyA);
  const nb = byName(onlyB);
  const list: DiffReport['resolved_elsewhere'] = [];
  for (const [name, all] of na) {
    const bs = nb.get(name);
    if (!bs) continue;
    const ea = all.filter((x) => bs.some((y) => sameConsumer(x.path, y.path)));
    const eb = bs.filter((y) => all.some((x) => sameConsumer(x.path, y.path)));
    if (!ea.length || !eb.length) continue;
    for (const e of [...ea, ...eb]) used.add(e);
    list.push({ name, a: ea.map((e) => e.path), b: eb.map((e) => e.path), tools: [...new Set([...ea, ...eb].flatMap((e) => e.tools))].sort() });
  }
  // the build tree's files (one of the places inside the start directory) first
  const outside = (e: DiffReport['resolved_elsewhere'][number]) => ([...e.a, ...e.b].some((p) => !p.startsWith('/')) ? 0 : 1);
  list.sort((u, v) => outside(u) - outside(v) || (u.name < v.name ? -1 : 1));
  return { list, used };
}

function durations(a: Side, b: Side, pairs: Array<[number, number]>, max: number): DiffReport['durations'] {
  const out: DiffReport['durations'] = [];
  const min = Math.max(MIN_CHANGE_NS, MIN_BUILD_RATIO * Math.max(a.build.durationNs, b.build.durationNs));
  for (const [x, y] of pairs) {
    const ja = a.build.jobs.get(x);
    const jb = b.build.jobs.get(y);
    if (!ja || !jb || !madeAlike(a, x, b, y)) continue; // another job's time is no change of this one's
    const da = ja.end - ja.start;
    const db = jb.end - jb.start;
    const d = db - da;
    if (Math.abs(d) < min || Math.abs(d) < MIN_CHANGE_RATIO * Math.max(da, db)) continue;
    out.push({
      a: cmd(a, x),
      b: cmd(b, y),
      a_ms: Math.round(da / 1e6),
      b_ms: Math.round(db / 1e6),
      change_ms: Math.round(d / 1e6),
    });
  }
  return out.sort((u, v) => Math.abs(v.change_ms) - Math.abs(u.change_ms)).slice(0, max);
}
