/**
 * bt deps and bt rdeps on synthetic logs with exactly known times:
 * provenance respects time. A file a unit (a job, or a driver on its own)
 * wrote depends only on what the unit read before it was done writing it,
 * and rdeps follows only the writes after the read. A write goes on until
 * the file's fd is closed: a close record, or the process's end when it
 * still held the fd (a shell's `> out` handed to the program it runs).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deps, rdeps } from '../../src/answers/deps.js';
import { buildFromRecords, kindNames, type Build } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { O_CLOEXEC, O_CREAT, O_RDWR, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';
import { APP, cargoWorkspace, goExternalLink, modelOf, RUN, TINY, touch, W } from './driver-builds.js';

const inW = (paths: string[]) => paths.filter((p) => p.startsWith('/w/')).map((p) => p.slice(3));

/** Process `pid` copies FROM to TO: FROM open for reading while TO is written. */
function copy(t: TraceBuilder, pid: number, from: string, to: string): void {
  t.open(pid, from, { fd: 3, flags: O_CLOEXEC });
  t.open(pid, to, { fd: 4, flags: W });
  t.close(pid, 4);
  t.close(pid, 3);
}

/**
 * cargo (the root, a driver) writes Cargo.lock first; a build script turns
 * data/words.txt into out/words.rs; rustc compiles main.rs with it; only
 * then does cargo read words.txt (its fingerprint) and the binary, hard-link
 * the binary into place and write its fingerprint.
 */
function cargoBuild(): TraceBuilder {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/cargo', ['cargo', 'build'], '/w');
  touch(t, 1, 'Cargo.toml');
  touch(t, 1, 'Cargo.lock', W);
  t.fork(1, 2);
  t.exec(2, '/usr/bin/build-script', ['build-script'], '/w');
  touch(t, 2, 'data/words.txt');
  touch(t, 2, 'out/words.rs', W);
  t.exit(2, 0);
  t.fork(1, 3);
  t.exec(3, '/usr/bin/rustc', ['rustc', 'src/main.rs'], '/w');
  touch(t, 3, 'src/main.rs');
  touch(t, 3, 'out/words.rs');
  touch(t, 3, 'deps/crdemo-1', W);
  t.exit(3, 0);
  touch(t, 1, 'data/words.txt');
  touch(t, 1, 'deps/crdemo-1');
  t.pathOp2(1, 'link', 'deps/crdemo-1', 'crdemo');
  touch(t, 1, 'fingerprint', W);
  t.exit(1, 0);
  return t;
}

test('rdeps: a driver\'s own writes are made of a source it read before, or of a file it linked into place', () => {
  const b = modelOf(cargoBuild());
  const r = rdeps(b, b.file('/w/data/words.txt')!);
  // Cargo.lock was written before cargo read words.txt, the fingerprint after; crdemo is linked from deps/crdemo-1
  assert.deepEqual(inW(r.outputs), ['crdemo', 'deps/crdemo-1', 'fingerprint', 'out/words.rs']);
  // what cargo made itself is not made of the binary it read (closed before the fingerprint): only what it linked
  const bin = rdeps(b, b.file('/w/deps/crdemo-1')!);
  assert.deepEqual(inW(bin.outputs), ['crdemo']);
});

test('deps: a driver\'s own write is made of its program and the sources it had read, not of the build\'s files it read for itself', () => {
  const b = modelOf(cargoBuild());
  const lock = deps(b, b.file('/w/Cargo.lock')!);
  assert.deepEqual(lock.inputs, ['/usr/bin/cargo', '/w/Cargo.toml']);
  assert.deepEqual(lock.outputs, []);
  assert.equal(lock.tree.writer?.argv.join(' '), 'cargo build');
  // the fingerprint, written last: not of deps/crdemo-1, which cargo read and closed before
  const fp = deps(b, b.file('/w/fingerprint')!);
  assert.deepEqual(fp.inputs, ['/usr/bin/cargo', '/w/Cargo.toml', '/w/data/words.txt']);
  assert.deepEqual(fp.outputs, []);
});

test('deps: a temporary a driver wrote and renamed into place is made of what the driver was reading while it wrote it', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/ninja', ['ninja'], '/w');
  t.fork(1, 2);
  t.exec(2, '/usr/bin/cc', ['cc', '-MD', '-c', 'a.c'], '/w');
  touch(t, 2, 'a.c');
  touch(t, 2, 'a.o.d', W);
  t.exit(2, 0);
  copy(t, 1, 'a.o.d', '.ninja_deps.tmp');
  t.pathOp2(1, 'rename', '.ninja_deps.tmp', '.ninja_deps');
  t.exit(1, 0);
  const b = modelOf(t);
  const d = deps(b, b.file('/w/.ninja_deps')!);
  assert.deepEqual(d.inputs, ['/usr/bin/cc', '/usr/bin/ninja', '/w/a.c']);
  assert.deepEqual(inW(d.outputs), ['a.o.d']);
});

