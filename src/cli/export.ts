/**
 * bt export FORMAT [LOG] [-o FILE]: formats other tools load (see src/export/).
 */
import { Command, Option } from 'commander';
import { ExportError, UsageError } from '../errors.js';
import { BINARY_FORMATS, checkFormat, exportTo, filterTarget, FORMATS, type ExportOptions } from '../export/index.js';
import { exportParquet } from '../export/parquet.js';
import { fileSink, stdoutSink, type Sink } from '../export/sink.js';
import { refuseInputAsOutput } from '../log/output.js';
import { counted } from '../present/format.js';
import { compileFilter, driverOption, positiveNumber, reportDamage } from './options.js';
import { fileArgument } from './file-argument.js';

/** A row of each Parquet table, in the singular. */
const TABLE_ROW: Record<string, string> = { builds: 'build', processes: 'process', jobs: 'job', files: 'file', accesses: 'access', events: 'event' };

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Options that apply to one format only: given with another, they would be ignored, so they are refused. */
const ONLY_FOR: ReadonlyArray<[option: string, flag: string, format: string]> = [
  ['compiler', '--compiler', 'compile-commands'],
  ['expandResponseFiles', '--expand-response-files', 'compile-commands'],
  ['probes', '--probes', 'compile-commands'],
  ['removedSources', '--removed-sources', 'compile-commands'],
  ['lanes', '--lanes', 'perfetto'],
  ['outputOf', '--output-of', 'makedeps'],
  ['noArgs', '--no-args', 'chrome-trace'],
];

export function exportCommand(): Command {
  return new Command('export')
    .description(`write the build in a format other tools load: ${FORMATS.join(', ')}`)
    .argument('<format>', FORMATS.join(' | '))
    .argument('[log]', 'log written by bt trace or bt normalize ("-" for stdin)', 'build.trace')
    .option('-o, --output <path>', 'write to this file (parquet: this directory) instead of stdout')
    .option('--compiler <name>', 'compile-commands: also treat program NAME as a compiler (repeatable)', collect)
    .option('--expand-response-files', 'compile-commands: replace @file arguments by the file\'s arguments')
    .option('--probes', 'compile-commands: keep the probe compiles, which probe the toolchain and build nothing an editor opens: those a configure step ran (configure\'s conftest.c, CMake\'s compiler identification and try-compiles, meson setup\'s checks), of sources the build made and removed (go\'s cgo temporaries) and of no regular file (-x c /dev/null)')
    // its name before --probes, kept for scripts
    .addOption(new Option('--removed-sources').hideHelp())
    .option('--lanes', 'perfetto: one track per lane, in which slices nest, instead of one per process (big builds)')
    .option('--output-of <file>', 'makedeps: only the rule of this output file')
    .option('--no-args', "chrome-trace: no args (command, cwd, exe…) on the processes' slices, so that speedscope names each frame by its program alone and its Left Heavy and Sandwich views add up each program's time")
    .addOption(driverOption('not jsonl, which holds the records'))
    .option('--filter <expr>', 'only what a display filter selects (README: Display filters): the processes it matches, with their ancestors (perfetto, chrome-trace), the compiles they are part of (compile-commands), the rules of the files it matches (makedeps), the records it matches (jsonl); not parquet')
    .addOption(new Option('--window <ms>', 'reorder window when normalizing a raw log').argParser(positiveNumber('window')))
    .option('--force', 'replace the -o file even if it is not of the format written (README: Output files); not parquet')
    .option('-q, --quiet', 'no notes on stderr')
    .action(async (formatName: string, log: string, o, cmd: Command) => {
      const format = checkFormat(formatName);
      // --no-args sets `args` (true by default): given is what counts
      if (cmd.getOptionValueSource('args') === 'cli') o.noArgs = true;
      for (const [key, flag, only] of ONLY_FOR) {
        if (o[key] !== undefined && format !== only) throw new UsageError('E_USAGE', `${flag} applies to bt export ${only} only, not ${format}`);
      }
      if (o.filter !== undefined && format === 'parquet') {
        throw new UsageError('E_USAGE', '--filter does not apply to bt export parquet: it exports the whole build, to be queried (bt sql)');
      }
      if (o.driver && format === 'jsonl') throw new UsageError('E_USAGE', '--driver does not apply to bt export jsonl: it holds the records, not the jobs');
      if (o.force && format === 'parquet') {
        throw new UsageError('E_USAGE', '--force does not apply to bt export parquet: it replaces an earlier export directory only; remove anything else first');
      }
      const filter = o.filter !== undefined ? compileFilter(o.filter, filterTarget(format)) : undefined;
      const opts: ExportOptions = {
        compilers: o.compiler,
        expandResponseFiles: !!o.expandResponseFiles,
        probes: !!(o.probes || o.removedSources),
        outputOf: o.outputOf === undefined ? undefined : fileArgument(o.outputOf),
        lanes: !!o.lanes,
        windowMs: o.window,
        drivers: o.driver,
        filter,
        noArgs: !!o.noArgs,
        onNote: (line) => {
          if (!o.quiet) process.stderr.write(`bt export: note: ${line}\n`);
        },
      };
      const toStdout = !o.output || o.output === '-';
      if (!toStdout) refuseInputAsOutput(log, o.output);
      if (format === 'parquet') {
        if (toStdout) throw new ExportError('E_EXPORT_OUTPUT', 'bt export parquet writes a directory: give it with -o DIR');
        const { rows, damage } = await exportParquet(log, o.output, { drivers: o.driver });
        if (!o.quiet) process.stderr.write(`bt export: ${Object.entries(rows).map(([t, n]) => counted(n, TABLE_ROW[t] ?? t, t)).join(', ')} written to ${o.output}\n`);
        reportDamage(log, damage, { liveNote: !o.quiet });
        return;
      }
      if (toStdout && BINARY_FORMATS.has(format) && process.stdout.isTTY) {
        throw new ExportError('E_EXPORT_OUTPUT', `refusing to write a binary ${format} trace to the terminal: use -o FILE or redirect stdout`);
      }
      const sink: Sink = toStdout ? stdoutSink() : fileSink(o.output, { kind: format, command: 'bt export', force: !!o.force });
      try {
        const damage = await exportTo(format, log, opts, sink);
        sink.close();
        reportDamage(log, damage, { liveNote: !o.quiet });
      } catch (err) {
        sink.abort();
        throw err;
      }
    });
}
