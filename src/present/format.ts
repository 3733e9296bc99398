/**
 * Presentation: how bt writes signals, durations, times, counts and
 * command lines for people. Every output (dump, graph, summary, deps,
 * check, diff, the viewer's server side) formats through here.
 */
import os from 'node:os';
import { relativeInside } from '../normalize/paths.js';

const SIGNAL_NAMES: Record<number, string> = (() => {
  const out: Record<number, string> = {};
  for (const [name, num] of Object.entries(os.constants.signals)) {
    if (out[num] === undefined) out[num] = name;
  }
  // Linux numbers, in case this Node lacks some.
  Object.assign(out, { 6: 'SIGABRT', 7: 'SIGBUS', 9: 'SIGKILL', 11: 'SIGSEGV', 13: 'SIGPIPE', 15: 'SIGTERM' });
  return out;
})();

/** "SIGKILL" for 9; "signal 40" for numbers without a name. */
export function signalName(sig: number): string {
  return SIGNAL_NAMES[sig] ?? `signal ${sig}`;
}

/** The number of a signal name ("SIGKILL", "KILL", "kill"), undefined if unknown. */
export function signalNumber(name: string): number | undefined {
  const up = name.toUpperCase();
  const n = (os.constants.signals as Record<string, number>)[up.startsWith('SIG') ? up : `SIG${up}`];
  return n;
}

/** A short span: ns, µs or ms. */
export function formatNs(ns: number): string {
  if (ns < 1e3) return `${ns} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${(ns / 1e6).toFixed(1)} ms`;
}

/** Seconds with a sensible precision: "0.123 s", "12.3 s", "3 min 4 s". */
export function formatDuration(ns: number): string {
  const s = ns / 1e9;
  if (s < 10) return `${s.toFixed(3)} s`;
  if (s < 600) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

/** Whole milliseconds of a span in ns (for JSON `*_ms` keys). */
export function toMs(ns: number): number {
  return Math.round(ns / 1e6);
}

/** Seconds since `start`: "+0.001234" (µs, truncated). */
export function relSeconds(ts: number, start: number): string {
  const d = ts - start;
  const a = Math.abs(d);
  const sec = Math.floor(a / 1e9);
  const us = Math.floor((a - sec * 1e9) / 1000);
  return `${d < 0 ? '-' : '+'}${sec}.${String(us).padStart(6, '0')}`;
}

/** "1 process", "3 processes". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A count and its noun, with thousands separators: "1 file", "1,234 files". */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/** A share (0..1) as a whole percentage, rounded down: 0.976 -> "97%" (never "100%" for less than all). */
export function percent(share: number): string {
  return `${Math.floor(share * 100)}%`;
}

/** A number with thousands separators: 1234567 -> "1,234,567". */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** A control character, or a byte that is not UTF-8 (log/bytes.ts keeps it as U+DC80..U+DCFF). */
const UNPRINTABLE = /[\u0000-\u001f\u007f\u{dc80}-\u{dcff}]/u;

/** True when `s` holds a control character or a byte that is not UTF-8: text shows it in the shell's $'…' form (ansiC). */
export function unprintable(s: string): boolean {
  return UNPRINTABLE.test(s);
}

/** The shell's $'…' form of a string (\n, \t, \xNN for the other control characters and for bytes that are not UTF-8). */
export function ansiC(s: string): string {
  let out = "$'";
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\\' || ch === "'") out += `\\${ch}`;
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c >= 0xdc80 && c <= 0xdcff) out += `\\x${(c - 0xdc00).toString(16)}`;
    else out += ch;
  }
  return `${out}'`;
}

/**
 * The string a word in the $'…' form ansiC prints stands for (its inverse:
 * \n, \t, \\, \', \xNN, a byte that is not UTF-8 back as U+DC80..U+DCFF),
 * as bash reads it back; undefined when `word` is not in that form (a name
 * typed as it is).
 */
export function unAnsiC(word: string): string | undefined {
  if (!word.startsWith("$'") || !word.endsWith("'") || word.length < 3) return undefined;
  const body = word.slice(2, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch === "'") return undefined; // a quote ends the word: more than one word
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = body[++i];
    if (next === 'n') out += '\n';
    else if (next === 't') out += '\t';
    else if (next === '\\' || next === "'") out += next;
    else if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(body.slice(i + 1, i + 3))) {
      const c = parseInt(body.slice(i + 1, i + 3), 16);
      out += String.fromCharCode(c < 0x80 ? c : 0xdc00 + c);
      i += 2;
    } else return undefined; // an escape ansiC never writes
  }
  return out;
}

