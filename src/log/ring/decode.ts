/**
 * Decodes ring-buffer records (bpf/bt_records.h, offsets in layout.ts) into
 * log records. EXEC records are followed by EXEC_DATA chunks carrying argv
 * and env; they are assembled per thread and the exec is emitted when its
 * bytes are complete, or as truncated when that thread moves on first (a
 * chunk was lost) or the trace ends.
 */
import type { LogRecord, Lookup, MetaOp } from '../schema.js';
import { familyOf } from '../../ops/table.js';
import { decodeBytes } from '../bytes.js';
import { RecentBytes } from '../recent.js';
import { CURRENT_RING, EXEC_UMASK_KNOWN, F, LAYOUT, MAX_ARG_BYTES, OP_NAMES, REP_COUNT_BITS, T, USER_LAYOUT, UT, type RingVariant } from './layout.js';
import { tagKey } from './repeats.js';

const H = LAYOUT.bt_hdr.fields;

interface PendingExec {
  rec: LogRecord;
  /** The announced sizes of its argv and env blocks. */
  argvLen: number;
  envLen: number;
  /**
   * The bytes that came, at the start of buffers grown as they come (not
   * allocated at the announced size: a damaged log may announce megabytes
   * for every exec); spares when the exec is done.
   */
  argv: Buffer;
  env: Buffer;
  argvGot: number;
  envGot: number;
  damaged: boolean;
}

export type Emit = (r: LogRecord) => void;
/**
 * Repeated lookups (RepeatTracker): `hold` gets a lookup flagged
 * BT_F_REPEAT (the first repetition of an identical lookup), `count` the
 * count that a BT_T_REPEATS record brings for it; both by tagKey.
 */
export interface RepeatSink {
  hold(r: LogRecord, key: string): void;
  count(key: string, n: number): void;
}

/** Environments remembered by their bytes: a repeated one is the same array again, not decoded (see log/recent.ts). */
const RECENT_ENVS = 8;
/** Spare argv/env buffers kept for the next execs. */
const SPARES = 8;

export class RecordDecoder {
  private readonly execs = new Map<number, PendingExec>();
  private readonly envs = new RecentBytes<string[]>(RECENT_ENVS);
  /** Buffers of finished execs, reused: an exec's blocks are kilobytes, an allocation each (external memory) for nothing. */
  private readonly spares: Buffer[] = [];
  /** Execs emitted with missing argv/env bytes. */
  incompleteExecs = 0;
  /** Environments of a logged ring batch (UT.ENV_DEF), by id. */
  private readonly envDefs = new Map<number, Buffer>();

  constructor(
    private readonly emit: Emit,
    private readonly repeats?: RepeatSink,
    private readonly ring: RingVariant = CURRENT_RING,
  ) {}

