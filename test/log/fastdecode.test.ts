import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { fastDecode } from '../../src/log/fastdecode.js';
import { RecordType, decodeRecordAt, encodeRecord, recordType, root, type LogRecord } from '../../src/log/schema.js';
import { normalizedRecords, sampleRecords } from './fixtures.js';
import { varint } from '../helpers/varint.js';

/** What protobufjs's own decoder makes of payload bytes (throws as it does). */
function slow(payload: Uint8Array): unknown {
  return RecordType.decode(protobuf.Reader.create(payload), payload.length);
}

/** Payload bytes (no length prefix) of a record. */
function payload(r: LogRecord): Buffer {
  const framed = encodeRecord(r);
  const reader = protobuf.Reader.create(framed);
  const len = reader.uint32();
  return Buffer.from(framed.subarray(reader.pos, reader.pos + len));
}

/** The same message, class and all: prototypes, own keys in order, values, nested messages. */
function assertSame(a: unknown, b: unknown, where = 'record'): void {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    assert.ok(Object.is(a, b), `${where}: ${String(a)} vs ${String(b)}`);
    return;
  }
  assert.equal(Object.getPrototypeOf(a), Object.getPrototypeOf(b), `${where}: not the same message class`);
  assert.deepEqual(Object.keys(a), Object.keys(b), `${where}: fields`);
  for (const k of Object.keys(a)) assertSame((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${where}.${k}`);
}

/** A payload of bytes written by hand: [tag, value-bytes...] pieces. */
const bytes = (...parts: number[][]): Buffer => Buffer.from(parts.flat());
const field = (name: string, of = RecordType): number => of.fields[name].id;
const tag = (id: number, wire: number): number[] => varint((id << 3) | wire);
const OPEN = root.lookupType('bt.Open');
const LOOKUP = root.lookupType('bt.Lookup');
const EXIT = root.lookupType('bt.Exit');
/** A Record payload with ts 1, pid 2 and this event message. */
function withEvent(event: string, body: number[]): Buffer {
  return bytes(tag(field('ts'), 0), [1], tag(field('pid'), 0), [2], tag(field(event), 2), varint(body.length), body);
}

describe('fast record decoder', () => {
  it('decodes every sample record (raw and normalized) as protobufjs does, or leaves it to protobufjs', () => {
    const decoded: string[] = [];
    for (const r of [...sampleRecords(), ...normalizedRecords()]) {
      const p = payload(r);
      const fast = fastDecode(p, 0, p.length);
      const type = recordType(slow(p) as LogRecord)!;
      if (fast === undefined) {
        decoded.push(`${type}: protobufjs`);
        continue;
      }
      assertSame(fast, slow(p), type);
      decoded.push(`${type}: fast`);
    }
    // messages with repeated or map fields (exec, env, trailer, process) are protobufjs's
    assert.deepEqual(decoded, [
      'fork: fast',
      'exec: protobufjs',
      'exec: protobufjs',
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
      'process: protobufjs',
    ]);
  });

  it('decodes lookups, listings and metadata changes with every field set', () => {
    const records: LogRecord[] = [
      {
        ts: 2 ** 40,
        pid: 7,
        tid: 8,
        lookup: { op: 'newfstatat', path: 'a/b', dirfd: -100, flags: 0x100, mode: 0, errno: 0, ftype: 8, mtime: 1_700_000_000, mtime_nsec: 999_999_999, repeats: 3 },
      },
      { ts: 5, pid: 7, tid: 7, lookup: { op: 'readlinkat', path: '/l', dirfd: 3, flags: 0, mode: 0, errno: 0, target: '../t', truncated: true } },
      { ts: 6, pid: 7, tid: 7, lookup: { op: 'access', path: '/x', dirfd: -100, flags: 0, mode: 4, errno: 2 } },
      { ts: 7, pid: 7, tid: 7, readdir: { op: 'getdents64', fd: 4, entries: 12, calls: 2, errno: 0, partial: true } },
      {
        ts: 8,
        pid: 7,
        tid: 7,
        meta: { op: 'utimensat', path: 'f', dirfd: -100, errno: 0, flags: 1, atime: -1, atime_nsec: 5, mtime: 2 ** 35, mtime_nsec: 6, times_now: true },
      },
      { ts: 9, pid: 7, tid: 7, meta: { op: 'fchown', path: '', dirfd: 5, errno: 1, uid: 4294967295, gid: 0, size: -(2 ** 40) } },
    ];
    for (const r of records) {
      const p = payload(r);
      const fast = fastDecode(p, 0, p.length);
      assert.ok(fast !== undefined, recordType(r));
      assertSame(fast, slow(p), recordType(r));
    }
    const first = fastDecode(payload(records[0]), 0, payload(records[0]).length) as unknown as LogRecord;
    assert.equal(first.ts, 2 ** 40);
    assert.equal(first.lookup!.mtime, 1_700_000_000);
    assert.equal(first.lookup!.dirfd, -100);
  });

  it('reads integers as protobufjs does: 10-byte negatives, 64-bit halves, zigzag, bools', () => {
    const cases: Array<[string, Buffer]> = [
      // Open.fd as a sint32 of -1; Open.flags of 2^32 - 1
      ['sint32 and uint32', withEvent('open', [...tag(field('fd', OPEN), 0), 1, ...tag(field('flags', OPEN), 0), ...varint(2 ** 32 - 1)])],
      // Record.ts above 2^32 and near 2^53
      ['uint64', bytes(tag(field('ts'), 0), varint(2 ** 52 + 12345), tag(field('proc'), 0), varint(2 ** 33 + 7))],
      // Lookup.mtime: sint64 negative and positive beyond 32 bits
      ['sint64 < 0', withEvent('lookup', [...tag(field('mtime', LOOKUP), 0), ...varint(2 * 5_000_000_000 - 1)])],
      ['sint64 > 0', withEvent('lookup', [...tag(field('mtime', LOOKUP), 0), ...varint(2 * 5_000_000_000)])],
      // a bool of 2^31: true
      ['bool', withEvent('exit', [...tag(field('core', EXIT), 0), ...varint(2 ** 31)])],
      // a field given twice: the last one wins
      ['repeated scalar', bytes(tag(field('pid'), 0), [5], tag(field('pid'), 0), [6])],
      // a one-byte tag written in two bytes
      ['long tag', bytes([0x88, 0x00], [9])],
      // strings: empty, ASCII, invalid UTF-8 (kept as U+DC80..U+DCFF), longer than the string cache
      ['strings', withEvent('open', [...tag(field('path', OPEN), 2), 0, ...tag(field('op', OPEN), 2), 3, 0x61, 0xff, 0x62])],
      ['long string', withEvent('open', [...tag(field('path', OPEN), 2), ...varint(300), ...Buffer.alloc(300, 0x2f)])],
    ];
    for (const [what, p] of cases) {
      const fast = fastDecode(p, 0, p.length);
      assert.ok(fast !== undefined, `${what}: decoded by the fast path`);
      assertSame(fast, slow(p), what);
    }
    const open = fastDecode(cases[0][1], 0, cases[0][1].length) as unknown as LogRecord;
    assert.equal(open.open!.fd, -1);
    assert.equal(open.open!.flags, 4294967295);
    const neg = fastDecode(cases[2][1], 0, cases[2][1].length) as unknown as LogRecord;
    assert.equal(neg.lookup!.mtime, -5_000_000_000);
    assert.equal((fastDecode(cases[7][1], 0, cases[7][1].length) as unknown as LogRecord).open!.op, 'a\udcffb');
  });

  it('leaves to protobufjs what it does not decode, which then decides as before', () => {
    const unknownField = bytes(tag(field('ts'), 0), [1], tag(120, 0), [1]);
    const wrongWire = bytes(tag(field('pid'), 2), [1, 0]);
    const pastEnd = withEvent('open', [...tag(field('path', OPEN), 2), 10, 0x61]);
    const cutVarint = bytes(tag(field('ts'), 0), [0x80]);
    const longVarint = bytes(tag(field('ts'), 0), Array(11).fill(0x80), [0]);
    // protobufjs reads a 32-bit field (and a length) longer than 5 bytes as 10 bytes, whatever they hold:
    // a 6-byte tid swallows the next 4 bytes, and what follows decodes as something else
    const wideTid = bytes(tag(field('tid'), 0), [0xee, 0xb6, 0x8e, 0x95, 0xbd, 0x16], tag(field('pid'), 0), [9, 0x08, 0x01, 0x08, 0x02]);
    const wideLength = withEvent('open', [...tag(field('path', OPEN), 2), 0x81, 0x80, 0x80, 0x80, 0x80, 0x00, 0x61]);
    for (const [what, p] of [
      ['an unknown field', unknownField],
      ['a wrong wire type', wrongWire],
      ['a string past the end', pastEnd],
      ['a cut varint', cutVarint],
      ['an 11-byte varint', longVarint],
      ['a 6-byte uint32', wideTid],
      ['a 6-byte length', wideLength],
    ] as Array<[string, Buffer]>) {
      assert.equal(fastDecode(p, 0, p.length), undefined, what);
    }
    // through decodeRecordAt, protobufjs decides as it always did: it skips the unknown field, cuts
    // the nested string short at the end of the payload, and throws on the damaged varints
    assertSame(decodeRecordAt(unknownField, 0, unknownField.length), slow(unknownField));
    assert.equal((decodeRecordAt(unknownField, 0, unknownField.length) as LogRecord).ts, 1);
    assertSame(decodeRecordAt(pastEnd, 0, pastEnd.length), slow(pastEnd));
    assertSame(decodeRecordAt(wideTid, 0, wideTid.length), slow(wideTid));
    assert.equal((decodeRecordAt(wideTid, 0, wideTid.length) as LogRecord).pid, 0, 'protobufjs skipped the pid');
    assert.throws(() => decodeRecordAt(wideLength, 0, wideLength.length));
    for (const p of [cutVarint, longVarint]) assert.throws(() => decodeRecordAt(p, 0, p.length), /index out of range|invalid varint/);
  });

  it('reads within its bounds: a record in the middle of a buffer, the bytes around it ignored', () => {
    const r = sampleRecords().find((x) => x.open)!;
    const p = payload(r);
    const buf = Buffer.concat([Buffer.from([0x0a, 0xff]), p, Buffer.from([0x08, 0x01])]);
    assertSame(fastDecode(buf, 2, p.length), slow(p));
  });
});

describe('fast record decoder on damaged records', () => {
  it('never decodes what protobufjs would not, nor differently (seeded mutations of every sample record)', () => {
    let seed = 0x9e3779b9;
    const rand = (n: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const lookup: LogRecord = { ts: 2 ** 40, pid: 7, tid: 8, lookup: { op: 'newfstatat', path: 'a/b', dirfd: -100, flags: 0, mode: 0, errno: 0, ftype: 8, mtime: 1_700_000_000 } };
    const payloads = [...sampleRecords(), ...normalizedRecords(), lookup].map(payload);
    let fast = 0;
    for (let i = 0; i < 20_000; i++) {
      const p = Buffer.from(payloads[rand(payloads.length)]);
      const m = [...p];
      for (let k = 1 + rand(3); k > 0; k--) {
        const at = rand(m.length + 1);
        const op = rand(3);
        if (op === 0 && at < m.length) m[at] = rand(256);
        else if (op === 1) m.splice(at, 0, rand(256));
        else if (at < m.length) m.splice(at, 1);
      }
      const bad = Buffer.from(m);
      const got = fastDecode(bad, 0, bad.length);
      if (got === undefined) continue;
      fast++;
      let want: unknown;
      assert.doesNotThrow(() => (want = slow(bad)), `fast decoded what protobufjs rejects: ${bad.toString('hex')}`);
      assertSame(got, want, bad.toString('hex'));
    }
    assert.ok(fast > 1_000, `${fast} mutated records went the fast way`);
  });
});
