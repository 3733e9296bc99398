/**
 * bt view's timeline colours: a tool keeps its colour from one build to
 * the next (its name picks it, not its rank), and no two tools of a build
 * share one. Two synthetic builds whose tools rank in opposite orders.
 */
import assert from 'node:assert/strict';
import { buildFromRecords } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { browserTest, viewSession } from '../helpers/browser.js';
import { TraceBuilder } from '../normalize/synth.js';

/** make running `counts[tool]` processes of each tool. */
function buildOf(counts: Record<string, number>) {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  let pid = 2;
  for (const [tool, n] of Object.entries(counts)) {
    for (let i = 0; i < n; i++, pid++) {
      t.fork(1, pid);
      t.exec(pid, `/usr/bin/${tool}`, [tool, `${i}`], '/w');
      t.exit(pid, 0);
    }
  }
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

const views = viewSession();

/** The timeline legend's colour of each tool, as the page shows it. */
async function legendOf(counts: Record<string, number>): Promise<Record<string, string>> {
  const server = await views.serve(buildOf(counts));
  const { page, errors } = await views.open(server.url);
  const colours = await page.evaluate(() =>
    Object.fromEntries([...document.querySelectorAll('.tl-legend .chip[data-tool]')].map((c) => [(c as HTMLElement).dataset.tool!, getComputedStyle(c.querySelector('i')!).backgroundColor])),
  );
  assert.deepEqual(errors, []);
  await page.close();
  return colours;
}

browserTest('timeline: cc1, as and ld keep their colours when they rank in the opposite order; no two tools share one', async () => {
  const a = await legendOf({ cc1: 5, as: 3, ld: 2 });
  const b = await legendOf({ ld: 5, as: 3, cc1: 2 });
  assert.deepEqual(Object.keys(a).sort(), ['as', 'cc1', 'ld', 'make']);
  assert.deepEqual(Object.keys(b).sort(), ['as', 'cc1', 'ld', 'make']);
  for (const tool of ['cc1', 'as', 'ld', 'make']) assert.equal(a[tool], b[tool], tool);
  assert.equal(new Set(Object.values(a)).size, 4, JSON.stringify(a));
});
