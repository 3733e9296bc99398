/**
 * The build model: what a build did, built in one pass over the normalized
 * stream and read by every answer (graph, summary, deps, check, diff,
 * exports, the viewer). Its shape is in types.ts; ModelBuilder makes it.
 *
 *  - processes: the tree, exe, argv, cwd, environment, start/end, exit,
 *    and every program a process exec'd when it exec'd more than one (execs)
 *  - files: absolute path, directory or not, made by the build or there
 *    before it, present at the end or removed
 *  - accesses: process x file with the kinds of use (src/model/kinds.ts),
 *    first and last timestamp and a count, indexed both ways
 *  - jobs (jobs.ts): the processes a build driver started, with their subtrees
 *
 * Memory grows with distinct processes, files and (process, file) pairs,
 * never with records.
 */
import type { LogHeader, LogRecord, Trailer } from '../log/schema.js';
import { recordType } from '../log/schema.js';
import { cutFailedExec, isLoss, shortfallsOf } from '../log/lost.js';
import { dirName } from '../normalize/paths.js';
import { callerArgv } from '../normalize/argv.js';
import { Kind, WRITES } from './kinds.js';
import { openKinds, recordUses } from './uses.js';
import { Access as OpenAccess } from '../normalize/access.js';
import type { BuildFile, BuildModel, FileAccess, FileLink, Process } from './types.js';
import { buildEndOf, outlivedOf, outlivedProcs, setAsideAfterBuild } from './outlived.js';
import { markMadeOutside, type Appeared } from './outside.js';
import { plainWriteOpen, UnchangedWrites } from './unchanged.js';
import { markChecksums } from './inspectors.js';

/** st_mode >> 12 of a symbolic link (Lookup.ftype). */
const S_IFLNK_TYPE = 0o12;

/** Accesses per block of times. */
const TIMES_BLOCK = 1 << 14;

/** Times per access in the block. */
const TIMES = 5;

/**
 * The model's FileAccess: its five times live in a shared Float64Array
 * block, not as four number objects (a kernel build has a million
 * accesses: 64 MB of boxed doubles otherwise). Private fields: JSON and
 * spreads see no more than FileAccess.
 */
class Access implements FileAccess {
  kinds = 0;
  count = 0;
  readonly #t: Float64Array;
  readonly #at: number;

  constructor(
    readonly proc: number,
    readonly file: number,
    t: Float64Array,
    at: number,
    ts: number,
  ) {
    this.#t = t;
    this.#at = at;
    t[at] = ts;
    t[at + 1] = ts;
    t[at + 2] = -1;
    t[at + 3] = -1;
    t[at + 4] = -1;
  }

  get first(): number {
    return this.#t[this.#at];
  }
  set first(v: number) {
    this.#t[this.#at] = v;
  }
  get last(): number {
    return this.#t[this.#at + 1];
  }
  set last(v: number) {
    this.#t[this.#at + 1] = v;
  }
  get firstWrite(): number {
    return this.#t[this.#at + 2];
  }
  set firstWrite(v: number) {
    this.#t[this.#at + 2] = v;
  }
  get lastWrite(): number {
    return this.#t[this.#at + 3];
  }
  set lastWrite(v: number) {
    this.#t[this.#at + 3] = v;
  }
  get closed(): number {
    return this.#t[this.#at + 4];
  }
  set closed(v: number) {
    this.#t[this.#at + 4] = v;
  }
}

/** A path in /dev that names a device, not a file of /dev's own tmpfs directories (shm, mqueue). */
const DEVICE = /^\/dev\/(?!shm\/|mqueue\/)/;

/** What a file exists as, as far as the build has seen (for `created`). */
const UNKNOWN = 0;
const PRESENT = 1;
const ABSENT = 2;

