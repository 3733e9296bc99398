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
import { traceCommand } from './trace.js';
import { dumpCommand } from './dump.js';
import { graphCommand } from './graph.js';
import { normalizeCommand } from './normalize.js';
import { summaryCommand } from './summary.js';
import { depsCommand, rdepsCommand } from './deps.js';
import { exportCommand } from './export.js';
import { sqlCommand } from './sql.js';
import { checkCommand } from './check.js';
import { diffCommand } from './diff.js';
import { viewCommand } from './view.js';

function buildProgram(): Command {
  const program = new Command('bt')
    .description('bt — a build tracer: what does this build actually do?')
    .version(BT_VERSION)
    .enablePositionalOptions()
    .showHelpAfterError('(run bt --help for usage)')
    .exitOverride();
  for (const cmd of [
    traceCommand(),
    dumpCommand(),
    normalizeCommand(),
    graphCommand(),
    summaryCommand(),
    depsCommand(),
    rdepsCommand(),
    exportCommand(),
    sqlCommand(),
    checkCommand(),
    diffCommand(),
    viewCommand(),
  ]) {
    program.addCommand(cmd.exitOverride());
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
  const program = buildProgram();
  let status = 0;
  try {
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
