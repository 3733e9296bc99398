/**
 * bt summary: inputs from elsewhere (the unexpected ones) are listed
 * one by one while they are few, else per directory; outputs list the
 * products first.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarize, type Summary } from '../../src/answers/summary.js';
import { summaryText } from '../../src/answers/text.js';
import { buildFromRecords } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { O_CREAT, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';

function summaryOf(reads: string[]): string {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  t.fork(1, 2);
  t.exec(2, '/usr/bin/rustc', ['rustc', 'main.rs'], '/w');
  for (const r of ['main.rs', ...reads]) t.open(2, r, { fd: 3 });
  t.exit(2, 0);
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  return summaryText(summarize(buildFromRecords(n.header, n.records)));
}

const section = (text: string) => text.slice(text.indexOf('inputs from elsewhere'), text.indexOf('\noutputs'));

test('summary text: up to 20 inputs from elsewhere are each listed', () => {
  const reads = Array.from({ length: 20 }, (_, i) => `/root/tc/lib/lib${String(i).padStart(2, '0')}.rlib`);
  assert.equal(section(summaryOf(reads)), ['inputs from elsewhere (20):', ...reads.map((r) => `  ${r}`)].join('\n'));
});

test('summary text: more inputs from elsewhere are a line per directory, a directory of one file as the file', () => {
  const reads = [
    ...Array.from({ length: 20 }, (_, i) => `/root/tc/lib/lib${i}.rlib`),
    '/root/tc/bin/rustc-real',
    '/root/tc/bin/rust-lld',
    '/srv/cfg/build.toml',
  ];
  assert.equal(
    section(summaryOf(reads)),
    ['inputs from elsewhere (23 in 3 directories; --json lists all):', '  /root/tc/bin/  (2 files)', '  /root/tc/lib/  (20 files)', '  /srv/cfg/build.toml'].join('\n'),
  );
});

test("summary: outputs list the products first: a build tool's cache last, the tree before elsewhere, no hidden component nor CACHEDIR.TAG before one, shallow before deep", () => {
  const W = O_WRONLY | O_CREAT | O_TRUNC;
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/cargo', ['cargo', 'build'], '/w');
  t.open(1, 'target/debug/.fingerprint/app-1/bin-app', { fd: 3, flags: W });
  t.open(1, 'target/CACHEDIR.TAG', { fd: 4, flags: W });
  t.fork(1, 2);
  t.exec(2, '/usr/bin/rustc', ['rustc', 'src/main.rs'], '/w');
  t.open(2, 'src/main.rs', { fd: 3 });
  t.open(2, 'target/debug/incremental/app-x/s-y/a.o', { fd: 4, flags: W });
  t.open(2, 'target/debug/deps/app-1', { fd: 5, flags: W });
  t.open(2, 'target/debug/app', { fd: 6, flags: W });
  t.open(2, '/root/.cache/sccache/ab/cd', { fd: 7, flags: W });
  t.open(2, '/var/tmp/out/app.map', { fd: 8, flags: W });
  t.exit(2, 0);
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  assert.deepEqual(summarize(buildFromRecords(n.header, n.records)).outputs, [
    '/w/target/debug/app',
    '/w/target/debug/deps/app-1',
    '/w/target/CACHEDIR.TAG',
    '/var/tmp/out/app.map',
    '/root/.cache/sccache/ab/cd',
    '/w/target/debug/incremental/app-x/s-y/a.o',
    '/w/target/debug/.fingerprint/app-1/bin-app',
  ]);
});

/** make runs `gen` (writes gen.h, and scratch.tmp it removes), `cc` (reads gen.h, writes a.o via /tmp/a.s that as reads, then removed), one after the other, each a second; `nTools` more programs. */
function groupsBuild(nTools = 0) {
  const W = O_WRONLY | O_CREAT | O_TRUNC;
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  t.fork(1, 2);
  t.exec(2, '/usr/bin/gen', ['gen'], '/w');
  t.open(2, 'gen.h', { fd: 3, flags: W });
  t.open(2, 'scratch.tmp', { fd: 4, flags: W });
  t.close(2, 4);
  t.pathOp(2, 'unlink', 'scratch.tmp');
  t.at(t.ts + 1e9);
  t.exit(2, 0);
  t.fork(1, 3);
  t.exec(3, '/usr/bin/cc', ['cc', '-c', 'a.c'], '/w');
  t.open(3, 'a.c', { fd: 3 });
  t.open(3, 'gen.h', { fd: 4 });
  t.open(3, '/tmp/a.s', { fd: 5, flags: W });
  t.close(3, 5);
  t.fork(3, 4);
  t.exec(4, '/usr/bin/as', ['as', '/tmp/a.s'], '/w');
  t.open(4, '/tmp/a.s', { fd: 3 });
  t.open(4, 'a.o', { fd: 4, flags: W });
  t.exit(4, 0);
  t.pathOp(3, 'unlink', '/tmp/a.s');
  t.at(t.ts + 1e9);
  t.exit(3, 0);
  for (let i = 0; i < nTools; i++) {
    t.fork(1, 10 + i);
    t.exec(10 + i, `/usr/bin/tool${i}`, [`tool${i}`], '/w');
    t.exit(10 + i, 0);
  }
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

test('summary: a file one process made and removed, read by no other, is a temporary, counted apart from the intermediates', () => {
  const s = summarize(groupsBuild());
  assert.deepEqual(s.intermediates, ['/w/gen.h', '/tmp/a.s']);
  assert.equal(s.temporaries, 1);
  assert.match(summaryText(s), /\ntemporaries: 1 file \(made and removed by one process, read by no other; or in a directory the build made and removed\)\n/);
});

test('summary --filter: a file the build made that the selection only read is its input; parallelism is over the selection\'s own span', () => {
  const b = groupsBuild();
  const cc = new Set([3, 4]);
  const s = summarize(b, { procs: cc });
  assert.deepEqual(s.inputs.tree, ['/w/a.c', '/w/gen.h']);
  assert.deepEqual(s.intermediates, ['/tmp/a.s']);
  assert.deepEqual(s.outputs, ['/w/a.o']);
  // one job busy for all of its own second: 1, not 0.5 of the build's two seconds
  assert.equal(s.parallelism, 1);
  assert.equal(summarize(b).parallelism, 1);
  const gen = summarize(b, { procs: new Set([2]) });
  assert.deepEqual(gen.intermediates, ['/w/gen.h']);
  assert.equal(gen.temporaries, 1);
});

test('summary text: a group or the tools one longer than shown are listed in full, not "… and 1 more"', () => {
  const thirteen = summaryText(summarize(groupsBuild(9))); // make, gen, cc, as and 9 tools: 13 programs
  assert.match(thirteen, /\n {2}… and 3 more \(--json lists all\)\n/);
  const s = summarize(groupsBuild(7));
  assert.equal(s.tools.length, 11);
  const text = summaryText(s);
  assert.doesNotMatch(text, /and 1 more/);
  assert.equal(text.slice(text.indexOf('tools'), text.indexOf('\n\nslowest')).split('\n').length, 12, 'the title and 11 tools');
});

test('summary text: the tree\'s paths relative to the start directory (named on the "in" line), the others absolute; --absolute: all absolute', () => {
  const s = summarize(groupsBuild());
  const text = summaryText(s);
  const from = (t: string, title: string) => t.slice(t.indexOf(title), t.indexOf('\ntemporaries'));
  const SYSTEM = ['  /usr/bin/as', '  /usr/bin/cc', '  /usr/bin/gen', '  /usr/bin/make'];
  assert.match(text, /^ {2}in \/w$/m);
  assert.equal(
    from(text, 'inputs in the tree'),
    ['inputs in the tree (1):', '  a.c', 'inputs from the system (4):', ...SYSTEM, 'inputs from elsewhere (0)', 'outputs (1):', '  a.o', 'intermediates (2):', '  gen.h', '  /tmp/a.s'].join('\n'),
  );
  assert.equal(
    from(summaryText(s, { absolute: true }), 'inputs in the tree'),
    ['inputs in the tree (1):', '  /w/a.c', 'inputs from the system (4):', ...SYSTEM, 'inputs from elsewhere (0)', 'outputs (1):', '  /w/a.o', 'intermediates (2):', '  /w/gen.h', '  /tmp/a.s'].join('\n'),
  );
  // the JSON keeps them absolute
  assert.deepEqual(s.intermediates, ['/w/gen.h', '/tmp/a.s']);
});

test('summary text of a live log: running for how long so far, the last record\'s time apart; with no start time, still running', () => {
  const s: Summary = { ...summarize(groupsBuild()), live: true, exit_status: null, duration_ms: 4, running_ms: 61_500 };
  const line = (x: Summary) => summaryText(x).split('\n')[3];
  assert.equal(line(s), '  started 2023-11-14 22:29:59 UTC, running for 61.5 s so far (last record at +0.004 s), no exit status yet');
  assert.equal(line({ ...s, running_ms: null }), '  started 2023-11-14 22:29:59 UTC, still running (last record at +0.004 s), no exit status yet');
  assert.equal(summaryText(s).split('\n')[0], 'NOTE: a running bt trace still writes this log: what follows is the build so far');
});

test('summary --filter: the filter is named under the build; its jobs are those its processes ran in, whatever their root', () => {
  const b = groupsBuild();
  // as (process 4) runs inside cc's job (3): one job, though its root, cc, does not match
  const s = summarize(b, { procs: new Set([4]), filter: 'exe == "as"' });
  assert.equal(s.filter, 'exe == "as"');
  assert.equal(s.job_count, 1);
  assert.deepEqual(s.jobs.map((j) => j.argv), [['cc', '-c', 'a.c']]);
  assert.deepEqual(s.critical_path.map((j) => j.proc), [3]);
  const lines = summaryText(s).split('\n');
  assert.deepEqual(lines.slice(0, 5), [
    'build: make',
    '  in /w',
    '  started 2023-11-14 22:29:59 UTC, took 2.000 s, exit status unknown',
    'filter: exe == "as"  (only what it matches is counted below)',
    'processes: 1 (0 failed); jobs: 1 (those with a matching process; 0 failed); average parallelism 1 (of those jobs)',
  ]);
  // make alone: in no job, and it started others
  const make = summaryText(summarize(b, { procs: new Set([1]), filter: 'exe == make' })).split('\n');
  assert.equal(make[4], 'processes: 1 (0 failed); jobs: 0 (none with a matching process); average parallelism 0 (of the matching processes that started no other)');
  // the whole build: no filter line, and the JSON's filter is null
  const whole = summarize(b);
  assert.equal(whole.filter, null);
  assert.equal(summaryText(whole).split('\n')[3], 'processes: 4 (0 failed); jobs: 2 (0 failed); average parallelism 1');
});
