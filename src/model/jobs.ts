/**
 * Jobs: the unit a build engineer thinks in. A job is a process started by
 * a build driver (make, ninja, cargo, …) together with its subtree, minus
 * the subtrees of drivers inside it (their children are jobs of their own).
 * The root process always acts as a driver: in a build with no known
 * driver every direct child of the root is a job. A recipe's shell that
 * runs a driver itself (wrapsDriver: Lua's `cd src && $(MAKE) linux`,
 * automake's loop over SUBDIRS) is no job either: it contains the
 * sub-driver's jobs, and is in no job with what it ran besides.
 *
 * A job's inputs are the files it read (or ran: kinds.ts READS) that it
 * did not make itself, and those it made that another job wrote over
 * before it read them back (a -j race: what it read was the other's); its
 * outputs are the files it wrote that still exist at the end.
 *
 * A process in no job (a driver, the root) is a unit of work of its own:
 * JobIndex.unit gives it as a job of one process, with inputs and
 * outputs by the same rules. A build driver (or the root: it always acts
 * as one) that started jobs
 * (JobIndex.drives) reads much for its own bookkeeping (cargo its registry
 * and fingerprints, go the whole standard library to check staleness), so
 * what it writes itself is made of less (JobIndex.sourcesOf): a file it moved
 * or hard-linked into place (cargo's target/debug/NAME) of the source
 * alone, and so is one it wrote beside it (target/debug/NAME.d); a file
 * named for one of its jobs (cargo's .fingerprint/CRATE-HASH/…, named by
 * the hash only that crate's rustc put in its outputs' names) of that
 * job's files of that name it read, since cargo writes a unit's
 * bookkeeping from that unit's results while it has every other unit's
 * files open too; another (go's copy of the program its link job made,
 * ninja's .ninja_deps) of its program, its files in the start directory,
 * and what it was reading while it wrote it.
 *
 * A copy tool (program.ts isCopyTool: cp, install, `cmake -E copy`) made
 * each file it wrote (`cp -f $(SRC) tsrc`, `install -m644 A B DIR`,
 * `cp -r`, a recipe's `for f in …; do cp $f dir; done`) of the file it had
 * open when it began writing it, and of its program (JobIndex.copiedInto):
 * not of the files it or the unit's other copies copied before. A child of
 * a copy tool that writes its copy (strip under `install -s`) counts with
 * it. A generator that reads its config and then writes several files (no
 * copy tool) keeps the config in each. JobIndex.madeOf is the one test deps
 * and rdeps apply for both.
 *
 * Provenance respects time: a file a unit wrote is made of the inputs it
 * began reading before it was done writing it (writtenUntil, inputsBy), and
 * a file it read goes into the outputs it was still writing after it began
 * reading it (readFrom, outputsFrom). The log has no read(2) or write(2)
 * calls, only opens, closes and path operations, so the bounds are safe
 * ones from the three times each access keeps: a read began no earlier than
 * the access's first use, nor before the build made the file (bornAt), and
 * ended by its last use; writes began at the access's first write and ended
 * at its lastWrite (the last write-like use, close or exec), or at the
 * process's end when it still held a write fd that no close record shows
 * closed (Process.heldWrite: a shell's `> out` handed to the program it
 * runs). Not seen: a write through a shared memory mapping after the close,
 * a read through an fd still open after its last use (an fd read to the
 * end of the process after another process rewrote the file).
 */
import { baseName, relativeInside } from '../normalize/paths.js';
import { Kind, READS, WRITES } from './kinds.js';
import { outlivedProcs } from './outlived.js';
import { endsWithCommand, isCopyTool, isPython, isShell, isWrapper, programName, shellInline } from './program.js';
import { isRunner, runnerChildren } from './runners.js';
import { testFiles, testRuns } from './tests.js';
import type { BuildFile, BuildModel, FileAccess, FileLink, Process } from './types.js';

/**
 * Programs that start jobs, by program name. `cmake` only as `cmake --build`;
 * `setuptools` names a Python process running setuptools (runsSetuptools);
 * `dh` is debhelper's sequencer (each dh_* command it runs is a job).
 */
export const DEFAULT_DRIVERS: readonly string[] = ['make', 'gmake', 'ninja', 'samu', 'meson', 'cargo', 'go', 'scons', 'bazel', 'cmake', 'setuptools', 'ctest', 'node-gyp', 'dh'];

/** Drivers that run tests, by program name: what they start are tests (JobIndex.tests), not jobs of the build. */
const TEST_DRIVERS: ReadonlySet<string> = new Set(['ctest']);

/** setuptools' package as an interpreter imports it: its __init__.py, or the .pyc cached for it. */
const SETUPTOOLS_INIT = /\/setuptools\/(?:__init__\.py|__pycache__\/__init__\.[^/]*\.pyc)$/;

