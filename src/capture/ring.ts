/**
 * BPF ring buffer consumer that reads the mmapped ring directly: no native
 * call per event, no wake-ups (the programs submit with BPF_RB_NO_WAKEUP and
 * the capture loop drains on a timer).
 *
 * Memory layout of a BPF_MAP_TYPE_RINGBUF map fd:
 *   offset 0:        consumer page (consumer_pos, u64), read-write
 *   offset pagesize: producer page (producer_pos, u64), then the data area,
 *                    read-only. The kernel maps the data area twice in a row
 *                    so that wrapping records are contiguous; bt maps it once
 *                    (every mapped ring page counts in its RSS) and copies
 *                    the rare record that wraps around the end.
 * Mapping is the kernel inserting every page (64 MiB: ~15 ms), so bt maps
 * the data area as far as the producer has written, growing the mapping 4x
 * at a time (from 1 MiB), whole once the ring has wrapped: a short build
 * never waits for the whole ring.
 * Each record: u32 len (bit 31 BUSY, bit 30 DISCARD), u32 page offset, then
 * len bytes, the whole rounded up to 8.
 */
import { checkMmap, getLibc, MAP_SHARED, PROT_READ, PROT_WRITE, view } from './native.js';

/** The data mapped at first; grown 4x at a time. */
const FIRST_MAP = 1024 * 1024;
const BUSY = 0x80000000;
const DISCARD = 0x40000000;
const HDR = 8;

/**
 * A fast build's rate per CPU, in bytes a second. Measured under bt: the
 * stress program (open/close, fork+exec) ~20 MB/s; a loop of lookups of
 * distinct paths 110 MB/s (25-byte paths) to 190 MB/s (150 bytes), faster
 * than bt's drain can keep up with on 2 CPUs whatever its interval.
 */
const BURST_BYTES_PER_CPU_S = 100e6;

/**
 * How long the reader may wait between drains while the ring is quiet (the
 * capture drains every 20 ms while records come faster): the time a fast
 * build on every CPU takes to fill half of the ring, between 20 and 100 ms
 * (32 MiB on 2 CPUs: 84 ms). Each drain costs bt a fixed ~0.2 ms of CPU:
 * on a 70 s kernel build, draining every 84 ms instead of every 20 took a
 * fifth off bt's CPU (2.2 s to 1.8 s).
 */
export function quietPollMs(ringBytes: number, cpus: number): number {
  const ms = (ringBytes / 2 / (BURST_BYTES_PER_CPU_S * Math.max(1, cpus))) * 1000;
  return Math.round(Math.min(100, Math.max(20, ms)));
}

/** What the capture loop knows after a drain (bytes; bytesPerMs: undefined at the first drain). */
export interface DrainState {
  ringBytes: number;
  /** records the drain read */
  drained: number;
  /** bytes left in the ring after it */
  pending: number;
  /** the rate the kernel wrote since the drain before */
  bytesPerMs: number | undefined;
  quietMs: number;
  busyMs: number;
}

/**
 * The wait before the next drain: none while the ring fills up (more than
 * an eighth of it left after a drain that read records); quietMs while
 * records trickle in (at the last rate, the ring would be less than an
 * eighth full by then), as they do most of a build; else, and at the start
 * (a build may begin with a burst), busyMs.
 */
export function nextDrainMs(s: DrainState): number {
  if (s.drained > 0 && s.pending > s.ringBytes / 8) return 0;
  if (s.bytesPerMs !== undefined && s.bytesPerMs * s.quietMs < s.ringBytes / 8) return s.quietMs;
  return s.busyMs;
}

/** Called for each record; `off` is where its payload starts in `buf`. */
export type RecordSink = (buf: Buffer, dv: DataView, off: number, len: number) => void;

export class RingReader {
  private readonly consPtr: unknown;
  private prodPtr: unknown;
  private readonly pageSize: number;
  private readonly cons: BigUint64Array;
  private prod!: BigUint64Array;
  private hdr!: Uint32Array;
  private buf!: Buffer;
  private dv!: DataView;
  /** Bytes of the data area mapped. */
  private mapped = 0;
  private wrapBuf = Buffer.alloc(64 * 1024);
  private wrapDv = new DataView(this.wrapBuf.buffer);
  private closed = false;

