/**
 * bt view where the user's attention is, on a REAL trace of the C project
 * (eBPF, as root) whose command is long (make with variables, as the
 * kernel's): the provenance pane of a graph too wide to fit shows the file
 * asked about, scrolled into view (and again after Fit is turned off); the
 * timeline keys W/A/S/D/F work from the process tree and the files table,
 * not from the search box; the header's "bt view" stays on one line while
 * the command gives way.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadBuild, type Build } from '../../src/model/index.js';
import { memo, viewSession, viewTest, type Page } from '../helpers/browser.js';
import { REPO, trace } from '../helpers/trace.js';

const CDIR = path.join(REPO, 'test-programs', 'cproject');
/** Variables make does not use: a command line as long as the kernel's (O=…, KBUILD_BUILD_TIMESTAMP=…). */
const LONG = ['BT_TEST_OUT=/var/tmp/bt-test/a-rather-long-output-directory', 'BT_TEST_TIMESTAMP=Mon Jan 1 00:00:00 UTC 2024', 'BT_TEST_HOST=builder.example.org'];
const longTrace = memo(async () => {
  const t = await trace(['make', '-B', '-j2', '-C', CDIR, ...LONG], { cwd: REPO });
  assert.equal(t.code, 0, t.stderr);
  return t.file;
});

const views = viewSession();

async function serve(): Promise<{ build: Build; url: string }> {
  const build = loadBuild(await longTrace());
  const server = await views.serve(build);
  return { build, url: server.url };
}

async function open(url: string): Promise<{ page: Page; errors: string[] }> {
  return views.open(url);
}

/** The timeline's window as the URL keeps it ([NaN, NaN]: the whole build). */
function windowOf(page: Page): Promise<[number, number]> {
  return page.evaluate(() => {
    const p = new URLSearchParams(location.hash.slice(1));
    return [Number(p.get('t0') ?? NaN), Number(p.get('t1') ?? NaN)] as [number, number];
  });
}

/** Where the selected node is, against the graph pane's visible area (CSS pixels of the viewport). */
function focusBox(page: Page): Promise<{ node: DOMRect; area: { left: number; top: number; right: number; bottom: number }; svgWidth: number }> {
  return page.evaluate(() => {
    const sel = new URLSearchParams(location.hash.slice(1)).get('sel');
    const body = document.querySelector<HTMLElement>('#graph .graph-body')!;
    const r = body.getBoundingClientRect();
    const left = r.left + body.clientLeft;
    const top = r.top + body.clientTop;
    return {
      node: document.querySelector(`#graph g.node[data-sel="${sel}"]`)!.getBoundingClientRect().toJSON(),
      area: { left, top, right: left + body.clientWidth, bottom: top + body.clientHeight },
      svgWidth: document.querySelector('#graph .svgbox svg')!.getBoundingClientRect().width,
    };
  });
}

function assertInside(b: Awaited<ReturnType<typeof focusBox>>, what: string): void {
  const { node, area } = b;
  assert.ok(
    node.left >= area.left && node.right <= area.right && node.top >= area.top && node.bottom <= area.bottom,
    `${what}: the node [${node.left}, ${node.right}] × [${node.top}, ${node.bottom}] is inside the pane's visible area [${area.left}, ${area.right}] × [${area.top}, ${area.bottom}]`,
  );
}

viewTest('the provenance pane of a graph too wide to fit scrolls the file asked about into view, also after Fit is turned off', async () => {
  const { build, url } = await serve();
  const { page, errors } = await open(url);
  const hello = build.file(path.join(CDIR, 'hello'))!;
  await page.evaluate((id) => (location.hash = `sel=f${id}&rtab=graph`), hello.id);
  await page.waitForSelector(`#graph g.node[data-sel="f${hello.id}"]`);
  const natural = await focusBox(page);
  // the case at hand: drawn at natural size, wider than the pane (a left-to-right graph puts hello at its far right)
  assert.ok(natural.svgWidth > 2 * (natural.area.right - natural.area.left), `svg ${natural.svgWidth} px wide in a pane of ${natural.area.right - natural.area.left}`);
  assertInside(natural, 'drawn at natural size');
  // the sentence stays above the graph, not scrolled away with it
  const summary = await page.locator('#graph .deps-summary').boundingBox();
  assert.ok(summary && summary.x >= natural.area.left - 12 && summary.y < natural.area.top, `the summary at ${JSON.stringify(summary)}`);
  assert.match((await page.textContent('#graph .deps-summary')) ?? '', /^Made from \d+ inputs through 4 jobs/);
  // Fit: the whole graph in the pane's width, hello in it
  await page.click('#graph button:has-text("Fit")');
  const fitted = await focusBox(page);
  assert.ok(fitted.svgWidth <= fitted.area.right - fitted.area.left, `fitted: ${fitted.svgWidth} px`);
  assertInside(fitted, 'fitted');
  // Fit off: natural size again, hello scrolled back into view
  await page.click('#graph button:has-text("Fit")');
  const again = await focusBox(page);
  assert.equal(again.svgWidth, natural.svgWidth);
  assertInside(again, 'Fit turned off');
  assert.deepEqual(errors, []);
  await page.close();
});

