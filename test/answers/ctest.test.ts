/**
 * ctest runs tests, not build steps (model/jobs.ts JobIndex.tests): each
 * test program's run is a test, counted apart from the jobs, and the
 * products it ran stay outputs; what the tests wrote (app's out.txt) and
 * ctest's own files (LastTest.log) are the tests' files. REAL traces of test-programs/ctestproject (eBPF, as root).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, REPO, tmpdir, trace } from '../helpers/trace.js';

interface Summary {
  job_count: number;
  test_count: number;
  failed_tests: Array<{ argv: string[]; exit_code: number }>;
  failed_jobs: unknown[];
  jobs: Array<{ argv: string[] }>;
  outputs: string[];
  intermediates: string[];
  test_files: string[];
  test_files_removed: string[];
  critical_path: Array<{ argv: string[] }>;
}

ebpfTest('bt summary: cmake --build && ctest: the tests are no jobs, the products they ran stay outputs, what the tests and ctest wrote is the tests\' files', async () => {
  const dir = path.join(tmpdir('bt-ctest-'), 'ctestproject');
  fs.cpSync(path.join(REPO, 'test-programs', 'ctestproject'), dir, { recursive: true });
  await execa('cmake', ['-S', '.', '-B', 'b'], { cwd: dir });
  const t = await trace(['sh', '-c', 'cmake --build b && ctest --test-dir b'], { cwd: dir });
  assert.equal(t.code, 8, t.stderr); // the failing test
  const r = await bt(['summary', '--json', t.file]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as Summary;
  const rel = (x: string) => (x.startsWith(dir + '/') ? x.slice(dir.length + 1) : x);
  // before: b/app and b/libops.a… b/app was an intermediate (the tests read it), and ctest one job of the build
  assert.ok(s.outputs.map(rel).includes('b/app'), s.outputs.join('\n'));
  assert.ok(!s.intermediates.map(rel).includes('b/app'));
  assert.ok(s.intermediates.map(rel).includes('b/libops.a'), 'what the link read is still handed on');
  // before: outputs, with b/out.txt, which the tests' runs of app wrote
  const tested = ['b/Testing/Temporary/CTestCostData.txt', 'b/Testing/Temporary/LastTest.log', 'b/Testing/Temporary/LastTestsFailed.log', 'b/out.txt'];
  assert.deepEqual(s.test_files.map(rel), tested);
  for (const f of tested) assert.ok(!s.outputs.map(rel).includes(f), f);
  // ctest's LastTest.log.tmp, renamed onto LastTest.log, and its checkpoint, made and removed, stay temporaries
  assert.deepEqual(s.test_files_removed, []);
  assert.equal(s.test_count, 3);
  assert.deepEqual(s.failed_tests.map((x) => [x.argv.slice(1), x.exit_code]), [[['fail'], 1]]);
  assert.deepEqual(s.failed_jobs, []);
  assert.ok(!s.jobs.some((j) => /ctest|\/app$/.test(j.argv[0]!)), JSON.stringify(s.jobs.map((j) => j.argv[0])));
  assert.ok(!s.critical_path.some((j) => /ctest|\/app$/.test(j.argv[0]!)), JSON.stringify(s.critical_path));
  const text = await bt(['summary', t.file]);
  assert.match(text.stdout, /; tests: 3 \(1 failed\); /);
  assert.match(text.stdout, /^failed tests \(1\):\n  \S*\/b\/app fail  \(exit 1, proc \d+\)$/m);
  assert.doesNotMatch(text.stdout, /no job failed/);
  assert.match(text.stdout, /^files the tests wrote \(4\):\n {2}b\/Testing\/Temporary\/CTestCostData\.txt\n/m);
  const d = await bt(['deps', 'b/Testing/Temporary/LastTest.log', t.file], { cwd: dir });
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stdout, /^b\/Testing\/Temporary\/LastTest\.log  <- written by ctest --test-dir b \[proc \d+\]$/m);
  // what is made of ops.c: the build's files, not the tests' out.txt; the three tests apart
  const rd = JSON.parse((await bt(['rdeps', 'ops.c', '--json', t.file], { cwd: dir })).stdout) as { outputs: string[]; tests: Array<{ argv: string[] }> };
  assert.deepEqual(rd.outputs.map(rel), ['b/CMakeFiles/ops.dir/ops.c.o', 'b/CMakeFiles/ops.dir/ops.c.o.d', 'b/app', 'b/libops.a']);
  assert.deepEqual(rd.tests.map((p) => p.argv.slice(1).join(' ')), ['', '2 3', 'fail']);
});

ebpfTest('bt summary: make test (its recipe runs ctest) counts tests, not jobs', async () => {
  const dir = path.join(tmpdir('bt-ctest-'), 'ctestproject');
  fs.cpSync(path.join(REPO, 'test-programs', 'ctestproject'), dir, { recursive: true });
  await execa('cmake', ['-S', '.', '-B', 'b'], { cwd: dir });
  const t = await trace(['make', '-C', 'b', 'all', 'test'], { cwd: dir });
  assert.equal(t.code, 2, t.stderr);
  const r = await bt(['summary', '--json', t.file]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as Summary;
  assert.equal(s.test_count, 3);
  assert.ok(s.outputs.some((f) => f.endsWith('/b/app')), s.outputs.join('\n'));
  // the recipe's shell that ran ctest (`cd b && ctest …`) is no job either
  const ctest = (j: { argv: string[] }) => j.argv.some((a) => /(^|[/ ])ctest( |$)/.test(a));
  assert.ok(!s.jobs.some(ctest), JSON.stringify(s.jobs.map((j) => j.argv)));
  assert.ok(!s.critical_path.some(ctest), JSON.stringify(s.critical_path));
});
