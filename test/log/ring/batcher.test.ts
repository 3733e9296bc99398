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
import { Transcoder } from '../../../src/log/ring/transcode.js';
import { LogReader } from '../../../src/log/reader.js';
import { normalizeFile } from '../../../src/normalize/normalize.js';
import { RawLogSource } from '../../../src/normalize/raw.js';
import { newOrderStats } from '../../../src/normalize/order.js';
import { decodeRecord } from '../../../src/log/schema.js';
import { toJson } from '../../../src/log/dump.js';
import type { LogRecord } from '../../../src/log/schema.js';
import { LogWriter } from '../../../src/log/writer.js';
import { tmpdir } from '../../helpers/trace.js';
import { build, data, exec, header, lookup, open, writeRing } from './synth.js';
import { LAYOUT, MAX_ARG_BYTES, PATH_MAX } from '../../../src/log/ring/layout.js';

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

test('a damaged batch costs memory by the bytes it holds: execs announcing megabytes of argv get what came', () => {
  const dir = tmpdir();
  const recs: Buffer[] = [];
  // 400 execs that each announce 2.25 MiB of argv and of env (a damaged log), and the one argv byte that came
  for (let i = 0; i < 400; i++) {
    const b = exec(1000 + i, 5000 + i, 'x', Buffer.alloc(0), Buffer.alloc(0));
    const X = LAYOUT.bt_exec.fields;
    b.writeUInt32LE(MAX_ARG_BYTES, X.argv_len);
    b.writeUInt32LE(MAX_ARG_BYTES, X.env_len);
    recs.push(b, data(1000 + i, 5000 + i, false, 0, Buffer.from('a')));
  }
  const file = path.join(dir, 'big.trace');
  writeRing(file, recs);
  const before = process.memoryUsage().arrayBuffers;
  let peak = before;
  const r = LogReader.open(file);
  const execs = [];
  for (const rec of r.records()) {
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    if (rec.exec) execs.push(rec.exec);
  }
  r.close();
  assert.equal(execs.length, 400);
  assert.ok(execs.every((e) => e.truncated && e.argv.join() === 'a'));
  // 400 x 4.5 MiB announced: 1.8 GiB if allocated as announced
  assert.ok(peak - before < 256 * 1024 * 1024, `${Math.round((peak - before) / 1048576)} MiB of buffers while reading`);
});

test('a damaged lookup whose path and link text claim 60,000 bytes each: cut at PATH_MAX, the record still decodes', () => {
  const dir = tmpdir();
  const L = LAYOUT.bt_lookup.fields;
  const b = lookup(1, 42, 'p'.repeat(70000), 0, 0n);
  b.writeUInt16LE(60000, L.path_len);
  b.writeUInt16LE(60000, L.target_len);
  const file = path.join(dir, 'long.trace');
  writeRing(file, [b, open(2, 42, '/after', 3)]);
  const { records, end } = read(file);
  assert.equal(end.torn, undefined);
  assert.deepEqual(records.map((r) => [r.lookup?.path.length, r.lookup?.target?.length, r.open?.path]), [
    [PATH_MAX, PATH_MAX, undefined],
    [undefined, undefined, '/after'],
  ]);
});
