/**
 * bt trace's options: one table, from which trace.ts makes the commander
 * command (its help, its errors), and from which parseTraceArgs reads a
 * command line without commander. bt trace's own bundle (trace-main.ts)
 * parses with parseTraceArgs: commander was a third of that bundle, and
 * reading it, compiling it and parsing with it cost ~4 ms before the build
 * could start (measured). Whatever parseTraceArgs does not take as it is
 * (help, an unknown option, a missing value or command) it leaves to
 * commander; what it takes, it takes as commander would
 * (test/cli/trace-args.test.ts compares the two on thousands of command
 * lines).
 */
import { UsageError } from '../errors.js';
import { DEFAULT_RING_BYTES } from '../capture/install.js';

export function parseSize(text: string): number {
  const m = /^(\d+)\s*([kmg]?)i?b?$/i.exec(text.trim());
  if (!m) throw new UsageError('E_USAGE', `invalid size "${text}": use a number with an optional K, M or G suffix, e.g. 32M`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * mult;
}

export function parseSeconds(text: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < 0) {
    throw new UsageError('E_USAGE', `invalid duration "${text}": give seconds, e.g. 5 or 0.5`);
  }
  return v;
}

function collectRegex(text: string, previous: RegExp[] | undefined): RegExp[] {
  let re: RegExp;
  try {
    if (text === '') throw new Error('empty pattern');
    re = new RegExp(text, 'g');
    // 'z*' or '\\b' match empty strings: *** between characters everywhere
    if (new RegExp(text).exec('') || [...'a/B-1 x.y=Z_'.matchAll(re)].some((m) => m[0] === '')) {
      throw new Error('it matches an empty string; give a pattern that matches at least one character');
    }
  } catch (err) {
    throw new UsageError('E_USAGE', `invalid --redact pattern "${text}": ${(err as Error).message}`);
  }
  return [...(previous ?? []), re];
}

/** An option of bt trace, as commander's Option takes it. */
export interface TraceOption {
  /** commander's flags: `-o, --output <file>`, `--no-env` (a negation: the value is false when given, true otherwise) */
  flags: string;
  description: string;
  default?: unknown;
  /** What help says the default is, when not the value itself. */
  defaultDescription?: string;
  /** Makes the value from the text and the value before (commander's argParser). */
  parse?: (text: string, previous: never) => unknown;
}

export const TRACE_DESCRIPTION = 'run COMMAND and record every process and file event of it (and of nothing else)';
export const TRACE_USAGE = '[options] -- COMMAND [ARGS...]';

export const TRACE_OPTIONS: readonly TraceOption[] = [
  { flags: '-o, --output <file>', description: 'log file to write', default: 'build.trace' },
  { flags: '--ring-size <bytes>', description: 'kernel ring buffer size (power of two)', default: DEFAULT_RING_BYTES, defaultDescription: '32M', parse: parseSize },
  { flags: '--grace <seconds>', description: 'how long to wait for processes that outlive the command', default: 5, parse: parseSeconds },
  { flags: '--no-env', description: 'do not record environments (they can hold secrets; argv is recorded either way)' },
  { flags: '--redact <regex>', description: 'replace every match in argv and environment values by *** before it reaches the log (repeatable)', parse: collectRegex },
  { flags: '--no-files', description: 'record processes only, no file events' },
  { flags: '--as-root', description: 'run the build as root even when bt was started with sudo' },
  { flags: '--force', description: 'replace the -o file even if it is not a bt log (README: Output files)' },
  { flags: '-q, --quiet', description: 'no progress line and no summary' },
];

/** The options' values by key, as commander's opts() has them (the keys of TRACE_OPTIONS' flags). */
export interface TraceOpts {
  output: string;
  ringSize: number;
  grace: number;
  env: boolean;
  files: boolean;
  redact?: RegExp[];
  asRoot?: boolean;
  force?: boolean;
  quiet?: boolean;
}
type Values = Record<string, unknown>;

/** A flag as commander reads TraceOption.flags: its names, its value's name, and the key of its value. */
interface Flag {
  option: TraceOption;
  short?: string;
  long: string;
  takesValue: boolean;
  negate: boolean;
  key: string;
}

const camel = (s: string) => s.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());

function flagOf(option: TraceOption): Flag {
  const m = /^(?:(-\w), )?(--[\w-]+)(?: <\w+>)?$/.exec(option.flags);
  if (!m) throw new Error(`trace-args: flags ${option.flags} are not of a form this parser reads`);
  const long = m[2];
  const negate = long.startsWith('--no-');
  return { option, short: m[1], long, takesValue: option.flags.endsWith('>'), negate, key: camel(long.slice(negate ? 5 : 2)) };
}

let flags: Flag[] | undefined;

/** The values before any option is read: the defaults, and true for a negation (commander's). */
function defaults(): Values {
  const opts: Values = {};
  for (const f of (flags ??= TRACE_OPTIONS.map(flagOf))) {
    if (f.option.default !== undefined) opts[f.key] = f.option.default;
    else if (f.negate) opts[f.key] = true;
  }
  return opts;
}

/**
 * bt trace's arguments (after `trace`) read without commander: the options
 * and the command, or undefined when commander must read them (help, an
 * unknown option, an option without its value, no command). A value that
 * does not parse throws the option's UsageError, as through commander.
 */
export function parseTraceArgs(args: readonly string[]): { command: string[]; opts: TraceOpts } | undefined {
  const opts = defaults();
  const known = flags!;
  const set = (f: Flag, value?: string) => {
    if (!f.takesValue) opts[f.key] = !f.negate;
    else opts[f.key] = f.option.parse ? f.option.parse(value!, opts[f.key] as never) : value;
  };
  let i = 0;
  let group: string | undefined; // the rest of a group of short flags (-qo FILE)
  while (i < args.length || group !== undefined) {
    const arg = group ?? args[i++];
    group = undefined;
    if (arg === '--') return args.length > i ? { command: args.slice(i), opts: opts as unknown as TraceOpts } : undefined;
    if (arg.length < 2 || arg[0] !== '-') return { command: [arg, ...args.slice(i)], opts: opts as unknown as TraceOpts }; // the command: everything from here is its own
    const exact = known.find((f) => f.short === arg || f.long === arg);
    if (exact) {
      if (exact.takesValue && i >= args.length) return undefined;
      set(exact, exact.takesValue ? args[i++] : undefined);
      continue;
    }
    if (arg.length > 2 && arg[1] !== '-') {
      const short = known.find((f) => f.short === arg.slice(0, 2));
      if (short) {
        if (short.takesValue) set(short, arg.slice(2));
        else {
          set(short);
          group = `-${arg.slice(2)}`;
        }
        continue;
      }
    }
    const eq = /^(--[^=]+)=/.exec(arg);
    const long = eq && known.find((f) => f.long === eq[1] && f.takesValue);
    if (long) {
      set(long, arg.slice(eq[0].length));
      continue;
    }
    return undefined; // help, an unknown option, a negative number: commander's
  }
  return undefined; // no command
}
