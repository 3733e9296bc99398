/**
 * Timeline: every process as a bar on lanes (one lane per concurrently
 * running process), coloured by tool, failed ones red (those of failed
 * probes dark grey: model/failures.ts); a ribbon of the
 * running-process count above, a time axis below. A process bt trace left
 * running after the build is drawn to the build's end, then as a hatched
 * tail to the trace's end, past a dashed line at the build's end: the
 * view fits the build, not bt trace's wait for it. Wheel zooms around the
 * pointer, drag pans, W/S zoom, A/D pan, F fits the selection (or the whole
 * build). Hover shows the command line; click selects.
 */
import type { Backend } from './backend.js';
import { selProc, store } from './state.js';
import { counted, debounce, dur, FAILED, h, OTHER, PALETTE, PROBE, toolColors } from './util.js';

interface Data {
  t0: number;
  t1: number;
  px: number;
  lanes: number;
  matched: number;
  bars: number[];
  ribbon: number[];
}

const RIBBON_H = 30;
const AXIS_H = 18;
/** A bar's state (src/view/query.ts timeline): left running after the build ended. */
const LEFT_RUNNING = 3;
/** What the tail of a process left running is. */
const LEFT_TITLE = "left running after the build ended: its bar stops at the build's end (the dashed line), the hatched tail is the rest of the trace";

export class Timeline {
  readonly el: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly tip: HTMLElement;
  private readonly legend: HTMLElement;
  /** Each tool's colour, by its index in `tools` (toolColors). */
  private readonly colors: string[];
  private readonly info: HTMLElement;
  private data?: Data;
  private t0 = 0;
  private t1 = 1;
  private drag?: { x: number; t0: number; t1: number; moved: boolean };
  private hoverId = 0;
  private readonly tipCache = new Map<number, string>();
  private seq = 0;
  /** Processes drawn (for tests and the status line). */
  drawnIds: number[] = [];
  /** Axis labels drawn: text, left edge and width in CSS pixels (for tests). */
  drawnTicks: Array<{ label: string; x: number; w: number }> = [];

  /** Hatch patterns of the tails, by colour. */
  private readonly hatches = new Map<string, CanvasPattern | string>();

  constructor(
    private readonly api: Backend,
    /** The build's time (ns): what the view fits. */
    private readonly duration: number,
    private readonly tools: Array<{ name: string; count: number }>,
    /** Failed processes whose failure is not the build's (model/failures.ts failedProbe): drawn dark grey, not red, and the legend says so. */
    failedProbes = 0,
    /** The trace's time (ns): longer than the build's when bt trace left processes running; their tails end there. */
    private readonly trace = duration,
  ) {
    this.canvas = h('canvas.tl-canvas', { tabindex: 0, 'aria-label': 'timeline: wheel or W/S to zoom, drag or A/D to pan, F to fit' });
    this.tip = h('div.tl-tip', { hidden: true });
    this.legend = h('div.tl-legend');
    this.info = h('span.tl-info');
    this.colors = toolColors(tools.map((t) => t.name));
    for (const [i, t] of tools.slice(0, PALETTE.length).entries()) {
      this.legend.append(h('span.chip', { 'data-tool': t.name }, h('i', { style: `background:${this.colors[i]}` }), t.name));
    }
    if (tools.length > PALETTE.length) this.legend.append(h('span.chip', {}, h('i', { style: `background:${OTHER}` }), 'other'));
    this.legend.append(h('span.chip', {}, h('i', { style: `background:${FAILED}` }), 'failed'));
    if (failedProbes) this.legend.append(h('span.chip', { title: 'failed, but not a failure of the build: a probe (a job the build did not need) or a check a job went past' }, h('i', { style: `background:${PROBE}` }), 'failed probe'));
    if (trace > duration) this.legend.append(h('span.chip.tl-left', { title: LEFT_TITLE }, h('i', { style: `background:repeating-linear-gradient(135deg,${OTHER} 0 2px,#fff 2px 4px)` }), 'left running'));
    this.el = h(
      'section.timeline#timeline',
      {},
      h('div.tl-head', {}, h('b', {}, 'Timeline'), this.info, this.legend),
      h('div.tl-body', {}, this.canvas, this.tip),
    );
    this.t1 = Math.max(1, duration);
    this.wire();
    new ResizeObserver(() => {
      this.draw();
      this.refetch();
    }).observe(this.canvas);
    store.on((ch) => {
      if (ch.has('f')) this.load();
      else if (ch.has('t0') || ch.has('t1')) {
        this.applyWindow();
        this.draw();
        this.refetch();
      } else if (ch.has('sel')) this.draw();
    });
    this.applyWindow();
  }

