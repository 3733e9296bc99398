/**
 * bt diff on small synthetic builds (TraceBuilder): the order of path lists,
 * the exit status of commands only in one build, merged /usr, masked
 * commands, grouped argument edits, environment differences where they
 * first appear, cargo's names, the duration threshold, and a truncated log.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { test } from 'node:test';
import { diffBuilds, differs } from '../../src/diff/index.js';
import { argDiff } from '../../src/diff/match.js';
import { Masker } from '../../src/diff/mask.js';
import { diffText, shortDiff, wordDiff } from '../../src/diff/report.js';
import type { LogHeader } from '../../src/log/schema.js';
import { buildFromRecords, type Build } from '../../src/model/index.js';
import { localUsrMerge } from '../../src/log/usrmerge.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { bt, tmpdir } from '../helpers/trace.js';
import { O_CREAT, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';

/** A process of a synthetic build: what it ran, read and wrote, how it ended, and its children (run one after the other). */
interface P {
  exe: string;
  argv: string[];
  env?: string[];
  reads?: string[];
  writes?: string[];
  exit?: number;
  signal?: number;
  /** Milliseconds it runs after its children. */
  ms?: number;
  kids?: P[];
}

function tracer(root: P, cwd = '/w', header: Partial<LogHeader> = {}): TraceBuilder {
  const t = new TraceBuilder(1, cwd, { command: root.argv, ...header });
  let next = 1;
  const run = (p: P, pid: number) => {
    t.exec(pid, p.exe, p.argv, cwd, { env: p.env ?? ['PATH=/usr/bin:/bin'] });
    let fd = 3;
    for (const f of p.reads ?? []) t.open(pid, f, { fd: fd++ });
    for (const f of p.writes ?? []) t.open(pid, f, { fd: fd++, flags: O_WRONLY | O_CREAT | O_TRUNC });
    for (const k of p.kids ?? []) {
      const c = ++next;
      t.fork(pid, c);
      run(k, c);
    }
    if (p.ms) t.ts += p.ms * 1e6;
    t.exit(pid, p.exit ?? 0, p.signal ?? 0);
  };
  run(root, 1);
  return t;
}

function traced(root: P, cwd = '/w', header: Partial<LogHeader> = {}): Build {
  const t = tracer(root, cwd, header);
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

const make = (kids: P[], args: string[] = [], extra: Partial<P> = {}): P => ({ exe: '/usr/bin/make', argv: ['make', ...args], kids, ...extra });

/** The lines of a section of the text report, its title line first. */
function section(text: string, title: string): string[] {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`${title} (`));
  if (at < 0) return [];
  const end = lines.indexOf('', at);
  return lines.slice(at, end < 0 ? undefined : end);
}

test('diff: path lists show the build tree\'s files first, then the others; one line more is listed rather than "… and 1 more"', () => {
  const project = ['/w/gen.sh', '/w/include/a.h', '/w/src/a.c', '/w/version.txt'];
  // one a directory: no directory holds FOLD_AT (12) of them, so each is a line
  const headers = (n: number) => Array.from({ length: n }, (_, i) => `/w/inc${String(i).padStart(2, '0')}/h.h`);
  // cc1 runs in both builds (what a command of one build only reads is folded: the next test)
  const cc1 = (reads: string[]): P => ({ exe: '/usr/lib/gcc/cc1', argv: ['cc1', 'src/a.c'], reads });
  const noop = traced(make([cc1([])]));
  for (const n of [36, 37]) {
    const a = traced(make([cc1(['/usr/include/stdio.h', ...headers(n), ...project])]));
    const r = diffBuilds(a, noop);
    const expected = ['gen.sh', ...headers(n).map((h) => h.slice('/w/'.length)), 'include/a.h', 'src/a.c', 'version.txt', '/usr/include/stdio.h'];
    assert.deepEqual(r.inputs_only_in_a.map((e) => e.path), expected);
    const lines = section(diffText(r), 'inputs read only in A');
    const shown = expected.length === 41 ? expected : expected.slice(0, 40);
    assert.deepEqual(lines, [
      `inputs read only in A (${expected.length})`,
      ...shown.map((p) => `  ${p}  (cc1)`),
      ...(expected.length === 41 ? [] : ['  … and 2 more (--json lists them all)']),
    ]);
  }
});

