/**
 * The string cache of the log decoder (schema.ts installs it as
 * protobufjs's string reader).
 *
 * Strings come again and again: an op's name ("openat", "newfstatat"),
 * argv flags, and above all paths (a build's 1.8M records name ~40k
 * distinct paths). A string up to CACHED bytes is looked up by a hash of
 * its bytes in a direct-mapped table; a hit gives the very string decoded
 * before. That saves decoding and garbage, and every Map later keyed by it
 * (the normalizer's, the model's) finds its hash already computed and the
 * same object.
 *
 * Each slot keeps the string and a copy of its bytes, so that the hash and
 * the comparison that confirms a hit read four bytes at a time, not a
 * character at a time: paths are long, and this runs for nearly every
 * string of the log. Equal bytes decode to equal strings (invalid UTF-8
 * included, bytes.ts), so any string may be cached.
 */
import { decodeBytes } from './bytes.js';

/** Longer strings are decoded every time. */
export const CACHED = 160;
/** Slots of the table (a power of 2). */
const SLOTS = 1 << 15;

/* Nothing here is written before the first string: bt trace, which decodes
 * none, loads this module too. Filling the tables would cost it ~1.3 ms of
 * page faults; the zeroed typed arrays are not touched until used. */
/** The string in each slot, made at the first string stored. */
let strings: Array<string | undefined> | undefined;
/** Byte length of the string in each slot (0: empty; the empty string is never looked up). */
const lengths = new Int32Array(SLOTS);
/** The bytes of slot i's string at i * CACHED. */
const bytes = new Uint8Array(SLOTS * CACHED);
const stored = new DataView(bytes.buffer);

/** A DataView on the buffer strings are read from (the last one seen). */
let viewOf: Uint8Array | undefined;
let view: DataView<ArrayBufferLike> = stored;

function viewFor(buf: Uint8Array): DataView<ArrayBufferLike> {
  if (buf !== viewOf) {
    viewOf = buf;
    view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  return view;
}

/** The string of buf[start, end) (end - start <= CACHED): the cached one when these bytes were seen before. */
export function cachedString(buf: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n === 0) return '';
  const v = viewFor(buf);
  const words = end - 3;
  let h = n;
  let i = start;
  for (; i < words; i += 4) h = (Math.imul(h, 0x9e3779b1) ^ v.getInt32(i, true)) | 0;
  for (; i < end; i++) h = (Math.imul(h, 31) + buf[i]) | 0;
  const slot = (h ^ (h >>> 15)) & (SLOTS - 1);
  const at = slot * CACHED;
  if (lengths[slot] === n && same(v, start, n, at)) return strings![slot]!;
  const s = decodeBytes(buf, start, end);
  (strings ??= new Array<string | undefined>(SLOTS).fill(undefined))[slot] = s;
  lengths[slot] = n;
  bytes.set(buf.subarray(start, end), at);
  return s;
}

/** buf's n bytes at start equal the stored bytes at `at`. */
function same(v: DataView<ArrayBufferLike>, start: number, n: number, at: number): boolean {
  let i = 0;
  for (; i + 4 <= n; i += 4) if (v.getInt32(start + i, true) !== stored.getInt32(at + i, true)) return false;
  for (; i < n; i++) if (v.getUint8(start + i) !== bytes[at + i]) return false;
  return true;
}
