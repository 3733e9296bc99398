/**
 * Which jobs failed, and where. A job failed when its own command did: its
 * root process exited nonzero or was killed. A process that failed under a
 * job that succeeded (pyenv's readlink probes, a shell's `test -f`, a
 * configure check) is a failed subprocess, not a failed job: bt summary,
 * bt graph and the viewer all count failures this way.
 *
 * Of a failed job, the innermost failure is the process that most likely
 * printed the error: from the root down through its failed child that
 * ended last (a shell's status is its last command's; probes that failed
 * earlier are passed by), to a process of the job with no failed child.
 */
import type { Job } from './jobs.js';
import { failed, type Process } from './types.js';

type Lookup = (proc: number) => Process | undefined;

/** True for the root process of a job that failed (Process.job is set by the job index: the viewer's packed model keeps it). */
export function failedJobRoot(p: Process): boolean {
  return p.job === p.proc && failed(p);
}

/** The jobs whose root failed, the first to end first (the first failure is most often the cause of the others). */
export function failedJobs(jobs: readonly Job[], process: Lookup): Job[] {
  const out: Array<{ job: Job; end: number }> = [];
  for (const job of jobs) {
    const root = process(job.proc);
    if (root && failedJobRoot(root)) out.push({ job, end: root.end });
  }
  return out.sort((a, b) => a.end - b.end || a.job.proc - b.job.proc).map((x) => x.job);
}

/** The innermost failed process of `job` (its root when no child of the job failed); undefined when its root did not fail. */
export function innermostFailure(job: Job, process: Lookup): Process | undefined {
  let p = process(job.proc);
  if (!p || !failed(p)) return undefined;
  const members = new Set(job.procs);
  for (;;) {
    let next: Process | undefined;
    for (const c of p.children) {
      const q = members.has(c) ? process(c) : undefined;
      if (q && failed(q) && (!next || q.end > next.end || (q.end === next.end && q.proc > next.proc))) next = q;
    }
    if (!next) return p;
    p = next;
  }
}
