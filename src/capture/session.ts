/**
 * One `bt trace` run: cgroup, BPF programs, the build, the drain loop, the
 * log, and a clean end on every path (build exit, Ctrl-C, SIGTERM, errors).
 */
import fs from 'node:fs';
import os from 'node:os';
import { CaptureError, LogError, UsageError } from '../errors.js';
import type { LogHeader, LogRecord, Trailer } from '../log/schema.js';
import { FORMAT_VERSION, RING_FORMAT_VERSION } from '../log/kinds.js';
import { RingBatcher } from '../log/ring/batcher.js';
import { LogWriter } from '../log/writer.js';
import { checkReplace } from '../log/replace.js';
import { SELF, asUser, invokingUser, openOutputInPlace, stillFile, useIdentitySwitch, type OutputFile, type Owner } from '../log/output.js';
import { threadIdentitySwitch } from './identity.js';
import { BT_VERSION } from '../version.js';
import { BtBpf, describeLoader } from './bpf.js';
import { earlyLoadSettled } from './load.js';
import { DEFAULT_RING_BYTES, LAUNCHER_PATH, OBJECT_PATH } from './install.js';
import { TraceCgroup } from './cgroup.js';
import { CFG, LAYOUT, ringLayoutId, T } from '../log/ring/layout.js';
import { CLOCK_BOOTTIME, CLOCK_REALTIME, clockNs, startWriteback, tryLock } from './native.js';
import { Progress, buildEnded } from './progress.js';
import { commandLine } from '../present/format.js';
import { startProfile } from './profile.js';
import { RingReader, nextDrainMs, quietPollMs } from './ring.js';
import { mark, monotonicNs, reportBpfStats, reportTiming, timingEnabled, timingNote } from './timing.js';
import { adoptEarlyLaunch, adoptStarted, launch, type Launched } from './launch.js';
import { frontDeclined, frontStartsBuild } from './front-load.js';
import { frontStarted, killStartedBuild, releaseStarted, type FrontStart } from './front-start.js';
import { Transcoder } from '../log/ring/transcode.js';
import { exactCwd, exactEnv } from './rawargs.js';
import { isTerminal } from '../log/io.js';
import { buildEnv, buildUser, checkBtf, checkPrivileges, resolveCommand } from './user.js';
import { localUsrMerge, usrMergeOption } from '../log/usrmerge.js';

export interface TraceOptions {
  output: string;
  command: string[];
  ringBytes: number;
  graceMs: number;
  env: boolean;
  files: boolean;
  asRoot: boolean;
  /** A live progress line is wanted: drawn when stderr is a terminal (asked once the build runs: process.stderr costs ~3 ms to make). */
  progress: boolean;
  /** -q: no line while bt waits for processes that outlived the command. */
  quiet?: boolean;
  /** Drain interval when the ring is quiet (default: quietPollMs). */
  pollMs?: number;
  /** --force: -o replaces a file that is not a bt log too (log/replace.ts). */
  force?: boolean;
  /** --redact: every match in argv and environment values is replaced by "***" before it reaches the log. */
  redact?: RegExp[];
}

/**
 * bt's nice while the ring fills up: above the build and anything else
 * running at nice 0 (a CPU hog on another core), so that the drain keeps
 * up instead of the kernel dropping events. bt runs as root, which may
 * raise its priority.
 */
const BOOST_NICE = -10;
/** The drain interval at the start and while records come fast (nextDrainMs). */
const BUSY_POLL_MS = 20;
/** How often the kernel is asked for the counts of repeated lookups that live threads hold. */
const SWEEP_MS = 1000;

/** bt trace's exit status when the log could not be written to the end (EX_IOERR). */
export const EXIT_LOG_FAILED = 74;

export interface TraceResult {
  /** The build's status, or EXIT_LOG_FAILED when the log could not be completed. */
  exitStatus: number;
  /** The build's own status (128+signal when killed). */
  buildStatus: number;
  /** The signal that killed the build, if one did. */
  buildSignal?: number;
  /** The log could not be written to the end (see EXIT_LOG_FAILED). */
  logFailed: boolean;
  /** The build removed the log (or put another file in its place): what was written is gone with it. */
  logGone?: boolean;
  /** The build wrote into the log in place (truncated it, wrote over its start): what it did, for a message. */
  logDamaged?: string;
  /** The log is a regular file (not a FIFO, a device or stdout): one a reader can be pointed at afterwards. */
  logIsFile?: boolean;
  records: number;
  bytes: number;
  lost: Record<string, number>;
  /** The processes still running when bt stopped waiting for them, left outside the trace. */
  leftovers: Leftover[];
  /** A Ctrl-C (SIGINT) ended the wait for them before the grace period did. */
  waitStopped: boolean;
}

/** A process of the build that outlived it: its pid and command line (/proc/PID/cmdline; undefined once gone). */
export interface Leftover {
  pid: number;
  argv: string[] | undefined;
}

