/**
 * The normalizer's state machine: consumes raw records in time order and
 * annotates them in place with `proc`, `abspath`, `abspath2` and `access`,
 * emitting one ProcessInfo record per process after its exit.
 *
 * State per process (threads share their process's state):
 *  - a unique id (proc), 1..N in order of process start, so a reused pid
 *    is a new process;
 *  - the cwd: inherited at fork, replaced by the kernel's absolute cwd at
 *    every exec and after every chdir/fchdir (ground truth), lexically
 *    resolved only when the kernel did not give one;
 *  - the fd table: inherited at fork (with each fd's close-on-exec flag),
 *    changed by open, dup, dup2, dup3, fcntl F_DUPFD[_CLOEXEC]/F_SETFD,
 *    pipe, close, close_range; close-on-exec fds close at a successful exec.
 *    It maps an fd to the absolute path it was opened with (or a pipe end),
 *    so dirfd-relative calls (openat, unlinkat, fchdir, ...) resolve.
 *
 * An fd number reused across threads. Records are made when a syscall
 * returns (they carry no start time), and close(2) frees the number before
 * it returns: another thread can get the same number from an open and
 * return first, so the log shows `open = N` and then the `close N` of the
 * previous N. So: an open (dup, F_DUPFD, pipe) that returns an N the table
 * still maps proves the old N closed, by a close still in flight in another
 * thread; the close is owed. A later successful close of N is the owed one,
 * which leaves the new N mapped, when it may have begun before the open
 * returned: it comes from a thread other than the opener (a thread has one
 * syscall at a time) that has no record since the open (a record of it
 * after the open would put its close's start after the open too). Any other
 * close of N closes the new N. Owed closes end with the other threads: at
 * a successful exec (the other threads are gone) and at the exit; one never
 * seen leaves the old file written with no close naming it (held_write).
 *
 * Annotations:
 *  - open: abspath (the opened file), access (see access.ts);
 *  - exec: abspath (the program, resolved against the exec's cwd or dirfd;
 *    the kernel's "/dev/fd/N/name" for execveat resolves through fd N);
 *  - chdir: abspath (the new cwd; for a failed chdir, the path tried);
 *  - path (unlink/mkdir/rmdir): abspath;
 *  - path2: abspath = from (not for symlink, whose `from` is link text),
 *    abspath2 = to;
 *  - dup, close: abspath = what the fd referred to (a path, or "pipe:[N]");
 *  - pipe: abspath = "pipe:[N]", N numbering pipes 1.. in the log;
 *  - lookup (stat, access, readlink): abspath (the path looked up; an
 *    empty path with AT_EMPTY_PATH: the dirfd's file);
 *  - readdir: abspath = the listed directory (its fd);
 *  - meta (chmod, chown, truncate, utime): abspath (fd forms: the fd's file).
 *  A path that cannot be resolved (relative to an unknown dirfd) keeps an
 *  empty abspath and counts a warning. A path through a directory link
 *  that the build reveals is named by the directory the link leads to
 *  (aliases.ts), as the kernel names the cwd.
 *
 * Pipes connect writer and reader processes: at each successful exec and
 * at exit, a process holding only the write end of a pipe is a writer of
 * it, one holding only the read end a reader. (Holding both, as make's
 * jobserver participants do, is neither.) ProcessInfo carries them as
 * `pipe_read` / `pipe_write` (pipe numbers).
 */
import type { EventType, LogHeader, LogRecord } from '../log/schema.js';
import { recordType } from '../log/schema.js';
import { familyOf } from '../ops/table.js';
import { Access, classifyOpen, flagLayoutFor, O, type FlagLayout } from './access.js';
import { DirAliases, hostRealpath, pwdOf, type Realpath } from './aliases.js';
import { resolvePath } from './paths.js';

export const AT_FDCWD = -100;
const AT_EMPTY_PATH = 0x1000;
const CLOSE_RANGE_CLOEXEC = 4;
const RESOLVE_IN_ROOT = 0x10;
const EBADF = 9;
const DEV_FD = /^\/dev\/fd\/(\d+)(?:\/(.*))?$/;
/** /proc/self/exe, /proc/<pid>/exe; /proc/self/fd/N, /proc/<pid>/fd/N (what fexecve runs on old kernels). */
const PROC_SELF = /^\/proc\/(self|\d+)\/(?:(exe)|fd\/(\d+))$/;

