/**
 * bt sql QUERY LOG... [--json|--csv]: SQL over builds (see src/sql/).
 */
import { Command } from 'commander';
import { SqlError } from '../errors.js';

export function sqlCommand(): Command {
  return new Command('sql')
    .description('run SQL (DuckDB) over one or many logs or exported Parquet directories')
    .argument('<query>', 'the SQL query; tables: builds, processes, files, accesses, events')
    .argument('<logs...>', 'logs written by bt trace or bt normalize, or directories written by bt export parquet')
    .option('--json', 'print JSON Lines, one object per row')
    .option('--csv', 'print CSV with a header line')
    .action(async () => {
      throw new SqlError('E_SQL', 'bt sql is not available yet');
    });
}
