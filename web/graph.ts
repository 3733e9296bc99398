/**
 * Provenance pane: the graph of what the selected file was made from
 * (bt deps) or what was made from it (bt rdeps), or of the selected
 * process's inputs and outputs, drawn by the server with the wasm Graphviz
 * and sent as SVG. Nodes are clickable: they select the process or file.
 * What a file was made from stays in the phase of the build that made it
 * (make, not the configure before it), as bt graph --focus does: a file
 * that phase only read (config.h) is drawn "made earlier by configure",
 * and the "All phases" toggle follows its making too. A graph too wide to
 * fit readably is drawn at natural size, scrolled to the node asked about.
 */
import type { Backend } from './backend.js';
import { selFile, selProc, store } from './state.js';
import { clear, h } from './util.js';

/** What a static --html page says where the server would draw a provenance graph. */
export const STATIC_NOTE =
  'This page is a static copy (bt view --html): provenance and impact graphs are drawn by the bt view server. Run bt view on the log to see them, or bt graph --focus FILE for one file.';

export class GraphPane {
  readonly el: HTMLElement;
  private readonly body: HTMLElement;
  private readonly head: HTMLElement;
  /** What the graph shows, in words: above the scrolling graph, in view wherever it is scrolled to. */
  private readonly notes: HTMLElement;
  private gen = 0;
  private shown = '';
  private fit = false;

  constructor(private readonly api: Backend) {
    this.head = h('div.toolbar');
    this.notes = h('div.graph-notes');
    this.body = h('div.graph-body', { tabindex: 0 });
    this.el = h('div.pane.graph#graph', {}, this.head, this.notes, this.body);
    store.on((ch) => {
      if (ch.has('sel') || ch.has('dir') || ch.has('rtab') || ch.has('allPhases')) this.load();
    });
  }