/** What an fd refers to. */
interface FdEntry {
  path?: string; // absolute path it was opened with
  pipe?: number; // pipe number
  end?: 'r' | 'w';
  cloexec: boolean;
  write?: boolean; // opened for writing (a file)
}

/**
 * A close of fd `fd` owed after an fd-creating call of thread `tid` returned
 * `fd` while the table still mapped it (see the top): `old` is what fd
 * referred to; `since`, the threads with a record after that call.
 */
interface OwedClose {
  fd: number;
  tid: number;
  old: FdEntry;
  since: Set<number>;
}

/** A process being tracked. */
export interface ProcState {
  proc: number;
  pid: number;
  parent: number;
  startTs: number;
  endTs: number;
  exited: boolean;
  exitCode: number;
  signal: number;
  exe: string;
  argv: string[];
  execCwd: string;
  cwd: string | undefined;
  fds: Map<number, FdEntry>;
  /** Closes owed by threads still in a close (see the top); usually empty. */
  owed: OwedClose[];
  execs: number;
  pipeRead: Set<number>;
  pipeWrite: Set<number>;
  /** Files it may have written through an fd that no close record shows closed (ProcessInfo.held_write). */
  heldWrite: Set<string>;
}

/** A pipe: who created it and who used which end. */
export interface PipeInfo {
  id: number;
  creator: number;
  readers: Set<number>;
  writers: Set<number>;
}

export interface StateCounts {
  records: number;
  processes: number;
  threads: number;
  execs: number;
  failedExecs: number;
  opens: number;
  failedOpens: number;
  pathOps: number;
  lookups: number;
  pipes: number;
  lostRecords: number;
  lostEvents: number;
  lostByReason: Record<string, number>;
  unresolved: number;
  firstTs: number;
  lastTs: number;
}

/** Collects warnings, deduplicated by kind, with counts. */
export class Warnings {
  private readonly kinds = new Map<string, { count: number; first: string }>();
  /** Every message, when asked for (--warnings all); else only the first of each kind is kept. */
  readonly all: string[] | undefined;
  total = 0;
  constructor(keepAll = false) {
    this.all = keepAll ? [] : undefined;
  }
  add(kind: string, message: string): void {
    this.total++;
    this.all?.push(message);
    const k = this.kinds.get(kind);
    if (k) k.count++;
    else this.kinds.set(kind, { count: 1, first: message });
  }
  /** One line per kind: "message (and N more like it)". */
  lines(): string[] {
    const out: string[] = [];
    for (const { count, first } of this.kinds.values()) {
      out.push(count > 1 ? `${first} (and ${count - 1} more like it)` : first);
    }
    return out;
  }
}

export type Emit = (r: LogRecord) => void;

function errnoOf(e: { errno?: number } | undefined | null): number {
  return e?.errno ?? 0;
}

export class Normalizer {
  readonly counts: StateCounts = {
    records: 0,
    processes: 0,
    threads: 0,
    execs: 0,
    failedExecs: 0,
    opens: 0,
    failedOpens: 0,
    pathOps: 0,
    lookups: 0,
    pipes: 0,
    lostRecords: 0,
    lostEvents: 0,
    lostByReason: {},
    unresolved: 0,
    firstTs: 0,
    lastTs: 0,
  };
  readonly warnings: Warnings;
  /** Distinct absolute paths touched successfully (opens, path ops, execs). */
  readonly files = new Set<string>();
  readonly pipes = new Map<number, PipeInfo>();
  /** Live processes by pid. An exited one is dropped (memory follows the running processes, not the build's). */
  private readonly byPid = new Map<number, ProcState>();
  private readonly live = new Map<number, ProcState>(); // by proc, not yet exited
  /** Pids whose process exited and that no fork has reused since. */
  private readonly exitedPids = new Set<number>();
  private readonly rootPid: number;
  private rootSeen = false;
  private nextProc = 1;
  private readonly layout: FlagLayout;
  private readonly rootCwd: string | undefined;
  /** Owed closes in all processes (OwedClose): 0 but for the moments threads race on an fd number. */
  private owedCount = 0;
  /** Directory links the build revealed (aliases.ts). */
  readonly aliases: DirAliases;
  /** The PWD of each shared environment (Env records), by id: only while PWD aliases can be made. */
  private readonly envPwd = new Map<number, string | undefined>();