  /** Decodes one record of `len` bytes at `off`. */
  decode(buf: Buffer, dv: DataView, off: number, len: number): void {
    if (len < LAYOUT.bt_hdr.size) return;
    const type = dv.getUint16(off + H.type, true);
    const tid = dv.getUint32(off + H.tid, true);
    if (type === T.EXEC_DATA) {
      this.execData(buf, dv, off, len, tid);
      return;
    }
    if (type === UT.ENV_DEF || type === UT.ENV_REF) {
      this.sharedEnv(buf, dv, off, len, tid, type);
      return;
    }
    if (type === T.REPEATS) {
      // Not the thread's own event (the sweep sends it from anywhere): it settles nothing.
      const L = LAYOUT.bt_repeats.fields;
      if (len >= LAYOUT.bt_repeats.size) this.repeats?.count(tagKey(tid, u64(dv, off + L.key_tag)), dv.getUint32(off + L.count, true));
      return;
    }
    this.settle(tid);

    const flags = dv.getUint16(off + H.flags, true);
    const rec: LogRecord = {
      ts: u64(dv, off + H.ts),
      pid: dv.getUint32(off + H.pid, true),
      tid,
    };
    const truncated = (flags & (F.TRUNCATED | F.READ_FAULT)) !== 0;
    switch (type) {
      case T.FORK: {
        const L = LAYOUT.bt_fork.fields;
        rec.fork = {
          child: dv.getUint32(off + L.child_pid, true),
          child_tid: dv.getUint32(off + L.child_tid, true),
          ppid: dv.getUint32(off + L.ppid, true),
          thread: (flags & F.THREAD) !== 0,
        };
        break;
      }
      case T.EXEC:
        this.exec(buf, dv, off, rec, flags);
        return;
      case T.EXIT: {
        const status = dv.getUint32(off + LAYOUT.bt_exit.fields.status, true);
        const signal = status & 0x7f;
        rec.exit = { code: signal ? 0 : (status >> 8) & 0xff, signal, core: (status & 0x80) !== 0, status };
        break;
      }
      case T.OPEN: {
        const L = LAYOUT.bt_open.fields;
        const ret = dv.getInt32(off + L.ret, true);
        if (len < this.ring.openSize) return;
        rec.open = {
          path: str(buf, off + this.ring.openSize, dv.getUint16(off + L.path_len, true)),
          dirfd: dv.getInt32(off + L.dirfd, true),
          flags: dv.getUint32(off + L.flags, true),
          mode: dv.getUint32(off + L.mode, true),
          fd: ret < 0 ? -1 : ret,
          errno: ret < 0 ? -ret : 0,
          op: op(dv, off + L.op),
          resolve: u64(dv, off + L.resolve),
          truncated,
        };
        if (this.ring.openStat) {
          rec.open.mtime = Number(dv.getBigInt64(off + L.mtime_sec, true));
          rec.open.mtime_nsec = dv.getUint32(off + L.mtime_nsec, true);
          rec.open.size = u64(dv, off + L.size);
        }
        break;
      }
      case T.CLOSE: {
        const L = LAYOUT.bt_close.fields;
        const ret = dv.getInt32(off + L.ret, true);
        rec.close = {
          fd: dv.getInt32(off + L.fd, true),
          errno: ret < 0 ? -ret : 0,
          op: op(dv, off + L.op),
          last: dv.getUint32(off + L.last, true),
          flags: dv.getUint32(off + L.cr_flags, true),
        };
        break;
      }
      case T.DUP: {
        const L = LAYOUT.bt_dup.fields;
        const ret = dv.getInt32(off + L.ret, true);
        const o = op(dv, off + L.op);
        const oldfd = dv.getInt32(off + L.oldfd, true);
        const arg = dv.getInt32(off + L.newfd, true);
        const dflags = dv.getUint32(off + L.flags, true);
        const setfd = o === 'fcntl_setfd';
        rec.dup = {
          oldfd,
          newfd: setfd ? oldfd : ret < 0 ? -1 : ret,
          errno: ret < 0 ? -ret : 0,
          op: o,
          flags: dflags,
          arg,
          cloexec: setfd ? (arg & 1) !== 0 : o === 'fcntl_dupfd_cloexec' || (o === 'dup3' && (dflags & 0o2000000) !== 0),
        };
        break;
      }
      case T.PIPE: {
        const L = LAYOUT.bt_pipe.fields;
        const ret = dv.getInt32(off + L.ret, true);
        rec.pipe = {
          read_fd: dv.getInt32(off + L.fd0, true),
          write_fd: dv.getInt32(off + L.fd1, true),
          errno: ret < 0 ? -ret : 0,
          flags: dv.getUint32(off + L.flags, true),
          op: op(dv, off + L.op),
        };
        break;
      }
      case T.CHDIR: {
        const L = LAYOUT.bt_chdir.fields;
        const ret = dv.getInt32(off + L.ret, true);
        const plen = dv.getUint16(off + L.path_len, true);
        const base = off + LAYOUT.bt_chdir.size;
        rec.chdir = {
          path: str(buf, base, plen),
          fd: dv.getInt32(off + L.fd, true),
          errno: ret < 0 ? -ret : 0,
          cwd: ret < 0 ? '' : components(buf, base + plen, dv.getUint16(off + L.cwd_len, true), (flags & F.CWD_INCOMPLETE) !== 0),
          op: op(dv, off + L.op),
        };
        if (flags & F.CWD_INCOMPLETE) rec.chdir.cwd_incomplete = true;
        break;
      }
      case T.PATH: {
        const L = LAYOUT.bt_path.fields;
        const ret = dv.getInt32(off + L.ret, true);
        rec.path = {
          op: op(dv, off + L.op),
          path: str(buf, off + LAYOUT.bt_path.size, dv.getUint16(off + L.path_len, true)),
          dirfd: dv.getInt32(off + L.dirfd, true),
          flags: dv.getUint32(off + L.flags, true),
          mode: dv.getUint32(off + L.mode, true),
          errno: ret < 0 ? -ret : 0,
          truncated,
        };
        break;
      }
      case T.PATH2: {
        const L = LAYOUT.bt_path2.fields;
        const ret = dv.getInt32(off + L.ret, true);
        const olen = dv.getUint16(off + L.old_len, true);
        const base = off + LAYOUT.bt_path2.size;
        rec.path2 = {
          op: op(dv, off + L.op),
          from: str(buf, base, olen),
          to: str(buf, base + olen, dv.getUint16(off + L.new_len, true)),
          olddirfd: dv.getInt32(off + L.olddirfd, true),
          newdirfd: dv.getInt32(off + L.newdirfd, true),
          flags: dv.getUint32(off + L.flags, true),
          errno: ret < 0 ? -ret : 0,
          truncated,
        };
        break;
      }
      case T.LOOKUP: {
        const L = LAYOUT.bt_lookup.fields;
        const ret = dv.getInt32(off + L.ret, true);
        const plen = dv.getUint16(off + L.path_len, true);
        const base = off + LAYOUT.bt_lookup.size;
        const ok = ret >= 0;
        // Only what is set: protobufjs writes a field that is present even when it is 0.
        const l: Lookup = {
          op: op(dv, off + L.op),
          path: str(buf, base, plen),
          dirfd: dv.getInt32(off + L.dirfd, true),
          flags: dv.getUint32(off + L.flags, true),
          mode: dv.getUint32(off + L.mode, true),
          errno: ok ? 0 : -ret,
        };
        const ftype = dv.getUint32(off + L.ftype, true);
        if (ftype) {
          l.ftype = ftype;
          l.mtime = Number(dv.getBigInt64(off + L.mtime_sec, true));
          l.mtime_nsec = dv.getUint32(off + L.mtime_nsec, true);
        }
        const tlen = dv.getUint16(off + L.target_len, true);
        if (tlen) l.target = str(buf, base + plen, tlen);
        if (truncated) l.truncated = true;
        rec.lookup = l;
        if (flags & F.REPEAT && this.repeats) {
          l.repeats = 0;
          this.repeats.hold(rec, tagKey(tid, keyTag(dv, off + L.key_hash)));
          return;
        }
        break;
      }
      case T.READDIR: {
        const L = LAYOUT.bt_readdir.fields;
        const ret = dv.getInt32(off + L.ret, true);
        rec.readdir = {
          op: 'getdents64',
          fd: dv.getInt32(off + L.fd, true),
          entries: dv.getUint32(off + L.entries, true),
          calls: dv.getUint32(off + L.calls, true),
          errno: ret < 0 ? -ret : 0,
        };
        if (flags & F.PARTIAL) rec.readdir.partial = true;
        break;
      }
      case T.META: {
        const L = LAYOUT.bt_meta.fields;
        const ret = dv.getInt32(off + L.ret, true);
        const m: MetaOp = {
          op: op(dv, off + L.op),
          path: str(buf, off + LAYOUT.bt_meta.size, dv.getUint16(off + L.path_len, true)),
          dirfd: dv.getInt32(off + L.dirfd, true),
          errno: ret < 0 ? -ret : 0,
        };
        // Only the fields of its family (see familyOf), and only what is set.
        const fam = familyOf(m.op);
        const fl = dv.getUint32(off + L.flags, true);
        if (fl) m.flags = fl;
        if (fam === 'chmod') m.mode = dv.getUint32(off + L.mode, true);
        else if (fam === 'chown') {
          m.uid = dv.getInt32(off + L.uid, true);
          m.gid = dv.getInt32(off + L.gid, true);
        } else if (fam === 'truncate') m.size = Number(dv.getBigInt64(off + L.size, true));
        else if (fam === 'utime') {
          if (flags & F.TIMES_NULL) m.times_now = true;
          else {
            m.atime = Number(dv.getBigInt64(off + L.atime_sec, true));
            m.atime_nsec = dv.getUint32(off + L.atime_nsec, true);
            m.mtime = Number(dv.getBigInt64(off + L.mtime_sec, true));
            m.mtime_nsec = dv.getUint32(off + L.mtime_nsec, true);
          }
        }
        if (truncated) m.truncated = true;
        rec.meta = m;
        break;
      }
      default:
        return; // a type this version does not know
    }
    this.emit(rec);
  }

