/** bt diff's pieces: the argument diff, the masking of run-specific names, and the matching on small synthetic builds. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileGroups } from '../../src/answers/groups.js';
import { diffBuilds, differs } from '../../src/diff/index.js';
import { argDiff } from '../../src/diff/match.js';
import { compileMasks, Masker } from '../../src/diff/mask.js';
import { diffText, wordDiff } from '../../src/diff/report.js';
import { buildFromRecords, Kind, type Build } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { fakeBuild } from '../export/synth-build.js';
import { makeHeader, O_CREAT, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';

test('argDiff: kept, removed and added words in order; wordDiff writes them git-style', () => {
  const d = argDiff(['cc', '-O0', '-c', '-o', 'a.o', 'a.c'], ['cc', '-O2', '-g', '-c', '-o', 'a.o', 'a.c']);
  assert.deepEqual(
    d.map((o) => `${o.op}${o.arg}`),
    ['=cc', '--O0', '+-O2', '+-g', '=-c', '=-o', '=a.o', '=a.c'],
  );
  assert.equal(wordDiff(d), 'cc [--O0-] {+-O2+} {+-g+} -c -o a.o a.c');
  assert.deepEqual(argDiff(['x'], ['x']), [{ op: '=', arg: 'x' }]);
  assert.deepEqual(argDiff([], ['a b']), [{ op: '+', arg: 'a b' }]);
  assert.equal(wordDiff(argDiff([], ['a b'])), "{+'a b'+}");
});

test('Masker: the start directory, temporary names and --mask patterns', () => {
  const build = buildFromRecords(makeHeader(100, '/home/ci/proj'), []);
  const m = new Masker(build, compileMasks(['build-[0-9]+']));
  assert.equal(m.text('-I/home/ci/proj/include'), '-I$START/include');
  // only as a whole path part: a sibling named proj-deps stays itself
  assert.equal(m.text('-I/home/ci/proj-deps -I/home/ci/proj.old/x'), '-I/home/ci/proj-deps -I/home/ci/proj.old/x');
  assert.equal(m.text('PATH=/home/ci/proj:/home/ci/proj/bin -I/home/ci/proj'), 'PATH=$START:$START/bin -I$START');
  assert.equal(m.path('/home/ci/proj-deps/dep.h'), '/home/ci/proj-deps/dep.h');
  assert.equal(m.text('/tmp/ccAb12Cd.s'), '<tmp>');
  assert.equal(m.text('-o/tmp/tmp.XyZ12345ab'), '-o<tmp>');
  assert.equal(m.text('arch/x86/.tmp_1234.o'), 'arch/x86/<tmp>.o');
  assert.equal(m.text('out/build-1234/x'), 'out/*/x');
  assert.equal(m.path('/home/ci/proj/src/a.c'), 'src/a.c');
  assert.equal(m.path('/usr/include/stdio.h'), '/usr/include/stdio.h');
  assert.equal(m.cwd('/home/ci/proj'), '.');
  assert.throws(() => compileMasks(['(']), /bad regular expression in --mask "\(":/);
});

/** The repro of the roots that did not pair: make (1 word) against make INC=inc2 S=0.5 (3 words). */
function incBuild(inc: string, s: string, extraArgs: string[]) {
  const cc = ['cc', `-I${inc}`, '-c', '-o', 'u.o', 'u.c'];
  return fakeBuild(
    [
      { proc: 1, argv: ['make', ...extraArgs] },
      { proc: 2, parent: 1, argv: ['/bin/sh', '-c', `sleep ${s}; ${cc.join(' ')}`] },
      { proc: 3, parent: 2, argv: ['sleep', s] },
      { proc: 4, parent: 2, argv: cc, opens: [[`/p/${inc}/util.h`, Kind.READ], ['/p/u.o', Kind.WRITE | Kind.CREATE]] },
    ],
    '/p',
    { command: ['make', ...extraArgs] },
  );
}

