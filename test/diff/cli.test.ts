/** bt diff: bad input is one line on stderr and exit status 2. */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { bt, oneLineError, tmpdir } from '../helpers/trace.js';

const dir = tmpdir('bt-diff-cli-');
const notLog = path.join(dir, 'notes.txt');
fs.writeFileSync(notLog, 'not a log\n');

test('diff: a missing log, a file that is not a log, a bad --mask, one log only: one line, exit 2', async () => {
  oneLineError(await bt(['diff', path.join(dir, 'a.trace'), notLog]), /^bt: cannot open .*a\.trace: no such file or directory/);
  oneLineError(await bt(['diff', notLog, notLog]), /^bt: .*notes\.txt is not a bt log/);
  oneLineError(await bt(['diff', '--mask', '(', notLog, notLog]), /^bt: bad regular expression in --mask "\(": /);
  oneLineError(await bt(['diff', notLog]), /^bt: missing required argument 'b': see bt diff --help$/);
});
