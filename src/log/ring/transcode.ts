/**
 * Ring records to log records, for the readers of a log of ring batches
 * (expand.ts) and for a capture that writes records (--redact). OPEN,
 * CLOSE and LOOKUP records (the bulk of any build) go from ring bytes
 * straight to protobuf wire bytes, with no object
 * per record; every other record (and a lookup whose repetitions are being
 * counted, which RepeatTracker holds) goes through RecordDecoder and the
 * object encoder. Both paths produce the same Record messages (checked by
 * test/capture/transcode.test.ts) and the log keeps arrival order.
 */
import type { LogRecord } from '../schema.js';
import { WireWriter } from '../wire.js';
import { RecordDecoder, withoutNul } from './decode.js';
import { RepeatTracker } from './repeats.js';
import { EnvSharer } from '../env.js';
import { CURRENT_RING, F, LAYOUT, OP_NAMES, PATH_MAX, T, type RingVariant } from './layout.js';

const H = LAYOUT.bt_hdr.fields;
const O = LAYOUT.bt_open.fields;
const C = LAYOUT.bt_close.fields;
const L = LAYOUT.bt_lookup.fields;
const OP_BYTES: Record<number, Buffer> = Object.fromEntries(
  Object.entries(OP_NAMES).map(([k, v]) => [k, Buffer.from(v)]),
);
/** The op name's bytes; unknown ops are named like RecordDecoder names them. */
const opBytes = (v: number): Buffer => (OP_BYTES[v] ??= Buffer.from(`op${v}`));
/** Field numbers of bt.Record / bt.Open / bt.Close (proto/bt.proto). */
const REC = { ts: 1, pid: 2, tid: 3, open: 13, close: 14, lookup: 23 };
const OPEN = { path: 1, dirfd: 2, flags: 3, mode: 4, fd: 5, errno: 6, op: 7, resolve: 8, truncated: 9, mtime: 10, mtime_nsec: 11, size: 12 };
const CLOSE = { fd: 1, errno: 2, op: 3, last: 4, flags: 5 };
const LOOKUP = { op: 1, path: 2, dirfd: 3, flags: 4, mode: 5, errno: 6, ftype: 7, mtime: 8, mtime_nsec: 9, target: 10, truncated: 12 };

/** Where transcoded records go: the log (LogWriter), or a reader's buffer (expand.ts). */
export interface EncodedSink {
  /** One record, to encode. */
  write(r: LogRecord): void;
  /** Records already encoded (each varint-delimited), with their count per event type. */
  appendEncoded(bytes: Uint8Array, perType: Record<string, number>): void;
}

export class Transcoder {
  private readonly w = new WireWriter();
  private counts = { open: 0, close: 0, lookup: 0 };
  private readonly decoder: RecordDecoder;
  private readonly repeats: RepeatTracker | undefined;

  /**
   * `countRepeats`: repeated lookups are held until the kernel sends their
   * count (see RepeatTracker); without it, they are written at once with
   * repeats 0.
   */
  /**
   * `ring`: how the records are laid out (an earlier bt's layout, for a
   * reader of its log; a capture writes today's).
   */
  constructor(
    private readonly writer: EncodedSink,
    onRecord: (r: LogRecord) => void = () => {},
    countRepeats = false,
    private readonly ring: RingVariant = CURRENT_RING,
  ) {
    const envs = new EnvSharer();
    const emit = (r: LogRecord) => {
      this.flush();
      onRecord(r);
      if (r.exec) {
        const def = envs.share(r);
        if (def) writer.write(def);
      }
      writer.write(r);
    };
    const repeats = countRepeats ? new RepeatTracker(emit) : undefined;
    this.repeats = repeats;
    this.decoder = new RecordDecoder(emit, repeats, ring);
  }

  /** Flagged lookups waiting for their count (the capture then runs the kernel's sweep). */
  get heldRepeats(): number {
    return this.repeats?.size ?? 0;
  }

  /**
   * What bt could not complete, by reason (Lost.reason): execs whose argv
   * or env bytes were missing, and repeated lookups written without their
   * count (or counts that found no lookup) because a record was lost.
   */
  losses(): { incomplete_exec: number; repeat_count: number } {
    return { incomplete_exec: this.decoder.incompleteExecs, repeat_count: this.repeats?.unmatched ?? 0 };
  }

  /** One ring record. */
  record(buf: Buffer, dv: DataView, off: number, len: number): void {
    const type = dv.getUint16(off + H.type, true);
    if (type === T.OPEN && len >= this.ring.openSize) {
      this.decoder.settle(dv.getUint32(off + H.tid, true));
      this.open(buf, dv, off, len);
    } else if (type === T.CLOSE && len >= LAYOUT.bt_close.size) {
      this.decoder.settle(dv.getUint32(off + H.tid, true));
      this.close(dv, off);
    } else if (type === T.LOOKUP && len >= LAYOUT.bt_lookup.size && !(dv.getUint16(off + H.flags, true) & F.REPEAT)) {
      this.decoder.settle(dv.getUint32(off + H.tid, true));
      this.lookup(buf, dv, off, len);
    } else {
      this.decoder.decode(buf, dv, off, len);
    }
  }

  /** Hands the encoded records to the writer. */
  flush(): void {
    if (this.w.pos === 0) return;
    this.writer.appendEncoded(this.w.buf.subarray(0, this.w.pos), this.counts);
    this.w.pos = 0;
    this.counts = { open: 0, close: 0, lookup: 0 };
  }

  /** End of the trace: execs still waiting for data, then everything encoded. */
  finish(): void {
    this.decoder.flush();
    this.repeats?.finish();
    this.flush();
  }

