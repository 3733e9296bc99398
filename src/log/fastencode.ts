/**
 * The writing side's counterpart of fastdecode.ts: a message made of
 * scalars, strings, lists of strings, maps of scalars and such messages
 * (every Record bt writes but a process summary with pipes; the Header) is
 * encoded, varint-delimited, by code generated at first use from bt.proto's
 * wire description (wiredesc.ts), straight into the writer's buffer: no
 * protobufjs Writer and its list of operations per record, and no
 * protobufjs at all for what bt trace writes. Zero values are omitted
 * (protobufjs writes those that are set: readers see the same values); a
 * map entry has its key and value, zero or not, as protobufjs writes it. A message this cannot write exactly (a value of
 * an unexpected type or range, a field of another kind) makes it return
 * false, having written nothing, and the writer gives it to protobufjs.
 * test/log/fastencode.test.ts checks that both read back the same.
 */
import { encodeString, isWellFormed } from './bytes.js';
import { varintSize, type WireWriter } from './wire.js';
import { wireDesc, type ScalarKind, type WireField } from './wiredesc.js';

type Encode = (m: unknown, w: WireWriter) => boolean;

/** By message name; null: the message cannot be written here. */
const encoders = new Map<string, Encode | null>();

/** Appends record `r`, varint-delimited, to `w`; false (w unchanged) when protobufjs must encode it. */
export function fastEncode(r: unknown, w: WireWriter): boolean {
  return fastEncodeDelimited('bt.Record', r, w);
}

/** Appends message `m` of type `message` ("bt.Header"), varint-delimited, to `w`; false (w unchanged) when protobufjs must encode it. */
export function fastEncodeDelimited(message: string, m: unknown, w: WireWriter): boolean {
  const encode = encoderOf(message);
  if (encode === null) return false;
  const start = w.pos;
  w.ensure(16);
  w.pos += 1; // the length, moved if it needs more than a byte
  if (!encode(m, w)) {
    w.pos = start;
    return false;
  }
  delimit(w, start);
  return true;
}

/** protobufjs's varint-delimited encoding of a message, by message name (schema.ts installs it). */
type SlowEncode = (message: string, m: unknown) => Uint8Array;
let slow: SlowEncode | undefined;

/** What encodes the messages the fast encoder leaves (schema.ts, with protobufjs). */
export function setSlowEncoder(fn: SlowEncode): void {
  slow = fn;
}

/**
 * Appends message `m` of type `message`, varint-delimited, to `w`: here if
 * it can, else by protobufjs when the schema is loaded (bt trace, which
 * does not load it, writes nothing this leaves). Throws a TypeError for a
 * message neither can encode (a bug).
 */
