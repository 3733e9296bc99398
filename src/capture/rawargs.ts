/**
 * bt's own command line, environment and working directory, byte for byte.
 * Node decodes argv and the environment as UTF-8, so a byte that is not
 * UTF-8 becomes U+FFFD there: a build started from those strings would run
 * with other bytes than it was given (`bt trace -- printf %s $'a\xffb'`
 * printed a, EF BF BD, b). /proc/self/cmdline, /proc/self/environ and
 * /proc/self/cwd hold the real bytes: matched to Node's strings, they give
 * exact strings (log/bytes.ts: a byte that is not UTF-8 as U+DC80..U+DCFF),
 * which encodeString turns back into the bytes for the launcher, the file
 * system and the log. Only strings that hold a U+FFFD are looked up.
 */
import fs from 'node:fs';
import { CaptureError } from '../errors.js';
import { decodeBytes } from '../log/bytes.js';
import { unnamedWorkingDir, workingDir } from '../log/io.js';

const LOSSY = '\uFFFD';

/** NUL-separated entries of a /proc file, as bytes. */
function entries(file: string): Buffer[] {
  let all: Buffer;
  try {
    all = fs.readFileSync(file);
  } catch {
    return [];
  }
  const out: Buffer[] = [];
  for (let at = 0; at < all.length; ) {
    let end = all.indexOf(0, at);
    if (end < 0) end = all.length;
    out.push(all.subarray(at, end));
    at = end + 1;
  }
  return out;
}

/**
 * The exact strings of the last `args.length` arguments of bt's command line
 * (the command to trace: the tail of process.argv), or `args` itself when
 * they hold no U+FFFD or /proc does not match them.
 */
export function exactArgs(args: readonly string[], cmdline = '/proc/self/cmdline'): string[] {
  if (!args.some((a) => a.includes(LOSSY))) return [...args];
  const raw = entries(cmdline).slice(-args.length);
  if (raw.length !== args.length || raw.some((b, i) => b.toString('utf8') !== args[i])) return [...args];
  return raw.map((b) => decodeBytes(b));
}

/** `env` with each variable that came from bt's own environment with a byte that is not UTF-8 given its exact name and value. */
export function exactEnv(env: NodeJS.ProcessEnv, environ = '/proc/self/environ'): NodeJS.ProcessEnv {
  const lossy = Object.entries(env).filter(([k, v]) => v !== undefined && (k.includes(LOSSY) || v.includes(LOSSY)));
  if (!lossy.length) return env;
  const exact = new Map<string, string>();
  for (const b of entries(environ)) {
    const lossy = b.toString('utf8');
    if (!exact.has(lossy)) exact.set(lossy, decodeBytes(b)); // a name twice: the first, as getenv and Node take
  }
  const out = { ...env };
  for (const [k, v] of lossy) {
    const e = exact.get(`${k}=${v}`);
    if (e === undefined) continue; // set by bt itself, or changed since: as it is
    const eq = e.indexOf('=');
    delete out[k];
    out[e.slice(0, eq)] = e.slice(eq + 1);
  }
  return out;
}

/** bt's working directory, exact (process.cwd() is decoded as UTF-8). */
export function exactCwd(): string {
  const cwd = workingDir();
  if (cwd === undefined) {
    throw new CaptureError(
      'E_CWD',
      `bt trace records the build's working directory, and this one ${unnamedWorkingDir()}: start bt in another directory (the build may cd there itself: bt trace -- sh -c 'cd DIR && make')`,
    );
  }
  if (!cwd.includes(LOSSY)) return cwd;
  try {
    const b = fs.readlinkSync('/proc/self/cwd', { encoding: 'buffer' });
    return b.toString('utf8') === cwd ? decodeBytes(b) : cwd;
  } catch {
    return cwd;
  }
}

/**
 * The exact string of one argument of bt's command line (a FILE a reader
 * asks about), or `arg` itself when it holds no U+FFFD, or /proc has no
 * argument, or several different ones, that Node decoded to it.
 */
export function exactArg(arg: string, cmdline = '/proc/self/cmdline'): string {
  if (!arg.includes(LOSSY)) return arg;
  const exact = new Set(entries(cmdline).filter((b) => b.toString('utf8') === arg).map((b) => decodeBytes(b)));
  return exact.size === 1 ? [...exact][0] : arg;
}
