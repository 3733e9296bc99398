/**
 * What writing a log needs to know of bt.proto besides its wire layout
 * (wiredesc.ts): the format versions, the record kinds (the Record's
 * `event` oneof) and which one a record is. A module of its own: bt trace
 * writes its log without protobufjs and the schema (schema.ts re-exports
 * these for everything else).
 */
import type { LogRecord } from './schema.js';

/** Header.format_version of a log of records (written when the header has none). */
export const FORMAT_VERSION = 1;
/** Header.format_version of a log of ring batches (Record.ring; bt trace writes them), the newest this bt reads. */
export const RING_FORMAT_VERSION = 2;

/** The `event` oneof member names, in field-number order. */
export const EVENT_TYPES = [
  'fork',
  'exec',
  'exit',
  'open',
  'close',
  'dup',
  'pipe',
  'chdir',
  'path',
  'path2',
  'lost',
  'trailer',
  'process',
  'lookup',
  'readdir',
  'meta',
  'env',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** The oneof member set in `r` ('fork', 'exec', ...), undefined if none is known. */
export function recordType(r: LogRecord): EventType | undefined {
  // Hot path: avoid iterating EVENT_TYPES with a closure.
  if (r.open != null) return 'open';
  if (r.close != null) return 'close';
  if (r.exec != null) return 'exec';
  if (r.fork != null) return 'fork';
  if (r.exit != null) return 'exit';
  if (r.dup != null) return 'dup';
  if (r.pipe != null) return 'pipe';
  if (r.chdir != null) return 'chdir';
  if (r.path != null) return 'path';
  if (r.path2 != null) return 'path2';
  if (r.lookup != null) return 'lookup';
  if (r.readdir != null) return 'readdir';
  if (r.meta != null) return 'meta';
  if (r.env != null) return 'env';
  if (r.lost != null) return 'lost';
  if (r.process != null) return 'process';
  if (r.trailer != null) return 'trailer';
  return undefined;
}
