/**
 * Failed jobs (or failed probes) that ran the same command and ended
 * alike, as one entry: bt summary's text and bt view's Summary page show a
 * kernel build's 30 `cat include/config/kernel.release` probes as one line
 * (`exit 1, 30 times: procs 190, 195, 197, …`). The JSON lists each.
 * No Node module here: the viewer's page bundles it.
 */
import { endedText } from '../present/format.js';
import type { FailedJob } from './summary.js';

/** Up to how many proc ids a line of identical failures names. */
const PROCS_NAMED = 3;

/** Failed jobs that ran the same command and ended alike (with `inner`, with the same innermost failure too): the first of them, and the procs of all and of their innermost failures. */
export interface SameFailures {
  job: FailedJob;
  procs: number[];
  innermost: number[];
}

/**
 * Failed jobs grouped by what they ran and how they ended (and, `inner`,
 * their innermost failure's command and ending), in the order of each
 * group's first.
 */
export function sameFailures(jobs: readonly FailedJob[], inner: boolean): SameFailures[] {
  const by = new Map<string, SameFailures>();
  for (const j of jobs) {
    const i = j.innermost;
    const innermost = !inner || i.proc === j.proc ? '' : JSON.stringify([i.argv, i.exit_code, i.signal]);
    const key = JSON.stringify([j.argv, j.exit_code, j.signal, innermost]);
    const g = by.get(key);
    if (g) {
      g.procs.push(j.proc);
      g.innermost.push(i.proc);
    } else by.set(key, { job: j, procs: [j.proc], innermost: [i.proc] });
  }
  return [...by.values()];
}

/** How a process ended and its proc id, or for identical ones how often and their procs (`exit 1, 38 times: procs 191, 196, 198, …`). */
export function endedProcs(ended: string, procs: readonly number[]): string {
  if (procs.length === 1) return `${ended}, proc ${procs[0]}`;
  return `${ended}, ${procs.length} times: procs ${procs.slice(0, PROCS_NAMED).join(', ')}${procs.length > PROCS_NAMED ? ', …' : ''}`;
}

/** How the jobs of a group ended: as a job ended (`exit 1`) for one, else with how often and their procs (endedProcs). */
export function groupEnded(g: SameFailures, of: 'job' | 'innermost' = 'job'): string {
  const j = of === 'job' ? g.job : g.job.innermost;
  const ended = endedText(j.exit_code, j.signal);
  const procs = of === 'job' ? g.procs : g.innermost;
  return procs.length === 1 ? ended : endedProcs(ended, procs);
}
