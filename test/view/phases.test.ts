/**
 * bt view's provenance of a configure-then-make build (configureMakeTrace,
 * as bt graph --focus is tested in test/graph/focus.test.ts) in a real
 * browser: a file make made stays in make's phase, configure's config.h
 * drawn "made earlier by configure" with a line saying so; the "All
 * phases" toggle follows configure too (in the graph and in the lists),
 * is kept in the URL, and shows only where it changes something. No
 * tooltip names bt graph's --all-phases, which the page cannot use.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadBuild, type Build } from '../../src/model/index.js';
import { browserTest, viewSession, type Page } from '../helpers/browser.js';
import { configureMakeTrace, tempDir } from '../normalize/synth.js';

const views = viewSession();

async function serve(): Promise<{ build: Build; url: string }> {
  const build = loadBuild(configureMakeTrace().write(path.join(tempDir(), 'build.trace')));
  const server = await views.serve(build);
  return { build, url: server.url };
}

async function open(url: string): Promise<{ page: Page; errors: string[] }> {
  return views.open(url);
}

/** The graph's node labels (lines joined by \n), sorted. */
function nodeLabels(page: Page): Promise<string[]> {
  return page.$$eval('#graph .svgbox g.node', (els) => els.map((e) => [...e.querySelectorAll('text')].map((t) => t.textContent).join('\n')).sort());
}

/** Waits until the graph drawn has a node labelled `label` (or, with `present` false, none). */
async function waitNode(page: Page, label: string, present = true): Promise<void> {
  await page.waitForFunction(
    ([l, p]) => {
      const svg = document.querySelector('#graph .svgbox svg');
      return !!svg && [...svg.querySelectorAll('g.node text')].some((t) => t.textContent === l) === p;
    },
    [label, present] as const,
  );
}

const listed = (page: Page) => page.$$eval('#graph .deps-list li', (els) => els.map((e) => e.textContent));
const allPhasesInUrl = (page: Page) => new URLSearchParams(new URL(page.url()).hash.slice(1)).get('allPhases');

/** Make's phase of main.o: its compile job, with what configure made as a file only. */
const MAKE_PHASE = [
  "sh -c './configure && make'",
  'as -o main.o /tmp/ccmain.s',
  'cc -c main.c -o main.o',
  'cc1 main.c -o /tmp/ccmain.s',
  'config.h\nmade earlier by configure',
  'main.c',
  'main.o',
  'make',
  'util.h',
].sort();

/** Every phase: configure's job too. */
const ALL_PHASES = [
  "sh -c './configure && make'",
  'as -o main.o /tmp/ccmain.s',
  'cc -c main.c -o main.o',
  'cc -o conftest conftest.c\n×3',
  'cc1 main.c -o /tmp/ccmain.s',
  'confdefs.h',
  'config.h',
  'config.status',
  'config.status',
  'configure',
  'configure',
  'conftest.c',
  'main.c',
  'main.o',
  'make',
  'util.h',
].sort();

browserTest("main.o's provenance stays in make's phase, config.h marked 'made earlier by configure'; All phases follows configure, and the URL keeps it", async () => {
  const { build, url } = await serve();
  const mainO = build.file('/w/main.o')!;
  const { page, errors } = await open(`${url}#sel=f${mainO.id}&rtab=graph`);
  await waitNode(page, 'main.o');
  assert.deepEqual(await nodeLabels(page), MAKE_PHASE);
  assert.equal(
    await page.textContent('#graph .graph-phases'),
    '1 file drawn here was made by an earlier phase of the build (configure); its making is not followed: "All phases" above follows it.',
  );
  // the node's tooltip says how to follow it here, not with bt graph's option
  const configH = build.file('/w/config.h')!;
  const tip = await page.$eval(`#graph g.node[data-sel="f${configH.id}"] a`, (a) => a.getAttribute('xlink:title'));
  assert.equal(tip, '/w/config.h\nmade by an earlier phase of the build (not followed; "All phases" above the graph follows it): /bin/sh ./configure');
  assert.doesNotMatch((await page.innerHTML('#graph')) ?? '', /--all-phases/);
  // the lists beside the graph are of the same phase: config.h is an input, configure's are not
  assert.equal(await page.textContent('#graph .deps-summary'), 'Made from 6 inputs through 1 job.');
  assert.deepEqual(await listed(page), ['/usr/bin/as', '/usr/bin/cc', '/usr/libexec/gcc/cc1', '/w/config.h', '/w/main.c', '/w/util.h']);
  assert.equal(await page.$eval('#all-phases', (b) => b.classList.contains('on')), false);

  // All phases: configure's job, its inputs and config.h as made; no line about an earlier phase
  await page.click('#all-phases');
  await waitNode(page, 'conftest.c');
  assert.deepEqual(await nodeLabels(page), ALL_PHASES);
  assert.equal(await page.$('#graph .graph-phases'), null);
  assert.equal(await page.$eval('#all-phases', (b) => b.classList.contains('on')), true);
  assert.equal(allPhasesInUrl(page), '1');
  assert.equal(await page.textContent('#graph .deps-summary'), 'Made from 9 inputs through 2 jobs and 1 intermediate file.');
  assert.deepEqual(await listed(page), [
    '/bin/sh',
    '/usr/bin/as',
    '/usr/bin/cc',
    '/usr/include/stdio.h',
    '/usr/libexec/gcc/cc1',
    '/w/config.status',
    '/w/configure',
    '/w/main.c',
    '/w/util.h',
    '/w/config.h',
  ]);

  // a reload draws the same from the URL
  await page.reload();
  await page.waitForFunction(() => (window as any).bt?.ready);
  await waitNode(page, 'conftest.c');
  assert.deepEqual(await nodeLabels(page), ALL_PHASES);

  // off again: make's phase
  await page.click('#all-phases');
  await waitNode(page, 'conftest.c', false);
  assert.deepEqual(await nodeLabels(page), MAKE_PHASE);
  assert.equal(allPhasesInUrl(page), null);
  assert.deepEqual(errors, []);
  await page.close();
});

browserTest("All phases shows only where another phase made a file drawn: not in config.h's provenance (configure's alone), nor in Impact", async () => {
  const { build, url } = await serve();
  const config = build.file('/w/config.h')!;
  const { page, errors } = await open(`${url}#sel=f${config.id}&rtab=graph`);
  await waitNode(page, 'config.status');
  assert.equal(await page.isVisible('#all-phases'), false);
  assert.equal(await page.$('#graph .graph-phases'), null);
  assert.equal(await page.textContent('#graph .deps-summary'), 'Made from 5 inputs through 1 job.');
  assert.deepEqual(await listed(page), ['/bin/sh', '/usr/bin/cc', '/usr/include/stdio.h', '/w/config.status', '/w/configure']);
  await page.click('#graph button:has-text("Impact")');
  await waitNode(page, 'app');
  assert.equal(await page.$('#all-phases'), null, 'no toggle for what was made from a file');
  // main.o, clicked in the Impact graph, then its provenance: with the toggle
  const mainO = build.file('/w/main.o')!;
  await page.click(`#graph g.node[data-sel="f${mainO.id}"]`);
  await page.waitForFunction((id) => new URLSearchParams(location.hash.slice(1)).get('sel') === `f${id}`, mainO.id);
  await waitNode(page, 'config.h', false);
  await page.click('#graph button:has-text("Provenance")');
  await waitNode(page, 'made earlier by configure');
  assert.equal(await page.isVisible('#all-phases'), true);
  assert.deepEqual(errors, []);
  await page.close();
});