/** Builds the model from normalized records, in time order. */
export class ModelBuilder {
  private readonly procs = new Map<number, Process>();
  private readonly files: BuildFile[] = [];
  private readonly fileIds = new Map<string, number>();
  private readonly state: number[] = [];
  /** Per file, when the build last found it missing (a failed lookup, or its removal), while it was: NaN if never. */
  private readonly missingAt: number[] = [];
  /** Files the build found missing and then present, with no process of the build making it in between (outside.ts). */
  private readonly appeared = new Map<number, Appeared>();
  private readonly strings = new Map<string, string>();
  private readonly envs = new Map<string, readonly string[]>();
  private readonly recentEnvs: Array<readonly string[]> = [];
  private readonly envOf = new WeakMap<readonly string[], readonly string[]>();
  private readonly links: FileLink[] = [];
  private readonly linkSeen = new Set<string>();
  /**
   * Every directory that holds a known file, with the ids of the files right
   * in it and its subdirectories that hold any: what a directory's rename
   * moves. A number per file and an entry per directory.
   */
  private readonly dirs = new Map<string, { files: number[]; dirs: string[] }>();
  /** The block the next access's times go to, and their place in it. */
  private times = new Float64Array(0);
  private timesAt = 0;
  /** Lost events (log/lost.ts isLoss), exit_flag apart. */
  private lostEvents = 0;
  /** Lost records of reasons that lose no event (log/lost.ts), by reason. */
  private readonly notLost: Record<string, number> = {};
  /** Failed execs whose argv was cut (log/lost.ts cutFailedExec). */
  private failedExecArgvCut = 0;
  /** Dying threads that could not tell whether their process's exit was reported (lost reason exit_flag): a loss only if some exit is missing. */
  private exitFlagLost = 0;
  /** When each process (by proc id, dense) first exec'd successfully: the first program's time in Process.execs. A number a process, not a map entry. */
  private execAt = new Float64Array(1024);
  private firstTs = Infinity;
  private lastTs = 0;
  /** Plain write opens (O_WRONLY, no O_TRUNC: a lock?) and what later opens found of their files (unchanged.ts). */
  private readonly unchanged = new UnchangedWrites();

  constructor(readonly header: LogHeader) {}

  private intern(s: string): string {
    const t = this.strings.get(s);
    if (t !== undefined) return t;
    this.strings.set(s, s);
    return s;
  }

  private internEnv(env: readonly string[]): readonly string[] {
    // a repeated environment usually comes as the same array (a shared one, log/env.ts; an inline one, log/envruns.ts)
    const known = this.envOf.get(env);
    if (known) return known;
    // else most execs pass on the environment they were given: compare with the last few before joining
    let e = this.recentEnvs.find((r) => sameStrings(r, env));
    if (!e) {
      e = this.internEnvSlow(env);
      this.recentEnvs.unshift(e);
      if (this.recentEnvs.length > 4) this.recentEnvs.pop();
    }
    this.envOf.set(env, e);
    return e;
  }

  private internEnvSlow(env: readonly string[]): readonly string[] {
    const key = env.join('\0');
    let e = this.envs.get(key);
    if (!e) {
      e = env.map((v) => this.intern(v));
      this.envs.set(key, e);
    }
    return e;
  }

  private process(proc: number, pid: number, ts: number): Process {
    let p = this.procs.get(proc);
    if (!p) {
      p = {
        proc,
        pid,
        parent: 0,
        children: [],
        exe: '',
        argv: [],
        invoked: undefined,
        cwd: '',
        execs: undefined,
        chdirs: undefined,
        env: [],
        start: ts,
        end: 0,
        exitCode: -1,
        signal: 0,
        execd: false,
        failedExecs: 0,
        files: new Map(),
        pipeRead: [],
        pipeWrite: [],
        heldWrite: undefined,
        job: 0,
      };
      this.procs.set(proc, p);
    }
    return p;
  }

  private file(path: string): BuildFile {
    let id = this.fileIds.get(path);
    if (id === undefined) {
      id = this.files.length;
      this.files.push({ id, path: this.intern(path), dir: false, created: false, removed: false, kinds: 0, procs: [] });
      this.state.push(UNKNOWN);
      this.missingAt.push(NaN);
      this.fileIds.set(path, id);
      this.index(path, id);
    }
    return this.files[id];
  }