test('deps: what a driver hard-linked into place is made of the link\'s source alone, through the job that made it', () => {
  const b = modelOf(cargoBuild());
  const bin = deps(b, b.file('/w/crdemo')!);
  assert.equal(bin.tree.writer?.argv.join(' '), 'cargo build');
  assert.deepEqual(bin.tree.children.map((c) => [c.path, c.writer?.argv.join(' ')]), [['/w/deps/crdemo-1', 'rustc src/main.rs']]);
  assert.deepEqual(inW(bin.inputs), ['data/words.txt', 'src/main.rs']);
  assert.deepEqual(inW(bin.outputs), ['deps/crdemo-1', 'out/words.rs']);
});

/** go build: hashes a standard library file, compiles, links, copies a.out to ./hello (after reading the old one, on a rebuild). */
function goBuild(rebuild: boolean): TraceBuilder {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/go', ['go', 'build'], '/w');
  if (rebuild) touch(t, 1, 'hello'); // is the old one up to date?
  touch(t, 1, '/usr/lib/go/src/fmt/print.go'); // staleness checks
  touch(t, 1, 'main.go');
  t.fork(1, 2);
  t.exec(2, '/usr/lib/go/pkg/tool/compile', ['compile', 'main.go'], '/w');
  touch(t, 2, 'main.go');
  touch(t, 2, '/tmp/go-build1/b001/_pkg_.a', W);
  t.exit(2, 0);
  // go stamps its build ID into what compile made: read, then written in place
  touch(t, 1, '/tmp/go-build1/b001/_pkg_.a');
  touch(t, 1, '/tmp/go-build1/b001/_pkg_.a', O_RDWR);
  t.fork(1, 3);
  t.exec(3, '/usr/lib/go/pkg/tool/link', ['link', '-o', 'a.out'], '/w');
  touch(t, 3, '/tmp/go-build1/b001/_pkg_.a');
  touch(t, 3, '/tmp/go-build1/b001/exe/a.out', W);
  t.exit(3, 0);
  copy(t, 1, '/tmp/go-build1/b001/exe/a.out', 'hello');
  t.exit(1, 0);
  return t;
}

for (const rebuild of [false, true]) {
  test(`deps/rdeps: a driver's copy of what its last job made (go build${rebuild ? ', a rebuild: the old ./hello read first' : ''}) is not made of the standard library it hashed`, () => {
    goCopy(modelOf(goBuild(rebuild)));
  });
}

function goCopy(b: Build): void {
  const hello = deps(b, b.file('/w/hello')!);
  assert.deepEqual(hello.inputs, ['/usr/bin/go', '/usr/lib/go/pkg/tool/compile', '/usr/lib/go/pkg/tool/link', '/w/main.go']);
  // go read main.go (its imports) before: a source of the tree
  // the tree's files first, then the others (text shows the tree's relative to the start directory)
  assert.deepEqual(hello.tree.children.map((c) => c.path), ['/w/main.go', '/tmp/go-build1/b001/exe/a.out', '/usr/bin/go']);
  // the stamped archive: made by compile (go, the later writer, only edited it), of what compile read
  const pkg = deps(b, b.file('/tmp/go-build1/b001/_pkg_.a')!);
  assert.equal(pkg.tree.writer?.argv.join(' '), 'compile main.go');
  assert.deepEqual(pkg.inputs, ['/usr/bin/go', '/usr/lib/go/pkg/tool/compile', '/w/main.go']);
  // and the other way: the standard library file go read before its jobs goes into nothing
  assert.deepEqual(rdeps(b, b.file('/usr/lib/go/src/fmt/print.go')!).outputs, []);
  assert.deepEqual(inW(rdeps(b, b.file('/w/main.go')!).outputs), ['hello']);
}

test('a shell\'s `> out` held by the program it runs: the write lasts until the program ends', () => {
  // sh -c 'gen > out.h': sh opens out.h, moves it to fd 1, closes the first fd, then runs gen (same process), which reads in.txt
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  t.fork(1, 2);
  t.exec(2, '/bin/sh', ['/bin/sh', '-c', 'gen > out.h'], '/w');
  t.open(2, 'out.h', { fd: 3, flags: O_WRONLY | O_CREAT | O_TRUNC });
  t.dup(2, 'dup2', 3, 1);
  t.close(2, 3);
  t.exec(2, '/usr/bin/gen', ['gen'], '/w');
  touch(t, 2, 'in.txt');
  t.exit(2, 0);
  t.exit(1, 0);
  const b = modelOf(t);
  assert.deepEqual(b.process(2)!.heldWrite?.map((id) => b.model.files[id].path), ['/w/out.h']);
  assert.deepEqual(deps(b, b.file('/w/out.h')!).inputs, ['/bin/sh', '/usr/bin/gen', '/w/in.txt']);
  assert.deepEqual(inW(rdeps(b, b.file('/w/in.txt')!).outputs), ['out.h']);
});

