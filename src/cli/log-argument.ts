/**
 * A log an option took as its value. Every reader takes its log last and
 * defaults it to build.trace, so `bt summary --driver g.trace` reads
 * build.trace with the driver "g.trace". When there is no build.trace, the
 * error names the option that took the log (`no log given: --driver took
 * "g.trace" as its value …`), not a build.trace the user never typed; so
 * does a missing argument (`bt diff --driver a.trace b.trace`). cli/run.ts
 * asks this of every command before its action runs; this module loads
 * nothing but the log's magic number and the presentation module (both in
 * bt trace's bundle already), since it runs before every command.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { isLogFile } from '../log/magic.js';
import { quoteArg } from '../present/format.js';

/** Options that name what the command writes: a log there is the output, not a log misplaced. */
const OUTPUTS: ReadonlySet<string> = new Set(['output', 'html']);

/** The first option given on the command line whose value is a bt log (by its magic number), and that value. */
export function optionTakingLog(cmd: Command): { flag: string; value: string } | undefined {
  for (const opt of cmd.options) {
    if (!opt.required && !opt.optional) continue; // a flag: no value
    const key = opt.attributeName();
    if (OUTPUTS.has(key) || cmd.getOptionValueSource(key) !== 'cli') continue;
    const value: unknown = cmd.getOptionValue(key);
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v === 'string' && isLogFile(v)) return { flag: opt.long ?? opt.flags, value: v };
    }
  }
  return undefined;
}

/** What a user is told when an option took the log: `--driver took "g.trace" as its value (…)`. */
export function tookLog(t: { flag: string; value: string }): string {
  return `${t.flag} took ${JSON.stringify(t.value)} as its value (${t.flag} needs a value of its own; put the log after it)`;
}

/**
 * Before a command's action: a reader whose log was left to its default
 * (the last argument, named log), where there is no such file, and an
 * option that took a log as its value: a usage error that says so.
 */
export function refuseLogTakenByOption(cmd: Command): void {
  const args = cmd.registeredArguments;
  const last = args.at(-1);
  if (!last || last.name() !== 'log' || typeof last.defaultValue !== 'string') return;
  if (cmd.args.length >= args.length) return refuseLogFirst(cmd);
  if (fs.existsSync(last.defaultValue)) return; // there to read
  const t = optionTakingLog(cmd);
  if (t) throw new UsageError('E_USAGE', `no log given: ${tookLog(t)}`);
}

/**
 * `bt deps build.trace app`: the log given first, where the command's
 * other argument goes, and something that is no log last. The reader would
 * say `app is not a bt log`; this says which argument goes where.
 */
function refuseLogFirst(cmd: Command): void {
  const given = cmd.args;
  const log = given.at(-1)!;
  if (log === '-' || isLogFile(log)) return;
  const first = given.slice(0, -1).findIndex((a) => isLogFile(a));
  if (first < 0) return;
  const names = cmd.registeredArguments.map((a) => a.name().toUpperCase());
  const swapped = [...given.slice(0, first), log, ...given.slice(first + 1, -1), given[first]];
  throw new UsageError(
    'E_USAGE',
    `the log goes last: bt ${cmd.name()} ${names.join(' ')} (${JSON.stringify(given[first])} is a bt log, ${JSON.stringify(log)} is not); try bt ${cmd.name()} ${swapped.map(quoteArg).join(' ')}`,
  );
}
