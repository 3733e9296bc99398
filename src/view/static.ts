/**
 * bt view --html: one self-contained HTML file. The packed model (pack.ts)
 * is gzip'd and base64'd into the page; the page inflates it with the
 * browser's DecompressionStream and answers every query itself, so it
 * works from file:// with no server and no network.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { ViewError } from '../errors.js';
import { describeFsError, fsCode, writeAllSync } from '../log/io.js';
import { invokingUser, openOutputAtomic, type OutputFile, type OutputKind, type Owner } from '../log/output.js';
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
  /** Where it went: a new file, or stdout, a device or a FIFO written in place. */
  kind: OutputKind;
}

/** The static page of a build as a string; throws BtError E_TOO_BIG over `maxBytes`. */
export function staticPage(build: Build, opts: { title?: string; maxBytes?: number; hash?: string } = {}): string {
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
  return pageHtml({ title: opts.title ?? 'bt view', data: gz.toString('base64'), hash: opts.hash });
}

/**
 * Opens the static page's output through the root-safe output module
 * (src/log/output.ts), like bt graph -o: as the invoking user, to an
 * O_EXCL temporary renamed into place by commit(); a planted link (to
 * anything: a FIFO, a device), another user's file or FIFO in a shared
 * directory, a hard-linked file, or a file with something in it that is
 * not an HTML page (log/replace.ts; force: replaced anyway) is refused; '-' (stdout), a character
 * device or a FIFO is written in place. bt view opens it before it reads
 * the log, so that an output it cannot write is said at once. The output
 * module's refusals are its one-line LogError (E_OUTPUT).
 */
export function openStaticPage(file: string, owner: Owner = invokingUser(), force = false): OutputFile {
  return openOutputAtomic(file, { owner, mode: 0o644, what: 'page', replace: { kind: 'html', command: 'bt view', force } });
}

/**
 * Writes the static page to `file` (a name, opened by openStaticPage, or
 * what it opened). A page over `maxBytes` or a failed write (ViewError
 * E_TOO_BIG, E_WRITE) leaves no file behind.
 */
export function writeStaticPage(build: Build, file: string | OutputFile, opts: { title?: string; maxBytes?: number; owner?: Owner; hash?: string } = {}): StaticResult {
  const out = typeof file === 'string' ? openStaticPage(file, opts.owner) : file;
  let html: Buffer;
  try {
    html = Buffer.from(staticPage(build, opts), 'utf8');
  } catch (err) {
    out.abort();
    throw err;
  }
  try {
    writeAllSync(out.fd, html);
    if (out.kind === 'file') {
      fs.fsyncSync(out.fd);
      fs.closeSync(out.fd);
    } else if (out.kind !== 'stdout') fs.closeSync(out.fd);
  } catch (err) {
    out.abort();
    if (fsCode(err) === 'EPIPE') throw err; // the reader of stdout or of a pipe went away (| head): not an error
    throw new ViewError('E_WRITE', `cannot write the page ${out.path}: ${describeFsError(err)}`, { cause: err });
  }
  out.commit();
  return { bytes: html.length, processes: build.model.processes.length, files: build.model.files.length, kind: out.kind };
}
