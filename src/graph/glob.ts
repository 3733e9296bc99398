/**
 * Path globs for bt graph's --include / --exclude (and the default hides).
 *
 *   *      any characters except '/'
 *   **     any characters, '/' included ("**\/" also matches no directory)
 *   ?      one character except '/'
 *   [abc]  a character class ([!abc] negated)
 *   {a,b}  alternatives
 *
 * A glob without '/' matches a file's name or the name of any directory on
 * its path (`*.o`, `libc.so*`, `node_modules`). A glob with
 * '/' matches the absolute path; a relative one is taken relative to the
 * build's directory (the header's cwd). A glob that matches a directory
 * matches everything inside it (`/usr` hides /usr/include/stdio.h).
 */
import { UsageError } from '../errors.js';
import { normalizeAbs } from '../normalize/paths.js';

export interface PathMatcher {
  readonly glob: string;
  test(path: string): boolean;
}

function escapeRe(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

/** The regular expression source of a glob (anchored by the caller). */
export function globSource(glob: string): string {
  let re = '';
  let i = 0;
  let braces = 0;
  while (i < glob.length) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i += 2;
        if (glob[i] === '/') {
          i++;
          re += '(?:.*/)?';
        } else {
          re += '.*';
        }
        continue;
      }
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
      } else {
        let body = glob.slice(i + 1, close);
        const neg = body.startsWith('!') || body.startsWith('^');
        if (neg) body = body.slice(1);
        re += `[${neg ? '^' : ''}${body.replace(/\\/g, '\\\\').replace(/]/g, '\\]')}]`;
        i = close;
      }
    } else if (c === '{') {
      braces++;
      re += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      re += ')';
    } else if (c === ',' && braces > 0) {
      re += '|';
    } else if (c === '\\' && i + 1 < glob.length) {
      i++;
      re += escapeRe(glob[i]);
    } else {
      re += escapeRe(c);
    }
    i++;
  }
  while (braces-- > 0) re += ')';
  return re;
}

/** What is unbalanced in a glob ("[" without "]", "{" without "}"), undefined if nothing (a backslash escapes). */
export function unbalanced(glob: string): string | undefined {
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '\\') i++;
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) return `"[" at character ${i + 1} is not closed by "]"`;
      i = close;
    } else if (c === '{') braces++;
    else if (c === '}') {
      if (!braces) return `"}" at character ${i + 1} closes no "{"`;
      braces--;
    }
  }
  return braces ? `${braces === 1 ? 'a "{" is' : `${braces} "{" are`} not closed by "}"` : undefined;
}

/**
 * The RegExp of a glob's source (globSource, anchored). A glob with an
 * unclosed "[" or "{" (unbalanced), or one the engine refuses ("[z-a]": a
 * range out of order), is a UsageError E_USAGE naming it: the one error of
 * a bad glob, wherever it is given (--include, --exe, --allow, a filter's ~).
 */
