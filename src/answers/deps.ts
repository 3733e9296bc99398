/**
 * Provenance and impact of a file, through jobs.
 *
 *   deps(FILE)   the job(s) that wrote FILE, the files they read, the jobs
 *                that wrote those, transitively: what FILE was made from
 *   rdeps(FILE)  every job that read FILE and every file they wrote,
 *                transitively: what is stale when FILE changes
 *
 * A process outside any job (a driver, the root) stands for itself.
 * Runtime noise is left out unless `all` is set.
 */
import { Kind, READS, WRITES } from '../model/kinds.js';
import type { Build, BuildFile } from '../model/index.js';
import { noiseOf } from './groups.js';

export interface DepsOptions {
  /** Levels of jobs to follow (default: all). */
  depth?: number;
  /** Keep runtime noise (/proc, shared libraries, …). */
  all?: boolean;
}

export interface DepProcess {
  proc: number;
  argv: readonly string[];
}

/** One file in the tree; `writer` made it (deps: the job that began writing it last) or read it (rdeps); null for a leaf. */
export interface DepNode {
  path: string;
  writer: DepProcess | null;
  children: DepNode[];
  /** Shown in full elsewhere in the tree. */
  repeated?: boolean;
}

export interface DepsResult {
  file: string;
  /** deps: the leaves (sources and system files); rdeps: the files read on the way (FILE first). */
  inputs: string[];
  /** deps: files the build made that FILE depends on; rdeps: every file made from FILE. */
  outputs: string[];
  /** The jobs (or lone processes) on the way. */
  processes: DepProcess[];
  tree: DepNode;
  /** FILE was written by nobody (deps) or read by nobody (rdeps). */
  untouched: boolean;
  /** deps of an input: the processes that read it. */
  readers: DepProcess[];
  /** deps of an input: the processes that only looked it up (stat, access, readlink), and whether any of them found it. */
  lookups: Array<DepProcess & { found: boolean }>;
}

/** The unit of work a process belongs to: its job's root, else itself (model/jobs.ts). */
function unitOf(build: Build, proc: number): number {
  return build.jobs.of(proc)?.proc ?? proc;
}

/** Every process of a unit. */
function unitProcs(build: Build, unit: number): number[] {
  return build.jobs.unit(unit)?.procs ?? [unit];
}

function depProcess(build: Build, proc: number): DepProcess {
  return { proc, argv: build.process(proc)?.argv ?? [] };
}

/** Units that wrote file f, in time order of their first write. */
function writerUnits(build: Build, f: BuildFile): number[] {
  const seen = new Map<number, number>();
  for (const a of f.procs) {
    if (!(a.kinds & WRITES)) continue;
    const u = unitOf(build, a.proc);
    const t = seen.get(u);
    if (t === undefined || a.firstWrite < t) seen.set(u, a.firstWrite);
  }
  return [...seen].sort((a, b) => a[1] - b[1]).map(([u]) => u);
}

/** Units that read (or ran) file f, in time order. */
function readerUnits(build: Build, f: BuildFile): number[] {
  const seen = new Map<number, number>();
  for (const a of f.procs) {
    if (!(a.kinds & READS)) continue;
    const u = unitOf(build, a.proc);
    const t = seen.get(u);
    if (t === undefined || a.first < t) seen.set(u, a.first);
  }
  return [...seen].sort((a, b) => a[1] - b[1]).map(([u]) => u);
}

/** The units that looked `f` up (a successful lookup, or a probe) without reading it, first lookup first; found: one of their lookups succeeded. */
function lookupUnits(build: Build, f: BuildFile): Array<{ unit: number; found: boolean }> {
  const readers = new Set(readerUnits(build, f));
  const seen = new Map<number, { first: number; found: boolean }>();
  for (const a of f.procs) {
    if (!(a.kinds & (Kind.STAT | Kind.PROBE))) continue;
    const u = unitOf(build, a.proc);
    if (readers.has(u)) continue;
    const t = seen.get(u);
    const found = (a.kinds & Kind.STAT) !== 0;
    if (t === undefined) seen.set(u, { first: a.first, found });
    else seen.set(u, { first: Math.min(t.first, a.first), found: t.found || found });
  }
  return [...seen].sort((a, b) => a[1].first - b[1].first).map(([unit, v]) => ({ unit, found: v.found }));
}

/** Files a unit read (or ran) that it did not make itself first. */
function unitInputs(build: Build, unit: number): number[] {
  return build.jobs.unit(unit)?.inputs ?? [];
}

/** Files a unit wrote that exist at the end. */
function unitOutputs(build: Build, unit: number): number[] {
  return build.jobs.unit(unit)?.outputs ?? [];
}

function sortedPaths(build: Build, ids: Iterable<number>): string[] {
  return [...ids].map((i) => build.model.files[i].path).sort();
}

