/** What a user probably meant by a file name the build never touched (the E_NO_FILE message). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { editDistance, nearestNames } from '../../src/model/nearest.js';
import { buildFromRecords } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { cBuildTrace } from '../normalize/synth.js';

test('editDistance: insertions, deletions, substitutions; gives up past the limit', () => {
  assert.equal(editDistance('build/ap', 'build/app', 3), 1);
  assert.equal(editDistance('mian.c', 'main.c', 3), 2);
  assert.equal(editDistance('abc', 'abc', 0), 0);
  assert.equal(editDistance('kitten', 'sitting', 3), 3);
  assert.equal(editDistance('kitten', 'sitting', 2), 3, 'over the limit: limit + 1');
  assert.equal(editDistance('a', 'abcdef', 2), 3);
});

test('nearestNames: ends of as many components as the name, the nearest, none for a short name, never the name itself', () => {
  const paths = ['/w/build/app', '/w/build/apps.c', '/w/src/app.c', '/usr/include/stdio.h', '/w/main.c'];
  assert.deepEqual(nearestNames('build/ap', paths), ['build/app']);
  assert.deepEqual(nearestNames('mian.c', paths), ['main.c']);
  assert.deepEqual(nearestNames('stdoi.h', paths), ['stdio.h']);
  assert.deepEqual(nearestNames('/w/buld/app', paths), ['/w/build/app']);
  assert.deepEqual(nearestNames('ap', paths), [], 'a name of two characters is near too much');
  assert.deepEqual(nearestNames('zzzzzz.c', paths), []);
  assert.deepEqual(nearestNames('build/app', paths), ['build/apps.c'], 'not the name itself');
});

test('resolveFile: a name one letter off says which file it probably meant, in the one-line error', () => {
  const t = cBuildTrace(['hello']);
  const n = normalizeRecords(t.header, t.records);
  const b = buildFromRecords(n.header, n.records);
  const made = b.model.files.find((f) => f.path.endsWith('/hello.o'))!.path;
  const dir = made.slice(0, -'hello.o'.length);
  assert.throws(() => b.resolveFile('helo.o'), { message: 'the build never touched a file named helo.o (did you mean hello.o?): give its path, or a unique end of it' });
  assert.throws(() => b.resolveFile(`${dir}helo.o`), { message: `the build never touched a file named ${dir}helo.o (did you mean ${made}?): give its path, or a unique end of it` });
  assert.throws(() => b.resolveFile('nothing-like-it.q'), { message: 'the build never touched a file named nothing-like-it.q: give its path, or a unique end of it' });
});
