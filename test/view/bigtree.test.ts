/**
 * bt view in a real browser on a REAL trace of 3,002 processes (`sh -c
 * 'for i in $(seq 3000); do /bin/true; done'`: one sh with 3,001 children,
 * which the tree loads 500 at a time) and of a file with a long name:
 * selecting a process the tree has not loaded, Home and End, counts with
 * thousands separators, the time axis zoomed far in and at its right end,
 * long names cut with an ellipsis, the filter bar with a broken filter, and
 * the files table's Kind column against bt summary's groups.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { isNoise } from '../../src/answers/groups.js';
import { WRITES } from '../../src/model/kinds.js';
import { loadBuild, type Build } from '../../src/model/index.js';
import { groupsOf } from '../../src/view/host.js';
import type { ViewServer } from '../../src/view/server.js';
import { memo, viewSession, viewTest, type Page } from '../helpers/browser.js';
import { tmpdir, trace } from '../helpers/trace.js';


const bigTrace = memo(async () => {
  const t = await trace(['sh', '-c', 'for i in $(seq 3000); do /bin/true; done']);
  assert.equal(t.code, 0, t.stderr);
  return t.file;
});

/** 66 characters and no hyphen to break the line at, in a deep directory. */
const LONG_NAME = 'autoconf_generated_definitions_for_the_target_board_and_toolchain.h'.slice(1);
const longNameTrace = memo(async () => {
  const dir = path.join(tmpdir('bt-view-long-'), 'src', 'platform', 'boards', 'generated', 'include', 'config');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, LONG_NAME), '#define X 1\n');
  const t = await trace(['cat', path.join(dir, LONG_NAME)]);
  assert.equal(t.code, 0, t.stderr);
  return { file: t.file, path: path.join(dir, LONG_NAME) };
});

const views = viewSession();

const builds = new Map<string, Build>();
async function serve(file: string): Promise<{ build: Build; server: ViewServer }> {
  const build = builds.get(file) ?? loadBuild(file);
  builds.set(file, build);
  const server = await views.serve(build);
  return { build, server };
}

async function open(url: string): Promise<{ page: Page; errors: string[] }> {
  return views.open(url);
}

/** The sh and its children in the tree's order. */
function shAndKids(build: Build): { sh: number; kids: number[] } {
  const sh = build.model.processes.find((p) => p.parent === 0)!;
  const kids = build.model.processes.filter((p) => p.parent === sh.proc).map((p) => p.proc);
  assert.equal(kids.length, 3001, 'seq and 3,000 true');
  return { sh: sh.proc, kids };
}

/** Waits until process `id` is the selection, its row highlighted and inside the tree's visible area. */
async function waitShown(page: Page, id: number): Promise<void> {
  await page.waitForFunction(
    (id) => {
      const row = document.querySelector(`#tree .proc-row.sel[data-id="${id}"]`);
      const box = document.querySelector('#tree .vscroll')!.getBoundingClientRect();
      const r = row?.getBoundingClientRect();
      return new URLSearchParams(location.hash.slice(1)).get('sel') === `p${id}` && !!r && r.top >= box.top && r.bottom <= box.bottom;
    },
    id,
    { timeout: 15_000 },
  );
}

viewTest('a process the tree has not loaded yet, selected by a link or on the timeline, is loaded, scrolled to and highlighted', async () => {
  const { build, server } = await serve(await bigTrace());
  const { kids } = shAndKids(build);
  // a link to the 2,766th child: the tree had loaded the first 500
  const far = kids[2765];
  const { page, errors } = await open(`${server.url}#sel=p${far}`);
  await page.waitForSelector('#details .argv li');
  await waitShown(page, far);
  assert.equal(await page.locator('#tree .proc-row.sel').count(), 1);
  await page.close();
  // a bar of the timeline: zoomed on the 2,901st child, click it
  const p = build.process(kids[2900])!;
  const [a, b] = [p.start - build.model.startTs, p.end - build.model.startTs];
  const pad = Math.max(1000, b - a);
  const { page: page2, errors: errors2 } = await open(`${server.url}#t0=${a - pad}&t1=${b + pad}`);
  await page2.waitForSelector('#tree .proc-row');
  assert.equal(await page2.locator(`#tree .proc-row[data-id="${p.proc}"]`).count(), 0, 'not loaded yet');
  const handle = await page2.waitForFunction((id) => {
    const tl = (window as any).bt.timeline;
    const bars: number[] = tl.data?.bars ?? [];
    for (let i = 0; i < bars.length; i += 6) {
      if (bars[i] !== id) continue;
      const { W, lanesTop, laneH } = tl.layout();
      return { x: (tl.x(bars[i + 2], W) + tl.x(bars[i + 3], W)) / 2, y: lanesTop + bars[i + 1] * laneH + laneH / 2 };
    }
    return undefined;
  }, p.proc);
  const at = (await handle.jsonValue()) as { x: number; y: number };
  const canvas = (await page2.locator('.tl-canvas').boundingBox())!;
  await page2.mouse.click(canvas.x + at.x, canvas.y + at.y);
  await waitShown(page2, p.proc);
  assert.deepEqual([...errors, ...errors2], []);
  await page2.close();
});

