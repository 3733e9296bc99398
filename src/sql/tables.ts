/**
 * The tables of bt sql and bt export parquet, made from logs:
 *
 *   builds     one row per log
 *   processes  one row per process (the build model)
 *   files      one row per file the build touched
 *   accesses   one row per (process, file): how it was used
 *   events     one row per normalized record (what bt dump --json prints)
 *
 * Rows go to DuckDB a chunk of 2048 at a time (chunk.ts), pulled by a table
 * function while DuckDB writes them to Parquet (feed.ts, index.ts): nothing
 * is staged in text or held whole.
 * The events come from the same single pass over the log that builds the
 * model. build_id and wall-clock times (`*_ns` = the log's CLOCK_BOOTTIME +
 * its boot_to_wall_ns, exact 64-bit) are added in SQL.
 */
import crypto from 'node:crypto';
import { DISPLAY_TYPES, toJson } from '../log/dump.js';
import type { LogHeader, LogRecord } from '../log/schema.js';
import { Build, failed, KIND_NAMES, kindBit, ModelBuilder, normalized, programName } from '../model/index.js';
import { OPS } from '../ops/table.js';
import { shellJoin } from '../present/format.js';
import { ChunkBuilder, type ChunkColumn, type ChunkType } from './chunk.js';

export const TABLES = ['builds', 'processes', 'files', 'accesses', 'events'] as const;
export type TableName = (typeof TABLES)[number];

/**
 * A column's type: DuckDB's, or KIND[] (VARCHAR[] of the kind names of bits
 * given as an INTEGER) or PATH (the VARCHAR path of a file id given as an
 * INTEGER, looked up in bt_file_paths).
 */
export type ColType = 'INTEGER' | 'BIGINT' | 'DOUBLE' | 'BOOLEAN' | 'VARCHAR' | 'VARCHAR[]' | 'KIND[]' | 'PATH';

interface TableDef {
  /** The columns of the rows bt makes, in order, with their DuckDB types. */
  columns: Record<string, ColType>;
  /** The final columns: SQL expressions over those; $BUILD and $OFFSET are substituted. */
  select: string[];
  /** VARCHAR columns whose values are mostly from a known list: they travel as a number (chunk.ts, CODE). */
  vocab?: Record<string, readonly string[]>;
}

const wall = (col: string, as: string) => `CAST(${col} AS BIGINT) + $OFFSET AS ${as}`;

