/**
 * The tables of bt sql and bt export parquet, made from logs:
 *
 *   builds     one row per log
 *   processes  one row per process (the build model)
 *   jobs       one row per job and per test (the model's JobIndex: what bt summary
 *              counts as jobs, and as tests)
 *   files      one row per file the build touched, with bt summary's group
 *              (roles.ts)
 *   accesses   one row per (process, file): how it was used, and whether
 *              that use is runtime noise (summary's rule, per process)
 *   events     one row per normalized record (what bt dump --json prints)
 *
 * Rows go to DuckDB a chunk of 2048 at a time (chunk.ts), pulled by a table
 * function while DuckDB writes them to Parquet (feed.ts, index.ts): nothing
 * is staged in text or held whole.
 * The events come from the same single pass over the log that builds the
 * model. build_id and wall-clock times (`*_ns` = the log's CLOCK_BOOTTIME +
 * its boot_to_wall_ns, exact 64-bit) are added in SQL.
 */
import type { Damage } from '../log/check.js';
import crypto from 'node:crypto';
import { DISPLAY_TYPES, FILE_TYPE_NAMES } from '../log/dump.js';
import type { LogHeader, LogRecord } from '../log/schema.js';
import { Build, failed, failedProbeRoot, harnessReports, harnessResult, KIND_NAMES, kindBit, ModelBuilder, normalized, programName, type Job, type JobOptions } from '../model/index.js';
import { OPS } from '../ops/table.js';
import { shellJoin } from '../present/format.js';
import { linkInputs, pathNoiseOf } from '../answers/groups.js';
import { ChunkBuilder, type ChunkColumn, type ChunkType } from './chunk.js';
import { EventWriter } from './events.js';
import { filePlaces, fileRoles, PLACES, ROLES } from './roles.js';

export const TABLES = ['builds', 'processes', 'jobs', 'files', 'accesses', 'events'] as const;
export type TableName = (typeof TABLES)[number];

/**
 * A column's type: DuckDB's, or KIND[] (VARCHAR[] of the kind names of bits
 * given as an INTEGER) or PATH (the VARCHAR path of a file id given as an
 * INTEGER, looked up in bt_file_paths).
 */
export type ColType = 'INTEGER' | 'BIGINT' | 'DOUBLE' | 'BOOLEAN' | 'VARCHAR' | 'VARCHAR[]' | 'INTEGER[]' | 'KIND[]' | 'PATH';

