/**
 * The fields of the filter language: which operators each takes and how a
 * literal is checked and turned into the value compared with. All checks
 * happen at parse time and report the literal's column.
 */
import os from 'node:os';
import { FilterError, UsageError, errnoNumber } from '../errors.js';
import { TYPE_NAMES as LOG_TYPE_NAMES, displayTypesOf, recordKindOf } from '../log/types.js';
import { globRegExpFrom, globSource } from '../graph/glob.js';
import { KIND_NAMES, kindBit } from '../model/kinds.js';
import { FIELD_NAMES, type FieldName, type Op, type Value } from './ast.js';
import type { Token } from './lexer.js';

/**
 *   type    an event type name (or process / file)
 *   int     an integer (proc, pid, ppid, exit)
 *   errno   an integer or an errno name
 *   signal  an integer or a signal name (SIGKILL, KILL)
 *   time    a number with an optional unit, in ns (ts, dur)
 *   string  text (exe, argv, arg, cwd, path, env.NAME)
 *   access  Kind bits
 */
export type FieldType = 'type' | 'int' | 'errno' | 'signal' | 'time' | 'string' | 'access';

export interface FieldSpec {
  type: FieldType;
  ops: readonly Op[];
  /** Globs match a trailing part of the value at a '/' boundary unless they start with '/'. */
  pathLike?: boolean;
  /** Values must be absolute for ==, != and in. */
  absolute?: boolean;
  /** Several values per subject; a comparison is true if ANY value satisfies it. */
  multi?: boolean;
}

const NUM_OPS: readonly Op[] = ['==', '!=', '<', '<=', '>', '>=', 'in'];
const STR_OPS: readonly Op[] = ['==', '!=', '~', 'matches', 'contains', 'in'];

export const FIELDS: Record<FieldName, FieldSpec> = {
  type: { type: 'type', ops: STR_OPS },
  proc: { type: 'int', ops: NUM_OPS },
  pid: { type: 'int', ops: NUM_OPS },
  ppid: { type: 'int', ops: NUM_OPS },
  exe: { type: 'string', ops: STR_OPS, pathLike: true },
  argv: { type: 'string', ops: STR_OPS },
  arg: { type: 'string', ops: STR_OPS, pathLike: true, multi: true },
  cwd: { type: 'string', ops: STR_OPS, pathLike: true, absolute: true },
  path: { type: 'string', ops: STR_OPS, pathLike: true, absolute: true, multi: true },
  access: { type: 'access', ops: ['has', '==', '!='] },
  errno: { type: 'errno', ops: NUM_OPS },
  exit: { type: 'int', ops: NUM_OPS },
  signal: { type: 'signal', ops: NUM_OPS },
  ts: { type: 'time', ops: NUM_OPS },
  dur: { type: 'time', ops: NUM_OPS },
  env: { type: 'string', ops: STR_OPS },
};

/**
 * The values of `type`: the record types as bt dump shows them (stat,
 * rename, …), the record kinds that stand for several of them (lookup: stat,
 * access, readlink), and the process and file subjects.
 */
export const TYPE_NAMES: readonly string[] = [...LOG_TYPE_NAMES, 'file'];

/** The subject types (Subject.type values) a `type` name stands for. */
function subjectTypes(name: string): readonly string[] {
  return displayTypesOf(name) ?? [name];
}

/** Duration units in ns. */
export const UNITS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const SIGNALS = os.constants.signals as Record<string, number>;

/** A signal number from "SIGKILL", "KILL" or "kill"; undefined if unknown. */
export function signalNumber(name: string): number | undefined {
  const upper = name.toUpperCase();
  const key = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return Object.prototype.hasOwnProperty.call(SIGNALS, key) ? SIGNALS[key] : undefined;
}

const describe = (t: Token): string => (t.kind === 'string' ? `the string ${JSON.stringify(t.text)}` : JSON.stringify(t.text));