  private exec(buf: Buffer, dv: DataView, off: number, rec: LogRecord, flags: number): void {
    const L = LAYOUT.bt_exec.fields;
    const ret = dv.getInt32(off + L.ret, true);
    const fnLen = dv.getUint16(off + L.filename_len, true);
    const inLen = dv.getUint16(off + L.interp_len, true);
    const cwdLen = dv.getUint16(off + L.cwd_len, true);
    const argv0Len = dv.getUint16(off + L.argv0_len, true);
    const base = off + LAYOUT.bt_exec.size;
    // (a damaged log's lengths are never taken beyond what the kernel sends)
    const argvLen = Math.min(dv.getUint32(off + L.argv_len, true), MAX_ARG_BYTES);
    const envLen = Math.min(dv.getUint32(off + L.env_len, true), MAX_ARG_BYTES);
    const dirfd = dv.getInt32(off + L.dirfd, true);
    rec.exec = {
      path: str(buf, base, fnLen),
      argv: [],
      env: [],
      cwd: components(buf, base + fnLen + inLen, cwdLen, (flags & F.CWD_INCOMPLETE) !== 0),
      errno: ret < 0 ? -ret : 0,
      interp: str(buf, base + fnLen, inLen),
      old_tid: dv.getUint32(off + L.old_tid, true),
      uid: dv.getUint32(off + L.uid, true),
      gid: dv.getUint32(off + L.gid, true),
      dirfd,
      op: op(dv, off + L.op),
      truncated: (flags & (F.TRUNCATED | F.READ_FAULT)) !== 0,
      env_omitted: (flags & F.NO_ENV) !== 0,
      ...((flags & F.CWD_INCOMPLETE) !== 0 ? { cwd_incomplete: true } : {}),
    };
    if (argv0Len) rec.exec.argv0 = str(buf, base + fnLen + inLen + cwdLen, argv0Len);
    const umask = dv.getUint16(off + L.umask, true);
    if (umask & EXEC_UMASK_KNOWN) rec.exec.umask = umask & 0o7777;
    const p: PendingExec = { rec, argvLen, envLen, argv: EMPTY, env: EMPTY, argvGot: 0, envGot: 0, damaged: false };
    if (argvLen === 0 && envLen === 0) this.finishExec(rec.tid, p);
    else this.execs.set(rec.tid, p);
  }

