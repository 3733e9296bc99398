/**
 * bt view --html: one self-contained HTML file. The packed model (pack.ts)
 * is gzip'd and base64'd into the page; the page inflates it with the
 * browser's DecompressionStream and answers every query itself, so it
 * works from file:// with no server and no network.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { ViewError } from '../errors.js';
import type { Build } from '../model/index.js';
import { count } from '../present/format.js';
import { staticExtras } from './host.js';
import { pack } from './pack.js';
import { pageHtml } from './page.js';

/** Largest static page: bigger ones take too long to open and too much memory in a browser. */
export const MAX_HTML_BYTES = 96 * 1024 * 1024;

export interface StaticResult {
  bytes: number;
  processes: number;
  files: number;
}

/** The static page of a build as a string; throws BtError E_TOO_BIG over `maxBytes`. */
export function staticPage(build: Build, opts: { title?: string; maxBytes?: number } = {}): string {
  const max = opts.maxBytes ?? MAX_HTML_BYTES;
  const m = build.model;
  const json = JSON.stringify(pack(m, staticExtras(build)));
  const gz = zlib.gzipSync(json, { level: 6 });
  const size = Math.ceil(gz.length / 3) * 4;
  if (size > max) {
    throw new ViewError(
      'E_TOO_BIG',
      `this build is too big for a static page (${count(m.processes.length)} processes, ${count(m.files.length)} files: ${(size / 1048576).toFixed(0)} MiB of data, the limit is ${(max / 1048576).toFixed(0)} MiB): use bt view without --html`,
    );
  }
  return pageHtml({ title: opts.title ?? 'bt view', data: gz.toString('base64') });
}

/** Writes the static page to `file` (never through a symlink someone else planted). */
export function writeStaticPage(build: Build, file: string, opts: { title?: string; maxBytes?: number } = {}): StaticResult {
  const html = staticPage(build, opts);
  try {
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, html, { flag: 'wx', mode: 0o644 });
    fs.renameSync(tmp, file);
  } catch (err) {
    throw new ViewError('E_WRITE', `cannot write ${file}: ${(err as Error).message}`, { cause: err });
  }
  return { bytes: Buffer.byteLength(html), processes: build.model.processes.length, files: build.model.files.length };
}