viewTest('End selects the last process of a tree loaded 500 at a time, Home the first; counts have thousands separators', async () => {
  const { build, server } = await serve(await bigTrace());
  const { sh, kids } = shAndKids(build);
  const { page, errors } = await open(server.url);
  const root = `#tree .proc-row[data-id="${sh}"]`;
  await page.waitForSelector(root);
  // the Children column counts as the header does
  assert.equal(await page.textContent(`${root} .c-kids`), '3,001');
  assert.match((await page.textContent('header .stats')) ?? '', /^3,002 processes · /);
  await page.click(root);
  await waitShown(page, sh);
  await page.keyboard.press('End');
  await waitShown(page, kids.at(-1)!);
  await page.keyboard.press('Home');
  await waitShown(page, sh);
  assert.deepEqual(errors, []);
  await page.close();
  // down from the last loaded row onto "… more": the next page comes, its first row is selected
  const { page: page2, errors: errors2 } = await open(`${server.url}#sel=p${kids[498]}`);
  await waitShown(page2, kids[498]);
  await page2.focus('#tree .vscroll');
  await page2.keyboard.press('ArrowDown');
  await waitShown(page2, kids[499]);
  await page2.keyboard.press('ArrowDown');
  await waitShown(page2, kids[500]);
  assert.deepEqual(errors2, []);
  await page2.close();
  // End where one child is left to load (a link to the 2,766th loaded the first 3,000)
  const { page: page3, errors: errors3 } = await open(`${server.url}#sel=p${kids[2765]}`);
  await waitShown(page3, kids[2765]);
  await page3.focus('#tree .vscroll');
  await page3.keyboard.press('End');
  await waitShown(page3, kids.at(-1)!);
  assert.deepEqual(errors3, []);
  await page3.close();
});

/** The labels of the time axis as drawn: text, left edge, width; and the canvas's width. */
async function ticks(page: Page): Promise<{ labels: Array<{ label: string; x: number; w: number }>; W: number }> {
  return page.evaluate(() => ({ labels: (window as any).bt.timeline.drawnTicks, W: document.querySelector('.tl-canvas')!.clientWidth }));
}

