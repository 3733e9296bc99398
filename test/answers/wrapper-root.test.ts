/**
 * A traced command under a wrapper (model/program.ts isWrapper): `fakeroot
 * make install` runs getopt, `echo | sed`, `| cut` and its faked daemon in
 * subshells of its script before it runs make, and the daemon lives on
 * until after the script exits. The wrapped make acts as the root: its
 * recipes are the jobs; the wrapper's own processes are in no job, so they
 * are neither jobs, nor on the critical path, nor in the parallelism.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarize } from '../../src/answers/summary.js';
import { buildFromRecords } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { BASE_TS, O_CREAT, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';

const W = O_WRONLY | O_CREAT | O_TRUNC;
const MS = 1e6;

/** fakeroot (1, a #! script) as the review's trace has it: getopt -T (2, exit 4), `sed` in a subshell (3 -> 4), faked-sysv (5 -> 6) whose daemon (7) outlives the script, make (8) with two install recipes (9, 10). */
function fakerootBuild(wrapper: string[] = ['/bin/sh', '/usr/bin/fakeroot']) {
  const t = new TraceBuilder(1, '/w');
  let now = BASE_TS;
  const step = (ms: number) => t.at((now += ms * MS));
  t.at(now);
  t.exec(1, wrapper[1] ?? wrapper[0]!, [...wrapper, 'make', 'install'], '/w', wrapper.length > 1 ? { interp: wrapper[0] } : {});
  t.fork(1, 2);
  t.exec(2, '/usr/bin/getopt', ['getopt', '-T'], '/w');
  step(3);
  t.exit(2, 4);
  t.fork(1, 3);
  t.fork(3, 4);
  t.exec(4, '/usr/bin/sed', ['sed', 's/:/ /g'], '/w');
  step(8);
  t.exit(4, 0);
  t.exit(3, 0);
  t.fork(1, 5);
  t.fork(5, 6);
  t.exec(6, '/usr/bin/faked-sysv', ['/usr/bin/faked-sysv'], '/w');
  t.fork(6, 7);
  step(2);
  t.exit(6, 0);
  t.exit(5, 0);
  t.fork(1, 8);
  t.exec(8, '/usr/bin/make', ['make', 'install'], '/w');
  t.open(8, 'Makefile', { fd: 3 });
  step(10);
  t.fork(8, 9);
  t.exec(9, '/usr/bin/install', ['install', '-m755', 'calc', '/d/bin/calc'], '/w');
  t.open(9, 'calc', { fd: 3 });
  t.open(9, '/d/bin/calc', { fd: 4, flags: W });
  step(5);
  t.exit(9, 0);
  t.fork(8, 10);
  t.exec(10, '/usr/bin/install', ['install', '-m644', 'a.h', '/d/include/a.h'], '/w');
  t.open(10, 'a.h', { fd: 3 });
  t.open(10, '/d/include/a.h', { fd: 4, flags: W });
  step(4);
  t.exit(10, 0);
  t.exit(8, 0);
  step(1);
  t.exit(1, 0);
  step(1);
  t.exit(7, 0);
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

test('summary: under fakeroot the jobs are make\'s recipes, not the wrapper\'s subshells or its faked daemon', () => {
  const b = fakerootBuild();
  assert.deepEqual(
    b.jobs.jobs.map((j) => j.proc),
    [9, 10],
  );
  for (const own of [2, 3, 4, 5, 6, 7]) assert.equal(b.process(own)!.job, 0, `proc ${own} is fakeroot's own`);
  const s = summarize(b);
  assert.deepEqual(
    s.jobs.map((j) => j.argv),
    [
      ['install', '-m755', 'calc', '/d/bin/calc'],
      ['install', '-m644', 'a.h', '/d/include/a.h'],
    ],
  );
  assert.deepEqual(
    s.critical_path.map((j) => j.proc),
    [9],
    'the longest recipe, not the faked daemon\'s lifetime',
  );
  assert.deepEqual(s.failed_probes, [], 'fakeroot\'s getopt -T is no job of the build');
});

test('summary: timeout and /usr/bin/time are seen through the same way; a program that is no wrapper keeps its children as jobs', () => {
  for (const wrapper of [['timeout', '600'], ['/usr/bin/time']]) {
    const b = fakerootBuild(wrapper);
    assert.deepEqual(
      b.jobs.jobs.map((j) => j.proc),
      [9, 10],
      wrapper.join(' '),
    );
  }
  // a build script (not a wrapper) that runs make last: what it ran before make are its jobs, as before
  const script = fakerootBuild(['/bin/sh', '/w/build.sh']);
  assert.deepEqual(
    script.jobs.jobs.map((j) => j.proc),
    [2, 3, 5, 9, 10],
  );
});
