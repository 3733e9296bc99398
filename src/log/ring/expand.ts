/**
 * Reading a log of ring batches (format 2): bt trace logs the kernel's ring
 * records as they came (batcher.ts), and every reader turns them into the
 * records they stand for here, through the same Transcoder a capture that
 * writes records uses. So a reader sees what it always saw: execs with
 * their argv and environment (Env records first, as EnvSharer writes them),
 * counted lookups with their repeats, in arrival order.
 *
 * RingExpander is stateful across batches, as the stream is: an exec's
 * bytes, a lookup waiting for its count, the environments defined. One
 * expander reads one log from its start (FrameReader makes one per pass).
 * What the decoding could not complete (an exec whose bytes were lost, a
 * count that found no lookup) is reported in-band as Lost records, which
 * bt trace wrote itself before format 2.
 */
import { encodeRecordInto } from '../writer.js';
import { WireWriter } from '../wire.js';
import type { LogRecord } from '../schema.js';
import { CURRENT_RING, RING_DISCARD, RING_HDR, type RingVariant } from './layout.js';
import { Transcoder, type EncodedSink } from './transcode.js';

/** Encoded records (varint-delimited), in one buffer. */
class MemorySink implements EncodedSink {
  readonly w = new WireWriter(64 * 1024);

  write(r: LogRecord): void {
    encodeRecordInto(r, this.w);
  }

  appendEncoded(bytes: Uint8Array): void {
    this.w.append(bytes);
  }
}

export class RingExpander {
  private readonly sink = new MemorySink();
  private readonly transcoder: Transcoder;
  private lost = { incomplete_exec: 0, repeat_count: 0 };
  private lastTs = 0;
  /** Ring records read. */
  records = 0;

  /** `ring`: the layout of the log's ring records (its header's ring_layout). */
  constructor(ring: RingVariant = CURRENT_RING) {
    this.transcoder = new Transcoder(this.sink, () => {}, true, ring);
  }

  /**
   * The records that the ring batch b[start, end) stands for, encoded and
   * varint-delimited, in a new buffer (the caller may keep it). Throws an
   * Error that says what is wrong with a damaged batch.
   */
  expand(b: Buffer, start: number, end: number): Buffer {
    // A copy: a record's fields are read within the batch, never the bytes around it.
    const buf = Buffer.from(b.subarray(start, end));
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
    let p = 0;
    while (p < buf.length) {
      if (buf.length - p < RING_HDR) throw new Error(`a ring record header is cut off (${buf.length - p} bytes)`);
      const word = dv.getUint32(p, true);
      const len = word & 0x3fffffff;
      const next = p + ((len + RING_HDR + 7) & ~7);
      if (p + RING_HDR + len > buf.length) throw new Error(`a ring record of ${len} bytes runs past the batch`);
      if (!(word & RING_DISCARD)) {
        if (len >= 16) this.lastTs = Math.max(this.lastTs, dv.getUint32(p + RING_HDR + 8, true) + dv.getUint32(p + RING_HDR + 12, true) * 2 ** 32);
        this.transcoder.record(buf, dv, p + RING_HDR, len);
        this.records++;
      }
      p = Math.min(next, buf.length);
    }
    this.transcoder.flush();
    this.reportLosses();
    return this.take();
  }

  /** The end of the log: execs still waiting for bytes, lookups for counts. */
  finish(): Buffer {
    this.transcoder.finish();
    this.reportLosses();
    return this.take();
  }

  private reportLosses(): void {
    const now = this.transcoder.losses();
    for (const reason of ['incomplete_exec', 'repeat_count'] as const) {
      const delta = now[reason] - this.lost[reason];
      if (delta > 0) this.sink.write({ ts: this.lastTs, pid: 0, tid: 0, lost: { count: delta, reason, from_ts: this.lastTs, to_ts: this.lastTs } });
    }
    this.lost = now;
  }

  private take(): Buffer {
    const w = this.sink.w;
    const out = Buffer.from(w.buf.subarray(0, w.pos));
    w.pos = 0;
    return out;
  }
}
