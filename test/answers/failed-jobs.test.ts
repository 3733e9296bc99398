/**
 * bt summary on failed builds: which jobs failed (their own command), how
 * each ended and its innermost failed process; failed processes under a
 * job that succeeded (pyenv's readlink probes) fail no job; a build killed
 * by a signal says which.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarize } from '../../src/answers/summary.js';
import { summaryText } from '../../src/answers/text.js';
import type { Trailer } from '../../src/log/schema.js';
import { buildFromRecords } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { addFailedProbe, BASE_TS, TraceBuilder } from '../normalize/synth.js';

/**
 * make (proc 1) runs two jobs, one after the other: `sh -c genver.sh`
 * (proc 2, a second), whose two readlink probes (3, 4) exit 1 before it
 * succeeds; and `sh -c 'cc -c b.c -o b.o'` (5, half a second), whose
 * `test -d out` (6) exits 1 first, then whose cc (7) fails because its cc1
 * (8) did. make exits 2.
 */
function failedBuild(): TraceBuilder {
  const t = new TraceBuilder(1, '/w');
  t.at(BASE_TS);
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  t.fork(1, 2);
  t.exec(2, '/bin/sh', ['/bin/sh', '-c', 'genver.sh'], '/w');
  for (const pid of [3, 4]) {
    t.fork(2, pid);
    t.exec(pid, '/usr/bin/readlink', ['readlink', 'pyenv'], '/w');
    t.exit(pid, 1);
  }
  t.at(BASE_TS + 1e9);
  t.exit(2, 0);
  t.fork(1, 5);
  t.exec(5, '/bin/sh', ['/bin/sh', '-c', 'cc -c b.c -o b.o'], '/w');
  t.fork(5, 6);
  t.exec(6, '/usr/bin/test', ['test', '-d', 'out'], '/w');
  t.exit(6, 1);
  t.fork(5, 7);
  t.exec(7, '/usr/bin/cc', ['cc', '-c', 'b.c', '-o', 'b.o'], '/w');
  t.fork(7, 8);
  t.exec(8, '/usr/libexec/gcc/cc1', ['/usr/libexec/gcc/cc1', 'b.c'], '/w');
  t.exit(8, 1);
  t.exit(7, 1);
  t.at(BASE_TS + 1.5e9);
  t.exit(5, 1);
  t.exit(1, 2);
  return t;
}

function summaryOf(t: TraceBuilder, trailer: Trailer) {
  const n = normalizeRecords(t.header, t.records);
  return summarize(buildFromRecords(n.header, n.records, { trailer }));
}

test('summary: a failed job is named with how it ended and its innermost failed process; failed probes under a job that succeeded fail no job', () => {
  const t = failedBuild();
  const s = summaryOf(t, { ...t.trailer(2), exit_code: 2 });
  assert.equal(s.failed, 7, 'the readlinks, test, cc1, cc and sh failed; make too');
  assert.deepEqual(s.failed_jobs, [
    {
      proc: 5,
      argv: ['/bin/sh', '-c', 'cc -c b.c -o b.o'],
      duration_ms: 500,
      exit_code: 1,
      signal: 0,
      // through cc, the failed child that ended last (not the earlier `test`), to cc1
      innermost: { proc: 8, pid: 8, argv: ['/usr/libexec/gcc/cc1', 'b.c'], exit_code: 1, signal: 0 },
    },
  ]);
  // every job has its exit status
  assert.deepEqual(
    s.jobs.map((j) => [j.proc, j.exit_code, j.signal]),
    [
      [2, 0, 0],
      [5, 1, 0],
    ],
  );
  const lines = summaryText(s).split('\n');
  assert.deepEqual(lines.slice(2, 9), [
    '  started 2023-11-14 22:29:59 UTC, took 1.500 s, exit status 2',
    'processes: 8 (7 failed); jobs: 2 (1 failed); average parallelism 1',
    '',
    'failed jobs (1):',
    "  /bin/sh -c 'cc -c b.c -o b.o'  (exit 1, proc 5)",
    '    innermost failure: /usr/libexec/gcc/cc1 b.c  (exit 1, proc 8)',
    '',
  ]);
});

test('summary: a successful build with failed subprocesses has no failed job and no failed jobs section', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  addFailedProbe(t, 2);
  t.exit(1, 0);
  const s = summaryOf(t, t.trailer(0));
  assert.equal(s.failed, 1);
  assert.deepEqual(s.failed_jobs, []);
  const text = summaryText(s);
  assert.match(text, /\nprocesses: 3 \(1 failed\); jobs: 1 \(0 failed\); average parallelism [\d.]+\n\ntools/);
  assert.doesNotMatch(text, /failed jobs/);
});

test('summary: make failing by itself (no rule to make a target), with no failed job, says that no job failed', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make', 'all'], '/w');
  addFailedProbe(t, 2);
  t.exit(1, 2);
  const s = summaryOf(t, t.trailer(2));
  assert.deepEqual(s.failed_jobs, []);
  assert.match(
    summaryText(s),
    /\nprocesses: 3 \(2 failed\); jobs: 1 \(0 failed\); average parallelism [\d.]+\n\nno job failed: make failed by itself \(its own message in the build's output says why: a missing file or rule, an error in a makefile\)\n\ntools/,
  );
});

test('summary: a build killed by a signal between its jobs is not said to have failed by itself', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make', 'all'], '/w');
  addFailedProbe(t, 2);
  t.exit(1, 0, 2);
  const s = summaryOf(t, { ...t.trailer(130), exit_code: 0, exit_signal: 2 });
  assert.deepEqual(s.failed_jobs, []);
  const text = summaryText(s);
  assert.match(text, /exit status 130 \(signal SIGINT\)\n/);
  assert.doesNotMatch(text, /no job failed/);
});

test('summary: a build killed by SIGINT says so on its exit status line, and its jobs were killed by it', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  t.fork(1, 2);
  t.exec(2, '/bin/sh', ['/bin/sh', '-c', 'sleep 30; touch a'], '/w');
  t.fork(2, 3);
  t.exec(3, '/usr/bin/sleep', ['sleep', '30'], '/w');
  t.exit(3, 0, 2);
  t.exit(2, 0, 2);
  t.exit(1, 0, 2);
  const s = summaryOf(t, { ...t.trailer(130), exit_code: 0, exit_signal: 2 });
  assert.equal(s.exit_status, 130);
  assert.equal(s.exit_signal, 2);
  const lines = summaryText(s).split('\n');
  assert.match(lines[2], /, exit status 130 \(signal SIGINT\)$/);
  assert.deepEqual(lines.slice(5, 8), ['failed jobs (1):', "  /bin/sh -c 'sleep 30; touch a'  (killed by SIGINT, proc 2)", '    innermost failure: sleep 30  (killed by SIGINT, proc 3)']);
  assert.deepEqual(
    s.failed_jobs.map((j) => [j.exit_code, j.signal, j.innermost.proc]),
    [[-1, 2, 3]],
  );
});
