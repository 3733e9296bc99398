/**
 * LogWriter: appends records to a bt log.
 *
 * The batch is one buffer, reused: records are encoded straight into it
 * (fastencode.ts; by protobufjs and copied in, the few it leaves), and so
 * are the records the capture's transcoder encoded. The header and the
 * trailer too: bt trace writes its log without protobufjs and the schema. No buffer per record or per
 * batch: a kernel build's log went through three allocations of its size
 * before, enough external memory for V8 to start a full GC every few
 * seconds. The batch is
 * written with fs.writeSync when it reaches `batchBytes` or when
 * `flushIntervalMs` has passed since the last flush (checked on each write;
 * the capture loop also calls flush() on a timer). Flushed records are not
 * kept, so memory stays flat whatever the size of the log.
 */
import fs from 'node:fs';
import { LogError } from '../errors.js';
import { describeFsError, fsCode, sleepSync } from './io.js';
import { SELF, openOutputInPlace, type OutputFile, type Owner } from './output.js';
import { encodeDelimitedInto } from './fastencode.js';
import { FORMAT_VERSION, recordType } from './kinds.js';
import { MAGIC } from './magic.js';
import { WIRE_LEN, WireWriter, varintSize } from './wire.js';
import { wireDesc } from './wiredesc.js';
import type { LogHeader, LogRecord, Trailer } from './schema.js';

export interface LogWriterOptions {
  /** create the log as this user (e.g. the user who ran sudo bt trace) */
  uid?: number;
  /** and group */
  gid?: number;
  /** flush at least this often while records arrive (default 1000) */
  flushIntervalMs?: number;
  /** flush when the batch reaches this size (default 1 MiB) */
  batchBytes?: number;
  /** the user's name, for their supplementary groups when creating the file as uid */
  userName?: string;
  /** called with the fd of the log before an existing file is truncated (a lock: throw to refuse) */
  beforeTruncate?: (fd: number) => void;
  /**
   * Regular files: called with each range of at least WRITE_BEHIND_BYTES
   * written since the last call, to start writing it to the disk without
   * waiting (bt trace: sync_file_range). The close's fdatasync then finds
   * little left to write: it is on the critical path of every trace (~6 ms
   * for a configure's 13 MiB log, ~0.3 ms after write-behind). Must not throw.
   */
  writeBehind?: (fd: number, offset: number, length: number) => void;
}

/** How much a writer writes before it hands the range to writeBehind. */
export const WRITE_BEHIND_BYTES = 1 << 20;

const DEFAULT_FLUSH_INTERVAL_MS = 1000;
const DEFAULT_BATCH_BYTES = 1 << 20;

function hintFor(code: string | undefined, isStdout: boolean): string {
  switch (code) {
    case 'ENOSPC':
      return 'The disk is full: free some space or write the log to another file system (-o).';
    case 'EDQUOT':
      return 'The disk quota is exceeded: free some space or write the log elsewhere (-o).';
    case 'EFBIG':
      return 'The file is too large for this file system: write the log elsewhere (-o).';
    case 'EPIPE':
      return isStdout ? 'The program reading the log from stdout went away.' : 'The reader of the pipe went away.';
    case 'EBADF':
      return 'The log file descriptor is no longer valid (internal error: please report it).';
    case 'EIO':
      return 'The storage device reported an I/O error: check it, or write the log elsewhere (-o).';
    case 'EROFS':
      return 'The file system is read-only: write the log elsewhere (-o).';
    case 'EACCES':
    case 'EPERM':
      return 'Permission denied: choose a writable location for the log (-o).';
    case 'ENOENT':
    case 'ENOTDIR':
      return 'The directory does not exist: create it or choose another path (-o).';
    case 'EISDIR':
      return 'That is a directory: give a file name (-o).';
    default:
      return 'Check the file system, or write the log elsewhere (-o).';
  }
}