const FILE_TYPES = ['open', 'close', 'dup', 'pipe', 'chdir', 'path', 'path2', 'lookup', 'readdir', 'meta'];
const RING_FILE_TYPES = [T.OPEN, T.CLOSE, T.DUP, T.PIPE, T.CHDIR, T.PATH, T.PATH2, T.LOOKUP, T.READDIR, T.META];

/** Runs the command under the tracer; resolves when everything is cleaned up. */
export async function runTrace(opts: TraceOptions): Promise<TraceResult> {
  mark('loaded');
  // bt's executable may have started the build already (front-start.ts): nothing here may start it again, and a
  // trace that stops before it runs its drain loop stops that build too (a build nobody records is not left running)
  const started = frontStartsBuild() ? await startedTrace(opts) : undefined;
  const draining = { now: false };
  try {
    return await traceWith(opts, started, draining);
  } catch (err) {
    if (started && !draining.now) killStartedBuild(started.cgroupDir);
    throw err;
  }
}

async function traceWith(opts: TraceOptions, started: FrontStart | undefined, draining: { now: boolean }): Promise<TraceResult> {
  checkBtf();
  checkPrivileges();
  if (!opts.command.length) throw new CaptureError('E_USAGE', 'no command given: bt trace -o FILE -- COMMAND [ARGS...]');
  if (opts.command[0] === '') throw new CaptureError('E_NO_COMMAND', 'the command is an empty string');
  const ringBytes = checkRingSize(opts.ringBytes);
  const cwd = exactCwd();
  const user = buildUser(opts.asRoot);
  const env = buildEnv(user, exactEnv(process.env));
  const owner: Owner = user.uid >= 0 ? { uid: user.uid, gid: user.gid, name: user.name } : SELF;
  // the log is the sudo user's even when the build runs as root (--as-root)
  const logOwner = opts.asRoot ? invokingUser() : owner;
  // the user's identity for the main thread alone, while the programs load as root beside it (capture/identity.ts)
  const perThread = threadIdentitySwitch();
  if (perThread) useIdentitySwitch(perThread);
  else if (owner !== SELF || logOwner !== SELF) await earlyLoadSettled(); // a process-wide switch would take the loading thread's root too
  const exe = started ? '' : asUser(owner, () => resolveCommand(opts.command[0], env, cwd, owner));
  if (!fs.existsSync(LAUNCHER_PATH)) {
    throw new CaptureError('E_NO_LAUNCHER', `${LAUNCHER_PATH} is missing: run npm run build`);
  }
  const cleanup: Array<() => void> = [];
  const runCleanup = () => {
    for (const fn of cleanup.splice(0).reverse()) {
      try {
        fn();
      } catch {
        /* keep cleaning */
      }
    }
  };
  process.once('exit', runCleanup); // last resort, e.g. an uncaught error

  try {
    // The cgroup and the launcher in it, made by the head start (cli/early.ts)
    // while the programs load, or here: a cgroup move waits ~10 ms for RCU.
    const early = started ? undefined : adoptEarlyLaunch();
    // (the cgroup bt's executable made: runTrace kills the build when it is not one bt would use)
    const cg = started ? TraceCgroup.adopt(started.cgroupDir, started.cgroupId, started.cgroupLevel) : (early?.cg ?? TraceCgroup.create());
    cleanup.push(() => cg.remove());
    // a build bt's executable started and bt could not take to its drain loop: killed, all of it, before its cgroup goes
    if (started) cleanup.push(() => (draining.now ? undefined : cg.signalAll('SIGKILL')));
    if (cg.note) process.stderr.write(`bt: note: ${cg.note}\n`);
    mark('cgroup');
    const child = started ? adoptStarted(started, frontPid()) : (early?.child ?? launch(LAUNCHER_PATH, cg.procsFile));
    cleanup.push(child.killIfRunning);
    const rootPid = child.pid;
    // sent first: the launcher takes the user's groups (initgroups, ~1.5 ms) while bt opens the log and takes the programs
    child.command({ uid: user.uid, gid: user.gid, path: exe, argv: opts.command, env });
    mark('spawn', started?.marks.launcher);
    // The log is opened (and locked) before the build can run: a log that
    // cannot be written stops bt here, and the launcher, which never gets
    // its go, runs nothing. (bt's executable opened it so, for the build it started.)
    const out: OutputFile = started ? { path: opts.output, fd: started.logFd, kind: 'file', commit() {}, abort() {} } : openTraceOutput(opts.output, logOwner, !!opts.force);
    const logId = fs.fstatSync(out.fd);
    let outOwned = true; // closed here until a LogWriter owns it
    cleanup.push(() => {
      if (outOwned && out.kind !== 'stdout') fs.closeSync(out.fd);
    });
    // The log's header is made while the programs load, its encoder too (made
    // at its first use); it is written once they are attached, with the
    // trace's start: nothing is written for a build that never runs.
    // The kernel's records go to the log as they come (log/ring/batcher.ts),
    // unless --redact must rewrite them first.
    const rawRing = !opts.redact?.length;
    const header: LogHeader = {
      format_version: rawRing ? RING_FORMAT_VERSION : FORMAT_VERSION,
      ...(rawRing ? { ring_layout: ringLayoutId() } : {}),
      bt_version: BT_VERSION,
      kernel_release: os.release(),
      hostname: os.hostname(),
      clock: 'CLOCK_BOOTTIME',
      boot_to_wall_ns: 0, // below
      command: opts.command.map((a) => redactText(a, opts.redact)),
      cwd,
      uid: user.uid >= 0 ? user.uid : (process.getuid?.() ?? 0),
      gid: user.gid >= 0 ? user.gid : (process.getgid?.() ?? 0),
      options: {
        ring_bytes: String(ringBytes),
        grace_ms: String(opts.graceMs),
        env: String(opts.env),
        files: String(opts.files),
        as_root: String(opts.asRoot),
        // which of /bin, /sbin, /lib… are links into /usr: the answers list /bin/sh and /usr/bin/sh as one file then (model/usrmerge.ts)
        merged_usr: usrMergeOption(localUsrMerge()),
        ...(opts.redact?.length ? { redact: `${opts.redact.length} pattern${opts.redact.length === 1 ? '' : 's'}` } : {}),
      },
      start_ts: 0, // below
      normalized: false,
      root_pid: rootPid,
      source: '',
    };
    LogWriter.prepare(header);
    const flags = (opts.env ? CFG.ENV : 0) | (opts.files ? CFG.FILES : 0);
    const bpf = await BtBpf.open({ objectPath: OBJECT_PATH, cgroupId: cg.id, cgroupLevel: cg.level, flags, ringBytes, adoptOnly: !!started });
    cleanup.push(() => bpf.close());
    mark('bpf_load', started?.marks.ready);
    timingNote(describeLoader(bpf.loader));
    const declined = frontDeclined();
    if (started) timingNote("the build started by bt's executable, beside Node's start");
    else if (declined) timingNote(`the build started here: bt's executable did not start it (${declined})`);
    // The launcher has taken the user's groups (reading /etc/group) before anything is traced.
    child.ready();
    if (!started) bpf.arm(); // bt's executable wrote the configuration of the build it started
    mark('attach', started?.marks.ready);
    const stopProfile = startProfile();
    if (stopProfile) cleanup.push(stopProfile);

    const clock = started ?? sampleClock();
    header.start_ts = clock.bootNs;
    header.boot_to_wall_ns = clock.bootToWallNs;
    // CLOCK_BOOTTIME less CLOCK_MONOTONIC, for the timing marks of the kernel's own times (the build's exec and exit)
    const bootLessMono = timingEnabled ? clockNs(CLOCK_BOOTTIME) - monotonicNs() : 0;
    let writer: LogWriter;
    try {
      outOwned = false;
      writer = LogWriter.onOutput(out, header, { writeBehind: startWriteback });
    } catch (err) {
      child.kill('SIGKILL'); // it never ran the build (unless bt's executable started it)
      if (started) cg.signalAll('SIGKILL');
      // Nothing of the launcher keeps bt running before the go: a timer
      // does, until it is reaped (else bt would end here, silently, with 0).
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([child.done, new Promise((r) => (timer = setTimeout(r, 2000)))]);
      clearTimeout(timer);
      throw err;
    }
    cleanup.push(() => writer.close());
    mark('writer');
    child.go();
    mark('go', started?.marks.go);
    void child.done.then(() => mark('build_exit'), () => {});
    // Mapped once the build is on its way (ring.ts maps it as far as it has
    // been written): its first events wait in the kernel's ring meanwhile.
    const ring = new RingReader(bpf.ringFd, ringBytes);
    cleanup.push(() => ring.close());
    draining.now = true;
    if (started) releaseStarted(started);
    const res = await new Tracer(
      opts,
      cg,
      bpf,
      ring,
      writer,
      child.done,
      rootPid,
      child.kill,
      (ts) => mark('build', ts - bootLessMono),
      (ts) => mark('build_end', ts - bootLessMono),
    ).run();
    mark('end');
    const logGone = out.kind === 'file' && !stillFile(out.path, logId);
    const logDamaged = out.kind === 'file' && !logGone && !res.logFailed ? writer.damage : undefined;
    return { ...res, logGone, logIsFile: out.kind === 'file', ...(logDamaged ? { logDamaged } : {}) };
  } finally {
    runCleanup();
    mark('cleanup');
    reportTiming();
    process.removeListener('exit', runCleanup);
  }
}

