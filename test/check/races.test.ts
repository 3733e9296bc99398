/**
 * bt check's races on synthetic builds: sub-builds of a recursive make
 * compared where the top make ran them, a failed job that looked for a file
 * a later job made in a failed build, and appends to one log.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sortFindings } from '../../src/check/finding.js';
import { Noise } from '../../src/check/noise.js';
import { races } from '../../src/check/races.js';
import { buildFromRecords } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { BASE_TS, ENOENT, O_APPEND, O_CREAT, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';

const DIR = '/src/rec';

function check(t: TraceBuilder, exitStatus = 0): Array<[string, string, number[], string]> {
  const n = normalizeRecords(t.header, t.records);
  const build = buildFromRecords(n.header, n.records, { trailer: t.trailer(exitStatus) });
  return sortFindings(races(build, new Noise(build))).map((f) => [f.kind, f.file, f.jobs.map((j) => j.proc), f.detail]);
}

/**
 * make (1) runs `make -C lib` (2) and `make -C app` (3); lib's job (4, ar in
 * 5) writes lib/libfoo.a, app's job (6, ld in 7) reads it 0.2 s later. The
 * inner jobs never overlap; `appAfterLib` starts make -C app only once
 * make -C lib has exited (app: lib).
 */
function recursive(opts: { appAfterLib?: boolean; appProbes?: boolean } = {}): TraceBuilder {
  const t = new TraceBuilder(1, DIR);
  t.at(BASE_TS).exec(1, '/usr/bin/make', ['make', '-j2'], DIR);
  t.fork(1, 2);
  t.exec(2, '/usr/bin/make', ['make', '-C', 'lib'], DIR);
  const app = () => {
    t.fork(1, 3);
    t.exec(3, '/usr/bin/make', ['make', '-C', 'app'], DIR);
    if (opts.appProbes) t.push(3, { lookup: { op: 'newfstatat', path: `${DIR}/lib/libfoo.a`, dirfd: -100, flags: 0, mode: 0, errno: ENOENT, ftype: 0 } });
  };
  if (!opts.appAfterLib) app();
  t.at(BASE_TS + 10_000_000).fork(2, 4);
  t.exec(4, '/bin/sh', ['/bin/sh', '-c', 'sleep 0.1; ar rcs libfoo.a foo.o'], `${DIR}/lib`);
  t.fork(4, 5);
  t.exec(5, '/usr/bin/ar', ['ar', 'rcs', 'libfoo.a', 'foo.o'], `${DIR}/lib`);
  t.open(5, `${DIR}/lib/libfoo.a`, { flags: O_WRONLY | O_CREAT | O_TRUNC, fd: 3 });
  t.close(5, 3);
  t.exit(5, 0);
  t.at(BASE_TS + 100_000_000).exit(4, 0);
  if (opts.appAfterLib) {
    t.exit(2, 0);
    app();
  }
  t.at(BASE_TS + 300_000_000).fork(3, 6);
  t.exec(6, '/usr/bin/gcc', ['gcc', '-o', 'app', 'main.o', '-L../lib', '-lfoo'], `${DIR}/app`);
  t.fork(6, 7);
  t.exec(7, '/usr/bin/ld', ['ld', '-o', 'app', 'main.o', '-L../lib', '-lfoo'], `${DIR}/app`);
  t.open(7, `${DIR}/lib/libfoo.a`, { fd: 3 });
  t.close(7, 3);
  t.exit(7, 0);
  t.exit(6, 0);
  t.exit(3, 0);
  if (!opts.appAfterLib) t.exit(2, 0);
  t.exit(1, 0);
  return t;
}

