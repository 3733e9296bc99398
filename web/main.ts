/**
 * bt view's page: header, filter bar, timeline, then the process tree or
 * the files table beside the details or the provenance graph; or the
 * summary page. All panes follow one state (state.ts), kept in the URL.
 */
import { openBackend, type Backend } from './backend.js';
import { Details } from './details.js';
import { FilesTable } from './files.js';
import { FilterBar } from './filterbar.js';
import { GraphPane } from './graph.js';
import { selProc, store, type State } from './state.js';
import { SummaryPage } from './summary.js';
import { Timeline } from './timeline.js';
import { ProcessTree } from './tree.js';
import { commandLine, count, counted, dur, h } from './util.js';

declare global {
  interface Window {
    bt?: { ready: boolean; timeline?: Timeline; backend?: Backend; error?: string };
  }
}

function tabs<K extends keyof State>(key: K, items: Array<[State[K], string, string]>): HTMLElement {
  const bar = h('div.tabs', { role: 'tablist' });
  const render = () => {
    for (const b of bar.children) b.classList.toggle('on', (b as HTMLElement).dataset.value === String(store.s[key]));
  };
  for (const [value, label, key2] of items) {
    bar.append(
      h('button.tab', { role: 'tab', 'data-value': String(value), id: `tab-${String(value)}`, title: `${label} (${key2})`, onclick: () => store.set({ [key]: value } as Partial<State>) }, label),
    );
  }
  store.on((ch) => ch.has(key) && render());
  render();
  return bar;
}

