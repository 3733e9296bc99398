/**
 * bt summary: the build at a glance, from the build model. The object's
 * keys are the JSON output's (stable, documented in the README).
 */
import { packagesOf, type PackageDb, type PackageUse } from './packages.js';
import type { Subject } from '../filter/index.js';
import { buildServers, FAILING_RESULTS, failed, failedJobs, failedProbes, harnessReports, harnessResult, innermostFailure, programName, type Build, type Job, type Process, type ServerHint, type TestResult } from '../model/index.js';
import { filterMatches, type ModelEnv } from '../model/subject.js';
import { toMs } from '../present/format.js';
import { byPath, fileGroups, linkInputOf, noiseOf, pathNoiseOf, placeOf, probesByDir, type FileGroups } from './groups.js';
import { READS, WRITES } from '../model/kinds.js';
import { distinctFiles } from '../model/usrmerge.js';
import { bookkeepingOf, cacheGroups, type CacheGroup } from '../present/fold.js';
import { cacheOutcome, type CacheOutcome } from '../model/compilercache.js';
import { inConfigureStep, isConfigureStep, stepOf } from './phases.js';

export interface SummaryJob {
  proc: number;
  argv: readonly string[];
  duration_ms: number;
  /** Its root process's exit code; -1 when none was seen (killed, or still running). */
  exit_code: number;
  /** The signal that killed its root process; 0 if none did. */
  signal: number;
  /** A compile through ccache: what ccache did (model/compilercache.ts cacheOutcome). */
  ccache?: CacheOutcome;
}

/** A process named in the summary, with how it ended. */
export interface SummaryProcess {
  proc: number;
  pid: number;
  argv: readonly string[];
  /** -1 when no exit was seen. */
  exit_code: number;
  signal: number;
}

/** A failed job: its root failed (model/failures.ts); a failed probe has the same fields. */
export interface FailedJob extends SummaryJob {
  /** The innermost failed process under it, the one that most likely printed the error (its root when no other failed). */
  innermost: SummaryProcess;
}

/** A process bt trace left running after the build (model/outlived.ts). */
export interface OutlivedProcess {
  pid: number;
  /** Its proc id; null when the log has no such process. */
  proc: number | null;
  /** Its argv as the log has it; null when the log has no such process (then `command` is all there is). */
  argv: readonly string[] | null;
  /** Its command line as bt trace read it when it left it running (arguments joined by spaces). */
  command: string;
}

