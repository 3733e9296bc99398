/**
 * bt deps, rdeps, graph --focus and export makedeps on a REAL trace (eBPF,
 * as root) of copy tools that copy several files in one process (sqlite's
 * `cp -f $(SRC) tsrc`): each copy is made of its own source and the
 * program, not of the sources copied before it (model/jobs.ts madeOf). A
 * generator that reads its config once and then writes several files keeps
 * the config in each; a single-file cp and the other processes of a job
 * that ran a copy are as before.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before } from 'node:test';
import { ebpfTest, ebpfUnavailableReason } from '../helpers/ebpf.js';
import { needTools, toolPath } from '../helpers/tools.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';

/** cmake's path, if it is installed (the `cmake -E copy` case needs it). */
const CMAKE = toolPath('cmake');

const MAKEFILE = [
  'all:',
  '\tmkdir -p dir inst rdir mixed owned',
  // one process, three copies (make runs it without a shell)
  '\tcp a.c b.c c.c dir/',
  '\tinstall -m644 a.c b.c c.c inst/',
  '\tcp -r tree rdir/',
  '\tcp a.c single.c',
  // the shell reads gen.conf, closes it, then writes both headers: each is made of it
  '\tread v < gen.conf; echo "$$v" > one.h; echo "$$v" > two.h',
  // a job with a copy and a generator: the cat is made of what it read, the copies of theirs
  '\tcp a.c b.c mixed/ && cat a.c b.c > both.c',
  // a copy of a file the job made itself: of what that was made of
  '\tcat c.c > made.c && cp made.c b.c owned/',
  // one cp per file, in a recipe's loop: each copy of its own source
  '\tmkdir -p loop ins cm cm2',
  '\tfor f in l1.c l2.c l3.c; do cp $$f loop/; done',
  // install -s: strip, a child of install, writes each copy too
  '\tinstall -s -m755 /usr/bin/true /usr/bin/false ins/',
  ...(CMAKE ? ['\tcmake -E copy m1.c m2.c m3.c cm/', '\tcmake -E copy_if_different m1.c m2.c cm2/'] : []),
  // a cp -r of 2,000 files
  '\tcp -r big bigcopy',
  '',
].join('\n');

let dir = '';
let log = '';

