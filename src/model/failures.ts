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
 *     shell), exited 0: the failure did not stop it; or its driver is a
 *     make that runs no recipe (dryRun: `make -n`, `make -q`), whose
 *     children are the `$(shell …)` calls it makes while it parses the
 *     makefiles, whatever its own status (dh_auto_test asks `make -n test`
 *     whether a target exists: make exits 2, the question is answered);
 *     or its driver failed
 *     but ran a scratch build (scratchDriver): CMake's try-compile runs
 *     `ninja cmTC_xxxxx` (or make) in CMakeScratch/TryCompile-* and
 *     removes the directory; the failed drivers up to one that exited 0
 *     (cmake) ran in a directory the build made and removed, and nothing
 *     kept came of anything under them (below);
 *   - nothing the build kept came of it: what it wrote is a device
 *     (/dev/null) or was gone by the end (gcc's /tmp/cc*.s, conftest.err),
 *     and so is what every other job that read those wrote, and so on
 *     (configure's grep of conftest.err into conftest.er1, removed too); a
 *     file moved or linked to another name is followed to it. A driver
 *     reading what it wrote does not count: its result is what a probe is
 *     for (and a driver reads and writes much for its own bookkeeping).
 * Anything else stays a failed job: a failed job of a failed build, one
 * whose driver failed (make stopped, or went on with -k and then failed)
 * in a directory that is still there, one that left a file or that
 * another job built on.
 *
 * The rule reads the build model alone, with Process.job as the job index
 * set it (the viewer's packed model keeps it), so that the server, the
 * static page and every answer classify a failure the same way.
 *
 * Of a failed job, the innermost failure is the process that most likely
 * printed the error: from the root down through its failed child that
 * ended last (a shell's status is its last command's; probes that failed
 * earlier are passed by), to a process of the job with no failed child.
 * A failed process off that path, or in a job that is no failed job, is
 * a failed probe at the process level (failedProbe): bt graph and the
 * viewer draw it apart from the build's failures; but for the test of a
 * harness run that failed (automake's test-driver: FAIL, XPASS, ERROR),
 * which is the build's failure though test-driver exits 0.
 */
import type { Job } from './jobs.js';
import { keptWalk } from './kept.js';
import { subtree } from './subtree.js';
import { programName } from './program.js';
import { FAILING_RESULTS, harnessResult } from './tests.js';
import { failed, type BuildFile, type BuildModel, type Process } from './types.js';

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

/**
 * True for a process that failed when its failure is none of the build's,
 * a failed probe at the process level: bt graph draws it grey and dashed,
 * and the viewer's timeline, tree and details grey, not red. It failed in
 * a job that is no failed job, a failed probe's (failedProbeRoot) or one
 * whose own command succeeded (kbuild's Kconfig checks under `conf
 * --syncconfig`, a recipe's `test -f x || …`: failed subprocesses, which
 * fail no job); or in a failed job, off the path from the job's root to
 * its innermost failure (a check the job passed by before it failed). A
 * failed process in no job (a driver, the build's root) stays the build's
 * failure.
 */
export function failedProbe(model: BuildModel, p: Process): boolean {
  return failed(p) && p.job !== 0 && !buildFailures(model).has(p.proc);
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
  return failurePath(job.proc, process).at(-1);
}

/**
 * The processes from job `root` (a process whose Process.job is itself)
 * down to its innermost failure, the root first: through the failed child
 * of the job that ended last; empty when the root did not fail.
 */
function failurePath(root: number, process: Lookup): Process[] {
  let p = process(root);
  if (!p || !failed(p)) return [];
  const path = [p];
  for (;;) {
    let next: Process | undefined;
    for (const c of p.children) {
      const q = process(c);
      if (q && q.job === root && failed(q) && (!next || q.end > next.end || (q.end === next.end && q.proc > next.proc))) next = q;
    }
    if (!next) return path;
    path.push((p = next));
  }
}

const failuresOf = new WeakMap<BuildModel, ReadonlySet<number>>();

/** The processes of failed jobs (no probes) on the path from the job's root to its innermost failure, worked out once per model. */
function buildFailures(model: BuildModel): ReadonlySet<number> {
  const known = failuresOf.get(model);
  if (known) return known;
  const byProc = new Map(model.processes.map((p) => [p.proc, p]));
  const lookup = (proc: number) => byProc.get(proc);
  const out = new Set<number>();
  for (const p of model.processes) {
    if (failedJobRoot(model, p)) for (const q of failurePath(p.proc, lookup)) out.add(q.proc);
    // a harness's failed test (FAIL, XPASS, ERROR) is the build's failure, though test-driver exits 0 (tests.ts harnessResult)
    const t = harnessResult({ procs: [p.proc] }, lookup);
    if (t?.test && FAILING_RESULTS.has(t.result)) out.add(t.test.proc);
  }
  failuresOf.set(model, out);
  return out;
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
  const succeeded = (p: Process | undefined) => p !== undefined && p.exitCode === 0 && p.signal === 0;
  const scratch = scratchDriver(model, byProc);
  // per failed job, the processes whose writes say whether anything kept came of it: its own, or a scratch build's
  const candidates = new Map<Process, Process | undefined>();
  for (const p of model.processes) {
    if (!failedRoot(p)) continue;
    const driver = byProc.get(p.parent);
    if (succeeded(driver) || (driver && dryRun(driver))) candidates.set(p, undefined);
    else {
      const top = scratch(p);
      if (top) candidates.set(p, top);
    }
  }
  if (!candidates.size) return out;
  // the jobs a walk went through when nothing the build kept came of them (kept.ts)
  const barren = keptWalk(model);
  for (const [p, top] of candidates) {
    if (!top) {
      if (barren([p.proc])) out.add(p.proc);
      continue;
    }
    const under = [...subtree(byProc, top.proc)];
    const jobs = [...new Set(under.filter((q) => q.job).map((q) => q.job))];
    if (barren(jobs, under.filter((q) => !q.job))) out.add(p.proc);
  }
  return out;
}

/** make's options whose value is the rest of the word, or the next word when given alone (`-C DIR`, `-f FILE`, `-E TEXT`, …). */
const MAKE_VALUE_OPTIONS = 'CfIoWE';
/** make's options whose value is optional: the rest of the word only (`-j4`, `-Oline`). */
const MAKE_OPTIONAL_VALUE = 'jlO';

/** make's long options that run no recipe: print them (`--dry-run`), or only say whether the target is up to date. */
const MAKE_NO_RECIPES = new Set(['--just-print', '--dry-run', '--recon', '--question']);

/**
 * True if `p` is a make that runs no recipe: `-n` or `-q` among its
 * options (alone or in a cluster: `-sn`), or in MAKEFLAGS' first word (a
 * sub-make of one: `ns`). Its children are then the `$(shell …)` calls of
 * its parse (and `+` or `$(MAKE)` lines, which make runs even then).
 */
export function dryRun(p: Pick<Process, 'argv' | 'exe' | 'pid' | 'env'>): boolean {
  const name = programName(p);
  if (name !== 'make' && name !== 'gmake') return false;
  for (let i = 1; i < p.argv.length; i++) {
    const a = p.argv[i];
    if (a === '--') break;
    if (MAKE_NO_RECIPES.has(a)) return true;
    if (!/^-[^-]/.test(a)) continue;
    for (let k = 1; k < a.length; k++) {
      const c = a[k];
      if (c === 'n' || c === 'q') return true;
      if (MAKE_OPTIONAL_VALUE.includes(c)) break;
      if (MAKE_VALUE_OPTIONS.includes(c)) {
        if (k === a.length - 1) i++; // the value is the next word
        break;
      }
    }
  }
  const flags = p.env.find((e) => e.startsWith('MAKEFLAGS='))?.slice('MAKEFLAGS='.length).split(' ')[0] ?? '';
  return !flags.startsWith('-') && !flags.includes('=') && /[nq]/.test(flags);
}

/**
 * For a failed job whose driver failed: the outermost of the failed
 * processes in no job above it (its driver, a make above that driver)
 * when the process above them exited 0 and each ran in a directory the
 * build made and then removed: a scratch build that its caller asked a
 * question of (CMake's try-compile in CMakeScratch/TryCompile-*). Else
 * undefined: a driver stopped by a real failure, in a tree that is still
 * there.
 */
function scratchDriver(model: BuildModel, byProc: ReadonlyMap<number, Process>): (job: Process) => Process | undefined {
  let dirs: Map<string, BuildFile> | undefined;
  const removed = (path: string) => {
    dirs ??= new Map(model.files.filter((f) => f.dir).map((f) => [f.path, f]));
    const f = dirs.get(path);
    return !!f && f.created && f.removed;
  };
  return (job) => {
    let top: Process | undefined;
    for (let d = byProc.get(job.parent); d; d = byProc.get(d.parent)) {
      if (!failed(d)) return top;
      if (d.job || !removed(d.cwd)) return undefined;
      top = d;
    }
    return undefined;
  };
}