export interface Job {
  /** The job's root process (its id is the job's id). */
  proc: number;
  /** Every process of the job, the root first, in proc order. */
  procs: number[];
  start: number;
  /** When the last of its processes that did not outlive the build ended (outlived.ts). */
  end: number;
  /** File ids read by the job that it did not make itself. */
  inputs: number[];
  /** File ids written by the job and present at the end. */
  outputs: number[];
  /** Every file id the job wrote (also those removed later). */
  written: number[];
}

export interface JobOptions {
  /** More driver program names (`--driver NAME`). */
  drivers?: readonly string[];
}

/** The program names a driver is recognised by. */
function driverSet(opts: JobOptions): Set<string> {
  return new Set([...DEFAULT_DRIVERS, ...(opts.drivers ?? [])]);
}

/** The unit of work a process counts in: its job's root proc, or the process itself when it is in no job (drivers, the root). */
export function unitId(p: Pick<Process, 'job' | 'proc'>): number {
  return p.job || p.proc;
}

/**
 * True if `p` is a build driver: its program is one of `drivers` (by its
 * exe, its argv[0], or the script an interpreter runs, without a .js
 * ending: `node …/node-gyp/bin/node-gyp.js rebuild`, which npm's install
 * script starts through `sh -c`, is node-gyp), or
 * `drivers` has `setuptools` and it runs setuptools (runsSetuptools; only
 * with the model's `files`, which tell what it imported).
 */
export function isDriver(p: Process, drivers: ReadonlySet<string>, files?: readonly BuildFile[]): boolean {
  const names = [p.exe ? baseName(p.exe) : '', p.argv[0] ? baseName(p.argv[0]) : '', programName(p).replace(/\.[cm]?js$/, '')];
  for (const n of names) {
    if (!n || !drivers.has(n)) continue;
    if (n === 'cmake') return p.argv.includes('--build');
    return true;
  }
  return !!files && drivers.has('setuptools') && runsSetuptools(p, files);
}

/**
 * A Python process that imported setuptools (read its package's
 * `__init__`) and started processes: setuptools driving a build, whoever
 * started it (`python3 setup.py build_ext`, pip's setuptools caller `python3
 * -c 'exec(compile(…setup.py…))' bdist_wheel`, a PEP 517 hook running
 * setuptools' backend, cffi's `ffibuilder.compile()`), each compile and link
 * it runs a job of its own, as under make. One that started nothing (pip's
 * `egg_info`, a metadata hook, a pure-Python build) stays a job; a script
 * that runs a compiler without setuptools (`python3 gen.py` in a recipe)
 * is no driver.
 */
function runsSetuptools(p: Process, files: readonly BuildFile[]): boolean {
  if (!p.children.length || !isPython(p)) return false;
  for (const a of p.files.values()) if (a.kinds & Kind.READ && SETUPTOOLS_INIT.test(files[a.file]!.path)) return true;
  return false;
}

/**
 * True for a shell running inline code (a recipe: `sh -c 'cd src && make'`)
 * that reaches a build driver through shells running inline code alone
 * (its subshells, a nested `sh -c`): a recursive make's container, whose
 * time is its sub-driver's jobs. A program or script that runs a driver
 * among its own work (`sh ./configure`, cmake, kbuild's `sh
 * link-vmlinux.sh`) stays a job, and so does the recipe that runs it.
 */
function wrapsDriver(p: Process, procs: ReadonlyMap<number, Process>, driver: ReadonlySet<number>): boolean {
  if (!shellInline(p.argv)) return false;
  const stack = [...p.children];
  while (stack.length) {
    const c = procs.get(stack.pop()!)!;
    if (driver.has(c.proc)) return true;
    if (shellInline(c.argv)) stack.push(...c.children); // a subshell, a nested `sh -c`; not a script it runs
  }
  return false;
}

/**
 * The command a wrapper of the traced command ran (isWrapper: `timeout 600
 * make -j2`, `fakeroot make install`): the first process under it that
 * ran the command the wrapper's argv ends with, reached through forks that
 * ran no program (a script's subshells); none when the wrapper ran it in
 * its own place (`nice make` execs make). It acts as a root: its children
 * are jobs (make's, or a script's). The wrapper's other processes
 * (fakeroot's getopt, sed and cut; its faked daemon, which the wrapper
 * kills when the command is done) are its own: in no job, so neither
 * jobs, nor the critical path, nor parallelism count them.
 */
function wrappedCommand(w: Process, procs: ReadonlyMap<number, Process>): Process | undefined {
  let found: Process | undefined;
  const stack = [...w.children];
  while (stack.length) {
    const c = procs.get(stack.pop()!)!;
    if (!c.execd) stack.push(...c.children);
    else if (endsWithCommand(w.argv, c.argv) && (!found || c.proc < found.proc)) found = c;
  }
  return found;
}