/** The drain loop and the end-of-trace sequence (exported for its tests, which give it fake rings). */
export class Tracer {
  /** Decodes the records at capture time (--redact), or undefined: they are logged as they come (batcher). */
  private readonly transcoder: Transcoder | undefined;
  private readonly batcher: RingBatcher | undefined;
  private readonly progress: Progress;
  private readonly startMs = Date.now();
  private lastLost: Record<string, number> = {};
  private lastLostTs: number;
  private lastLostTotal = 0;
  private readonly bootOffset = clockNs(CLOCK_BOOTTIME) - Number(process.hrtime.bigint());
  private niced = false;
  private lastFlushMs = Date.now();
  private started = 1;
  private exited = 0;
  private interrupts = 0;
  /** The command has exited: bt waits for the processes that outlived it (a SIGINT stops that). */
  private waiting = false;
  private stopWaiting = false;
  private buildSeen = false;
  private lastSweepMs = Date.now();
  private sweepFailed = false;

  constructor(
    private readonly opts: TraceOptions,
    private readonly cg: TraceCgroup,
    private readonly bpf: BtBpf,
    private readonly ring: RingReader,
    private readonly writer: LogWriter,
    private readonly child: Promise<Launched>,
    private readonly rootPid: number,
    /** Signals the build's root process (not once it is reaped: its pid may be reused). */
    private readonly killRoot: (sig: NodeJS.Signals) => void,
    private readonly onBuildStart: (ts: number) => void = () => {},
    private readonly onBuildEnd: (ts: number) => void = () => {},
  ) {
    if (opts.redact?.length) {
      this.transcoder = new Transcoder(writer, (r) => this.onRecord(r), true);
    } else {
      this.batcher = new RingBatcher();
      if (timingEnabled) this.batcher.watch = (type, buf, dv, off, len) => this.onRingRecord(type, buf, dv, off, len);
    }
    // asked here, once the build runs: process.stderr (~3 ms to make) is made only for a terminal
    this.progress = new Progress(opts.progress && isTerminal(2));
    this.lastLostTs = this.bootNow();
  }

