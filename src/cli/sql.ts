/**
 * bt sql QUERY LOG... [--json|--csv]: SQL over builds (see src/sql/).
 */
import fs from 'node:fs';
import { Command } from 'commander';
import { UsageError } from '../errors.js';
import { writeAllSync } from '../log/io.js';
import { isLogFile } from '../log/magic.js';
import { displayPath } from '../present/format.js';
import { sqlHelp } from '../sql/docs.js';
import { checkQuery, openBuildDb, TABLES } from '../sql/index.js';
import { resultSink } from '../sql/format.js';
import { driverOption, reportDamage } from './options.js';

/** `bt sql build.trace "SELECT …"`: a log (or an export directory) where the query goes says which goes first. */
function refuseLogFirst(query: string): void {
  let dir = false;
  try {
    dir = fs.statSync(query).isDirectory();
  } catch {
    /* no such file: a query */
  }
  if (!dir && !isLogFile(query)) return;
  throw new UsageError(
    'E_USAGE',
    `${displayPath(query)} is ${dir ? 'a directory' : 'a log'}, not a query: give the query first, then the logs (bt sql QUERY LOG...)`,
    { command: 'bt sql' },
  );
}

export function sqlCommand(): Command {
  return new Command('sql')
    .description('run SQL (DuckDB) over one or many logs or directories written by bt export parquet')
    .argument('<query>', `the SQL query (statements apart by ";" run in order, each result printed); tables: ${TABLES.join(', ')}`)
    .argument('<logs...>', 'logs written by bt trace or bt normalize ("-" for stdin), or directories written by bt export parquet')
    .option('--json', 'print JSON Lines, one object per row')
    .option('--csv', 'print CSV with a header line')
    .addOption(driverOption('the jobs of the logs given, not of Parquet directories, whose jobs their export made'))
    .addHelpText('after', sqlHelp())
    .action(async (query: string, logs: string[], o: { json?: boolean; csv?: boolean; driver?: string[] }) => {
      if (o.json && o.csv) throw new UsageError('E_USAGE', 'choose one of --json and --csv');
      refuseLogFirst(query);
      checkQuery(query);
      const db = await openBuildDb(logs, { drivers: o.driver });
      try {
        for (const r of await db.repeatedBuilds()) {
          process.stderr.write(`bt sql: note: build ${r.build} is in ${r.sources.join(' and ')}: its rows count ${r.sources.length === 2 ? 'twice' : `${r.sources.length} times`}\n`);
        }
        await db.restrictFiles();
        let first = true;
        const out = (s: string) => writeAllSync(1, Buffer.from(s, 'utf8'));
        for await (const { columns, chunks } of db.statements(query)) {
          const sink = resultSink(o.json ? 'json' : o.csv ? 'csv' : 'table', columns, out, first);
          for await (const rows of chunks) sink.add(rows);
          sink.end();
          first = false;
        }
      } finally {
        db.close();
      }
      for (const l of db.lacking) {
        process.stderr.write(`bt sql: note: ${l.dirs.join(', ')} ${l.dirs.length > 1 ? 'have' : 'has'} no ${l.table} table (written by an earlier bt export parquet): ${l.table} lacks ${l.dirs.length > 1 ? 'their builds' : 'its build'}; export the log again\n`);
      }
      for (const d of db.damaged) reportDamage(d.log, d);
    });
}