test('diff: a command only in one build shows how it failed (exit status or signal), in text and JSON', () => {
  const cc = (o: string): P => ({ exe: '/usr/bin/cc', argv: ['cc', '-c', '-o', o, o.replace('.o', '.c')], writes: [`/w/${o}`] });
  const a = traced(make([cc('a.o')]));
  const b = traced(
    make([
      cc('a.o'),
      { exe: '/bin/sh', argv: ['sh', '-c', 'exit 3'], exit: 3 },
      { exe: '/bin/sh', argv: ['sh', '-c', 'gen'], signal: 9, kids: [{ exe: '/usr/bin/gen', argv: ['gen'], signal: 9 }] },
    ]),
  );
  const r = diffBuilds(a, b);
  assert.deepEqual(
    r.only_in_b.map((x) => [x.argv, x.status, x.hidden]),
    [
      [['sh', '-c', 'exit 3'], 'exit 3', 0],
      [['sh', '-c', 'gen'], 'SIGKILL', 1],
    ],
  );
  assert.deepEqual(section(diffText(r), 'commands only in B'), [
    'commands only in B (2)',
    "  sh -c 'exit 3'  (exit 3)",
    '  sh -c gen  (SIGKILL; and 1 subprocess)',
  ]);
  // a command that succeeded shows no status
  const back = diffBuilds(b, a);
  assert.deepEqual(back.only_in_a.map((x) => x.status), ['exit 3', 'SIGKILL']);
  assert.deepEqual(
    section(diffText(diffBuilds(a, traced(make([cc('a.o'), cc('b.o')])))), 'commands only in B'),
    ['commands only in B (1)', '  cc -c -o b.o b.c'],
  );
});

/** The headers of logs traced where /bin, /lib… were links into /usr (bt trace's merged_usr), and where they were not. */
const MERGED: Partial<LogHeader> = { options: { merged_usr: 'bin,lib,lib64,sbin' } };
const APART: Partial<LogHeader> = { options: { merged_usr: 'none' } };

test('diff: on a merged /usr, /lib/x and /usr/lib/x (/bin, /sbin, /lib64 …) are one file, not "read from another place"', () => {
  const ld = (crt: string, crti: string): P => ({ exe: '/usr/bin/ld', argv: ['ld', '-o', 'prog'], reads: [crt, crti, '/w/main.o'], writes: ['/w/prog'] });
  const sh = (exe: string): P => ({ exe, argv: ['sh', '-c', 'true'] });
  const a = traced(make([sh('/usr/bin/sh'), ld('/usr/lib/x86_64-linux-gnu/Scrt1.o', '/usr/lib/x86_64-linux-gnu/crti.o')]), '/w', MERGED);
  const b = traced(make([sh('/bin/sh'), ld('/lib/x86_64-linux-gnu/Scrt1.o', '/opt/lib/crti.o')]), '/w', MERGED);
  const r = diffBuilds(a, b);
  assert.deepEqual(r.inputs_only_in_a, []);
  assert.deepEqual(r.inputs_only_in_b, []);
  assert.deepEqual(r.resolved_elsewhere, [{ name: 'crti.o', a: ['/usr/lib/x86_64-linux-gnu/crti.o'], b: ['/opt/lib/crti.o'], tools: ['ld'] }]);
  // /libexec is not a merged directory, nor /usr/local/lib
  const c = diffBuilds(traced(make([ld('/usr/libexec/Scrt1.o', '/usr/local/lib/crti.o')]), '/w', MERGED), traced(make([ld('/libexec/Scrt1.o', '/lib/crti.o')]), '/w', MERGED));
  assert.deepEqual(c.resolved_elsewhere.map((x) => [x.a, x.b]), [
    [['/usr/libexec/Scrt1.o'], ['/libexec/Scrt1.o']],
    [['/usr/local/lib/crti.o'], ['/lib/crti.o']],
  ]);
});

