/**
 * The events table's rows, written straight into a ChunkBuilder: the values
 * of bt dump --json (toJson in src/log/dump.ts) without making its object,
 * its flag_names, or a lookup per field. 1.8M records of a kernel build pass
 * here, so each record type has its own few typed stores.
 *
 * toJson stays the definition: test/sql/tables.test.ts checks, for a log
 * with every record type, that every key toJson makes has a column and that
 * every row equals toJson's object cell by cell. A record type not written
 * here goes through toJson (writeGeneric).
 */
import { displayType, errnoOf, fileTypeName, toJson } from '../log/dump.js';
import { recordType, type LogRecord } from '../log/schema.js';
import { familyOf } from '../ops/table.js';
import { umaskText } from '../present/format.js';
import { jsonList, type ChunkBuilder } from './chunk.js';

/** Where a row's values go: the column of each field (chunkColumns('events')). */
export interface EventColumns {
  readonly [field: string]: number;
}

export class EventWriter {
  /** `C`: the place of each events column, and of `abspath__same`. */
  constructor(private readonly C: EventColumns) {}

  /** Adds `r` to `b` as a row (b.next() is the caller's). */
  write(b: ChunkBuilder, r: LogRecord): void {
    const C = this.C;
    const t = recordType(r);
    if (t === 'trailer' || t === undefined) return this.writeGeneric(b, r);
    b.code(C.type, displayType(r));
    b.big(C.ts, r.ts);
    b.int(C.pid, r.pid);
    b.int(C.tid, r.tid);
    if (r.proc) b.int(C.proc, r.proc);
    if (r.seq) b.big(C.seq, r.seq);
    if (r.abspath2) b.text(C.abspath2, r.abspath2);
    if (r.access) b.int(C.access, r.access);
    let path: string | undefined;
    switch (t) {
      case 'open': {
        const p = r.open!;
        path = p.path ?? '';
        b.int(C.dirfd, p.dirfd ?? 0);
        b.big(C.flags, p.flags ?? 0);
        b.int(C.fd, p.fd ?? 0);
        b.int(C.errno, errnoOf(p.errno));
        b.int(C.mode, p.mode ?? 0);
        b.code(C.op, p.op ?? '');
        b.big(C.resolve, p.resolve ?? 0);
        b.bool(C.truncated, Boolean(p.truncated));
        b.big(C.mtime, p.mtime ?? 0);
        b.int(C.mtime_nsec, p.mtime_nsec ?? 0);
        b.big(C.size, p.size ?? 0);
        break;
      }
      case 'lookup': {
        const l = r.lookup!;
        path = l.path ?? '';
        b.code(C.op, l.op ?? '');
        b.int(C.dirfd, l.dirfd ?? 0);
        b.big(C.flags, l.flags ?? 0);
        b.int(C.mode, l.mode ?? 0);
        b.int(C.errno, errnoOf(l.errno));
        b.code(C.ftype, fileTypeName(l.ftype ?? 0));
        b.big(C.mtime, l.mtime ?? 0);
        b.int(C.mtime_nsec, l.mtime_nsec ?? 0);
        b.code(C.target, l.target ?? '');
        b.big(C.repeats, l.repeats ?? 0);
        b.bool(C.truncated, Boolean(l.truncated));
        break;
      }
      case 'close': {
        const c = r.close!;
        b.int(C.fd, c.fd ?? 0);
        b.int(C.errno, errnoOf(c.errno));
        b.code(C.op, c.op ?? '');
        b.int(C.last, c.last ?? 0);
        b.big(C.flags, c.flags ?? 0);
        break;
      }
      case 'exec': {
        const e = r.exec!;
        path = e.path ?? '';
        b.text(C.argv, jsonList(e.argv ?? []));
        b.text(C.env, jsonList(e.env ?? []));
        b.text(C.cwd, e.cwd ?? '');
        b.int(C.errno, errnoOf(e.errno));
        b.text(C.interp, e.interp ?? '');
        b.code(C.op, e.op ?? '');
        b.int(C.dirfd, e.dirfd ?? 0);
        b.bool(C.truncated, Boolean(e.truncated));
        b.bool(C.env_omitted, Boolean(e.env_omitted));
        if (e.argv0) b.text(C.argv0, e.argv0);
        if (e.cwd_incomplete) b.bool(C.cwd_incomplete, true);
        if (e.umask != null) b.text(C.umask, umaskText(e.umask));
        b.int(C.uid, e.uid ?? 0);
        b.int(C.gid, e.gid ?? 0);
        b.int(C.old_tid, e.old_tid ?? 0);
        break;
      }
      case 'fork': {
        const f = r.fork!;
        b.int(C.ppid, f.ppid ?? 0);
        b.int(C.child, f.child ?? 0);
        b.int(C.child_tid, f.child_tid ?? 0);
        b.bool(C.thread, Boolean(f.thread));
        break;
      }
      case 'exit': {
        const x = r.exit!;
        b.int(C.code, x.code ?? 0);
        b.int(C.signal, x.signal ?? 0);
        b.bool(C.core, Boolean(x.core));
        b.int(C.status, x.status ?? 0);
        break;
      }
      case 'dup': {
        const d = r.dup!;
        b.int(C.oldfd, d.oldfd ?? 0);
        b.int(C.newfd, d.newfd ?? 0);
        b.int(C.errno, errnoOf(d.errno));
        b.code(C.op, d.op ?? '');
        b.bool(C.cloexec, Boolean(d.cloexec));
        b.big(C.flags, d.flags ?? 0);
        b.big(C.arg, d.arg ?? 0);
        break;
      }
      case 'pipe': {
        const p = r.pipe!;
        b.int(C.read_fd, p.read_fd ?? 0);
        b.int(C.write_fd, p.write_fd ?? 0);
        b.int(C.errno, errnoOf(p.errno));
        b.big(C.flags, p.flags ?? 0);
        b.code(C.op, p.op ?? '');
        break;
      }
      case 'chdir': {
        const c = r.chdir!;
        path = c.path ?? '';
        b.text(C.cwd, c.cwd ?? '');
        b.int(C.fd, c.fd ?? 0);
        b.int(C.errno, errnoOf(c.errno));
        b.code(C.op, c.op ?? '');
        if (c.cwd_incomplete) b.bool(C.cwd_incomplete, true);
        break;
      }
      case 'path': {
        const p = r.path!;
        path = p.path ?? '';
        b.code(C.op, p.op ?? '');
        b.int(C.errno, errnoOf(p.errno));
        b.int(C.dirfd, p.dirfd ?? 0);
        b.big(C.flags, p.flags ?? 0);
        b.int(C.mode, p.mode ?? 0);
        b.bool(C.truncated, Boolean(p.truncated));
        break;
      }
      case 'path2': {
        const p = r.path2!;
        b.code(C.op, p.op ?? '');
        b.text(C.from_path, p.from ?? '');
        b.text(C.to_path, p.to ?? '');
        b.int(C.errno, errnoOf(p.errno));
        b.big(C.flags, p.flags ?? 0);
        b.int(C.olddirfd, p.olddirfd ?? 0);
        b.int(C.newdirfd, p.newdirfd ?? 0);
        b.bool(C.truncated, Boolean(p.truncated));
        break;
      }
      case 'readdir': {
        const d = r.readdir!;
        b.code(C.op, d.op ?? '');
        b.int(C.fd, d.fd ?? 0);
        b.big(C.entries, d.entries ?? 0);
        b.big(C.calls, d.calls ?? 0);
        b.int(C.errno, errnoOf(d.errno));
        b.bool(C.partial, Boolean(d.partial));
        break;
      }
      case 'meta': {
        const m = r.meta!;
        path = m.path ?? '';
        b.code(C.op, m.op ?? '');
        b.int(C.dirfd, m.dirfd ?? 0);
        b.big(C.flags, m.flags ?? 0);
        b.int(C.errno, errnoOf(m.errno));
        const fam = familyOf(m.op ?? '');
        if (fam === 'chmod') b.int(C.mode, m.mode ?? 0);
        if (fam === 'chown') {
          b.int(C.uid, m.uid ?? 0);
          b.int(C.gid, m.gid ?? 0);
        }
        if (fam === 'truncate') b.big(C.size, m.size ?? 0);
        if (fam === 'utime') {
          b.bool(C.times_now, Boolean(m.times_now));
          b.big(C.atime, m.atime ?? 0);
          b.int(C.atime_nsec, m.atime_nsec ?? 0);
          b.big(C.mtime, m.mtime ?? 0);
          b.int(C.mtime_nsec, m.mtime_nsec ?? 0);
        }
        b.bool(C.truncated, Boolean(m.truncated));
        break;
      }
      case 'lost': {
        const l = r.lost!;
        b.big(C.count, l.count ?? 0);
        b.text(C.reason, l.reason ?? '');
        b.big(C.from_ts, l.from_ts ?? 0);
        b.big(C.to_ts, l.to_ts ?? 0);
        break;
      }
      case 'process': {
        const p = r.process!;
        b.int(C.proc, p.proc ?? 0);
        b.int(C.pid, p.pid ?? 0);
        b.int(C.parent, p.parent ?? 0);
        b.big(C.start_ts, p.start_ts ?? 0);
        b.big(C.end_ts, p.end_ts ?? 0);
        b.int(C.exit_code, p.exit_code ?? 0);
        b.int(C.signal, p.signal ?? 0);
        b.text(C.exe, p.exe ?? '');
        b.text(C.argv, jsonList(p.argv ?? []));
        b.text(C.cwd, p.cwd ?? '');
        break;
      }
      default:
        return this.writeGeneric(b, r);
    }
    // a path and its absolute form are often the same string: sent once
    if (path !== undefined) b.text(C.path, path);
    if (r.abspath) {
      if (r.abspath === path) b.bool(C.abspath__same, true);
      else b.text(C.abspath, r.abspath);
    }
  }

  /** Any record through toJson: each key into its column (from/to as from_path/to_path). */
  private writeGeneric(b: ChunkBuilder, r: LogRecord): void {
    const o = toJson(r, undefined, false) as Record<string, unknown>;
    for (const k in o) {
      const c = this.C[k === 'from' ? 'from_path' : k === 'to' ? 'to_path' : k];
      if (c !== undefined) b.set(c, o[k]);
    }
  }
}