  private applyWindow(): void {
    const { t0, t1 } = store.s;
    if (Number.isFinite(t0) && Number.isFinite(t1) && t1 > t0) {
      this.t0 = t0;
      this.t1 = t1;
    } else {
      this.t0 = 0;
      // with processes left running, a little past the build's end: the dashed line and where their tails begin
      this.t1 = Math.max(1, this.duration) * (this.trace > this.duration ? 1.05 : 1);
    }
  }

  private width(): number {
    return Math.max(50, Math.floor(this.canvas.clientWidth));
  }

  /** Loads bars for the current window. */
  async load(): Promise<void> {
    const seq = ++this.seq;
    const px = this.width();
    try {
      const d = await this.api.get<Data>('timeline', { f: store.s.f, t0: Math.floor(this.t0), t1: Math.ceil(this.t1), px });
      if (seq !== this.seq) return;
      this.data = d;
      // the bars moved: the tooltip describes the bar under the pointer, which the next move finds
      this.tip.hidden = true;
      this.hoverId = 0;
      this.info.textContent = `${counted(d.matched, 'process', 'processes')} on ${counted(d.lanes, 'lane')}`;
      this.draw();
    } catch {
      /* the filter bar reports filter errors */
    }
  }

  private readonly refetch = debounce(() => this.load(), 80);

  private setWindow(t0: number, t1: number): void {
    const span = Math.max(1000, t1 - t0);
    // out as far as the trace (the tails of processes left running)
    const max = Math.max(1, this.trace) * 1.05;
    if (span >= max) {
      t0 = -this.trace * 0.025;
      t1 = t0 + max;
    }
    this.t0 = t0;
    this.t1 = t0 + Math.min(span, max);
    this.draw();
    this.saveWindow();
    this.refetch();
  }

  private readonly saveWindow = debounce(() => store.set({ t0: this.t0, t1: this.t1 }), 300);

  private zoom(factor: number, atX?: number): void {
    const w = this.width();
    const x = atX ?? w / 2;
    const t = this.t0 + ((this.t1 - this.t0) * x) / w;
    this.setWindow(t - (t - this.t0) * factor, t + (this.t1 - t) * factor);
  }

  private pan(frac: number): void {
    const d = (this.t1 - this.t0) * frac;
    this.setWindow(this.t0 + d, this.t1 + d);
  }

  /** Fits the selected process (or the whole build). */
  fit(): void {
    const id = selProc();
    const bars = this.data?.bars ?? [];
    for (let i = 0; i < bars.length; i += 6) {
      if (bars[i] === id) return this.fitSpan(bars[i + 2], bars[i + 3]);
    }
    if (id) {
      // not among the bars drawn: out of the window, or under a pixel wide and merged into its lane's neighbour
      this.api.get<{ start: number; end: number }>('proc', { id, limit: 0 }).then(
        (p) => selProc() === id && this.fitSpan(p.start, p.end),
        () => {},
      );
      return;
    }
    store.set({ t0: NaN, t1: NaN });
    this.applyWindow();
    this.draw();
    this.refetch();
  }

  /** The window on [a, b] (ns from the build's start) and a tenth on each side. */
  private fitSpan(a: number, end: number): void {
    const b = Math.max(end, a + 1000);
    const pad = (b - a) * 0.1;
    this.setWindow(a - pad, b + pad);
  }

  /** Keys W/A/S/D/F (when no text field has the focus). */
  key(e: KeyboardEvent): boolean {
    const k = e.key.toLowerCase();
    if (k === 'w') this.zoom(0.7);
    else if (k === 's') this.zoom(1 / 0.7);
    else if (k === 'a') this.pan(-0.2);
    else if (k === 'd') this.pan(0.2);
    else if (k === 'f') this.fit();
    else return false;
    return true;
  }