  /**
   * `allWarnings`: keep every warning message, not only the first of each
   * kind (--warnings all). `realpath`: this machine's, for PWD aliases
   * (default: when the log was traced here; null: none).
   */
  constructor(header: LogHeader, opts: { allWarnings?: boolean; realpath?: Realpath | null } = {}) {
    this.warnings = new Warnings(opts.allWarnings);
    this.aliases = new DirAliases(opts.realpath === undefined ? hostRealpath(header.hostname) : (opts.realpath ?? undefined));
    this.rootPid = header.root_pid ?? 0;
    this.rootCwd = header.cwd || undefined;
    this.layout = flagLayoutFor(header.kernel_release, header.options as Record<string, string> | undefined);
  }

  /**
   * Processes one raw record (in time order) and emits it, annotated, plus
   * any ProcessInfo. `type`: its event type, when the caller knows it.
   */
  push(r: LogRecord, emit: Emit, type: EventType | undefined = recordType(r)): void {
    const c = this.counts;
    if (c.records === 0) c.firstTs = r.ts;
    c.records++;
    if (r.ts > c.lastTs) c.lastTs = r.ts;
    switch (type) {
      case 'fork':
        this.onFork(r, emit);
        break;
      case 'exec':
        this.onExec(r);
        break;
      case 'exit':
        this.onExit(r, emit);
        return;
      case 'open':
        this.onOpen(r);
        break;
      case 'close':
        this.onClose(r);
        break;
      case 'dup':
        this.onDup(r);
        break;
      case 'pipe':
        this.onPipe(r);
        break;
      case 'chdir':
        this.onChdir(r);
        break;
      case 'path':
        this.onPath(r);
        break;
      case 'path2':
        this.onPath2(r);
        break;
      case 'env':
        r.proc = this.proc(r.pid, r.ts).proc; // a shared environment, just before its first exec
        if (this.aliases.pwds && r.env) this.envPwd.set(Number(r.env.id ?? 0), pwdOf(r.env.vars ?? []));
        break;
      case 'lookup':
        this.onLookup(r);
        break;
      case 'readdir':
        this.onReaddir(r);
        break;
      case 'meta':
        this.onMeta(r);
        break;
      case 'lost':
        this.onLost(r);
        break;
      case 'trailer':
        return; // a trailer is not an event: the driver writes it
      case 'process':
        return; // raw logs have none; stale ones are dropped
      default:
        if (r.pid) {
          const p = this.byPid.get(r.pid);
          if (p && !p.exited) r.proc = p.proc;
        }
    }
    if (this.owedCount) this.seenSince(r);
    emit(r);
  }

  /** Emits ProcessInfo for every process still running at the end of the log. */
  finish(endTs: number, emit: Emit): void {
    const ts = Math.max(endTs, this.counts.lastTs);
    const left = [...this.live.values()].sort((a, b) => a.proc - b.proc);
    for (const p of left) {
      this.snapshotPipes(p);
      emit(this.processInfo(p, ts));
      this.retire(p);
    }
    this.live.clear();
  }

  /** All processes started so far. */
  get processCount(): number {
    return this.nextProc - 1;
  }

  // --- processes ---------------------------------------------------------

  private newProc(pid: number, parent: number, ts: number, from: ProcState | undefined): ProcState {
    const fds = new Map<number, FdEntry>();
    if (from) for (const [fd, e] of from.fds) fds.set(fd, { ...e });
    const p: ProcState = {
      proc: this.nextProc++,
      pid,
      parent,
      startTs: ts,
      endTs: 0,
      exited: false,
      exitCode: -1,
      signal: 0,
      exe: from?.exe ?? '',
      argv: from?.argv ?? [],
      execCwd: from?.execCwd ?? '',
      cwd: from?.cwd,
      fds,
      owed: [],
      execs: 0,
      pipeRead: new Set(),
      pipeWrite: new Set(),
      heldWrite: new Set(),
    };
    this.counts.processes++;
    this.byPid.set(pid, p);
    this.exitedPids.delete(pid);
    this.live.set(p.proc, p);
    return p;
  }

