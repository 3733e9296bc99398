/** DOM helpers and formatting for the page (formatting comes from src/present). */
export { commandLine, count, counted, endedText, exitStatus, exitText, formatDuration, formatNs, shellJoin } from '../src/present/format.js';
export { commandIn } from '../src/present/label.js';

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

/** A path as listed, a directory with a trailing slash (the root stays `/`). */
export function listedPath(shown: string, dir: boolean): string {
  return dir && !shown.endsWith('/') ? `${shown}/` : shown;
}

export function debounce<A extends unknown[]>(fn: (...a: A) => void, ms: number): (...a: A) => void {
  let t: ReturnType<typeof setTimeout> | undefined;
  return (...a: A) => {
    if (t) clearTimeout(t);
    t = setTimeout(() => fn(...a), ms);
  };
}

/** Colours for the most common tools; the rest are grey. */
// no two alike (a teal beside a pale teal, a green beside a pale green made cc1 and ld, make and sh look the same); red is for failures
export const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#9c755f', '#ff9da7', '#a0cbe8', '#b6992d', '#bab0ac', '#d4a6c8'];
export const OTHER = '#a0a4a8';
export const FAILED = '#d93025';
/** A failed probe's processes (model/failures.ts): a failure the build did not care about, so not red. */
export const PROBE = '#5f6368';

/**
 * A name's hash, 32 bits: FNV-1a and murmur3's finalizer, from a seed
 * under which the common toolchain's programs (sh, make, cc1, as, ld, gcc,
 * collect2, cc1plus, g++, clang, ninja, rustc) each pick a colour of their own.
 */
function nameHash(name: string): number {
  let h = 0x811c9dc5 ^ 22317;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The colours of tools by rank (most common first): the first
 * PALETTE.length get one each, the rest grey. A tool's name picks its
 * colour, so that cc1 has the same colour in every build where it can;
 * when a more common tool has taken it, the next free one.
 */
export function toolColors(names: readonly string[]): string[] {
  const taken = new Array<boolean>(PALETTE.length).fill(false);
  return names.map((name, rank) => {
    if (rank >= PALETTE.length) return OTHER;
    let i = nameHash(name) % PALETTE.length;
    while (taken[i]) i = (i + 1) % PALETTE.length;
    taken[i] = true;
    return PALETTE[i];
  });
}

export function clear(el: Element): void {
  while (el.firstChild) el.firstChild.remove();
}
