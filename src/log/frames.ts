/**
 * The one framing reader of bt logs: every reader of a log file (LogReader
 * for bt dump, the normalizer's fast path, bt graph through them) finds its
 * records here, so a damaged file is judged the same way everywhere.
 *
 * A frame is a varint length prefix and that many bytes. FrameReader reads
 * the file in chunks (1 MiB). A length is checked against the bytes left in
 * the file (and against MAX_RECORD_BYTES) before anything is allocated for
 * it, so a damaged prefix can neither throw nor allocate gigabytes.
 *
 * next() also scans the top level of each Record (scanRecord): the wire
 * type of every field bt knows must be the one the schema gives it, and a
 * record may carry at most one event. Those are the cases where the
 * protobuf decoder (which does not check wire types and keeps every oneof
 * member it sees) and a reader dispatching on the scanned type would
 * disagree; such a record is damage, like a bad length. decodeFrame()
 * decodes the current frame and checks that the decoder agrees.
 *
 * Chunks: a frame's bytes stay valid in `buf` until the reader moves to
 * another chunk. With `keepChunks` the old chunk is left alone (the
 * normalizer's window holds frames in it and gives chunks back with
 * recycle()); without, it is reused at once.
 */
import fs from 'node:fs';
import { LogError } from '../errors.js';
import { plural } from '../present/format.js';
import { describeFsError } from './io.js';
import { EVENT_TYPES, RecordType, decodeRecordAt, recordType, type EventType, type LogRecord } from './schema.js';

/** Where a log stops being readable. */
export interface TornInfo {
  /** byte offset (from the start of the file) of the bad record's length prefix */
  offset: number;
  reason: string;
}

/** No record bt writes comes near this (an exec's argv and environment are cut at a few MiB). */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;
/** A varint length prefix longer than this many bytes cannot be a record length. */
const MAX_PREFIX_BYTES = 5;
const CHUNK = 1 << 20;

/** Record field id -> event type (the `event` oneof), from the schema. */
export const EVENT_BY_FIELD: Array<EventType | undefined> = [];
for (const name of EVENT_TYPES) EVENT_BY_FIELD[RecordType.fields[name].id] = name;
/** Record field id of the trailer. */
export const TRAILER_FIELD = RecordType.fields.trailer.id;

// What scanRecord checks of a top-level field, by field id (ids >= 64: nothing but a valid wire type).
const KIND_TS = 1;
const KIND_NORMALIZE = 2; // a field bt normalize sets
const KIND_EVENT = 3;
const FIELD_KIND = new Uint8Array(64);
/** The wire type a known field must have (255: unknown field, any valid wire type). */
const FIELD_WIRE = new Uint8Array(64).fill(255);
{
  const f = RecordType.fields;
  FIELD_KIND[f.ts.id] = KIND_TS;
  for (const n of ['proc', 'abspath', 'abspath2', 'access', 'seq']) FIELD_KIND[f[n].id] = KIND_NORMALIZE;
  for (const n of EVENT_TYPES) FIELD_KIND[f[n].id] = KIND_EVENT;
  for (const field of RecordType.fieldsArray) {
    if (field.id >= 64) continue;
    FIELD_WIRE[field.id] = wireTypeOf(field.type, field.repeated || field.map || field.resolvedType !== null);
  }
}

function wireTypeOf(type: string, lengthDelimited: boolean): number {
  if (lengthDelimited || type === 'string' || type === 'bytes') return 2;
  if (type === 'fixed64' || type === 'sfixed64' || type === 'double') return 1;
  if (type === 'fixed32' || type === 'sfixed32' || type === 'float') return 5;
  return 0;
}

/** Results of scanRecord (module state: no allocation per record). */
export const scanned = { ts: 0, field: 0, annotated: false };

/**
 * Scans the top-level fields of a Record payload b[start, end): sets
 * `scanned` (ts, the event's field id or 0, normalize fields present) and
 * returns undefined, or returns what is wrong.
 */
