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
import { pathToFileURL } from 'node:url';
import { loadBuild, type Build } from '../../src/model/index.js';
import type { ViewServer } from '../../src/view/server.js';
import { memo, viewSession, viewTest, type Page } from '../helpers/browser.js';
import { BT, bt, prog, REPO, tmpdir, trace } from '../helpers/trace.js';

export const SHOTS = path.join(REPO, 'docs', 'screenshots');


const forkerTrace = memo(async () => {
  const t = await trace([prog('forker')]);
  assert.equal(t.code, 0, t.stderr);
  return t.file;
});

const CDIR = path.join(REPO, 'test-programs', 'cproject');
const cprojectTrace = memo(async () => {
  const t = await trace(['make', '-B', '-j2', '-C', CDIR], { cwd: REPO, env: { BT_TEST_API_TOKEN: 'hunter2-secret', BT_TEST_PLAIN: 'visible-value' } });
  assert.equal(t.code, 0, t.stderr);
  return t.file;
});

const views = viewSession();

async function serve(file: string): Promise<{ build: Build; server: ViewServer }> {
  const build = loadBuild(file);
  const server = await views.serve(build);
  return { build, server };
}

/** Opens the page and waits until it has started. */
async function open(url: string): Promise<{ page: Page; errors: string[] }> {
  return views.open(url);
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

/** Saves a screenshot to docs/screenshots/ when BT_SCREENSHOTS is set (npm run screenshots). */
async function shot(page: Page, name: string, selector?: string): Promise<void> {
  if (!process.env.BT_SCREENSHOTS) return;
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
  // the timeline drew the same four processes (it draws after the tree: wait for it)
  await page.waitForFunction((n) => new Set((window as any).bt?.timeline?.drawnIds ?? []).size >= n, model.processes.length, { timeout: 30_000 });
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

viewTest("a process that exec'd several programs (nice, then true) lists them in its details, the last being its command line", async () => {
  const t = await trace(['nice', '-n', '1', 'true', 'done']);
  assert.equal(t.code, 0, t.stderr);
  const { build, server } = await serve(t.file);
  const p = build.model.processes.find((q) => q.execs)!;
  assert.ok(p, 'the traced process exec\'d nice, then true');
  const { page, errors } = await open(server.url);
  await page.waitForSelector(`#tree .proc-row[data-id="${p.proc}"]`);
  await page.click(`#tree .proc-row[data-id="${p.proc}"]`);
  await page.waitForSelector('#details .chain li');
  const chain = await page.$$eval('#details .chain li code', (els) => els.map((e) => e.textContent));
  assert.deepEqual(chain, ['nice -n 1 true done', 'true done']);
  const argv = await page.$$eval('#details .argv li', (els) => els.map((e) => e.textContent));
  assert.deepEqual(argv, ['true', 'done']);
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
  // the environment: values that look like secrets are masked until asked for
  const envText = async () => page.$$eval('#details ul.env li', (els) => els.map((e) => e.textContent ?? ''));
  let env = await envText();
  assert.ok(env.includes('BT_TEST_PLAIN=visible-value'));
  assert.ok(env.includes('BT_TEST_API_TOKEN=••••••••'), 'the token is masked');
  assert.ok(!(await page.textContent('#details'))!.includes('hunter2-secret'));
  await page.click('#details label.toggle input');
  env = await envText();
  assert.ok(env.includes('BT_TEST_API_TOKEN=hunter2-secret'), 'shown on request');
  await page.click('#details label.toggle input');
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
      els.sort((a, b) => parseFloat((a as HTMLElement).style.top) - parseFloat((b as HTMLElement).style.top)).map((e) => Number(e.querySelector('.c-writers')?.textContent?.replace(/,/g, '') || 0)),
    );
  const col = await writersCol();
  assert.ok(col.length > 5);
  assert.deepEqual(col, [...col].sort((a, b) => b - a), 'sorted by writers, most first');
  const maxWriters = Math.max(...build.model.files.map((f) => f.procs.filter((a) => a.kinds & (2 | 4 | 8 | 4096)).length));
  assert.equal(col[0], maxWriters);
  // hello, reached from the linker's details: who wrote it
  const hello = build.file(path.join(CDIR, 'hello'))!;
  assert.ok(hello);
  const ld = hello.procs.find((a) => a.kinds & 2)!.proc;
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
    // one character changed (a fixed 'x' would be the token itself when it starts with x)
    const token = u.pathname.slice(1, -1);
    const wrong = (token[0] === 'x' ? 'y' : 'x') + token.slice(1);
    assert.equal((await fetch(`${u.origin}/${wrong}/api/meta`)).status, 403, 'a wrong token');
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
  // display filters work without a server too
  await page.fill('#filter', 'exit == 3');
  const one = await waitRows(page, 1);
  assert.equal(`${one[0].name} ${one[0].exit}`, 'forker 3');
  await page.fill('#filter', 'exit ==');
  await page.waitForSelector('#filter.bad');
  assert.match((await page.textContent('#filter-status')) ?? '', /^column 8: /);
  assert.equal((await treeRows(page)).length, 1, 'the last good filter stays applied');
  // no server to draw graphs: a file's details say so instead of offering buttons that fail, and so does the pane
  await page.fill('#filter', '');
  await page.click('#tab-files');
  await page.waitForSelector('#files .file-row');
  await page.click('#files .file-row');
  const note = 'This page is a static copy (bt view --html): provenance and impact graphs are drawn by the bt view server. Run bt view on the log to see them, or bt graph --focus FILE for one file.';
  await page.waitForSelector('#details .static-graph');
  assert.equal(await page.textContent('#details .static-graph'), note);
  assert.equal(await page.$('#show-deps'), null);
  await page.click('#tab-graph');
  await page.waitForSelector('#graph .static-graph');
  assert.equal(await page.textContent('#graph .static-graph'), note);
  assert.deepEqual(errors, []);
  await page.close();
});

/** The ids of the processes the tree shows and the timeline drew. */
async function shown(page: Page): Promise<{ tree: number[]; timeline: number[] }> {
  const tree = (await treeRows(page)).map((r) => r.id).sort((a, b) => a - b);
  const timeline = await page.evaluate(() => [...new Set((window as any).bt.timeline.drawnIds as number[])].sort((a, b) => a - b));
  return { tree, timeline };
}

viewTest('typing exe == "cc1" leaves only the cc1 processes in tree and timeline; a broken filter shows its error and keeps the last good result', async () => {
  const file = await cprojectTrace();
  const { build, server } = await serve(file);
  const { page, errors } = await open(server.url);
  await page.waitForSelector('#tree .proc-row');
  const cc1 = build.model.processes
    .filter((p) => p.exe.endsWith('/cc1'))
    .map((p) => p.proc)
    .sort((a, b) => a - b);
  assert.equal(cc1.length, 3, 'one cc1 per source file');
  await page.click('#filter');
  await page.keyboard.type('exe == "cc1"');
  await page.waitForFunction(() => decodeURIComponent(location.hash).includes('f=exe == "cc1"'.replace(/ /g, '+')) || new URLSearchParams(location.hash.slice(1)).get('f') === 'exe == "cc1"');
  await waitRows(page, 3);
  await page.waitForFunction((n) => (window as any).bt.timeline.drawnIds.length === n, cc1.length);
  const s = await shown(page);
  assert.deepEqual(s.tree, cc1);
  assert.deepEqual(s.timeline, cc1);
  assert.ok((await treeRows(page)).every((r) => r.name === 'cc1'));
  assert.match((await page.textContent('#filter-status')) ?? '', /^3 processes, \d+ files match$/);
  await page.keyboard.press('Enter'); // into the history
  await shot(page, 'filter-cc1');
  // a broken filter: error with its column, underlined; the cc1 result stays
  await page.fill('#filter', 'exe == "cc1" and dur > "abc"');
  await page.waitForSelector('#filter.bad');
  const status = (await page.textContent('#filter-status')) ?? '';
  assert.match(status, /^column 24: dur takes a duration/, 'the column as the CLI\'s message counts it (from 1)');
  assert.equal(await page.isVisible('.squiggle'), true, 'the mistake is underlined');
  const sq = await page.$eval('.squiggle', (e) => parseFloat((e as HTMLElement).style.left));
  assert.ok(sq > 100, `the underline starts under the mistake (${sq}px)`);
  assert.equal(new URLSearchParams(new URL(page.url()).hash.slice(1)).get('f'), 'exe == "cc1"', 'the applied filter is still cc1');
  const s2 = await shown(page);
  assert.deepEqual(s2.tree, cc1);
  assert.deepEqual(s2.timeline, cc1);
  await shot(page, 'filter-error', '.filterbar');
  // the history keeps the good filter
  await page.fill('#filter', '');
  await waitRows(page, build.model.processes.length);
  await page.click('.hist-btn');
  await page.waitForSelector('#filter-history li');
  assert.deepEqual(await page.$$eval('#filter-history li', (els) => els.map((e) => e.textContent)), ['exe == "cc1"']);
  await page.click('#filter-history li');
  await waitRows(page, 3);
  assert.deepEqual(errors, []);
  await page.close();
});

viewTest('in a 1024-pixel window the files table keeps room for its paths, cut on the left so that names stay in view', async () => {
  const file = await cprojectTrace();
  const { server } = await serve(file);
  const { page, errors } = await open(`${server.url}#tab=files`);
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.waitForSelector('#files .file-row');
  const cells = await page.$$eval('#files .file-row .c-path', (els) => els.map((e) => ({ w: e.getBoundingClientRect().width, over: e.scrollWidth > e.clientWidth, text: e.textContent ?? '' })));
  assert.ok(cells.length > 5 && cells.every((c) => c.w >= 250), `path column ${Math.round(cells[0]!.w)} px`);
  // a path too long for it shows its end (the name) and its start is cut
  const long = await page.evaluate(() => {
    const e = document.querySelector<HTMLElement>('#files .file-row .c-path')!;
    e.textContent = `\u200e/${'very-long-directory-name/'.repeat(20)}the-file-name.h\u200e`;
    const r = document.createRange();
    r.selectNodeContents(e);
    const box = e.getBoundingClientRect();
    const text = r.getBoundingClientRect();
    return { textRight: text.right, boxRight: box.right, textLeft: text.left, boxLeft: box.left };
  });
  assert.ok(long.textLeft < long.boxLeft, 'the start of a long path is cut');
  assert.ok(Math.abs(long.textRight - long.boxRight) < 8, 'its end, the name, is in view');
  assert.deepEqual(errors, []);
  await page.close();
});

viewTest('when the server has stopped, a filter typed is not marked broken: the bar says the server does not answer', async () => {
  const file = await cprojectTrace();
  const { server } = await serve(file);
  const { page } = await open(server.url);
  await page.waitForSelector('#tree .proc-row');
  await server.close();
  await page.fill('#filter', 'exe == cc');
  await page.waitForFunction(() => document.querySelector('#filter-status')?.textContent === 'the bt view server does not answer: is bt view still running?');
  assert.equal(await page.$eval('#filter', (e) => e.classList.contains('bad')), false);
  await page.close();
});

viewTest('a link whose filter does not parse shows the whole build, the filter in the bar with its error', async () => {
  const file = await cprojectTrace();
  const { build, server } = await serve(file);
  const { page, errors } = await open(`${server.url}#f=${encodeURIComponent('(((')}`);
  await waitRows(page, build.model.processes.length);
  await page.waitForSelector('#filter.bad');
  assert.equal(await page.inputValue('#filter'), '(((');
  assert.match((await page.textContent('#filter-status')) ?? '', /^column \d+: /);
  assert.equal(new URLSearchParams(new URL(page.url()).hash.slice(1)).get('f'), null, 'no filter applied');
  await page.waitForFunction((n) => (window as any).bt.timeline.drawnIds.length === n, build.model.processes.length);
  // hover a bar until its tooltip shows; a new filter redraws the bars and hides it
  const box = (await page.locator('.tl-body canvas').boundingBox())!;
  let shownTip = false;
  for (let y = box.y + 2; y < box.y + box.height && !shownTip; y += 3) {
    await page.mouse.move(box.x + box.width * 0.3, y);
    shownTip = await page.isVisible('.tl-tip');
  }
  assert.ok(shownTip, 'a tooltip over a bar');
  // one of a kind is said in the singular
  await page.fill('#filter', 'exe == "ld"');
  await page.waitForFunction(() => (window as any).bt.timeline.drawnIds.length === 1);
  assert.equal(await page.isVisible('.tl-tip'), false, 'no tooltip of a bar that moved away');
  await page.waitForSelector('#filter.good');
  assert.match((await page.textContent('#filter-status')) ?? '', /^1 process, \d+ files match$/);
  assert.deepEqual(errors, []);
  await page.close();
});

viewTest('"apply as filter" on a path keeps the processes that used the file and the file itself', async () => {
  const file = await cprojectTrace();
  const { build, server } = await serve(file);
  const { page, errors } = await open(server.url);
  const hello = build.file(path.join(CDIR, 'hello'))!;
  await page.evaluate((id) => (location.hash = `sel=f${id}`), hello.id);
  await page.waitForSelector('#details .path.filterable');
  await page.click('#details .path.filterable', { button: 'right' });
  await page.waitForSelector('#ctxmenu li[data-how="apply"]');
  await shot(page, 'apply-as-filter');
  await page.click('#ctxmenu li[data-how="apply"]');
  const expr = `path == "${hello.path}"`;
  await page.waitForFunction((e) => (document.querySelector('#filter') as HTMLInputElement).value === e, expr);
  await page.waitForFunction((e) => new URLSearchParams(location.hash.slice(1)).get('f') === e, expr);
  const users = hello.procs.map((a) => a.proc).sort((a, b) => a - b);
  assert.ok(users.length >= 1);
  await page.waitForFunction((n) => (window as any).bt.timeline.drawnIds.length === n && document.querySelectorAll('#tree .proc-row').length === n, users.length);
  const s = await shown(page);
  assert.deepEqual(s.tree, users, 'the processes that used hello');
  assert.deepEqual(s.timeline, users);
  await page.click('#tab-files');
  await page.waitForFunction(() => document.querySelectorAll('#files .file-row').length === 1);
  assert.deepEqual(await page.$$eval('#files .file-row', (els) => els.map((e) => (e as HTMLElement).dataset.path)), [hello.path]);
  // "…and not" on one of its processes' exe narrows further
  const ld = build.model.processes.find((p) => p.exe.endsWith('/ld') && hello.procs.some((a) => a.proc === p.proc))!;
  await page.evaluate((id) => {
    const p = new URLSearchParams(location.hash.slice(1));
    p.set('sel', `p${id}`);
    p.set('tab', 'procs');
    location.hash = p.toString();
  }, ld.proc);
  await page.waitForSelector('#details dd.filterable');
  const exeField = page.locator('#details dd.filterable').first();
  await exeField.click({ button: 'right' });
  await page.click('#ctxmenu li[data-how="andnot"]');
  const expr2 = `${expr} and not exe == "${ld.exe}"`;
  await page.waitForFunction((e) => new URLSearchParams(location.hash.slice(1)).get('f') === e, expr2);
  const rest = users.filter((id) => build.process(id)!.exe !== ld.exe);
  await page.waitForFunction((n) => document.querySelectorAll('#tree .proc-row').length === n, rest.length);
  assert.deepEqual((await shown(page)).tree, rest);
  // a filter with || (as or) goes in parentheses before "and not": and binds tighter
  const orExpr = `exe == cc1 || exe == "${ld.exe}"`;
  await page.evaluate((f) => {
    const p = new URLSearchParams(location.hash.slice(1));
    p.set('f', f);
    location.hash = p.toString();
  }, orExpr);
  await page.waitForFunction((e) => (document.querySelector('#filter') as HTMLInputElement | null)?.value === e, orExpr);
  await page.waitForSelector('#details dd.filterable');
  await page.locator('#details dd.filterable').first().click({ button: 'right' });
  await page.click('#ctxmenu li[data-how="andnot"]');
  await page.waitForFunction((e) => new URLSearchParams(location.hash.slice(1)).get('f') === e, `(${orExpr}) and not exe == "${ld.exe}"`);
  assert.deepEqual(errors, []);
  await page.close();
});

viewTest("the provenance of the C project's hello shows main.c and its headers; its nodes are clickable", async () => {
  const file = await cprojectTrace();
  const { build, server } = await serve(file);
  const { page, errors } = await open(server.url);
  const hello = build.file(path.join(CDIR, 'hello'))!;
  await page.evaluate((id) => (location.hash = `sel=f${id}`), hello.id);
  await page.click('#show-deps');
  await page.waitForSelector('#graph .svgbox svg');
  const labels = await page.$$eval('#graph .svgbox g.node text', (els) => els.map((e) => e.textContent ?? ''));
  for (const f of ['main.c', 'greet.c', 'util.c', 'greet.h', 'util.h', 'main.o', 'hello']) {
    assert.ok(labels.some((l) => l === f || l.endsWith(`/${f}`)), `the graph shows ${f}: ${labels.join(' | ')}`);
  }
  const inputs = await page.$$eval('#graph .deps-list li', (els) => els.map((e) => e.textContent));
  for (const f of ['main.c', 'greet.h', 'util.h']) assert.ok(inputs.includes(path.join(CDIR, f)), `inputs list ${f}`);
  await shot(page, 'pane-provenance', '.col.right');
  // click main.c in the graph: it becomes the selection
  const mainC = build.file(path.join(CDIR, 'main.c'))!;
  await page.click(`#graph g.node[data-sel="f${mainC.id}"]`);
  await page.waitForFunction((id) => new URLSearchParams(location.hash.slice(1)).get('sel') === `f${id}`, mainC.id);
  // provenance of main.c, a source: the sentence, and no graph of one node
  await page.waitForFunction(() => document.querySelector('#graph .deps-summary')?.textContent === 'The build did not make this file (a source or system file).');
  assert.equal(await page.locator('#graph .svgbox').count(), 0);
  // impact of main.c: main.o and hello
  await page.click('#graph button:has-text("Impact")');
  await page.waitForFunction(() => document.querySelector('#graph .deps-summary')?.textContent?.includes('made from it'));
  const made = await page.$$eval('#graph .deps-list li', (els) => els.map((e) => e.textContent));
  assert.ok(made.includes(path.join(CDIR, 'main.o')) && made.includes(path.join(CDIR, 'hello')), made.join(' '));
  // impact of hello, which nothing read: the sentence, and no graph of one node
  await page.evaluate((id) => (location.hash = `sel=f${id}&rtab=graph&dir=rdeps`), hello.id);
  await page.waitForFunction(() => document.querySelector('#graph .deps-summary')?.textContent === 'Nothing the build made was read from this file.');
  assert.equal(await page.locator('#graph .svgbox').count(), 0);
  // the summary page links into the panes
  await page.click('#tab-summary');
  await page.waitForSelector('#summary .facts');
  await shot(page, 'summary');
  const summaryText = (await page.textContent('#summary')) ?? '';
  assert.match(summaryText, new RegExp(`processes${build.model.processes.length} in \\d+ jobs`));
  // its times are whole milliseconds (bt summary's): shown without a decimal they do not have
  const times = await page.$$eval('#summary td', (els) => els.map((e) => e.textContent ?? '').filter((t) => / (ms|s)$/.test(t)));
  assert.ok(times.length > 0);
  assert.ok(times.every((t) => !/^\d+\.\d+ ms$/.test(t)), times.join(', '));
  await page.click(`#summary a[data-path="${hello.path}"]`);
  await page.waitForFunction((id) => new URLSearchParams(location.hash.slice(1)).get('sel') === `f${id}` && !document.querySelector('#summary:not([hidden])'), hello.id);
  assert.deepEqual(errors, []);
  await page.close();
});
