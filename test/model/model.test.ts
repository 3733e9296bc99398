/**
 * The build model on synthetic logs with exactly known content: processes,
 * files (created / removed), accesses both ways, jobs and their inputs and
 * outputs, the pull-based stream.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deps, rdeps } from '../../src/answers/deps.js';
import { summarize } from '../../src/answers/summary.js';
import { buildFromRecords, Kind, kindNames, loadBuild, normalized, programsOf, type Build } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { ENOENT, O_CREAT, O_TRUNC, O_WRONLY, O_RDWR, TraceBuilder, tempDir } from '../normalize/synth.js';

function modelOf(t: TraceBuilder, opts: { drivers?: string[] } = {}): Build {
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records, opts);
}

/** make -> sh -c "cc -c a.c" -> cc (writes a.o after probing it), make -> cc -o prog a.o */
function makeBuild(extra?: (t: TraceBuilder) => void): TraceBuilder {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make', '-j2'], '/w', { env: ['PATH=/usr/bin', 'CFLAGS=-O2'] });
  t.open(1, 'Makefile', { fd: 3 });
  t.close(1, 3);
  t.fork(1, 2);
  t.exec(2, '/bin/sh', ['/bin/sh', '-c', 'cc -c a.c'], '/w');
  t.fork(2, 3);
  t.exec(3, '/usr/bin/cc', ['cc', '-c', 'a.c'], '/w');
  t.open(3, 'a.c', { fd: 3 });
  t.open(3, 'a.h', { fd: 4 });
  t.open(3, 'missing.h', { errno: ENOENT });
  t.open(3, '/tmp/cc1.s', { fd: 5, flags: O_RDWR | O_CREAT | O_TRUNC });
  t.pathOp(3, 'unlink', '/tmp/cc1.s');
  t.open(3, 'a.o', { errno: ENOENT });
  t.open(3, 'a.o', { fd: 6, flags: O_WRONLY | O_CREAT | O_TRUNC });
  t.exit(3, 0);
  t.exit(2, 0);
  t.fork(1, 4);
  t.exec(4, '/usr/bin/cc', ['cc', '-o', 'prog', 'a.o'], '/w');
  t.open(4, 'a.o', { fd: 3 });
  t.open(4, 'prog', { fd: 4, flags: O_WRONLY | O_CREAT | O_TRUNC });
  t.exit(4, 1);
  extra?.(t);
  t.exit(1, 2);
  return t;
}

const path = (b: Build, id: number) => b.model.files[id].path;
const procOf = (b: Build, argv0: string, arg: string) =>
  b.model.processes.find((p) => p.argv[0] === argv0 && p.argv.includes(arg))!;

test('processes: tree, exe, argv, env, exit; forks without exec inherit', () => {
  const b = modelOf(makeBuild());
  const m = b.model;
  assert.equal(m.processes.length, 4);
  assert.deepEqual(m.roots, [1]);
  const make = b.process(1)!;
  assert.equal(make.exe, '/usr/bin/make');
  assert.deepEqual(make.env, ['PATH=/usr/bin', 'CFLAGS=-O2']);
  assert.equal(make.exitCode, 2);
  const sh = procOf(b, '/bin/sh', '-c');
  assert.equal(sh.parent, 1);
  assert.deepEqual(sh.children.map((c) => b.process(c)!.argv.join(' ')), ['cc -c a.c']);
  assert.equal(procOf(b, 'cc', 'prog').exitCode, 1);
});