export function scanRecord(b: Buffer, start: number, end: number): string | undefined {
  scanned.ts = 0;
  scanned.field = 0;
  scanned.annotated = false;
  let p = start;
  while (p < end) {
    let t = b[p++]!;
    if (t >= 0x80) {
      t &= 0x7f;
      let mul = 128;
      for (;;) {
        if (p >= end) return 'truncated tag';
        const c = b[p++]!;
        t += (c & 0x7f) * mul;
        if (c < 0x80) break;
        mul *= 128;
        if (mul > 2 ** 28) return 'tag too long';
      }
    }
    const wire = t % 8;
    const id = Math.floor(t / 8);
    if (id === 0) return 'field number 0';
    const kind = id < 64 ? FIELD_KIND[id]! : 0;
    const want = id < 64 ? FIELD_WIRE[id]! : 255;
    if (want !== 255 && wire !== want) {
      return `field ${id} has wire type ${wire}, expected ${want}`;
    }
    if (kind === KIND_NORMALIZE) scanned.annotated = true;
    if (wire === 0) {
      let v = 0;
      let mul = 1;
      for (let i = 0; ; i++) {
        if (p >= end) return 'truncated varint';
        if (i >= 10) return 'varint too long';
        const c = b[p++]!;
        v += (c & 0x7f) * mul;
        if (c < 0x80) break;
        mul *= 128;
      }
      if (kind === KIND_TS) scanned.ts = v;
    } else if (wire === 2) {
      let len = 0;
      let mul = 1;
      for (let i = 0; ; i++) {
        if (p >= end) return 'truncated length';
        if (i >= 5) return 'length too long';
        const c = b[p++]!;
        len += (c & 0x7f) * mul;
        if (c < 0x80) break;
        mul *= 128;
      }
      if (len > end - p) return `field ${id} of ${plural(len, 'byte')} runs past the record's end (${plural(end - p, 'byte')} left)`;
      p += len;
      if (kind === KIND_EVENT) {
        if (scanned.field !== 0 && scanned.field !== id) {
          return `two events in one record (${EVENT_BY_FIELD[scanned.field]} and ${EVENT_BY_FIELD[id]})`;
        }
        scanned.field = id;
      }
    } else if (wire === 1) {
      p += 8;
      if (p > end) return 'truncated fixed64';
    } else if (wire === 5) {
      p += 4;
      if (p > end) return 'truncated fixed32';
    } else {
      return `invalid wire type ${wire}`;
    }
  }
  return undefined;
}

/**
 * Decodes the Record payload b[start, start+len) whose scan found event
 * field `field` (0: none bt knows). Throws an Error whose message says what
 * is wrong when it does not decode or the decoder disagrees with the scan.
 */
export function decodeScanned(b: Buffer, start: number, len: number, field: number): LogRecord {
  const rec = decodeRecordAt(b, start, len);
  const type = recordType(rec);
  const want = field === 0 ? undefined : EVENT_BY_FIELD[field];
  if (type !== want) throw new Error(`the decoder found event ${type ?? 'none'}, the framing ${want ?? 'none'}`);
  return rec;
}

/** Records read per event type (trailer excluded) from FrameReader.perField. */
export function countsByType(perField: number[]): { records: number; counts: Record<string, number> } {
  let records = 0;
  const counts: Record<string, number> = {};
  perField.forEach((n, field) => {
    if (!n || field === TRAILER_FIELD) return;
    records += n;
    const type = EVENT_BY_FIELD[field];
    if (type) counts[type] = n;
  });
  return { records, counts };
}

/** Opens a log file for reading; LogError E_LOG_OPEN with a hint otherwise. */
export function openLogFile(path: string): number {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const hint =
      code === 'ENOENT'
        ? '; check the path'
        : code === 'EACCES' || code === 'EPERM'
          ? '; bt logs are mode 0600: read it as the user who owns it, or with sudo'
          : '';
    throw new LogError('E_LOG_OPEN', `cannot open ${path}: ${describeFsError(err)}${hint}`, { cause: err });
  }
  try {
    if (fs.fstatSync(fd).isDirectory()) {
      throw new LogError('E_LOG_OPEN', `cannot open ${path}: it is a directory, not a bt log file`);
    }
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  return fd;
}

export interface FrameReaderOptions {
  /** Read size (tests use small ones). */
  chunk?: number;
  /** Leave old chunks alone when moving on (see recycle). */
  keepChunks?: boolean;
}

/**
 * Reads frames from an open file descriptor, from `offset` on. The current
 * frame is buf[start, start+len), its length prefix at file offset
 * `offset`. Stops at the end of the file or at the first bad frame
 * (`torn`). The fd stays the caller's.
 */
export class FrameReader {
  buf: Buffer;
  /** Numbers the chunks read into (buf). */
  chunkNo = 0;
  /** The current frame. */
  start = 0;
  len = 0;
  offset = 0;
  /** Of the current frame, after next(): see `scanned`. */
  ts = 0;
  field = 0;
  annotated = false;
  /** Set when reading stopped at a bad frame. */
  torn: TornInfo | undefined;
  /** Records scanned by next(), per event field id (0: no event bt knows; the trailer included). */
  readonly perField: number[] = [];

  private base: number; // file offset of buf[0]
  private pos = 0;
  private end = 0;
  private eof = false;
  private readonly chunk: number;
  private readonly keepChunks: boolean;
  private readonly free: Buffer[] = [];

  constructor(
    readonly path: string,
    private readonly fd: number,
    offset: number,
    opts: FrameReaderOptions = {},
  ) {
    this.chunk = opts.chunk ?? CHUNK;
    this.keepChunks = opts.keepChunks ?? false;
    this.buf = Buffer.allocUnsafe(this.chunk);
    this.base = offset;
  }

