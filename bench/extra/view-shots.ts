/**
 * Screenshots of bt view on a real log, for the README:
 *   node dist/bench/extra/view-shots.js LOG PREFIX [SEL]
 * writes docs/screenshots/PREFIX-explore.png (tree and timeline),
 * PREFIX-filter-cc1.png, PREFIX-summary.png and, with SEL (a selection as
 * the page's URL names it: f<file id> or p<proc id>), PREFIX-provenance.png.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { ARGS, BT, CHROMIUM, viewUrl } from './view.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SHOTS = path.join(REPO, 'docs', 'screenshots');

async function main(): Promise<void> {
  const [log, prefix, target] = process.argv.slice(2);
  if (!log || !prefix) throw new Error('usage: view-shots LOG PREFIX [SEL]');
  const server = spawn(process.execPath, [BT, 'view', log, '--no-open', '-q'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-shots-'));
  try {
    const url = await viewUrl(server);
    const ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1400, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(url);
    const drawn = () => page.waitForFunction(() => (window as any).bt?.ready && document.querySelector('#tree .proc-row') && (window as any).bt.timeline.drawnIds.length > 0, null, { timeout: 120_000 });
    await drawn();
    await page.screenshot({ path: path.join(SHOTS, `${prefix}-explore.png`) });
    await page.fill('#filter', 'exe == "cc1"');
    await page.waitForFunction(() => {
      const names = [...document.querySelectorAll('#tree .proc-row b')].map((b) => b.textContent);
      return names.length > 0 && names.every((n) => n === 'cc1');
    }, null, { timeout: 60_000 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(SHOTS, `${prefix}-filter-cc1.png`) });
    await page.fill('#filter', '');
    await page.click('#tab-summary');
    await page.waitForSelector('#summary .facts');
    await page.screenshot({ path: path.join(SHOTS, `${prefix}-summary.png`) });
    if (target) {
      await page.click('#tab-explore');
      await page.evaluate((t) => (location.hash = `sel=${t}`), target);
      await page.click('#show-deps');
      await page.waitForSelector('#graph .svgbox svg', { timeout: 120_000 });
      if (!(await page.locator('#graph .svgbox.fit').count())) await page.click('#graph button:has-text("Fit")');
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(SHOTS, `${prefix}-provenance.png`) });
    }
    await ctx.close();
  } finally {
    server.kill('SIGINT');
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

// A script, not a bench section: `npm run bench` imports every module of
// bench/extra and runs its `run`; importing this one must do nothing.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(`view-shots: ${(err as Error).message}`);
    process.exit(1);
  });
}
