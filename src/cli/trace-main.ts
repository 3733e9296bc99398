/**
 * bt trace's own entry point: bt's executable runs this bundle
 * (bt-trace.cjs) for `bt trace`, so that a trace reads, compiles and
 * evaluates none of the other commands' code before its build can start
 * (npm run bench prints the phases). It reads its command line from the
 * options' table without commander (trace-args.ts); whatever it leaves to
 * commander (--help, a usage error) the whole program does, which bt's
 * executable runs then (src/cli/bt.cts): the same command line either way.
 */
import './guard.js';
import './early.js';
import { exitWhenDone } from './exit.js';
import { traceAction } from './trace-action.js';
import { parseTraceArgs } from './trace-args.js';

let parsed: ReturnType<typeof parseTraceArgs>;
let failed: unknown; // an option's value that does not parse: said as commander would say it (the same UsageError)
try {
  parsed = parseTraceArgs(process.argv.slice(3));
} catch (err) {
  failed = err;
}
const whole = (globalThis as { __btRunProgram?: () => void }).__btRunProgram;
if (!parsed && failed === undefined && whole) whole();
else {
  exitWhenDone(async () => {
    if (failed !== undefined) throw failed;
    if (!parsed) throw new Error("bt-trace.cjs runs from bt's executable (dist/src/cli/bt.cjs)");
    await traceAction(parsed.command, parsed.opts);
    return Number(process.exitCode ?? 0);
  });
}
