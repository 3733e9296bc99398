/**
 * bt export parquet: a directory of Parquet files (zstd), one per table
 * (builds, processes, files, accesses, events; see src/sql/tables.ts and
 * the README), written by DuckDB into a private staging directory next to
 * the target and moved into place when all are done. The rows stream from
 * one pass over the log into DuckDB's Parquet writer: no table is held whole.
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
    const dir = staging;
    // Row order inside a file does not matter (ORDER BY seq, proc, …).
    const written = await db.loadLogs(TABLES, (t, _log, select) => db.copy(t, select, path.join(dir, `${t}.parquet`), 'zstd'));
    for (const t of TABLES) rows[t] = written.get(t)![0];
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
