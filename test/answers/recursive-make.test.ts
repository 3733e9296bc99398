/**
 * A recursive make on a REAL trace (eBPF, as root): a recipe's shell that
 * runs the sub-make itself (automake's `for d in $(SUBDIRS); do (cd $$d &&
 * $(MAKE)); done`, Lua's `cd src && $(MAKE)`) contains the sub-make's jobs
 * and is none itself (model/jobs.ts wrapsDriver): the jobs, the critical
 * path, the slowest jobs and the parallelism are the sub-make's recipes',
 * counted once.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';

/** app from main.o and sub/libs.a; sub/ is built by a loop over SUBDIRS, or by `cd sub && $(MAKE)`. */
function project(recipe: string): string {
  const dir = tmpdir('bt-recursive-');
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.writeFileSync(
    path.join(dir, 'Makefile'),
    `SUBDIRS = sub\nall: app\napp: main.o sub-all\n\tcc -o app main.o sub/libs.a\nsub-all:\n\t${recipe}\nmain.o: main.c\n\tcc -c main.c\n.PHONY: all sub-all\n`,
  );
  fs.writeFileSync(path.join(dir, 'sub', 'Makefile'), 'libs.a: s.o\n\tar rcs libs.a s.o\ns.o: s.c\n\tsleep 0.5; cc -c s.c\n');
  fs.writeFileSync(path.join(dir, 'sub', 's.c'), 'int s(void) { return 0; }\n');
  fs.writeFileSync(path.join(dir, 'main.c'), 'int s(void);\nint main(void) { return s(); }\n');
  return dir;
}

for (const [name, recipe] of [
  ['a loop over SUBDIRS', 'for d in $(SUBDIRS); do (cd $$d && $(MAKE)); done'],
  ['cd sub && $(MAKE)', 'cd sub && $(MAKE)'],
]) {
  ebpfTest(`bt summary: a recursive make's recipe shell (${name}) is no job; the sub-make's recipes are`, async () => {
    const dir = project(recipe);
    const t = await trace(['make'], { cwd: dir });
    assert.equal(t.code, 0, t.stderr);
    const r = await bt(['summary', '--json', t.file]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { job_count: number; jobs: Array<{ argv: string[] }>; critical_path: Array<{ argv: string[] }>; parallelism: number };
    assert.equal(s.job_count, 4);
    assert.deepEqual(s.jobs.map((j) => j.argv.join(' ')).sort(), ['/bin/sh -c sleep 0.5; cc -c s.c', 'ar rcs libs.a s.o', 'cc -c main.c', 'cc -o app main.o sub/libs.a']);
    assert.deepEqual(s.jobs[0].argv, ['/bin/sh', '-c', 'sleep 0.5; cc -c s.c'], 'the slowest job is the sub-make compile, not the shell that ran the sub-make');
    assert.deepEqual(
      s.critical_path.map((j) => j.argv),
      [
        ['/bin/sh', '-c', 'sleep 0.5; cc -c s.c'],
        ['ar', 'rcs', 'libs.a', 's.o'],
        ['cc', '-o', 'app', 'main.o', 'sub/libs.a'],
      ],
    );
    // make without -j runs one job at a time: the nested time is not counted twice
    assert.ok(s.parallelism > 0.5 && s.parallelism <= 1, `parallelism ${s.parallelism}`);
    // the shell that ran the sub-make (and its subshell) is in no job, as bt sql's processes table says
    const sql = await bt(['sql', "SELECT job FROM processes WHERE tool = 'sh' AND argv[3] LIKE '%&& make%'", t.file, '--json']);
    assert.equal(sql.code, 0, sql.stderr);
    const rows = sql.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { job: number });
    assert.ok(rows.length >= 1, sql.stdout);
    assert.deepEqual(new Set(rows.map((r) => r.job)), new Set([0]));
  });
}

ebpfTest('bt summary: a recipe that runs a script that runs the sub-make stays a job (kbuild runs make from link-vmlinux.sh)', async () => {
  const dir = project('cd . && sh ./build-sub.sh');
  fs.writeFileSync(path.join(dir, 'build-sub.sh'), 'cd sub && make\n');
  const t = await trace(['make'], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  const r = await bt(['summary', '--json', t.file]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as { job_count: number; jobs: Array<{ argv: string[] }> };
  assert.equal(s.job_count, 5);
  assert.deepEqual(s.jobs[0].argv, ['/bin/sh', '-c', 'cd . && sh ./build-sub.sh']);
});

/**
 * npm's `sh -c node-gyp-build` runs node-gyp, which runs gyp (writing
 * build/Makefile) and then make, whose recipes are jobs of their own: the
 * outer recipe is a job that contains jobs. Here `sh ./build-sub.sh`
 * writes sub/gen.h (as gyp writes its Makefile), then runs make in sub,
 * whose compile reads gen.h.
 */
ebpfTest('bt summary: the critical path does not chain a job with the jobs it started; the outer one counts its own time', async () => {
  const dir = project('cd . && sh ./build-sub.sh');
  fs.writeFileSync(path.join(dir, 'build-sub.sh'), 'sleep 0.2; echo "#define G 1" > sub/gen.h; cd sub && make\n');
  fs.writeFileSync(path.join(dir, 'sub', 'Makefile'), 'libs.a: s.o\n\tar rcs libs.a s.o\ns.o: s.c gen.h\n\tsleep 0.5; cc -c s.c\n');
  fs.writeFileSync(path.join(dir, 'sub', 's.c'), '#include "gen.h"\nint s(void) { return G - 1; }\n');
  const t = await trace(['make'], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  const r = await bt(['summary', '--json', t.file]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as { jobs: Array<{ argv: string[]; duration_ms: number }>; critical_path: Array<{ argv: string[]; duration_ms: number }>; critical_path_ms: number };
  const outer = s.jobs.find((j) => j.argv.join(' ') === '/bin/sh -c cd . && sh ./build-sub.sh')!;
  assert.ok(outer.duration_ms >= 700, `the outer job ran the sub-make: ${outer.duration_ms} ms`);
  // before: the outer job (0.7 s and more) then the compile it contains (0.5 s), counted twice
  assert.deepEqual(
    s.critical_path.map((j) => j.argv.join(' ')),
    ['/bin/sh -c sleep 0.5; cc -c s.c', 'ar rcs libs.a s.o', 'cc -o app main.o sub/libs.a'],
  );
  const sum = s.critical_path.reduce((n, j) => n + j.duration_ms, 0);
  // each line and the total are rounded to the millisecond on their own
  assert.ok(Math.abs(sum - s.critical_path_ms) <= s.critical_path.length, `${sum} vs ${s.critical_path_ms}`);
  assert.ok(s.critical_path_ms < outer.duration_ms + 100, `${s.critical_path_ms} ms`);
});
