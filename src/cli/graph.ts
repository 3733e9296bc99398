/**
 * bt graph: the picture of a build (see src/graph/).
 */
import fs from 'node:fs';
import { Command, Option } from 'commander';
import { GraphError, UsageError } from '../errors.js';
import { describeFsError, fsCode, writeAllSync } from '../log/io.js';
import { focusGraph, graphBuild, renderDot, toDot, type GraphFormat } from '../graph/index.js';
import { Kind } from '../model/kinds.js';
import { collect, compileFilter, driverOption, loadFor, nonNegativeInt, outputExtension, positiveNumber } from './options.js';
import { invokingUser, openOutputAtomic, refuseInputAsOutput } from '../log/output.js';
import { filterFocus, type Focus } from '../graph/model.js';
import { optionGlobs } from '../graph/glob.js';
import { ModelEnv } from '../model/subject.js';
import { DEFAULT_MAX_NODES, emptyNote, tallNote, type GraphOptions, type GraphView } from '../graph/view.js';
import type { Build } from '../model/index.js';
import type { Filter } from '../filter/index.js';
import { displayPath } from '../present/format.js';
import { lostEvents, shortfallNotes } from '../present/lost.js';
import { fileArgument, hostPaths } from './file-argument.js';
import { tornText } from '../log/check.js';

/**
 * The format to write: --format, else the extension of -o (.dot or .gv,
 * .svg, .png), else DOT (stdout, a name without an extension). Another
 * extension is refused before the log is read: bt graph -o x.jpg wrote DOT
 * into x.jpg.
 */
export function formatFor(output: string | undefined, format: string | undefined): GraphFormat {
  if (format) return format as GraphFormat;
  const ext = outputExtension(output);
  if (ext === '' || ext === '.dot' || ext === '.gv') return 'dot';
  if (ext === '.svg' || ext === '.png') return ext.slice(1) as GraphFormat;
  throw new UsageError(
    'E_USAGE',
    `cannot tell the graph format from the name ${displayPath(output!)}: end it in .dot, .gv, .svg or .png, or give --format dot|svg|png`,
  );
}

/** The graph of the whole build, or of what a display filter keeps of it. */
function filterGraph(build: Build, options: GraphOptions, filter?: Filter): { view: GraphView; focus?: Focus } {
  if (!filter) return { view: graphBuild(build, options) };
  const env = new ModelEnv(build);
  const focus = filterFocus(build, env, filter.bind(env));
  return { view: graphBuild(build, options, focus), focus };
}