  private layout() {
    const W = this.width();
    const H = Math.max(60, Math.floor(this.canvas.clientHeight));
    const lanesTop = RIBBON_H + 4;
    const lanesH = H - lanesTop - AXIS_H;
    const lanes = Math.max(1, this.data?.lanes ?? 1);
    const laneH = Math.max(1, Math.min(16, lanesH / lanes));
    return { W, H, lanesTop, lanesH, laneH };
  }

  private x(t: number, W: number): number {
    return ((t - this.t0) / (this.t1 - this.t0)) * W;
  }

  draw(): void {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const { W, H, lanesTop, laneH } = this.layout();
    if (c.width !== W * dpr || c.height !== H * dpr) {
      c.width = W * dpr;
      c.height = H * dpr;
    }
    const g = c.getContext('2d')!;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.fillStyle = '#fff';
    g.fillRect(0, 0, W, H);
    const d = this.data;
    this.drawnIds = [];
    // ribbon (as computed for the data's window, stretched to the current one)
    if (d && d.ribbon.length) {
      const peak = Math.max(0, ...d.ribbon);
      const max = Math.max(1, peak); // the scale: an empty ribbon draws flat
      g.fillStyle = '#c9d7ea';
      g.beginPath();
      g.moveTo(this.x(d.t0, W), RIBBON_H);
      const step = (d.t1 - d.t0) / d.ribbon.length;
      for (let i = 0; i < d.ribbon.length; i++) {
        const y = RIBBON_H - (d.ribbon[i] / max) * (RIBBON_H - 4);
        g.lineTo(this.x(d.t0 + i * step, W), y);
        g.lineTo(this.x(d.t0 + (i + 1) * step, W), y);
      }
      g.lineTo(this.x(d.t1, W), RIBBON_H);
      g.closePath();
      g.fill();
      g.fillStyle = '#445';
      g.font = '10px system-ui, sans-serif';
      g.fillText(`running processes (peak ${Math.round(peak * 10) / 10})`, 4, 10);
    }
    g.strokeStyle = '#dde';
    g.beginPath();
    g.moveTo(0, RIBBON_H + 2);
    g.lineTo(W, RIBBON_H + 2);
    g.stroke();
    // bars
    const sel = selProc();
    let selRect: [number, number, number, number] | undefined;
    if (d) {
      const b = d.bars;
      for (let i = 0; i < b.length; i += 6) {
        const x0 = this.x(b[i + 2], W);
        const x1 = this.x(b[i + 3], W);
        const left = b[i + 5] === LEFT_RUNNING;
        if ((left ? Math.max(x1, this.x(this.trace, W)) : x1) < 0 || x0 > W) continue;
        const y = lanesTop + b[i + 1] * laneH;
        const colour = this.colors[b[i + 4]] ?? OTHER;
        g.fillStyle = b[i + 5] === 2 ? PROBE : b[i + 5] === 1 ? FAILED : colour;
        const w = Math.max(1, x1 - x0);
        const barH = Math.max(1, laneH - (laneH > 4 ? 1 : 0));
        g.fillRect(x0, y, w, barH);
        const tail = left ? this.x(this.trace, W) : x1;
        if (tail > x1) {
          g.fillStyle = this.hatch(g, colour);
          g.fillRect(x1, y, tail - x1, barH);
        }
        this.drawnIds.push(b[i]);
        if (b[i] === sel) selRect = [x0, y, w, laneH];
      }
      if (laneH >= 11) {
        // names on wide bars
        g.font = '10px system-ui, sans-serif';
        g.fillStyle = '#fff';
        for (let i = 0; i < b.length; i += 6) {
          const x0 = Math.max(0, this.x(b[i + 2], W));
          const x1 = Math.min(W, this.x(b[i + 3], W));
          if (x1 - x0 < 40) continue;
          const name = this.tools[b[i + 4]]?.name ?? '';
          g.save();
          g.beginPath();
          g.rect(x0, lanesTop + b[i + 1] * laneH, x1 - x0 - 2, laneH);
          g.clip();
          g.fillText(name, x0 + 3, lanesTop + b[i + 1] * laneH + laneH - 3);
          g.restore();
        }
      }
    }
    if (this.trace > this.duration) {
      // the build's end: what the tails of processes left running go past
      const x = Math.round(this.x(this.duration, W)) + 0.5;
      g.save();
      g.strokeStyle = '#667';
      g.setLineDash([4, 3]);
      g.beginPath();
      g.moveTo(x, RIBBON_H + 2);
      g.lineTo(x, H - AXIS_H);
      g.stroke();
      g.restore();
    }
    if (selRect) {
      g.strokeStyle = '#000';
      g.lineWidth = 2;
      g.strokeRect(selRect[0] - 1, selRect[1] - 1, selRect[2] + 2, selRect[3] + 2);
      g.lineWidth = 1;
    }
    // axis
    const top = H - AXIS_H;
    g.fillStyle = '#f4f5f7';
    g.fillRect(0, top, W, AXIS_H);
    g.strokeStyle = '#99a';
    g.fillStyle = '#333';
    g.font = '10px system-ui, sans-serif';
    const span = this.t1 - this.t0;
    const step = niceStep(span / Math.max(1, W / 110));
    this.drawnTicks = [];
    let free = 0; // where the last label ended: labels do not overlap
    g.beginPath();
    for (let t = Math.ceil(this.t0 / step) * step; t <= this.t1; t += step) {
      const x = this.x(t, W);
      g.moveTo(x + 0.5, top);
      g.lineTo(x + 0.5, top + 5);
      if (t < 0) continue;
      const label = tickLabel(t, step);
      const w = g.measureText(label).width;
      // right of its tick, or ending at the axis's end where it would run past it (a cut "1.65 s" reads "65")
      const lx = Math.min(x + 3, W - 2 - w);
      if (lx < free) continue;
      g.fillText(label, lx, top + 13);
      this.drawnTicks.push({ label, x: lx, w });
      free = lx + w + 8;
    }
    g.stroke();
  }

