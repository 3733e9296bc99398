/**
 * Opens for writing that the log shows wrote nothing.
 *
 * A process may open a file for writing only to lock it: dpkg-gencontrol
 * and dpkg-genbuildinfo open `debian/control` O_WRONLY to fcntl-lock it,
 * and write nothing. The log has no write(2) records, so an open alone
 * cannot tell that lock from a program that opens a file O_WRONLY (no
 * O_TRUNC) and rewrites it in place. What it has is the file's mtime and
 * size at each successful open and mtime at each stat: when a later one,
 * after the process closed the file (or ended, if it never did), finds the
 * mtime (and size) the write open found, nothing was written, and the open
 * counts as a lookup (stat), not a write.
 *
 * Only a "plain" write open can be set aside: write access without O_TRUNC,
 * O_APPEND, O_CREAT or O_TMPFILE, by a process that changed the file in no
 * other way. Without a later stat or open of the file, it stays a write
 * (the log cannot tell). A write within the same clock tick as the file's
 * last change, of the same size, looks unchanged (kernel mtimes are
 * coarse): not a case of a file the build found from before.
 */
import { Access } from '../normalize/access.js';
import { Kind, WRITES } from './kinds.js';
import type { BuildFile, FileAccess, Process } from './types.js';

/** An open's access bits that may leave a file as it was: write access, no truncate/append/create/tmpfile, succeeded. */
export function plainWriteOpen(access: number): boolean {
  return (access & (Access.WRITE | Access.FAILED | Access.TRUNCATE | Access.APPEND | Access.CREATE | Access.TMPFILE | Access.PATH)) === Access.WRITE;
}

interface Seen {
  ts: number;
  mtime: string;
  size?: number;
}

/** Collects plain write opens and what later opens and stats found of their files; settle() decides. */
export class UnchangedWrites {
  /** Per access with only plain write opens: the mtime and size its first one found. */
  private readonly pending = new Map<FileAccess, Seen>();
  /** Per file with a pending access: the mtimes found from its first plain write open on. */
  private readonly seen = new Map<number, Seen[]>();

  /**
   * Access `a` (its kinds before were `had`) was a write-like use: a plain
   * write open that found `found` (mtime "sec.nsec" and size), or any other
   * write (`found` undefined).
   */
  wrote(a: FileAccess, had: number, found?: Seen): void {
    // another write: never set aside (a later plain open finds `had` with write kinds)
    if (!found) {
      this.pending.delete(a);
      return;
    }
    if (this.pending.has(a) || had & WRITES) return;
    this.pending.set(a, found);
    if (!this.seen.has(a.file)) this.seen.set(a.file, []);
  }

  /** A successful open or stat found file `id` with this mtime (and size) at `ts`. */
  found(id: number, ts: number, mtime: string, size?: number): void {
    this.seen.get(id)?.push({ ts, mtime, size });
  }

  /** True if some plain write open's fate is open: settle() has work. */
  get any(): boolean {
    return this.pending.size > 0;
  }

  /**
   * Sets aside each pending access whose file a later open or stat found
   * unchanged: its write kinds become a lookup (stat), its write times -1,
   * the file leaves the process's heldWrite; its file's kinds are
   * recomputed, and its mtime is the one the open found if it had none.
   * A pending access that did write makes its file not append-only.
   */
  settle(procs: ReadonlyMap<number, Process>, files: readonly BuildFile[]): void {
    const touched = new Map<BuildFile, Seen>();
    for (const [a, at] of this.pending) {
      const p = procs.get(a.proc);
      const f = files[a.file];
      if (!p) continue;
      const held = p.heldWrite?.includes(a.file);
      const until = held ? p.end : Math.max(a.lastWrite, a.closed);
      const next = this.seen.get(a.file)!.find((s) => s.ts > until);
      const same = next && next.mtime === at.mtime && (next.size === undefined || at.size === undefined || next.size === at.size);
      if (!same) {
        f.appendOnly = false;
        continue;
      }
      a.kinds = (a.kinds & ~WRITES) | Kind.STAT;
      a.firstWrite = -1;
      a.lastWrite = -1;
      if (held) {
        const rest = p.heldWrite!.filter((id) => id !== a.file);
        p.heldWrite = rest.length ? rest : undefined;
      }
      if (!touched.has(f)) touched.set(f, at);
    }
    for (const [f, at] of touched) {
      f.kinds = 0;
      for (const a of f.procs) f.kinds |= a.kinds;
      if (!(f.kinds & WRITES) && f.mtime === undefined) f.mtime = at.mtime;
      if (!(f.kinds & WRITES) && f.size === undefined && at.size !== undefined) f.size = at.size;
    }
  }
}
