/** bt check and bt diff: bad input is one line on stderr and exit status 2. */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { bt, oneLineError, tmpdir } from '../helpers/trace.js';
import { cBuildTrace } from '../normalize/synth.js';

const dir = tmpdir('bt-check-cli-');
const notLog = path.join(dir, 'notes.txt');
fs.writeFileSync(notLog, 'not a log\n');

test('check: a missing log, a file that is not a log, a bad glob: one line, exit 2', async () => {
  oneLineError(await bt(['check', path.join(dir, 'missing.trace')]), /^bt: cannot open .*missing\.trace: no such file or directory/);
  oneLineError(await bt(['check', notLog]), /^bt: .*notes\.txt is not a bt log/);
  oneLineError(await bt(['check', '--ignore', '[z-a]', notLog]), /^bt: --ignore: bad glob "\[z-a\]": range out of order in character class$/);
  oneLineError(await bt(['check', '--allow', '', notLog]), /^bt: --allow needs a glob/);
  oneLineError(await bt(['check', '--make', '--ninja', dir, notLog]), /^bt: --make and --ninja exclude each other/);
  // an unclosed "[" or "{" (the error every glob option and a filter's ~ give: test/cli/filter-errors.test.ts)
  oneLineError(await bt(['check', '--allow', '[', notLog]), /^bt: --allow: bad glob "\[": "\[" at character 1 is not closed by "\]"$/);
  oneLineError(await bt(['check', '--ignore', '{a,b', notLog]), /^bt: --ignore: bad glob "\{a,b": a "\{" is not closed by "\}"$/);
  // the log taken as an option's value, no build.trace here (every reader says it: test/cli/log-argument.test.ts)
  const log = cBuildTrace(['a']).write(path.join(dir, 'p2.trace'));
  const r = await bt(['check', '--driver', log], { cwd: dir });
  oneLineError(r, /^bt: no log given: --driver took ".*p2\.trace" as its value \(--driver needs a value of its own; put the log after it\)$/);
  // a file that is not a log is a value like any other
  oneLineError(await bt(['check', '--driver', notLog], { cwd: dir }), /^bt: no log given and there is no build\.trace here/);
  oneLineError(await bt(['check'], { cwd: dir }), /^bt: no log given and there is no build\.trace here/);
});