viewTest('the time axis: zoomed far in, labels in ms with the decimals the ticks need; at the right end, the last label is inside the axis', async () => {
  const { server } = await serve(await bigTrace());
  // a microsecond at 327.795 ms: a tick every 100 ns
  const { page, errors } = await open(`${server.url}#t0=327795000&t1=327796000`);
  await page.waitForFunction(() => (window as any).bt.timeline.drawnTicks.length > 0);
  const { labels, W } = await ticks(page);
  assert.equal(W, 1280);
  // (the tick at the right end has no room for its label beside its neighbour's: none, rather than one over the other)
  assert.deepEqual(
    labels.map((l) => l.label),
    ['327.7950 ms', '327.7951 ms', '327.7952 ms', '327.7953 ms', '327.7954 ms', '327.7955 ms', '327.7956 ms', '327.7957 ms', '327.7958 ms', '327.7959 ms'],
  );
  for (const l of labels) assert.ok(l.x >= 0 && l.x + l.w <= W, `${l.label} at ${l.x}+${l.w} inside 0..${W}`);
  await page.close();
  // as a user gets there: W pressed until the window is at its narrowest (1 µs)
  const { page: page2, errors: errors2 } = await open(server.url);
  await page2.waitForFunction(() => !!document.querySelector('.tl-info')?.textContent);
  await page2.focus('.tl-canvas');
  // (how many presses that takes depends on how long the trace ran: 3,000 processes take 3 s on a quiet machine, 20 s on a busy one)
  let span = Infinity;
  for (let i = 0; i < 100 && span > 1001; i++) {
    await page2.keyboard.press('w');
    span = await page2.evaluate(() => (window as any).bt.timeline.t1 - (window as any).bt.timeline.t0);
  }
  assert.ok(span <= 1001, `the window stays ${span} ns wide`);
  const zoomed = (await ticks(page2)).labels.map((l) => l.label);
  assert.ok(zoomed.length >= 8, zoomed.join(' | '));
  const UNIT: Record<string, number> = { ns: 1, µs: 1e3, ms: 1e6, s: 1e9 };
  const ns = zoomed.map((label) => {
    const m = /^(\d+)(?:\.(\d+))? (ns|µs|ms|s)$/.exec(label);
    assert.ok(m, label);
    // in ms (not "1.2904567 s") with the 4 decimals of a 100 ns step, no more
    assert.equal(m[3], 'ms', label);
    assert.equal((m[2] ?? '').length, 4, label);
    return Math.round(Number(`${m[1]}.${m[2] ?? ''}`) * UNIT[m[3]]);
  });
  for (let i = 1; i < ns.length; i++) assert.equal(ns[i] - ns[i - 1], 100, zoomed.join(' | '));
  await page2.close();
  // the tick of 1.4 s a pixel from the right end: its label ends inside the axis, not cut to "1."
  const { page: page3, errors: errors3 } = await open(`${server.url}#t0=0&t1=1401000000`);
  await page3.waitForFunction(() => (window as any).bt.timeline.drawnTicks.length > 0);
  const end = await ticks(page3);
  assert.deepEqual(
    end.labels.map((l) => l.label),
    ['0 ms', '200 ms', '400 ms', '600 ms', '800 ms', '1.0 s', '1.2 s', '1.4 s'],
  );
  for (const l of end.labels) assert.ok(l.x >= 0 && l.x + l.w <= end.W, `${l.label} at ${l.x}+${l.w} inside 0..${end.W}`);
  assert.deepEqual([...errors, ...errors2, ...errors3], []);
  await page3.close();
});

viewTest('a broken filter keeps the bar as it was: the input its width, the timeline its place', async () => {
  const { server } = await serve(await bigTrace());
  const { page, errors } = await open(server.url);
  await page.waitForSelector('#tree .proc-row');
  const layout = () =>
    page.evaluate(() => ({
      input: document.querySelector('#filter')!.getBoundingClientRect().width,
      bar: document.querySelector('.filterbar')!.getBoundingClientRect().height,
      timeline: document.querySelector('#timeline')!.getBoundingClientRect().top,
    }));
  const before = await layout();
  assert.ok(before.input > 1000, `the input spans the bar (${before.input} px)`);
  await page.fill('#filter', 'exe == "/bin/true" and dur > "abc"');
  await page.waitForSelector('#filter.bad');
  const status = (await page.textContent('#filter-status')) ?? '';
  assert.match(status, /^column 30: dur takes a duration/);
  assert.deepEqual(await layout(), before);
  // the message is shown inside the input's box, clear of the text typed
  const where = await page.evaluate(() => {
    const input = document.querySelector<HTMLInputElement>('#filter')!;
    const i = input.getBoundingClientRect();
    const s = document.querySelector('#filter-status')!.getBoundingClientRect();
    return { inside: s.left >= i.left && s.right <= i.right && s.top >= i.top && s.bottom <= i.bottom, visible: s.width > 100, pad: parseFloat(getComputedStyle(input).paddingRight), width: s.width };
  });
  assert.ok(where.inside && where.visible, JSON.stringify(where));
  assert.ok(where.pad >= where.width, 'the text typed stops short of the message');
  // a good filter: the same
  await page.fill('#filter', 'exe == "/bin/true"');
  await page.waitForSelector('#filter.good');
  assert.match((await page.textContent('#filter-status')) ?? '', /^3,000 processes, \d+ files match$/);
  assert.deepEqual(await layout(), before);
  assert.deepEqual(errors, []);
  await page.close();
});

