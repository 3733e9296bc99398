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
 *
 * What such a process wrote after the build ended is not the build's
 * either (`(sleep 1; echo x > late.txt) &` in a recipe): setAsideAfterBuild
 * takes those writes out of the accesses, so that no answer counts the
 * file as an output, nor the process as its maker; the file keeps a mark
 * (BuildFile.afterBuild) and the access the kinds it lost (FileAccess.afterBuild).
 */
import type { Trailer } from '../log/schema.js';
import { WRITES } from './kinds.js';
import type { BuildFile, BuildModel, Process } from './types.js';

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

/**
 * Takes what processes left running wrote after the build's end
 * (`buildEndTs`) out of the build: an access of such a process whose first
 * write came after it keeps its other kinds (a read, a lookup) but loses
 * its write kinds, moved to `afterBuild`, and its write times; the file is
 * marked `afterBuild`, and when no other access wrote it, it is no longer
 * one the build made (`created`). Writes such a process began before the
 * build's end stay (a compiler cache's server storing what a job
 * compiled).
 */
export function setAsideAfterBuild(processes: readonly Process[], files: readonly BuildFile[], outlived: readonly Outlived[], buildEndTs: number): void {
  const left = outlivedProcs(outlived);
  const touched = new Set<BuildFile>();
  for (const p of processes) {
    if (!left.has(p.proc) || p.end <= buildEndTs) continue;
    for (const a of p.files.values()) {
      if (a.firstWrite <= buildEndTs || !(a.kinds & WRITES)) continue;
      a.afterBuild = a.kinds & WRITES;
      a.kinds &= ~WRITES;
      a.firstWrite = -1;
      a.lastWrite = -1;
      touched.add(files[a.file]);
    }
    if (p.heldWrite) {
      const held = p.heldWrite.filter((id) => !touched.has(files[id]) || (p.files.get(id)?.kinds ?? 0) & WRITES);
      p.heldWrite = held.length ? held : undefined;
    }
  }
  for (const f of touched) {
    f.afterBuild = true;
    f.kinds = 0;
    for (const a of f.procs) f.kinds |= a.kinds;
    if (!(f.kinds & WRITES)) f.created = false;
  }
}
