/**
 * The normalized records of a log that a display filter matches, each
 * tested as an event with its process from the build model (bt dump
 * --filter, bt export jsonl --filter). A filter of the fields an event
 * record carries itself is tested without the model: loading the model of
 * a kernel build doubles the time and triples the memory of the pass.
 */
import type { Filter } from '../filter/index.js';
import type { LogRecord } from '../log/schema.js';
import type { NormalizeOptions } from '../normalize/normalize.js';
import { buildFromRecords, loadBuild, normalized } from './index.js';
import type { NormalizedLog } from './stream.js';
import { ModelEnv } from './subject.js';

/** Filter fields an event record carries itself: a filter of these alone is tested without the build model. */
const EVENT_FIELDS: ReadonlySet<string> = new Set(['type', 'proc', 'pid', 'path', 'access', 'errno', 'ts']);

/** Whether testing `filter` on events needs the build model (a process's fields, `under`). */
export function needsModel(filter: Filter): boolean {
  return filter.usesUnder || [...filter.fields].some((f) => !EVENT_FIELDS.has(f));
}

export interface FilteredRecords {
  /** The normalized records of the log, all of them (its header, trailer and damage are the log's). */
  stream: NormalizedLog;
  /** Whether `filter` matches record `r` of the stream. */
  keep: (r: LogRecord) => boolean;
}

/** The normalized stream of `log` and the test of `filter` on its records. */
export function recordFilter(log: string, filter: Filter, opts: NormalizeOptions = {}): FilteredRecords {
  const stream = normalized(log, opts);
  const env = new ModelEnv(needsModel(filter) ? loadBuild(log, { normalize: opts }) : buildFromRecords(stream.header, []));
  const test = filter.bind(env);
  return { stream, keep: (r) => test(env.eventSubject(r)) };
}
