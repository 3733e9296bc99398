/**
 * Provenance and impact of a file, through jobs.
 *
 *   deps(FILE)   the job(s) that wrote FILE, the files they read before
 *                they were done writing it (a driver's own writes and
 *                the copies of a copy tool of several files, of less:
 *                model/jobs.ts madeOf), the jobs that wrote those,
 *                transitively: what FILE was made from
 *   rdeps(FILE)  every job that read FILE and every file they wrote after
 *                that read, transitively: what is stale when FILE changes;
 *                the tests on the way apart, without the files only they
 *                wrote (model/tests.ts testFiles: their logs)
 *
 * depsScope (bt graph --focus) is deps as processes and files to draw,
 * within the phase of the build that made FILE (phases.ts: configure, then
 * make): a file only another phase made ends the walk, marked, and so does
 * one beyond `depth`. deps with `samePhase` stays in that phase too (bt
 * view's provenance, beside its graph); bt deps follows every phase.
 *
 * A process outside any job (a driver, the root) stands for itself.
 * Runtime noise is left out unless `all` is set; a shared library is noise
 * except in the job whose linker read it as a link input (groups.ts
 * linkInputs): libc.so.6 is an input of the link, not of every compile.
 * A file used by two names on a merged /usr is listed once, by its /usr
 * name, and FILE is the file by both names: deps lists the readers of
 * both, rdeps follows them (model/usrmerge.ts).
 */
import { Kind, READS, WRITES } from '../model/kinds.js';
import type { Build, BuildFile, Job } from '../model/index.js';
import { Heap } from '../normalize/order.js';
import { distinctFiles, usrNames } from '../model/usrmerge.js';
import { linkInputOf, noiseOf, pathNoiseOf, placeOf } from './groups.js';
import { phaseOf } from './phases.js';
import { bookkeepingOf, cacheGroups } from '../present/fold.js';
import { toMs } from '../present/format.js';

export interface DepsOptions {
  /** Levels of jobs to follow (default: all). */
  depth?: number;
  /** Keep runtime noise (/proc, shared libraries, …). */
  all?: boolean;
}

/** deps' options: by default it follows every phase of the build (bt deps). */
export interface ProvenanceOptions extends DepsOptions {
  /** Stay in the phase of the process that made FILE, as depsScope does: what only another phase made is a leaf (bt view's provenance). */
  samePhase?: boolean;
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
  /** A build tool's cache or bookkeeping file (present/fold.ts): the group's name and what it is (`whole`: what it was made from folds with it); the text folds them. */
  cache?: { name: string; what: string; whole?: true };
  /** It did not exist at the build's end (its last change was a removal: a depfile ninja read and deleted, a try-compile's scratch). */
  removed?: true;
}

export interface DepsResult {
  file: string;
  /** deps: the leaves (sources and system files); rdeps: FILE and the files made from it that a job on the way read (what FILE's content went through). */
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
  /** deps of a file the build did not write: the processes left running that wrote it after the build ended (model/outlived.ts setAsideAfterBuild). */
  afterBuild: DepProcess[];
  /** FILE was made during the build by a process outside the trace (model/outside.ts): when the build found it missing, then present (ms from the build's start); null otherwise. */
  madeOutside: { missing_ms: number; found_ms: number } | null;
  /**
   * rdeps: the tests (model/jobs.ts JobIndex.inTest) that read or ran FILE
   * or a file made from it, or what another of them wrote of it: what to
   * run again when FILE changes. The files only they wrote (their logs:
   * model/tests.ts testFiles) are in neither `outputs` nor the tree. deps: none.
   */
  tests: DepProcess[];
}

/**
 * What `--json` prints (README, "JSON keys (stable)"): the result with
 * snake_case keys; deps of a file the build did not write adds who read it,
 * who only looked it up, and what a process left running wrote after the
 * build (rdeps never has them).
 */
export function depsJson(r: DepsResult, reverse: boolean): Record<string, unknown> {
  const { untouched: _u, readers, lookups, afterBuild, madeOutside: made_outside, ...fields } = r;
  const json = { ...fields, made_outside };
  return reverse || !r.untouched ? json : { ...json, readers, lookups, after_build: afterBuild };
}