  /** The process has exited (or is given up for one that reused its pid): forget its state. */
  private retire(p: ProcState): void {
    p.exited = true;
    this.live.delete(p.proc);
    if (this.byPid.get(p.pid) === p) {
      this.byPid.delete(p.pid);
      this.exitedPids.add(p.pid);
    }
    this.endOwed(p);
    p.fds = new Map();
  }

  /** Owed closes that never came: the old files were closed with no record naming them. */
  private endOwed(p: ProcState): void {
    if (!p.owed.length) return;
    for (const o of p.owed) this.held(p, o.old);
    this.owedCount -= p.owed.length;
    p.owed = [];
  }

  /** Thread r.tid has a record after the fd-creating calls with closes owed: a close of its own comes after them. */
  private seenSince(r: LogRecord): void {
    const p = r.pid ? this.byPid.get(r.pid) : undefined;
    if (!p || p.exited) return;
    for (const o of p.owed) if (r.tid !== o.tid) o.since.add(r.tid);
  }

  /**
   * Fd `fd` was returned by an fd-creating call of thread `tid` (which
   * returns the lowest free number): if the table still maps it, its close
   * is still in flight in another thread, and owed.
   */
  private handedOut(p: ProcState, fd: number, tid: number): void {
    const old = p.fds.get(fd);
    if (!old) return;
    p.owed.push({ fd, tid, old, since: new Set() });
    this.owedCount++;
  }

  /** The owed close of `fd` that a close by thread `tid` is, removed; undefined if it is none. */
  private owedClose(p: ProcState, fd: number, tid: number): OwedClose | undefined {
    const i = p.owed.findIndex((o) => o.fd === fd && o.tid !== tid && !o.since.has(tid));
    if (i < 0) return undefined;
    const [o] = p.owed.splice(i, 1);
    this.owedCount--;
    return o;
  }

  /** The live process with this pid, created (with a warning) if it was never seen. */
  private proc(pid: number, ts: number): ProcState {
    const p = this.byPid.get(pid);
    if (p && !p.exited) return p;
    if (!this.rootSeen && (pid === this.rootPid || (!this.rootPid && this.nextProc === 1))) {
      this.rootSeen = true;
      const root = this.newProc(pid, 0, ts, undefined);
      root.cwd = this.rootCwd;
      root.execCwd = this.rootCwd ?? '';
      return root;
    }
    if (this.exitedPids.has(pid)) {
      this.warnings.add('after-exit', `pid ${pid}: events after its exit with no new fork (a lost fork record?); counted as a new process`);
    } else {
      this.warnings.add('no-fork', `pid ${pid}: events from a process whose fork was not seen (lost record?); its parent is unknown`);
    }
    return this.newProc(pid, 0, ts, undefined);
  }

  private onFork(r: LogRecord, emit: Emit): void {
    const f = r.fork!;
    const forker = this.proc(r.pid, r.ts);
    r.proc = forker.proc;
    if (f.thread) {
      this.counts.threads++;
      return;
    }
    const childPid = f.child ?? 0;
    let parent = forker;
    if (f.ppid && f.ppid !== r.pid) {
      const pp = this.byPid.get(f.ppid);
      if (pp && !pp.exited) parent = pp; // CLONE_PARENT: a sibling, not a child
    }
    const old = this.byPid.get(childPid);
    if (old && !old.exited) {
      this.warnings.add('reuse', `pid ${childPid} was reused before its exit was seen (lost exit record?)`);
      this.snapshotPipes(old);
      emit(this.processInfo(old, r.ts)); // end unknown (end_ts 0, exit_code -1)
      this.retire(old);
    }
    if (childPid === this.rootPid && !this.rootSeen) this.rootSeen = true; // root forked inside the trace
    this.newProc(childPid, parent.proc, r.ts, forker);
  }

