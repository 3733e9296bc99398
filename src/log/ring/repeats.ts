/**
 * Repeated lookups. A thread's first lookup of a kind (op, dirfd, path,
 * result) is sent as usual; its first repetition is sent flagged
 * BT_F_REPEAT, and later ones are only counted, in the thread's table in
 * the kernel (bpf/repeats.bpf.h). A BT_T_REPEATS record brings the count
 * when the thread's slot is taken by another lookup, when the thread exits,
 * or at the sweep that bt runs about once a second: RepeatTracker holds
 * each flagged record until its count comes and writes it with `repeats` =
 * count - 1 (it stands for 1 + repeats lookups).
 *
 * Both sides are keyed by thread and tag (tagKey). A count taken by the
 * sweep can reach the ring before the record it counts (another CPU): it
 * waits for it. Several records of one key are matched oldest first.
 */
import type { LogRecord } from '../schema.js';

/** The key of a flagged lookup and of its count: the thread and the tag (key_hash >> REP_COUNT_BITS). */
export function tagKey(tid: number, tag: number): string {
  return `${tid}/${tag}`;
}

export class RepeatTracker {
  /** Flagged records waiting for their count, by key, oldest first. */
  private readonly held = new Map<string, LogRecord[]>();
  /** Counts that came before their record, by key, oldest first. */
  private readonly early = new Map<string, number[]>();
  private heldCount = 0;
  /** Flagged records written without a count at the end (repeats 0), and counts that found no record. */
  unmatched = 0;

  constructor(private readonly write: (r: LogRecord) => void) {}

  /** Flagged records waiting for their count. */
  get size(): number {
    return this.heldCount;
  }

  hold(rec: LogRecord, key: string): void {
    const n = shift(this.early, key);
    if (n !== undefined) {
      this.complete(rec, n);
      return;
    }
    push(this.held, key, rec);
    this.heldCount++;
  }

  /** The count of the lookups that the oldest flagged record of `key` stands for. */
  count(key: string, n: number): void {
    const rec = shift(this.held, key);
    if (rec === undefined) {
      push(this.early, key, n);
      return;
    }
    this.heldCount--;
    this.complete(rec, n);
  }

  /** The end of the trace: what is still held is written with repeats 0. */
  finish(): void {
    for (const recs of this.held.values()) {
      for (const rec of recs) this.complete(rec, 0);
      this.unmatched += recs.length;
    }
    for (const counts of this.early.values()) this.unmatched += counts.length;
    this.held.clear();
    this.early.clear();
    this.heldCount = 0;
  }

  private complete(rec: LogRecord, n: number): void {
    rec.lookup!.repeats = n > 0 ? n - 1 : 0;
    this.write(rec);
  }
}

function push<T>(m: Map<string, T[]>, key: string, v: T): void {
  const q = m.get(key);
  if (q) q.push(v);
  else m.set(key, [v]);
}

function shift<T>(m: Map<string, T[]>, key: string): T | undefined {
  const q = m.get(key);
  if (!q) return undefined;
  const v = q.shift();
  if (q.length === 0) m.delete(key);
  return v;
}
