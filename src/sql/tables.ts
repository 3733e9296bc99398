/**
 * The tables of bt sql and bt export parquet, made from logs:
 *
 *   builds     one row per log
 *   processes  one row per process (the build model)
 *   files      one row per file the build touched
 *   accesses   one row per (process, file): how it was used
 *   events     one row per normalized record (what bt dump --json prints)
 *
 * Rows are written as JSON Lines to a private temporary file (one per log
 * and table) and loaded by DuckDB with an explicit column list; build_id
 * and wall-clock times (`*_ns` = the log's CLOCK_BOOTTIME + its
 * boot_to_wall_ns, exact 64-bit) are added in SQL.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { toJson } from '../log/dump.js';
import type { LogHeader, LogRecord } from '../log/schema.js';
import { Build, failed, kindNames, ModelBuilder, normalized, programName } from '../model/index.js';
import { shellJoin } from '../present/format.js';

export const TABLES = ['builds', 'processes', 'files', 'accesses', 'events'] as const;
export type TableName = (typeof TABLES)[number];

interface TableDef {
  /** Columns read from the JSON rows, with their DuckDB types. */
  json: Record<string, string>;
  /** The final columns: SQL expressions over the JSON columns; $BUILD and $OFFSET are substituted. */
  select: string[];
}

const wall = (col: string, as: string) => `CAST(${col} AS BIGINT) + $OFFSET AS ${as}`;

export const TABLE_DEFS: Record<TableName, TableDef> = {
  builds: {
    json: {
      command: 'VARCHAR', argv: 'VARCHAR[]', host: 'VARCHAR', kernel: 'VARCHAR', bt_version: 'VARCHAR', cwd: 'VARCHAR',
      start_ts: 'BIGINT', duration_ms: 'DOUBLE', exit_status: 'INTEGER', processes: 'INTEGER', failed: 'INTEGER', files: 'INTEGER',
      lost: 'BIGINT', incomplete: 'BOOLEAN', log: 'VARCHAR',
    },
    select: [
      '$BUILD AS build_id', 'command', 'argv', 'host', 'kernel', 'bt_version', 'cwd', wall('start_ts', 'start_ns'), 'duration_ms',
      'exit_status', 'processes', 'failed', 'files', 'lost', 'incomplete', 'log',
    ],
  },
  processes: {
    json: {
      proc: 'INTEGER', parent: 'INTEGER', pid: 'INTEGER', tool: 'VARCHAR', exe: 'VARCHAR', argv: 'VARCHAR[]', cwd: 'VARCHAR',
      start_ts: 'BIGINT', end_ts: 'BIGINT', duration_ms: 'DOUBLE', exit_code: 'INTEGER', signal: 'INTEGER', failed: 'BOOLEAN',
      failed_execs: 'INTEGER', job: 'INTEGER', execd: 'BOOLEAN',
    },
    select: [
      '$BUILD AS build_id', 'proc', 'parent', 'pid', 'tool', 'exe', 'argv', 'cwd', wall('start_ts', 'start_ns'), wall('end_ts', 'end_ns'),
      'duration_ms', 'exit_code', 'signal', 'failed', 'failed_execs', 'job', 'execd',
    ],
  },
  files: {
    json: { file_id: 'INTEGER', path: 'VARCHAR', is_dir: 'BOOLEAN', created: 'BOOLEAN', removed: 'BOOLEAN', kind: 'VARCHAR[]' },
    select: ['$BUILD AS build_id', 'file_id', 'path', 'is_dir', 'created', 'removed', 'kind'],
  },
  accesses: {
    json: {
      proc: 'INTEGER', job: 'INTEGER', file_id: 'INTEGER', path: 'VARCHAR', kind: 'VARCHAR[]', kinds: 'INTEGER', count: 'INTEGER',
      first_ts: 'BIGINT', last_ts: 'BIGINT',
    },
    select: [
      '$BUILD AS build_id', 'proc', 'job', 'file_id', 'path', 'kind', 'kinds', 'count', wall('first_ts', 'first_ns'), wall('last_ts', 'last_ns'),
    ],
  },
  events: {
    json: {
      seq: 'BIGINT', ts: 'BIGINT', proc: 'INTEGER', pid: 'INTEGER', tid: 'INTEGER', type: 'VARCHAR', path: 'VARCHAR',
      abspath: 'VARCHAR', abspath2: 'VARCHAR', access: 'INTEGER', errno: 'INTEGER', op: 'VARCHAR', fd: 'INTEGER', dirfd: 'INTEGER',
      flags: 'BIGINT', mode: 'INTEGER', argv: 'VARCHAR[]', env: 'VARCHAR[]', cwd: 'VARCHAR', interp: 'VARCHAR', argv0: 'VARCHAR',
      exe: 'VARCHAR', uid: 'INTEGER', gid: 'INTEGER', old_tid: 'INTEGER', truncated: 'BOOLEAN', env_omitted: 'BOOLEAN',
      ppid: 'INTEGER', child: 'INTEGER', child_tid: 'INTEGER', thread: 'BOOLEAN', code: 'INTEGER', signal: 'INTEGER',
      core: 'BOOLEAN', status: 'INTEGER', resolve: 'BIGINT', last: 'INTEGER', oldfd: 'INTEGER', newfd: 'INTEGER',
      cloexec: 'BOOLEAN', arg: 'BIGINT', read_fd: 'INTEGER', write_fd: 'INTEGER', from_path: 'VARCHAR', to_path: 'VARCHAR',
      count: 'BIGINT', reason: 'VARCHAR', from_ts: 'BIGINT', to_ts: 'BIGINT', parent: 'INTEGER', start_ts: 'BIGINT',
      end_ts: 'BIGINT', exit_code: 'INTEGER',
    },
    select: ['$BUILD AS build_id', '*', wall('ts', 'wall_ns')],
  },
};

