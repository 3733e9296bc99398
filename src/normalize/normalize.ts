/**
 * bt normalize: raw log -> time-ordered, resolved log.
 *
 * Pipeline: reader (arrival order) -> seq numbering -> time order
 * (order.ts: a bounded reorder window, or the external sort when a record
 * arrives later than the window) -> Normalizer (state.ts) -> sink.
 *
 * Log files take the fast path of raw.ts: records stay encoded in the
 * window, are decoded when released, and are written back as their bytes
 * plus the normalize fields. In-memory records (normalizeRecords) go
 * through the same steps as objects.
 *
 * When the window meets a late record, the attempt is abandoned and the
 * whole log is read again through the external sort: the sink is told to
 * start over (abort). normalizeFile therefore writes to a temporary file
 * and renames it (or copies it to stdout) only once it is complete, so a
 * half-written output is never left behind.
 */
import { displayPath, formatDuration, plural } from '../present/format.js';
import { shortfallNotes } from '../present/lost.js';
import { cutFailedExec, isLoss, lossesOf, shortfallsOf } from '../log/lost.js';
import { FORMAT_VERSION, copyHeader } from '../log/schema.js';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LogError, NormalizeError, UsageError } from '../errors.js';
import { describeFsError, fsCode, writeAllSync } from '../log/io.js';
import { invokingUser, isInPlaceOutput, openOutputAtomic, openOutputInPlace, refuseInputAsOutput, type OutputFile } from '../log/output.js';
import { cutOff, tornText, trailerDisagreement, type ReadEnd } from '../log/check.js';
import { inputName } from '../log/input.js';
import { LogReader, type TornInfo } from '../log/reader.js';
import type { LogHeader, LogRecord, Trailer } from '../log/schema.js';
import { LogWriter } from '../log/writer.js';
import { externalSort, LateRecordError, lateness, newOrderStats, reorderWindow, tmpFileError, type OrderStats } from './order.js';
import type { AppliedAlias, Realpath } from './aliases.js';
import { PassThroughWriter, RawLogSource, rawCodec, type RawEntry } from './raw.js';
import { Normalizer, type PipeInfo } from './state.js';

export interface NormalizeOptions {
  /** Reorder window in ms of trace time (default 2000). */
  windowMs?: number;
  /** Most records the window holds before releasing the oldest (default 200,000). */
  maxHeld?: number;
  /** Records per sorted run of the external sort (default 200,000). */
  runSize?: number;
  /** 'auto' (default): window, then the external sort if a record is too late. */
  sort?: 'auto' | 'window' | 'external';
  /** Directory for temporary files (default: the OS temp directory). */
  tmpDir?: string;
  /** Keep every warning (--warnings all), not only the first of each kind. */
  allWarnings?: boolean;
  /** bt normalize --force: replace an existing output that is not a normalized log (log/replace.ts). */
  force?: boolean;
  /** This machine's realpath, for the directory links PWDs reveal (aliases.ts; default: when the log was traced here; null: none). */
  realpath?: Realpath | null;
}

export const DEFAULT_WINDOW_MS = 2000;
export const DEFAULT_MAX_HELD = 200_000;
export const DEFAULT_RUN_SIZE = 200_000;

export interface NormalizeSummary {
  input: string;
  output: string;
  /** Raw event records read. */
  records: number;
  /** Records written (events plus ProcessInfo). */
  written: number;
  processes: number;
  threads: number;
  /** Distinct absolute paths opened, executed or changed. */
  files: number;
  execs: number;
  failedExecs: number;
  opens: number;
  failedOpens: number;
  pathOps: number;
  pipes: number;
  firstTs: number;
  lastTs: number;
  /** Trace duration in ns (trailer end - header start when known, else the record span). */
  durationNs: number;
  lostRecords: number;
  /** The counts of every lost record, losses or not (log/lost.ts): the normalized trailer's totals. */
  lostEvents: number;
  lostByReason: Record<string, number>;
  /** Lost records that are losses (log/lost.ts isLoss): the spans in which events were lost. */
  lossSpans: number;
  /** Failed execs whose argv was cut (log/lost.ts cutFailedExec). */
  failedExecArgvCut: number;
  /** Paths that could not be made absolute. */
  unresolved: number;
  /** Directory links the build revealed, through which paths were named by the directory they lead to (aliases.ts). */
  aliases: AppliedAlias[];
  /** The raw log has no trailer: the trace did not finish. */
  incomplete: boolean;
  /** No trailer because a running bt trace still writes the raw log: normalized what it had written. */
  live?: boolean;
  torn?: TornInfo;
  /** How the raw log's trailer disagrees with the records read (deleted or duplicated records). */
  trailerMismatch?: string;
  /** Records of event types this bt does not know, skipped by the reader. */
  skippedUnknown: number;
  warningCount: number;
  /** Deduplicated warnings, one line each (every warning with allWarnings). */
  warnings: string[];
  /** `warnings` holds every warning. */
  allWarnings?: boolean;
  order: OrderStats;
  /** Set when the window gave up: how late the record was. */
  lateRecord?: { seq: number; ts: number; releasedTs: number; newestTs: number; windowNs: number; maxHeld: number };
}

