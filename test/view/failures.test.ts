/**
 * bt view says what bt summary says about failures and processes left
 * running: failed jobs (their own command failed) in red, failed processes
 * (probes under jobs that succeeded among them) as a count, failed probes
 * (failed jobs the build did not care about) as a count and not red, the build's
 * time to its end and not bt trace's wait for a daemon. The meta answer of
 * the server and of the static page's packed model, then the page's header
 * and summary in a real browser.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Trailer } from '../../src/log/schema.js';
import { summarize } from '../../src/answers/summary.js';
import { summaryText } from '../../src/answers/text.js';
import { buildFromRecords, type Build } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { answer } from '../../src/view/api.js';
import { modelFilter } from '../../src/view/filter.js';
import { groupsOf, viewQuery } from '../../src/view/host.js';
import { pack, unpack } from '../../src/view/pack.js';
import { ViewQuery } from '../../src/view/query.js';
import { browserTest, viewSession } from '../helpers/browser.js';
import { addFailedProbe, BASE_TS, O_CREAT, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';

/**
 * make (1) runs `sh -c genver.sh` (2), whose readlink probe (3) exits 1
 * before it succeeds; `sh -c 'cc -c b.c'` (4), whose cc (5) exits 1, and so
 * does the job; `sccache --start-server` (6), which forks its server (7)
 * and exits. make exits 2 at +2 s; bt trace waits 5 s more and leaves the
 * server running. With `ok`, cc succeeds, and so do its job and make.
 */
function buildOf(ok = false): Build {
  const t = new TraceBuilder(1, '/w');
  t.at(BASE_TS);
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  addFailedProbe(t, 2);
  t.fork(1, 4);
  t.exec(4, '/bin/sh', ['/bin/sh', '-c', 'cc -c b.c'], '/w');
  t.fork(4, 5);
  t.exec(5, '/usr/bin/cc', ['cc', '-c', 'b.c'], '/w');
  t.exit(5, ok ? 0 : 1);
  t.exit(4, ok ? 0 : 1);
  t.fork(1, 6);
  t.exec(6, '/usr/bin/sccache', ['sccache', '--start-server'], '/w');
  t.fork(6, 7);
  t.exit(6, 0);
  t.at(BASE_TS + 2e9);
  t.exit(1, ok ? 0 : 2);
  const trailer: Trailer = { end_ts: BASE_TS + 7e9, exit_status: ok ? 0 : 2, exit_code: ok ? 0 : 2, exit_signal: 0, leftover: ['7 sccache --start-server'] };
  const n = normalizeRecords(t.header, t.records, { trailer });
  return buildFromRecords(n.header, n.records, { trailer });
}

/**
 * make (1) runs go's kind of flag check, `gcc -Qunused-arguments … -o
 * /dev/null` (2), which writes /dev/null and exits 1, then `cc -c b.c -o
 * b.o` (3), which writes b.o. With `ok`, cc and make exit 0 and the check
 * is a failed probe; else cc exits 1, make 2, and the check is a failed job too.
 */
function probeBuildOf(ok: boolean): Build {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  t.fork(1, 2);
  t.exec(2, '/usr/bin/gcc', ['gcc', '-Qunused-arguments', '-c', '-x', 'c', '-', '-o', '/dev/null'], '/w');
  t.open(2, '/dev/null', { fd: 3, flags: O_WRONLY | O_CREAT | O_TRUNC });
  t.close(2, 3);
  t.exit(2, 1);
  t.fork(1, 3);
  t.exec(3, '/usr/bin/cc', ['cc', '-c', 'b.c', '-o', 'b.o'], '/w');
  t.open(3, '/w/b.o', { fd: 3, flags: O_WRONLY | O_CREAT | O_TRUNC });
  t.close(3, 3);
  t.exit(3, ok ? 0 : 1);
  t.exit(1, ok ? 0 : 2);
  const trailer = t.trailer(ok ? 0 : 2);
  const n = normalizeRecords(t.header, t.records, { trailer });
  return buildFromRecords(n.header, n.records, { trailer });
}

