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
import { buildId, readLog, TABLE_DEFS, TABLES, writeModelRows, type TableName } from './tables.js';

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

/** A DuckDB database with bt's tables over some logs and Parquet directories. */
export class BuildDb {
  private tmp?: string;
  private readonly made = new Set<TableName>();

  private constructor(
    readonly conn: DuckDBConnection,
    private readonly instance: DuckDBInstance,
    readonly sources: Source[],
  ) {}

  static async open(sources: Source[]): Promise<BuildDb> {
    // Loaded here, not at start-up: its native library costs every other bt command a few hundred ms.
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:');
    return new BuildDb(await instance.connect(), instance, sources);
  }

  private tmpDir(): string {
    this.tmp ??= fs.mkdtempSync(path.join(os.tmpdir(), 'bt-sql-'));
    return this.tmp;
  }

  /**
   * Writes the rows of `tables` of every log (one model load per log, then
   * dropped: memory is one build's at a time) and returns, per table, the
   * SELECTs over them, with the rows written per log.
   */
  private writeLogs(tables: readonly TableName[]): { selects: Map<TableName, string[]>; rows: Map<TableName, number[]> } {
    const selects = new Map<TableName, string[]>(tables.map((t) => [t, []]));
    const rows = new Map<TableName, number[]>(tables.map((t) => [t, []]));
    const logs = this.sources.filter((s) => s.kind === 'log');
    for (const [i, s] of logs.entries()) {
      const r = LogReader.open(s.path);
      const header = r.header;
      r.close();
      const file = (t: TableName) => path.join(this.tmpDir(), `${t}-${i}.json`);
      // one pass over the log for the model and the events
      const { build, events } = readLog(s.path, {
        model: tables.some((t) => t !== 'events'),
        eventsFile: tables.includes('events') ? file('events') : undefined,
      });
      for (const t of tables) {
        rows.get(t)!.push(t === 'events' ? events! : writeModelRows(t, build!, s.path, file(t)));
        const def = TABLE_DEFS[t];
        const offset = BigInt(Math.round(header.boot_to_wall_ns ?? 0)).toString();
        const cols = Object.entries(def.json).map(([k, v]) => `${k}: ${lit(v)}`).join(', ');
        const select = def.select.map((e) => e.replace('$BUILD', lit(buildId(header))).replace('$OFFSET', `${offset}::BIGINT`)).join(', ');
        selects.get(t)!.push(`SELECT ${select} FROM read_json(${lit(file(t))}, format='newline_delimited', columns={${cols}})`);
      }
    }
    return { selects, rows };
  }

  /** Makes the views of `tables` over every source (logs: their rows are written once, to private temporary files). */
  async prepare(tables: readonly TableName[]): Promise<Map<TableName, number[]>> {
    const todo = tables.filter((t) => !this.made.has(t));
    const { selects, rows } = this.writeLogs(todo);
    for (const t of todo) {
      const parts = [...selects.get(t)!];
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
export async function openBuildDb(inputs: readonly string[]): Promise<BuildDb> {
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
  return BuildDb.open(sources);
}
