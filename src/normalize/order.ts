/**
 * Time order for raw records. The ring buffer delivers records almost in
 * timestamp order; they are put in exact (ts, seq) order by
 *
 *  - reorderWindow(): a streaming window that holds records until they are
 *    older than the newest timestamp seen minus a window (or until it holds
 *    maxHeld records). Records that arrive in order are appended, late ones
 *    inserted by binary search (they are rare and land near the end), and
 *    the oldest is released from the front: no heap, no random access over
 *    the held records. Memory is bounded by the window. A record that
 *    arrives after a later one was already released cannot be placed: the
 *    window throws LateRecordError (never a silent misorder), and the
 *    caller falls back to
 *  - externalSort(): sorted runs spilled to temporary files and merged, for
 *    any disorder, with memory bounded by the run size.
 *
 * Both work on anything with `ts` and `seq` (decoded records, or the raw
 * entries of raw.ts); externalSort takes a codec for its run files.
 *
 * `seq` (the arrival index) must be set on every record before ordering: it
 * breaks timestamp ties, so records with equal ts keep arrival order.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BtError, NormalizeError } from '../errors.js';
import { describeFsError } from '../log/io.js';
import { count, formatNs } from '../present/format.js';
import { RecordType, decodeRecord } from '../log/schema.js';
import type { LogRecord } from '../log/schema.js';

/** What can be ordered: a timestamp and an arrival index. */
export interface Ordered {
  ts: number;
  seq?: number;
}

/** (ts, seq) order. */
export function compareRecords(a: Ordered, b: Ordered): number {
  return a.ts - b.ts || (a.seq ?? 0) - (b.seq ?? 0);
}

