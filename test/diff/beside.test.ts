/**
 * bt diff of two builds in two directories that write beside their tree
 * (dpkg-buildpackage's `../hello_1.0_amd64.deb`, from a user review of a
 * Debian package build, s32): what a build made in the directory above its
 * start is keyed `$START/../name`, so the two pair; what it only read
 * there keeps its path.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffBuilds } from '../../src/diff/index.js';
import { buildFromRecords, type Build } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { O_CREAT, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';

const W = O_WRONLY | O_CREAT | O_TRUNC;

/** dpkg-deb in `start` reads debian/control and the parent's notes.txt, and writes ../hello_1.0_amd64.deb (and, with `extra`, ../hello-dbgsym.deb). */
function packageBuild(start: string, extra = false): Build {
  const t = new TraceBuilder(1, start, { command: ['dpkg-buildpackage', '-b'] });
  t.exec(1, '/usr/bin/perl', ['dpkg-buildpackage', '-b'], start);
  t.fork(1, 2);
  t.exec(2, '/usr/bin/dpkg-deb', ['dpkg-deb', '--build', 'debian/hello', '..'], start);
  t.open(2, `${start}/debian/control`, { fd: 3 });
  t.open(2, '/srv/notes.txt', { fd: 4 });
  t.open(2, `${start}/../hello_1.0_amd64.deb`, { fd: 5, flags: W });
  if (extra) t.open(2, `${start}/../hello-dbgsym_1.0_amd64.deb`, { fd: 6, flags: W });
  t.exit(2);
  t.exit(1);
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

test('diff: the packages two builds in two directories wrote beside their trees pair; one more is only in B', () => {
  const r = diffBuilds(packageBuild('/a/hello-1.0'), packageBuild('/b/hello-1.0', true));
  assert.deepEqual(r.outputs_only_in_a, []);
  assert.deepEqual(
    r.outputs_only_in_b.map((e) => e.path),
    ['$START/../hello-dbgsym_1.0_amd64.deb'],
  );
  assert.deepEqual(r.inputs_only_in_a, []);
  assert.deepEqual(r.inputs_only_in_b, []);
});
