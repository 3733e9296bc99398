/**
 * bt normalize: time-orders and resolves a raw log (see src/normalize/).
 */
import { Command, Option } from 'commander';
import { damageLines, defaultOutputPath, formatSummary, normalizeFile } from '../normalize/normalize.js';
import { positiveNumber } from './options.js';

export function normalizeCommand(): Command {
  return new Command('normalize')
    .description(
      'time-order a raw log and resolve it: unique process ids, absolute paths, access kinds, one process record per process',
    )
    .argument('[log]', 'raw log written by bt trace ("-" for stdin)', 'build.trace')
    .option('-o, --output <file>', 'normalized log to write ("-" for stdout; default: <log without .trace>.norm.trace, stdout for stdin)')
    .addOption(
      new Option('--window <ms>', 'reorder window in ms of trace time (records later than that trigger the external sort)')
        .default(2000)
        .argParser(positiveNumber('window')),
    )
    .addOption(new Option('--sort <method>', 'ordering method').choices(['auto', 'window', 'external']).default('auto'))
    .option('--tmp-dir <dir>', 'directory for temporary files (default: the system temp directory)')
    .addOption(new Option('--warnings <which>', 'print the first warning of each kind, or all of them').choices(['first', 'all']).default('first'))
    .option('--force', 'replace the -o file even if it is not a normalized log (README: Output files)')
    .option('-q, --quiet', 'no summary on stderr')
    .action((log: string, o) => {
      const output: string = o.output ?? (log === '-' ? '-' : defaultOutputPath(log));
      const summary = normalizeFile(log, output, {
        windowMs: Number(o.window),
        sort: o.sort,
        tmpDir: o.tmpDir,
        allWarnings: o.warnings === 'all',
        force: !!o.force,
      });
      if (!o.quiet) process.stderr.write(formatSummary(summary));
      else for (const l of damageLines(summary)) process.stderr.write(`${l}\n`);
      if (summary.torn || summary.trailerMismatch) process.exitCode = 1;
    });
}
