/**
 * Which Lost reasons (schema.ts Lost.reason, bpf/bt_records.h enum
 * bt_lost_reason, and the readers' own incomplete_exec and repeat_count)
 * are losses of events, and which are not: every reader counts "events lost"
 * with isLoss, and reports the others as notes (present/lost.ts).
 *
 * - truncated: a string was cut (a path at 4 KiB, a failed exec's argv at
 *   16 KiB, a cwd whose walk did not end); the event is in the log, marked
 *   truncated.
 * - repeat_count: repeated lookups written without their count (the log
 *   ended before it came, or its record was lost, which is counted apart);
 *   the lookups are in the log.
 *
 * Every other reason (ringbuf, pair_map, read, unknown_op, exit_flag,
 * listing, incomplete_exec, and a reason this bt does not know) is a loss.
 */
import type { LogRecord } from './schema.js';

/** The Lost reasons that lose no event. */
const NOT_LOSSES: ReadonlySet<string> = new Set(['truncated', 'repeat_count']);

/** True when a Lost record of this reason stands for events that are not in the log. */
export function isLoss(reason: string): boolean {
  return !NOT_LOSSES.has(reason);
}

/** The lost events among counts by reason (a trailer's or the lost records' totals). */
export function lossesOf(byReason: Readonly<Record<string, number>>): number {
  let n = 0;
  for (const [reason, count] of Object.entries(byReason)) if (isLoss(reason)) n += count;
  return n;
}

/** What the log has, but not whole: strings cut, and lookups whose repeat count is unknown. */
export interface Shortfalls {
  /** Strings cut (Lost reason truncated), failed execs' argv included. */
  truncated: number;
  /** Of them, failed execs whose argv was cut (cutFailedExec). */
  failedExecArgv: number;
  /** Lookups written without their repeat count (Lost reason repeat_count). */
  repeatCounts: number;
}

/** The shortfalls among counts by reason, given the failed execs whose argv was cut. */
export function shortfallsOf(byReason: Readonly<Record<string, number>>, failedExecArgv: number): Shortfalls {
  return { truncated: byReason.truncated ?? 0, failedExecArgv, repeatCounts: byReason.repeat_count ?? 0 };
}

/** True for a failed exec whose argv was cut (the kernel keeps 16 KiB of it). */
export function cutFailedExec(r: LogRecord): boolean {
  const e = r.exec;
  return e !== undefined && e !== null && !!e.errno && !!e.truncated;
}
