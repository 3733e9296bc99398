/**
 * The syntax tree of a display filter, as the parser leaves it: every
 * literal already checked against its field and turned into the value the
 * evaluator compares with (errno names to numbers, durations to ns, globs
 * and regexes compiled). `pos` is the 0-based column of the node's first
 * character in the filter text.
 */

/** The fields of the language (`env.NAME` is the field `env` with a name). */
export const FIELD_NAMES = [
  'type',
  'proc',
  'pid',
  'ppid',
  'exe',
  'argv',
  'arg',
  'cwd',
  'path',
  'access',
  'errno',
  'exit',
  'signal',
  'ts',
  'dur',
  'env',
] as const;

export type FieldName = (typeof FIELD_NAMES)[number];

/** Comparison operators. */
export type Op = '==' | '!=' | '<' | '<=' | '>' | '>=' | '~' | 'matches' | 'contains' | 'in' | 'has';

export interface FieldRef {
  name: FieldName;
  /** The variable of `env.NAME`. */
  envName?: string;
  pos: number;
}

/**
 * A checked literal. `text` is what the user wrote (unescaped for quoted
 * strings); `value` is what is compared:
 *   string fields: the string (`~`: the glob, `matches`: the regex source)
 *   number fields: the number (errno/signal names resolved; ts/dur in ns)
 *   access: the Kind bits
 * `test` is the compiled glob or regex for `~` and `matches`.
 */
export interface Value {
  text: string;
  value: string | number;
  test?: (x: string) => boolean;
  pos: number;
}

export type Node =
  | { kind: 'or'; left: Node; right: Node; pos: number }
  | { kind: 'and'; left: Node; right: Node; pos: number }
  | { kind: 'not'; operand: Node; pos: number }
  | { kind: 'under'; expr: Node; pos: number }
  /** A bare field: true if the field is set (nonzero, non-empty). */
  | { kind: 'test'; field: FieldRef; pos: number }
  /** `field op value`; `in` and `has {…}` carry several values. */
  | { kind: 'cmp'; field: FieldRef; op: Op; values: Value[]; set: boolean; pos: number };

function fieldText(f: FieldRef): string {
  return f.name === 'env' ? `env.${f.envName}` : f.name;
}

function valueText(v: Value): string {
  return typeof v.value === 'number' ? String(v.value) : JSON.stringify(v.value);
}

/**
 * A canonical one-line form of a tree, for tests and debugging:
 * `(or (and (== exe "cc1") (~ path "**\/*.h")) (not errno))`.
 */
export function showNode(n: Node): string {
  switch (n.kind) {
    case 'or':
    case 'and':
      return `(${n.kind} ${showNode(n.left)} ${showNode(n.right)})`;
    case 'not':
      return `(not ${showNode(n.operand)})`;
    case 'under':
      return `(under ${showNode(n.expr)})`;
    case 'test':
      return fieldText(n.field);
    case 'cmp': {
      const vals = n.set ? `{${n.values.map(valueText).join(', ')}}` : valueText(n.values[0]);
      return `(${n.op} ${fieldText(n.field)} ${vals})`;
    }
  }
}
