/**
 * npm run bench, extra section: bt view at scale, on the synthetic build
 * log of normalize-graph.ts (default 1.6 million records, the size of a
 * kernel build's log; BT_BENCH_VIEW_RECORDS changes it; BT_BENCH_VIEW_LOG
 * names a real log to use instead, e.g. the kernel build's), in headless
 * chromium:
 *   server ready     `bt view LOG --no-open` started -> URL printed
 *   first paint      page opened -> tree rows and timeline bars drawn
 *   filter applied   `exe == "cc1"` typed -> tree and timeline show only cc1
 *   zoom/pan         timeline redraws per second while panning
 *   memory           browser JS heap and the PSS of all chromium processes;
 *                    the server's RSS
 *   static page      --html size and the time it takes to open from file://
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { generateLog } from './normalize-graph.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BT = path.join(REPO, 'dist', 'src', 'cli', 'main.js');
export const CHROMIUM = '/usr/bin/chromium';
export const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-precise-memory-info'];

function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function pssKiB(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Total PSS (shared pages counted once) of the chromium processes started with this profile directory, and their children. */
function chromiumPssKiB(profile: string): number {
  const parent = new Map<number, number>();
  const mine = new Set<number>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      if (fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(profile)) mine.add(Number(d));
    } catch {
      /* gone */
    }
  }
  let total = 0;
  for (const pid of parent.keys()) {
    for (let p = pid, n = 0; p > 1 && n < 64; p = parent.get(p) ?? 0, n++) {
      if (mine.has(p)) {
        total += pssKiB(pid);
        break;
      }
    }
  }
  return total;
}

/** The URL a `bt view LOG --no-open` child prints once it is ready. */
export function viewUrl(server: ChildProcessByStdio<null, Readable, Readable | null>): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const m = /^(http:\S+)\n/m.exec(out);
      if (m) resolve(m[1]);
    });
    server.on('exit', (code) => reject(new Error(`bt view exited (${code})`)));
  });
}

const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;

