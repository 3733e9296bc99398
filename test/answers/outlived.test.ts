/**
 * A process left running after the build (a compiler cache's server that
 * a job started): bt trace waited its grace period, then left it running
 * and named it in the trailer. The build's time, its job's duration, the
 * critical path and the tools' wall time stop at the build's end; bt
 * summary names the process.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { summarize } from '../../src/answers/summary.js';
import { summaryText } from '../../src/answers/text.js';
import type { Trailer } from '../../src/log/schema.js';
import { LogWriter } from '../../src/log/writer.js';
import { buildFromRecords } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { bt } from '../helpers/trace.js';
import { BASE_TS, O_CREAT, O_TRUNC, O_WRONLY, TraceBuilder, tempDir } from '../normalize/synth.js';

const W = O_WRONLY | O_CREAT | O_TRUNC;
const SERVER = ['sccache', 'cc', '-c', 'a.c', '-o', 'a.o'];

/**
 * make (proc 1) runs `sh -c 'sccache cc -c a.c -o a.o'` (2) for a second:
 * sccache (3) forks its server (4), which never exits and writes its cache
 * after the build; then `cc -o app a.o` (5) for a second. make exits at
 * +2 s; bt trace waits 5 s more and leaves the server running.
 */
function daemonBuild(): { t: TraceBuilder; trailer: Trailer } {
  const t = new TraceBuilder(1, '/w');
  t.at(BASE_TS);
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  t.fork(1, 2);
  t.exec(2, '/bin/sh', ['/bin/sh', '-c', 'sccache cc -c a.c -o a.o'], '/w');
  t.fork(2, 3);
  t.exec(3, '/usr/bin/sccache', SERVER, '/w');
  t.fork(3, 4);
  t.open(3, 'a.c', { fd: 3 });
  t.open(3, 'a.o', { fd: 4, flags: W });
  t.at(BASE_TS + 1e9);
  t.exit(3, 0);
  t.exit(2, 0);
  t.fork(1, 5);
  t.exec(5, '/usr/bin/cc', ['cc', '-o', 'app', 'a.o'], '/w');
  t.open(5, 'a.o', { fd: 3 });
  t.open(5, 'app', { fd: 4, flags: W });
  t.at(BASE_TS + 2e9);
  t.exit(5, 0);
  t.exit(1, 0);
  t.at(BASE_TS + 3e9);
  t.open(4, '/root/.cache/sccache/ab', { fd: 5, flags: W });
  const trailer: Trailer = { end_ts: BASE_TS + 7e9, exit_status: 0, exit_code: 0, exit_signal: 0, leftover: [`4 ${SERVER.join(' ')}`] };
  return { t, trailer };
}

function buildOf({ t, trailer }: { t: TraceBuilder; trailer: Trailer }) {
  const n = normalizeRecords(t.header, t.records, { trailer });
  return buildFromRecords(n.header, n.records, { trailer });
}

test('model: a process bt trace left running ends neither the build nor its job', () => {
  const b = buildOf(daemonBuild());
  assert.deepEqual(b.model.outlived, [{ pid: 4, command: SERVER.join(' '), proc: 4 }]);
  assert.equal(b.process(4)!.end, BASE_TS + 7e9, 'it was still running when the trace ended');
  assert.equal(b.model.buildEndTs, BASE_TS + 2e9 + 1000, "make's exit");
  assert.equal(b.durationNs, 2e9 + 2000);
  assert.equal(b.traceNs, 7e9 + 1000);
  // the job it ran in ends with sh, its last process that exited
  const job = b.jobs.get(2)!;
  assert.deepEqual(job.procs, [2, 3, 4]);
  assert.equal(job.end, BASE_TS + 1e9 + 1000);
  assert.equal(b.endInBuild(b.process(4)!), b.model.buildEndTs);
  assert.equal(b.endInBuild(b.process(3)!), BASE_TS + 1e9);
});

