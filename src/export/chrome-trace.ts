/**
 * bt export chrome-trace: the Chrome Trace Event format (JSON object form,
 * timestamps in µs since the build started) for chrome://tracing,
 * Perfetto's legacy importer and speedscope.
 *
 *  - one "X" (complete) event per process, named by tool, on thread lane N of
 *    pid 1, so that slices in a lane always nest (speedscope needs that);
 *    args: command, cwd, exe, pid, proc, exit, files_read, files_written;
 *  - flow events ("s" / "f") from each process to each child;
 *  - instant events ("i") for failed execs and failing exits;
 *  - a counter ("C") of running processes.
 */
import type { Build } from '../model/index.js';
import type { Sink } from './sink.js';
import { timeline, type Timeline } from './timeline.js';

const PID = 1;

/** µs since the build's start, to the ns. */
function us(ts: number, start: number): number {
  return Math.round(ts - start) / 1000;
}

/** The Chrome trace of a timeline, written to `sink` (one event per line). */
export function writeChromeTrace(t: Timeline, sink: Sink): void {
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
    emit({
      ph: 'X',
      cat: 'process',
      name: s.name,
      pid: PID,
      tid: s.lane + 1,
      ts: us(s.start, start),
      dur: Math.round(s.end - s.start) / 1000,
      args: { command: s.command, cwd: s.cwd, exe: s.exe, pid: s.pid, proc: s.proc, exit: s.exit, files_read: s.filesRead, files_written: s.filesWritten },
    });
  }
  const byProc = new Map(t.slices.map((s) => [s.proc, s]));
  for (const s of slices) {
    const parent = byProc.get(s.parent);
    if (!parent) continue;
    emit({ ph: 's', cat: 'spawn', name: 'spawn', id: s.proc, pid: PID, tid: parent.lane + 1, ts: us(s.start, start) });
    emit({ ph: 'f', bp: 'e', cat: 'spawn', name: 'spawn', id: s.proc, pid: PID, tid: lane.get(s.proc)! + 1, ts: us(s.start, start) });
  }
  for (const i of t.instants) {
    emit({ ph: 'i', s: 't', cat: 'process', name: i.name, pid: PID, tid: lane.get(i.proc)! + 1, ts: us(i.ts, start), args: i.args });
  }
  for (const [ts, n] of t.running) emit({ ph: 'C', name: 'running processes', pid: PID, tid: 0, ts: us(ts, start), args: { running: n } });
  sink.write('\n]}\n');
}

/** bt export chrome-trace. */
export function exportChromeTrace(build: Build, sink: Sink): void {
  writeChromeTrace(timeline(build), sink);
}