test('diff: /bin/sh in one build and /usr/bin/sh in the other are one file only where /bin was a link into /usr on both traced systems', () => {
  const run = (a: Partial<LogHeader>, b: Partial<LogHeader>) =>
    diffBuilds(traced(make([{ exe: '/bin/sh', argv: ['sh', '-c', 'true'] }]), '/w', a), traced(make([{ exe: '/usr/bin/sh', argv: ['sh', '-c', 'true'] }]), '/w', b));
  const same = run(MERGED, MERGED);
  assert.deepEqual([same.inputs_only_in_a, same.inputs_only_in_b, same.resolved_elsewhere], [[], [], []]);
  assert.equal(differs(same), false);
  assert.equal(section(diffText(same), 'read from another place (A -> B)').length, 0);
  // not merged on either system, on one of them, or merged /lib but not /bin; an older log (no merged_usr) traced on another host: not merged
  const elsewhere: Partial<LogHeader> = { hostname: 'not-this-host' };
  for (const [a, b] of [[APART, APART], [MERGED, APART], [APART, MERGED], [{ options: { merged_usr: 'lib,lib64' } }, MERGED], [elsewhere, MERGED]]) {
    const r = run(a, b);
    assert.deepEqual(r.resolved_elsewhere, [{ name: 'sh', a: ['/bin/sh'], b: ['/usr/bin/sh'], tools: ['sh'] }], JSON.stringify([a, b]));
    assert.deepEqual([r.inputs_only_in_a, r.inputs_only_in_b], [[], []]);
    assert.equal(differs(r), true);
    assert.deepEqual(section(diffText(r), 'read from another place (A -> B)'), ['read from another place (A -> B) (1)', '  sh: /bin/sh -> /usr/bin/sh  (sh)']);
  }
  // an older log traced on this machine: this machine's /bin
  const here = run({ hostname: os.hostname() }, MERGED);
  assert.equal(differs(here), !localUsrMerge().includes('bin'));
});

test('diff: commands only in one build, exit statuses and durations show their arguments masked as the argument diff does', () => {
  const as = (s: string, exit = 0): P => ({ exe: '/usr/bin/as', argv: ['as', '-I/w/include', '-o', 'd.o', s], writes: ['/w/d.o'], exit });
  const a = traced(make([as('/tmp/ccHaaeuX.s')]));
  const b = traced(make([]));
  const r = diffBuilds(a, b);
  assert.deepEqual(r.only_in_a.map((x) => x.argv), [['/usr/bin/as'.split('/').pop(), '-I$START/include', '-o', 'd.o', '<tmp>']]);
  assert.deepEqual(section(diffText(r), 'commands only in A'), ['commands only in A (1)', "  as '-I$START/include' -o d.o '<tmp>'"]);
  const f = diffBuilds(a, traced(make([as('/tmp/ccZZ99zz.s', 1)])));
  assert.deepEqual(f.exit_status.map((x) => [x.a.argv, x.b.argv, x.b_status]), [
    [
      ['as', '-I$START/include', '-o', 'd.o', '<tmp>'],
      ['as', '-I$START/include', '-o', 'd.o', '<tmp>'],
      'exit 1',
    ],
  ]);
});

test('diff: one edit in many commands is one group: the edit, the count per program, the first command of each', () => {
  const tail = ['-quiet', '-dumpdir', 'src/', '-dumpbase-ext', '.c', '-mtune=generic', '-march=x86-64', '-fasynchronous-unwind-tables', '-o', '/tmp/ccAAAAAA.s'];
  const compile = (s: string, opt: string): P => ({
    exe: '/usr/bin/cc',
    argv: ['cc', opt, '-Iinclude', '-c', '-o', `src/${s}.o`, `src/${s}.c`],
    kids: [{ exe: '/usr/lib/gcc/cc1', argv: ['/usr/lib/gcc/cc1', '-quiet', '-I', 'include', '-imultiarch', 'x86_64-linux-gnu', `src/${s}.c`, '-dumpbase', `${s}.c`, opt, ...tail] }],
    writes: [`/w/src/${s}.o`],
  });
  const build = (opt: string, args: string[]) => traced(make(['a', 'b', 'c'].map((s) => compile(s, opt)), args));
  const r = diffBuilds(build('-O2', []), build('-O0', ['CFLAGS=-O0']));
  assert.equal(r.arguments.length, 7, 'JSON: every command');
  assert.deepEqual(section(diffText(r), 'arguments changed (A -> B)'), [
    'arguments changed (A -> B) (7)',
    '  make {+CFLAGS=-O0+}',
    '  [--O2-] {+-O0+} in 6 commands: cc (3), cc1 (3)',
    '    cc [--O2-] {+-O0+} -Iinclude -c -o src/a.o src/a.c  (and 2 more like it)',
    "    cc1 … -dumpbase a.c [--O2-] {+-O0+} -quiet -dumpdir …  (and 2 more like it)",
  ]);
});

