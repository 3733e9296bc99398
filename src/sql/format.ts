/**
 * Printing query results: an aligned table (numbers right-aligned), JSON
 * Lines (one object per row) or CSV (RFC 4180, a header line). A query of
 * several statements prints each result in order (formatResult).
 */

/** A value as JSON can carry it: 64-bit integers as numbers when exact, else strings; dates as ISO text. */
export function jsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(jsonValue);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonValue(x)]));
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return v;
}

/** A value as text in a table or CSV cell. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return JSON.stringify(jsonValue(v));
}

const isNumeric = (v: unknown) => typeof v === 'number' || typeof v === 'bigint';

export function formatTable(columns: string[], rows: unknown[][]): string {
  const cells = rows.map((r) => r.map((v) => cellText(v).replace(/[\n\t]/g, ' ')));
  const width = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const right = columns.map((_, i) => rows.length > 0 && rows.every((r) => r[i] === null || isNumeric(r[i])));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => (right[i] ? v.padStart(width[i]) : v.padEnd(width[i])))
      .join('  ')
      .trimEnd();
  const out = [line(columns), width.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)];
  out.push(`(${rows.length} ${rows.length === 1 ? 'row' : 'rows'})`);
  return `${out.join('\n')}\n`;
}

export function formatJsonLines(columns: string[], rows: unknown[][]): string {
  return rows.map((r) => JSON.stringify(Object.fromEntries(columns.map((c, i) => [c, jsonValue(r[i])])))).join('\n') + (rows.length ? '\n' : '');
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function formatCsv(columns: string[], rows: unknown[][]): string {
  return [columns, ...rows.map((r) => r.map(cellText))].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

export type ResultFormat = 'table' | 'json' | 'csv';

/**
 * One statement's result in `format`. Results after the first (`first`
 * false) begin with a blank line as tables and CSV (each has its own
 * header); JSON Lines go on, each object naming its columns.
 */
export function formatResult(format: ResultFormat, columns: string[], rows: unknown[][], first: boolean): string {
  const text = format === 'json' ? formatJsonLines(columns, rows) : format === 'csv' ? formatCsv(columns, rows) : formatTable(columns, rows);
  return first || format === 'json' ? text : `\n${text}`;
}