export interface Summary {
  command: readonly string[];
  /** The display filter (--filter) the summary is of; null for the whole build. */
  filter: string | null;
  cwd: string;
  /** Wall-clock start, ns since the epoch. */
  start_ns: number;
  /**
   * From the start to the end of the build's last process that did not
   * outlive it (of a live log: to the last record written so far). Processes
   * bt trace left running (`outlived`) count until then, not to the trace's end.
   */
  duration_ms: number;
  /** From the start to the log's end: duration_ms and bt trace's wait for processes left running. */
  trace_ms: number;
  /** Processes that outlived the build: bt trace waited for them, then left them running. */
  outlived: OutlivedProcess[];
  /** A live log: how long the build had been running when bt summary read it (wall clock since its start); null otherwise, or with no start time. */
  running_ms: number | null;
  /** bt trace's exit status (the build's: 128+N when signal N killed it); null when the log has no trailer. */
  exit_status: number | null;
  /** The signal that killed the build; 0 if none did; null when the log has no trailer. */
  exit_signal: number | null;
  processes: number;
  /** Processes that failed (exit code > 0 or killed), whether or not their job did. */
  failed: number;
  /** Jobs whose own command failed (the root process of the job), failed probes left out, the first to end first (with a filter: of its jobs). */
  failed_jobs: FailedJob[];
  /**
   * Failed probes: jobs that failed while the build did not care (model/failures.ts): it
   * succeeded, their driver went on, nothing it kept came of them (go's gcc flag checks,
   * configure's conftest compiles). The first to end first (with a filter: of its jobs).
   */
  failed_probes: FailedJob[];
  /** Per program: how many processes, their total wall time. Most time first. */
  tools: Array<{ exe: string; count: number; wall_ms: number }>;
  /** Jobs (with a filter: the jobs one of the selected processes ran in, whatever their root). */
  job_count: number;
  /**
   * The traced command's processes that did work of the build themselves
   * (model/jobs.ts JobIndex.rootWork: ant's java compiling, `gradle
   * --no-daemon`, a script writing its outputs; no build driver by
   * program): counted among the jobs (job_count, jobs, critical_path,
   * parallelism), each with its whole time.
   */
  root_jobs: SummaryJob[];
  /**
   * Tests (model/jobs.ts JobIndex.tests: the runs ctest started, automake's
   * harness ran, a make check's recipes that ran the products), not among
   * the jobs, a harness's report (test-suite.log's recipe) left out; with a
   * filter, those one of the selected processes ran in.
   */
  test_count: number;
  /**
   * The tests that failed, the first to end first (the fields of
   * failed_jobs); a harness test (model/tests.ts harnessResult: automake's
   * test-driver) failed when its result is FAIL, XPASS or ERROR, though
   * test-driver exits 0: `result` and `name` say which, `innermost` is the test.
   */
  failed_tests: Array<FailedJob & { name?: string; result?: TestResult }>;
  /** Harness tests that were skipped (exit status 77: SKIP), the first to end first. */
  skipped_tests: Array<SummaryJob & { name: string }>;
  /**
   * The build's phases that are a configure step or a build driver
   * (answers/phases.ts), each with its jobs and tests, in start order; empty unless
   * there are two. `meson setup` then `ninja` is 19 jobs of sanity checks
   * and 6 of building, not 25 of one kind.
   */
  phases: Array<{ proc: number; argv: string[]; configure: boolean; jobs: number; tests: number; duration_ms: number }>;
  /** The slowest ten jobs. */
  jobs: SummaryJob[];
  inputs: { tree: string[]; system: string[]; elsewhere: string[] };
  /** --packages: the installed packages the system inputs came from (answers/packages.ts), and those of none; else null. */
  packages: PackageUse | null;
  outputs: string[];
  /** Written, then read by another job or removed; not the temporaries. */
  intermediates: string[];
  /**
   * Files the tests wrote alone that are there at the end, read by no job
   * (model/tests.ts testFiles: a test's log, what it left behind, ctest's
   * LastTest.log): not outputs. By path, the tree's first.
   */
  test_files: string[];
  /** Files the tests wrote alone that are gone at the end, not temporaries (`test.out`, then `rm -f test.out`): not intermediates. */
  test_files_removed: string[];
  /** How many files a process created and removed itself, read by no other, or that were made and removed in a directory the build made and removed (model/temporary.ts isTemporary). */
  temporaries: number;
  /**
   * Files only a process left running wrote, after the build ended
   * (model/outlived.ts setAsideAfterBuild): not outputs, the build did not
   * make them (`(sleep 1; echo x > late.txt) &` in a recipe). By path.
   */
  after_build: string[];
  /**
   * Build tools' caches and bookkeeping among the inputs, outputs,
   * intermediates and test files above (present/fold.ts: the Go build cache, Cargo's
   * fingerprints, rustc's incremental cache and codegen units, npm's cache), by name:
   * the text shows each as one line with its count. `name` is the
   * directory (with a trailing slash) or the files' pattern; `files`, its
   * files in those lists.
   */
  caches: Array<{ name: string; what: string; files: string[]; shared?: CacheGroup['shared'] }>;
  /**
   * The compiles ccache ran (jobs whose root is `ccache CC … -c`), by what
   * it did (model/compilercache.ts cacheOutcome): served from the cache
   * without running the compiler, after running only the preprocessor, or
   * by running the compiler, or not cached (it exec'd the compiler in its
   * place); null when there was none.
   */
  ccache: { compiles: number; direct_hits: number; preprocessed_hits: number; misses: number; uncached: number } | null;
  /**
   * Files made during the build by processes outside the trace (model/outside.ts:
   * found missing, then present with an mtime inside the trace, written
   * by no process of the build: a build server's), by path. Not inputs.
   */
  made_outside: string[];
  /**
   * Known build servers whose client ran in the build while the server
   * did not run in the trace (model/outside.ts buildServers): the build's
   * work may have been done there. `server`, `evidence`, `advice`.
   */
  servers: ServerHint[];
  /**
   * One job that holds more than 90% of the build's processes and time
   * (coarseJob): its root, its share of the processes, and the program
   * that started its processes (the first of its process tree with more
   * than one child), which may be a build driver bt does not know
   * (`--driver NAME`); null otherwise, and with a filter.
   */
  coarse_job: { proc: number; share: number; program: string } | null;
  /** Failed lookups per directory (distinct paths), most first. */
  probes: Array<{ dir: string; count: number }>;
  probe_count: number;
  /**
   * The longest chain of jobs through write -> read dependencies, a
   * driver's jobs after the configure step that wrote what it read, no
   * question among them (criticalPath; with a filter: of its jobs,
   * job_count), each with its time on it as
   * duration_ms: a job that started jobs of its own without their time.
   */
  critical_path: SummaryJob[];
  critical_path_ms: number;
  /**
   * Average number of jobs running at once: their busy time over the build's
   * duration; with no job, of the processes that started no other. With a
   * filter: of its jobs (or its processes that started no other), over
   * their own time span.
   */
  parallelism: number;
  /** Events that are not in the log (log/lost.ts isLoss). */
  lost: number;
  /** Strings cut (a path at 4 KiB, a failed exec's argv at 16 KiB): in the log, marked truncated; no loss. */
  truncated_strings: number;
  /** Of them, failed execs whose argv was cut at 16 KiB. */
  failed_exec_argv_cut: number;
  /** Lookups in the log whose repeat count is unknown (the log was cut): no loss. */
  unknown_repeat_counts: number;
  /** Processes with no exit in the log (those left running after the grace period apart): on a cut log, those still running when it ends. */
  not_exited: number;
  incomplete: boolean;
  /** A running bt trace still writes the log: this is the build so far. */
  live: boolean;
}

