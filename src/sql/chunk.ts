/**
 * Rows into DuckDB without text in between: a ChunkBuilder holds up to one
 * DuckDB vector (2048 rows) of a table column by column (typed arrays for
 * numbers and booleans, JS strings for text, a validity bit per value) and
 * writes them into a DuckDB data chunk with one memory copy per fixed-width
 * column and one call per string. A JSON column carries any value (lists
 * of strings) as its JSON text, for DuckDB to parse back.
 */
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

export class ChunkBuilder {
  /** Rows in the chunk so far. */
  rows = 0;
  private readonly fixed: Array<Int32Array | Float64Array | Uint8Array | undefined>;
  private readonly text: Array<Array<string | undefined> | undefined>;
  private readonly valid: Uint8Array[];
  private readonly types: readonly ChunkType[];
  private readonly codes: Array<Map<string, number> | undefined>;

  constructor(readonly columns: readonly ChunkColumn[]) {
    const types = columns.map((c) => c.type);
    this.types = types;
    this.codes = columns.map((c) => (c.vocab ? new Map(c.vocab.map((v, i) => [v, i + 1])) : undefined));
    this.fixed = types.map((t) =>
      t === 'INTEGER' || t === 'CODE' ? new Int32Array(CHUNK_ROWS) : t === 'BIGINT' ? new Int32Array(2 * CHUNK_ROWS) : t === 'DOUBLE' ? new Float64Array(CHUNK_ROWS) : t === 'BOOLEAN' ? new Uint8Array(CHUNK_ROWS) : undefined,
    );
    this.text = types.map((t) => (t === 'VARCHAR' || t === 'JSON' ? new Array<string | undefined>(CHUNK_ROWS) : undefined));
    this.valid = types.map(() => new Uint8Array(CHUNK_ROWS / 8));
  }

  get full(): boolean {
    return this.rows === CHUNK_ROWS;
  }

  /** Sets column `c` of the current row; null, undefined and values of another kind stay NULL. */
  set(c: number, v: unknown): void {
    const r = this.rows;
    switch (this.types[c]) {
      case 'INTEGER':
        if (typeof v !== 'number') return;
        (this.fixed[c] as Int32Array)[r] = v;
        break;
      case 'CODE': {
        const code = typeof v === 'string' ? this.codes[c]!.get(v) : undefined;
        if (code === undefined) return this.set(this.columns[c].other!, v);
        (this.fixed[c] as Int32Array)[r] = code;
        break;
      }
      case 'BIGINT': {
        const a = this.fixed[c] as Int32Array;
        if (typeof v === 'number') {
          const n = Math.trunc(v);
          a[2 * r] = n >>> 0; // little-endian int64: low word, then high word
          a[2 * r + 1] = Math.floor(n / TWO32);
        } else if (typeof v === 'bigint') {
          new BigInt64Array(a.buffer, 8 * r, 1)[0] = BigInt.asIntN(64, v);
        } else return;
        break;
      }
      case 'DOUBLE':
        if (typeof v !== 'number') return;
        (this.fixed[c] as Float64Array)[r] = v;
        break;
      case 'BOOLEAN':
        if (typeof v !== 'boolean') return;
        (this.fixed[c] as Uint8Array)[r] = v ? 1 : 0;
        break;
      case 'VARCHAR':
        if (v === null || v === undefined) return;
        this.text[c]![r] = typeof v === 'string' ? v : String(v);
        break;
      case 'JSON':
        if (v === null || v === undefined) return;
        this.text[c]![r] = JSON.stringify(v);
        break;
    }
    this.valid[c][r >> 3] |= 1 << (r & 7);
  }

  /** Ends the current row. */
  next(): void {
    this.rows++;
  }

  /** Writes the rows into `chunk` (its columns of our types, JSON as VARCHAR) and empties the builder. */
  emit(duckdb: Bindings, chunk: DataChunk): number {
    const n = this.rows;
    const words = Math.ceil(n / 64) * 8;
    for (let c = 0; c < this.types.length; c++) {
      const vec = duckdb.data_chunk_get_vector(chunk, c);
      const fixed = this.fixed[c];
      const valid = this.valid[c];
      if (fixed) {
        const width = this.types[c] === 'BIGINT' ? 8 : fixed.BYTES_PER_ELEMENT;
        if (n) duckdb.copy_data_to_vector(vec, 0, fixed.buffer as ArrayBuffer, fixed.byteOffset, n * width);
      } else {
        const text = this.text[c]!;
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
        duckdb.copy_data_to_vector_validity(vec, 0, valid.buffer as ArrayBuffer, valid.byteOffset, words);
      }
      valid.fill(0);
    }
    duckdb.data_chunk_set_size(chunk, n);
    this.rows = 0;
    return n;
  }
}