  /** Files `id` (at `path`) under its directory in `dirs`, and a new directory under its parent, and so on up. */
  private index(path: string, id: number): void {
    if (path === '/') return;
    const dir = dirName(path);
    const node = this.dirs.get(dir);
    if (node) {
      node.files.push(id);
      return;
    }
    this.dirs.set(dir, { files: [id], dirs: [] });
    for (let child = dir; child !== '/'; ) {
      const parent = dirName(child);
      const up = this.dirs.get(parent);
      if (up) {
        up.dirs.push(child);
        return;
      }
      this.dirs.set(parent, { files: [], dirs: [child] });
      child = parent;
    }
  }

  /**
   * A directory renamed: every file known under it that is there moves with
   * it, as if renamed one by one by the same process (gone at the old path,
   * made at the new one, an `mv` link between them). Costs nothing for a
   * plain file: it holds none.
   */
  private moveTree(p: Process, from: string, to: string, ts: number): void {
    const top = from === to ? undefined : this.dirs.get(from);
    if (!top) return;
    const ids: number[] = [];
    for (const stack = [top]; stack.length; ) {
      const n = stack.pop()!;
      for (const id of n.files) ids.push(id);
      for (const d of n.dirs) {
        const c = this.dirs.get(d);
        if (c) stack.push(c);
      }
    }
    for (const id of ids) {
      if (this.state[id] !== PRESENT) continue;
      const old = this.files[id].path;
      const moved = to + old.slice(from.length);
      this.use(p, old, Kind.DELETE | Kind.RENAME_FROM, ts);
      this.use(p, moved, Kind.RENAME_TO, ts);
      if (this.files[id].dir) this.file(moved).dir = true;
      this.link(old, moved, 'mv', p.proc);
    }
  }

  /**
   * Records that process `p` used `path` in the ways `kinds` at `ts`.
   * `plain`: a plain write open (unchanged.ts) found the file with this mtime and size.
   */
  private use(p: Process, path: string | undefined, kinds: number, ts: number, plain?: { mtime: string; size?: number }): BuildFile | undefined {
    if (!path || path[0] !== '/') return undefined;
    const f = this.file(path);
    const st = this.state[f.id];
    // Existence as the build saw it: a write-like first use means the build made the file.
    if (kinds & Kind.PROBE) {
      if (st === UNKNOWN) this.state[f.id] = ABSENT;
      if (this.state[f.id] === ABSENT) this.missingAt[f.id] = ts;
    } else if (kinds & Kind.DELETE) {
      this.state[f.id] = ABSENT;
      this.missingAt[f.id] = ts;
      f.removed = true;
    } else {
      // Only an O_CREAT open, mkdir, link/symlink or a rename's destination can make a file.
      // (Not a device: `> /dev/null` opens it O_CREAT, but the build did not make it.)
      const canCreate = (kinds & (Kind.CREATE | Kind.RENAME_TO)) !== 0 && !DEVICE.test(path);
      if (canCreate && st !== PRESENT && (st === ABSENT || f.kinds === 0)) {
        kinds |= Kind.CREATE;
        if ((f.kinds & ~Kind.PROBE) === 0) f.created = true;
      } else {
        kinds &= ~Kind.CREATE;
        // there now, missing before, and the build did not make it: something else did (outside.ts)
        if (st === ABSENT && !this.appeared.has(f.id)) this.appeared.set(f.id, { missing: this.missingAt[f.id], found: ts });
      }
      this.state[f.id] = PRESENT;
      f.removed = false;
    }
    if (kinds & Kind.DIR) f.dir = true;
    f.kinds |= kinds;
    let a = p.files.get(f.id);
    if (!a) {
      if (this.timesAt === this.times.length) {
        this.times = new Float64Array(TIMES * TIMES_BLOCK);
        this.timesAt = 0;
      }
      a = new Access(p.proc, f.id, this.times, this.timesAt, ts);
      this.timesAt += TIMES;
      p.files.set(f.id, a);
      f.procs.push(a);
    }
    const had = a.kinds;
    a.kinds |= kinds;
    a.last = ts;
    a.count++;
    if (kinds & WRITES) {
      if (a.firstWrite < 0) a.firstWrite = ts;
      a.lastWrite = ts;
      this.unchanged.wrote(a, had, plain && { ts, ...plain });
    }
    return f;
  }

