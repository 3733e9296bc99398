/**
 * Option parsers and loaders shared by the commands.
 */
import path from 'node:path';
import { Option } from 'commander';
import { BtError, FilterError, UsageError } from '../errors.js';
import { parseFilter, type Filter, type FilterTarget } from '../filter/index.js';
import { tornText, type Damage } from '../log/check.js';
import { loadBuild, type Build } from '../model/index.js';
import { displayPath } from '../present/format.js';

/**
 * The extension of an output's name, in lower case ('.svg'); '' for stdout
 * ('-', no output) and a name without one. bt graph -o takes its format
 * from it, and bt view --html refuses one that does not say HTML: either
 * refuses a name whose extension says another format before the log is
 * read (-o build.jpg would hold DOT, --html build.jpg HTML).
 */
export function outputExtension(output: string | undefined): string {
  return output && output !== '-' ? path.extname(output).toLowerCase() : '';
}

/** Repeatable option: collects every value. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * --driver NAME, as every command that builds the model takes it (the jobs
 * depend on it: model/jobs.ts DEFAULT_DRIVERS): its values in o.driver.
 * `note`: what it does in this command besides, in the help.
 */
export function driverOption(note?: string): Option {
  return new Option('--driver <name>', `also treat program NAME as a build driver that starts jobs (repeatable${note ? `; ${note}` : ''})`).argParser(collect);
}

/** A whole number, 0 or more. */
export function nonNegativeInt(what: string) {
  return (text: string): number => {
    const v = Number(text);
    if (text.trim() === '' || !Number.isInteger(v) || v < 0) {
      throw new UsageError('E_USAGE', `invalid ${what} "${text}": give a whole number (0 or more)`);
    }
    return v;
  };
}

/** A number above 0. */
export function positiveNumber(what: string, unit = what === 'window' ? 'ms' : '') {
  return (text: string): number => {
    const v = Number(text);
    if (text.trim() === '' || !Number.isFinite(v) || v <= 0) {
      throw new UsageError('E_USAGE', `invalid ${what} "${text}": give a positive number${unit ? ` of ${unit}` : ''}`);
    }
    return v;
  };
}

/** The build model of a log, with the options every answering command shares (--driver, --window). */
export function loadFor(log: string, o: { driver?: string[]; window?: number; allWarnings?: boolean }): Build {
  return loadBuild(log, { drivers: o.driver, normalize: { windowMs: o.window ? Number(o.window) : undefined, allWarnings: o.allWarnings } });
}

/**
 * A damaged log's one warning on stderr, as every reader says it (torn: the
 * records before the byte were read; a trailer that disagrees), and exit
 * status 1 at least: the answer covers part of the build. A log a running
 * bt trace still writes is no damage: a note says the answer is the build
 * so far (unless the command says so itself: liveNote false), exit 0.
 */
export function reportDamage(log: string, d: Damage | undefined, opts: { liveNote?: boolean } = {}): void {
  if (d?.live && !d.torn && opts.liveNote !== false) {
    process.stderr.write(`bt: note: ${displayPath(log)} is still being written by a running bt trace: this is the build so far\n`);
  }
  if (!d || (!d.torn && !d.trailerMismatch)) return;
  if (d.torn) {
    process.stderr.write(`bt: warning: ${tornText(displayPath(log), d.torn)}: the records before it were read\n`);
  } else process.stderr.write(`bt: warning: ${displayPath(log)}: ${d.trailerMismatch}\n`);
  process.exitCode = Math.max(Number(process.exitCode ?? 0), 1);
}

/** Writes a value as JSON (one document, newline-terminated) to stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * A display filter given on the command line, compiled once and tested on
 * `target` (events, or the processes and files of `command`). A broken one
 * is a usage error (exit 2): the message, then the filter with a caret
 * under the column.
 */
export function compileFilter(text: string, target: FilterTarget): Filter {
  try {
    return parseFilter(text, target);
  } catch (err) {
    if (err instanceof FilterError) {
      const line = text.replace(/[\r\n\t]/g, ' ');
      throw new BtError('E_FILTER', `bad filter: ${err.message}\n  ${line}\n  ${' '.repeat(Math.max(0, err.column))}^`, { cause: err });
    }
    throw err;
  }
}
