/**
 * The fast path of bt normalize for log files: records stay encoded until
 * they leave the reorder window.
 *
 *  - RawLogSource reads a raw log's records: the record's bytes (in the
 *    read chunk, which is not overwritten while a held record is in it),
 *    its ts, arrival index and event field, found by a scan of the record's
 *    top-level fields. The reorder window holds them as columns of typed
 *    arrays instead of decoded protobuf objects of many shapes: a fraction
 *    of the memory, nothing for the garbage collector to promote and trace,
 *    and read chunks are recycled once none of their records is held, so
 *    memory stays flat. A record is decoded when the window releases it,
 *    and dies young.
 *  - PassThroughWriter writes a normalized record as its raw bytes followed
 *    by the normalize fields (proc, abspath, abspath2, access, seq): a
 *    protobuf message may hold its fields in any order, so this is the same
 *    message as a full re-encoding, without re-encoding the event. Only
 *    ProcessInfo records (and raw records that already carry normalize
 *    fields) are encoded in full.
 *
 * Torn logs read as with LogReader: up to the first record whose length
 * prefix or top-level structure is bad, with the same `torn` reasons. A
 * record whose top level is sound but whose nested content does not decode
 * is found only when it is released: it and the records that arrived after
 * it and were not yet released are dropped, and `torn` points at it.
 */
import fs from 'node:fs';
import { EVENT_BY_FIELD, FrameReader, TRAILER_FIELD, countsByType, decodeScanned, openLogFile, type TornInfo } from '../log/frames.js';
import { RecordType, recordType, type EventType, type LogRecord, type Trailer } from '../log/schema.js';
import type { ReadEnd } from '../log/check.js';
import type { RingVariant } from '../log/ring/layout.js';
import { liveLog } from '../log/reader.js';
import { byteLength, isWellFormed, writeString } from '../log/bytes.js';
import { varintSize } from '../log/wire.js';
import type { LogWriter } from '../log/writer.js';
import { LateRecordError, newOrderStats, type OrderStats, type RunCodec, type WindowOptions } from './order.js';

const CHUNK = 1 << 20;

function tag(name: string, wire: number): number {
  const id = RecordType.fields[name].id;
  if (id >= 16) throw new Error(`bt.proto: Record.${name} needs a one-byte tag (field number < 16)`);
  return (id << 3) | wire;
}
const TAG_PROC = tag('proc', 0);
const TAG_ABSPATH = tag('abspath', 2);
const TAG_ABSPATH2 = tag('abspath2', 2);
const TAG_ACCESS = tag('access', 0);
const TAG_SEQ = tag('seq', 0);

/** One raw record, still encoded. */
export class RawEntry {
  constructor(
    /** The record's ts. */
    public ts: number,
    /** Arrival index in the log. */
    public seq: number,
    /** The field id of its event in Record (see EVENT_BY_FIELD). */
    public field: number,
    /** It already has normalize fields: re-encode it rather than pass it through. */
    public annotated: boolean,
    /** Holds the record's bytes (a read chunk). */
    public buf: Buffer,
    /** Where the record's payload starts in buf (after its length prefix). */
    public start: number,
    /** Payload length. */
    public len: number,
    /** File offset of its length prefix. */
    public offset: number,
  ) {}

  get type(): EventType {
    return EVENT_BY_FIELD[this.field] as EventType;
  }
}

/**
 * Reads a raw log's records one at a time (next()) through the framing
 * reader, leaving the current one in its fields: no object per record.
 */
class RawReader {
  trailer: Trailer | undefined;
  skippedUnknown = 0;
  // the current record
  buf: Buffer;
  /** Numbers the read chunks (buf). */
  chunkNo = 0;
  start = 0;
  len = 0;
  ts = 0;
  field = 0;
  annotated = false;
  offset = 0;
  seq = -1;

  private readonly fd: number;
  readonly frames: FrameReader;

  constructor(
    readonly path: string,
    dataOffset: number,
    chunk = CHUNK,
    ring?: RingVariant,
  ) {
    this.fd = openLogFile(path);
    this.frames = new FrameReader(path, this.fd, dataOffset, { chunk, keepChunks: true, ring });
    this.buf = this.frames.buf;
  }