  async load(): Promise<void> {
    if (store.s.rtab !== 'graph') return;
    if (this.api.kind === 'static') {
      // a static copy has no server to lay graphs out: say so, not as an error
      if (this.shown === 'static') return;
      this.shown = 'static';
      clear(this.head);
      clear(this.notes);
      clear(this.body);
      this.body.append(h('p.hint.static-graph', {}, STATIC_NOTE));
      return;
    }
    const p = selProc();
    const f = selFile();
    const key = `${store.s.sel}/${store.s.dir}/${store.s.allPhases}`;
    if (key === this.shown) return;
    const gen = ++this.gen;
    clear(this.head);
    if (f >= 0) {
      for (const [dir, label] of [
        ['deps', 'Provenance'],
        ['rdeps', 'Impact'],
      ] as const) {
        this.head.append(h('button', { class: `group${store.s.dir === dir ? ' on' : ''}`, onclick: () => store.set({ dir }) }, label));
      }
    }
    // shown once a graph has a file another phase made, or while it is on
    const allPhases = f >= 0 && store.s.dir === 'deps' && store.s.allPhases;
    const phasesBtn = h(
      'button#all-phases',
      {
        class: `group${allPhases ? ' on' : ''}`,
        title: "also follow what other phases of the build made (configure's config.h read by make), not only the phase that made this file",
        onclick: () => store.set({ allPhases: !store.s.allPhases }),
      },
      'All phases',
    );
    phasesBtn.hidden = !allPhases;
    if (f >= 0 && store.s.dir === 'deps') this.head.append(phasesBtn);
    const fitBtn = h('button.group', { class: `group${this.fit ? ' on' : ''}`, title: 'fit the graph to the pane', onclick: () => {
      this.fit = !this.fit;
      fitBtn.classList.toggle('on', this.fit);
      this.body.querySelector('.svgbox')?.classList.toggle('fit', this.fit);
      this.showFocus();
    } }, 'Fit');
    this.head.append(h('span.spacer'), fitBtn);
    clear(this.notes);
    clear(this.body);
    if (!p && f < 0) {
      this.body.append(h('p.hint', {}, 'Select a file (or a process) to see what it was made from.'));
      return;
    }
    this.body.append(h('p.hint', {}, 'drawing…'));
    try {
      const params = p ? { proc: p } : { file: f, dir: store.s.dir, phases: allPhases ? 'all' : undefined };
      const g = await this.api.get<{ svg: string; nodes: Record<string, string>; count: number; note?: string; earlier?: { files: number; by: string[] } }>('graph', params);
      const d = f >= 0 ? await this.api.get<{ inputs: string[]; outputs: string[]; processes: unknown[]; untouched: boolean }>('deps', params) : undefined;
      if (gen !== this.gen) return;
      this.shown = key;
      clear(this.notes);
      clear(this.body);
      if (d) {
        const what =
          store.s.dir === 'deps'
            ? d.untouched
              ? 'The build did not make this file (a source or system file).'
              : `Made from ${d.inputs.length} input${d.inputs.length === 1 ? '' : 's'} through ${d.processes.length} job${d.processes.length === 1 ? '' : 's'}${d.outputs.length ? ` and ${d.outputs.length} intermediate file${d.outputs.length === 1 ? '' : 's'}` : ''}.`
            : d.untouched
              ? 'Nothing the build made was read from this file.'
              : `${d.outputs.length} file${d.outputs.length === 1 ? '' : 's'} made from it by ${d.processes.length} job${d.processes.length === 1 ? '' : 's'}.`;
        this.notes.append(h('p.hint.deps-summary', {}, what));
      }
      // nothing made it, or nothing was made from it: the sentence says so, a graph of one node would say nothing
      if (d?.untouched) return;
      if (g.note) this.notes.append(h('p.hint.graph-note', {}, g.note));
      if (g.earlier) {
        phasesBtn.hidden = false;
        const n = g.earlier.files;
        const [files, its] = n === 1 ? ['1 file drawn here was', 'its'] : [`${n} files drawn here were`, 'their'];
        const text = `${files} made by an earlier phase of the build (${g.earlier.by.join(', ')}); ${its} making is not followed: "All phases" above follows it.`;
        this.notes.append(h('p.hint.graph-phases', {}, text));
      }
      const box = h('div.svgbox', { class: this.fit ? 'svgbox fit' : 'svgbox' });
      box.innerHTML = g.svg.replace(/^[\s\S]*?(<svg)/, '$1');
      this.body.append(box);
      // fit when that keeps the text readable, else 1 pt = 1 px with scrolling
      const svgEl = box.querySelector('svg');
      const wPt = parseFloat(svgEl?.getAttribute('width') ?? '0');
      if (svgEl && wPt) {
        const natural = wPt;
        const avail = this.body.clientWidth - 12;
        if (!this.fit && natural > avail && avail / natural < 0.6) svgEl.style.width = `${natural}px`;
        else box.classList.add('fit');
      }
      for (const node of box.querySelectorAll<SVGGElement>('g.node')) {
        const target = g.nodes[node.querySelector('title')?.textContent ?? ''];
        if (!target) continue;
        node.classList.add('clickable');
        node.dataset.sel = target;
        node.addEventListener('click', (e) => {
          e.preventDefault();
          store.set({ sel: target, rtab: target.startsWith('f') ? 'graph' : 'details' }, { push: true });
        });
      }
      if (d) {
        const list = (title: string, xs: string[]) =>
          xs.length ? h('section.dsec', {}, h('h4', {}, `${title} `, h('small', {}, String(xs.length))), h('ul.deps-list', {}, ...xs.slice(0, 500).map((x) => h('li', {}, x)))) : '';
        this.body.append(store.s.dir === 'deps' ? list('Inputs', d.inputs) : '', list(store.s.dir === 'deps' ? 'Made on the way' : 'Made from it', d.outputs));
      }
      // after the lists: the pane's full height is there to scroll in
      this.showFocus();
    } catch (err) {
      if (gen !== this.gen) return;
      clear(this.notes);
      clear(this.body);
      this.body.append(h('p.error', {}, String((err as Error).message)));
    }
  }

  /**
   * Scrolls the node asked about (the selected file or process) into view,
   * centred on each axis where it was not wholly visible: a left-to-right
   * graph drawn at natural size puts a file's provenance at its far right.
   */
  private showFocus(): void {
    const node = this.body.querySelector<SVGGElement>(`.svgbox g.node[data-sel="${store.s.sel}"]`);
    if (!node) return;
    const b = this.body;
    const n = node.getBoundingClientRect();
    const r = b.getBoundingClientRect();
    // the visible area, in the viewport's coordinates (clientLeft/Top: the border)
    const left = r.left + b.clientLeft;
    const top = r.top + b.clientTop;
    if (n.left < left || n.right > left + b.clientWidth) b.scrollLeft += n.left + n.width / 2 - (left + b.clientWidth / 2);
    if (n.top < top || n.bottom > top + b.clientHeight) b.scrollTop += n.top + n.height / 2 - (top + b.clientHeight / 2);
  }
}
