/**
 * bt view --filter EXPR opens the page with the filter applied, as if typed
 * in its filter bar: the served page's URL carries it in its hash (the
 * page's state, web/state.ts); the static --html page, opened with no hash,
 * takes the one it was written with. On a real trace of cproject: the bar
 * holds the filter and the tree shows the three cc1 processes only. A bad
 * filter is refused before the log is read, as bt summary refuses it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after } from 'node:test';
import { pathToFileURL } from 'node:url';
import { launch, openPage, viewTest, type Page, type Session } from '../helpers/browser.js';
import { traceProject } from '../helpers/projects.js';
import { BT, bt, tmpdir } from '../helpers/trace.js';

const FILTER = 'exe == "cc1"';

let session: Session | undefined;
after(async () => {
  await session?.close();
});

/** The filter bar's text and the tree's rows (their names), once the tree shows `n` rows. */
async function shown(page: Page, n: number): Promise<{ bar: string; names: string[] }> {
  await page.waitForFunction((n) => document.querySelectorAll('#tree .proc-row').length === n, n, { timeout: 10_000 });
  return { bar: await page.inputValue('#filter'), names: await page.$$eval('#tree .proc-row b', (els) => els.map((e) => e.textContent ?? '')) };
}

viewTest('bt view --filter: the served page and the static page open with the filter in the bar and only its matches in the tree', async () => {
  const { file } = await traceProject('cproject', { clean: ['hello', 'main.o', 'util.o', 'greet.o'] });
  session = await launch();
  // served: the URL printed carries the filter
  const child = spawn(process.execPath, [BT, 'view', '-q', '--no-open', '--filter', FILTER, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(out.trim());
      });
      child.on('exit', (code) => reject(new Error(`bt view exited ${code}`)));
    });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/[\w-]+\/#f=exe\+%3D%3D\+%22cc1%22$/);
    const { page, errors } = await openPage(session, url);
    assert.deepEqual(await shown(page, 3), { bar: FILTER, names: ['cc1', 'cc1', 'cc1'] });
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    child.kill('SIGTERM');
  }
  // static: the page written with the filter opens with it
  const html = path.join(tmpdir('bt-view-filter-'), 'page.html');
  const r = await bt(['view', '-q', '--html', html, '--filter', FILTER, file]);
  assert.equal(r.code, 0, r.stderr);
  const { page, errors } = await openPage(session, pathToFileURL(html).href);
  assert.deepEqual(await shown(page, 3), { bar: FILTER, names: ['cc1', 'cc1', 'cc1'] });
  assert.equal(new URLSearchParams(new URL(page.url()).hash.slice(1)).get('f'), FILTER);
  if (process.env.BT_SCREENSHOTS) await page.screenshot({ path: path.join(process.env.BT_SCREENSHOTS, 'view-filter-option.png') });
  assert.deepEqual(errors, []);
  await page.close();
  // a link with a hash of its own keeps it
  const other = await openPage(session, `${pathToFileURL(html).href}#f=${encodeURIComponent('exe == "ld"')}`);
  assert.deepEqual(await shown(other.page, 1), { bar: 'exe == "ld"', names: ['ld'] });
  await other.page.close();
  // a bad filter: refused as bt summary refuses it, nothing written
  const bad = path.join(tmpdir('bt-view-filter-'), 'bad.html');
  const b = await bt(['view', '-q', '--html', bad, '--filter', 'exe = cc1', file]);
  assert.deepEqual([b.code, b.stderr], [2, 'bt: bad filter: unexpected "=" (use "==" to compare) at column 5\n  exe = cc1\n      ^']);
  assert.equal(fs.existsSync(bad), false);
});