  get torn(): TornInfo | undefined {
    return this.frames.torn;
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  /** Read to the end of a log without a trailer that a running bt trace still writes (see liveLog). */
  live(): boolean {
    return liveLog(this.trailer, this.torn, this.fd);
  }

  /** Moves to the next event record; false at the end (clean, or torn: see `torn`). */
  next(): boolean {
    const f = this.frames;
    while (f.next()) {
      if (f.field === TRAILER_FIELD) {
        const rec = f.decode();
        if (!rec) return false;
        this.trailer = rec.trailer;
        continue;
      }
      if (f.field === 0) {
        this.skippedUnknown++;
        continue;
      }
      this.buf = f.buf;
      this.chunkNo = f.chunkNo;
      this.start = f.start;
      this.len = f.len;
      this.ts = f.ts;
      this.field = f.field;
      this.annotated = f.annotated;
      this.offset = f.offset;
      this.seq++;
      return true;
    }
    return false;
  }

  /** A chunk (not the current one) that no held record refers to: it may be read into again. */
  recycle(buf: Buffer): void {
    this.frames.recycle(buf);
  }

  /** The current record as a new RawEntry. */
  entry(): RawEntry {
    return new RawEntry(this.ts, this.seq, this.field, this.annotated, this.buf, this.start, this.len, this.offset);
  }
}

/** A record that came later than one already held: kept in RawWindow's heap. */
interface LateEntry {
  ts: number;
  seq: number;
  offset: number;
  chunkNo: number;
  start: number;
  len: number;
  meta: number;
}

/**
 * The reorder window of the fast path (see reorderWindow in order.ts for
 * the rules, which are the same). Records that come in order (most of a
 * log) go to a ring kept as columns of typed arrays; the few that come
 * later than one already held go to a binary heap. Both are in (ts, seq)
 * order, and the oldest record is the older of their two heads: a late
 * record costs O(log late), not a move of every record after it.
 */
class RawWindow {
  private cap = 1024;
  private mask = this.cap - 1;
  private head = 0;
  /** Records in the ring. */
  private count = 0;
  private ts = new Float64Array(this.cap);
  private seq = new Float64Array(this.cap);
  private offset = new Float64Array(this.cap);
  private chunkNo = new Float64Array(this.cap);
  private start = new Int32Array(this.cap);
  private len = new Int32Array(this.cap);
  /** field id, | 0x80 if annotated */
  private meta = new Uint8Array(this.cap);
  /** Late records, a min-heap by (ts, seq). */
  private readonly late: LateEntry[] = [];
  /** The read chunks held records are in, with how many of them each holds (by chunk number). */
  private readonly chunks: Array<ChunkUse | undefined> = [];
  private pushNo = -1;
  private pushUse: ChunkUse | undefined;
  /** Chunks no held record is in any more: recycled by recycleReleased(), once the records taken from them are used. */
  private readonly released: Buffer[] = [];

  constructor(private readonly reader: RawReader) {}

  /** Lets the reader read into the chunks released since the last call. */
  recycleReleased(): void {
    for (const b of this.released) this.reader.recycle(b);
    this.released.length = 0;
  }

  /** Records held. */
  get size(): number {
    return this.count + this.late.length;
  }

  private grow(): void {
    const cap = this.cap * 2;
    const copy = (from: ArrayLike<number>, to: { [i: number]: number }) => {
      for (let i = 0; i < this.count; i++) to[i] = from[(this.head + i) & this.mask];
    };
    const ts = new Float64Array(cap);
    const seq = new Float64Array(cap);
    const offset = new Float64Array(cap);
    const chunkNo = new Float64Array(cap);
    const start = new Int32Array(cap);
    const len = new Int32Array(cap);
    const meta = new Uint8Array(cap);
    copy(this.ts, ts);
    copy(this.seq, seq);
    copy(this.offset, offset);
    copy(this.chunkNo, chunkNo);
    copy(this.start, start);
    copy(this.len, len);
    copy(this.meta, meta);
    this.ts = ts;
    this.seq = seq;
    this.offset = offset;
    this.chunkNo = chunkNo;
    this.start = start;
    this.len = len;
    this.meta = meta;
    this.cap = cap;
    this.mask = cap - 1;
    this.head = 0;
  }

