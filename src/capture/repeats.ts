/**
 * Repeated lookups. The kernel sends the first lookup of a kind (op, dirfd,
 * path, result) by a process, then its first repetition flagged
 * BT_F_REPEAT, and from then on only counts repetitions in the bt_lookups
 * map under the key that record carries. RepeatTracker holds those flagged
 * records; when their process has exited, or after `maxAgeMs` (so a long
 * process such as make does not hold them for the whole build, and the
 * record reaches the log well within bt normalize's reorder window), it
 * takes the count out of the map (lookup-and-delete: a later repetition
 * starts over as a new lookup) and writes the record with
 * `repeats` = count - 1: it stands for 1 + repeats lookups.
 */
import type { LogRecord } from '../log/schema.js';

interface Held {
  rec: LogRecord;
  key: Buffer;
  atMs: number;
}

export class RepeatTracker {
  /** By key, oldest first (a record held again moves to the end): the ones due by age are a prefix. */
  private readonly held = new Map<string, Held>();
  /** The keys held for each process. */
  private readonly byPid = new Map<number, Set<string>>();
  private readonly exited = new Set<number>();
  /** Held records whose count had left the map (evicted): written with repeats 0. */
  evicted = 0;

  constructor(
    /** Takes (lookup-and-delete) the count under `key`; undefined when absent. */
    private readonly take: (key: Buffer) => number | undefined,
    private readonly write: (r: LogRecord) => void,
    private readonly maxAgeMs = 1000,
  ) {}

  get size(): number {
    return this.held.size;
  }

  hold(rec: LogRecord, key: Buffer, nowMs = Date.now()): void {
    const k = key.toString('latin1');
    const old = this.held.get(k);
    if (old) this.release(k, old);
    this.held.set(k, { rec, key, atMs: nowMs });
    let keys = this.byPid.get(rec.pid);
    if (!keys) this.byPid.set(rec.pid, (keys = new Set()));
    keys.add(k);
  }

  /** The process `pid` has exited: its held records can be completed. */
  processExited(pid: number): void {
    if (this.byPid.has(pid)) this.exited.add(pid);
  }

  /**
   * Writes the held records that are due (all of them with `all`): those
   * of exited processes and those held for maxAgeMs. Runs at every drain:
   * it looks at the due records only, never at all of them.
   */
  flush(nowMs = Date.now(), all = false): void {
    for (const pid of this.exited) {
      for (const k of this.byPid.get(pid) ?? []) this.release(k, this.held.get(k)!);
    }
    this.exited.clear();
    for (const [k, h] of this.held) {
      if (!all && nowMs - h.atMs < this.maxAgeMs) break;
      this.release(k, h);
    }
  }

  private release(k: string, h: Held): void {
    this.held.delete(k);
    const keys = this.byPid.get(h.rec.pid);
    keys?.delete(k);
    if (keys?.size === 0) this.byPid.delete(h.rec.pid);
    const n = this.take(h.key);
    if (n === undefined) this.evicted++;
    h.rec.lookup!.repeats = n ? n - 1 : 0;
    this.write(h.rec);
  }
}