export const TABLE_DEFS: Record<TableName, TableDef> = {
  builds: {
    columns: {
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
    columns: {
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
    columns: { file_id: 'INTEGER', path: 'VARCHAR', is_dir: 'BOOLEAN', created: 'BOOLEAN', removed: 'BOOLEAN', kind: 'KIND[]' },
    select: ['$BUILD AS build_id', 'file_id', 'path', 'is_dir', 'created', 'removed', 'kind'],
  },
  accesses: {
    columns: {
      proc: 'INTEGER', job: 'INTEGER', file_id: 'INTEGER', path: 'PATH', kind: 'KIND[]', kinds: 'INTEGER', count: 'INTEGER',
      first_ts: 'BIGINT', last_ts: 'BIGINT',
    },
    select: [
      '$BUILD AS build_id', 'proc', 'job', 'file_id', 'path', 'kind', 'kinds', 'count', wall('first_ts', 'first_ns'), wall('last_ts', 'last_ns'),
    ],
  },
  events: {
    columns: {
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
    vocab: { type: DISPLAY_TYPES, op: ['', ...OPS.map((o) => o.name)] },
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

/** The rows of one table of one log, pulled a chunk at a time. */
export interface RowSource {
  readonly table: TableName;
  /** Rows given so far. */
  rows: number;
  /** Nothing left to give. */
  done: boolean;
  /** Adds rows to `b` until it is full or this source is done. */
  fill(b: ChunkBuilder): void;
}

/** How a column travels into DuckDB: lists of strings as JSON text, kind names as their bits, paths as file ids. */
const CHUNK_TYPE: Record<ColType, ChunkType> = {
  INTEGER: 'INTEGER', BIGINT: 'BIGINT', DOUBLE: 'DOUBLE', BOOLEAN: 'BOOLEAN', VARCHAR: 'VARCHAR', 'VARCHAR[]': 'JSON', 'KIND[]': 'INTEGER', PATH: 'INTEGER',
};

/** The name of the column carrying the values of `name` that are not in its vocab. */
const otherName = (name: string) => `${name}__other`;

/** The columns of a table's rows as they travel, in order (those of `columns`, then one per vocab). */
export function chunkColumns(t: TableName): Array<ChunkColumn & { name: string }> {
  const def = TABLE_DEFS[t];
  const names = Object.keys(def.columns);
  const vocab = Object.keys(def.vocab ?? {});
  return [
    ...names.map((name) => {
      const v = def.vocab?.[name];
      return v ? { name, type: 'CODE' as const, vocab: v, other: names.length + vocab.indexOf(name) } : { name, type: CHUNK_TYPE[def.columns[name]] };
    }),
    ...vocab.map((name) => ({ name: otherName(name), type: 'VARCHAR' as const })),
  ];
}

const quote = (name: string) => `"${name}"`;
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const KIND_LIST = `[${KIND_NAMES.map(lit).join(', ')}]`;
const KIND_BITS = `[${KIND_NAMES.map((n) => kindBit(n)).join(', ')}]`;
const KIND_ALL = KIND_NAMES.reduce((m, n) => m | kindBit(n)!, 0);

/**
 * Makes bt_kind_names(kinds, names): the kind names of every combination of
 * kind bits. KIND[] columns are looked up there: a join, 20x quicker than
 * working the list out per row.
 */
export const KIND_NAMES_SQL =
  `CREATE TEMP TABLE bt_kind_names AS SELECT k::INTEGER AS kinds, list_filter(${KIND_LIST}, lambda x, i: (k & ${KIND_BITS}[i]) <> 0) AS names ` +
  `FROM range(${KIND_ALL + 1}) r(k)`;

/** The SQL giving a column its type back from how it travelled. */
function restore(name: string, t: ColType, vocab?: readonly string[]): string {
  const col = `src.${quote(name)}`;
  const as = quote(name);
  if (vocab) return `coalesce([${vocab.map(lit).join(', ')}][${col}], src.${quote(otherName(name))}) AS ${as}`;
  if (t === 'VARCHAR[]') return `from_json(${col}, '["VARCHAR"]') AS ${as}`;
  if (t === 'KIND[]') return `(SELECT k.names FROM bt_kind_names k WHERE k.kinds = ${col}) AS ${as}`;
  if (t === 'PATH') return `(SELECT f.path FROM bt_file_paths f WHERE f.file_id = ${col}) AS ${as}`;
  return `${col} AS ${as}`;
}

/** The SELECT of a table's final columns over `from` (rows of `chunkColumns(t)`), for the log with header `h`. */
export function tableSelect(t: TableName, from: string, h: LogHeader): string {
  const def = TABLE_DEFS[t];
  const offset = BigInt(Math.round(h.boot_to_wall_ns ?? 0)).toString();
  const cols = Object.entries(def.columns).map(([k, type]) => restore(k, type, def.vocab?.[k])).join(', ');
  const select = def.select.map((e) => e.replace('$BUILD', lit(buildId(h))).replace('$OFFSET', `${offset}::BIGINT`)).join(', ');
  return `SELECT ${select} FROM (SELECT ${cols} FROM ${from} src)`;
}

const ms = (ns: number) => Math.round(ns / 1e3) / 1e3;

/** The rows of one model table of a build, as arrays in column order. */
function* modelRows(table: Exclude<TableName, 'events'>, build: Build, log: string): Generator<unknown[]> {
  const m = build.model;
  if (table === 'builds') {
    const h = m.header;
    yield [
      shellJoin(h.command ?? []), h.command ?? [], h.hostname ?? '', h.kernel_release ?? '', h.bt_version ?? '', h.cwd ?? '', m.startTs,
      ms(build.durationNs), m.trailer ? (m.trailer.exit_status ?? 0) : null, m.processes.length, m.processes.filter(failed).length, m.files.length,
      m.lostEvents, m.incomplete, log,
    ];
  } else if (table === 'processes') {
    for (const p of m.processes) {
      yield [
        p.proc, p.parent, p.pid, programName(p), p.exe, p.argv, p.cwd, p.start, p.end, ms(p.end - p.start), p.exitCode < 0 ? null : p.exitCode,
        p.signal, failed(p), p.failedExecs, p.job, p.execd,
      ];
    }
  } else if (table === 'files') {
    for (const f of m.files) yield [f.id, f.path, f.dir, f.created, f.removed, f.kinds];
  } else {
    for (const p of m.processes) {
      for (const a of p.files.values()) yield [a.proc, p.job, a.file, a.file, a.kinds, a.kinds, a.count, a.first, a.last];
    }
  }
}

/** Makes bt_file_paths(file_id, path), where PATH columns are looked up, from the rows of a files table. */
export const filePathsSql = (from: string) => `CREATE OR REPLACE TEMP TABLE bt_file_paths AS SELECT file_id, path FROM ${from}`;

/** A model table's rows as a RowSource. */
export function modelSource(table: Exclude<TableName, 'events'>, build: Build, log: string): RowSource {
  const it = modelRows(table, build, log);
  const src: RowSource = {
    table,
    rows: 0,
    done: false,
    fill(b) {
      while (!b.full) {
        const n = it.next();
        if (n.done) {
          src.done = true;
          return;
        }
        for (let c = 0; c < n.value.length; c++) b.set(c, n.value[c]);
        b.next();
        src.rows++;
      }
    },
  };
  return src;
}

/** The column of each JSON field of an event (bt dump --json's from/to are from_path/to_path; flag_names is not kept). */
const EVENT_COLUMN: Record<string, number> = Object.create(null);
for (const [i, k] of Object.keys(TABLE_DEFS.events.columns).entries()) EVENT_COLUMN[k] = i;
EVENT_COLUMN.from = EVENT_COLUMN.from_path;
EVENT_COLUMN.to = EVENT_COLUMN.to_path;

/** Adds one normalized record to `b` as a row of the events table. */
function addEvent(b: ChunkBuilder, r: LogRecord): void {
  const o = toJson(r) as Record<string, unknown>; // no header: it only picks the layout of flag_names, not kept
  for (const k in o) {
    const c = EVENT_COLUMN[k];
    if (c !== undefined) b.set(c, o[k]);
  }
  b.next();
}

/**
 * One pass over a log's normalized records: the build model (when asked)
 * and, as a RowSource, the rows of the events table.
 */
export class LogPass implements RowSource {
  readonly table = 'events';
  rows = 0;
  done = false;
  private readonly stream: ReturnType<typeof normalized>;
  private readonly it: Iterator<LogRecord>;
  private readonly mb?: ModelBuilder;

  constructor(log: string, opts: { model: boolean }) {
    this.stream = normalized(log);
    this.it = this.stream[Symbol.iterator]();
    this.mb = opts.model ? new ModelBuilder(this.stream.header) : undefined;
  }

  fill(b: ChunkBuilder): void {
    while (!b.full) {
      const n = this.it.next();
      if (n.done) {
        this.done = true;
        return;
      }
      this.mb?.add(n.value);
      if (n.value.env) continue; // a shared environment: in the execs that refer to it
      addEvent(b, n.value);
      this.rows++;
    }
  }

  /** The build model, once the pass is over (what is left of the log is read for it, without events). */
  build(): Build {
    if (!this.mb) throw new Error('LogPass: no model asked for');
    for (let n = this.it.next(); !n.done; n = this.it.next()) this.mb.add(n.value);
    this.done = true;
    return new Build(this.mb.finish({ incomplete: !this.stream.complete, trailer: this.stream.trailer }));
  }
}