test('races: jobs of two sub-makes the top make ran at the same time race on a file, though the jobs themselves did not overlap', () => {
  const got = check(recursive());
  assert.deepEqual(
    got.map(([k, f, j]) => [k, f, j]),
    [['read-write', `${DIR}/lib/libfoo.a`, [2, 3, 4, 6]]],
  );
  assert.match(got[0][3], /^job 4 \(under process 2\) wrote lib\/libfoo\.a at \+0\.01\d+ and job 6 \(under process 3\), not ordered after it \(process 2 \(make -C lib\) and process 3 \(make -C app\) ran at the same time/);
  assert.deepEqual(check(recursive({ appAfterLib: true })), [], 'make -C app started after make -C lib exited: ordered');
});

test('races: a sub-make looking for a file a job of another, concurrent sub-make makes later is used before produced (the linker search is no noise here)', () => {
  const got = check(recursive({ appProbes: true }));
  assert.deepEqual(
    got.map(([k, f, j]) => [k, f, j]),
    [
      ['read-write', `${DIR}/lib/libfoo.a`, [2, 3, 4, 6]],
      ['used-before-produced', `${DIR}/lib/libfoo.a`, [3, 2, 4]],
    ],
  );
  assert.match(got[1][3], /^process 3 looked for lib\/libfoo\.a at \+0\.\d+, before job 4 \(under process 2\), started first/);
});

test('races: two concurrent sub-makes that both generate one header race once, write-write; each one looking for its own target first is no use against the other', () => {
  const t = new TraceBuilder(1, DIR);
  t.at(BASE_TS).exec(1, '/usr/bin/make', ['make', '-j2'], DIR);
  for (const [sub, job] of [[2, 4], [3, 5]]) {
    t.fork(1, sub);
    t.exec(sub, '/usr/bin/make', ['make', '-f', `t${sub}.make`], DIR);
    t.push(sub, { lookup: { op: 'newfstatat', path: `${DIR}/gen.h`, dirfd: -100, flags: 0, mode: 0, errno: ENOENT, ftype: 0 } });
    t.fork(sub, job);
    t.exec(job, '/bin/sh', ['/bin/sh', 'genver.sh'], DIR);
  }
  for (const job of [4, 5]) {
    t.open(job, `${DIR}/gen.h`, { flags: O_WRONLY | O_CREAT | O_TRUNC, fd: 1 });
    t.close(job, 1);
  }
  for (const p of [4, 5, 2, 3, 1]) t.exit(p, 0);
  assert.deepEqual(
    check(t).map(([k, f, j]) => [k, f, j]),
    [['write-write', `${DIR}/gen.h`, [2, 4, 3, 5]]], // proc ids: the sub-makes 2 and 4 (pid 3), their jobs 3 (pid 4) and 5
  );
});

/** make (1): job 2 (cc) looks for version.h and exits `code`; job 3, started after 2 ended, creates it. */
function lateHeader(code: number): TraceBuilder {
  const t = new TraceBuilder(1, DIR);
  t.exec(1, '/usr/bin/make', ['make', '-j2'], DIR);
  t.fork(1, 2);
  t.exec(2, '/usr/bin/cc', ['cc', '-c', '-o', 'main.o', 'main.c'], DIR);
  t.open(2, `${DIR}/version.h`, { errno: ENOENT });
  t.exit(2, code);
  t.fork(1, 3);
  t.exec(3, '/bin/sh', ['/bin/sh', '-c', 'echo x > version.h'], DIR);
  t.open(3, `${DIR}/version.h`, { flags: O_WRONLY | O_CREAT | O_TRUNC, fd: 1 });
  t.exit(3, 0);
  t.exit(1, code ? 2 : 0);
  return t;
}

test('races: in a failed build, a failed job that looked for a file a later, unordered job created is used before produced; not when it or the build succeeded', () => {
  const got = check(lateHeader(1), 2);
  assert.deepEqual(
    got.map(([k, f, j]) => [k, f, j]),
    [['used-before-produced', `${DIR}/version.h`, [2, 3]]],
  );
  assert.match(got[0][3], /^job 2 looked for version\.h at \+\d\.\d+, did not find it and failed \(exit 1\); job 3, not ordered before it, created it later, at \+\d\.\d+: nothing made the build wait for it$/);
  assert.deepEqual(check(lateHeader(0), 0), [], 'the job did not fail');
  assert.deepEqual(check(lateHeader(1), 0), [], 'the build did not fail (an error make ignored)');
});

/** make (1) runs jobs 2..4 at the same time, each appending a line to build.log (job 2 creates it); `truncate`: job 3 rewrites it. */
function appends(truncate = false): TraceBuilder {
  const t = new TraceBuilder(1, DIR);
  t.exec(1, '/usr/bin/make', ['make', '-j3'], DIR);
  for (const j of [2, 3, 4]) {
    t.fork(1, j);
    t.exec(j, '/bin/sh', ['/bin/sh', '-c', `echo ${j} >> build.log; sleep 1`], DIR);
  }
  for (const j of [2, 3, 4]) {
    t.open(j, `${DIR}/build.log`, { flags: O_WRONLY | O_CREAT | (truncate && j === 3 ? O_TRUNC : O_APPEND), fd: 1 });
    t.close(j, 1);
  }
  for (const j of [2, 3, 4]) t.exit(j, 0);
  t.exit(1, 0);
  return t;
}

test('races: jobs appending to one log at the same time are one concurrent-append finding; a job truncating it races with each', () => {
  const got = check(appends());
  assert.deepEqual(
    got.map(([k, f, j]) => [k, f, j]),
    [['concurrent-append', `${DIR}/build.log`, [2, 3, 4]]],
  );
  assert.equal(got[0][3], 'build.log was appended to by 3 jobs that ran at the same time and that nothing orders (2, 3, 4): the order of its lines varies from build to build');
  assert.deepEqual(
    check(appends(true)).map(([k, , j]) => [k, j]),
    [
      ['write-write', [2, 3]],
      ['write-write', [2, 4]],
      ['write-write', [3, 4]],
    ],
  );
});
