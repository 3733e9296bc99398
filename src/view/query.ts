/**
 * The viewer's queries: paged and aggregated answers over the build model
 * (timeline bars and the running-process ribbon, the process tree a level
 * at a time, the files table a page at a time, details of one process or
 * file). The browser never receives the whole build.
 *
 * Pure code (no Node APIs): the server runs it over the loaded Build, and
 * the static --html page runs the same code in the browser over the
 * embedded, unpacked model.
 */
import type { TestRoots } from './pack.js';
import { failed, type BuildFile, type BuildModel, type FileAccess, type Process } from '../model/types.js';
import { failedJobRoot, failedProbe, failedProbeRoot } from '../model/failures.js';
import { endInBuild } from '../model/outlived.js';
import { programName } from '../model/program.js';
import { Kind, kindNames, USES, WRITES } from '../model/kinds.js';
import { commandLine, exitText } from '../present/format.js';

/** What a filter keeps: flags by index in model.processes and by file id. */
export interface FilterResult {
  procs: Uint8Array;
  files: Uint8Array;
}

/** A display filter that does not parse: the message and the column (0-based offset, as FilterError). */
export class FilterSyntaxError extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
  }
}

/** Applies a filter's text to the model; throws FilterSyntaxError when it does not parse. */
export type FilterCompiler = (src: string) => FilterResult;

/** File groups as `bt summary` makes them (file ids). */
export type FileGroups = Record<string, readonly number[]>;

export interface ProcRow {
  id: number;
  pid: number;
  name: string;
  cmd: string;
  exit: string;
  failed: boolean;
  /** It failed in a failed probe (model/failures.ts): no failure of the build. */
  probe: boolean;
  start: number;
  dur: number;
  children: number;
}

export interface FileRow {
  id: number;
  path: string;
  kind: string;
  dir: boolean;
  readers: number;
  writers: number;
  probes: number;
  created: boolean;
  removed: boolean;
}

const KIND_ORDER = ['input', 'output', 'intermediate', 'temporary', 'test', 'probe', 'late', 'directory', 'noise', 'other'] as const;

/** The kind of the files in each of bt summary's groups. */
const GROUP_KIND: Record<string, string> = {
  inputs_tree: 'input',
  inputs_system: 'input',
  inputs_elsewhere: 'input',
  outputs: 'output',
  intermediates: 'intermediate',
  temporaries: 'temporary',
  tests: 'test',
  probes: 'probe',
};

/**
 * What role a file played: input (only read), output (made, kept),
 * intermediate (made, then removed or read), probe (only looked for), late
 * (written only after the build ended, by a process left running:
 * model/outlived.ts setAsideAfterBuild).
 */
export function fileKind(f: BuildFile): string {
  if ((f.kinds & ~Kind.PROBE) === 0 && f.kinds & Kind.PROBE) return 'probe';
  const written = (f.kinds & WRITES) !== 0;
  if (!written && f.afterBuild) return 'late';
  if (!written) return f.kinds & (USES | Kind.DIR) ? 'input' : 'other';
  if (f.removed) return 'intermediate';
  if (f.created) {
    let readAfter = false;
    let wrote = Infinity;
    for (const a of f.procs) if (a.firstWrite >= 0 && a.firstWrite < wrote) wrote = a.firstWrite;
    for (const a of f.procs) if (a.kinds & Kind.READ && (a.firstWrite < 0 || a.last > a.firstWrite) && a.last > wrote) readAfter = true;
    return readAfter ? 'intermediate' : 'output';
  }
  return 'output';
}

interface FilterState {
  src: string;
  filtered: boolean;
  /** By proc index: matches (all when there is no filter). */
  procs: Uint8Array;
  files: Uint8Array;
  matchedProcs: number;
  matchedFiles: number;
  /** Visible parent (nearest matching ancestor) -> visible children, in proc order. */
  kids?: Map<number, number[]>;
  lanes?: { lane: Int32Array; count: number; order: number[] };
  fileSorts: Map<string, number[]>;
}

const LIMIT_MAX = 2000;

export class ViewQuery {
  readonly procs: Process[];
  private readonly index = new Map<number, number>();
  readonly tools: Array<{ name: string; count: number }>;
  private readonly toolOf: Uint16Array;
  private readonly cache = new Map<string, FilterState>();
  private readonly fileKinds: string[];

