/**
 * The reading side's hot path: a Record whose event is made of scalars and
 * strings only (open, close, lookup, fork, exit, dup... the bulk of any
 * log) is decoded by code generated at load time from bt.proto's
 * reflection (like protobufjs's own decoders), into the very objects
 * protobufjs's decoder makes (its message classes, defaults on their
 * prototypes). protobufjs's decoders cost a method call per field and per
 * varint byte; these read the bytes in place, one switch per field.
 * Everything else (an exec, a trailer, a field this bt does not know, a
 * varint or length that is not what bt writes, anything malformed) is left
 * to protobufjs: decodeRecordAt calls it when this returns undefined, and
 * it decides, or throws, as before.
 * test/log/fastdecode.test.ts checks both give the same records.
 */
import type protobuf from 'protobufjs';
import { CACHED, cachedString } from './strings.js';
import { decodeBytes } from './bytes.js';
import { BOOL, MESSAGE, SINT32, SINT64, STRING, UINT32, UINT64, tablesOf, type Table } from './tables.js';

type Decode = (b: Uint8Array, start: number, end: number) => Record<string, unknown> | undefined;

let recordType: protobuf.Type | undefined;
let record: Decode | null | undefined;

/** Names bt.Record (schema.ts, once its types are set up); its decoders are generated on first use (bt trace never reads). */
export function installFastDecode(type: protobuf.Type): void {
  recordType = type;
  record = undefined;
}

/** The generated decoder of bt.Record and the messages it holds; null when there is none. */
function generate(type: protobuf.Type): Decode | null {
  const { top, all } = tablesOf(type);
  if (!top) return null;
  const src = [RUNTIME, ...all.map((t, i) => decoderSource(t, i, all)), `return d${all.indexOf(top)};`].join('\n');
  return new Function('ctors', 'cachedString', 'decodeBytes', 'CACHED', src)(
    all.map((t) => t.ctor),
    cachedString,
    decodeBytes,
    CACHED,
  ) as Decode;
}

/**
 * Shared by the generated decoders: the position and the last varint's
 * halves (closure state: no allocation per field), and the varint reader:
 * false when it runs past end or is longer than 10 bytes. Its halves are
 * protobufjs's LongBits. `wide`: it was longer than 5 bytes, which
 * protobufjs's 32-bit reader (used for uint32, sint32, bool, lengths)
 * takes as 10 bytes whatever they hold: such a record is left to it.
 */
const RUNTIME = `
let pos = 0, lo = 0, hi = 0, wide = false;
function varint(b, end) {
  let p = pos, l = 0, h = 0, c = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (p >= end) return false;
    c = b[p++];
    l |= (c & 127) << shift;
    if (c < 128) { pos = p; lo = l >>> 0; hi = 0; wide = false; return true; }
  }
  if (p >= end) return false;
  c = b[p++];
  l |= (c & 127) << 28;
  h = (c & 127) >> 4;
  wide = c >= 128;
  for (let shift = 3; c >= 128; shift += 7) {
    if (shift > 31 || p >= end) return false;
    c = b[p++];
    h |= (c & 127) << shift;
  }
  pos = p; lo = l >>> 0; hi = h >>> 0;
  return true;
}
function sint64() {
  const mask = -(lo & 1);
  let l = (((lo >>> 1) | (hi << 31)) ^ mask) >>> 0, h = ((hi >>> 1) ^ mask) >>> 0;
  if (!(h >>> 31)) return l + h * 4294967296;
  l = (~l + 1) >>> 0; h = ~h >>> 0;
  if (!l) h = (h + 1) >>> 0;
  return -(l + h * 4294967296);
}`;

/** The value of a field of `kind` once its varint is read (lo, hi). */
const VALUE: Record<number, string> = {
  [UINT32]: 'lo', // protobufjs keeps the low 32 bits
  [SINT32]: '((lo >>> 1) ^ -(lo & 1)) | 0',
  [UINT64]: 'lo + hi * 4294967296',
  [SINT64]: 'sint64()',
  [BOOL]: 'lo !== 0', // protobufjs reads a bool as a uint32
};

/** The source of decoder d<i>: one case per tag, anything else undefined (protobufjs decides). */
function decoderSource(t: Table, i: number, all: Table[]): string {
  const cases: string[] = [];
  for (const tag of t.tags) {
    const kind = t.kinds[tag];
    const field = `m[${JSON.stringify(t.names[tag])}]`;
    if (kind === STRING) {
      cases.push(`case ${tag}: { if (wide || hi !== 0 || lo > end - pos) return undefined; const f = pos, e = f + lo; ${field} = lo <= CACHED ? cachedString(b, f, e) : decodeBytes(b, f, e); pos = e; break; }`);
    } else if (kind === MESSAGE) {
      const d = all.indexOf(t.nested[tag]!);
      cases.push(`case ${tag}: { if (wide || hi !== 0 || lo > end - pos) return undefined; const e = pos + lo; const v = d${d}(b, pos, e); if (v === undefined) return undefined; ${field} = v; pos = e; break; }`);
    } else if (kind === UINT64 || kind === SINT64) {
      cases.push(`case ${tag}: ${field} = ${VALUE[kind]}; break;`);
    } else {
      cases.push(`case ${tag}: if (wide) return undefined; ${field} = ${VALUE[kind]}; break;`);
    }
  }
  return `const C${i} = ctors[${i}];
function d${i}(b, start, end) {
  const m = new C${i}();
  pos = start;
  while (pos < end) {
    let tag = b[pos++];
    if (tag >= 128) {
      if (pos >= end) return undefined;
      tag = (tag & 127) | (b[pos++] << 7);
    }
    if (!varint(b, end)) return undefined;
    switch (tag) {
      ${cases.join('\n      ')}
      default: return undefined;
    }
  }
  return m;
}`;
}

/** The Record at buf[start, start + len), or undefined: protobufjs decodes it (see above). */
export function fastDecode(buf: Uint8Array, start: number, len: number): Record<string, unknown> | undefined {
  if (record === undefined) record = recordType ? generate(recordType) : null;
  return record === null ? undefined : record(buf, start, start + len);
}