  /** Records of the object path (all but open/close), before they are written. */
  private onRecord(r: LogRecord): void {
    if (r.exec && this.opts.redact?.length) redactExec(r.exec, this.opts.redact);
    if (timingEnabled && r.exec && r.pid === this.rootPid && !r.exec.errno) this.rootExec(r.exec.path, r.ts);
    if (r.fork) {
      if (!r.fork.thread) this.started++;
    } else if (r.exit) {
      this.exited++;
      if (timingEnabled && r.pid === this.rootPid && r.tid === r.pid) this.onBuildEnd(r.ts);
    }
  }

  /** An EXEC or EXIT ring record (with timing on): the build's first instruction and its end. */
  private onRingRecord(type: number, buf: Buffer, dv: DataView, off: number, len: number): void {
    const H = LAYOUT.bt_hdr.fields;
    if (dv.getUint32(off + H.pid, true) !== this.rootPid) return;
    const ts = Number(dv.getBigUint64(off + H.ts, true));
    if (type === T.EXIT) {
      if (dv.getUint32(off + H.tid, true) === this.rootPid) this.onBuildEnd(ts);
      return;
    }
    const X = LAYOUT.bt_exec.fields;
    if (this.buildSeen || len < LAYOUT.bt_exec.size || dv.getInt32(off + X.ret, true) !== 0) return;
    const path = off + LAYOUT.bt_exec.size;
    const n = Math.min(dv.getUint16(off + X.filename_len, true), len - LAYOUT.bt_exec.size);
    this.rootExec(buf.toString('latin1', path, path + n).replace(/\0$/, ''), ts);
  }

  /** A successful exec by the build's root process: the first not of the launcher (the command, a script's too) starts the build. */
  private rootExec(path: string, ts: number): void {
    if (this.buildSeen || path === LAUNCHER_PATH) return;
    this.buildSeen = true;
    this.onBuildStart(ts);
  }

  /** The log could not be written (disk full...): the build goes on, its events are dropped. */
  logFailure: LogError | undefined;