/** Where normalized records go. */
export interface RecordSink {
  write(r: LogRecord): void;
  /**
   * Optional: a record of a raw log file (RawLogSource), decoded from `e`
   * and annotated; write() is used when absent.
   */
  writeRaw?(r: LogRecord, e: RawEntry): void;
  /** The attempt is abandoned (restart): drop what was written. */
  abort?(): void;
}

/** A re-readable source of raw records (RawLogSource is the fast one for files). */
export interface RecordSource {
  /** Every record in arrival order; each call starts from the first. */
  records(): Iterable<LogRecord>;
  /** After an iteration: what the end of the log said. */
  end(): Partial<ReadEnd>;
}

export { copyHeader } from '../log/schema.js';

/** The header of the normalized log made from `h` (read from `source`). */
export function normalizedHeader(h: LogHeader, source: string): LogHeader {
  // records, not ring batches: any bt reads it, whatever the layouts of its source's ring records
  const { ring_layout: _ring, ...rest } = copyHeader(h);
  return { ...rest, format_version: FORMAT_VERSION, normalized: true, source };
}

/**
 * The trailer of a normalized log: the raw one, with the lost events from
 * the lost records and, when given, the normalized records' counts (else
 * the LogWriter fills them in).
 */
export function normalizedTrailer(t: Trailer | undefined, lost: Record<string, number>, count?: { records: number; counts: Record<string, number> }): Trailer | undefined {
  if (!t) return undefined;
  return {
    end_ts: t.end_ts ?? 0,
    exit_status: t.exit_status ?? 0,
    exit_code: t.exit_code ?? 0,
    exit_signal: t.exit_signal ?? 0,
    leftover: [...(t.leftover ?? [])],
    lost: { ...lost },
    ...count,
  };
}

/** Each item as a batch of one. */
function* oneByOne<T>(items: Iterable<T>): Generator<T[]> {
  const one: T[] = [];
  for (const x of items) {
    one[0] = x;
    yield one;
  }
}

function* numbered(src: Iterable<LogRecord>): Generator<LogRecord> {
  let seq = 0;
  for (const r of src) {
    r.seq = seq++;
    // A restart sees the same objects again (in-memory sources): clear old annotations.
    if (r.proc !== undefined) r.proc = undefined;
    if (r.abspath !== undefined) r.abspath = undefined;
    if (r.abspath2 !== undefined) r.abspath2 = undefined;
    if (r.access !== undefined) r.access = undefined;
    yield r;
  }
}

/** Result of normalizeStream. */
export interface NormalizeResult {
  summary: NormalizeSummary;
  trailer?: Trailer;
  pipes: Map<number, PipeInfo>;
}

/** One pass of the normalizer over a source with one ordering method: the records, pulled. */
export class NormalizePass implements Iterable<LogRecord> {
  readonly stats: OrderStats = newOrderStats();
  readonly norm: Normalizer;
  /** The raw entry of the record last yielded, when that record came straight from a raw log. */
  entry: RawEntry | undefined;
  private summary?: NormalizeSummary;
  private endInfo?: ReturnType<RecordSource['end']>;
  written = 0;
  /** Lost records of reasons that are losses (log/lost.ts isLoss), and failed execs whose argv was cut: for the summary's word on them. */
  private lossSpans = 0;
  private failedExecArgvCut = 0;

  constructor(
    readonly header: LogHeader,
    readonly source: RecordSource | RawLogSource,
    readonly method: 'window' | 'external',
    readonly opts: NormalizeOptions = {},
  ) {
    this.norm = new Normalizer(header, { allWarnings: opts.allWarnings, realpath: opts.realpath });
  }