/** make (1) runs go's kind of flag check (probeBuildOf) three times (2, 3, 4), each exiting 1, then `cc -c b.c -o b.o` (5); all else succeeds. */
function threeProbesBuild(): Build {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  for (const pid of [2, 3, 4]) {
    t.fork(1, pid);
    t.exec(pid, '/usr/bin/gcc', ['gcc', '-Qunused-arguments', '-c', '-x', 'c', '-', '-o', '/dev/null'], '/w');
    t.open(pid, '/dev/null', { fd: 3, flags: O_WRONLY | O_CREAT | O_TRUNC });
    t.close(pid, 3);
    t.exit(pid, 1);
  }
  t.fork(1, 5);
  t.exec(5, '/usr/bin/cc', ['cc', '-c', 'b.c', '-o', 'b.o'], '/w');
  t.open(5, '/w/b.o', { fd: 3, flags: O_WRONLY | O_CREAT | O_TRUNC });
  t.close(5, 3);
  t.exit(5, 0);
  t.exit(1, 0);
  const trailer = t.trailer(0);
  const n = normalizeRecords(t.header, t.records, { trailer });
  return buildFromRecords(n.header, n.records, { trailer });
}

interface Meta {
  duration: number;
  buildDuration: number;
  failed: number;
  failedJobs: number;
  failedProbes: number;
  outlived: Array<{ pid: number; proc: number; command: string }>;
}

test('meta: failed jobs apart from failed processes, the build\'s time apart from the trace\'s, the process left running; the static page answers the same', async () => {
  const b = buildOf();
  const meta = (await answer(viewQuery(b), 'meta', {})).body as Meta;
  assert.deepEqual(
    { duration: meta.duration, buildDuration: meta.buildDuration, failed: meta.failed, failedJobs: meta.failedJobs, outlived: meta.outlived },
    { duration: 7e9 + 1000, buildDuration: 2e9 + 1000, failed: 4, failedJobs: 1, outlived: [{ pid: 7, proc: 7, command: 'sccache --start-server' }] },
  );
  const packed = JSON.parse(JSON.stringify(pack(b.model, { groups: groupsOf(b) })));
  const model = unpack(packed);
  assert.deepEqual((await answer(new ViewQuery(model, modelFilter(model), packed.groups), 'meta', {})).body, meta);
  const ok = (await answer(viewQuery(buildOf(true)), 'meta', {})).body as Meta;
  assert.deepEqual([ok.failed, ok.failedJobs], [1, 0], 'the readlink probe failed, no job did');
});

test('meta, timeline and process rows: a failed probe is counted apart from the failed jobs and drawn apart from the failures; in a failed build it is a failed job', async () => {
  const b = probeBuildOf(true);
  const q = viewQuery(b);
  const meta = (await answer(q, 'meta', {})).body as Meta;
  assert.deepEqual([meta.failed, meta.failedJobs, meta.failedProbes], [1, 0, 1]);
  // bars: [proc, lane, start, end, tool, failed]; failed is 2 for a failed probe's process
  const bars = ((await answer(q, 'timeline', {})).body as { bars: number[] }).bars;
  const flags = Object.fromEntries([...Array(bars.length / 6).keys()].map((i) => [bars[i * 6], bars[i * 6 + 5]]));
  assert.deepEqual(flags, { 1: 0, 2: 2, 3: 0 });
  assert.deepEqual(
    [q.row(q.process(2)!), q.row(q.process(3)!)].map((r) => [r.failed, r.probe]),
    [
      [true, true],
      [false, false],
    ],
  );
  // the static page's packed model says the same
  const packed = JSON.parse(JSON.stringify(pack(b.model, { groups: groupsOf(b) })));
  const model = unpack(packed);
  assert.deepEqual((await answer(new ViewQuery(model, modelFilter(model), packed.groups), 'meta', {})).body, meta);
  const failed = (await answer(viewQuery(probeBuildOf(false)), 'meta', {})).body as Meta;
  assert.deepEqual([failed.failed, failed.failedJobs, failed.failedProbes], [3, 2, 0]);
});

const views = viewSession();