  /** Runs a step that writes the log; a write failure is reported once and the trace goes on untraced. */
  private guarded(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (!(err instanceof LogError) || this.logFailure) throw err;
      this.logFailure = err;
      this.progress.clear();
      const w = this.writer;
      process.stderr.write(
        `bt: ${err.message.replace(/\. .*$/, '')}: the log keeps its first ${formatCount(w.bytesOnDisk)} bytes, readable up to there (no trailer); ` +
          `the build goes on untraced and bt will exit with status ${EXIT_LOG_FAILED}\n`,
      );
    }
  }

  private drain(): number {
    let n = 0;
    this.guarded(() => {
      n = this.drainOnce();
    });
    return n;
  }

  /**
   * Has the kernel send the counts of the repeated lookups that live
   * threads hold (about once a second, while bt holds lookups waiting for
   * them). Without it (an error), the counts come when each thread exits.
   */
  private sweep(force = false): void {
    if (this.sweepFailed) return;
    const b = this.batcher;
    // With ring batches, bt does not know exactly which lookups wait: the
    // sweeps that end a trace always run, and so do those while the ring is
    // behind (flagged lookups bt has not read yet may be in it).
    const waiting = b ? force || b.waitingCounts > 0 || b.flaggedSinceSweep > 0 : this.transcoder!.heldRepeats > 0;
    if (!waiting && this.ring.pending() === 0) return;
    const now = Date.now();
    if (!force && now - this.lastSweepMs < SWEEP_MS) return;
    this.lastSweepMs = now;
    if (b) b.flaggedSinceSweep = 0;
    try {
      this.bpf.sweep();
    } catch (err) {
      this.sweepFailed = true;
      this.progress.clear();
      process.stderr.write(`bt: ${(err as Error).message}: repeated lookups are counted until their thread exits\n`);
    }
  }

  private drainOnce(): number {
    let n = 0;
    const t = this.transcoder;
    const b = this.batcher;
    const sink = t
      ? (buf: Buffer, dv: DataView, off: number, len: number) => t.record(buf, dv, off, len)
      : (buf: Buffer, dv: DataView, off: number, len: number) => b!.record(buf, dv, off, len);
    const beforeRelease = b ? () => b.flushSpan() : undefined;
    for (;;) {
      // Decided before each chunk, not after the whole drain: at nice 10 on a
      // busy machine a long drain would itself fall behind. The sweep too: a
      // drain that never catches up would otherwise keep the counts of the
      // lookups it reads in the kernel until it does, seconds later than
      // their lookups in the log (and the normalizer's window).
      this.sweep();
      this.adjustPriority(this.ring.pending());
      // ring batches of at most 64 KiB: a disk that fills up keeps every batch written whole before it
      const got = this.ring.drain(sink, b ? 64 * 1024 : 2 * 1024 * 1024, beforeRelease);
      n += got;
      this.writeBatch();
      if (got === 0 || this.ring.pending() === 0) break;
    }
    t?.flush();
    this.recordLosses();
    if (Date.now() - this.lastFlushMs >= 500) {
      this.writer.flush();
      this.lastFlushMs = Date.now();
    }
    this.progress.update(this.stats());
    return n;
  }

  /** Logs the ring records of the last drain (a batch of at most ~64 KiB). */
  private writeBatch(): void {
    const bytes = this.batcher?.take();
    if (bytes) this.writer.appendRing(bytes);
  }

  /** What bt could not complete at capture time: with --redact, what its decoding found (the readers of ring batches find it themselves). */
  private ownLosses(): { incomplete_exec: number; repeat_count: number } {
    return this.transcoder?.losses() ?? { incomplete_exec: 0, repeat_count: 0 };
  }

  /** CLOCK_BOOTTIME now, from the monotonic clock (no native call per drain). */
  private bootNow(): number {
    return Number(process.hrtime.bigint()) + this.bootOffset;
  }

  /** Writes in-band records for events the kernel could not deliver (or bt complete) since the last drain. */
  private recordLosses(): void {
    const now = this.bootNow();
    const own = this.ownLosses();
    const total = this.bpf.lostTotal() + own.incomplete_exec + own.repeat_count;
    if (total === this.lastLostTotal) {
      this.lastLostTs = now;
      return;
    }
    this.lastLostTotal = total;
    const lost = { ...this.bpf.lost(), ...own };
    for (const [reason, total] of Object.entries(lost)) {
      const delta = total - (this.lastLost[reason] ?? 0);
      if (delta > 0) {
        this.writer.write({ ts: now, pid: 0, tid: 0, lost: { count: delta, reason, from_ts: this.lastLostTs, to_ts: now } });
      }
    }
    this.lastLost = lost;
    this.lastLostTs = now;
  }

  private stats() {
    const lost = Object.values(this.bpf.lost()).reduce((a, b) => a + b, 0);
    const b = this.batcher;
    const counts = this.writer.counts;
    const started = b ? 1 + b.forks : this.started;
    return {
      elapsedMs: Date.now() - this.startMs,
      started,
      running: Math.max(0, started - (b ? b.byType[T.EXIT]! : this.exited)),
      fileEvents: b ? RING_FILE_TYPES.reduce((a, k) => a + b.byType[k]!, 0) : FILE_TYPES.reduce((a, k) => a + (counts[k] ?? 0), 0),
      bytes: this.writer.bytesWritten,
      lost,
    };
  }

  /**
   * bt drains at nice 10 so that its work fills the build's idle moments
   * instead of taking CPU from it; while the ring is filling up it goes back
   * up so that it cannot fall behind and lose events. (The build was
   * started before and keeps its own priority.) Every thread of bt: a nice
   * value is a thread's own, and V8's compiler and garbage-collector
   * threads took as much CPU as the drain loop on the configure, at the
   * build's priority. Back to nice 10 only below half the threshold, so
   * that a ring hovering at it does not flip every thread's priority at
   * every drain.
   */
  private adjustPriority(pending: number): void {
    const want = pending < this.ring.size / (this.niced ? 16 : 32);
    if (want === this.niced) return;
    try {
      os.setPriority(0, want ? 10 : BOOST_NICE); // the calling thread: bt's drain loop
      this.niced = want;
    } catch {
      return; /* not permitted: keep the priority we have */
    }
    for (const tid of threadIds()) {
      try {
        os.setPriority(tid, want ? 10 : 0);
      } catch {
        /* gone, or not permitted: its priority stays */
      }
    }
  }

  private onSignal = (sig: NodeJS.Signals) => {
    // signals that ask nothing to end: passed on, every time
    if (PASSED_ON.includes(sig)) {
      this.killRoot(sig);
      return;
    }
    // the command is over: a Ctrl-C stops the wait and leaves what still runs running, as the grace period's end
    // does (a terminal's Ctrl-C reaches the processes of bt's process group as well: only those that ignore it live on)
    if (this.waiting && sig === 'SIGINT') {
      this.stopWaiting = true;
      return;
    }
    this.interrupts++;
    if (this.interrupts === 1) {
      // The build shares bt's process group: a Ctrl-C (or Ctrl-\) on the
      // terminal has already reached every process of it, and a second one
      // could cut short its own clean-up. Anything else was sent to bt
      // alone: pass it on.
      if ((sig === 'SIGINT' || sig === 'SIGQUIT') && onTerminal()) return;
      this.killRoot(sig);
    } else {
      process.stderr.write(`\nbt: ${sig} again: killing every process of the build\n`);
      this.cg.signalAll('SIGKILL');
    }
  };

  async run(): Promise<TraceResult> {
    const signals: NodeJS.Signals[] = [...ENDING, ...PASSED_ON];
    for (const s of signals) process.on(s, this.onSignal);
    const quietMs = this.opts.pollMs ?? quietPollMs(this.ring.size, os.availableParallelism());
    const busyMs = Math.min(BUSY_POLL_MS, quietMs);
    let lastMs = 0;
    let lastProduced = 0;
    let timer: NodeJS.Timeout | undefined;
    const loop = () => {
      const drained = this.drain();
      const now = Date.now();
      const produced = this.ring.produced();
      const bytesPerMs = lastMs > 0 ? (produced - lastProduced) / Math.max(1, now - lastMs) : undefined;
      lastMs = now;
      lastProduced = produced;
      timer = setTimeout(loop, nextDrainMs({ ringBytes: this.ring.size, drained, pending: this.ring.pending(), bytesPerMs, quietMs, busyMs }));
    };
    try {
      loop();
      const result = await this.child;
      const buildStatus = statusOf(result.exitCode, result.signal);
      const leftovers = await this.waitForLeftovers(buildStatus, result.signal ?? 0);
      clearTimeout(timer);
      // Every process of the build has exited (or was left running): its
      // records are in the ring. Stop new events, then drain to the end.
      if (timingEnabled) reportBpfStats(this.bpf.runStats());
      this.bpf.detach();
      // Threads left running may hold counts of lookups still in the ring:
      // drain, sweep, and drain what the sweep sent.
      this.drain();
      this.sweep(true);
      this.drain();
      mark('drained');
      this.guarded(() => {
        this.transcoder?.finish();
        this.batcher?.finish();
        this.writeBatch();
        this.recordLosses();
      });
      const lost = this.bpf.lost();
      for (const [reason, n] of Object.entries(this.ownLosses())) if (n) lost[reason] = n;
      const trailer: Trailer = {
        end_ts: clockNs(CLOCK_BOOTTIME),
        exit_status: buildStatus,
        exit_code: result.exitCode ?? 0,
        exit_signal: result.signal ?? 0,
        records: this.writer.records,
        counts: { ...this.writer.counts },
        ...(this.batcher ? { ring_records: this.batcher.records } : {}),
        lost,
        // "PID CMDLINE", the arguments joined by spaces (model/outlived.ts)
        leftover: leftovers.map((l) => `${l.pid} ${l.argv?.filter(Boolean).join(' ') ?? '?'}`),
        ...ownUsage(),
      };
      this.guarded(() => this.writer.close(trailer));
      mark('closed');
      this.progress.clear();
      return {
        // after the close: its last write may be the one that fails
        exitStatus: this.logFailure ? EXIT_LOG_FAILED : buildStatus,
        buildStatus,
        buildSignal: result.signal ?? undefined,
        logFailed: !!this.logFailure,
        // the kernel's records (a batch is one record of the log)
        records: this.batcher ? this.batcher.records : this.writer.records,
        bytes: this.writer.bytesWritten,
        lost,
        leftovers,
        waitStopped: this.stopWaiting,
      };
    } finally {
      clearTimeout(timer);
      this.progress.clear();
      for (const s of signals) process.removeListener(s, this.onSignal);
    }
  }

  /**
   * Waits up to the grace period for processes that outlive the command
   * (a SIGINT ends the wait), saying so on stderr once they are still
   * there after ANNOUNCE_MS; lists and evicts the rest.
   */
  private async waitForLeftovers(status: number, signal: number): Promise<Leftover[]> {
    const start = Date.now();
    const deadline = start + this.opts.graceMs;
    let announced = this.opts.quiet || this.opts.graceMs <= ANNOUNCE_MS;
    this.waiting = true;
    try {
      while (this.cg.populated() && Date.now() < deadline && !this.stopWaiting) {
        if (!announced && Date.now() - start >= ANNOUNCE_MS) {
          announced = true;
          this.progress.clear();
          process.stderr.write(`${waitingLine(status, signal, this.opts.graceMs, this.leftovers())}\n`);
        }
        await sleep(20);
        this.drain();
      }
    } finally {
      this.waiting = false;
    }
    if (!this.cg.populated()) return [];
    const out = this.leftovers();
    // Out of the cgroup, their exits are no longer traced: take their counts first.
    this.drain();
    this.sweep(true);
    this.cg.evict();
    return out;
  }

  /** The processes still in the trace's cgroup, by pid. */
  private leftovers(): Leftover[] {
    return this.cg
      .pids()
      .sort((a, b) => a - b)
      .map((pid) => ({ pid, argv: cmdline(pid) }));
  }
}

