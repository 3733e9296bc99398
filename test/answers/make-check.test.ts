/**
 * A make build's test runs (model/tests.ts): `make check`'s recipes that
 * run the product and leave nothing but logs are tests, not jobs, so the
 * critical path ends with the build (and its install), not the tests; a
 * generator the build made and runs stays a job; what the tests wrote
 * (calc.log, test.out) is theirs, no output, and bt rdeps lists the tests
 * apart from what was made. REAL traces of
 * test-programs/checkproject (eBPF, as root).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, REPO, tmpdir, trace } from '../helpers/trace.js';

interface Summary {
  job_count: number;
  test_count: number;
  failed_tests: Array<{ argv: string[]; exit_code: number }>;
  jobs: Array<{ argv: string[] }>;
  outputs: string[];
  intermediates: string[];
  test_files: string[];
  test_files_removed: string[];
  phases: Array<{ argv: string[]; jobs: number; tests: number }>;
  critical_path: Array<{ argv: string[] }>;
}

function project(): string {
  const dir = path.join(tmpdir('bt-check-'), 'checkproject');
  fs.cpSync(path.join(REPO, 'test-programs', 'checkproject'), dir, { recursive: true });
  return dir;
}

ebpfTest('bt summary: make && make install && make check: the test runs are tests, the install ends the critical path', async () => {
  const dir = project();
  const t = await trace(['sh', '-c', `make -j2 && make install DESTDIR=${dir}/dest && make check`], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  const r = await bt(['summary', '--json', t.file]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as Summary;
  const rel = (x: string) => (x.startsWith(dir + '/') ? x.slice(dir.length + 1) : x);
  const jobs = s.jobs.map((j) => j.argv.join(' '));
  // before: 13 jobs, the critical path ending `./calc > test.out`, `test "$(cat test.out)" = 9`
  assert.equal(s.test_count, 4, jobs.join('\n')); // ./calc twice, and the two recipes that read what they wrote
  assert.equal(s.job_count, 9, jobs.join('\n'));
  assert.ok(!jobs.some((c) => /calc >|cat test\.out|grep -q/.test(c)), jobs.join('\n'));
  assert.ok(jobs.includes('rm -f test.out'), 'a clean-up is no test');
  // the generator the build made and ran stays a job, on the critical path
  assert.ok(jobs.includes('/bin/sh -c ./gentab > gen.h'), jobs.join('\n'));
  const cp = s.critical_path.map((j) => j.argv.join(' '));
  assert.deepEqual(cp, [
    'cc -o gentab tools/gentab.c',
    '/bin/sh -c ./gentab > gen.h',
    'cc -O2 -Iinclude -I. -c -o src/main.o src/main.c',
    'cc -o calc src/add.o src/mul.o src/main.o',
    `install -m755 calc ${dir}/dest/usr/local/bin/calc`,
  ]);
  assert.deepEqual(s.phases.map((p) => [p.argv.at(-1), p.jobs, p.tests]), [['-j2', 6, 0], [`DESTDIR=${dir}/dest`, 2, 0], ['check', 1, 4]]);
  // the installed program is an output made of the product; gen.h is handed on; what the tests wrote is theirs
  // (before: calc.log an output, test.out an intermediate)
  assert.deepEqual(s.outputs.map(rel), ['dest/usr/local/bin/calc']);
  assert.ok(s.intermediates.map(rel).includes('gen.h'));
  assert.deepEqual(s.test_files.map(rel), ['calc.log']);
  assert.deepEqual(s.test_files_removed.map(rel), ['test.out']);
  assert.ok(!s.intermediates.map(rel).includes('test.out'));
  const d = await bt(['deps', 'dest/usr/local/bin/calc', t.file], { cwd: dir });
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stdout, /^dest\/usr\/local\/bin\/calc {2}<- written by install -m755 calc \S+ \[proc \d+\]$/m);
  assert.match(d.stdout, /^ {2}calc {2}<- written by cc -o calc src\/add\.o src\/mul\.o src\/main\.o \[proc \d+\]$/m);
  assert.match(d.stdout, /^ +src\/main\.c$/m);
  const text = await bt(['summary', t.file]);
  assert.match(text.stdout, /; tests: 4 \(0 failed\); /);
  assert.match(text.stdout, /then make check: 1 job, 4 tests, /);
  assert.match(text.stdout, /^outputs \(1\):\n {2}dest\/usr\/local\/bin\/calc\n/m);
  assert.match(text.stdout, /^files the tests wrote \(2, 1 of them removed\):\n {2}calc\.log\n(?! )/m);
  // what is made of a source: the build's files, and the tests to run again apart
  const rj = await bt(['rdeps', 'src/add.c', '--json', t.file], { cwd: dir });
  assert.equal(rj.code, 0, rj.stderr);
  const rd = JSON.parse(rj.stdout) as { outputs: string[]; tests: Array<{ argv: string[] }> };
  assert.deepEqual(rd.outputs.map(rel), ['calc', 'dest/usr/local/bin/calc', 'src/add.o']);
  assert.deepEqual(rd.tests.map((p) => p.argv.join(' ')), [
    '/bin/sh -c ./calc > test.out',
    '/bin/sh -c test "$(cat test.out)" = 9',
    '/bin/sh -c ./calc > calc.log 2>&1',
    'grep -q 9 calc.log',
  ]);
  const rt = await bt(['rdeps', 'calc', t.file], { cwd: dir });
  assert.match(rt.stdout, /^calc\n {2}dest\/usr\/local\/bin\/calc {2}<- made by install -m755 calc \S+ \[proc \d+\]\n\n1 file made from it by 1 job\n4 tests used it or what was made from it: \/bin\/sh -c '\.\/calc > test\.out' \[proc \d+\], .*, and 1 more$/);
});

ebpfTest('bt summary: make && make check: the product the tests ran stays an output; a failing test is a failed test', async () => {
  const dir = project();
  fs.writeFileSync(path.join(dir, 'src', 'add.c'), 'int add(int a, int b) { return a + b + 1; }\n');
  const t = await trace(['sh', '-c', 'make -j2 && make check'], { cwd: dir });
  assert.equal(t.code, 2, t.stderr);
  const r = await bt(['summary', '--json', t.file]);
  const s = JSON.parse(r.stdout) as Summary;
  const rel = (x: string) => (x.startsWith(dir + '/') ? x.slice(dir.length + 1) : x);
  assert.deepEqual(s.outputs.map(rel), ['calc']);
  assert.ok(!s.intermediates.map(rel).includes('calc'));
  // the failed comparison left test.out behind: the tests' file, no output
  assert.deepEqual(s.test_files.map(rel), ['test.out']);
  assert.deepEqual(s.test_files_removed, []);
  assert.deepEqual(s.failed_tests.map((x) => [x.argv.join(' '), x.exit_code]), [['/bin/sh -c test "$(cat test.out)" = 9', 1]]);
  // the failed run left test.out behind: still a test, and ./calc's run with it
  assert.equal(s.test_count, 2);
  assert.ok(!s.jobs.some((j) => /calc >|cat test\.out/.test(j.argv.join(' '))), JSON.stringify(s.jobs));
  assert.equal(s.critical_path.at(-1)!.argv.join(' '), 'cc -o calc src/add.o src/mul.o src/main.o');
});
