/**
 * bt diff of the same build under two umasks (reprotest varies it, from a
 * user review of a Debian package build, s32): the umask each program
 * started with (the exec record's, a fork's parent's) where paired
 * commands differ, one line per pair of umasks; none when a log does not
 * say (a bt before execs carried it).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffBuilds } from '../../src/diff/index.js';
import { diffText } from '../../src/diff/report.js';
import { buildFromRecords, type Build } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { TraceBuilder } from '../normalize/synth.js';

/** make under `umask`, running cc and a recipe shell that sets `install` 's own umask to 0077 (undefined: a log without umasks). */
function build(umask: number | undefined): Build {
  const t = new TraceBuilder(1, '/w');
  const u = (m: number) => (umask === undefined ? {} : { umask: m });
  t.exec(1, '/usr/bin/make', ['make'], '/w', u(umask ?? 0));
  t.fork(1, 2);
  t.exec(2, '/usr/bin/cc', ['cc', '-c', 'a.c'], '/w', u(umask ?? 0));
  t.exit(2);
  t.fork(1, 3);
  t.exec(3, '/usr/bin/sh', ['sh', '-c', 'umask 077; install -m644 a.o /d'], '/w', u(umask ?? 0));
  t.fork(3, 4); // the subshell's fork inherits the shell's umask, then install starts with the one it set
  t.exec(4, '/usr/bin/install', ['install', '-m644', 'a.o', '/d'], '/w', u(0o077));
  t.exit(4);
  t.exit(3);
  t.exit(1);
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

test('model: each process\'s umask is its exec\'s; a log that does not say leaves it undefined', () => {
  const b = build(0o022);
  assert.deepEqual(b.model.processes.map((p) => [p.argv[0], p.umask]), [['make', 0o022], ['cc', 0o022], ['sh', 0o022], ['install', 0o077]]);
  assert.deepEqual(build(undefined).model.processes.map((p) => p.umask), [undefined, undefined, undefined, undefined]);
});

test('diff: make, cc and sh under 0022 against 0002 is one line; install set its own and is the same in both', () => {
  const r = diffBuilds(build(0o022), build(0o002));
  assert.deepEqual(r.umask, [{ a: '0022', b: '0002', tools: ['cc', 'make', 'sh'], commands: 3 }]);
  assert.match(diffText(r), /\numask changed \(A -> B\) \(1\)\n {2}0022 -> 0002 {2}\(3 commands: cc, make, sh\)\n/);
  assert.deepEqual(diffBuilds(build(0o022), build(0o022)).umask, []);
  // a log of an earlier bt (no umasks) against one that has them: nothing to compare
  assert.deepEqual(diffBuilds(build(undefined), build(0o002)).umask, []);
});
