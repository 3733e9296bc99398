/**
 * Printing query results: an aligned table (numbers right-aligned), JSON
 * Lines (one object per row) or CSV (RFC 4180, a header line). Rows come
 * in chunks and are written as they come (resultSink): a query of millions
 * of rows never sits in memory. A table is aligned on its first
 * TABLE_ALIGN_ROWS rows (a wider cell later shifts its own line only). A
 * query of several statements prints each result in order.
 *
 * Values are DuckDB's (@duckdb/node-api DuckDBValue): scalars as DuckDB
 * prints them (`2026-12-01 10:24:22.166145222`, `2024-01-02`, `03:00:00`,
 * a blob's bytes with \xNN escapes), lists, structs and maps as JSON;
 * 64-bit integers exact.
 */

/** Rows a table is aligned on before its first line is written. */
export const TABLE_ALIGN_ROWS = 10_000;

/** DuckDB's nested values, told apart by shape (the module is loaded lazily: src/external.ts). */
interface ListLike {
  items: readonly unknown[];
}
interface MapLike {
  entries: ReadonlyArray<{ key: unknown; value: unknown }>;
}
interface StructLike {
  entries: Readonly<Record<string, unknown>>;
}
interface UnionLike {
  tag: string;
  value: unknown;
}
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isList = (v: unknown): v is ListLike => isObj(v) && Array.isArray(v.items);
const isMap = (v: unknown): v is MapLike => isObj(v) && Array.isArray(v.entries);
const isStruct = (v: unknown): v is StructLike => isObj(v) && isObj(v.entries) && !Array.isArray(v.entries);
const isUnion = (v: unknown): v is UnionLike => isObj(v) && typeof v.tag === 'string' && 'value' in v;
const isDecimal = (v: unknown) => isObj(v) && v.constructor?.name === 'DuckDBDecimalValue';
const isPlain = (v: unknown) => isObj(v) && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);
/** Lists, structs, maps, unions, JS arrays and objects: shown as JSON. */
const isNested = (v: unknown) => Array.isArray(v) || isList(v) || isMap(v) || isStruct(v) || isUnion(v) || isPlain(v);

/** A value as JSON can carry it: 64-bit integers as numbers when exact, else strings; nested values as arrays and objects; other DuckDB values as DuckDB prints them. */
export function jsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (!isObj(v)) return v;
  if (Array.isArray(v)) return v.map(jsonValue);
  if (isList(v)) return v.items.map(jsonValue);
  if (isMap(v)) {
    // an object where every key is text or a number (MAP {'k': 'v'} -> {"k":"v"}), else the pairs
    const pairs = v.entries.map((e) => [jsonValue(e.key), jsonValue(e.value)] as const);
    return pairs.every(([k]) => typeof k === 'string' || typeof k === 'number') ? Object.fromEntries(pairs) : pairs.map(([key, value]) => ({ key, value }));
  }
  if (isStruct(v)) return Object.fromEntries(Object.entries(v.entries).map(([k, x]) => [k, jsonValue(x)]));
  if (isUnion(v)) return jsonValue(v.value);
  if (isDecimal(v)) {
    const s = String(v);
    return String(Number(s)) === s.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '') ? Number(s) : s;
  }
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (isPlain(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonValue(x)]));
  return String(v);
}

/** A value as text in a table or CSV cell. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (isNested(v)) return JSON.stringify(jsonValue(v));
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

const isNumeric = (v: unknown) => typeof v === 'number' || typeof v === 'bigint' || isDecimal(v);

export type ResultFormat = 'table' | 'json' | 'csv';

/** Where a result goes, chunk by chunk: add the rows as they come, then end. */
export interface ResultSink {
  add(rows: readonly unknown[][]): void;
  end(): void;
}

class TableSink implements ResultSink {
  private held: string[][] | undefined = [];
  private numeric: boolean[];
  private width: number[] = [];
  private count = 0;

  constructor(
    private readonly columns: string[],
    private readonly out: (s: string) => void,
  ) {
    this.numeric = columns.map(() => true);
  }

  add(rows: readonly unknown[][]): void {
    for (const r of rows) {
      this.count++;
      const cells = r.map((v) => cellText(v).replace(/[\n\t]/g, ' '));
      if (this.held) {
        r.forEach((v, i) => {
          if (v !== null && !isNumeric(v)) this.numeric[i] = false;
        });
        this.held.push(cells);
        if (this.held.length >= TABLE_ALIGN_ROWS) this.flush();
      } else this.out(`${this.line(cells)}\n`);
    }
  }

  end(): void {
    if (this.held) this.flush();
    this.out(`(${this.count} ${this.count === 1 ? 'row' : 'rows'})\n`);
  }

  /** Widths and alignment from the rows held so far; prints the header and them. */
  private flush(): void {
    const held = this.held!;
    this.held = undefined;
    if (!held.length) this.numeric = this.columns.map(() => false);
    this.width = this.columns.map((c, i) => Math.max(c.length, ...held.map((r) => r[i].length)));
    const text = [this.line(this.columns), this.width.map((w) => '-'.repeat(w)).join('  '), ...held.map((r) => this.line(r))];
    this.out(`${text.join('\n')}\n`);
  }

  private line(vals: string[]): string {
    return vals
      .map((v, i) => (this.numeric[i] ? v.padStart(this.width[i]) : v.padEnd(this.width[i])))
      .join('  ')
      .trimEnd();
  }
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * A result's sink in `format`, writing to `out`. Results after the first
 * (`first` false) begin with a blank line as tables and CSV (each has its
 * own header); JSON Lines go on, each object naming its columns.
 */
export function resultSink(format: ResultFormat, columns: string[], out: (s: string) => void, first = true): ResultSink {
  if (!first && format !== 'json') out('\n');
  if (format === 'table') return new TableSink(columns, out);
  if (format === 'csv') {
    out(`${columns.map(csvCell).join(',')}\n`);
    return {
      add: (rows) => {
        if (rows.length) out(`${rows.map((r) => r.map((v) => csvCell(cellText(v))).join(',')).join('\n')}\n`);
      },
      end: () => {},
    };
  }
  return {
    add: (rows) => {
      if (rows.length) out(`${rows.map((r) => JSON.stringify(Object.fromEntries(columns.map((c, i) => [c, jsonValue(r[i])])))).join('\n')}\n`);
    },
    end: () => {},
  };
}

/** A whole result as text (resultSink into a string). */
export function formatResult(format: ResultFormat, columns: string[], rows: readonly unknown[][], first = true): string {
  let text = '';
  const sink = resultSink(format, columns, (s) => (text += s), first);
  sink.add(rows);
  sink.end();
  return text;
}

export const formatTable = (columns: string[], rows: readonly unknown[][]) => formatResult('table', columns, rows);
export const formatJsonLines = (columns: string[], rows: readonly unknown[][]) => formatResult('json', columns, rows);
export const formatCsv = (columns: string[], rows: readonly unknown[][]) => formatResult('csv', columns, rows);
