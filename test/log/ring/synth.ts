/**
 * Synthetic ring records of a small build, and a log of ring batches made of
 * them the way bt trace makes one (RingBatcher, LogWriter.appendRing):
 * for the tests of format 2 and as a seed of the fuzzer.
 */
import { RingBatcher } from '../../../src/log/ring/batcher.js';
import { F, LAYOUT, ringLayoutId, T } from '../../../src/log/ring/layout.js';
import type { LogHeader } from '../../../src/log/schema.js';
import { LogWriter } from '../../../src/log/writer.js';

const H = LAYOUT.bt_hdr.fields;

function rec(type: number, flags: number, size: number, ts: number, pid: number, tid: number, extra = 0): { buf: Buffer; dv: DataView } {
  const buf = Buffer.alloc(size + extra);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
  dv.setUint16(H.type, type, true);
  dv.setUint16(H.flags, flags, true);
  dv.setUint32(H.size, buf.length, true);
  dv.setBigUint64(H.ts, BigInt(ts), true);
  dv.setUint32(H.pid, pid, true);
  dv.setUint32(H.tid, tid, true);
  return { buf, dv };
}

export function exec(ts: number, pid: number, file: string, argv: Buffer, env: Buffer): Buffer {
  const X = LAYOUT.bt_exec.fields;
  const name = Buffer.from(file + '\0');
  const cwd = Buffer.from('tmp\0\0'); // components, leaf first
  const { buf, dv } = rec(T.EXEC, 0, LAYOUT.bt_exec.size, ts, pid, pid, name.length + cwd.length);
  dv.setUint32(X.argv_len, argv.length, true);
  dv.setUint32(X.env_len, env.length, true);
  dv.setInt32(X.dirfd, -100, true);
  dv.setUint16(X.op, 59, true);
  dv.setUint16(X.filename_len, name.length, true);
  dv.setUint16(X.cwd_len, cwd.length, true);
  name.copy(buf, LAYOUT.bt_exec.size);
  cwd.copy(buf, LAYOUT.bt_exec.size + name.length);
  return buf;
}

export function data(ts: number, pid: number, env: boolean, at: number, bytes: Buffer): Buffer {
  const D = LAYOUT.bt_exec_data.fields;
  const { buf, dv } = rec(T.EXEC_DATA, env ? F.ENV : 0, LAYOUT.bt_exec_data.size, ts, pid, pid, bytes.length);
  dv.setUint32(D.offset, at, true);
  dv.setUint32(D.len, bytes.length, true);
  bytes.copy(buf, LAYOUT.bt_exec_data.size);
  return buf;
}

/** An open record; `size`: bt_open's fixed size (56: an earlier bt's, without mtime and size), `stat`: the file's mtime and size (today's layout). */
export function open(ts: number, pid: number, p: string, ret: number, opts: { size?: number; stat?: [number, number, number] } = {}): Buffer {
  const O = LAYOUT.bt_open.fields;
  const size = opts.size ?? LAYOUT.bt_open.size;
  const name = Buffer.from(p + '\0');
  const { buf, dv } = rec(T.OPEN, 0, size, ts, pid, pid, name.length);
  dv.setInt32(O.ret, ret, true);
  dv.setInt32(O.dirfd, -100, true);
  dv.setUint16(O.op, 2, true);
  dv.setUint16(O.path_len, name.length, true);
  if (opts.stat) {
    dv.setBigInt64(O.mtime_sec, BigInt(opts.stat[0]), true);
    dv.setUint32(O.mtime_nsec, opts.stat[1], true);
    dv.setBigUint64(O.size, BigInt(opts.stat[2]), true);
  }
  name.copy(buf, size);
  return buf;
}

export function lookup(ts: number, pid: number, p: string, hflags: number, keyHash: bigint): Buffer {
  const L = LAYOUT.bt_lookup.fields;
  const name = Buffer.from(p + '\0');
  const { buf, dv } = rec(T.LOOKUP, hflags, LAYOUT.bt_lookup.size, ts, pid, pid, name.length);
  dv.setInt32(L.ret, -2, true);
  dv.setInt32(L.dirfd, -100, true);
  dv.setBigUint64(L.key_hash, keyHash, true);
  dv.setUint16(L.op, 30, true);
  dv.setUint16(L.path_len, name.length, true);
  name.copy(buf, LAYOUT.bt_lookup.size);
  return buf;
}

