/**
 * The page's state, kept in the URL hash so that a view can be shared:
 * the applied filter, the selection, the tabs, the files group and sort,
 * and the timeline window. Panes listen for changes.
 */
export interface State {
  /** The applied (last good) display filter. */
  f: string;
  /** Selection: "p12" (process 12), "f34" (file 34) or "". */
  sel: string;
  page: 'explore' | 'summary';
  tab: 'procs' | 'files';
  rtab: 'details' | 'graph';
  group: string;
  sort: string;
  desc: boolean;
  /** Timeline window (ns from the start); NaN = fit. */
  t0: number;
  t1: number;
  /** Provenance direction. */
  dir: 'deps' | 'rdeps';
  /** A file's provenance follows what other phases of the build made too (configure's config.h read by make), not only its maker's phase. */
  allPhases: boolean;
}

type Key = keyof State;
type Listener = (changed: Set<Key>, s: State) => void;

const DEFAULTS: State = { f: '', sel: '', page: 'explore', tab: 'procs', rtab: 'details', group: 'all', sort: 'path', desc: false, t0: NaN, t1: NaN, dir: 'deps', allPhases: false };

class Store {
  s: State = { ...DEFAULTS };
  private listeners: Listener[] = [];

  constructor() {
    this.s = this.fromHash();
    window.addEventListener('hashchange', () => {
      const next = this.fromHash();
      const changed = new Set<Key>();
      for (const k of Object.keys(next) as Key[]) if (!same(next[k], this.s[k])) changed.add(k);
      if (!changed.size) return;
      this.s = next;
      this.emit(changed);
    });
  }

  private fromHash(): State {
    const p = new URLSearchParams(location.hash.slice(1));
    const s = { ...DEFAULTS } as Record<Key, unknown>;
    for (const k of Object.keys(DEFAULTS) as Key[]) {
      const v = p.get(k);
      if (v === null) continue;
      const d = DEFAULTS[k];
      s[k] = typeof d === 'number' ? Number(v) : typeof d === 'boolean' ? v === '1' : v;
    }
    return s as unknown as State;
  }

  private toHash(): string {
    const p = new URLSearchParams();
    for (const k of Object.keys(DEFAULTS) as Key[]) {
      const v = this.s[k];
      if (same(v, DEFAULTS[k])) continue;
      p.set(k, typeof v === 'boolean' ? (v ? '1' : '0') : typeof v === 'number' ? String(Math.round(v)) : String(v));
    }
    return p.toString();
  }

  /** Changes some keys, updates the URL and tells the listeners. */
  set(patch: Partial<State>, opts: { push?: boolean } = {}): void {
    const changed = new Set<Key>();
    for (const [k, v] of Object.entries(patch) as Array<[Key, unknown]>) {
      if (!same(v, this.s[k])) {
        (this.s as unknown as Record<Key, unknown>)[k] = v;
        changed.add(k);
      }
    }
    if (!changed.size) return;
    const hash = `#${this.toHash()}`;
    if (opts.push) history.pushState(null, '', hash);
    else history.replaceState(null, '', hash);
    this.emit(changed);
  }

  on(fn: Listener): void {
    this.listeners.push(fn);
  }

  private emit(changed: Set<Key>): void {
    for (const fn of this.listeners) fn(changed, this.s);
  }
}

function same(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
}

export const store = new Store();

/** Selected process id, or 0. */
export const selProc = (): number => (store.s.sel.startsWith('p') ? Number(store.s.sel.slice(1)) : 0);
/** Selected file id, or -1. */
export const selFile = (): number => (store.s.sel.startsWith('f') ? Number(store.s.sel.slice(1)) : -1);
