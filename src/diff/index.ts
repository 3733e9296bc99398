/**
 * bt diff: why did this build change, or why is CI different from my
 * laptop? Two builds' processes are matched (match.ts) and compared; the
 * report lists, most important first: exit statuses that changed; commands
 * only in one build; the same commands with other arguments; environment
 * variables that differ, per tool; inputs read in one build only, and files
 * read in both but found in another place (another header or library
 * picked); outputs of one build only; the biggest changes of job durations.
 */
import { loadBuild, Kind, programName, READS, WRITES, type Build, type BuildFile, type LoadOptions, type Process } from '../model/index.js';
import { baseName } from '../normalize/paths.js';
import { exitText } from '../present/format.js';
import { isPseudoPath, Noise } from '../check/noise.js';
import { compileMasks, Masker } from './mask.js';
import { argDiff, match, side, type ArgOp, type Side } from './match.js';

export interface DiffOptions {
  /** Environment variables never compared. */
  ignoreEnv?: readonly string[];
  /** Regular expressions masked in arguments, environment values and paths. */
  mask?: readonly string[];
  /** Job duration changes listed at most. */
  maxDurations?: number;
}

export interface Command {
  proc: number;
  argv: string[];
  /** Relative to the start directory ("." for it). */
  cwd: string;
}

export interface DiffReport {
  a: BuildInfo;
  b: BuildInfo;
  exit_status: Array<{ a: Command; b: Command; a_status: string; b_status: string }>;
  /** Topmost processes only in one build (`hidden`: their own subprocesses, not listed). */
  only_in_a: Array<Command & { hidden: number }>;
  only_in_b: Array<Command & { hidden: number }>;
  arguments: Array<{ a: Command; b: Command; removed: string[]; added: string[]; diff: ArgOp[] }>;
  environment: Array<{ name: string; a: string | null; b: string | null; tools: string[] }>;
  inputs_only_in_a: FileEntry[];
  inputs_only_in_b: FileEntry[];
  resolved_elsewhere: Array<{ name: string; a: string[]; b: string[]; tools: string[] }>;
  /** Inputs of both builds whose modification time differs ("sec.nsec", as a stat found it before the build wrote it: an edited source). */
  inputs_changed: Array<{ path: string; a: string; b: string; tools: string[] }>;
  outputs_only_in_a: FileEntry[];
  outputs_only_in_b: FileEntry[];
  durations: Array<{ a: Command; b: Command; a_ms: number; b_ms: number; change_ms: number }>;
}

export interface BuildInfo {
  command: string[];
  start_dir: string;
  duration_ms: number;
  exit_status: number | null;
  processes: number;
}

export interface FileEntry {
  /** Relative to the start directory when inside it. */
  path: string;
  tools: string[];
}

/**
 * Environment variables never compared: gcc passes its own options to its
 * subprocesses in COLLECT_GCC_OPTIONS (the argument diff already shows
 * them); shells put the last command in `_` and the previous directory
 * in OLDPWD.
 */
export const DEFAULT_IGNORED_ENV: readonly string[] = ['COLLECT_GCC_OPTIONS', '_', 'OLDPWD'];

/** Job duration changes smaller than this are timing noise, not listed. */
const MIN_CHANGE_NS = 50e6;
const MIN_CHANGE_RATIO = 0.2;

/** The content sections (everything but durations): a diff with none of them is "no difference". */
export const CONTENT_SECTIONS = [
  'exit_status',
  'only_in_a',
  'only_in_b',
  'arguments',
  'environment',
  'inputs_only_in_a',
  'inputs_only_in_b',
  'resolved_elsewhere',
  'inputs_changed',
  'outputs_only_in_a',
  'outputs_only_in_b',
] as const;

export function differs(r: DiffReport): boolean {
  return CONTENT_SECTIONS.some((k) => r[k].length > 0);
}

