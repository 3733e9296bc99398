/**
 * ChunkBuilder: values of every column type written into a DuckDB data
 * chunk and read back through a table: 64-bit integers beyond 32 bits and
 * negative, NULLs where nothing (or a value of another kind) was set, lists
 * as JSON text, strings from a known list as their number with the others
 * kept as text, and a builder reused across chunks leaving nothing behind.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import duckdb from '@duckdb/node-bindings';
import { BIGINT, BOOLEAN, DOUBLE, DuckDBDataChunk, DuckDBInstance, INTEGER, VARCHAR } from '@duckdb/node-api';
import { CHUNK_ROWS, ChunkBuilder, type ChunkColumn } from '../../src/sql/chunk.js';

const COLUMNS: ChunkColumn[] = [
  { type: 'INTEGER' },
  { type: 'BIGINT' },
  { type: 'DOUBLE' },
  { type: 'BOOLEAN' },
  { type: 'VARCHAR' },
  { type: 'JSON' },
  { type: 'CODE', vocab: ['open', 'close'], other: 7 },
  { type: 'VARCHAR' },
];
const DUCK = [INTEGER, BIGINT, DOUBLE, BOOLEAN, VARCHAR, VARCHAR, INTEGER, VARCHAR];

test('every column type into DuckDB and back; NULL where nothing was set; codes and their overflow text', async () => {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    await conn.run('CREATE TABLE t (i INTEGER, b BIGINT, d DOUBLE, f BOOLEAN, s VARCHAR, j VARCHAR, c INTEGER, other VARCHAR)');
    const app = await conn.createAppender('t');
    const chunk = DuckDBDataChunk.create(DUCK);
    const b = new ChunkBuilder(COLUMNS);
    const rows: unknown[][] = [
      [-100, 1_700_000_000_123_456, 0.25, true, '/usr/include/stdio.h', ['cc', '-c', 'a "b".c', ''], 'close'],
      [7, -5, -1.5, false, 'x', [], 'pipe2'],
      [undefined, 2 ** 40 + 3, undefined, undefined, undefined, undefined, undefined],
      ['not a number', 12n ** 17n, 'nope', 1, null, null, 42],
    ];
    // more rows than one chunk: the builder is emptied and reused
    for (let n = 0; n < CHUNK_ROWS + 3; n++) {
      const row = rows[n % rows.length];
      for (let c = 0; c < row.length; c++) b.set(c, row[c]);
      b.next();
      if (b.full) {
        assert.equal(b.emit(duckdb, chunk.chunk), CHUNK_ROWS);
        app.appendDataChunk(chunk);
        chunk.reset();
      }
    }
    assert.equal(b.emit(duckdb, chunk.chunk), 3);
    app.appendDataChunk(chunk);
    app.closeSync();
    const got = (await conn.runAndReadAll('SELECT * FROM t')).getRowsJS();
    assert.equal(got.length, CHUNK_ROWS + 3);
    const want = [
      [-100, 1_700_000_000_123_456n, 0.25, true, '/usr/include/stdio.h', '["cc","-c","a \\"b\\".c",""]', 2, null],
      [7, -5n, -1.5, false, 'x', '[]', null, 'pipe2'],
      [null, 2n ** 40n + 3n, null, null, null, null, null, null],
      [null, BigInt.asIntN(64, 12n ** 17n), null, null, null, null, null, '42'],
    ];
    for (const [n, row] of got.entries()) assert.deepEqual(row, want[n % want.length], `row ${n}`);
    assert.deepEqual(
      (await conn.runAndReadAll(`SELECT from_json(j, '["VARCHAR"]') FROM t LIMIT 2`)).getRowsJS(),
      [[['cc', '-c', 'a "b".c', '']], [[]]],
    );
  } finally {
    conn.closeSync();
    db.closeSync();
  }
});
