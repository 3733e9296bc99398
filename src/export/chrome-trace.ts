/**
 * bt export chrome-trace: the Chrome Trace Event format (JSON object form,
 * timestamps in µs since the build started) for chrome://tracing,
 * Perfetto's legacy importer and speedscope.
 *
 *  - one "X" (complete) event per process, named by tool, on thread lane N of
 *    pid 1, so that slices in a lane always nest (speedscope needs that);
 *    args: command, cwd, exe, pid, proc, exit, files_read, files_written
 *    (none with noArgs, so that speedscope names each frame by its program);
 *  - flow events ("s" / "f") from each process to each child, placed where
 *    the format binds them to those two slices (flowPoints);
 *  - instant events ("i") for failed execs and failing exits;
 *  - a counter ("C") of running processes.
 */
import type { Build } from '../model/index.js';
import type { Sink } from './sink.js';
import { timeline, type Slice, type Timeline } from './timeline.js';

const PID = 1;

/** µs since the build's start, to the ns. */
function us(ts: number, start: number): number {
  return Math.round(ts - start) / 1000;
}

/*
 * A flow event binds to the deepest slice enclosing its ts on its thread
 * (an "f" with bp "e" too). A place where slice s is that slice whether an
 * importer counts a slice's ends as inside or not: strictly inside s, and
 * off the closed interval of every slice nested directly in s on its lane.
 * Those intervals, merged where no integer ns lies between them, are the
 * slice's `covered` runs (sorted, disjoint).
 */
type Runs = Array<[number, number]>;

/** Index of the last run starting at or before t; -1 if none. */
function lastRunBy(runs: Runs, t: number): number {
  let lo = 0;
  let hi = runs.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (runs[m][0] <= t) lo = m + 1;
    else hi = m;
  }
  return lo - 1;
}

/** The earliest such place in s at or after `from`. */
function earliestFree(s: Slice, covered: Runs, from: number): number | undefined {
  let t = Math.max(from, s.start + 1);
  const i = lastRunBy(covered, t);
  if (i >= 0 && t <= covered[i][1]) t = covered[i][1] + 1;
  return t < s.end ? t : undefined;
}

/** The latest such place in s at or before `to`. */
function latestFree(s: Slice, covered: Runs, to: number): number | undefined {
  let t = Math.min(to, s.end - 1);
  const i = lastRunBy(covered, t);
  if (i >= 0 && t <= covered[i][1]) t = covered[i][0] - 1;
  return t > s.start ? t : undefined;
}

/**
 * Where each spawn flow goes (by child proc): `from` on the parent's lane,
 * where the parent's slice is the deepest, and `to` on the child's lane,
 * where the child's is, with from < to (importers match a flow's events in
 * time order). `to` is the child's earliest such place after the parent's
 * first, `from` the parent's latest before `to`: at the spawn when the
 * parent's lane is free then, else just before the job that covers it. A
 * child with no such pair gets no flow: it takes a parent covered on its lane
 * from its start (by a child that started with it) until after the child's
 * last place, or a slice under 2 ns.
 */
export function flowPoints(t: Timeline): Map<number, { from: number; to: number }> {
  const byProc = new Map(t.slices.map((s) => [s.proc, s]));
  const covered = new Map<number, Runs>();
  for (const s of [...t.slices].sort((a, b) => a.start - b.start || b.end - a.end || a.proc - b.proc)) {
    if (!s.laneParent) continue;
    const runs = covered.get(s.laneParent) ?? [];
    covered.set(s.laneParent, runs);
    const last = runs.at(-1);
    if (last && s.start - last[1] <= 1) last[1] = Math.max(last[1], s.end);
    else runs.push([s.start, s.end]);
  }
  const runsOf = (s: Slice): Runs => covered.get(s.proc) ?? [];
  const first = new Map<number, number | undefined>();
  const points = new Map<number, { from: number; to: number }>();
  for (const c of t.slices) {
    const p = byProc.get(c.parent);
    if (!p) continue;
    if (!first.has(p.proc)) first.set(p.proc, earliestFree(p, runsOf(p), -Infinity));
    const a = first.get(p.proc);
    const to = a === undefined ? undefined : earliestFree(c, runsOf(c), a + 1);
    const from = to === undefined ? undefined : latestFree(p, runsOf(p), to - 1);
    if (to !== undefined && from !== undefined) points.set(c.proc, { from, to });
  }
  return points;
}

