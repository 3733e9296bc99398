/**
 * debhelper's `dh` is a build driver by default: each command of its
 * sequence is a job (test-programs/dhproject: `make binary` runs ./dh, a
 * script that runs cp and tr). A build whose one job holds nearly all its
 * processes and time gets a hint in bt summary: the program that started
 * them may be a driver bt does not know (`--driver NAME`).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { summarize } from '../../src/answers/summary.js';
import { summaryText } from '../../src/answers/text.js';
import { buildFromRecords, loadBuild } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { traceProject } from '../helpers/projects.js';
import { TraceBuilder } from '../normalize/synth.js';

ebpfTest('dh drives the build: each command of its sequence is a job, with its own inputs and outputs', async () => {
  const { dir, file } = await traceProject('dhproject', { args: ['binary'], jobs: 1, clean: ['build.txt', 'pkg.txt'] });
  const b = loadBuild(file);
  const rel = (ids: number[]) => ids.map((id) => path.relative(dir, b.model.files[id].path)).filter((p) => !p.startsWith('..'));
  const jobs = b.jobs.jobs.map((j) => ({ argv: b.process(j.proc)!.argv, inputs: rel(j.inputs), outputs: rel(j.outputs) }));
  assert.deepEqual(jobs, [
    { argv: ['cp', 'control', 'build.txt'], inputs: ['control'], outputs: ['build.txt'] },
    { argv: ['sort', '-o', 'pkg.txt', 'build.txt'], inputs: ['build.txt'], outputs: ['pkg.txt'] },
  ]);
});

/** make runs `seqr` (pid 2), a sequencer bt does not know, which runs 24 commands one after another. */
function sequencerBuild(): TraceBuilder {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  t.fork(1, 2);
  t.exec(2, '/bin/sh', ['/bin/sh', '-c', './seqr binary'], '/w');
  t.fork(2, 3);
  t.exec(3, '/w/seqr', ['./seqr', 'binary'], '/w');
  for (let pid = 10; pid < 34; pid++) {
    t.fork(3, pid);
    t.exec(pid, '/usr/bin/true', ['true', String(pid)], '/w');
    t.exit(pid, 0);
  }
  t.exit(3, 0);
  t.exit(2, 0);
  t.exit(1, 0);
  return t;
}

test('summary: one job holding nearly the whole build names the program that started its processes, to pass as --driver', () => {
  const t = sequencerBuild();
  const n = normalizeRecords(t.header, t.records);
  const s = summarize(buildFromRecords(n.header, n.records));
  assert.deepEqual(s.coarse_job, { proc: 2, share: 26 / 27, program: 'seqr' });
  assert.ok(summaryText(s).split('\n').includes("note: one job holds 96% of the build's processes: if seqr drives the build, pass --driver seqr"));
  // with it a driver, its commands are the jobs: no hint
  const d = summarize(buildFromRecords(n.header, n.records, { drivers: ['seqr'] }));
  assert.equal(d.coarse_job, null);
  assert.equal(d.job_count, 24);
  assert.ok(!summaryText(d).includes('--driver'));
});
