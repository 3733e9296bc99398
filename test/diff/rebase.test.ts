/**
 * bt diff, from a user review (s27): a build started in another directory
 * (`env -C cw cargo build` against `cargo build` in cw) compares from each
 * build's base directory; a command run in another directory with the same
 * arguments is no empty argument edit; what commands of one build only
 * read is one line per command; go's cache entries and build IDs are
 * masked like cargo's hashes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseDirs, projectDir } from '../../src/diff/base.js';
import { diffBuilds, differs } from '../../src/diff/index.js';
import { Masker } from '../../src/diff/mask.js';
import { diffText } from '../../src/diff/report.js';
import { buildFromRecords, type Build } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { O_CREAT, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';

const W = O_WRONLY | O_CREAT | O_TRUNC;

function built(t: TraceBuilder): Build {
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

/** The text report without its first line (which has the durations). */
function body(r: ReturnType<typeof diffBuilds>): string {
  return diffText(r).split('\n').slice(1).join('\n');
}

/**
 * cargo in /t/cw reads Cargo.lock and runs the build script in cw/app, which
 * reads spec.txt and writes gen.rs under OUT_DIR. `start` is where bt trace
 * started; from /t, `env -C cw` goes to cw first (PWD stays /t, as env leaves it).
 */
function cargo(start: '/t/cw' | '/t', flavor = 'x'): Build {
  const cw = '/t/cw';
  const out = `${cw}/target/debug/build/app-0123456789abcdef`;
  const command = start === cw ? ['cargo', 'build'] : ['env', '-C', 'cw', 'cargo', 'build'];
  const t = new TraceBuilder(1, start, { command });
  const env = ['PATH=/usr/bin', `PWD=${start}`, `APP_FLAVOR=${flavor}`];
  if (start !== cw) {
    t.exec(1, '/usr/bin/env', command, start, { env });
    t.chdir(1, 'cw', cw);
  }
  t.exec(1, '/usr/bin/cargo', ['cargo', 'build'], cw, { env });
  t.open(1, `${cw}/Cargo.lock`, { fd: 3 });
  t.fork(1, 2);
  t.exec(2, `${out}/build-script-build`, ['build-script-build'], `${cw}/app`, { env: [...env, `OUT_DIR=${out}/out`, `CARGO_MANIFEST_DIR=${cw}/app`] });
  t.open(2, `${cw}/app/spec.txt`, { fd: 3 });
  t.open(2, `${out}/out/gen.rs`, { fd: 4, flags: W });
  t.exit(2);
  t.exit(1);
  return built(t);
}

test('diff: a build started in another directory (env -C cw) compares from the directory it built in: one line, no empty edit, no file read from another place', () => {
  const a = cargo('/t/cw');
  const b = cargo('/t');
  assert.equal(projectDir(b), '/t/cw');
  assert.deepEqual(baseDirs(a, b), ['/t/cw', '/t/cw']);
  const r = diffBuilds(a, b);
  assert.deepEqual(r.start_dir, [{ a: '/t/cw', b: '/t', a_base: '/t/cw', b_base: '/t/cw' }]);
  assert.deepEqual([r.a.base_dir, r.b.base_dir], ['/t/cw', '/t/cw']);
  assert.deepEqual([r.arguments, r.directories, r.resolved_elsewhere, r.environment, r.outputs_only_in_a, r.outputs_only_in_b], [[], [], [], [], [], []]);
  assert.equal(differs(r), true);
  assert.equal(
    body(r),
    [
      '',
      'started in another directory (A -> B) (1)',
      '  /t/cw -> /t  (paths compared from /t/cw in both)',
      '',
      'inputs read only in B (1)',
      '  /usr/bin/env  (cargo)',
      '',
    ].join('\n'),
  );
  // the same start directory, another flavour: the environment only, and no start_dir
  const c = diffBuilds(cargo('/t/cw'), cargo('/t/cw', 'y'));
  assert.deepEqual(c.start_dir, []);
  assert.deepEqual(c.environment, [{ name: 'APP_FLAVOR', a: 'x', b: 'y', tools: ['cargo'] }]);
});