  /** The ts of the oldest held record. */
  firstTs(): number {
    const late = this.late.length ? this.late[0].ts : Infinity;
    return this.count && this.ts[this.head] < late ? this.ts[this.head] : late;
  }

  /** Holds the reader's current record (its seq is larger than any held). */
  push(r: RawReader): void {
    if (r.chunkNo !== this.pushNo) {
      // the reader moved on: the previous chunk may hold nothing any more
      const prev = this.pushUse;
      if (prev && prev.held === 0) {
        this.chunks[this.pushNo] = undefined;
        this.released.push(prev.buf);
      }
      this.pushNo = r.chunkNo;
      this.pushUse = { buf: r.buf, held: 0 };
      this.chunks[r.chunkNo] = this.pushUse;
    }
    (this.pushUse as ChunkUse).held++;
    const ts = r.ts;
    const meta = r.field | (r.annotated ? 0x80 : 0);
    if (this.count > 0 && this.ts[(this.head + this.count - 1) & this.mask] > ts) {
      heapPush(this.late, { ts, seq: r.seq, offset: r.offset, chunkNo: r.chunkNo, start: r.start, len: r.len, meta });
      return;
    }
    if (this.count === this.cap) this.grow();
    const at = (this.head + this.count) & this.mask;
    this.ts[at] = ts;
    this.seq[at] = r.seq;
    this.offset[at] = r.offset;
    this.chunkNo[at] = r.chunkNo;
    this.start[at] = r.start;
    this.len[at] = r.len;
    this.meta[at] = meta;
    this.count++;
  }

  /**
   * Takes the oldest held record into `e`, valid until the reader reads on
   * (its chunk may then be recycled).
   */
  shift(e: RawEntry): void {
    const h = this.head;
    const top = this.late.length ? this.late[0] : undefined;
    let m: number;
    let no: number;
    if (top && (this.count === 0 || top.ts < this.ts[h] || (top.ts === this.ts[h] && top.seq < this.seq[h]))) {
      heapPop(this.late);
      e.ts = top.ts;
      e.seq = top.seq;
      e.offset = top.offset;
      e.start = top.start;
      e.len = top.len;
      m = top.meta;
      no = top.chunkNo;
    } else {
      e.ts = this.ts[h];
      e.seq = this.seq[h];
      e.offset = this.offset[h];
      e.start = this.start[h];
      e.len = this.len[h];
      m = this.meta[h];
      no = this.chunkNo[h];
      this.head = (h + 1) & this.mask;
      this.count--;
    }
    e.field = m & 0x7f;
    e.annotated = (m & 0x80) !== 0;
    const use = no === this.pushNo ? (this.pushUse as ChunkUse) : (this.chunks[no] as ChunkUse);
    e.buf = use.buf;
    if (--use.held === 0 && no !== this.pushNo) {
      this.chunks[no] = undefined;
      this.released.push(use.buf);
    }
  }
}

function before(a: LateEntry, b: LateEntry): boolean {
  return a.ts < b.ts || (a.ts === b.ts && a.seq < b.seq);
}

function heapPush(h: LateEntry[], x: LateEntry): void {
  let i = h.length;
  h.push(x);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(x, h[parent])) break;
    h[i] = h[parent];
    i = parent;
  }
  h[i] = x;
}

function heapPop(h: LateEntry[]): void {
  const last = h.pop() as LateEntry;
  if (h.length === 0) return;
  let i = 0;
  for (;;) {
    let c = 2 * i + 1;
    if (c >= h.length) break;
    if (c + 1 < h.length && before(h[c + 1], h[c])) c++;
    if (!before(h[c], last)) break;
    h[i] = h[c];
    i = c;
  }
  h[i] = last;
}

interface ChunkUse {
  buf: Buffer;
  /** Held records in it. */
  held: number;
}