  /** Adds one normalized record (records must come in time order). */
  add(r: LogRecord): void {
    const type = recordType(r);
    const ts = r.ts;
    if (ts) {
      if (ts < this.firstTs) this.firstTs = ts;
      if (ts > this.lastTs) this.lastTs = ts;
    }
    if (type === 'lost') {
      const reason = r.lost?.reason || 'unknown';
      const n = r.lost?.count ?? 0;
      if (reason === 'exit_flag') this.exitFlagLost += n;
      else if (isLoss(reason)) this.lostEvents += n;
      else this.notLost[reason] = (this.notLost[reason] ?? 0) + n;
      return;
    }
    const procId = r.proc ?? 0;
    if (!procId || type === undefined) return;
    const p = this.process(procId, r.pid, ts);
    if (type === 'process') {
      this.onProcess(p, r);
      return;
    }
    if (type === 'open') {
      // the bulk of every build: no Use objects on the way
      const acc = r.access ?? 0;
      const o = r.open!;
      // a plain write open (a lock?) is a write until a later open or stat finds the file unchanged (unchanged.ts)
      const plain = plainWriteOpen(acc) && (o.mtime || o.mtime_nsec) ? { mtime: mtimeKey(o.mtime ?? 0, o.mtime_nsec ?? 0), size: o.size } : undefined;
      const f = this.use(p, r.abspath, openKinds(acc), ts, plain);
      if (f && !plain && acc & OpenAccess.WRITE && !(acc & OpenAccess.FAILED)) f.appendOnly = f.appendOnly !== false && (acc & (OpenAccess.APPEND | OpenAccess.TRUNCATE)) === OpenAccess.APPEND;
      this.found(r.abspath, o.mtime ?? 0, o.mtime_nsec ?? 0, ts, o.size ?? 0);
      return;
    }
    if (type === 'close') {
      this.onClose(p, r.abspath, ts);
      return;
    }
    const link = type === 'path2' ? this.onPath2(r) : undefined;
    if (type === 'exec') {
      this.onExec(p, r);
      if (cutFailedExec(r)) this.failedExecArgvCut++;
    }
    if (type === 'chdir' && !r.chdir!.errno && r.abspath && !p.children.length && !p.chdirs?.includes(r.abspath)) (p.chdirs ??= []).push(this.intern(r.abspath));
    for (const u of recordUses(r, type)) this.use(p, u.path, u.kinds, ts);
    // after its use: a file found present again has its appearance (appeared) for the mtime to go with
    if (type === 'lookup') this.onStat(r);
    if (link) this.link(r.abspath, r.abspath2, link, p.proc);
    if (link === 'mv' && r.abspath && r.abspath2) this.moveTree(p, r.abspath, r.abspath2, ts);
  }

  /**
   * A close of a file the process used: reads and writes through that fd
   * (if it was the one) end here (jobs.ts writtenUntil, and sourcesOf: a
   * driver copying a file reads it while it writes the copy).
   */
  private onClose(p: Process, path: string | undefined, ts: number): void {
    if (!path || path[0] !== '/') return;
    const id = this.fileIds.get(path);
    const a = id === undefined ? undefined : p.files.get(id);
    if (!a) return;
    if (ts > a.closed) a.closed = ts;
    if (a.lastWrite >= 0 && ts > a.lastWrite) a.lastWrite = ts;
  }

  /** The first mtime a successful stat found, before the build wrote the file. */
  private onStat(r: LogRecord): void {
    const l = r.lookup!;
    // the file's own time: not a symbolic link's (an lstat of a link; a stat follows it)
    if (!l.ftype || l.ftype === S_IFLNK_TYPE || l.errno) return;
    this.found(r.abspath, l.mtime ?? 0, l.mtime_nsec ?? 0, r.ts);
  }

