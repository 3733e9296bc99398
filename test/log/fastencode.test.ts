import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { fastEncode, fastEncodeDelimited } from '../../src/log/fastencode.js';
import { LogReader } from '../../src/log/reader.js';
import { HeaderType, RecordType, encodeHeader, encodeRecord, recordType, type LogHeader, type LogRecord } from '../../src/log/schema.js';
import { WireWriter } from '../../src/log/wire.js';
import { LogWriter } from '../../src/log/writer.js';
import { HEADER, TRAILER, normalizedRecords, sampleRecords, tmpdir } from './fixtures.js';

/** Every field's value, defaults included: what a reader sees, whether a zero was written or omitted. */
function seen(bytes: Uint8Array): unknown {
  const r = protobuf.Reader.create(bytes);
  return RecordType.toObject(RecordType.decodeDelimited(r), { defaults: true });
}

/** fastEncode's bytes of r, or undefined when it leaves r to protobufjs. */
function fast(r: LogRecord): Buffer | undefined {
  const w = new WireWriter(8);
  w.pos = 3; // not at the start of the buffer
  w.buf.fill(0xee, 0, 3);
  const ok = fastEncode(r, w);
  if (!ok) {
    assert.equal(w.pos, 3, 'nothing written');
    return undefined;
  }
  return Buffer.from(w.buf.subarray(3, w.pos));
}

const lookups: LogRecord[] = [
  {
    ts: 2 ** 40,
    pid: 7,
    tid: 8,
    lookup: { op: 'newfstatat', path: 'a/b', dirfd: -100, flags: 0x100, mode: 0, errno: 0, ftype: 8, mtime: -1_700_000_000, mtime_nsec: 999_999_999, repeats: 3 },
  },
  { ts: 7, pid: 7, tid: 7, readdir: { op: 'getdents64', fd: 4, entries: 12, calls: 2, errno: 0, partial: true } },
  { ts: 9, pid: 7, tid: 7, meta: { op: 'fchown', path: '', dirfd: 5, errno: 1, uid: -1, gid: 0, size: -(2 ** 40) } },
  // lengths of 128 and more: the record's, the nested message's and a string's take two and three bytes
  { ts: 10, pid: 1, tid: 1, open: { path: `/${'d/'.repeat(100)}f.h`, dirfd: -100, flags: 0, mode: 0, fd: 3, errno: 0, op: 'openat' } },
  { ts: 11, pid: 1, tid: 1, open: { path: `/${'x'.repeat(20_000)}`, dirfd: -100, flags: 0, mode: 0, fd: 3, errno: 0, op: 'openat' } },
  // not ASCII: bytes as UTF-8
  { ts: 12, pid: 1, tid: 1, path: { op: 'unlink', path: 'été/日本.txt', dirfd: -100, errno: 0 } },
  // lists of strings: empty elements are elements; a shared environment
  {
    ts: 13,
    pid: 1,
    tid: 1,
    exec: { path: '/bin/sh', argv: ['sh', '', '-c', 'x'.repeat(300)], env: [], cwd: '/', errno: 0, op: 'execve', uid: 0, gid: 0, env_ref: 3 },
  },
  { ts: 14, pid: 1, tid: 1, env: { id: 3, vars: ['A=1', '', 'PATH=/usr/bin'] } },
];

