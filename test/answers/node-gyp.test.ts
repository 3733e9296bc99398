/**
 * bt summary's critical path of `node-gyp rebuild` (synth.ts
 * nodeGypTrace): it starts with gyp, the configure step that wrote the
 * Makefile make ran the compiles from, and leaves out node-gyp's python
 * probe, a question that wrote nothing and read nothing the build made.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarize } from '../../src/answers/summary.js';
import { summaryText } from '../../src/answers/text.js';
import { buildFromRecords } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { nodeGypTrace, TraceBuilder } from '../normalize/synth.js';

function summaryOf(t: TraceBuilder) {
  const n = normalizeRecords(t.header, t.records);
  return summarize(buildFromRecords(n.header, n.records));
}

const path = (s: ReturnType<typeof summaryOf>) => s.critical_path.map((j) => `${j.argv.join(' ')} ${j.duration_ms}`);
const GYP = 'python3 /usr/lib/node_modules/npm/node_modules/node-gyp/gyp/gyp_main.py binding.gyp -f make';

test("critical path: make's jobs come after the configure step that wrote the Makefile make read (gyp), though they read nothing it wrote", () => {
  // before: the compile and the link alone
  assert.deepEqual(path(summaryOf(nodeGypTrace(false))), [`${GYP} 200`, 'g++ -c -o a.o ../src/a.cc 100', 'g++ -shared -o a.node a.o 100']);
});

test("critical path: node-gyp's python probe (0.5 s, longer than the chain) wrote nothing and read nothing the build made: no link of it", () => {
  const s = summaryOf(nodeGypTrace());
  // before: the probe alone, `python3 -c … 500`
  assert.deepEqual(path(s), [`${GYP} 200`, 'g++ -c -o a.o ../src/a.cc 100', 'g++ -shared -o a.node a.o 100']);
  assert.equal(s.critical_path_ms, 400);
  assert.match(summaryText(s), /\ncritical path \(3 jobs, 0\.400 s\):\n {5}0\.200 s {2}python3 \S+\/gyp_main\.py binding\.gyp -f make\n/);
  // still a job of the build, and the slowest: its time is the build's
  assert.equal(s.job_count, 4);
  assert.deepEqual(s.jobs[0].argv.slice(0, 2), ['python3', '-c']);
});

test('critical path: a build whose every job is a question still has one, its longest job', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  t.fork(1, 2);
  t.exec(2, '/usr/bin/uname', ['uname', '-m'], '/w');
  t.exit(2, 0);
  t.fork(1, 3);
  t.exec(3, '/usr/bin/printf', ['printf', 'done\\n'], '/w');
  t.open(3, '/usr/share/locale/locale.alias', { fd: 3 });
  t.close(3, 3);
  t.exit(3, 0);
  t.exit(1, 0);
  assert.deepEqual(summaryOf(t).critical_path.map((j) => j.argv[0]), ['printf']);
});

test("critical path of npm install building an addon: node-gyp, which npm's install script starts through sh -c, is a driver: gyp, then make's jobs", () => {
  const s = summaryOf(nodeGypTrace(true, true));
  // before: one job, `sh -c 'node-gyp rebuild'`, with gyp, make and the compiles inside it
  assert.deepEqual(path(s), [`${GYP} 200`, 'g++ -c -o a.o ../src/a.cc 100', 'g++ -shared -o a.node a.o 100']);
  assert.deepEqual(
    s.jobs.map((j) => j.argv[0]),
    ['python3', 'python3', 'g++', 'g++'],
  );
});