  /**
   * A successful stat or open found `path` with this mtime (an open: and
   * size) at `ts`: kept if it is the first, before the build wrote the file.
   * 0.0 is "not recorded" (a failed open, a statx that did not ask for the
   * mtime, a log of an earlier bt): passed over, so a later stat or open with
   * the time gives it; a file whose mtime really is the epoch goes without
   * one. The first real one goes with the file's appearance, if it appeared
   * (outside.ts).
   */
  private found(path: string | undefined, sec: number, nsec: number, ts: number, size?: number): void {
    if (!path || path[0] !== '/' || (!sec && !nsec)) return;
    const f = this.file(path);
    this.unchanged.found(f.id, ts, mtimeKey(sec, nsec), size);
    const ap = this.appeared.get(f.id);
    if (ap && ap.mtime === undefined) ap.mtime = { sec, nsec, ts };
    if (f.kinds & WRITES) return;
    if (f.mtime === undefined) f.mtime = mtimeKey(sec, nsec);
    if (f.size === undefined && size !== undefined) f.size = size;
  }

  private onProcess(p: Process, r: LogRecord): void {
    const info = r.process!;
    p.pid = info.pid ?? p.pid;
    p.parent = info.parent ?? 0;
    if (info.exe && !p.execd) p.exe = this.intern(info.exe);
    if (info.argv?.length && !p.execd) p.argv = info.argv.map((a) => this.intern(a));
    if (info.cwd && !p.cwd) p.cwd = this.intern(info.cwd);
    if (info.start_ts) p.start = info.start_ts;
    p.end = info.end_ts ?? 0;
    p.exitCode = info.exit_code ?? -1;
    p.signal = info.signal ?? 0;
    if (info.pipe_read?.length) p.pipeRead = [...info.pipe_read];
    if (info.pipe_write?.length) p.pipeWrite = [...info.pipe_write];
    // without held_known (an older normalizer) any write may have gone on to its end
    const held = info.held_known ? (info.held_write ?? []).map((path) => this.fileIds.get(path)).filter((id) => id !== undefined) : this.written(p);
    p.heldWrite = held.length ? held : undefined;
  }

  /** The files a process wrote. */
  private written(p: Process): number[] {
    const out: number[] = [];
    for (const a of p.files.values()) if (a.kinds & WRITES) out.push(a.file);
    return out;
  }

  /** @internal */
  onExec(p: Process, r: LogRecord): void {
    const e = r.exec!;
    if ((e.errno ?? 0) !== 0) {
      p.failedExecs++;
      (p.execFailures ??= []).push({ ts: r.ts, path: r.abspath || e.path || '', errno: Math.abs(e.errno ?? 0) });
      return;
    }
    // the program it ran before this one starts the chain (a shell's `-c` line that execs its last command, `nice make`)
    const before = p.execd && !p.execs ? { ts: this.execAt[p.proc] || p.start, exe: p.exe, argv: p.argv, cwd: p.cwd } : undefined;
    if (!p.execd) this.firstExec(p.proc, r.ts);
    p.execd = true;
    p.chdirs = undefined; // the exec record's cwd is where it now is
    // the exec closes close-on-exec fds: writes through them end here (a write fd left open is held to the end: ProcessInfo.held_write)
    for (const a of p.files.values()) if (a.lastWrite >= 0 && r.ts > a.lastWrite) a.lastWrite = r.ts;
    if (e.env?.length) p.env = this.internEnv(e.env);
    if (e.argv?.length) p.argv = e.argv.map((a) => this.intern(a));
    const caller = e.interp && e.argv0 ? callerArgv({ path: e.path ?? '', argv: e.argv ?? [], interp: e.interp, argv0: e.argv0 }) : undefined;
    if (caller && !sameStrings(caller, p.argv)) p.invoked = caller.map((a) => this.intern(a));
    else p.invoked = undefined;
    if (r.abspath) p.exe = this.intern(r.abspath);
    // the failures since the last successful exec led up to this one (a PATH search's misses)
    const fails = p.execFailures;
    if (fails) for (let i = fails.length - 1; i >= 0 && fails[i].then === undefined; i--) fails[i].then = p.exe;
    if (e.cwd) p.cwd = this.intern(e.cwd);
    p.umask = e.umask ?? undefined; // protobufjs reads an absent optional field as null
    if (before || p.execs) (p.execs ??= [before!]).push({ ts: r.ts, exe: p.exe, argv: p.argv, cwd: p.cwd });
  }

