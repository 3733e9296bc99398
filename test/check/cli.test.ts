/** bt check and bt diff: bad input is one line on stderr and exit status 2. */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { bt, oneLineError, tmpdir } from '../helpers/trace.js';

const dir = tmpdir('bt-check-cli-');
const notLog = path.join(dir, 'notes.txt');
fs.writeFileSync(notLog, 'not a log\n');

test('check: a missing log, a file that is not a log, a bad glob: one line, exit 2', async () => {
  oneLineError(await bt(['check', path.join(dir, 'missing.trace')]), /^bt: cannot open .*missing\.trace: no such file or directory/);
  oneLineError(await bt(['check', notLog]), /^bt: .*notes\.txt is not a bt log/);
  oneLineError(await bt(['check', '--ignore', '[z-a]', notLog]), /^bt: --ignore: bad glob "\[z-a\]": range out of order in character class$/);
  oneLineError(await bt(['check', '--allow', '', notLog]), /^bt: --allow needs a glob/);
  oneLineError(await bt(['check', '--make', '--ninja', dir, notLog]), /^bt: --make and --ninja exclude each other/);
});