test('diff: a long argument section is cut between lines and counts the commands left, not the lines', () => {
  // one edit in 45 tools: a heading and 45 lines, one per tool; then 3 commands of their own
  const tools = Array.from({ length: 45 }, (_, i) => `tool${String(i).padStart(2, '0')}`);
  const build = (opt: string) =>
    traced(
      make([
        ...tools.map((t): P => ({ exe: `/usr/bin/${t}`, argv: [t, opt, '-c', `${t}.c`] })),
        ...['x', 'y', 'z'].map((t): P => ({ exe: `/usr/bin/${t}`, argv: [t, `--${t}=${opt}`, 'in', 'out'] })),
      ]),
    );
  const r = diffBuilds(build('-O2'), build('-O0'));
  assert.equal(r.arguments.length, 48);
  const lines = section(diffText(r), 'arguments changed (A -> B)');
  assert.deepEqual(lines.slice(0, 3), [
    'arguments changed (A -> B) (48)',
    `  [--O2-] {+-O0+} in 45 commands: ${tools.map((t) => `${t} (1)`).join(', ')}`,
    '    tool00 [--O2-] {+-O0+} -c tool00.c',
  ]);
  // 40 lines listed: the heading and 39 tools; 6 tools and x, y, z left
  assert.equal(lines.length, 1 + 40 + 1);
  assert.equal(lines[40], '    tool38 [--O2-] {+-O0+} -c tool38.c');
  assert.equal(lines[41], '  … and 9 more (--json lists them all)');
});

test('shortDiff: a long argument list shows the change with two words of context; wordDiff writes a run of 3 or more equal words once', () => {
  const long = ['rustc', '--crate-name', 'app', ...Array.from({ length: 40 }, (_, i) => `--flag-number-${i}`), '-L', 'dependency=$START/target/debug/deps'];
  assert.equal(shortDiff(argDiff(long, [...long, '-Copt-level=1'])), "rustc … -L 'dependency=$START/target/debug/deps' {+-Copt-level=1+}");
  assert.equal(shortDiff(argDiff(['cc', '-O2', 'a.c'], ['cc', '-O0', 'a.c'])), 'cc [--O2-] {+-O0+} a.c', 'short: as it is');
  const tmp = (n: number) => Array<string>(n).fill('<tmp>');
  assert.equal(wordDiff(argDiff(['cc', ...tmp(24), '-o', 'app'], ['cc', ...tmp(6), '-o', 'app'])), "cc '<tmp>'×6 [-'<tmp>'-]×18 -o app");
  assert.equal(wordDiff(argDiff(['cc', ...tmp(2)], ['cc', ...tmp(2)])), "cc '<tmp>' '<tmp>'");
});

test('diff: a variable a changed Makefile exports shows though make ran with other arguments; what the arguments explain does not', () => {
  const env = (...v: string[]) => ['PATH=/usr/bin:/bin', ...v];
  const build = (j: string, foo: string) =>
    traced(
      make(
        [{ exe: '/bin/sh', argv: ['sh', '-c', 'tool'], env: env(`MAKEFLAGS= ${j}`, `FOO=${foo}`), kids: [{ exe: '/usr/bin/tool', argv: ['tool'], env: env(`MAKEFLAGS= ${j}`, `FOO=${foo}`) }] }],
        [j],
        { env: env() },
      ),
    );
  assert.deepEqual(diffBuilds(build('-j8', '1'), build('-j4', '2')).environment, [{ name: 'FOO', a: '1', b: '2', tools: ['sh'] }]);
});

