/**
 * Opens for writing that wrote nothing (src/model/unchanged.ts): a lock
 * (dpkg-gencontrol opens debian/control O_WRONLY only to fcntl-lock it) is
 * a lookup when a later open finds the file's mtime and size unchanged; a
 * program that rewrote the file in place (a later open finds another
 * mtime) and one whose file nothing looked at again stay writes.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { test } from 'node:test';
import { fileGroups } from '../../src/answers/groups.js';
import { buildFromRecords, kindNames, type Build } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { O_CREAT, O_RDONLY, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { PROGS, trace, tmpdir } from '../helpers/trace.js';
import { loadBuild } from '../../src/model/index.js';

function modelOf(t: TraceBuilder): Build {
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

/** An open of `file` by `pid` on fd 3 that found it with this mtime and size, then its close. */
function openFound(t: TraceBuilder, pid: number, file: string, flags: number, mtime: number, size = 100): void {
  t.push(pid, { open: { path: file, dirfd: -100, flags, mode: 0, fd: 3, errno: 0, op: 'openat', mtime, mtime_nsec: 5, size } });
  t.close(pid, 3);
}

/** make runs: gencontrol (reads and locks debian/control, writes debian/files), patch (rewrites data.bin in place), touchy (opens lonely O_WRONLY), genchanges (reads both). */
function lockBuild(): TraceBuilder {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  t.fork(1, 2);
  t.exec(2, '/usr/bin/dpkg-gencontrol', ['dpkg-gencontrol'], '/w');
  openFound(t, 2, 'debian/control', O_RDONLY, 1000);
  t.push(2, { open: { path: 'debian/control', dirfd: -100, flags: O_WRONLY, mode: 0, fd: 4, errno: 0, op: 'openat', mtime: 1000, mtime_nsec: 5, size: 100 } });
  t.open(2, 'debian/files', { fd: 5, flags: O_WRONLY | O_CREAT | O_TRUNC });
  t.close(2, 5);
  t.exit(2, 0); // the lock's fd 4 is closed by the exit
  t.fork(1, 3);
  t.exec(3, '/usr/bin/patch', ['patch'], '/w');
  openFound(t, 3, 'data.bin', O_WRONLY, 2000);
  openFound(t, 3, 'lonely', O_WRONLY, 3000);
  t.exit(3, 0);
  t.fork(1, 4);
  t.exec(4, '/usr/bin/dpkg-genchanges', ['dpkg-genchanges'], '/w');
  openFound(t, 4, 'debian/control', O_RDONLY, 1000);
  openFound(t, 4, 'data.bin', O_RDONLY, 2001);
  openFound(t, 4, 'debian/files', O_RDONLY, 4000);
  t.exit(4, 0);
  t.exit(1, 0);
  return t;
}

test('a write open of a file a later open finds unchanged is a lookup, not a write; one found changed or never found again stays a write', () => {
  const b = modelOf(lockBuild());
  const f = (name: string) => b.file(`/w/${name}`)!;
  const control = f('debian/control');
  assert.deepEqual(kindNames(b.process(2)!.files.get(control.id)!.kinds), ['read', 'stat']);
  assert.deepEqual(kindNames(control.kinds), ['read', 'stat']);
  assert.equal(control.created, false);
  assert.equal(control.mtime, '1000.000000005');
  assert.deepEqual([b.process(2)!.files.get(control.id)!.firstWrite, b.process(2)!.files.get(control.id)!.lastWrite], [-1, -1]);
  // data.bin: rewritten in place (genchanges finds another mtime); lonely: nothing looked at it again
  assert.deepEqual(kindNames(f('data.bin').kinds), ['read', 'write']);
  assert.equal(f('data.bin').appendOnly, false);
  assert.deepEqual(kindNames(f('lonely').kinds), ['write']);
  // debian/control is an input of the build and of gencontrol's job, in no job's outputs
  const g = fileGroups(b);
  assert.ok(g.inputs.tree.includes(control.id));
  assert.ok(!g.intermediates.includes(control.id) && !g.outputs.includes(control.id));
  const job = b.jobs.unit(2)!;
  assert.deepEqual(job.inputs.map((id) => b.model.files[id].path), ['/usr/bin/dpkg-gencontrol', '/w/debian/control']);
  assert.deepEqual(job.outputs.map((id) => b.model.files[id].path), ['/w/debian/files']);
});

test('a write open whose process wrote the file otherwise too (truncated it) stays a write', () => {
  const t = lockBuild();
  const recs = t.records;
  // gencontrol truncates debian/control after its lock (before it exits)
  const exitAt = recs.findIndex((r) => r.pid === 2 && r.exit);
  const trunc = { ...recs[exitAt], exit: undefined, open: { path: 'debian/control', dirfd: -100, flags: O_WRONLY | O_TRUNC, mode: 0, fd: 6, errno: 0, op: 'openat' } };
  recs.splice(exitAt, 0, trunc);
  const b = modelOf(t);
  assert.deepEqual(kindNames(b.file('/w/debian/control')!.kinds), ['read', 'write', 'truncate']);
});

ebpfTest('a real fcntl lock through an O_WRONLY open is not a write; a rewrite in place is', async () => {
  const dir = tmpdir('bt-lock-');
  fs.writeFileSync(path.join(dir, 'control'), 'Source: hello\n');
  fs.writeFileSync(path.join(dir, 'data'), 'abc\n');
  fs.utimesSync(path.join(dir, 'data'), new Date(2020, 1, 1), new Date(2020, 1, 1));
  const t = await trace(['/bin/sh', '-c', `${PROGS}/wronly-lock control data && cat control data > out`], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  const b = await loadBuild(t.file);
  const f = (name: string) => b.file(path.join(dir, name))!;
  assert.deepEqual(kindNames(f('control').kinds), ['read', 'stat']);
  assert.deepEqual(kindNames(f('data').kinds), ['read', 'write']);
  const g = fileGroups(b);
  assert.ok(g.inputs.tree.includes(f('control').id));
  assert.ok(g.intermediates.includes(f('data').id));
});
