/**
 * bt deps as text: a job's inputs outside the tree, twelve or more under
 * one directory (rustc reads its toolchain's ~40 .rlib and .rmeta files for
 * every crate, a C++ compile ~150 headers in /usr/include), are one line
 * for the shallowest such directory that is not /, a top directory or a
 * home directory; fewer are listed one by one, and --inputs lists every file.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deps } from '../../src/answers/deps.js';
import { depsText } from '../../src/answers/text.js';
import { buildFromRecords } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { addJob, TraceBuilder } from '../normalize/synth.js';

const LIBS = Array.from({ length: 12 }, (_, i) => `/opt/tc/lib/lib${String.fromCharCode(97 + i)}.rlib`);
const HEADERS = Array.from({ length: 11 }, (_, i) => `/usr/include/${String.fromCharCode(97 + i)}.h`);

function build(reads: string[]) {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  addJob(t, { parent: 1, pid: 2, exe: '/opt/tc/bin/rustc', argv: ['rustc', 'main.rs'], reads, writes: ['main'] });
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

test('deps text: twelve inputs of a job under one directory outside the tree are one line there; eleven are listed', () => {
  const b = build(['main.rs', ...LIBS, ...HEADERS]);
  const d = deps(b, b.file('/w/main')!);
  assert.deepEqual(depsText(d, { start: '/w' }).split('\n'), [
    'main  <- written by rustc main.rs [proc 2]',
    '  main.rs',
    // rustc and its 12 libraries: 13 under /opt/tc
    '  /opt/tc/  (13 files in 2 directories under it; --inputs lists them)',
    ...HEADERS.map((h) => `  ${h}`),
    '',
    '25 inputs and 0 intermediate files through 1 job',
    '',
  ]);
  // --inputs: every file, one a line
  assert.deepEqual(depsText(d, { start: '/w', only: 'inputs' }).trimEnd().split('\n'), ['main.rs', '/opt/tc/bin/rustc', ...LIBS, ...HEADERS]);
});

test('deps text: twelve in one directory is that directory; never /, a top directory nor a home directory', () => {
  const inOne = Array.from({ length: 12 }, (_, i) => `/home/ann/lib/l${String.fromCharCode(97 + i)}.a`);
  let b = build(inOne);
  assert.deepEqual(depsText(deps(b, b.file('/w/main')!), { start: '/w' }).split('\n').slice(1, 3), ['  /home/ann/lib/  (12 files; --inputs lists them)', '  /opt/tc/bin/rustc']);
  // six under /home/ann/a and six under /home/ann/b: only /home/ann holds twelve, and it is a home directory
  const spread = inOne.map((p, i) => p.replace('/lib/', i < 6 ? '/a/' : '/b/'));
  b = build(spread);
  assert.deepEqual(depsText(deps(b, b.file('/w/main')!), { start: '/w' }).split('\n').slice(1, 14), [...spread.map((p) => `  ${p}`), '  /opt/tc/bin/rustc']);
  // and under /usr and /etc: a top directory each
  const tops = [...inOne.slice(0, 6).map((p) => p.replace('/home/ann/lib/', '/usr/')), ...inOne.slice(6).map((p) => p.replace('/home/ann/lib/', '/usr/x/'))];
  b = build(tops);
  assert.deepEqual(depsText(deps(b, b.file('/w/main')!), { start: '/w' }).split('\n').slice(1, 14), ['  /opt/tc/bin/rustc', ...tops.map((p) => `  ${p}`)]);
});

test('deps text: files of the tree are never grouped', () => {
  const tree = LIBS.map((l) => l.replace('/opt/tc/lib/', 'src/'));
  const b = build(tree);
  const lines = depsText(deps(b, b.file('/w/main')!), { start: '/w' }).split('\n');
  assert.deepEqual(lines.slice(1, 13), tree.map((p) => `  ${p}`));
});
