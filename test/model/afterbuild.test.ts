/**
 * What a process left running wrote after the build ended, on a real
 * trace: a recipe starts `(echo early > early.txt; sleep 0.3; echo x >
 * late.txt; exec sleep 5) &`; make exits at once, the build ends when
 * `sleep 0.3` does, and bt trace (--grace 1) leaves the subshell running
 * (now sleep 5). early.txt, written before the build's end, is an output;
 * late.txt, written only after it, is not the build's: no write in its
 * kinds, not made by the build, marked afterBuild, in no job's outputs,
 * with no maker for deps.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { deps } from '../../src/answers/deps.js';
import { fileGroups } from '../../src/answers/groups.js';
import { kindNames } from '../../src/model/index.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { withLeftover } from '../helpers/leftover.js';
import { bt } from '../helpers/trace.js';

ebpfTest('a file a process left running wrote only after the build ended is not an output: set aside, marked afterBuild', async () => {
  await withLeftover('bt-late-', 'a.o:\n\techo a > a.o\n\t(echo early > early.txt; sleep 0.3; echo x > late.txt; exec sleep 5) &\n', async ({ dir, t, b, left }) => {
    const f = (name: string) => b.file(path.join(dir, name))!;
    const sub = b.process(left[0].proc)!;
    assert.ok(sub.files.get(f('late.txt').id)!.first > b.model.buildEndTs, 'late.txt was written after the build ended');
    // late.txt: its writes set aside
    assert.equal(f('late.txt').afterBuild, true);
    assert.equal(f('late.txt').created, false);
    assert.deepEqual(kindNames(f('late.txt').kinds), []);
    const late = sub.files.get(f('late.txt').id)!;
    assert.deepEqual([kindNames(late.kinds), kindNames(late.afterBuild ?? 0), late.firstWrite, late.lastWrite], [[], ['write', 'create', 'truncate'], -1, -1]);
    // early.txt: written by the same process, before the build's end
    assert.equal(f('early.txt').afterBuild, undefined);
    assert.deepEqual(kindNames(f('early.txt').kinds), ['write', 'create', 'truncate']);
    const rel = (ids: number[]) => ids.map((id) => path.relative(dir, b.model.files[id].path));
    assert.deepEqual(rel(fileGroups(b).outputs), ['a.o', 'early.txt']);
    assert.deepEqual(rel(b.jobs.unit(sub.proc)!.outputs), ['early.txt']);
    const d = deps(b, f('late.txt'));
    assert.equal(d.tree.writer, null);
    const json = await bt(['summary', '--json', t.file]);
    assert.deepEqual(JSON.parse(json.stdout).outputs, [path.join(dir, 'a.o'), path.join(dir, 'early.txt')]);
  });
});