export interface SummaryOptions {
  /** The display filter's text, as given (the selection is `procs` and `files`). */
  filter?: string;
  /** Keep runtime noise in the file groups. */
  all?: boolean;
  /** Only these processes count (e.g. a display filter's matches), and the jobs they ran in; files of other processes are left out. */
  procs?: ReadonlySet<number>;
  /** Only these files count (default: those the kept processes touched). */
  files?: (id: number) => boolean;
  /** The wall clock now, ns since the epoch (default: Date.now()): how long a live build has been running. */
  now?: number;
  /** The installed packages' files (answers/packages.ts loadDpkg): the system inputs by package. */
  packages?: PackageDb;
}

/**
 * What a display filter selects for bt summary, as in bt graph: the
 * processes it matches, with every file they touched; the accesses it
 * matches (a path, access kinds, the process's fields), with their process
 * and file. (A file subject alone has no process fields: `exe != "cc1"`
 * would match every file, and through them every process.)
 */
export function filterSelection(build: Build, env: ModelEnv, keep: (s: Subject) => boolean): Required<Pick<SummaryOptions, 'procs' | 'files'>> {
  const { files } = build.model;
  const m = filterMatches(build, env, keep);
  const procs = new Set(m.procs);
  const matched = new Set<number>();
  for (const a of m.accesses) {
    procs.add(a.proc);
    matched.add(a.file);
  }
  return { procs, files: (id) => matched.has(id) || files[id].procs.some((a) => m.procs.has(a.proc)) };
}