test('within one process: an output closed before a later read does not depend on it', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  t.fork(1, 2);
  t.exec(2, '/usr/bin/tool', ['tool'], '/w');
  touch(t, 2, 'early.txt');
  touch(t, 2, 'first.out', W);
  touch(t, 2, 'late.txt');
  touch(t, 2, 'second.out', W);
  t.exit(2, 0);
  t.exit(1, 0);
  const b = modelOf(t);
  assert.equal(b.process(2)!.heldWrite, undefined);
  assert.deepEqual(inW(deps(b, b.file('/w/first.out')!).inputs), ['early.txt']);
  assert.deepEqual(inW(deps(b, b.file('/w/second.out')!).inputs), ['early.txt', 'late.txt']);
  assert.deepEqual(inW(rdeps(b, b.file('/w/late.txt')!).outputs), ['second.out']);
  assert.deepEqual(inW(rdeps(b, b.file('/w/early.txt')!).outputs), ['first.out', 'second.out']);
});

test('a later look at a file a driver wrote (stat, utime) does not make its write last longer', () => {
  // go writes a cache entry, reads on, and only stats and touches the entry at the end (its cache trimming)
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/go', ['go', 'build'], '/w');
  touch(t, 1, 'a.go');
  touch(t, 1, 'cache/x-d', W);
  touch(t, 1, 'b.go');
  t.push(1, { lookup: { op: 'newfstatat', path: 'cache/x-d', dirfd: -100, flags: 0, mode: 0, errno: 0, ftype: 8 } });
  t.push(1, { meta: { op: 'utimensat', path: 'cache/x-d', dirfd: -100, errno: 0, times_now: true } });
  touch(t, 1, 'hello', W);
  t.exit(1, 0);
  const b = modelOf(t);
  const x = b.file('/w/cache/x-d')!;
  assert.deepEqual(kindNames(x.kinds), ['write', 'create', 'truncate', 'stat', 'meta']);
  assert.deepEqual(deps(b, x).inputs, ['/usr/bin/go', '/w/a.go']);
  assert.deepEqual(inW(deps(b, b.file('/w/hello')!).inputs), ['a.go', 'b.go']);
  assert.deepEqual(inW(rdeps(b, b.file('/w/b.go')!).outputs), ['hello']);
});

test('a close-on-exec write fd ends at the exec; one never closed lasts until the process ends', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  t.fork(1, 2);
  t.exec(2, '/usr/bin/tool', ['tool'], '/w');
  touch(t, 2, 'early.txt');
  t.open(2, 'a.out', { fd: 3, flags: W }); // closed by the exec below
  t.open(2, 'b.out', { fd: 4, flags: O_WRONLY | O_CREAT | O_TRUNC }); // held to the end
  t.exec(2, '/usr/bin/tool2', ['tool2'], '/w');
  touch(t, 2, 'late.txt');
  t.exit(2, 0);
  t.exit(1, 0);
  const b = modelOf(t);
  assert.deepEqual(b.process(2)!.heldWrite?.map((id) => b.model.files[id].path), ['/w/b.out']);
  assert.deepEqual(inW(deps(b, b.file('/w/a.out')!).inputs), ['early.txt']);
  assert.deepEqual(inW(deps(b, b.file('/w/b.out')!).inputs), ['early.txt', 'late.txt']);
  assert.deepEqual(inW(rdeps(b, b.file('/w/late.txt')!).outputs), ['b.out']);
});

test('a log normalized without write-fd tracking (no held_known): every write lasts until its process ends', () => {
  const t = cargoBuild();
  const n = normalizeRecords(t.header, t.records);
  for (const r of n.records) if (r.process) delete (r.process as { held_known?: boolean }).held_known;
  const b = buildFromRecords(n.header, n.records);
  assert.ok(inW(rdeps(b, b.file('/w/data/words.txt')!).outputs).includes('Cargo.lock'));
});

/** rdeps is deps turned around: every file whose deps lists X (as a source or a file made on the way) is in rdeps(X)'s outputs. */
function assertInverse(b: Build): void {
  const files = b.model.files.filter((f) => !f.dir && f.procs.length);
  const made = new Map(files.map((f) => [f.path, rdeps(b, f).outputs]));
  for (const f of files) {
    const d = deps(b, f);
    if (d.untouched) continue;
    for (const x of [...d.inputs, ...d.outputs]) assert.ok(made.get(x)?.includes(f.path), `${f.path} is made of ${x}, but rdeps ${x} leaves it out`);
  }
}

