/**
 * The evaluator: a checked tree compiled once into closures. A compiled
 * predicate takes the subject and a Bound (the env with its caches); it
 * allocates nothing per call (the joined argv is cached per argv array,
 * under() results per process).
 */
import type { FieldRef, Node, Op, Value } from './ast.js';
import { FIELDS } from './fields.js';

/**
 * What a filter is evaluated on: one event (a normalized log record with
 * its process), a process, or a file. The build model implements it.
 */
export interface Subject {
  /** Event type as bt dump shows it ('exec', 'open', 'stat', 'rename', …) or 'process' or 'file'. */
  type: string;
  /** The build model's process id (0: none, e.g. a file subject; under() is then false). */
  proc: number;
  pid: number;
  ppid: number;
  /** The executable's absolute path. */
  exe: string;
  argv: readonly string[];
  cwd: string;
  /** Absolute paths of the event (0, 1 or 2); of a file subject: its path. */
  paths: readonly string[];
  /** Kind bits (src/model/kinds.ts). */
  access: number;
  /** Positive errno; 0 = success. */
  errno: number;
  exit: number | undefined;
  signal: number | undefined;
  /** ns, CLOCK_BOOTTIME (the clock of FilterEnv.startTs). */
  ts: number;
  /** Process duration in ns. */
  dur: number | undefined;
  env(name: string): string | undefined;
}

/** What a filter needs beyond the subject. */
export interface FilterEnv {
  /** The build's start (ns, same clock as Subject.ts): ts literals are relative to it. */
  startTs: number;
  /** A process as a subject (type 'process'), for under(). */
  process(proc: number): Subject | undefined;
  /** The parent proc id; 0 at the root. */
  parent(proc: number): number;
}

/** An env with the per-env state of one compiled filter. */
export interface Bound {
  readonly env: FilterEnv;
  readonly startTs: number;
  /** Per under() node: proc -> whether it or an ancestor matches. */
  readonly under: Map<number, boolean>[];
  /** Per under() node: scratch stack of the procs on the way up. */
  readonly stack: number[][];
}

export type Pred = (s: Subject, b: Bound) => boolean;

const joined = new WeakMap<readonly string[], string>();

/** argv joined with spaces, computed once per argv array. */
export function joinedArgv(argv: readonly string[]): string {
  let j = joined.get(argv);
  if (j === undefined) {
    j = argv.join(' ');
    joined.set(argv, j);
  }
  return j;
}

type StrTest = (x: string) => boolean;
type NumTest = (x: number) => boolean;

/** The test of one string against the values of a comparison (any value, for `in`). */
function stringTest(op: Op, values: Value[], exe: boolean): StrTest {
  switch (op) {
    case '==':
    case '!=':
    case 'in': {
      const eqs = values.map((v): StrTest => {
        const want = v.value as string;
        if (exe && !want.startsWith('/')) {
          // a name or a trailing part of the path: cc1, 12/cc1
          const tail = `/${want}`;
          return (x) => x === want || x.endsWith(tail);
        }
        return (x) => x === want;
      });
      if (eqs.length === 1) return eqs[0];
      if (!exe) {
        const set = new Set(values.map((v) => v.value as string));
        return (x) => set.has(x);
      }
      return (x) => {
        for (const eq of eqs) if (eq(x)) return true;
        return false;
      };
    }
    case '~':
    case 'matches':
      return values[0].test!;
    case 'contains': {
      const want = values[0].value as string;
      return (x) => x.includes(want);
    }
    default:
      throw new Error(`internal: ${op} on a string`);
  }
}

/** The test of a type against its values: each value's test (see typeValue in fields.ts), any of them for `in`. */
function typeTest(values: Value[]): StrTest {
  const tests = values.map((v) => v.test!);
  if (tests.length === 1) return tests[0];
  return (x) => {
    for (const t of tests) if (t(x)) return true;
    return false;
  };
}

function numberTest(op: Op, values: Value[]): NumTest {
  const v = values[0].value as number;
  switch (op) {
    case '==':
    case '!=':
      return (x) => x === v;
    case '<':
      return (x) => x < v;
    case '<=':
      return (x) => x <= v;
    case '>':
      return (x) => x > v;
    case '>=':
      return (x) => x >= v;
    case 'in': {
      if (values.length === 1) return (x) => x === v;
      const set = new Set(values.map((w) => w.value as number));
      return (x) => set.has(x);
    }
    default:
      throw new Error(`internal: ${op} on a number`);
  }
}

/** A single-valued string field; undefined = absent. */
function stringGetter(f: FieldRef): (s: Subject) => string | undefined {
  switch (f.name) {
    case 'type':
      return (s) => s.type;
    case 'exe':
      return (s) => s.exe;
    case 'cwd':
      return (s) => s.cwd;
    case 'argv':
      return (s) => joinedArgv(s.argv);
    case 'env': {
      const name = f.envName!;
      return (s) => s.env(name);
    }
    default:
      throw new Error(`internal: ${f.name} is not a string field`);
  }
}