test('processes: the programs a process exec\'d in a row are its chain, the failed execs between them left out; one exec has none', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  t.fork(1, 2);
  t.exec(2, '/bin/bash', ['/bin/bash', '-c', 'cd sub && nice make'], '/w');
  t.chdir(2, 'sub', '/w/sub');
  t.exec(2, '/usr/local/bin/nice', ['nice', 'make'], '/w/sub', { errno: ENOENT });
  t.exec(2, '/usr/bin/nice', ['nice', 'make'], '/w/sub');
  t.exec(2, '/usr/bin/make', ['make'], '/w/sub');
  t.fork(2, 3);
  t.exec(3, '/usr/bin/cc', ['cc', '-c', 'a.c'], '/w/sub');
  t.open(3, 'a.c', { fd: 3 });
  t.exit(3, 0);
  t.fork(1, 4);
  t.exit(4, 0);
  t.exit(2, 0);
  t.exit(1, 0);
  const b = modelOf(t);
  const p = b.process(2)!;
  const chain = programsOf(p);
  assert.deepEqual(
    chain.map((x) => [x.exe, x.argv.join(' '), x.cwd]),
    [
      ['/bin/bash', '/bin/bash -c cd sub && nice make', '/w'],
      ['/usr/bin/nice', 'nice make', '/w/sub'],
      ['/usr/bin/make', 'make', '/w/sub'],
    ],
  );
  assert.ok(chain[0].ts < chain[1].ts && chain[1].ts < chain[2].ts);
  assert.deepEqual([p.exe, p.argv, p.cwd, p.failedExecs], ['/usr/bin/make', ['make'], '/w/sub', 1]);
  assert.equal(b.process(1)!.execs, undefined, 'one exec: no chain');
  assert.equal(b.process(4)!.execs, undefined, 'a fork that never exec\'d: none either');
  assert.deepEqual(programsOf(b.process(4)!).map((x) => x.argv.join(' ')), ['make'], 'it runs its parent\'s program');
  assert.equal(b.jobs.get(2), undefined, 'the make the shell exec\'d is a driver, no job');
  assert.deepEqual(b.jobs.jobs.map((j) => j.proc), [3], 'its child is its job');
});

test('files: a device opened O_CREAT (> /dev/null) is not made by the build; a file in /dev/shm is', () => {
  const b = modelOf(
    makeBuild((t) => {
      t.open(1, '/dev/null', { fd: 5, flags: O_WRONLY | O_CREAT | O_TRUNC });
      t.open(1, '/dev/shm/sem.x', { fd: 6, flags: O_RDWR | O_CREAT });
    }),
  );
  assert.equal(b.file('/dev/null')!.created, false);
  assert.deepEqual(kindNames(b.file('/dev/null')!.kinds), ['write', 'truncate']);
  assert.equal(b.file('/dev/shm/sem.x')!.created, true);
});

test('files: created by the build or there before, removed, accesses both ways', () => {
  const b = modelOf(makeBuild());
  const f = (p: string) => b.file(p)!;
  assert.equal(f('/w/a.c').created, false);
  assert.equal(f('/w/a.o').created, true, 'probed missing, then written: made by the build');
  assert.equal(f('/w/prog').created, true);
  assert.equal(f('/tmp/cc1.s').created, true);
  assert.equal(f('/tmp/cc1.s').removed, true);
  assert.equal(f('/w/a.o').removed, false);
  assert.deepEqual(kindNames(f('/w/missing.h').kinds), ['probe']);
  const cc = procOf(b, 'cc', '-c');
  const ao = f('/w/a.o');
  assert.deepEqual(kindNames(cc.files.get(ao.id)!.kinds), ['write', 'create', 'truncate', 'probe']);
  assert.equal(cc.files.get(ao.id)!.count, 2);
  // the other way round: who used a.o, and how
  const users = ao.procs.map((a) => [b.process(a.proc)!.argv.join(' '), kindNames(a.kinds)]);
  assert.deepEqual(users, [
    ['cc -c a.c', ['write', 'create', 'truncate', 'probe']],
    ['cc -o prog a.o', ['read']],
  ]);
});

test('jobs: what a driver started, with inputs and outputs', () => {
  const b = modelOf(makeBuild());
  const jobs = b.jobs.jobs.map((j) => ({
    argv: b.process(j.proc)!.argv.join(' '),
    procs: j.procs.length,
    inputs: j.inputs.map((i) => path(b, i)),
    outputs: j.outputs.map((i) => path(b, i)),
  }));
  assert.deepEqual(jobs, [
    // the programs a job ran are inputs too
    { argv: '/bin/sh -c cc -c a.c', procs: 2, inputs: ['/bin/sh', '/usr/bin/cc', '/w/a.c', '/w/a.h'], outputs: ['/w/a.o'] },
    { argv: 'cc -o prog a.o', procs: 1, inputs: ['/usr/bin/cc', '/w/a.o'], outputs: ['/w/prog'] },
  ]);
  assert.equal(b.jobs.of(procOf(b, 'cc', '-c').proc)!.proc, procOf(b, '/bin/sh', '-c').proc);
  assert.equal(b.jobs.of(1), undefined, 'the driver is in no job');
});

