/**
 * Inspectors (src/model/inspectors.ts): what md5sum, sha256sum or
 * dpkg-genchanges read only to checksum is no input of what their job
 * wrote, and a file the build made that only they read stays an output.
 * test-programs/checksums: cp makes pkg.deb of src.c; configure's recipe
 * md5sums src.c and configure.ac into sums.before, then copies
 * configure.ac; sha256sum of pkg.deb writes pkg.changes.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileGroups } from '../../src/answers/groups.js';
import { kindNames, loadBuild } from '../../src/model/index.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { traceProject } from '../helpers/projects.js';
import { bt } from '../helpers/trace.js';

ebpfTest('checksum reads are no inputs: rdeps of a source skips the checksums, a .deb only checksummed stays an output', async () => {
  const { dir, file } = await traceProject('checksums', { jobs: 1, clean: ['pkg.deb', 'pkg.changes', 'configure', 'sums.before'] });
  const b = loadBuild(file);
  const f = (name: string) => b.file(path.join(dir, name))!;
  // md5sum's and sha256sum's reads are checksums, cp's a read
  const byProgram = (name: string, prog: string) => kindNames(f(name).procs.find((a) => path.basename(b.process(a.proc)!.exe) === prog)!.kinds);
  assert.deepEqual(byProgram('src.c', 'md5sum'), ['checksum']);
  assert.ok(byProgram('src.c', 'cp').includes('read'));
  assert.deepEqual(byProgram('pkg.deb', 'sha256sum'), ['checksum']);
  const g = fileGroups(b);
  const rel = (ids: number[]) => ids.map((id) => path.relative(dir, b.model.files[id].path)).sort();
  assert.deepEqual(rel(g.outputs), ['configure', 'pkg.changes', 'pkg.deb', 'sums.before']);
  assert.deepEqual(rel(g.intermediates), []);
  const r = await bt(['rdeps', 'src.c', file, '--outputs'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), ['pkg.deb']);
});
