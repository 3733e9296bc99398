/**
 * bt diff: what changed between two traced builds (see src/diff/).
 * Exit status 0: no differences (durations aside), 1: differences, 2: bad input.
 */
import os from 'node:os';
import { Command } from 'commander';
import { DiffError, LogError } from '../errors.js';
import { differs, diffFiles } from '../diff/index.js';
import { diffText } from '../diff/report.js';
import type { Damage } from '../log/check.js';
import { collect, driverOption, printJson, reportDamage } from './options.js';

/** --contents reads the outputs on this machine: a log of another host names other files. */
function sameHost(log: string, hostname: string | null | undefined): void {
  if (hostname && hostname === os.hostname()) return;
  throw new DiffError('E_BAD_INPUT', `--contents reads the outputs on this machine, and ${log} was recorded on ${hostname ? `host ${hostname}` : 'an unknown host'}, not on ${os.hostname()}: compare there`);
}

export function diffCommand(): Command {
  return new Command('diff')
    .description('compare two traced builds: exit statuses, commands, arguments, environment, inputs, outputs, durations')
    .argument('<a>', 'the first log (bt trace or bt normalize; "-" for stdin)')
    .argument('<b>', 'the second log')
    .option('--json', 'print the differences as JSON')
    .option('--ignore-env <name>', 'do not compare environment variable NAME (repeatable)', collect)
    .option('--mask <regex>', 'mask matches of REGEX in arguments, environment values and paths (repeatable)', collect)
    .option('--contents', "also compare the outputs of both builds by their content on disk now (size, SHA-256): which differ, which are the same; logs recorded on this machine")
    .addOption(driverOption())
    .action((a: string, b: string, o) => {
      const damaged: Array<[string, Damage]> = [];
      let r;
      try {
        r = diffFiles(a, b, { ignoreEnv: o.ignoreEnv, mask: o.mask, contents: !!o.contents }, { drivers: o.driver }, (p, build) => {
          if (o.contents) sameHost(p, build.header.hostname);
          damaged.push([p, build.damage]);
        });
      } catch (err) {
        if (err instanceof LogError) throw new DiffError('E_BAD_INPUT', err.message, { cause: err });
        throw err;
      }
      if (o.json) printJson(r);
      else process.stdout.write(diffText(r));
      process.exitCode = differs(r) ? 1 : 0;
      for (const [p, d] of damaged) reportDamage(p, d); // a torn log is not the same build as a whole one
    });
}
