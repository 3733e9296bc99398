/**
 * bt rdeps as text: a file reached again is shown once, then "(see above)",
 * as in bt deps; --inputs and --outputs print the JSON's lists one path a
 * line, and rdeps --inputs is its --outputs (the files made from FILE).
 * Paths under the start directory are relative to it, unless --absolute.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { deps, rdeps } from '../../src/answers/deps.js';
import { depsText } from '../../src/answers/text.js';
import { buildFromRecords, type Build } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { bt } from '../helpers/trace.js';
import { addJob as addSynthJob, O_APPEND, O_CREAT, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';

const W = O_WRONLY | O_CREAT | O_TRUNC;

/** make: cc -c a.c and cc -c b.c (both read h.h), then cc -o prog a.o b.o. */
function build(): Build {
  const t = trace();
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

/** A job of make (pid 1) in /w: cc with `argv` (pid `pid`) reading `reads`, then writing `write`. */
function addJob(t: TraceBuilder, pid: number, argv: string[], reads: string[], write: string): void {
  addSynthJob(t, { parent: 1, pid, exe: '/usr/bin/cc', argv, reads, writes: [write] });
}

function trace(): TraceBuilder {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  let pid = 2;
  const job = (argv: string[], reads: string[], write: string) => addJob(t, pid++, argv, reads, write);
  job(['cc', '-c', 'a.c'], ['a.c', 'h.h'], 'a.o');
  job(['cc', '-c', 'b.c'], ['b.c', 'h.h'], 'b.o');
  job(['cc', '-o', 'prog', 'a.o', 'b.o'], ['a.o', 'b.o'], 'prog');
  t.exit(1, 0);
  return t;
}

test('rdeps text: a file made twice over (prog from a.o and from b.o) is shown in full once, then "(see above)"', () => {
  const b = build();
  const text = depsText(rdeps(b, b.file('/w/h.h')!), { reverse: true, start: b.startDir });
  assert.equal(
    text,
    [
      'h.h',
      '  a.o  <- made by cc -c a.c [proc 2]',
      '    prog  <- made by cc -o prog a.o b.o [proc 4]',
      '  b.o  <- made by cc -c b.c [proc 3]',
      '    prog (see above)',
      '',
      '3 files made from it by 3 jobs',
      '',
    ].join('\n'),
  );
  // --absolute: every path as the JSON has it
  assert.equal(depsText(rdeps(b, b.file('/w/h.h')!), { reverse: true, start: b.startDir, absolute: true }).split('\n')[1], '  /w/a.o  <- made by cc -c a.c [proc 2]');
});

test('deps text: the tree\'s files relative to the start directory and listed before the others (absolute), in the tree and with --inputs', () => {
  const b = build();
  const d = deps(b, b.file('/w/prog')!);
  assert.equal(
    depsText(d, { start: '/w' }),
    [
      'prog  <- written by cc -o prog a.o b.o [proc 4]',
      '  a.o  <- written by cc -c a.c [proc 2]',
      '    a.c',
      '    h.h',
      '    /usr/bin/cc',
      '  b.o  <- written by cc -c b.c [proc 3]',
      '    b.c',
      // the inputs drawn under a.o: one line
      '    … 2 inputs shown above',
      // one drawn above: marked
      '  /usr/bin/cc (see above)',
      '',
      '4 inputs and 2 intermediate files through 3 jobs',
      '',
    ].join('\n'),
  );
  assert.equal(depsText(d, { start: '/w', only: 'inputs' }), 'a.c\nb.c\nh.h\n/usr/bin/cc\n');
  assert.equal(depsText(d, { start: '/w', only: 'inputs', absolute: true }), '/usr/bin/cc\n/w/a.c\n/w/b.c\n/w/h.h\n');
  // the start directory itself is "."; a build started in / shows every path absolute
  assert.equal(depsText({ ...d, untouched: true, file: '/w', readers: [], lookups: [] }, { start: '/w' }).split('\n')[0], '. is an input: the build did not write it.');
  assert.equal(depsText(d, { start: '/', only: 'outputs' }), '/w/a.o\n/w/b.o\n');
});

test('deps/rdeps --inputs and --outputs: the JSON\'s lists, one path a line; rdeps --inputs is --outputs', () => {
  const b = build();
  const r = rdeps(b, b.file('/w/h.h')!);
  // rdeps' JSON inputs: FILE and the files made from it that a job on the way read
  assert.deepEqual(r.inputs, ['/w/a.o', '/w/b.o', '/w/h.h']);
  assert.equal(depsText(r, { reverse: true, only: 'outputs' }), '/w/a.o\n/w/b.o\n/w/prog\n');
  const d = deps(b, b.file('/w/prog')!);
  assert.equal(depsText(d, { only: 'inputs' }), ['/usr/bin/cc', '/w/a.c', '/w/b.c', '/w/h.h', ''].join('\n'));
  assert.equal(depsText(d, { only: 'outputs' }), '/w/a.o\n/w/b.o\n');
});

test('bt rdeps --outputs, --inputs (the same), both at once: a one-line error, exit 2', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-rdeps-'));
  const log = trace().write(path.join(dir, 'b.trace'), { trailer: true });
  for (const flag of ['--outputs', '--inputs']) {
    const r = await bt(['rdeps', 'h.h', log, flag]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'a.o\nb.o\nprog', flag); // execa drops the last newline
    const abs = await bt(['rdeps', 'h.h', log, flag, '--absolute']);
    assert.equal(abs.stdout, '/w/a.o\n/w/b.o\n/w/prog', flag);
  }
  const both = await bt(['rdeps', 'h.h', log, '--inputs', '--outputs']);
  assert.equal(both.code, 2);
  assert.equal(both.stderr.trim().split('\n').length, 1, both.stderr);
  assert.match(both.stderr, /--inputs.*cannot be used with.*--outputs/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('deps text: a file made outside the tree and reached again is shown in full where it comes first, in the order shown (the tree\'s files first)', () => {
  // /o/gen.h is made first; y.o (in the tree) is made from it; prog from both
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  const job = (pid: number, argv: string[], reads: string[], write: string) => addJob(t, pid, argv, reads, write);
  job(2, ['gen'], ['g.in'], '/o/gen.h');
  job(3, ['cc', '-c', 'y.c'], ['y.c', '/o/gen.h'], 'y.o');
  job(4, ['cc', '-o', 'prog', 'y.o'], ['y.o', '/o/gen.h'], 'prog');
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  const b = buildFromRecords(n.header, n.records);
  assert.deepEqual(depsText(deps(b, b.file('/w/prog')!), { start: '/w' }).split('\n').slice(0, 9), [
    'prog  <- written by cc -o prog y.o [proc 4]',
    '  y.o  <- written by cc -c y.c [proc 3]',
    '    y.c',
    '    /o/gen.h  <- written by gen [proc 2]',
    '      g.in',
    '      /usr/bin/cc',
    '    /usr/bin/cc (see above)',
    '  /o/gen.h (see above)',
    '  /usr/bin/cc (see above)',
  ]);
});

test('rdeps: the driver reading a depfile made from FILE is not one of the jobs that made something from it', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/ninja', ['ninja'], '/w');
  t.fork(1, 2);
  t.exec(2, '/usr/bin/cc', ['cc', '-c', 'a.c', '-MD', '-MF', 'a.o.d'], '/w');
  ['a.c', 'h.h'].forEach((f, i) => {
    t.open(2, f, { fd: 3 + i });
    t.close(2, 3 + i);
  });
  for (const out of ['a.o', 'a.o.d']) {
    t.open(2, out, { fd: 9, flags: W });
    t.close(2, 9);
  }
  t.exit(2, 0);
  // ninja reads the depfile after the job, as it does to record the headers
  t.open(1, 'a.o.d', { fd: 3 });
  t.close(1, 3);
  addJob(t, 3, ['cc', '-o', 'prog', 'a.o'], ['a.o'], 'prog');
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  const b = buildFromRecords(n.header, n.records);
  const r = rdeps(b, b.file('/w/h.h')!);
  assert.deepEqual(r.processes.map((p) => p.argv.join(' ')), ['cc -c a.c -MD -MF a.o.d', 'cc -o prog a.o']);
  assert.equal(depsText(r, { reverse: true, start: '/w' }).split('\n').at(-2), '3 files made from it by 2 jobs');
  // a file only read: its readers are named
  const c = rdeps(b, b.file('/w/a.o.d')!);
  assert.deepEqual(c.processes.map((p) => p.argv.join(' ')), ['ninja']);
  assert.equal(depsText(c, { reverse: true, start: '/w' }).split('\n').at(-2), 'no file was made from it (read by ninja [proc 1])');
});

test('rdeps text: a file two jobs appended to from one input (gyp\'s two sed lines >> the depfile) names the second job on its "(see above)" line (one job making a file from two inputs does not: the first test)', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  // the compile writes the object and the raw depfile; then two recipe lines append to the depfile from it
  t.fork(1, 2);
  t.exec(2, '/usr/bin/cc', ['cc', '-c', 'a.c', '-MD', '-MF', 'a.d.raw'], '/w');
  t.open(2, 'a.c', { fd: 3 });
  t.close(2, 3);
  for (const out of ['a.o', 'a.d.raw']) {
    t.open(2, out, { fd: 9, flags: W });
    t.close(2, 9);
  }
  t.exit(2, 0);
  const append = (pid: number, script: string) => {
    t.fork(1, pid);
    t.exec(pid, '/bin/sh', ['sh', '-c', script], '/w');
    t.open(pid, 'a.d.raw', { fd: 3 });
    t.close(pid, 3);
    t.open(pid, 'a.d', { fd: 4, flags: O_WRONLY | O_CREAT | O_APPEND });
    t.close(pid, 4);
    t.exit(pid, 0);
  };
  append(3, 'sed -e s/^a.o/a.o/ a.d.raw >> a.d');
  append(4, 'sed -e 1d a.d.raw >> a.d');
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  const b = buildFromRecords(n.header, n.records);
  assert.equal(
    depsText(rdeps(b, b.file('/w/a.c')!), { reverse: true, start: '/w' }),
    [
      'a.c',
      '  a.o  <- made by cc -c a.c -MD -MF a.d.raw [proc 2]',
      '  a.d.raw  <- made by cc -c a.c -MD -MF a.d.raw [proc 2]',
      "    a.d  <- made by sh -c 'sed -e s/^a.o/a.o/ a.d.raw >> a.d' [proc 3]",
      "    a.d  <- made by sh -c 'sed -e 1d a.d.raw >> a.d' [proc 4] (see above)",
      '',
      '3 files made from it by 3 jobs',
      '',
    ].join('\n'),
  );
});
