/**
 * LogReader: streams the records of a bt log.
 *
 * The file is read in chunks (1 MiB) with fs.readSync; a record larger than a
 * chunk grows the buffer to fit it (and the buffer shrinks back afterwards),
 * so memory is bounded by the largest record, never by the file.
 *
 * A log cut short (the tracer was killed, the disk filled up) or damaged is
 * read up to the first bad record: `torn` then says where and why, and
 * everything before it has been yielded.
 */
import fs from 'node:fs';
import { LogError } from '../errors.js';
import { describeFsError, fsCode } from './io.js';
import { EnvResolver } from './env.js';
import { FORMAT_VERSION, MAGIC, decodeHeader, decodeRecord, recordType } from './schema.js';
import type { LogHeader, LogRecord, Trailer } from './schema.js';

/** Where a log stops being readable. */
export interface TornInfo {
  /** byte offset (from the start of the file) of the bad record's length prefix */
  offset: number;
  reason: string;
}

const CHUNK = 1 << 20;
/** A varint length prefix longer than this many bytes cannot be a record length (uint32). */
const MAX_PREFIX_BYTES = 5;

type ReadResult = { len: number; prefixBytes: number } | { torn: string } | 'eof';

export class LogReader {
  /** The path given to open. */
  readonly path: string;
  /** The decoded header. */
  readonly header: LogHeader;
  /** The trailer, once the iteration reached it. */
  trailer: Trailer | undefined = undefined;
  /** Set when the iteration stopped at a torn or undecodable record. */
  torn: TornInfo | undefined = undefined;
  /** Records with no event this bt knows (a newer bt wrote them), skipped. */
  skippedUnknown = 0;
  /** Records read so far: those yielded plus those skipped (the trailer is not counted). */
  recordsRead = 0;
  /** Byte offset of the first record (just after the header). */
  readonly dataOffset: number;

  private fd: number;
  private buf: Buffer = Buffer.allocUnsafe(CHUNK);
  /** file offset of buf[0] */
  private base = 0;
  private pos = 0;
  private end = 0;

  private constructor(path: string, fd: number) {
    this.path = path;
    this.fd = fd;
    this.header = this.readHeader();
    this.dataOffset = this.base + this.pos;
  }

