/**
 * Exact bytes (src/log/bytes.ts): bytes -> string -> bytes is the identity
 * for any bytes; valid UTF-8 decodes as usual; protobuf strings keep them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { byteLength, decodeBytes, encodeString } from '../../src/log/bytes.js';
import { decodeRecord, decodeRecordAt, encodeRecord, type LogRecord } from '../../src/log/schema.js';

const b = (...x: Array<number | string>) => Buffer.concat(x.map((v) => (typeof v === 'string' ? Buffer.from(v) : Buffer.from([v]))));

test('invalid bytes become U+DC80..U+DCFF and back; valid UTF-8 is untouched', () => {
  assert.equal(decodeBytes(b('bad-', 0xff, '.c')), 'bad-\udcff.c');
  assert.equal(decodeBytes(b('bad-', 0xfe, '.c')), 'bad-\udcfe.c');
  assert.equal(decodeBytes(b('café ', 0xc3, '.c')), 'café \udcc3.c'); // a cut 2-byte sequence
  assert.equal(decodeBytes(b(0xed, 0xa0, 0x80)), '\udced\udca0\udc80'); // an encoded surrogate is not UTF-8
  assert.equal(decodeBytes(b(0xc0, 0xaf)), '\udcc0\udcaf'); // overlong
  assert.equal(decodeBytes(b('€ 😀')), '€ 😀');
  for (const bytes of [b('bad-', 0xff, '.c'), b(0xf0, 0x9f, 0x98), b('x', 0xe2, 0x82, 'y', 0xff, 0xfe), b('ok')]) {
    const s = decodeBytes(bytes);
    assert.deepEqual(encodeString(s), bytes);
    assert.equal(byteLength(s), bytes.length);
  }
  // every 2-byte sequence round-trips
  for (let i = 0; i < 256; i++) {
    for (let j = 0; j < 256; j += 17) assert.deepEqual(encodeString(decodeBytes(b(i, j))), b(i, j));
  }
  // a lone surrogate that is no escaped byte is written as U+FFFD would be
  assert.deepEqual(encodeString('a\ud800b'), b('a', 0xef, 0xbf, 0xbd, 'b'));
});

test('protobuf strings hold the exact bytes (the log), and read back the same', () => {
  const rec: LogRecord = { ts: 1, pid: 2, tid: 2, open: { path: 'bad-\udcff.c', dirfd: -100, flags: 0, mode: 0, fd: 3, errno: 0, op: 'openat' } };
  const wire = Buffer.from(encodeRecord(rec));
  assert.ok(wire.includes(b('bad-', 0xff, '.c')), 'the raw byte 0xff is in the log');
  assert.ok(!wire.includes(b(0xef, 0xbf, 0xbd)), 'no U+FFFD in the log');
  const back = decodeRecord(wire.subarray(1));
  assert.equal(back.open!.path, 'bad-\udcff.c');
  assert.notEqual(decodeRecord(Buffer.from(encodeRecord({ ...rec, open: { ...rec.open!, path: 'bad-\udcfe.c' } })).subarray(1)).open!.path, back.open!.path);
});

test('records decoded in place from a reused buffer read its current bytes (short strings too), and one that overruns its frame throws', () => {
  const rec = (op: string, path: string): LogRecord => ({ ts: 1, pid: 2, tid: 2, open: { path, dirfd: -100, flags: 0, mode: 0, fd: 3, errno: 0, op } });
  const first = Buffer.from(encodeRecord(rec('openat', '/a/b.c')));
  const buf = Buffer.alloc(first.length);
  first.copy(buf);
  const a = decodeRecordAt(buf, 1, buf.length - 1);
  assert.deepEqual([a.open!.op, a.open!.path], ['openat', '/a/b.c']);
  // the same buffer read again with other bytes of the same lengths (a recycled read chunk);
  // "Aa" and "BB" hash alike in the short-string cache: only the bytes tell them apart
  Buffer.from(encodeRecord(rec('Aa', '/a/b.h'))).copy(buf.fill(0));
  const b1 = decodeRecordAt(buf, 1, buf.length - 5);
  Buffer.from(encodeRecord(rec('BB', '/a/b.h'))).copy(buf);
  const b2 = decodeRecordAt(buf, 1, buf.length - 5);
  assert.deepEqual([b1.open!.op, b2.open!.op, b2.open!.path], ['Aa', 'BB', '/a/b.h']);
  Buffer.from(encodeRecord(rec('openat', '/a/\udcff.c'))).copy(buf);
  assert.equal(decodeRecordAt(buf, 1, buf.length - 1).open!.path, '/a/\udcff.c');
  // a frame shorter than its record: the last field runs past it; the next record still decodes
  assert.throws(() => decodeRecordAt(buf, 1, buf.length - 3), /index out of range/);
  assert.equal(decodeRecordAt(buf, 1, buf.length - 1).open!.path, '/a/\udcff.c');
});