test('diff: environment variables differ where they first differ, not where a process set them for its children; jobserver fds masked', () => {
  const env = (...v: string[]) => ['PATH=/usr/bin:/bin', ...v];
  // A: the gcc driver sets COLLECT_GCC for collect2 and ld; sh sets FOO for its tool
  const a = traced(
    make(
      [
        {
          exe: '/usr/bin/cc',
          argv: ['cc', '-o', 'prog', 'main.o'],
          env: env('LANG=C', 'MAKEFLAGS= -j2 --jobserver-auth=3,4'),
          kids: [
            {
              exe: '/usr/lib/gcc/collect2',
              argv: ['collect2', '-o', 'prog'],
              env: env('LANG=C', 'MAKEFLAGS= -j2 --jobserver-auth=3,4', 'COLLECT_GCC=cc'),
              kids: [{ exe: '/usr/bin/ld', argv: ['ld', '-o', 'prog'], env: env('LANG=C', 'MAKEFLAGS= -j2 ', 'COLLECT_GCC=cc'), writes: ['/w/prog'] }],
            },
          ],
        },
        {
          exe: '/bin/sh',
          argv: ['sh', '-c', 'FOO=1 tool'],
          env: env('LANG=C', 'MAKEFLAGS= -j2 --jobserver-auth=3,4'),
          kids: [{ exe: '/usr/bin/tool', argv: ['tool'], env: env('LANG=C', 'MAKEFLAGS= -j2 --jobserver-auth=3,4', 'FOO=1') }],
        },
      ],
      [],
      { env: env('LANG=C', 'MAKEFLAGS= -j4 --jobserver-auth=3,4') },
    ),
  );
  // B: make CC=clang under another LANG; clang sets nothing for ld; the recipe's sh is the same, its tool gets FOO=2
  const b = traced(
    make(
      [
        {
          exe: '/usr/bin/clang',
          argv: ['clang', '-o', 'prog', 'main.o'],
          env: env('LANG=C.UTF-8', 'MAKEFLAGS= -j2 --jobserver-auth=fifo:/tmp/GMfifo77 -- CC=clang', 'MAKEOVERRIDES=${-*-command-variables-*-}', 'CC=clang'),
          kids: [{ exe: '/usr/bin/ld', argv: ['ld', '-o', 'prog'], env: env('LANG=C.UTF-8', 'MAKEFLAGS= -j2  -- CC=clang', 'CC=clang'), writes: ['/w/prog'] }],
        },
        {
          exe: '/bin/sh',
          argv: ['sh', '-c', 'FOO=1 tool'],
          env: env('LANG=C.UTF-8', 'MAKEFLAGS= -j2 --jobserver-auth=5,6 -- CC=clang', 'MAKEOVERRIDES=${-*-command-variables-*-}', 'CC=clang'),
          kids: [{ exe: '/usr/bin/tool', argv: ['tool'], env: env('LANG=C.UTF-8', 'MAKEFLAGS= -j2 --jobserver-auth=5,6 -- CC=clang', 'MAKEOVERRIDES=${-*-command-variables-*-}', 'CC=clang', 'FOO=2') }],
        },
      ],
      ['CC=clang'],
      { env: env('LANG=C.UTF-8', 'MAKEFLAGS= -j4 --jobserver-auth=fifo:/tmp/GMfifo1') },
    ),
  );
  const r = diffBuilds(a, b);
  assert.deepEqual(r.environment, [
    { name: 'FOO', a: '1', b: '2', tools: ['tool'] },
    { name: 'LANG', a: 'C', b: 'C.UTF-8', tools: ['make'] },
  ]);
  assert.deepEqual(section(diffText(r), 'environment changed (A -> B)'), [
    'environment changed (A -> B) (2)',
    '  FOO: 1 -> 2  (tool)',
    '  LANG: C -> C.UTF-8  (make)',
  ]);
});