export class JobIndex {
  /** The build's jobs, by start time: not the tests. */
  readonly jobs: Job[] = [];
  /**
   * The tests, by start time: the jobs a test driver (ctest, and so `make
   * test`) started, each test program's run with its subtree, and the test
   * runs of other drivers (tests.ts: `./calc > test.out` in `make check`,
   * automake's test-driver). They use the
   * build's products and make none: a file only they and the build's own
   * job read is still an output, what only they wrote is theirs
   * (testFile), and they are in no answer about the
   * build's jobs (the critical path, the parallelism, check, diff). A
   * test's processes are in it (of, unit) as in a job.
   */
  readonly tests: Job[] = [];
  /**
   * A command runner's start-up work (runners.ts: GNU parallel's `sleep`,
   * `tput`, `sh -c 'echo cccc…'` probes), by start time: each child with
   * its subtree, as a job is, but no job of the build: in no answer about
   * the build's jobs, as the tests. A failed one whose runner succeeded,
   * in a build that did, is a failed probe (failures.ts).
   */
  readonly probes: Job[] = [];
  /**
   * The roots that did work of the build themselves (didWork), not being
   * build drivers by program (make, ninja, cargo…): each as its unit, a job
   * of one process (unit), not in `jobs`. The root acts as a driver all
   * the same (its children are jobs, drives); the summary counts it as a job
   * too, in the slowest jobs, the critical path and the parallelism (ant's
   * java compiling for 5 s after its launcher script's `uname`), holding
   * the jobs it started as a job holds a job it started (summary.ts jobNesting).
   */
  readonly rootWork: Job[] = [];
  private readonly testSet = new Set<Job>();
  /** testFiles' answer, made on first use. */
  private tested?: Uint8Array;
  /** The processes that act as build drivers (runsDriver): by program (isDriver), and command runners that drove (runners.ts). */
  private readonly driver = new Set<number>();
  private readonly byProc = new Map<number, Job>();
  /** Processes in no job, as units of their own (made on demand). */
  private readonly lone = new Map<number, Job>();
  private readonly procs: Map<number, Process>;
  /** bornAt, made on first use. */
  private born?: Float64Array;
  /** The model's links by destination, made on first use. */
  private linksTo?: Map<number, FileLink[]>;
  /** The links and renames each process made (movedBeside), built when first asked. */
  private linksBy?: Map<number, FileLink[]>;
  /** Per unit name (unitNames) in the paths of the files jobs wrote, the one job that wrote such files (null: several did), made on first use. */
  private named?: Map<string, Job | null>;

  /** Per process, the copy tool it writes for (copierOf; null: none), made on first use. */
  private readonly copier = new Map<number, number | null>();
  /** Per copy tool's process, copyWindows' answer. */
  private readonly windows = new Map<number, { open: Map<number, number[]>; runs: number[] }>();
  /** copiedInto's answers, per unit and output. */
  private readonly copied = new Map<Job, Map<number, (input: number) => boolean>>();

  /** The traced command's processes (model.roots): each acts as a driver. */
  private readonly roots: ReadonlySet<number>;

  constructor(
    private readonly model: BuildModel,
    opts: JobOptions = {},
  ) {
    const drivers = driverSet(opts);
    const procs = new Map(model.processes.map((p) => [p.proc, p]));
    this.procs = procs;
    const roots = new Set(model.roots);
    this.roots = roots;
    // a wrapper's command acts as a root; the wrapper's other processes are its own, in no job
    const wrappers = new Set<number>();
    for (const r of model.roots) {
      for (let w = procs.get(r), c; w && isWrapper(w) && (c = wrappedCommand(w, procs)); w = c) {
        wrappers.add(w.proc);
        roots.add(c.proc);
      }
    }
    const driver = this.driver;
    // a command runner's start-up work, set aside (runners.ts)
    const aside = new Set<number>();
    for (const p of model.processes) {
      const named = isDriver(p, drivers, model.files);
      if (isRunner(p)) {
        const r = runnerChildren(model, procs, p, named || roots.has(p.proc));
        if (!r.drives) continue;
        for (const c of r.own) aside.add(c.proc);
      } else if (!named) continue;
      driver.add(p.proc);
    }
    const made: Job[] = [];
    for (const p of model.processes) {
      if (driver.has(p.proc) || roots.has(p.proc) || wrappers.has(p.parent)) continue;
      if (!(driver.has(p.parent) || roots.has(p.parent))) continue;
      if (wrapsDriver(p, procs, driver)) continue;
      const job = this.add(p, procs, driver);
      const parent = procs.get(p.parent);
      if (aside.has(p.proc)) this.probes.push(job);
      else if (parent && isDriver(parent, TEST_DRIVERS)) this.tests.push(job);
      else made.push(job);
    }
    // with every job's Process.job set: the test runs among the rest (tests.ts)
    const tests = testRuns(model, made, procs);
    for (const job of made) (tests.has(job.proc) ? this.tests : this.jobs).push(job);
    for (const job of this.tests) this.testSet.add(job);
    for (const list of [this.jobs, this.tests, this.probes]) list.sort((a, b) => a.start - b.start || a.proc - b.proc);
    for (const r of roots) if (!driver.has(r) && !wrappers.has(r) && this.didWork(r)) this.rootWork.push(this.unit(r)!);
  }

