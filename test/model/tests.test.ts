/**
 * The tests' files (model/tests.ts testFiles, JobIndex.testFile): what only
 * the tests (and a test driver itself) wrote, and no job of the build read,
 * on a synthetic make build: `make check`'s runs, ctest's, and a job that
 * reads what a test wrote. Then what the answers make of them: summary's
 * groups and bt rdeps.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rdeps } from '../../src/answers/deps.js';
import { fileGroups } from '../../src/answers/groups.js';
import { buildFromRecords, type Build } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { addJob, O_CREAT, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';

const W = O_WRONLY | O_CREAT | O_TRUNC;

/** A recipe's shell (pid `pid`, child of make) that runs `./calc` (pid + 1) with its stdout to `out`. */
function runCalc(t: TraceBuilder, pid: number, out: string): void {
  t.fork(1, pid);
  t.exec(pid, '/bin/sh', ['/bin/sh', '-c', `./calc > ${out}`], '/w');
  t.open(pid, out, { fd: 1, flags: W });
  t.fork(pid, pid + 1);
  t.exec(pid + 1, '/w/calc', ['./calc'], '/w');
  t.exit(pid + 1, 0);
  t.close(pid, 1);
  t.exit(pid, 0);
}

/**
 * make in /w: cc makes calc of main.c; `make check`'s recipes run it into
 * test.out, compare it (cat), remove it (rm), run it into calc.log; ctest
 * runs it (it writes out.txt) and writes LastTest.log; then cp copies
 * out.txt to dist.txt, a job reading what a test wrote.
 */
function build(): Build {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make', 'all', 'check'], '/w');
  addJob(t, { parent: 1, pid: 2, exe: '/usr/bin/cc', argv: ['cc', '-o', 'calc', 'main.c'], reads: ['main.c'], writes: ['calc'] });
  runCalc(t, 3, 'test.out');
  t.fork(1, 5);
  t.exec(5, '/bin/sh', ['/bin/sh', '-c', 'test "$(cat test.out)" = 9'], '/w');
  addJob(t, { parent: 5, pid: 6, exe: '/usr/bin/cat', argv: ['cat', 'test.out'], reads: ['test.out'], writes: [] });
  t.exit(5, 0);
  t.fork(1, 7);
  t.exec(7, '/usr/bin/rm', ['rm', '-f', 'test.out'], '/w');
  t.pathOp(7, 'unlinkat', 'test.out');
  t.exit(7, 0);
  runCalc(t, 8, 'calc.log');
  t.fork(1, 10);
  t.exec(10, '/usr/bin/ctest', ['ctest'], '/w');
  addJob(t, { parent: 10, pid: 11, exe: '/w/calc', argv: ['/w/calc'], reads: [], writes: ['out.txt'] });
  t.open(10, 'LastTest.log', { fd: 3, flags: W });
  t.close(10, 3);
  t.exit(10, 0);
  addJob(t, { parent: 1, pid: 12, exe: '/usr/bin/cp', argv: ['cp', 'out.txt', 'dist.txt'], reads: ['out.txt'], writes: ['dist.txt'] });
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

const paths = (b: Build, ids: readonly number[]) => ids.map((id) => b.model.files[id].path).sort();

test('the tests and their files: what only make check\'s runs and ctest wrote, read by no job; not what a job read after', () => {
  const b = build();
  const argv = (procs: readonly number[]) => procs.map((p) => b.process(p)!.argv.join(' '));
  assert.deepEqual(argv(b.jobs.tests.map((j) => j.proc)), ['/bin/sh -c ./calc > test.out', '/bin/sh -c test "$(cat test.out)" = 9', '/bin/sh -c ./calc > calc.log', '/w/calc']);
  assert.deepEqual(argv(b.jobs.jobs.map((j) => j.proc)), ['cc -o calc main.c', 'rm -f test.out', 'cp out.txt dist.txt']);
  // ctest's own process is a test driver's: in a test for what it wrote, though in no job
  const ctest = b.model.processes.find((p) => p.argv[0] === 'ctest')!;
  assert.ok(b.jobs.inTest(ctest.proc) && !b.jobs.of(ctest.proc));
  assert.ok(!b.jobs.inTest(1), 'make is no test');
  const tested = b.model.files.filter((f) => b.jobs.testFile(f.id)).map((f) => f.path).sort();
  assert.deepEqual(tested, ['/w/LastTest.log', '/w/calc.log', '/w/test.out']);
});

test("summary's groups: the tests' files apart, not outputs or intermediates; a test's file a job read stays the build's", () => {
  const b = build();
  const g = fileGroups(b);
  assert.deepEqual(paths(b, g.tests), ['/w/LastTest.log', '/w/calc.log', '/w/test.out']);
  // before: calc.log and LastTest.log were outputs, test.out an intermediate
  assert.deepEqual(paths(b, g.outputs), ['/w/calc', '/w/dist.txt']);
  assert.deepEqual(paths(b, g.intermediates), ['/w/out.txt']);
});

test("bt rdeps: the tests that used FILE or what was made of it are listed apart; their files are in neither the tree nor the outputs", () => {
  const b = build();
  const r = rdeps(b, b.file('/w/main.c')!);
  assert.deepEqual(r.outputs, ['/w/calc', '/w/dist.txt', '/w/out.txt']);
  assert.deepEqual(r.tests.map((p) => p.argv.join(' ')), ['/bin/sh -c ./calc > test.out', '/bin/sh -c test "$(cat test.out)" = 9', '/bin/sh -c ./calc > calc.log', '/w/calc']);
  // the test whose file a job read (ctest's run writing out.txt, which cp read) made something of the build
  assert.deepEqual(r.processes.map((p) => p.argv.join(' ')), ['cc -o calc main.c', '/w/calc', 'cp out.txt dist.txt']);
  const tree = JSON.stringify(r.tree);
  for (const f of ['calc.log', 'test.out']) assert.ok(!tree.includes(f), f);
  // --depth 1: calc's readers are not reached, nor the tests
  assert.deepEqual(rdeps(b, b.file('/w/main.c')!, { depth: 1 }).tests, []);
  // the test that only read what another test wrote, reached from it
  assert.deepEqual(rdeps(b, b.file('/w/test.out')!).tests.map((p) => p.proc), [b.jobs.tests[1].proc]);
});
