/**
 * Rendering without a system Graphviz: DOT -> SVG with Graphviz compiled
 * to WebAssembly (@hpcc-js/wasm-graphviz), SVG -> PNG with resvg compiled
 * to WebAssembly (@resvg/resvg-wasm) and a bundled font (Arimo, metrically
 * compatible with Helvetica/Arial, whose widths Graphviz uses for layout).
 * Both are deterministic: the same DOT gives the same bytes.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { GraphError } from '../errors.js';
import { importExternal } from '../external.js';
import { NODE_FONT_SIZE } from './dot.js';

const require = createRequire(import.meta.url);

export type GraphFormat = 'dot' | 'svg' | 'png';

export interface RenderOptions {
  /** PNG: scale factor over the SVG's size in points (default 1.5). */
  scale?: number;
  /** PNG: largest number of pixels (default 64 million); the scale shrinks to fit. */
  maxPixels?: number;
  /** Told (one line) when the PNG had to shrink so far that its text cannot be read. */
  warn?: (message: string) => void;
}

/** Text lower than this many pixels cannot be read. */
const READABLE_PX = 7;

/**
 * The warning for a PNG shrunk to `scale` to stay under `maxPixels`, when
 * its text is less than READABLE_PX high; undefined when it can be read.
 */
export function downscaleWarning(scale: number, maxPixels: number): string | undefined {
  const px = (NODE_FONT_SIZE * 4 * scale) / 3;
  if (px >= READABLE_PX) return undefined;
  return (
    `the PNG is scaled to ${scale.toFixed(2)}x to stay under ${Math.round(maxPixels / 1e6)} Mpixels: ` +
    `its text is about ${Math.max(1, Math.floor(px))} px high, too small to read; ` +
    'write SVG instead (-o FILE.svg) or draw less (--collapse program, --processes-only, --depth N)'
  );
}

type GraphvizInstance = { layout(dot: string, format: string, engine: string): string; version(): string };
let graphviz: Promise<GraphvizInstance> | undefined;

async function loadGraphviz(): Promise<GraphvizInstance> {
  graphviz ??= importExternal<typeof import('@hpcc-js/wasm-graphviz')>('@hpcc-js/wasm-graphviz').then((m) => m.Graphviz.load() as Promise<GraphvizInstance>);
  return graphviz;
}

let resvg: Promise<typeof import('@resvg/resvg-wasm')> | undefined;
let fonts: Uint8Array[] | undefined;

async function loadResvg(): Promise<typeof import('@resvg/resvg-wasm')> {
  resvg ??= (async () => {
    const m = await importExternal<typeof import('@resvg/resvg-wasm')>('@resvg/resvg-wasm');
    await m.initWasm(readFileSync(require.resolve('@resvg/resvg-wasm/index_bg.wasm')));
    return m;
  })();
  return resvg;
}

function loadFonts(): Uint8Array[] {
  fonts ??= ['400Regular/Arimo_400Regular.ttf', '700Bold/Arimo_700Bold.ttf', '400Regular_Italic/Arimo_400Regular_Italic.ttf'].map(
    (f) => new Uint8Array(readFileSync(require.resolve(`@expo-google-fonts/arimo/${f}`))),
  );
  return fonts;
}

/** The version of the bundled Graphviz. */
export async function graphvizVersion(): Promise<string> {
  return (await loadGraphviz()).version();
}

/** DOT -> SVG text. Throws GraphError E_RENDER if Graphviz rejects the DOT. */
export async function dotToSvg(dot: string): Promise<string> {
  const gv = await loadGraphviz();
  try {
    return gv.layout(dot, 'svg', 'dot');
  } catch (err) {
    throw new GraphError('E_RENDER', `Graphviz could not lay out the graph: ${String((err as Error)?.message ?? err).split('\n')[0]}`, {
      cause: err,
    });
  }
}

/** SVG -> PNG bytes. */
export async function svgToPng(svg: string, opts: RenderOptions = {}): Promise<Buffer> {
  const m = await loadResvg();
  const size = /<svg[^>]*\swidth="([\d.]+)pt"[^>]*\sheight="([\d.]+)pt"/.exec(svg);
  let scale = opts.scale ?? 1.5;
  if (size) {
    // at zoom 1 resvg renders 1pt as 4/3 px (96 dpi)
    const w = (Number(size[1]) * 4) / 3;
    const h = (Number(size[2]) * 4) / 3;
    const max = opts.maxPixels ?? 64_000_000;
    if (w * h * scale * scale > max) {
      scale = Math.sqrt(max / (w * h));
      const warning = downscaleWarning(scale, max);
      if (warning) opts.warn?.(warning);
    }
  }
  try {
    const r = new m.Resvg(svg, {
      fitTo: { mode: 'zoom', value: scale },
      background: 'white',
      font: {
        fontBuffers: loadFonts(),
        loadSystemFonts: false,
        defaultFontFamily: 'Arimo',
        sansSerifFamily: 'Arimo',
        serifFamily: 'Arimo',
        monospaceFamily: 'Arimo',
      },
    });
    const img = r.render();
    const png = Buffer.from(img.asPng());
    img.free();
    r.free();
    return png;
  } catch (err) {
    throw new GraphError('E_RENDER', `could not render the SVG to PNG: ${String((err as Error)?.message ?? err)}`, { cause: err });
  }
}

/** Renders DOT to the format: 'dot' returns it unchanged. */
export async function renderDot(dot: string, format: GraphFormat, opts: RenderOptions = {}): Promise<Buffer> {
  if (format === 'dot') return Buffer.from(dot, 'utf8');
  const svg = await dotToSvg(dot);
  if (format === 'svg') return Buffer.from(svg, 'utf8');
  return svgToPng(svg, opts);
}
