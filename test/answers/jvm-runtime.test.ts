/**
 * The JVM's per-process runtime files on synthetic builds: every HotSpot JVM
 * makes /tmp/hsperfdata_<user>/<pid>, lists the directory and opens the other
 * JVMs' files, removes its own at exit, and looks for /tmp/.java_pid<pid>.
 * None of it is build content: not an input, output or intermediate in
 * summary's groups, not a hermeticity finding, not a difference in bt diff.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileGroups } from '../../src/answers/groups.js';
import { check } from '../../src/check/index.js';
import { diffBuilds } from '../../src/diff/index.js';
import { buildFromRecords, type Build } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { ENOENT, O_CREAT, O_DIRECTORY, O_RDWR, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';

/** make runs javac (pid `jvm`), which compiles A.java while another JVM (`other`) runs outside the build. */
function javacBuild(jvm: number, other: number): Build {
  const t = new TraceBuilder(1, '/w', { command: ['make'] });
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  t.fork(1, jvm);
  t.exec(jvm, '/usr/lib/jvm/java-17-openjdk-amd64/bin/javac', ['javac', '-d', 'out', 'A.java'], '/w');
  t.open(jvm, '/tmp/hsperfdata_root', { fd: 3, flags: O_DIRECTORY });
  t.push(jvm, { readdir: { fd: 3, entries: 4, calls: 2, errno: 0, partial: false, op: 'getdents64' } });
  t.close(jvm, 3);
  t.open(jvm, `/tmp/hsperfdata_root/${other}`, { fd: 3 });
  t.close(jvm, 3);
  t.open(jvm, `/tmp/hsperfdata_root/${jvm}`, { fd: 3, flags: O_RDWR | O_CREAT | O_TRUNC });
  t.push(jvm, { lookup: { op: 'newfstatat', path: `/tmp/.java_pid${jvm}`, dirfd: -100, flags: 0, mode: 0, errno: ENOENT } });
  t.open(jvm, 'A.java', { fd: 4 });
  t.close(jvm, 4);
  t.open(jvm, 'out/A.class', { fd: 4, flags: O_WRONLY | O_CREAT | O_TRUNC });
  t.close(jvm, 4);
  t.close(jvm, 3);
  t.exit(jvm, 0);
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

const paths = (b: Build, ids: readonly number[]) => ids.map((id) => b.model.files[id].path);

test("the JVM's perf data and attach files are runtime noise: in summary's groups, check and diff", async () => {
  const a = javacBuild(201, 99), b = javacBuild(305, 98);
  const g = fileGroups(a);
  assert.deepEqual(
    { tree: paths(a, g.inputs.tree), elsewhere: paths(a, g.inputs.elsewhere), outputs: paths(a, g.outputs), intermediates: paths(a, g.intermediates), probes: paths(a, g.probes) },
    { tree: ['/w/A.java'], elsewhere: [], outputs: ['/w/out/A.class'], intermediates: [], probes: [] },
  );
  assert.deepEqual((await check(a)).findings, []);
  const d = diffBuilds(a, b);
  assert.deepEqual([d.inputs_only_in_a, d.inputs_only_in_b, d.outputs_only_in_a, d.outputs_only_in_b], [[], [], [], []]);
});