/** A number field; undefined = absent. ts is relative to the build's start. */
function numberGetter(f: FieldRef): (s: Subject, b: Bound) => number | undefined {
  switch (f.name) {
    case 'proc':
      return (s) => s.proc;
    case 'pid':
      return (s) => s.pid;
    case 'ppid':
      return (s) => s.ppid;
    case 'errno':
      return (s) => s.errno;
    case 'exit':
      return (s) => s.exit;
    case 'signal':
      return (s) => s.signal;
    case 'dur':
      return (s) => s.dur;
    case 'ts':
      return (s, b) => s.ts - b.startTs;
    default:
      throw new Error(`internal: ${f.name} is not a number field`);
  }
}

const multiGetter = (f: FieldRef): ((s: Subject) => readonly string[]) =>
  f.name === 'arg' ? (s) => s.argv : (s) => s.paths;

function compileTest(f: FieldRef): Pred {
  const spec = FIELDS[f.name];
  if (spec.multi) {
    const get = multiGetter(f);
    return (s) => {
      for (const x of get(s)) if (x !== '') return true;
      return false;
    };
  }
  if (f.name === 'env') {
    const name = f.envName!;
    return (s) => s.env(name) !== undefined;
  }
  if (spec.type === 'string' || spec.type === 'type') {
    const get = stringGetter(f);
    return (s) => {
      const x = get(s);
      return x !== undefined && x !== '';
    };
  }
  if (spec.type === 'access') return (s) => s.access !== 0;
  const get = numberGetter(f);
  if (f.name === 'ts') return (s) => s.ts !== 0;
  return (s, b) => {
    const x = get(s, b);
    return x !== undefined && x !== 0;
  };
}

function compileCmp(f: FieldRef, op: Op, values: Value[]): Pred {
  const spec = FIELDS[f.name];
  const neg = op === '!=';
  if (spec.type === 'access') {
    let bits = 0;
    for (const v of values) bits |= v.value as number;
    if (op === 'has') return (s) => (s.access & bits) !== 0;
    return neg ? (s) => s.access !== bits : (s) => s.access === bits;
  }
  if (spec.type === 'string' || spec.type === 'type') {
    const test = spec.type === 'type' ? typeTest(values) : stringTest(op, values, f.name === 'exe');
    if (spec.multi) {
      const get = multiGetter(f);
      if (neg) {
        // present, and no value equals
        return (s) => {
          const xs = get(s);
          if (xs.length === 0) return false;
          for (const x of xs) if (test(x)) return false;
          return true;
        };
      }
      return (s) => {
        for (const x of get(s)) if (test(x)) return true;
        return false;
      };
    }
    const get = stringGetter(f);
    if (neg) {
      return (s) => {
        const x = get(s);
        return x !== undefined && !test(x);
      };
    }
    return (s) => {
      const x = get(s);
      return x !== undefined && test(x);
    };
  }
  const get = numberGetter(f);
  const test = numberTest(op, values);
  if (neg) {
    return (s, b) => {
      const x = get(s, b);
      return x !== undefined && !test(x);
    };
  }
  return (s, b) => {
    const x = get(s, b);
    return x !== undefined && test(x);
  };
}

/** A limit on the walk up the process tree (a defence against a cyclic parent function). */
const MAX_DEPTH = 100_000;

function compileUnder(inner: Pred, id: number): Pred {
  return (s, b) => {
    const proc = s.proc;
    if (proc === 0) return false;
    const cache = b.under[id];
    const hit = cache.get(proc);
    if (hit !== undefined) return hit;
    const stack = b.stack[id];
    stack.length = 0;
    let result = false;
    let p = proc;
    while (p !== 0 && stack.length < MAX_DEPTH) {
      const c = cache.get(p);
      if (c !== undefined) {
        result = c;
        break;
      }
      stack.push(p);
      const ps = b.env.process(p);
      if (ps !== undefined && inner(ps, b)) {
        result = true;
        break;
      }
      const parent = b.env.parent(p);
      if (parent === p) break;
      p = parent;
    }
    for (const q of stack) cache.set(q, result);
    stack.length = 0;
    return result;
  };
}

export interface Compiled {
  pred: Pred;
  /** Number of under() nodes (the size of Bound.under). */
  unders: number;
}

/** Compiles a checked tree into a predicate. */
export function compile(root: Node): Compiled {
  let unders = 0;
  const walk = (n: Node): Pred => {
    switch (n.kind) {
      case 'or': {
        const l = walk(n.left);
        const r = walk(n.right);
        return (s, b) => l(s, b) || r(s, b);
      }
      case 'and': {
        const l = walk(n.left);
        const r = walk(n.right);
        return (s, b) => l(s, b) && r(s, b);
      }
      case 'not': {
        const o = walk(n.operand);
        return (s, b) => !o(s, b);
      }
      case 'under':
        return compileUnder(walk(n.expr), unders++);
      case 'test':
        return compileTest(n.field);
      case 'cmp':
        return compileCmp(n.field, n.op, n.values);
    }
  };
  const pred = walk(root);
  return { pred, unders };
}

/** A fresh Bound for an env. */
export function bindEnv(env: FilterEnv, unders: number): Bound {
  return {
    env,
    startTs: env.startTs,
    under: Array.from({ length: unders }, () => new Map<number, boolean>()),
    stack: Array.from({ length: unders }, () => []),
  };
}
