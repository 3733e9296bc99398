/** DOM helpers and formatting for the page (formatting comes from src/present). */
export { commandLine, count, counted, exitText, formatDuration, formatNs, shellJoin } from '../src/present/format.js';

type Attrs = Record<string, string | number | boolean | ((e: Event) => void) | undefined | null>;
type Child = Node | string | number | null | undefined | false;

/** Creates an element: h('div.cls#id', {attr}, children...). */
type TagOf<S extends string> = S extends `${infer T}.${string}` ? TagOf<T> : S extends `${infer T}#${string}` ? T : S;
type El<S extends string> = TagOf<S> extends keyof HTMLElementTagNameMap ? HTMLElementTagNameMap[TagOf<S>] : HTMLElement;

export function h<S extends string>(spec: S, attrs: Attrs = {}, ...children: Child[]): El<S> {
  const m = /^([a-z0-9]+)((?:[.#][\w-]+)*)$/.exec(spec)!;
  const el = document.createElement(m[1]) as El<S>;
  for (const part of m[2].match(/[.#][\w-]+/g) ?? []) {
    if (part[0] === '.') el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v as EventListener);
    else if (k === 'class') el.className = String(v);
    else if (k === 'text') el.textContent = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

/** "12.3 ms" / "1.234 s" for a span in ns. */
/** A time bt summary gives in whole milliseconds: no decimal it does not have ("5 ms", not "5.0 ms"). */
export function msDur(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : dur(ms * 1e6);
}

export function dur(ns: number): string {
  if (ns < 1e3) return `${Math.round(ns)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(0)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(ns < 1e7 ? 1 : 0)} ms`;
  const s = ns / 1e9;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

/** A path shown relative to the build's directory when inside it. */
export function shortPath(p: string, cwd: string): string {
  if (cwd && p.startsWith(`${cwd}/`)) return p.slice(cwd.length + 1);
  return p;
}

export function debounce<A extends unknown[]>(fn: (...a: A) => void, ms: number): (...a: A) => void {
  let t: ReturnType<typeof setTimeout> | undefined;
  return (...a: A) => {
    if (t) clearTimeout(t);
    t = setTimeout(() => fn(...a), ms);
  };
}

/** Colours for the most common tools (by rank); the rest are grey. */
// no two alike (a teal beside a pale teal, a green beside a pale green made cc1 and ld, make and sh look the same); red is for failures
export const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#9c755f', '#ff9da7', '#a0cbe8', '#b6992d', '#bab0ac', '#d4a6c8'];
export const OTHER = '#a0a4a8';
export const FAILED = '#d93025';
export const toolColor = (rank: number) => (rank < PALETTE.length ? PALETTE[rank] : OTHER);

export function clear(el: Element): void {
  while (el.firstChild) el.firstChild.remove();
}