  private header(dv: DataView, off: number): number {
    const w = this.w;
    w.ensure(16 * 1024);
    const start = w.pos;
    w.pos += 1; // record length, fixed up in end()
    w.uint64(REC.ts, dv.getUint32(off + H.ts, true), dv.getUint32(off + H.ts + 4, true));
    w.uint(REC.pid, dv.getUint32(off + H.pid, true));
    w.uint(REC.tid, dv.getUint32(off + H.tid, true));
    return start;
  }

  private open(buf: Buffer, dv: DataView, off: number, len: number): void {
    const w = this.w;
    const start = this.header(dv, off);
    const inner = this.begin(REC.open);
    const ret = dv.getInt32(off + O.ret, true);
    // (no kernel string is longer than PATH_MAX: a damaged log's lengths are cut there, which keeps a record under 16 KiB)
    const pathLen = Math.min(dv.getUint16(off + O.path_len, true), len - this.ring.openSize, PATH_MAX);
    const p = off + this.ring.openSize;
    w.bytes(OPEN.path, buf, p, withoutNul(buf, p, pathLen));
    w.sint32(OPEN.dirfd, dv.getInt32(off + O.dirfd, true));
    w.uint(OPEN.flags, dv.getUint32(off + O.flags, true));
    w.uint(OPEN.mode, dv.getUint32(off + O.mode, true));
    w.sint32(OPEN.fd, ret < 0 ? -1 : ret);
    w.sint32(OPEN.errno, ret < 0 ? -ret : 0);
    w.raw(OPEN.op, opBytes(dv.getUint16(off + O.op, true)));
    w.uint64(OPEN.resolve, dv.getUint32(off + O.resolve, true), dv.getUint32(off + O.resolve + 4, true));
    w.bool(OPEN.truncated, (dv.getUint16(off + H.flags, true) & (F.TRUNCATED | F.READ_FAULT)) !== 0);
    if (this.ring.openStat) {
      w.sint64(OPEN.mtime, Number(dv.getBigInt64(off + O.mtime_sec, true)));
      w.uint(OPEN.mtime_nsec, dv.getUint32(off + O.mtime_nsec, true));
      w.uint64(OPEN.size, dv.getUint32(off + O.size, true), dv.getUint32(off + O.size + 4, true));
    }
    this.end(inner);
    this.end(start);
    this.counts.open++;
  }

  private close(dv: DataView, off: number): void {
    const w = this.w;
    const start = this.header(dv, off);
    const inner = this.begin(REC.close);
    const ret = dv.getInt32(off + C.ret, true);
    w.sint32(CLOSE.fd, dv.getInt32(off + C.fd, true));
    w.sint32(CLOSE.errno, ret < 0 ? -ret : 0);
    w.raw(CLOSE.op, opBytes(dv.getUint16(off + C.op, true)));
    w.uint(CLOSE.last, dv.getUint32(off + C.last, true));
    w.uint(CLOSE.flags, dv.getUint32(off + C.cr_flags, true));
    this.end(inner);
    this.end(start);
    this.counts.close++;
  }

  private lookup(buf: Buffer, dv: DataView, off: number, len: number): void {
    const w = this.w;
    const start = this.header(dv, off);
    const inner = this.begin(REC.lookup);
    const ret = dv.getInt32(off + L.ret, true);
    const room = len - LAYOUT.bt_lookup.size;
    const p = off + LAYOUT.bt_lookup.size;
    const pathLen = Math.min(dv.getUint16(off + L.path_len, true), room, PATH_MAX);
    const targetLen = Math.min(dv.getUint16(off + L.target_len, true), room - pathLen, PATH_MAX);
    w.raw(LOOKUP.op, opBytes(dv.getUint16(off + L.op, true)));
    w.bytes(LOOKUP.path, buf, p, withoutNul(buf, p, pathLen));
    w.sint32(LOOKUP.dirfd, dv.getInt32(off + L.dirfd, true));
    w.uint(LOOKUP.flags, dv.getUint32(off + L.flags, true));
    w.uint(LOOKUP.mode, dv.getUint32(off + L.mode, true));
    w.sint32(LOOKUP.errno, ret < 0 ? -ret : 0);
    const ftype = dv.getUint32(off + L.ftype, true);
    if (ftype) {
      w.uint(LOOKUP.ftype, ftype);
      w.sint64(LOOKUP.mtime, Number(dv.getBigInt64(off + L.mtime_sec, true)));
      w.uint(LOOKUP.mtime_nsec, dv.getUint32(off + L.mtime_nsec, true));
    }
    w.bytes(LOOKUP.target, buf, p + pathLen, withoutNul(buf, p + pathLen, targetLen));
    w.bool(LOOKUP.truncated, (dv.getUint16(off + H.flags, true) & (F.TRUNCATED | F.READ_FAULT)) !== 0);
    this.end(inner);
    this.end(start);
    this.counts.lookup++;
  }

  /** Starts a nested message field; returns where its 1-byte length slot is (end() widens it). */
  private begin(field: number): number {
    this.w.varint((field << 3) | 2);
    const at = this.w.pos;
    this.w.pos += 1;
    return at;
  }

  /**
   * Writes the length of what follows the 1-byte slot at `at`; one of 128
   * bytes or more (lengths stay below 16 KiB) takes two, and what follows
   * moves by one (header() made the room). Most records are shorter.
   */
  private end(at: number): void {
    const w = this.w;
    const n = w.pos - at - 1;
    if (n < 128) {
      w.buf[at] = n;
    } else {
      w.buf.copyWithin(at + 2, at + 1, w.pos);
      w.buf[at] = (n & 0x7f) | 0x80;
      w.buf[at + 1] = n >>> 7;
      w.pos += 1;
    }
  }
}