viewTest('W A S D F work with the process tree or the files table focused, not while typing in the search box', async () => {
  const { build, url } = await serve();
  const { page, errors } = await open(url);
  await page.waitForFunction(() => !!document.querySelector('.tl-info')?.textContent, null, { timeout: 30_000 });
  // a short process: the assembler of main.o (a few ms of a build of about a second)
  const as = build.model.processes.find((p) => p.argv[0] === 'as' && p.argv.includes('main.o'))!;
  assert.ok(as, 'the trace has the as of main.o');
  const buildNs = build.model.buildEndTs - build.model.startTs;
  assert.ok(as.end - as.start < buildNs / 10, `as ran ${as.end - as.start} ns of ${buildNs}`);
  await page.click(`#tree .proc-row[data-id="${as.proc}"]`);
  assert.equal(await page.evaluate(() => document.activeElement?.closest('.tree-rows') !== null), true, 'the tree has the focus');
  assert.deepEqual(await windowOf(page), [NaN, NaN], 'the whole build before F');
  await page.keyboard.press('f');
  // F fits the selected process: its span and a tenth on each side (build-relative ns, kept in the URL)
  const a = as.start - build.model.startTs;
  const b = as.end - build.model.startTs;
  const pad = (b - a) * 0.1;
  await page.waitForFunction(() => new URLSearchParams(location.hash.slice(1)).has('t1'), null, { timeout: 5000 });
  const [t0, t1] = await windowOf(page);
  assert.ok(Math.abs(t0 - (a - pad)) <= 2 && Math.abs(t1 - (b + pad)) <= 2, `window [${t0}, ${t1}], expected [${a - pad}, ${b + pad}]`);
  assert.equal(await page.evaluate(() => document.activeElement?.closest('.tree-rows') !== null), true, 'the tree kept the focus');
  // the tree's own keys still move the selection
  await page.keyboard.press('ArrowUp');
  await page.waitForFunction((id) => new URLSearchParams(location.hash.slice(1)).get('sel') !== `p${id}`, as.proc);
  // from the files table: W zooms in around the middle, by 0.7
  await page.click('#tab-files');
  await page.click('#files .file-row >> nth=0');
  assert.equal(await page.evaluate(() => document.activeElement?.closest('.file-rows') !== null), true, 'the files table has the focus');
  await page.keyboard.press('w');
  await page.waitForFunction((span) => {
    const p = new URLSearchParams(location.hash.slice(1));
    return Math.abs(Number(p.get('t1')) - Number(p.get('t0')) - span * 0.7) <= 2;
  }, t1 - t0);
  const zoomed = await windowOf(page);
  // typing in the tree's search box moves nothing
  await page.click('#tab-procs');
  await page.fill('#tree input.search', '');
  await page.type('#tree input.search', 'wasdf');
  await page.waitForTimeout(400);
  assert.deepEqual(await windowOf(page), zoomed);
  assert.deepEqual(errors, []);
  await page.close();
});

viewTest('the header: "bt view" stays on one line with a long command, which is cut instead', async () => {
  const { url } = await serve();
  const { page, errors } = await open(url);
  // narrow enough that the header cannot hold the whole command
  await page.setViewportSize({ width: 700, height: 600 });
  const m = await page.evaluate(() => {
    const logo = document.querySelector<HTMLElement>('header .logo')!;
    const cmd = document.querySelector<HTMLElement>('header .cmd')!;
    return { h: logo.getBoundingClientRect().height, line: parseFloat(getComputedStyle(logo).lineHeight), text: logo.textContent, cut: cmd.scrollWidth > cmd.clientWidth, cmd: cmd.textContent };
  });
  assert.equal(m.text, 'bt view');
  assert.match(m.cmd ?? '', /^make -B -j2 -C \S+cproject BT_TEST_OUT=/);
  assert.equal(m.cut, true, 'the command is cut (ellipsis)');
  assert.equal(Math.round(m.h), Math.round(m.line), `one line: ${m.h} px high, a line is ${m.line} px`);
  assert.deepEqual(errors, []);
  await page.close();
});