  private hit(ev: MouseEvent): number {
    const d = this.data;
    if (!d) return 0;
    const r = this.canvas.getBoundingClientRect();
    const mx = ev.clientX - r.left;
    const my = ev.clientY - r.top;
    const { W, lanesTop, laneH } = this.layout();
    const lane = Math.floor((my - lanesTop) / laneH);
    if (my < lanesTop || lane < 0 || lane >= d.lanes) return 0;
    const t = this.t0 + (mx / W) * (this.t1 - this.t0);
    const slop = (3 / W) * (this.t1 - this.t0);
    let best = 0;
    for (let i = 0; i < d.bars.length; i += 6) {
      if (d.bars[i + 1] !== lane) continue;
      const end = d.bars[i + 5] === LEFT_RUNNING ? Math.max(d.bars[i + 3], this.trace) : d.bars[i + 3];
      if (t >= d.bars[i + 2] - slop && t <= end + slop) best = d.bars[i];
    }
    return best;
  }

  /** Diagonal stripes of `colour` on white: the tail of a process left running. */
  private hatch(g: CanvasRenderingContext2D, colour: string): CanvasPattern | string {
    let p = this.hatches.get(colour);
    if (p) return p;
    const tile = document.createElement('canvas');
    tile.width = tile.height = 6;
    const t = tile.getContext('2d')!;
    t.fillStyle = '#fff';
    t.fillRect(0, 0, 6, 6);
    t.strokeStyle = colour;
    t.lineWidth = 2;
    t.beginPath();
    t.moveTo(-1, 7);
    t.lineTo(7, -1);
    t.moveTo(5, 7);
    t.lineTo(7, 5);
    t.moveTo(-1, 1);
    t.lineTo(1, -1);
    t.stroke();
    p = g.createPattern(tile, 'repeat') ?? colour;
    this.hatches.set(colour, p);
    return p;
  }

