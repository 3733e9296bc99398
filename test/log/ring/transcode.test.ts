/**
 * The direct transcoder (ring bytes -> wire bytes) must produce exactly the
 * records the object path (RecordDecoder + protobufjs) produces.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { RecordDecoder } from '../../../src/log/ring/decode.js';
import { F, LAYOUT, T } from '../../../src/log/ring/layout.js';
import { Transcoder } from '../../../src/log/ring/transcode.js';
import { RecordType } from '../../../src/log/schema.js';
import type { LogHeader, LogRecord } from '../../../src/log/schema.js';
import { LogWriter } from '../../../src/log/writer.js';
import { loadLog, tmpdir } from '../../helpers/trace.js';

interface Rec {
  buf: Buffer;
  len: number;
}

function hdr(dv: DataView, type: number, flags: number, size: number, ts: number, pid: number, tid: number): void {
  const H = LAYOUT.bt_hdr.fields;
  dv.setUint16(H.type, type, true);
  dv.setUint16(H.flags, flags, true);
  dv.setUint32(H.size, size, true);
  dv.setUint32(H.ts, ts % 0x100000000, true);
  dv.setUint32(H.ts + 4, Math.floor(ts / 0x100000000), true);
  dv.setUint32(H.pid, pid, true);
  dv.setUint32(H.tid, tid, true);
}

function openRec(i: number, p: string, ret: number, dirfd: number, flags: number, mode: number, op: number, resolve: number, hflags: number): Rec {
  const pathBytes = Buffer.from(p + '\0');
  const len = LAYOUT.bt_open.size + (p === '' ? 0 : pathBytes.length);
  const buf = Buffer.alloc(len);
  const dv = new DataView(buf.buffer, buf.byteOffset, len);
  const O = LAYOUT.bt_open.fields;
  hdr(dv, T.OPEN, hflags, len, 5_000_000_000_000 + i * 977, 1000 + (i % 7), 1000 + (i % 11));
  dv.setInt32(O.ret, ret, true);
  dv.setInt32(O.dirfd, dirfd, true);
  dv.setUint32(O.flags, flags, true);
  dv.setUint32(O.mode, mode, true);
  dv.setUint32(O.resolve, resolve, true);
  dv.setUint16(O.op, op, true);
  dv.setUint16(O.path_len, p === '' ? 0 : pathBytes.length, true);
  if (p !== '') pathBytes.copy(buf, LAYOUT.bt_open.size);
  return { buf, len };
}

function closeRec(i: number, fd: number, ret: number, last: number, crFlags: number, op: number): Rec {
  const len = LAYOUT.bt_close.size;
  const buf = Buffer.alloc(len);
  const dv = new DataView(buf.buffer, buf.byteOffset, len);
  const C = LAYOUT.bt_close.fields;
  hdr(dv, T.CLOSE, 0, len, 7_000_000 + i, 42, 43 + i);
  dv.setInt32(C.ret, ret, true);
  dv.setUint32(C.fd, fd, true);
  dv.setUint32(C.last, last, true);
  dv.setUint32(C.cr_flags, crFlags, true);
  dv.setUint16(C.op, op, true);
  return { buf, len };
}

function lookupRec(i: number, p: string, ret: number, ftype: number, mtime: bigint, target: string, hflags: number): Rec {
  const pathBytes = Buffer.from(p + '\0');
  const plen = p === '' ? 0 : pathBytes.length;
  const targetBytes = Buffer.from(target); // readlink's text comes without a NUL
  const len = LAYOUT.bt_lookup.size + plen + targetBytes.length;
  const buf = Buffer.alloc(len);
  const dv = new DataView(buf.buffer, buf.byteOffset, len);
  const L = LAYOUT.bt_lookup.fields;
  hdr(dv, T.LOOKUP, hflags, len, 9_000_000_000 + i * 31, 2000 + (i % 5), 2000 + (i % 3));
  dv.setInt32(L.ret, ret, true);
  dv.setInt32(L.dirfd, i % 2 ? -100 : 5, true);
  dv.setUint32(L.flags, i % 3 ? 0x100 : 0, true);
  dv.setUint32(L.mode, i % 4 ? 0 : 4, true);
  dv.setBigInt64(L.mtime_sec, mtime, true);
  dv.setUint32(L.mtime_nsec, ftype ? 123456789 : 0, true);
  dv.setUint32(L.ftype, ftype, true);
  dv.setUint16(L.op, 30 + (i % 9), true);
  dv.setUint16(L.path_len, plen, true);
  dv.setUint16(L.target_len, targetBytes.length, true);
  pathBytes.copy(buf, LAYOUT.bt_lookup.size, 0, plen);
  targetBytes.copy(buf, LAYOUT.bt_lookup.size + plen);
  return { buf, len };
}

function forkRec(i: number): Rec {
  const len = LAYOUT.bt_fork.size;
  const buf = Buffer.alloc(len);
  const dv = new DataView(buf.buffer, buf.byteOffset, len);
  hdr(dv, T.FORK, 0, len, 6_000_000 + i, 42, 42);
  dv.setUint32(LAYOUT.bt_fork.fields.child_pid, 50 + i, true);
  dv.setUint32(LAYOUT.bt_fork.fields.child_tid, 50 + i, true);
  dv.setUint32(LAYOUT.bt_fork.fields.ppid, 42, true);
  return { buf, len };
}

test('transcoder output equals the object path, record for record', () => {
  const recs: Rec[] = [];
  const long = 'x/'.repeat(2040) + 'end.h'; // a 4 kB path: two-byte lengths
  const paths = ['/usr/include/stdio.h', 'rel/a.c', '', 'ünïcødé/файл', long, 'a'];
  let i = 0;
  for (const p of paths) {
    for (const [ret, dirfd] of [[3, -100], [-2, 7], [0, -100], [1023, 2 ** 31 - 1]]) {
      recs.push(openRec(i++, p, ret, dirfd, 0o2101101, 0o644, 2 + (i % 3), i % 2 ? 8 : 0, i % 4 === 0 ? F.TRUNCATED : 0));
    }
  }
  recs.push(openRec(i++, 'x', 3, -100, 0, 0, 99, 2 ** 40, F.READ_FAULT)); // unknown op, 64-bit resolve
  for (let k = 0; k < 5; k++) recs.push(closeRec(k, k * 1000, k === 2 ? -9 : 0, k * 1000 + k, k === 3 ? 4 : 0, k === 4 ? 6 : 5));
  recs.push(forkRec(1));
  recs.push(openRec(i++, '/after/fork', 4, -100, 0, 0, 2, 0, 0));
  // lookups: found (file type, mtime, also before 1970 and past 2038), missing, a readlink's text, truncated, a repeat (no tracker here)
  const lookups: Array<[string, number, number, bigint, string, number]> = [
    ['/usr/include/stdio.h', 0, 8, 1700000000n, '', 0],
    ['rel/missing.h', -2, 0, 0n, '', 0],
    ['/bin', 0, 4, -86400n, '', F.REPEAT],
    ['/usr/lib/link.so', 9, 0, 0n, 'libfoo.so.1.2', 0],
    ['ünïcødé/файл', 0, 10, 4102444800n, '', F.TRUNCATED],
    ['', -14, 0, 0n, '', F.READ_FAULT],
    [long, 0, 8, 1n, '../x/'.repeat(100), 0],
  ];
  for (const [p, ret, ftype, mtime, target, hflags] of lookups) recs.push(lookupRec(i++, p, ret, ftype, mtime, target, hflags));

  const dir = tmpdir();
  const header: LogHeader = {
    bt_version: 'test', kernel_release: '', hostname: '', clock: 'CLOCK_BOOTTIME', boot_to_wall_ns: 0,
    command: ['x'], cwd: '/', uid: 0, gid: 0, start_ts: 0,
  };
  const fast = LogWriter.open(path.join(dir, 'fast.trace'), header);
  const tc = new Transcoder(fast);
  const slow = LogWriter.open(path.join(dir, 'slow.trace'), header);
  const dec = new RecordDecoder((r) => slow.write(r));
  for (const r of recs) {
    const dv = new DataView(r.buf.buffer, r.buf.byteOffset, r.len);
    tc.record(r.buf, dv, 0, r.len);
    dec.decode(r.buf, dv, 0, r.len);
  }
  tc.finish();
  dec.flush();
  fast.close();
  slow.close();
  const a = loadLog(path.join(dir, 'fast.trace'));
  const b = loadLog(path.join(dir, 'slow.trace'));
  assert.equal(a.records.length, recs.length);
  // Compare values, defaults included (proto3 may or may not put zeros on the wire).
  const plain = (r: LogRecord) => RecordType.toObject(RecordType.fromObject(r), { defaults: true, longs: Number });
  assert.deepEqual(a.records.map(plain), b.records.map(plain));
  assert.equal(a.records.find((r) => r.open?.path === long)?.open?.path, long);
  assert.deepEqual(fast.counts, slow.counts);
});