  /**
   * `groups`: bt summary's file groups; `noise`: the files it leaves out as
   * runtime noise (the loader, shared libraries, /proc, …). With them a file's
   * kind is its group's, so that the Kind column agrees with the groups.
   */
  constructor(
    readonly model: BuildModel,
    private readonly compile: FilterCompiler | undefined,
    readonly groups: FileGroups = {},
    noise: readonly number[] = [],
    /** The tests by job root, and the failed ones (view/host.ts testsOf): a failed test is no failed job. */
    private readonly tests: TestRoots = { roots: [], failed: [] },
  ) {
    this.procs = model.processes;
    this.procs.forEach((p, i) => this.index.set(p.proc, i));
    // a process's program, as bt summary's tools and the graph's labels name it (a script by the script)
    const names = this.procs.map(programName);
    const counts = new Map<string, number>();
    for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
    this.tools = [...counts].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : 1));
    const toolIdx = new Map(this.tools.map((t, i) => [t.name, i]));
    this.toolOf = Uint16Array.from(names, (name) => Math.min(65535, toolIdx.get(name)!));
    this.fileKinds = Object.keys(groups).length ? this.groupKinds(noise) : model.files.map(fileKind);
  }

  /** Kinds as the groups say; a file in none is a directory, runtime noise, late (fileKind), or other (only looked at: stat, listed). */
  private groupKinds(noise: readonly number[]): string[] {
    const files = this.model.files;
    const kinds = files.map((f): string => (f.dir ? 'directory' : f.afterBuild && !(f.kinds & WRITES) ? 'late' : 'other'));
    for (const id of noise) if (!files[id].dir) kinds[id] = 'noise';
    for (const [g, ids] of Object.entries(this.groups)) {
      const k = GROUP_KIND[g];
      if (k) for (const id of ids) kinds[id] = k;
    }
    return kinds;
  }

  process(id: number): Process | undefined {
    const i = this.index.get(id);
    return i === undefined ? undefined : this.procs[i];
  }

  private rel(ts: number): number {
    return ts - this.model.startTs;
  }

  /** The state of a filter (cached); throws FilterSyntaxError for a broken one. */
  state(src: string): FilterState {
    const key = src.trim();
    let s = this.cache.get(key);
    if (s) {
      this.cache.delete(key);
      this.cache.set(key, s);
      return s;
    }
    let procs: Uint8Array;
    let files: Uint8Array;
    if (key) {
      if (!this.compile) throw new FilterSyntaxError('display filters are not available in this view', -1);
      ({ procs, files } = this.compile(key));
    } else {
      procs = new Uint8Array(this.procs.length).fill(1);
      files = new Uint8Array(this.model.files.length).fill(1);
    }
    let matchedProcs = 0;
    let matchedFiles = 0;
    for (const v of procs) matchedProcs += v;
    for (const v of files) matchedFiles += v;
    s = { src: key, filtered: !!key, procs, files, matchedProcs, matchedFiles, fileSorts: new Map() };
    this.cache.set(key, s);
    while (this.cache.size > 8) this.cache.delete(this.cache.keys().next().value as string);
    return s;
  }

  /** Checks a filter: undefined if it is fine, else the error and column. */
  check(src: string): { error: string; column: number } | undefined {
    try {
      this.state(src);
      return undefined;
    } catch (err) {
      if (err instanceof FilterSyntaxError) return { error: err.message, column: err.column };
      throw err;
    }
  }

  meta(): object {
    const m = this.model;
    const testRoots = new Set(this.tests.roots);
    return {
      command: m.header.command ?? [],
      cwd: m.header.cwd ?? '',
      host: m.header.hostname ?? '',
      kernel: m.header.kernel_release ?? '',
      btVersion: m.header.bt_version ?? '',
      wallStartNs: m.header.boot_to_wall_ns ? m.startTs + Number(m.header.boot_to_wall_ns) : 0,
      // the trace's span: processes left running ran on to it (the timeline draws them to the build's end, their tails beyond)
      duration: Math.max(0, m.endTs - m.startTs),
      // the build's time, as bt summary's: until its last process that did not outlive it ended
      buildDuration: Math.max(0, m.buildEndTs - m.startTs),
      processes: this.procs.length,
      files: m.files.length,
      roots: m.roots,
      tools: this.tools,
      failed: this.procs.filter(failed).length,
      // a job failed when its own command did, not when a process under it did; a failed probe is no failure of the build (model/failures.ts)
      failedJobs: this.procs.filter((p) => failedJobRoot(m, p) && !testRoots.has(p.proc)).length,
      failedTests: this.tests.failed.length,
      failedProbes: this.procs.filter((p) => failedProbeRoot(m, p)).length,
      // failed processes drawn grey (model/failures.ts failedProbe): the timeline's legend names them
      probeProcesses: this.procs.filter((p) => failed(p) && failedProbe(m, p)).length,
      outlived: m.outlived.map((o) => ({ pid: o.pid, proc: o.proc, command: o.command })),
      incomplete: m.incomplete,
      live: m.live,
      lost: m.lostEvents,
      exitStatus: m.trailer?.exit_status ?? null,
      groups: Object.fromEntries(Object.entries(this.groups).map(([k, v]) => [k, v.length])),
    };
  }

  // --- timeline --------------------------------------------------------

  private lanes(s: FilterState): { lane: Int32Array; count: number; order: number[] } {
    if (s.lanes) return s.lanes;
    const order: number[] = [];
    for (let i = 0; i < this.procs.length; i++) if (s.procs[i]) order.push(i);
    order.sort((a, b) => this.procs[a].start - this.procs[b].start || a - b);
    const lane = new Int32Array(this.procs.length).fill(-1);
    const ends: number[] = []; // end time of each lane
    // min-heap of [end, lane] would be faster; lanes are few, so scan for the first free one
    const free: number[] = []; // heap of free lane numbers
    const busy: Array<[number, number]> = []; // heap of [end, lane]
    const push = <T>(h: T[], v: T, less: (a: T, b: T) => boolean) => {
      h.push(v);
      let i = h.length - 1;
      while (i > 0) {
        const j = (i - 1) >> 1;
        if (!less(h[i], h[j])) break;
        [h[i], h[j]] = [h[j], h[i]];
        i = j;
      }
    };
    const pop = <T>(h: T[], less: (a: T, b: T) => boolean): T => {
      const top = h[0];
      const last = h.pop()!;
      if (h.length) {
        h[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < h.length && less(h[l], h[m])) m = l;
          if (r < h.length && less(h[r], h[m])) m = r;
          if (m === i) break;
          [h[i], h[m]] = [h[m], h[i]];
          i = m;
        }
      }
      return top;
    };
    const byEnd = (a: [number, number], b: [number, number]) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
    const num = (a: number, b: number) => a < b;
    for (const i of order) {
      const p = this.procs[i];
      while (busy.length && busy[0][0] <= p.start) push(free, pop(busy, byEnd)[1], num);
      const l = free.length ? pop(free, num) : ends.length;
      ends[l] = p.end;
      lane[i] = l;
      push(busy, [Math.max(p.end, p.start + 1), l], byEnd);
    }
    s.lanes = { lane, count: ends.length, order };
    return s.lanes;
  }

  /**
   * Bars of the processes visible in [t0, t1) (ns from the build's start;
   * by default the build's time) at `px` pixels: [proc, lane, start, end,
   * tool, state] each (state: 1 failed, 2 a process of a failed probe,
   * model/failures.ts, 3 left running: the bar ends at the build's end,
   * and the process ran on to the trace's end; else 0); bars under a pixel
   * wide are merged per lane and pixel. And the ribbon: processes running
   * in the build per pixel column.
   */
  timeline(q: { f?: string; t0?: number; t1?: number; px?: number }): object {
    const s = this.state(q.f ?? '');
    const L = this.lanes(s);
    const dur = Math.max(1, this.model.buildEndTs - this.model.startTs);
    const t0 = Number.isFinite(q.t0) ? Number(q.t0) : 0;
    const t1 = Number.isFinite(q.t1) && Number(q.t1) > t0 ? Number(q.t1) : dur;
    const px = Math.max(10, Math.min(8000, Math.floor(q.px ?? 1000)));
    const scale = px / (t1 - t0);
    const bars: number[] = [];
    const seen = new Set<number>();
    const ribbon = new Float64Array(px + 1);
    const whole = new Float64Array(px + 1);
    for (const i of L.order) {
      const p = this.procs[i];
      const a = this.rel(p.start);
      // a process left running: to the build's end (outlived.ts); its tail, to the trace's end, is drawn apart
      const end = endInBuild(this.model, p);
      const b = Math.max(a, this.rel(end));
      if (Math.max(b, this.rel(p.end)) < t0 || a > t1) continue;
      const x0 = (a - t0) * scale;
      const x1 = (b - t0) * scale;
      const c0 = Math.max(0, Math.floor(x0));
      // the ribbon: time-weighted running processes per column (partial first and last columns, whole ones between)
      const a0 = Math.max(0, x0);
      const a1 = Math.min(px, x1);
      if (a1 > a0) {
        const k0 = Math.floor(a0);
        const k1 = Math.min(px - 1, Math.floor(a1));
        if (k0 === k1) ribbon[k0] += a1 - a0;
        else {
          ribbon[k0] += k0 + 1 - a0;
          if (k1 < px) ribbon[k1] += a1 - k1;
          whole[k0 + 1] += 1;
          whole[k1] -= 1;
        }
      }
      if (x1 - x0 < 1) {
        const key = L.lane[i] * (px + 2) + c0;
        if (seen.has(key) && !failed(p)) continue;
        seen.add(key);
      }
      bars.push(p.proc, L.lane[i], a, b, this.toolOf[i], failed(p) ? (failedProbe(this.model, p) ? 2 : 1) : end < p.end ? 3 : 0);
    }
    const counts: number[] = [];
    let run = 0;
    for (let c = 0; c < px; c++) {
      run += whole[c];
      counts.push(Math.round((run + ribbon[c]) * 100) / 100);
    }
    return { t0, t1, px, lanes: L.count, matched: s.matchedProcs, bars, ribbon: counts };
  }

  // --- process tree ----------------------------------------------------

  private kids(s: FilterState): Map<number, number[]> {
    if (s.kids) return s.kids;
    const kids = new Map<number, number[]>();
    const add = (parent: number, child: number) => {
      let k = kids.get(parent);
      if (!k) kids.set(parent, (k = []));
      k.push(child);
    };
    if (!s.filtered) {
      for (const p of this.procs) add(this.index.has(p.parent) ? p.parent : 0, p.proc);
    } else {
      for (let i = 0; i < this.procs.length; i++) {
        if (!s.procs[i]) continue;
        let a = this.procs[i].parent;
        while (a) {
          const j = this.index.get(a);
          if (j === undefined) {
            a = 0;
            break;
          }
          if (s.procs[j]) break;
          a = this.procs[j].parent;
        }
        add(a, this.procs[i].proc);
      }
    }
    s.kids = kids;
    return kids;
  }

  row(p: Process, s?: FilterState): ProcRow {
    const kids = s ? this.kids(s).get(p.proc)?.length ?? 0 : p.children.length;
    return {
      id: p.proc,
      pid: p.pid,
      name: programName(p),
      cmd: commandLine(p.argv.length ? p.argv : [p.exe], 160),
      exit: exitText(p.exitCode, p.signal, this.model.live),
      failed: failed(p),
      probe: failedProbe(this.model, p),
      start: this.rel(p.start),
      dur: Math.max(0, p.end - p.start),
      children: kids,
    };
  }

  /** The children of `parent` (0: the roots) under the filter, a page of them. */
  children(q: { f?: string; parent?: number; offset?: number; limit?: number }): object {
    const s = this.state(q.f ?? '');
    const list = this.kids(s).get(q.parent ?? 0) ?? [];
    const offset = Math.max(0, q.offset ?? 0);
    const limit = Math.min(LIMIT_MAX, Math.max(1, q.limit ?? 500));
    return {
      total: list.length,
      matched: s.matchedProcs,
      offset,
      rows: list.slice(offset, offset + limit).map((id) => this.row(this.process(id)!, s)),
    };
  }

  /**
   * The visible ancestors of a process under the filter, the root first (to
   * reveal it in the tree), and `at`: where each of them and the process
   * itself stands among its visible parent's children (the roots' for the
   * first), so that the tree loads the page that holds it.
   */
  ancestors(q: { f?: string; id: number }): object {
    const s = this.state(q.f ?? '');
    const path: number[] = [];
    const i = this.index.get(q.id);
    if (i === undefined || !s.procs[i]) return { visible: false, path, at: [] };
    let a = this.procs[i].parent;
    while (a) {
      const j = this.index.get(a);
      if (j === undefined) break;
      if (s.procs[j]) path.unshift(a);
      a = this.procs[j].parent;
    }
    const kids = this.kids(s);
    const chain = [0, ...path, q.id];
    const at = chain.slice(1).map((id, k) => (kids.get(chain[k]) ?? []).indexOf(id));
    return { visible: true, path, at };
  }

  /** Processes (under the filter) whose command line or exe contains `q`, in tree order: the first 1000. */
  search(q: { f?: string; q: string }): object {
    const s = this.state(q.f ?? '');
    const needle = q.q.toLowerCase();
    const out: number[] = [];
    if (!needle) return { ids: out };
    const kids = this.kids(s);
    const stack = [...(kids.get(0) ?? [])].reverse();
    while (stack.length && out.length < 1000) {
      const id = stack.pop()!;
      const p = this.process(id)!;
      if (p.exe.toLowerCase().includes(needle) || p.argv.join(' ').toLowerCase().includes(needle)) out.push(id);
      const k = kids.get(id);
      if (k) for (let j = k.length - 1; j >= 0; j--) stack.push(k[j]);
    }
    return { ids: out };
  }

  // --- files -------------------------------------------------------------

  private counts?: Int32Array;

  /** Readers, writers and probers of every file (3 per file), counted once. */
  private fileCounts(): Int32Array {
    if (this.counts) return this.counts;
    const c = new Int32Array(this.model.files.length * 3);
    for (const p of this.procs) {
      for (const a of p.files.values()) {
        const k = a.file * 3;
        if (a.kinds & (Kind.READ | Kind.EXEC)) c[k]++;
        if (a.kinds & WRITES) c[k + 1]++;
        if (a.kinds & Kind.PROBE) c[k + 2]++;
      }
    }
    this.counts = c;
    return c;
  }

  fileRow(f: BuildFile): FileRow {
    const c = this.fileCounts();
    const readers = c[f.id * 3];
    const writers = c[f.id * 3 + 1];
    const probes = c[f.id * 3 + 2];
    return {
      id: f.id,
      path: f.path,
      kind: this.fileKinds[f.id],
      dir: f.dir,
      readers,
      writers,
      probes,
      created: f.created,
      removed: f.removed,
    };
  }

  /** A page of the files table: a group (or all), under the filter, sorted. */
  files(q: { f?: string; group?: string; sort?: string; desc?: boolean; offset?: number; limit?: number }): object {
    const s = this.state(q.f ?? '');
    const group = q.group && this.groups[q.group] ? q.group : 'all';
    const sort = ['path', 'kind', 'readers', 'writers', 'probes', 'created', 'removed'].includes(q.sort ?? '') ? q.sort! : 'path';
    const key = `${group}\0${sort}`;
    let ids = s.fileSorts.get(key);
    if (!ids) {
      const base = group === 'all' ? this.model.files.map((f) => f.id) : [...this.groups[group]];
      ids = base.filter((id) => s.files[id]);
      const rows = new Map(ids.map((id) => [id, this.fileRow(this.model.files[id])]));
      const path = (a: number, b: number) => (rows.get(a)!.path < rows.get(b)!.path ? -1 : rows.get(a)!.path > rows.get(b)!.path ? 1 : 0);
      const by: Record<string, (a: number, b: number) => number> = {
        path,
        kind: (a, b) => KIND_ORDER.indexOf(rows.get(a)!.kind as never) - KIND_ORDER.indexOf(rows.get(b)!.kind as never) || path(a, b),
        readers: (a, b) => rows.get(a)!.readers - rows.get(b)!.readers || path(a, b),
        writers: (a, b) => rows.get(a)!.writers - rows.get(b)!.writers || path(a, b),
        probes: (a, b) => rows.get(a)!.probes - rows.get(b)!.probes || path(a, b),
        created: (a, b) => Number(rows.get(a)!.created) - Number(rows.get(b)!.created) || path(a, b),
        removed: (a, b) => Number(rows.get(a)!.removed) - Number(rows.get(b)!.removed) || path(a, b),
      };
      ids.sort(by[sort]);
      s.fileSorts.set(key, ids);
    }
    const offset = Math.max(0, q.offset ?? 0);
    const limit = Math.min(LIMIT_MAX, Math.max(1, q.limit ?? 200));
    const page = q.desc ? ids.slice(Math.max(0, ids.length - offset - limit), ids.length - offset).reverse() : ids.slice(offset, offset + limit);
    return {
      total: ids.length,
      group,
      sort,
      desc: !!q.desc,
      offset,
      rows: page.map((id) => this.fileRow(this.model.files[id])),
      groups: Object.fromEntries([['all', this.model.files.length], ...Object.entries(this.groups).map(([k, v]) => [k, v.length])]),
    };
  }

  /** The row index of a file in a files page query (to scroll to it), or -1. */
  fileIndex(q: { f?: string; group?: string; sort?: string; desc?: boolean; id: number }): object {
    this.files({ ...q, offset: 0, limit: 1 });
    const s = this.state(q.f ?? '');
    const group = q.group && this.groups[q.group] ? q.group : 'all';
    const sort = ['path', 'kind', 'readers', 'writers', 'probes', 'created', 'removed'].includes(q.sort ?? '') ? q.sort! : 'path';
    const ids = s.fileSorts.get(`${group}\0${sort}`)!;
    const i = ids.indexOf(q.id);
    return { index: i < 0 ? -1 : q.desc ? ids.length - 1 - i : i };
  }

  // --- details ------------------------------------------------------------

  private accessRow(a: FileAccess, withPath: boolean): object {
    const out: Record<string, unknown> = { kinds: kindNames(a.kinds), first: this.rel(a.first), count: a.count };
    if (withPath) Object.assign(out, { id: a.file, path: this.model.files[a.file].path });
    else {
      const p = this.process(a.proc)!;
      Object.assign(out, { id: a.proc, name: programName(p), cmd: commandLine(p.argv, 120), failed: failed(p) });
    }
    return out;
  }

  /** Everything about one process. Lists of files are capped at `limit` each (with totals). */
  proc(q: { id: number; limit?: number }): object | undefined {
    const p = this.process(q.id);
    if (!p) return undefined;
    const limit = Math.min(20000, q.limit ?? 500);
    const read: FileAccess[] = [];
    const written: FileAccess[] = [];
    const probed: FileAccess[] = [];
    for (const a of p.files.values()) {
      if (a.kinds & WRITES || a.kinds & Kind.DELETE) written.push(a);
      else if (a.kinds & (USES | Kind.DIR)) read.push(a);
      else if (a.kinds & Kind.PROBE) probed.push(a);
    }
    const list = (xs: FileAccess[]) => ({
      total: xs.length,
      items: xs
        .sort((a, b) => (this.model.files[a.file].path < this.model.files[b.file].path ? -1 : 1))
        .slice(0, limit)
        .map((a) => this.accessRow(a, true)),
    });
    const parent = p.parent ? this.process(p.parent) : undefined;
    return {
      type: 'process',
      id: p.proc,
      pid: p.pid,
      name: programName(p),
      exe: p.exe,
      argv: p.argv,
      cmd: commandLine(p.argv, 1 << 20),
      cwd: p.cwd,
      // the programs it exec'd in a row when more than one (a shell's line that exec'd its last command, `nice make`), the last being argv's
      execs: (p.execs ?? []).map((x) => ({ at: this.rel(x.ts), exe: x.exe, argv: x.argv, cmd: commandLine(x.argv, 1 << 20), cwd: x.cwd })),
      env: p.env,
      exit: exitText(p.exitCode, p.signal, this.model.live),
      exitCode: p.exitCode,
      signal: p.signal,
      failed: failed(p),
      probe: failedProbe(this.model, p),
      // bt trace left it running after the build ended (model/outlived.ts)
      leftRunning: endInBuild(this.model, p) < p.end,
      execd: p.execd,
      start: this.rel(p.start),
      end: this.rel(p.end),
      dur: Math.max(0, p.end - p.start),
      job: p.job,
      parent: parent ? this.row(parent) : null,
      children: p.children.slice(0, limit).map((c) => this.row(this.process(c)!)),
      childCount: p.children.length,
      read: list(read),
      written: list(written),
      probed: list(probed),
    };
  }

  /** Everything about one file: who wrote, read and looked for it. */
  file(q: { id: number; limit?: number }): object | undefined {
    const f = this.model.files[q.id];
    if (!f) return undefined;
    const limit = Math.min(20000, q.limit ?? 500);
    const writers: FileAccess[] = [];
    const readers: FileAccess[] = [];
    const probers: FileAccess[] = [];
    const others: FileAccess[] = [];
    for (const a of f.procs) {
      if (a.kinds & (WRITES | Kind.DELETE)) writers.push(a);
      else if (a.kinds & (Kind.READ | Kind.EXEC)) readers.push(a);
      else if (a.kinds & Kind.PROBE) probers.push(a);
      else others.push(a);
    }
    const list = (xs: FileAccess[]) => ({
      total: xs.length,
      items: xs
        .sort((a, b) => a.first - b.first)
        .slice(0, limit)
        .map((a) => this.accessRow(a, false)),
    });
    return {
      type: 'file',
      ...this.fileRow(f),
      kinds: kindNames(f.kinds),
      writers: list(writers),
      readers: list(readers),
      probers: list(probers),
      others: list(others),
    };
  }
}
