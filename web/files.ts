/**
 * Files: a virtualized table (path, kind, readers, writers, probes,
 * created, removed) fetched a page at a time, sortable by any column,
 * with the groups of `bt summary` (inputs in the tree / system /
 * elsewhere, outputs, intermediates, temporaries, the tests' files,
 * probes). The kind is the file's
 * group; a file in none is a directory, runtime noise (what bt summary
 * leaves out: the loader, shared libraries, /proc, …) or other.
 */
import type { FileRow } from '../src/view/query.js';
import type { Backend } from './backend.js';
import { selFile, store } from './state.js';
import { clear, count, counted, h, listedPath, shortPath } from './util.js';

const ROW_H = 22;
const PAGE = 300;
const COLS: Array<[keyof FileRow, string]> = [
  ['path', 'Path'],
  ['kind', 'Kind'],
  ['readers', 'Readers'],
  ['writers', 'Writers'],
  ['probes', 'Probes'],
  ['created', 'Created'],
  ['removed', 'Removed'],
];

export const GROUP_LABELS: Record<string, string> = {
  all: 'All',
  inputs_tree: 'Inputs: tree',
  inputs_system: 'Inputs: system',
  inputs_elsewhere: 'Inputs: elsewhere',
  outputs: 'Outputs',
  intermediates: 'Intermediates',
  temporaries: 'Temporaries',
  tests: 'Test files',
  probes: 'Probes',
};

/** What the kinds in no group of bt summary's are (a cell's title). */
const KIND_TITLES: Record<string, string> = {
  directory: 'a directory: bt summary groups files, not directories',
  noise: 'runtime noise (the loader and its cache, shared libraries, /proc, /sys, /dev, locale data): bt summary leaves it out of its groups',
  other: 'neither read, written nor looked for in vain (a stat, a listing): in none of bt summary\'s groups',
  late: 'written only after the build ended, by a process bt trace left running: not an output of the build',
};

export class FilesTable {
  readonly el: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly inner: HTMLElement;
  private readonly groupsEl: HTMLElement;
  private readonly head: HTMLElement;
  private readonly count: HTMLElement;
  private pages = new Map<number, FileRow[] | 'loading'>();
  private total = 0;
  private gen = 0;

