import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LogError } from '../../src/errors.js';
import { FrameReader } from '../../src/log/frames.js';
import { LogReader } from '../../src/log/reader.js';
import protobuf from 'protobufjs';
import { MAGIC, RecordType, recordType } from '../../src/log/schema.js';
import type { LogRecord } from '../../src/log/schema.js';
import { LogWriter, WRITE_BEHIND_BYTES } from '../../src/log/writer.js';
import { HEADER, TRAILER, logBytes, normalizedRecords, project, sampleRecords, tmpdir } from './fixtures.js';

function readAll(file: string) {
  const r = LogReader.open(file);
  try {
    const records = [...r.records()];
    return { reader: r, records };
  } finally {
    r.close();
  }
}

let dir: string;
before(() => {
  dir = tmpdir();
});
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('LogWriter + LogReader', () => {
  it('round-trips every event type, the header and the trailer', () => {
    const file = path.join(dir, 'all.trace');
    const input = [...sampleRecords(), ...normalizedRecords()];
    const w = LogWriter.open(file, HEADER);
    for (const r of input) w.write(r);
    w.close({ ...TRAILER, leftover: ['1299 sleep 100'] });

    const { reader, records } = readAll(file);
    assert.deepEqual(project(reader.header, HEADER), HEADER);
    assert.equal(records.length, input.length);
    for (let i = 0; i < input.length; i++) {
      assert.deepStrictEqual(project(records[i], input[i]), input[i], `record ${i} (${recordType(input[i]!)})`);
      assert.equal(recordType(records[i]!), recordType(input[i]!));
    }
    assert.equal(reader.complete, true);
    assert.equal(reader.torn, undefined);
    assert.equal(reader.skippedUnknown, 0);
    assert.equal(reader.recordsRead, input.length);
    const t = reader.trailer!;
    assert.equal(t.end_ts, TRAILER.end_ts);
    assert.equal(t.records, input.length);
    assert.deepEqual({ ...t.counts }, {
      fork: 1,
      exec: 2,
      open: 4,
      close: 1,
      dup: 1,
      pipe: 1,
      chdir: 1,
      path: 2,
      path2: 3,
      lost: 1,
      exit: 2,
      process: 1,
    });
    assert.deepEqual({ ...t.lost }, { ringbuf: 12 });
    assert.deepEqual([...t.leftover!], ['1299 sleep 100']);
  });

  it('writes the documented bytes: magic, header, then each record varint-delimited, as protobufjs reads it', () => {
    const file = path.join(dir, 'bytes.trace');
    const recs = sampleRecords();
    const w = LogWriter.open(file, HEADER);
    for (const r of recs) w.write(r);
    const trailer = { ...TRAILER, records: recs.length, counts: w.counts, lost: w.lost };
    w.close(trailer);
    const got = fs.readFileSync(file);
    assert.deepEqual(got.subarray(0, 8), MAGIC);
    const { bytes: want, offsets } = logBytes(HEADER, recs, trailer);
    assert.ok(got.subarray(0, offsets[0]).equals(want.subarray(0, offsets[0])), 'magic and header');
    // records of scalars and strings omit zero values (fastencode.ts): the same messages, fewer bytes
    const reader = protobuf.Reader.create(got.subarray(offsets[0]));
    const wanted = protobuf.Reader.create(want.subarray(offsets[0]));
    const all = { defaults: true };
    for (let i = 0; i <= recs.length; i++) {
      assert.deepEqual(RecordType.toObject(RecordType.decodeDelimited(reader), all), RecordType.toObject(RecordType.decodeDelimited(wanted), all), `record ${i}`);
    }
    assert.equal(reader.pos, reader.len, 'nothing after the trailer');
    assert.ok(got.length < want.length, `${got.length} bytes, protobufjs alone ${want.length}`);
    assert.equal(w.bytesWritten, got.length);
  });

  it('keeps counters: records, counts, bytesWritten', () => {
    const file = path.join(dir, 'counters.trace');
    const w = LogWriter.open(file, HEADER, { flushIntervalMs: 1e9 });
    const headerBytes = fs.statSync(file).size;
    assert.equal(w.bytesWritten, headerBytes);
    assert.ok(headerBytes > MAGIC.length, 'magic and header are written at open');
    for (const r of sampleRecords()) w.write(r);
    assert.equal(w.records, sampleRecords().length);
    assert.equal(w.counts.open, 3);
    assert.equal(w.counts.trailer, undefined);
    assert.ok(w.pendingBytes > 0);
    assert.equal(fs.statSync(file).size, headerBytes, 'nothing flushed yet');
    w.flush();
    assert.equal(w.pendingBytes, 0);
    assert.equal(fs.statSync(file).size, w.bytesWritten);
    w.close(TRAILER);
    assert.equal(w.records, sampleRecords().length, 'the trailer is not counted');
    assert.equal(fs.statSync(file).size, w.bytesWritten);
  });

  it('flushes when the batch is full and when the interval has passed', () => {
    const file = path.join(dir, 'batch.trace');
    const w = LogWriter.open(file, HEADER, { batchBytes: 200, flushIntervalMs: 1e9 });
    const base = fs.statSync(file).size;
    let flushed = false;
    for (let i = 0; i < 20 && !flushed; i++) {
      w.write(sampleRecords()[0]!);
      flushed = fs.statSync(file).size > base;
    }
    assert.ok(flushed, 'a full batch was written');
    assert.ok(w.pendingBytes < 200);
    w.close();

    const file2 = path.join(dir, 'interval.trace');
    const w2 = LogWriter.open(file2, HEADER, { flushIntervalMs: 0 });
    const base2 = fs.statSync(file2).size;
    w2.write(sampleRecords()[0]!);
    assert.ok(fs.statSync(file2).size > base2, 'written at once with flushIntervalMs 0');
    assert.equal(w2.pendingBytes, 0);
    w2.close();
  });

  it('creates the log with mode 0600 whatever the umask, and narrows an existing file', () => {
    const old = process.umask(0);
    try {
      const file = path.join(dir, 'mode.trace');
      LogWriter.open(file, HEADER).close();
      assert.equal(fs.statSync(file).mode & 0o7777, 0o600);

      const existing = path.join(dir, 'existing.trace');
      fs.writeFileSync(existing, 'old content that is longer than a header, to check truncation '.repeat(20), { mode: 0o666 });
      fs.chmodSync(existing, 0o666);
      LogWriter.open(existing, HEADER).close(TRAILER);
      assert.equal(fs.statSync(existing).mode & 0o7777, 0o600);
      const { reader, records } = readAll(existing);
      assert.equal(records.length, 0);
      assert.equal(reader.complete, true);
    } finally {
      process.umask(old);
    }
  });

  it('creates the log as uid/gid when asked, without a chown (root only)', { skip: process.getuid?.() !== 0 && 'needs root' }, () => {
    const shared = path.join(dir, 'shared');
    fs.chmodSync(dir, 0o755); // the user must reach it
    fs.mkdirSync(shared, { mode: 0o1777 });
    fs.chmodSync(shared, 0o1777);
    const file = path.join(shared, 'owner.trace');
    LogWriter.open(file, HEADER, { uid: 4321, gid: 4322 }).close();
    const st = fs.statSync(file);
    assert.equal(st.uid, 4321);
    assert.equal(st.gid, 4322);
  });

  it('hands what it wrote to writeBehind in whole ranges of at least WRITE_BEHIND_BYTES, in order, regular files only', () => {
    const file = path.join(dir, 'behind.trace');
    const calls: Array<[number, number, number]> = [];
    const w = LogWriter.open(file, HEADER, { batchBytes: 64 * 1024, writeBehind: (fd, off, len) => calls.push([fd, off, len]) });
    const batch = Buffer.alloc(40 * 1024, 7);
    for (let i = 0; i < 100; i++) w.appendRing(batch);
    const size = w.bytesWritten;
    w.close(TRAILER);
    assert.ok(calls.length >= 3, `${calls.length} calls for ${size} bytes`);
    let next = 0;
    for (const [fd, off, len] of calls) {
      assert.ok(fd > 2);
      assert.equal(off, next, 'contiguous, from the start of the file');
      assert.ok(len >= WRITE_BEHIND_BYTES);
      next = off + len;
    }
    // all but the tail (the close's fdatasync writes that)
    assert.ok(next <= size && size - next < WRITE_BEHIND_BYTES + 64 * 1024, `${next} of ${size}`);

    const none: number[] = [];
    const w2 = LogWriter.open('/dev/null', HEADER, { batchBytes: 64 * 1024, writeBehind: (_fd, off) => none.push(off) });
    for (let i = 0; i < 100; i++) w2.appendRing(batch);
    w2.close(TRAILER);
    assert.deepEqual(none, []);
  });

  it('does not chmod or chown a non-regular output such as /dev/null', () => {
    const before = fs.statSync('/dev/null');
    const w = LogWriter.open('/dev/null', HEADER, { uid: 4321, gid: 4321 });
    w.write(sampleRecords()[0]!);
    w.close(TRAILER);
    const st = fs.statSync('/dev/null');
    assert.equal(st.mode, before.mode);
    assert.equal(st.uid, before.uid);
  });

  it('round-trips a 5 MiB argv record', () => {
    const file = path.join(dir, 'big.trace');
    const arg = 'x'.repeat(1024);
    const argv = Array.from({ length: 5 * 1024 }, (_, i) => `${i}:${arg}`);
    const big: LogRecord = {
      ts: 10,
      pid: 1,
      tid: 1,
      exec: { path: '/bin/echo', argv, env: ['A=1'], cwd: '/', errno: 0, op: 'execve', uid: 0, gid: 0 },
    };
    const w = LogWriter.open(file, HEADER);
    w.write(sampleRecords()[0]!);
    w.write(big);
    w.write(sampleRecords()[1]!);
    w.close(TRAILER);
    assert.ok(fs.statSync(file).size > 5 * 1024 * 1024);
    const r = LogReader.open(file);
    const got = [...r.records()];
    assert.equal(got.length, 3);
    assert.equal(got[1]!.exec!.argv.length, argv.length);
    assert.deepEqual(got[1]!.exec!.argv, argv);
    assert.equal(got[2]!.exec!.path, '/usr/bin/cc');
    assert.equal(r.complete, true);
    // the read buffer shrinks back after the big record
    const frames = new FrameReader(file, fs.openSync(file, 'r'), r.dataOffset);
    const sizes: number[] = [];
    while (frames.next()) sizes.push(frames.buf.length);
    assert.ok(sizes[1]! > 5 << 20);
    assert.ok(sizes[2]! <= 1 << 20);
    r.close();
  });

  it('streams records across chunk boundaries, and records() can be iterated again', () => {
    const file = path.join(dir, 'many.trace');
    const n = 60_000;
    const w = LogWriter.open(file, HEADER);
    for (let i = 0; i < n; i++) {
      w.write({
        ts: 1e12 + i,
        pid: i,
        tid: i,
        open: { path: `/usr/include/dir${i % 97}/header${i}.h`, dirfd: -100, flags: 0, mode: 0, fd: 3, errno: 0, op: 'openat' },
      });
    }
    w.close(TRAILER);
    assert.ok(fs.statSync(file).size > 3 * (1 << 20), 'several read chunks');
    const r = LogReader.open(file);
    for (let pass = 0; pass < 2; pass++) {
      let i = 0;
      for (const rec of r.records()) {
        assert.equal(rec.pid, i);
        assert.equal(rec.open!.path, `/usr/include/dir${i % 97}/header${i}.h`);
        i++;
      }
      assert.equal(i, n);
      assert.equal(r.complete, true);
      assert.equal(r.trailer!.records, n);
    }
    r.close();
  });

  it('reports a log without a trailer as incomplete but not torn', () => {
    const file = path.join(dir, 'notrailer.trace');
    const w = LogWriter.open(file, HEADER);
    for (const r of sampleRecords()) w.write(r);
    w.close();
    const { reader, records } = readAll(file);
    assert.equal(records.length, sampleRecords().length);
    assert.equal(reader.trailer, undefined);
    assert.equal(reader.torn, undefined);
    assert.equal(reader.complete, false);
  });

  it('close is idempotent; write after close and bad records throw', () => {
    const file = path.join(dir, 'closed.trace');
    const w = LogWriter.open(file, HEADER);
    assert.throws(() => w.write({ ts: 1, pid: 1, tid: 1 }), TypeError);
    assert.throws(() => w.write({ ts: 1, pid: 1, tid: 1, trailer: TRAILER }), TypeError);
    assert.throws(() => w.write({ ts: 1, pid: 1, tid: 1, open: { path: 42 } as never }), TypeError);
    w.write(sampleRecords()[0]!); // a failed encode leaves the writer usable
    w.close(TRAILER);
    const size = fs.statSync(file).size;
    w.close(TRAILER);
    assert.equal(fs.statSync(file).size, size);
    assert.throws(
      () => w.write(sampleRecords()[0]!),
      (e: unknown) => e instanceof LogError && e.code === 'E_LOG_WRITE',
    );
    const { reader, records } = readAll(file);
    assert.equal(records.length, 1);
    assert.equal(reader.complete, true);
  });

  it('turns ENOSPC into LogError E_LOG_WRITE naming the file', { skip: !fs.existsSync('/dev/full') && 'no /dev/full' }, () => {
    assert.throws(
      () => LogWriter.open('/dev/full', HEADER),
      (e: unknown) =>
        e instanceof LogError && e.code === 'E_LOG_WRITE' && /\/dev\/full/.test(e.message) && /ENOSPC/.test(e.message),
    );
  });

  it('turns an uncreatable path into LogError E_OUTPUT', () => {
    const file = path.join(dir, 'no', 'such', 'dir', 'x.trace');
    assert.throws(
      () => LogWriter.open(file, HEADER),
      (e: unknown) => e instanceof LogError && e.code === 'E_OUTPUT' && e.message.includes(file) && /ENOENT/.test(e.message),
    );
  });

  it("writes to stdout with path '-'", () => {
    const writerUrl = new URL('../../src/log/writer.js', import.meta.url).href;
    const script = `
      import { LogWriter } from ${JSON.stringify(writerUrl)};
      const w = LogWriter.open('-', ${JSON.stringify(HEADER)});
      for (const r of ${JSON.stringify(sampleRecords())}) w.write(r);
      w.close(${JSON.stringify(TRAILER)});
    `;
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { maxBuffer: 1 << 24 });
    assert.equal(res.status, 0, String(res.stderr));
    const file = path.join(dir, 'stdout.trace');
    fs.writeFileSync(file, res.stdout);
    const { reader, records } = readAll(file);
    assert.equal(records.length, sampleRecords().length);
    assert.equal(reader.complete, true);
  });
});
