import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import protobuf from 'protobufjs';
import {
  EVENT_TYPES,
  FORMAT_VERSION,
  HeaderType,
  MAGIC,
  RecordType,
  decodeRecord,
  encodeHeader,
  encodeRecord,
  recordType,
  root,
} from '../../src/log/schema.js';
import type { LogRecord } from '../../src/log/schema.js';
import { HEADER, sampleRecords } from './fixtures.js';

// First in this file: nothing has been decoded yet, so encoding generates the encoders alone.
test("a type's first encode generates its encoder alone, and it writes what protobufjs's own does", () => {
  const trailer = { ts: 7, pid: 0, tid: 0, trailer: { end_ts: 7, exit_status: 2, records: 3, counts: { open: 2, exec: 1 }, lost: { ringbuf: 1 }, leftover: ['12 sleep 9'] } };
  const header = encodeHeader(HEADER);
  const record = encodeRecord(trailer as unknown as LogRecord);
  // only the encoders: protobufjs's setup (all five functions) has not run
  for (const t of [HeaderType, RecordType, root.lookupType('bt.Trailer')]) assert.equal(Object.hasOwn(t, 'decode'), false, t.name);
  // the same schema, set up by protobufjs as usual
  const plain = protobuf.Root.fromJSON(root.toJSON());
  const [h, r] = [plain.lookupType('bt.Header').setup(), plain.lookupType('bt.Record').setup()];
  assert.deepEqual(Buffer.from(header), Buffer.from(h.encodeDelimited({ ...HEADER, format_version: HEADER.format_version || FORMAT_VERSION }).finish()));
  assert.deepEqual(Buffer.from(record), Buffer.from(r.encodeDelimited(trailer).finish()));
  // and what was written reads back
  assert.deepEqual(decodeRecord(record.subarray(1)).trailer?.counts, { open: 2, exec: 1 });
});

describe('log schema', () => {
  it('has the documented magic and version', () => {
    assert.deepEqual([...MAGIC], [0x89, 0x42, 0x54, 0x4c, 0x4f, 0x47, 0x0d, 0x0a]);
    assert.equal(MAGIC.toString('latin1', 1, 6), 'BTLOG');
    assert.equal(FORMAT_VERSION, 1);
  });

  it('lists exactly the oneof members of Record.event', () => {
    const oneof = RecordType.oneofs!.event!.oneof;
    assert.deepEqual([...EVENT_TYPES].sort(), [...oneof].sort());
  });

  it('recordType names the oneof member, undefined when none', () => {
    const types = sampleRecords().map((r) => recordType(r));
    assert.deepEqual(types, [
      'fork',
      'exec',
      'exec',
      'open',
      'open',
      'open',
      'close',
      'dup',
      'pipe',
      'chdir',
      'path',
      'path',
      'path2',
      'path2',
      'lost',
      'exit',
      'exit',
    ]);
    assert.equal(recordType({ ts: 1, pid: 1, tid: 1 }), undefined);
    for (const name of EVENT_TYPES) {
      assert.equal(recordType({ ts: 1, pid: 1, tid: 1, [name]: {} } as LogRecord), name);
    }
  });

  it('decodes 64-bit integers as numbers and absent fields as undefined', () => {
    const ts = 2 ** 40 + 12345;
    const rec = decodeRecord(encodeRecord({ ts, pid: 1, tid: 2, lost: { count: 2 ** 33, reason: 'ringbuf' } }).subarray(1));
    assert.equal(typeof rec.ts, 'number');
    assert.equal(rec.ts, ts);
    assert.equal(rec.lost!.count, 2 ** 33);
    assert.equal(rec.lost!.from_ts, 0);
    // absent oneof members and normalize-only fields
    assert.equal(rec.fork, undefined);
    assert.equal(rec.exec, undefined);
    assert.equal(rec.trailer, undefined);
    assert.equal(rec.proc, undefined);
    assert.equal(rec.abspath, undefined);
    assert.equal(rec.seq, undefined);
    assert.equal(rec.access, undefined);
  });

  it('gives scalar defaults for absent event fields', () => {
    const payload = encodeRecord({ ts: 1, pid: 1, tid: 1, exec: { path: '/bin/true' } as never }).subarray(1);
    const rec = decodeRecord(payload);
    assert.equal(rec.exec!.path, '/bin/true');
    assert.deepEqual([...rec.exec!.argv], []);
    assert.equal(rec.exec!.errno, 0);
    assert.equal(rec.exec!.truncated, false);
    assert.equal(rec.exec!.interp, '');
  });

  it('round-trips negative sint64 and large header numbers', () => {
    const bytes = encodeHeader({ ...HEADER, boot_to_wall_ns: -1_600_000_000_000_000_000 });
    const h = HeaderType.decodeDelimited(bytes) as unknown as typeof HEADER;
    assert.equal(h.boot_to_wall_ns, -1_600_000_000_000_000_000);
    assert.equal(h.start_ts, HEADER.start_ts);
    assert.deepEqual({ ...h.options }, { env: 'yes' });
  });

  it('encodeHeader fills in the format version', () => {
    const { format_version: _omit, ...rest } = HEADER;
    const h = HeaderType.decodeDelimited(encodeHeader(rest)) as unknown as typeof HEADER;
    assert.equal(h.format_version, FORMAT_VERSION);
  });
});

test('uint64 fields read as protobufjs numbers: low 32 bits + high 32 bits x 2^32, for every varint length', () => {
  const varint = (v: bigint) => {
    const out: number[] = [];
    do {
      out.push(Number(v & 127n) | (v > 127n ? 128 : 0));
      v >>= 7n;
    } while (v > 0n);
    return out;
  };
  const values = [0n, 1n, 127n, 128n, 2n ** 28n - 1n, 2n ** 28n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 35n + 5n, 600_000_000_123n, 2n ** 53n + 1n, 2n ** 63n + 12345n, 2n ** 64n - 1n];
  for (const v of values) {
    const expected = Number(v & 0xffffffffn) + Number((v >> 32n) & 0xffffffffn) * 4294967296;
    const wire = Buffer.from([(1 << 3) | 0, ...varint(v)]); // Record.ts = v
    assert.equal(decodeRecord(wire).ts, expected, `ts = ${v}`);
  }
  assert.throws(() => decodeRecord(Buffer.from([(1 << 3) | 0, 0x80, 0x80])), /index out of range/);
});
