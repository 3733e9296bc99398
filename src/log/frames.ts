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
import { cutOff } from './check.js';
import { openLogInput } from './input.js';
import { EVENT_TYPES, RecordType, decodeRecordAt, recordType, type EventType, type LogRecord } from './schema.js';
import { RingExpander } from './ring/expand.js';
import type { RingVariant } from './ring/layout.js';

/** Where a log stops being readable. */
export interface TornInfo {
  /** byte offset (from the start of the file) of the bad record's length prefix */
  offset: number;
  reason: string;
  /** Bytes of the file from `offset` to its end, none of them read (when the file's size was known). */
  bytesAfter?: number;
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
/** Record field id of a batch of ring records (no event: FrameReader serves the records it stands for). */
export const RING_FIELD = RecordType.fields.ring.id;

// What scanRecord checks of a top-level field, by field id (ids >= 64: nothing but a valid wire type).
const KIND_TS = 1;
const KIND_NORMALIZE = 2; // a field bt normalize sets
const KIND_EVENT = 3;
const KIND_RING = 4; // Record.ring: a batch of ring records (expand.ts)
const FIELD_KIND = new Uint8Array(64);
/** The wire type a known field must have (255: unknown field, any valid wire type). */
const FIELD_WIRE = new Uint8Array(64).fill(255);
{
  const f = RecordType.fields;
  FIELD_KIND[f.ts.id] = KIND_TS;
  for (const n of ['proc', 'abspath', 'abspath2', 'access', 'seq']) FIELD_KIND[f[n].id] = KIND_NORMALIZE;
  for (const n of EVENT_TYPES) FIELD_KIND[f[n].id] = KIND_EVENT;
  FIELD_KIND[f.ring.id] = KIND_RING;
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

/** Results of scanRecord (module state: no allocation per record); ringStart/ringEnd: where a ring batch's bytes are. */
export const scanned = { ts: 0, field: 0, annotated: false, ringStart: 0, ringEnd: 0 };

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
      if (kind === KIND_EVENT || kind === KIND_RING) {
        if (scanned.field !== 0 && scanned.field !== id) {
          return `two events in one record (${EVENT_BY_FIELD[scanned.field] ?? 'ring'} and ${EVENT_BY_FIELD[id] ?? 'ring'})`;
        }
        scanned.field = id;
        if (kind === KIND_RING) {
          scanned.ringStart = p - len;
          scanned.ringEnd = p;
        }
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

/**
 * Opens a log for reading: a regular file as it is; a pipe, a FIFO, '-'
 * (stdin) and the like through a private copy (input.ts). LogError
 * E_LOG_OPEN with a hint otherwise.
 */
export function openLogFile(path: string): number {
  return openLogInput(path);
}

export interface FrameReaderOptions {
  /** Read size (tests use small ones). */
  chunk?: number;
  /** Leave old chunks alone when moving on (see recycle). */
  keepChunks?: boolean;
  /** The layout of the log's ring records (LogReader.ring; default: this bt's). */
  ring?: RingVariant;
}

/**
 * Reads frames from an open file descriptor, from `offset` on. The current
 * frame is buf[start, start+len), its length prefix at file offset
 * `offset`. Stops at the end of the file or at the first bad frame
 * (`torn`). The fd stays the caller's.
 *
 * A batch of ring records (Record.ring, format 2) is not a frame of its
 * own to the caller: next() serves the records it stands for (expand.ts),
 * each in turn as the current frame, in a buffer of their own (a new chunk
 * number; `offset` is the batch's), and the records an expansion still
 * holds at the end (execs waiting for bytes) before the trailer. perField
 * counts the frames of the file, batches included.
 */
export class FrameReader {
  buf: Buffer;
  /** Numbers the buffers frames are served from (read chunks and expansions). */
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
  /** Frames of the file scanned by next(), per event field id (0: no event bt knows; the trailer and ring batches included). */
  readonly perField: number[] = [];

  /** The read chunk (buf, unless an expansion is being served). */
  private cbuf: Buffer;
  private base: number; // file offset of cbuf[0]
  private pos = 0;
  private end = 0;
  private eof = false;
  private readonly chunk: number;
  private readonly keepChunks: boolean;
  private readonly free: Buffer[] = [];
  // ring batches: the records being served, and the state of the stream
  private x: Buffer | undefined;
  private xpos = 0;
  private xOffset = 0;
  private expander: RingExpander | undefined;
  private readonly ring: RingVariant | undefined;
  private finished = false;
  private physical = false;
  /** A frame of the read chunk was served (someone may hold it by the chunk's number). */
  private servedFromChunk = false;

  constructor(
    readonly path: string,
    private readonly fd: number,
    offset: number,
    opts: FrameReaderOptions = {},
  ) {
    this.chunk = opts.chunk ?? CHUNK;
    this.keepChunks = opts.keepChunks ?? false;
    this.ring = opts.ring;
    this.cbuf = Buffer.allocUnsafe(this.chunk);
    this.buf = this.cbuf;
    this.base = offset;
  }

  /** Ring records in the batches read so far. */
  get ringRecords(): number {
    return this.expander?.records ?? 0;
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
    const out = Buffer.from(this.cbuf.subarray(this.pos, this.pos + got));
    this.pos += got;
    return out;
  }

  /** Moves to the next frame of the file, without looking inside; false at the end of the file or when torn. */
  nextFrame(): boolean {
    const offset = this.base + this.pos;
    let len = 0;
    let i = 0;
    for (;;) {
      if (!this.fill(i + 1)) {
        if (i === 0) return false; // clean end of file
        return this.tear(offset, 'length prefix cut off at end of file');
      }
      const c = this.cbuf[this.pos + i]!;
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
    this.buf = this.cbuf;
    this.offset = offset;
    this.start = this.pos + i;
    this.len = len;
    this.pos = this.start + len;
    return true;
  }

  /**
   * Moves to the next Record frame and scans it (ts, field, annotated); a
   * ring batch's records are served in its place. False at the end or when
   * torn.
   */
  next(): boolean {
    for (;;) {
      if (this.x) {
        if (this.nextServed()) return true;
        this.leaveServed();
      }
      if (!this.nextFrame()) {
        // the end: what an expansion still holds comes first (not after damage: reading stops there);
        // a log cut short (kill -9 of bt, a full disk, a record still being written) is read to the cut,
        // wherever it falls, so that every reader sees the same records of it
        if (this.expander && !this.finished && (!this.torn || cutOff(this.torn.reason))) {
          this.finished = true;
          const tail = this.expandWith((e) => e.finish(), this.position);
          if (tail && tail.length) this.serve(tail, this.position);
          continue;
        }
        return false;
      }
      const bad = scanRecord(this.cbuf, this.start, this.start + this.len);
      if (bad !== undefined) return this.tear(this.offset, `record does not decode: ${bad}`);
      this.perField[scanned.field] = (this.perField[scanned.field] ?? 0) + 1;
      if (scanned.field === RING_FIELD) {
        const { ringStart, ringEnd } = scanned;
        const out = this.expandWith((e) => e.expand(this.cbuf, ringStart, ringEnd), this.offset);
        if (!out) return false;
        this.serve(out, this.offset);
        continue;
      }
      if (scanned.field === TRAILER_FIELD && this.expander && !this.finished) {
        // the records an expansion still holds come before the trailer, which follows them
        this.finished = true;
        const frame = this.cbuf.subarray(this.offset - this.base, this.pos);
        const tail = this.expandWith((e) => e.finish(), this.offset);
        if (!tail) return false;
        this.perField[TRAILER_FIELD]!--; // counted again when served
        this.serve(Buffer.concat([tail, frame]), this.offset);
        continue;
      }
      this.ts = scanned.ts;
      this.field = scanned.field;
      this.annotated = scanned.annotated;
      this.physical = true;
      this.servedFromChunk = true;
      return true;
    }
  }

  /** Decodes the current frame as a Record (see decodeScanned); on failure sets `torn` and returns undefined. */
  decode(): LogRecord | undefined {
    try {
      return decodeScanned(this.buf, this.start, this.len, this.field);
    } catch (err) {
      if (this.physical) this.perField[this.field]!--; // scanned, but not read
      this.tear(this.offset, `record does not decode: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** Marks the log torn at `offset` (the first tear wins); returns false. */
  tear(offset: number, reason: string): false {
    if (!this.torn) {
      this.torn = { offset, reason };
      try {
        this.torn.bytesAfter = Math.max(0, fs.fstatSync(this.fd).size - offset);
      } catch {
        /* the size is only for the message */
      }
    }
    this.eof = true;
    this.pos = this.end;
    this.x = undefined;
    return false;
  }

  /** A chunk (not the current one) that nothing refers to any more: it may be read into again. */
  recycle(buf: Buffer): void {
    if (buf !== this.cbuf && buf.length === this.chunk && this.free.length < 4) this.free.push(buf);
  }

  /** Runs the expander (made at the first batch); a damaged batch tears the log at `offset`. */
  private expandWith(fn: (e: RingExpander) => Buffer, offset: number): Buffer | undefined {
    this.expander ??= new RingExpander(this.ring);
    try {
      return fn(this.expander);
    } catch (err) {
      this.tear(offset, `ring records do not decode: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** Serves the varint-delimited records in `out` (from the batch at file offset `offset`) before the file's next frame. */
  private serve(out: Buffer, offset: number): void {
    this.x = out;
    this.xpos = 0;
    this.xOffset = offset;
    this.chunkNo++;
  }

  /** The next served record as the current frame; false when they are all served. */
  private nextServed(): boolean {
    const x = this.x as Buffer;
    if (this.xpos >= x.length) return false;
    let len = 0;
    let p = this.xpos;
    for (let i = 0; ; i++) {
      const c = x[p++];
      if (c === undefined || i >= MAX_PREFIX_BYTES) return this.tear(this.xOffset, 'ring records do not decode: a bad record length');
      len += (c & 0x7f) * 2 ** (7 * i);
      if (c < 0x80) break;
    }
    if (p + len > x.length) return this.tear(this.xOffset, 'ring records do not decode: a record runs past its batch');
    const bad = scanRecord(x, p, p + len);
    if (bad !== undefined) return this.tear(this.xOffset, `ring records do not decode: ${bad}`);
    this.buf = x;
    this.start = p;
    this.len = len;
    this.offset = this.xOffset;
    this.xpos = p + len;
    this.ts = scanned.ts;
    this.field = scanned.field;
    this.annotated = scanned.annotated;
    this.physical = scanned.field === TRAILER_FIELD;
    if (this.physical) this.perField[TRAILER_FIELD]!++;
    return true;
  }

  /**
   * Back to the file's frames, in a chunk of a new number: with keepChunks,
   * records held in the old chunk may still be released by its number (and
   * the chunk recycled) after the reader moved on.
   */
  private leaveServed(): void {
    this.x = undefined;
    this.buf = this.cbuf;
    this.chunkNo++;
    // with no frame of the chunk served, nobody holds its old number: a new number is enough
    if (this.keepChunks && this.servedFromChunk) this.moveUnread(this.end - this.pos);
  }

  /**
   * Moves the bytes not read yet to the start of another chunk of at least
   * `n` bytes (a spare one when it fits); returns the chunk left.
   */
  private moveUnread(n: number): Buffer {
    const old = this.cbuf;
    const nb = n <= this.chunk && this.free.length > 0 ? (this.free.pop() as Buffer) : Buffer.allocUnsafe(Math.max(this.chunk, n));
    old.copy(nb, 0, this.pos, this.end);
    this.base += this.pos;
    this.end -= this.pos;
    this.pos = 0;
    this.cbuf = nb;
    this.buf = nb;
    this.servedFromChunk = false;
    return old;
  }

  /** Makes cbuf[pos .. pos+n) hold file data; false at the end of the file. n was checked against the file. */
  private fill(n: number): boolean {
    if (this.end - this.pos >= n) return true;
    if (this.eof) return false;
    const old = this.moveUnread(n);
    const nb = this.cbuf;
    this.chunkNo++;
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

  /** The size of the file now. */
  fileSize(): number {
    try {
      return fs.fstatSync(this.fd).size;
    } catch (err) {
      throw new LogError('E_LOG_READ', `cannot read ${this.path}: ${describeFsError(err)}`, { cause: err });
    }
  }
}