export class LogWriter {
  /** The path given to open ('-' for stdout). */
  readonly path: string;
  private fd: number;
  private readonly isStdout: boolean;
  private readonly regular: boolean;
  private readonly flushIntervalMs: number;
  private readonly batchBytes: number;
  private readonly writeBehind: LogWriterOptions['writeBehind'];
  /** Where the bytes not yet handed to writeBehind start. */
  private behind = 0;
  /** The batch: the records encoded since the last flush, in order. */
  private readonly batch = new WireWriter(64 * 1024);
  private lastFlush = Date.now();
  private written = 0;
  /**
   * After close(), for a regular file: how the file differs from what was
   * written, when something else changed it meanwhile (a build that
   * truncated it or wrote over its start: `> build.trace`); else undefined.
   */
  damage: string | undefined;
  private nRecords = 0;
  private readonly perType: Record<string, number> = {};
  private readonly lostByReason: Record<string, number> = {};
  private closed = false;
  private output: OutputFile | undefined;
  private headerBytes = 0;
  /** Set when a write failed (disk full...): from then on records are dropped, see `failure`. */
  private failedWith: LogError | undefined;

  private constructor(path: string, fd: number, regular: boolean, opts: LogWriterOptions) {
    this.path = path;
    this.fd = fd;
    this.isStdout = path === '-';
    this.regular = regular;
    this.flushIntervalMs = opts.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    this.batchBytes = Math.max(1, opts.batchBytes ?? DEFAULT_BATCH_BYTES);
    this.writeBehind = regular ? opts.writeBehind : undefined;
  }

  /**
   * Opens `path` through the careful output module (output.ts: created
   * O_EXCL as the owner, no symlinks followed, other users' files refused;
   * mode 0600) and writes the magic and the header. `-` writes to stdout.
   * `uid`/`gid`: the file is created with that identity (the user who ran
   * sudo), never chowned. Throws LogError.
   */
  static open(path: string, header: LogHeader, opts: LogWriterOptions = {}): LogWriter {
    headerBytes(header); // before creating anything: a bad header is a bug, not an I/O error
    const owner: Owner = opts.uid !== undefined && opts.uid >= 0 ? { uid: opts.uid, gid: opts.gid ?? opts.uid, name: opts.userName } : SELF;
    const out = openOutputInPlace(path, { owner, beforeTruncate: opts.beforeTruncate });
    return LogWriter.onOutput(out, header, opts);
  }

  /**
   * Encodes the header once, throwing what onOutput would for it: the
   * encoder of a message is made at its first use (~1 ms), which bt trace
   * has done while its BPF programs load.
   */
  static prepare(header: LogHeader): void {
    headerBytes(header);
  }

  /** Writes the magic and the header to an output opened by output.ts; close() closes it (and commits it). */
  static onOutput(out: OutputFile, header: LogHeader, opts: LogWriterOptions = {}): LogWriter {
    const path = out.path;
    const head = headerBytes(header);
    const fd = out.fd;
    const regular = out.kind === 'file';
    const w = new LogWriter(path, fd, regular, opts);
    w.output = out;
    w.headerBytes = MAGIC.length + head.length;
    const first = Buffer.allocUnsafe(MAGIC.length + head.length);
    MAGIC.copy(first, 0);
    first.set(head, MAGIC.length);
    try {
      w.writeOut(first);
    } catch (err) {
      if (!w.isStdout) {
        try {
          fs.closeSync(fd);
        } catch {
          /* already failing */
        }
      }
      out.abort();
      w.closed = true;
      throw err;
    }
    return w;
  }

  /** Total bytes of the log so far (magic, header and records, including the unflushed batch). */
  get bytesWritten(): number {
    return this.written + this.batch.pos;
  }

  /** Bytes encoded but not yet written to the file. */
  get pendingBytes(): number {
    return this.batch.pos;
  }

  /** Event records written (the trailer is not counted). */
  get records(): number {
    return this.nRecords;
  }

  /** Event records written, per event type (oneof name). A copy. */
  get counts(): Record<string, number> {
    return { ...this.perType };
  }

  /** Total lost events, per reason, from the lost records written. A copy. */
  get lost(): Record<string, number> {
    return { ...this.lostByReason };
  }

  /**
   * The error that stopped the log (a full disk...), if any: the file then
   * ends at the last complete batch (records after it were dropped).
   */
  get failure(): LogError | undefined {
    return this.failedWith;
  }

  /** Bytes of the file that hold complete records (all of them unless `failure`). */
  get bytesOnDisk(): number {
    return this.written;
  }