export function graphCommand(): Command {
  return new Command('graph')
    .description('draw the build: which process started which, and which files each read and wrote (DOT, SVG or PNG)')
    .argument('[log]', 'log written by bt trace or bt normalize ("-" for stdin)', 'build.trace')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .addOption(
      new Option('-f, --format <format>', 'output format (default: from the -o extension .dot/.gv, .svg or .png, else dot)').choices(['dot', 'svg', 'png']),
    )
    .option('--system-files', 'also show files of the installed system the build only read (/usr, /lib, /etc: system headers...)')
    .option('--all-files', 'show every file, also /proc, /sys, /dev, shared libraries, the dynamic loader, locale data...')
    .option('--include <glob>', 'only show files matching GLOB (repeatable; "*.c", "src/**", "/usr/include")', collect)
    .option('--exclude <glob>', 'never show files matching GLOB (repeatable)', collect)
    .option('--processes-only', 'no files: the process tree only')
    .addOption(new Option('--files <which>', 'which file accesses to show').choices(['read', 'written', 'all']).default('all'))
    .option('--exe <name>', 'keep only the subtrees of processes running program NAME (or glob; repeatable)', collect)
    .addOption(
      new Option('--depth <n>', 'show processes down to depth N; deeper ones fold into their ancestor (with --focus: follow N jobs of the provenance)').argParser(
        nonNegativeInt('depth'),
      ),
    )
    .option('--unfold', "draw every file: by default 12 or more the build only read outside its tree under one directory are one node (/usr/include/**/* ×150), and so is a build tool's cache (the Go build cache, Cargo's .fingerprint and incremental directories, rustc's codegen units)")
    .option('--temporaries', "show temporary files (made and removed in /tmp: gcc's /tmp/ccXXXXXX.s; made and removed or renamed into place by one process: ar's stXXXXXX); by default a writer -> reader edge stands for each")
    .addOption(
      new Option(
        '--collapse <mode>',
        'merge repeated processes: identical subtrees, or all siblings running the same program (not given, with --focus: by program past 60 process boxes); none also draws the forks --focus folds into their parent',
      )
        .choices(['none', 'identical', 'program'])
        .default('identical'),
    )
    .option('--probes', 'show failed opens (files looked for but missing)')
    .option('--filter <expr>', 'only what a display filter matches (README: Display filters): matching processes and accesses, with their ancestors')
    .option('--focus <file>', "only the provenance of FILE: the jobs that made it and what they read, transitively, within the phase of the build that made it")
    .option('--all-phases', "with --focus: also follow what other phases of the build made (configure's config.h read by make)")
    .addOption(driverOption('with --focus'))
    .addOption(
      new Option('--max-nodes <n>', 'refuse to draw more nodes than this (0 = no limit)')
        .default(DEFAULT_MAX_NODES)
        .argParser(nonNegativeInt('max-nodes')),
    )
    .addOption(new Option('--window <ms>', 'reorder window when normalizing a raw log').default(2000).argParser(positiveNumber('window')))
    .addOption(
      new Option('--warnings <which>', 'normalization warnings of a raw log: a count (default), or all of them').choices(['count', 'all']).default('count'),
    )
    .option('--force', 'replace the -o file even if it is not a graph of the format written (README: Output files)')
    .option('-q, --quiet', 'no notes on stderr')
    .action(async (log: string, o, cmd: Command) => {
      const format = formatFor(o.output, o.format);
      const toStdout = !o.output || o.output === '-';
      if (!toStdout) refuseInputAsOutput(log, o.output);
      if (format === 'png' && toStdout && process.stdout.isTTY) {
        throw new GraphError('E_BINARY_TTY', 'refusing to write a PNG to the terminal: use -o FILE.png or redirect stdout');
      }
      const options: GraphOptions = {
        allFiles: !!o.allFiles,
        systemFiles: !!o.systemFiles,
        include: o.include,
        exclude: o.exclude,
        processesOnly: !!o.processesOnly,
        files: o.files,
        exe: o.exe,
        depth: o.depth,
        // not given: the view's default, or with --focus, by program when that is many screens tall (graph/index.ts focusGraph)
        collapse: cmd.getOptionValueSource('collapse') === 'default' ? undefined : o.collapse,
        probes: !!o.probes,
        temporaries: !!o.temporaries,
        unfold: !!o.unfold,
        maxNodes: Number(o.maxNodes),
      };
      // a bad glob is refused before the log is read, as bt check's --allow and --ignore
      optionGlobs(o.include, '--include');
      optionGlobs(o.exclude, '--exclude');
      optionGlobs(o.exe, '--exe');
      const filter = o.filter !== undefined ? compileFilter(o.filter, { subjects: 'processes and files', command: 'bt graph' }) : undefined;
      if (o.focus && filter) throw new UsageError('E_USAGE', 'give --focus or --filter, not both');
      if (o.allPhases && !o.focus) throw new UsageError('E_USAGE', '--all-phases goes with --focus FILE');
      if (o.focus && o.depth === 0) throw new UsageError('E_USAGE', 'invalid depth "0" with --focus: give 1 or more (the jobs of the provenance to follow; 1: the job that made FILE)');
      // the output is opened before the log is read, as bt normalize does: a directory that does not
      // exist or cannot be written is said at once, not after the whole build is drawn
      const out = toStdout ? undefined : openOutputAtomic(o.output, {
            owner: invokingUser(),
            mode: 0o666,
            what: 'graph',
            replace: { kind: format, command: 'bt graph', force: !!o.force },
          });
      let res;
      try {
        const build = loadFor(log, { ...o, allWarnings: o.warnings === 'all' });
        const focused = o.focus ? build.resolveFile(fileArgument(o.focus), (f) => (f.kinds & Kind.WRITE) !== 0, hostPaths(build.header)) : undefined;
        const { view, focus } = focused
          ? focusGraph(build, focused, options, { all: !!o.allFiles, depth: o.depth, allPhases: !!o.allPhases })
          : filterGraph(build, options, filter);
        res = { dot: toDot(view), view, focused, focus, model: view.model, summary: build.summary, ...build.damage };
        const bytes = await renderDot(res.dot, format, { warn: (m) => process.stderr.write(`bt graph: warning: ${m}\n`) });
        if (!out) writeAllSync(1, bytes);
        else {
          try {
            writeAllSync(out.fd, bytes);
            fs.closeSync(out.fd);
          } catch (err) {
            if (fsCode(err) === 'EPIPE') throw err; // a pipe's reader went away (-o /dev/stdout | head): not an error (cli/run.ts)
            throw new GraphError('E_WRITE', `cannot write ${o.output}: ${describeFsError(err)}`, { cause: err });
          }
          out.commit();
        }
      } catch (err) {
        out?.abort();
        throw err;
      }
      const { focused, focus } = res;
      if (res.torn || res.trailerMismatch) process.exitCode = 1;
      if (res.torn) {
        process.stderr.write(
          `bt graph: warning: ${tornText(log, res.torn)}: the graph shows the records before it\n`,
        );
      }
      if (res.trailerMismatch) process.stderr.write(`bt graph: warning: ${log}: ${res.trailerMismatch}\n`);
      if (!o.quiet) {
        const notes: string[] = [];
        if (focused && focus && focus.procs.size === 0) {
          notes.push(`nothing in the build wrote ${displayPath(focused.path)}: it has no provenance to draw (bt rdeps shows what was made from it)`);
        }
        const empty = emptyNote(res.view, options, filter);
        if (empty && !(focused && focus && focus.procs.size === 0)) notes.push(empty);
        // the whole build one box per command (nothing given that narrows or merges it): say when that is many screens tall
        const tall = !focused && !filter && options.collapse === undefined && options.depth === undefined && !options.exe?.length ? tallNote(res.view) : undefined;
        if (tall) notes.push(tall);
        if (res.model.live) notes.push('a running bt trace still writes the log: the picture shows the build so far');
        else if (res.model.incomplete && !res.torn) notes.push('the trace is incomplete (no trailer): the picture may miss the end of the build');
        if (res.model.lostEvents) notes.push(`${lostEvents(res.model.lostEvents)}: the picture may miss some`);
        notes.push(...shortfallNotes(res.model.shortfalls, res.model.incomplete || res.model.live));
        if (res.summary?.warningCount && o.warnings !== 'all') {
          notes.push(`${res.summary.warningCount} normalization warnings (--warnings all prints them)`);
        }
        for (const n of notes) process.stderr.write(`bt graph: note: ${n}\n`);
        if (o.warnings === 'all') for (const w of res.summary?.warnings ?? []) process.stderr.write(`bt graph: warning: ${w}\n`);
      }
    });
}