  /**
   * A root (the traced command, or the command a wrapper of it ran) that
   * itself wrote files the build left in its start directory (ant's java,
   * `gradle --no-daemon`, a python script writing its outputs): it did work
   * of the build, not only drove it (rootWork). Not a shell: what it writes
   * itself are its redirections and builtins (`echo a > a.txt`), the work
   * is in the commands it runs. Bookkeeping elsewhere (a build server's
   * client taking its registry's lock) is no such work.
   */
  private didWork(root: number): boolean {
    const p = this.procs.get(root);
    if (!p || isShell(p.exe)) return false;
    const u = this.unit(root);
    const start = this.model.header.cwd;
    return !!u && !!start && u.outputs.some((id) => !this.model.files[id].dir && relativeInside(start, this.model.files[id].path) !== undefined);
  }

  private add(root: Process, procs: Map<number, Process>, driver: Set<number>): Job {
    const members: number[] = [];
    const stack = [root.proc];
    while (stack.length) {
      const id = stack.pop()!;
      const p = procs.get(id)!;
      members.push(id);
      p.job = root.proc;
      for (const c of p.children) if (!driver.has(c)) stack.push(c);
    }
    members.sort((a, b) => a - b);
    const job: Job = { proc: root.proc, procs: members, start: root.start, end: this.endOf(members), inputs: [], outputs: [], written: [] };
    this.io(job, procs);
    for (const id of members) this.byProc.set(id, job);
    return job;
  }

  /** True for a test (tests). */
  isTest(job: Job): boolean {
    return this.testSet.has(job);
  }

  /** Whether process `proc` is a test's (tests), or a test driver's own (ctest writing Testing/Temporary/LastTest.log). */
  inTest(proc: number): boolean {
    const job = this.byProc.get(proc);
    if (job) return this.testSet.has(job);
    const p = this.procs.get(proc);
    return !!p && this.driver.has(proc) && isDriver(p, TEST_DRIVERS);
  }

  /** Whether file `id` is the tests' (tests.ts testFiles): only they wrote it, no job of the build read it. */
  testFile(id: number): boolean {
    this.tested ??= testFiles(this.model, (proc) => this.inTest(proc));
    return this.tested[id] === 1;
  }

  /**
   * When a unit of these processes ended: when the last of them that did
   * not outlive the build did; if all did (a daemon), at the build's end
   * (outlived.ts). Never before the first of them started.
   */
  private endOf(members: readonly number[]): number {
    // processes that outlived the build (outlived.ts) end no job
    const outlived = outlivedProcs(this.model.outlived);
    let start = Infinity;
    let end = -Infinity;
    for (const id of members) {
      const p = this.procs.get(id)!;
      if (p.start < start) start = p.start;
      if (!outlived.has(id) && p.end > end) end = p.end;
    }
    return Math.max(start, end === -Infinity ? this.model.buildEndTs : end);
  }

  /** Fills a job's inputs and outputs. */
  private io(job: Job, procs: Map<number, Process>): void {
    const firstWrite = new Map<number, number>();
    const firstRead = new Map<number, number>();
    for (const id of job.procs) {
      for (const a of procs.get(id)!.files.values()) {
        if (a.firstWrite >= 0) {
          const w = firstWrite.get(a.file);
          if (w === undefined || a.firstWrite < w) firstWrite.set(a.file, a.firstWrite);
        }
        if (a.kinds & READS) {
          // the access's first use may be a probe: a file the build made was read no earlier than it was made
          const t = Math.max(a.first, this.bornAt(a.file));
          const r = firstRead.get(a.file);
          if (r === undefined || t < r) firstRead.set(a.file, t);
        }
      }
    }
    const members = new Set(job.procs);
    for (const [file, r] of firstRead) {
      const w = firstWrite.get(file);
      // read what it had not written itself before (or at all), or what another job wrote over it in between (a -j race)
      if (w === undefined || r < w || this.overwritten(file, w, r, members)) job.inputs.push(file);
    }
    for (const file of firstWrite.keys()) {
      job.written.push(file);
      const f = this.model.files[file];
      if (!f.removed && !f.dir) job.outputs.push(file);
    }
    job.inputs.sort((a, b) => a - b);
    job.outputs.sort((a, b) => a - b);
    job.written.sort((a, b) => a - b);
  }

