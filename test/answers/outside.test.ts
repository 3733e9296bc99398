/**
 * Work done outside the trace (model/outside.ts). make stats a.o (missing),
 * runs `sccache cc -c a.c -o a.o`, whose server (not traced) writes a.o;
 * make stats a.o again (there, with an mtime inside the trace) and links
 * it. a.o is no input: it was made during the build by a process outside
 * the trace, and summary, deps and rdeps say so. A file that was there
 * before (an old mtime) or one the build wrote is not. A gradle client
 * that reads its daemon's registry while no daemon runs in the trace is
 * a build server's client: the summary says the work may have been done
 * there, and deps of a file the build never touched too.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deps, depsJson, rdeps } from '../../src/answers/deps.js';
import { summarize } from '../../src/answers/summary.js';
import { depsText, summaryText } from '../../src/answers/text.js';
import { buildFromRecords, buildServers, madeOutside } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { BASE_TS, ENOENT, O_CREAT, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';

const W = O_WRONLY | O_CREAT | O_TRUNC;
const S_IFREG = 0o10;
/** The wall clock at BASE_TS (synth.ts makeHeader: boot_to_wall_ns), in seconds */
const WALL = 1_700_000_000 + BASE_TS / 1e9;

function stat(t: TraceBuilder, pid: number, path: string, mtime?: number): void {
  const found = mtime !== undefined;
  t.push(pid, { lookup: { op: 'newfstatat', path, dirfd: -100, flags: 0, mode: 0, errno: found ? 0 : -ENOENT, ftype: found ? S_IFREG : 0, mtime: found ? Math.floor(mtime) : 0, mtime_nsec: found ? Math.round((mtime % 1) * 1e9) : 0 } });
}

/** The sccache build; `aMtime`: a.o's mtime when make finds it (s since the epoch). */
function sccacheBuild(aMtime: number) {
  const t = new TraceBuilder(1, '/w');
  t.at(BASE_TS);
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  stat(t, 1, 'a.o');
  t.fork(1, 2);
  t.exec(2, '/usr/bin/sccache', ['sccache', 'cc', '-c', '-o', 'a.o', 'a.c'], '/w');
  t.at(BASE_TS + 0.3e9);
  t.exit(2, 0);
  stat(t, 1, 'a.o', aMtime);
  stat(t, 1, 'b.o', WALL - 3600); // there before, never missing
  t.fork(1, 3);
  t.exec(3, '/usr/bin/cc', ['cc', '-o', 'app', 'a.o', 'b.o'], '/w');
  t.open(3, 'a.o', { fd: 3 });
  t.open(3, 'b.o', { fd: 4 });
  t.open(3, 'app', { fd: 5, flags: W });
  t.at(BASE_TS + 0.5e9);
  t.exit(3, 0);
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

test('model: a file found missing, then there with an mtime inside the trace, written by no traced process, was made outside the trace', () => {
  const b = sccacheBuild(WALL + 0.2);
  const a = b.file('/w/a.o')!;
  assert.deepEqual(a.outside, { missing: BASE_TS + 1000, found: BASE_TS + 0.3e9 + 1000 });
  assert.equal(b.file('/w/b.o')!.outside, undefined, 'there before the build');
  assert.equal(b.file('/w/app')!.outside, undefined, 'the build wrote it');
  assert.deepEqual(madeOutside(b.model).map((f) => f.path), ['/w/a.o']);
  // an mtime from before the build: not made during it (a file put back from elsewhere, a clock's jump)
  assert.equal(sccacheBuild(WALL - 60).file('/w/a.o')!.outside, undefined);
  // the sccache client ran and its server did not run in the trace
  assert.deepEqual(buildServers(b.model).map((h) => [h.server, h.evidence]), [["sccache's server", 'sccache cc ran']]);
});

test('summary, deps, rdeps: a file made outside the trace is no input, and each says so', () => {
  const b = sccacheBuild(WALL + 0.2);
  const s = summarize(b);
  assert.deepEqual(s.inputs.tree, ['/w/b.o']);
  assert.deepEqual(s.made_outside, ['/w/a.o']);
  const text = summaryText(s);
  const lines = text.split('\n');
  assert.equal(lines[0], 'note: 1 file was made during the build by processes outside the trace (a build server?): a.o');
  assert.match(lines[1], /^note: the build's work may have been done by sccache's server outside the trace \(sccache cc ran; the server was not in the trace\): stop the server first \(`sccache --stop-server`\)/);
  assert.match(text, /\nmade during the build by processes outside the trace \(1\):\n {2}a\.o\n/);
  const d = depsText(deps(b, b.file('/w/a.o')!), { start: '/w' });
  assert.equal(d.split('\n')[0], 'a.o was made during the build by a process outside the trace (a build server?): missing at +0.000 s, there at +0.300 s, written by no process of the build.');
  assert.doesNotMatch(d, /is an input/);
  const j = depsJson(deps(b, b.file('/w/a.o')!), false);
  assert.deepEqual(j.made_outside, { missing_ms: 0, found_ms: 300 });
  assert.equal('madeOutside' in j, false, 'snake_case only');
  assert.deepEqual(depsJson(deps(b, b.file('/w/app')!), false).made_outside, null);
  const r = depsText(rdeps(b, b.file('/w/a.o')!), { start: '/w', reverse: true });
  assert.match(r.split('\n')[0], /^note: a\.o was made during the build by a process outside the trace/);
  assert.match(r, /app {2}<- made by cc -o app a\.o b\.o/);
});

test('a gradle client that read its daemon registry, no daemon in the trace: the work may have been done by the Gradle daemon', () => {
  const t = new TraceBuilder(1, '/w');
  t.at(BASE_TS);
  t.exec(1, '/usr/bin/java', ['java', '-cp', 'gradle-launcher.jar', 'org.gradle.launcher.GradleMain', 'build'], '/w');
  t.open(1, '/root/.gradle/daemon/4.4.1/registry.bin', { fd: 3 });
  t.at(BASE_TS + 4e9);
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  const b = buildFromRecords(n.header, n.records);
  const s = summarize(b);
  assert.deepEqual(s.servers.map((h) => h.server), ['the Gradle daemon']);
  assert.match(summaryText(s).split('\n')[0], /^note: the build's work may have been done by the Gradle daemon outside the trace \(gradle's client read its registry \/root\/\.gradle\/daemon\/4\.4\.1\/registry\.bin; the server was not in the trace\): trace `gradle --no-daemon …`/);
  assert.throws(() => b.resolveFile('build/libs/app.jar'), /never touched a file named build\/libs\/app\.jar: give its path, or a unique end of it; the build's work may have been done by the Gradle daemon outside the trace/);
  // the daemon in the trace (the build started it): no note
  t.fork(1, 2);
  t.exec(2, '/usr/bin/java', ['java', '-cp', 'gradle-launcher.jar', 'org.gradle.launcher.daemon.bootstrap.GradleDaemon', '4.4.1'], '/w');
  t.exit(2, 0);
  const n2 = normalizeRecords(t.header, t.records);
  assert.deepEqual(buildServers(buildFromRecords(n2.header, n2.records).model), []);
});