  constructor(
    private readonly mapFd: number,
    readonly size: number,
  ) {
    const libc = getLibc();
    this.pageSize = libc.getpagesize() as number;
    this.consPtr = checkMmap(
      libc.mmap(null, this.pageSize, PROT_READ | PROT_WRITE, MAP_SHARED, mapFd, 0),
      'mmap(ring buffer consumer page)',
    );
    this.cons = new BigUint64Array(view(this.consPtr, this.pageSize), 0, 1);
    this.mapData(Math.min(size, FIRST_MAP));
  }

  /** Maps the producer page and the first `bytes` of the data area (in place of the last mapping). */
  private mapData(bytes: number): void {
    const libc = getLibc();
    const len = this.pageSize + bytes;
    // the old mapping goes first: both at once would count twice in bt's peak RSS
    if (this.prodPtr) libc.munmap(this.prodPtr, this.pageSize + this.mapped);
    this.prodPtr = undefined;
    let ptr: unknown;
    try {
      ptr = checkMmap(libc.mmap(null, len, PROT_READ, MAP_SHARED, this.mapFd, this.pageSize), 'mmap(ring buffer data)');
    } catch (err) {
      // the views point into what was unmapped: nothing may read them again
      this.closed = true;
      this.mapped = 0;
      throw err;
    }
    this.prodPtr = ptr;
    this.mapped = bytes;
    const prodBuf = view(ptr, len);
    this.prod = new BigUint64Array(prodBuf, 0, 1);
    this.hdr = new Uint32Array(prodBuf, this.pageSize, bytes / 4);
    this.buf = Buffer.from(prodBuf, this.pageSize, bytes);
    this.dv = new DataView(prodBuf, this.pageSize, bytes);
  }

  /** Makes sure the data written up to producer position `ppos` is mapped. */
  private cover(ppos: number): void {
    const need = ppos >= this.size ? this.size : ppos;
    if (need <= this.mapped) return;
    let bytes = this.mapped;
    while (bytes < need) bytes *= 4;
    this.mapData(Math.min(bytes, this.size));
  }

  /** Bytes the kernel has written into the ring since it was made (its producer position). */
  produced(): number {
    if (this.closed) return 0;
    return Number(Atomics.load(this.prod, 0));
  }

  /** Bytes produced but not consumed yet. */
  pending(): number {
    if (this.closed) return 0;
    return Number(Atomics.load(this.prod, 0) - Atomics.load(this.cons, 0));
  }

  /**
   * Hands every complete record to `sink`, in ring order, then calls
   * `beforeRelease` (the last moment the records' bytes may be read) and
   * releases the space. Stops at a record still being written. The 8 bytes
   * before a record's payload are its ring header, also for one that wraps
   * (copied). Returns records read.
   */
  drain(sink: RecordSink, maxBytes = Infinity, beforeRelease?: () => void): number {
    if (this.closed) return 0;
    const size = this.size;
    let cpos = Number(Atomics.load(this.cons, 0));
    const ppos = Number(Atomics.load(this.prod, 0));
    if (ppos > this.mapped) this.cover(ppos);
    const stop = Math.min(ppos, cpos + maxBytes);
    let n = 0;
    while (cpos < stop) {
      const off = cpos % size;
      const word = Atomics.load(this.hdr, off >>> 2) >>> 0;
      if (word & BUSY) break;
      const len = word & ~(BUSY | DISCARD);
      if (!(word & DISCARD)) {
        const start = off + HDR; // the 8-byte header itself never wraps
        if (start + len <= size) {
          sink(this.buf, this.dv, start, len);
        } else {
          this.unwrap(off, len);
          sink(this.wrapBuf, this.wrapDv, HDR, len);
        }
        n++;
      }
      cpos += (len + HDR + 7) & ~7;
    }
    beforeRelease?.();
    Atomics.store(this.cons, 0, BigInt(cpos));
    return n;
  }

  /** Copies a record (its ring header at `at`) that wraps around the end of the ring into wrapBuf, padding included. */
  private unwrap(at: number, len: number): void {
    const total = (len + HDR + 7) & ~7;
    if (this.wrapBuf.length < total) {
      this.wrapBuf = Buffer.alloc(total);
      this.wrapDv = new DataView(this.wrapBuf.buffer);
    }
    const first = this.size - at;
    this.buf.copy(this.wrapBuf, 0, at, this.size);
    this.buf.copy(this.wrapBuf, first, 0, total - first);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const libc = getLibc();
    libc.munmap(this.consPtr, this.pageSize);
    if (this.prodPtr) libc.munmap(this.prodPtr, this.pageSize + this.mapped);
  }
}