describe('fast record encoder', () => {
  it('writes every sample record so that it reads back as protobufjs writes it', () => {
    const done: string[] = [];
    for (const r of [...sampleRecords(), ...normalizedRecords(), ...lookups]) {
      const bytes = fast(r);
      if (bytes === undefined) {
        done.push(`${recordType(r)}: protobufjs`);
        continue;
      }
      assert.deepEqual(seen(bytes), seen(encodeRecord(r)), recordType(r));
      done.push(`${recordType(r)}: fast`);
    }
    assert.deepEqual(done, [
      'fork: fast',
      'exec: fast',
      'exec: fast',
      'open: fast',
      'open: fast',
      'open: fast',
      'close: fast',
      'dup: fast',
      'pipe: fast',
      'chdir: fast',
      'path: fast',
      'path: fast',
      'path2: fast',
      'path2: fast',
      'lost: fast',
      'exit: fast',
      'exit: fast',
      'open: fast',
      'path2: fast',
      'process: fast',
      'lookup: fast',
      'readdir: fast',
      'meta: fast',
      'open: fast',
      'open: fast',
      'path: fast',
      'exec: fast',
      'env: fast',
    ]);
  });

  it('omits zeros and keeps an empty event message (its presence is the record type)', () => {
    const bytes = fast({ ts: 5, pid: 0, tid: 0, close: { fd: 0, errno: 0, op: '' } })!;
    // length 4: ts = 5, then field 14 (close) of length 0
    assert.deepEqual([...bytes], [4, 0x08, 5, 0x72, 0]);
    assert.equal(recordType(RecordType.decodeDelimited(bytes) as unknown as LogRecord), 'close');
  });

  it('leaves to protobufjs what it could not write exactly', () => {
    const open = (o: Record<string, unknown>): LogRecord =>
      ({ ts: 1, pid: 1, tid: 1, open: { path: '/a', dirfd: -100, flags: 0, mode: 0, fd: 3, errno: 0, op: 'openat', ...o } }) as LogRecord;
    for (const [what, r] of [
      ['a string for a number', open({ flags: '2' })],
      ['a fraction', open({ mode: 1.5 })],
      ['a negative uint32', open({ flags: -1 })],
      ['a uint32 above 2^32', open({ flags: 2 ** 32 })],
      ['a fraction of a 64-bit field', { ts: 2.5, pid: 1, tid: 1, close: { fd: 1, errno: 0, op: 'close' } }],
      ['a number for a bool', open({ truncated: 1 })],
      ['a number in a list of strings', { ts: 1, pid: 1, tid: 1, env: { id: 1, vars: ['A=1', 2] } }],
      ['a string for a list', { ts: 1, pid: 1, tid: 1, env: { id: 1, vars: 'A=1' } }],
      ['a process summary with pipes', { ts: 1, pid: 1, tid: 1, process: { proc: 1, pid: 1, parent: 0, start_ts: 0, end_ts: 1, exit_code: 0, signal: 0, exe: '/x', argv: [], cwd: '/', pipe_read: [1] } }],
    ] as Array<[string, LogRecord]>) {
      assert.equal(fast(r), undefined, what);
    }
  });

  it('writes a string that is not well-formed as the bytes it stands for, as protobufjs (schema.ts) does', () => {
    // an unpaired surrogate (U+FFFD's bytes), and U+DC80..U+DCFF: the bytes of a name that is not UTF-8 (bytes.ts)
    for (const p of ['/a\ud800', '/b\udcff\udc80x', '\udce9t\u00e9', '/\ud83d\ude00\udc81']) {
      const r: LogRecord = { ts: 1, pid: 1, tid: 1, open: { path: p, dirfd: -100, flags: 0, mode: 0, fd: 3, errno: 0, op: 'openat' } };
      const bytes = fast(r)!;
      assert.deepEqual(seen(bytes), seen(encodeRecord(r)), JSON.stringify(p));
      // the escaped bytes come back as they were
      if (!p.includes('\ud800')) assert.equal(RecordType.decodeDelimited(bytes).toJSON().open.path, p);
    }
  });

  it('writes the header and the trailer (maps, lists, a sint64 above 2^53) so that they read back as protobufjs writes them', () => {
    const header: LogHeader = {
      ...HEADER,
      format_version: 2,
      ring_layout: 'f72a4d8cce484324',
      boot_to_wall_ns: 1_764_720_000_123_456_768, // ~2026 in ns: above 2^53, a double all the same
      command: ['make', '', '-j2', 'CC=gcc \udcff'],
      // map entries keep their key and value, empty or zero too
      options: { env: 'true', '': '', redact: '2 patterns' },
      normalized: true,
    };
    const head = (h: LogHeader): Buffer => {
      const w = new WireWriter(8);
      assert.ok(fastEncodeDelimited('bt.Header', h, w));
      return Buffer.from(w.buf.subarray(0, w.pos));
    };
    const asRead = (b: Uint8Array): unknown => HeaderType.toObject(HeaderType.decodeDelimited(b), { defaults: true });
    assert.deepEqual(asRead(head(header)), asRead(encodeHeader(header)));
    assert.deepEqual((asRead(head(header)) as LogHeader).options, header.options);
    // protobufjs writes what is set, zeros too: alone, the field is the same bytes, for any integer
    const longs = [header.boot_to_wall_ns, 2 ** 52, -(2 ** 52), 2 ** 52 + 2, -(2 ** 52) - 2, 2 ** 53 + 2, 2 ** 63 - 2 ** 11, -(2 ** 63), 2 ** 63, 2 ** 64, -(2 ** 70), 2 ** 80];
    for (const v of longs) {
      assert.deepEqual(head({ boot_to_wall_ns: v } as LogHeader), Buffer.from(HeaderType.encodeDelimited({ boot_to_wall_ns: v }).finish()), `sint64 ${v}`);
      assert.deepEqual(head({ start_ts: v } as LogHeader), Buffer.from(HeaderType.encodeDelimited({ start_ts: v }).finish()), `uint64 ${v}`);
    }
    // what a traced program passes (utimensat's times, truncate's size) is written exactly, without protobufjs
    const meta: LogRecord = { ts: 2 ** 60, pid: 1, tid: 1, meta: { op: 'utimensat', path: 'f', dirfd: -100, errno: 0, atime: -(2 ** 52) - 2, mtime: -(2 ** 63), size: 2 ** 62 } };
    assert.deepEqual(seen(fast(meta)!), seen(encodeRecord(meta)));
    const trailer: LogRecord = {
      ts: 9,
      pid: 0,
      tid: 0,
      trailer: {
        end_ts: 2 ** 41,
        exit_status: -1,
        exit_code: 0,
        exit_signal: 9,
        records: 12,
        counts: { ring: 3, lost: 0, open: 2 ** 40 },
        lost: { ring_full: 7 },
        leftover: ['123 sleep 10', ''],
        bt_user_us: 1234,
        ring_records: 99,
      },
    };
    assert.deepEqual(seen(fast(trailer)!), seen(encodeRecord(trailer)));
    // a map entry keeps a zero value (lost: 0), as protobufjs writes it
    assert.deepEqual(fast({ ts: 0, pid: 0, tid: 0, trailer: { counts: { lost: 0 } } } as unknown as LogRecord), Buffer.from(encodeRecord({ trailer: { counts: { lost: 0 } } } as unknown as LogRecord)));
  });

  it('keeps the order of records however they are encoded (fast, protobufjs, already encoded)', () => {
    const file = path.join(tmpdir('bt-fastencode-'), 'mixed.trace');
    const w = LogWriter.open(file, HEADER);
    const [fork, exec] = sampleRecords();
    const opened: LogRecord = { ts: 3, pid: 1, tid: 1, open: { path: '/direct', dirfd: -100, flags: 0, mode: 0, fd: 3, errno: 0, op: 'openat' } };
    w.write(fork);
    w.write(exec);
    w.write({ ...fork, ts: 2 });
    w.appendEncoded(encodeRecord(opened), { open: 1 });
    w.write({ ts: 4, pid: 1, tid: 1, exit: { code: 0, signal: 0, core: false, status: 0 } });
    w.flush();
    w.write({ ...exec, ts: 5 });
    w.write({ ts: 6, pid: 1, tid: 1, close: { fd: 3, errno: 0, op: 'close' } });
    w.close(TRAILER);
    const reader = LogReader.open(file);
    const got = [...reader.records()].map((r) => `${recordType(r)}@${r.ts}`);
    assert.deepEqual(got, [`fork@${fork.ts}`, `exec@${exec.ts}`, 'fork@2', 'open@3', 'exit@4', 'exec@5', 'close@6']);
    assert.ok(reader.complete);
    assert.equal(reader.trailer?.records, 7);
  });
});