  /**
   * A process outside the job wrote `file` after the job did (at `w`) and
   * before the job read it back (at `r`). By first writes (an access keeps
   * no later write times): a process that wrote before `w` and again in
   * between is missed, and a job that writes again after the other's write
   * still counts it.
   */
  private overwritten(file: number, w: number, r: number, members: ReadonlySet<number>): boolean {
    for (const a of this.model.files[file].procs) if (a.firstWrite > w && a.firstWrite < r && !members.has(a.proc)) return true;
    return false;
  }

  /** The job a process belongs to. */
  of(proc: number): Job | undefined {
    return this.byProc.get(proc);
  }

  /** The job rooted at `proc`. */
  get(proc: number): Job | undefined {
    const j = this.byProc.get(proc);
    return j && j.proc === proc ? j : undefined;
  }

  /** When `file` came to be, if the build made it (the first write of any process, ns; nothing read it before); -Infinity for a file that was there before. */
  bornAt(file: number): number {
    if (!this.born) {
      const files = this.model.files;
      const born = new Float64Array(files.length).fill(-Infinity);
      for (const f of files) {
        if (!f.created) continue;
        let t = Infinity;
        for (const a of f.procs) if (a.firstWrite >= 0 && a.firstWrite < t) t = a.firstWrite;
        if (t < Infinity) born[f.id] = t;
      }
      this.born = born;
    }
    return this.born[file];
  }

  /** When `unit` began writing `file` (ns); Infinity if it did not. */
  firstWrite(unit: Job, file: number): number {
    let t = Infinity;
    for (const id of unit.procs) {
      const a = this.procs.get(id)!.files.get(file);
      if (a && a.kinds & WRITES && a.firstWrite >= 0 && a.firstWrite < t) t = a.firstWrite;
    }
    return t;
  }

  /**
   * Until when `unit` may have written `file` (ns): per process that wrote
   * it, the access's lastWrite, or the process's end if it held a write fd
   * of it to the end (or one of the unit's processes did, inherited);
   * -Infinity if the unit did not write it.
   */
  writtenUntil(unit: Job, file: number): number {
    let t = -Infinity;
    for (const id of unit.procs) {
      const p = this.procs.get(id)!;
      if (p.heldWrite?.includes(file)) {
        if (p.end > t) t = p.end;
        continue;
      }
      const a = p.files.get(file);
      if (a && a.lastWrite > t) t = a.lastWrite;
    }
    return t;
  }

  /**
   * When `unit` began reading (or running) `file` as it was at `after` or
   * later (ns): the first use of its accesses that read it and still used it
   * then, and not before the file came to be; Infinity if it did not.
   */
  readFrom(unit: Job, file: number, after = -Infinity): number {
    let t = Infinity;
    for (const id of unit.procs) {
      const a = this.procs.get(id)!.files.get(file);
      if (a && a.kinds & READS && a.last >= after && a.first < t) t = a.first;
    }
    return t === Infinity ? t : Math.max(t, after, this.bornAt(file));
  }

  /**
   * When `file`'s old content was thrown away (ns, in order): the first
   * write of each access that truncated it, created it anew or renamed
   * another file onto it. What was written before such a time is gone
   * after it (a -j race: `cp b.in shared.tmp` over a.in's copy). A unit
   * that read the file before rewriting it (ranlib, strip, sed -i: a
   * temporary renamed onto it) made the new content of the old: no reset.
   */
  resetsOf(file: number): number[] {
    const out: number[] = [];
    for (const a of this.model.files[file].procs) {
      if (a.firstWrite < 0 || !(a.kinds & (Kind.TRUNCATE | Kind.CREATE | Kind.RENAME_TO))) continue;
      const unit = this.unit(a.proc);
      const readFirst = unit?.procs.some((id) => {
        const b = this.procs.get(id)?.files.get(file);
        return b !== undefined && (b.kinds & READS) !== 0 && b.first < a.firstWrite;
      });
      if (!readFirst) out.push(a.firstWrite);
    }
    return out.sort((x, y) => x - y);
  }

  /** The inputs of `unit` it began reading by `until` (ns): what a file it was done writing then can be made of. */
  inputsBy(unit: Job, until: number): number[] {
    if (until >= unit.end) return unit.inputs;
    const early = new Set<number>();
    for (const id of unit.procs) {
      for (const a of this.procs.get(id)!.files.values()) if (a.kinds & READS && a.first <= until && this.bornAt(a.file) <= until) early.add(a.file);
    }
    return unit.inputs.filter((i) => early.has(i));
  }

  /** `unit` read `file` and then wrote it without truncating, re-creating or replacing it: it edited the content it found (go stamping a build ID, ranlib). */
  editsInPlace(unit: Job, file: number): boolean {
    for (const id of unit.procs) {
      const a = this.procs.get(id)!.files.get(file);
      if (a && a.kinds & READS && a.first < a.firstWrite && !(a.kinds & (Kind.TRUNCATE | Kind.CREATE | Kind.RENAME_TO))) return true;
    }
    return false;
  }