test('Masker: cargo\'s incremental session directories and 16-hex-digit metadata hashes; a cargo build differing only in them is the same', () => {
  const t = new TraceBuilder(1, '/w');
  const n = normalizeRecords(t.header, t.records);
  const m = new Masker(buildFromRecords(n.header, n.records));
  const inc = '/w/target/debug/incremental/app-2a6ux1gnzq7ia';
  assert.equal(m.path(`${inc}/s-hooe2zahsc-1ceic68-78owgvcxprb1zv99j0jf3gfpt/dep-graph.bin`), 'target/debug/incremental/app-2a6ux1gnzq7ia/s-<session>/dep-graph.bin');
  assert.equal(m.path(`${inc}/s-hooe2tbld9-1gh5ihv.lock`), 'target/debug/incremental/app-2a6ux1gnzq7ia/s-<session>.lock');
  // rustc writes the random part in base 36 without padding: 1 to 7 digits
  assert.equal(m.path(`${inc}/s-hooe2tbld9-q8v2k-working/x.o`), 'target/debug/incremental/app-2a6ux1gnzq7ia/s-<session>/x.o');
  assert.equal(m.path('/w/target/debug/deps/libutil-dbe8f10e3f5b4e8d.rlib'), 'target/debug/deps/libutil-<hash>.rlib');
  assert.equal(m.path('/w/target/debug/.fingerprint/app-398db3b3eac09eb2/bin-app'), 'target/debug/.fingerprint/app-<hash>/bin-app');
  assert.equal(m.text('extra-filename=-2b059a0f5ac96c38'), 'extra-filename=-<hash>');
  assert.equal(m.text('metadata=467466d17e411364'), 'metadata=<hash>');
  assert.equal(m.text('--extern util=/w/target/debug/deps/libutil-2b059a0f5ac96c38.rlib'), '--extern util=$START/target/debug/deps/libutil-<hash>.rlib');
  // other names stay: 15 or 17 hex digits, not hex, a session directory outside incremental/
  assert.equal(m.text('app-398db3b3eac09eb app-398db3b3eac09eb2a app-zzzzzzzzzzzzzzzz'), 'app-398db3b3eac09eb app-398db3b3eac09eb2a app-zzzzzzzzzzzzzzzz');
  assert.equal(m.path('/w/s-hooe2tbld9-1gh5ihv/x'), 's-hooe2tbld9-1gh5ihv/x');

  const cargo = (hash: string, session: string) =>
    traced({
      exe: '/usr/bin/cargo',
      argv: ['cargo', 'build'],
      kids: [
        {
          exe: '/usr/bin/rustc',
          argv: ['rustc', '--crate-name', 'app', '-C', `metadata=${hash}`, '-C', `extra-filename=-${hash}`],
          writes: [`/w/target/debug/deps/app-${hash}`, `${inc}/${session}/dep-graph.bin`, `${inc}/${session.slice(0, 20)}.lock`],
        },
      ],
    });
  const r = diffBuilds(cargo('398db3b3eac09eb2', 's-hooe2zahsc-1ceic68-78owgvcxprb1zv99j0jf3gfpt'), cargo('fdc9e3fe60916db7', 's-hooe33fflj-09jc27h-b2nehq8nf6a8h73vjzy2116q0'));
  assert.equal(differs(r), false, diffText(r));
});

test('diff: a job duration change is listed from 50 ms, 20% of the job and 1% of the longer build', () => {
  const job = (name: string, ms: number): P => ({ exe: '/usr/bin/cc', argv: ['cc', '-c', `${name}.c`], ms });
  const build = (x: number, y: number, pad: number) => traced(make([job('x', x), job('y', y)], [], { ms: pad }));
  // a 10 s build: +60 ms is under 1% (100 ms), +200 ms is not
  const r = diffBuilds(build(60, 100, 10_000), build(120, 300, 10_000));
  assert.deepEqual(r.durations.map((d) => [d.b.argv.join(' '), d.a_ms, d.b_ms, d.change_ms]), [['cc -c y.c', 100, 300, 200]]);
  // a 1 s build: both (1% is 10 ms, under the 50 ms floor)
  const s = diffBuilds(build(60, 100, 1000), build(120, 300, 1000));
  assert.deepEqual(s.durations.map((d) => d.b.argv.join(' ')), ['cc -c y.c', 'cc -c x.c']);
});

test('diff: a truncated log is named incomplete in the first line and in JSON', async () => {
  const dir = tmpdir('bt-diff-trunc-');
  const build = make([{ exe: '/usr/bin/cc', argv: ['cc', '-c', 'a.c'], reads: ['/w/a.c'] }]);
  const a = tracer(build).write(path.join(dir, 'a.trace'));
  const b = path.join(dir, 'b.trace');
  const whole = fs.readFileSync(a);
  fs.writeFileSync(b, whole.subarray(0, Math.floor(whole.length / 2)));
  const text = await bt(['diff', a, b]);
  const torn = /is truncated at byte (\d+) /.exec(text.stderr);
  assert.ok(torn, text.stderr);
  const first = text.stdout.split('\n')[0];
  assert.ok(first.startsWith(`bt diff: the builds differ; B is incomplete (the log is truncated at byte ${torn[1]}); A = make in /w (`), first);
  const json = await bt(['diff', '--json', a, b]);
  const r = JSON.parse(json.stdout);
  assert.equal(r.a.incomplete, null);
  assert.equal(r.b.incomplete, `the log is truncated at byte ${torn[1]}`);
  // a whole log against itself: no note
  const same = await bt(['diff', a, a]);
  assert.equal(same.stdout.split('\n')[0].includes('incomplete'), false, same.stdout);
  // a log without its trailer (bt trace killed): incomplete too
  const bare = path.join(dir, 'bare.trace');
  tracer(build).write(bare, { trailer: false });
  const nt = JSON.parse((await bt(['diff', '--json', a, bare])).stdout);
  assert.equal(nt.b.incomplete, 'the log has no trailer (bt trace did not finish)');
});

