/**
 * Summary's temporaries (model/temporary.ts isOwnTemporary): a file
 * one process made and removed, or renamed onto its final name, read by no
 * other (sed -i's sedXXXXXX, a mkstemp file os.replace()d into place, ar's
 * stXXXXXX) is a temporary; a file another process moved or read under its
 * temporary name is an intermediate. Provenance through the rename is the
 * renaming process's, as before.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deps, rdeps, type DepsResult } from '../../src/answers/deps.js';
import { fileGroups } from '../../src/answers/groups.js';
import { summarize } from '../../src/answers/summary.js';
import { buildFromRecords, type Build } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { renameIntoPlaceTrace } from '../normalize/synth.js';

function build(): Build {
  const t = renameIntoPlaceTrace();
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

test('summary: a file its maker renamed into place, read by no other, is a temporary; one another process moved or read is an intermediate', () => {
  const b = build();
  const g = fileGroups(b);
  const paths = (ids: readonly number[]) => ids.map((id) => b.model.files[id].path);
  assert.deepEqual(paths(g.temporaries), ['/w/out/sedAb12Cd', '/w/out/tmpa1b2.tmp', '/w/stXy34Zw']);
  assert.deepEqual(paths(g.intermediates), ['/w/main.o', '/w/out/config.h', '/w/out/list.tmp', '/w/out/v.tmp']);
  assert.deepEqual(paths(g.outputs), ['/w/lib.a', '/w/out/list', '/w/out/stamp', '/w/out/v.h']);
  assert.deepEqual(paths(g.inputs.tree), ['/w/gen.py', '/w/main.c']);
  const s = summarize(b);
  assert.equal(s.temporaries, 3);
  assert.deepEqual(s.intermediates, ['/w/main.o', '/w/out/config.h', '/w/out/list.tmp', '/w/out/v.tmp']);
});

test('deps and rdeps through a rename into place: the final file is made by the process that renamed its temporary onto it, of what it read', () => {
  const b = build();
  const brief = (r: DepsResult) => ({ inputs: r.inputs, outputs: r.outputs, processes: r.processes.map((x) => x.argv.join(' ')) });
  const d = (p: string) => brief(deps(b, b.file(p)!));
  assert.deepEqual(d('/w/out/config.h'), { inputs: ['/usr/bin/python3', '/w/gen.py'], outputs: [], processes: ['python3 gen.py'] });
  assert.deepEqual(d('/w/out/stamp'), { inputs: ['/usr/bin/sed'], outputs: [], processes: ['sed -i s/a/b/ out/stamp'] });
  assert.deepEqual(d('/w/main.o'), {
    inputs: ['/usr/bin/cc', '/usr/bin/python3', '/w/gen.py', '/w/main.c'],
    outputs: ['/w/out/config.h'],
    processes: ['python3 gen.py', 'cc -c main.c'],
  });
  assert.deepEqual(d('/w/out/list'), { inputs: ['/usr/bin/gen', '/usr/bin/mv'], outputs: ['/w/out/list.tmp'], processes: ['gen out/list.tmp', 'mv out/list.tmp out/list'] });
  assert.deepEqual(brief(rdeps(b, b.file('/w/gen.py')!)), {
    inputs: ['/w/gen.py', '/w/main.o', '/w/out/config.h'],
    outputs: ['/w/lib.a', '/w/main.o', '/w/out/config.h'],
    processes: ['python3 gen.py', 'cc -c main.c', 'ar qc lib.a main.o'],
  });
});
