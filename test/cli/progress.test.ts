/**
 * A reader's progress on a terminal (src/cli/progress.ts): quiet for a log
 * read fast, one line rewritten in place at most every 200 ms after that,
 * cleared when the build is loaded; a raw log that took over 2 s gets the
 * hint to normalize it once. Not on a pipe: bt's readers print nothing of it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { terminalProgress } from '../../src/cli/progress.js';
import { bt, tmpdir } from '../helpers/trace.js';
import { cBuildTrace } from '../normalize/synth.js';
import path from 'node:path';

function fake() {
  let clock = 0;
  const written: string[] = [];
  const p = terminalProgress({ write: (s: string) => (written.push(s), true) } as never, () => clock);
  return { p, written, at: (ms: number) => (clock = ms) };
}

test('terminal progress: nothing for the first 0.7 s, then a line at most every 0.2 s, cleared at the end', () => {
  const { p, written, at } = fake();
  at(1000);
  p.records(16384, '/w/build.trace'); // the start
  at(1600);
  p.records(32768, '/w/build.trace');
  assert.deepEqual(written, []);
  at(1750);
  p.records(49152, '/w/build.trace');
  at(1850);
  p.records(65536, '/w/build.trace'); // 0.1 s after the last: not drawn
  at(2000);
  p.records(1234567, '/w/build.trace');
  p.done({ path: '/w/build.trace', records: 1234567, raw: false, ms: 1100 });
  assert.deepEqual(written, [
    '\r\x1b[Kbt: reading /w/build.trace: 49,152 records, 0.8 s',
    '\r\x1b[Kbt: reading /w/build.trace: 1,234,567 records, 1.0 s',
    '\r\x1b[K',
  ]);
});

test('terminal progress: a raw log read in over 2 s gets the hint (its command quoted), a normalized one or a fast one none', () => {
  const { p, written } = fake();
  p.done({ path: 'my build.trace', records: 10, raw: true, ms: 2500 });
  assert.deepEqual(written, [
    "bt: my build.trace is a raw log, normalized on every read (2.5 s this time): bt normalize 'my build.trace' -o 'my build.norm.trace' once makes every question faster\n",
  ]);
  written.length = 0;
  p.done({ path: 'b.trace', records: 10, raw: false, ms: 9000 });
  p.done({ path: 'c.trace', records: 10, raw: true, ms: 1900 });
  assert.deepEqual(written, []);
});

test('a reader on a pipe: no progress and no hint on stderr', async () => {
  const dir = tmpdir('bt-progress-');
  const log = path.join(dir, 'build.trace');
  cBuildTrace(['a']).write(log);
  const r = await bt(['summary', log]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
});
