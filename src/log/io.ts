/**
 * Small I/O helpers shared by the log writer and reader (internal).
 */
import fs from 'node:fs';

/** "no space left on device (ENOSPC)" style text for a Node fs error. */
export function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e === 'object' && typeof e.code === 'string') {
    const text = e.message?.replace(/^[A-Z0-9_]+: /, '').replace(/, \w+(?: '.*')?$/, '') ?? '';
    return text ? `${text} (${e.code})` : e.code;
  }
  return String((err as Error)?.message ?? err);
}

/** The errno code of a Node fs error, or undefined. */
export function fsCode(err: unknown): string | undefined {
  const c = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof c === 'string' ? c : undefined;
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms` milliseconds (used to wait out EAGAIN on a non-blocking fd). */
export function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

/**
 * Writes all of `buf` to `fd` with fs.writeSync, retrying short writes and
 * EAGAIN (stdout may be a non-blocking pipe). Throws the fs error otherwise.
 */
export function writeAllSync(fd: number, buf: Uint8Array): void {
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(fd, buf, off, buf.length - off);
    } catch (err) {
      if (fsCode(err) === 'EAGAIN') {
        sleepSync(1);
        continue;
      }
      throw err;
    }
  }
}