test('model: a job of nothing but a process left running ends with the build; with no trailer nothing outlived it', () => {
  const t = new TraceBuilder(1, '/w');
  t.at(BASE_TS);
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  t.fork(1, 2);
  t.exec(2, '/usr/bin/sccache', ['sccache', '--start-server'], '/w');
  t.at(BASE_TS + 1e9);
  t.exit(1, 0);
  const left = buildOf({ t, trailer: { end_ts: BASE_TS + 6e9, exit_status: 0, exit_code: 0, exit_signal: 0, leftover: ['2 sccache --start-server'] } });
  assert.equal(left.jobs.get(2)!.end, BASE_TS + 1e9);
  assert.equal(left.durationNs, 1e9 + 1000);
  // a log cut short: the process's end is the log's, and so is the build's
  const n = normalizeRecords(t.header, t.records);
  const torn = buildFromRecords(n.header, n.records, { incomplete: true });
  assert.deepEqual(torn.model.outlived, []);
  assert.equal(torn.jobs.get(2)!.end, torn.model.endTs);
  assert.equal(torn.model.buildEndTs, torn.model.endTs);
});

test('summary: the build took until make exited; the job, the critical path and the tools stop there; the process left running is named', () => {
  const s = summarize(buildOf(daemonBuild()));
  assert.equal(s.duration_ms, 2000);
  assert.equal(s.trace_ms, 7000);
  assert.deepEqual(s.outlived, [{ pid: 4, proc: 4, argv: SERVER, command: SERVER.join(' ') }]);
  assert.deepEqual(
    s.jobs.map((j) => [j.proc, j.duration_ms]),
    [
      [2, 1000],
      [5, 1000],
    ],
  );
  assert.deepEqual(
    s.critical_path.map((j) => j.proc),
    [2, 5],
  );
  assert.equal(s.critical_path_ms, 2000);
  // sccache: the client's second and the server's until the build's end, not the trace's
  assert.deepEqual(s.tools.find((x) => x.exe === 'sccache'), { exe: 'sccache', count: 2, wall_ms: 3000 });
  const lines = summaryText(s).split('\n');
  assert.deepEqual(lines.slice(2, 5), [
    '  started 2023-11-14 22:29:59 UTC, took 2.000 s, exit status 0',
    '  1 process outlived the build, left running: sccache cc -c a.c -o a.o (pid 4); the times here end with the build (the trace ran on to 7.000 s)',
    'processes: 5 (0 failed); jobs: 2 (0 failed); average parallelism 1',
  ]);
  assert.match(summaryText(s), /\ncritical path \(2 jobs, 2\.000 s\):\n {5}1\.000 s {2}\/bin\/sh -c 'sccache cc -c a\.c -o a\.o'\n {5}1\.000 s {2}cc -o app a\.o\n$/);
});

test('bt summary of a log whose trailer names a process the log never saw: named by the trailer alone', async () => {
  const { t, trailer } = daemonBuild();
  const file = path.join(tempDir(), 'bg.trace');
  const w = LogWriter.open(file, t.header);
  for (const r of t.records) w.write(r);
  w.close({ ...trailer, leftover: [...trailer.leftover!, '99 dbus-daemon --session'] });
  const json = await bt(['summary', '--json', file]);
  assert.equal(json.code, 0, json.stderr);
  const s = JSON.parse(json.stdout);
  assert.deepEqual(s.outlived, [
    { pid: 4, proc: 4, argv: SERVER, command: SERVER.join(' ') },
    { pid: 99, proc: null, argv: null, command: 'dbus-daemon --session' },
  ]);
  assert.deepEqual([s.duration_ms, s.trace_ms], [2000, 7000]);
  const text = await bt(['summary', file]);
  assert.equal(
    text.stdout.split('\n')[3],
    '  2 processes outlived the build, left running: sccache cc -c a.c -o a.o (pid 4), dbus-daemon --session (pid 99); the times here end with the build (the trace ran on to 7.000 s)',
  );
});
