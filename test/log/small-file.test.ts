/** readSmallFile: a file read at a path a log names (depfiles, cargo's output) is read only if regular, not a link, and small. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { readSmallFile } from '../../src/log/io.js';
import { tmpdir } from '../helpers/tmp.js';

test('readSmallFile: a regular file is read; a FIFO (which would block), a link, a directory, a missing or too big file are not', () => {
  const dir = tmpdir('bt-small-');
  const file = path.join(dir, 'output');
  fs.writeFileSync(file, 'cargo:rerun-if-changed=spec.txt\n');
  assert.equal(readSmallFile(file), 'cargo:rerun-if-changed=spec.txt\n');
  const fifo = path.join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  assert.equal(readSmallFile(fifo), undefined);
  const link = path.join(dir, 'link');
  fs.symlinkSync(file, link);
  assert.equal(readSmallFile(link), undefined);
  assert.equal(readSmallFile(dir), undefined);
  assert.equal(readSmallFile(path.join(dir, 'missing')), undefined);
  assert.equal(readSmallFile(file, 10), undefined);
});
