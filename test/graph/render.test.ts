/**
 * bt graph's PNG is rendered in strips of rows (render.ts): what crosses
 * a strip's edge is drawn whole, the picture has its full size, and the
 * memory is one strip's (a 64 Mpixel picture in one piece took ~700 MB).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { svgToPng } from '../../src/graph/render.js';

/** The RGB of a PNG's pixels as render.ts writes them (8-bit RGBA, filter None on every row). */
function decode(png: Buffer): { width: number; height: number; rgb: (x: number, y: number) => string } {
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const len = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      assert.deepEqual([...data.subarray(8)], [8, 6, 0, 0, 0], '8-bit RGBA');
    } else if (type === 'IDAT') idat.push(data);
    at += 12 + len;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const line = width * 4 + 1;
  assert.equal(raw.length, line * height);
  for (let y = 0; y < height; y++) assert.equal(raw[y * line], 0, `row ${y}: filter None`);
  return { width, height, rgb: (x, y) => raw.subarray(y * line + 1 + x * 4, y * line + 4 + x * 4).toString('hex') };
}

test('PNG: a picture of 4 strips is whole across their edges and the size its SVG says', async () => {
  // 1500 x 2250 pt at zoom 1.5: 3000 x 4500 px, 13.5 Mpixels: 4 strips of 1333 rows (4 Mpixels each) and one of 168
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" width="1500pt" height="2250pt" viewBox="0 0 1500 2250">' +
    '<rect x="100" y="600" width="200" height="1200" fill="#ff0000"/><rect x="1400" y="2200" width="100" height="50" fill="#0000ff"/></svg>';
  const png = decode(await svgToPng(svg));
  assert.deepEqual([png.width, png.height], [3000, 4500]);
  // the red rectangle spans pixel rows 1200..3599 and columns 200..599, across the edges at rows 1333, 2666
  for (const y of [1200, 1332, 1333, 1334, 2665, 2666, 3599]) assert.equal(png.rgb(400, y), 'ff0000', `row ${y}`);
  for (const y of [1199, 3600]) assert.equal(png.rgb(400, y), 'ffffff', `row ${y}: white background`);
  assert.equal(png.rgb(199, 2000), 'ffffff');
  assert.equal(png.rgb(2999, 4499), '0000ff', 'the last strip, to its last pixel');
});
