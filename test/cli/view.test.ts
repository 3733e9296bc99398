/**
 * bt view's command line (src/cli/view.ts): --html refuses a name that
 * says another format and an output it cannot write before it reads the
 * log, as bt graph -o does.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { bt, oneLineError, tmpdir } from '../helpers/trace.js';
import { cBuildTrace } from '../normalize/synth.js';

describe('bt view --html: the output first', () => {
  const dir = tmpdir('bt-view-cli-');
  const log = cBuildTrace(['a']).write(path.join(dir, 'b.trace'));

  it('a name whose extension is not .html or .htm is refused in one line, before the log is read, and nothing is written', async () => {
    for (const name of ['build.jpg', 'build.JSON', 'out.svg']) {
      const out = path.join(dir, name);
      oneLineError(await bt(['view', path.join(dir, 'missing.trace'), '--html', out]), new RegExp(`^bt: --html ${esc(out)}: the page is HTML, not ${esc(path.extname(name).toLowerCase())}: end the name in \\.html or \\.htm$`));
      oneLineError(await bt(['view', log, '--html', out]), /: the page is HTML, not /);
      assert.equal(fs.existsSync(out), false, name);
    }
    // .html, .HTM and a name without an extension are written
    for (const name of ['page.html', 'page.HTM', 'page']) {
      const r = await bt(['view', '-q', log, '--html', path.join(dir, name)]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(fs.readFileSync(path.join(dir, name), 'utf8'), /^<!doctype html>/);
    }
  });

  it('an output that cannot be written is said before the log is read (the log is missing too), exit 2', async () => {
    const bad = path.join(dir, 'nodir', 'x.html');
    const r = await bt(['view', path.join(dir, 'missing.trace'), '--html', bad]);
    assert.equal(r.stderr, `bt: cannot write the page ${bad}: no such file or directory (ENOENT): the directory does not exist`);
    assert.equal(r.code, 2);
  });

  it('a log that cannot be read leaves no temporary page behind', async () => {
    const out = fs.mkdtempSync(path.join(dir, 'out-'));
    const notLog = path.join(dir, 'notes.txt');
    fs.writeFileSync(notLog, 'not a log\n');
    oneLineError(await bt(['view', '-q', notLog, '--html', path.join(out, 'x.html')]), /is not a bt log/);
    assert.deepEqual(fs.readdirSync(out), []);
  });
});

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