  /**
   * Which of the inputs of `unit` what it wrote to `output` is made of, as a
   * test per input, of those it began reading by the time it was done
   * writing `output` (inputsBy); undefined when all of those. For a driver's
   * writes, sourcesOf; for a file only copy tools wrote, copiedInto. deps
   * follows it from `output` to its inputs, rdeps from an input to `output`.
   */
  madeOf(unit: Job, output: number, depth = 0): ((input: number) => boolean) | undefined {
    if (this.drives(unit)) return this.sourcesOf(unit, output, depth);
    return this.copiedInto(unit, output, depth);
  }

  /**
   * For a file that only processes of `unit` running a copy tool wrote
   * (copierOf: cp, install, `cmake -E copy`, and a child of one, strip under
   * `install -s`): the files the copy tool had open (or still read) when it
   * began writing it (copyWindows), and the programs of it and of the
   * writer. A copy of a file the unit made itself (`gen > x && cp x y dir`)
   * is also made of what that file was made of (alsoMadeOf). Undefined for
   * another file, and for a copy of no file the log shows (`cp /dev/stdin
   * out`: made of what its unit read, as any process).
   */
  private copiedInto(unit: Job, output: number, depth: number): ((input: number) => boolean) | undefined {
    let made = this.copied.get(unit)?.get(output);
    if (made) return made;
    const writers = this.model.files[output].procs.filter((a) => a.kinds & WRITES && (this.byProc.get(a.proc) ?? this.lone.get(a.proc)) === unit).map((a) => a.proc);
    if (!writers.length) return undefined;
    const from = new Set<number>();
    for (const id of writers) {
      const copier = this.copierOf(id);
      if (copier === undefined) return undefined;
      const w = this.copyWindows(copier);
      const sources = w.open.get(output);
      if (!sources?.length) return undefined;
      for (const f of sources) from.add(f);
      for (const f of w.runs) from.add(f);
      if (id !== copier) for (const a of this.procs.get(id)!.files.values()) if (a.kinds & Kind.EXEC) from.add(a.file);
    }
    const own = this.alsoMadeOf(unit, [...from], depth, (f) => this.madeOf(unit, f, depth + 1) ?? this.readBy(unit, f));
    made = (input) => from.has(input) || own.some((m) => m(input));
    let byOutput = this.copied.get(unit);
    if (!byOutput) this.copied.set(unit, (byOutput = new Map()));
    byOutput.set(output, made);
    return made;
  }

  /**
   * The copy tool a process writes for (program.ts isCopyTool): itself, or
   * its parent for a process that is no copy tool (strip, which `install -s`
   * runs on each copy). Undefined for another process.
   */
  private copierOf(proc: number): number | undefined {
    let c = this.copier.get(proc);
    if (c === undefined) {
      const p = this.procs.get(proc)!;
      const parent = this.procs.get(p.parent);
      c = isCopyTool(p) ? proc : parent && isCopyTool(parent) ? parent.proc : null;
      this.copier.set(proc, c);
    }
    return c ?? undefined;
  }

  /**
   * For a copy tool's process: per file it (or a child of it that is no
   * copy tool) wrote, the files it had open (or still read) when that write
   * began (openAt; not the programs it ran), and the programs it ran. One
   * sweep over its reads by first use and its writes by first write, made
   * once: a `cp -r` of 20,000 files is not 20,000 scans of its 40,000 files.
   */
  private copyWindows(proc: number): { open: Map<number, number[]>; runs: number[] } {
    let w = this.windows.get(proc);
    if (w) return w;
    const p = this.procs.get(proc)!;
    const reads: FileAccess[] = [];
    const runs: number[] = [];
    const writes = new Map<number, number>();
    for (const a of p.files.values()) {
      if (a.kinds & Kind.EXEC) runs.push(a.file);
      else if (a.kinds & READS) reads.push(a);
      if (a.kinds & WRITES && a.firstWrite >= 0) writes.set(a.file, a.firstWrite);
    }
    for (const c of p.children) {
      if (this.copierOf(c) !== proc) continue; // strip under install; not a copy tool of its own
      for (const a of this.procs.get(c)!.files.values()) if (a.kinds & WRITES && a.firstWrite >= 0 && !writes.has(a.file)) writes.set(a.file, a.firstWrite);
    }
    reads.sort((x, y) => x.first - y.first);
    const order = [...writes].sort((x, y) => x[1] - y[1]);
    const open = new Map<number, number[]>();
    let active: FileAccess[] = [];
    let next = 0;
    for (const [file, t] of order) {
      while (next < reads.length && reads[next]!.first <= t) active.push(reads[next++]!);
      active = active.filter((a) => openAt(a, t)); // closed before t: before every later write too
      open.set(file, active.filter((a) => a.file !== file).map((a) => a.file));
    }
    w = { open, runs };
    this.windows.set(proc, w);
    return w;
  }