/**
 * How long processes must outlive the command before bt says it waits for
 * them: those that are only exiting (the command's last children) are gone
 * by then.
 */
const ANNOUNCE_MS = 100;

/**
 * The line bt prints when the command has exited and processes it started
 * still run: e.g. "bt: the build exited with status 0; waiting up to 10 s
 * for 1 process that outlived it: sleep 40 (pid 11758); Ctrl-C stops
 * waiting (what ignores it keeps running)". A terminal's Ctrl-C reaches the
 * processes of bt's process group too.
 */
export function waitingLine(status: number, signal: number, graceMs: number, procs: Leftover[]): string {
  const shown = procs.slice(0, 3).map((p) => `${p.argv ? commandLine(p.argv, 60) : '?'} (pid ${p.pid})`);
  if (procs.length > shown.length) shown.push(`${procs.length - shown.length} more`);
  const one = procs.length === 1;
  return (
    `bt: ${buildEnded(status, signal)}; waiting up to ${Number((graceMs / 1000).toFixed(1))} s for ${procs.length} ` +
    `process${one ? ' that' : 'es that'} outlived it: ${shown.join(', ')}; Ctrl-C stops waiting (what ignores it keeps running)`
  );
}

/** bt's threads but the calling one (the main thread: its own pid). */
function threadIds(): number[] {
  try {
    return fs
      .readdirSync('/proc/self/task')
      .map(Number)
      .filter((tid) => tid !== process.pid);
  } catch {
    return [];
  }
}

