import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { LogError } from '../../src/errors.js';
import { LogReader } from '../../src/log/reader.js';
import { MAGIC, encodeHeader, encodeRecord } from '../../src/log/schema.js';
import type { LogRecord } from '../../src/log/schema.js';
import { ringLayoutId } from '../../src/log/ring/layout.js';
import { varint } from '../helpers/varint.js';
import { HEADER, TRAILER, logBytes, sampleRecords, tmpdir } from './fixtures.js';

let dir: string;
before(() => {
  dir = tmpdir();
});
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

let counter = 0;
function fileWith(bytes: Uint8Array): string {
  const file = path.join(dir, `f${counter++}.trace`);
  fs.writeFileSync(file, bytes);
  return file;
}

function read(file: string) {
  const r = LogReader.open(file);
  try {
    const records = [...r.records()];
    return { records, torn: r.torn, trailer: r.trailer, complete: r.complete, skipped: r.skippedUnknown, read: r.recordsRead };
  } finally {
    r.close();
  }
}

function expectLogError(file: string, code: string, re?: RegExp): void {
  assert.throws(
    () => LogReader.open(file),
    (e: unknown) => {
      assert.ok(e instanceof LogError, `expected LogError, got ${String(e)}`);
      assert.equal(e.code, code, e.message);
      if (re) assert.match(e.message, re);
      return true;
    },
  );
}

describe('LogReader on torn and damaged logs', () => {
  it('a file cut at every byte offset of its last record yields the records before it', () => {
    const recs = sampleRecords();
    const { bytes, offsets } = logBytes(HEADER, recs);
    const last = offsets[offsets.length - 1]!;
    for (let cut = last; cut <= bytes.length; cut++) {
      const got = read(fileWith(bytes.subarray(0, cut)));
      if (cut === last || cut === bytes.length) {
        // clean record boundary: nothing torn, just no trailer
        assert.equal(got.torn, undefined, `cut ${cut}`);
        assert.equal(got.records.length, cut === last ? recs.length - 1 : recs.length);
      } else {
        assert.equal(got.records.length, recs.length - 1, `cut ${cut}`);
        assert.equal(got.torn?.offset, last, `cut ${cut}: ${got.torn?.reason}`);
        assert.match(got.torn!.reason, /end of file/);
      }
      assert.equal(got.trailer, undefined);
      assert.equal(got.complete, false);
      assert.equal(got.records.at(-1)!.ts, recs[got.records.length - 1]!.ts);
    }
  });

  it('a file cut inside its trailer has no trailer and is torn there', () => {
    const recs = sampleRecords();
    const { bytes, offsets } = logBytes(HEADER, recs, TRAILER);
    const last = offsets[offsets.length - 1]!;
    for (let cut = last + 1; cut < bytes.length; cut++) {
      const got = read(fileWith(bytes.subarray(0, cut)));
      assert.equal(got.records.length, recs.length);
      assert.equal(got.trailer, undefined);
      assert.equal(got.torn?.offset, last);
      assert.equal(got.complete, false);
    }
    const whole = read(fileWith(bytes));
    assert.equal(whole.complete, true);
  });

  it('a file cut in the middle of a multi-MiB exec record', () => {
    const argv = Array.from({ length: 3500 }, (_, i) => `arg${i}-${'y'.repeat(1000)}`);
    const big: LogRecord = {
      ts: HEADER.start_ts + 5,
      pid: 42,
      tid: 42,
      exec: { path: '/usr/bin/long', argv, env: [], cwd: '/', errno: 0, op: 'execve', uid: 0, gid: 0 },
    };
    const recs = [...sampleRecords().slice(0, 3), big, ...sampleRecords().slice(3)];
    const { bytes, offsets } = logBytes(HEADER, recs, TRAILER);
    const start = offsets[3]!;
    const end = offsets[4]!;
    assert.ok(end - start > 3 * 1024 * 1024);
    const prefixLen = varint(end - start - varint(end - start).length).length;
    for (const cut of [start + 1, start + prefixLen, start + prefixLen + 1, Math.floor((start + end) / 2), end - 1]) {
      const got = read(fileWith(bytes.subarray(0, cut)));
      assert.equal(got.records.length, 3, `cut ${cut}`);
      assert.equal(got.torn?.offset, start, `cut ${cut}`);
      assert.match(got.torn!.reason, cut === start + 1 ? /length prefix cut off/ : /runs past end of file/);
      assert.equal(got.complete, false);
    }
    const got = read(fileWith(bytes.subarray(0, end)));
    assert.equal(got.torn, undefined);
    assert.equal(got.records.length, 4);
    assert.equal(got.records[3]!.exec!.argv.length, argv.length);
  });

  it('stops at a corrupted byte in the middle and reports its record', () => {
    const recs = sampleRecords();
    const { bytes, offsets } = logBytes(HEADER, recs, TRAILER);
    const i = 6;
    const bad = Buffer.from(bytes);
    // First payload byte: the tag of field 1 becomes field 0 / wire type 7 (invalid).
    bad[offsets[i]! + 1] = 0x07;
    const got = read(fileWith(bad));
    assert.equal(got.records.length, i);
    assert.equal(got.torn?.offset, offsets[i]);
    assert.match(got.torn!.reason, /does not decode/);
    assert.equal(got.trailer, undefined);
    assert.equal(got.complete, false);
  });

  it('stops at a length prefix that points past the end of the file', () => {
    const recs = sampleRecords();
    const { bytes, offsets } = logBytes(HEADER, recs, TRAILER);
    const bad = Buffer.concat([bytes.subarray(0, offsets[2]!), Buffer.from([0xff, 0xff, 0xff, 0x7f]), bytes.subarray(offsets[2]! + 1)]);
    const got = read(fileWith(bad));
    assert.equal(got.records.length, 2);
    assert.equal(got.torn?.offset, offsets[2]);
    assert.match(got.torn!.reason, /runs past end of file/);
  });

  it('stops at a zero-filled tail', () => {
    const { bytes, offsets } = logBytes(HEADER, sampleRecords());
    const bad = Buffer.concat([bytes.subarray(0, offsets[5]!), Buffer.alloc(4096)]);
    const got = read(fileWith(bad));
    assert.equal(got.records.length, 5);
    assert.equal(got.torn?.offset, offsets[5]);
    assert.match(got.torn!.reason, /zero-length/);
  });

  it('never throws on any single corrupted byte', () => {
    const recs = sampleRecords().slice(0, 6);
    const { bytes, offsets } = logBytes(HEADER, recs, TRAILER);
    for (let at = offsets[0]!; at < bytes.length; at++) {
      for (const v of [0x00, 0xff, bytes[at]! ^ 0x80]) {
        const bad = Buffer.from(bytes);
        bad[at] = v;
        const got = read(fileWith(bad));
        // everything before the damaged record is intact
        const damaged = offsets.findIndex((o, k) => at >= o && (k + 1 === offsets.length || at < offsets[k + 1]!));
        for (let k = 0; k < Math.min(damaged, got.records.length); k++) assert.equal(got.records[k]!.ts, recs[k]!.ts);
      }
    }
  });

  it('skips and counts records with an unknown oneof field (written by a newer bt)', () => {
    // Record { ts = 7; pid = 1; tid = 1; field 99 (length-delimited) = "new" }, by hand.
    const unknownPayload = [0x08, 0x07, 0x10, 0x01, 0x18, 0x01, ...varint((99 << 3) | 2), 3, 0x6e, 0x65, 0x77];
    // An open record with an extra unknown field 98 (varint) is still read.
    const known = encodeRecord(sampleRecords()[3]!);
    const knownPayload = [...known.subarray(1), ...varint((98 << 3) | 0), 0x2a];
    const recs = sampleRecords().slice(0, 2);
    const { bytes } = logBytes(HEADER, recs);
    const trailerRec = encodeRecord({ ts: TRAILER.end_ts, pid: 0, tid: 0, trailer: { ...TRAILER, records: 4 } });
    const file = fileWith(
      Buffer.concat([
        bytes,
        Buffer.from([...varint(unknownPayload.length), ...unknownPayload]),
        Buffer.from([...varint(knownPayload.length), ...knownPayload]),
        trailerRec,
      ]),
    );
    const got = read(file);
    assert.equal(got.records.length, 3);
    assert.equal(got.records[2]!.open!.path, 'foo.c');
    assert.equal(got.skipped, 1);
    assert.equal(got.read, 4);
    assert.equal(got.torn, undefined);
    assert.equal(got.complete, true);
  });
});

