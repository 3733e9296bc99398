/**
 * Gate and launcher for tests that drive a real browser: Debian's
 * chromium (/usr/bin/chromium, installed by scripts/setup.sh) through
 * playwright-core, headless, with a fresh profile and no network
 * services. Under CI a missing chromium fails loudly; elsewhere the tests
 * are skipped with the reason.
 */
import assert from 'node:assert/strict';
import { after, test, type TestContext } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Build } from '../../src/model/index.js';
import { serveBuild, type ViewServer } from '../../src/view/server.js';
import { ebpfUnavailableReason } from './ebpf.js';
import { needTools } from './tools.js';
import { tmpdir } from './tmp.js';

export const CHROMIUM = process.env.BT_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Like test(), for tests that need the browser (needTools: under CI a missing one fails the test). */
export function browserTest(name: string, fn: (t: TestContext) => Promise<void> | void, timeoutMs = 120_000): void {
  test(name, { timeout: timeoutMs }, (t) => (needTools(t, CHROMIUM) ? fn(t) : undefined));
}

/** Like browserTest(), for tests that also trace for real (eBPF): under CI a missing one fails loudly. */
export function viewTest(name: string, fn: () => Promise<void>, timeoutMs = 180_000): void {
  const why = ebpfUnavailableReason();
  browserTest(name, (t) => {
    if (!why) return fn();
    if (process.env.CI) throw new Error(`eBPF is required in CI but unavailable: ${why}`);
    t.skip(`skipped: ${why}`);
  }, timeoutMs);
}

/** A promise made once, on first use (a trace several tests share). */
export function memo<T>(f: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= f());
}

export interface Session {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launches chromium with a fresh profile directory (persistent context = --user-data-dir). */
export async function launch(opts: { width?: number; height?: number } = {}): Promise<Session> {
  const dir = tmpdir('bt-chromium-');
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
    chromiumSandbox: false,
  });
  return { context, close: () => context.close() };
}

export type { Browser, Page };

/**
 * One browser and the bt view servers of a test file, made on first use and
 * closed after its tests: `serve(build)` serves a build, `open(url)` opens
 * the page in a new tab (openPage), `browser()` is the session.
 */
export function viewSession(opts: { width?: number; height?: number } = {}): {
  browser(): Promise<Session>;
  serve(build: Build): Promise<ViewServer>;
  open(url: string, timeoutMs?: number): Promise<{ page: Page; errors: string[] }>;
} {
  let session: Session | undefined;
  const servers: ViewServer[] = [];
  after(async () => {
    await session?.close();
    for (const s of servers) await s.close();
  });
  const browser = async (): Promise<Session> => (session ??= await launch(opts));
  return {
    browser,
    async serve(build) {
      const server = await serveBuild(build);
      servers.push(server);
      return server;
    },
    async open(url, timeoutMs) {
      return openPage(await browser(), url, timeoutMs);
    },
  };
}

/** Opens bt view's page at `url` in a new tab and waits until it has started (window.bt.ready), failing on its start-up error. */
export async function openPage(session: Session, url: string, timeoutMs = 30_000): Promise<{ page: Page; errors: string[] }> {
  const page = await session.context.newPage();
  const errors = watchErrors(page);
  await page.goto(url);
  await page.waitForFunction(() => (window as any).bt?.ready || (window as any).bt?.error, null, { timeout: timeoutMs });
  const err = await page.evaluate(() => (window as any).bt?.error);
  assert.equal(err, undefined, `the page started: ${err}`);
  return { page, errors };
}

/** Records console errors, page errors and failed requests of a page. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().includes('/api/check')) errors.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return errors;
}