/** A binary min-heap. */
export class Heap<T> {
  private readonly a: T[] = [];
  constructor(private readonly less: (x: T, y: T) => boolean) {}
  get size(): number {
    return this.a.length;
  }
  peek(): T | undefined {
    return this.a[0];
  }
  push(v: T): void {
    const a = this.a;
    a.push(v);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.a;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop() as T;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l], a[m])) m = l;
        if (r < a.length && this.less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

/**
 * A record arrived after the window had released a later one: it cannot be
 * put in order. Its lateness (how far behind the newest record seen it
 * came) is beyond the window, or the window, full (maxHeld), had released
 * records before their time.
 */
export class LateRecordError extends NormalizeError {
  constructor(
    readonly seq: number,
    readonly ts: number,
    /** ts of the last record the window released (later than this one). */
    readonly releasedTs: number,
    /** The newest ts seen when it came. */
    readonly newestTs: number = releasedTs,
    /** The window (ns) and the most records it holds. */
    readonly window: WindowOptions = { windowNs: 0, maxHeld: Infinity },
  ) {
    super('E_LATE_RECORD', `record ${seq} ${lateness({ ts, newestTs, windowNs: window.windowNs, maxHeld: window.maxHeld })}: use a larger --window or --sort external`);
  }
}

/** What a late record's lateness was, in words (LateRecordError, bt normalize's summary). */
export function lateness(late: { ts: number; newestTs: number; windowNs: number; maxHeld: number }): string {
  const behind = late.newestTs - late.ts;
  const ms = late.windowNs / 1e6;
  const window = `the ${ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`} reorder window`;
  return behind > late.windowNs
    ? `arrived ${formatNs(behind)} behind the newest record, beyond ${window}`
    : `arrived ${formatNs(behind)} behind the newest record, within ${window}, after the window (full at ${count(late.maxHeld)} records) had let later records go`;
}

export interface WindowOptions {
  /** Hold records until they are this many ns older than the newest seen. */
  windowNs: number;
  /** Never hold more than this many records. */
  maxHeld: number;
}

export interface OrderStats {
  /** Largest number of records held at once. */
  maxHeld: number;
  /** Largest lateness seen: newest ts seen minus an arriving record's ts (ns). */
  maxLatenessNs: number;
  /** Records that arrived out of timestamp order. */
  outOfOrder: number;
  /** 'window' or 'external'. */
  method: 'window' | 'external' | 'none';
}

export function newOrderStats(): OrderStats {
  return { maxHeld: 0, maxLatenessNs: 0, outOfOrder: 0, method: 'window' };
}

/**
 * Records in (ts, seq) order, nearly all arriving in order: appended at the
 * back, taken from the front. The array is compacted now and then, so
 * memory follows what is held.
 */
class OrderedQueue<T extends Ordered> {
  private a: T[] = [];
  private head = 0;
  get size(): number {
    return this.a.length - this.head;
  }
  peek(): T | undefined {
    return this.a[this.head];
  }
  shift(): T {
    const a = this.a;
    const v = a[this.head];
    (a as unknown[])[this.head] = undefined; // let it go
    this.head++;
    if (this.head === a.length) {
      a.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= a.length) {
      a.copyWithin(0, this.head);
      a.length -= this.head;
      this.head = 0;
    }
    return v;
  }
  push(v: T): void {
    const a = this.a;
    const n = a.length;
    if (n === this.head || compareRecords(a[n - 1], v) <= 0) {
      a.push(v);
      return;
    }
    // late: the first held record after it, by binary search
    let lo = this.head;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareRecords(a[mid], v) > 0) hi = mid;
      else lo = mid + 1;
    }
    a.splice(lo, 0, v);
  }
}

/**
 * Yields `src` in (ts, seq) order through a bounded window. Throws
 * LateRecordError when a record arrives after a record with a larger ts was
 * already yielded.
 */
export function* reorderWindow<T extends Ordered>(
  src: Iterable<T>,
  opts: WindowOptions,
  stats: OrderStats = newOrderStats(),
): Generator<T, OrderStats> {
  const q = new OrderedQueue<T>();
  let maxSeen = -Infinity;
  let releasedTs = -Infinity;
  const windowNs = opts.windowNs;
  const maxHeld = opts.maxHeld;
  stats.method = 'window';
  for (const r of src) {
    const ts = r.ts;
    if (ts < releasedTs) throw new LateRecordError(r.seq ?? 0, ts, releasedTs, maxSeen, opts);
    if (ts < maxSeen) {
      stats.outOfOrder++;
      if (maxSeen - ts > stats.maxLatenessNs) stats.maxLatenessNs = maxSeen - ts;
    } else {
      maxSeen = ts;
    }
    q.push(r);
    const held = q.size;
    if (held > stats.maxHeld) stats.maxHeld = held;
    const limit = maxSeen - windowNs;
    while (q.size > 0) {
      const top = q.peek() as T;
      if (top.ts >= limit && q.size <= maxHeld) break;
      q.shift();
      releasedTs = top.ts;
      yield top;
    }
  }
  while (q.size > 0) yield q.shift();
  return stats;
}

/**
 * A temporary file of bt normalize that cannot be made or written (the
 * directory is full, gone, read-only): one line that names the directory
 * and what to do, not a failed output.
 */
export function tmpFileError(dir: string, what: string, err: unknown): NormalizeError {
  if (err instanceof NormalizeError) return err;
  const why = err instanceof BtError ? ((err.cause as Error | undefined) ?? err) : err;
  return new NormalizeError(
    'E_TMP_DIR',
    `cannot write ${what} in ${dir} (${describeFsError(why)}): free some space there, or give another directory with --tmp-dir`,
    { cause: err },
  );
}

/** How externalSort stores items in its run files. */
export interface RunCodec<T> {
  encode(v: T): Uint8Array;
  /** `b` is only valid during the call: copy what must outlive it. */
  decode(b: Uint8Array): T;
}

/** Decoded records in run files: protobuf (seq is a field of Record). */
export const recordCodec: RunCodec<LogRecord> = {
  encode: (r) => RecordType.encode(r).finish(),
  decode: (b) => decodeRecord(b),
};

export interface ExternalSortOptions<T = LogRecord> {
  /** Records per sorted run held in memory. */
  runSize: number;
  /** Where run files go (a private directory is made inside). */
  tmpDir?: string;
  /** How items are written to run files (default: decoded records, recordCodec). */
  codec?: RunCodec<T>;
}

/** Spills items (with a 4-byte length prefix) to a file. */
class RunWriter<T> {
  private readonly fd: number;
  private bufs: Uint8Array[] = [];
  private pending = 0;
  constructor(
    readonly path: string,
    private readonly codec: RunCodec<T>,
  ) {
    this.fd = openSync(path, 'w');
  }
  write(r: T): void {
    const body = this.codec.encode(r);
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32LE(body.length, 0);
    this.bufs.push(len, body);
    this.pending += 4 + body.length;
    if (this.pending >= 1 << 20) this.flush();
  }
  private flush(): void {
    if (this.pending === 0) return;
    const b = Buffer.concat(this.bufs, this.pending);
    let off = 0;
    while (off < b.length) off += writeSync(this.fd, b, off, b.length - off);
    this.bufs = [];
    this.pending = 0;
  }
  close(): void {
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
    }
  }
}

/** Reads back a run file written by RunWriter, one item at a time. */
class RunReader<T> {
  private readonly fd: number;
  private buf = Buffer.alloc(1 << 20);
  private start = 0;
  private end = 0;
  private eof = false;
  constructor(
    readonly path: string,
    private readonly codec: RunCodec<T>,
  ) {
    this.fd = openSync(path, 'r');
  }
  private fill(need: number): boolean {
    while (this.end - this.start < need && !this.eof) {
      if (this.start > 0) {
        this.buf.copy(this.buf, 0, this.start, this.end);
        this.end -= this.start;
        this.start = 0;
      }
      if (need > this.buf.length) {
        const nb = Buffer.alloc(Math.max(need, this.buf.length * 2));
        this.buf.copy(nb, 0, 0, this.end);
        this.buf = nb;
      }
      const n = readSync(this.fd, this.buf, this.end, this.buf.length - this.end, null);
      if (n === 0) this.eof = true;
      this.end += n;
    }
    return this.end - this.start >= need;
  }
  next(): T | undefined {
    if (!this.fill(4)) return undefined;
    const len = this.buf.readUInt32LE(this.start);
    if (!this.fill(4 + len)) throw new NormalizeError('E_SORT_RUN', `temporary sort run ${this.path} is truncated`);
    const r = this.codec.decode(this.buf.subarray(this.start + 4, this.start + 4 + len));
    this.start += 4 + len;
    return r;
  }
  close(): void {
    closeSync(this.fd);
  }
}

/**
 * Yields `src` in (ts, seq) order whatever its disorder: sorted runs of
 * runSize records are spilled to temporary files, then merged. With a
 * single run nothing touches the disk.
 */
export function* externalSort<T extends Ordered = LogRecord>(
  src: Iterable<T>,
  opts: ExternalSortOptions<T>,
  stats: OrderStats = newOrderStats(),
): Generator<T, OrderStats> {
  stats.method = 'external';
  const codec = opts.codec ?? (recordCodec as unknown as RunCodec<T>);
  let dir: string | undefined;
  const runs: string[] = [];
  const readers: Array<RunReader<T>> = [];
  try {
    let chunk: T[] = [];
    let maxSeen = -Infinity;
    const base = opts.tmpDir ?? tmpdir();
    const spill = () => {
      chunk.sort(compareRecords);
      try {
        dir ??= mkdtempSync(join(base, 'bt-sort-'));
        const w = new RunWriter<T>(join(dir, `run-${runs.length}`), codec);
        try {
          for (const r of chunk) w.write(r);
        } finally {
          w.close();
        }
        runs.push(w.path);
      } catch (err) {
        throw tmpFileError(base, "the external sort's temporary files", err);
      }
      chunk = [];
    };
    for (const r of src) {
      if (r.ts < maxSeen) {
        stats.outOfOrder++;
        if (maxSeen - r.ts > stats.maxLatenessNs) stats.maxLatenessNs = maxSeen - r.ts;
      } else {
        maxSeen = r.ts;
      }
      chunk.push(r);
      if (chunk.length > stats.maxHeld) stats.maxHeld = chunk.length;
      if (chunk.length >= opts.runSize) spill();
    }
    if (runs.length === 0) {
      chunk.sort(compareRecords);
      const c = chunk;
      chunk = [];
      for (let i = 0; i < c.length; i++) {
        yield c[i];
        (c as unknown[])[i] = undefined; // let yielded records go
      }
      return stats;
    }
    if (chunk.length > 0) spill();
    const heap = new Heap<{ r: T; run: RunReader<T> }>((x, y) => compareRecords(x.r, y.r) < 0);
    for (const p of runs) {
      const run = new RunReader<T>(p, codec);
      readers.push(run);
      const r = run.next();
      if (r) heap.push({ r, run });
    }
    while (heap.size > 0) {
      const top = heap.pop() as { r: T; run: RunReader<T> };
      yield top.r;
      const n = top.run.next();
      if (n) heap.push({ r: n, run: top.run });
    }
    return stats;
  } finally {
    for (const r of readers) r.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
