/**
 * A log of ring batches (format 2: what bt trace writes) must read as the
 * records the capture's decoding would have written (format 1), with each
 * distinct environment stored once, through LogReader and through bt
 * normalize's fast path.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { RingBatcher } from '../../../src/log/ring/batcher.js';
import { F, LAYOUT, RING_LAYOUT_ID, T } from '../../../src/log/ring/layout.js';
import { Transcoder } from '../../../src/log/ring/transcode.js';
import { LogReader } from '../../../src/log/reader.js';
import { normalizeFile } from '../../../src/normalize/normalize.js';
import { RawLogSource } from '../../../src/normalize/raw.js';
import { newOrderStats } from '../../../src/normalize/order.js';
import { decodeRecord } from '../../../src/log/schema.js';
import { toJson } from '../../../src/log/dump.js';
import type { LogHeader, LogRecord } from '../../../src/log/schema.js';
import { LogWriter } from '../../../src/log/writer.js';
import { tmpdir } from '../../helpers/trace.js';

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

function exec(ts: number, pid: number, file: string, argv: Buffer, env: Buffer): Buffer {
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

function data(ts: number, pid: number, env: boolean, at: number, bytes: Buffer): Buffer {
  const D = LAYOUT.bt_exec_data.fields;
  const { buf, dv } = rec(T.EXEC_DATA, env ? F.ENV : 0, LAYOUT.bt_exec_data.size, ts, pid, pid, bytes.length);
  dv.setUint32(D.offset, at, true);
  dv.setUint32(D.len, bytes.length, true);
  bytes.copy(buf, LAYOUT.bt_exec_data.size);
  return buf;
}

function open(ts: number, pid: number, p: string, ret: number): Buffer {
  const O = LAYOUT.bt_open.fields;
  const name = Buffer.from(p + '\0');
  const { buf, dv } = rec(T.OPEN, 0, LAYOUT.bt_open.size, ts, pid, pid, name.length);
  dv.setInt32(O.ret, ret, true);
  dv.setInt32(O.dirfd, -100, true);
  dv.setUint16(O.op, 2, true);
  dv.setUint16(O.path_len, name.length, true);
  name.copy(buf, LAYOUT.bt_open.size);
  return buf;
}

function lookup(ts: number, pid: number, p: string, hflags: number, keyHash: bigint): Buffer {
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

function repeats(ts: number, tid: number, tag: bigint, count: number): Buffer {
  const R = LAYOUT.bt_repeats.fields;
  const { buf, dv } = rec(T.REPEATS, 0, LAYOUT.bt_repeats.size, ts, 0, tid);
  dv.setBigUint64(R.key_tag, tag, true);
  dv.setUint32(R.count, count, true);
  return buf;
}

function exit(ts: number, pid: number): Buffer {
  return rec(T.EXIT, 0, LAYOUT.bt_exit.size, ts, pid, pid).buf;
}

const strs = (...s: string[]) => Buffer.from(s.map((x) => x + '\0').join(''));

/** A build's ring records, `null` where a drain ends. */
function build(): Array<Buffer | null> {
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

const header: LogHeader = {
  bt_version: 'test', kernel_release: '', hostname: '', clock: 'CLOCK_BOOTTIME', boot_to_wall_ns: 0,
  command: ['x'], cwd: '/', uid: 0, gid: 0, start_ts: 0,
};

/** The records as a ring holds them (header, payload, padding), written through the batcher as bt trace does. */
function writeRing(file: string, recs: Array<Buffer | null>): RingBatcher {
  const w = LogWriter.open(file, { ...header, format_version: 2, ring_layout: RING_LAYOUT_ID });
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

/** The same records decoded at capture time (format 1: bt trace --redact). */
function writeDecoded(file: string, recs: Array<Buffer | null>): void {
  const w = LogWriter.open(file, header);
  const tc = new Transcoder(w, () => {}, true);
  for (const r of recs) if (r) tc.record(r, new DataView(r.buffer, r.byteOffset, r.length), 0, r.length);
  tc.finish();
  w.close({ end_ts: 2_000_000, exit_status: 0, exit_code: 0, exit_signal: 0 });
}

function read(file: string): { records: LogRecord[]; end: ReturnType<LogReader['end']> } {
  const r = LogReader.open(file);
  const records = [...r.records()];
  const end = r.end();
  r.close();
  return { records, end };
}

const json = (rs: LogRecord[]) => rs.map((r) => JSON.stringify(toJson(r)));

test('ring batches read as the records decoding at capture time writes, each environment stored once', () => {
  const dir = tmpdir();
  const recs = build();
  const ringFile = path.join(dir, 'ring.trace');
  const decFile = path.join(dir, 'decoded.trace');
  const b = writeRing(ringFile, recs);
  writeDecoded(decFile, recs);
  const ring = read(ringFile);
  const dec = read(decFile);
  // record for record, in the same order; the reader of ring batches also reports the incomplete execs in-band
  const lost = ring.records.filter((r) => r.lost);
  assert.deepEqual(json(ring.records.filter((r) => !r.lost)), json(dec.records));
  assert.deepEqual(lost.map((r) => [r.lost!.reason, Number(r.lost!.count)]), [['incomplete_exec', 1], ['incomplete_exec', 1]]);
  const execs = ring.records.filter((r) => r.exec).map((r) => r.exec!);
  assert.deepEqual(execs.map((e) => [e.argv.join(' '), e.truncated, e.env.length]), [
    ['cc -c a.c', false, 3],
    ['cc -c b.c', false, 3],
    ['ld a.o', false, 2],
    ['cc -c c.c', false, 3],
    ['lost', true, 3], // the first 1,024 bytes of its environment came: PATH, HOME and the start of MARK_A
    ['cc -c d.c', false, 2],
    ['sh', true, 3], // 100 bytes: the same
  ]);
  assert.equal(execs[0].env[2], 'MARK_A=' + 'a'.repeat(3000));
  // the repeated lookup got its count across batches
  assert.deepEqual(ring.records.filter((r) => r.lookup).map((r) => Number(r.lookup!.repeats ?? 0)), [0, 8]);
  // two distinct environments, each stored once; the incomplete ones as they came
  const bytes = fs.readFileSync(ringFile).toString('latin1');
  assert.equal(bytes.split('MARK_B=b').length - 1, 1);
  assert.equal(bytes.split('MARK_A=').length - 1, 3); // defined once, and the two incomplete environments
  assert.equal(b.environments, 2);
  // the trailer's counts agree with what was read
  assert.equal(ring.end.ringRecords, b.records);
  assert.equal(ring.end.records, 3); // a batch per drain
});

test('bt normalize reads ring batches as it reads records, in small read chunks and with records held too', () => {
  const dir = tmpdir();
  const recs = build();
  const ringFile = path.join(dir, 'ring.trace');
  const decFile = path.join(dir, 'decoded.trace');
  writeRing(ringFile, recs);
  writeDecoded(decFile, recs);
  const noSeq = (rs: LogRecord[]) => json(rs.filter((r) => !r.lost && !r.process)).map((x) => x.replace(/"(seq|proc)":\d+,?/g, ''));
  const outs = [ringFile, decFile].map((f) => {
    const out = `${f}.norm`;
    normalizeFile(f, out);
    return noSeq(read(out).records);
  });
  assert.deepEqual(outs[0], outs[1]);
  // the fast path's reader, holding every record (a window as long as the trace) while it reads 64 and 300 bytes at a time
  const want = read(ringFile).records.filter((r) => !r.lost);
  for (const chunk of [64, 300, 1 << 20]) {
    const dataOffset = LogReader.open(ringFile).dataOffset;
    const src = new RawLogSource(ringFile, dataOffset, chunk);
    const got: LogRecord[] = [];
    for (const e of src.inWindow({ windowNs: 1e12, maxHeld: 1e6 }, newOrderStats())) {
      got.push(decodeRecord(e.buf.subarray(e.start, e.start + e.len)));
    }
    // (raw records refer to their environment; LogReader puts it back)
    const bare = (rs: LogRecord[]) => json(rs.map((r) => (r.exec ? { ...r, exec: { ...r.exec, env: [] } } : r))).sort();
    assert.deepEqual(bare(got.filter((r) => !r.lost)), bare(want), `chunk ${chunk}`);
    assert.equal(src.end().torn, undefined);
  }
});