/** bt's own resource usage (the build runs in other processes). */
function ownUsage(): { bt_user_us: number; bt_sys_us: number; bt_max_rss_kib: number } {
  const u = process.resourceUsage();
  return { bt_user_us: u.userCPUTime, bt_sys_us: u.systemCPUTime, bt_max_rss_kib: u.maxRSS };
}

/** Replaces every match of the --redact patterns with "***". */
export function redactText(s: string, patterns: RegExp[] | undefined): string {
  if (!patterns) return s;
  for (const re of patterns) s = s.replace(re, '***');
  return s;
}

/**
 * --redact on an exec: each argument, the caller's argv[0], the program's
 * path as passed and its interpreter (argv[0] is often that path), and each
 * environment value (NAME= is kept).
 */
export function redactExec(e: { argv: string[]; env: string[]; argv0?: string; path?: string; interp?: string }, patterns: RegExp[]): void {
  e.argv = e.argv.map((a) => redactText(a, patterns));
  if (e.argv0) e.argv0 = redactText(e.argv0, patterns);
  if (e.path) e.path = redactText(e.path, patterns);
  if (e.interp) e.interp = redactText(e.interp, patterns);
  e.env = e.env.map((kv) => {
    const eq = kv.indexOf('=');
    return eq < 0 ? redactText(kv, patterns) : kv.slice(0, eq + 1) + redactText(kv.slice(eq + 1), patterns);
  });
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * Signals bt handles while the build runs, so that none ends bt before its
 * log is complete: those that ask the build to end (a second one kills it
 * all), and those passed on to the build as they come. SIGPIPE is ignored
 * by Node; SIGUSR1 would open Node's inspector (cli/guard.ts).
 */
const ENDING: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];
const PASSED_ON: NodeJS.Signals[] = ['SIGUSR1', 'SIGUSR2', 'SIGALRM'];

function onTerminal(): boolean {
  return process.stdin.isTTY === true || process.stderr.isTTY === true;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function cmdline(pid: number): string[] | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return text ? text.replace(/\0$/, '').split('\0') : undefined; // empty: a zombie's
  } catch {
    return undefined;
  }
}

/** The boot-clock reading and the offset to wall-clock time, sampled tightly. */
function sampleClock(): { bootNs: number; bootToWallNs: number } {
  let best = { bootNs: 0, bootToWallNs: 0, spread: Infinity };
  for (let i = 0; i < 5; i++) {
    const b1 = clockNs(CLOCK_BOOTTIME);
    const w = clockNs(CLOCK_REALTIME);
    const b2 = clockNs(CLOCK_BOOTTIME);
    if (b2 - b1 < best.spread) best = { bootNs: b2, bootToWallNs: w - Math.round((b1 + b2) / 2), spread: b2 - b1 };
  }
  return { bootNs: best.bootNs, bootToWallNs: best.bootToWallNs };
}