test("diff: a root shell that ran the other build's traced command pairs that command with the other root, either way; alone it is listed", () => {
  const cc = (o: string): P => ({ exe: '/usr/bin/cc', argv: ['cc', '-c', '-o', o, o.replace('.o', '.c')], writes: [`/w/${o}`] });
  const sh = (script: string, kids: P[]): P => ({ exe: '/bin/sh', argv: ['sh', '-c', script], kids });
  const plain = traced(make([cc('a.o')]));
  // B's shell ran `make clean` then `make`: B's make is A's root's pair, `make clean` B's own; the shell is not listed
  const cleaned = traced(sh('make clean && make', [make([{ exe: '/bin/rm', argv: ['rm', '-f', 'a.o'] }], ['clean']), make([cc('a.o')])]));
  const r = diffBuilds(plain, cleaned);
  assert.deepEqual(r.only_in_a, []);
  assert.deepEqual(
    r.only_in_b.map((c) => [c.argv, c.hidden]),
    [[['make', 'clean'], 1]],
  );
  assert.deepEqual(r.arguments, []);
  // the same the other way round
  const back = diffBuilds(cleaned, plain);
  assert.deepEqual(
    back.only_in_a.map((c) => c.argv),
    [['make', 'clean']],
  );
  assert.deepEqual([back.only_in_b, back.arguments], [[], []]);
  // a shell that ran the make only: the makes pair, and the shell is what differs
  const wrapped = traced(sh('make', [make([cc('a.o')])]));
  const w = diffBuilds(wrapped, plain);
  assert.deepEqual(
    w.only_in_a.map((c) => [c.argv, c.hidden]),
    [[['sh', '-c', 'make'], 0]],
  );
  assert.deepEqual([w.only_in_b, w.arguments, w.exit_status], [[], [], []]);
  assert.equal(differs(w), true);
  // a shell that ran another make (other arguments): the roots pair as before
  const other = diffBuilds(traced(sh('make -k', [make([cc('a.o')], ['-k'])])), plain);
  assert.deepEqual(
    other.arguments.map((x) => [x.a.argv, x.b.argv]),
    [[['sh', '-c', 'make -k'], ['make']]],
  );
});

test("diff: a root wrapper (timeout, /usr/bin/time, fakeroot) that ran the other build's traced command pairs it with the other root: the wrapper alone differs", () => {
  const cc = (o: string): P => ({ exe: '/usr/bin/cc', argv: ['cc', '-c', '-o', o, o.replace('.o', '.c')], writes: [`/w/${o}`] });
  const plain = traced(make([cc('a.o')], ['-j2']));
  const wrappers: Array<[string, string[]]> = [
    ['/usr/bin/timeout', ['timeout', '600']],
    ['/usr/bin/time', ['/usr/bin/time']],
    ['/usr/bin/fakeroot', ['fakeroot']],
  ];
  for (const [exe, words] of wrappers) {
    const wrapped = traced({ exe, argv: [...words, 'make', '-j2'], kids: [make([cc('a.o')], ['-j2'])] });
    const r = diffBuilds(plain, wrapped);
    // before: `make -j2` only in B, and the roots' argument change `{+timeout+} {+600+} make -j2`
    assert.deepEqual(r.only_in_a, [], words[0]);
    assert.deepEqual(
      r.only_in_b.map((c) => [c.argv, c.hidden]),
      [[[...words, 'make', '-j2'], 0]],
      words[0],
    );
    assert.deepEqual([r.arguments, r.exit_status], [[], []], words[0]);
    const back = diffBuilds(wrapped, plain);
    assert.deepEqual([back.only_in_a.map((c) => c.argv), back.only_in_b, back.arguments], [[[...words, 'make', '-j2']], [], []]);
  }
  // a program that is no wrapper (a build script) running make: the roots pair, as before
  const script = diffBuilds(plain, traced({ exe: '/w/build', argv: ['./build', 'make', '-j2'], kids: [make([cc('a.o')], ['-j2'])] }));
  assert.deepEqual(
    script.arguments.map((x) => [x.a.argv, x.b.argv]),
    [[['make', '-j2'], ['./build', 'make', '-j2']]],
  );
});

