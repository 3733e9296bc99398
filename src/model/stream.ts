/**
 * The one stream of normalized records: `for (const r of normalized(path))`
 * (or `for await`). A normalized log is read as it is; a raw log is
 * normalized on the fly. The ordering method is chosen before the first
 * record is handed out (a scan of timestamps tells whether the reorder
 * window can order the log, else the external sort is used), so a consumer
 * never has to start over.
 */
import { trailerDisagreement } from '../log/check.js';
import { EnvResolver } from '../log/env.js';
import { LogReader, type TornInfo } from '../log/reader.js';
import { copyHeader, type LogHeader, type LogRecord, type Trailer } from '../log/schema.js';
import {
  DEFAULT_MAX_HELD,
  DEFAULT_WINDOW_MS,
  NormalizePass,
  normalizedHeader,
  rawSource,
  type NormalizeOptions,
  type NormalizeSummary,
} from '../normalize/normalize.js';

/** Records per batch (batches()). */
const BATCH = 512;

export class NormalizedLog implements Iterable<LogRecord>, AsyncIterable<LogRecord> {
  /** The header of the normalized log (marked normalized). */
  readonly header: LogHeader;
  private pass?: NormalizePass;
  private used = false;
  private done = false;

  private constructor(
    readonly path: string,
    private readonly reader: LogReader,
    private readonly opts: NormalizeOptions,
  ) {
    this.header = reader.header.normalized ? copyHeader(reader.header) : normalizedHeader(reader.header, path);
  }

  /**
   * Opens a log (raw or normalized). Throws LogError when it is not a
   * readable bt log. With `sort: 'window'` no scan comes first, and a
   * record later than the window throws LateRecordError during the
   * iteration: for a caller that can start over more cheaply than the log
   * can be scanned (loadBuild).
   */
  static open(path: string, opts: NormalizeOptions = {}): NormalizedLog {
    return new NormalizedLog(path, LogReader.open(path), opts);
  }

  /** The log was already normalized (read as it is). */
  get wasNormalized(): boolean {
    return !!this.reader.header.normalized;
  }

  *[Symbol.iterator](): Generator<LogRecord, void, undefined> {
    for (const batch of this.batches()) yield* batch;
  }

  /**
   * The same records in arrays (a few hundred at a time): for consumers
   * that read millions of records, one generator step per batch. An array
   * is reused: use its records before asking for the next.
   */
  *batches(): Generator<LogRecord[], void, undefined> {
    if (this.used) throw new Error('a NormalizedLog is read once: open it again');
    this.used = true;
    try {
      if (this.reader.header.normalized) {
        const batch: LogRecord[] = [];
        for (const r of this.reader.records()) {
          batch.push(r);
          if (batch.length === BATCH) {
            yield batch;
            batch.length = 0;
          }
        }
        if (batch.length) yield batch;
      } else {
        const source = rawSource(this.reader);
        const windowOpts = {
          windowNs: (this.opts.windowMs ?? DEFAULT_WINDOW_MS) * 1e6,
          maxHeld: this.opts.maxHeld ?? DEFAULT_MAX_HELD,
        };
        const sort = this.opts.sort ?? 'auto';
        const method = sort === 'external' || (sort === 'auto' && !source.fitsWindow(windowOpts)) ? 'external' : 'window';
        this.pass = new NormalizePass(this.reader.header, source, method, this.opts);
        // Shared environments (log/env.ts): LogReader resolves them when it
        // reads a normalized log; records normalized here come from the raw
        // fast path, which does not, so they are put back here.
        const envs = new EnvResolver();
        for (const batch of this.pass.batches(BATCH)) {
          for (let i = 0; i < batch.length; i++) {
            const r = batch[i];
            if (r.env) envs.define(r.env);
            else if (r.exec) envs.resolve(r);
          }
          yield batch;
        }
      }
      this.done = true;
    } finally {
      this.reader.close();
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<LogRecord, void, undefined> {
    yield* this[Symbol.iterator]();
  }

  /** After the iteration: the normalizer's summary (raw logs only). */
  get summary(): NormalizeSummary | undefined {
    return this.pass?.result({ input: this.path }).summary;
  }

  /** After the iteration: the trailer, if the log has one. */
  get trailer(): Trailer | undefined {
    return this.pass ? this.pass.end.trailer : this.reader.trailer;
  }

  /** After the iteration: where the log was torn, if it was. */
  get torn(): TornInfo | undefined {
    return this.pass ? this.pass.end.torn : this.reader.torn;
  }

  /** After the iteration: how the trailer's counts disagree with the records read (deleted or duplicated records). */
  get trailerMismatch(): string | undefined {
    return this.pass ? this.pass.result({ input: this.path }).summary.trailerMismatch : trailerDisagreement(this.reader.end());
  }

  /** After the iteration: a running bt trace still writes the log (what was read is what it had written). */
  get live(): boolean {
    return (this.pass ? this.pass.end.live : this.reader.end().live) === true;
  }

  /** After the iteration: the log was read to a trailer, whole. */
  get complete(): boolean {
    return this.done && this.trailer !== undefined && this.torn === undefined;
  }

  /** Stops early (closes the file). */
  close(): void {
    this.reader.close();
  }
}

/** The normalized records of the log at `path`. */
export function normalized(path: string, opts: NormalizeOptions = {}): NormalizedLog {
  return NormalizedLog.open(path, opts);
}
