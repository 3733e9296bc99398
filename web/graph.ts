/**
 * Provenance pane: the graph of what the selected file was made from
 * (bt deps) or what was made from it (bt rdeps), or of the selected
 * process's inputs and outputs, drawn by the server with the wasm Graphviz
 * and sent as SVG. Nodes are clickable: they select the process or file.
 */
import type { Backend } from './backend.js';
import { selFile, selProc, store } from './state.js';
import { clear, h } from './util.js';

export class GraphPane {
  readonly el: HTMLElement;
  private readonly body: HTMLElement;
  private readonly head: HTMLElement;
  private gen = 0;
  private shown = '';

  constructor(private readonly api: Backend) {
    this.head = h('div.toolbar');
    this.body = h('div.graph-body', { tabindex: 0 });
    this.el = h('div.pane.graph#graph', {}, this.head, this.body);
    store.on((ch) => {
      if (ch.has('sel') || ch.has('dir') || ch.has('rtab')) this.load();
    });
  }

  async load(): Promise<void> {
    if (store.s.rtab !== 'graph') return;
    const p = selProc();
    const f = selFile();
    const key = `${store.s.sel}/${store.s.dir}`;
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
    clear(this.body);
    if (!p && f < 0) {
      this.body.append(h('p.hint', {}, 'Select a file (or a process) to see what it was made from.'));
      return;
    }
    this.body.append(h('p.hint', {}, 'drawing…'));
    try {
      const svg = await this.api.text('graph', p ? { proc: p } : { file: f, dir: store.s.dir });
      if (gen !== this.gen) return;
      this.shown = key;
      clear(this.body);
      const box = h('div.svgbox');
      box.innerHTML = svg.replace(/^[\s\S]*?(<svg)/, '$1');
      this.body.append(box);
      for (const g of box.querySelectorAll<SVGGElement>('g.node')) {
        const id = g.querySelector('title')?.textContent ?? '';
        if (!/^[pf]\d+$/.test(id)) continue;
        g.classList.add('clickable');
        g.addEventListener('click', () => store.set({ sel: id, rtab: id.startsWith('f') ? 'graph' : 'details' }, { push: true }));
      }
    } catch (err) {
      if (gen !== this.gen) return;
      clear(this.body);
      this.body.append(h('p.error', {}, String((err as Error).message)));
    }
  }
}