/** The records of a raw log file, as RawEntry (re-readable). */
export class RawLogSource {
  trailer: Trailer | undefined;
  torn: TornInfo | undefined;
  skippedUnknown = 0;
  /** A running bt trace still writes the log: what was read is what it had written (see ReadEnd.live). */
  live = false;
  /** seq of the first record found undecodable at release (-1: none). */
  private badSeq = -1;
  /** Records read and per type (see ReadEnd). */
  private records = 0;
  /** Event records read (see ReadEnd.events). */
  private events = 0;
  /** The size of the file when it was read to its end (for TornInfo.bytesAfter). */
  private fileSize: number | undefined;
  private counts: Record<string, number> = {};
  private ringRecords = 0;

  /** `dataOffset`: where the records start (LogReader.dataOffset); `chunkBytes`: read size (tests); `ring`: the layout of its ring records (LogReader.ring). */
  constructor(
    readonly path: string,
    readonly dataOffset: number,
    readonly chunkBytes = CHUNK,
    readonly ring?: RingVariant,
  ) {}

  private reset(): void {
    this.trailer = undefined;
    this.torn = undefined;
    this.skippedUnknown = 0;
    this.badSeq = -1;
    this.records = 0;
    this.events = 0;
    this.counts = {};
    this.ringRecords = 0;
    this.fileSize = undefined;
    this.live = false;
  }

  private finish(r: RawReader): void {
    this.trailer = r.trailer;
    this.torn ??= r.torn;
    if (this.badSeq < 0 && r.live()) {
      // the end of a log being written (a record cut off there is the write in progress): not damage
      this.live = true;
      this.torn = undefined;
    }
    this.skippedUnknown = r.skippedUnknown;
    const c = countsByType(r.frames.perField);
    this.records = this.badSeq >= 0 ? this.badSeq : c.records;
    this.events = this.badSeq >= 0 ? this.badSeq : r.seq + 1 + r.skippedUnknown;
    this.counts = c.counts;
    this.ringRecords = r.frames.ringRecords;
    try {
      this.fileSize = r.frames.fileSize();
    } catch {
      /* the size is only for the message */
    }
    // a record found undecodable when the window released it, before the end was read
    if (this.torn && this.torn.bytesAfter === undefined) this.torn = this.tornAt(this.torn.offset, this.torn.reason);
  }

  private tornAt(offset: number, reason: string): TornInfo {
    return this.fileSize === undefined ? { offset, reason } : { offset, reason, bytesAfter: Math.max(0, this.fileSize - offset) };
  }

  /** Every record in arrival order, each a new RawEntry. */
  *entries(): Generator<RawEntry, void, undefined> {
    this.reset();
    const r = new RawReader(this.path, this.dataOffset, this.chunkBytes, this.ring);
    try {
      while (r.next()) yield r.entry();
      this.finish(r);
    } finally {
      r.close();
    }
  }

  /**
   * The records in (ts, seq) order through the reorder window (the rules of
   * reorderWindow, with the same stats and LateRecordError), pulled one at a
   * time. The entry object is reused: use it before asking for the next.
   * Throws LateRecordError when a record is later than the window allows.
   */
  *inWindow(opts: WindowOptions, stats: OrderStats): Generator<RawEntry, void, undefined> {
    for (const batch of this.inWindowBatches(opts, stats)) yield* batch;
  }

  /**
   * The same records in arrays of up to `size`: one generator step per
   * batch. The array and its entries are reused: use them before asking
   * for the next (the read chunks they point into are recycled then).
   */
  *inWindowBatches(opts: WindowOptions, stats: OrderStats, size = 256): Generator<RawEntry[], void, undefined> {
    this.reset();
    stats.method = 'window';
    const r = new RawReader(this.path, this.dataOffset, this.chunkBytes, this.ring);
    const w = new RawWindow(r);
    const pool: RawEntry[] = [];
    const batch: RawEntry[] = [];
    const take = () => {
      const e = (pool[batch.length] ??= new RawEntry(0, 0, 0, false, r.buf, 0, 0, 0));
      w.shift(e);
      batch.push(e);
      return e;
    };
    const { windowNs, maxHeld } = opts;
    let maxSeen = -Infinity;
    let releasedTs = -Infinity;
    try {
      while (r.next()) {
        const ts = r.ts;
        if (ts < releasedTs) throw new LateRecordError(r.seq, ts, releasedTs, maxSeen, opts);
        if (ts < maxSeen) {
          stats.outOfOrder++;
          if (maxSeen - ts > stats.maxLatenessNs) stats.maxLatenessNs = maxSeen - ts;
        } else {
          maxSeen = ts;
        }
        w.push(r);
        if (w.size > stats.maxHeld) stats.maxHeld = w.size;
        const limit = maxSeen - windowNs;
        while (w.size > 0 && (w.size > maxHeld || w.firstTs() < limit)) releasedTs = take().ts;
        if (batch.length >= size) {
          yield batch;
          batch.length = 0;
          w.recycleReleased();
        }
      }
      while (w.size > 0) take();
      if (batch.length) yield batch;
      batch.length = 0;
      this.finish(r);
    } finally {
      r.close();
    }
  }