export function diffBuilds(ba: Build, bb: Build, opts: DiffOptions = {}): DiffReport {
  const masks = compileMasks(opts.mask);
  const a = side(ba, new Masker(ba, masks));
  const b = side(bb, new Masker(bb, masks));
  const m = match(a, b);
  const pairs = [...m.same, ...m.changed];
  const cmd = (s: Side, proc: number): Command => ({ proc, argv: [...s.build.process(proc)!.argv], cwd: s.cwd.get(proc) ?? '' });

  const exit_status = pairs
    .map(([x, y]) => [ba.process(x)!, bb.process(y)!] as const)
    .filter(([p, q]) => status(p) !== status(q))
    .map(([p, q]) => ({ a: cmd(a, p.proc), b: cmd(b, q.proc), a_status: status(p), b_status: status(q) }));

  const arguments_ = [...m.changed].map(([x, y]) => {
    const d = argDiff(a.argv.get(x)!, b.argv.get(y)!);
    return {
      a: cmd(a, x),
      b: cmd(b, y),
      removed: d.filter((o) => o.op === '-').map((o) => o.arg),
      added: d.filter((o) => o.op === '+').map((o) => o.arg),
      diff: d,
    };
  });
  arguments_.sort((u, v) => ba.process(u.a.proc)!.start - ba.process(v.a.proc)!.start);

  const inputs = fileSets(a, b, Kind.READ | Kind.EXEC, false);
  const outputs = fileSets(a, b, WRITES, true);
  const resolved = resolvedElsewhere(inputs.onlyA, inputs.onlyB);

  return {
    a: info(ba),
    b: info(bb),
    exit_status,
    only_in_a: topmost(a, m.onlyA),
    only_in_b: topmost(b, m.onlyB),
    arguments: arguments_,
    environment: environment(a, b, pairs, new Set([...DEFAULT_IGNORED_ENV, ...(opts.ignoreEnv ?? [])])),
    inputs_only_in_a: inputs.onlyA.filter((e) => !resolved.used.has(e)),
    inputs_only_in_b: inputs.onlyB.filter((e) => !resolved.used.has(e)),
    resolved_elsewhere: resolved.list,
    inputs_changed: changedInputs(a, b),
    outputs_only_in_a: outputs.onlyA,
    outputs_only_in_b: outputs.onlyB,
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

function info(b: Build): BuildInfo {
  return {
    command: [...(b.header.command ?? [])],
    start_dir: b.startDir,
    duration_ms: Math.round(b.durationNs / 1e6),
    exit_status: b.model.trailer?.exit_status ?? null,
    processes: b.model.processes.length,
  };
}

function status(p: Process): string {
  return exitText(p.exitCode, p.signal);
}

/** Unmatched processes whose nearest ran-a-program ancestor is matched (or none): the rest is hidden under them. */
function topmost(s: Side, only: Process[]): Array<Command & { hidden: number }> {
  const isOnly = new Set(only.map((p) => p.proc));
  const execd = new Set(s.procs.map((p) => p.proc));
  const top = new Map<number, number>();
  for (const p of only) {
    let anc = p.parent;
    let root = p.proc;
    while (anc) {
      if (execd.has(anc)) {
        if (!isOnly.has(anc)) break;
        root = anc;
      }
      anc = s.build.process(anc)?.parent ?? 0;
    }
    top.set(root, (top.get(root) ?? 0) + (root === p.proc ? 0 : 1));
  }
  return [...top]
    .map(([proc, hidden]) => ({ proc, argv: [...s.build.process(proc)!.argv], cwd: s.cwd.get(proc) ?? '', hidden }))
    .sort((x, y) => s.build.process(x.proc)!.start - s.build.process(y.proc)!.start);
}

function envMap(s: Side, p: Process): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of p.env) {
    const i = e.indexOf('=');
    if (i > 0) out.set(e.slice(0, i), s.mask.text(e.slice(i + 1)));
  }
  return out;
}