  private onExec(r: LogRecord): void {
    const e = r.exec!;
    const p = this.proc(r.pid, r.ts);
    r.proc = p.proc;
    // a cwd deeper than PATH_MAX is known by its leaf side only: no absolute path is made from it
    if (e.cwd_incomplete) this.cwdIncomplete(p, 'exec');
    if (this.aliases.pwds && e.cwd && !e.cwd_incomplete && !errnoOf(e)) {
      // the link its PWD names holds for the paths it was given too
      this.aliases.fromPwd(e.env?.length ? pwdOf(e.env) : this.envPwd.get(Number(e.env_ref ?? 0)), e.cwd);
    }
    const cwd = e.cwd_incomplete ? undefined : e.cwd || p.cwd;
    let base = cwd;
    const dirfd = e.dirfd ?? 0;
    if (e.op === 'execveat' && dirfd !== AT_FDCWD) base = this.fdPath(p, dirfd, 'execveat');
    const path = e.path ?? '';
    let abs: string | undefined;
    const devfd = DEV_FD.exec(path);
    const self = devfd ? null : PROC_SELF.exec(path);
    if (devfd) {
      // The kernel names execveat(fd, "rel") "/dev/fd/<fd>/rel" (and fexecve "/dev/fd/<fd>").
      const dir = this.fdPath(p, Number(devfd[1]), 'execveat');
      abs = dir === undefined ? undefined : this.resolve(dir, devfd[2] ?? '');
    } else if (self && (self[1] === 'self' || Number(self[1]) === r.pid) && (self[2] ? p.exe.startsWith('/') : true)) {
      // /proc/self/exe runs the process's own program again; /proc/self/fd/N the file of fd N
      abs = self[2] ? p.exe : (this.fdPath(p, Number(self[3]), 'exec') ?? this.resolve(base, path));
    } else if (path === '' && e.op === 'execveat') abs = base;
    else abs = this.resolve(base, path);
    if (abs !== undefined) r.abspath = abs;
    else this.unresolved(p, 'exec', path);
    if (errnoOf(e) !== 0) {
      this.counts.failedExecs++;
      return;
    }
    if (abs !== undefined) this.files.add(abs);
    this.counts.execs++;
    p.execs++;
    if (e.cwd_incomplete) p.cwd = undefined;
    else if (e.cwd) p.cwd = e.cwd;
    this.endOwed(p); // the exec ended every other thread, their closes with them
    for (const [fd, ent] of p.fds) if (ent.cloexec) p.fds.delete(fd);
    p.exe = abs ?? path;
    p.argv = e.argv ?? [];
    p.execCwd = p.cwd ?? '';
    this.snapshotPipes(p);
  }

  private onExit(r: LogRecord, emit: Emit): void {
    const x = r.exit!;
    const p = this.proc(r.pid, r.ts);
    r.proc = p.proc;
    p.endTs = r.ts;
    p.signal = x.signal ?? 0;
    p.exitCode = p.signal ? -1 : (x.code ?? 0);
    this.snapshotPipes(p);
    emit(r);
    emit(this.processInfo(p, r.ts));
    this.retire(p);
  }

  private processInfo(p: ProcState, ts: number): LogRecord {
    const info: Record<string, unknown> = {
      proc: p.proc,
      pid: p.pid,
      parent: p.parent,
      start_ts: p.startTs,
      end_ts: p.endTs,
      exit_code: p.exitCode,
      signal: p.signal,
      exe: p.exe,
      argv: p.argv,
      cwd: p.execCwd || p.cwd || '',
    };
    if (p.pipeRead.size) info.pipe_read = [...p.pipeRead].sort((a, b) => a - b);
    if (p.pipeWrite.size) info.pipe_write = [...p.pipeWrite].sort((a, b) => a - b);
    // write fds still open at its end: their writes may go on until then
    for (const e of p.fds.values()) this.held(p, e);
    if (p.heldWrite.size) info.held_write = [...p.heldWrite].sort();
    info.held_known = true;
    return { ts, pid: p.pid, tid: p.pid, proc: p.proc, process: info } as unknown as LogRecord;
  }

  /** A write fd of a file closed (or left open at the end) without a close record naming it: its writes may go on until the process ends. */
  private held(p: ProcState, e: FdEntry): void {
    if (e.write && e.path !== undefined) p.heldWrite.add(e.path);
  }

