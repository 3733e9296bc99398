/**
 * bt deps and bt rdeps: provenance and impact of a file (see src/answers/deps.ts).
 */
import fs from 'node:fs';
import { Command, Option } from 'commander';
import { UsageError } from '../errors.js';
import { isLogFile } from '../log/reader.js';
import { deps, depsJson, rdeps } from '../answers/deps.js';
import { depsText } from '../answers/text.js';
import { Kind, READS } from '../model/kinds.js';
import { fileArgument, hostPaths } from './file-argument.js';
import { driverOption, loadFor, nonNegativeInt, positiveNumber, printJson, reportDamage } from './options.js';

function depsLikeCommand(name: 'deps' | 'rdeps'): Command {
  const reverse = name === 'rdeps';
  return new Command(name)
    .description(
      reverse
        ? 'impact: every job that read FILE and every file they wrote, transitively (what is stale when FILE changes)'
        : 'provenance: the jobs that wrote FILE, the files they read, the jobs that wrote those, transitively',
    )
    .argument('<file>', 'absolute path, path relative to the build directory, or a unique end of a path (e.g. vmlinux)')
    .argument('[log]', 'log written by bt trace or bt normalize ("-" for stdin)', 'build.trace')
    .option('--json', 'JSON: file, inputs, outputs, processes, tree')
    .option('--absolute', 'print every path absolute (by default those under the start directory are relative to it; the JSON is always absolute)')
    .addOption(
      new Option(
        '--inputs',
        reverse
          ? 'the same as --outputs (FILE is the input: the files made from it that exist at the build\'s end, one per line)'
          : 'only the leaves: sources and system files FILE was made from, one per line (the JSON\'s inputs; those gone at the build\'s end left out: see --unfold)',
      ).conflicts('outputs'),
    )
    .option(
      '--outputs',
      reverse
        ? 'only the files made from FILE, one per line (the JSON\'s outputs, less those gone at the build\'s end: a depfile ninja read and deleted; see --unfold)'
        : 'only the files the build made on the way from the leaves to FILE, one per line (the JSON\'s outputs, less those gone at the build\'s end: a temporary, a try-compile\'s scratch; see --unfold)',
    )
    .option(
      '--unfold',
      "list every file. By default a build tool's cache, work or scratch directory (the Go build cache, go's /tmp/go-build*/, Cargo's fingerprints and directories, rustc's incremental cache, codegen units and temporary directories, CMake's try-compile scratch with what it was made from) is one line, in the tree and with --inputs/--outputs: its directory with a trailing / or its files' pattern with a *, easy for a script to drop (grep -v -e '/$' -e '[*]'); the tree shows many files read under one directory as that directory; and --inputs/--outputs leave out the files gone at the build's end (the tree marks them \"(removed)\"). The JSON lists every file",
    )
    .addOption(new Option('--depth <n>', 'follow N levels of jobs').argParser(nonNegativeInt('depth')))
    .option('--all-files', 'keep runtime noise (/proc, /sys, /dev, shared libraries, loader, locale)')
    .addOption(driverOption())
    .addOption(new Option('--window <ms>', 'reorder window when normalizing a raw log').default(2000).argParser(positiveNumber('window')))
    .action((file: string, log: string, o, cmd: Command) => {
      // `bt deps x.trace`: the log given where the file goes, the default log missing
      if (cmd.args.length < 2 && !fs.existsSync(log) && isLogFile(file)) {
        throw new UsageError('E_USAGE', `${file} is a bt log: name the file to ask about first (bt ${name} FILE ${file})`);
      }
      const build = loadFor(log, o);
      reportDamage(log, build.damage); // first: a file in the lost part is "never touched"
      // an ambiguous name prefers the files the question is about: written ones for deps, read ones for rdeps
      const f = build.resolveFile(fileArgument(file), (c) => (reverse ? (c.kinds & READS) !== 0 : (c.kinds & Kind.WRITE) !== 0), hostPaths(build.header));
      const opts = { depth: o.depth, all: !!o.allFiles };
      const r = reverse ? rdeps(build, f, opts) : deps(build, f, opts);
      if (o.json) {
        printJson(depsJson(r, reverse));
      } else {
        const only = o.outputs || (reverse && o.inputs) ? 'outputs' : o.inputs ? 'inputs' : undefined;
        process.stdout.write(depsText(r, { only, reverse, start: build.startDir, absolute: !!o.absolute, unfold: !!o.unfold }));
      }
    });
}

export const depsCommand = (): Command => depsLikeCommand('deps');
export const rdepsCommand = (): Command => depsLikeCommand('rdeps');
