/**
 * LogWriter: appends records to a bt log.
 *
 * Each record is encoded on its own (short-lived buffers are cheaper for the
 * GC than one big protobufjs Writer) into an in-memory batch, and the batch is
 * written with fs.writeSync when it reaches `batchBytes` or when
 * `flushIntervalMs` has passed since the last flush (checked on each write;
 * the capture loop also calls flush() on a timer). Flushed records are not
 * kept, so memory stays flat whatever the size of the log.
 */
import fs from 'node:fs';
import { LogError } from '../errors.js';
import { describeFsError, fsCode, writeAllSync } from './io.js';
import { MAGIC, RecordType, encodeHeader, recordType } from './schema.js';
import type { LogHeader, LogRecord, Trailer } from './schema.js';

export interface LogWriterOptions {
  /** chown the log to this user (e.g. the user who ran sudo bt trace) */
  uid?: number;
  /** chown the log to this group */
  gid?: number;
  /** flush at least this often while records arrive (default 1000) */
  flushIntervalMs?: number;
  /** flush when the batch reaches this size (default 1 MiB) */
  batchBytes?: number;
}

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
  private batch: Uint8Array[] = [];
  private batchLen = 0;
  private lastFlush = Date.now();
  private written = 0;
  private nRecords = 0;
  private readonly perType: Record<string, number> = {};
  private readonly lostByReason: Record<string, number> = {};
  private closed = false;

  private constructor(path: string, fd: number, regular: boolean, opts: LogWriterOptions) {
    this.path = path;
    this.fd = fd;
    this.isStdout = path === '-';
    this.regular = regular;
    this.flushIntervalMs = opts.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    this.batchBytes = Math.max(1, opts.batchBytes ?? DEFAULT_BATCH_BYTES);
  }

  /**
   * Creates (or truncates) `path` with mode 0600, chowns it to uid/gid when
   * given, and writes the magic and the header. `-` writes to stdout.
   * Throws LogError E_LOG_WRITE.
   */
  static open(path: string, header: LogHeader, opts: LogWriterOptions = {}): LogWriter {
    const name = path === '-' ? 'stdout' : path;
    const head = encodeHeader(header); // before creating anything: a bad header is a bug, not an I/O error
    let fd = 1;
    let regular = false;
    if (path !== '-') {
      try {
        fd = fs.openSync(path, 'w', 0o600);
      } catch (err) {
        throw new LogError(
          'E_LOG_WRITE',
          `cannot create log file ${name}: ${describeFsError(err)}. ${hintFor(fsCode(err), false)}`,
          { cause: err },
        );
      }
      try {
        regular = fs.fstatSync(fd).isFile();
        // Only touch the mode/owner of a regular file we created: never of
        // /dev/null or a FIFO given as the output.
        if (regular) {
          fs.fchmodSync(fd, 0o600); // an existing file keeps its old mode through O_TRUNC: set it
          if (opts.uid !== undefined || opts.gid !== undefined) {
            fs.fchownSync(fd, opts.uid ?? -1, opts.gid ?? -1);
          }
        }
      } catch (err) {
        fs.closeSync(fd);
        throw new LogError(
          'E_LOG_WRITE',
          `cannot set the owner or mode of log file ${name}: ${describeFsError(err)}. ${hintFor(fsCode(err), false)}`,
          { cause: err },
        );
      }
    }
    const w = new LogWriter(path, fd, regular, opts);
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
      w.closed = true;
      throw err;
    }
    return w;
  }

  /** Total bytes of the log so far (magic, header and records, including the unflushed batch). */
  get bytesWritten(): number {
    return this.written + this.batchLen;
  }

  /** Bytes encoded but not yet written to the file. */
  get pendingBytes(): number {
    return this.batchLen;
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

  /** True once close() was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Appends one event record. Throws LogError E_LOG_WRITE if a flush fails. */
  write(r: LogRecord): void {
    if (this.closed) {
      throw new LogError('E_LOG_WRITE', `cannot write to log ${this.displayName()}: it is already closed (internal error)`);
    }
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
    if (this.batchLen >= this.batchBytes || Date.now() - this.lastFlush >= this.flushIntervalMs) {
      this.flush();
    }
  }

  /**
   * Appends records that are already encoded (each varint-delimited), e.g.
   * by the capture's direct transcoder, with their count per event type.
   * The bytes are copied.
   */
  appendEncoded(bytes: Uint8Array, perType: Record<string, number>): void {
    if (this.closed) {
      throw new LogError('E_LOG_WRITE', `cannot write to log ${this.displayName()}: it is already closed (internal error)`);
    }
    if (bytes.length === 0) return;
    this.batch.push(Buffer.from(bytes));
    this.batchLen += bytes.length;
    for (const [type, n] of Object.entries(perType)) {
      this.nRecords += n;
      this.perType[type] = (this.perType[type] ?? 0) + n;
    }
    if (this.batchLen >= this.batchBytes || Date.now() - this.lastFlush >= this.flushIntervalMs) {
      this.flush();
    }
  }

  /** Writes the batch to the file. Throws LogError E_LOG_WRITE. */
  flush(): void {
    this.lastFlush = Date.now();
    if (this.closed || this.batchLen === 0) return;
    // Take the batch and start a new one: the records are dropped even if
    // the write fails, so memory cannot grow on a full disk.
    const buf = this.batch.length === 1 ? this.batch[0]! : Buffer.concat(this.batch, this.batchLen);
    this.batch = [];
    this.batchLen = 0;
    this.writeOut(buf);
  }

  /**
   * Writes `trailer` (when given) as the final record, flushes, fdatasyncs
   * (regular files) and closes. `records`, `counts` and `lost` of the trailer
   * are filled in from what this writer wrote when absent. Idempotent.
   */
  close(trailer?: Trailer): void {
    if (this.closed) return;
    let failure: unknown;
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
    if (failure !== undefined) throw failure;
  }

  private encode(r: LogRecord): void {
    let bytes: Uint8Array;
    try {
      bytes = RecordType.encodeDelimited(r).finish();
    } catch (err) {
      throw new TypeError(`LogWriter: cannot encode record: ${(err as Error).message}`, { cause: err });
    }
    this.batch.push(bytes);
    this.batchLen += bytes.length;
  }

  private writeOut(buf: Uint8Array): void {
    try {
      writeAllSync(this.fd, buf);
    } catch (err) {
      throw this.writeError(err, 'write');
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
