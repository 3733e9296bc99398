/**
 * bt trace's own entry point: bt's executable runs this bundle
 * (bt-trace.cjs) for `bt trace`, so that a trace reads, compiles and
 * evaluates none of the other commands' code before its build can start
 * (~0.2 of the whole program; npm run bench prints the phases). The command
 * line is the same as through main.ts: one table row of the same command.
 */
import './guard.js';
import './early.js';
import { exitWith } from './run.js';

exitWith([['trace', async () => (await import('./trace.js')).traceCommand()]]);
