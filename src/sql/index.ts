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
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { BtError, LogError, SqlError } from '../errors.js';
import { LogReader } from '../log/reader.js';
import { loadBuild, type Build } from '../model/index.js';
import { buildId, TABLE_DEFS, TABLES, writeEventRows, writeModelRows, type TableName } from './tables.js';

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
  private readonly builds = new Map<string, Build>();
  private readonly made = new Set<TableName>();

  private constructor(
    readonly conn: DuckDBConnection,
    private readonly instance: DuckDBInstance,
    readonly sources: Source[],
  ) {}

  static async open(sources: Source[]): Promise<BuildDb> {
    const instance = await DuckDBInstance.create(':memory:');
    return new BuildDb(await instance.connect(), instance, sources);
  }

  private tmpDir(): string {
    this.tmp ??= fs.mkdtempSync(path.join(os.tmpdir(), 'bt-sql-'));
    return this.tmp;
  }

  private build(log: string): Build {
    let b = this.builds.get(log);
    if (!b) {
      b = loadBuild(log);
      this.builds.set(log, b);
    }
    return b;
  }

  /** Loads table `t` of every log into `log_<t>` (rows appended log by log); returns rows per log. */
  async loadLogs(t: TableName): Promise<number[]> {
    const counts: number[] = [];
    const logs = this.sources.filter((s) => s.kind === 'log');
    let first = true;
    for (const [i, s] of logs.entries()) {
      const file = path.join(this.tmpDir(), `${t}-${i}.json`);
      let header;
      if (t === 'events') {
        const r = LogReader.open(s.path);
        header = r.header;
        r.close();
        counts.push(writeEventRows(s.path, file));
      } else {
        const b = this.build(s.path);
        header = b.header;
        counts.push(writeModelRows(t, b, s.path, file));
      }
      const def = TABLE_DEFS[t];
      const offset = BigInt(Math.round(header.boot_to_wall_ns ?? 0)).toString();
      const cols = Object.entries(def.json).map(([k, v]) => `${k}: ${lit(v)}`).join(', ');
      const select = def.select.map((e) => e.replace('$BUILD', lit(buildId(header))).replace('$OFFSET', `${offset}::BIGINT`)).join(', ');
      const from = `read_json(${lit(file)}, format='newline_delimited', columns={${cols}})`;
      const sql = first ? `CREATE TABLE log_${t} AS SELECT ${select} FROM ${from}` : `INSERT INTO log_${t} SELECT ${select} FROM ${from}`;
      try {
        await this.conn.run(sql);
      } catch (err) {
        throw sqlError(err, `loading ${t} of ${s.path}`);
      }
      fs.rmSync(file, { force: true });
      first = false;
    }
    return counts;
  }

  /** Makes view `t` over every source. */
  async makeView(t: TableName): Promise<void> {
    if (this.made.has(t)) return;
    const parts: string[] = [];
    if (this.sources.some((s) => s.kind === 'log')) {
      await this.loadLogs(t);
      parts.push(`SELECT * FROM log_${t}`);
    }
    const files = this.sources.filter((s) => s.kind === 'parquet').map((s) => path.join(s.path, `${t}.parquet`)).filter((f) => fs.existsSync(f));
    if (files.length) parts.push(`SELECT * FROM read_parquet([${files.map(lit).join(', ')}], union_by_name = true)`);
    if (!parts.length) return;
    try {
      await this.conn.run(`CREATE VIEW ${t} AS ${parts.join(' UNION ALL BY NAME ')}`);
    } catch (err) {
      throw sqlError(err, `making the ${t} table`);
    }
    this.made.add(t);
  }

  /** Runs a query; the tables it names are made first. */
  async query(sql: string): Promise<{ columns: string[]; rows: unknown[][] }> {
    for (const t of tablesNamed(sql)) await this.makeView(t);
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