viewTest('a long name is cut with an ellipsis (whole in the title) inside the details pane', async () => {
  const t = await longNameTrace();
  assert.equal(LONG_NAME.length, 66);
  const { build, server } = await serve(t.file);
  const f = build.file(t.path)!;
  assert.ok(f, 'the trace has the file');
  const { page, errors } = await open(`${server.url}#sel=f${f.id}`);
  await page.waitForSelector('#details h3');
  const h3 = await page.evaluate(() => {
    const pane = document.querySelector('#details .details-body')!;
    const h = pane.querySelector('h3')!;
    const b = h.querySelector('b')!;
    const p = pane.getBoundingClientRect();
    return {
      title: h.title,
      text: h.textContent,
      cut: b.scrollWidth > b.clientWidth,
      ellipsis: getComputedStyle(b).textOverflow,
      right: h.lastElementChild!.getBoundingClientRect().right,
      paneRight: p.right - parseFloat(getComputedStyle(pane).paddingRight),
      scrolls: pane.scrollWidth > pane.clientWidth,
    };
  });
  assert.equal(h3.title, `${LONG_NAME} file ${f.id}`);
  assert.equal(h3.text, `${LONG_NAME}file ${f.id}`);
  assert.ok(h3.cut, 'the name is cut');
  assert.equal(h3.ellipsis, 'ellipsis');
  assert.ok(h3.right <= h3.paneRight, `"file ${f.id}" ends inside the pane (${h3.right} <= ${h3.paneRight})`);
  assert.equal(h3.scrolls, false, 'nothing runs off the pane');
  assert.deepEqual(errors, []);
  await page.close();
});

viewTest("the files table's Kind agrees with bt summary's groups: the loader's files are noise, directories are directories", async () => {
  const { build, server } = await serve(await bigTrace());
  const groups = groupsOf(build);
  const groupKind: Record<string, string> = { outputs: 'output', intermediates: 'intermediate', probes: 'probe' };
  const expected = new Map<number, string>();
  for (const [g, ids] of Object.entries(groups)) for (const id of ids) expected.set(id, g.startsWith('inputs_') ? 'input' : groupKind[g]);
  const kindOf = (id: number) => {
    const f = build.model.files[id];
    return expected.get(id) ?? (f.dir ? 'directory' : isNoise(f.path, (f.kinds & WRITES) !== 0) ? 'noise' : 'other');
  };
  const { page, errors } = await open(`${server.url}#tab=files`);
  await page.setViewportSize({ width: 1280, height: 1600 });
  const n = build.model.files.length;
  assert.ok(n * 22 < 1100, `${n} files: all in view`);
  await page.waitForFunction((n) => document.querySelectorAll('#files .file-row').length === n, n);
  const rows = await page.$$eval('#files .file-row', (els) =>
    els.map((e) => ({ id: Number((e as HTMLElement).dataset.id), path: e.querySelector('.c-path')!.textContent ?? '', kind: e.querySelector('.c-kind')!.textContent ?? '' })),
  );
  for (const r of rows) assert.equal(r.kind, kindOf(r.id), build.model.files[r.id].path);
  const row = (p: string) => rows.find((r) => build.model.files[r.id].path === p);
  for (const p of ['/etc/ld.so.cache', '/lib/x86_64-linux-gnu/libc.so.6']) if (build.file(p)) assert.equal(row(p)?.kind, 'noise', p);
  assert.equal(row('/bin/true')?.kind, 'input');
  const dirs = rows.filter((r) => build.model.files[r.id].dir);
  assert.ok(dirs.length > 0, 'the trace has a directory');
  for (const d of dirs) {
    assert.equal(d.kind, 'directory');
    assert.ok(d.path.endsWith('/'), d.path);
  }
  assert.ok(rows.every((r) => r.kind !== 'input' || [...groups.inputs_tree, ...groups.inputs_system, ...groups.inputs_elsewhere].includes(r.id)), 'every input is in an input group');
  assert.deepEqual(errors, []);
  await page.close();
});
