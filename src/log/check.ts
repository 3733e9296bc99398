/**
 * What a reader says at the end of a log: where it is damaged, whether it
 * has a trailer, and whether the trailer's counts agree with the records
 * read. bt dump, bt normalize and bt graph all say it with these lines.
 */
import type { TornInfo } from './frames.js';
import { EVENT_TYPES, type Trailer } from './schema.js';

/** How a log was damaged, as a reader found it: where it is torn, how its trailer's counts disagree. */
export interface Damage {
  torn?: TornInfo;
  trailerMismatch?: string;
  /** Not damage: a running bt trace still writes the log (what was read is the build so far). */
  live?: boolean;
}

/** How the reading of a log ended. */
export interface ReadEnd {
  trailer?: Trailer;
  torn?: TornInfo;
  /** Records of an event type this bt does not know, skipped. */
  skippedUnknown?: number;
  /** Records of the file read (known and unknown types; the trailer excluded; a batch of ring records is one): what the trailer counts. */
  records: number;
  /** Event records read, those of a batch of ring records each (known and unknown types; not the Env records): what bt dump printed. */
  events?: number;
  /** Event records read per type. */
  counts: Record<string, number>;
  /** Ring records in the batches read (format 2). */
  ringRecords?: number;
  /** No trailer because a running bt trace still writes the log (it holds its lock): what was read is what was written so far. */
  live?: boolean;
}

const KNOWN = new Set<string>(EVENT_TYPES);

/** How the trailer's counts disagree with the records read (undefined: they agree, or no trailer). */
export function trailerDisagreement(end: ReadEnd): string | undefined {
  const t = end.trailer;
  if (!t || end.torn) return undefined;
  const want = Number(t.records ?? 0);
  const diffs: string[] = [];
  const tc = t.counts ?? {};
  if (Object.keys(tc).length > 0) {
    const types = new Set([...Object.keys(tc), ...Object.keys(end.counts)].filter((k) => KNOWN.has(k)));
    for (const type of [...types].sort()) {
      const a = Number(tc[type] ?? 0);
      const b = end.counts[type] ?? 0;
      if (a !== b) diffs.push(`${type}: ${a} in the trailer, ${b} read`);
    }
  }
  if (t.ring_records && end.ringRecords !== undefined && Number(t.ring_records) !== end.ringRecords) {
    diffs.push(`ring records: ${t.ring_records} in the trailer, ${end.ringRecords} read`);
  }
  if (want === end.records && diffs.length === 0) return undefined;
  return (
    `the trailer counts ${want} records but ${end.records} were read` +
    (diffs.length ? ` (${diffs.join('; ')})` : '') +
    ': records were deleted, duplicated or altered'
  );
}

/** True when the torn reason is about the end of the file (a cut-off log, not damage inside it). */
export function cutOff(reason: string): boolean {
  return /end of file|shrank/.test(reason);
}

/**
 * How every command names a torn log (bt dump, bt graph, bt normalize, the
 * answers): "x.trace is truncated at byte 231 (reason)" when the log was
 * cut short, "is damaged at byte …" when a record inside it is bad. The
 * command adds what it did with the records before.
 */
export function tornText(file: string, torn: { offset: number; reason: string }): string {
  return `${file} is ${tornAt(torn)} (${torn.reason})`;
}

/** The short form, without the reason: "truncated at byte 231", "damaged at byte …". */
export function tornAt(torn: { offset: number; reason: string }): string {
  return `${cutOff(torn.reason) ? 'truncated' : 'damaged'} at byte ${torn.offset}`;
}

/**
 * The warnings (one line each, no prefix) for a log read to its end, and
 * whether the log is damaged (torn, or the trailer disagrees): the command
 * then exits 1.
 */
export function endWarnings(file: string, end: ReadEnd): { lines: string[]; damaged: boolean } {
  const lines: string[] = [];
  let damaged = false;
  if (end.torn) {
    damaged = true;
    const n = end.events ?? end.records;
    lines.push(`${tornText(file, end.torn)}; ${n === 1 ? 'the 1 record before it was read' : `the ${n} records before it were read`}`);
  } else if (end.live) {
    const n = end.events ?? end.records;
    lines.push(`${file} is still being written by a running bt trace: ${n === 1 ? 'the 1 record' : `the ${n} records`} written so far were read`);
  } else if (!end.trailer) {
    lines.push(`${file} has no trailer: the trace did not finish cleanly`);
  } else {
    const dis = trailerDisagreement(end);
    if (dis) {
      damaged = true;
      lines.push(`${file}: ${dis}`);
    }
  }
  if (end.skippedUnknown) {
    lines.push(`${file}: skipped ${end.skippedUnknown} records of a kind this bt does not know (written by a newer bt?)`);
  }
  return { lines, damaged };
}