describe('LogReader.open on files that are not (readable) bt logs', () => {
  it('missing file: E_LOG_OPEN naming the file and the reason', () => {
    const file = path.join(dir, 'does-not-exist.trace');
    expectLogError(file, 'E_LOG_OPEN', new RegExp(`${file}.*ENOENT`));
  });

  it('directory: E_LOG_OPEN', () => {
    expectLogError(dir, 'E_LOG_OPEN', /directory/);
  });

  it('unreadable file: E_LOG_OPEN with EACCES', { skip: process.getuid?.() === 0 && 'root can read anything' }, () => {
    const file = fileWith(logBytes(HEADER, []).bytes);
    fs.chmodSync(file, 0);
    expectLogError(file, 'E_LOG_OPEN', /EACCES/);
  });

  it('PNG file: E_NOT_BT_LOG', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    const file = fileWith(png);
    expectLogError(file, 'E_NOT_BT_LOG', new RegExp(`^${file} is not a bt log \\(expected a file written by bt trace\\)`));
  });

  it('text file: E_NOT_BT_LOG', () => {
    expectLogError(fileWith(Buffer.from('hello world\nthis is text\n')), 'E_NOT_BT_LOG', /is not a bt log/);
    expectLogError(fileWith(Buffer.from('hi\n')), 'E_NOT_BT_LOG', /is not a bt log/);
  });

  it('empty file: E_NOT_BT_LOG', () => {
    expectLogError(fileWith(Buffer.alloc(0)), 'E_NOT_BT_LOG', /is not a bt log.*empty/);
  });

  it('a compressed log: E_NOT_BT_LOG naming the compressor and the command that undoes it', () => {
    const log = logBytes(HEADER, sampleRecords()).bytes;
    const cases: Array<[string, Buffer, string]> = [
      ['gzip', zlib.gzipSync(log), 'gunzip -k'],
      ['zstd', Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x00]), log]), 'unzstd'],
      ['xz', Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04]), log]), 'unxz -k'],
      ['bzip2', Buffer.concat([Buffer.from('BZh91AY&SY', 'latin1'), log]), 'bunzip2 -k'],
    ];
    for (const [name, bytes, command] of cases) {
      const file = fileWith(bytes);
      expectLogError(file, 'E_NOT_BT_LOG', new RegExp(`^${file} is compressed \\(${name}\\): decompress it first \\(${command} ${file}\\)$`));
    }
    // a name the shell would split is quoted, so that the command pastes
    const spaced = path.join(dir, 'my build.trace.gz');
    fs.writeFileSync(spaced, zlib.gzipSync(log));
    expectLogError(spaced, 'E_NOT_BT_LOG', new RegExp(`^${spaced} is compressed \\(gzip\\): decompress it first \\(gunzip -k '${spaced}'\\)$`));
    // the magic numbers' bytes elsewhere, or a bzip2 look-alike, are just not a bt log
    expectLogError(fileWith(Buffer.from('BZh is not bzip2 text\n')), 'E_NOT_BT_LOG', /is not a bt log \(expected/);
    expectLogError(fileWith(Buffer.from([0x00, 0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0])), 'E_NOT_BT_LOG', /is not a bt log \(expected/);
  });

  it('part of the magic: cut off after N bytes, in the singular for one', () => {
    expectLogError(fileWith(MAGIC.subarray(0, 1)), 'E_LOG_HEADER', /^\S+ is a bt log cut off after 1 byte, inside its magic number: it holds no data$/);
    expectLogError(fileWith(MAGIC.subarray(0, 5)), 'E_LOG_HEADER', /^\S+ is a bt log cut off after 5 bytes, inside its magic number: it holds no data$/);
  });

  it('a record that runs past the end by all but one byte: "1 byte left"', () => {
    const r = read(fileWith(Buffer.concat([MAGIC, encodeHeader(HEADER), Buffer.from([...varint(5), 0x0a])])));
    assert.equal(r.torn?.reason, 'record of 5 bytes runs past end of file (1 byte left)');
    const one = read(fileWith(Buffer.concat([MAGIC, encodeHeader(HEADER), Buffer.from(varint(1))])));
    assert.equal(one.torn?.reason, 'record of 1 byte runs past end of file (0 bytes left)');
  });

  it('only the magic, or part of it: E_LOG_HEADER', () => {
    expectLogError(fileWith(MAGIC), 'E_LOG_HEADER', /magic/);
    expectLogError(fileWith(MAGIC.subarray(0, 5)), 'E_LOG_HEADER', /magic/);
  });

  it('a torn or corrupt header: E_LOG_HEADER', () => {
    const h = encodeHeader(HEADER);
    for (const cut of [1, 2, Math.floor(h.length / 2), h.length - 1]) {
      expectLogError(fileWith(Buffer.concat([MAGIC, h.subarray(0, cut)])), 'E_LOG_HEADER', /header/);
    }
    // a header payload that does not decode: an unknown field with the invalid wire type 7
    expectLogError(fileWith(Buffer.concat([MAGIC, Buffer.from([3, 0xa7, 0x01, 0x00])])), 'E_LOG_HEADER', /does not decode/);
    // a header without a format version
    expectLogError(fileWith(Buffer.concat([MAGIC, Buffer.from([2, 0x12, 0x00])])), 'E_LOG_HEADER', /format version/);
  });

  it('a header from a newer format: E_LOG_HEADER asking for a newer bt', () => {
    expectLogError(fileWith(Buffer.concat([MAGIC, encodeHeader({ ...HEADER, format_version: 3 })])), 'E_LOG_HEADER', /newer bt .*reads formats 1 and 2/);
  });

  it('ring batches laid out by another bt: E_LOG_HEADER naming both layouts, not a misreading', () => {
    const other = { ...HEADER, format_version: 2, bt_version: '0.0.9', ring_layout: '0123456789abcdef' };
    expectLogError(
      fileWith(Buffer.concat([MAGIC, encodeHeader(other)])),
      'E_LOG_HEADER',
      new RegExp(`^\\S+ holds the kernel's records as the bt that wrote it \\(0\\.0\\.9\\) lays them out \\(layout 0123456789abcdef\\), and this bt lays them out differently \\(${ringLayoutId()}\\): read it with that bt, or have that bt normalize it`),
    );
    // the same header with this bt's layout is read
    assert.equal(read(fileWith(Buffer.concat([MAGIC, encodeHeader({ ...other, ring_layout: ringLayoutId() })]))).torn, undefined);
  });

  it('a header with no records is a valid, empty, incomplete log', () => {
    const got = read(fileWith(logBytes(HEADER, []).bytes));
    assert.equal(got.records.length, 0);
    assert.equal(got.torn, undefined);
    assert.equal(got.complete, false);
  });
});
