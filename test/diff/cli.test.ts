/** bt diff: bad input is one line on stderr and exit status 2. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { bt, tmpdir } from '../helpers/trace.js';

const dir = tmpdir('bt-diff-cli-');
const notLog = path.join(dir, 'notes.txt');
fs.writeFileSync(notLog, 'not a log\n');

function oneLine(r: { code: number; stdout: string; stderr: string }, re: RegExp): void {
  assert.equal(r.code, 2, `exit 2: ${r.stderr}`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0], re);
}

test('diff: a missing log, a file that is not a log, a bad --mask, one log only: one line, exit 2', async () => {
  oneLine(await bt(['diff', path.join(dir, 'a.trace'), notLog]), /^bt: cannot open .*a\.trace: no such file or directory/);
  oneLine(await bt(['diff', notLog, notLog]), /^bt: .*notes\.txt is not a bt log/);
  oneLine(await bt(['diff', '--mask', '(', notLog, notLog]), /^bt: bad regular expression in --mask "\(": /);
  oneLine(await bt(['diff', notLog]), /^error: missing required argument 'b'/);
});
