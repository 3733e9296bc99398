/**
 * Shared libraries a linker read as link inputs are inputs, not runtime
 * noise: ld looked libz.so, the linker script libc.so and the libc.so.6 it
 * names up by path and read them. The dynamic loader's mappings (into ld
 * itself, into cc1, into ar) stay noise, and so does a plugin ar looked up
 * and loaded: ar is no linker.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deps, rdeps } from '../../src/answers/deps.js';
import { summarize } from '../../src/answers/summary.js';
import { buildFromRecords, type Build } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { O_CLOEXEC, O_CREAT, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';

const W = O_WRONLY | O_CREAT | O_TRUNC;
const LIBC6 = '/lib/x86_64-linux-gnu/libc.so.6';
const BFD = '/lib/x86_64-linux-gnu/libbfd-2.40-system.so';
const LIBZ = '/usr/lib/x86_64-linux-gnu/libz.so';
const LIBC_SCRIPT = '/usr/lib/x86_64-linux-gnu/libc.so';
const PLUGIN = '/usr/lib/bfd-plugins/libdep.so';

function stat(t: TraceBuilder, pid: number, path: string): void {
  t.push(pid, { lookup: { op: 'newfstatat', path, dirfd: -100, flags: 0, mode: 0, errno: 0, ftype: 8 } });
}

/** The loader maps `libs` into process `pid`: opened, never looked up by path. */
function loader(t: TraceBuilder, pid: number, libs: string[]): void {
  for (const l of libs) {
    t.open(pid, l, { fd: 3, flags: O_CLOEXEC });
    t.close(pid, 3);
  }
}

function read(t: TraceBuilder, pid: number, path: string, lookup = false): void {
  if (lookup) stat(t, pid, path);
  t.open(pid, path, { fd: 5 });
  t.close(pid, 5);
}

const LTO = '/usr/lib/gcc/liblto_plugin.so';

/**
 * make; cc -c main.c (cc1); ar rcs libx.a x.o (loads a plugin); cc -o prog
 * main.o -lz (ld: its plugin, then its inputs, looked up by path with
 * `lookup`, else only opened, as ld.gold does after listing a directory).
 */
