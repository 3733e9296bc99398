/**
 * The Chrome-trace export loads in a real client with no network:
 * speedscope's offline build (npm package `speedscope`, dist/release) in
 * Debian's headless Chromium, driven by playwright-core. The build's lanes
 * become speedscope's profiles and the processes its frames; with --no-args
 * the frames are the programs (one Sandwich row each).
 * BT_SCREENSHOTS=DIR keeps the screenshot (docs/screenshots/ is made so).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, viewTest } from '../helpers/browser.js';
import { bt, REPO, tmpdir, trace } from '../helpers/trace.js';

const SPEEDSCOPE = path.join(REPO, 'node_modules', 'speedscope', 'dist', 'release', 'index.html');
const CPROJECT = ['Makefile', 'main.c', 'util.c', 'util.h', 'greet.c', 'greet.h'];

viewTest(
  'chrome-trace of cproject (make -B -j2) opens in speedscope (offline, headless Chromium): lanes, frames, no network',
  async () => {
    const work = tmpdir('bt-ss-');
    const proj = path.join(work, 'cproject');
    fs.mkdirSync(proj);
    for (const f of CPROJECT) fs.copyFileSync(path.join(REPO, 'test-programs', 'cproject', f), path.join(proj, f));
    const tr = await trace(['make', '-B', '-j2'], { cwd: proj });
    assert.equal(tr.code, 0, tr.stderr);
    const json = path.join(work, 'cproject.json');
    const r = await bt(['export', 'chrome-trace', tr.file, '-o', json]);
    assert.equal(r.code, 0, r.stderr);
    const lanes = JSON.parse(fs.readFileSync(json, 'utf8')).traceEvents.filter((e: any) => e.name === 'thread_name').length;

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 700 } });
      const remote: string[] = [];
      page.on('request', (req) => {
        if (!req.url().startsWith('file:') && !req.url().startsWith('data:') && !req.url().startsWith('blob:')) remote.push(req.url());
      });
      const logs: string[] = [];
      page.on('console', (m) => logs.push(m.text()));
      await page.goto(`file://${SPEEDSCOPE}`);
      await page.setInputFiles('input[type=file]', json);
      await page.waitForFunction(() => document.body.innerText.includes('lane 1'), undefined, { timeout: 20_000 });
      const text = await page.innerText('body');
      assert.match(text, /build: make -B -j2 \(pid 1\), lane 1 \(tid 1\) \(1\/(\d+)\)/);
      assert.equal(Number(/\(1\/(\d+)\)/.exec(text)![1]), lanes, 'one speedscope profile per lane');
      assert.ok(logs.some((l) => l.includes('Importing as Trace Event Format profile')), logs.join('\n'));
      assert.ok(!logs.some((l) => /error|failed/i.test(l)), logs.join('\n'));
      // the frames are the processes: hovering the top row shows make
      const canvas = page.locator('canvas').last();
      const box = (await canvas.boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + 33);
      await page.waitForTimeout(300);
      assert.match(await page.innerText('body'), /make \{"command":"make -B -j2"/);
      await page.mouse.move(0, 0);
      const shots = process.env.BT_SCREENSHOTS;
      if (shots) {
        fs.mkdirSync(shots, { recursive: true });
        await page.screenshot({ path: path.join(shots, 'speedscope-chrome-trace.png') });
      }
      // --no-args: each frame is named by its program alone, so Sandwich has one row per program (with args: one per process)
      const bare = path.join(work, 'cproject-noargs.json');
      assert.equal((await bt(['export', 'chrome-trace', tr.file, '--no-args', '-o', bare])).code, 0);
      await page.goto(`file://${SPEEDSCOPE}`);
      await page.setInputFiles('input[type=file]', bare);
      await page.waitForFunction(() => document.body.innerText.includes('lane 1'), undefined, { timeout: 20_000 });
      await page.click('text=Sandwich');
      await page.waitForFunction(() => document.body.innerText.includes('Symbol Name'), undefined, { timeout: 10_000 });
      const lane1 = JSON.parse(fs.readFileSync(bare, 'utf8')).traceEvents.filter((e: any) => e.ph === 'X' && e.tid === 1).map((e: any) => e.name as string);
      const rows = (await page.innerText('body')).split('Symbol Name')[1].split('\n').map((l) => l.trim()).filter((l) => /^[a-z][\w.+-]*$/.test(l));
      assert.deepEqual(rows.sort(), [...new Set(lane1)].sort(), 'one Sandwich row per program of lane 1');
      assert.deepEqual(remote, [], 'no network');
    } finally {
      await browser.close();
    }
  },
  120_000,
);
