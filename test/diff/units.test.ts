/** bt diff's pieces: the argument diff and the masking of run-specific names. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { argDiff } from '../../src/diff/match.js';
import { compileMasks, Masker } from '../../src/diff/mask.js';
import { wordDiff } from '../../src/diff/report.js';
import { buildFromRecords } from '../../src/model/index.js';
import { makeHeader } from '../normalize/synth.js';

test('argDiff: kept, removed and added words in order; wordDiff writes them git-style', () => {
  const d = argDiff(['cc', '-O0', '-c', '-o', 'a.o', 'a.c'], ['cc', '-O2', '-g', '-c', '-o', 'a.o', 'a.c']);
  assert.deepEqual(
    d.map((o) => `${o.op}${o.arg}`),
    ['=cc', '--O0', '+-O2', '+-g', '=-c', '=-o', '=a.o', '=a.c'],
  );
  assert.equal(wordDiff(d), 'cc [--O0-] {+-O2+} {+-g+} -c -o a.o a.c');
  assert.deepEqual(argDiff(['x'], ['x']), [{ op: '=', arg: 'x' }]);
  assert.deepEqual(argDiff([], ['a b']), [{ op: '+', arg: 'a b' }]);
  assert.equal(wordDiff(argDiff([], ['a b'])), "{+'a b'+}");
});

test('Masker: the start directory, temporary names and --mask patterns', () => {
  const build = buildFromRecords(makeHeader(100, '/home/ci/proj'), []);
  const m = new Masker(build, compileMasks(['build-[0-9]+']));
  assert.equal(m.text('-I/home/ci/proj/include'), '-I$START/include');
  assert.equal(m.text('/tmp/ccAb12Cd.s'), '<tmp>');
  assert.equal(m.text('-o/tmp/tmp.XyZ12345ab'), '-o<tmp>');
  assert.equal(m.text('arch/x86/.tmp_1234.o'), 'arch/x86/<tmp>.o');
  assert.equal(m.text('out/build-1234/x'), 'out/*/x');
  assert.equal(m.path('/home/ci/proj/src/a.c'), 'src/a.c');
  assert.equal(m.path('/usr/include/stdio.h'), '/usr/include/stdio.h');
  assert.equal(m.cwd('/home/ci/proj'), '.');
  assert.throws(() => compileMasks(['(']), /bad regular expression in --mask "\(":/);
});