export function globRegExpFrom(glob: string, source: string): RegExp {
  const bad = unbalanced(glob);
  if (bad) throw new UsageError('E_USAGE', `bad glob ${JSON.stringify(glob)}: ${bad}`);
  try {
    return new RegExp(source);
  } catch (err) {
    const why = (err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    throw new UsageError('E_USAGE', `bad glob ${JSON.stringify(glob)}: ${why.charAt(0).toLowerCase()}${why.slice(1)}`, { cause: err });
  }
}

/** Compiles a glob; `base` anchors relative globs that contain '/'. */
export function compileGlob(glob: string, base = '/'): PathMatcher {
  const g = glob.trim();
  if (!g.includes('/')) {
    const re = globRegExpFrom(glob, `^${globSource(g)}$`);
    return {
      glob,
      test: (p) => {
        // the name, or any directory on the way (`build` matches /w/build/x.o)
        let end = p.length;
        while (end > 0) {
          const i = p.lastIndexOf('/', end - 1);
          if (re.test(p.slice(i + 1, end))) return true;
          end = i;
        }
        return false;
      },
    };
  }
  let abs = g;
  if (!g.startsWith('/') && !g.startsWith('**')) abs = `${base.endsWith('/') ? base : `${base}/`}${g}`;
  if (abs.startsWith('/') && !/[*?[{]/.test(abs)) abs = normalizeAbs(abs);
  else if (abs.length > 1 && abs.endsWith('/')) abs = abs.slice(0, -1);
  const re = globRegExpFrom(glob, `^${globSource(abs)}(?:/.*)?$`);
  return { glob, test: (p) => re.test(p) };
}

/**
 * Compiles the globs of a command-line option (bt graph --include, --exe,
 * bt check --allow …) before the log is read: an empty or bad one is a
 * UsageError naming the option (`--allow: bad glob "[": …`).
 */
export function optionGlobs(globs: readonly string[] | undefined, option: string, base = '/'): PathMatcher[] {
  return (globs ?? []).map((g) => {
    if (!g.trim()) throw new UsageError('E_USAGE', `${option} needs a glob, got an empty string`);
    try {
      return compileGlob(g, base);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      throw new UsageError('E_USAGE', `${option}: ${err.message}`, { cause: err });
    }
  });
}

/** True if any matcher matches. */
export function anyMatch(matchers: readonly PathMatcher[], path: string): boolean {
  for (const m of matchers) if (m.test(path)) return true;
  return false;
}

/** Locale, character-set and time-zone data: every program's runtime reads them, no build's input. */
export const LOCALE_DATA: readonly string[] = [
  '/usr/lib/locale',
  '/usr/share/locale',
  '/usr/share/i18n',
  '/usr/lib/**/gconv',
  '/usr/lib/gconv',
  '/etc/localtime',
  '/etc/timezone',
  '/usr/share/zoneinfo',
];

/** Name-service configuration: the C library reads it for users, groups and hosts. */
export const NAME_SERVICE: readonly string[] = [
  '/etc/nsswitch.conf',
  '/etc/passwd',
  '/etc/group',
  '/etc/host.conf',
  '/etc/hosts',
  '/etc/resolv.conf',
  '/etc/gai.conf',
];

/**
 * The JVM's per-process runtime files: HotSpot's perf counters
 * (/tmp/hsperfdata_<user>/<pid>, each JVM makes its own, lists the
 * directory and opens the others' to clean up stale ones, removes its own
 * at exit) and the attach mechanism's socket and trigger file. Like
 * /proc/<pid>, no build's content, even when the build made them.
 */
export const JVM_RUNTIME: readonly string[] = ['/tmp/hsperfdata_*', '/tmp/.java_pid*', '/tmp/.attach_pid*'];

/**
 * Paths hidden by default (runtime noise rather than build inputs):
 * kernel pseudo-files, devices, shared libraries and the dynamic loader,
 * its cache and configuration, locale, character-set, time-zone and
 * name-service data, terminfo.
 */
export const DEFAULT_HIDDEN: readonly string[] = [
  '/proc',
  '/sys',
  '/dev',
  '/run',
  ...JVM_RUNTIME,
  '*.so',
  '*.so.*',
  'ld-linux*',
  'ld-musl*',
  '/etc/ld.so.*',
  '/etc/ld.so.conf.d',
  ...LOCALE_DATA,
  ...NAME_SERVICE,
  '/etc/terminfo',
  '/usr/share/terminfo',
  '/lib/terminfo',
  '/usr/lib/terminfo',
];

/** Of DEFAULT_HIDDEN, the places no build file lives in, even one the build wrote: kernel pseudo-files, devices, runtime state (the JVM's too). */
const RUNTIME_PLACES: readonly string[] = ['/proc', '/sys', '/dev', '/run', ...JVM_RUNTIME];

/**
 * The default hiding as a test: true for runtime noise (DEFAULT_HIDDEN),
 * except a file the build wrote outside /proc, /sys, /dev and /run (a
 * shared library it linked and then loaded is one of its files).
 */
export function defaultHidden(): (path: string, written: boolean) => boolean {
  const places = RUNTIME_PLACES.map((g) => compileGlob(g, '/'));
  const rest = DEFAULT_HIDDEN.filter((g) => !RUNTIME_PLACES.includes(g)).map((g) => compileGlob(g, '/'));
  return (path, written) => anyMatch(places, path) || (!written && anyMatch(rest, path));
}

/**
 * The installed system, hidden by default unless the build wrote there
 * (e.g. make install): system headers, libraries, tools and configuration
 * read by the toolchain. Shown with --system-files (or --all-files).
 */
export const SYSTEM_PATHS: readonly string[] = [
  '/usr',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/bin',
  '/sbin',
  '/etc',
  '/nix/store',
  '/gnu/store',
];