  /** For those of `files` that `unit` wrote itself (to a depth of 8), what each was made of (`made`). */
  private alsoMadeOf(unit: Job, files: number[], depth: number, made: (file: number) => (input: number) => boolean): ((input: number) => boolean)[] {
    return depth < 8 ? files.filter((f) => this.firstWrite(unit, f) < Infinity).map(made) : [];
  }

  /** The test for the inputs `unit` began reading by the time it was done writing `file` (inputsBy). */
  private readBy(unit: Job, file: number): (input: number) => boolean {
    const by = new Set(this.inputsBy(unit, this.writtenUntil(unit, file)));
    return (input) => by.has(input);
  }

  /**
   * True for a unit in no job that acts as a build driver and started jobs
   * (see sourcesOf): a build driver, or the root, whatever its program (the
   * root always acts as a driver: `python3 setup.py build_ext --inplace`
   * copies the extension its link job made into place).
   */
  drives(unit: Job): boolean {
    if (this.byProc.get(unit.proc) === unit) return false;
    const p = this.procs.get(unit.proc);
    return !!p && (this.roots.has(p.proc) || this.driver.has(p.proc)) && p.children.some((c) => this.byProc.has(c));
  }

  /**
   * For a unit that drives (drives()): which of its inputs what it wrote to
   * `output` can be made of (a test per input; what depends only on
   * `output` is worked out once). A file it moved or hard-linked onto
   * `output` is its source (and, if it wrote that source itself, what that
   * was made of); else its program, the sources in the start directory it
   * read by then (Cargo.toml before Cargo.lock, the Makefile behind make's
   * `$(file >out)`), and what it was reading when it began writing `output`
   * (go copies the program its link job made; not what it read later while
   * it held a lock file open), unless it read `output` and then wrote it
   * without truncating it: an edit in place (go stamping its build ID into
   * what compile made), made of the old content. What it read elsewhere
   * before, it read for itself: a toolchain's files hashed for staleness
   * checks, a registry, a cache.
   */
  sourcesOf(unit: Job, output: number, depth = 0): (input: number) => boolean {
    const moved = this.movedOnto(unit, output);
    if (moved.length) {
      const from = new Set(moved);
      const own = this.alsoMadeOf(unit, moved, depth, (f) => this.sourcesOf(unit, f, depth + 1));
      return (input) => from.has(input) || own.some((made) => made(input));
    }
    // beside a file it moved into place: that file's dependency list (target/debug/app.d beside app), of what it is
    const beside = depth < 8 ? this.movedBeside(unit, output) : [];
    if (beside.length) {
      const made = beside.map((f) => this.sourcesOf(unit, f, depth + 1));
      return (input) => made.some((m) => m(input));
    }
    const named = this.namedFor(output);
    if (named.size) return (input) => named.has(input) || this.runs(unit, input);
    const from = this.firstWrite(unit, output);
    const until = this.writtenUntil(unit, output);
    const inPlace = this.editsInPlace(unit, output);
    const tree = this.model.header.cwd;
    return (input) => {
      // a source in the start directory (not one the build made: target/, the fingerprints)
      const f = this.model.files[input];
      const inTree = !!tree && !(f.kinds & WRITES) && relativeInside(tree, f.path) !== undefined;
      if (this.runs(unit, input)) return true;
      for (const id of unit.procs) {
        const a = this.procs.get(id)!.files.get(input);
        if (!a) continue;
        if (inPlace || !(a.kinds & READS)) continue;
        if (inTree && a.first <= until) return true;
        // a copy: open (or still read) when the write began; not what it read while it held a lock file open
        if (openAt(a, from)) return true;
      }
      return false;
    };
  }

  /** A process of `unit` ran `file` (its program: an input of all it writes). */
  private runs(unit: Job, file: number): boolean {
    return unit.procs.some((id) => ((this.procs.get(id)!.files.get(file)?.kinds ?? 0) & Kind.EXEC) !== 0);
  }

  /** The files `unit` renamed or hard-linked onto `output`. */
  movedOnto(unit: Job, output: number): number[] {
    const links = (this.linksTo ??= linksByDestination(this.model)).get(output) ?? [];
    return links.filter((l) => l.proc !== undefined && unit.procs.includes(l.proc)).map((l) => l.from);
  }

  /**
   * The files `unit` moved into place whose name is `output`'s without its
   * extension, or the other way (cargo's target/debug/libfoo.d beside the
   * libfoo.rlib it hard-linked there): none for a file it moved itself (a
   * temporary renamed onto its name is not beside it).
   */
  private movedBeside(unit: Job, output: number): number[] {
    const byProc = (this.linksBy ??= linksByProcess(this.model));
    const links = unit.procs.flatMap((p) => byProc.get(p) ?? []);
    if (!links.length || links.some((l) => l.from === output || l.to === output)) return [];
    const files = this.model.files;
    const stem = stemOf(files[output].path);
    return links.filter((l) => stemOf(files[l.to].path) === stem).map((l) => l.to);
  }