  /** The records one at a time; `entry` is the raw entry of the one last yielded, when it came straight from a raw log. */
  *[Symbol.iterator](): Generator<LogRecord, void, undefined> {
    for (const out of this.run(0)) {
      const e = this.current;
      for (let i = 0; i < out.length; i++) {
        this.entry = e && out[i] === this.currentRecord ? e : undefined;
        yield out[i];
      }
    }
    this.entry = undefined;
  }

  /**
   * The records in arrays of about `size` (the model's fast path: one
   * generator step per batch, not per record). An array is reused: use its
   * records before asking for the next.
   */
  batches(size = 1024): Iterable<LogRecord[]> {
    return this.run(size);
  }

  /** The raw entry and the record decoded from it, of the input last pushed (run(0) only). */
  private current: RawEntry | undefined;
  private currentRecord: LogRecord | undefined;

  /** The pass: arrays of records, each yielded when it holds `size` (0: after every input record). */
  private *run(size: number): Generator<LogRecord[], void, undefined> {
    const { norm, stats, opts, source } = this;
    const out: LogRecord[] = [];
    this.lossSpans = this.failedExecArgvCut = 0;
    const emit = (r: LogRecord) => {
      out.push(r);
      if (r.exec) {
        if (cutFailedExec(r)) this.failedExecArgvCut++;
      } else if (r.lost && isLoss(r.lost.reason || 'unknown')) this.lossSpans++;
    };
    const windowOpts = { windowNs: (opts.windowMs ?? DEFAULT_WINDOW_MS) * 1e6, maxHeld: opts.maxHeld ?? DEFAULT_MAX_HELD };
    const sortOpts = { runSize: opts.runSize ?? DEFAULT_RUN_SIZE, tmpDir: opts.tmpDir };
    if (source instanceof RawLogSource) {
      const batches = this.method === 'window' ? source.inWindowBatches(windowOpts, stats) : oneByOne(externalSort(source.entries(), { ...sortOpts, codec: rawCodec }, stats));
      for (const entries of batches) {
        for (let j = 0; j < entries.length; j++) {
          const e = entries[j];
          const r = source.decode(e);
          if (!r) continue;
          norm.push(r, emit, e.type);
          if (out.length > size) {
            if (size === 0) {
              this.current = e;
              this.currentRecord = r;
            }
            this.written += out.length;
            yield out;
            out.length = 0;
          }
        }
      }
      this.current = this.currentRecord = undefined;
    } else {
      const input = numbered(source.records());
      const ordered = this.method === 'window' ? reorderWindow(input, windowOpts, stats) : externalSort(input, sortOpts, stats);
      for (const r of ordered) {
        norm.push(r, emit);
        if (out.length > size) {
          this.written += out.length;
          yield out;
          out.length = 0;
        }
      }
    }
    this.endInfo = source.end();
    norm.finish(this.endInfo.trailer?.end_ts ?? 0, emit);
    if (out.length) {
      this.written += out.length;
      yield out;
      out.length = 0;
    }
  }

  /** After the iteration: what the source's end said. */
  get end(): ReturnType<RecordSource['end']> {
    return this.endInfo ?? {};
  }

  /** After the iteration: the summary. */
  result(names: { input?: string; output?: string } = {}, late?: LateRecordError): NormalizeResult {
    const end = this.end;
    const c = this.norm.counts;
    const header = this.header;
    const durationNs =
      end.trailer?.end_ts && header.start_ts && end.trailer.end_ts > header.start_ts
        ? end.trailer.end_ts - header.start_ts
        : c.lastTs - c.firstTs;
    this.summary ??= {
      input: names.input ?? '',
      output: names.output ?? '',
      records: c.records,
      written: this.written,
      processes: c.processes,
      threads: c.threads,
      files: this.norm.files.size,
      execs: c.execs,
      failedExecs: c.failedExecs,
      opens: c.opens,
      failedOpens: c.failedOpens,
      pathOps: c.pathOps,
      pipes: c.pipes,
      firstTs: c.firstTs,
      lastTs: c.lastTs,
      durationNs,
      lostRecords: c.lostRecords,
      lostEvents: c.lostEvents,
      lostByReason: c.lostByReason,
      lossSpans: this.lossSpans,
      failedExecArgvCut: this.failedExecArgvCut,
      unresolved: c.unresolved,
      aliases: this.norm.aliases.applied(),
      incomplete: end.trailer === undefined,
      live: end.live === true,
      torn: end.torn,
      trailerMismatch:
        end.records === undefined
          ? undefined
          : trailerDisagreement({ ...end, records: end.records, counts: end.counts ?? {} }),
      skippedUnknown: end.skippedUnknown ?? 0,
      warningCount: this.norm.warnings.total,
      warnings: this.norm.warnings.all ?? this.norm.warnings.lines(),
      allWarnings: this.norm.warnings.all !== undefined,
      order: this.stats,
      lateRecord: late
        ? { seq: late.seq, ts: late.ts, releasedTs: late.releasedTs, newestTs: late.newestTs, windowNs: late.window.windowNs, maxHeld: late.window.maxHeld }
        : undefined,
    };
    return { summary: this.summary, trailer: end.trailer, pipes: this.norm.pipes };
  }
}