  /** True once close() was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Appends one event record. Throws LogError E_LOG_WRITE if a flush fails. */
  write(r: LogRecord): void {
    this.checkOpen();
    const type = recordType(r);
    if (type === undefined || type === 'trailer') {
      throw new TypeError(
        type === 'trailer' ? 'LogWriter.write: pass the trailer to close()' : 'LogWriter.write: the record has no event set',
      );
    }
    this.encode(r);
    this.nRecords++;
    this.perType[type] = (this.perType[type] ?? 0) + 1;
    if (type === 'lost') {
      const lost = r.lost!;
      const reason = lost.reason || 'unknown';
      this.lostByReason[reason] = (this.lostByReason[reason] ?? 0) + Number(lost.count ?? 0);
    }
    this.flushIfDue();
  }

  /**
   * Appends records that are already encoded (each varint-delimited), e.g.
   * by the capture's direct transcoder, with their count per event type.
   * The bytes are copied.
   */
  appendEncoded(bytes: Uint8Array, perType: Record<string, number>): void {
    this.checkOpen();
    if (bytes.length === 0) return;
    this.batch.append(bytes);
    for (const type in perType) {
      const n = perType[type];
      if (!n) continue;
      this.nRecords += n;
      this.perType[type] = (this.perType[type] ?? 0) + n;
    }
    this.flushIfDue();
  }

  /**
   * Appends a batch of ring records, as the kernel's ring holds them (see
   * Record.ring in bt.proto): one Record frame. The bytes are copied.
   * Counted as one record of type `ring`.
   */
  appendRing(bytes: Buffer): void {
    this.checkOpen();
    if (bytes.length === 0) return;
    const b = this.batch;
    const field = ring();
    const inner = field.tagBytes + varintSize(bytes.length) + bytes.length;
    b.ensure(varintSize(inner) + inner);
    b.varint(inner);
    b.bytes(field.id, bytes, 0, bytes.length);
    this.nRecords++;
    this.perType.ring = (this.perType.ring ?? 0) + 1;
    this.flushIfDue();
  }

  private checkOpen(): void {
    if (this.closed) {
      throw new LogError('E_LOG_WRITE', `cannot write to log ${this.displayName()}: it is already closed (internal error)`);
    }
  }

  /** Flushes when the batch is full or the flush interval has passed since the last flush. */
  private flushIfDue(): void {
    if (this.batch.pos >= this.batchBytes || Date.now() - this.lastFlush >= this.flushIntervalMs) this.flush();
  }

  /**
   * Writes the batch to the file. Throws LogError E_LOG_WRITE the first
   * time a write fails; the file is then cut back to its last complete
   * batch and later records are dropped (see `failure`).
   */
  flush(): void {
    this.lastFlush = Date.now();
    if (this.failedWith) {
      this.batch.pos = 0;
      return;
    }
    if (this.closed || this.batch.pos === 0) return;
    // Take the batch and start a new one: the records are dropped even if
    // the write fails, so memory cannot grow on a full disk.
    const n = this.batch.pos;
    this.batch.pos = 0;
    this.writeOut(this.batch.buf.subarray(0, n)); // done with the bytes when it returns or throws
    if (this.writeBehind && this.written - this.behind >= WRITE_BEHIND_BYTES) {
      this.writeBehind(this.fd, this.behind, this.written - this.behind);
      this.behind = this.written;
    }
  }

  /**
   * Writes `trailer` (when given) as the final record, flushes, fdatasyncs
   * (regular files) and closes. `records`, `counts` and `lost` of the trailer
   * are filled in from what this writer wrote when absent. Idempotent.
   */
  close(trailer?: Trailer): void {
    if (this.closed) return;
    let failure: unknown;
    if (this.failedWith) trailer = undefined; // the log ends at its last complete batch
    if (trailer) {
      const t: Trailer = {
        ...trailer,
        records: trailer.records ?? this.nRecords,
        counts: trailer.counts ?? { ...this.perType },
        lost: trailer.lost ?? { ...this.lostByReason },
      };
      try {
        this.encode({ ts: t.end_ts, pid: 0, tid: 0, trailer: t });
      } catch (err) {
        failure = err; // still flush and close what we have
      }
    }
    try {
      this.flush();
      if (this.regular) {
        try {
          fs.fdatasyncSync(this.fd);
        } catch (err) {
          throw this.writeError(err, 'sync');
        }
        this.damage = damageOf(this.fd, this.written);
      }
    } catch (err) {
      failure ??= err;
    }
    this.closed = true;
    if (!this.isStdout) {
      try {
        fs.closeSync(this.fd);
      } catch (err) {
        failure ??= this.writeError(err, 'close');
      }
    }
    this.fd = -1;
    if (failure !== undefined) {
      this.output?.abort();
      throw failure;
    }
    this.output?.commit();
  }

