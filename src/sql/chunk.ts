/**
 * Rows into DuckDB without text in between: a ChunkBuilder holds up to one
 * DuckDB vector (2048 rows) of a table column by column (typed arrays for
 * numbers and booleans, JS strings for text, a validity bit per value) and
 * writes them into a DuckDB data chunk with one memory copy per fixed-width
 * column and one call per string. A JSON column carries any value (lists
 * of strings) as its JSON text, for DuckDB to parse back.
 */
import { isWellFormed, toWellFormed } from '../log/bytes.js';

/** DuckDB's C API (@duckdb/node-bindings), passed in: loaded only by the commands that use DuckDB. */
export type Bindings = typeof import('@duckdb/node-bindings');
type DataChunk = import('@duckdb/node-bindings').DataChunk;

/**
 * The types of the columns a ChunkBuilder holds. JSON: a VARCHAR with the
 * value's JSON text. CODE: an INTEGER, the 1-based place of a string in a
 * known list (`vocab`), or NULL with the string in VARCHAR column `other`.
 */
export type ChunkType = 'INTEGER' | 'BIGINT' | 'DOUBLE' | 'BOOLEAN' | 'VARCHAR' | 'JSON' | 'CODE';

export interface ChunkColumn {
  type: ChunkType;
  vocab?: readonly string[];
  other?: number;
}

/** Rows per chunk: DuckDB's vector size. */
export const CHUNK_ROWS = 2048;

const TWO32 = 4294967296;

const INT = 0;
const CODE = 1;
const BIG = 2;
const DBL = 3;
const BOOL = 4;
const TEXT = 5;
const JSONT = 6;
const KIND: Record<ChunkType, number> = { INTEGER: INT, CODE, BIGINT: BIG, DOUBLE: DBL, BOOLEAN: BOOL, VARCHAR: TEXT, JSON: JSONT };
/** Bytes of validity bits per column. */
const VALID = CHUNK_ROWS / 8;

/** A list of strings as the JSON text a VARCHAR[] travels as (DuckDB's JSON refuses lone surrogates: U+FFFD, as text() does). */
export function jsonList(v: readonly unknown[]): string {
  return JSON.stringify(v.some((x) => typeof x === 'string' && !isWellFormed(x)) ? v.map((x) => (typeof x === 'string' ? toWellFormed(x) : x)) : v);
}

export class ChunkBuilder {
  /** Rows in the chunk so far. */
  rows = 0;
  // one array per column of each kind, so that every access is of one type
  private readonly kind: Uint8Array;
  private readonly i32: Int32Array[];
  private readonly f64: Float64Array[];
  private readonly u8: Uint8Array[];
  private readonly strs: Array<Array<string | undefined>>;
  private readonly codes: Array<Map<string, number> | undefined>;
  /** The validity bits of every column, VALID bytes each. */
  private readonly valid: Uint8Array;

  constructor(readonly columns: readonly ChunkColumn[]) {
    const n = columns.length;
    this.kind = Uint8Array.from(columns, (c) => KIND[c.type]);
    const none = { i32: new Int32Array(0), f64: new Float64Array(0), u8: new Uint8Array(0), text: [] as Array<string | undefined> };
    const k = (c: number) => this.kind[c];
    this.i32 = Array.from({ length: n }, (_, c) => (k(c) === INT || k(c) === CODE ? new Int32Array(CHUNK_ROWS) : k(c) === BIG ? new Int32Array(2 * CHUNK_ROWS) : none.i32));
    this.f64 = Array.from({ length: n }, (_, c) => (k(c) === DBL ? new Float64Array(CHUNK_ROWS) : none.f64));
    this.u8 = Array.from({ length: n }, (_, c) => (k(c) === BOOL ? new Uint8Array(CHUNK_ROWS) : none.u8));
    this.strs = Array.from({ length: n }, (_, c) => (k(c) === TEXT || k(c) === JSONT ? new Array<string | undefined>(CHUNK_ROWS) : none.text));
    this.codes = columns.map((c) => (c.vocab ? new Map(c.vocab.map((v, i) => [v, i + 1])) : undefined));
    this.valid = new Uint8Array(n * VALID);
  }

  get full(): boolean {
    return this.rows === CHUNK_ROWS;
  }

