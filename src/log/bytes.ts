/**
 * Exact bytes in strings. File names and arguments are bytes, not always
 * UTF-8. bt keeps them exactly:
 *
 *  - in the log, a string field holds the original bytes (protobuf strings
 *    and bytes have the same wire form);
 *  - in memory (TypeScript strings), valid UTF-8 is decoded as usual and
 *    every byte 0xNN that is not part of a valid UTF-8 sequence becomes the
 *    lone surrogate U+DC00+NN (U+DC80..U+DCFF: Python's "surrogateescape"),
 *    which valid UTF-8 never decodes to; encoding turns it back into the byte;
 *  - in JSON (bt dump --json) such a byte therefore reads "\udcNN": in
 *    Python, `s.encode('utf-8', 'surrogateescape')` gives the original bytes.
 *
 * src/log/schema.ts installs decodeBytes/encodeString as protobufjs's string
 * reader and writer; the capture decoder uses decodeBytes.
 */
import { isUtf8 } from 'node:buffer';

/** No lone surrogates (String.prototype.isWellFormed, Node >= 20). */
export function isWellFormed(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** `s` with each lone surrogate (a byte that is not UTF-8) as U+FFFD: for stores that hold only UTF-8 (DuckDB's VARCHAR). */
export function toWellFormed(s: string): string {
  return isWellFormed(s) ? s : (s as unknown as { toWellFormed(): string }).toWellFormed();
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** The string of bytes [start, end): UTF-8, with invalid bytes as U+DC80..U+DCFF. */
export function decodeBytes(bytes: Uint8Array, start = 0, end = bytes.length): string {
  const b = asBuffer(bytes);
  if (end <= start) return '';
  // Valid UTF-8 decodes without U+FFFD (one that holds a real U+FFFD takes the slow path, which keeps it).
  const fast = (b as Buffer & { utf8Slice(s: number, e: number): string }).utf8Slice(start, end);
  if (fast.indexOf('\uFFFD') < 0) return fast;
  let out = '';
  let i = start;
  let plain = start; // start of the run of valid bytes not yet decoded
  while (i < end) {
    const c = b[i];
    const n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (n === 1 || (n > 1 && i + n <= end && isUtf8(b.subarray(i, i + n)))) {
      i += n;
      continue;
    }
    if (plain < i) out += b.toString('utf8', plain, i);
    out += String.fromCharCode(0xdc00 + c);
    i++;
    plain = i;
  }
  if (plain < end) out += b.toString('utf8', plain, end);
  return out;
}

/** The bytes of a string: UTF-8, with U+DC80..U+DCFF turned back into the bytes they stand for. */
export function encodeString(s: string): Buffer {
  if (isWellFormed(s)) return Buffer.from(s, 'utf8');
  const parts: Buffer[] = [];
  let plain = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++; // a pair: plain text
        continue;
      }
    }
    if (c < 0xd800 || c > 0xdfff) continue;
    // a lone surrogate: an escaped byte, or (anything else) U+FFFD as UTF-8 writes it
    if (plain < i) parts.push(Buffer.from(s.slice(plain, i), 'utf8'));
    parts.push(c >= 0xdc80 && c <= 0xdcff ? Buffer.from([c - 0xdc00]) : Buffer.from([0xef, 0xbf, 0xbd]));
    plain = i + 1;
  }
  if (plain < s.length) parts.push(Buffer.from(s.slice(plain), 'utf8'));
  return Buffer.concat(parts);
}

/** Bytes encodeString(s) takes. */
export function byteLength(s: string): number {
  return isWellFormed(s) ? Buffer.byteLength(s, 'utf8') : encodeString(s).length;
}

/** Writes encodeString(s) into buf at pos; returns the bytes written. */
export function writeString(s: string, buf: Buffer, pos: number): number {
  if (isWellFormed(s)) return buf.write(s, pos, 'utf8');
  return encodeString(s).copy(buf, pos);
}
