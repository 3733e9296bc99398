/**
 * SQL over builds with DuckDB embedded (@duckdb/node-api).
 *
 * Sources are logs (tables built on the fly from the build model and the
 * normalized stream) or directories written by `bt export parquet` (read
 * where they are). Each of the tables builds, processes, files, accesses
 * and events is a view over all sources (UNION ALL BY NAME), made only
 * when the query names it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { BtError, LogError, SqlError } from '../errors.js';
import { LogReader } from '../log/reader.js';
import type { LogHeader } from '../log/schema.js';
import type { Bindings } from './chunk.js';
import { Feed } from './feed.js';
import { chunkColumns, LogPass, modelSource, TABLE_DEFS, tableSelect, TABLES, type RowSource, type TableName } from './tables.js';

export { buildId, TABLES, type TableName } from './tables.js';

export interface Source {
  kind: 'log' | 'parquet';
  path: string;
}

/** What each argument is: a Parquet directory (has builds.parquet) or a log. */
export function classify(inputs: readonly string[]): Source[] {
  return inputs.map((p) => {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(p);
    } catch (err) {
      throw new SqlError('E_SQL', `cannot read ${p} (${(err as NodeJS.ErrnoException).code ?? err}): give a log or a directory written by bt export parquet`, { cause: err });
    }
    if (st.isDirectory()) {
      if (!TABLES.some((t) => fs.existsSync(path.join(p, `${t}.parquet`)))) {
        throw new SqlError('E_SQL', `${p} is a directory without Parquet tables: give a directory written by bt export parquet, or a log`);
      }
      return { kind: 'parquet', path: p };
    }
    return { kind: 'log', path: p };
  });
}

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The tables a query names (as words). */
export function tablesNamed(query: string): TableName[] {
  const q = query.toLowerCase();
  return TABLES.filter((t) => new RegExp(`\\b${t}\\b`).test(q));
}

/** Turns DuckDB's errors into one line. */
function sqlError(err: unknown, what: string): SqlError {
  if (err instanceof BtError) throw err;
  const msg = String((err as Error)?.message ?? err).split('\n')[0];
  return new SqlError('E_SQL', `${what}: ${msg}`, { cause: err });
}

/** Where a table's rows of one log go: given the SELECT over them, makes them a table or writes them to a file. */
export type Sink = (table: TableName, log: number, select: string) => Promise<void>;

type NodeApi = typeof import('@duckdb/node-api');

/** DuckDB's memory cap when logs' tables are kept in a database file. */
const MEMORY_LIMIT = '512MB';

/** A DuckDB database with bt's tables over some logs and Parquet directories. */
export class BuildDb {
  private readonly made = new Set<TableName>();
  /** The row sources the table function bt_rows(key) reads, by key. */
  private readonly pending = new Map<string, Feed>();
  /** What a row source threw, for the caller (DuckDB only gets its message). */
  private failure?: unknown;

  private constructor(
    readonly conn: DuckDBConnection,
    private readonly instance: DuckDBInstance,
    readonly sources: Source[],
    private readonly bindings: Bindings,
    private readonly tmp?: string,
  ) {}