export async function run(): Promise<void> {
  console.log('\n## bt view at scale (synthetic build log, headless chromium)');
  if (!fs.existsSync(CHROMIUM)) {
    console.log(`skipped: ${CHROMIUM} is missing (scripts/setup.sh installs it)`);
    return;
  }
  const target = Number(process.env.BT_BENCH_VIEW_RECORDS ?? 1_600_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-bench-view-'));
  const real = process.env.BT_BENCH_VIEW_LOG;
  const log = real ?? path.join(dir, 'big.trace');
  const records = real ? 0 : generateLog(log, target);
  const server = spawn(process.execPath, [BT, 'view', log, '--no-open'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const t0 = performance.now();
  let profile = '';
  try {
    const url = await viewUrl(server);
    const ready = performance.now() - t0;
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-bench-chromium-'));
    const ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    const p0 = performance.now();
    await page.goto(url);
    await page.waitForFunction(() => (window as any).bt?.ready && document.querySelector('#tree .proc-row') && (window as any).bt.timeline.drawnIds.length > 0, null, { timeout: 120_000 });
    const paint = performance.now() - p0;
    const meta = (await (await fetch(`${url}api/meta`)).json()) as { processes: number; files: number };
    // filter
    let filterMs = NaN;
    const ok = await (await fetch(`${url}api/check?f=${encodeURIComponent('exe == "cc1"')}`)).json().catch(() => ({}));
    if (!(ok as { error?: string }).error) {
      const f0 = performance.now();
      await page.fill('#filter', 'exe == "cc1"');
      await page.waitForFunction(
        () => {
          const names = [...document.querySelectorAll('#tree .proc-row b')].map((b) => b.textContent);
          return names.length > 0 && names.every((n) => n === 'cc1') && document.querySelector('.tl-info')?.textContent?.includes('processes');
        },
        null,
        { timeout: 60_000 },
      );
      filterMs = performance.now() - f0 - 120; // minus the typing debounce
      await page.fill('#filter', '');
      await page.waitForFunction(() => [...document.querySelectorAll('#tree .proc-row b')].some((b) => b.textContent !== 'cc1'));
    }
    // zoom and pan: redraws per second of the timeline with every bar of the build
    const fps = await page.evaluate(async () => {
      const tl = (window as any).bt.timeline;
      const n = 60;
      const t = performance.now();
      for (let i = 0; i < n; i++) {
        tl.key(new KeyboardEvent('keydown', { key: i % 2 ? 'a' : 'd' }));
        tl.key(new KeyboardEvent('keydown', { key: i % 10 < 5 ? 'w' : 's' }));
      }
      return (2 * n * 1000) / (performance.now() - t);
    });
    const heap = await page.evaluate(() => ((performance as any).memory?.usedJSHeapSize ?? 0) / 1024);
    const browserRss = chromiumPssKiB(profile);
    const serverRss = rssKiB(server.pid!);
    await ctx.close();
    // static page
    const html = path.join(dir, 'big.html');
    let staticLine = '';
    await new Promise<void>((resolve) => spawn(process.execPath, [BT, 'view', log, '--html', html, '-q'], { stdio: 'ignore' }).on('exit', () => resolve()));
    if (fs.existsSync(html)) {
      const prof2 = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-bench-chromium-'));
      const c2 = await chromium.launchPersistentContext(prof2, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 800 } });
      const p2 = await c2.newPage();
      const s0 = performance.now();
      await p2.goto(`file://${html}`);
      await p2.waitForFunction(() => (window as any).bt?.ready && document.querySelector('#tree .proc-row'), null, { timeout: 120_000 });
      const openMs = performance.now() - s0;
      const rss2 = chromiumPssKiB(prof2);
      await c2.close();
      fs.rmSync(prof2, { recursive: true, force: true });
      staticLine = `static --html: ${(fs.statSync(html).size / 1048576).toFixed(1)} MiB, opens from file:// in ${(openMs / 1000).toFixed(2)} s, browser ${mib(rss2)} (PSS)`;
    } else staticLine = 'static --html: refused (too big)';
    // the same log normalized beforehand (bt normalize): no sorting or path resolution at load
    const norm = path.join(dir, 'big.norm.trace');
    await new Promise<void>((resolve) => spawn(process.execPath, [BT, 'normalize', '-q', log, '-o', norm], { stdio: 'ignore' }).on('exit', () => resolve()));
    const n0 = performance.now();
    const s2 = spawn(process.execPath, [BT, 'view', norm, '--no-open', '-q'], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise<void>((resolve, reject) => {
      s2.stdout.on('data', (d) => /http:/.test(String(d)) && resolve());
      s2.on('exit', (code) => reject(new Error(`bt view exited (${code})`)));
    });
    const readyNorm = performance.now() - n0;
    s2.kill('SIGINT');
    console.log(`log: ${real ? `${real} (${(fs.statSync(real).size / 1048576).toFixed(0)} MiB)` : `${records.toLocaleString('en')} records`}, ${meta.processes.toLocaleString('en')} processes, ${meta.files.toLocaleString('en')} files`);
    console.log(`server ready ${(ready / 1000).toFixed(2)} s after start on the raw log (normalized while loading), ${(readyNorm / 1000).toFixed(2)} s on the normalized log; server RSS ${mib(serverRss)}`);
    console.log(`first meaningful paint ${(paint / 1000).toFixed(2)} s after the page was opened`);
    console.log(`filter exe == "cc1" applied in ${Number.isNaN(filterMs) ? 'n/a (no display filters)' : `${filterMs.toFixed(0)} ms`} (tree and timeline)`);
    console.log(`timeline zoom/pan: ${fps.toFixed(0)} redraws/s`);
    console.log(`browser memory: JS heap ${mib(heap)}, all chromium processes ${mib(browserRss)} (PSS)`);
    console.log(staticLine);
  } finally {
    server.kill('SIGINT');
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