test('jobs: running a program is reading it: a program the build made, a #! script and its interpreter', () => {
  const W = O_WRONLY | O_CREAT | O_TRUNC;
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  t.open(1, 'Makefile', { fd: 3 });
  t.fork(1, 2);
  t.exec(2, '/usr/bin/cc', ['cc', '-o', 'tool', 'tool.c'], '/w');
  t.open(2, 'tool.c', { fd: 3 });
  t.open(2, 'tool', { fd: 4, flags: W });
  t.exit(2, 0);
  t.fork(1, 3);
  t.exec(3, '/bin/cp', ['cp', 'interp.in', 'bin/interp'], '/w');
  t.open(3, 'interp.in', { fd: 3 });
  t.open(3, 'bin/interp', { fd: 4, flags: W });
  t.exit(3, 0);
  t.fork(1, 4);
  t.exec(4, 'tool', ['./tool', 'out.h'], '/w');
  t.open(4, 'out.h', { fd: 3, flags: W });
  t.exit(4, 0);
  t.fork(1, 5);
  // `./gen v.h` where gen starts with `#!bin/interp` (resolved against the cwd, as the kernel does)
  t.exec(5, 'gen', ['bin/interp', './gen', 'v.h'], '/w', { interp: 'bin/interp' });
  t.open(5, 'v.h', { fd: 3, flags: W });
  t.exit(5, 0);
  t.exit(1, 0);
  const b = modelOf(t);
  const inputs = (argv0: string) => b.jobs.jobs.find((j) => b.process(j.proc)!.argv[0] === argv0)!.inputs.map((i) => path(b, i));
  assert.deepEqual(inputs('cc'), ['/usr/bin/cc', '/w/tool.c']);
  assert.deepEqual(inputs('./tool'), ['/w/tool']);
  assert.deepEqual(inputs('bin/interp'), ['/w/bin/interp', '/w/gen']);
  assert.deepEqual(kindNames(b.process(5)!.files.get(b.file('/w/bin/interp')!.id)!.kinds), ['exec']);
  // a process in no job (the driver) is a unit of its own, by the same rules
  const make = b.jobs.unit(1)!;
  assert.deepEqual([make.proc, make.procs, make.inputs.map((i) => path(b, i))], [1, [1], ['/usr/bin/make', '/w/Makefile']]);
  assert.equal(b.jobs.of(1), undefined);
  assert.equal(b.jobs.unit(4), b.jobs.get(4));
});

test('jobs: no known driver: the root children; --driver adds one; cmake only with --build', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/bash', ['bash', 'build.sh'], '/w');
  t.fork(1, 2);
  t.exec(2, '/opt/mybuild', ['mybuild', 'all'], '/w');
  t.fork(2, 3);
  t.exec(3, '/usr/bin/cc', ['cc', '-c', 'x.c'], '/w');
  t.exit(3, 0);
  t.exit(2, 0);
  t.fork(1, 4);
  t.exec(4, '/usr/bin/cmake', ['cmake', '-S', '.', '-B', 'b'], '/w');
  t.exit(4, 0);
  t.exit(1, 0);
  const plain = modelOf(t);
  assert.deepEqual(plain.jobs.jobs.map((j) => plain.process(j.proc)!.argv[0]), ['mybuild', 'cmake']);
  assert.equal(plain.jobs.jobs[0].procs.length, 2);
  const withDriver = modelOf(t, { drivers: ['mybuild'] });
  assert.deepEqual(withDriver.jobs.jobs.map((j) => withDriver.process(j.proc)!.argv[0]), ['cc', 'cmake']);
});

