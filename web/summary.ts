/**
 * Summary page: the answers of `bt summary` (command, time, exit, failed
 * jobs, failed probes, tools, longest jobs, critical path, inputs, outputs, probes), with
 * links into the other panes.
 */
import type { Backend } from './backend.js';
import { fieldFilter } from './fields.js';
import { GROUP_LABELS } from './files.js';
import { groupEnded, sameFailures } from '../src/answers/same.js';
import { store } from './state.js';
import { clear, commandIn, commandLine, count, counted, exitStatus, h, msDur } from './util.js';

export class SummaryPage {
  readonly el: HTMLElement;
  private loaded = false;

  constructor(
    private readonly api: Backend,
    private readonly meta: any,
  ) {
    this.el = h('div.summary#summary', { tabindex: 0 });
    store.on((ch) => {
      if (ch.has('page')) this.load();
    });
    this.load();
  }

  private async load(): Promise<void> {
    if (store.s.page !== 'summary' || this.loaded) return;
    this.loaded = true;
    clear(this.el);
    let s: any;
    try {
      s = await this.api.get('summary');
    } catch (err) {
      this.el.append(h('p.error', {}, `no summary: ${(err as Error).message}`));
      return;
    }
    const proc = (r: any) =>
      h('a.plink', { href: '#', 'data-proc': r.proc, onclick: (e: Event) => (e.preventDefault(), store.set({ page: 'explore', tab: 'procs', rtab: 'details', sel: `p${r.proc}` }, { push: true })) }, commandIn(r.argv ?? [], 110));
    const table = (head: string[], rows: Node[][]) =>
      h('table', {}, h('thead', {}, h('tr', {}, ...head.map((x) => h('th', {}, x)))), h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c))))));
    const group = (g: string, n: number) =>
      h('a', { href: '#', onclick: (e: Event) => (e.preventDefault(), store.set({ page: 'explore', tab: 'files', group: g }, { push: true })) }, `${GROUP_LABELS[g] ?? g}: ${count(n)}`);
    const inputs = s.inputs ?? {};
    const failedJobs: any[] = s.failed_jobs ?? [];
    const failedProbes: any[] = s.failed_probes ?? [];
    const outlived: any[] = s.outlived ?? [];
    const showFailed = (e: Event) => (e.preventDefault(), store.set({ page: 'explore', tab: 'procs', f: 'exit > 0 or signal' }, { push: true }));
    this.el.append(
      h('h2', {}, 'Summary'),
      h(
        'dl.facts',
        {},
        h('dt', {}, 'command'),
        h('dd', {}, h('code', {}, commandLine(s.command ?? [], 300))),
        h('dt', {}, 'duration'),
        h('dd', {}, msDur(s.duration_ms ?? 0), outlived.length ? ` (the trace ran on to ${msDur(s.trace_ms ?? 0)})` : ''),
        h('dt', {}, 'exit status'),
        h('dd', { class: s.exit_status ? 'failed' : '' }, s.exit_status === null || s.exit_status === undefined ? 'unknown' : exitStatus(s.exit_status, s.exit_signal ?? 0)),
        ...(outlived.length
          ? [
              h('dt', {}, 'left running'),
              h('dd', {}, `${counted(outlived.length, 'process', 'processes')} outlived the build: `, outlived.map((o) => `${o.argv ? commandLine(o.argv, 80) : o.command} (pid ${o.pid})`).join(', ')),
            ]
          : []),
        h('dt', {}, 'processes'),
        // a job failed when its own command did; failed processes under jobs that succeeded (probes) are counted apart, not in red
        h(
          'dd',
          {},
          `${count(s.processes ?? 0)} in ${count(s.job_count ?? 0)} jobs`,
          failedJobs.length ? h('span.failed', {}, ` · ${counted(failedJobs.length, 'failed job')}`) : '',
          failedProbes.length ? ` · ${counted(failedProbes.length, 'failed probe')}` : '',
          s.failed ? ' · ' : '',
          s.failed ? h('a', { href: '#', onclick: showFailed }, counted(s.failed, 'failed process', 'failed processes')) : '',
        ),
        h('dt', {}, 'parallelism'),
        h('dd', {}, typeof s.parallelism === 'number' ? s.parallelism.toFixed(2) : JSON.stringify(s.parallelism ?? '')),
        h('dt', {}, 'files'),
        h(
          'dd.groups-links',
          {},
          group('inputs_tree', inputs.tree?.length ?? 0),
          ' · ',
          group('inputs_system', inputs.system?.length ?? 0),
          ' · ',
          group('inputs_elsewhere', inputs.elsewhere?.length ?? 0),
          ' · ',
          group('outputs', s.outputs?.length ?? 0),
          ' · ',
          group('intermediates', s.intermediates?.length ?? 0),
          ' · ',
          group('temporaries', s.temporaries ?? 0),
          ...(s.test_files?.length || s.test_files_removed?.length ? [' · ', group('tests', (s.test_files?.length ?? 0) + (s.test_files_removed?.length ?? 0))] : []),
          ' · ',
          group('probes', s.probe_count ?? 0),
        ),
        ...(s.lost ? [h('dt', {}, 'lost events'), h('dd.failed', {}, count(s.lost))] : []),
        ...(s.live
          ? [h('dt', {}, 'still being traced'), h('dd.failed', {}, 'a running bt trace still writes the log: this is the build so far')]
          : s.incomplete
            ? [h('dt', {}, 'incomplete'), h('dd.failed', {}, 'the trace has no trailer')]
            : []),
      ),
      ...(failedJobs.length
        ? [
            h(
              'section.failed-jobs',
              {},
              h('h3', {}, 'Failed jobs ', h('small', {}, count(failedJobs.length))),
              table(
                ['job', 'how it ended', 'innermost failure'],
                sameFailures(failedJobs, true).slice(0, 30).map((g) => [
                  proc(g.job),
                  h('span.failed', {}, groupEnded(g)),
                  g.job.innermost && g.job.innermost.proc !== g.job.proc ? h('span', {}, proc(g.job.innermost), ` (${groupEnded(g, 'innermost')})`) : h('span', {}, 'the job\'s own command'),
                ]),
              ),
            ),
          ]
        : []),
      h('div.cols', {}, 
        h('section', {}, h('h3', {}, 'Tools'), table(['program', 'runs', 'wall time'], (s.tools ?? []).slice(0, 15).map((t: any) => [h('a', { href: '#', onclick: (e: Event) => (e.preventDefault(), store.set({ page: "explore", f: fieldFilter("exe", t.exe) }, { push: true })) }, t.exe), String(t.count), msDur(t.wall_ms)]))),
        h('section', {}, h('h3', {}, 'Longest jobs'), table(['job', 'time'], (s.jobs ?? []).slice(0, 15).map((j: any) => [proc(j), msDur(j.duration_ms)]))),
      ),
      // failures the build did not care about (model/failures.ts): listed for who looks, below what matters, not in red
      ...(failedProbes.length
        ? [
            h(
              'section.failed-probes',
              {},
              h('h3', {}, 'Failed probes ', h('small', {}, count(failedProbes.length))),
              h('p.hint', {}, 'Jobs that failed while the build went on and succeeded, and nothing it kept came of them: a compiler flag check, a configure test.'),
              // identical ones as one row, as bt summary's text (answers/same.ts)
              table(['job', 'how it ended'], sameFailures(failedProbes, false).slice(0, 30).map((g) => [proc(g.job), h('span', {}, groupEnded(g))])),
            ),
          ]
        : []),
      h('section', {}, h('h3', {}, 'Critical path ', h('small', {}, s.critical_path_ms ? msDur(s.critical_path_ms) : '')), table(['step', 'time'], (s.critical_path ?? []).slice(0, 30).map((j: any) => [proc(j), msDur(j.duration_ms)]))),
      h('section', {}, h('h3', {}, 'Outputs ', h('small', {}, count(s.outputs?.length ?? 0))), h('ul.outputs', {}, ...(s.outputs ?? []).slice(0, 40).map((p: string) => h('li', {}, h('a', { href: '#', 'data-path': p, onclick: (e: Event) => (e.preventDefault(), this.openPath(p)) }, p))))),
      h('section', {}, h('h3', {}, 'Where it looked for files and did not find them ', h('small', {}, count(s.probe_count ?? 0))), table(['directory', 'probes'], (s.probes ?? []).slice(0, 15).map((p: any) => [p.dir, String(p.count)]))),
    );
    void this.meta;
  }

  /** Selects a file by path (through a filter on its path) and shows its provenance. */
  private async openPath(p: string): Promise<void> {
    const r = await this.api.get<{ rows: Array<{ id: number; path: string }> }>('files', { f: fieldFilter('path', p), limit: 5 });
    const hit = r.rows.find((x) => x.path === p);
    if (hit) store.set({ page: 'explore', tab: 'files', sel: `f${hit.id}`, rtab: 'graph', dir: 'deps' }, { push: true });
  }
}
