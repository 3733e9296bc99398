/**
 * The build model's shape (model.ts builds it): processes, files, the
 * accesses between them indexed both ways, renames and hard links.
 */
import type { LogHeader, Trailer } from '../log/schema.js';
import type { Shortfalls } from '../log/lost.js';
import type { Outlived } from './outlived.js';

export interface Process {
  /** Unique id (1, 2, … in start order); survives pid reuse. */
  readonly proc: number;
  pid: number;
  /** Parent's proc id; 0 for a root. */
  parent: number;
  children: number[];
  /** The program last exec'd (absolute), or the parent's for a fork that never exec'd. */
  exe: string;
  argv: readonly string[];
  /** The argv its caller passed, where the program received another: a #! script's argv is its interpreter's ([sh, script, args…]). */
  invoked?: readonly string[];
  /** The working directory at its (last) exec, or inherited. */
  cwd: string;
  /**
   * Every program it exec'd, in order, when it exec'd more than one (a shell
   * running `sh -c 'a && b'` forks for a but execs b itself; `nice make`
   * execs make): the last is exe, argv and cwd's. Undefined when it exec'd
   * one program or none (model/program.ts programsOf gives the chain of any).
   */
  execs?: ExecdProgram[];
  /** Directories it changed into after that and before it started any child (make -C DIR), absolute, in order. */
  chdirs?: string[];
  /** The umask its (last) program started with, or its parent's for a fork that never exec'd; undefined when the log does not say (a bt before execs carried it). */
  umask?: number;
  /** "NAME=value" entries (shared between processes with the same environment). */
  env: readonly string[];
  /** ns, CLOCK_BOOTTIME (the log's clock). */
  start: number;
  end: number;
  /** -1 when unknown (no exit seen). */
  exitCode: number;
  signal: number;
  /** A successful exec was seen (else a fork running its parent's program). */
  execd: boolean;
  /** Execs that failed (ENOENT while searching PATH, …). */
  failedExecs: number;
  /** Each failed exec: when, the path tried (absolute when known), the errno, and the program the process's next successful exec ran, if one followed. */
  execFailures?: Array<{ ts: number; path: string; errno: number; then?: string }>;
  /** Accesses of this process, by file id. */
  readonly files: Map<number, FileAccess>;
  pipeRead: readonly number[];
  pipeWrite: readonly number[];
  /**
   * Files it wrote through an fd that no close record shows closed (open at
   * its end, closed by close_range, replaced by dup2): their writes may go on
   * until it ended. Undefined when none (jobs.ts writtenUntil).
   */
  heldWrite?: readonly number[];
  /** The job this process belongs to (the job root's proc id), 0 if none (drivers, the root). */
  job: number;
}

/** One program a process exec'd: when (ns), its exe (absolute), argv and working directory then. */
export interface ExecdProgram {
  ts: number;
  exe: string;
  argv: readonly string[];
  cwd: string;
}

export interface BuildFile {
  readonly id: number;
  readonly path: string;
  dir: boolean;
  /** The build's first use of it made it (created, or written before anything read it). */
  created: boolean;
  /** Its last change was a removal: it is gone at the end. */
  removed: boolean;
  /** Kind bits of every access by any process. */
  kinds: number;
  /** Accesses of this file, one per process, in the order of their first use. */
  readonly procs: FileAccess[];
  /**
   * Its modification time as the build first found it ("sec.nsec", from a
   * successful stat or open before the build wrote it: make comparing
   * timestamps, a compiler reading a header); undefined when no process
   * did either (a log of a bt before opens carried the time).
   */
  mtime?: string;
  /** Its size in bytes as a successful open first found it, before the build wrote it; undefined when none did (a stat does not carry it). */
  size?: number;
  /**
   * Every open of it for writing was O_APPEND, without O_TRUNC (a log each
   * job appends lines to); undefined when no open wrote it. Other writes
   * (a rename onto it, truncate(2)) show in `kinds`.
   */
  appendOnly?: boolean;
  /**
   * A process left running after the build wrote it after the build's end
   * (outlived.ts setAsideAfterBuild): those writes are not in `kinds`, and
   * when no other process wrote it the build did not make it.
   */
  afterBuild?: boolean;
  /**
   * Made during the build by a process outside the trace (outside.ts): the
   * build found it missing (`missing`, ns), then present (`found`), with an
   * mtime inside the trace, and no process of the build wrote it (a build
   * server's object file). Undefined for every other file.
   */
  outside?: { missing: number; found: number };
}

/** How one process used one file. */
export interface FileAccess {
  readonly proc: number;
  readonly file: number;
  /** Kind bits (kinds.ts). */
  kinds: number;
  /** First and last time (ns) it used the file. */
  first: number;
  last: number;
  /** When it last closed an fd of the file (ns), or -1 (reads through an fd go on until then). */
  closed: number;
  /** Events that made up this access. */
  count: number;
  /** Time of the first write-like use (create, write, truncate, rename_to), or -1. */
  firstWrite: number;
  /**
   * Until when it may have written the file through a path or an fd: its
   * last write-like use, or a later close of the file or exec (which closes
   * close-on-exec fds), or -1 if it did not write it. An fd it still held at
   * the end is in Process.heldWrite instead.
   */
  lastWrite: number;
  /** The write kinds of a process left running that it used only after the build's end: not in `kinds`, not in the write times (outlived.ts setAsideAfterBuild). */
  afterBuild?: number;
}

/** A file-to-file edge: a rename (mv) or a hard link (ln), by the process that first made it. */
export interface FileLink {
  from: number;
  to: number;
  kind: 'mv' | 'ln';
  proc?: number;
}

export interface BuildModel {
  header: LogHeader;
  trailer?: Trailer;
  /** By proc id: procs[id - 1] ... use process(id). Ordered by proc id. */
  processes: Process[];
  files: BuildFile[];
  /** Processes without a known parent. */
  roots: number[];
  /** Renames and hard links between files, each once, in order of first appearance. */
  links: FileLink[];
  /** The log ended without a trailer or was torn. */
  incomplete: boolean;
  /** A running bt trace still writes the log: the model is the build so far. */
  live: boolean;
  /** Events that are not in the log (log/lost.ts isLoss): a full ring buffer, unreadable memory, ... */
  lostEvents: number;
  /** What the log has but not whole: strings cut, lookups whose repeat count is unknown (log/lost.ts). */
  shortfalls: Shortfalls;
  /** Processes with no exit in the log, those left running after the grace period apart: on a cut log, those still running when it ends. */
  notExited: number;
  /** First and last timestamps seen (ns): endTs is the log's end (bt trace's wait for processes left running included). */
  startTs: number;
  endTs: number;
  /** Processes bt trace left running after the build, in its trailer's order (outlived.ts); their `end` is endTs. What they wrote after buildEndTs is not in the accesses' kinds (FileAccess.afterBuild). */
  outlived: Outlived[];
  /** When the build ended (ns): the last end of a process that did not outlive it (outlived.ts buildEndOf). */
  buildEndTs: number;
}

/** True if the process failed: nonzero exit or killed by a signal. */
export function failed(p: Pick<Process, 'signal' | 'exitCode'>): boolean {
  return p.signal !== 0 || p.exitCode > 0;
}
