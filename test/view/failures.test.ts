/**
 * bt view says what bt summary says about failures and processes left
 * running: failed jobs (their own command failed) in red, failed processes
 * (probes under jobs that succeeded among them) as a count, the build's
 * time to its end and not bt trace's wait for a daemon. The meta answer of
 * the server and of the static page's packed model, then the page's header
 * and summary in a real browser.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Trailer } from '../../src/log/schema.js';
import { buildFromRecords, type Build } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { answer } from '../../src/view/api.js';
import { modelFilter } from '../../src/view/filter.js';
import { groupsOf, viewQuery } from '../../src/view/host.js';
import { pack, unpack } from '../../src/view/pack.js';
import { ViewQuery } from '../../src/view/query.js';
import { serveBuild, type ViewServer } from '../../src/view/server.js';
import { browserTest, launch, openPage, type Session } from '../helpers/browser.js';
import { addFailedProbe, BASE_TS, TraceBuilder } from '../normalize/synth.js';

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

interface Meta {
  duration: number;
  buildDuration: number;
  failed: number;
  failedJobs: number;
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

let session: Session | undefined;
const servers: ViewServer[] = [];
after(async () => {
  await session?.close();
  for (const s of servers) await s.close();
});

/** The page's header stats, the parts in red, and the summary page's processes line and failed jobs rows. */
async function pageOf(b: Build) {
  const server = await serveBuild(b);
  servers.push(server);
  session ??= await launch();
  const { page, errors } = await openPage(session, server.url);
  const stats = (await page.textContent('header .stats')) ?? '';
  const red = await page.$$eval('header .stats .failed', (els) => els.map((e) => e.textContent ?? ''));
  await page.click('#tab-summary');
  await page.waitForSelector('#summary .facts');
  const facts = await page.$$eval('#summary .facts dt', (dts) => dts.map((dt) => [dt.textContent ?? '', dt.nextElementSibling?.textContent ?? '']));
  const failedRows = await page.$$eval('#summary .failed-jobs tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
  assert.deepEqual(errors, []);
  await page.close();
  return { stats, red, facts: Object.fromEntries(facts), failedRows };
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