async function start(): Promise<void> {
  window.bt = { ready: false };
  const app = document.getElementById('app')!;
  app.append(h('p.loading-page', {}, 'Loading the build…'));
  const api = await openBackend();
  const meta: any = await api.get('meta');
  // a link's filter that does not parse was never applied: show the whole build (the bar shows the filter and its error)
  let linked = '';
  if (store.s.f) {
    const r = await api.get<{ error?: string }>('check', { f: store.s.f }).catch(() => ({ error: 'unreadable' }));
    if (r.error !== undefined) {
      linked = store.s.f;
      store.set({ f: '' });
    }
  }
  app.textContent = '';
  document.title = `bt view — ${commandLine(meta.command, 80)}`;
  // the build's time, as bt summary's; processes bt trace left running ran on to the trace's end (meta.duration)
  const timeline = new Timeline(api, meta.buildDuration ?? meta.duration, meta.tools, meta.probeProcesses ?? meta.failedProbes ?? 0, meta.duration);
  const filter = new FilterBar(api);
  if (linked) filter.set(linked);
  const tree = new ProcessTree(api);
  const files = new FilesTable(api, meta.cwd);
  const details = new Details(api, meta.cwd);
  const graph = new GraphPane(api);
  const summary = new SummaryPage(api, meta);
  const header = h(
    'header',
    {},
    h('span.logo', {}, 'bt view'),
    h('span.cmd', { title: meta.command.join(' ') }, commandLine(meta.command, 90)),
    h(
      'span.stats',
      {},
      `${counted(meta.processes, 'process', 'processes')} · ${counted(meta.files, 'file')} · ${dur(meta.buildDuration ?? meta.duration)}`,
      // red for the jobs whose own command failed; processes that failed under jobs that succeeded (probes) are a count, not an alarm
      meta.failedJobs ? h('span.failed', { title: 'jobs whose own command failed (exit code > 0 or killed)' }, ` · ${counted(meta.failedJobs, 'failed job')}`) : '',
      meta.failedTests ? h('span.failed', { title: "tests that failed, as bt summary counts them (automake's harness: FAIL, XPASS, ERROR)" }, ` · ${counted(meta.failedTests, 'failed test')}`) : '',
      // failed probes (go's gcc flag checks, configure's tests) are failures the build did not care about: a count, not an alarm
      meta.failedProbes
        ? h(
            'span.failed-probes',
            { title: 'jobs that failed while the build went on and succeeded, and nothing it kept came of them (a compiler flag check, a configure test)' },
            ` · ${counted(meta.failedProbes, 'failed probe')}`,
          )
        : '',
      meta.failed
        ? h(
            'span.failed-procs',
            { title: meta.failedJobs ? 'processes that exited > 0 or were killed, in failed jobs or not' : 'processes that exited > 0 or were killed, under jobs that succeeded: no job failed' },
            ` · ${counted(meta.failed, 'failed process', 'failed processes')}`,
          )
        : '',
      meta.outlived?.length
        ? h('span.outlived', { title: `outlived the build, left running by bt trace: ${meta.outlived.map((o: any) => `${o.command} (pid ${o.pid})`).join(', ')}` }, ` · ${count(meta.outlived.length)} left running`)
        : '',
      meta.lost ? h('span.failed', {}, ` · ${count(meta.lost)} events lost`) : '',
      meta.live
        ? h('span.failed', { title: 'a running bt trace still writes the log: this is the build so far' }, ' · still being traced')
        : meta.incomplete
          ? h('span.failed', {}, ' · incomplete trace')
          : '',
      api.kind === 'static' ? h('span.static', { title: 'a static page: no server' }, ' · static') : '',
    ),
    h('span.spacer'),
    tabs('page', [
      ['explore', 'Explore', 'E'],
      ['summary', 'Summary', 'M'],
    ]),
  );
  const left = h('div.col.left', {}, tabs('tab', [['procs', 'Processes', 'P'], ['files', 'Files', 'L']]), tree.el, files.el);
  const right = h('div.col.right', {}, tabs('rtab', [['details', 'Details', 'T'], ['graph', 'Provenance', 'G']]), details.el, graph.el);
  const explore = h('main.explore', {}, timeline.el, h('div.split', {}, left, right));
  app.append(header, filter.el, explore, summary.el);
  const layout = () => {
    explore.hidden = store.s.page !== 'explore';
    summary.el.hidden = store.s.page !== 'summary';
    tree.el.hidden = store.s.tab !== 'procs';
    files.el.hidden = store.s.tab !== 'files';
    details.el.hidden = store.s.rtab !== 'details';
    graph.el.hidden = store.s.rtab !== 'graph';
  };
  store.on((ch) => {
    layout();
    if (ch.has('tab') && store.s.tab === 'files') files.render();
    // the selection may have changed while the tree was hidden (and could not scroll to it)
    if (ch.has('tab') && store.s.tab === 'procs') {
      tree.render();
      void tree.reveal(selProc());
    }
    if (ch.has('page') && store.s.page === 'explore') timeline.draw();
  });
  layout();
  graph.load();
  // keyboard: / focuses the filter; W/A/S/D/F drive the timeline; letters switch panes
  document.addEventListener('keydown', (e) => {
    const t = e.target as HTMLElement;
    if (e.defaultPrevented || t.closest('input, textarea, select') || e.ctrlKey || e.metaKey || e.altKey) return;
    const k = e.key;
    if (k === '/') {
      e.preventDefault();
      filter.input.focus();
      return;
    }
    const to: Record<string, Partial<State>> = {
      p: { page: 'explore', tab: 'procs' },
      l: { page: 'explore', tab: 'files' },
      t: { page: 'explore', rtab: 'details' },
      g: { page: 'explore', rtab: 'graph' },
      e: { page: 'explore' },
      m: { page: 'summary' },
    };
    if (to[k.toLowerCase()]) {
      store.set(to[k.toLowerCase()]);
      e.preventDefault();
      return;
    }
    // from the tree and the files table too (their keys are arrows, Page Up/Down, Home and End): where a process is selected
    if (store.s.page === 'explore' && timeline.key(e)) e.preventDefault();
  });
  window.bt = { ready: true, timeline, backend: api };
  void details;
}

start().catch((err) => {
  window.bt = { ready: false, error: String(err?.message ?? err) };
  const app = document.getElementById('app')!;
  app.textContent = `bt view could not start: ${String(err?.message ?? err)}`;
  console.error(err);
});
