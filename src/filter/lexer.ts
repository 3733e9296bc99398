/**
 * The tokenizer of the display-filter language. Tokens:
 *
 *   word     [A-Za-z_][A-Za-z0-9_.+-]*   fields, keywords, bare values (ENOENT, cc1, g++),
 *            or -[A-Za-z-]…              options as bare values (-c, -O2, --version)
 *   number   [0-9]… or -[0-9]…           digits then letters/digits/'.'/'µ': 12, 1.5s, 0x1f, 250µs
 *   string   "…" or '…'                  \" \' \\ \n \t are escapes; any other \c stays \c
 *                                        (so regexes like "\.o$" need no doubling)
 *   punct    == != <= >= < > ~ ! && || ( ) { } ,
 *
 * A number token keeps its raw text: the parser decides, from the field,
 * whether it is an integer, a duration or (for string fields) just text.
 */
import { FilterError } from '../errors.js';

export type TokenKind = 'word' | 'number' | 'string' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The word, the number's raw text, the unescaped string or the punctuation. */
  text: string;
  /** 0-based column of the first character. */
  pos: number;
  /** Column just after the token. */
  end: number;
}

const PUNCT2 = new Set(['==', '!=', '<=', '>=', '&&', '||']);
const PUNCT1 = new Set(['<', '>', '~', '!', '(', ')', '{', '}', ',']);

const isWordStart = (c: string): boolean => /[A-Za-z_]/.test(c);
const isWordChar = (c: string): boolean => /[A-Za-z0-9_.+-]/.test(c);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isNumberChar = (c: string): boolean => /[A-Za-z0-9_.µμ]/.test(c);

/** Splits a filter into tokens, ending with an 'eof' token; throws FilterError on a bad character. */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (isWordStart(c) || (c === '-' && i + 1 < n && /[A-Za-z-]/.test(src[i + 1]))) {
      i++;
      while (i < n && isWordChar(src[i])) i++;
      out.push({ kind: 'word', text: src.slice(start, i), pos: start, end: i });
      continue;
    }
    if (isDigit(c) || (c === '-' && isDigit(src[i + 1]))) {
      i++;
      while (i < n && isNumberChar(src[i])) i++;
      out.push({ kind: 'number', text: src.slice(start, i), pos: start, end: i });
      continue;
    }
    if (c === '"' || c === "'") {
      i++;
      let text = '';
      for (;;) {
        if (i >= n) throw new FilterError(`unterminated string (no closing ${c})`, start);
        const d = src[i];
        if (d === c) {
          i++;
          break;
        }
        if (d === '\\' && i + 1 < n) {
          const e = src[i + 1];
          if (e === '"' || e === "'" || e === '\\') text += e;
          else if (e === 'n') text += '\n';
          else if (e === 't') text += '\t';
          else text += `\\${e}`;
          i += 2;
          continue;
        }
        text += d;
        i++;
      }
      out.push({ kind: 'string', text, pos: start, end: i });
      continue;
    }
    const two = src.slice(i, i + 2);
    if (PUNCT2.has(two)) {
      out.push({ kind: 'punct', text: two, pos: start, end: i + 2 });
      i += 2;
      continue;
    }
    if (PUNCT1.has(c)) {
      out.push({ kind: 'punct', text: c, pos: start, end: i + 1 });
      i++;
      continue;
    }
    if (c === '=') throw new FilterError('unexpected "=" (use "==" to compare)', start);
    if (c === '&') throw new FilterError('unexpected "&" (use "&&" or "and")', start);
    if (c === '|') throw new FilterError('unexpected "|" (use "||" or "or")', start);
    throw new FilterError(`unexpected character ${JSON.stringify(c)} (quote values that are not plain words)`, start);
  }
  out.push({ kind: 'eof', text: '', pos: n, end: n });
  return out;
}