  private snapshotPipes(p: ProcState): void {
    if (p.fds.size === 0) return;
    let ends: Map<number, number> | undefined; // pipe -> bit 1 read, 2 write
    for (const e of p.fds.values()) {
      if (e.pipe === undefined) continue;
      ends ??= new Map();
      ends.set(e.pipe, (ends.get(e.pipe) ?? 0) | (e.end === 'r' ? 1 : 2));
    }
    if (!ends) return;
    for (const [id, bits] of ends) {
      const info = this.pipes.get(id);
      if (bits === 1) {
        p.pipeRead.add(id);
        info?.readers.add(p.proc);
      } else if (bits === 2) {
        p.pipeWrite.add(id);
        info?.writers.add(p.proc);
      }
    }
  }

  // --- paths and fds -----------------------------------------------------

  private cwdIncomplete(p: ProcState, op: string): void {
    this.warnings.add(
      'cwd-incomplete',
      `pid ${p.pid} (proc ${p.proc}): after ${op} the cwd is deeper than PATH_MAX and known by its leaf side only: paths relative to it are left unresolved`,
    );
  }

  private unresolved(p: ProcState, op: string, path: string): void {
    if (path === '') return; // e.g. cmake's mkdir(""): ENOENT, there is no path to resolve (not an unknown cwd)
    this.counts.unresolved++;
    this.warnings.add('unresolved', `pid ${p.pid} (proc ${p.proc}): ${op} "${path}" could not be made absolute (unknown cwd or dirfd)`);
  }

  /** The directory a dirfd refers to, or undefined (with a warning) if unknown. */
  private fdPath(p: ProcState, fd: number, op: string): string | undefined {
    if (fd === AT_FDCWD) return p.cwd;
    const e = p.fds.get(fd);
    if (e?.path !== undefined) return e.path;
    this.warnings.add('unknown-fd', `pid ${p.pid} (proc ${p.proc}): ${op} relative to fd ${fd}, which is not known to refer to a path`);
    return undefined;
  }

  /** resolvePath, with the build's directory links named by where they lead (aliases.ts). */
  private resolve(base: string | undefined, path: string): string | undefined {
    const abs = resolvePath(base, path);
    return abs === undefined ? undefined : this.aliases.name(abs);
  }

  /** Resolves `path` relative to `dirfd` (AT_FDCWD: the cwd). */
  private resolveAt(p: ProcState, dirfd: number, path: string, op: string, emptyPath = false): string | undefined {
    if (path.startsWith('/')) return this.resolve(undefined, path);
    if (path === '' && !emptyPath) return undefined;
    const base = dirfd === AT_FDCWD ? p.cwd : this.fdPath(p, dirfd, op);
    return this.resolve(base, path);
  }

  private label(e: FdEntry | undefined): string | undefined {
    if (!e) return undefined;
    if (e.path !== undefined) return e.path;
    if (e.pipe !== undefined) return `pipe:[${e.pipe}]`;
    return undefined;
  }

  private onOpen(r: LogRecord): void {
    const o = r.open!;
    const p = this.proc(r.pid, r.ts);
    r.proc = p.proc;
    const path = o.path ?? '';
    const dirfd = o.dirfd ?? 0;
    let abs: string | undefined;
    if (path.startsWith('/') && (o.resolve ?? 0) & RESOLVE_IN_ROOT && dirfd !== AT_FDCWD) {
      const root = this.fdPath(p, dirfd, o.op ?? 'openat2');
      abs = root === undefined ? undefined : this.resolve(root, `.${path}`);
    } else {
      abs = this.resolveAt(p, dirfd, path, o.op ?? 'openat');
    }
    const fd = o.fd ?? 0;
    r.access = classifyOpen(o.flags ?? 0, fd, o.op ?? 'openat', this.layout);
    this.counts.opens++;
    if (fd < 0) this.counts.failedOpens++;
    if (abs !== undefined) {
      r.abspath = abs;
      if (fd >= 0) this.files.add(abs);
    } else {
      this.unresolved(p, o.op ?? 'open', path);
    }
    if (fd < 0) return;
    this.handedOut(p, fd, r.tid);
    p.fds.set(fd, { path: abs, cloexec: ((o.flags ?? 0) & O.CLOEXEC) !== 0, write: (r.access & Access.WRITE) !== 0 || undefined });
  }