test('diffBuilds: the two roots always pair, however few words they share', () => {
  const r = diffBuilds(incBuild('inc1', '0.1', []), incBuild('inc2', '0.5', ['INC=inc2', 'S=0.5']));
  assert.deepEqual(r.only_in_a, []);
  assert.deepEqual(r.only_in_b, []);
  const text = diffText(r).split('\n');
  const at = text.indexOf('arguments changed (A -> B) (4)');
  assert.ok(at > 0, text.join('\n'));
  assert.deepEqual(text.slice(at, at + 6), [
    'arguments changed (A -> B) (4)',
    '  make {+INC=inc2+} {+S=0.5+}',
    // the shell's script word by word, its words as written
    '  sh -c sleep [-0.1-] {+0.5+} ; cc [--Iinc1-] {+-Iinc2+} -c -o u.o u.c',
    '  sleep [-0.1-] {+0.5+}',
    '  cc [--Iinc1-] {+-Iinc2+} -c -o u.o u.c',
    '',
  ]);

  // the roots pair whatever they ran; with the same key they are the same command
  const other = fakeBuild([{ proc: 1, argv: ['ninja', '-C', 'out'] }], '/p', { command: ['ninja', '-C', 'out'] });
  const r2 = diffBuilds(incBuild('inc1', '0.1', []), other);
  assert.deepEqual(r2.arguments.map((x) => wordDiff(x.diff)), ['[-make-] {+ninja+} {+-C+} {+out+}']);
  assert.deepEqual(r2.only_in_a.map((x) => [x.argv, x.hidden]), [[['/bin/sh', '-c', 'sleep 0.1; cc -Iinc1 -c -o u.o u.c'], 2]]);
  assert.deepEqual(r2.only_in_b, []);
});

test('diffBuilds: a short command pairs with the same command given more words (nothing removed), not with another', () => {
  const build = (gen: string[], cp: string[]) =>
    fakeBuild([
      { proc: 1, argv: ['make', '-j2'] },
      { proc: 2, parent: 1, argv: gen },
      { proc: 3, parent: 1, argv: cp },
    ]);
  const r = diffBuilds(build(['gen'], ['cp', 'a', 'b']), build(['gen', '--fast', 'x'], ['cp', '-r', 'c', 'd', 'e']));
  assert.deepEqual(r.arguments.map((x) => wordDiff(x.diff)), ['gen {+--fast+} {+x+}']);
  assert.deepEqual(r.only_in_a.map((x) => x.argv.join(' ')), ['cp a b']);
  assert.deepEqual(r.only_in_b.map((x) => x.argv.join(' ')), ['cp -r c d e']);
});

/**
 * make's final.txt <- out.txt <- in.txt, traced twice in one tree: the
 * first build makes out.txt (make finds it missing), the second remakes it
 * (make stats the old one first, so the build did not create it, but it
 * wrote it). Access bits are those of a normalized open (1 read, 2 write,
 * 4 create, 8 truncate, 16 failed, 128 O_PATH: a stat).
 */
function chainBuild(outTxt: 'missing' | 'remade' | 'up-to-date') {
  const make: Array<[string, number]> = [
    ['/p/in.txt', 128],
    ['/p/out.txt', outTxt === 'missing' ? 16 : 128],
    ['/p/final.txt', 16],
  ];
  const procs = [
    { proc: 1, argv: ['make'], opens: make },
    { proc: 3, parent: 1, argv: ['cat', 'out.txt'], opens: [['/p/out.txt', 1], ['/p/final.txt', 2 | 4 | 8]] as Array<[string, number]> },
  ];
  if (outTxt !== 'up-to-date') procs.push({ proc: 2, parent: 1, argv: ['cp', 'in.txt', 'out.txt'], opens: [['/p/in.txt', 1], ['/p/out.txt', 2 | 4 | 8]] });
  return fakeBuild(procs, '/p');
}

test('diffBuilds: a file the build wrote is no input, even when it was there before (an intermediate remade)', () => {
  const first = chainBuild('missing');
  const again = chainBuild('remade');
  assert.deepEqual(fileGroups(again).intermediates.map((id) => again.model.files[id].path), ['/p/out.txt'], 'summary: out.txt is an intermediate of B');
  const r = diffBuilds(first, again);
  assert.deepEqual(r.inputs_only_in_a, []);
  assert.deepEqual(r.inputs_only_in_b, []);
  assert.deepEqual(r.outputs_only_in_a, []);
  assert.deepEqual(r.outputs_only_in_b, []);
  assert.equal(differs(r), false, diffText(r));

  // out.txt up to date in A (only read: an input of A), remade in B: an input only in A and an output only in B
  const upToDate = diffBuilds(chainBuild('up-to-date'), again);
  assert.deepEqual(upToDate.inputs_only_in_a, [{ path: 'out.txt', tools: ['cat'] }]);
  // cp (proc 2) ran only in B: what it read carries it (text folds them into one line)
  assert.deepEqual(upToDate.only_in_b.map((c) => [c.proc, c.argv]), [[2, ['cp', 'in.txt', 'out.txt']]]);
  assert.deepEqual(
    upToDate.inputs_only_in_b,
    [
      { path: 'in.txt', tools: ['cp'], only_command: 2 },
      { path: '/usr/bin/cp', tools: ['cp'], only_command: 2 },
    ],
    'the build tree first',
  );
  assert.deepEqual(upToDate.outputs_only_in_b, [{ path: 'out.txt', tools: ['cp'] }]);
  assert.deepEqual(upToDate.outputs_only_in_a, []);
});

