/**
 * The display-filter bar: live as you type (a filter that parses is
 * applied at once, a broken one is underlined at its column and the last
 * good filter stays applied), Enter stores it in the history (↓ or the
 * list button shows it), Esc clears. What it matched, or the error, shows
 * at the input's right end: the bar keeps its layout whatever it says.
 */
import type { Backend } from './backend.js';
import { ApiError } from './backend.js';
import { combine } from './fields.js';
import { store } from './state.js';
import { clear, counted, debounce, h } from './util.js';

const HISTORY_KEY = 'bt-view-filter-history';

export class FilterBar {
  readonly el: HTMLElement;
  readonly input: HTMLInputElement;
  private readonly status: HTMLElement;
  private readonly squiggle: HTMLElement;
  private readonly histList: HTMLElement;
  private history: string[] = [];
  private seq = 0;

  constructor(private readonly api: Backend) {
    this.input = h('input.filter-input#filter', {
      type: 'text',
      spellcheck: 'false',
      autocomplete: 'off',
      placeholder: 'display filter, e.g.  exe == "cc1"   ·   path contains ".h"   (Enter keeps it in the history)',
      'aria-label': 'display filter',
    });
    this.status = h('span.filter-status#filter-status', { hidden: true, onclick: () => this.input.focus() });
    this.squiggle = h('div.squiggle', { hidden: true });
    this.histList = h('ul.history#filter-history', { hidden: true });
    const histBtn = h('button.hist-btn', { title: 'filter history', 'aria-label': 'filter history', onclick: () => this.toggleHistory() }, '▾');
    const clearBtn = h('button.clear-btn', { title: 'clear the filter (Esc)', onclick: () => this.set('') }, '✕');
    this.el = h('div.filterbar', {}, h('label', { for: 'filter' }, 'Filter'), h('div.filter-wrap', {}, this.input, this.squiggle, this.status, this.histList), clearBtn, histBtn);
    // the typed text stops short of the status (its width changes with what it says, and with the window's)
    new ResizeObserver(() => this.padInput()).observe(this.status);
    try {
      this.history = JSON.parse(localStorage.getItem(HISTORY_KEY) ?? '[]');
    } catch {
      this.history = [];
    }
    this.input.value = store.s.f;
    this.input.addEventListener('input', debounce(() => this.check(), 120));
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        this.check(true);
      } else if (e.key === 'Escape') {
        if (!this.histList.hidden) this.histList.hidden = true;
        else this.set('');
      } else if (e.key === 'ArrowDown') {
        e.preventDefault();
        this.toggleHistory(true);
      }
    });
    store.on((ch) => {
      if (ch.has('f') && this.input.value.trim() !== store.s.f) {
        this.input.value = store.s.f;
        this.check();
      }
    });
    this.check();
    this.installContextMenu();
  }

  /** Sets the filter text and applies it. */
  set(text: string, remember = false): void {
    this.input.value = text;
    this.check(remember);
  }

  private async check(remember = false): Promise<void> {
    const seq = ++this.seq;
    const text = this.input.value.trim();
    let r: { matched?: number; matchedFiles?: number; error?: string; column?: number };
    try {
      r = await this.api.get('check', { f: text });
    } catch (err) {
      if (!(err instanceof ApiError)) {
        // no answer at all (fetch's TypeError): the server, not the filter
        if (seq !== this.seq) return;
        this.input.classList.remove('good', 'bad');
        this.squiggle.hidden = true;
        const text = 'the bt view server does not answer: is bt view still running?';
        this.say(text, true, `${text} (${(err as Error).message})`);
        return;
      }
      const c = err.body?.column;
      r = { error: err.message, column: typeof c === 'number' ? c : undefined };
    }
    if (seq !== this.seq) return;
    if (r.error === undefined) {
      this.squiggle.hidden = true;
      this.input.classList.remove('bad');
      this.input.classList.toggle('good', !!text);
      this.say(text ? `${counted(r.matched ?? 0, 'process', 'processes')}, ${counted(r.matchedFiles ?? 0, 'file')} match` : '');
      store.set({ f: text });
      if (remember && text) this.remember(text);
      return;
    }
    const col = typeof r.column === 'number' ? r.column : -1;
    this.input.classList.add('bad');
    this.input.classList.remove('good');
    // counted from 1, as the CLI's message says it; the underline takes the 0-based column
    const msg = `${col >= 0 ? `column ${col + 1}: ` : ''}${r.error}`;
    this.say(msg, true, `${msg}${store.s.f ? ` (still showing: ${store.s.f})` : ''}`);
    this.underline(col);
  }

  /** Shows what the filter matched, or its error, at the input's right end (nothing to say: hidden); the title has all of it. */
  private say(text: string, error = false, title = text): void {
    this.status.className = `filter-status${error ? ' error' : ''}`;
    this.status.textContent = text;
    this.status.title = title;
    this.status.hidden = !text;
    this.padInput();
  }

  /** Keeps the typed text clear of the status: the input's padding, not its size, makes room. */
  private padInput(): void {
    this.input.style.paddingRight = this.status.hidden ? '' : `${this.status.offsetWidth + 16}px`;
  }

  /** Underlines the token at `col` (0-based: FilterError.column). */
  private underline(col: number): void {
    if (col < 0) {
      this.squiggle.hidden = true;
      return;
    }
    const text = this.input.value;
    const style = getComputedStyle(this.input);
    const g = document.createElement('canvas').getContext('2d')!;
    g.font = `${style.fontSize} ${style.fontFamily}`;
    const start = Math.min(text.length, col);
    let end = start;
    while (end < text.length && !/\s/.test(text[end])) end++;
    if (end === start) end = start + 1;
    const x0 = g.measureText(text.slice(0, start)).width;
    const w = Math.max(8, g.measureText(text.slice(start, end)).width);
    const left = parseFloat(style.paddingLeft) + x0 - this.input.scrollLeft;
    this.squiggle.style.left = `${left}px`;
    this.squiggle.style.width = `${w}px`;
    // not under the message when the mistake is scrolled out of the text's view (the message says its column)
    this.squiggle.hidden = left < 0 || left + w > this.input.clientWidth - parseFloat(style.paddingRight);
  }

  private remember(text: string): void {
    this.history = [text, ...this.history.filter((x) => x !== text)].slice(0, 30);
    try {
      localStorage.setItem(HISTORY_KEY, JSON.stringify(this.history));
    } catch {
      /* no storage (file://, private mode): history lasts for the page */
    }
  }

  private toggleHistory(show?: boolean): void {
    const on = show ?? this.histList.hidden;
    clear(this.histList);
    if (!on || !this.history.length) {
      this.histList.hidden = true;
      return;
    }
    for (const x of this.history) {
      this.histList.append(
        h('li', { tabindex: 0, onclick: () => ((this.histList.hidden = true), this.set(x, true)), onkeydown: (e: Event) => this.histKey(e as KeyboardEvent, x) }, x),
      );
    }
    this.histList.hidden = false;
    (this.histList.firstChild as HTMLElement).focus();
  }

  private histKey(e: KeyboardEvent, x: string): void {
    const li = e.target as HTMLElement;
    if (e.key === 'Enter') {
      this.histList.hidden = true;
      this.set(x, true);
      this.input.focus();
    } else if (e.key === 'ArrowDown') (li.nextElementSibling as HTMLElement | null)?.focus();
    else if (e.key === 'ArrowUp') ((li.previousElementSibling as HTMLElement | null) ?? this.input).focus();
    else if (e.key === 'Escape') {
      this.histList.hidden = true;
      this.input.focus();
    } else return;
    e.preventDefault();
  }

  /** Right-click on any field with a filter: apply as filter / and / and not. */
  private installContextMenu(): void {
    const menu = h('ul.ctxmenu#ctxmenu', { hidden: true, role: 'menu' });
    document.body.append(menu);
    const hide = () => (menu.hidden = true);
    document.addEventListener('click', hide);
    document.addEventListener('keydown', (e) => e.key === 'Escape' && hide());
    document.addEventListener('contextmenu', (e) => {
      const el = (e.target as HTMLElement).closest<HTMLElement>('[data-filter]');
      if (!el) return hide();
      e.preventDefault();
      const expr = el.dataset.filter!;
      clear(menu);
      const item = (label: string, how: 'apply' | 'and' | 'andnot') =>
        h('li', { role: 'menuitem', tabindex: 0, 'data-how': how, onclick: () => (hide(), this.set(combine(store.s.f, expr, how), true)) }, label);
      menu.append(
        h('li.title', {}, expr.length > 70 ? `${expr.slice(0, 70)}…` : expr),
        item('Apply as filter', 'apply'),
        item('…and selected', 'and'),
        item('…and not selected', 'andnot'),
      );
      menu.style.left = `${Math.min(e.clientX, window.innerWidth - 260)}px`;
      menu.style.top = `${Math.min(e.clientY, window.innerHeight - 120)}px`;
      menu.hidden = false;
    });
  }
}