/** The build tools' caches (present/fold.ts) that files `ids` are in, by name, each with its files among them, by path. */
function cachesIn(build: Build, ids: readonly number[]): Summary['caches'] {
  const groups = cacheGroups(build);
  const by = new Map<CacheGroup, string[]>();
  for (const id of ids) {
    const g = groups[id];
    if (!g) continue;
    const files = by.get(g);
    if (files) files.push(build.model.files[id].path);
    else by.set(g, [build.model.files[id].path]);
  }
  const sorted = (l: string[]) => l.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [...by].map(([g, files]) => ({ name: g.name, what: g.what, files: sorted(files), ...(g.shared ? { shared: g.shared } : {}) })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Share of the processes and of the time above which one job is too coarse an answer (Summary.coarse_job). */
const COARSE_SHARE = 0.9;
/** Builds with fewer processes get no such hint. */
const COARSE_MIN_PROCESSES = 20;

/**
 * The job holding more than COARSE_SHARE of the build's processes and
 * time, with the program that started its work: from the job's root down
 * through processes with one child (`sh -c`, `fakeroot`), the first with
 * more; null when there is none, or it starts one process after another
 * only through one child.
 */
function coarseJob(build: Build, units: readonly Job[]): Summary['coarse_job'] {
  const total = build.model.processes.length;
  const span = build.durationNs;
  if (total < COARSE_MIN_PROCESSES || span <= 0) return null;
  const job = units.find((j) => j.procs.length > COARSE_SHARE * total && j.end - j.start > COARSE_SHARE * span);
  if (!job) return null;
  let p = build.process(job.proc);
  while (p && p.children.length === 1) p = build.process(p.children[0]);
  if (!p || p.children.length < 2) return null;
  return { proc: job.proc, share: job.procs.length / total, program: programName(p) };
}

function jobEntry(build: Build, job: Job): SummaryJob {
  const root = build.process(job.proc);
  const ccache = root && cacheOutcome(root, (id) => build.process(id));
  return {
    proc: job.proc,
    argv: root?.argv ?? [],
    duration_ms: toMs(job.end - job.start),
    exit_code: root?.exitCode ?? -1,
    signal: root?.signal ?? 0,
    ...(ccache ? { ccache } : {}),
  };
}

/** How many of `jobs` ccache compiled, by outcome (Summary.ccache); null when none. */
function ccacheCounts(build: Build, jobs: readonly Job[]): Summary['ccache'] {
  const n = { compiles: 0, direct_hits: 0, preprocessed_hits: 0, misses: 0, uncached: 0 };
  for (const j of jobs) {
    const root = build.process(j.proc);
    const o = root && cacheOutcome(root, (id) => build.process(id));
    if (!o) continue;
    n.compiles++;
    if (o === 'direct hit') n.direct_hits++;
    else if (o === 'preprocessed hit') n.preprocessed_hits++;
    else if (o === 'uncached') n.uncached++;
    else n.misses++;
  }
  return n.compiles ? n : null;
}

function processEntry(p: Process): SummaryProcess {
  return { proc: p.proc, pid: p.pid, argv: p.argv, exit_code: p.exitCode, signal: p.signal };
}

function failedEntry(build: Build, job: Job): FailedJob {
  const innermost = innermostFailure(job, (id) => build.process(id))!;
  return { ...jobEntry(build, job), innermost: processEntry(innermost) };
}

/** The failed and the skipped tests: a harness test by its result, any other by its root's exit, the first to end first. */
export function testResults(build: Build, all: readonly Job[]): Pick<Summary, 'test_count' | 'failed_tests' | 'skipped_tests'> {
  const lookup = (id: number) => build.process(id);
  // a harness's report (test-suite.log's recipe) is no test: it fails when one did
  const reports = harnessReports(all, lookup);
  const tests = all.filter((j) => !reports.has(j.proc));
  const outcomes = new Map(tests.map((j) => [j, harnessResult(j, lookup)] as const));
  const failed: Summary['failed_tests'] = [];
  const skipped: Summary['skipped_tests'] = [];
  const end = (j: Job) => lookup(j.proc)?.end ?? j.end;
  const byEnd = [...tests].sort((a, b) => end(a) - end(b) || a.proc - b.proc);
  const failedRoots = new Set(failedJobs(build.model, tests, lookup));
  for (const j of byEnd) {
    const o = outcomes.get(j);
    if (!o) {
      if (failedRoots.has(j)) failed.push(failedEntry(build, j));
    } else if (FAILING_RESULTS.has(o.result)) {
      failed.push({ ...jobEntry(build, j), innermost: processEntry(o.test!), name: o.name, result: o.result });
    } else if (o.result === 'SKIP') skipped.push({ ...jobEntry(build, j), name: o.name });
  }
  return { test_count: tests.length, failed_tests: failed, skipped_tests: skipped };
}

/** The processes bt trace left running, with their argv where the log has them. */
function outlivedEntries(build: Build): OutlivedProcess[] {
  return build.model.outlived.map((o) => {
    const p = o.proc ? build.process(o.proc) : undefined;
    return { pid: o.pid, proc: p ? p.proc : null, argv: p ? p.argv : null, command: o.command };
  });
}

/**
 * The longest chain of jobs where each job read a file the previous one
 * wrote (or one moved or linked from it), weighted by the jobs' own time
 * (ownTime: a job that started jobs of its own, `sh -c node-gyp-build`
 * running node-gyp's make, is weighed without their time); with `keep`, of
 * the jobs whose roots it holds. A job and a job it started (JobNesting)
 * are never one after the other in the chain: the one ran inside the
 * other. A job of a build driver comes after the configure step that wrote
 * the build files its driver read (afterConfigure: gyp's build/Makefile
 * before make's compiles). A question the build asked (isQuestion: node-gyp's
 * `python3 -c 'import sys; print(sys.executable)'`) is no link of a chain,
 * and is left out unless every job is one. Each job of the chain with its
 * time on it (ns).
 */
export function criticalPath(build: Build, keep?: ReadonlySet<number>): Array<{ job: Job; time: number }> {
  const all = workUnits(build, keep); // by start time
  // runtime noise (/dev/null, /proc, …) orders nothing, nor a shared cache's bookkeeping (ccache's stats, locks and log)
  const noise = noiseOf(build);
  const bookkeeping = bookkeepingOf(build);
  const linked = all.filter((j) => !isQuestion(build, j, noise));
  const jobs = linked.length ? linked : all;
  const nesting = jobNesting(build, jobs);
  const order = new Map(jobs.map((j, i) => [j.proc, i]));
  // per file, the jobs that wrote it (computed once: a header is read by thousands of jobs)
  const writers = new Map<number, Job[]>();
  for (const job of jobs) {
    for (const fid of job.written) {
      if (noise[fid] || bookkeeping[fid]) continue;
      let w = writers.get(fid);
      if (!w) writers.set(fid, (w = []));
      w.push(job);
    }
  }
  // a file a driver moved or hard-linked into place (cargo's target/debug/NAME) was made by the maker of its source
  for (const l of build.model.links) {
    const w = writers.get(l.from);
    if (w && !writers.has(l.to)) writers.set(l.to, w);
  }
  const configured = afterConfigure(build, new Set(jobs));
  const best = new Map<number, number>();
  const prev = new Map<number, Job | undefined>();
  for (const job of jobs) {
    let bestPrev: Job | undefined;
    let bestLen = 0;
    const at = order.get(job.proc)!;
    for (const w of [...job.inputs.flatMap((fid) => writers.get(fid) ?? []), ...configured(job)]) {
      if (order.get(w.proc)! >= at || nesting.nested(w, job)) continue;
      const len = best.get(w.proc) ?? 0;
      if (len > bestLen) {
        bestLen = len;
        bestPrev = w;
      }
    }
    best.set(job.proc, bestLen + nesting.ownTime(job));
    prev.set(job.proc, bestPrev);
  }
  let last: Job | undefined;
  let lastLen = -1;
  for (const job of jobs) {
    const len = best.get(job.proc)!;
    if (len > lastLen) {
      lastLen = len;
      last = job;
    }
  }
  const chain: Array<{ job: Job; time: number }> = [];
  for (let j = last; j; j = prev.get(j.proc)) chain.push({ job: j, time: nesting.ownTime(j) });
  return chain.reverse();
}

/**
 * The units of work the critical path, the parallelism and the slowest
 * jobs are of: the jobs, and the roots that did work of the build
 * themselves (model/jobs.ts JobIndex.rootWork: ant's java), by start time;
 * with `keep`, those whose roots it holds.
 */
export function workUnits(build: Build, keep?: ReadonlySet<number>): Job[] {
  const { jobs, rootWork } = build.jobs;
  const all = rootWork.length ? [...rootWork, ...jobs].sort((a, b) => a.start - b.start || a.proc - b.proc) : jobs;
  return keep ? all.filter((j) => keep.has(j.proc)) : all;
}

/**
 * A question the build asked, not a step of its making: a job that wrote
 * no file (runtime noise aside: its answer went to its parent's pipe) and
 * read none the build wrote. node-gyp's `python3 -c 'import sys;
 * print(sys.executable)'` and its version check, `uname`, a recipe's
 * `printf` of what it is about to do. It cannot chain with another job.
 */
function isQuestion(build: Build, job: Job, noise: Uint8Array): boolean {
  const files = build.model.files;
  return job.written.every((f) => noise[f]) && job.inputs.every((f) => noise[f] || !(files[f].kinds & WRITES));
}

/**
 * Per job, the jobs among `jobs` that come before it because its drivers
 * (the processes in no job above it: make, the sub-makes, the root) read a
 * file a configure step wrote (phases.ts: gyp writing build/Makefile,
 * cmake configuring writing build.ninja, config.status writing the
 * Makefiles): the driver read what to run from them. Worked out once per
 * driver.
 */
function afterConfigure(build: Build, jobs: ReadonlySet<Job>): (job: Job) => Job[] {
  const files = build.model.files;
  const byDriver = new Map<number, Job[]>();
  const ofDriver = (proc: number): Job[] => {
    let out = byDriver.get(proc);
    if (out) return out;
    const found = new Set<Job>();
    for (const fid of build.jobs.unit(proc)?.inputs ?? []) {
      for (const a of files[fid].procs) {
        if (!(a.kinds & WRITES) || !inConfigureStep(build, a.proc)) continue;
        const w = build.jobs.of(a.proc);
        if (w && jobs.has(w)) found.add(w);
      }
    }
    byDriver.set(proc, (out = [...found]));
    return out;
  };
  return (job) => {
    const out: Job[] = [];
    for (let p = build.process(job.proc)?.parent; p && !build.jobs.of(p); p = build.process(p)?.parent) out.push(...ofDriver(p));
    return out;
  };
}

/**
 * Jobs inside jobs, among `jobs`: a job whose processes started a driver
 * whose jobs ran within it (cmake configuring, its try-compiles' make
 * running their compiles; npm's `sh -c node-gyp-build` running node-gyp's
 * make). ownTime is a job's time while none of the jobs it started ran
 * (their time is theirs); nested says whether one of two jobs ran inside
 * the other.
 */
interface JobNesting {
  ownTime(job: Job): number;
  nested(a: Job, b: Job): boolean;
}

function jobNesting(build: Build, jobs: readonly Job[]): JobNesting {
  const kept = new Set(jobs);
  const outerOf = new Map<Job, Job>();
  const inside = new Map<Job, Array<[number, number]>>();
  for (const j of jobs) {
    const outer = enclosingJob(build, j);
    if (!outer || !kept.has(outer)) continue;
    outerOf.set(j, outer);
    const span: [number, number] = [Math.max(j.start, outer.start), Math.min(j.end, outer.end)];
    if (span[1] <= span[0]) continue;
    const spans = inside.get(outer);
    if (spans) spans.push(span);
    else inside.set(outer, [span]);
  }
  const own = new Map<Job, number>();
  for (const [outer, spans] of inside) own.set(outer, Math.max(0, outer.end - outer.start - covered(spans)));
  const within = (a: Job, b: Job) => {
    for (let o = outerOf.get(a); o; o = outerOf.get(o)) if (o === b) return true;
    return false;
  };
  return {
    ownTime: (job) => own.get(job) ?? job.end - job.start,
    nested: (a, b) => (outerOf.has(a) || outerOf.has(b)) && (within(a, b) || within(b, a)),
  };
}

/** The job whose processes started job `j` (a configure step's try-compile under cmake), if any. */
function enclosingJob(build: Build, j: Job): Job | undefined {
  for (let p = build.process(j.proc)?.parent; p; p = build.process(p)?.parent) {
    // a root that did work of its own holds the jobs it started (workUnits)
    const outer = build.jobs.of(p) ?? build.jobs.rootWork.find((u) => u.proc === p);
    if (outer && outer !== j) return outer;
  }
  return undefined;
}

/** Total length of the union of intervals [s, e). */
function covered(spans: Array<[number, number]>): number {
  spans.sort((a, b) => a[0] - b[0]);
  let total = 0;
  let [s, e] = [-Infinity, -Infinity];
  for (const [a, b] of spans) {
    if (a > e) {
      if (e > s) total += e - s;
      [s, e] = [a, b];
    } else e = Math.max(e, b);
  }
  return e > s ? total + (e - s) : total;
}

/**
 * Average parallelism: busy time of the jobs (or of the leaf processes)
 * over the build's duration; with `keep` (processes) and `keepJobs` (job
 * roots), of those kept only, over their own time span (from the first
 * one's start to the last one's end). A job that started jobs of its own
 * (cmake configuring: its try-compiles' ninja runs their compiles) is busy
 * only while none of them runs: their time is counted once, theirs.
 */
function parallelism(build: Build, keep?: ReadonlySet<number>, keepJobs?: ReadonlySet<number>): number {
  let busy = 0;
  let start = Infinity;
  let end = -Infinity;
  const add = (s: number, e: number) => {
    busy += e - s;
    start = Math.min(start, s);
    end = Math.max(end, e);
  };
  const jobs = workUnits(build, keepJobs);
  if (jobs.length) {
    const nesting = jobNesting(build, jobs);
    for (const j of jobs) {
      add(j.start, j.end);
      busy -= j.end - j.start - nesting.ownTime(j);
    }
  } else for (const p of build.model.processes) if (!p.children.length && (!keep || keep.has(p.proc))) add(p.start, build.endInBuild(p));
  const dur = keep ? end - start : build.durationNs;
  if (!(dur > 0)) return 0;
  return Math.round((busy / dur) * 100) / 100;
}

export function summarize(build: Build, opts: SummaryOptions = {}): Summary {
  const { model } = build;
  const keep = opts.procs;
  const procs = keep ? model.processes.filter((p) => keep.has(p.proc)) : model.processes;
  const tools = new Map<string, { exe: string; count: number; wall: number }>();
  for (const p of procs) {
    const name = programName(p);
    let t = tools.get(name);
    if (!t) tools.set(name, (t = { exe: name, count: 0, wall: 0 }));
    t.count++;
    t.wall += Math.max(0, build.endInBuild(p) - p.start);
  }
  // with a filter, the jobs its processes ran in: a compile whose cc1 matched, not only one whose root did
  const keepJobs = keep ? new Set(procs.filter((p) => p.job || build.jobs.rootWork.some((u) => u.proc === p.proc)).map((p) => p.job || p.proc)) : undefined;
  const jobs = build.jobs.jobs.filter((j) => !keepJobs || keepJobs.has(j.proc));
  // the jobs, and the roots that did work themselves (workUnits): what the count and the slowest jobs are of
  const units = workUnits(build, keepJobs);
  const tests = build.jobs.tests.filter((j) => !keepJobs || keepJobs.has(j.proc));
  const slowest = [...units].sort((a, b) => b.end - b.start - (a.end - a.start) || a.proc - b.proc).slice(0, 10);
  // both names of a file on a merged /usr until the selection is made: a filter may keep the processes of only one
  const groups: FileGroups = fileGroups(build, { all: opts.all, distinct: false });
  const selected = opts.files ?? ((id: number) => !keep || model.files[id].procs.some((a) => keep.has(a.proc)));
  // a shared library is in the groups as a link input: with a filter, of a linker that was selected
  const pathNoise = pathNoiseOf(build);
  const touched = (id: number) => selected(id) && (!keep || opts.all || !pathNoise[id] || linkInputOf(build, id, keep));
  const listed = (ids: number[]) => distinctFiles(build, ids.filter(touched));
  const paths = (ids: number[]) => ids.map((i) => model.files[i].path);
  // with a filter, a file the build wrote that the selected processes only read is an input of theirs
  const wroteIt = (id: number) => !keep || model.files[id].procs.some((a) => a.kinds & WRITES && keep.has(a.proc));
  const readOnly = (id: number) => !wroteIt(id) && model.files[id].procs.some((a) => a.kinds & READS && keep!.has(a.proc));
  const inputs = { tree: [...groups.inputs.tree], system: [...groups.inputs.system], elsewhere: [...groups.inputs.elsewhere] };
  if (keep) {
    for (const id of [...groups.outputs, ...groups.intermediates, ...groups.temporaries, ...groups.tests]) if (readOnly(id)) inputs[placeOf(model.files[id].path, build.startDir)].push(id);
    for (const ids of Object.values(inputs)) byPath(build, ids);
  }
  const probes = distinctFiles(build, groups.probes.filter(touched));
  const lists = {
    tree: listed(inputs.tree),
    system: listed(inputs.system),
    elsewhere: listed(inputs.elsewhere),
    outputs: listed(groups.outputs.filter(wroteIt)),
    intermediates: listed(groups.intermediates.filter(wroteIt)),
    tests: listed(groups.tests.filter(wroteIt)),
  };
  const chain = criticalPath(build, keepJobs);
  const h = model.header;
  const startNs = (h.start_ts ?? 0) + (h.boot_to_wall_ns ?? 0);
  return {
    command: h.command ?? [],
    filter: opts.filter ?? null,
    cwd: h.cwd ?? '',
    start_ns: startNs,
    duration_ms: toMs(build.durationNs),
    trace_ms: toMs(build.traceNs),
    outlived: outlivedEntries(build),
    running_ms: model.live && startNs > 0 ? Math.max(0, toMs((opts.now ?? Date.now() * 1e6) - startNs)) : null,
    exit_status: model.trailer ? (model.trailer.exit_status ?? 0) : null,
    exit_signal: model.trailer ? (model.trailer.exit_signal ?? 0) : null,
    processes: procs.length,
    failed: procs.filter(failed).length,
    failed_jobs: failedJobs(model, jobs, (id) => build.process(id)).map((j) => failedEntry(build, j)),
    failed_probes: failedProbes(model, jobs, (id) => build.process(id)).map((j) => failedEntry(build, j)),
    tools: [...tools.values()]
      .sort((a, b) => b.wall - a.wall || b.count - a.count || (a.exe < b.exe ? -1 : 1))
      .map((t) => ({ exe: t.exe, count: t.count, wall_ms: toMs(t.wall) })),
    job_count: units.length,
    root_jobs: build.jobs.rootWork.filter((u) => units.includes(u)).map((u) => jobEntry(build, u)),
    ...testResults(build, tests),
    phases: phaseEntries(build, jobs, tests),
    jobs: slowest.map((j) => jobEntry(build, j)),
    inputs: { tree: paths(lists.tree), system: paths(lists.system), elsewhere: paths(lists.elsewhere) },
    packages: opts.packages ? packagesOf(paths(lists.system), opts.packages) : null,
    outputs: paths(lists.outputs),
    intermediates: paths(lists.intermediates),
    test_files: paths(lists.tests.filter((id) => !model.files[id].removed)),
    test_files_removed: paths(lists.tests.filter((id) => model.files[id].removed)),
    temporaries: groups.temporaries.filter((id) => wroteIt(id) && touched(id)).length,
    after_build: paths(byPath(build, listed(afterBuildFiles(build, !!opts.all)))),
    caches: cachesIn(build, Object.values(lists).flat()),
    ccache: ccacheCounts(build, jobs),
    made_outside: paths(byPath(build, listed(groups.outside))),
    servers: buildServers(model),
    coarse_job: keep ? null : coarseJob(build, units),
    probes: probesByDir(build, probes),
    probe_count: probes.length,
    critical_path: chain.map(({ job, time }) => ({ ...jobEntry(build, job), duration_ms: toMs(time) })),
    critical_path_ms: toMs(chain.reduce((s, j) => s + j.time, 0)),
    parallelism: parallelism(build, keep, keepJobs),
    lost: model.lostEvents,
    truncated_strings: model.shortfalls.truncated,
    failed_exec_argv_cut: model.shortfalls.failedExecArgv,
    unknown_repeat_counts: model.shortfalls.repeatCounts,
    not_exited: model.notExited,
    incomplete: model.incomplete,
    live: model.live,
  };
}

/** The files only processes left running wrote, after the build ended (BuildFile.afterBuild, no write of the build's); runtime noise left out unless `all`. */
function afterBuildFiles(build: Build, all: boolean): number[] {
  const noise = noiseOf(build);
  return build.model.files.filter((f) => f.afterBuild && !f.dir && !(f.kinds & WRITES) && (all || !noise[f.id])).map((f) => f.id);
}

/**
 * The steps the jobs ran in (stepOf: a configure step a driver ran is part
 * of the driver's) that are a configure step or a build driver, in start
 * order, with their job and test counts: none unless there are two.
 * A job of the traced command itself (a line of a script, `./gen.sh > x.h`
 * before make) is a phase of its own, and is not listed: a script of ten
 * commands is no build of ten phases.
 */
function phaseEntries(build: Build, jobs: readonly Job[], tests: readonly Job[]): Summary['phases'] {
  const count = new Map<number, { jobs: number; tests: number }>();
  for (const [list, what] of [[jobs, 'jobs'], [tests, 'tests']] as const) {
    for (const j of list) {
      const p = stepOf(build, j.proc);
      let c = count.get(p);
      if (!c) count.set(p, (c = { jobs: 0, tests: 0 }));
      c[what]++;
    }
  }
  // each phase's command as its caller ran it (a #! script: meson setup, not python3 /usr/bin/meson setup)
  const steps = [...count].map(([proc, n]) => {
    const p = build.process(proc)!;
    const argv = [...(p.invoked ?? p.argv)];
    return { proc, argv, configure: isConfigureStep(p), ...n, duration_ms: toMs(Math.max(0, p.end - p.start)), start: p.start };
  });
  const listed = steps.filter((x) => x.configure || build.jobs.runsDriver(x.proc));
  if (listed.length < 2) return [];
  return listed.sort((a, b) => a.start - b.start).map(({ start: _, ...x }) => x);
}
