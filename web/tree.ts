/**
 * Process tree: a virtualized list of the expanded tree (with a filter:
 * the matching processes, each under its nearest matching ancestor).
 * Columns: program and short argv, exit, duration, children. Children are
 * loaded a page at a time; selecting a process that is not loaded yet
 * (from the timeline, a link) loads the pages down to it and scrolls to
 * it. Arrow keys move and expand/collapse, Home and End go to the first
 * and last row; the search box finds processes by command line.
 */
import type { ProcRow } from '../src/view/query.js';
import type { Backend } from './backend.js';
import { selProc, store } from './state.js';
import { clear, count, counted, debounce, dur, h } from './util.js';

type Row = ProcRow;

interface Node {
  row: Row;
  open: boolean;
  kids?: number[];
  total?: number;
}

const ROW_H = 22;
const PAGE = 500;
/** The most children the server gives at once (query.ts's LIMIT_MAX): loading down to a far row takes pages this big. */
const BIG_PAGE = 2000;

export class ProcessTree {
  readonly el: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly inner: HTMLElement;
  private readonly count: HTMLElement;
  private readonly searchInput: HTMLInputElement;
  private readonly searchInfo: HTMLElement;
  private nodes = new Map<number, Node>();
  private roots: number[] = [];
  private rootTotal = 0;
  private flat: Array<{ id: number; depth: number } | { more: number; depth: number; left: number }> = [];
  private gen = 0;
  /** The gen whose reload has finished: until then nodes and roots are being replaced, and that reload reveals the selection. */
  private loadedGen = -1;
  /** Pages of children being fetched, by parent: one at a time, so that a page is never loaded twice (a second click on "more", a reveal meanwhile). */
  private fetching = new Map<number, Promise<void>>();
  /** The latest reveal: an earlier one still loading does not scroll. */
  private revealSeq = 0;
  private hits: number[] = [];
  private hitAt = -1;
  /** Resolves when the tree has loaded after a filter change (tests wait on the DOM instead). */
  ready: Promise<void> = Promise.resolve();

