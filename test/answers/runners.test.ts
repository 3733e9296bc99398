/**
 * Command runners (model/runners.ts): xargs and GNU parallel that ran their
 * command several times at once drive jobs, as make -j does; parallel's
 * start-up probes are no jobs; a runner that ran one run after another (or
 * one: `xargs rm -f` in a recipe) and `find -exec` stay in the job that ran
 * them. REAL traces of test-programs/checkproject's sources (eBPF, as root).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { needTools } from '../helpers/tools.js';
import { bt, REPO, tmpdir, trace } from '../helpers/trace.js';

interface Summary {
  job_count: number;
  parallelism: number;
  failed_jobs: unknown[];
  failed_probes: unknown[];
  jobs: Array<{ argv: string[] }>;
  critical_path: Array<{ argv: string[] }>;
}

/** A copy of checkproject with gen.h written (no generator run: the runners compile the sources alone). */
function project(): string {
  const dir = path.join(tmpdir('bt-runners-'), 'p');
  fs.cpSync(path.join(REPO, 'test-programs', 'checkproject'), dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'gen.h'), '#define GEN_TWO 2\n');
  return dir;
}

async function summary(file: string): Promise<Summary> {
  const r = await bt(['summary', '--json', file]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Summary;
}

const cmd = (j: { argv: string[] }) => j.argv.join(' ');

ebpfTest('bt summary: xargs -P2 drives its compiles: a job each, the critical path a compile then the link', async () => {
  const dir = project();
  const t = await trace(['sh', '-c', "find src -name '*.c' | sort | xargs -P2 -n1 gcc -O2 -Iinclude -I. -c && gcc -o calc add.o main.o mul.o"], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  const s = await summary(t.file);
  // before: 3 jobs (find, xargs, the link), parallelism 1, the critical path through xargs
  assert.deepEqual(s.jobs.map(cmd).filter((c) => c.startsWith('gcc -O2')).sort(), ['gcc -O2 -Iinclude -I. -c src/add.c', 'gcc -O2 -Iinclude -I. -c src/main.c', 'gcc -O2 -Iinclude -I. -c src/mul.c']);
  assert.equal(s.job_count, 6, JSON.stringify(s.jobs.map(cmd))); // find, sort, three compiles, the link
  assert.ok(!s.jobs.some((j) => j.argv[0] === 'xargs'));
  assert.equal(s.critical_path.length, 2, JSON.stringify(s.critical_path));
  assert.match(cmd(s.critical_path[0]!), /^gcc -O2 -Iinclude -I\. -c src\/\w+\.c$/);
  assert.equal(cmd(s.critical_path[1]!), 'gcc -o calc add.o main.o mul.o');
  // each object is made of its own source only (in one job, mul.o was made of add.c too)
  const d = await bt(['deps', 'mul.o', t.file], { cwd: dir });
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stdout, /^mul\.o {2}<- written by gcc -O2 -Iinclude -I\. -c src\/mul\.c \[proc \d+\]$/m);
  assert.doesNotMatch(d.stdout, /src\/(add|main)\.c/);
});

ebpfTest('bt summary: xargs one run after another, find -exec and a recipe\'s `xargs rm -f` stay in the job that ran them', async () => {
  const dir = project();
  fs.appendFileSync(path.join(dir, 'Makefile'), '\ntidy:\n\tls src/*.o | xargs rm -f\n');
  const t = await trace(
    ['sh', '-c', "ls src/*.c | xargs -n1 gcc -O2 -Iinclude -I. -c && find src -name '*.c' -exec gcc -O2 -Iinclude -I. -c -o {}.o {} ';' && make tidy"],
    { cwd: dir },
  );
  assert.equal(t.code, 0, t.stderr);
  const s = await summary(t.file);
  const jobs = s.jobs.map(cmd);
  assert.ok(jobs.includes('xargs -n1 gcc -O2 -Iinclude -I. -c'), jobs.join('\n'));
  assert.ok(jobs.includes('find src -name *.c -exec gcc -O2 -Iinclude -I. -c -o {}.o {} ;'), jobs.join('\n'));
  assert.ok(jobs.includes('/bin/sh -c ls src/*.o | xargs rm -f'), jobs.join('\n'));
  assert.ok(!jobs.some((c) => c.startsWith('gcc ') || c.startsWith('rm ')), jobs.join('\n'));
});

ebpfTest('bt summary: GNU parallel -j2 drives its compiles; its start-up probes are no jobs', async (t) => {
  if (!needTools(t, 'parallel')) return;
  const dir = project();
  const tr = await trace(['sh', '-c', 'parallel -j2 gcc -O2 -Iinclude -I. -c -o {.}.o {} ::: src/*.c && gcc -o calc src/*.o'], { cwd: dir });
  assert.equal(tr.code, 0, tr.stderr);
  const s = await summary(tr.file);
  const jobs = s.jobs.map(cmd);
  // before: 2 jobs (parallel, the link), the critical path parallel's 1 s of perl; with --driver parallel: 26, 13 failed probes
  assert.deepEqual(jobs.filter((c) => /gcc -O2/.test(c)).sort(), ['add', 'main', 'mul'].map((n) => `/usr/bin/sh -c gcc -O2 -Iinclude -I. -c -o src/${n}.o src/${n}.c`), jobs.join('\n'));
  assert.equal(s.job_count, 4, jobs.join('\n'));
  assert.deepEqual(s.failed_probes, []);
  assert.deepEqual(s.failed_jobs, []);
  assert.equal(s.critical_path.length, 2, JSON.stringify(s.critical_path));
  assert.equal(cmd(s.critical_path[1]!), 'gcc -o calc src/add.o src/main.o src/mul.o');
});
