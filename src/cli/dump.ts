/**
 * bt dump [options] [log]: prints a log (default build.trace) as text (one
 * line per record) or as JSON Lines (--json). A raw log is normalized on the
 * fly for --filter and for a --type only a normalized log has (process);
 * a --filter that matches no record is said in a note on stderr.
 * A log without a trailer is printed with a warning
 * and exits 0. A damaged log (torn, or its trailer's counts disagree) is
 * printed up to the damage, with one warning naming the byte offset, and
 * exits 1. Unreadable files throw a LogError (exit 2).
 */
import { Command } from 'commander';
import { UsageError } from '../errors.js';
import {
  TYPE_NAMES,
  displayType,
  displayTypesOf,
  formatHeaderText,
  formatText,
  formatTrailerText,
  headerToJson,
  toJson,
  trailerToJson,
} from '../log/dump.js';
import { endWarnings, tornText } from '../log/check.js';
import { inputName } from '../log/input.js';
import { LogReader } from '../log/reader.js';
import { normalized } from '../model/index.js';
import { recordFilter } from '../model/records.js';
import { nothingMatches } from '../present/filter-note.js';
import { compileFilter } from './options.js';

export interface DumpOptions {
  json?: boolean;
  /** comma-separated type names (TYPE_NAMES: display types, and record kinds such as lookup for all their families) */
  type?: string;
  /** comma-separated pids (tgid) */
  pid?: string;
  /** a display filter: the log is normalized and only matching records are printed */
  filter?: string;
}

/** Record types only a normalized log has: asked of a raw log, it is normalized on the fly. */
const NORMALIZED_ONLY: ReadonlySet<string> = new Set(['process']);

/** Output is built in chunks of about this many characters before each write. */
const CHUNK_CHARS = 64 * 1024;

/** Thrown internally when stdout went away (EPIPE): stop quietly. */
class OutputClosed extends Error {}

function parseTypes(spec: string | undefined): Set<string> | undefined {
  if (spec === undefined) return undefined;
  const wanted = new Set<string>();
  for (const raw of spec.split(',')) {
    const name = raw.trim().toLowerCase();
    if (!name) continue;
    // environments are shared records that bt dump shows inside the execs using them, never alone
    if (name === 'env') throw new UsageError('E_USAGE', '--type env: each environment is shown on the exec records that use it (env=…): use --type exec');
    // a record kind (lookup) stands for its families (stat, access, readlink)
    const types = displayTypesOf(name);
    if (!types) {
      throw new UsageError(
        'E_USAGE',
        `unknown record type '${raw.trim()}' for --type: use a comma list of ${TYPE_NAMES.join(', ')}`,
      );
    }
    for (const t of types) wanted.add(t);
  }
  if (wanted.size === 0) throw new UsageError('E_USAGE', `--type needs at least one of ${TYPE_NAMES.join(', ')}`);
  return wanted;
}

function parsePids(spec: string | undefined): Set<number> | undefined {
  if (spec === undefined) return undefined;
  const pids = new Set<number>();
  for (const raw of spec.split(',')) {
    const s = raw.trim();
    if (!s) continue;
    if (!/^\d+$/.test(s)) throw new UsageError('E_USAGE', `--pid wants process ids (e.g. --pid 1234,1240), not '${s}'`);
    pids.add(Number(s));
  }
  if (pids.size === 0) throw new UsageError('E_USAGE', '--pid needs at least one process id');
  return pids;
}

/**
 * Writes strings to a stream in order, waiting on backpressure. Throws
 * OutputClosed once the stream is gone (EPIPE: e.g. `bt dump | head`).
 */
class Output {
  private failed: Error | undefined;
  private readonly onError = (err: Error): void => {
    this.failed ??= err;
  };

  constructor(private readonly out: NodeJS.WritableStream & { destroyed?: boolean; writableLength?: number }) {
    out.on('error', this.onError);
  }

  async write(s: string): Promise<void> {
    this.check();
    if (this.out.write(s)) return;
    await this.settle('drain');
    this.check();
  }

  /** Waits until everything written has been handed to the OS. */
  async end(): Promise<void> {
    this.check();
    if ((this.out.writableLength ?? 0) > 0) await this.settle('drain');
    this.check();
  }

  dispose(): void {
    // Keep swallowing a late EPIPE: main.ts's own handler exits 0 on it.
    setImmediate(() => this.out.off('error', this.onError));
  }

  private settle(event: string): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.out.off(event, done);
        this.out.off('error', done);
        this.out.off('close', done);
        resolve();
      };
      this.out.on(event, done);
      this.out.on('error', done);
      this.out.on('close', done);
    });
  }

  private check(): void {
    const e = this.failed as NodeJS.ErrnoException | undefined;
    if (e) {
      if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') throw new OutputClosed();
      throw e;
    }
    if (this.out.destroyed) throw new OutputClosed();
  }
}