/** When the build found FILE missing, then present, if a process outside the trace made it (BuildFile.outside). */
function madeOutside(build: Build, f: BuildFile): DepsResult['madeOutside'] {
  const o = f.outside;
  const at = (ts: number) => toMs(ts - build.model.startTs);
  return o ? { missing_ms: at(o.missing), found_ms: at(o.found) } : null;
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

/** The file of id `id` by each of its names (one, or two on a merged /usr: usrNames). */
function namesOf(build: Build, id: number): BuildFile[] {
  return usrNames(build, id).map((i) => build.model.files[i]);
}

/** Units that read (or ran) a file by any of its names `fs`, in time order. */
function readerUnits(build: Build, fs: readonly BuildFile[]): number[] {
  const seen = new Map<number, number>();
  for (const f of fs) {
    for (const a of f.procs) {
      if (!(a.kinds & READS)) continue;
      const u = unitOf(build, a.proc);
      const t = seen.get(u);
      if (t === undefined || a.first < t) seen.set(u, a.first);
    }
  }
  return [...seen].sort((a, b) => a[1] - b[1]).map(([u]) => u);
}

/** The units that looked a file up by any of its names `fs` (a successful lookup, or a probe) without reading it, first lookup first; found: one of their lookups succeeded. */
function lookupUnits(build: Build, fs: readonly BuildFile[]): Array<{ unit: number; found: boolean }> {
  const readers = new Set(readerUnits(build, fs));
  const seen = new Map<number, { first: number; found: boolean }>();
  for (const a of fs.flatMap((f) => f.procs)) {
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

function sortedPaths(build: Build, ids: Iterable<number>): string[] {
  return [...ids].map((i) => build.model.files[i].path).sort();
}

/** How a file was made, as far as FILE's provenance is concerned: the units that wrote it in time, and the inputs they had read by then. */
interface Made {
  writers: number[];
  inputs: number[];
  /** With `samePhase`, when only another phase made it: that phase (phases.ts: the process it starts at). */
  elsewhere?: number;
}

/** FILE's provenance: how each file on the way was made; with `samePhase`, which processes are of FILE's maker's phase. */
interface Provenance {
  made: Map<number, Made>;
  inPhase?: (proc: number) => boolean;
}

/**
 * FILE's provenance with time: each file reached gets the latest time its
 * content can have mattered (FILE: any time; an input of a unit: when the
 * unit was done writing the file made of it, or that file's own time if
 * earlier). A unit that wrote a file counts if it began writing it by
 * then, and brings the inputs it had begun reading by the time it was done
 * writing it. A file reached by several ways keeps its latest time, so the
 * files are taken latest first (times only go down along the way).
 *
 * With `samePhase`, the walk stays in the phase (phases.ts) of the process
 * that made FILE: a unit counts if a process of it in that phase wrote the
 * file, and brings what such processes read. A file that only another
 * phase made (config.h, by configure, read by a compile of make) ends the
 * walk, with that phase as `elsewhere`; so does one a make recipe's
 * configure made (binutils' `cd bfd && configure`, one job with its
 * recipe).
 */
function provenance(build: Build, file: BuildFile, keep: (f: BuildFile, procs: readonly number[]) => boolean, samePhase = false): Provenance {
  const files = build.model.files;
  const jobs = build.jobs;
  const latest = new Map<number, number>([[file.id, Infinity]]);
  const made = new Map<number, Made>();
  const queue = new Heap<[number, number]>((x, y) => x[1] > y[1]); // (file, time): the latest first
  const inTree = (i: number) => (placeOf(files[i].path, build.startDir) === 'tree' ? 1 : 0);
  queue.push([file.id, Infinity]);
  /** With samePhase: the phase followed, FILE's maker's (set at FILE, the first file taken). */
  let phase: number | undefined;
  const inPhase = (proc: number) => phaseOf(build, proc) === phase;
  // per unit, the files its processes of the phase read; null when all of them are of the phase
  const phaseReads = new Map<number, Set<number> | null>();
  const readInPhase = (unit: Job): Set<number> | null => {
    let r = phaseReads.get(unit.proc);
    if (r === undefined) {
      const mine = unit.procs.filter(inPhase);
      r = mine.length === unit.procs.length ? null : new Set(mine.flatMap((p) => [...build.process(p)!.files.values()].filter((a) => a.kinds & READS).map((a) => a.file)));
      phaseReads.set(unit.proc, r);
    }
    return r;
  };
  while (queue.size) {
    const [id, until] = queue.pop()!;
    if (made.has(id) || latest.get(id) !== until) continue;
    let writers = makersOf(build, id, until);
    if (samePhase && id === file.id && writers.length) phase = writerPhase(build, writers[writers.length - 1], id);
    let elsewhere: number | undefined;
    if (phase !== undefined) {
      const phases = new Map(writers.map((w) => [w, writerPhase(build, w, id)]));
      const other = writers.filter((w) => phases.get(w) !== phase);
      if (other.length) {
        elsewhere = phases.get(other[other.length - 1]);
        writers = writers.filter((w) => phases.get(w) === phase);
      }
    }
    const inputs = new Set<number>();
    for (const w of writers) {
      const unit = jobs.unit(w)!;
      const by = Math.min(jobs.writtenUntil(unit, id), until);
      const madeOf = jobs.madeOf(unit, id);
      // what the unit's processes of another phase read is theirs (the configure a make recipe ran)
      const reads = phase === undefined ? null : readInPhase(unit);
      for (const i of jobs.inputsBy(unit, by)) {
        if (i === id || !keep(files[i], unit.procs) || files[i].dir || (madeOf && !madeOf(i)) || (reads && !reads.has(i))) continue;
        inputs.add(i);
        const t = latest.get(i);
        if (t === undefined || by > t) {
          latest.set(i, by);
          queue.push([i, by]);
        }
      }
    }
    // the tree's files first (shown relative to the start directory), then the others, each by path
    const m: Made = { writers, inputs: [...inputs].sort((a, b) => inTree(b) - inTree(a) || (files[a].path < files[b].path ? -1 : 1)) };
    if (elsewhere !== undefined) m.elsewhere = elsewhere;
    made.set(id, m);
  }
  return phase === undefined ? { made } : { made, inPhase };
}

/** The phase (phases.ts) of the process of `unit` that last began writing file `id`. */
function writerPhase(build: Build, unit: number, id: number): number {
  let last = unit;
  let t = -Infinity;
  for (const proc of unitProcs(build, unit)) {
    const a = build.process(proc)!.files.get(id);
    if (a && a.kinds & WRITES && a.firstWrite > t) {
      t = a.firstWrite;
      last = proc;
    }
  }
  return phaseOf(build, last);
}

/**
 * The units whose writing of file `id` counts for its content at `until`:
 * those that began writing it by then and whose writing was not thrown away
 * before (truncated, made anew or replaced), in time order, the maker (the
 * one whose content it holds) last.
 */
function makersOf(build: Build, id: number, until: number): number[] {
  const jobs = build.jobs;
  const writers: number[] = [];
  // drivers that only edited the file in place (go stamping its build ID): not who made its content
  const stamped = new Set<number>();
  // the content that mattered dates from the last time the file was truncated, made anew or replaced by then
  const reset = jobs.resetsOf(id).filter((t) => t <= until).at(-1) ?? -Infinity;
  for (const w of writerUnits(build, build.model.files[id])) {
    const unit = jobs.unit(w)!;
    if (jobs.firstWrite(unit, id) > until) continue; // it wrote the file only after its content mattered
    if (jobs.writtenUntil(unit, id) < reset) continue; // what it wrote was thrown away before then
    writers.push(w);
    if (jobs.drives(unit) && jobs.editsInPlace(unit, id)) stamped.add(w);
  }
  // the job before such an edit is shown as the maker (the last writer)
  if (stamped.size) writers.sort((x, y) => Number(stamped.has(y)) - Number(stamped.has(x)));
  return writers;
}

/** The inputs provenance follows: not runtime noise (unless `all`), except a link input of the job's linker. */
function keepFor(build: Build, opts: DepsOptions): (f: BuildFile, procs: readonly number[]) => boolean {
  const noise = pathNoiseOf(build);
  return (f, procs) => !!opts.all || !noise[f.id] || linkInputOf(build, f.id, procs);
}

/** Provenance of `file`. */
export function deps(build: Build, file: BuildFile, opts: ProvenanceOptions = {}): DepsResult {
  const maxDepth = opts.depth ?? Infinity;
  const keep = keepFor(build, opts);
  const leaves = new Set<number>();
  const made = new Set<number>();
  const units = new Set<number>();
  const expanded = new Set<number>();
  const files = build.model.files;
  const how = provenance(build, file, keep, !!opts.samePhase).made;

  const visit = (f: BuildFile, depth: number): DepNode => {
    const { writers, inputs } = how.get(f.id)!;
    if (!writers.length || depth >= maxDepth) {
      if (!writers.length) leaves.add(f.id);
      return { path: f.path, writer: null, children: [] };
    }
    made.add(f.id);
    // the job that began writing it last: after a -j race, the one whose content it holds (not the first's)
    const writer = depProcess(build, writers[writers.length - 1]);
    if (expanded.has(f.id)) return { path: f.path, writer, children: [], repeated: true };
    expanded.add(f.id);
    for (const u of writers) units.add(u);
    // a file used by two names on a merged /usr (make's /bin/sh, then sh from PATH: /usr/bin/sh) once
    return { path: f.path, writer, children: distinctFiles(build, inputs).map((i) => visit(files[i], depth + 1)) };
  };

  const tree = visit(file, 0);
  const untouched = tree.writer === null && writerUnits(build, file).length === 0;
  // an input is read by its every name (a file of two names on a merged /usr is written by neither)
  const names = untouched ? namesOf(build, file.id) : [];
  const readers = readerUnits(build, names).map((u) => depProcess(build, u));
  const lookups = lookupUnits(build, names).map((l) => ({ ...depProcess(build, l.unit), found: l.found }));
  const afterBuild = [...new Set(names.flatMap((f) => f.procs.filter((a) => a.afterBuild).map((a) => a.proc)))].sort((a, b) => a - b).map((p) => depProcess(build, p));
  made.delete(file.id);
  return {
    file: file.path,
    inputs: untouched ? [] : sortedPaths(build, distinctFiles(build, [...leaves])),
    outputs: sortedPaths(build, made),
    processes: [...units].sort((a, b) => a - b).map((u) => depProcess(build, u)),
    tree: markFiles(build, tree),
    untouched,
    readers,
    lookups,
    afterBuild,
    madeOutside: madeOutside(build, file),
    tests: [],
  };
}

/** What was made from a file, as far as FILE's impact is concerned: the units that read it in time, each with the outputs it wrote after. */
type Read = Array<{ unit: number; outputs: number[] }>;

/**
 * FILE's impact with time: each file reached gets the earliest time its
 * content can carry FILE's (FILE: any time; an output of a unit: when the
 * unit began reading the file it is made of, or when it began writing the
 * output, whichever is later). A unit that read a file counts if it still
 * used it by then, and brings the outputs it was still writing after it
 * began reading it. A file reached by several ways keeps its earliest time,
 * so the files are taken earliest first (times only go up along the way).
 * FILE is read by its every name (usrNames: /bin/sh and /usr/bin/sh on a
 * merged /usr); the files reached are written, and have one.
 *
 * A reader after the file was truncated, made anew or replaced read FILE's
 * content only if a unit that carried it there (one that wrote the file
 * after reading something made of FILE) wrote it again after that reset:
 * the mirror of makersOf. go's link job is link and the external ld it
 * runs, and ld truncates a.out that link had begun: still the link job's
 * a.out, made of main.go, which go then moves onto ./app.
 */
function impact(build: Build, file: BuildFile, keep: (o: number) => boolean): Map<number, Read> {
  const jobs = build.jobs;
  const files = build.model.files;
  const earliest = new Map<number, number>([[file.id, -Infinity]]);
  // per file reached, the units that carried FILE's content into it, each from when
  const carriers = new Map<number, Map<number, number>>();
  const read = new Map<number, Read>();
  const queue = new Heap<[number, number]>((x, y) => x[1] < y[1]); // (file, time): the earliest first
  queue.push([file.id, -Infinity]);
  while (queue.size) {
    const [id, after] = queue.pop()!;
    if (read.has(id) || earliest.get(id) !== after) continue;
    const by: Read = [];
    // the file asked about counts in every content it had; one reached later, from the time FILE's content went in
    const resets = after === -Infinity ? [] : jobs.resetsOf(id).filter((t) => t > after);
    const carried = [...(carriers.get(id) ?? [])].map(([u, t]) => ({ t, until: jobs.writtenUntil(jobs.unit(u)!, id) }));
    /** FILE's content was in the file when a reader began at `from`: no reset since, or a carrier wrote it again after the last one. */
    const holds = (from: number): boolean => {
      const reset = resets.filter((t) => t <= from).at(-1);
      return reset === undefined || carried.some((c) => c.t <= from && c.until >= reset);
    };
    const names = id === file.id ? usrNames(build, id) : [id];
    for (const r of readerUnits(build, names.map((i) => files[i]))) {
      const unit = jobs.unit(r)!;
      const from = Math.min(...names.map((i) => jobs.readFrom(unit, i, after)));
      if (from === Infinity) continue; // it read the file only before it carried FILE's content
      if (!holds(from)) continue; // the file was truncated, made anew or replaced before it read it, by none that carried FILE: not FILE's content
      // what it wrote to o is made of FILE's file (model/jobs.ts madeOf: a driver's own writes, a copy tool's copies)
      const madeOf = (o: number) => {
        const made = jobs.madeOf(unit, o);
        return !made || names.some(made);
      };
      const outputs = jobs.outputsFrom(unit, from).filter((o) => !names.includes(o) && keep(o) && madeOf(o));
      by.push({ unit: r, outputs });
      for (const o of outputs) {
        const t = Math.max(from, jobs.firstWrite(unit, o));
        let c = carriers.get(o);
        if (!c) carriers.set(o, (c = new Map()));
        const known = c.get(r);
        if (known === undefined || t < known) {
          c.set(r, t);
          // a file taken before this carrier was known: taken again, its readers after a reset may count now
          if (read.delete(o)) queue.push([o, earliest.get(o)!]);
        }
        const e = earliest.get(o);
        if (e === undefined || t < e) {
          earliest.set(o, t);
          queue.push([o, t]);
        }
      }
    }
    read.set(id, by);
  }
  return read;
}

/** Impact of `file`. */
export function rdeps(build: Build, file: BuildFile, opts: DepsOptions = {}): DepsResult {
  const maxDepth = opts.depth ?? Infinity;
  const files = build.model.files;
  const noise = noiseOf(build);
  // a shared cache's bookkeeping (ccache's stats, locks, log) carries nothing from one compile to the next
  const bookkeeping = bookkeepingOf(build);
  const made = new Set<number>();
  const read = new Set<number>([file.id]);
  // the jobs that made something from it; those that only read it (make or ninja reading a depfile) count
  // only when nothing was made from it
  const units = new Set<number>();
  const readOnly = new Set<number>();
  const expanded = new Set<number>();
  const how = impact(build, file, (o) => !bookkeeping[o] && (!!opts.all || !noise[o]));
  // the tests on the way, and the files only tests wrote (their logs), which are no part of the tree
  const jobs = build.jobs;
  const tests = new Set<number>();
  const testsFrom = (id: number, depth: number): void => {
    if (depth >= maxDepth || expanded.has(id)) return;
    expanded.add(id);
    for (const { unit, outputs } of how.get(id)!) {
      if (jobs.inTest(unit)) tests.add(unit);
      for (const o of outputs) if (jobs.testFile(o)) testsFrom(o, depth + 1);
    }
  };

  const visit = (f: BuildFile, by: number | null, depth: number): DepNode => {
    const node: DepNode = { path: f.path, writer: by === null ? null : depProcess(build, by), children: [] };
    if (depth >= maxDepth) return node;
    const readers = how.get(f.id)!;
    if (expanded.has(f.id)) {
      // shown above, with what was made from it: as in deps, the file once
      node.repeated = true;
      return node;
    }
    expanded.add(f.id);
    for (const { unit, outputs } of readers) {
      const test = jobs.inTest(unit);
      if (test) tests.add(unit);
      const kept = outputs.filter((o) => !jobs.testFile(o));
      if (kept.length) units.add(unit);
      else if (!test) readOnly.add(unit);
      for (const o of outputs) if (jobs.testFile(o)) testsFrom(o, depth + 1);
      for (const o of kept) {
        made.add(o);
        read.add(f.id);
        node.children.push(visit(files[o], unit, depth + 1));
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
    processes: [...(units.size ? units : readOnly)].sort((a, b) => a - b).map((u) => depProcess(build, u)),
    tree: markFiles(build, tree),
    // nobody read it by any name (at --depth 0 no reader is visited: ask the file)
    untouched: readerUnits(build, namesOf(build, file.id)).length === 0,
    readers: [],
    lookups: [],
    afterBuild: [],
    madeOutside: madeOutside(build, file),
    tests: [...tests].sort((a, b) => a - b).map((u) => depProcess(build, u)),
  };
}

export interface ScopeOptions extends DepsOptions {
  /** Follow the making of files that another phase of the build made too (default: stop there). */
  allPhases?: boolean;
}

/** Where the walk of depsScope stopped at a file the build made: the process to name as its maker, and why. */
export interface Stop {
  /** Another phase made it: that phase's top process (configure); beyond the depth: the job that made it. */
  proc: number;
  why: 'phase' | 'depth';
}

export interface Scope {
  procs: Set<number>;
  files: Set<number>;
  /** Files the build made whose makers are left out (not in procs). */
  stops: Map<number, Stop>;
}

/**
 * The processes and files of FILE's provenance (bt graph --focus): every
 * process of the jobs that made it, their ancestors (so the tree stays
 * connected), FILE and the files on the way, `depth` jobs deep (FILE's
 * maker is the first). The walk stays in the phase of FILE's maker (a
 * step of the build that ran to its end, phases.ts: configure, then
 * make): a file only another phase made (config.h, made by configure,
 * read by every compile of make) is kept, its makers are not followed
 * (`stops`), unless `allPhases`. So is a file made beyond `depth`.
 */
export function depsScope(build: Build, file: BuildFile, opts: ScopeOptions = {}): Scope {
  return depsScopes(build, file, opts)(opts.depth);
}

/** depsScope at any depth (all when undefined), the provenance worked out once. */
export function depsScopes(build: Build, file: BuildFile, opts: Omit<ScopeOptions, 'depth'> = {}): (depth?: number) => Scope {
  const how = provenance(build, file, keepFor(build, opts), !opts.allPhases);
  return (depth) => scopeOf(build, file, how, depth ?? Infinity, !!opts.all);
}

function scopeOf(build: Build, file: BuildFile, { made: how, inPhase }: Provenance, maxDepth: number, all: boolean): Scope {
  const files = new Set<number>([file.id]);
  const units = new Set<number>();
  const stops = new Map<number, Stop>();
  // level by level: a file reached by several ways counts at its least depth
  let level = [file.id];
  for (let depth = 0; level.length; depth++) {
    const next: number[] = [];
    for (const id of level) {
      const { writers, inputs, elsewhere } = how.get(id)!;
      if (!writers.length) {
        if (elsewhere !== undefined) stops.set(id, { proc: elsewhere, why: 'phase' });
        continue;
      }
      if (depth >= maxDepth) {
        stops.set(id, { proc: writers[writers.length - 1], why: 'depth' });
        continue;
      }
      for (const u of writers) units.add(u);
      for (const i of distinctFiles(build, inputs)) {
        if (files.has(i)) continue;
        files.add(i);
        next.push(i);
      }
    }
    level = next;
  }
  // the units' processes (of the phase followed) with their ancestors
  const procs = new Set<number>();
  const membersOf = (u: number) => unitProcs(build, u).filter((id) => !inPhase || inPhase(id));
  for (const u of units) {
    for (const id of membersOf(u)) {
      for (let p = build.process(id); p && !procs.has(p.proc); p = p.parent ? build.process(p.parent) : undefined) procs.add(p.proc);
    }
  }
  // and what passed between the processes of one job (cc1's /tmp/cc*.s that as read): the chain inside it stays drawn
  const noise = all ? undefined : noiseOf(build);
  for (const u of units) {
    const members = new Set(membersOf(u));
    for (const id of members) {
      for (const a of build.process(id)!.files.values()) {
        if (!(a.kinds & WRITES) || files.has(a.file) || noise?.[a.file]) continue;
        const f = build.model.files[a.file];
        if (!f.dir && f.procs.some((b) => b.proc !== id && members.has(b.proc) && b.kinds & READS)) files.add(a.file);
      }
    }
  }
  return { procs, files, stops };
}

/** Every node of the trees at `roots`, each root first, depth first (last child first). */
export function* depNodes(...roots: DepNode[]): Generator<DepNode> {
  const stack = [...roots];
  while (stack.length) {
    const n = stack.pop()!;
    yield n;
    stack.push(...n.children);
  }
}

/** Marks the tree's cache and bookkeeping files (present/fold.ts cacheGroups) with their group, and the files gone at the build's end; returns the tree. */
function markFiles(build: Build, tree: DepNode): DepNode {
  const groups = cacheGroups(build);
  for (const n of depNodes(tree)) {
    const f = build.file(n.path);
    const g = groups[f?.id ?? -1];
    if (g) n.cache = g.whole ? { name: g.name, what: g.what, whole: true } : { name: g.name, what: g.what };
    if (f?.removed) n.removed = true;
  }
  return tree;
}