  /**
   * True if the reorder window can put this log in order (no record is
   * later than it allows): a scan of timestamps, nothing decoded.
   */
  fitsWindow(opts: WindowOptions): boolean {
    try {
      for (const _ of this.inWindow(opts, newOrderStats())) {
        /* only the order matters */
      }
      return true;
    } catch (err) {
      if (err instanceof LateRecordError) return false;
      throw err;
    }
  }

  /**
   * Decodes an entry released by the window (seq set, stale normalize
   * fields cleared); undefined if it does not decode or comes after one
   * that did not (see `torn`).
   */
  decode(e: RawEntry): LogRecord | undefined {
    if (this.badSeq >= 0 && e.seq > this.badSeq) return undefined;
    let r: LogRecord;
    try {
      r = decodeScanned(e.buf, e.start, e.len, e.field);
    } catch (err) {
      if (this.badSeq < 0 || e.seq < this.badSeq) {
        this.badSeq = e.seq;
        this.torn = this.tornAt(e.offset, `record does not decode: ${(err as Error).message}`);
      }
      return undefined;
    }
    if (e.annotated) {
      r.proc = undefined;
      r.abspath = undefined;
      r.abspath2 = undefined;
      r.access = undefined;
    }
    r.seq = e.seq;
    return r;
  }

  end(): ReadEnd {
    return { trailer: this.trailer, torn: this.torn, skippedUnknown: this.skippedUnknown, records: this.records, events: this.events, counts: this.counts, ringRecords: this.ringRecords, live: this.live };
  }
}

/** RawEntry in external-sort run files: ts, seq, offset, field, annotated, then the bytes. */
export const rawCodec: RunCodec<RawEntry> = {
  encode(e) {
    const b = Buffer.allocUnsafe(26 + e.len);
    b.writeDoubleLE(e.ts, 0);
    b.writeDoubleLE(e.seq, 8);
    b.writeDoubleLE(e.offset, 16);
    b[24] = e.field;
    b[25] = e.annotated ? 1 : 0;
    e.buf.copy(b, 26, e.start, e.start + e.len);
    return b;
  },
  decode(b) {
    const v = Buffer.from(b.buffer, b.byteOffset, b.length);
    const copy = Buffer.from(v.subarray(26)); // the run reader reuses its buffer
    return new RawEntry(v.readDoubleLE(0), v.readDoubleLE(8), v[24], v[25] === 1, copy, 0, copy.length, v.readDoubleLE(16));
  },
};