export function encodeDelimitedInto(message: string, m: unknown, w: WireWriter): void {
  if (fastEncodeDelimited(message, m, w)) return;
  if (!slow) throw new TypeError(`cannot encode a ${message} without protobufjs: a value of an unexpected type or range`);
  let bytes: Uint8Array;
  try {
    bytes = slow(message, m);
  } catch (err) {
    throw new TypeError(`cannot encode a ${message}: ${(err as Error).message}`, { cause: err });
  }
  w.append(bytes);
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

/** A string field: its bytes after a length (UTF-8; a string holding bytes that are not, as those bytes: bytes.ts). */
function writeString(w: WireWriter, s: string): void {
  if (!isWellFormed(s)) {
    const b = encodeString(s);
    w.ensure(b.length + 5);
    w.varint(b.length);
    w.append(b);
    return;
  }
  w.ensure(3 * s.length + 5);
  const at = w.pos;
  const n = w.buf.write(s, at + 1, 'utf8');
  w.pos = at + 1 + n;
  delimit(w, at);
}

/** The encoder of `message`, made at its first use; null when it is not described. */
function encoderOf(message: string): Encode | null {
  let e = encoders.get(message);
  if (e === undefined) encoders.set(message, (e = generate(message)));
  return e;
}

/**
 * The encoder of `message`; null when it is not described. A message it
 * holds is encoded by that message's own encoder, made at its first use:
 * bt trace's trailer does not make the encoders of every event (~4 ms).
 */
function generate(message: string): Encode | null {
  const fields = wireDesc()[message];
  if (!fields) return null;
  const held: Encode[] = [];
  const want = (name: string): number => {
    const i = held.length;
    held.push((m, w) => {
      const e = encoderOf(name);
      if (!e) return false;
      held[i] = e;
      return e(m, w);
    });
    return i;
  };
  const src = `${encoderSource(fields, want)}\nreturn e;`;
  return new Function('writeString', 'writeLong', 'delimit', 'held', src)(writeString, writeLong, delimit, held) as Encode;
}

/**
 * A 64-bit field of a number beyond what a double's arithmetic writes
 * exactly (2^53 for a uint64, ±2^52 for a sint64's zigzag): its two 32-bit
 * halves by protobufjs's own steps (LongBits.fromNumber, zzEncode), so that
 * it writes what protobufjs writes for any integer (a utime's times, a
 * truncate's size, are what the traced program passed).
 */
function writeLong(w: WireWriter, v: number, zigzag: boolean): void {
  const negative = v < 0;
  if (negative) v = -v;
  let lo = v >>> 0;
  let hi = ((v - lo) / 4294967296) >>> 0;
  if (negative) {
    hi = ~hi >>> 0;
    lo = ~lo >>> 0;
    if (++lo > 4294967295) {
      lo = 0;
      if (++hi > 4294967295) hi = 0;
    }
  }
  if (zigzag) {
    const mask = hi >> 31;
    hi = (((hi << 1) | (lo >>> 31)) ^ mask) >>> 0;
    lo = ((lo << 1) ^ mask) >>> 0;
  }
  w.varint64(lo, hi);
}

/** Accepts a value of each kind (what protobufjs would write the same), and writes it. */
const CHECK: Record<ScalarKind, string> = {
  uint32: `typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 4294967295`,
  sint32: `typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647`,
  uint64: `typeof v === 'number' && Number.isInteger(v)`,
  sint64: `typeof v === 'number' && Number.isInteger(v)`,
  bool: `typeof v === 'boolean'`,
  string: `typeof v === 'string'`,
};
const WRITE: Record<ScalarKind, string> = {
  uint32: 'w.varint(v)',
  sint32: 'w.varint(((v << 1) ^ (v >> 31)) >>> 0)',
  uint64: 'if (v >= 0 && v <= 9007199254740991) w.varint(v); else writeLong(w, v, false)',
  sint64: 'if (v >= -4503599627370496 && v <= 4503599627370496) w.varint(v >= 0 ? v * 2 : -v * 2 - 1); else writeLong(w, v, true)',
  bool: 'w.varint(v ? 1 : 0)',
  string: 'writeString(w, v)',
};
/** Wire type 2 (length-delimited) or 0 (varint). */
const LEN_KINDS = new Set(['string', 'strings', 'message', 'map']);

/** The bytes of a tag, as a statement. */
function tagBytes(id: number, kind: string): string {
  const tag = (id << 3) | (LEN_KINDS.has(kind) ? 2 : 0);
  const bytes: number[] = [];
  for (let t = tag; ; t >>>= 7) {
    if (t < 128) {
      bytes.push(t);
      break;
    }
    bytes.push((t & 127) | 128);
  }
  return bytes.map((b) => `w.buf[w.pos++] = ${b};`).join(' ');
}

/** The source of an encoder (e): each field in field-number order; a nested message (held[n]) when set, a scalar when not zero (or, with presence, when set). */
function encoderSource(fields: WireField[], want: (name: string) => number): string {
  const lines: string[] = [];
  for (const f of fields) {
    const get = `v = m[${JSON.stringify(f.name)}];`;
    const tag = tagBytes(f.id, f.kind);
    if (f.kind === 'other') {
      lines.push(`${get} if (v != null) return false;`);
    } else if (f.kind === 'strings') {
      // every element, empty ones too: an empty argument is an argument
      lines.push(`${get} if (v != null) { if (!Array.isArray(v)) return false; for (const s of v) { if (typeof s !== 'string') return false; w.ensure(16); ${tag} writeString(w, s); } }`);
    } else if (f.kind === 'map') {
      const k = f.key!;
      const val = f.value!;
      const entry = `const at = w.pos++; w.ensure(16); ${tagBytes(1, k)} ${WRITE[k].replace(/\bv\b/g, 'k')}; v = o[k]; if (!(${CHECK[val]})) return false; w.ensure(16); ${tagBytes(2, val)} ${WRITE[val]}; delimit(w, at);`;
      const keyCheck = CHECK[k].replace(/\bv\b/g, 'k');
      lines.push(`${get} if (v != null) { if (typeof v !== 'object' || Array.isArray(v)) return false; const o = v; for (const k of Object.keys(o)) { if (!(${keyCheck})) return false; w.ensure(16); ${tag} ${entry} } }`);
    } else if (f.kind === 'message') {
      const n = want(f.message!);
      lines.push(`${get} if (v != null) { if (typeof v !== 'object') return false; w.ensure(16); ${tag} const at = w.pos++; if (!held[${n}](v, w)) return false; delimit(w, at); }`);
    } else {
      // a field with presence is written when set, zero too (protobufjs does); the others when not zero
      const set = f.presence ? 'v != null' : `v != null && v !== 0 && v !== '' && v !== false`;
      lines.push(`${get} if (${set}) { if (!(${CHECK[f.kind]})) return false; w.ensure(16); ${tag} ${WRITE[f.kind]}; }`);
    }
  }
  return `function e(m, w) {
  let v;
  ${lines.join('\n  ')}
  return true;
}`;
}