function build(linker = 'ld', lookup = true): Build {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  t.fork(1, 2);
  t.exec(2, '/usr/lib/gcc/cc1', ['cc1', 'main.c', '-o', 'main.o'], '/w');
  loader(t, 2, [LIBC6]);
  read(t, 2, 'main.c');
  t.open(2, 'main.o', { fd: 4, flags: W });
  t.close(2, 4);
  t.exit(2, 0);
  t.fork(1, 3);
  t.exec(3, '/usr/bin/ar', ['ar', 'rcs', 'libx.a', 'main.c'], '/w');
  loader(t, 3, [BFD, LIBC6]);
  read(t, 3, PLUGIN, true);
  read(t, 3, 'main.c');
  t.open(3, 'libx.a', { fd: 4, flags: W });
  t.close(3, 4);
  t.exit(3, 0);
  t.fork(1, 4);
  t.exec(4, '/usr/bin/cc', ['cc', '-o', 'prog', 'main.o', '-lz'], '/w');
  loader(t, 4, [LIBC6]);
  t.fork(4, 5);
  t.exec(5, `/usr/bin/${linker}`, [linker, '-plugin', LTO, '-o', 'prog', 'main.o', '-lz'], '/w');
  loader(t, 5, [BFD, LIBC6]);
  t.open(5, 'prog', { fd: 4, flags: W });
  read(t, 5, LTO);
  read(t, 5, 'main.o', lookup);
  read(t, 5, LIBZ, lookup);
  read(t, 5, LIBC_SCRIPT, lookup);
  read(t, 5, LIBC6, lookup);
  t.close(5, 4);
  t.exit(5, 0);
  t.exit(4, 0);
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

const libs = (paths: string[]) => paths.filter((p) => /\.so(\.|$)/.test(p));

test('deps: the shared libraries a linker looked up and read are inputs of the link; the loader\'s mappings are not', () => {
  const b = build();
  assert.deepEqual(libs(deps(b, b.file('/w/prog')!).inputs), [LIBC6, LIBC_SCRIPT, LIBZ]);
  // cc1 had libc.so.6 mapped by the loader only: not an input of the compile
  assert.deepEqual(libs(deps(b, b.file('/w/main.o')!).inputs), []);
  // ar looked its plugin up and loaded it: ar is no linker
  assert.deepEqual(libs(deps(b, b.file('/w/libx.a')!).inputs), []);
  // with --all-files, every library again
  assert.deepEqual(libs(deps(b, b.file('/w/libx.a')!, { all: true }).inputs), [BFD, LIBC6, PLUGIN]);
});

test('deps: a linker is known by its name: ld.gold, ld.lld, mold, rust-lld, a target-prefixed ld; not a program that only ends in ld', () => {
  for (const ld of ['ld.gold', 'ld.lld', 'mold', 'rust-lld', 'x86_64-linux-gnu-ld.bfd']) {
    const b = build(ld);
    assert.deepEqual(libs(deps(b, b.file('/w/prog')!).inputs), [LIBC6, LIBC_SCRIPT, LIBZ], ld);
  }
  const b = build('bold');
  assert.deepEqual(libs(deps(b, b.file('/w/prog')!).inputs), []);
});

test('deps: a linker that opens its inputs without looking them up (ld.gold): what it read once it ran, not the loader\'s mappings nor its -plugin', () => {
  const b = build('ld.gold', false);
  assert.deepEqual(libs(deps(b, b.file('/w/prog')!).inputs), [LIBC6, LIBC_SCRIPT, LIBZ]);
  assert.deepEqual(libs(deps(b, b.file('/w/prog')!, { all: true }).inputs), [BFD, LIBC6, LTO, LIBC_SCRIPT, LIBZ]);
});

test('rdeps: a link input\'s impact is the program linked with it', () => {
  const b = build();
  assert.deepEqual(rdeps(b, b.file(LIBZ)!).outputs, ['/w/prog']);
});

test('summary: link inputs are system inputs, loader mappings and plugins are not; with a filter, only a selected linker\'s', () => {
  const b = build();
  assert.deepEqual(libs(summarize(b).inputs.system), [LIBC6, LIBC_SCRIPT, LIBZ]);
  const compile = summarize(b, { procs: new Set([2]) });
  assert.deepEqual(libs(compile.inputs.system), []);
  const link = summarize(b, { procs: new Set([4, 5]) });
  assert.deepEqual(libs(link.inputs.system), [LIBC6, LIBC_SCRIPT, LIBZ]);
});

/**
 * make; `(ld -v) >/dev/null` as kbuild's ld-option runs it: the forked
 * shell opens /dev/null, then runs ld, whose loader maps libbfd and
 * libz.so.1; ld prints its version and reads nothing else.
 */
function versionProbe(): Build {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  t.fork(1, 2);
  t.exec(2, '/bin/sh', ['/bin/sh', '-c', '(ld -v) >/dev/null'], '/w');
  loader(t, 2, [LIBC6]);
  t.fork(2, 3);
  t.open(3, '/dev/null', { fd: 1, flags: W });
  t.exec(3, '/usr/bin/ld', ['ld', '-v'], '/w');
  loader(t, 3, [BFD, '/lib/x86_64-linux-gnu/libz.so.1', LIBC6]);
  t.exit(3, 0);
  t.exit(2, 0);
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

test('summary: a linker that only prints its version after its caller\'s redirection (`(ld -v) >/dev/null`) read no link input: what the loader mapped stays noise', () => {
  const b = versionProbe();
  assert.deepEqual(libs(summarize(b).inputs.system), []);
  assert.deepEqual(libs(summarize(b, { all: true }).inputs.system), [BFD, LIBC6, '/lib/x86_64-linux-gnu/libz.so.1']);
});