  private firstExec(proc: number, ts: number): void {
    if (proc >= this.execAt.length) {
      const grown = new Float64Array(Math.max(proc + 1, this.execAt.length * 2));
      grown.set(this.execAt);
      this.execAt = grown;
    }
    this.execAt[proc] = ts;
  }

  /** A rename's destination is a directory if its source was one. Returns the file-to-file link the record makes, if any. */
  private onPath2(r: LogRecord): 'mv' | 'ln' | undefined {
    const op = r.path2!.op ?? '';
    if ((r.path2!.errno ?? 0) !== 0) return undefined;
    if (op.startsWith('rename')) {
      const from = r.abspath ? this.fileIds.get(r.abspath) : undefined;
      if (from !== undefined && this.files[from].dir && r.abspath2) this.file(r.abspath2).dir = true;
      return 'mv';
    }
    return op.startsWith('link') ? 'ln' : undefined;
  }

  private link(from: string | undefined, to: string | undefined, kind: 'mv' | 'ln', proc: number): void {
    const a = from ? this.fileIds.get(from) : undefined;
    const b = to ? this.fileIds.get(to) : undefined;
    if (a === undefined || b === undefined || a === b) return;
    const key = `${a}:${b}:${kind}`;
    if (this.linkSeen.has(key)) return;
    this.linkSeen.add(key);
    this.links.push({ from: a, to: b, kind, proc });
  }

  /** The finished model. */
  finish(state: { incomplete?: boolean; live?: boolean; trailer?: Trailer } = {}): BuildModel {
    const ids = [...this.procs.keys()].sort((a, b) => a - b);
    const processes = ids.map((id) => this.procs.get(id)!);
    const roots: number[] = [];
    for (const p of processes) {
      const parent = p.parent ? this.procs.get(p.parent) : undefined;
      if (parent && parent !== p) parent.children.push(p.proc);
      else {
        p.parent = 0;
        roots.push(p.proc);
      }
    }
    // Forks that never exec'd run their parent's program with its environment.
    for (const p of processes) {
      if (p.execd || !p.parent) continue;
      const q = this.procs.get(p.parent)!;
      if (!p.argv.length) p.argv = q.argv;
      if (!p.exe) p.exe = q.exe;
      if (!p.env.length) p.env = q.env;
      if (!p.cwd) p.cwd = q.cwd;
      if (p.umask === undefined) p.umask = q.umask;
    }
    const startTs = this.header.start_ts || (Number.isFinite(this.firstTs) ? this.firstTs : 0);
    const endTs = Math.max(state.trailer?.end_ts ?? 0, this.lastTs);
    const outlived = outlivedOf(state.trailer, processes);
    // exit_flag: a thread that saw its process end reported nothing; another
    // thread of it did, unless a process that did not outlive the trace has
    // no exit (end 0 until just below): only then was an exit lost
    const left = outlivedProcs(outlived);
    const exitsLost = this.exitFlagLost && processes.some((p) => !p.end && !left.has(p.proc)) ? this.exitFlagLost : 0;
    // the processes whose exit the log does not have (those left running after the grace period apart)
    let notExited = 0;
    for (const p of processes) if (!p.end && !left.has(p.proc)) notExited++;
    for (const p of processes) if (!p.end) p.end = Math.max(p.start, endTs);
    if (this.unchanged.any) this.unchanged.settle(this.procs, this.files);
    markChecksums(processes, this.files);
    const buildEndTs = buildEndOf(processes, outlived, endTs);
    setAsideAfterBuild(processes, this.files, outlived, buildEndTs);
    markMadeOutside(this.files, this.appeared, this.header, startTs, endTs);
    return {
      header: this.header,
      trailer: state.trailer,
      processes,
      files: this.files,
      roots,
      links: this.links,
      incomplete: !!state.incomplete,
      live: !!state.live,
      lostEvents: this.lostEvents + exitsLost,
      shortfalls: shortfallsOf(this.notLost, this.failedExecArgvCut),
      notExited,
      startTs,
      endTs,
      outlived,
      buildEndTs,
    };
  }
}

/** An mtime as BuildFile.mtime spells it: "sec.nsec". */
function mtimeKey(sec: number, nsec: number): string {
  return `${sec}.${String(nsec).padStart(9, '0')}`;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
