/**
 * The chunks of a RowSource as DuckDB pulls them through bt_rows, filled
 * ahead: between two pulls (while DuckDB works on the last chunk: parsing,
 * compressing, writing) the JS thread fills up to `depth` more chunks, so
 * that bt's side and DuckDB's run at the same time on two cores.
 */
import { ChunkBuilder, type Bindings, type ChunkColumn } from './chunk.js';
import type { RowSource } from './tables.js';

type DataChunk = import('@duckdb/node-bindings').DataChunk;

export class Feed {
  private readonly ready: ChunkBuilder[] = [];
  private readonly spare: ChunkBuilder[] = [];
  private scheduled = false;
  private closed = false;
  /** What filling ahead threw: thrown to the next pull. */
  private error?: unknown;

  constructor(
    readonly src: RowSource,
    private readonly columns: readonly ChunkColumn[],
    private readonly depth = 4,
  ) {}

  /** Writes the next chunk of rows into `chunk`: 0 rows when there are no more. */
  pull(duckdb: Bindings, chunk: DataChunk): number {
    if (this.error !== undefined) throw this.error;
    let b = this.ready.shift();
    if (!b) {
      b = this.builder();
      if (!this.src.done) this.src.fill(b);
    }
    const n = b.emit(duckdb, chunk);
    this.spare.push(b);
    this.ahead();
    return n;
  }

  /** Stops filling ahead. */
  close(): void {
    this.closed = true;
    this.ready.length = 0;
  }

  private builder(): ChunkBuilder {
    return this.spare.pop() ?? new ChunkBuilder(this.columns);
  }

  /** Fills one more chunk on the next turn of the event loop (DuckDB's pulls get theirs in between). */
  private ahead(): void {
    if (this.scheduled || this.closed || this.src.done || this.ready.length >= this.depth || this.error !== undefined) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.closed || this.src.done) return;
      const b = this.builder();
      try {
        this.src.fill(b);
      } catch (err) {
        this.error = err;
        return;
      }
      (b.rows ? this.ready : this.spare).push(b);
      this.ahead();
    });
  }
}