  /** Sets column `c` of the current row; null, undefined and values of another kind stay NULL. */
  set(c: number, v: unknown): void {
    switch (this.kind[c]) {
      case INT:
        if (typeof v === 'number') this.int(c, v);
        break;
      case CODE:
        if (typeof v === 'string') this.code(c, v);
        else this.set(this.columns[c].other!, v); // a number or the like: as text
        break;
      case BIG:
        if (typeof v === 'number') this.big(c, v);
        else if (typeof v === 'bigint') {
          new BigInt64Array(this.i32[c].buffer, 8 * this.rows, 1)[0] = BigInt.asIntN(64, v);
          this.isSet(c);
        }
        break;
      case DBL:
        if (typeof v !== 'number') return;
        this.f64[c][this.rows] = v;
        this.isSet(c);
        break;
      case BOOL:
        if (typeof v === 'boolean') this.bool(c, v);
        break;
      case TEXT:
        if (v !== null && v !== undefined) this.text(c, typeof v === 'string' ? v : String(v));
        break;
      case JSONT:
        if (v !== null && v !== undefined) this.text(c, Array.isArray(v) ? jsonList(v) : JSON.stringify(v));
        break;
    }
  }

  // Setters for a column known to be of their type (INTEGER, BIGINT, BOOLEAN, VARCHAR or JSON's text, CODE): no checks.

  int(c: number, v: number): void {
    this.i32[c][this.rows] = v;
    this.isSet(c);
  }

  big(c: number, v: number): void {
    const a = this.i32[c];
    const r = this.rows;
    const n = Math.trunc(v);
    a[2 * r] = n >>> 0; // little-endian int64: low word, then high word
    a[2 * r + 1] = Math.floor(n / TWO32);
    this.isSet(c);
  }

  bool(c: number, v: boolean): void {
    this.u8[c][this.rows] = v ? 1 : 0;
    this.isSet(c);
  }

  /** A VARCHAR: DuckDB holds UTF-8 only, so a byte that is not UTF-8 (a lone surrogate) becomes U+FFFD. */
  text(c: number, v: string): void {
    this.strs[c][this.rows] = toWellFormed(v);
    this.isSet(c);
  }

  /** A CODE column: the value's place in the vocab, or the value in the `other` column. */
  code(c: number, v: string): void {
    const code = this.codes[c]!.get(v);
    if (code === undefined) return this.text(this.columns[c].other!, v);
    this.i32[c][this.rows] = code;
    this.isSet(c);
  }

  private isSet(c: number): void {
    const r = this.rows;
    this.valid[c * VALID + (r >> 3)] |= 1 << (r & 7);
  }

  /** Ends the current row. */
  next(): void {
    this.rows++;
  }

  /** Writes the rows into `chunk` (its columns of our types, JSON as VARCHAR, CODE as INTEGER) and empties the builder. */
  emit(duckdb: Bindings, chunk: DataChunk): number {
    const n = this.rows;
    const words = Math.ceil(n / 64) * 8;
    const valid = this.valid;
    for (let c = 0; c < this.kind.length; c++) {
      const vec = duckdb.data_chunk_get_vector(chunk, c);
      const k = this.kind[c];
      const fixed = k === DBL ? this.f64[c] : k === BOOL ? this.u8[c] : k === TEXT || k === JSONT ? undefined : this.i32[c];
      if (fixed) {
        const width = k === BIG ? 8 : fixed.BYTES_PER_ELEMENT;
        if (n) duckdb.copy_data_to_vector(vec, 0, fixed.buffer as ArrayBuffer, fixed.byteOffset, n * width);
      } else {
        const text = this.strs[c];
        for (let r = 0; r < n; r++) {
          const s = text[r];
          if (s !== undefined) {
            duckdb.vector_assign_string_element(vec, r, s);
            text[r] = undefined;
          }
        }
      }
      if (n) {
        duckdb.vector_ensure_validity_writable(vec);
        duckdb.copy_data_to_vector_validity(vec, 0, valid.buffer as ArrayBuffer, valid.byteOffset + c * VALID, words);
      }
    }
    valid.fill(0);
    duckdb.data_chunk_set_size(chunk, n);
    this.rows = 0;
    return n;
  }
}