/**
 * Dumps `file` to `out` (warnings to `err`). Resolves when done; throws
 * LogError for unreadable files and UsageError for bad options.
 */
export async function runDump(
  file: string,
  opts: DumpOptions,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const types = parseTypes(opts.type);
  const pids = parsePids(opts.pid);
  const json = Boolean(opts.json);
  const filter = opts.filter !== undefined ? compileFilter(opts.filter, { subjects: 'events' }) : undefined;
  const reader = LogReader.open(file);
  const name = inputName(file);
  // With a filter, the records come normalized, each tested with its process
  // from the build model (model/records.ts: a filter of event fields alone needs no model).
  // So do they for --type process on a raw log: only normalizing makes process records.
  const needsNormalized = !!types && !reader.header.normalized && [...types].some((t) => NORMALIZED_ONLY.has(t));
  const filtered = filter ? recordFilter(file, filter) : undefined;
  const stream = filtered ? filtered.stream : needsNormalized ? normalized(file) : undefined;
  const keep = filtered?.keep;
  const h = stream ? stream.header : reader.header;
  const output = new Output(out);
  let printed = 0;
  try {
    let buf = json ? `${JSON.stringify(headerToJson(h))}\n` : `${formatHeaderText(h)}\n`;
    for (const r of stream ?? reader.records()) {
      if (r.env) continue; // a shared environment: shown in the execs that refer to it
      if (pids && !pids.has(r.pid)) continue;
      if (keep && !keep(r)) continue;
      if (types && !types.has(displayType(r))) continue;
      printed++;
      buf += json ? `${JSON.stringify(toJson(r, h))}\n` : `${formatText(r, h)}\n`;
      if (buf.length >= CHUNK_CHARS) {
        await output.write(buf);
        buf = '';
      }
    }
    if (stream) {
      // the stream read the log to its end: its trailer and damage are the log's
      const t = stream.trailer;
      if (t) buf += json ? `${JSON.stringify(trailerToJson(t))}\n` : `${formatTrailerText(t, h)}\n`;
      if (buf) await output.write(buf);
      await output.end();
      if (filter && printed === 0) err.write(`bt dump: note: ${emptyNote(filter.source, opts)}\n`);
      const torn = stream.torn;
      const mismatch = stream.trailerMismatch;
      if (torn) err.write(`bt: warning: ${tornText(name, torn)}: the records before it were read\n`);
      else if (!t && reader.beingWritten()) err.write(`bt: warning: ${name} is still being written by a running bt trace: what it had written was read\n`);
      else if (!t) err.write(`bt: warning: ${name} has no trailer: the trace did not finish cleanly\n`);
      if (mismatch) err.write(`bt: warning: ${name}: ${mismatch}\n`);
      return torn || mismatch ? 1 : 0;
    }
    if (reader.trailer) {
      buf += json ? `${JSON.stringify(trailerToJson(reader.trailer))}\n` : `${formatTrailerText(reader.trailer, h)}\n`;
    }
    if (buf) await output.write(buf);
    await output.end();
  } catch (e) {
    if (e instanceof OutputClosed) return 0; // reader of stdout went away: not an error
    throw e;
  } finally {
    output.dispose();
    reader.close();
  }

  const { lines, damaged } = endWarnings(name, reader.end());
  if (lines.length) err.write(lines.map((l) => `bt: warning: ${l}\n`).join(''));
  return damaged ? 1 : 0;
}

/** Says that the filter (with --type and --pid, if given) matched no record. */
function emptyNote(source: string, opts: DumpOptions): string {
  const also = [opts.type !== undefined ? `--type ${opts.type}` : '', opts.pid !== undefined ? `--pid ${opts.pid}` : ''].filter(Boolean);
  return nothingMatches(source, 'no record is printed', also);
}

/** The `bt dump` command. */
export function dumpCommand(): Command {
  return new Command('dump')
    .description('print a bt log as text, or as JSON Lines with --json')
    .argument('[log]', 'a log written by bt trace (or bt normalize); "-" for stdin', 'build.trace')
    .option('--json', 'print JSON Lines: a header object, one object per record, then the trailer')
    .option('--type <names>', `only these record types, comma-separated (${TYPE_NAMES.join(', ')}); process records exist only in normalized logs: a raw log is normalized first`)
    .option('--pid <pid>', 'only records of these processes (comma-separated pids)')
    .option('--filter <expr>', 'only records matching a display filter (README: Display filters); the log is normalized first')
    .action(async (file: string, opts: DumpOptions) => {
      const status = await runDump(file, opts);
      if (status) process.exitCode = status;
    });
}
