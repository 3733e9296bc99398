/**
 * bt diff: what changed between two traced builds (see src/diff/).
 * Exit status 0: no differences (durations aside), 1: differences, 2: bad input.
 */
import { Command } from 'commander';
import { DiffError, LogError } from '../errors.js';
import { differs, diffFiles } from '../diff/index.js';
import { diffText } from '../diff/report.js';
import type { Damage } from '../log/check.js';
import { collect, driverOption, printJson, reportDamage } from './options.js';

export function diffCommand(): Command {
  return new Command('diff')
    .description('compare two traced builds: exit statuses, commands, arguments, environment, inputs, outputs, durations')
    .argument('<a>', 'the first log (bt trace or bt normalize; "-" for stdin)')
    .argument('<b>', 'the second log')
    .option('--json', 'print the differences as JSON')
    .option('--ignore-env <name>', 'do not compare environment variable NAME (repeatable)', collect)
    .option('--mask <regex>', 'mask matches of REGEX in arguments, environment values and paths (repeatable)', collect)
    .addOption(driverOption())
    .action((a: string, b: string, o) => {
      const damaged: Array<[string, Damage]> = [];
      let r;
      try {
        r = diffFiles(a, b, { ignoreEnv: o.ignoreEnv, mask: o.mask }, { drivers: o.driver }, (p, build) => damaged.push([p, build.damage]));
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