  /** File offset of the next unread byte. */
  get position(): number {
    return this.base + this.pos;
  }

  /**
   * Reads n raw bytes (the magic number): the bytes, or fewer at the end of
   * the file.
   */
  readBytes(n: number): Buffer {
    this.fill(n);
    const got = Math.min(n, this.end - this.pos);
    const out = Buffer.from(this.buf.subarray(this.pos, this.pos + got));
    this.pos += got;
    return out;
  }

  /** Moves to the next frame, without looking inside; false at the end of the file or when torn. */
  nextFrame(): boolean {
    const offset = this.base + this.pos;
    let len = 0;
    let i = 0;
    for (;;) {
      if (!this.fill(i + 1)) {
        if (i === 0) return false; // clean end of file
        return this.tear(offset, 'length prefix cut off at end of file');
      }
      const c = this.buf[this.pos + i]!;
      len += (c & 0x7f) * 2 ** (7 * i);
      i++;
      if (c < 0x80) break;
      if (i >= MAX_PREFIX_BYTES) return this.tear(offset, 'bad length prefix (longer than 5 bytes)');
    }
    if (len === 0) return this.tear(offset, 'zero-length record (zeroed or overwritten data)');
    if (this.end - this.pos < i + len) {
      // not all in the buffer: check the length against the file before reading (or allocating) for it
      const left = this.fileSize() - (offset + i);
      if (len > left) return this.tear(offset, `record of ${plural(len, 'byte')} runs past end of file (${plural(Math.max(0, left), 'byte')} left)`);
      if (len > MAX_RECORD_BYTES) {
        return this.tear(offset, `record of ${plural(len, 'byte')} is larger than any bt record (${MAX_RECORD_BYTES >> 20} MiB)`);
      }
      if (!this.fill(i + len)) {
        return this.tear(offset, `record of ${plural(len, 'byte')} runs past end of file (the file shrank while read)`);
      }
    }
    this.offset = offset;
    this.start = this.pos + i;
    this.len = len;
    this.pos = this.start + len;
    return true;
  }

  /** Moves to the next Record frame and scans it (ts, field, annotated); false at the end or when torn. */
  next(): boolean {
    if (!this.nextFrame()) return false;
    const bad = scanRecord(this.buf, this.start, this.start + this.len);
    if (bad !== undefined) return this.tear(this.offset, `record does not decode: ${bad}`);
    this.ts = scanned.ts;
    this.field = scanned.field;
    this.perField[scanned.field] = (this.perField[scanned.field] ?? 0) + 1;
    this.annotated = scanned.annotated;
    return true;
  }

  /** Decodes the current frame as a Record (see decodeScanned); on failure sets `torn` and returns undefined. */
  decode(): LogRecord | undefined {
    try {
      return decodeScanned(this.buf, this.start, this.len, this.field);
    } catch (err) {
      this.perField[this.field]!--; // scanned, but not read
      this.tear(this.offset, `record does not decode: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** Marks the log torn at `offset` (the first tear wins); returns false. */
  tear(offset: number, reason: string): false {
    this.torn ??= { offset, reason };
    this.eof = true;
    this.pos = this.end;
    return false;
  }

  /** A chunk (not the current one) that nothing refers to any more: it may be read into again. */
  recycle(buf: Buffer): void {
    if (buf !== this.buf && buf.length === this.chunk && this.free.length < 4) this.free.push(buf);
  }

  /** Makes buf[pos .. pos+n) hold file data; false at the end of the file. n was checked against the file. */
  private fill(n: number): boolean {
    if (this.end - this.pos >= n) return true;
    if (this.eof) return false;
    const old = this.buf;
    const nb = n <= this.chunk && this.free.length > 0 ? (this.free.pop() as Buffer) : Buffer.allocUnsafe(Math.max(this.chunk, n));
    this.chunkNo++;
    old.copy(nb, 0, this.pos, this.end);
    this.base += this.pos;
    this.end -= this.pos;
    this.pos = 0;
    this.buf = nb;
    if (!this.keepChunks) this.recycle(old);
    while (this.end < n) {
      let got: number;
      try {
        got = fs.readSync(this.fd, nb, this.end, nb.length - this.end, this.base + this.end);
      } catch (err) {
        throw new LogError('E_LOG_READ', `cannot read ${this.path}: ${describeFsError(err)}`, { cause: err });
      }
      if (got === 0) {
        this.eof = true;
        return false;
      }
      this.end += got;
    }
    return true;
  }

  private fileSize(): number {
    try {
      return fs.fstatSync(this.fd).size;
    } catch (err) {
      throw new LogError('E_LOG_READ', `cannot read ${this.path}: ${describeFsError(err)}`, { cause: err });
    }
  }
}