  private wire(): void {
    const c = this.canvas;
    c.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const r = c.getBoundingClientRect();
        if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) this.pan((e.deltaX || e.deltaY) / 1000);
        else this.zoom(Math.exp(e.deltaY / 400), e.clientX - r.left);
      },
      { passive: false },
    );
    c.addEventListener('mousedown', (e) => {
      this.drag = { x: e.clientX, t0: this.t0, t1: this.t1, moved: false };
      c.focus();
    });
    window.addEventListener('mousemove', (e) => {
      if (this.drag) {
        const dx = e.clientX - this.drag.x;
        if (Math.abs(dx) > 2) this.drag.moved = true;
        if (this.drag.moved) {
          const dt = (-dx / this.width()) * (this.drag.t1 - this.drag.t0);
          this.setWindow(this.drag.t0 + dt, this.drag.t1 + dt);
        }
      }
    });
    window.addEventListener('mouseup', (e) => {
      const d = this.drag;
      this.drag = undefined;
      if (d && !d.moved && e.target === c) {
        const id = this.hit(e);
        if (id) store.set({ sel: `p${id}` }, { push: true });
      }
    });
    c.addEventListener('dblclick', () => this.fit());
    c.addEventListener('keydown', (e) => {
      if (this.key(e)) e.preventDefault();
    });
    c.addEventListener('mouseleave', () => {
      this.tip.hidden = true;
      this.hoverId = 0;
    });
    c.addEventListener('mousemove', (e) => {
      if (this.drag?.moved) return;
      const id = this.hit(e);
      const r = this.canvas.getBoundingClientRect();
      if (!id) {
        this.tip.hidden = true;
        this.hoverId = 0;
        c.style.cursor = 'grab';
        return;
      }
      c.style.cursor = 'pointer';
      this.tip.style.left = `${Math.min(e.clientX - r.left + 12, r.width - 420)}px`;
      this.tip.style.top = `${e.clientY - r.top + 14}px`;
      if (id !== this.hoverId) {
        this.hoverId = id;
        this.showTip(id);
      }
    });
  }

  private showTip(id: number): void {
    const cached = this.tipCache.get(id);
    if (cached) {
      this.tip.textContent = cached;
      this.tip.hidden = false;
      return;
    }
    this.tip.hidden = true;
    this.api.get('proc', { id, limit: 0 }).then((p: any) => {
      const state = p.leftRunning ? 'left running after the build ended' : `${p.exit} · ${dur(p.dur)}`;
      const text = `${p.name} (pid ${p.pid}) · ${state}\n${p.cmd.length > 600 ? `${p.cmd.slice(0, 600)}…` : p.cmd}`;
      this.tipCache.set(id, text);
      if (this.hoverId === id) {
        this.tip.textContent = text;
        this.tip.hidden = false;
      }
    });
  }
}

/** A round tick step (1, 2, 5 × 10^k ns) near `raw`. */
function niceStep(raw: number): number {
  const p = Math.pow(10, Math.floor(Math.log10(Math.max(1, raw))));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/** Units of tick labels, as dur() (util.ts) writes times. */
const UNITS: Array<[number, string]> = [
  [1e9, 's'],
  [1e6, 'ms'],
  [1e3, 'µs'],
  [1, 'ns'],
];

/**
 * A tick's time: whole seconds (and minutes) for steps of a second or
 * more; else in the time's own unit, but at most 4 decimals from the step
 * (ms under a 100 µs step, as browsers' profilers do), with the decimals
 * the step needs and no more: "327.7955 ms" and "1290.4567 ms" every
 * 100 ns, "1.4 s" every 200 ms, "200 ms" (not "200000000 ns" nor
 * "0.2000 s"). One axis may mix units where the time crosses one ("500 µs",
 * "1.0 ms").
 */
function tickLabel(t: number, step: number): string {
  if (step >= 1e9) return t >= 60e9 ? `${Math.floor(t / 60e9)}m${String(Math.round((t % 60e9) / 1e9)).padStart(2, '0')}s` : `${Math.round(t / 1e9)} s`;
  const [unit, name] = UNITS.find(([u]) => Math.max(t, step) >= u && u <= step * 1e4) ?? UNITS[UNITS.length - 1];
  // 1e-9: log10 of a power of ten may come out a hair above the integer
  const decimals = Math.max(0, Math.ceil(Math.log10(unit / step) - 1e-9));
  return `${(t / unit).toFixed(decimals)} ${name}`;
}