/** One shell word, quoted only when it must be; with a control character or a byte that is not UTF-8, in $'…' (one line, pasteable). */
export function quoteArg(a: string): string {
  if (a === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./~^-]+$/.test(a)) return a;
  if (UNPRINTABLE.test(a)) return ansiC(a);
  return `'${a.replace(/'/g, `'\\''`)}'`;
}

/**
 * A path as a line of text shows it: as it is, unless it holds a control
 * character (a newline would make it two entries of a list) or a byte that
 * is not UTF-8; then in the shell's $'…' form, as ls shows such names.
 */
export function displayPath(p: string): string {
  return UNPRINTABLE.test(p) ? ansiC(p) : p;
}

/**
 * How the text of an answer about a build shows its paths (bt summary,
 * bt deps, bt rdeps, bt check; bt diff's keys and graph labels alike): a
 * path under the build's start directory relative to it (`src/app.c`, `.`
 * for the directory itself), any other path absolute; every path absolute
 * with `absolute` (--absolute, for scripts) or when the build started in /
 * (or nowhere known). Through displayPath: one line whatever its bytes.
 */
export function pathShower(startDir: string, opts: { absolute?: boolean } = {}): (p: string) => string {
  if (opts.absolute || !startDir || startDir === '/') return displayPath;
  const dir = startDir.replace(/\/+$/, '');
  return (p) => displayPath(relativeInside(dir, p) ?? p);
}

/** The full command line, shell-quoted (what a user can paste into a shell). */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ');
}

/** Shortens a string to `max` characters with an ellipsis in the middle. */
export function middle(s: string, max: number): string {
  if (s.length <= max) return s;
  const head = Math.ceil((max - 1) / 2);
  const tail = max - 1 - head;
  return `${s.slice(0, head)}…${s.slice(s.length - tail)}`;
}

/** The command line shell-quoted and cut to `max` characters (with an ellipsis at the end). */
export function commandLine(argv: readonly string[], max = 120): string {
  const s = shellJoin(argv);
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** How a process ended: "exit 0", "exit 2", "SIGKILL"; with no end seen, "running" in a trace still being written, else "unknown". */
export function exitText(exitCode: number, signal: number, live = false): string {
  if (signal) return signalName(signal);
  if (exitCode < 0) return live ? 'running' : 'unknown';
  return `exit ${exitCode}`;
}

/** How a process ended, in a sentence about it: "exit 2", "killed by SIGINT"; with no end seen, "running" in a trace still being written, else "no exit seen". */
export function endedText(exitCode: number, signal: number, live = false): string {
  if (signal) return `killed by ${signalName(signal)}`;
  if (exitCode < 0) return live ? 'running' : 'no exit seen';
  return `exit ${exitCode}`;
}

/** A build's exit status (bt trace's: 128+N when signal N killed it), with the signal when one did: "0", "130 (signal SIGINT)". */
export function exitStatus(status: number, signal = 0): string {
  return `${status}${signal ? ` (signal ${signalName(signal)})` : ''}`;
}

/**
 * A name that may end with a slash (a directory standing for what is under
 * it: a build tool's cache, `/root/.cache/go-build/`), shown by `show`
 * (pathShower) with its slash kept: `target/debug/.fingerprint/`.
 */
export function showDirName(show: (p: string) => string, name: string): string {
  return name.endsWith('/') && name !== '/' ? `${show(name.slice(0, -1))}/` : show(name);
}

/**
 * The first `limit` of `items` a text lists, and what it says of the rest
 * (`and 12 more (--json lists all)`; undefined when none is left out). All
 * of them when one more would be left: "… and 1 more" would hide a line
 * behind a line. `size`: how many of what the text counts an item stands
 * for (a line of 38 identical failures: 38), one by default.
 */
export function firstOf<T>(items: readonly T[], limit: number, size: (item: T) => number = () => 1): { shown: readonly T[]; more: string | undefined } {
  const shown = items.length === limit + 1 ? items : items.slice(0, limit);
  let left = 0;
  for (let i = shown.length; i < items.length; i++) left += size(items[i]);
  return { shown, more: left > 0 ? `and ${count(left)} more (--json lists all)` : undefined };
}

/** A umask as umask(1) prints it: four octal digits (0022). */
export function umaskText(mask: number): string {
  return (mask & 0o7777).toString(8).padStart(4, '0');
}
