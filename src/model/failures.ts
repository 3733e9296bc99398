/**
 * Which jobs failed, and where. A job failed when its own command did: its
 * root process exited nonzero or was killed. A process that failed under a
 * job that succeeded (pyenv's readlink probes, a shell's `test -f`, a
 * configure check) is a failed subprocess, not a failed job: bt summary,
 * bt graph and the viewer all count failures this way.
 *
 * A failed job the build did not care about is a failed probe, not a
 * failed job. Builds try things that are meant to fail now and then, as
 * jobs of their own: `go build` asks gcc whether it takes a flag
 * (`gcc -Qunused-arguments -c -x c - -o /dev/null`) in every cgo build;
 * configure compiles conftest.c to learn whether a header or a function is
 * there. Calling those failures would put an alarm on every such build,
 * and hide a real failure among them. A failed job is a probe when all of
 * these hold (failedProbeRoot):
 *   - the build succeeded: the trailer's exit status is 0 (a live or torn
 *     log's outcome is unknown: no probes there);
 *   - its driver, the process that started it (go, make, configure's
 *     shell), exited 0: the failure did not stop it;
 *   - nothing the build kept came of it: what it wrote is a device
 *     (/dev/null) or was gone by the end (gcc's /tmp/cc*.s, conftest.err),
 *     and so is what every other job that read those wrote, and so on
 *     (configure's grep of conftest.err into conftest.er1, removed too); a
 *     file moved or linked to another name is followed to it. A driver
 *     reading what it wrote does not count: its result is what a probe is
 *     for (and a driver reads and writes much for its own bookkeeping).
 * Anything else stays a failed job: a failed job of a failed build, one
 * whose driver failed (make stopped, or went on with -k and then failed),
 * one that left a file or that another job built on.
 *
 * The rule reads the build model alone, with Process.job as the job index
 * set it (the viewer's packed model keeps it), so that the server, the
 * static page and every answer classify a failure the same way.
 *
 * Of a failed job, the innermost failure is the process that most likely
 * printed the error: from the root down through its failed child that
 * ended last (a shell's status is its last command's; probes that failed
 * earlier are passed by), to a process of the job with no failed child.
 */
import type { Job } from './jobs.js';
import { READS, WRITES } from './kinds.js';
import { isPseudoPath } from '../normalize/paths.js';
import { failed, type BuildModel, type Process } from './types.js';

type Lookup = (proc: number) => Process | undefined;

/** True for the root process of a job whose own command failed, a probe or not (Process.job is set by the job index). */
function failedRoot(p: Process): boolean {
  return p.job === p.proc && failed(p);
}

/** True for the root of a failed job: its command failed, and it was no probe (failedProbeRoot). */
export function failedJobRoot(model: BuildModel, p: Process): boolean {
  return failedRoot(p) && !probeRoots(model).has(p.proc);
}

/** True for the root of a failed probe: a failed job the build did not care about (see above). */
export function failedProbeRoot(model: BuildModel, p: Process): boolean {
  return failedRoot(p) && probeRoots(model).has(p.proc);
}

/** True for a process of a failed probe's job (the timeline and the graph draw its failures apart from the build's). */
export function inFailedProbe(model: BuildModel, p: Process): boolean {
  return p.job !== 0 && probeRoots(model).has(p.job);
}

/** The jobs whose root failed, the first to end first (the first failure is most often the cause of the others). */
function byEnd(jobs: readonly Job[], process: Lookup, keep: (root: Process) => boolean): Job[] {
  const out: Array<{ job: Job; end: number }> = [];
  for (const job of jobs) {
    const root = process(job.proc);
    if (root && keep(root)) out.push({ job, end: root.end });
  }
  return out.sort((a, b) => a.end - b.end || a.job.proc - b.job.proc).map((x) => x.job);
}

/** The failed jobs among `jobs`, failed probes left out, the first to end first. */
export function failedJobs(model: BuildModel, jobs: readonly Job[], process: Lookup): Job[] {
  return byEnd(jobs, process, (root) => failedJobRoot(model, root));
}

/** The failed probes among `jobs`, the first to end first. */
export function failedProbes(model: BuildModel, jobs: readonly Job[], process: Lookup): Job[] {
  return byEnd(jobs, process, (root) => failedProbeRoot(model, root));
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

const probesOf = new WeakMap<BuildModel, ReadonlySet<number>>();

/** The roots of the build's failed probes, worked out once per model. */
function probeRoots(model: BuildModel): ReadonlySet<number> {
  let roots = probesOf.get(model);
  if (!roots) probesOf.set(model, (roots = findProbes(model)));
  return roots;
}

function findProbes(model: BuildModel): ReadonlySet<number> {
  const out = new Set<number>();
  const t = model.trailer;
  if (!t || model.live || model.incomplete || (t.exit_status ?? 0) !== 0 || t.exit_signal) return out;
  const byProc = new Map(model.processes.map((p) => [p.proc, p]));
  const candidates = model.processes.filter((p) => {
    const driver = byProc.get(p.parent);
    return failedRoot(p) && driver !== undefined && driver.exitCode === 0 && driver.signal === 0;
  });
  if (!candidates.length) return out;
  const members = new Map<number, Process[]>();
  for (const p of model.processes) {
    if (!p.job) continue;
    const m = members.get(p.job);
    if (m) m.push(p);
    else members.set(p.job, [p]);
  }
  const movedTo = new Map<number, number[]>();
  for (const l of model.links) {
    const to = movedTo.get(l.from);
    if (to) to.push(l.to);
    else movedTo.set(l.from, [l.to]);
  }
  // jobs known to lead to nothing the build kept: a walk that finds nothing kept marks every job it went through
  const barren = new Set<number>();
  /** Whether a file the build kept came of job `root`: the walk through what it and its readers wrote. */
  const feedsBuild = (root: number): boolean => {
    const seenJobs = new Set([root]);
    const seenFiles = new Set<number>();
    const jobs = [root];
    while (jobs.length) {
      const job = jobs.pop()!;
      if (barren.has(job)) continue;
      const files: number[] = [];
      for (const p of members.get(job) ?? []) for (const a of p.files.values()) if (a.kinds & WRITES) files.push(a.file);
      while (files.length) {
        const id = files.pop()!;
        if (seenFiles.has(id)) continue;
        seenFiles.add(id);
        const f = model.files[id];
        if (f.dir || isPseudoPath(f.path)) continue; // /dev/null, a terminal, the kernel's files: no file of the build
        if (!f.removed) return true;
        files.push(...(movedTo.get(id) ?? []));
        for (const a of f.procs) {
          const reader = a.kinds & READS ? byProc.get(a.proc)?.job : 0;
          if (reader && !seenJobs.has(reader)) {
            seenJobs.add(reader);
            jobs.push(reader);
          }
        }
      }
    }
    for (const j of seenJobs) barren.add(j);
    return false;
  };
  for (const p of candidates) if (!feedsBuild(p.proc)) out.add(p.proc);
  return out;
}
