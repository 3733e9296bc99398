/**
 * bt summary: inputs from elsewhere (the unexpected ones) are listed
 * one by one while they are few, else per directory; outputs list the
 * products first.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarize } from '../../src/answers/summary.js';
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

test('summary: outputs list the products first: the tree before elsewhere, no hidden component before one, shallow before deep', () => {
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
    '/w/target/CACHEDIR.TAG',
    '/w/target/debug/app',
    '/w/target/debug/deps/app-1',
    '/w/target/debug/incremental/app-x/s-y/a.o',
    '/w/target/debug/.fingerprint/app-1/bin-app',
    '/var/tmp/out/app.map',
    '/root/.cache/sccache/ab/cd',
  ]);
});