/** Splits a number token into value and unit; undefined if it is not a number at all. */
function splitNumber(text: string): { n: number; unit: string } | undefined {
  const m = /^(-?)(0[xX][0-9a-fA-F]+|\d+(?:\.\d+)?)(.*)$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[2]) * (m[1] ? -1 : 1);
  if (!Number.isFinite(n)) return undefined;
  return { n, unit: m[3] };
}

function intValue(field: string, t: Token): number {
  const p = t.kind === 'number' ? splitNumber(t.text) : undefined;
  if (!p) throw new FilterError(`${field} takes a number, got ${describe(t)}`, t.pos);
  if (p.unit) throw new FilterError(`${field} takes a plain number, got ${JSON.stringify(t.text)}`, t.pos);
  if (!Number.isInteger(p.n)) throw new FilterError(`${field} takes an integer, got ${JSON.stringify(t.text)}`, t.pos);
  return p.n;
}

function timeValue(field: string, t: Token): number {
  const p = t.kind === 'number' ? splitNumber(t.text) : undefined;
  if (!p) throw new FilterError(`${field} takes a duration like 2s or 150ms, got ${describe(t)}`, t.pos);
  const mult = p.unit === '' ? 1 : UNITS[p.unit];
  if (mult === undefined) {
    throw new FilterError(
      `unknown unit ${JSON.stringify(p.unit)} in ${JSON.stringify(t.text)} (units: ns, us, µs, ms, s, m, h)`,
      t.pos,
    );
  }
  return Math.round(p.n * mult);
}

/** The regular expression of a glob for a field (see README: path-like fields match a trailing part). */
export function globRegExp(glob: string, pathLike: boolean): RegExp {
  const src = globSource(glob);
  // A glob starting with "**" already matches at any '/': anchoring it at the start is the same, and faster.
  const trailing = pathLike && !glob.startsWith('/') && !glob.startsWith('**');
  return globRegExpFrom(glob, trailing ? `(?:^|/)${src}$` : `^${src}$`);
}

/** "*.h", "**.h", "**\/*.h" on a path-like field: the path ends with ".h". */
const SUFFIX_GLOB = /^(?:\*|\*\*|\*\*\/\*)([^*?[\]{}\\/]+)$/;
/** "/usr/include/**": the path starts with "/usr/include/". */
const PREFIX_GLOB = /^(\/[^*?[\]{}\\]*\/)\*\*$/;
/** "/usr/include/**\/*.h": both. */
const PREFIX_SUFFIX_GLOB = /^(\/[^*?[\]{}\\]*\/)\*\*\/\*([^*?[\]{}\\/]+)$/;

/**
 * The test of a glob: string operations for the common shapes (suffix,
 * directory prefix, both), the glob's regular expression otherwise.
 */
export function globTest(glob: string, pathLike: boolean): (x: string) => boolean {
  if (pathLike) {
    let m = SUFFIX_GLOB.exec(glob);
    if (m) {
      const suffix = m[1];
      return (x) => x.endsWith(suffix);
    }
    m = PREFIX_GLOB.exec(glob);
    if (m) {
      const prefix = m[1];
      return (x) => x.startsWith(prefix);
    }
    m = PREFIX_SUFFIX_GLOB.exec(glob);
    if (m) {
      const prefix = m[1];
      const suffix = m[2];
      const min = prefix.length + suffix.length;
      return (x) => x.length >= min && x.startsWith(prefix) && x.endsWith(suffix);
    }
  }
  const re = globRegExp(glob, pathLike);
  return (x) => re.test(x);
}