/** make in `start`, with `-C dir` when given (make changes into it before it starts its compile), compiles ../src/a.c. */
function makeIn(start: string, dir?: string): Build {
  const t = new TraceBuilder(1, start, { command: ['make', ...(dir ? ['-C', dir] : [])] });
  const build = dir ? `${start}/${dir}` : start;
  t.exec(1, '/usr/bin/make', ['make', ...(dir ? ['-C', dir] : [])], start);
  if (dir) t.chdir(1, dir, build);
  t.fork(1, 2);
  t.exec(2, '/usr/bin/cc', ['cc', '-c', '../src/a.c'], build);
  t.open(2, `${build.replace(/\/build$/, '')}/src/a.c`, { fd: 3 });
  t.open(2, `${build}/a.o`, { fd: 4, flags: W });
  t.exit(2);
  t.exit(1);
  return built(t);
}

test('diff base directories: the start directories when both builds went the same way to their build; else the project directories less the way they share', () => {
  // two checkouts, each `make -C build`: the start directories (the sources beside build/ compare too)
  assert.deepEqual(baseDirs(makeIn('/ci/p', 'build'), makeIn('/home/u/p', 'build')), ['/ci/p', '/home/u/p']);
  // make -C build in /x/p against make -C p/build in /x: /x/p for both
  const a = makeIn('/x/p', 'build');
  const b = makeIn('/x', 'p/build');
  assert.deepEqual([projectDir(a), projectDir(b)], ['/x/p/build', '/x/p/build']);
  assert.deepEqual(baseDirs(a, b), ['/x/p', '/x/p']);
  const r = diffBuilds(a, b);
  assert.deepEqual(r.start_dir, [{ a: '/x/p', b: '/x', a_base: '/x/p', b_base: '/x/p' }]);
  assert.deepEqual(r.only_in_a.concat(r.only_in_b), []);
  assert.deepEqual(r.inputs_only_in_a.concat(r.inputs_only_in_b), []);
  assert.deepEqual(
    r.arguments.map((x) => [x.removed, x.added]),
    [[['build'], ['p/build']]],
  );
});

test('diff: a command run with the same arguments in another directory is "ran in another directory", never an empty argument edit', () => {
  const run = (dir: string) => {
    const t = new TraceBuilder(1, '/w', { command: ['make'] });
    t.exec(1, '/usr/bin/make', ['make'], '/w');
    t.fork(1, 2);
    t.exec(2, '/usr/bin/gen', ['gen', '-o', '/w/out.txt'], `/w/${dir}`);
    t.open(2, '/w/out.txt', { fd: 3, flags: W });
    t.exit(2);
    t.exit(1);
    return built(t);
  };
  const r = diffBuilds(run('a'), run('b'));
  assert.deepEqual(r.arguments, []);
  assert.deepEqual(r.directories.map((x) => [x.a.argv, x.a.cwd, x.b.cwd]), [[['gen', '-o', '$START/out.txt'], 'a', 'b']]);
  assert.equal(body(r), ['', 'ran in another directory (A -> B) (1)', "  gen -o '$START/out.txt': a -> b", ''].join('\n'));
});

