/**
 * Small I/O helpers shared by the log writer and reader (internal).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

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

/**
 * bt's working directory, or undefined when it has no name Node can give:
 * deleted (process.cwd() throws ENOENT), deeper than PATH_MAX (ERANGE), or
 * above a directory bt cannot search (EACCES).
 */
export function workingDir(): string | undefined {
  try {
    return process.cwd();
  } catch {
    return undefined;
  }
}

/** Why the working directory has no name (workingDir() is undefined), for a message: "was deleted". */
export function unnamedWorkingDir(): string {
  try {
    process.cwd();
    return 'has a name';
  } catch (err) {
    const code = fsCode(err);
    if (code === 'ENOENT') return 'was deleted';
    if (code === 'ERANGE' || code === 'ENAMETOOLONG') return 'is deeper than PATH_MAX (4,096 bytes)';
    return `cannot be named (${describeFsError(err)})`;
  }
}

/**
 * `p` as an absolute path (normalized), without failing: against the
 * working directory, or, when that has no name (workingDir), through
 * /proc/self/cwd, which the kernel resolves whatever its depth (a leading
 * `..` stays, for the kernel to resolve: path.resolve would take it out of
 * /proc/self/cwd lexically).
 */
export function absolutePath(p: string): string {
  if (path.isAbsolute(p)) return path.normalize(p);
  const cwd = workingDir();
  if (cwd !== undefined) return path.resolve(cwd, p);
  const rel = path.normalize(p).replace(/\/$/, '');
  return rel === '.' ? '/proc/self/cwd' : `/proc/self/cwd/${rel}`;
}

/**
 * A small text file the build left, read at a path taken from a log
 * (a compiler's depfile, a cargo build script's output): undefined unless
 * it is a regular file (not a FIFO that would block, nor a device), no
 * link in its last component, and at most `max` bytes. bt runs as root:
 * a path in a log must not make it hang or read without bound.
 */
export function readSmallFile(path: string, max = 16 << 20): string | undefined {
  return withRegularFile(path, (fd, st) => (st.size > max ? undefined : fs.readFileSync(fd, 'utf8')));
}

/**
 * `read` of a regular file at a path taken from a log, opened without
 * following a link in its last component and without blocking (a FIFO
 * never hangs bt, which runs as root); undefined when it is no regular
 * file, cannot be opened, or `read` throws.
 */
export function withRegularFile<T>(path: string, read: (fd: number, st: fs.Stats) => T | undefined): T | undefined {
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const st = fs.fstatSync(fd);
    return st.isFile() ? read(fd, st) : undefined;
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Whether fd is a terminal (`st`: its fstat, when the caller has it).
 * node:tty, and net with it (~4 ms), is loaded only for a character device:
 * a file, a pipe or a socket never is a terminal.
 */
export function isTerminal(fd: number, st?: fs.Stats): boolean {
  try {
    if (!(st ?? fs.fstatSync(fd)).isCharacterDevice()) return false;
  } catch {
    return false; // closed
  }
  return (createRequire(import.meta.url)('node:tty') as typeof import('node:tty')).isatty(fd);
}