  private execData(buf: Buffer, dv: DataView, off: number, len: number, tid: number): void {
    const p = this.execs.get(tid);
    if (!p) return; // its EXEC was lost (counted as a ring buffer loss)
    const L = LAYOUT.bt_exec_data.fields;
    const flags = dv.getUint16(off + H.flags, true);
    const at = dv.getUint32(off + L.offset, true);
    const n = Math.min(dv.getUint32(off + L.len, true), len - LAYOUT.bt_exec_data.size);
    if (flags & F.READ_FAULT) p.damaged = true;
    const src = off + LAYOUT.bt_exec_data.size;
    if (flags & F.ENV) {
      if (at !== p.envGot || at + n > p.envLen) p.damaged = true;
      else p.envGot += buf.copy((p.env = this.room(p.env, p.envGot, at + n, p.envLen)), at, src, src + n);
    } else {
      if (at !== p.argvGot || at + n > p.argvLen) p.damaged = true;
      else p.argvGot += buf.copy((p.argv = this.room(p.argv, p.argvGot, at + n, p.argvLen)), at, src, src + n);
    }
    if (p.argvGot === p.argvLen && p.envGot === p.envLen) this.finishExec(tid, p);
  }

  /**
   * A logged ring batch's shared environment (log/ring/batcher.ts): an
   * ENV_DEF keeps its bytes; an ENV_REF gives them to its thread's exec, as
   * the env EXEC_DATA records it stands for would have.
   */
  private sharedEnv(buf: Buffer, dv: DataView, off: number, len: number, tid: number, type: number): void {
    const L = USER_LAYOUT.bt_env_def.fields;
    if (len < USER_LAYOUT.bt_env_def.size) return;
    const id = dv.getUint32(off + L.id, true);
    if (type === UT.ENV_DEF) {
      const n = Math.min(dv.getUint32(off + L.len, true), len - USER_LAYOUT.bt_env_def.size, MAX_ARG_BYTES);
      const start = off + USER_LAYOUT.bt_env_def.size;
      this.envDefs.set(id, Buffer.from(buf.subarray(start, start + n)));
      return;
    }
    const p = this.execs.get(tid);
    if (!p) return;
    const env = this.envDefs.get(id);
    if (!env || p.envGot !== 0 || env.length !== p.envLen) p.damaged = true;
    else p.envGot += env.copy((p.env = this.room(p.env, 0, env.length, p.envLen)), 0);
    if (p.argvGot === p.argvLen && p.envGot === p.envLen) this.finishExec(tid, p);
  }