/** Traces `make` on the project, once. */
async function traced(): Promise<{ dir: string; log: string }> {
  if (log) return { dir, log };
  dir = tmpdir('bt-copies-');
  const files: Record<string, string> = {
    Makefile: MAKEFILE,
    'a.c': 'int a;\n',
    'b.c': 'int b;\n',
    'c.c': 'int c;\n',
    'gen.conf': 'VERSION\n',
    'tree/x.c': 'int x;\n',
    'tree/y.c': 'int y;\n',
    'l1.c': 'int l1;\n',
    'l2.c': 'int l2;\n',
    'l3.c': 'int l3;\n',
    'm1.c': 'int m1;\n',
    'm2.c': 'int m2;\n',
    'm3.c': 'int m3;\n',
  };
  for (let d = 0; d < 20; d++) for (let f = 0; f < 100; f++) files[`big/d${d}/f${f}.c`] = `int f${d}_${f};\n`;
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  const t = await trace(['make', '-s'], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  log = t.file;
  return { dir, log };
}

before(async () => {
  if (!ebpfUnavailableReason()) await traced();
});

async function json(args: string[]): Promise<any> {
  const r = await bt(args);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** The tree's paths relative to it, the others (programs) by base name: cp's /usr/bin/cp is `cp`. */
const short = (d: string, paths: string[]) => paths.map((p) => (p.startsWith(`${d}/`) ? p.slice(d.length + 1) : path.basename(p)));

const depsOf = async (file: string) => {
  const { dir: d, log: l } = await traced();
  const j = await json(['deps', file, l, '--json']);
  return { inputs: short(d, j.inputs), outputs: short(d, j.outputs), processes: j.processes.map((p: { argv: string[] }) => p.argv.join(' ')) };
};

const rdepsOf = async (file: string) => {
  const { dir: d, log: l } = await traced();
  const j = await json(['rdeps', file, l, '--json']);
  return { outputs: short(d, j.outputs), processes: j.processes.map((p: { argv: string[] }) => p.argv.join(' ')) };
};

ebpfTest('bt deps of one of several files one cp copied: its own source and cp, not the files copied before it', async () => {
  assert.deepEqual(await depsOf('dir/b.c'), { inputs: ['b.c', 'cp'], outputs: [], processes: ['cp a.c b.c c.c dir/'] });
  assert.deepEqual(await depsOf('dir/c.c'), { inputs: ['c.c', 'cp'], outputs: [], processes: ['cp a.c b.c c.c dir/'] });
  assert.deepEqual(await depsOf('inst/c.c'), { inputs: ['c.c', 'install'], outputs: [], processes: ['install -m644 a.c b.c c.c inst/'] });
  assert.deepEqual(await depsOf('rdir/tree/y.c'), { inputs: ['tree/y.c', 'cp'], outputs: [], processes: ['cp -r tree rdir/'] });
});

ebpfTest('bt rdeps of a source one cp copied with others: its own copies and what was made of it, not the other copies', async () => {
  assert.deepEqual(await rdepsOf('a.c'), {
    outputs: ['both.c', 'dir/a.c', 'inst/a.c', 'mixed/a.c', 'single.c'],
    processes: ['cp a.c b.c c.c dir/', 'install -m644 a.c b.c c.c inst/', 'cp a.c single.c', '/bin/sh -c cp a.c b.c mixed/ && cat a.c b.c > both.c'],
  });
  assert.deepEqual((await rdepsOf('c.c')).outputs, ['dir/c.c', 'inst/c.c', 'made.c', 'owned/made.c']);
  assert.deepEqual((await rdepsOf('tree/x.c')).outputs, ['rdir/tree/x.c']);
});

ebpfTest('bt deps in a job with a copy and a generator: the copies have their sources, the generator what it read, a copy of its own file what that was made of', async () => {
  const mixed = '/bin/sh -c cp a.c b.c mixed/ && cat a.c b.c > both.c';
  assert.deepEqual(await depsOf('mixed/b.c'), { inputs: ['b.c', 'cp'], outputs: [], processes: [mixed] });
  const both = await depsOf('both.c');
  assert.deepEqual(both.inputs.filter((p) => p.includes('.')), ['a.c', 'b.c'], 'cat read both');
  assert.ok(both.inputs.includes('cat') && both.inputs.includes('cp'), both.inputs.join(' '));
  const owned = await depsOf('owned/made.c');
  assert.deepEqual(owned.inputs.filter((p) => p.includes('.')), ['c.c'], 'made.c is cat of c.c; not b.c, copied after it');
  assert.ok(owned.inputs.includes('cp') && owned.inputs.includes('cat'), owned.inputs.join(' '));
  assert.deepEqual(await depsOf('owned/b.c'), { inputs: ['b.c', 'cp'], outputs: [], processes: ['/bin/sh -c cat c.c > made.c && cp made.c b.c owned/'] });
});

ebpfTest('bt deps of each file a generator wrote after it closed its config: made of the config (no rule by time alone)', async () => {
  for (const h of ['one.h', 'two.h']) assert.deepEqual((await depsOf(h)).inputs.filter((p) => p.includes('.')), ['gen.conf'], h);
  assert.deepEqual((await rdepsOf('gen.conf')).outputs, ['one.h', 'two.h']);
});

ebpfTest('a single-file cp: made of its source and cp, as before', async () => {
  assert.deepEqual(await depsOf('single.c'), { inputs: ['a.c', 'cp'], outputs: [], processes: ['cp a.c single.c'] });
});

ebpfTest('bt graph --focus and bt export makedeps of a copy agree with bt deps', async () => {
  const { dir: d, log: l } = await traced();
  const g = await bt(['graph', l, '--focus', 'dir/b.c']);
  assert.equal(g.code, 0, g.stderr);
  const files = [...g.stdout.matchAll(/^ {2}f\w+ \[label="([^"]+)"/gm)].map((m) => m[1]).sort();
  assert.deepEqual(files, ['b.c', 'dir/b.c']);
  const m = await bt(['export', 'makedeps', l, '--output-of', 'dir/b.c']);
  assert.equal(m.code, 0, m.stderr);
  assert.equal(m.stdout.split('\n')[0], `${d}/dir/b.c: ${d}/b.c`);
});

ebpfTest('a recipe that loops over single-file cps: each copy of its own source and cp, not the earlier sources nor the shell', async () => {
  const loop = '/bin/sh -c for f in l1.c l2.c l3.c; do cp $f loop/; done';
  assert.deepEqual(await depsOf('loop/l3.c'), { inputs: ['l3.c', 'cp'], outputs: [], processes: [loop] });
  assert.deepEqual(await depsOf('loop/l1.c'), { inputs: ['l1.c', 'cp'], outputs: [], processes: [loop] });
  assert.deepEqual(await rdepsOf('l1.c'), { outputs: ['loop/l1.c'], processes: [loop] });
  assert.deepEqual((await rdepsOf('l2.c')).outputs, ['loop/l2.c']);
});

ebpfTest('install -s: each copy of its own source, install and strip (its child that writes the copy), not the file installed before it', async () => {
  const ins = 'install -s -m755 /usr/bin/true /usr/bin/false ins/';
  const strip = (await depsOf('ins/false')).inputs.find((p) => p.includes('strip')) ?? 'strip';
  assert.deepEqual(await depsOf('ins/false'), { inputs: ['false', 'install', strip].sort(), outputs: [], processes: [ins] });
  assert.deepEqual(await depsOf('ins/true'), { inputs: ['install', strip, 'true'].sort(), outputs: [], processes: [ins] });
  assert.deepEqual((await rdepsOf('/usr/bin/false')).outputs, ['ins/false']);
});

ebpfTest('cmake -E copy and copy_if_different: each copy of its own source and cmake', async (t) => {
  if (!needTools(t, 'cmake')) return;
  const copy = 'cmake -E copy m1.c m2.c m3.c cm/';
  assert.deepEqual(await depsOf('cm/m3.c'), { inputs: ['m3.c', 'cmake'], outputs: [], processes: [copy] });
  assert.deepEqual(await depsOf('cm2/m2.c'), { inputs: ['m2.c', 'cmake'], outputs: [], processes: ['cmake -E copy_if_different m1.c m2.c cm2/'] });
  assert.deepEqual(await rdepsOf('m1.c'), { outputs: ['cm/m1.c', 'cm2/m1.c'], processes: [copy, 'cmake -E copy_if_different m1.c m2.c cm2/'] });
});

ebpfTest('a cp -r of 2,000 files: a source goes into its copy alone', async (t) => {
  const started = performance.now();
  assert.deepEqual(await rdepsOf('big/d7/f42.c'), { outputs: ['bigcopy/d7/f42.c'], processes: ['cp -r big bigcopy'] });
  t.diagnostic(`bt rdeps of one of 2,000 copied files: ${Math.round(performance.now() - started)} ms`);
  assert.deepEqual(await depsOf('bigcopy/d19/f99.c'), { inputs: ['big/d19/f99.c', 'cp'], outputs: [], processes: ['cp -r big bigcopy'] });
});
