/**
 * Runs bt's command line: builds the command tree from a table of commands
 * (each loaded on demand), parses, and turns every error into one line on
 * stderr and an exit status. The entry points (main.ts: every command;
 * trace-main.ts: bt trace alone, bundled on its own for its start-up) are
 * the only places that call process.exit.
 */
import { Command, CommanderError } from 'commander';
import { BtError, UsageError } from '../errors.js';
import { describeFsError } from '../log/io.js';
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

/** Exit statuses that follow shell conventions; an output that cannot be written is OUTPUT_CODES; every other error is 1. */
const EXIT_BY_CODE: Record<string, number> = {
  E_USAGE: 2,
  E_NO_FILE: 2,
  E_AMBIGUOUS: 2,
  E_FILTER: 2,
  E_FORMAT: 2,
  E_SQL: 2,
  E_BAD_INPUT: 2,
  E_SAME_FILE: 2,
  // bt normalize on a normalized log: not the input it takes (a raw log), like any log it cannot use
  E_ALREADY_NORMALIZED: 2,
  // a log that cannot be opened or is not one: bad input, as bt check, diff and sql always said
  E_LOG_OPEN: 2,
  E_NOT_BT_LOG: 2,
  E_LOG_HEADER: 2,
  E_LOG_READ: 2,
  // a graph over --max-nodes, a static page over its size: the command must ask for less
  E_TOO_BIG: 2,
  E_NO_COMMAND: 127,
  E_NOT_EXECUTABLE: 126,
};

/**
 * An output that cannot be written: -o or --html in a directory that does
 * not exist or that the user cannot write, a planted link, a full disk,
 * stdout on a full disk, a binary format refused on a terminal. One status
 * in every command (outputStatus: 2, as for bad input), whichever module
 * said it: bt export's E_EXPORT_OUTPUT, the output module's E_OUTPUT, the
 * log writer's E_LOG_WRITE (bt normalize), bt graph's and bt view's E_WRITE,
 * and an existing file -o would replace that is not of the command's kind
 * (log/replace.ts: E_REPLACE).
 */
const OUTPUT_CODES: ReadonlySet<string> = new Set(['E_OUTPUT', 'E_REPLACE', 'E_LOG_WRITE', 'E_WRITE', 'E_EXPORT_OUTPUT', 'E_BINARY_TTY']);

/** A system error of write(2), as fs.writeSync and streams throw it. */
function isWriteError(err: unknown): err is NodeJS.ErrnoException {
  return !!err && typeof err === 'object' && (err as NodeJS.ErrnoException).syscall === 'write' && typeof (err as NodeJS.ErrnoException).code === 'string';
}

function writeErrorMessage(err: NodeJS.ErrnoException): string {
  return `cannot write the output (${describeFsError(err)}): the output was cut short`;
}

/**
 * The status of a failure no table row names (1), and of an output that
 * cannot be written (2). bt trace sets both to 125: its build's own status
 * is what it exits with otherwise, and a script must tell bt failing to
 * trace (no root, a log it cannot write) from a build that failed with 1
 * or 2 (125, as env and timeout do when they cannot run their command).
 */
let failureStatus = 1;
let outputStatus = 2;
export function setFailureStatus(status: number): void {
  failureStatus = status;
  outputStatus = status;
}

/** Turns any thrown value into one line on stderr and an exit status. */
export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // help or version output, printed by commander (its errors are UsageErrors: usageErrors above)
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof BtError) {
    process.stderr.write(`${err.command ?? 'bt'}: ${err.message}\n`);
    if (process.env.BT_DEBUG && err.cause) process.stderr.write(`bt: cause: ${String((err.cause as Error).stack ?? err.cause)}\n`);
    return OUTPUT_CODES.has(err.code) ? outputStatus : (EXIT_BY_CODE[err.code] ?? failureStatus);
  }
  if (err && typeof err === 'object' && 'code' in err && (err as NodeJS.ErrnoException).code === 'EPIPE') {
    return 0; // stdout closed early (e.g. `bt dump | head`): not an error
  }
  if (isWriteError(err)) {
    // an output no module wrapped: stdout on a full disk (`> /dev/full`), a closed terminal
    process.stderr.write(`bt: ${writeErrorMessage(err)}\n`);
    return outputStatus;
  }
  const e = err as Error;
  process.stderr.write(`bt: internal error: ${e?.message ?? String(err)} (set BT_DEBUG=1 for details)\n`);
  if (process.env.BT_DEBUG) process.stderr.write(`${e?.stack}\n`);
  return 70;
}

