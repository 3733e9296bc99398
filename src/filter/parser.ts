/**
 * Recursive-descent parser of the display-filter language:
 *
 *   filter     := or EOF
 *   or         := and (("or" | "||") and)*
 *   and        := unary (("and" | "&&") unary)*
 *   unary      := ("not" | "!") unary | primary
 *   primary    := "(" or ")"
 *               | "under" "(" or ")"
 *               | field [["not"] op value | ["not"] "in" set | ["not"] "has" (value | set)]
 *   set        := "{" value ("," value)* "}"
 *   value      := string | number | word
 *   field      := type | proc | pid | ppid | exe | argv | arg | cwd | path
 *               | access | errno | exit | signal | ts | dur | env.NAME
 *   op         := "==" | "!=" | "<" | "<=" | ">" | ">=" | "~" | "matches" | "contains"
 *
 * `field not OP value` (OP one of in, has, contains, matches, ~) is
 * `not (field OP value)`. Precedence: not > and > or; and/or associate to
 * the left. Every error is a FilterError with the 0-based column of the offending token.
 * A field the subjects cannot have (scope.ts) is one too: an event type on
 * processes and files, an event's field inside under().
 */
import { FilterError } from '../errors.js';
import { FIELD_NAMES, type FieldName, type FieldRef, type Node, type Op, type Value } from './ast.js';
import { FIELDS, FIELD_LIST, resolveValue, typeWord } from './fields.js';
import { tokenize, type Token } from './lexer.js';
import { checkScope, EVENTS, topScope, UNDER, type FilterTarget, type Scope } from './scope.js';

const PUNCT_OPS = new Set(['==', '!=', '<', '<=', '>', '>=', '~']);
const WORD_OPS = new Set(['matches', 'contains', 'in', 'has']);
const KEYWORDS = new Set(['and', 'or', 'not', 'under', ...WORD_OPS]);

const show = (t: Token): string => (t.kind === 'string' ? JSON.stringify(t.text) : `"${t.text}"`);
/** ", got X" naming the token found; nothing at the end of the filter. */
const got = (t: Token): string => (t.kind === 'eof' ? '' : `, got ${show(t)}`);

class Parser {
  private i = 0;
  constructor(
    private readonly toks: Token[],
    /** What the level being parsed is tested on. */
    private scope: Scope,
  ) {}

  private get tok(): Token {
    return this.toks[this.i];
  }
  private next(): Token {
    return this.toks[this.i++];
  }
  private isWord(text: string): boolean {
    return this.tok.kind === 'word' && this.tok.text === text;
  }
  private isPunct(text: string): boolean {
    return this.tok.kind === 'punct' && this.tok.text === text;
  }

  parse(): Node {
    if (this.tok.kind === 'eof') throw new FilterError('empty filter: expected a field, "not", "under" or "("', 0);
    const n = this.or();
    const end = this.toks[this.i];
    if (end.kind !== 'eof') {
      throw new FilterError(`expected "and", "or" or the end${got(end)}`, end.pos);
    }
    return n;
  }

  private or(): Node {
    let left = this.and();
    while (this.isWord('or') || this.isPunct('||')) {
      const op = this.next();
      const right = this.operand(op, () => this.and());
      left = { kind: 'or', left, right, pos: left.pos };
    }
    return left;
  }

  private and(): Node {
    let left = this.unary();
    while (this.isWord('and') || this.isPunct('&&')) {
      const op = this.next();
      const right = this.operand(op, () => this.unary());
      left = { kind: 'and', left, right, pos: left.pos };
    }
    return left;
  }

  /** The operand after a logical operator `op`: a clearer message when it is missing. */
  private operand(op: Token, parse: () => Node): Node {
    const t = this.tok;
    if (t.kind === 'eof' || this.isPunct(')') || this.isWord('and') || this.isWord('or') || this.isPunct('&&') || this.isPunct('||')) {
      throw new FilterError(`expected an expression after "${op.text}"${got(t)}`, t.pos);
    }
    return parse();
  }

  private unary(): Node {
    if (this.isWord('not') || this.isPunct('!')) {
      const op = this.next();
      const operand = this.operand(op, () => this.unary());
      return { kind: 'not', operand, pos: op.pos };
    }
    return this.primary();
  }

  private primary(): Node {
    const t = this.tok;
    if (this.isPunct('(')) {
      this.next();
      if (this.isPunct(')')) throw new FilterError('expected an expression inside "()"', this.tok.pos);
      const e = this.or();
      this.close(t, '(');
      return e;
    }
    if (this.isWord('under')) {
      this.next();
      const open = this.tok;
      if (!this.isPunct('(')) throw new FilterError(`expected "(" after "under"${got(open)}`, open.pos);
      this.next();
      if (this.isPunct(')')) throw new FilterError('expected an expression inside "under()"', this.tok.pos);
      const outer = this.scope;
      this.scope = UNDER;
      const expr = this.or();
      this.scope = outer;
      this.close(open, 'under(');
      return { kind: 'under', expr, pos: t.pos };
    }
    if (t.kind === 'word' && !KEYWORDS.has(t.text)) return this.comparison(this.field());
    throw new FilterError(`expected a field, "not", "under" or "("${got(t)}`, t.pos);
  }

