/**
 * The average parallelism counts the time of a job's own jobs once: cmake
 * configuring is a job, and the try-compiles its ninja runs are jobs too.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarize } from '../../src/answers/summary.js';
import { buildFromRecords } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { BASE_TS, TraceBuilder } from '../normalize/synth.js';

const S = 1e9;

/**
 * sh (the root) runs cmake (a job, 0..10 s), whose ninja (a driver, 1..7 s)
 * runs two compiles (jobs: 2..4 s and 3..6 s); then the root runs `cc -o
 * app` (10..12 s). The build: 12 s.
 */
function nested() {
  const t = new TraceBuilder(1, '/w');
  t.at(BASE_TS).exec(1, '/bin/sh', ['sh', '-c', 'cmake . && cc -o app'], '/w');
  t.fork(1, 2);
  t.exec(2, '/usr/bin/cmake', ['cmake', '.'], '/w');
  t.at(BASE_TS + 1 * S).fork(2, 3);
  t.exec(3, '/usr/bin/ninja', ['ninja', 'cmTC_1'], '/w/scratch');
  t.at(BASE_TS + 2 * S).fork(3, 4);
  t.exec(4, '/usr/bin/cc', ['cc', '-c', 'a.c'], '/w/scratch');
  t.at(BASE_TS + 3 * S).fork(3, 5);
  t.exec(5, '/usr/bin/cc', ['cc', '-c', 'b.c'], '/w/scratch');
  t.at(BASE_TS + 4 * S).exit(4, 0);
  t.at(BASE_TS + 6 * S).exit(5, 0);
  t.at(BASE_TS + 7 * S).exit(3, 0);
  t.at(BASE_TS + 10 * S).exit(2, 0);
  t.fork(1, 6);
  t.exec(6, '/usr/bin/cc', ['cc', '-o', 'app'], '/w');
  t.at(BASE_TS + 12 * S).exit(6, 0);
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

test("parallelism: a job's own jobs (cmake's try-compiles) are counted once, not again inside it", () => {
  const build = nested();
  const s = summarize(build);
  assert.deepEqual(
    build.jobs.jobs.map((j) => build.process(j.proc)!.argv.join(' ')),
    ['cmake .', 'cc -c a.c', 'cc -c b.c', 'cc -o app'],
  );
  // cmake 10 s, of which 2..6 s its compiles ran (4 s); the compiles 2 + 3 s; the link 2 s: 13 s busy over 12 s
  // (before: 10 + 5 + 2 = 17 s, 1.42)
  assert.equal(s.parallelism, 1.08);
});
