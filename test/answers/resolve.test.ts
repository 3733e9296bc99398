/**
 * Which file a name given to bt deps / bt rdeps means: of the files a name
 * matches, those the build read or wrote, not the paths it only looked for
 * (a header probed in each -I directory before it was found).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFromRecords, type Build } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { TraceBuilder } from '../normalize/synth.js';

const ENOENT = 2;

/** cc1 looks for stdio.h in the tree (stdio.h, include/stdio.h), /usr/local/include, then reads /usr/include/stdio.h, and `also`. */
function build(also: string[] = []): Build {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/cc1', ['cc1', 'main.c'], '/w');
  t.open(1, 'main.c', { fd: 3 });
  for (const p of ['stdio.h', 'include/stdio.h', '/usr/local/include/stdio.h']) t.open(1, p, { fd: -1, errno: ENOENT });
  for (const p of ['/usr/include/stdio.h', ...also]) t.open(1, p, { fd: 4 });
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

test('resolveFile: a name matching a file read and paths only looked for is the file read, even where the start directory had it probed; a path is that path', () => {
  const b = build();
  // a bare name, though /w/stdio.h was probed
  assert.equal(b.resolveFile('stdio.h').path, '/usr/include/stdio.h');
  // a path, absolute or relative to the start directory, is that path, found or not
  assert.equal(b.resolveFile('include/stdio.h').path, '/w/include/stdio.h');
  assert.equal(b.resolveFile('/w/include/stdio.h').path, '/w/include/stdio.h');
  // the end of a path only looked for, with no file of that end read: the probe
  assert.equal(b.resolveFile('local/include/stdio.h').path, '/usr/local/include/stdio.h');
});

test('resolveFile: several files read under the name are ambiguous, and the message lists those, counting the lookups left out', () => {
  const b = build(['/usr/include/bits/stdio.h']);
  assert.throws(
    () => b.resolveFile('stdio.h'),
    (e: Error & { code?: string }) =>
      e.code === 'E_AMBIGUOUS' &&
      e.message === 'stdio.h names 2 files the build read or wrote (and 3 it only looked up): /usr/include/stdio.h, /usr/include/bits/stdio.h; give more of the path',
  );
  assert.equal(b.resolveFile('bits/stdio.h').path, '/usr/include/bits/stdio.h');
});