/** The page's header stats, the parts in red, and the summary page's processes line and failed jobs rows. */
async function pageOf(b: Build) {
  const server = await views.serve(b);
  const { page, errors } = await views.open(server.url);
  const stats = (await page.textContent('header .stats')) ?? '';
  const red = await page.$$eval('header .stats .failed', (els) => els.map((e) => e.textContent ?? ''));
  await page.click('#tab-summary');
  await page.waitForSelector('#summary .facts');
  const facts = await page.$$eval('#summary .facts dt', (dts) => dts.map((dt) => [dt.textContent ?? '', dt.nextElementSibling?.textContent ?? '']));
  const rows = (sel: string) => page.$$eval(`#summary ${sel} tbody tr`, (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
  const failedRows = await rows('.failed-jobs');
  const probeRows = await rows('.failed-probes');
  const redInSummary = await page.$$eval('#summary .failed', (els) => els.map((e) => e.textContent ?? ''));
  assert.deepEqual(errors, []);
  await page.close();
  return { stats, red, facts: Object.fromEntries(facts), failedRows, probeRows, redInSummary };
}

browserTest('header and summary: a failed job in red, failed processes counted apart; the build\'s time; the process left running', async () => {
  const failed = await pageOf(buildOf());
  assert.match(failed.stats, /^7 processes · \d+ files · 2\.00 s · 1 failed job · 4 failed processes · 1 left running$/);
  assert.deepEqual(failed.red, [' · 1 failed job']);
  assert.equal(failed.facts.duration, '2.00 s (the trace ran on to 7.00 s)');
  assert.equal(failed.facts['left running'], '1 process outlived the build: sccache --start-server (pid 7)');
  assert.equal(failed.facts.processes, '7 in 3 jobs · 1 failed job · 4 failed processes');
  assert.deepEqual(failed.failedRows, [["/bin/sh -c 'cc -c b.c'", 'exit 1', 'cc -c b.c (exit 1)']]);
  // a build that succeeded: its failed probe is a count, not red, and there is no failed job
  const ok = await pageOf(buildOf(true));
  assert.match(ok.stats, /^7 processes · \d+ files · 2\.00 s · 1 failed process · 1 left running$/);
  assert.deepEqual(ok.red, []);
  assert.equal(ok.facts.processes, '7 in 3 jobs · 1 failed process');
  assert.deepEqual(ok.failedRows, []);
});

browserTest('header and summary: failed probes are a count and a quiet table, not red; the same job in a failed build is a failed job', async () => {
  const ok = await pageOf(probeBuildOf(true));
  assert.match(ok.stats, /^3 processes · \d+ files · [\d.]+ \S+ · 1 failed probe · 1 failed process$/);
  assert.deepEqual(ok.red, []);
  assert.equal(ok.facts.processes, '3 in 2 jobs · 1 failed probe · 1 failed process');
  assert.deepEqual(ok.failedRows, []);
  assert.deepEqual(ok.probeRows, [['gcc -Qunused-arguments -c -x c - -o /dev/null', 'exit 1']]);
  assert.deepEqual(ok.redInSummary, []);
  const failed = await pageOf(probeBuildOf(false));
  assert.deepEqual(failed.red, [' · 2 failed jobs']);
  assert.deepEqual(failed.probeRows, []);
  assert.deepEqual(
    failed.failedRows.map((r) => r[0]),
    ['gcc -Qunused-arguments -c -x c - -o /dev/null', 'cc -c b.c -o b.o'],
  );
});

browserTest('summary page: identical failed probes are one row, with how many and their procs, as bt summary\'s text folds them (answers/same.ts)', async () => {
  const b = threeProbesBuild();
  // the text says the same
  assert.match(summaryText(summarize(b)), /\n {2}gcc -Qunused-arguments -c -x c - -o \/dev\/null {2}\(exit 1, 3 times: procs 2, 3, 4\)\n/);
  const page = await pageOf(b);
  assert.equal(page.facts.processes, '5 in 4 jobs · 3 failed probes · 3 failed processes');
  assert.deepEqual(page.probeRows, [['gcc -Qunused-arguments -c -x c - -o /dev/null', 'exit 1, 3 times: procs 2, 3, 4']]);
});
