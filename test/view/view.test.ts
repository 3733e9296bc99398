/**
 * bt view in a real browser (Debian's chromium through playwright-core) on
 * REAL traces of the test programs (eBPF, as root): the tree, the details,
 * the timeline, the token, the static --html page. Screenshots of each
 * pane go to docs/screenshots/.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after } from 'node:test';
import { pathToFileURL } from 'node:url';
import { loadBuild, type Build } from '../../src/model/index.js';
import { serveBuild, type ViewServer } from '../../src/view/server.js';
import { browserUnavailableReason, browserTest, launch, watchErrors, type Page, type Session } from '../helpers/browser.js';
import { ebpfUnavailableReason } from '../helpers/ebpf.js';
import { BT, bt, prog, REPO, tmpdir, trace } from '../helpers/trace.js';

export const SHOTS = path.join(REPO, 'docs', 'screenshots');

/** Needs both eBPF (to trace for real) and the browser. */
function viewTest(name: string, fn: () => Promise<void>, timeoutMs = 180_000): void {
  const why = ebpfUnavailableReason();
  if (why && !browserUnavailableReason()) {
    browserTest(name, (t) => {
      if (process.env.CI) throw new Error(`eBPF is required in CI but unavailable: ${why}`);
      t.skip(`skipped: ${why}`);
    });
    return;
  }
  browserTest(name, fn, timeoutMs);
}

const memo = <T>(f: () => Promise<T>) => {
  let p: Promise<T> | undefined;
  return () => (p ??= f());
};

const forkerTrace = memo(async () => {
  const t = await trace([prog('forker')]);
  assert.equal(t.code, 0, t.stderr);
  return t.file;
});

const CDIR = path.join(REPO, 'test-programs', 'cproject');
const cprojectTrace = memo(async () => {
  const t = await trace(['make', '-B', '-j2', '-C', CDIR], { cwd: REPO });
  assert.equal(t.code, 0, t.stderr);
  return t.file;
});

let session: Session | undefined;
const servers: ViewServer[] = [];
after(async () => {
  await session?.close();
  for (const s of servers) await s.close();
});

async function browser(): Promise<Session> {
  session ??= await launch();
  return session;
}

async function serve(file: string): Promise<{ build: Build; server: ViewServer }> {
  const build = loadBuild(file);
  const server = await serveBuild(build);
  servers.push(server);
  return { build, server };
}

/** Opens the page and waits until it has started. */
async function open(url: string): Promise<{ page: Page; errors: string[] }> {
  const s = await browser();
  const page = await s.context.newPage();
  const errors = watchErrors(page);
  await page.goto(url);
  await page.waitForFunction(() => (window as any).bt?.ready || (window as any).bt?.error, null, { timeout: 30_000 });
  const err = await page.evaluate(() => (window as any).bt?.error);
  assert.equal(err, undefined, `the page started: ${err}`);
  return { page, errors };
}

interface TreeRow {
  id: number;
  name: string;
  exit: string;
  args: string;
}

async function treeRows(page: Page): Promise<TreeRow[]> {
  return page.$$eval('#tree .proc-row', (els) =>
    els
      .map((e) => ({
        top: parseFloat((e as HTMLElement).style.top),
        id: Number((e as HTMLElement).dataset.id),
        name: e.querySelector('b')?.textContent ?? '',
        exit: e.querySelector('.c-exit')?.textContent ?? '',
        args: e.querySelector('.args')?.textContent ?? '',
      }))
      .sort((a, b) => a.top - b.top)
      .map(({ top: _, ...r }) => r),
  );
}

/** Waits until the tree shows `n` rows. */
async function waitRows(page: Page, n: number): Promise<TreeRow[]> {
  await page.waitForFunction((n) => document.querySelectorAll('#tree .proc-row').length === n, n, { timeout: 10_000 });
  return treeRows(page);
}

async function shot(page: Page, name: string, selector?: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.waitForTimeout(300);
  const file = path.join(SHOTS, `${name}.png`);
  if (selector) await page.locator(selector).screenshot({ path: file });
  else await page.screenshot({ path: file });
}

viewTest("the forker's tree shows exactly its 4 processes with their exit codes; clicking one shows its full argv", async () => {
  const file = await forkerTrace();
  const { build, server } = await serve(file);
  const { page, errors } = await open(server.url);
  const rows = await waitRows(page, 4);
  assert.deepEqual(
    rows.map((r) => `${r.name} ${r.exit}`),
    ['forker 0', 'forker 1', 'forker 3', 'forker 2'],
    'the root, its first child (exit 1) with the grandchild (exit 3) under it, then the second child (exit 2)',
  );
  // the tree is nested as in the model
  const model = build.model;
  const root = model.processes.find((p) => p.parent === 0)!;
  assert.equal(rows[0].id, root.proc);
  assert.deepEqual(
    model.processes.filter((p) => p.parent === root.proc).map((p) => p.proc),
    [rows[1].id, rows[3].id],
  );
  // the timeline drew the same four processes
  const drawn = await page.evaluate(() => [...new Set((window as any).bt.timeline.drawnIds as number[])].sort((a, b) => a - b));
  assert.deepEqual(drawn, model.processes.map((p) => p.proc).sort((a, b) => a - b));
  // click the root: details show its full argv and exit
  await page.click(`#tree .proc-row[data-id="${root.proc}"]`);
  await page.waitForSelector('#details .argv li');
  const argv = await page.$$eval('#details .argv li', (els) => els.map((e) => e.textContent));
  assert.deepEqual(argv, root.argv);
  assert.equal(argv[0], prog('forker'));
  assert.match(page.url(), new RegExp(`#.*sel=p${root.proc}`), 'the URL keeps the selection');
  assert.deepEqual(errors, []);
  await page.close();
});