test('rdeps: a file a job\'s second process truncated and wrote again (go\'s link, then ld) still carries the source, through to what the driver moved it onto', () => {
  const b = modelOf(goExternalLink());
  assert.deepEqual(rdeps(b, b.file('/w/main.go')!).outputs, [
    '/tmp/go-build1/b001/_pkg_.a',
    '/tmp/go-build1/b001/exe/a.out',
    '/tmp/go-build1/b001/importcfg',
    '/w/app',
  ]);
  assert.deepEqual(inW(deps(b, b.file('/w/app')!).inputs), ['main.go']);
  assertInverse(b);
});

test('rdeps: a file truncated by a job that did not carry the source (a -j race) drops it', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make', '-j2'], '/w');
  t.fork(1, 2);
  t.exec(2, '/bin/cp', ['cp', 'a.in', 'shared.tmp'], '/w');
  copy(t, 2, 'a.in', 'shared.tmp');
  t.exit(2, 0);
  t.fork(1, 3);
  t.exec(3, '/bin/cp', ['cp', 'b.in', 'shared.tmp'], '/w');
  copy(t, 3, 'b.in', 'shared.tmp');
  t.exit(3, 0);
  t.fork(1, 4);
  t.exec(4, '/bin/cp', ['cp', 'shared.tmp', 'a.txt'], '/w');
  copy(t, 4, 'shared.tmp', 'a.txt');
  t.exit(4, 0);
  t.exit(1, 0);
  const b = modelOf(t);
  assert.deepEqual(inW(rdeps(b, b.file('/w/a.in')!).outputs), ['shared.tmp']);
  assert.deepEqual(inW(rdeps(b, b.file('/w/b.in')!).outputs), ['a.txt', 'shared.tmp']);
  assertInverse(b);
});

for (const [name, build] of [
  ['cargo', cargoBuild],
  ['go build', () => goBuild(false)],
  ['go build, a rebuild', () => goBuild(true)],
] as const) {
  test(`rdeps is the inverse of deps: ${name}`, () => assertInverse(modelOf(build())));
}

test('deps: cargo\'s bookkeeping named for a unit (.fingerprint/CRATE-HASH/…) is made of that unit\'s files, not of every file cargo had open', () => {
  const b = modelOf(cargoWorkspace());
  const fp = deps(b, b.file(`/w/.fingerprint/tinyhex-${TINY}/dep-lib-tinyhex`)!);
  assert.deepEqual(fp.inputs, ['/usr/bin/cargo', '/usr/bin/rustc', '/w/vendor/tinyhex/src/lib.rs']);
  assert.deepEqual(inW(fp.outputs), [`deps/libtinyhex-${TINY}.rlib`, `deps/tinyhex-${TINY}.d`]);
  // the dep-info cargo wrote beside the rlib it hard-linked: of what the rlib is
  assert.deepEqual(deps(b, b.file('/w/libtinyhex.d')!).inputs, ['/usr/bin/rustc', '/w/vendor/tinyhex/src/lib.rs']);
  assert.deepEqual(inW(deps(b, b.file('/w/app.d')!).inputs), ['app/spec.txt', 'app/src/main.rs', `build/app-${RUN}/build-script-build`, 'vendor/tinyhex/src/lib.rs']);
});

test('rdeps: a source of one crate reaches that crate\'s artifacts and bookkeeping, not another crate\'s', () => {
  const b = modelOf(cargoWorkspace());
  assert.deepEqual(inW(rdeps(b, b.file('/w/app/spec.txt')!).outputs), [
    '.fingerprint/app-fedcba9876543210/dep-bin-app',
    'app',
    'app.d',
    `build/app-${RUN}/out/gen.rs`,
    `deps/app-${APP}`,
    `deps/app-${APP}.d`,
  ]);
  assert.deepEqual(inW(rdeps(b, b.file('/w/vendor/tinyhex/src/lib.rs')!).outputs), [
    '.fingerprint/app-fedcba9876543210/dep-bin-app',
    `.fingerprint/tinyhex-${TINY}/dep-lib-tinyhex`,
    `.fingerprint/tinyhex-${TINY}/lib-tinyhex`,
    'app',
    'app.d',
    `deps/app-${APP}`,
    `deps/app-${APP}.d`,
    `deps/libtinyhex-${TINY}.rlib`,
    `deps/tinyhex-${TINY}.d`,
    'libtinyhex.d',
    'libtinyhex.rlib',
  ]);
  assertInverse(b);
});
