/**
 * Which directories were links into /usr on the traced system: the header's
 * merged_usr, else this machine's for a log traced here, else none.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { localUsrMerge, usrMergeOf, usrMergeOption } from '../../src/log/usrmerge.js';
import { tmpdir } from '../helpers/tmp.js';
import { makeHeader } from '../normalize/synth.js';

test('usrMergeOf: the header says which directories were links; an older log traced here is this machine; one from elsewhere has none', () => {
  assert.deepEqual([...usrMergeOf(makeHeader(1, '/w', { options: { merged_usr: 'bin,lib,lib64,sbin' } }))], ['bin', 'lib', 'lib64', 'sbin']);
  assert.deepEqual([...usrMergeOf(makeHeader(1, '/w', { options: { merged_usr: 'none' } }))], []);
  assert.deepEqual([...usrMergeOf(makeHeader(1, '/w', { options: { merged_usr: 'bin,etc' } }))], ['bin'], 'only the directories a merge links');
  assert.deepEqual([...usrMergeOf(makeHeader(1, '/w', { hostname: 'elsewhere-not-this-host' }))], []);
  assert.deepEqual([...usrMergeOf(makeHeader(1, '/w', { hostname: os.hostname() }))], localUsrMerge());
  assert.equal(usrMergeOption([]), 'none');
  assert.equal(usrMergeOption(['bin', 'lib']), 'bin,lib');
});

test('localUsrMerge: the directories that are symbolic links to their /usr counterparts, not a real directory nor a link elsewhere', () => {
  const root = tmpdir('bt-usrmerge-');
  for (const d of ['usr/bin', 'usr/lib', 'usr/sbin', 'sbin', 'opt/lib64']) fs.mkdirSync(path.join(root, d), { recursive: true });
  fs.symlinkSync('usr/bin', path.join(root, 'bin'));
  fs.symlinkSync('usr/lib', path.join(root, 'lib'));
  fs.symlinkSync('opt/lib64', path.join(root, 'lib64'));
  assert.deepEqual(localUsrMerge(`${root}/`), ['bin', 'lib']);
});