/** Runs bt with argv (process.argv's shape); resolves to the exit status. */
export async function runCli(commands: CommandTable, argv: string[]): Promise<number> {
  let status = 0;
  try {
    const program = await buildProgram(commands, argv[2]);
    await program.parseAsync(argv);
    status = Number(process.exitCode ?? 0);
  } catch (err) {
    status = reportError(err);
  }
  return status;
}

/**
 * A signal to end bt with instead of its status: bt trace's build died of
 * it. A shell running bt then sees what it would have seen without bt
 * (bash stops a script whose command died of SIGINT, and goes on after an
 * exit status of 130). Only signals whose default action ends a process
 * without a core dump, and that Node does not ignore.
 */
let exitSignal: NodeJS.Signals | undefined;
const RERAISED = new Set<NodeJS.Signals>(['SIGINT', 'SIGHUP', 'SIGTERM']);

export function exitBySignal(sig: NodeJS.Signals): void {
  if (RERAISED.has(sig)) exitSignal = sig;
}

function exit(status: number): void {
  if (exitSignal) {
    process.removeAllListeners(exitSignal);
    try {
      process.kill(process.pid, exitSignal);
    } catch {
      /* cannot: the status says it */
    }
    setTimeout(() => process.exit(status), 200).unref();
    return;
  }
  process.exit(status);
}

/** What an entry point does: runs bt on process.argv and exits with its status. */
export function exitWith(commands: CommandTable): void {
  let stdout: NodeJS.WriteStream | undefined;
  onStdout((s) => {
    stdout = s;
    s.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0); // stdout closed early (`bt dump | head`): not an error
      // any other failure loses the output: say so, and fail
      process.stderr.write(`bt: ${isWriteError(err) ? writeErrorMessage(err) : `cannot write to stdout (${describeFsError(err)})`}\n`);
      process.exit(outputStatus);
    });
  });
  runCli(commands, process.argv).then(
    (status) => exitFlushed(status, stdout),
    (err) => exitFlushed(reportError(err), stdout),
  );
}

/**
 * process.exit once what was written to stdout and stderr is out: a pipe
 * takes 64 KiB at once, and Node queues the rest of a write for when the
 * reader has read, which process.exit would drop (`bt deps … | less` got
 * the first 64 KiB).
 */
function exitFlushed(status: number, stdout: NodeJS.WriteStream | undefined): void {
  const pending = [stdout, process.stderr].filter((s): s is NodeJS.WriteStream => !!s && !s.destroyed && s.writableLength > 0);
  if (pending.length === 0) {
    // a write to a file (stdout > /dev/full) fails on the next tick: let its error come first
    if (stdout) setImmediate(() => exit(status));
    else exit(status);
    return;
  }
  let left = pending.length;
  for (const s of pending) {
    // a write's callback comes after every write before it; an error (EPIPE) ends the wait too
    s.write('', () => {
      if (--left === 0) exit(status);
    });
  }
}

/**
 * Calls `fn` with process.stdout when something first uses it. Node makes
 * the stream on first use, and for a pipe that loads net and streams (~3
 * ms): bt trace, whose build writes to fd 1 itself, never does.
 */
function onStdout(fn: (stdout: NodeJS.WriteStream) => void): void {
  const desc = Object.getOwnPropertyDescriptor(process, 'stdout');
  if (!desc?.get || !desc.configurable) {
    fn(process.stdout);
    return;
  }
  const made = desc.get;
  Object.defineProperty(process, 'stdout', {
    configurable: true,
    enumerable: desc.enumerable,
    get() {
      const stdout = made.call(process) as NodeJS.WriteStream;
      Object.defineProperty(process, 'stdout', { configurable: true, enumerable: desc.enumerable, get: () => stdout });
      fn(stdout);
      return stdout;
    },
  });
}
