/**
 * Runs bt's command line: builds the command tree from a table of commands
 * (each loaded on demand), parses, and turns every error into one line on
 * stderr and an exit status (exit.ts). The entry points (main.ts: every
 * command; trace-main.ts: bt trace alone, bundled on its own for its
 * start-up) are the only places that call process.exit.
 */
import { Command, CommanderError } from 'commander';
import { UsageError } from '../errors.js';
import { exitWhenDone, reportError } from './exit.js';
import { optionTakingLog, refuseLogTakenByOption, tookLog } from './log-argument.js';
import { BT_VERSION } from '../version.js';

/** A command's name and how to make it (loading its modules). */
export type CommandTable = ReadonlyArray<readonly [string, () => Promise<Command>]>;

async function buildProgram(commands: CommandTable, name: string | undefined): Promise<Command> {
  const program = new Command('bt')
    .description('bt — a build tracer: what does this build actually do?')
    .version(BT_VERSION)
    .enablePositionalOptions()
    // a reader's default log missing because an option took it: cli/log-argument.ts
    .hook('preAction', (_, command) => refuseLogTakenByOption(command));
  usageErrors(program, 'bt');
  const one = commands.filter(([n]) => n === name);
  for (const [, make] of one.length ? one : commands) {
    const command = await make();
    program.addCommand(usageErrors(command, `bt ${command.name()}`));
  }
  return program;
}

/**
 * Commander's own errors (a missing argument, an unknown option or command,
 * a value not among the choices, too many arguments) become bt's one line
 * (`bt graph: unknown option '--bogus' (did you mean --focus?): see bt graph
 * --help`: an unknown option names its command) and exit 2: commander prints nothing itself, and throws a
 * UsageError naming the help to read. A missing argument that an option
 * took as its value says so instead (`bt diff --driver a.trace b.trace`:
 * `missing required argument 'b': --driver took "a.trace" as its value
 * …`). Help and --version go through as they are.
 */
function usageErrors(command: Command, name: string): Command {
  return command.configureOutput({ outputError: () => {} }).exitOverride((err) => {
    if (err.exitCode === 0 || err.code === 'commander.help' || err.code === 'commander.helpDisplayed' || err.code === 'commander.version') throw err;
    const took = err.code === 'commander.missingArgument' ? optionTakingLog(command) : undefined;
    // an unknown option is the command's: its line names it (`bt graph: unknown option '--foo': …`)
    const who = err.code === 'commander.unknownOption' && name !== 'bt' ? name : undefined;
    throw new UsageError('E_USAGE', `${commanderMessage(err.message)}: ${took ? tookLog(took) : `see ${name} --help`}`, { cause: err, command: who });
  });
}

/**
 * A commander error message as one clause: without its "error: ", its
 * second sentence and its suggestion in parentheses ("too many arguments for
 * 'summary'. Expected 1 argument but got 3." -> "too many arguments for
 * 'summary' (expected 1 argument but got 3)").
 */
export function commanderMessage(message: string): string {
  const [first = '', ...more] = message.replace(/^error: /, '').trim().split('\n');
  const lower = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
  const main = first.replace(/\. ([A-Z][^.]*)\.$/, (_, s: string) => ` (${lower(s)})`).replace(/\.$/, '');
  return [main, ...more.map((l) => l.trim()).filter(Boolean).map((l) => (l.startsWith('(') ? `(${lower(l.slice(1))}` : `(${lower(l)})`))].join(' ');
}

/** Runs bt with argv (process.argv's shape); resolves to the exit status. */
export async function runCli(commands: CommandTable, argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(commands, argv[2]);
    await program.parseAsync(argv);
    return Number(process.exitCode ?? 0);
  } catch (err) {
    // help or version output, printed by commander (its errors are UsageErrors: usageErrors above)
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    return reportError(err);
  }
}

/** What an entry point does: runs bt on process.argv and exits with its status. */
export function exitWith(commands: CommandTable): void {
  exitWhenDone(() => runCli(commands, process.argv));
}