  constructor(private readonly api: Backend) {
    this.inner = h('div.vinner');
    this.scroller = h('div.vscroll.tree-rows', { tabindex: 0, role: 'tree', 'aria-label': 'process tree' }, this.inner);
    this.count = h('span.count');
    this.searchInput = h('input.search', { type: 'search', placeholder: 'search command lines…', 'aria-label': 'search processes' });
    this.searchInfo = h('span.count');
    this.el = h(
      'div.pane.tree#tree',
      {},
      h('div.toolbar', {}, this.searchInput, this.searchInfo, h('span.spacer'), this.count),
      h('div.thead.tree-head', {}, h('span.c-name', {}, 'Process'), h('span.c-exit', {}, 'Exit'), h('span.c-dur', {}, 'Duration'), h('span.c-kids', {}, 'Children')),
      this.scroller,
    );
    this.scroller.addEventListener('scroll', () => this.render());
    new ResizeObserver(() => this.render()).observe(this.scroller);
    this.scroller.addEventListener('keydown', (e) => this.onKey(e));
    this.searchInput.addEventListener('input', debounce(() => this.search(), 200));
    this.searchInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        this.nextHit(e.shiftKey ? -1 : 1);
      }
    });
    store.on((ch) => {
      if (ch.has('f')) this.ready = this.reload();
      else if (ch.has('sel')) {
        this.reveal(selProc());
        this.render();
      }
    });
    this.ready = this.reload();
  }

  private async fetchKids(parent: number, offset = 0, limit = PAGE): Promise<{ total: number; rows: Row[] }> {
    return this.api.get('children', { f: store.s.f, parent, offset, limit });
  }

  /** Loads the roots and opens levels while the tree stays small. */
  async reload(): Promise<void> {
    const gen = ++this.gen;
    let r: { total: number; rows: Row[] };
    try {
      r = await this.fetchKids(0);
    } catch {
      return;
    }
    if (gen !== this.gen) return;
    this.nodes = new Map();
    this.fetching = new Map();
    for (const row of r.rows) this.nodes.set(row.id, { row, open: false });
    this.roots = r.rows.map((x) => x.id);
    this.rootTotal = r.total;
    // the rows shown must be of these nodes from now on: a render (a scroll) may come while the opening below waits
    this.flatten();
    // open breadth-first while fewer than ~150 rows are shown
    let level = this.roots;
    let shown = level.length;
    for (let depth = 0; depth < 12 && level.length && shown < 150; depth++) {
      const next: number[] = [];
      for (const id of level) {
        const n = this.nodes.get(id)!;
        if (!n.row.children || (shown + n.row.children > 400 && !(depth === 0 && level.length === 1))) continue;
        await this.open(id, false);
        if (gen !== this.gen) return;
        shown += n.kids?.length ?? 0;
        next.push(...(n.kids ?? []));
      }
      level = next;
    }
    const total = (r as { matched?: number }).matched ?? 0;
    this.count.textContent = counted(total, 'process', 'processes');
    this.loadedGen = gen;
    this.flatten();
    this.reveal(selProc());
    this.render();
  }

  /** The loaded children of `parent` (0: the roots; undefined: not loaded yet) and how many it has. */
  private loaded(parent: number): { ids: number[]; total: number } | undefined {
    if (!parent) return { ids: this.roots, total: this.rootTotal };
    const n = this.nodes.get(parent);
    return n?.kids ? { ids: n.kids, total: n.total ?? n.kids.length } : undefined;
  }

  /** Loads the children of `parent` (0: the roots) until the one at index `upTo` is loaded, or all of them. */
  private async loadKids(parent: number, upTo: number): Promise<void> {
    const gen = this.gen;
    for (;;) {
      const have = this.loaded(parent);
      if (gen !== this.gen || (parent && !this.nodes.has(parent))) return;
      if (have && (have.ids.length > upTo || have.ids.length >= have.total)) return;
      const before = have?.ids.length ?? -1;
      let p = this.fetching.get(parent);
      if (!p) {
        const fetching = this.fetching;
        p = this.fetchPage(parent, Math.max(0, before), upTo).finally(() => fetching.delete(parent));
        fetching.set(parent, p);
      }
      await p;
      if ((this.loaded(parent)?.ids.length ?? -1) === before) return; // nothing came: do not ask again
    }
  }

  /** Fetches the children of `parent` from `offset` on: a page, or as many pages as reach index `upTo`. */
  private async fetchPage(parent: number, offset: number, upTo: number): Promise<void> {
    const gen = this.gen;
    const limit = Math.max(PAGE, Math.min(BIG_PAGE, Math.ceil((upTo + 1 - offset) / PAGE) * PAGE));
    const r = await this.fetchKids(parent, offset, limit);
    if (gen !== this.gen) return;
    for (const row of r.rows) if (!this.nodes.has(row.id)) this.nodes.set(row.id, { row, open: false });
    const ids = r.rows.map((x) => x.id);
    if (!parent) {
      this.roots.push(...ids);
      this.rootTotal = r.total;
      return;
    }
    const n = this.nodes.get(parent);
    if (!n) return;
    n.kids = [...(n.kids ?? []), ...ids];
    n.total = r.total;
  }

  private async open(id: number, redraw = true): Promise<void> {
    const n = this.nodes.get(id);
    if (!n) return;
    await this.loadKids(id, 0);
    n.open = true;
    if (redraw) {
      this.flatten();
      this.render();
    }
  }

  /** The "more" row: the next page of `parent`'s children. */
  private async more(parent: number): Promise<void> {
    await this.loadKids(parent, (this.loaded(parent)?.ids.length ?? 0) + PAGE - 1);
    this.flatten();
    this.render();
  }

  private close(id: number): void {
    const n = this.nodes.get(id);
    if (n) n.open = false;
    this.flatten();
    this.render();
  }

  private flatten(): void {
    const out: typeof this.flat = [];
    const walk = (ids: number[], total: number, depth: number, parent: number) => {
      for (const id of ids) {
        out.push({ id, depth });
        const n = this.nodes.get(id)!;
        if (n.open && n.kids) walk(n.kids, n.total ?? n.kids.length, depth + 1, id);
      }
      if (total > ids.length) out.push({ more: parent, depth, left: total - ids.length });
    };
    walk(this.roots, this.rootTotal, 0, 0);
    this.flat = out;
    this.inner.style.height = `${out.length * ROW_H}px`;
  }

  private indexOf(id: number): number {
    return this.flat.findIndex((x) => 'id' in x && x.id === id);
  }

  /**
   * Shows a process: loads the pages of children down to it (the server
   * says where it and each ancestor stand among their siblings), opens its
   * ancestors, and scrolls to it.
   */
  async reveal(id: number): Promise<void> {
    if (!id || this.loadedGen !== this.gen) return;
    const gen = this.gen;
    const seq = ++this.revealSeq;
    let i = this.indexOf(id);
    if (i < 0) {
      const a = await this.api.get<{ visible: boolean; path: number[]; at: number[] }>('ancestors', { f: store.s.f, id }).catch(() => undefined);
      if (!a?.visible || gen !== this.gen) return;
      const chain = [0, ...a.path];
      try {
        for (const [k, parent] of chain.entries()) {
          if (parent) await this.open(parent, false);
          await this.loadKids(parent, a.at[k]);
          if (gen !== this.gen) return;
        }
      } catch {
        return; // the server went away: the tree stays as it was
      }
      this.flatten();
      i = this.indexOf(id);
      if (i < 0 || seq !== this.revealSeq) return this.render();
    }
    const top = i * ROW_H;
    const s = this.scroller;
    if (top < s.scrollTop || top + ROW_H > s.scrollTop + s.clientHeight) s.scrollTop = Math.max(0, top - s.clientHeight / 3);
    this.render();
  }

  render(): void {
    const s = this.scroller;
    const first = Math.max(0, Math.floor(s.scrollTop / ROW_H) - 5);
    const last = Math.min(this.flat.length, Math.ceil((s.scrollTop + s.clientHeight) / ROW_H) + 5);
    clear(this.inner);
    const sel = selProc();
    for (let i = first; i < last; i++) {
      const x = this.flat[i];
      const style = `top:${i * ROW_H}px;padding-left:${6 + x.depth * 16}px`;
      if ('more' in x) {
        this.inner.append(h('div.vrow.more', { style, onclick: () => this.more(x.more) }, `… ${count(x.left)} more (load)`));
        continue;
      }
      const n = this.nodes.get(x.id);
      if (!n) continue;
      const r = n.row;
      const toggle = r.children ? (n.open ? '▾' : '▸') : '';
      const el = h(
        'div.vrow.proc-row',
        { style: `top:${i * ROW_H}px`, 'data-id': r.id, role: 'treeitem', class: `vrow proc-row${r.id === sel ? ' sel' : ''}${r.probe ? ' probe' : r.failed ? ' failed' : ''}` },
        h(
          'span.c-name',
          { style: `padding-left:${4 + x.depth * 16}px` },
          h('span.tw', { onclick: (e: Event) => (e.stopPropagation(), n.open ? this.close(r.id) : this.open(r.id)) }, toggle),
          h('b', {}, r.name),
          ' ',
          h('span.args', {}, r.cmd.slice(r.cmd.indexOf(' ') + 1 || r.cmd.length)),
        ),
        h('span.c-exit', {}, r.exit === 'exit 0' ? '0' : r.exit.replace(/^exit /, '')),
        h('span.c-dur', {}, dur(r.dur)),
        h('span.c-kids', {}, r.children ? count(r.children) : ''),
      );
      el.title = r.cmd;
      el.addEventListener('click', () => store.set({ sel: `p${r.id}` }, { push: true }));
      el.addEventListener('dblclick', () => (n.open ? this.close(r.id) : this.open(r.id)));
      this.inner.append(el);
    }
  }

  /** Selects the row at `j`; moving down onto a "more" row loads that page and selects its first row, moving up steps over it. */
  private async selectAt(j: number, down: boolean): Promise<void> {
    const at = () => this.flat[Math.max(0, Math.min(this.flat.length - 1, j))];
    const x = at();
    if (x && 'more' in x) {
      if (down) await this.more(x.more);
      else j--;
    }
    const y = at();
    if (y && 'id' in y) store.set({ sel: `p${y.id}` });
  }

  /** Selects the last row: loads the rest of the lists that end the tree (End on a paged tree must not stop at a "more" row). */
  private async selectLast(): Promise<void> {
    const gen = this.gen;
    for (let x = this.flat.at(-1); x && gen === this.gen; x = this.flat.at(-1)) {
      if ('id' in x) return store.set({ sel: `p${x.id}` });
      const { more, left } = x;
      await this.loadKids(more, Infinity);
      this.flatten();
      const y = this.flat.at(-1);
      if (y && 'more' in y && y.more === more && y.left === left) return; // nothing came
    }
  }

  private onKey(e: KeyboardEvent): void {
    const id = selProc();
    const i = this.indexOf(id);
    const at = (j: number) => void this.selectAt(j, j > i).catch(() => {});
    const n = this.nodes.get(id);
    switch (e.key) {
      case 'ArrowDown':
        at(i + 1);
        break;
      case 'ArrowUp':
        at(i - 1);
        break;
      case 'PageDown':
        at(i + Math.floor(this.scroller.clientHeight / ROW_H));
        break;
      case 'PageUp':
        at(i - Math.floor(this.scroller.clientHeight / ROW_H));
        break;
      case 'Home':
        at(0);
        break;
      case 'End':
        void this.selectLast().catch(() => {});
        break;
      case 'ArrowRight':
        if (n && n.row.children && !n.open) this.open(id);
        else at(i + 1);
        break;
      case 'ArrowLeft':
        if (n?.open) this.close(id);
        else {
          for (let j = i - 1; j >= 0; j--) {
            const x = this.flat[j];
            if ('id' in x && x.depth < (this.flat[i]?.depth ?? 0)) return at(j);
          }
        }
        break;
      default:
        return;
    }
    e.preventDefault();
  }

  private async search(): Promise<void> {
    const q = this.searchInput.value.trim();
    this.hits = [];
    this.hitAt = -1;
    if (!q) {
      this.searchInfo.textContent = '';
      return;
    }
    const r = await this.api.get<{ ids: number[] }>('search', { f: store.s.f, q });
    if (q !== this.searchInput.value.trim()) return;
    this.hits = r.ids;
    this.searchInfo.textContent = r.ids.length ? `${r.ids.length >= 1000 ? `${count(1000)}+` : count(r.ids.length)} found (Enter: next)` : 'not found';
    if (r.ids.length) this.nextHit(1);
  }

  private nextHit(step: number): void {
    if (!this.hits.length) return;
    this.hitAt = (this.hitAt + step + this.hits.length) % this.hits.length;
    this.searchInfo.textContent = `${count(this.hitAt + 1)}/${count(this.hits.length)}${this.hits.length >= 1000 ? '+' : ''} (Enter: next)`;
    store.set({ sel: `p${this.hits[this.hitAt]}` });
  }
}