  private close(open: Token, what: string): void {
    if (this.isPunct(')')) {
      this.next();
      return;
    }
    throw new FilterError(`expected ")" to close "${what}" (column ${open.pos + 1})${got(this.tok)}`, this.tok.pos);
  }

  private field(): FieldRef {
    const t = this.next();
    if (t.text.startsWith('env.')) {
      const envName = t.text.slice(4);
      if (envName === '') throw new FilterError('expected a variable name after "env."', t.end);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(envName)) {
        throw new FilterError(`bad environment variable name ${JSON.stringify(envName)}`, t.pos + 4);
      }
      return { name: 'env', envName, pos: t.pos };
    }
    if (t.text === 'env') throw new FilterError('expected "env.NAME" (a variable name after "env.")', t.pos);
    if (!(FIELD_NAMES as readonly string[]).includes(t.text)) {
      throw new FilterError(`unknown field ${JSON.stringify(t.text)} (fields: ${FIELD_LIST})`, t.pos);
    }
    return { name: t.text as FieldName, pos: t.pos };
  }

  private comparison(field: FieldRef): Node {
    // `field not in {…}`, `not contains`, `not matches`, `not ~`, `not has`: the negation
    if (this.isWord('not')) {
      const after = this.toks[this.i + 1];
      if ((after.kind === 'word' && WORD_OPS.has(after.text)) || (after.kind === 'punct' && after.text === '~')) {
        const notTok = this.next();
        return { kind: 'not', operand: this.comparison(field), pos: notTok.pos };
      }
    }
    const t = this.tok;
    const fieldText = field.name === 'env' ? `env.${field.envName}` : field.name;
    let op: Op | undefined;
    if (t.kind === 'punct' && PUNCT_OPS.has(t.text)) op = t.text as Op;
    else if (t.kind === 'word' && WORD_OPS.has(t.text)) op = t.text as Op;
    if (op === undefined) {
      const follows = t.kind === 'eof' || this.isPunct(')') || this.isPunct('&&') || this.isPunct('||') || this.isWord('and') || this.isWord('or');
      if (follows) {
        checkScope(this.scope, field);
        return { kind: 'test', field, pos: field.pos };
      }
      throw new FilterError(`expected an operator after "${fieldText}"${got(t)}`, t.pos);
    }
    const spec = FIELDS[field.name];
    if (!spec.ops.includes(op)) {
      throw new FilterError(
        `"${op}" does not apply to ${fieldText} (${typeWord(field.name)}): use ${spec.ops.join(', ')}`,
        t.pos,
      );
    }
    this.next();
    const wantsSet = op === 'in' || ((op === 'has' || op === '==' || op === '!=') && spec.type === 'access' && this.isPunct('{'));
    if (wantsSet) {
      if (!this.isPunct('{')) throw new FilterError(`expected "{" after "${op}"${got(this.tok)}`, this.tok.pos);
      const values = this.set(field.name, fieldText, op);
      checkScope(this.scope, field, op, values);
      return { kind: 'cmp', field, op, values, set: true, pos: field.pos };
    }
    const values = [resolveValue(field.name, fieldText, op, this.value(op))];
    checkScope(this.scope, field, op, values);
    return { kind: 'cmp', field, op, values, set: false, pos: field.pos };
  }

  private value(op: string): Token {
    const t = this.tok;
    if (t.kind === 'string' || t.kind === 'number' || (t.kind === 'word' && !['and', 'or', 'not'].includes(t.text))) {
      return this.next();
    }
    const hint = this.isPunct('{') ? ' (a set of values goes after "in")' : '';
    throw new FilterError(`expected a value after "${op}"${got(t)}${hint}`, t.pos);
  }

  private set(name: FieldName, fieldText: string, op: Op): Value[] {
    const open = this.next();
    const values: Value[] = [];
    if (this.isPunct('}')) throw new FilterError('empty set: expected a value', this.tok.pos);
    for (;;) {
      const t = this.tok;
      if (!(t.kind === 'string' || t.kind === 'number' || t.kind === 'word')) {
        throw new FilterError(`expected a value in the set${got(t)}`, t.pos);
      }
      this.next();
      values.push(resolveValue(name, fieldText, op, t));
      if (this.isPunct(',')) {
        this.next();
        continue;
      }
      if (this.isPunct('}')) {
        this.next();
        return values;
      }
      throw new FilterError(`expected "," or "}" to close the set (column ${open.pos + 1})${got(this.tok)}`, this.tok.pos);
    }
  }
}

/** Parses and checks a filter tested on `target`; throws FilterError (with the column) if it is not valid. */
export function parse(source: string, target: FilterTarget = EVENTS): Node {
  return new Parser(tokenize(source), topScope(target)).parse();
}
