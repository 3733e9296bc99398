/**
 * Writing a log of ring batches (format 2): what bt trace does with the
 * kernel's records during a build. Each drain of the ring becomes one
 * Record.ring of the records as the ring holds them (8-byte ring header,
 * record, padding), copied in spans as long as the ring has them in a row;
 * the readers decode them (expand.ts). Decoding at capture time cost ~1 s of
 * CPU on a 65 s kernel build, taken from a build that keeps every CPU busy.
 *
 * One thing is done here: each distinct environment is logged once. An
 * exec's env EXEC_DATA records are held back until its environment is
 * complete; an environment seen before becomes an ENV_REF (its id), a new
 * one an ENV_DEF (id and bytes) and an ENV_REF, where the last of them was.
 * An exec whose env bytes stop short (a lost record, the thread moved on,
 * the end of the trace) gets what came, as one EXEC_DATA record: the reader
 * marks it incomplete, as it would have.
 *
 * The batcher also counts what the capture shows while it runs (processes
 * started and ended, lookups waiting for their counts).
 */
import { WireWriter } from '../wire.js';
import { F, LAYOUT, MAX_ARG_BYTES, RING_HDR, T, USER_LAYOUT, UT } from './layout.js';

const H = LAYOUT.bt_hdr.fields;
const X = LAYOUT.bt_exec.fields;
const D = LAYOUT.bt_exec_data.fields;
const E = USER_LAYOUT.bt_env_def.fields;

/** An exec's environment, held until complete. */
interface Held {
  bytes: Buffer;
  got: number;
  /** the header of the exec (type aside) for the records that stand for its env */
  ts0: number;
  ts1: number;
  pid: number;
}

/** Environments compared byte for byte before a lookup by content. */
const RECENT = 4;

export class RingBatcher {
  /** The batch of the current drain. */
  private readonly out = new WireWriter(1 << 20);
  private spanBuf: Buffer | undefined;
  private spanStart = 0;
  private spanEnd = 0;
  private readonly held = new Map<number, Held>();
  private readonly ids = new Map<string, number>();
  private readonly recent: Array<{ bytes: Buffer; id: number }> = [];
  /** Records logged (the kernel's, and those that stand for held env records: what a reader counts). */
  records = 0;
  /** The kernel's records seen, by type (enum bt_type). */
  readonly byType = new Float64Array(32);
  /** New processes seen (forks that are not threads; process exits are byType[T.EXIT]). */
  forks = 0;
  /**
   * Lookups sent flagged (their count to come) minus counts seen, and
   * flagged lookups since the capture last swept (it resets it): whether a
   * sweep is worth running. (A count may come before its lookup, or either
   * may be lost: the first is a guess, the second is not.)
   */
  waitingCounts = 0;
  flaggedSinceSweep = 0;
  /** Distinct environments logged. */
  get environments(): number {
    return this.ids.size;
  }

  /** Called with each EXEC and EXIT record (the capture's timing marks the build's start and end by them). */
  watch: ((type: number, buf: Buffer, dv: DataView, off: number, len: number) => void) | undefined;

  /** One ring record, its payload at buf[off, off+len), its ring header the 8 bytes before (a RecordSink). */
  record(buf: Buffer, dv: DataView, off: number, len: number): void {
    const type = len >= LAYOUT.bt_hdr.size ? dv.getUint16(off + H.type, true) : 0;
    const tid = type ? dv.getUint32(off + H.tid, true) : 0;
    if (type < 32) this.byType[type]++;
    if (this.held.size > 0 && type !== T.EXEC_DATA && this.held.has(tid)) this.spill(tid);
    switch (type) {
      case T.EXEC_DATA:
        if (dv.getUint16(off + H.flags, true) & F.ENV && this.holdEnv(buf, dv, off, len, tid)) return;
        break;
      case T.EXEC:
        if (len >= LAYOUT.bt_exec.size) this.exec(dv, off, tid);
        this.watch?.(type, buf, dv, off, len);
        break;
      case T.FORK:
        if (!(dv.getUint16(off + H.flags, true) & F.THREAD)) this.forks++;
        break;
      case T.EXIT:
        this.watch?.(type, buf, dv, off, len);
        break;
      case T.LOOKUP:
        if (dv.getUint16(off + H.flags, true) & F.REPEAT) {
          this.waitingCounts++;
          this.flaggedSinceSweep++;
        }
        break;
      case T.REPEATS:
        this.waitingCounts--;
        break;
    }
    this.records++;
    const start = off - RING_HDR;
    const end = off + ((len + 7) & ~7);
    if (buf === this.spanBuf && start === this.spanEnd) {
      this.spanEnd = end;
    } else {
      this.flushSpan();
      this.spanBuf = buf;
      this.spanStart = start;
      this.spanEnd = end;
    }
  }

