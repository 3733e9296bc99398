/**
 * Processes that outlived the build. bt trace waits a grace period after
 * the traced command exits for the processes it left behind, then leaves
 * those still running (a daemon the build started: an sccache server, a
 * Gradle daemon) and lists them in its trailer, one "PID CMDLINE" each.
 *
 * Such a process never ends in the log: the model gives it the trace's end,
 * which is bt trace's wait, not the build's work. So the build ends when
 * the last of its other processes did (the traced command, in a build that
 * waits for what it started), and a job ends when its last process that
 * did not outlive the build did; a job of nothing but such processes, at
 * the build's end.
 */
import type { Trailer } from '../log/schema.js';
import type { BuildModel, Process } from './types.js';

/** A process bt trace left running after the build. */
export interface Outlived {
  pid: number;
  /** Its command line as bt trace read it then (/proc/PID/cmdline, arguments joined by spaces). */
  command: string;
  /** Its proc id in the model; 0 when the log has no process of that pid without an exit. */
  proc: number;
}

/**
 * The trailer's processes left running, each matched to the model's
 * process of that pid that has no exit (the last such one: a pid may have
 * been used before), in the trailer's order.
 */
export function outlivedOf(trailer: Trailer | undefined, processes: readonly Process[]): Outlived[] {
  const out: Outlived[] = [];
  const entries = trailer?.leftover ?? [];
  if (!entries.length) return out;
  // pid -> the last process of that pid with no exit, in one pass (a trailer may name many)
  const running = new Map<number, number>();
  for (const p of processes) if (p.exitCode < 0 && !p.signal) running.set(p.pid, p.proc);
  for (const entry of entries) {
    const m = /^(\d+)(?: (.*))?$/s.exec(entry);
    if (!m) continue;
    const pid = Number(m[1]);
    out.push({ pid, command: m[2] ?? '', proc: running.get(pid) ?? 0 });
  }
  return out;
}

const procSets = new WeakMap<readonly Outlived[], ReadonlySet<number>>();

/** The proc ids of the processes left running (a model's `outlived`), made once per list. */
export function outlivedProcs(outlived: readonly Outlived[]): ReadonlySet<number> {
  let set = procSets.get(outlived);
  if (!set) {
    set = new Set(outlived.map((o) => o.proc));
    procSets.set(outlived, set);
  }
  return set;
}

/**
 * When the build ended (ns): the last end of a process that did not outlive
 * it (one with no exit seen in a log cut short ends at the log's end);
 * `endTs`, the log's end, when there is none.
 */
export function buildEndOf(processes: readonly Process[], outlived: readonly Outlived[], endTs: number): number {
  const left = outlivedProcs(outlived);
  let end = -Infinity;
  for (const p of processes) if (!left.has(p.proc) && p.end > end) end = p.end;
  return end === -Infinity ? endTs : end;
}

/** When process `p` stopped counting for the build's times: its end, or the build's end for a process that outlived it. */
export function endInBuild(model: Pick<BuildModel, 'outlived' | 'buildEndTs'>, p: Process): number {
  return p.end > model.buildEndTs && outlivedProcs(model.outlived).has(p.proc) ? Math.max(p.start, model.buildEndTs) : p.end;
}
