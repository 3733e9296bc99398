/**
 * A traced command that does the build's work itself (ant's java after its
 * launcher script's `uname`, `gradle --no-daemon`, a script writing its
 * outputs): no build driver by program, it wrote files in the start
 * directory. It still acts as a driver (its children are jobs), and it
 * counts as a job too (model/jobs.ts JobIndex.rootWork): in the job count,
 * the slowest jobs, the critical path and the parallelism (there, with its
 * time while none of the jobs it started ran). A make root, or a root whose only writes are
 * elsewhere (a build server's client taking its registry's lock), does not.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { summarize } from '../../src/answers/summary.js';
import { buildFromRecords } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';
import { BASE_TS, O_CREAT, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';

const W = O_WRONLY | O_CREAT | O_TRUNC;

/** The root (`exe`, argv) runs `uname` for 10 ms, then works 2 s and writes `out` itself. */
function rootBuild(exe: string, argv: string[], out: string) {
  const t = new TraceBuilder(1, '/w');
  t.at(BASE_TS);
  t.exec(1, exe, argv, '/w');
  t.fork(1, 2);
  t.exec(2, '/usr/bin/uname', ['uname', '-r'], '/w');
  t.at(BASE_TS + 10e6);
  t.exit(2, 0);
  t.open(1, 'src/A.java', { fd: 3 });
  t.at(BASE_TS + 1e9);
  t.open(1, out, { fd: 4, flags: W });
  t.at(BASE_TS + 2e9);
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

test('summary: a root that wrote the build\'s outputs itself is a job: slowest, critical path, parallelism', () => {
  const ant = ['java', '-cp', '/usr/share/ant/lib/ant-launcher.jar', 'org.apache.tools.ant.launch.Launcher'];
  const b = rootBuild('/usr/bin/java', ant, 'build/app.jar');
  assert.deepEqual(b.jobs.rootWork.map((u) => u.proc), [1]);
  assert.deepEqual(b.jobs.jobs.map((j) => j.proc), [2], 'its children are jobs still');
  const s = summarize(b);
  assert.equal(s.job_count, 2);
  assert.deepEqual(s.root_jobs.map((j) => j.argv), [ant]);
  assert.deepEqual(s.jobs.map((j) => j.proc), [1, 2]);
  // the critical path is the root (uname, a question of the build, links no chain: its time is the root's)
  assert.deepEqual(s.critical_path.map((j) => [j.proc, j.duration_ms]), [[1, 2000]]);
  assert.equal(s.parallelism, 1);
});

test('summary: a make root, a shell, or a root whose only writes are outside the start directory, is no job', () => {
  const make = rootBuild('/usr/bin/make', ['make'], 'build/app.jar');
  assert.deepEqual(make.jobs.rootWork, []);
  assert.deepEqual(summarize(make).critical_path.map((j) => j.proc), [2]);
  // a shell's own writes are its redirections and builtins (`echo a > a.txt`): the work is in what it runs
  assert.deepEqual(rootBuild('/bin/sh', ['sh', '-c', 'uname -r; echo a > a.txt'], 'a.txt').jobs.rootWork, []);
  const client = rootBuild('/usr/bin/java', ['java', 'org.gradle.launcher.GradleMain', 'build'], '/root/.gradle/daemon/4.4.1/registry.bin.lock');
  assert.deepEqual(client.jobs.rootWork, []);
  const s = summarize(client);
  assert.equal(s.job_count, 1);
  assert.ok(s.parallelism < 0.1, `parallelism ${s.parallelism}`);
});

ebpfTest('bt summary (REAL trace): a python script that runs one child and writes its outputs itself is on the critical path', async () => {
  const dir = tmpdir('bt-rootwork-');
  const script = [
    'import subprocess, time',
    "subprocess.run(['uname', '-r'], check=True, stdout=subprocess.DEVNULL)",
    't = time.time()',
    'while time.time() - t < 0.5: pass',
    "open('out.txt', 'w').write('made by the root\\n')",
    '',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'build.py'), script);
  const t = await trace(['/usr/bin/python3', 'build.py'], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  const r = await bt(['summary', '--json', t.file], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as { job_count: number; root_jobs: Array<{ argv: string[] }>; critical_path: Array<{ argv: string[]; duration_ms: number }>; parallelism: number; outputs: string[] };
  assert.deepEqual(s.outputs, [path.join(dir, 'out.txt')]);
  assert.equal(s.job_count, 2);
  assert.deepEqual(s.root_jobs.map((j) => j.argv), [['/usr/bin/python3', 'build.py']]);
  // before: the critical path was `uname -r` and the parallelism 0.02
  assert.deepEqual(s.critical_path.map((j) => j.argv), [['/usr/bin/python3', 'build.py']]);
  assert.ok(s.critical_path[0].duration_ms >= 500, `${s.critical_path[0].duration_ms} ms`);
  assert.ok(s.parallelism >= 0.9, `parallelism ${s.parallelism}`);
});