test('diff: the files only commands of one build read are one line per command (commands cut to the same label share one), after the inputs that changed', () => {
  const run = (extra: boolean) => {
    const t = new TraceBuilder(1, '/w', { command: ['make'] });
    t.exec(1, '/usr/bin/make', ['make'], '/w');
    t.fork(1, 2);
    t.exec(2, '/usr/bin/cc', ['cc', '-c', 'a.c'], '/w');
    t.open(2, '/w/a.c', { fd: 3 });
    if (extra) t.open(2, '/w/new.h', { fd: 4 }); // a command of both builds read it: listed
    t.exit(2);
    if (extra) {
      let pid = 3;
      const long = Array.from({ length: 8 }, (_, i) => `-DLONG_OPTION_${i}`);
      for (const [src, reads] of [
        ['b.c', ['/w/b.c', '/w/new.h', '/usr/include/stdio.h', '/usr/include/stdlib.h']],
        ['c.c', ['/w/c.c', '/usr/include/stdio.h']],
        ['d.c', ['/w/d.c']],
        ['e.c', ['/w/e.c', '/usr/include/errno.h']],
      ] as const) {
        const p = pid++;
        t.fork(1, p);
        const argv = src < 'd' ? ['cc', '-c', src] : ['cc', ...long, '-c', src];
        t.exec(p, '/usr/bin/cc', argv, '/w');
        reads.forEach((f, i) => t.open(p, f, { fd: 3 + i }));
        t.exit(p);
      }
    }
    t.exit(1);
    return built(t);
  };
  const r = diffBuilds(run(false), run(true));
  // stdio.h: read by b.c's and c.c's compiles, folded under the first; new.h: a compile of both builds read it too
  assert.deepEqual(
    r.inputs_only_in_b.map((e) => [e.path, e.only_command ?? null]),
    [
      ['b.c', 3],
      ['c.c', 4],
      ['d.c', 5],
      ['e.c', 6],
      ['new.h', null],
      ['/usr/include/errno.h', 6],
      ['/usr/include/stdio.h', 3],
      ['/usr/include/stdlib.h', 3],
    ],
  );
  const text = body(r);
  assert.equal(
    text.slice(text.indexOf('inputs read only in B')),
    [
      'inputs read only in B (8)',
      '  new.h  (cc)',
      '  +3 files read by cc -c b.c, which ran only in B',
      '  +1 file read by cc -c c.c, which ran only in B',
      '  +3 files read by 2 commands like cc -DLONG_OPTION_0 -DLONG_OPTION_1 -DLONG_OPTION_2 -DLONG_O…, which ran only in B',
      '',
    ].join('\n'),
  );
});

test('Masker: go\'s build cache entries, build IDs and kept work directories', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/go', ['go', 'build', '-work'], '/w');
  t.pathOp(1, 'mkdir', '/tmp/go-build2876122867');
  t.pathOp(1, 'mkdir', '/tmp/go-link-1492769724');
  t.pathOp(1, 'mkdir', '/tmp/go-builder');
  t.exit(1);
  const m = new Masker(built(t));
  const cache = '/root/.cache/go-build/2d/2d92fd9a4847508e86da2a424896d79ccb8cd80d12c24beff3af25741ae9500b';
  assert.equal(m.path(`${cache}-d`), '/root/.cache/go-build/<hash>-d');
  assert.equal(m.text(`${cache}-a`), '/root/.cache/go-build/<hash>-a');
  assert.equal(m.text('-buildid=rnq-9pQtDOAY9CD7jI01/kURSkNoMQ9_fr5EGs2zw/NEqeur8QA_I5c-0LchlP/rnq-9pQtDOAY9CD7jI01'), '-buildid=<buildid>');
  assert.equal(m.text('eBgN9nE4bX0DBR1HX1Lf/eBgN9nE4bX0DBR1HX1Lf'), '<buildid>');
  // not a build ID: words, a path's components, 19 characters
  assert.equal(m.text('abcdefghijklmnopqrst/abcdefghijklmnopqrst'), 'abcdefghijklmnopqrst/abcdefghijklmnopqrst');
  assert.equal(m.text('/w/rnq-9pQtDOAY9CD7jI01/kURSkNoMQ9_fr5EGs2zw'), '$START/rnq-9pQtDOAY9CD7jI01/kURSkNoMQ9_fr5EGs2zw');
  assert.equal(m.text('rnq-9pQtDOAY9CD7jI0/kURSkNoMQ9_fr5EGs2z'), 'rnq-9pQtDOAY9CD7jI0/kURSkNoMQ9_fr5EGs2z');
  // a cache directory's name with 63 hex digits is no entry
  assert.equal(m.path(`${cache.slice(0, -1)}-d`), `${cache.slice(0, -1)}-d`);
  // go build -work keeps its work directories: still temporary names
  assert.equal(m.text('-trimpath /tmp/go-build2876122867/b001=>'), '-trimpath /tmp/<tmp>/b001=>');
  assert.equal(m.path('/tmp/go-link-1492769724/go.o'), '/tmp/<tmp>/go.o');
  assert.equal(m.path('/tmp/go-builder/x'), '/tmp/go-builder/x');
});