/**
 * Normalizes the records of `source` into sinks made by `begin` (called once
 * per attempt; the previous sink is aborted first). Synchronous.
 */
export function normalizeStream(
  header: LogHeader,
  source: RecordSource | RawLogSource,
  begin: () => RecordSink,
  opts: NormalizeOptions = {},
  names: { input?: string; output?: string } = {},
): NormalizeResult {
  const mode = opts.sort ?? 'auto';
  const methods: Array<'window' | 'external'> =
    mode === 'external' ? ['external'] : mode === 'window' ? ['window'] : ['window', 'external'];
  let late: LateRecordError | undefined;
  let sink: RecordSink | undefined;
  for (let i = 0; i < methods.length; i++) {
    if (sink) sink.abort?.();
    sink = begin();
    const out = sink;
    const raw = out.writeRaw?.bind(out);
    const pass = new NormalizePass(header, source, methods[i], opts);
    try {
      for (const r of pass) {
        const e = pass.entry;
        if (raw && e) raw(r, e);
        else out.write(r);
      }
    } catch (err) {
      if (err instanceof LateRecordError && i < methods.length - 1) {
        late = err;
        continue;
      }
      throw err;
    }
    return pass.result(names, late);
  }
  /* c8 ignore next */
  throw new NormalizeError('E_INTERNAL', 'normalize: no ordering method ran');
}

/**
 * Normalizes in-memory raw records (tests, small logs). The records are
 * annotated in place; the result holds them in time order with the
 * ProcessInfo records.
 */
export function normalizeRecords(
  header: LogHeader,
  records: LogRecord[],
  opts: NormalizeOptions & { trailer?: Trailer } = {},
): { header: LogHeader; records: LogRecord[]; summary: NormalizeSummary; pipes: Map<number, PipeInfo> } {
  let out: LogRecord[] = [];
  const res = normalizeStream(
    header,
    { records: () => records, end: () => ({ trailer: opts.trailer }) },
    () => {
      out = [];
      return { write: (r) => out.push(r) };
    },
    opts,
  );
  return { header: normalizedHeader(header, header.source ?? ''), records: out, summary: res.summary, pipes: res.pipes };
}

/** A LogReader as a RecordSource (decoded records; rawSource() is faster). */
export function readerSource(reader: LogReader): RecordSource {
  return {
    records: () => reader.records(),
    end: () => reader.end(),
  };
}

/** The records of the raw log `reader` was opened on, read again from its file as RawEntry. */
export function rawSource(reader: LogReader): RawLogSource {
  return new RawLogSource(reader.path, reader.dataOffset, undefined, reader.ring);
}

/** Default output name: "build.trace" -> "build.norm.trace", "x" -> "x.norm.trace". */
export function defaultOutputPath(input: string): string {
  return input.endsWith('.trace') ? `${input.slice(0, -'.trace'.length)}.norm.trace` : `${input}.norm.trace`;
}

/**
 * Normalizes the raw log `inPath` into `outPath` ('-' = stdout). The output
 * appears only when complete (temporary file, then rename or copy).
 * Throws LogError (unreadable input, unwritable output, E_SAME_FILE: the
 * output is the input) or NormalizeError (E_ALREADY_NORMALIZED).
 */