  /**
   * Copies the records of the current span into the batch: before the ring
   * gives their space back (the end of each drain), and before anything is
   * put between them.
   */
  flushSpan(): void {
    const b = this.spanBuf;
    if (!b) return;
    const n = this.spanEnd - this.spanStart;
    this.out.ensure(n);
    b.copy(this.out.buf, this.out.pos, this.spanStart, this.spanEnd);
    this.out.pos += n;
    this.spanBuf = undefined;
  }

  /** The batch of the drain that ended (its span copied first), or undefined; the next one starts empty. */
  take(): Buffer | undefined {
    this.flushSpan();
    if (this.out.pos === 0) return undefined;
    const bytes = this.out.buf.subarray(0, this.out.pos);
    this.out.pos = 0;
    return bytes;
  }

  /** The end of the trace: environments still incomplete are logged as they are. */
  finish(): void {
    for (const tid of [...this.held.keys()]) this.spill(tid);
  }

  private exec(dv: DataView, off: number, tid: number): void {
    const envLen = dv.getUint32(off + X.env_len, true);
    if (this.held.has(tid)) this.spill(tid);
    if (envLen === 0 || envLen > MAX_ARG_BYTES) return;
    this.held.set(tid, {
      bytes: Buffer.allocUnsafe(envLen),
      got: 0,
      ts0: dv.getUint32(off + H.ts, true),
      ts1: dv.getUint32(off + H.ts + 4, true),
      pid: dv.getUint32(off + H.pid, true),
    });
  }

  /** Takes an env EXEC_DATA record into its exec's environment; false: it is logged as it is. */
  private holdEnv(buf: Buffer, dv: DataView, off: number, len: number, tid: number): boolean {
    const h = this.held.get(tid);
    if (!h || len < LAYOUT.bt_exec_data.size) return false;
    const at = dv.getUint32(off + D.offset, true);
    const n = dv.getUint32(off + D.len, true);
    if (at !== h.got || n > len - LAYOUT.bt_exec_data.size || at + n > h.bytes.length || dv.getUint16(off + H.flags, true) & F.READ_FAULT) {
      this.spill(tid);
      return false;
    }
    this.flushSpan();
    const src = off + LAYOUT.bt_exec_data.size;
    h.got += buf.copy(h.bytes, at, src, src + n);
    if (h.got === h.bytes.length) {
      this.held.delete(tid);
      this.share(h, tid);
    }
    return true;
  }

  /** A complete environment: its id (an ENV_DEF the first time) and the exec's ENV_REF. */
  private share(h: Held, tid: number): void {
    let id = this.recent.find((r) => r.bytes.equals(h.bytes))?.id;
    if (id === undefined) {
      const key = h.bytes.toString('latin1');
      id = this.ids.get(key);
      if (id === undefined) {
        id = this.ids.size + 1;
        this.ids.set(key, id);
        this.synthetic(UT.ENV_DEF, 0, h, tid, id, h.bytes, h.bytes.length);
      }
      this.recent.unshift({ bytes: h.bytes, id });
      if (this.recent.length > RECENT) this.recent.pop();
    }
    this.synthetic(UT.ENV_REF, 0, h, tid, id, undefined, h.bytes.length);
  }

  /** An environment that stops short: what came, as one EXEC_DATA record. */
  private spill(tid: number): void {
    const h = this.held.get(tid);
    this.held.delete(tid);
    if (!h || h.got === 0) return;
    this.flushSpan();
    this.synthetic(T.EXEC_DATA, F.ENV, h, tid, 0, h.bytes, h.got);
  }

  /**
   * Appends a record the capture makes (bt_env_def, bt_env_ref, and
   * bt_exec_data, which share a layout: header, u32, u32, bytes) with its
   * ring header.
   */
  private synthetic(type: number, flags: number, h: Held, tid: number, a: number, bytes: Buffer | undefined, n: number): void {
    const size = USER_LAYOUT.bt_env_def.size + (bytes ? n : 0);
    const w = this.out;
    w.ensure(RING_HDR + size + 8);
    const b = w.buf;
    let p = w.pos;
    b.writeUInt32LE(size, p);
    b.writeUInt32LE(0, p + 4);
    p += RING_HDR;
    b.writeUInt16LE(type, p + H.type);
    b.writeUInt16LE(flags, p + H.flags);
    b.writeUInt32LE(size, p + H.size);
    b.writeUInt32LE(h.ts0, p + H.ts);
    b.writeUInt32LE(h.ts1, p + H.ts + 4);
    b.writeUInt32LE(h.pid, p + H.pid);
    b.writeUInt32LE(tid, p + H.tid);
    b.writeUInt32LE(a, p + E.id);
    b.writeUInt32LE(n, p + E.len);
    if (bytes) bytes.copy(b, p + USER_LAYOUT.bt_env_def.size, 0, n);
    const padded = (size + 7) & ~7;
    b.fill(0, p + size, p + padded);
    w.pos = p + padded;
    this.records++;
  }
}
