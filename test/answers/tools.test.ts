/**
 * bt summary, deps, rdeps and graph --focus on a REAL trace (eBPF, as root)
 * of test-programs/toolproject built with make: the build makes its own
 * tools and runs them (a generator linked with a shared library it built,
 * a #! script it made executable). Running a program is reading it: the
 * program, a script's interpreter, the libraries it loads.
 */
import assert from 'node:assert/strict';
import { before } from 'node:test';
import { ebpfTest, ebpfUnavailableReason } from '../helpers/ebpf.js';
import { traceProject } from '../helpers/projects.js';
import { bt } from '../helpers/trace.js';

let dir = '';
let log = '';

/** Traces `make` (one job) on a fresh copy of toolproject, once. */
async function traced(): Promise<{ dir: string; log: string }> {
  if (log) return { dir, log };
  ({ dir, file: log } = await traceProject('toolproject', { jobs: 1, clean: ['app', 'libgen.so', 'gentool', 'table.h', 'gen-version.sh', 'version.h'] }));
  return { dir, log };
}

before(async () => {
  if (!ebpfUnavailableReason()) await traced();
});

const inTree = (d: string, paths: string[]) => paths.filter((p) => p.startsWith(`${d}/`)).map((p) => p.slice(d.length + 1));

async function json(args: string[]): Promise<any> {
  const r = await bt(args);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const TOOL_RUN = '/bin/sh -c LD_LIBRARY_PATH=. ./gentool table.h';

ebpfTest('bt deps of a generated file goes through the program that made it to its sources and library', async () => {
  const { dir: d, log: l } = await traced();
  const j = await json(['deps', 'table.h', l, '--json']);
  assert.deepEqual(j.tree.writer.argv.join(' '), TOOL_RUN);
  // the job ran gentool, which loaded libgen.so: both made by the build
  assert.deepEqual(inTree(d, j.tree.children.map((c: { path: string }) => c.path)), ['gentool', 'libgen.so']);
  const gentool = j.tree.children.find((c: { path: string }) => c.path === `${d}/gentool`);
  assert.deepEqual(gentool.writer.argv, ['cc', '-o', 'gentool', 'gentool.c', '-L.', '-lgen']);
  assert.deepEqual(inTree(d, gentool.children.map((c: { path: string }) => c.path)), ['gentool.c', 'libgen.so']);
  assert.deepEqual(inTree(d, j.inputs), ['genlib.c', 'gentool.c']);
  assert.deepEqual(inTree(d, j.outputs), ['gentool', 'libgen.so']);
  assert.equal(j.processes.length, 3);
  assert.ok(j.inputs.includes('/usr/bin/cc'), 'the compiler the jobs ran is an input');
});

ebpfTest('bt deps of a file a #! script wrote: the script, made by the build, and its interpreter', async () => {
  const { dir: d, log: l } = await traced();
  const j = await json(['deps', 'version.h', l, '--json']);
  assert.deepEqual(j.tree.writer.argv, ['/bin/sh', './gen-version.sh', 'version.h']);
  assert.deepEqual(inTree(d, j.tree.children.map((c: { path: string }) => c.path)), ['gen-version.sh']);
  assert.deepEqual(inTree(d, j.inputs), ['gen-version.sh.in']);
  assert.ok(j.inputs.includes('/bin/sh'), `the interpreter: ${j.inputs.join(' ')}`);
});

ebpfTest('bt deps app --inputs: the sources of the tools it was generated with', async () => {
  const { log: l } = await traced();
  const r = await bt(['deps', 'app', l, '--inputs']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n').filter((p) => !p.startsWith('/')), ['app.c', 'gen-version.sh.in', 'genlib.c', 'gentool.c']);
});

ebpfTest('bt rdeps of the library source follows the library into the program and what running it made', async () => {
  const { dir: d, log: l } = await traced();
  const j = await json(['rdeps', 'genlib.c', l, '--json']);
  assert.deepEqual(inTree(d, j.outputs), ['app', 'gentool', 'libgen.so', 'table.h']);
  assert.equal(j.processes.length, 4);
});

ebpfTest('bt summary: the critical path runs through the tool it built; a library the build made is no noise', async () => {
  const { dir: d, log: l } = await traced();
  const s = await json(['summary', l, '--json']);
  assert.deepEqual(
    s.critical_path.map((j: { argv: string[] }) => j.argv.join(' ')),
    ['cc -shared -fPIC -o libgen.so genlib.c', 'cc -o gentool gentool.c -L. -lgen', TOOL_RUN, 'cc -o app app.c'],
  );
  assert.deepEqual(inTree(d, s.outputs), ['app']);
  assert.deepEqual(inTree(d, s.intermediates), ['gen-version.sh', 'gentool', 'libgen.so', 'table.h', 'version.h']);
  assert.deepEqual(inTree(d, s.inputs.tree), ['Makefile', 'app.c', 'gen-version.sh.in', 'genlib.c', 'gentool.c']);
});

ebpfTest('bt graph --focus draws the tool, its library and their sources', async () => {
  const { log: l } = await traced();
  const r = await bt(['graph', l, '--focus', 'table.h']);
  assert.equal(r.code, 0, r.stderr);
  for (const name of ['gentool.c', 'genlib.c', 'libgen.so', '-shared']) assert.ok(r.stdout.includes(name), `${name} in\n${r.stdout}`);
  assert.doesNotMatch(r.stdout, /app\.c|version/);
});
