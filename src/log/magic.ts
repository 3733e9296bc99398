/**
 * How a bt log begins, and whether a file does: no other module, so that
 * what only needs to know whether a file is a log (bt's command line,
 * before a command runs) does not load the schema and the reader.
 */
import fs from 'node:fs';

/** The 8 bytes every bt log starts with: 0x89 'B' 'T' 'L' 'O' 'G' '\r' '\n'. */
export const MAGIC: Buffer = Buffer.from([0x89, 0x42, 0x54, 0x4c, 0x4f, 0x47, 0x0d, 0x0a]);

/** `bytes`, found at offset `at` of a file, agree with MAGIC as far as both go (a log cut off inside it included). */
export function agreesWithMagic(bytes: Uint8Array, at = 0): boolean {
  const n = Math.max(0, Math.min(bytes.length, MAGIC.length - at));
  return MAGIC.subarray(at, at + n).equals(bytes.subarray(0, n));
}

/** True when `file` is a regular file that begins as a bt log does (its magic number); false for anything else, unreadable included. */
export function isLogFile(file: string): boolean {
  let fd = -1;
  try {
    // not even opened unless a regular file: opening a FIFO lets its writer go on, and closing it then
    // kills the writer (SIGPIPE) before the reader the user asked for opens it (bt dump log.fifo)
    if (!fs.statSync(file).isFile()) return false;
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    if (!fs.fstatSync(fd).isFile()) return false;
    const head = Buffer.alloc(MAGIC.length);
    return fs.readSync(fd, head, 0, head.length, 0) === MAGIC.length && agreesWithMagic(head);
  } catch {
    return false;
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}