/** Provenance of `file`. */
export function deps(build: Build, file: BuildFile, opts: DepsOptions = {}): DepsResult {
  const maxDepth = opts.depth ?? Infinity;
  const noise = noiseOf(build);
  const keep = (f: BuildFile) => opts.all || !noise[f.id];
  const leaves = new Set<number>();
  const made = new Set<number>();
  const units = new Set<number>();
  const expanded = new Set<number>();
  const files = build.model.files;
  const writersMemo = new Map<number, number[]>();
  const writersOf = (f: BuildFile): number[] => {
    let w = writersMemo.get(f.id);
    if (!w) writersMemo.set(f.id, (w = writerUnits(build, f)));
    return w;
  };

  const visit = (f: BuildFile, depth: number): DepNode => {
    const writers = writersOf(f);
    if (!writers.length || depth >= maxDepth) {
      if (!writers.length) leaves.add(f.id);
      return { path: f.path, writer: null, children: [] };
    }
    made.add(f.id);
    // the job that began writing it last: after a -j race, the one whose content it holds (not the first's)
    const writer = depProcess(build, writers[writers.length - 1]);
    if (expanded.has(f.id)) return { path: f.path, writer, children: [], repeated: true };
    expanded.add(f.id);
    const children: DepNode[] = [];
    const inputs = new Set<number>();
    for (const u of writers) {
      units.add(u);
      for (const i of unitInputs(build, u)) if (i !== f.id && keep(files[i]) && !files[i].dir) inputs.add(i);
    }
    for (const i of [...inputs].sort((a, b) => (files[a].path < files[b].path ? -1 : 1))) children.push(visit(files[i], depth + 1));
    return { path: f.path, writer, children };
  };

  const tree = visit(file, 0);
  const untouched = tree.writer === null && writerUnits(build, file).length === 0;
  const readers = untouched ? readerUnits(build, file).map((u) => depProcess(build, u)) : [];
  const lookups = untouched ? lookupUnits(build, file).map((l) => ({ ...depProcess(build, l.unit), found: l.found })) : [];
  made.delete(file.id);
  return {
    file: file.path,
    inputs: untouched ? [] : sortedPaths(build, leaves),
    outputs: sortedPaths(build, made),
    processes: [...units].sort((a, b) => a - b).map((u) => depProcess(build, u)),
    tree,
    untouched,
    readers,
    lookups,
  };
}

/** Impact of `file`. */
export function rdeps(build: Build, file: BuildFile, opts: DepsOptions = {}): DepsResult {
  const maxDepth = opts.depth ?? Infinity;
  const files = build.model.files;
  const noise = noiseOf(build);
  const made = new Set<number>();
  const read = new Set<number>([file.id]);
  const units = new Set<number>();
  const expanded = new Set<number>();

  const visit = (f: BuildFile, by: number | null, depth: number): DepNode => {
    const node: DepNode = { path: f.path, writer: by === null ? null : depProcess(build, by), children: [] };
    if (depth >= maxDepth) return node;
    if (expanded.has(f.id)) {
      node.repeated = readerUnits(build, f).length > 0;
      return node;
    }
    expanded.add(f.id);
    for (const u of readerUnits(build, f)) {
      units.add(u);
      for (const o of unitOutputs(build, u)) {
        if (o === f.id || (!opts.all && noise[o])) continue;
        made.add(o);
        read.add(f.id);
        node.children.push(visit(files[o], u, depth + 1));
      }
    }
    return node;
  };

  const tree = visit(file, null, 0);
  made.delete(file.id);
  return {
    file: file.path,
    inputs: sortedPaths(build, read),
    outputs: sortedPaths(build, made),
    processes: [...units].sort((a, b) => a - b).map((u) => depProcess(build, u)),
    tree,
    // nobody read it (at --depth 0 no reader is visited: ask the file)
    untouched: readerUnits(build, file).length === 0,
    readers: [],
    lookups: [],
  };
}

/**
 * The processes and files of FILE's provenance (bt graph --focus): every
 * process of the jobs that made it, their ancestors (so the tree stays
 * connected), FILE and the files on the way.
 */
export function depsScope(build: Build, file: BuildFile, opts: DepsOptions = {}): { procs: Set<number>; files: Set<number> } {
  const r = deps(build, file, opts);
  const procs = new Set<number>();
  for (const u of r.processes) {
    for (const id of unitProcs(build, u.proc)) procs.add(id);
    for (let p = build.process(u.proc); p && p.parent && !procs.has(p.parent); p = build.process(p.parent)) procs.add(p.parent);
  }
  const files = new Set<number>([file.id]);
  for (const path of [...r.inputs, ...r.outputs]) {
    const f = build.file(path);
    if (f) files.add(f.id);
  }
  return { procs, files };
}
