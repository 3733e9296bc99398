/**
 * bt sql QUERY LOG... [--json|--csv]: SQL over builds (see src/sql/).
 */
import { Command } from 'commander';
import { UsageError } from '../errors.js';
import { writeAllSync } from '../log/io.js';
import { sqlHelp } from '../sql/docs.js';
import { checkQuery, openBuildDb, TABLES } from '../sql/index.js';
import { resultSink } from '../sql/format.js';
import { reportDamage } from './options.js';

export function sqlCommand(): Command {
  return new Command('sql')
    .description('run SQL (DuckDB) over one or many logs or directories written by bt export parquet')
    .argument('<query>', `the SQL query (statements apart by ";" run in order, each result printed); tables: ${TABLES.join(', ')}`)
    .argument('<logs...>', 'logs written by bt trace or bt normalize ("-" for stdin), or directories written by bt export parquet')
    .option('--json', 'print JSON Lines, one object per row')
    .option('--csv', 'print CSV with a header line')
    .addHelpText('after', sqlHelp())
    .action(async (query: string, logs: string[], o: { json?: boolean; csv?: boolean }) => {
      if (o.json && o.csv) throw new UsageError('E_USAGE', 'choose one of --json and --csv');
      checkQuery(query);
      const db = await openBuildDb(logs);
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