  private finishExec(tid: number, p: PendingExec): void {
    this.execs.delete(tid);
    const exec = p.rec.exec!;
    exec.argv = strings(p.argv, p.argvGot);
    exec.env = this.env(p.env.subarray(0, p.envGot));
    if (p.damaged || p.argvGot < p.argvLen || p.envGot < p.envLen) {
      exec.truncated = true;
      this.incompleteExecs++;
    }
    for (const b of [p.argv, p.env]) if (b.length > 0 && this.spares.length < SPARES) this.spares.push(b);
    this.emit(p.rec);
  }

  /**
   * An environment block's strings: the very array of the last time these
   * bytes came (readers must not change it; EnvSharer knows it by identity).
   */
  private env(block: Buffer): string[] {
    if (block.length === 0) return [];
    const known = this.envs.find(block);
    if (known) return known;
    const env = strings(block, block.length);
    this.envs.add(block, env);
    return env;
  }

  /** `b` (holding `got` bytes) or a bigger buffer with them, for `need` bytes of a block of `len`. */
  private room(b: Buffer, got: number, need: number, len: number): Buffer {
    if (need <= b.length) return b;
    const next = this.buffer(Math.min(len, Math.max(need, 2 * b.length)));
    b.copy(next, 0, 0, got);
    if (b.length > 0 && this.spares.length < SPARES) this.spares.push(b);
    return next;
  }

  /** A buffer of at least n bytes: a spare one when one is big enough. */
  private buffer(n: number): Buffer {
    if (n === 0) return EMPTY;
    for (let i = 0; i < this.spares.length; i++) {
      const b = this.spares[i];
      if (b.length >= n) {
        this.spares.splice(i, 1);
        return b;
      }
    }
    return Buffer.allocUnsafe(Math.max(n, 4096));
  }

  /** A record of `tid` that is not exec data: an exec of that thread still waiting for data is done. */
  settle(tid: number): void {
    if (this.execs.size === 0) return;
    const pending = this.execs.get(tid);
    if (pending) this.finishExec(tid, pending);
  }

  /** Emits execs still waiting for data (end of trace). */
  flush(): void {
    for (const [tid, p] of [...this.execs]) this.finishExec(tid, p);
  }
}

const EMPTY = Buffer.alloc(0);

function u64(dv: DataView, at: number): number {
  return dv.getUint32(at, true) + dv.getUint32(at + 4, true) * 0x100000000;
}

/** A lookup's tag: its 64-bit key_hash at `at` shifted right by REP_COUNT_BITS (44 bits: exact in a number). */
function keyTag(dv: DataView, at: number): number {
  return dv.getUint32(at + 4, true) * 2 ** (32 - REP_COUNT_BITS) + (dv.getUint32(at, true) >>> REP_COUNT_BITS);
}

function op(dv: DataView, at: number): string {
  const v = dv.getUint16(at, true);
  return OP_NAMES[v] ?? `op${v}`;
}

/** The end of a string stored in buf[at, at + len), without its terminating NUL if it has one. */
export function withoutNul(buf: Buffer, at: number, len: number): number {
  return len > 0 && buf[at + len - 1] === 0 ? at + len - 1 : at + len;
}

/** A NUL-terminated string stored with its NUL in `len` bytes. */
function str(buf: Buffer, at: number, len: number): string {
  return len === 0 ? '' : decodeBytes(buf, at, withoutNul(buf, at, len));
}

/** NUL-separated strings (argv/env blocks). */
function strings(buf: Buffer, len: number): string[] {
  if (len === 0) return [];
  const out = decodeBytes(buf, 0, len).split('\0');
  if (out[out.length - 1] === '') out.pop();
  return out;
}

/** A kernel path (components leaf first); incomplete: the root side is missing, shown as "…/" (never absolute). */
function components(buf: Buffer, at: number, len: number, incomplete = false): string {
  if (len === 0) return incomplete ? '…' : '/';
  const parts = decodeBytes(buf, at, at + len).split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return (incomplete ? '…/' : '/') + parts.reverse().join('/');
}