  /**
   * Opens a log and reads its magic and header. Throws LogError:
   * E_LOG_OPEN (cannot open/read the file), E_NOT_BT_LOG (wrong magic),
   * E_LOG_HEADER (the header is cut off, corrupt or from a newer bt).
   */
  static open(path: string): LogReader {
    let fd: number;
    try {
      fd = fs.openSync(path, 'r');
    } catch (err) {
      throw new LogError('E_LOG_OPEN', `cannot open ${path}: ${describeFsError(err)}${openHint(fsCode(err))}`, {
        cause: err,
      });
    }
    try {
      if (fs.fstatSync(fd).isDirectory()) {
        throw new LogError('E_LOG_OPEN', `cannot open ${path}: it is a directory, not a bt log file`);
      }
      return new LogReader(path, fd);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  /** True iff the iteration read a trailer and nothing was torn. */
  get complete(): boolean {
    return this.trailer !== undefined && this.torn === undefined;
  }

  /**
   * Yields every event record in file order. Records of unknown type are
   * skipped (counted in skippedUnknown); the trailer is stored in `trailer`,
   * not yielded. Stops at the first torn or undecodable record (see `torn`).
   * Each call starts again from the first record.
   */
  *records(): Generator<LogRecord, void, undefined> {
    this.seek(this.dataOffset);
    this.trailer = undefined;
    this.torn = undefined;
    this.skippedUnknown = 0;
    this.recordsRead = 0;
    const envs = new EnvResolver();
    for (;;) {
      const offset = this.base + this.pos;
      const next = this.nextLength();
      if (next === 'eof') return;
      if ('torn' in next) {
        this.torn = { offset, reason: next.torn };
        return;
      }
      const start = this.pos + next.prefixBytes;
      let rec: LogRecord;
      try {
        rec = decodeRecord(this.buf.subarray(start, start + next.len));
      } catch (err) {
        this.torn = { offset, reason: `record does not decode: ${(err as Error).message}` };
        return;
      }
      this.pos = start + next.len;
      const type = recordType(rec);
      if (type === 'trailer') {
        this.trailer = rec.trailer;
        continue;
      }
      this.recordsRead++;
      if (type === undefined) {
        this.skippedUnknown++;
        continue;
      }
      // Shared environments (env.ts): put back into the execs that refer to them.
      if (type === 'env') envs.define(rec.env!);
      else if (type === 'exec') envs.resolve(rec);
      yield rec;
    }
  }

  /** Closes the file. Idempotent. */
  close(): void {
    if (this.fd >= 0) {
      try {
        fs.closeSync(this.fd);
      } catch {
        /* nothing to do */
      }
      this.fd = -1;
    }
  }

  // --- internals -----------------------------------------------------------

  private readHeader(): LogHeader {
    const got = this.fill(MAGIC.length);
    const have = this.end - this.pos;
    if (!got) {
      if (have === 0) {
        throw new LogError('E_NOT_BT_LOG', `${this.path} is not a bt log (expected a file written by bt trace): it is empty`);
      }
      if (MAGIC.subarray(0, have).equals(this.buf.subarray(0, have))) {
        throw new LogError(
          'E_LOG_HEADER',
          `${this.path} is a bt log cut off after ${have} bytes, inside its magic number: it holds no data`,
        );
      }
      throw new LogError('E_NOT_BT_LOG', `${this.path} is not a bt log (expected a file written by bt trace)`);
    }
    if (!MAGIC.equals(this.buf.subarray(0, MAGIC.length))) {
      throw new LogError('E_NOT_BT_LOG', `${this.path} is not a bt log (expected a file written by bt trace)`);
    }
    this.pos += MAGIC.length;
    const next = this.nextLength();
    if (next === 'eof') {
      throw new LogError(
        'E_LOG_HEADER',
        `${this.path} is a bt log cut off right after its magic number: it has no header and no data`,
      );
    }
    if ('torn' in next) {
      throw new LogError('E_LOG_HEADER', `${this.path} is a bt log with a damaged header (${next.torn}): it cannot be read`);
    }
    const start = this.pos + next.prefixBytes;
    let header: LogHeader;
    try {
      header = decodeHeader(this.buf.subarray(start, start + next.len));
    } catch (err) {
      throw new LogError(
        'E_LOG_HEADER',
        `${this.path} is a bt log with a damaged header (it does not decode: ${(err as Error).message}): it cannot be read`,
        { cause: err },
      );
    }
    this.pos = start + next.len;
    const version = header.format_version ?? 0;
    if (version === 0) {
      throw new LogError(
        'E_LOG_HEADER',
        `${this.path} is a bt log with a damaged header (no format version): it cannot be read`,
      );
    }
    if (version > FORMAT_VERSION) {
      throw new LogError(
        'E_LOG_HEADER',
        `${this.path} was written by a newer bt${header.bt_version ? ` (${header.bt_version})` : ''} in log format ${version}; this bt reads format ${FORMAT_VERSION}: upgrade bt to read it`,
      );
    }
    return header;
  }

  /**
   * Reads the varint length prefix at `pos` and makes sure the whole record
   * is in the buffer. Does not advance `pos`.
   */
  private nextLength(): ReadResult {
    let len = 0;
    let i = 0;
    for (;;) {
      if (!this.fill(i + 1)) {
        if (i === 0) return 'eof';
        return { torn: 'length prefix cut off at end of file' };
      }
      const b = this.buf[this.pos + i]!;
      len += (b & 0x7f) * 2 ** (7 * i);
      i++;
      if ((b & 0x80) === 0) break;
      if (i >= MAX_PREFIX_BYTES) return { torn: 'bad length prefix (longer than 5 bytes)' };
    }
    if (len === 0) return { torn: 'zero-length record (zeroed or overwritten data)' };
    if (!this.fill(i + len)) {
      const left = this.fileSize() - (this.base + this.pos + i);
      return { torn: `record of ${len} bytes runs past end of file (${Math.max(0, left)} bytes left)` };
    }
    return { len, prefixBytes: i };
  }

  /**
   * Makes sure buf[pos .. pos+n) holds file data; false at end of file.
   * Compacts the buffer, grows it for big records and shrinks it back after.
   */
  private fill(n: number): boolean {
    const have = this.end - this.pos;
    if (have >= n) return true;
    if (n > this.buf.length && this.base + this.pos + n > this.fileSize()) {
      return false; // would need more than the file holds: don't allocate for a bogus length
    }
    const want = Math.max(CHUNK, n);
    if (want > this.buf.length || (this.buf.length > CHUNK && want === CHUNK)) {
      const nb = Buffer.allocUnsafe(want);
      this.buf.copy(nb, 0, this.pos, this.end);
      this.buf = nb;
    } else if (this.pos > 0 && have > 0) {
      this.buf.copy(this.buf, 0, this.pos, this.end);
    }
    this.base += this.pos;
    this.pos = 0;
    this.end = have;
    while (this.end < n) {
      let got: number;
      try {
        got = fs.readSync(this.fd, this.buf, this.end, this.buf.length - this.end, this.base + this.end);
      } catch (err) {
        throw new LogError('E_LOG_READ', `cannot read ${this.path}: ${describeFsError(err)}`, { cause: err });
      }
      if (got === 0) return false;
      this.end += got;
    }
    return true;
  }

  private seek(offset: number): void {
    this.base = offset;
    this.pos = 0;
    this.end = 0;
  }

  private fileSize(): number {
    try {
      return fs.fstatSync(this.fd).size;
    } catch (err) {
      throw new LogError('E_LOG_READ', `cannot read ${this.path}: ${describeFsError(err)}`, { cause: err });
    }
  }
}

function openHint(code: string | undefined): string {
  switch (code) {
    case 'ENOENT':
      return '; check the path';
    case 'EACCES':
    case 'EPERM':
      return '; bt logs are mode 0600: read it as the user who owns it, or with sudo';
    default:
      return '';
  }
}
