/**
 * bt trace: runs a command under the tracer and writes the log. The
 * commander command, made from the table of its options (trace-args.ts).
 */
import { Command, Option } from 'commander';
import { traceAction } from './trace-action.js';
import { TRACE_DESCRIPTION, TRACE_OPTIONS, TRACE_USAGE, type TraceOpts } from './trace-args.js';

export function traceCommand(): Command {
  const command = new Command('trace').description(TRACE_DESCRIPTION).usage(TRACE_USAGE);
  for (const o of TRACE_OPTIONS) {
    const option = new Option(o.flags, o.description);
    if (o.default !== undefined) option.default(o.default, o.defaultDescription);
    if (o.parse) option.argParser(o.parse as (text: string, previous: unknown) => unknown);
    command.addOption(option);
  }
  return command
    .argument('<command...>', 'the build command')
    .passThroughOptions()
    .action((command: string[], o: TraceOpts) => traceAction(command, o));
}