/**
 * cargo -> rustc, which makes its temporary directory target/debug/deps/rustcXXXXXX
 * (`tmp`), writes symbols.o there, runs the linker with `-L<tmp>/raw-dylibs` and
 * the object, then removes both; `keep` names directories made and kept, and
 * `found` one that was there before the build (only read).
 */
function rustcBuild(tmp: string, keep: string[] = [], found?: string): Build {
  const deps = '/w/target/debug/deps';
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/cargo', ['cargo', 'build'], '/w');
  t.fork(1, 2);
  t.exec(2, '/usr/bin/rustc', ['rustc', '--crate-name', 'hello', 'src/main.rs', '--out-dir', `${deps}`], '/w');
  t.open(2, '/w/src/main.rs', { fd: 3 });
  t.pathOp(2, 'mkdir', `${deps}/${tmp}`);
  t.open(2, `${deps}/${tmp}/symbols.o`, { fd: 4, flags: O_WRONLY | O_CREAT | O_TRUNC });
  for (const k of keep) t.pathOp(2, 'mkdir', `${deps}/${k}`);
  if (found) t.open(2, `${deps}/${found}/notes.txt`, { fd: 5 });
  t.fork(2, 3);
  const extra = [...keep, ...(found ? [found] : [])].map((k) => `-L${deps}/${k}`);
  t.exec(3, '/usr/bin/cc', ['cc', '-m64', `${deps}/${tmp}/symbols.o`, `-L${deps}/${tmp}/raw-dylibs`, ...extra, '-o', `${deps}/hello-b0a6`], '/w');
  t.open(3, `${deps}/${tmp}/symbols.o`, { fd: 3 });
  t.open(3, `${deps}/hello-b0a6`, { fd: 4, flags: O_WRONLY | O_CREAT | O_TRUNC });
  t.exit(3, 0);
  t.pathOp(2, 'unlink', `${deps}/${tmp}/symbols.o`);
  t.pathOp(2, 'rmdir', `${deps}/${tmp}`);
  t.exit(2, 0);
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

test('Masker: a temporary directory the build made is <tmp> as a path component, in -L arguments too; other names stay', () => {
  const b = rustcBuild('rustcHfEtJn', ['rustcAb12Cd', 'ccompile', 'tmp_debug'], 'rustcYR7rzN');
  const m = new Masker(b);
  // made and removed, whatever the name
  assert.equal(m.text('-L/w/target/debug/deps/rustcHfEtJn/raw-dylibs'), '-L$START/target/debug/deps/<tmp>/raw-dylibs');
  assert.equal(m.text('/w/target/debug/deps/rustcHfEtJn'), '$START/target/debug/deps/<tmp>');
  assert.equal(m.text('/w/target/debug/deps/rustcHfEtJn/symbols.o'), '<tmp>', 'a file made and removed: the whole path');
  assert.equal(m.cwd('/w/target/debug/deps/rustcHfEtJn'), 'target/debug/deps/<tmp>');
  // made and kept: only with a temporary name (a prefix and random characters)
  assert.equal(m.text('-L/w/target/debug/deps/rustcAb12Cd'), '-L$START/target/debug/deps/<tmp>');
  assert.equal(m.text('-L/w/target/debug/deps/ccompile -L/w/target/debug/deps/tmp_debug'), '-L$START/target/debug/deps/ccompile -L$START/target/debug/deps/tmp_debug');
  // there before the build, or not a directory of this build, or relative: as it is
  assert.equal(m.text('-L/w/target/debug/deps/rustcYR7rzN'), '-L$START/target/debug/deps/rustcYR7rzN');
  assert.equal(m.path('/w/target/debug/deps/rustcYR7rzN/notes.txt'), 'target/debug/deps/rustcYR7rzN/notes.txt');
  assert.equal(m.text('/w/target/debug/deps/rustcZZ9zzZ/x'), '$START/target/debug/deps/rustcZZ9zzZ/x');
  assert.equal(m.text('target/debug/deps/rustcHfEtJn/raw-dylibs'), 'target/debug/deps/rustcHfEtJn/raw-dylibs');
});

test('diffBuilds: a rustc link differing only in rustc\'s temporary directory is the same command', () => {
  const r = diffBuilds(rustcBuild('rustcHfEtJn'), rustcBuild('rustcYR7rzN'));
  assert.deepEqual(r.arguments, []);
  assert.equal(differs(r), false, diffText(r));
  // a real difference next to it still shows
  const other = diffBuilds(rustcBuild('rustcHfEtJn', ['rustcAb12Cd']), rustcBuild('rustcYR7rzN', ['ccompile']));
  assert.deepEqual(other.arguments.map((x) => wordDiff(x.diff)), [
    "cc -m64 '<tmp>' '-L$START/target/debug/deps/<tmp>/raw-dylibs' [-'-L$START/target/debug/deps/<tmp>'-] {+'-L$START/target/debug/deps/ccompile'+} -o '$START/target/debug/deps/hello-b0a6'",
  ]);
});

/** make -> the compile of u.c and the link of prog with `cc` (gcc: cc1 and as, collect2 and ld under it; clang: itself, ld), and a log both append to. */
function compilerBuild(cc: 'gcc' | 'clang') {
  const compile = [cc, '-c', '-o', 'u.o', 'u.c'];
  const procs =
    cc === 'gcc'
      ? [
          { proc: 2, parent: 1, argv: compile, opens: [['/p/build.log', Kind.WRITE]] as Array<[string, number]> },
          { proc: 3, parent: 2, argv: ['cc1', 'u.c', '-o', '/tmp/ccAb12Cd.s'], opens: [['/p/u.c', Kind.READ], ['/tmp/ccAb12Cd.s', Kind.WRITE | Kind.CREATE]] as Array<[string, number]> },
          { proc: 4, parent: 2, argv: ['as', '-o', 'u.o', '/tmp/ccAb12Cd.s'], opens: [['/p/u.o', Kind.WRITE | Kind.CREATE]] as Array<[string, number]> },
        ]
      : [{ proc: 2, parent: 1, argv: compile, opens: [['/p/u.c', Kind.READ], ['/p/u.o', Kind.WRITE | Kind.CREATE], ['/p/build.log', Kind.WRITE]] as Array<[string, number]> }];
  // the link: gcc runs ld through collect2, clang runs it itself
  const ld = (proc: number, parent: number) => ({ proc, parent, argv: ['ld', '-o', 'prog', 'u.o'], opens: [['/p/prog', Kind.WRITE | Kind.CREATE]] as Array<[string, number]> });
  const link =
    cc === 'gcc'
      ? [{ proc: 5, parent: 1, argv: ['gcc', '-o', 'prog', 'u.o'] }, { proc: 6, parent: 5, argv: ['collect2', '-o', 'prog', 'u.o'] }, ld(7, 6)]
      : [{ proc: 5, parent: 1, argv: ['clang', '-o', 'prog', 'u.o'] }, ld(6, 5)];
  // a step whose command changed entirely, writing the log the compile writes too: not paired by it
  const other = { proc: 9, parent: 1, argv: cc === 'gcc' ? ['date'] : ['uname', '-a', '-m', '-r'], opens: [['/p/build.log', Kind.WRITE]] as Array<[string, number]> };
  return fakeBuild([{ proc: 1, argv: ['make', `CC=${cc}`] }, ...procs, ...link, other], '/p', { command: ['make', `CC=${cc}`] });
}

test('diffBuilds: another compiler that made the same object or program is the same command changed, its helpers only in one build', () => {
  const r = diffBuilds(compilerBuild('gcc'), compilerBuild('clang'));
  assert.deepEqual(r.arguments.map((x) => wordDiff(x.diff)), ['make [-CC=gcc-] {+CC=clang+}', '[-gcc-] {+clang+} -c -o u.o u.c', '[-gcc-] {+clang+} -o prog u.o']);
  // cc1, as and collect2 have no counterpart; date and uname only share the log, which two trees of each build wrote
  assert.deepEqual(r.only_in_a.map((x) => x.argv[0]), ['cc1', 'as', 'collect2', 'date']);
  assert.deepEqual(r.only_in_b.map((x) => x.argv[0]), ['uname']);
});
