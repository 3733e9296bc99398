/**
 * The writing side's counterpart of fastdecode.ts: a Record whose event is
 * made of scalars, strings and lists of strings (every one but the trailer
 * and a process summary with pipes) is encoded,
 * varint-delimited, by code generated at first use from bt.proto's
 * reflection (tables.ts), straight into the writer's buffer: no protobufjs
 * Writer and its list of operations per record. Zero values are omitted,
 * as the capture's direct transcoder does. A record this cannot write
 * exactly (an exec, a value of an unexpected type or range, a string with
 * an unpaired surrogate) makes it return false, having written nothing,
 * and LogWriter gives it to protobufjs. test/log/fastencode.test.ts checks
 * that both read back the same.
 */
import type protobuf from 'protobufjs';
import { isWellFormed } from './bytes.js';
import { BOOL, MESSAGE, SINT32, SINT64, STRING, STRINGS, UINT32, UINT64, tablesOf, type Table } from './tables.js';
import { varintSize, type WireWriter } from './wire.js';

type Encode = (m: unknown, w: WireWriter) => boolean;

let recordType: protobuf.Type | undefined;
let record: Encode | null | undefined;

/** Names bt.Record (schema.ts); its encoders are generated on first use. */
export function installFastEncode(type: protobuf.Type): void {
  recordType = type;
  record = undefined;
}

/**
 * Appends record `r`, varint-delimited, to `w`; false (w unchanged) when
 * protobufjs must encode it.
 */
export function fastEncode(r: unknown, w: WireWriter): boolean {
  if (record === undefined) record = recordType ? generate(recordType) : null;
  if (record === null) return false;
  const start = w.pos;
  w.ensure(16);
  w.pos += 1; // the length, moved if it needs more than a byte
  if (!record(r, w)) {
    w.pos = start;
    return false;
  }
  delimit(w, start);
  return true;
}

/** Writes the length of what follows the byte at `at` there, moving it when the length takes more bytes. */
function delimit(w: WireWriter, at: number): void {
  const n = w.pos - at - 1;
  if (n < 128) {
    w.buf[at] = n;
    return;
  }
  const size = varintSize(n);
  w.ensure(size);
  w.buf.copyWithin(at + size, at + 1, w.pos);
  const end = w.pos + size - 1;
  w.pos = at;
  w.varint(n);
  w.pos = end;
}

/** A string field: its bytes (UTF-8) after a length. */
function writeString(w: WireWriter, s: string): void {
  w.ensure(3 * s.length + 5);
  const at = w.pos;
  const n = w.buf.write(s, at + 1, 'utf8');
  w.pos = at + 1 + n;
  delimit(w, at);
}

function generate(type: protobuf.Type): Encode | null {
  const { top, all } = tablesOf(type, true);
  if (!top) return null;
  const src = [...all.map((t, i) => encoderSource(t, i, all)), `return e${all.indexOf(top)};`].join('\n');
  return new Function('isWellFormed', 'writeString', 'delimit', src)(isWellFormed, writeString, delimit) as Encode;
}

/** Accepts a value of each kind (what protobufjs would write the same), and writes it. */
const CHECK: Record<number, string> = {
  [UINT32]: `typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 4294967295`,
  [SINT32]: `typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647`,
  [UINT64]: `typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 9007199254740991`,
  [SINT64]: `typeof v === 'number' && Number.isInteger(v) && v >= -4503599627370496 && v <= 4503599627370496`,
  [BOOL]: `typeof v === 'boolean'`,
  [STRING]: `typeof v === 'string' && isWellFormed(v)`,
};
const WRITE: Record<number, string> = {
  [UINT32]: 'w.varint(v)',
  [SINT32]: 'w.varint(((v << 1) ^ (v >> 31)) >>> 0)',
  [UINT64]: 'w.varint(v)',
  [SINT64]: 'w.varint(v >= 0 ? v * 2 : -v * 2 - 1)',
  [BOOL]: 'w.varint(v ? 1 : 0)',
  [STRING]: 'writeString(w, v)',
};

/** The source of encoder e<i>: each field in field-number order; a nested message when set, a scalar when not zero (or, with presence, when set). */
function encoderSource(t: Table, i: number, all: Table[]): string {
  const lines = t.others.map((name) => `if (m[${JSON.stringify(name)}] != null) return false;`);
  for (const tag of t.tags) {
    const kind = t.kinds[tag];
    const get = `v = m[${JSON.stringify(t.names[tag])}];`;
    const tagBytes = tag < 128 ? `w.buf[w.pos++] = ${tag};` : `w.buf[w.pos++] = ${(tag & 127) | 128}; w.buf[w.pos++] = ${tag >> 7};`;
    if (kind === STRINGS) {
      // every element, empty ones too: an empty argument is an argument
      lines.push(`${get} if (v != null) { if (!Array.isArray(v)) return false; for (const s of v) { if (typeof s !== 'string' || !isWellFormed(s)) return false; w.ensure(16); ${tagBytes} writeString(w, s); } }`);
    } else if (kind === MESSAGE) {
      const n = all.indexOf(t.nested[tag]!);
      lines.push(`${get} if (v != null) { if (typeof v !== 'object') return false; w.ensure(16); ${tagBytes} const at = w.pos++; if (!e${n}(v, w)) return false; delimit(w, at); }`);
    } else {
      // a field with presence is written when set, zero too (protobufjs does); the others when not zero
      const set = t.present[tag] ? 'v != null' : `v != null && v !== 0 && v !== '' && v !== false`;
      lines.push(`${get} if (${set}) { if (!(${CHECK[kind]})) return false; w.ensure(16); ${tagBytes} ${WRITE[kind]}; }`);
    }
  }
  return `function e${i}(m, w) {
  let v;
  ${lines.join('\n  ')}
  return true;
}`;
}