describe('wire writer', () => {
  it('writes varints as protobufjs does, across 7-bit, 32-bit and 53-bit boundaries', () => {
    const values = [0, 1, 127, 128, 2 ** 14 - 1, 2 ** 14, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 35 - 1, 2 ** 35];
    values.push(52_139_934_605_382, 2 ** 49 - 1, 2 ** 49, 2 ** 53 - 1);
    for (let i = 0; i < 2000; i++) values.push(Math.floor(Math.random() * 2 ** (1 + (i % 53))));
    for (const v of values) {
      const w = new WireWriter(4);
      w.ensure(10);
      w.varint(v);
      const want = protobuf.Writer.create().uint64(v).finish();
      assert.deepEqual(Buffer.from(w.buf.subarray(0, w.pos)), Buffer.from(want), `varint ${v}`);
    }
  });
});

describe('wire writer: uint64 from halves', () => {
  it('writes hi * 2^32 + lo as protobufjs writes the number, and nothing for 0', () => {
    const halves: Array<[number, number]> = [[0, 0], [1, 0], [0xffffffff, 0], [0, 1], [0xffffffff, 0x1fffff], [0x12345678, 0x2f6a], [0x80000000, 0x80000000 >>> 0]];
    for (let i = 0; i < 2000; i++) halves.push([(Math.random() * 2 ** 32) >>> 0, (Math.random() * 2 ** (i % 33)) >>> 0]);
    for (const [lo, hi] of halves) {
      const w = new WireWriter(4);
      w.ensure(16);
      w.uint64(5, lo, hi);
      const v = protobuf.util.LongBits.from({ low: lo | 0, high: hi | 0, unsigned: true }).toLong(true);
      const want = lo === 0 && hi === 0 ? new Uint8Array() : protobuf.Writer.create().uint32((5 << 3) | 0).uint64(v).finish();
      assert.deepEqual(Buffer.from(w.buf.subarray(0, w.pos)), Buffer.from(want), `uint64 ${hi}:${lo}`);
    }
  });
});
