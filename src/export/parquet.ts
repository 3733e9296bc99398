/**
 * bt export parquet: a directory of Parquet files (zstd), one per table
 * (builds, processes, files, accesses, events; see src/sql/tables.ts and
 * the README), written by DuckDB into a private staging directory next to
 * the target and moved into place when all are done.
 */
import fs from 'node:fs';
import path from 'node:path';
import { BtError, ExportError } from '../errors.js';
import { openBuildDb, TABLES, type TableName } from '../sql/index.js';
import { finishDir, stagingDir } from './output.js';

/** Writes the tables of `log` into directory `out`; returns the rows per table. */
export async function exportParquet(log: string, out: string): Promise<Record<TableName, number>> {
  const db = await openBuildDb([log]);
  const rows = {} as Record<TableName, number>;
  let staging: string | undefined;
  try {
    staging = stagingDir(out);
    const written = await db.prepare(TABLES);
    // Row order inside a file does not matter (ORDER BY seq, proc, …): lets DuckDB stream with less memory.
    await db.conn.run('SET preserve_insertion_order = false');
    for (const t of TABLES) {
      const file = path.join(staging, `${t}.parquet`);
      await db.conn.run(`COPY (SELECT * FROM ${t}) TO '${file.replace(/'/g, "''")}' (FORMAT parquet, COMPRESSION zstd)`);
      rows[t] = written.get(t)![0];
    }
  } catch (err) {
    if (staging) fs.rmSync(staging, { recursive: true, force: true });
    if (err instanceof BtError) throw err;
    throw new ExportError('E_EXPORT_OUTPUT', `cannot write the Parquet files into ${out}: ${String((err as Error)?.message ?? err).split('\n')[0]}`, { cause: err });
  } finally {
    db.close();
  }
  finishDir(staging, out);
  return rows;
}
