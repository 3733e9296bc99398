#!/usr/bin/env node
/**
 * bt entry point: builds the command tree and is the only place that calls
 * process.exit. Errors become one line on stderr and a non-zero status.
 */
// First: bt trace starts loading its BPF programs while the rest loads.
import './early.js';
import { Command, CommanderError } from 'commander';
import { BtError } from '../errors.js';
import { BT_VERSION } from '../version.js';

/**
 * The commands, in the order --help lists them, each loaded on demand: a
 * run evaluates only the modules of the command it runs (bt trace then
 * loads no model, HTTP server or SQL engine before its build can start).
 * A name that is none of these (--help, help, a typo) loads them all.
 */
const COMMANDS: ReadonlyArray<readonly [string, () => Promise<Command>]> = [
  ['trace', async () => (await import('./trace.js')).traceCommand()],
  ['dump', async () => (await import('./dump.js')).dumpCommand()],
  ['normalize', async () => (await import('./normalize.js')).normalizeCommand()],
  ['graph', async () => (await import('./graph.js')).graphCommand()],
  ['summary', async () => (await import('./summary.js')).summaryCommand()],
  ['deps', async () => (await import('./deps.js')).depsCommand()],
  ['rdeps', async () => (await import('./deps.js')).rdepsCommand()],
  ['export', async () => (await import('./export.js')).exportCommand()],
  ['sql', async () => (await import('./sql.js')).sqlCommand()],
  ['check', async () => (await import('./check.js')).checkCommand()],
  ['diff', async () => (await import('./diff.js')).diffCommand()],
  ['view', async () => (await import('./view.js')).viewCommand()],
];

async function buildProgram(name: string | undefined): Promise<Command> {
  const program = new Command('bt')
    .description('bt — a build tracer: what does this build actually do?')
    .version(BT_VERSION)
    .enablePositionalOptions()
    .showHelpAfterError('(run bt --help for usage)')
    .exitOverride();
  const one = COMMANDS.filter(([n]) => n === name);
  for (const [, make] of one.length ? one : COMMANDS) {
    program.addCommand((await make()).exitOverride());
  }
  return program;
}

/** Exit statuses that follow shell conventions; every other error is 1. */
const EXIT_BY_CODE: Record<string, number> = {
  E_USAGE: 2,
  E_NO_FILE: 2,
  E_AMBIGUOUS: 2,
  E_FILTER: 2,
  E_EXPORT_OUTPUT: 2,
  E_FORMAT: 2,
  E_SQL: 2,
  E_BAD_INPUT: 2,
  E_NO_COMMAND: 127,
  E_NOT_EXECUTABLE: 126,
};

/** Turns any thrown value into one line on stderr and an exit status. */
export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander already printed its message (or help/version output).
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof BtError) {
    process.stderr.write(`bt: ${err.message}\n`);
    if (process.env.BT_DEBUG && err.cause) process.stderr.write(`bt: cause: ${String((err.cause as Error).stack ?? err.cause)}\n`);
    return EXIT_BY_CODE[err.code] ?? 1;
  }
  if (err && typeof err === 'object' && 'code' in err && (err as NodeJS.ErrnoException).code === 'EPIPE') {
    return 0; // stdout closed early (e.g. `bt dump | head`): not an error
  }
  const e = err as Error;
  process.stderr.write(`bt: internal error: ${e?.message ?? String(err)} (set BT_DEBUG=1 for details)\n`);
  if (process.env.BT_DEBUG) process.stderr.write(`${e?.stack}\n`);
  return 70;
}

async function main(argv: string[]): Promise<number> {
  let status = 0;
  try {
    const program = await buildProgram(argv[2]);
    await program.parseAsync(argv);
    status = Number(process.exitCode ?? 0);
  } catch (err) {
    status = reportError(err);
  }
  return status;
}

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
});

main(process.argv).then(
  (status) => process.exit(status),
  (err) => process.exit(reportError(err)),
);