export function repeats(ts: number, tid: number, tag: bigint, count: number): Buffer {
  const R = LAYOUT.bt_repeats.fields;
  const { buf, dv } = rec(T.REPEATS, 0, LAYOUT.bt_repeats.size, ts, 0, tid);
  dv.setBigUint64(R.key_tag, tag, true);
  dv.setUint32(R.count, count, true);
  return buf;
}

export function exit(ts: number, pid: number): Buffer {
  return rec(T.EXIT, 0, LAYOUT.bt_exit.size, ts, pid, pid).buf;
}

const strs = (...s: string[]) => Buffer.from(s.map((x) => x + '\0').join(''));

/** A build's ring records, `null` where a drain ends. */
export function build(): Array<Buffer | null> {
  const envA = strs('PATH=/usr/bin', 'HOME=/root', 'MARK_A=' + 'a'.repeat(3000));
  const envB = strs('PATH=/usr/bin', 'MARK_B=b');
  const out: Array<Buffer | null> = [];
  let ts = 1_000_000;
  const execWith = (pid: number, argv: string[], env: Buffer, chunk = 1024, lose = -1) => {
    const a = strs(...argv);
    out.push(exec(ts++, pid, '/bin/' + argv[0], a, env));
    out.push(data(ts++, pid, false, 0, a));
    for (let at = 0, k = 0; at < env.length; at += chunk, k++) {
      if (k !== lose) out.push(data(ts++, pid, true, at, env.subarray(at, at + chunk)));
      if (k === 1) out.push(open(ts++, 7777, '/another/thread', 3)); // other threads' records in between
    }
  };
  execWith(100, ['cc', '-c', 'a.c'], envA);
  out.push(open(ts++, 100, '/src/a.c', 3));
  execWith(101, ['cc', '-c', 'b.c'], envA, 700);
  out.push(null); // a drain ends between an exec and its env's last record
  execWith(102, ['ld', 'a.o'], envB);
  execWith(103, ['cc', '-c', 'c.c'], envA, 1024);
  execWith(104, ['lost'], envA, 1024, 1); // its second env record was lost: the exec is incomplete
  out.push(open(ts++, 104, '/after/loss', 4));
  // a lookup repeated: sent flagged, its count comes later (in another batch)
  out.push(lookup(ts++, 105, 'missing.h', 0, 5n << 20n));
  out.push(lookup(ts++, 105, 'missing.h', F.REPEAT, 5n << 20n));
  out.push(null);
  out.push(repeats(ts++, 105, 5n, 9));
  execWith(106, ['cc', '-c', 'd.c'], envB, 4);
  out.push(exit(ts++, 106));
  // the trace ends while an exec waits for the rest of its environment
  const a = strs('sh');
  out.push(exec(ts++, 107, '/bin/sh', a, envA));
  out.push(data(ts++, 107, false, 0, a));
  out.push(data(ts++, 107, true, 0, envA.subarray(0, 100)));
  return out;
}

export const header: LogHeader = {
  bt_version: 'test', kernel_release: '', hostname: '', clock: 'CLOCK_BOOTTIME', boot_to_wall_ns: 0,
  command: ['x'], cwd: '/', uid: 0, gid: 0, start_ts: 0,
};

/** The records as a ring holds them (header, payload, padding), written through the batcher as bt trace does. */
export function writeRing(file: string, recs: Array<Buffer | null>, layout = ringLayoutId()): RingBatcher {
  const w = LogWriter.open(file, { ...header, format_version: 2, ring_layout: layout });
  const b = new RingBatcher();
  const ring = Buffer.alloc(1 << 20);
  const dv = new DataView(ring.buffer, ring.byteOffset, ring.length);
  let p = 0;
  const drainEnd = () => {
    const bytes = b.take();
    if (bytes) w.appendRing(bytes);
    ring.fill(0xee); // the ring's space is reused: nothing may be read from it after its drain
    p = 0;
  };
  for (const r of recs) {
    if (!r) {
      drainEnd();
      continue;
    }
    ring.writeUInt32LE(r.length, p);
    ring.writeUInt32LE(0, p + 4);
    r.copy(ring, p + 8);
    b.record(ring, dv, p + 8, r.length);
    p += (r.length + 8 + 7) & ~7;
  }
  b.finish();
  drainEnd();
  w.close({ end_ts: 2_000_000, exit_status: 0, exit_code: 0, exit_signal: 0, ring_records: b.records });
  return b;
}