function environment(a: Side, b: Side, pairs: Array<[number, number]>, ignore: Set<string>): DiffReport['environment'] {
  const diffs = new Map<string, { name: string; a: string | null; b: string | null; tools: Set<string> }>();
  for (const [x, y] of pairs) {
    const p = a.build.process(x)!;
    const q = b.build.process(y)!;
    if (!p.env.length || !q.env.length) continue; // traced with --no-env
    const ea = envMap(a, p);
    const eb = envMap(b, q);
    for (const name of new Set([...ea.keys(), ...eb.keys()])) {
      if (ignore.has(name)) continue;
      const va = ea.get(name) ?? null;
      const vb = eb.get(name) ?? null;
      if (va === vb) continue;
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
function fileSets(a: Side, b: Side, kinds: number, outputs: boolean): { onlyA: FileEntry[]; onlyB: FileEntry[] } {
  const collect = (s: Side) => {
    const noise = new Noise(s.build);
    const out = new Map<string, Set<string>>();
    for (const f of s.build.model.files) {
      if (f.dir || !(f.kinds & kinds)) continue;
      if (outputs ? f.removed : f.created || f.kinds & WRITES) continue;
      if (isPseudoPath(f.path) || noise.path(f.path)) continue;
      const key = s.mask.path(f.path);
      if (key === '<tmp>') continue;
      out.set(key, new Set([...(out.get(key) ?? []), ...toolsOf(s, f, kinds)]));
    }
    return out;
  };
  const ka = collect(a);
  const kb = collect(b);
  const only = (x: Map<string, Set<string>>, y: Map<string, Set<string>>) =>
    [...x]
      .filter(([k]) => !y.has(k))
      .map(([path, tools]) => ({ path, tools: [...tools].sort() }))
      .sort((u, v) => (u.path < v.path ? -1 : 1));
  return { onlyA: only(ka, kb), onlyB: only(kb, ka) };
}

/**
 * Files both builds used and neither made (read, run or only stat'ed: a
 * no-op build's make only compares its prerequisites' timestamps), at the
 * same path in both, whose mtime differs, where a process of each build
 * asked for it (make's stat of a prerequisite; an fstat is not recorded):
 * what was edited, touched or upgraded in between. Copies of a tree
 * elsewhere (other paths, masked alike) are not compared: copying sets new
 * mtimes.
 */
function changedInputs(a: Side, b: Side): DiffReport['inputs_changed'] {
  const collect = (s: Side) => {
    const noise = new Noise(s.build);
    const out = new Map<string, { mtime: string; tools: Set<string> }>();
    for (const f of s.build.model.files) {
      // used, never written by the build (a target it remakes has an older mtime each time)
      if (f.dir || f.created || f.mtime === undefined || !(f.kinds & (READS | Kind.STAT)) || f.kinds & WRITES) continue;
      if (isPseudoPath(f.path) || noise.path(f.path)) continue;
      out.set(f.path, { mtime: f.mtime, tools: toolsOf(s, f, READS | Kind.STAT) });
    }
    return out;
  };
  const ka = collect(a);
  const kb = collect(b);
  const out: DiffReport['inputs_changed'] = [];
  for (const [path, x] of ka) {
    const y = kb.get(path);
    if (y && y.mtime !== x.mtime) out.push({ path: a.mask.path(path), a: x.mtime, b: y.mtime, tools: [...new Set([...x.tools, ...y.tools])].sort() });
  }
  return out.sort((u, v) => (u.path < v.path ? -1 : 1));
}

/** Inputs only in A and only in B with the same name: the same file found in another place. */
function resolvedElsewhere(onlyA: FileEntry[], onlyB: FileEntry[]): { list: DiffReport['resolved_elsewhere']; used: Set<FileEntry> } {
  const used = new Set<FileEntry>();
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
  for (const [name, ea] of na) {
    const eb = nb.get(name);
    if (!eb) continue;
    for (const e of [...ea, ...eb]) used.add(e);
    list.push({ name, a: ea.map((e) => e.path), b: eb.map((e) => e.path), tools: [...new Set([...ea, ...eb].flatMap((e) => e.tools))].sort() });
  }
  list.sort((u, v) => (u.name < v.name ? -1 : 1));
  return { list, used };
}

function durations(a: Side, b: Side, pairs: Array<[number, number]>, max: number): DiffReport['durations'] {
  const out: DiffReport['durations'] = [];
  for (const [x, y] of pairs) {
    const ja = a.build.jobs.get(x);
    const jb = b.build.jobs.get(y);
    if (!ja || !jb) continue;
    const da = ja.end - ja.start;
    const db = jb.end - jb.start;
    const d = db - da;
    if (Math.abs(d) < MIN_CHANGE_NS || Math.abs(d) < MIN_CHANGE_RATIO * Math.max(da, db)) continue;
    out.push({
      a: { proc: x, argv: [...a.build.process(x)!.argv], cwd: a.cwd.get(x) ?? '' },
      b: { proc: y, argv: [...b.build.process(y)!.argv], cwd: b.cwd.get(y) ?? '' },
      a_ms: Math.round(da / 1e6),
      b_ms: Math.round(db / 1e6),
      change_ms: Math.round(d / 1e6),
    });
  }
  return out.sort((u, v) => Math.abs(v.change_ms) - Math.abs(u.change_ms)).slice(0, max);
}