viewTest('clicking a cc1 process shows its full argv; the selection survives a reload from the URL', async () => {
  const file = await cprojectTrace();
  const { build, server } = await serve(file);
  const { page, errors } = await open(server.url);
  const cc1 = build.model.processes.find((p) => p.argv[0]?.endsWith('cc1') && p.argv.includes('main.c'))!;
  assert.ok(cc1, 'the trace has the cc1 of main.c');
  await page.waitForSelector(`#tree .proc-row[data-id="${cc1.proc}"]`);
  await page.click(`#tree .proc-row[data-id="${cc1.proc}"]`);
  await page.waitForSelector('#details .argv li');
  const argv = await page.$$eval('#details .argv li', (els) => els.map((e) => e.textContent));
  assert.deepEqual(argv, cc1.argv, 'every argument, none cut');
  assert.ok(argv.length > 10);
  await shot(page, 'test-programs-explore');
  await shot(page, 'pane-details', '.col.right');
  await shot(page, 'pane-tree', '.col.left');
  await shot(page, 'pane-timeline', '#timeline');
  // reload: the URL brings the same selection back
  await page.reload();
  await page.waitForFunction(() => (window as any).bt?.ready);
  await page.waitForSelector('#details .argv li');
  assert.deepEqual(await page.$$eval('#details .argv li', (els) => els.map((e) => e.textContent)), cc1.argv);
  await page.waitForSelector(`#tree .proc-row.sel[data-id="${cc1.proc}"]`);
  // the files pane: sorting by writers, descending, puts the most written file first
  await page.click('#tab-files');
  await page.waitForSelector('#files .file-row');
  await page.click('#files .thead .c-writers');
  await page.waitForSelector('#files .thead .c-writers.on');
  const writersCol = async () =>
    page.$$eval('#files .file-row', (els) =>
      els.sort((a, b) => parseFloat((a as HTMLElement).style.top) - parseFloat((b as HTMLElement).style.top)).map((e) => Number(e.querySelector('.c-writers')?.textContent || 0)),
    );
  const col = await writersCol();
  assert.ok(col.length > 5);
  assert.deepEqual(col, [...col].sort((a, b) => b - a), 'sorted by writers, most first');
  const maxWriters = Math.max(...build.model.files.map((f) => [...f.procs.values()].filter((a) => a.kinds & (2 | 4 | 8 | 4096)).length));
  assert.equal(col[0], maxWriters);
  // hello, reached from the linker's details: who wrote it
  const hello = build.file(path.join(CDIR, 'hello'))!;
  assert.ok(hello);
  const ld = [...hello.procs.values()].find((a) => a.kinds & 2)!.proc;
  await page.evaluate((id) => (location.hash = `sel=p${id}&tab=files`), ld);
  await page.waitForSelector(`#details .written a[data-file="${hello.id}"]`);
  await page.click(`#details .written a[data-file="${hello.id}"]`);
  await page.waitForSelector('#details .writers li a');
  const writers = await page.$$eval('#details .writers li a b', (els) => els.map((e) => e.textContent));
  assert.ok(writers.includes('ld'), `hello is written by the linker: ${writers}`);
  await shot(page, 'pane-files', '.col.left');
  assert.deepEqual(errors, []);
  await page.close();
});

viewTest('the token is enforced: bt view prints its URL; without the token or with a foreign Host the server answers 403', async () => {
  const file = await forkerTrace();
  const child = spawn(process.execPath, [BT, 'view', file, '--no-open'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /^(http:\/\/127\.0\.0\.1:\d+\/[\w-]+\/)\n/m.exec(out);
        if (m) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`bt view exited (${code})`)));
    });
    const u = new URL(url);
    const good = await fetch(`${url}api/meta`);
    assert.equal(good.status, 200);
    assert.equal(((await good.json()) as { processes: number }).processes, 4);
    assert.equal((await fetch(`${u.origin}/api/meta`)).status, 403, 'no token');
    assert.equal((await fetch(`${u.origin}/`)).status, 403, 'no token, the page');
    assert.equal((await fetch(`${u.origin}/x${u.pathname.slice(2)}api/meta`)).status, 403, 'a wrong token');
    // a foreign Host header (DNS rebinding): node's fetch keeps the Host we give through a raw request
    const http = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: Number(u.port), path: `${u.pathname}api/meta`, headers: { Host: `evil.example:${u.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 403, 'foreign Host');
  } finally {
    child.kill('SIGINT');
  }
  const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', resolve)));
  assert.equal(code, 0, 'Ctrl-C stops it cleanly');
});

viewTest('the static --html page opens from file:// and shows the same tree', async () => {
  const file = await forkerTrace();
  const dir = tmpdir('bt-view-html-');
  const html = path.join(dir, 'build.html');
  const r = await bt(['view', file, '--html', html]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  const text = fs.readFileSync(html, 'utf8');
  assert.doesNotMatch(text, /<script[^>]+src=|<link[^>]+href="http/i, 'no external script or style');
  const { page, errors } = await open(pathToFileURL(html).href);
  const rows = await waitRows(page, 4);
  assert.deepEqual(
    rows.map((r) => `${r.name} ${r.exit}`),
    ['forker 0', 'forker 1', 'forker 3', 'forker 2'],
  );
  await page.click(`#tree .proc-row[data-id="${rows[0].id}"]`);
  await page.waitForSelector('#details .argv li');
  assert.deepEqual(await page.$$eval('#details .argv li', (els) => els.map((e) => e.textContent)), [prog('forker')]);
  assert.deepEqual(errors, []);
  await page.close();
});