  private onClose(r: LogRecord): void {
    const c = r.close!;
    const p = this.proc(r.pid, r.ts);
    r.proc = p.proc;
    const fd = c.fd ?? 0;
    const errno = errnoOf(c);
    if (c.op === 'close_range') {
      if (errno !== 0) return;
      const last = c.last ?? 0;
      const cloexecOnly = ((c.flags ?? 0) & CLOSE_RANGE_CLOEXEC) !== 0;
      for (const [n, e] of p.fds) {
        if (n < fd || n > last) continue;
        if (cloexecOnly) e.cloexec = true;
        else {
          this.held(p, e); // closed with no record naming the file
          p.fds.delete(n);
        }
      }
      return;
    }
    const owed = p.owed.length && errno !== EBADF ? this.owedClose(p, fd, r.tid) : undefined;
    const lbl = this.label(owed ? owed.old : p.fds.get(fd));
    if (lbl !== undefined) r.abspath = lbl;
    if (owed) return; // the close of the previous fd: the new one stays
    if (errno !== EBADF) p.fds.delete(fd); // Linux closes the fd even on EINTR/EIO
  }

  private onDup(r: LogRecord): void {
    const d = r.dup!;
    const p = this.proc(r.pid, r.ts);
    r.proc = p.proc;
    const oldfd = d.oldfd ?? 0;
    const src = p.fds.get(oldfd);
    const lbl = this.label(src);
    if (lbl !== undefined) r.abspath = lbl;
    if (errnoOf(d) !== 0) return;
    if (d.op === 'fcntl_setfd') {
      if (src) src.cloexec = ((d.arg ?? 0) & 1) !== 0;
      return;
    }
    const newfd = d.newfd ?? 0;
    if (newfd < 0 || newfd === oldfd) return;
    const cloexec =
      !!d.cloexec || d.op === 'fcntl_dupfd_cloexec' || (d.op === 'dup3' && ((d.flags ?? 0) & O.CLOEXEC) !== 0);
    const replaced = p.fds.get(newfd);
    // dup and F_DUPFD take a free number; dup2 and dup3 close what newfd was, with no record naming it
    if (d.op === 'dup' || d.op === 'fcntl_dupfd' || d.op === 'fcntl_dupfd_cloexec') this.handedOut(p, newfd, r.tid);
    else if (replaced) this.held(p, replaced);
    p.fds.set(newfd, { path: src?.path, pipe: src?.pipe, end: src?.end, cloexec, write: src?.write });
  }

  private onPipe(r: LogRecord): void {
    const pp = r.pipe!;
    const p = this.proc(r.pid, r.ts);
    r.proc = p.proc;
    if (errnoOf(pp) !== 0) return;
    const id = ++this.counts.pipes;
    this.pipes.set(id, { id, creator: p.proc, readers: new Set(), writers: new Set() });
    const cloexec = ((pp.flags ?? 0) & O.CLOEXEC) !== 0;
    this.handedOut(p, pp.read_fd ?? 0, r.tid);
    this.handedOut(p, pp.write_fd ?? 0, r.tid);
    p.fds.set(pp.read_fd ?? 0, { pipe: id, end: 'r', cloexec });
    p.fds.set(pp.write_fd ?? 0, { pipe: id, end: 'w', cloexec });
    r.abspath = `pipe:[${id}]`;
  }

  private onChdir(r: LogRecord): void {
    const c = r.chdir!;
    const p = this.proc(r.pid, r.ts);
    r.proc = p.proc;
    const fd = c.fd ?? 0;
    const isF = c.op === 'fchdir';
    const tried = isF ? this.fdPath(p, fd, 'fchdir') : this.resolveAt(p, AT_FDCWD, c.path ?? '', 'chdir');
    if (errnoOf(c) !== 0) {
      if (tried !== undefined) r.abspath = tried;
      return;
    }
    if (c.cwd_incomplete) {
      this.cwdIncomplete(p, c.op ?? 'chdir');
      p.cwd = undefined;
      return;
    }
    const now = c.cwd ? resolvePath(undefined, c.cwd) : tried;
    if (now === undefined) {
      this.unresolved(p, c.op ?? 'chdir', c.path ?? `fd ${fd}`);
      p.cwd = undefined;
      return;
    }
    p.cwd = now;
    r.abspath = now;
  }