export function normalizeFile(inPath: string, outPath: string, opts: NormalizeOptions = {}): NormalizeSummary {
  if (opts.tmpDir !== undefined) checkTmpDir(opts.tmpDir);
  refuseInputAsOutput(inPath, outPath);
  const reader = LogReader.open(inPath);
  const owner = invokingUser();
  // stdout, a device or a FIFO is written once, at the end: an attempt may start over
  const inPlace = isInPlaceOutput(outPath, owner);
  // an earlier normalized log is replaced; a raw log or any other file only with --force
  const replace = { kind: 'normalized-log', command: 'bt normalize', force: opts.force } as const;
  let privateDir: string | undefined;
  let writer: PassThroughWriter | undefined;
  let done = false;
  try {
    if (reader.header.normalized) {
      throw new NormalizeError(
        'E_ALREADY_NORMALIZED',
        `${inPath} is already normalized${reader.header.source ? ` (from ${reader.header.source})` : ''}: use it as it is`,
      );
    }
    const header = normalizedHeader(reader.header, inPath);
    const tmpBase = opts.tmpDir ?? tmpdir();
    const staged = <T>(fn: () => T): T => {
      // stdout, a device or a FIFO gets the log once it is complete: until then it is a file in the temporary directory
      try {
        return fn();
      } catch (err) {
        // the temporary copy's own write errors (the input's are LogError E_LOG_READ)
        if (privateDir && err instanceof LogError && (err.code === 'E_LOG_WRITE' || err.code === 'E_OUTPUT')) {
          throw tmpFileError(tmpBase, "the normalized log's temporary copy", err);
        }
        throw err;
      }
    };
    if (inPlace) {
      try {
        privateDir = fs.mkdtempSync(path.join(tmpBase, 'bt-normalize-'));
      } catch (err) {
        throw tmpFileError(tmpBase, "the normalized log's temporary copy", err);
      }
    }
    const res = staged(() => normalizeStream(
      reader.header,
      rawSource(reader),
      () => {
        const out = privateDir
          ? openOutputInPlace(path.join(privateDir, 'out.trace'))
          : openOutputAtomic(outPath, { owner, what: 'normalized log', replace });
        writer = new PassThroughWriter(LogWriter.onOutput(out, header));
        const w = writer;
        return { write: (r) => w.write(r), writeRaw: (r, e) => w.writeRaw(r, e), abort: () => w.abort() };
      },
      opts,
      { input: inputName(inPath), output: outPath === '-' ? 'stdout' : outPath },
    ));
    staged(() => (writer as PassThroughWriter | undefined)?.close(normalizedTrailer(res.trailer, res.summary.lostByReason)));
    if (privateDir) copyOut(path.join(privateDir, 'out.trace'), openOutputAtomic(outPath, { owner, what: 'normalized log', replace }));
    done = true;
    return res.summary;
  } finally {
    reader.close();
    if (!done) {
      try {
        (writer as PassThroughWriter | undefined)?.abort();
      } catch {
        /* already failing */
      }
    }
    if (privateDir) fs.rmSync(privateDir, { recursive: true, force: true });
  }
}

/**
 * Refuses a --tmp-dir that cannot hold temporary files before any work is
 * done: it must exist, be a directory and be writable (UsageError, exit 2).
 */
export function checkTmpDir(dir: string): void {
  const bad = (why: string, err?: unknown): never => {
    throw new UsageError('E_USAGE', `--tmp-dir ${dir}: ${why}: give a writable directory for the temporary files`, err ? { cause: err } : undefined);
  };
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (err) {
    return bad(fsCode(err) === 'ENOENT' ? 'no such directory' : describeFsError(err), err);
  }
  if (!st.isDirectory()) bad('not a directory');
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (err) {
    bad(`not writable (${describeFsError(err)})`, err);
  }
}

/** Copies a finished file to an in-place output (stdout, a device, a FIFO). */
function copyOut(file: string, out: OutputFile): void {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      writeAllSync(out.fd, buf.subarray(0, n));
    }
  } catch (err) {
    if (fsCode(err) === 'EPIPE') throw err; // the reader went away (| head): not an error (cli/run.ts)
    throw new LogError('E_LOG_WRITE', `cannot write the normalized log to ${out.path === '-' ? 'stdout' : out.path}: ${describeFsError(err)}`, { cause: err });
  } finally {
    fs.closeSync(fd);
    if (out.kind !== 'stdout') fs.closeSync(out.fd);
  }
}

export { formatDuration, formatNs } from '../present/format.js';