  /**
   * A database over `sources`. With `inMemory` unset and logs among the
   * sources, their tables are kept in a database file in a private
   * temporary directory (removed by close) and DuckDB's memory is capped
   * (MEMORY_LIMIT, spilling there too): memory stays bounded however many
   * logs there are.
   */
  static async open(sources: Source[], opts: { inMemory?: boolean } = {}): Promise<BuildDb> {
    // Loaded here, not at start-up: its native library costs every other bt command a few hundred ms.
    const api = await import('@duckdb/node-api');
    const bindings = (await import('@duckdb/node-bindings')).default;
    const tmp = !opts.inMemory && sources.some((s) => s.kind === 'log') ? fs.mkdtempSync(path.join(os.tmpdir(), 'bt-sql-')) : undefined;
    try {
      const instance = tmp
        ? await api.DuckDBInstance.create(path.join(tmp, 'tables.duckdb'), { memory_limit: MEMORY_LIMIT, temp_directory: path.join(tmp, 'spill') })
        : await api.DuckDBInstance.create(':memory:');
      const db = new BuildDb(await instance.connect(), instance, sources, bindings, tmp);
      db.registerRows(api);
      return db;
    } catch (err) {
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  /** bt_rows(key): the rows of a pending row source, pulled a chunk at a time. */
  private registerRows(api: NodeApi): void {
    const TYPES = { INTEGER: api.INTEGER, BIGINT: api.BIGINT, DOUBLE: api.DOUBLE, BOOLEAN: api.BOOLEAN, VARCHAR: api.VARCHAR, JSON: api.VARCHAR, CODE: api.INTEGER };
    this.conn.registerTableFunction(
      api.DuckDBTableFunction.create({
        name: 'bt_rows',
        parameterTypes: [api.VARCHAR],
        bindFunction: (info) => {
          const key = String(info.getParameter(0));
          const p = this.pending.get(key);
          if (!p) return info.setError(`no rows called ${key}`);
          for (const c of chunkColumns(p.src.table)) info.addResultColumn(c.name, TYPES[c.type]);
          info.setBindData({ key });
        },
        initFunction: () => {},
        mainFunction: (info, out) => {
          const p = this.pending.get((info.bindData as { key: string }).key);
          try {
            if (!p) throw new Error('bt_rows: its rows are gone');
            p.pull(this.bindings, out.chunk);
          } catch (err) {
            this.failure = err;
            info.setError(String((err as Error)?.message ?? err));
          }
        },
      }),
    );
  }

  /** Gives the rows of `src` to `sink` (through bt_rows); returns how many there were. */
  private async stage(src: RowSource, log: number, header: LogHeader, sink: Sink): Promise<number> {
    const key = `${src.table}-${log}`;
    const feed = new Feed(src, chunkColumns(src.table));
    this.pending.set(key, feed);
    this.failure = undefined;
    try {
      await sink(src.table, log, tableSelect(src.table, `bt_rows(${lit(key)})`, header));
    } catch (err) {
      if (this.failure !== undefined) throw this.failure;
      throw sqlError(err, `making the ${src.table} table`);
    } finally {
      feed.close();
      this.pending.delete(key);
    }
    return src.rows;
  }

  /**
   * Gives the rows of `tables` of every log to `sink`, one log at a time (one
   * pass over it for the model and the events; the model is dropped before
   * the next log: memory is one build's at a time). Returns the rows per
   * table and log.
   */
  async loadLogs(tables: readonly TableName[], sink: Sink): Promise<Map<TableName, number[]>> {
    const rows = new Map<TableName, number[]>(tables.map((t) => [t, []]));
    const logs = this.sources.filter((s) => s.kind === 'log');
    const modelTables = tables.filter((t): t is Exclude<TableName, 'events'> => t !== 'events');
    for (const [i, s] of logs.entries()) {
      const r = LogReader.open(s.path);
      const header = r.header;
      r.close();
      const pass = new LogPass(s.path, { model: modelTables.length > 0 });
      if (tables.includes('events')) rows.get('events')!.push(await this.stage(pass, i, header, sink));
      if (!modelTables.length) continue;
      const build = pass.build();
      for (const t of modelTables) rows.get(t)!.push(await this.stage(modelSource(t, build, s.path), i, header, sink));
    }
    return rows;
  }

  /** Makes the views of `tables` over every source (logs: their rows made into tables once). */
  async prepare(tables: readonly TableName[]): Promise<Map<TableName, number[]>> {
    const todo = tables.filter((t) => !this.made.has(t));
    const staged = (t: TableName, i: number) => `bt_${t}_${i}`;
    const rows = await this.loadLogs(todo, (t, i, select) => this.conn.run(`CREATE TABLE ${staged(t, i)} AS ${select}`).then(() => undefined));
    for (const t of todo) {
      const parts = rows.get(t)!.map((_, i) => `SELECT * FROM ${staged(t, i)}`);
      const files = this.sources.filter((s) => s.kind === 'parquet').map((s) => path.join(s.path, `${t}.parquet`)).filter((f) => fs.existsSync(f));
      if (files.length) parts.push(`SELECT * FROM read_parquet([${files.map(lit).join(', ')}], union_by_name = true)`);
      if (!parts.length) continue;
      try {
        await this.conn.run(`CREATE VIEW ${t} AS ${parts.map((p) => `(${p})`).join(' UNION ALL BY NAME ')}`);
      } catch (err) {
        throw sqlError(err, `making the ${t} table`);
      }
      this.made.add(t);
    }
    return rows;
  }

  /** Runs a query; the tables it names are made first. */
  async query(sql: string): Promise<{ columns: string[]; rows: unknown[][] }> {
    await this.prepare(tablesNamed(sql));
    try {
      const r = await this.conn.runAndReadAll(sql);
      return { columns: r.columnNames(), rows: r.getRowsJS() as unknown[][] };
    } catch (err) {
      throw sqlError(err, 'the query failed');
    }
  }

  close(): void {
    try {
      this.conn.closeSync();
      this.instance.closeSync();
    } finally {
      if (this.tmp) fs.rmSync(this.tmp, { recursive: true, force: true });
    }
  }
}

/** Opens the sources, or says clearly which one is not a log. */
export async function openBuildDb(inputs: readonly string[], opts: { inMemory?: boolean } = {}): Promise<BuildDb> {
  const sources = classify(inputs);
  for (const s of sources) {
    if (s.kind !== 'log') continue;
    try {
      LogReader.open(s.path).close();
    } catch (err) {
      if (err instanceof LogError) throw new SqlError('E_SQL', `${err.message}`, { cause: err });
      throw err;
    }
  }
  return BuildDb.open(sources, opts);
}