export interface ChromeTraceOptions {
  /**
   * No args on the processes' X events (--no-args): speedscope names a
   * frame by its name and its args together, so with them every process is
   * a frame of its own (`cc1 {"command":…}`) and its Left Heavy and Sandwich
   * views cannot add up a program's time.
   */
  noArgs?: boolean;
}

/** The Chrome trace of a timeline, written to `sink` (one event per line). */
export function writeChromeTrace(t: Timeline, sink: Sink, opts: ChromeTraceOptions = {}): void {
  const start = Math.min(t.startTs, ...t.slices.slice(0, 1).map((s) => s.start));
  const lane = new Map(t.slices.map((s) => [s.proc, s.lane]));
  let firstEvent = true;
  const emit = (e: object): void => {
    sink.write(`${firstEvent ? '' : ',\n'}${JSON.stringify(e)}`);
    firstEvent = false;
  };
  sink.write(`{"displayTimeUnit":"ms","otherData":${JSON.stringify({ command: t.title, exporter: 'bt export chrome-trace' })},\n"traceEvents":[\n`);
  emit({ ph: 'M', pid: PID, tid: 0, name: 'process_name', args: { name: `build: ${t.title}` } });
  for (let i = 0; i < t.lanes; i++) {
    emit({ ph: 'M', pid: PID, tid: i + 1, name: 'thread_name', args: { name: `lane ${i + 1}` } });
    emit({ ph: 'M', pid: PID, tid: i + 1, name: 'thread_sort_index', args: { sort_index: i + 1 } });
  }
  const slices = [...t.slices].sort((a, b) => a.start - b.start || b.end - a.end || a.proc - b.proc);
  for (const s of slices) {
    const x: Record<string, unknown> = { ph: 'X', cat: 'process', name: s.name, pid: PID, tid: s.lane + 1, ts: us(s.start, start), dur: Math.round(s.end - s.start) / 1000 };
    if (!opts.noArgs) x.args = { command: s.command, cwd: s.cwd, exe: s.exe, pid: s.pid, proc: s.proc, exit: s.exit, files_read: s.filesRead, files_written: s.filesWritten };
    emit(x);
  }
  const points = flowPoints(t);
  for (const s of slices) {
    const at = points.get(s.proc);
    if (!at) continue;
    emit({ ph: 's', cat: 'spawn', name: 'spawn', id: s.proc, pid: PID, tid: lane.get(s.parent)! + 1, ts: us(at.from, start) });
    emit({ ph: 'f', bp: 'e', cat: 'spawn', name: 'spawn', id: s.proc, pid: PID, tid: s.lane + 1, ts: us(at.to, start) });
  }
  for (const i of t.instants) {
    emit({ ph: 'i', s: 't', cat: 'process', name: i.name, pid: PID, tid: lane.get(i.proc)! + 1, ts: us(i.ts, start), args: i.args });
  }
  for (const [ts, n] of t.running) emit({ ph: 'C', name: 'running processes', pid: PID, tid: 0, ts: us(ts, start), args: { running: n } });
  sink.write('\n]}\n');
}

/** bt export chrome-trace; with `procs`, of those processes only. */
export function exportChromeTrace(build: Build, sink: Sink, opts: ChromeTraceOptions & { procs?: ReadonlySet<number> } = {}): void {
  writeChromeTrace(timeline(build, opts.procs), sink, opts);
}
