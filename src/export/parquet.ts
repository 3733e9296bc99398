/**
 * bt export parquet: a directory of Parquet files (zstd), one per table
 * (builds, processes, jobs, files, accesses, events; see src/sql/tables.ts and
 * the README), written by DuckDB into a private directory next to the
 * target and moved into place when all are done (SafeDir: the root-safe
 * output module's openOutputDir). The rows stream from one pass over the
 * log into DuckDB's Parquet writer: no table is held whole.
 */
import type fs from 'node:fs';
import type { Damage } from '../log/check.js';
import type { JobOptions } from '../model/index.js';
import { BtError, ExportError } from '../errors.js';
import { openSources, TABLES, type TableName } from '../sql/index.js';
import { SafeDir } from './output.js';

const TABLE_FILES = new Set<string>(TABLES.map((t) => `${t}.parquet`));

/** An earlier bt export parquet: nothing but table files (a directory with anything else is not replaced). */
export function isParquetExport(entries: fs.Dirent[]): boolean {
  return entries.every((e) => e.isFile() && TABLE_FILES.has(e.name));
}

/**
 * Writes the tables of `log` into directory `out`; returns the rows per
 * table and how the log was damaged, if it was. `log` is a log, never a
 * Parquet directory (bt sql's other input): one that cannot be opened is
 * said as every command says it, before anything is written. `out` may be
 * missing, an empty directory or an earlier export (replaced as a whole);
 * anything else is refused before the log is read.
 */
export async function exportParquet(log: string, out: string, jobs: JobOptions = {}): Promise<{ rows: Record<TableName, number>; damage?: Damage }> {
  const db = await openSources([{ kind: 'log', path: log }], jobs);
  let dir: SafeDir;
  try {
    dir = SafeDir.create(
      out,
      isParquetExport,
      `it is a directory with files bt export parquet did not write: bt replaces only an empty directory or an earlier export (${[...TABLE_FILES].join(', ')}); remove it or choose another path`,
    );
  } catch (err) {
    db.close();
    throw err;
  }
  const rows = {} as Record<TableName, number>;
  let damage: Damage | undefined;
  try {
    try {
      // Row order inside a file does not matter (ORDER BY seq, proc, …).
      const written = await db.loadLogs(TABLES, (t, _log, select) => db.copy(t, select, `${dir.scratch}/${t}.parquet`, 'zstd'));
      for (const t of TABLES) rows[t] = written.get(t)![0];
      damage = db.damaged[0];
    } finally {
      db.close();
    }
  } catch (err) {
    dir.abort();
    if (err instanceof BtError) throw err;
    const why = String((err as Error)?.message ?? err).split('\n')[0].replaceAll(dir.scratch, out);
    throw new ExportError('E_EXPORT_OUTPUT', `cannot write the Parquet files into ${out}: ${why}`, { cause: err });
  }
  dir.commit();
  return { rows, damage };
}