interface TableDef {
  /** The columns of the rows bt makes, in order, with their DuckDB types. */
  columns: Record<string, ColType>;
  /** The final columns: SQL expressions over those; $BUILD and $OFFSET are substituted. */
  select: string[];
  /** VARCHAR columns whose values are mostly from a known list: they travel as a number (chunk.ts, CODE). */
  vocab?: Record<string, readonly string[]>;
  /** VARCHAR columns often equal to another one: then they travel as a flag (`<name>__same`), not twice. */
  same?: Record<string, string>;
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
  jobs: {
    columns: {
      job: 'INTEGER', tool: 'VARCHAR', command: 'VARCHAR', argv: 'VARCHAR[]', cwd: 'VARCHAR', start_ts: 'BIGINT', end_ts: 'BIGINT',
      duration_ms: 'DOUBLE', exit_code: 'INTEGER', signal: 'INTEGER', failed: 'BOOLEAN', probe: 'BOOLEAN', test: 'BOOLEAN', processes: 'INTEGER',
      failed_processes: 'INTEGER', inputs: 'INTEGER[]', outputs: 'INTEGER[]', written: 'INTEGER[]', test_result: 'VARCHAR',
    },
    select: [
      '$BUILD AS build_id', 'job', 'tool', 'command', 'argv', 'cwd', wall('start_ts', 'start_ns'), wall('end_ts', 'end_ns'), 'duration_ms',
      'exit_code', 'signal', 'failed', 'probe', 'test', 'processes', 'failed_processes', 'inputs', 'outputs', 'written', 'test_result',
    ],
  },
  files: {
    columns: {
      file_id: 'INTEGER', path: 'VARCHAR', is_dir: 'BOOLEAN', created: 'BOOLEAN', removed: 'BOOLEAN', kind: 'KIND[]', role: 'VARCHAR',
      place: 'VARCHAR', mtime_ns: 'BIGINT', size: 'BIGINT',
    },
    select: ['$BUILD AS build_id', 'file_id', 'path', 'is_dir', 'created', 'removed', 'kind', 'role', 'place', 'mtime_ns', 'size'],
    vocab: { role: ROLES, place: PLACES },
  },
  accesses: {
    columns: {
      proc: 'INTEGER', job: 'INTEGER', file_id: 'INTEGER', path: 'PATH', kind: 'KIND[]', kinds: 'INTEGER', count: 'INTEGER',
      first_ts: 'BIGINT', last_ts: 'BIGINT', noise: 'BOOLEAN',
    },
    select: [
      '$BUILD AS build_id', 'proc', 'job', 'file_id', 'path', 'kind', 'kinds', 'count', wall('first_ts', 'first_ns'), wall('last_ts', 'last_ns'),
      'noise',
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
      end_ts: 'BIGINT', exit_code: 'INTEGER', cwd_incomplete: 'BOOLEAN', olddirfd: 'INTEGER', newdirfd: 'INTEGER', ftype: 'VARCHAR',
      mtime: 'BIGINT', mtime_nsec: 'INTEGER', target: 'VARCHAR', repeats: 'BIGINT', entries: 'BIGINT', calls: 'BIGINT',
      partial: 'BOOLEAN', size: 'BIGINT', times_now: 'BOOLEAN', atime: 'BIGINT', atime_nsec: 'INTEGER',
      umask: 'VARCHAR',
    },
    select: ['$BUILD AS build_id', '*', wall('ts', 'wall_ns')],
    vocab: { type: DISPLAY_TYPES, op: ['', ...OPS.map((o) => o.name)], ftype: FILE_TYPE_NAMES, target: [''] },
    same: { abspath: 'path' },
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
  /** How many rows there will be, when known: DuckDB plans its joins with it (the small table is the one hashed). */
  readonly expected?: number;
  /** Adds rows to `b` until it is full or this source is done. */
  fill(b: ChunkBuilder): void;
}

/** How a column travels into DuckDB: lists of strings as JSON text, kind names as their bits, paths as file ids. */
const CHUNK_TYPE: Record<ColType, ChunkType> = {
  INTEGER: 'INTEGER', BIGINT: 'BIGINT', DOUBLE: 'DOUBLE', BOOLEAN: 'BOOLEAN', VARCHAR: 'VARCHAR', 'VARCHAR[]': 'JSON', 'INTEGER[]': 'JSON', 'KIND[]': 'INTEGER',
  PATH: 'INTEGER',
};

/** The name of the column carrying the values of `name` that are not in its vocab. */
const otherName = (name: string) => `${name}__other`;
/** The name of the column telling that `name` equals its `same` column. */
const sameName = (name: string) => `${name}__same`;

/** The columns of a table's rows as they travel, in order (those of `columns`, then one per vocab). */
export function chunkColumns(t: TableName): Array<ChunkColumn & { name: string }> {
  const def = TABLE_DEFS[t];
  const names = Object.keys(def.columns);
  const vocab = Object.keys(def.vocab ?? {});
  const same = Object.keys(def.same ?? {});
  return [
    ...names.map((name) => {
      const v = def.vocab?.[name];
      return v ? { name, type: 'CODE' as const, vocab: v, other: names.length + vocab.indexOf(name) } : { name, type: CHUNK_TYPE[def.columns[name]] };
    }),
    ...vocab.map((name) => ({ name: otherName(name), type: 'VARCHAR' as const })),
    ...same.map((name) => ({ name: sameName(name), type: 'BOOLEAN' as const })),
  ];
}

const quote = (name: string) => `"${name}"`;
/** `s` as a SQL string literal. */
export const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
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

/**
 * The SQL giving a column its type back from how it travelled: the select
 * expression, and for KIND[] and PATH a LEFT JOIN with the small table of
 * names (a hash join: DuckDB streams the rows past it; a correlated
 * subquery would hold every row).
 */
function restore(name: string, t: ColType, i: number, vocab?: readonly string[], same?: string): { expr: string; join?: string } {
  const col = `src.${quote(name)}`;
  const as = quote(name);
  if (same) return { expr: `CASE WHEN src.${quote(sameName(name))} THEN src.${quote(same)} ELSE ${col} END AS ${as}` };
  if (vocab) return { expr: `coalesce([${vocab.map(lit).join(', ')}][${col}], src.${quote(otherName(name))}) AS ${as}` };
  if (t === 'VARCHAR[]') return { expr: `from_json(${col}, '["VARCHAR"]') AS ${as}` };
  if (t === 'INTEGER[]') return { expr: `from_json(${col}, '["INTEGER"]') AS ${as}` };
  if (t === 'KIND[]') return { expr: `j${i}.names AS ${as}`, join: `LEFT JOIN bt_kind_names j${i} ON j${i}.kinds = ${col}` };
  if (t === 'PATH') return { expr: `j${i}.path AS ${as}`, join: `LEFT JOIN bt_file_paths j${i} ON j${i}.file_id = ${col}` };
  return { expr: `${col} AS ${as}` };
}

/** The SELECT of a table's final columns over `from` (rows of `chunkColumns(t)`), for the log with header `h`. */
export function tableSelect(t: TableName, from: string, h: LogHeader): string {
  const def = TABLE_DEFS[t];
  const offset = BigInt(Math.round(h.boot_to_wall_ns ?? 0)).toString();
  const cols = Object.entries(def.columns).map(([k, type], i) => restore(k, type, i, def.vocab?.[k], def.same?.[k]));
  const joins = cols.flatMap((c) => (c.join ? [` ${c.join}`] : [])).join('');
  const select = def.select.map((e) => e.replace('$BUILD', lit(buildId(h))).replace('$OFFSET', `${offset}::BIGINT`)).join(', ');
  return `SELECT ${select} FROM (SELECT ${cols.map((c) => c.expr).join(', ')} FROM ${from} src${joins})`;
}

const ms = (ns: number) => Math.round(ns / 1e3) / 1e3;

/** The model's "sec.nsec" modification time as ns since the epoch (exact: a BigInt), or null when the build found none. */
export function mtimeNs(mtime: string | undefined): bigint | null {
  if (mtime === undefined) return null;
  const [sec, nsec = '0'] = mtime.split('.');
  return BigInt(sec) * 1_000_000_000n + BigInt(nsec);
}

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
  } else if (table === 'jobs') {
    const lookup = (id: number) => build.process(id);
    const reports = harnessReports(build.jobs.tests, lookup);
    for (const j of jobRows(build)) {
      const root = build.process(j.proc)!;
      const failedProcs = j.procs.reduce((n, id) => n + (failed(build.process(id)!) ? 1 : 0), 0);
      const test = build.jobs.isTest(j);
      // a test's result: a harness's (test-driver's reading of its test), else its root's; none for a harness's report
      const result = !test || reports.has(j.proc) ? null : (harnessResult(j, lookup)?.result ?? (failed(root) ? 'FAIL' : 'PASS'));
      yield [
        j.proc, programName(root), shellJoin(root.argv), root.argv, root.cwd, j.start, j.end, ms(j.end - j.start), root.exitCode < 0 ? null : root.exitCode,
        root.signal, failed(root), failedProbeRoot(m, root), test, j.procs.length, failedProcs, j.inputs, j.outputs, j.written, result,
      ];
    }
  } else if (table === 'files') {
    const roles = fileRoles(build);
    const places = filePlaces(build);
    for (const f of m.files) yield [f.id, f.path, f.dir, f.created, f.removed, f.kinds, roles[f.id], places[f.id], mtimeNs(f.mtime), f.size];
  } else {
    // runtime noise per use, as summary's groups tell it (groups.ts): by the path, unless this process read the file as a link input
    // (every process's loader maps libc.so.6; only the linker's read of it is an input)
    const pathNoise = pathNoiseOf(build);
    const links = linkInputs(build);
    for (const p of m.processes) {
      for (const a of p.files.values()) {
        const noise = pathNoise[a.file] === 1 && !links.get(a.file)?.has(a.proc);
        yield [a.proc, p.job, a.file, a.file, a.kinds, a.kinds, a.count, a.first, a.last, noise];
      }
    }
  }
}

