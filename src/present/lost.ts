/**
 * The readers' words on what the log has but not whole (log/lost.ts
 * Shortfalls): notes, not a warning that events were lost. Each reader
 * puts its own prefix before a line.
 */
import type { Shortfalls } from '../log/lost.js';
import { count, counted } from './format.js';

/** How much of a failed exec's argv the kernel keeps (bpf/exec.bpf.h BT_FAIL_DATA_MAX). */
const FAILED_ARGV_KEPT = '16 KiB';

/** The readers' words for events not in the log (log/lost.ts isLoss), before what each says they mean for its answer. */
export function lostEvents(n: number, when = 'during the trace'): string {
  return `${count(n)} events were lost ${when}`;
}

/** A line per kind of shortfall; `cut`: the log ends without its trailer (cut, or still being written). */
export function shortfallNotes(s: Shortfalls, cut: boolean): string[] {
  const out: string[] = [];
  const failed = s.failedExecArgv;
  if (failed) {
    out.push(
      `the argv of ${counted(failed, 'failed exec')} was cut at ${FAILED_ARGV_KEPT} (bt keeps ${FAILED_ARGV_KEPT} of a failed exec's arguments)`,
    );
  }
  const other = s.truncated - failed;
  if (other > 0) {
    const strings = counted(other, failed ? 'other string' : 'string', failed ? 'other strings' : 'strings');
    out.push(`${strings} ${other === 1 ? 'was' : 'were'} cut short (bt keeps 4 KiB of a path or an argument): marked truncated in the log`);
  }
  if (s.repeatCounts) {
    const n = s.repeatCounts === 1 ? 'the repeat count of 1 lookup is' : `the repeat counts of ${count(s.repeatCounts)} lookups are`;
    out.push(cut ? `${n} unknown: the log was cut` : `${n} unknown`);
  }
  return out;
}