  constructor(
    private readonly api: Backend,
    private readonly cwd: string,
  ) {
    this.inner = h('div.vinner');
    this.scroller = h('div.vscroll.file-rows', { tabindex: 0, role: 'grid', 'aria-label': 'files' }, this.inner);
    this.groupsEl = h('div.groups');
    this.count = h('span.count');
    this.head = h('div.thead.file-head');
    this.el = h('div.pane.files#files', {}, h('div.toolbar', {}, this.groupsEl, h('span.spacer'), this.count), this.head, this.scroller);
    this.scroller.addEventListener('scroll', () => this.render());
    this.scroller.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => this.render()).observe(this.scroller);
    store.on((ch) => {
      if (ch.has('f') || ch.has('group') || ch.has('sort') || ch.has('desc')) this.reload();
      else if (ch.has('sel')) this.render();
    });
    this.reload();
  }

  private params(offset: number) {
    return { f: store.s.f, group: store.s.group, sort: store.s.sort, desc: store.s.desc, offset, limit: PAGE };
  }

  async reload(): Promise<void> {
    const gen = ++this.gen;
    let r: { total: number; rows: FileRow[]; groups: Record<string, number>; group: string };
    try {
      r = await this.api.get('files', this.params(0));
    } catch {
      return;
    }
    if (gen !== this.gen) return;
    this.pages = new Map([[0, r.rows]]);
    this.total = r.total;
    this.count.textContent = counted(r.total, 'file');
    clear(this.groupsEl);
    for (const [g, n] of Object.entries(r.groups)) {
      this.groupsEl.append(
        h(
          'button.group',
          { class: `group${g === r.group ? ' on' : ''}`, 'data-group': g, onclick: () => store.set({ group: g }) },
          `${GROUP_LABELS[g] ?? g} `,
          h('small', {}, count(n)),
        ),
      );
    }
    clear(this.head);
    for (const [k, label] of COLS) {
      const on = store.s.sort === k;
      this.head.append(
        h(
          'span',
          {
            class: `c-${k} sortable${on ? ' on' : ''}`,
            onclick: () => store.set(on ? { desc: !store.s.desc } : { sort: k, desc: k !== 'path' && k !== 'kind' }),
            title: `sort by ${label.toLowerCase()}`,
          },
          label,
          on ? (store.s.desc ? ' ▾' : ' ▴') : '',
        ),
      );
    }
    this.inner.style.height = `${this.total * ROW_H}px`;
    this.scroller.scrollTop = 0;
    this.render();
  }

  private row(i: number): FileRow | undefined {
    const p = Math.floor(i / PAGE) * PAGE;
    const page = this.pages.get(p);
    if (page === undefined) {
      this.pages.set(p, 'loading');
      const gen = this.gen;
      this.api.get<{ rows: FileRow[] }>('files', this.params(p)).then((r) => {
        if (gen !== this.gen) return;
        this.pages.set(p, r.rows);
        this.render();
      });
      return undefined;
    }
    return page === 'loading' ? undefined : page[i - p];
  }

  render(): void {
    const s = this.scroller;
    const first = Math.max(0, Math.floor(s.scrollTop / ROW_H) - 5);
    const last = Math.min(this.total, Math.ceil((s.scrollTop + s.clientHeight) / ROW_H) + 5);
    clear(this.inner);
    const sel = selFile();
    for (let i = first; i < last; i++) {
      const r = this.row(i);
      if (!r) {
        this.inner.append(h('div.vrow.loading', { style: `top:${i * ROW_H}px` }, '…'));
        continue;
      }
      const el = h(
        'div.vrow.file-row',
        { style: `top:${i * ROW_H}px`, 'data-id': r.id, 'data-path': r.path, class: `vrow file-row${r.id === sel ? ' sel' : ''}`, title: r.path },
        // cut on the left when it does not fit (style.css: right to left); the path itself, isolated, reads left to right
        h('span.c-path', {}, h('bdi', {}, listedPath(shortPath(r.path, this.cwd), r.dir))),
        h('span.c-kind', { class: `c-kind k-${r.kind}`, title: KIND_TITLES[r.kind] }, r.kind),
        h('span.c-readers', {}, r.readers ? count(r.readers) : ''),
        h('span.c-writers', {}, r.writers ? count(r.writers) : ''),
        h('span.c-probes', {}, r.probes ? count(r.probes) : ''),
        h('span.c-created', {}, r.created ? '✓' : ''),
        h('span.c-removed', {}, r.removed ? '✓' : ''),
      );
      el.addEventListener('click', () => store.set({ sel: `f${r.id}` }, { push: true }));
      this.inner.append(el);
    }
  }

  private onKey(e: KeyboardEvent): void {
    const sel = selFile();
    let i = -1;
    for (const [p, page] of this.pages) if (page !== 'loading') page.forEach((r, j) => r.id === sel && (i = p + j));
    let j = i;
    if (e.key === 'ArrowDown') j = i + 1;
    else if (e.key === 'ArrowUp') j = i - 1;
    else if (e.key === 'PageDown') j = i + Math.floor(this.scroller.clientHeight / ROW_H);
    else if (e.key === 'PageUp') j = i - Math.floor(this.scroller.clientHeight / ROW_H);
    else return;
    e.preventDefault();
    j = Math.max(0, Math.min(this.total - 1, j));
    const r = this.row(j);
    if (r) store.set({ sel: `f${r.id}` });
    const top = j * ROW_H;
    const s = this.scroller;
    if (top < s.scrollTop || top + ROW_H > s.scrollTop + s.clientHeight) s.scrollTop = Math.max(0, top - s.clientHeight / 2);
  }
}