  /** Closes without a trailer and drops the output (an atomic output's temporary file is removed). */
  abort(): void {
    const out = this.output;
    this.output = undefined;
    try {
      this.close();
    } catch {
      /* dropping it anyway */
    }
    out?.abort();
  }

  private encode(r: LogRecord): void {
    encodeRecordInto(r, this.batch);
  }

  private writeOut(buf: Uint8Array): void {
    let off = 0;
    try {
      while (off < buf.length) {
        try {
          off += fs.writeSync(this.fd, buf, off, buf.length - off);
        } catch (err) {
          if (fsCode(err) === 'EAGAIN') {
            sleepSync(1);
            continue;
          }
          throw err;
        }
      }
    } catch (err) {
      const e = this.writeError(err, 'write');
      this.failedWith = e;
      // keep the complete records of what was written; cut a half record off the end
      const keep = this.written === 0 ? (off >= this.headerBytes ? this.headerBytes : 0) : completeFrames(buf, off);
      this.written += keep;
      if (this.regular) {
        try {
          fs.ftruncateSync(this.fd, this.written);
        } catch {
          /* the readers report a torn tail */
        }
      }
      throw e;
    }
    this.written += buf.length;
  }

  private displayName(): string {
    return this.isStdout ? 'stdout' : this.path;
  }

  private writeError(err: unknown, what: string): LogError {
    return new LogError(
      'E_LOG_WRITE',
      `cannot ${what} log ${this.displayName()}: ${describeFsError(err)}. ${hintFor(fsCode(err), this.isStdout)}`,
      { cause: err },
    );
  }
}

/** Record.ring's field number, and the size of its tag (the first batch asks). */
let ringField: { id: number; tagBytes: number } | undefined;
function ring(): { id: number; tagBytes: number } {
  if (ringField) return ringField;
  const id = wireDesc()['bt.Record']!.find((f) => f.name === 'ring')!.id;
  return (ringField = { id, tagBytes: varintSize((id << 3) | WIRE_LEN) });
}

/** Encodes one record, varint-delimited, at the end of `w` (fastencode.ts, else protobufjs). */
export function encodeRecordInto(r: LogRecord, w: WireWriter): void {
  try {
    encodeDelimitedInto('bt.Record', r, w);
  } catch (err) {
    throw new TypeError(`LogWriter: cannot encode record: ${(err as Error).message}`, { cause: err });
  }
}

/** The header, varint-delimited (format_version FORMAT_VERSION when it has none). */
function headerBytes(h: LogHeader): Uint8Array {
  const w = new WireWriter(1024);
  encodeDelimitedInto('bt.Header', h.format_version ? h : { ...h, format_version: FORMAT_VERSION }, w);
  return w.buf.subarray(0, w.pos);
}

/** Bytes of buf[0, n) that hold whole varint-delimited records. */
function completeFrames(buf: Uint8Array, n: number): number {
  let p = 0;
  for (;;) {
    let len = 0;
    let mul = 1;
    let q = p;
    for (;;) {
      if (q >= n) return p;
      const c = buf[q++]!;
      len += (c & 0x7f) * mul;
      mul *= 128;
      if (c < 0x80) break;
    }
    if (q + len > n) return p;
    p = q + len;
  }
}

/**
 * How the file open at `fd` differs from the `bytes` bytes written to it
 * from its start: cut, overwritten at its start (no magic), or written past
 * its end. Read through /proc/self/fd (the fd may be write-only), never by
 * its path, which another process could have changed. Undefined when whole,
 * as far as the magic and the size tell.
 */
function damageOf(fd: number, bytes: number): string | undefined {
  let rd: number;
  try {
    rd = fs.openSync(`/proc/self/fd/${fd}`, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch {
    return undefined; // nothing more to tell
  }
  try {
    const st = fs.fstatSync(rd);
    const head = Buffer.alloc(MAGIC.length);
    const n = fs.readSync(rd, head, 0, head.length, 0);
    if (st.size < bytes) return `it was cut to ${st.size} bytes of the ${bytes} bt wrote`;
    if (n < head.length || !head.equals(MAGIC)) return 'its start was overwritten';
    if (st.size > bytes) return `it has ${st.size - bytes} bytes more than the ${bytes} bt wrote`;
    return undefined;
  } finally {
    fs.closeSync(rd);
  }
}