test('resolveFile: absolute, relative to the start directory, unique suffix, ambiguity', () => {
  const b = modelOf(makeBuild());
  assert.equal(b.resolveFile('/w/a.o').path, '/w/a.o');
  assert.equal(b.resolveFile('a.o').path, '/w/a.o');
  assert.equal(b.resolveFile('prog').path, '/w/prog');
  assert.throws(() => b.resolveFile('nope.c'), { code: 'E_NO_FILE' });
  const b2 = modelOf(
    makeBuild((t) => {
      t.open(1, 'sub/z.h', { fd: 7 });
      t.open(1, 'other/z.h', { fd: 8 });
    }),
  );
  assert.throws(() => b2.resolveFile('h'), { code: 'E_NO_FILE' }, 'a suffix is whole path components');
  assert.throws(
    () => b2.resolveFile('z.h'),
    (e: Error & { code?: string }) => e.code === 'E_AMBIGUOUS' && /\/w\/sub\/z\.h/.test(e.message) && /\/w\/other\/z\.h/.test(e.message),
  );
  assert.equal(b2.resolveFile('sub/z.h').path, '/w/sub/z.h');
});

test('the stream: raw and normalized logs give the same model; a late record does not restart the consumer', () => {
  const t = makeBuild();
  // one record far later than the reorder window: the stream must pick the external sort up front
  const dir = tempDir();
  const raw = t.write(`${dir}/b.trace`, { order: [...t.records.slice(5), ...t.records.slice(0, 5)] });
  const log = normalized(raw, { windowMs: 0.000001 });
  const seen: number[] = [];
  for (const r of log) seen.push(r.ts);
  const sorted = [...seen].sort((a, b) => a - b);
  assert.deepEqual(seen, sorted, 'records come in time order');
  assert.equal(log.complete, true);
  const a = loadBuild(raw, { normalize: { windowMs: 0.000001 } });
  const b2 = modelOf(makeBuild());
  assert.deepEqual(
    a.model.files.map((f) => [f.path, f.kinds, f.created, f.removed]),
    b2.model.files.map((f) => [f.path, f.kinds, f.created, f.removed]),
  );
  assert.equal(a.model.processes.length, 4);
});

test('kinds: a rename moves, a link and mkdir create, rmdir deletes', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/bin/sh', ['sh'], '/w');
  t.open(1, 'x.tmp', { fd: 3, flags: O_WRONLY | O_CREAT | O_TRUNC });
  t.pathOp2(1, 'rename', 'x.tmp', 'x');
  t.pathOp2(1, 'link', 'x', 'y');
  t.pathOp(1, 'mkdir', 'd');
  t.pathOp(1, 'rmdir', 'd');
  t.exit(1, 0);
  const b = modelOf(t);
  assert.deepEqual(kindNames(b.file('/w/x.tmp')!.kinds), ['write', 'create', 'truncate', 'delete', 'rename_from']);
  assert.equal(b.file('/w/x.tmp')!.removed, true);
  assert.deepEqual(kindNames(b.file('/w/x')!.kinds), ['create', 'rename_to', 'link_from']);
  assert.equal(b.file('/w/x')!.created, true);
  assert.deepEqual(kindNames(b.file('/w/y')!.kinds), ['write', 'create']);
  assert.equal(b.file('/w/y')!.created, true);
  assert.equal(b.file('/w/d')!.dir, true);
  assert.equal(b.file('/w/d')!.removed, true);
  assert.deepEqual(b.model.links, [
    { from: b.file('/w/x.tmp')!.id, to: b.file('/w/x')!.id, kind: 'mv', proc: 1 },
    { from: b.file('/w/x')!.id, to: b.file('/w/y')!.id, kind: 'ln', proc: 1 },
  ]);
  assert.equal(Kind.RENAME_TO & b.file('/w/x')!.kinds, Kind.RENAME_TO);
});

