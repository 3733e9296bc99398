/**
 * bt summary: the build at a glance (see src/answers/summary.ts).
 */
import { Command, Option } from 'commander';
import { checkSameHost, loadDpkg } from '../answers/packages.js';
import { filterSelection, summarize } from '../answers/summary.js';
import { summaryText } from '../answers/text.js';
import { ModelEnv } from '../model/subject.js';
import { compileFilter, driverOption, loadFor, positiveNumber, printJson, reportDamage } from './options.js';

export function summaryCommand(): Command {
  return new Command('summary')
    .description('the build at a glance: processes, tools, jobs, inputs, outputs, intermediates, probes, critical path')
    .argument('[log]', 'log written by bt trace or bt normalize ("-" for stdin)', 'build.trace')
    .option('--json', 'JSON (keys documented in the README)')
    .option('--absolute', 'print every path absolute (by default those under the start directory are relative to it; the JSON is always absolute)')
    .option('--all-files', 'keep runtime noise (/proc, /sys, /dev, shared libraries, loader, locale) in the file groups')
    .option('--filter <expr>', 'only the processes and files matching a display filter, and the jobs those processes ran in (README: Display filters), e.g. \'under(exe == "make" and argv contains "vmlinux")\'')
    .option('--packages', "also list the installed packages the system inputs came from (dpkg's database; a log recorded on this machine)")
    .addOption(driverOption())
    .addOption(new Option('--window <ms>', 'reorder window when normalizing a raw log').default(2000).argParser(positiveNumber('window')))
    .action((log: string, o) => {
      const filter = o.filter !== undefined ? compileFilter(o.filter, { subjects: 'processes and files', command: 'bt summary' }) : undefined;
      const packages = o.packages ? loadDpkg() : undefined;
      const build = loadFor(log, o);
      if (packages) checkSameHost(build.header.hostname);
      reportDamage(log, build.damage, { liveNote: false }); // it says so itself
      const env = filter ? new ModelEnv(build) : undefined;
      const selection = filter && env ? filterSelection(build, env, filter.bind(env)) : {};
      const s = summarize(build, { all: !!o.allFiles, filter: o.filter, packages, ...selection });
      if (o.json) printJson(s);
      else process.stdout.write(summaryText(s, { absolute: !!o.absolute }));
    });
}
