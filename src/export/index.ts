/**
 * bt export: formats other tools load, all read from the build model
 * (jsonl reads the normalized record stream).
 *
 *   compile-commands  JSON Compilation Database (clangd, clang-tidy)
 *   perfetto          Perfetto TrackEvent protobuf (.pftrace)
 *   chrome-trace      Chrome Trace Event JSON (chrome://tracing, speedscope)
 *   makedeps          make dependency rules (.d)
 *   jsonl             the normalized records as JSON Lines
 *   parquet           a directory of Parquet files (builds, processes, files, accesses, events)
 */
import { ExportError } from '../errors.js';
import type { Filter, FilterTarget } from '../filter/index.js';
import type { Damage } from '../log/check.js';
import { loadBuild, type Build } from '../model/index.js';
import { exportChromeTrace } from './chrome-trace.js';
import { compileCommands, compileCommandsJson } from './compile-commands.js';
import { exportJsonl } from './jsonl.js';
import { makedeps } from './makedeps.js';
import { exportPerfetto } from './perfetto.js';
import { nothingMatches } from '../present/filter-note.js';
import { selection, type Selection } from './select.js';
import type { Sink } from './sink.js';

export const FORMATS = ['compile-commands', 'perfetto', 'chrome-trace', 'makedeps', 'jsonl', 'parquet'] as const;
export type ExportFormat = (typeof FORMATS)[number];

/** Formats whose output is binary (refused on a terminal). */
export const BINARY_FORMATS: ReadonlySet<string> = new Set(['perfetto']);

export interface ExportOptions {
  /** compile-commands: more compiler names. */
  compilers?: string[];
  /** compile-commands: expand @file arguments. */
  expandResponseFiles?: boolean;
  /** compile-commands: keep the probe compiles (compile-commands.ts probeOf). */
  probes?: boolean;
  /** Told what an export could not do, one line each (the command prints it as a note). */
  onNote?: (line: string) => void;
  /** perfetto: one track per lane instead of one per process. */
  lanes?: boolean;
  /** makedeps: only the rule of this output file. */
  outputOf?: string;
  /** Reorder window when normalizing a raw log (ms). */
  windowMs?: number;
  /** --driver: more build drivers, which change the jobs (model/jobs.ts). */
  drivers?: string[];
  /** A display filter (--filter): only what it selects (select.ts; jsonl: the records it matches). */
  filter?: Filter;
  /** chrome-trace: no args on the processes' slices, so that speedscope names each frame by its program. */
  noArgs?: boolean;
}

export function checkFormat(format: string): ExportFormat {
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new ExportError('E_FORMAT', `unknown export format '${format}': use one of ${FORMATS.join(', ')}`);
  }
  return format as ExportFormat;
}

/** What a format's --filter is tested on: jsonl's the records (as bt dump's), the others' the processes and files (select.ts). */
export function filterTarget(format: ExportFormat): FilterTarget {
  return format === 'jsonl' ? { subjects: 'events' } : { subjects: 'processes and files', command: `bt export ${format}` };
}

/** The processes `opts.filter` selects of `build` (select.ts), with the note that it selects nothing; undefined without a filter. */
function selected(build: Build, opts: ExportOptions): Selection | undefined {
  if (!opts.filter) return undefined;
  const s = selection(build, opts.filter);
  if (s.empty) noteEmpty(opts);
  return s;
}

/** Says that the filter matched nothing, so the export is empty (as bt graph says of its graph). */
function noteEmpty(opts: ExportOptions): void {
  opts.onNote?.(nothingMatches(opts.filter!.source, 'the export is empty'));
}

function load(log: string, opts: ExportOptions): Build {
  return loadBuild(log, { drivers: opts.drivers, normalize: opts.windowMs ? { windowMs: opts.windowMs } : undefined });
}

/** Writes the export of `log` in a single-file format to `sink`. Returns how the log was damaged (torn, a trailer that disagrees), if it was. */
export async function exportTo(format: ExportFormat, log: string, opts: ExportOptions, sink: Sink): Promise<Damage> {
  switch (format) {
    case 'compile-commands': {
      const build = load(log, opts);
      const procs = selected(build, opts)?.tree;
      sink.write(compileCommandsJson(compileCommands(build, { compilers: opts.compilers, expandResponseFiles: opts.expandResponseFiles, probes: opts.probes, onNote: opts.onNote, procs })));
      return build.damage;
    }
    case 'perfetto': {
      const build = load(log, opts);
      exportPerfetto(build, sink, { lanes: opts.lanes, procs: selected(build, opts)?.tree });
      return build.damage;
    }
    case 'chrome-trace': {
      const build = load(log, opts);
      exportChromeTrace(build, sink, { noArgs: opts.noArgs, procs: selected(build, opts)?.tree });
      return build.damage;
    }
    case 'makedeps': {
      const build = load(log, opts);
      makedeps(build, (text) => sink.write(text), { outputOf: opts.outputOf, files: selected(build, opts)?.files });
      return build.damage;
    }
    case 'jsonl': {
      const { written, ...damage } = exportJsonl(log, sink, opts.windowMs ? { windowMs: opts.windowMs } : {}, opts.filter);
      if (opts.filter && written === 0) noteEmpty(opts);
      return damage;
    }
    default:
      throw new ExportError('E_FORMAT', `bt export ${format} is not available yet`);
  }
}