test('diff: a clean build from a warm compiler cache is no partial rebuild; a partial rebuild counts what B remade or left, with B\'s tools', () => {
  const ccache = (o: string, hit: boolean): P => ({
    exe: '/usr/bin/ccache',
    argv: ['ccache', 'cc', '-c', '-o', o, o.replace('.o', '.c')],
    reads: [`/w/${o.replace('.o', '.c')}`, ...(hit ? [`/c/${o}.R`] : [])],
    writes: [`/w/${o}`, ...(hit ? [] : [`/c/${o}.R`])],
    // a miss runs the compiler, whose assembler writes the object; a hit copies the cache entry
    kids: hit ? [] : [{ exe: '/usr/bin/as', argv: ['as', '-o', o, '/tmp/cc1.s'], writes: [`/w/${o}`] }],
  });
  const link: P = { exe: '/usr/bin/ld', argv: ['ld', '-o', 'prog', 'a.o', 'b.o'], reads: ['/w/a.o', '/w/b.o'], writes: ['/w/prog'] };
  const cold = traced(make([ccache('a.o', false), ccache('b.o', false), link]));
  const warm = traced(make([ccache('a.o', true), ccache('b.o', true), link]));
  const r = diffBuilds(cold, warm);
  // before: `B remade 3 of A's 5 outputs` (B read A's cache entries), with A's `as` among the tools of a.o
  assert.equal(r.remade_in_b, null);
  assert.doesNotMatch(diffText(r).split('\n')[0]!, /remade/);

  // B after an edit of a.c: make ran a.o's compile (a hit of another entry) and the link; b.o it left, and the link read it
  const edited = traced(make([{ ...ccache('a.o', true), reads: ['/w/a.c', '/c/a2.R'] }, link]));
  const p = diffBuilds(cold, edited);
  assert.deepEqual(
    p.remade_in_b?.files.map((f) => [f.path, f.tools]),
    [
      ['a.o', ['ccache']],
      ['prog', ['ld']],
    ],
  );
  // of A's 5 outputs: a.o and prog remade; b.o and its cache entry left (b.o's compile did not run in B); not a.o's cache entry, whose maker ran in B too
  assert.equal(p.remade_in_b?.of, 4);
  assert.match(diffText(p).split('\n')[0]!, /; B remade 2 of A's 4 outputs$/);
});

test('shortDiff: the same arguments in another order are said to be; a long diff that moved some lists the added and removed ones only', () => {
  const traces = Array.from({ length: 212 }, (_, i) => `--trace=AC_MACRO_${i}:$f:$l`);
  const shuffled = [...traces.slice(100), ...traces.slice(0, 100).reverse()];
  const a = ['autom4te', ...traces];
  assert.equal(shortDiff(argDiff(a, ['autom4te', ...shuffled])), 'autom4te (same 212 arguments, reordered)');
  // a short one too: the words were all there
  assert.equal(shortDiff(argDiff(['cc', '-c', 'a.c', '-O2'], ['cc', '-O2', '-c', 'a.c'])), 'cc (same 3 arguments, reordered)');
  // moved and changed: the change only, and how many moved
  const changed = ['autom4te', ...shuffled.filter((w) => w !== '--trace=AC_MACRO_7:$f:$l'), '--trace=NEW:$f'];
  const d = shortDiff(argDiff(a, changed));
  assert.match(d, /^autom4te \[-'--trace=AC_MACRO_7:\$f:\$l'-\] \{\+'--trace=NEW:\$f'\+\} \(\d+ other arguments reordered\)$/);
  assert.ok(d.length < 160, d);
  // no move: as before
  assert.equal(shortDiff(argDiff(['cc', '-O2', 'a.c'], ['cc', '-O0', 'a.c'])), 'cc [--O2-] {+-O0+} a.c');
});

test('diff: a command whose arguments came in another order is one short line of the arguments section', () => {
  const traces = Array.from({ length: 50 }, (_, i) => `--trace=M${i}`);
  const m4 = (args: string[]): P => ({ exe: '/usr/bin/autom4te', argv: ['autom4te', ...args, 'configure.ac'], reads: ['/w/configure.ac'], writes: ['/w/autom4te.cache/traces.0'] });
  const r = diffBuilds(traced(make([m4(traces)])), traced(make([m4([...traces].reverse())])));
  assert.deepEqual(section(diffText(r), 'arguments changed (A -> B)').slice(1), ['  autom4te (same 51 arguments, reordered)']);
});