  private onPath(r: LogRecord): void {
    const o = r.path!;
    const p = this.proc(r.pid, r.ts);
    r.proc = p.proc;
    this.counts.pathOps++;
    const path = o.path ?? '';
    const abs = this.resolveAt(p, o.dirfd ?? 0, path, o.op ?? 'path');
    if (abs === undefined) {
      this.unresolved(p, o.op ?? 'path', path);
      return;
    }
    r.abspath = abs;
    if (errnoOf(o) !== 0) return;
    this.files.add(abs);
    const family = familyOf(o.op ?? '', o.flags ?? 0);
    if (family === 'unlink' || family === 'rmdir') this.aliases.removed(abs);
  }

  private onPath2(r: LogRecord): void {
    const o = r.path2!;
    const p = this.proc(r.pid, r.ts);
    r.proc = p.proc;
    this.counts.pathOps++;
    const op = o.op ?? '';
    if (!op.startsWith('symlink')) {
      const from = o.from ?? '';
      const empty = op === 'linkat' && ((o.flags ?? 0) & AT_EMPTY_PATH) !== 0;
      const a = this.resolveAt(p, o.olddirfd ?? 0, from, op, empty);
      if (a === undefined) this.unresolved(p, op, from);
      else {
        r.abspath = a;
        if (errnoOf(o) === 0) this.files.add(a);
      }
    }
    const to = o.to ?? '';
    const b = this.resolveAt(p, o.newdirfd ?? 0, to, op);
    if (b === undefined) this.unresolved(p, op, to);
    else {
      r.abspath2 = b;
      if (errnoOf(o) === 0) this.files.add(b);
    }
    if (errnoOf(o) !== 0) return;
    // a link the build makes is an alias; one it renames, or renames a file over, ends
    if (op.startsWith('symlink')) {
      if (b !== undefined) this.aliases.fromSymlink(b, o.from ?? '');
    } else if (familyOf(op) === 'rename') {
      if (r.abspath) this.aliases.renamed(r.abspath, b);
    }
  }

  private onLookup(r: LogRecord): void {
    const l = r.lookup!;
    const p = this.proc(r.pid, r.ts);
    r.proc = p.proc;
    this.counts.lookups++;
    const path = l.path ?? '';
    const abs = this.resolveAt(p, l.dirfd ?? AT_FDCWD, path, l.op ?? 'lookup', ((l.flags ?? 0) & AT_EMPTY_PATH) !== 0);
    if (abs === undefined) {
      this.unresolved(p, l.op ?? 'lookup', path);
      return;
    }
    r.abspath = abs;
  }

  private onReaddir(r: LogRecord): void {
    const d = r.readdir!;
    const p = this.proc(r.pid, r.ts);
    r.proc = p.proc;
    const abs = this.fdPath(p, d.fd ?? -1, 'getdents64');
    if (abs !== undefined) r.abspath = abs;
    else this.unresolved(p, 'getdents64', `fd ${d.fd}`);
  }

  private onMeta(r: LogRecord): void {
    const m = r.meta!;
    const p = this.proc(r.pid, r.ts);
    r.proc = p.proc;
    this.counts.pathOps++;
    const path = m.path ?? '';
    // fd forms (fchmod, fchown, ftruncate) have no path: the fd is the file
    const abs = this.resolveAt(p, m.dirfd ?? AT_FDCWD, path, m.op ?? 'meta', path === '');
    if (abs === undefined) {
      this.unresolved(p, m.op ?? 'meta', path || `fd ${m.dirfd}`);
      return;
    }
    r.abspath = abs;
    if (errnoOf(m) === 0) this.files.add(abs);
  }

  private onLost(r: LogRecord): void {
    const l = r.lost!;
    this.counts.lostRecords++;
    const n = l.count ?? 0;
    this.counts.lostEvents += n;
    const reason = l.reason || 'unknown';
    this.counts.lostByReason[reason] = (this.counts.lostByReason[reason] ?? 0) + n;
    if (r.pid) {
      const p = this.byPid.get(r.pid);
      if (p && !p.exited) r.proc = p.proc;
    }
  }
}