/** The jobs table's rows: the build's jobs and its tests (JobIndex.tests, `test` true), by start time. */
function jobRows(build: Build): Job[] {
  return [...build.jobs.jobs, ...build.jobs.tests].sort((a, b) => a.start - b.start || a.proc - b.proc);
}

/** Makes bt_file_paths(file_id, path), where PATH columns are looked up, from the rows of a files table. */
export const filePathsSql = (from: string) => `CREATE OR REPLACE TEMP TABLE bt_file_paths AS SELECT file_id, path FROM ${from}`;

/** A model table's rows as a RowSource. */
export function modelSource(table: Exclude<TableName, 'events'>, build: Build, log: string): RowSource {
  const it = modelRows(table, build, log);
  const m = build.model;
  const expected =
    table === 'builds'
      ? 1
      : table === 'processes'
        ? m.processes.length
        : table === 'jobs'
          ? build.jobs.jobs.length + build.jobs.tests.length
          : table === 'files'
            ? m.files.length
            : m.processes.reduce((n, p) => n + p.files.size, 0);
  const src: RowSource = {
    table,
    rows: 0,
    done: false,
    expected,
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

/** The events table's writer: each column by name (those of chunkColumns, with abspath__same). */
const EVENTS = new EventWriter(Object.fromEntries(chunkColumns('events').map((c, i) => [c.name, i])));

/**
 * One pass over a log's normalized records: the build model (when asked)
 * and, as a RowSource, the rows of the events table.
 */
export class LogPass implements RowSource {
  readonly table = 'events';
  rows = 0;
  done = false;
  private readonly stream: ReturnType<typeof normalized>;
  private readonly batches: Iterator<LogRecord[]>;
  /** The batch being read, and the next record's place in it. */
  private batch: LogRecord[] = [];
  private at = 0;
  private readonly mb?: ModelBuilder;

  private readonly jobs: JobOptions;

  /** opts.jobs: --driver, for the model's jobs. */
  constructor(log: string, opts: { model: boolean; jobs?: JobOptions }) {
    this.jobs = opts.jobs ?? {};
    this.stream = normalized(log);
    this.batches = this.stream.batches();
    this.mb = opts.model ? new ModelBuilder(this.stream.header) : undefined;
  }

  fill(b: ChunkBuilder): void {
    while (!b.full) {
      if (this.at === this.batch.length) {
        const n = this.batches.next();
        if (n.done) {
          this.done = true;
          return;
        }
        this.batch = n.value;
        this.at = 0;
      }
      const r = this.batch[this.at++];
      this.mb?.add(r);
      if (r.env) continue; // a shared environment: in the execs that refer to it
      EVENTS.write(b, r);
      b.next();
      this.rows++;
    }
  }

  /** Once the pass is over: how the log was damaged (torn, a trailer that disagrees), if it was. */
  get damage(): Damage {
    return { torn: this.stream.torn, trailerMismatch: this.stream.trailerMismatch, live: this.stream.live };
  }

  /** The build model, once the pass is over (what is left of the log is read for it, without events). */
  build(): Build {
    if (!this.mb) throw new Error('LogPass: no model asked for');
    while (this.at < this.batch.length) this.mb.add(this.batch[this.at++]);
    for (let n = this.batches.next(); !n.done; n = this.batches.next()) for (const r of n.value) this.mb.add(r);
    this.done = true;
    return new Build(this.mb.finish({ incomplete: !this.stream.complete, live: this.stream.live, trailer: this.stream.trailer }), this.jobs);
  }
}
