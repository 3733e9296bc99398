/**
 * Rendering without a system Graphviz: DOT -> SVG with Graphviz compiled
 * to WebAssembly (@hpcc-js/wasm-graphviz), SVG -> PNG with resvg compiled
 * to WebAssembly (@resvg/resvg-wasm) and a bundled font (Arimo, metrically
 * compatible with Helvetica/Arial, whose widths Graphviz uses for layout).
 * Both are deterministic: the same DOT gives the same bytes.
 *
 * resvg renders a picture into two RGBA copies of it (8 bytes a pixel) and
 * then encodes it as PNG in WebAssembly: a picture at the 64 Mpixel cap
 * took ~700 MB and 8-10 s. So the PNG is rendered in strips of rows, each
 * deflated by node's zlib as it comes: the memory is one strip's, whatever
 * the picture's size.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
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

/** Pixels rendered at a time (a strip of whole rows): ~32 MB of resvg's memory. */
const STRIP_PIXELS = 4_000_000;

/** The SVG's viewBox (x, y, width, height), in its user units; undefined without one. */
function viewBoxOf(svg: string): [number, number, number, number] | undefined {
  const m = /<svg[^>]*\sviewBox="\s*([-\d.]+)[\s,]+([-\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)\s*"/.exec(svg);
  const box = m ? ([Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])] as [number, number, number, number]) : undefined;
  return box && box.every(Number.isFinite) && box[2] > 0 && box[3] > 0 ? box : undefined;
}

/** CRC-32 of PNG chunks (ISO 3309), by table. */
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A PNG chunk: length, type, data, CRC of type and data. */
function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

type ResvgImage = { width: number; height: number; readonly pixels: Uint8Array; free(): void };
type ResvgRenderer = {
  render(): ResvgImage & { asPng(): Uint8Array };
  getBBox(): { x: number; y: number; width: number; height: number } | undefined;
  cropByBBox(bbox: { x: number; y: number; width: number; height: number }): void;
  free(): void;
};

/**
 * The PNG of an SVG whose user units are `zoom` pixels, rendered in strips
 * of rows (cropByBBox: each render is of the strip only), filter type None
 * per row, one zlib stream. Undefined for an SVG with nothing drawn (no
 * bounding box to crop with).
 */
async function pngInStrips(r: ResvgRenderer, box: [number, number, number, number], zoom: number): Promise<Buffer | undefined> {
  const bbox = r.getBBox();
  if (!bbox) return undefined;
  const width = Math.ceil(box[2] * zoom);
  const height = Math.ceil(box[3] * zoom);
  const rows = Math.max(1, Math.floor(STRIP_PIXELS / width));
  // the fastest level: on a graph's flat colours it is as small as resvg's own PNG, and 3 times faster than level 6
  const deflate = zlib.createDeflate({ level: zlib.constants.Z_BEST_SPEED });
  const idat: Buffer[] = [];
  deflate.on('data', (d: Buffer) => idat.push(d));
  const ended = new Promise<void>((resolve, reject) => deflate.on('end', resolve).on('error', reject));
  for (let y = 0; y < height; y += rows) {
    const h = Math.min(rows, height - y);
    Object.assign(bbox, { x: box[0], y: box[1] + y / zoom, width: box[2], height: h / zoom });
    r.cropByBBox(bbox);
    const img = r.render();
    const px = img.pixels;
    const [w, ih] = [img.width, img.height];
    img.free();
    // each row: filter byte 0, then its RGBA as resvg made it (premultiplied, which is the same on the opaque
    // background); white where a strip came out a pixel short (rounding)
    const line = width * 4 + 1;
    const raw = Buffer.alloc(line * h, 0xff);
    for (let row = 0; row < Math.min(h, ih); row++) {
      raw[row * line] = 0;
      raw.set(px.subarray(row * w * 4, row * w * 4 + Math.min(w, width) * 4), row * line + 1);
    }
    for (let row = ih; row < h; row++) raw[row * line] = 0;
    if (!deflate.write(raw)) await new Promise((resolve) => deflate.once('drain', resolve));
  }
  deflate.end();
  await ended;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, filter method 0 (type None on every row), no interlace
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', Buffer.concat(idat)), chunk('IEND', Buffer.alloc(0))]);
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
  // in strips when the SVG says how its user units map to its size (Graphviz's always does): cropByBBox takes user units
  const box = size ? viewBoxOf(svg) : undefined;
  const renderer = (zoom: number) =>
    new m.Resvg(svg, {
      fitTo: { mode: 'zoom', value: zoom },
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
  try {
    if (box) {
      const zoom = (scale * Number(size![1]) * 4) / 3 / box[2];
      const r = renderer(zoom);
      try {
        const png = await pngInStrips(r as ResvgRenderer, box, zoom);
        if (png) return png;
      } finally {
        r.free();
      }
    }
    // in one piece: an SVG without a viewBox, or with nothing drawn
    const r = renderer(scale);
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