/** The warnings about a damaged raw log (printed even with -q; bt normalize then exits 1). */
export function damageLines(s: NormalizeSummary): string[] {
  const lines: string[] = [];
  if (s.torn) {
    const { offset, reason, bytesAfter } = s.torn;
    const dropped = bytesAfter === undefined ? 'dropped the rest of the file' : `dropped the ${plural(bytesAfter, 'byte')} from there to its end`;
    lines.push(
      `bt normalize: warning: ${tornText(s.input || 'the log', { offset, reason })}: normalized the ${plural(s.records, 'event')} before it and ${dropped}, with whatever events they held`,
    );
  }
  if (s.trailerMismatch) lines.push(`bt normalize: warning: ${s.input || 'the log'}: ${s.trailerMismatch}`);
  return lines;
}

/**
 * The summary line's word on lost events: the kernel's, and, for a log
 * read only up to a cut or damage, what was not read (its events are
 * lost too, uncounted).
 */
function lostText(s: NormalizeSummary): string {
  const n = lossesOf(s.lostByReason);
  const lost = n || s.lossSpans ? `${n} lost in ${plural(s.lossSpans, 'span')}` : '0 lost';
  if (!s.torn) return lost;
  const left = s.torn.bytesAfter;
  if (cutOff(s.torn.reason)) return `${lost} before the log was cut short${left === undefined ? '' : ` (${plural(left, 'byte')} not read)`}`;
  return `${lost} before the damage${left === undefined ? '' : ` (${plural(left, 'byte')} not read)`}`;
}

/** The summary bt normalize prints on stderr: a line, then notes and warnings. */
export function formatSummary(s: NormalizeSummary, maxWarnings = s.allWarnings ? Infinity : 10): string {
  const lines: string[] = [];
  const damage = damageLines(s);
  const warnings = s.warningCount + damage.length; // the damage is a warning too: '0 warnings' then a warning contradicted itself
  const lost = lostText(s);
  lines.push(
    `bt normalize: ${plural(s.processes, 'process', 'processes')}, ${plural(s.files, 'file')}, ` +
      `${plural(s.records, 'event')}, ${formatDuration(s.durationNs)}, ${lost}, ${plural(warnings, 'warning')}` +
      (s.output ? ` -> ${s.output}` : ''),
  );
  if (lossesOf(s.lostByReason) || s.lossSpans) {
    const by = Object.entries(s.lostByReason)
      .filter(([reason]) => isLoss(reason))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    lines.push(`bt normalize: events were lost (${by}): the picture may miss processes or files in those spans`);
  }
  const shortfalls = shortfallsOf(s.lostByReason, s.failedExecArgvCut);
  for (const note of shortfallNotes(shortfalls, s.incomplete || !!s.live)) lines.push(`bt normalize: note: ${note}`);
  if (s.live) {
    lines.push(
      `bt normalize: ${s.input || 'the log'} is still being written by a running bt trace: normalized the ${plural(s.records, 'event')} written so far (incomplete: normalize it again when the trace has ended)`,
    );
  } else if (s.incomplete && !s.torn) lines.push('bt normalize: the log has no trailer: the trace did not finish (incomplete)');
  lines.push(...damage);
  for (const a of s.aliases) {
    const [name, dir] = [displayPath(a.name), displayPath(a.dir)];
    const from = a.from === 'PWD' ? 'from PWD' : 'the build made it';
    lines.push(`bt normalize: note: ${name} is a link to ${dir} (${from}): paths through it are named ${dir === '/' ? '' : dir}/...`);
  }
  if (s.skippedUnknown) lines.push(`bt normalize: skipped ${plural(s.skippedUnknown, 'record')} of unknown type (written by a newer bt)`);
  if (s.lateRecord) {
    lines.push(
      `bt normalize: a record ${lateness(s.lateRecord)}: ordered with the external sort`,
    );
  }
  for (const w of s.warnings.slice(0, maxWarnings)) lines.push(`bt normalize: warning: ${w}`);
  if (s.warnings.length > maxWarnings) {
    lines.push(`bt normalize: ... and ${s.warnings.length - maxWarnings} more kinds of warning (--warnings all shows every one)`);
  } else if (!s.allWarnings && s.warningCount > s.warnings.length) {
    lines.push(`bt normalize: (${warnings} warnings in all: --warnings all shows every one)`);
  }
  return `${lines.join('\n')}\n`;
}
