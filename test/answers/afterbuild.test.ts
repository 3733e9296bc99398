/**
 * The answers about a file a process left running wrote only after the
 * build ended, on a real trace (the recipe of test/model/afterbuild.test.ts:
 * `(echo early > early.txt; sleep 0.3; echo x > late.txt; exec sleep 5) &`,
 * traced with --grace 1): bt summary lists it apart, not as an output (text
 * and JSON `after_build`), and bt deps says who wrote it and when, not that
 * it is an input (text and JSON `after_build`).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { withLeftover } from '../helpers/leftover.js';
import { bt } from '../helpers/trace.js';

ebpfTest('bt summary and bt deps: a file written only after the build ended by a process left running is said to be so, not an output nor an input', async () => {
  await withLeftover('bt-late-', 'a.o:\n\techo a > a.o\n\t(echo early > early.txt; sleep 0.3; echo x > late.txt; exec sleep 5) &\n', async ({ dir, t, left }) => {
    const proc = left[0].proc;
    const json = await bt(['summary', '--json', t.file]);
    assert.equal(json.code, 0, json.stderr);
    const s = JSON.parse(json.stdout);
    assert.deepEqual([s.outputs, s.after_build], [[path.join(dir, 'a.o'), path.join(dir, 'early.txt')], [path.join(dir, 'late.txt')]]);
    const text = await bt(['summary', t.file]);
    const lines = text.stdout.split('\n');
    const at = lines.indexOf('outputs (2):');
    assert.deepEqual(lines.slice(at, lines.findIndex((l) => l.startsWith('probes: '))), [
      'outputs (2):',
      '  a.o',
      '  early.txt',
      'intermediates (0)',
      'written after the build ended by a process left running (1):',
      '  late.txt',
    ]);
    const deps = await bt(['deps', 'late.txt', t.file], { cwd: dir });
    assert.equal(deps.code, 0, deps.stderr);
    assert.equal(deps.stdout, `late.txt was written after the build ended by a process left running (sleep 5 [proc ${proc}]): the build did not write it.\nno process of the build read it.`);
    const dj = await bt(['deps', 'late.txt', t.file, '--json'], { cwd: dir });
    assert.deepEqual(JSON.parse(dj.stdout).after_build, [{ proc, argv: ['sleep', '5'] }]);
    // a file the build wrote has no such line
    const early = await bt(['deps', 'early.txt', t.file, '--json'], { cwd: dir });
    assert.equal(JSON.parse(early.stdout).after_build, undefined);
  });
});
