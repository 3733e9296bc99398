/**
 * What the readers say at the end of a log (src/log/check.ts): a log cut
 * short counts the records read before the cut, as a reader yields them
 * (the records of a batch of ring records each), not the file's frames.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { endWarnings } from '../../src/log/check.js';
import { LogReader } from '../../src/log/reader.js';
import { tmpdir } from '../helpers/trace.js';
import { build, writeRing } from './ring/synth.js';

describe('endWarnings', () => {
  it('a log of ring batches cut inside its last batch: the records read before the cut, not the batches', () => {
    const dir = tmpdir();
    const file = path.join(dir, 'ring.trace');
    writeRing(file, build());
    // the start of the last batch: where the reader stops once the file is cut inside it
    const whole = LogReader.open(file);
    const all = [...whole.records()];
    const batches = whole.end().records;
    whole.close();
    assert.equal(batches, 3);
    const size = fs.statSync(file).size;
    fs.truncateSync(file, size - 40);
    const r = LogReader.open(file);
    const read = [...r.records()];
    const end = r.end();
    r.close();
    assert.ok(end.torn);
    assert.ok(read.length > 10 && read.length < all.length, `${read.length} of ${all.length}`);
    assert.equal(end.records, 2, 'the trailer counts frames: two whole batches');
    // the records bt dump prints: not the environments, which the execs that refer to them show
    const printed = read.filter((r) => !r.env).length;
    assert.ok(printed < read.length);
    assert.equal(end.events, printed);
    assert.equal(end.torn.bytesAfter, size - 40 - end.torn.offset);
    const { lines, damaged } = endWarnings('ring.trace', end);
    assert.ok(damaged);
    assert.deepEqual(lines, [
      `ring.trace is truncated at byte ${end.torn.offset} (${end.torn.reason}); the ${printed} records before it were read`,
    ]);
  });

  it('one record before the cut is said in the singular', () => {
    const { lines } = endWarnings('x.trace', { torn: { offset: 99, reason: 'length prefix cut off at end of file' }, records: 1, events: 1, counts: {} });
    assert.deepEqual(lines, ['x.trace is truncated at byte 99 (length prefix cut off at end of file); the 1 record before it was read']);
  });
});