test('a directory\'s rename moves the files under it: present at the new path, gone at the old, findable, linked', () => {
  const W = O_WRONLY | O_CREAT | O_TRUNC;
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/cargo', ['cargo', 'build'], '/w');
  t.open(1, 'target/CACHEDIR.TAG', { errno: ENOENT }); // looked for first: known, absent
  t.pathOp(1, 'mkdir', 'targetQW');
  t.open(1, 'targetQW/CACHEDIR.TAG', { errno: ENOENT });
  t.open(1, 'targetQW/CACHEDIR.TAG', { fd: 3, flags: W });
  t.close(1, 3);
  t.pathOp(1, 'mkdir', 'targetQW/debug');
  t.pathOp(1, 'mkdir', 'targetQW/debug/deep');
  t.open(1, 'targetQW/debug/deep/x.o', { fd: 3, flags: W });
  t.close(1, 3);
  t.open(1, 'targetQW/debug/gone.tmp', { fd: 3, flags: W });
  t.close(1, 3);
  t.pathOp(1, 'unlink', 'targetQW/debug/gone.tmp'); // removed before the rename: nothing to move
  t.pathOp2(1, 'rename', 'targetQW', 'target');
  t.open(1, 'target/debug/y', { fd: 3, flags: W });
  t.close(1, 3);
  t.exit(1, 0);
  const b = modelOf(t);
  const f = (p: string) => b.file(`/w/${p}`);
  for (const p of ['target/CACHEDIR.TAG', 'target/debug/deep/x.o']) {
    assert.equal(f(p)?.removed, false, p);
    assert.equal(f(p)?.created, true, p);
    assert.deepEqual(kindNames(f(p)!.kinds).filter((k) => k !== 'probe'), ['create', 'rename_to'], p);
  }
  for (const p of ['targetQW/CACHEDIR.TAG', 'targetQW/debug/deep/x.o', 'targetQW/debug', 'targetQW']) assert.equal(f(p)?.removed, true, p);
  assert.equal(f('target/debug')?.dir, true);
  assert.equal(f('target/debug/deep')?.dir, true);
  assert.equal(f('target/debug/gone.tmp'), undefined);
  assert.equal(b.resolveFile('target/CACHEDIR.TAG').path, '/w/target/CACHEDIR.TAG');
  const links = b.model.links.map((l) => `${path(b, l.from)} -> ${path(b, l.to)}`);
  assert.ok(links.includes('/w/targetQW/CACHEDIR.TAG -> /w/target/CACHEDIR.TAG'), links.join('\n'));
  assert.ok(links.includes('/w/targetQW/debug/deep/x.o -> /w/target/debug/deep/x.o'), links.join('\n'));
  // moving what it made (after looking for it) is not reading an input
  assert.deepEqual(b.jobs.unit(1)!.inputs.map((i) => path(b, i)), ['/usr/bin/cargo']);
  const s = summarize(b);
  assert.deepEqual(s.outputs, ['/w/target/debug/y', '/w/target/debug/deep/x.o', '/w/target/CACHEDIR.TAG'] /* the products first, shallow before deep; cargo's cache tag with the hidden files */);
  // gone.tmp, made and removed by cargo itself, is a temporary, and so are the files cargo made and moved into place with their directory
  assert.deepEqual(s.intermediates, []);
  assert.equal(s.temporaries, 3);
});

test('a directory renamed by another job: the files in it come from the job that wrote them', () => {
  const W = O_WRONLY | O_CREAT | O_TRUNC;
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  t.fork(1, 2);
  t.exec(2, '/usr/bin/gen', ['gen', 'out.tmp'], '/w');
  t.open(2, 'in.txt', { fd: 3 });
  t.close(2, 3);
  t.pathOp(2, 'mkdir', 'out.tmp');
  t.open(2, 'out.tmp/a.txt', { fd: 3, flags: W });
  t.close(2, 3);
  t.exit(2, 0);
  t.fork(1, 3);
  t.exec(3, '/bin/mv', ['mv', 'out.tmp', 'out'], '/w');
  t.pathOp2(3, 'rename', 'out.tmp', 'out');
  t.exit(3, 0);
  t.exit(1, 0);
  const b = modelOf(t);
  const d = deps(b, b.file('/w/out/a.txt')!);
  assert.deepEqual(d.tree.writer?.argv, ['mv', 'out.tmp', 'out']);
  assert.deepEqual(d.inputs, ['/bin/mv', '/usr/bin/gen', '/w/in.txt']);
  assert.deepEqual(d.outputs, ['/w/out.tmp/a.txt']);
  assert.deepEqual(rdeps(b, b.file('/w/in.txt')!).outputs, ['/w/out.tmp/a.txt', '/w/out/a.txt']);
});
