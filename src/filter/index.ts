/**
 * Display filters (README "Display filters"): a Wireshark-like language
 * parsed once into a checked tree and compiled into closures.
 *
 *   const f = parseFilter('exe == "cc1" and path ~ "**\/*.h"');   // throws FilterError
 *   parseFilter('type == exec', { subjects: 'processes and files', command: 'bt summary' });  // throws: no event there
 *   const keep = f.bind(env);          // per log: env supplies startTs, processes, parents
 *   for (const s of subjects) if (keep(s)) …
 *
 * `bind(env)` returns a matcher with its own under() cache (proc -> result):
 * bind once per build model and reuse it for all its subjects. `match(s, env)`
 * does the same through a WeakMap keyed by env, for callers without a place
 * to keep the bound matcher. The env's startTs is read when it is bound.
 */
import { FilterError, formatFilterError } from '../errors.js';
import { showNode, type FieldName, type Node } from './ast.js';
import { bindEnv, compile, type Bound, type FilterEnv, type Pred, type Subject } from './eval.js';
import { parse } from './parser.js';
import type { FilterTarget } from './scope.js';

export type { FieldName, Node, Op, Value } from './ast.js';
export type { FilterEnv, Subject } from './eval.js';
export type { FilterTarget } from './scope.js';
export { joinedArgv } from './eval.js';
export { FilterError, formatFilterError, showNode };

export interface Filter {
  /** The filter text as given. */
  readonly source: string;
  /** The checked tree. */
  readonly ast: Node;
  /** True if the filter uses under() (it needs FilterEnv.process and parent). */
  readonly usesUnder: boolean;
  /** The fields the filter reads (`env` for any env.NAME). */
  readonly fields: ReadonlySet<FieldName>;
  /** Whether a subject passes (env-bound state cached per env). */
  match(s: Subject, env: FilterEnv): boolean;
  /** A matcher bound to one env, with its own under() cache. */
  bind(env: FilterEnv): (s: Subject) => boolean;
}

function fieldsOf(n: Node, out: Set<FieldName>): Set<FieldName> {
  switch (n.kind) {
    case 'or':
    case 'and':
      fieldsOf(n.left, out);
      fieldsOf(n.right, out);
      break;
    case 'not':
      fieldsOf(n.operand, out);
      break;
    case 'under':
      fieldsOf(n.expr, out);
      break;
    case 'test':
    case 'cmp':
      out.add(n.field.name);
  }
  return out;
}

class CompiledFilter implements Filter {
  readonly usesUnder: boolean;
  readonly fields: ReadonlySet<FieldName>;
  private readonly pred: Pred;
  private readonly unders: number;
  private readonly bounds = new WeakMap<FilterEnv, Bound>();

  constructor(
    readonly source: string,
    readonly ast: Node,
  ) {
    const c = compile(ast);
    this.pred = c.pred;
    this.unders = c.unders;
    this.usesUnder = c.unders > 0;
    this.fields = fieldsOf(ast, new Set());
  }

  match(s: Subject, env: FilterEnv): boolean {
    let b = this.bounds.get(env);
    if (b === undefined) {
      b = bindEnv(env, this.unders);
      this.bounds.set(env, b);
    }
    return this.pred(s, b);
  }

  bind(env: FilterEnv): (s: Subject) => boolean {
    const b = bindEnv(env, this.unders);
    const pred = this.pred;
    return (s) => pred(s, b);
  }
}

/**
 * Parses, checks and compiles a filter tested on `target` (default: events;
 * on processes and files an event type is refused). Throws FilterError
 * (with `column`) if it is not valid.
 */
export function parseFilter(source: string, target?: FilterTarget): Filter {
  return new CompiledFilter(source, parse(source, target));
}
