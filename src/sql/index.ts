/**
 * SQL over builds with DuckDB embedded (@duckdb/node-api).
 *
 * Sources are logs (tables built on the fly from the build model and the
 * normalized stream, written once as Parquet to a private temporary
 * directory) or directories written by `bt export parquet` (read where they
 * are). Each of the tables builds, processes, jobs, files, accesses and
 * events is a view over the Parquet files of all sources (union_by_name),
 * made only when the query names it. A table DuckDB does not know is named
 * as bt's (unknownTable), not as DuckDB's catalog would suggest.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { DuckDBConnection, DuckDBInstance, DuckDBPreparedStatement } from '@duckdb/node-api';
import { BtError, LogError, SqlError } from '../errors.js';
import { importExternal } from '../external.js';
import type { Damage } from '../log/check.js';
import { unnamedWorkingDir, workingDir } from '../log/io.js';
import { LogReader } from '../log/reader.js';
import type { LogHeader } from '../log/schema.js';
import type { Bindings } from './chunk.js';
import { Feed } from './feed.js';
import { nearestNames } from '../model/nearest.js';
import type { JobOptions } from '../model/index.js';
import { buildId, chunkColumns, filePathsSql, KIND_NAMES_SQL, lit, LogPass, modelSource, tableSelect, TABLES, type RowSource, type TableName } from './tables.js';

export { buildId, TABLES, type TableName } from './tables.js';

export interface Source {
  kind: 'log' | 'parquet';
  path: string;
}

/** What each argument is: a Parquet directory (has builds.parquet) or a log. */
export function classify(inputs: readonly string[]): Source[] {
  return inputs.map((p) => {
    if (p === '-') return { kind: 'log', path: p }; // stdin
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

/** The tables a query names (as words). */
export function tablesNamed(query: string): TableName[] {
  // the words of the query outside string literals and comments ('%/show/%' names nothing)
  const q = withoutComments(query).replace(/'(?:[^']|'')*'/g, "''").toLowerCase();
  // a look at the catalog (a statement SHOW TABLES, DESCRIBE …, information_schema, duckdb_tables()…) names no table: it sees them all
  if (/(^|;)\s*(show|describe|summarize)\b|\binformation_schema\s*\.|\bduckdb_(tables|views|columns)\s*\(/.test(q)) return [...TABLES];
  return TABLES.filter((t) => new RegExp(`\\b${t}\\b`).test(q));
}

let gc: (() => void) | undefined;

/**
 * A full garbage collection. V8 would let the heap grow by a whole dropped
 * build model before collecting it, and memory over many logs would be two
 * builds' rather than one's.
 */
function collectGarbage(): void {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  gc();
}

/** A hint longer than this (DuckDB's candidate functions: one per overload) is cut at a comma. */
const MAX_HINT = 120;

/**
 * DuckDB's error message as one line: the message, then its hint
 * (`Candidate bindings: "tool"`, `Did you mean "processes"?`, a list of
 * candidate functions, shortened) after a semicolon; the excerpt of the
 * query with a caret under the error (after a blank line) is left out.
 */
export function duckdbMessage(message: string): string {
  const [head] = message.replace(/^Failed to extract statements: /, '').split(/\n[ \t]*\n/);
  const lines = head.split('\n').map((l) => l.trim()).filter(Boolean);
  if (!lines.length) return message.trim();
  const hint: string[] = [];
  let list = false; // the lines after one ending in ':' ("Candidate functions:") are its items
  for (const l of lines.slice(1)) {
    if (list) hint[hint.length - 1] += hint[hint.length - 1].endsWith(':') ? ` ${l}` : `, ${l}`;
    else hint.push(l);
    list ||= l.endsWith(':');
  }
  if (!hint.length) return lines[0];
  let h = hint.map((x) => x.replace(/[.!]$/, '')).join('; ');
  if (h.length > MAX_HINT) {
    const cut = h.lastIndexOf(', ', MAX_HINT - 3);
    h = `${cut > 0 ? h.slice(0, cut) : h.slice(0, MAX_HINT - 1)}, …`;
  }
  return `${lines[0].replace(/[.!]$/, '')}; ${h}`;
}

const FILES_HINT = ': bt sql reads only the logs and Parquet directories given and writes only to stdout (--csv, --json)';

/** Statements that write, load or attach files (DuckDB's StatementType numbers), refused once files are restricted. */
/** DuckDB's statement type of LOAD, which INSTALL has too. */
const LOAD_STATEMENT = 21;
const STATEMENT_NAMES: Record<number, string> = { 11: 'COPY', 16: 'EXPORT', 18: 'VACUUM', 19: 'CALL', 21: 'LOAD', 23: 'INSTALL', 25: 'ATTACH', 26: 'DETACH', 28: 'COPY DATABASE', 29: 'UPDATE EXTENSIONS' };
const REFUSED_STATEMENTS = new Set(Object.keys(STATEMENT_NAMES).map(Number));

/** Turns DuckDB's errors into one line; `absent`: bt's tables that no source given has (unknownTable). */
function sqlError(err: unknown, what: string, absent: ReadonlyMap<TableName, string[]> = new Map()): SqlError {
  if (err instanceof BtError) throw err;
  const msg = duckdbMessage(String((err as Error)?.message ?? err));
  const table = unknownTable(msg, absent);
  if (table) return new SqlError('E_SQL', `${what}: ${table}`, { cause: err });
  const hint = /file system operations are disabled by configuration/.test(msg) ? FILES_HINT : '';
  return new SqlError('E_SQL', `${what}: ${msg}${hint}`, { cause: err });
}

/** DuckDB's catalog views (pg_constraint, duckdb_tables, sqlite_master…): what it suggests for a table it does not know, never what a bt user meant. */
const CATALOG_NAME = /^(pg_|duckdb_|sqlite_|information_schema|pragma_)/;

/**
 * For DuckDB's "Table with name X does not exist" (whose suggestion is a
 * catalog view: `Did you mean "pg_constraint"?`), what bt's tables are,
 * the nearest of them by name, or DuckDB's suggestion when it is a table
 * of the query's own (CREATE TEMP TABLE); for one of bt's tables that the
 * Parquet directories given lack, that they were written by an earlier bt.
 * Undefined for any other message (an unknown column keeps DuckDB's
 * candidate bindings).
 */
export function unknownTable(msg: string, absent: ReadonlyMap<TableName, string[]> = new Map()): string | undefined {
  const m = /^Catalog Error: Table with name (\S+) does not exist(?:; Did you mean "([^"]+)")?/.exec(msg);
  if (!m) return undefined;
  const [, name, suggested] = m;
  const lower = name.toLowerCase() as TableName;
  const dirs = absent.get(lower);
  if (dirs) {
    return `no table ${name} in ${dirs.join(', ')}: ${dirs.length > 1 ? 'they were' : 'it was'} written by an earlier bt export parquet; export the log${dirs.length > 1 ? 's' : ''} again, or give the log${dirs.length > 1 ? 's' : ''}`;
  }
  const near = nearestNames(lower, TABLES, 1)[0] ?? (suggested && !CATALOG_NAME.test(suggested) ? suggested : undefined);
  return `no table ${name}: bt's tables are ${TABLES.join(', ')} (bt sql --help lists their columns)${near ? `; did you mean ${near}?` : ''}`;
}

/** The query without its comments (from -- to the end of the line, and C-style blocks). */
function withoutComments(sql: string): string {
  return sql.replace(/--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)/g, '');
}

/** True if the query has no statement: nothing but blanks, comments and semicolons. */
export function isEmptyQuery(sql: string): boolean {
  return withoutComments(sql).replace(/[\s;]/g, '') === '';
}

const emptyQuery = () => new SqlError('E_SQL', 'the query is empty: give one or more SQL statements, e.g. bt sql "SELECT tool, count(*) FROM processes GROUP BY tool" LOG');

/** Refuses a query without a statement (before any log is read). */
export function checkQuery(sql: string): void {
  if (isEmptyQuery(sql)) throw emptyQuery();
}

/** A statement's result: column names and rows (JS values). */
export interface QueryResult {
  columns: string[];
  rows: unknown[][];
}

/** A statement's result as it comes: column names, then its rows a chunk at a time (DuckDB values: src/sql/format.ts). Read it to the end before the next. */
export interface StreamedResult {
  columns: string[];
  chunks: AsyncIterable<unknown[][]>;
}

/** Where a table's rows of one log go: given the SELECT over them, makes them a table or writes them to a file. */
export type Sink = (table: TableName, log: number, select: string) => Promise<void>;

type NodeApi = typeof import('@duckdb/node-api');

/**
 * How a table is written to Parquet. Events (millions of rows): two DuckDB
 * threads, so that while one encodes and compresses a row group the other
 * takes rows and bt's side rarely waits (kernel log: 10.0 -> 7.4 s), with
 * row groups of 16,384 rows to keep the two writers' buffers small. The
 * model's tables: one thread, row groups of 32,768 rows (not DuckDB's
 * 122,880).
 */
const WRITE = { events: { threads: 2, rowGroup: 16_384 }, other: { threads: 1, rowGroup: 32_768 } };

/** A DuckDB database with bt's tables over some logs and Parquet directories. */
export class BuildDb {
  private readonly made = new Set<TableName>();
  /** Tables a query named that no source has, with the Parquet directories given (exported by a bt before the table existed). */
  private readonly absent = new Map<TableName, string[]>();
  /** Tables a query named that some Parquet directories given lack (exported by an earlier bt): the command notes them. */
  readonly lacking: Array<{ table: TableName; dirs: string[] }> = [];
  /** restrictFiles() was called: a query's statements that touch files are refused. */
  private restricted = false;
  /** The logs read so far that were damaged (torn, or a trailer that disagrees), with how: the command warns. */
  readonly damaged: Array<Damage & { log: string }> = [];
  /** The row sources the table function bt_rows(key) reads, by key. */
  private readonly pending = new Map<string, Feed>();
  /** What a row source threw, for the caller (DuckDB only gets its message). */
  private failure?: unknown;

  private tmp?: string;

  private constructor(
    readonly conn: DuckDBConnection,
    private readonly instance: DuckDBInstance,
    readonly sources: Source[],
    private readonly bindings: Bindings,
    /** DuckDB's return type of a statement that returns rows (not CREATE, SET, INSERT, COPY). */
    private readonly queryResult: number,
    /** --driver: the jobs of the logs' models (model/jobs.ts). */
    private readonly jobOptions: JobOptions = {},
  ) {}

  static async open(sources: Source[], jobs: JobOptions = {}): Promise<BuildDb> {
    if (workingDir() === undefined) {
      // DuckDB asks for it when it starts (getcwd), and fails with "Could not get working directory!"
      throw new SqlError('E_CWD', `DuckDB cannot run here: it needs the name of the working directory, which ${unnamedWorkingDir()}; run bt from another directory, with absolute paths`);
    }
    // Loaded here, not at start-up: its native library costs every other bt command a few hundred ms.
    const api = await importExternal<NodeApi>('@duckdb/node-api');
    const bindings = (await importExternal<{ default: Bindings }>('@duckdb/node-bindings')).default;
    const instance = await api.DuckDBInstance.create(':memory:');
    const db = new BuildDb(await instance.connect(), instance, sources, bindings, api.ResultReturnType.QUERY_RESULT, jobs);
    db.registerRows(api);
    return db;
  }

  /**
   * The builds found in more than one source (a log and its own export, a
   * log given twice): their rows would count once per source.
   */
  async repeatedBuilds(): Promise<Array<{ build: string; sources: string[] }>> {
    const where = new Map<string, string[]>();
    const note = (id: string, src: string) => where.set(id, [...(where.get(id) ?? []), src]);
    for (const s of this.sources) {
      if (s.kind === 'log') {
        const r = LogReader.open(s.path);
        note(buildId(r.header), s.path);
        r.close();
      } else {
        const f = path.join(s.path, 'builds.parquet');
        if (!fs.existsSync(f)) continue;
        const res = await this.conn.runAndReadAll(`SELECT DISTINCT build_id FROM read_parquet(${lit(f)})`);
        for (const [id] of res.getRows()) note(String(id), s.path);
      }
    }
    return [...where].filter(([, srcs]) => srcs.length > 1).map(([build, sources]) => ({ build, sources }));
  }

  /**
   * From here on DuckDB reads only bt's own files (its temporary directory
   * and the Parquet directories given) and a query writes none: bt sql runs
   * as root. DuckDB's allowed directories are writable too, so statements
   * that write or load files (COPY, EXPORT, ATTACH, INSTALL, LOAD, CALL) are
   * refused by their type; results go to stdout (--csv, --json).
   */
  async restrictFiles(): Promise<void> {
    const dirs = [this.tmpDir(), ...this.sources.filter((s) => s.kind === 'parquet').map((s) => fs.realpathSync(s.path))];
    await this.conn.run(`SET allowed_directories = [${dirs.map((d) => lit(`${d.replace(/\/$/, '')}/`)).join(', ')}]`);
    await this.conn.run('SET enable_external_access = false');
    this.restricted = true;
  }

  private tmpDir(): string {
    this.tmp ??= fs.mkdtempSync(path.join(os.tmpdir(), 'bt-sql-'));
    return this.tmp;
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
          if (p.src.expected !== undefined) info.setCardinality(p.src.expected, true);
          info.setBindData({ key });
        },
        // as many DuckDB threads as the COPY has (WRITE): JS serves their pulls one at a time
        initFunction: (info) => info.setMaxThreads(WRITE.events.threads),
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

  /** Runs `use` with the rows of `src` readable as bt_rows(key) (the SQL given to `use`); returns how many there were. */
  private async withRows(src: RowSource, key: string, use: (from: string) => Promise<unknown>): Promise<number> {
    const feed = new Feed(src, chunkColumns(src.table));
    this.pending.set(key, feed);
    this.failure = undefined;
    try {
      await use(`bt_rows(${lit(key)})`);
    } catch (err) {
      if (this.failure !== undefined) throw this.failure;
      throw sqlError(err, `making the ${src.table} table`);
    } finally {
      feed.close();
      this.pending.delete(key);
    }
    return src.rows;
  }

  /** Gives the rows of `src` to `sink`; returns how many there were. */
  private stage(src: RowSource, log: number, header: LogHeader, sink: Sink): Promise<number> {
    return this.withRows(src, `${src.table}-${log}`, (from) => sink(src.table, log, tableSelect(src.table, from, header)));
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
    if (!logs.length || !tables.length) return rows;
    // the look-up tables (kind names, file paths) exist while logs are loaded only: SHOW TABLES lists the build's tables alone
    await this.conn.run(KIND_NAMES_SQL);
    try {
      for (const [i, s] of logs.entries()) {
        if (i > 0) collectGarbage(); // the last log's model, before the next one's is built
        for (const [t, n] of await this.loadLog(s.path, i, tables, sink)) rows.get(t)!.push(n);
      }
    } finally {
      await this.conn.run('DROP TABLE IF EXISTS bt_kind_names; DROP TABLE IF EXISTS bt_file_paths');
    }
    return rows;
  }

  /** loadLogs for one log (its own call: nothing of it stays referenced once it is done). */
  private async loadLog(log: string, i: number, tables: readonly TableName[], sink: Sink): Promise<Array<[TableName, number]>> {
    const rows: Array<[TableName, number]> = [];
    const r = LogReader.open(log);
    const header = r.header;
    r.close();
    const modelTables = tables.filter((t): t is Exclude<TableName, 'events'> => t !== 'events');
    const pass = new LogPass(log, { model: modelTables.length > 0, jobs: this.jobOptions });
    if (tables.includes('events')) rows.push(['events', await this.stage(pass, i, header, sink)]);
    if (!modelTables.length) {
      this.noteDamage(log, pass);
      return rows;
    }
    const build = pass.build();
    this.noteDamage(log, pass);
    if (modelTables.includes('accesses')) await this.withRows(modelSource('files', build, log), 'file-paths', (from) => this.conn.run(filePathsSql(from)));
    for (const t of modelTables) rows.push([t, await this.stage(modelSource(t, build, log), i, header, sink)]);
    return rows;
  }

  private noteDamage(log: string, pass: LogPass): void {
    const d = pass.damage;
    if ((d.torn || d.trailerMismatch || d.live) && !this.damaged.some((x) => x.log === log)) this.damaged.push({ log, ...d });
  }

  /** Writes the rows of table `t` (its `select`) to Parquet file `file`, streamed: row order is not kept (WRITE). */
  async copy(t: TableName, select: string, file: string, compression: 'zstd' | 'snappy'): Promise<void> {
    const w = t === 'events' ? WRITE.events : WRITE.other;
    await this.conn.run(`SET preserve_insertion_order = false; SET threads = ${w.threads}`);
    try {
      await this.conn.run(`COPY (${select}) TO ${lit(file)} (FORMAT parquet, COMPRESSION ${compression}, ROW_GROUP_SIZE ${w.rowGroup})`);
    } finally {
      await this.conn.run('RESET preserve_insertion_order; RESET threads');
    }
  }

  /**
   * Makes the views of `tables` over every source. A log's rows are written
   * once, as Parquet (snappy: quick) in a private temporary directory, and
   * read from there like an exported directory's: DuckDB's memory stays
   * small however many logs there are.
   */
  async prepare(tables: readonly TableName[]): Promise<Map<TableName, number[]>> {
    const todo = tables.filter((t) => !this.made.has(t));
    const staged = new Map<TableName, string[]>(todo.map((t) => [t, []]));
    const rows = await this.loadLogs(todo, async (t, i, select) => {
      const file = path.join(this.tmpDir(), `${t}-${i}.parquet`);
      await this.copy(t, select, file, 'snappy');
      staged.get(t)!.push(file);
    });
    for (const t of todo) {
      const exported: string[] = [];
      // a directory exported before the table existed (jobs): said, not a table that silently lacks its builds
      const lacking: string[] = [];
      for (const s of this.sources) {
        if (s.kind !== 'parquet') continue;
        const f = path.join(s.path, `${t}.parquet`);
        if (fs.existsSync(f)) exported.push(f);
        else lacking.push(s.path);
      }
      const files = [...staged.get(t)!, ...exported];
      if (!files.length) {
        this.absent.set(t, lacking);
        continue;
      }
      if (lacking.length) this.lacking.push({ table: t, dirs: lacking });
      try {
        await this.conn.run(`CREATE VIEW ${t} AS SELECT * FROM read_parquet([${files.map(lit).join(', ')}], union_by_name = true)`);
      } catch (err) {
        throw sqlError(err, `making the ${t} table`);
      }
      this.made.add(t);
    }
    return rows;
  }

  /**
   * Runs every statement of `sql` in order (the tables they name are made
   * first) and yields the result of each that returns rows, as it comes:
   * its rows are read from DuckDB a chunk at a time while the caller writes
   * them (read each to its end before asking for the next). Statements
   * that return none (CREATE, SET, INSERT) yield nothing. A statement that
   * fails ends it: the error names the statement when there are several,
   * and a syntax error anywhere runs none.
   */
  async *statements(sql: string): AsyncGenerator<StreamedResult> {
    for await (const { stmt, failed } of this.prepared(sql)) {
      let result;
      try {
        result = await stmt.stream();
      } catch (err) {
        throw sqlError(err, failed, this.absent);
      }
      if (result.returnType !== this.queryResult) continue;
      const rows = result.yieldRows() as AsyncIterableIterator<unknown[][]>;
      const absent = this.absent;
      try {
        yield {
          columns: result.columnNames(),
          chunks: (async function* () {
            try {
              yield* rows;
            } catch (err) {
              throw sqlError(err, failed, absent);
            }
          })(),
        };
      } finally {
        // a result its reader left (a write that failed before its rows were read): closed before its statement is
        await rows.return?.(undefined);
      }
    }
  }

  /** Runs a query's statements (statements); returns the last result that has rows, whole, as JS values (no columns if none had). */
  async query(sql: string): Promise<QueryResult> {
    let last: QueryResult = { columns: [], rows: [] };
    for await (const { stmt, failed } of this.prepared(sql)) {
      try {
        const r = await stmt.runAndReadAll();
        if (r.returnType === this.queryResult) last = { columns: r.columnNames(), rows: r.getRowsJS() as unknown[][] };
      } catch (err) {
        throw sqlError(err, failed, this.absent);
      }
    }
    return last;
  }

  /** The statements of `sql`, each prepared (and refused if it reaches beyond the logs) when its turn comes, with the words that name it in an error. */
  private async *prepared(sql: string): AsyncGenerator<{ stmt: DuckDBPreparedStatement; failed: string }> {
    checkQuery(sql);
    await this.prepare(tablesNamed(sql));
    // DuckDB makes EXPORT DATABASE's directory while preparing it, before its type can be read
    if (this.restricted && /\bexport\s+database\b/i.test(withoutComments(sql))) {
      throw new SqlError('E_SQL', `the query is an EXPORT statement${FILES_HINT}`);
    }
    let extracted;
    try {
      extracted = await this.conn.extractStatements(sql);
    } catch (err) {
      // DuckDB found no statement and no error (comments isEmptyQuery does not know, e.g. nested ones)
      if (!/^Failed to extract statements: /.test(String((err as Error)?.message))) throw emptyQuery();
      throw sqlError(err, 'the query failed');
    }
    const n = extracted.count;
    for (let i = 0; i < n; i++) {
      const failed = n > 1 ? `the query failed at statement ${i + 1} of ${n}` : 'the query failed';
      let stmt: DuckDBPreparedStatement;
      try {
        stmt = await extracted.prepare(i);
      } catch (err) {
        throw sqlError(err, failed, this.absent);
      }
      try {
        if (this.restricted && REFUSED_STATEMENTS.has(stmt.statementType)) {
          // DuckDB gives INSTALL the type of LOAD: name what was typed
          const typed = withoutComments(sql);
          const name = stmt.statementType === LOAD_STATEMENT && /\binstall\b/i.test(typed) && !/\bload\b/i.test(typed) ? 'INSTALL' : STATEMENT_NAMES[stmt.statementType]!;
          throw new SqlError('E_SQL', `${n > 1 ? `statement ${i + 1} of ${n}` : 'the query'} is ${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name} statement${FILES_HINT}`);
        }
        yield { stmt, failed };
      } finally {
        stmt.destroySync();
      }
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

/** Opens the sources (logs and Parquet directories, told apart by classify), or says clearly which one is not a log. */
export function openBuildDb(inputs: readonly string[], jobs: JobOptions = {}): Promise<BuildDb> {
  return openSources(classify(inputs), jobs);
}

/**
 * Opens sources known to be what they are: bt export parquet's log is a
 * log, whatever is at its path, and a missing one or a directory is told
 * as every other command that reads a log tells it (LogReader.open:
 * `cannot open …: no such file or directory (ENOENT); check the path`).
 */
export async function openSources(sources: Source[], jobs: JobOptions = {}): Promise<BuildDb> {
  for (const s of sources) {
    if (s.kind !== 'log') continue;
    try {
      LogReader.open(s.path).close();
    } catch (err) {
      if (err instanceof LogError) throw new SqlError('E_SQL', `${err.message}`, { cause: err });
      throw err;
    }
  }
  return BuildDb.open(sources, jobs);
}
