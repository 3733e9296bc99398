/**
 * automake's parallel test harness (model/tests.ts harnessResult): each
 * test runs under build-aux/test-driver, which exits 0 whatever the test
 * gave. bt counts them as tests by their harness (on a tree built before
 * the trace too: `bt trace -- make check`), by the result test-driver
 * gives (PASS, SKIP, FAIL, XFAIL, XPASS, ERROR), not by the driver's exit;
 * the recipe gathering test-suite.log is no test. On synthetic logs, and
 * on a REAL automake project (test-programs/amcheck) against automake's
 * own count in test-suite.log.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { summarize } from '../../src/answers/summary.js';
import { buildFromRecords, failedProbe } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { staticExtras, viewQuery } from '../../src/view/host.js';
import { pack, unpack, type Packed } from '../../src/view/pack.js';
import { ViewQuery } from '../../src/view/query.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { needTools } from '../helpers/tools.js';
import { bt, REPO, tmpdir, trace } from '../helpers/trace.js';
import { TraceBuilder } from '../normalize/synth.js';

/** make running one test-driver per [name, exit code, signal, options], each test a #! script. */
function harnessBuild(tests: Array<[string, number, number, string[]?]>) {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make', 'check'], '/w');
  let pid = 2;
  for (const [name, code, signal, opts] of tests) {
    const d = pid++;
    const c = pid++;
    t.fork(1, d);
    t.exec(d, '/usr/bin/bash', ['/bin/bash', './test-driver', '--test-name', name, '--log-file', `${name}.log`, '--trs-file', `${name}.trs`, ...(opts ?? []), '--', `./${name}`], '/w');
    t.open(d, `${name}.log`, { fd: 3, flags: 0o1101 });
    t.fork(d, c);
    t.exec(c, '/usr/bin/sh', ['/bin/sh', `./${name}`], '/w');
    t.exit(c, code, signal);
    t.exit(d, 0);
  }
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

test('harness tests: the result is the test\'s exit as test-driver reads it, not the driver\'s exit 0', () => {
  const b = harnessBuild([
    ['pass', 0, 0],
    ['skip', 77, 0],
    ['fail', 3, 0],
    ['killed', 0, 9],
    ['error', 99, 0],
    ['soft', 99, 0, ['--enable-hard-errors', 'no']],
    ['xfail', 1, 0, ['--expect-failure', 'yes']],
    ['xpass', 0, 0, ['--expect-failure', 'yes']],
  ]);
  const s = summarize(b);
  assert.equal(s.test_count, 8);
  assert.equal(s.job_count, 0);
  assert.deepEqual(
    s.failed_tests.map((f) => [f.name, f.result, f.innermost.argv.join(' '), f.innermost.exit_code, f.innermost.signal]),
    [
      ['fail', 'FAIL', '/bin/sh ./fail', 3, 0],
      ['killed', 'FAIL', '/bin/sh ./killed', -1, 9],
      ['error', 'ERROR', '/bin/sh ./error', 99, 0],
      ['soft', 'FAIL', '/bin/sh ./soft', 99, 0],
      ['xpass', 'XPASS', '/bin/sh ./xpass', 0, 0],
    ],
  );
  assert.deepEqual(s.skipped_tests.map((t) => t.name), ['skip']);
  // graph and the viewer: a failed test is the build's failure (red), a skip or an expected failure a probe's (grey)
  const probe = (name: string) => failedProbe(b.model, b.model.processes.find((p) => p.argv[1] === `./${name}`)!);
  assert.deepEqual(['fail', 'killed', 'error', 'xpass', 'skip', 'xfail'].map(probe), [false, false, false, false, true, true]);
  // the viewer's header counts failed tests apart from failed jobs, as summary does; the static page's packed model the same
  const meta = (q: ViewQuery) => q.meta() as { failedJobs: number; failedTests: number };
  assert.deepEqual([meta(viewQuery(b)).failedJobs, meta(viewQuery(b)).failedTests], [0, 5]);
  const packed = JSON.parse(JSON.stringify(pack(b.model, staticExtras(b)))) as Packed;
  const fromPage = new ViewQuery(unpack(packed), undefined, packed.groups, packed.noise, packed.tests);
  assert.deepEqual([meta(fromPage).failedJobs, meta(fromPage).failedTests], [0, 5]);
});

/** automake's own count, from test-suite.log's header: {TOTAL, PASS, SKIP, XFAIL, FAIL, XPASS, ERROR}. */
function automakeCounts(log: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of fs.readFileSync(log, 'utf8').matchAll(/^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR): +(\d+)$/gm)) out[m[1]] = Number(m[2]);
  return out;
}

ebpfTest('make check of a tree built before the trace: automake\'s 5 tests, 1 failed and 1 skipped as automake counts them; test-suite.log\'s recipe is no test', async (t) => {
  if (!needTools(t, 'autoreconf', 'automake', 'make', 'cc')) return;
  const dir = path.join(tmpdir('bt-harness-'), 'amcheck');
  fs.cpSync(path.join(REPO, 'test-programs', 'amcheck'), dir, { recursive: true });
  execFileSync('sh', ['-c', 'autoreconf -i && ./configure && make'], { cwd: dir, stdio: 'ignore' });
  const tr = await trace(['make', 'check'], { cwd: dir });
  assert.equal(tr.code, 2, 'make check fails: t-fail.sh failed');
  const counts = automakeCounts(path.join(dir, 'test-suite.log'));
  assert.deepEqual(counts, { TOTAL: 5, PASS: 2, SKIP: 1, XFAIL: 1, FAIL: 1, XPASS: 0, ERROR: 0 });
  const r = await bt(['summary', '--json', tr.file]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as {
    test_count: number;
    failed_tests: Array<{ name?: string; result?: string; innermost: { argv: string[]; exit_code: number } }>;
    skipped_tests: Array<{ name: string }>;
    failed_jobs: unknown[];
  };
  assert.equal(s.test_count, counts.TOTAL);
  assert.deepEqual(s.failed_tests.map((f) => [f.name, f.result, f.innermost.argv, f.innermost.exit_code]), [['t-fail.sh', 'FAIL', ['/bin/sh', './t-fail.sh'], 3]]);
  assert.equal(s.failed_tests.length, counts.FAIL + counts.XPASS + counts.ERROR);
  assert.deepEqual(s.skipped_tests.map((x) => x.name), ['t-skip.sh']);
  assert.deepEqual(s.failed_jobs, [], 'the report that failed because a test did is no failed job');
  const text = (await bt(['summary', tr.file])).stdout.split('\n');
  assert.match(text.find((l) => l.startsWith('processes: ')) ?? '', /; tests: 5 \(1 failed, 1 skipped\);/);
  const i = text.indexOf('failed tests (1):');
  assert.deepEqual(text.slice(i, i + 3), ['failed tests (1):', '  FAIL: t-fail.sh  (/bin/sh ./t-fail.sh: exit 3)', 'skipped tests (1): t-skip.sh']);
  // bt sql: each test's result, as automake counted them; the report (test-suite.log's recipe) has none
  const q = await bt(['sql', 'SELECT test_result, count(*) AS n FROM jobs WHERE test GROUP BY 1 ORDER BY 1', tr.file, '--json']);
  assert.equal(q.code, 0, q.stderr);
  assert.deepEqual(
    q.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { test_result: string | null; n: number }).map((x) => [x.test_result, x.n]),
    [['FAIL', counts.FAIL], ['PASS', counts.PASS], ['SKIP', counts.SKIP], ['XFAIL', counts.XFAIL], [null, 1]],
  );
}, 180_000);
