/**
 * How bt ends: every error becomes one line on stderr and an exit status,
 * and the process exits once its output is out. Without commander: bt
 * trace's own bundle parses its command line without it (trace-args.ts),
 * and run.ts adds commander's errors for the whole command line. The entry
 * points are the only places that call process.exit, through exitWhenDone.
 */
import { BtError } from '../errors.js';
import { describeFsError } from '../log/io.js';

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

/**
 * What an entry point does: runs `work` (resolving to bt's exit status),
 * turns what it throws into one line and a status, and exits once stdout
 * and stderr are written out.
 */
export function exitWhenDone(work: () => Promise<number>): void {
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
  work().then(
    (status) => exitFlushed(status, stdout),
    (err) => exitFlushed(reportError(err), stdout),
  );
}