function writeVarint(b: Buffer, p: number, v: number): number {
  while (v >= 128) {
    b[p++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  b[p++] = v;
  return p;
}

const OUT_CHUNK = 1 << 20;

type Utf8Write = (this: Buffer, s: string, offset: number, length: number) => number;
/** Node's Buffer#utf8Write (what Buffer#write calls after checking its arguments), when present. */
const utf8Write: Utf8Write =
  (Buffer.prototype as unknown as { utf8Write?: Utf8Write }).utf8Write ??
  function (this: Buffer, s: string, offset: number, length: number): number {
    return this.write(s, offset, length, 'utf8');
  };

/**
 * Writes normalized records to a LogWriter: records read from the raw log
 * as their bytes plus the normalize fields, others encoded in full. Batches
 * into 1 MiB appends (LogWriter.appendEncoded, with the counts per type).
 */
export class PassThroughWriter {
  private out = Buffer.allocUnsafe(OUT_CHUNK);
  private used = 0;
  /** Records per event field id since the last flush. */
  private counts: number[] = [];

  constructor(readonly writer: LogWriter) {}

  /** `r`: decoded from `e`, annotated by the normalizer. */
  writeRaw(r: LogRecord, e: RawEntry): void {
    if (e.annotated) {
      this.write(r);
      return;
    }
    const proc = r.proc;
    const abspath = r.abspath;
    const abspath2 = r.abspath2;
    const access = r.access;
    const seq = r.seq;
    let extra = 0;
    let n1 = 0;
    let n2 = 0;
    if (proc !== undefined) extra += 1 + varintSize(proc);
    if (abspath !== undefined) {
      n1 = byteLength(abspath);
      extra += 1 + varintSize(n1) + n1;
    }
    if (abspath2 !== undefined) {
      n2 = byteLength(abspath2);
      extra += 1 + varintSize(n2) + n2;
    }
    if (access !== undefined) extra += 1 + varintSize(access);
    if (seq !== undefined) extra += 1 + varintSize(seq);
    const body = e.len + extra;
    this.reserve(varintSize(body) + body);
    const out = this.out;
    let p = writeVarint(out, this.used, body);
    p += e.buf.copy(out, p, e.start, e.start + e.len);
    if (proc !== undefined) {
      out[p++] = TAG_PROC;
      p = writeVarint(out, p, proc);
    }
    if (abspath !== undefined) {
      out[p++] = TAG_ABSPATH;
      p = writeVarint(out, p, n1);
      p += isWellFormed(abspath) ? utf8Write.call(out, abspath, p, n1) : writeString(abspath, out, p);
    }
    if (abspath2 !== undefined) {
      out[p++] = TAG_ABSPATH2;
      p = writeVarint(out, p, n2);
      p += isWellFormed(abspath2) ? utf8Write.call(out, abspath2, p, n2) : writeString(abspath2, out, p);
    }
    if (access !== undefined) {
      out[p++] = TAG_ACCESS;
      p = writeVarint(out, p, access);
    }
    if (seq !== undefined) {
      out[p++] = TAG_SEQ;
      p = writeVarint(out, p, seq);
    }
    this.used = p;
    this.counts[e.field] = (this.counts[e.field] ?? 0) + 1;
  }

  /** Any record, encoded in full. */
  write(r: LogRecord): void {
    const type = recordType(r);
    if (type === undefined || type === 'trailer') {
      throw new TypeError(type === 'trailer' ? 'PassThroughWriter.write: pass the trailer to close()' : 'PassThroughWriter.write: the record has no event set');
    }
    let bytes: Uint8Array;
    try {
      bytes = RecordType.encodeDelimited(r).finish();
    } catch (err) {
      throw new TypeError(`PassThroughWriter: cannot encode record: ${(err as Error).message}`, { cause: err });
    }
    this.reserve(bytes.length);
    this.out.set(bytes, this.used);
    this.used += bytes.length;
    const field = RecordType.fields[type].id;
    this.counts[field] = (this.counts[field] ?? 0) + 1;
  }

  private reserve(n: number): void {
    if (this.used + n <= this.out.length) return;
    this.flush();
    if (n > this.out.length) this.out = Buffer.allocUnsafe(n);
    else if (this.out.length > OUT_CHUNK && n <= OUT_CHUNK) this.out = Buffer.allocUnsafe(OUT_CHUNK);
  }

  /** Hands the batch to the LogWriter. */
  flush(): void {
    if (this.used === 0) return;
    const perType: Record<string, number> = {};
    this.counts.forEach((n, field) => {
      if (n) perType[EVENT_BY_FIELD[field] as string] = n;
    });
    this.writer.appendEncoded(this.out.subarray(0, this.used), perType);
    this.used = 0;
    this.counts = [];
  }

  /** Flushes and closes the LogWriter (see LogWriter.close). */
  close(trailer?: Trailer): void {
    this.flush();
    this.writer.close(trailer);
  }

  /** Drops the batch and the output (LogWriter.abort). */
  abort(): void {
    this.used = 0;
    this.counts = [];
    this.writer.abort();
  }
}
