/**
 * bt check: unexpected dependencies, -j races and undeclared inputs/outputs
 * of a traced build (see src/check/). Exit status 0: nothing found,
 * 1: findings (or a damaged log), 2: bad input.
 */
import fs from 'node:fs';
import { Command } from 'commander';
import { CheckError, LogError, UsageError } from '../errors.js';
import { checkFile } from '../check/index.js';
import { checkJson, checkText } from '../check/report.js';
import { collect, driverOption, printJson, reportDamage } from './options.js';

export function checkCommand(): Command {
  return new Command('check')
    .description("find unexpected dependencies, -j races, cargo build scripts' undeclared inputs and (with --make/--ninja) undeclared inputs and outputs and unordered generated files; exit 1 when something is found")
    .argument('[log]', 'log written by bt trace or bt normalize ("-" for stdin)', 'build.trace')
    .option('--json', 'print the findings as JSON')
    .option('--absolute', "print every path absolute, in the report and in the findings' details (by default those under the start directory are relative to it; the JSON's paths are always absolute)")
    .option('--allow <glob>', 'also allow reads under GLOB (repeatable; "/opt/sdk", "~/.m2/**": DIR/** allows DIR too)', collect)
    .option('--strict', 'allow only the start directory (and --allow), not the system roots')
    .option('--ignore <glob>', 'never report files matching GLOB (repeatable)', collect)
    .option('--make', "compare with make's own graph (make -pnq, run in the traced make's directory)")
    .option("--ninja <dir>", "compare with the ninja build in DIR (ninja -t targets/query/deps)")
    .addOption(driverOption())
    .action(async (log: string, o, cmd: Command) => {
      if (o.make && o.ninja !== undefined) throw new UsageError('E_USAGE', '--make and --ninja exclude each other: choose the build system that ran');
      // (an option that took the log as its value, `--driver p2.trace`, is said before: cli/log-argument.ts)
      if (cmd.args.length === 0 && !fs.existsSync(log)) throw new CheckError('E_BAD_INPUT', `no log given and there is no build.trace here: bt check LOG`);
      let res;
      try {
        res = await checkFile(
          log,
          { allow: o.allow?.map(home), strict: !!o.strict, ignore: o.ignore?.map(home), make: !!o.make, ninja: o.ninja, absolute: !!o.absolute },
          { drivers: o.driver },
        );
      } catch (err) {
        if (err instanceof LogError) throw new CheckError('E_BAD_INPUT', err.message, { cause: err });
        throw err;
      }
      if (o.json) printJson(checkJson(res.build, res));
      else process.stdout.write(checkText(res.build, res, { absolute: !!o.absolute }));
      for (const n of res.notes) process.stderr.write(`bt: note: ${n}\n`);
      process.exitCode = res.findings.length ? 1 : 0;
      reportDamage(log, res.build.damage, { liveNote: false }); // it says so itself
    });
}

/** "~/x" -> "$HOME/x" (the shell does not expand a quoted glob). */
function home(glob: string): string {
  return glob.startsWith('~/') && process.env.HOME ? `${process.env.HOME}${glob.slice(1)}` : glob;
}