/** A JS regex; a leading "(?i)" makes it case-insensitive. Throws FilterError at `pos` if invalid. */
export function userRegExp(text: string, pos: number): RegExp {
  let src = text;
  let flags = '';
  if (src.startsWith('(?i)')) {
    src = src.slice(4);
    flags = 'i';
  }
  try {
    return new RegExp(src, flags);
  } catch (e) {
    const why = (e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    throw new FilterError(`bad regular expression ${JSON.stringify(text)}: ${why}`, pos);
  }
}

/**
 * Checks one literal against a field and operator and returns the value
 * compared with. `fieldText` is the field as written (for messages).
 */
export function resolveValue(name: FieldName, fieldText: string, op: Op, t: Token): Value {
  const spec = FIELDS[name];
  const base = { text: t.text, pos: t.pos };
  switch (spec.type) {
    case 'int':
      return { ...base, value: intValue(fieldText, t) };
    case 'errno': {
      if (t.kind === 'word') {
        const n = errnoNumber(t.text);
        if (n === undefined) throw new FilterError(`unknown errno name ${JSON.stringify(t.text)} (e.g. ENOENT, EACCES)`, t.pos);
        return { ...base, value: n };
      }
      return { ...base, value: intValue(fieldText, t) };
    }
    case 'signal': {
      if (t.kind === 'word') {
        const n = signalNumber(t.text);
        if (n === undefined) throw new FilterError(`unknown signal name ${JSON.stringify(t.text)} (e.g. SIGKILL, TERM)`, t.pos);
        return { ...base, value: n };
      }
      return { ...base, value: intValue(fieldText, t) };
    }
    case 'time':
      return { ...base, value: timeValue(fieldText, t) };
    case 'access': {
      const bit = t.kind === 'number' ? undefined : kindBit(t.text);
      if (bit === undefined) {
        throw new FilterError(`unknown access kind ${describe(t)} (kinds: ${KIND_NAMES.join(', ')})`, t.pos);
      }
      return { ...base, value: bit };
    }
    case 'type':
      if ((op === '==' || op === '!=' || op === 'in') && !TYPE_NAMES.includes(t.text)) {
        throw new FilterError(`unknown type ${JSON.stringify(t.text)} (types: ${TYPE_NAMES.join(', ')})`, t.pos);
      }
      return typeValue(spec, t, op);
    case 'string':
      if (spec.absolute && (op === '==' || op === '!=' || op === 'in') && !t.text.startsWith('/')) {
        throw new FilterError(
          `${fieldText} is an absolute path, ${JSON.stringify(t.text)} is not: use ${fieldText} ~ ${JSON.stringify(t.text)} to match a trailing part`,
          t.pos,
        );
      }
      return stringValue(spec, t, op);
  }
}

/**
 * A `type` literal: ==, != and in test the subject's type against every type
 * the name stands for (`type == lookup` is stat, access or readlink); a glob
 * or regex matches the type or its record kind (`type ~ "path*"`: unlink,
 * rename, …).
 */
function typeValue(spec: FieldSpec, t: Token, op: Op): Value {
  const v = stringValue(spec, t, op);
  if (op === '==' || op === '!=' || op === 'in') {
    const types = subjectTypes(t.text);
    if (types.length === 1) {
      const want = types[0];
      v.test = (x) => x === want;
    } else v.test = (x) => types.includes(x);
  } else {
    const want = t.text;
    const test = v.test ?? ((x: string) => x.includes(want)); // contains
    v.test = (x) => test(x) || test(recordKindOf(x));
  }
  return v;
}

function stringValue(spec: FieldSpec, t: Token, op: Op): Value {
  const v: Value = { text: t.text, value: t.text, pos: t.pos };
  if (op === '~') {
    try {
      v.test = globTest(t.text, spec.pathLike === true);
    } catch (err) {
      if (err instanceof UsageError) throw new FilterError(err.message, t.pos, { cause: err });
      throw err;
    }
  } else if (op === 'matches') {
    const re = userRegExp(t.text, t.pos);
    v.test = (x) => re.test(x);
  }
  return v;
}

/** "(fields: type, proc, …, env.NAME)" */
export const FIELD_LIST = FIELD_NAMES.map((f) => (f === 'env' ? 'env.NAME' : f)).join(', ');

/** How a field's type is named in messages ("does not apply to dur (a time)"). */
export function typeWord(name: FieldName): string {
  switch (FIELDS[name].type) {
    case 'int':
    case 'errno':
    case 'signal':
      return 'a number';
    case 'time':
      return 'a time';
    case 'access':
      return 'a set of access kinds';
    default:
      return 'text';
  }
}