function checkRingSize(bytes: number): number {
  const page = 4096;
  const pow2 = Number.isInteger(bytes) && bytes > 0 && (bytes & (bytes - 1)) === 0;
  if (pow2 && bytes < 64 * 1024) {
    throw new UsageError('E_USAGE', `ring size ${bytes} is smaller than the minimum of 64 KiB: try --ring-size 64K or more`);
  }
  if (pow2 && bytes > 2 ** 30) throw new UsageError('E_USAGE', `ring size ${bytes} is larger than the maximum of 1 GiB: try --ring-size 1G or less`);
  if (!pow2 || bytes % page) {
    throw new UsageError('E_USAGE', `ring size ${bytes} is not a power of two between 64 KiB and 1 GiB: try --ring-size 32M`);
  }
  return bytes;
}

/**
 * Opens bt trace's log through the careful output module (as the invoking
 * user, no links followed, no other user's file overwritten), locked so
 * that a second bt trace with the same -o refuses instead of mixing bytes.
 * A file that is not empty and not a bt log is kept unless --force
 * (log/replace.ts). The log cannot be stdout, nor the file, FIFO or socket bt's stdout,
 * stderr or stdin already is (refuseStandardStream): that is the build's
 * own output.
 */
function openTraceOutput(file: string, owner: Owner, force: boolean): OutputFile {
  if (file === '-') {
    throw new UsageError('E_USAGE', 'bt trace -o -: stdout is the build\'s own output; write the log to a file or a FIFO (-o FILE)');
  }
  const out = openOutputInPlace(file, {
    owner,
    what: 'log',
    readExisting: true,
    beforeTruncate: (fd) => {
      refuseStandardStream(file, fd); // before anything else: the shell's empty file stays as it was
      if (!tryLock(fd)) {
        throw new LogError('E_LOG_BUSY', `${file} is being written by another bt trace: wait for it to end or choose another -o`);
      }
      // a log is replaced; anything else (a source file, by a typo) is kept, unless --force
      checkReplace(fd, file, { kind: 'log', command: 'bt trace', force });
    },
  });
  if (out.kind !== 'file') {
    const tty = isTerminal(out.fd);
    try {
      if (tty) throw new UsageError('E_USAGE', `bt trace -o ${file}: that is a terminal; write the log to a file or a FIFO`);
      refuseStandardStream(file, out.fd);
    } catch (err) {
      fs.closeSync(out.fd);
      throw err;
    }
  }
  return out;
}

const STREAMS: Array<[number, string, string]> = [
  [1, 'the standard output', "the build's output would overwrite the log"],
  [2, 'the standard error', "the build's output would overwrite the log"],
  [0, 'the standard input', 'the build would read the log as bt writes it'],
];

/**
 * Refuses a log that is bt's (and so the build's) stdout, stderr or stdin:
 * the same file, FIFO or socket as fd 1, 2 or 0 (`bt trace -o x.trace >
 * x.trace`: the shell made the file before bt ran). A device is no such
 * file: /dev/null as both stays allowed (a terminal is refused apart).
 */
function refuseStandardStream(file: string, fd: number): void {
  const st = fs.fstatSync(fd);
  if (st.isCharacterDevice()) return;
  for (const [n, name, why] of STREAMS) {
    let s: fs.Stats;
    try {
      s = fs.fstatSync(n);
    } catch {
      continue; // closed
    }
    if (s.dev === st.dev && s.ino === st.ino) throw new LogError('E_OUTPUT', `${file} is also ${name}: ${why}; write the log elsewhere`);
  }
}

/** The shell convention: the exit code, or 128 + the signal that killed it. */
function statusOf(code: number | undefined | null, sig: number | undefined | null): number {
  if (sig) return 128 + sig;
  return code ?? 1;
}

/** The pid of bt's executable's child (BT_FRONT_LOAD), which reaps the build it started. */
function frontPid(): number {
  return (globalThis as { __btFrontLoad?: { pid: number } }).__btFrontLoad!.pid;
}

/**
 * The trace bt's executable started (front-start.ts), checked against what
 * bt trace read from the same command line; undefined when it started none
 * (bt runs the trace as usual). When bt cannot take it, the build (which
 * runs already) is killed and bt ends with an error: never started twice.
 */
async function startedTrace(opts: TraceOptions): Promise<FrontStart | undefined> {
  const o = await frontStarted();
  if (!o) return undefined;
  const again = 'BT_EARLY_START=0 bt trace … runs it without that';
  if ('stopped' in o) throw new CaptureError('E_FRONT_START', `bt's executable started the build, but bt could not take its trace (${o.stopped}): the build was stopped; ${again}`);
  const plain = opts.ringBytes === DEFAULT_RING_BYTES && opts.env && opts.files && !opts.asRoot && !opts.force && !opts.redact?.length;
  if (!plain || opts.command.length !== o.argc || opts.output !== o.output) {
    killStartedBuild(o.cgroupDir);
    throw new CaptureError('E_FRONT_START', `bt's executable started the build with other options than bt trace read: the build was stopped; ${again}, and report this`);
  }
  return o;
}

