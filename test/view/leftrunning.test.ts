/**
 * The timeline of a build that left a process running, on a real trace: a
 * recipe's `(sleep 0.3; echo x > late.txt; exec sleep 5) &` outlives make, and bt trace
 * (--grace 1) leaves it running. The view fits the build, not the trace:
 * the process's bar ends at the build's end (state 3, left running), a
 * dashed line marks that end and a hatched tail the rest; the legend and
 * the tooltip say so; late.txt, written after the build's end, is of kind
 * late. The server's answers, the static page's, and the page's drawing.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after } from 'node:test';
import { answer } from '../../src/view/api.js';
import { modelFilter } from '../../src/view/filter.js';
import { groupsOf, viewQuery } from '../../src/view/host.js';
import { pack, unpack } from '../../src/view/pack.js';
import { ViewQuery } from '../../src/view/query.js';
import { serveBuild, type ViewServer } from '../../src/view/server.js';
import { launch, openPage, viewTest, type Session } from '../helpers/browser.js';
import { withLeftover } from '../helpers/leftover.js';

let session: Session | undefined;
let server: ViewServer | undefined;
after(async () => {
  await session?.close();
  await server?.close();
});

viewTest("a process left running: its bar ends at the build's end, hatched after; the timeline fits the build", async () => {
  await withLeftover('bt-leftview-', 'all:\n\t(sleep 0.3; echo x > late.txt; exec sleep 5) &\n', async ({ dir, b, left }) => {
    const build = b.model.buildEndTs - b.model.startTs;
    const traced = b.model.endTs - b.model.startTs;
    assert.ok(traced > build + 0.5e9, 'bt trace waited its grace period after make exited, past the build');
    // the answer: the default window is the build's; the bar ends at its end, in state 3
    const tl = (await answer(viewQuery(b), 'timeline', {})).body as { t1: number; bars: number[] };
    assert.equal(tl.t1, build);
    const bar = (bars: number[], proc: number) => {
      for (let i = 0; i < bars.length; i += 6) if (bars[i] === proc) return bars.slice(i, i + 6);
      return undefined;
    };
    const mine = bar(tl.bars, left[0].proc)!;
    assert.deepEqual([mine[3], mine[5]], [build, 3]);
    assert.equal(bar(tl.bars, b.model.roots[0])![5], 0, 'make: ended in the build');
    // late.txt: written after the build's end, by the process left running; so on the static page
    const late = b.file(path.join(dir, 'late.txt'))!.id;
    assert.equal(((await answer(viewQuery(b), 'file', { id: String(late) })).body as { kind: string }).kind, 'late');
    const packed = JSON.parse(JSON.stringify(pack(b.model, { groups: groupsOf(b) })));
    const model = unpack(packed);
    assert.equal(((await answer(new ViewQuery(model, modelFilter(model), packed.groups), 'file', { id: String(late) })).body as { kind: string }).kind, 'late');

    server = await serveBuild(b);
    session = await launch({ width: 1400, height: 900 });
    const { page, errors } = await openPage(session, server.url);
    await page.waitForFunction((id) => ((window as any).bt.timeline.drawnIds as number[]).includes(id), left[0].proc);
    const drawn = await page.evaluate((id) => {
      const tl = (window as any).bt.timeline;
      const { W } = tl.layout();
      const bars: number[] = tl.data.bars;
      let end = NaN;
      for (let i = 0; i < bars.length; i += 6) if (bars[i] === id) end = tl.x(bars[i + 3], W);
      return { W, end, buildEnd: tl.x(tl.duration, W), traceEnd: tl.x(tl.trace, W), t1: tl.t1 };
    }, left[0].proc);
    // the window: the build and a little more (5 %), not bt trace's wait
    assert.equal(drawn.t1, build * 1.05);
    assert.equal(drawn.end, drawn.buildEnd, "the bar stops at the build's end");
    assert.ok(Math.abs(drawn.end - drawn.W / 1.05) < 1, `at ${drawn.end} of ${drawn.W} px`);
    assert.ok(drawn.traceEnd > drawn.W, 'the tail runs on past the window');
    assert.equal(await page.getAttribute('.tl-legend .tl-left', 'title'), "left running after the build ended: its bar stops at the build's end (the dashed line), the hatched tail is the rest of the trace");
    assert.equal(await page.textContent('.tl-legend .tl-left'), 'left running');
    // the tooltip over the tail
    const canvas = (await page.locator('.tl-canvas').boundingBox())!;
    const y = await page.evaluate((id) => {
      const tl = (window as any).bt.timeline;
      const { lanesTop, laneH } = tl.layout();
      const bars: number[] = tl.data.bars;
      for (let i = 0; i < bars.length; i += 6) if (bars[i] === id) return lanesTop + bars[i + 1] * laneH + laneH / 2;
      return NaN;
    }, left[0].proc);
    await page.mouse.move(canvas.x + drawn.end + (drawn.W - drawn.end) / 2, canvas.y + y);
    await page.waitForSelector('.tl-tip:not([hidden])');
    assert.match((await page.textContent('.tl-tip')) ?? '', /^sleep \(pid \d+\) · left running after the build ended\nsleep 5$/);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