/** A log's build id: 16 hex digits of a hash of what identifies the trace in its header (same for the raw and the normalized log). */
export function buildId(h: LogHeader): string {
  const key = JSON.stringify([
    h.hostname ?? '', h.kernel_release ?? '', h.bt_version ?? '', h.boot_to_wall_ns ?? 0, h.start_ts ?? 0, h.root_pid ?? 0,
    h.command ?? [], h.cwd ?? '', h.uid ?? 0, h.gid ?? 0,
  ]);
  return crypto.createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** Writes JSON lines to a file in 1 MiB chunks. */
class Lines {
  private buf = '';
  private readonly fd: number;
  rows = 0;
  constructor(readonly file: string) {
    this.fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
  }
  add(row: object): void {
    this.buf += `${JSON.stringify(row)}\n`;
    this.rows++;
    if (this.buf.length >= 1 << 20) this.flush();
  }
  private flush(): void {
    if (this.buf) fs.writeSync(this.fd, this.buf);
    this.buf = '';
  }
  close(): number {
    this.flush();
    fs.closeSync(this.fd);
    return this.rows;
  }
}

const ms = (ns: number) => Math.round(ns / 1e3) / 1e3;

/** Writes the JSON rows of one model table of a build; returns the row count. */
export function writeModelRows(table: Exclude<TableName, 'events'>, build: Build, log: string, file: string): number {
  const out = new Lines(file);
  const m = build.model;
  if (table === 'builds') {
    const h = m.header;
    out.add({
      command: shellJoin(h.command ?? []), argv: h.command ?? [], host: h.hostname ?? '', kernel: h.kernel_release ?? '',
      bt_version: h.bt_version ?? '', cwd: h.cwd ?? '', start_ts: m.startTs, duration_ms: ms(build.durationNs),
      exit_status: m.trailer ? (m.trailer.exit_status ?? 0) : null, processes: m.processes.length,
      failed: m.processes.filter(failed).length, files: m.files.length, lost: m.lostEvents, incomplete: m.incomplete, log,
    });
  } else if (table === 'processes') {
    for (const p of m.processes) {
      out.add({
        proc: p.proc, parent: p.parent, pid: p.pid, tool: programName(p), exe: p.exe, argv: p.argv, cwd: p.cwd, start_ts: p.start,
        end_ts: p.end, duration_ms: ms(p.end - p.start), exit_code: p.exitCode < 0 ? null : p.exitCode, signal: p.signal,
        failed: failed(p), failed_execs: p.failedExecs, job: p.job, execd: p.execd,
      });
    }
  } else if (table === 'files') {
    for (const f of m.files) out.add({ file_id: f.id, path: f.path, is_dir: f.dir, created: f.created, removed: f.removed, kind: kindNames(f.kinds) });
  } else {
    for (const p of m.processes) {
      for (const a of p.files.values()) {
        out.add({
          proc: a.proc, job: p.job, file_id: a.file, path: m.files[a.file].path, kind: kindNames(a.kinds), kinds: a.kinds,
          count: a.count, first_ts: a.first, last_ts: a.last,
        });
      }
    }
  }
  return out.close();
}

/** The JSON row of one normalized record in the events table. */
function eventRow(r: LogRecord, h: LogHeader): object {
  const o = toJson(r, h) as Record<string, unknown>;
  if ('from' in o) {
    o.from_path = o.from;
    o.to_path = o.to;
    delete o.from;
    delete o.to;
  }
  delete o.flag_names;
  return o;
}

/**
 * One pass over a log's normalized records: the build model (when asked)
 * and the events rows written to `eventsFile` (when given).
 */
export function readLog(log: string, opts: { model: boolean; eventsFile?: string }): { build?: Build; events?: number } {
  const s = normalized(log);
  const h = s.header;
  const mb = opts.model ? new ModelBuilder(h) : undefined;
  const out = opts.eventsFile ? new Lines(opts.eventsFile) : undefined;
  for (const r of s) {
    mb?.add(r);
    if (!r.env) out?.add(eventRow(r, h)); // a shared environment: in the execs that refer to it
  }
  return {
    build: mb ? new Build(mb.finish({ incomplete: !s.complete, trailer: s.trailer })) : undefined,
    events: out?.close(),
  };
}
