/**
 * bt view: the build in the browser (see src/view/). Serves the page on
 * loopback and prints its URL, or writes one static HTML file (--html).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { Command, Option } from 'commander';
import { UsageError } from '../errors.js';
import { nothingMatches } from '../present/filter-note.js';
import { displayPath } from '../present/format.js';
import { modelFilter, VIEW_FILTER } from '../view/filter.js';
import { refuseWildcardHost, serveBuild } from '../view/server.js';
import { openStaticPage, writeStaticPage } from '../view/static.js';
import { loadWithProgress } from '../view/load.js';
import { compileFilter, driverOption, outputExtension, reportDamage } from './options.js';

/** The page's URL hash that opens it with display filter `f` applied, as if typed in its filter bar (web/state.ts keeps its state in the hash). */
export function filterHash(f: string): string {
  return `#${new URLSearchParams({ f })}`;
}

function port(text: string): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 0 || v > 65535) throw new UsageError('E_USAGE', `invalid port "${text}": give a number from 0 to 65535`);
  return v;
}

/** A command that opens URLs in a browser, when this session has a display. */
function browserOpener(): string[] | undefined {
  if (process.env.BROWSER) return [process.env.BROWSER];
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return undefined;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && fs.existsSync(`${dir}/xdg-open`)) return [`${dir}/xdg-open`];
  }
  return undefined;
}

export function viewCommand(): Command {
  return new Command('view')
    .description('explore the build in the browser: timeline, process tree, files, details, display filters, provenance')
    .argument('[log]', 'log written by bt trace or bt normalize ("-" for stdin)', 'build.trace')
    .addOption(new Option('--port <n>', 'port to listen on (default: a free one)').argParser(port))
    .option('--host <addr>', "address to serve on (this machine's address on a network, to open the page from elsewhere; not a wildcard such as 0.0.0.0)", '127.0.0.1')
    .option('--no-open', 'do not open a browser')
    .option('--html <file>', 'write one self-contained HTML page (no server needed) instead of serving')
    .addOption(driverOption())
    .option('--filter <expr>', 'open the page with this display filter applied, as if typed in its filter bar (README: Display filters)')
    .option('--force', 'with --html: replace the file even if it is not an HTML page (README: Output files)')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (log: string, o) => {
      // what can be refused is refused before the log is read (as bt graph -o): the filter, the name, then the output itself
      if (o.filter !== undefined) compileFilter(o.filter, VIEW_FILTER);
      const hash = o.filter ? filterHash(o.filter) : undefined;
      if (o.html !== undefined) {
        const ext = outputExtension(o.html);
        if (ext !== '' && ext !== '.html' && ext !== '.htm') {
          throw new UsageError('E_USAGE', `--html ${displayPath(o.html)}: the page is HTML, not ${ext}: end the name in .html or .htm`);
        }
      } else await refuseWildcardHost(o.host);
      const out = o.html !== undefined ? openStaticPage(o.html, undefined, !!o.force) : undefined;
      let build;
      try {
        build = loadWithProgress(log, { quiet: !!o.quiet, drivers: o.driver });
      } catch (err) {
        out?.abort();
        throw err;
      }
      reportDamage(log, build.damage, { liveNote: false }); // it says so itself
      if (o.filter && !o.quiet) {
        // the page's own test of the filter (view/filter.ts), as it applies it when it opens
        const m = modelFilter(build.model)(o.filter);
        if (!m.procs.includes(1) && !m.files.includes(1)) {
          process.stderr.write(`bt view: note: ${nothingMatches(o.filter, 'the page opens with empty lists (its filter bar changes the filter)')}\n`);
        }
      }
      const title = `bt view — ${(build.header.command ?? []).join(' ') || log}`;
      if (out) {
        const r = writeStaticPage(build, out, { title, hash });
        const where = r.kind === 'stdout' ? 'the page to stdout' : r.kind === 'file' ? o.html : `the page to ${o.html}`;
        if (!o.quiet) process.stderr.write(`bt view: wrote ${where} (${(r.bytes / 1048576).toFixed(1)} MiB)${r.kind === 'file' ? ': open it in a browser' : ''}\n`);
        return;
      }
      const server = await serveBuild(build, { host: o.host, port: o.port, title });
      const url = `${server.url}${hash ?? ''}`;
      process.stdout.write(`${url}\n`);
      if (!o.quiet) process.stderr.write('bt view: serving; press Ctrl-C to stop\n');
      const opener = o.open ? browserOpener() : undefined;
      if (opener) {
        const child = spawn(opener[0], [...opener.slice(1), url], { stdio: 'ignore', detached: true });
        child.on('error', () => process.stderr.write(`bt view: could not start ${opener[0]}: open the URL yourself\n`));
        child.unref();
      }
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          if (!o.quiet) process.stderr.write('bt view: stopped\n');
          server.close().then(resolve, resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