  /**
   * The files a file's name says it is made of: for each unit name in its
   * path (unitNames) that only one job put in the names of files it wrote,
   * those files. Cargo names a unit's fingerprint directory, build script
   * directory and products by one hash (tinyhex-3a64aba694bd0601); go's
   * work directory (/tmp/go-build123…) is every job's, and names none.
   */
  private namedFor(output: number): Set<number> {
    const files = this.model.files;
    if (!this.named) {
      const named = new Map<string, Job | null>();
      for (const job of this.jobs) {
        for (const f of job.written) {
          for (const n of unitNames(files[f].path)) {
            const other = named.get(n);
            named.set(n, other === undefined || other === job ? job : null);
          }
        }
      }
      this.named = named;
    }
    const out = new Set<number>();
    for (const n of unitNames(files[output].path)) {
      const job = this.named.get(n);
      if (job) for (const f of job.written) if (f !== output && unitNames(files[f].path).includes(n)) out.add(f);
    }
    return out;
  }

  /**
   * The files `unit` handed on that it was still writing at `from` or later
   * (ns): what a file it began reading then can go into. Handed on: its
   * outputs, and the files it wrote that are gone at the end but that
   * another unit read or moved first (a directory another job renamed into
   * place).
   */
  outputsFrom(unit: Job, from: number): number[] {
    let out = unit.outputs;
    for (const id of unit.written) {
      const f = this.model.files[id];
      if (f.removed && !f.dir && f.procs.some((a) => a.kinds & READS && this.unit(a.proc) !== unit)) {
        if (out === unit.outputs) out = [...out];
        out.push(id);
      }
    }
    if (out !== unit.outputs) out.sort((a, b) => a - b);
    return from <= unit.start ? out : out.filter((o) => this.writtenUntil(unit, o) >= from);
  }

  /** Whether process `proc` runs a build driver (DEFAULT_DRIVERS and --driver, a command runner that drove: runners.ts). */
  runsDriver(proc: number): boolean {
    return this.driver.has(proc);
  }

  /**
   * The unit of work of a process: its job, or for a process in no job (a
   * driver, the root) the process alone, as a job of one (not in `jobs`).
   * Undefined for an unknown process.
   */
  unit(proc: number): Job | undefined {
    const j = this.byProc.get(proc) ?? this.lone.get(proc);
    if (j) return j;
    const p = this.procs.get(proc);
    if (!p) return undefined;
    const one: Job = { proc, procs: [proc], start: p.start, end: this.endOf([proc]), inputs: [], outputs: [], written: [] };
    this.io(one, this.procs);
    this.lone.set(proc, one);
    return one;
  }
}

/** The access had the file open (or still read it) at `t` (ns): what a write that began then can be a copy of. */
function openAt(a: FileAccess, t: number): boolean {
  return a.first <= t && Math.max(a.last, a.closed) >= t;
}

/**
 * The hashes in a path that can name a unit of a build: 12 or more
 * lowercase hex digits with a letter among them (not a pid, a time or a
 * mktemp's digits), between non-alphanumerics (cargo's
 * `tinyhex-3a64aba694bd0601`, not go's `go-build4061131759`).
 */
function unitNames(path: string): string[] {
  return (path.match(/(?<![0-9A-Za-z])[0-9a-f]{12,}(?![0-9A-Za-z])/g) ?? []).filter((n) => /[a-f]/.test(n));
}

/** A path without its last component's extension. */
function stemOf(path: string): string {
  return path.replace(/(?<=[^/])\.[^./]*$/, '');
}

function linksByProcess(model: BuildModel): Map<number, FileLink[]> {
  const out = new Map<number, FileLink[]>();
  for (const l of model.links) {
    if (l.proc === undefined) continue;
    const list = out.get(l.proc);
    if (list) list.push(l);
    else out.set(l.proc, [l]);
  }
  return out;
}

function linksByDestination(model: BuildModel): Map<number, FileLink[]> {
  const out = new Map<number, FileLink[]>();
  for (const l of model.links) {
    const list = out.get(l.to);
    if (list) list.push(l);
    else out.set(l.to, [l]);
  }
  return out;
}

/** Processes of a file's accesses that wrote it (content or existence), in time order. */
export function writersOf(model: BuildModel, file: number): number[] {
  const f = model.files[file];
  return f.procs
    .filter((a) => a.kinds & WRITES)
    .sort((a, b) => a.firstWrite - b.firstWrite)
    .map((a) => a.proc);
}

/** Processes that read the file's content (or ran it), in time order. */
export function readersOf(model: BuildModel, file: number): number[] {
  const f = model.files[file];
  return f.procs
    .filter((a) => a.kinds & READS)
    .sort((a, b) => a.first - b.first)
    .map((a) => a.proc);
}
