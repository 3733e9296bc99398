/**
 * bt view on a large synthetic build (bench/extra/normalize-graph.ts's
 * generator, ~1 million records, over 20,000 processes) in a real browser:
 * the static --html page opens from file:// and shows the whole build; the
 * server pages the files table. Screenshots of each pane go to
 * docs/screenshots/large-*.png.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after } from 'node:test';
import { pathToFileURL } from 'node:url';
import { generateLog } from '../../bench/extra/normalize-graph.js';
import { loadBuild, type Build } from '../../src/model/index.js';
import { serveBuild, type ViewServer } from '../../src/view/server.js';
import { writeStaticPage } from '../../src/view/static.js';
import { browserTest, launch, openPage, type Page, type Session } from '../helpers/browser.js';
import { REPO, tmpdir } from '../helpers/trace.js';

const SHOTS = path.join(REPO, 'docs', 'screenshots');

let build: Build | undefined;
function large(): Build {
  if (!build) {
    const log = path.join(tmpdir('bt-view-large-'), 'large.trace');
    generateLog(log, 1_000_000);
    build = loadBuild(log);
  }
  return build;
}

let session: Session | undefined;
let server: ViewServer | undefined;
after(async () => {
  await session?.close();
  await server?.close();
});

async function open(url: string): Promise<{ page: Page; errors: string[] }> {
  session ??= await launch();
  return openPage(session, url, 120_000);
}

/** Saves a screenshot to docs/screenshots/ when BT_SCREENSHOTS is set (npm run screenshots). */
async function shot(page: Page, name: string, selector?: string): Promise<void> {
  if (!process.env.BT_SCREENSHOTS) return;
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.waitForTimeout(400);
  const file = path.join(SHOTS, `${name}.png`);
  if (selector) await page.locator(selector).screenshot({ path: file });
  else await page.screenshot({ path: file });
}

browserTest(
  'a build of over 20,000 processes: the static page opens from file:// and shows all of it',
  async () => {
    const b = large();
    const m = b.model;
    assert.ok(m.processes.length >= 20_000, `${m.processes.length} processes`);
    const html = path.join(tmpdir('bt-view-large-html-'), 'large.html');
    const r = writeStaticPage(b, html);
    assert.ok(r.bytes < 32 * 1048576, `${r.bytes} bytes`);
    const { page, errors } = await open(pathToFileURL(html).href);
    // the header counts every process and file
    const stats = await page.textContent('header .stats');
    assert.match(stats ?? '', new RegExp(`${m.processes.length.toLocaleString('en-US')} processes · ${m.files.length.toLocaleString('en-US')} files`));
    // the root (make) is open: its children are paged into the tree, with a "more" row for the rest
    const root = m.processes.find((p) => p.parent === 0)!;
    await page.waitForSelector(`#tree .proc-row[data-id="${root.proc}"]`);
    const kids = await page.textContent(`#tree .proc-row[data-id="${root.proc}"] .c-kids`);
    assert.equal(kids, root.children.length.toLocaleString('en-US'), 'with thousands separators, as the header counts');
    assert.ok(root.children.length > 2000);
    // every process is on the timeline at full zoom-out (sub-pixel bars merged per lane and pixel)
    await page.waitForFunction(() => !!document.querySelector('.tl-info')?.textContent, null, { timeout: 30_000 });
    const info = await page.textContent('.tl-info');
    assert.match(info ?? '', new RegExp(`^${m.processes.length.toLocaleString('en-US')} processes on \\d+ lanes`));
    // scroll the tree to the end: rows keep coming (virtualized), the "more" row loads the next page
    await page.evaluate(() => {
      const s = document.querySelector('#tree .vscroll')!;
      s.scrollTop = s.scrollHeight;
    });
    await page.waitForSelector('#tree .vrow.more');
    await page.click('#tree .vrow.more');
    await page.waitForFunction(() => !document.querySelector('#tree .vrow.more') || document.querySelectorAll('#tree .proc-row').length > 0);
    assert.deepEqual(errors, []);
    await page.close();
  },
  300_000,
);

browserTest(
  'a build of over 20,000 processes through the server: the files table pages and sorts; screenshots of each pane',
  async () => {
    const b = large();
    server = await serveBuild(b);
    const { page, errors } = await open(server.url);
    await page.waitForSelector('#tree .proc-row');
    await shot(page, 'large-explore');
    // the timeline has drawn before keys go to it
    await page.waitForFunction(() => !!document.querySelector('.tl-info')?.textContent, null, { timeout: 30_000 });
    // zoom the timeline in with W, then select a cc1 bar by keyboard-free click on the tree
    await page.focus('.tl-canvas');
    for (let i = 0; i < 6; i++) await page.keyboard.press('w');
    // each W zooms in by 0.7 around the middle
    await page.waitForFunction(
      (full) => {
        const p = new URLSearchParams(location.hash.slice(1));
        const span = Number(p.get('t1')) - Number(p.get('t0'));
        return Math.abs(span - full * 0.7 ** 6) / full < 0.01;
      },
      b.durationNs,
      { timeout: 30_000 },
    );
    const cc1 = b.model.processes.find((p) => p.argv[0] === 'cc1' || p.exe.endsWith('/cc1'))!;
    await page.evaluate((id) => (location.hash = `sel=p${id}`), cc1.proc);
    await page.waitForSelector('#details .argv li');
    // F fits the selected process: the window (kept in the URL) is its span and a tenth on each side.
    // F is idempotent: pressed again if the selection had not reached the timeline yet.
    const dur = cc1.end - cc1.start;
    const fitted = (d: number) => {
      const p = new URLSearchParams(location.hash.slice(1));
      const span = Number(p.get('t1')) - Number(p.get('t0'));
      return Math.abs(span - 1.2 * d) <= 2;
    };
    let ok = false;
    for (let i = 0; i < 10 && !ok; i++) {
      await page.focus('.tl-canvas');
      await page.keyboard.press('f');
      ok = await page.waitForFunction(fitted, dur, { timeout: 3000 }).then(
        () => true,
        () => false,
      );
    }
    assert.ok(ok, 'F fits the timeline to the selected process');
    await page.waitForTimeout(300);
    await shot(page, 'large-timeline-zoomed', '#timeline');
    await shot(page, 'large-details', '.col.right');
    // files: sorted by readers, most first; the table pages as it scrolls
    await page.click('#tab-files');
    await page.waitForSelector('#files .file-row');
    await page.click('#files .thead .c-readers');
    await page.waitForSelector('#files .thead .c-readers.on');
    const top = await page.$$eval('#files .file-row', (els) =>
      els.sort((a, b) => parseFloat((a as HTMLElement).style.top) - parseFloat((b as HTMLElement).style.top)).map((e) => Number(e.querySelector('.c-readers')?.textContent?.replace(/,/g, '') || 0)),
    );
    assert.deepEqual(top, [...top].sort((a, b) => b - a));
    await shot(page, 'large-files', '.col.left');
    await page.evaluate(() => {
      const s = document.querySelector('#files .vscroll')!;
      s.scrollTop = s.scrollHeight;
    });
    await page.waitForFunction(
      (end) => [...document.querySelectorAll<HTMLElement>('#files .file-row')].some((e) => parseFloat(e.style.top) === end),
      (b.model.files.length - 1) * 22,
    );
    const lastTop = await page.$$eval('#files .file-row', (els) => Math.max(...els.map((e) => parseFloat((e as HTMLElement).style.top))));
    assert.equal(lastTop, (b.model.files.length - 1) * 22, 'the last row of the table is reachable');
    assert.deepEqual(errors, []);
    await page.close();
  },
  300_000,
);
