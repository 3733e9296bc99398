#!/usr/bin/env node
/**
 * bt entry point, for every command (src/cli/run.ts runs the command line).
 * `bt trace` is bundled on its own too (trace-main.ts).
 */
// First: no inspector on SIGUSR1 (guard.ts); then bt trace starts loading its BPF programs while the rest loads.
import './guard.js';
import './early.js';
import type { Command } from 'commander';
import { exitWith, type CommandTable } from './run.js';

/** A command that loads a build model: its progress shows on a terminal (progress.ts; bt view says its own). */
function reader(make: () => Promise<Command>): () => Promise<Command> {
  return async () => {
    const [command, progress] = await Promise.all([make(), import('./progress.js')]);
    progress.showLoadProgress();
    return command;
  };
}

/**
 * The commands, in the order --help lists them, each loaded on demand: a
 * run evaluates only the modules of the command it runs (bt trace then
 * loads no model, HTTP server or SQL engine before its build can start).
 * A name that is none of these (--help, help, a typo) loads them all.
 */
const COMMANDS: CommandTable = [
  ['trace', async () => (await import('./trace.js')).traceCommand()],
  ['dump', reader(async () => (await import('./dump.js')).dumpCommand())],
  ['normalize', async () => (await import('./normalize.js')).normalizeCommand()],
  ['graph', reader(async () => (await import('./graph.js')).graphCommand())],
  ['summary', reader(async () => (await import('./summary.js')).summaryCommand())],
  ['deps', reader(async () => (await import('./deps.js')).depsCommand())],
  ['rdeps', reader(async () => (await import('./deps.js')).rdepsCommand())],
  ['export', reader(async () => (await import('./export.js')).exportCommand())],
  ['sql', async () => (await import('./sql.js')).sqlCommand()],
  ['check', reader(async () => (await import('./check.js')).checkCommand())],
  ['diff', reader(async () => (await import('./diff.js')).diffCommand())],
  ['view', async () => (await import('./view.js')).viewCommand()],
];

exitWith(COMMANDS);
