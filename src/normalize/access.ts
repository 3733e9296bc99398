/**
 * How an open touched its file: the `access` field of normalized open records.
 *
 * A bitmask (uint32), computed from the open flags and the result:
 *
 *   READ      1    the file was opened for reading (O_RDONLY or O_RDWR)
 *   WRITE     2    the file was opened for writing (O_WRONLY or O_RDWR)
 *   CREATE    4    O_CREAT (or creat(2)) and the open succeeded: the file exists
 *                  afterwards, possibly created by this open
 *   TRUNCATE  8    O_TRUNC with write access and the open succeeded: old content gone
 *   FAILED   16    the open failed (fd -1): a probe, e.g. of a missing file (ENOENT);
 *                  the other bits then say what was asked for
 *   DIRECTORY 32   O_DIRECTORY: a directory was opened (listing, or a dirfd)
 *   APPEND   64    O_APPEND
 *   PATH    128    O_PATH: a handle only, no data access (READ/WRITE are not set)
 *   EXCL    256    O_CREAT|O_EXCL: the open succeeded only if it created the file
 *   TMPFILE 512    O_TMPFILE: an unnamed file in the directory
 *
 * "read-write" is READ|WRITE. A successful open has FAILED clear.
 */
export const Access = {
  READ: 1,
  WRITE: 2,
  CREATE: 4,
  TRUNCATE: 8,
  FAILED: 16,
  DIRECTORY: 32,
  APPEND: 64,
  PATH: 128,
  EXCL: 256,
  TMPFILE: 512,
} as const;

/** The names of the bits set in an open's `access`, in bit order, lower case: 14 -> ["write", "create", "truncate"]. */
export function accessNames(access: number): string[] {
  return Object.entries(Access)
    .filter(([, bit]) => access & bit)
    .map(([name]) => name.toLowerCase());
}

/** Linux open(2) flags (asm-generic values: x86, x86_64, riscv, s390, ...). */
export const O = {
  ACCMODE: 0o3,
  WRONLY: 0o1,
  RDWR: 0o2,
  CREAT: 0o100,
  EXCL: 0o200,
  TRUNC: 0o1000,
  APPEND: 0o2000,
  DIRECTORY: 0o200000,
  CLOEXEC: 0o2000000,
  PATH: 0o10000000,
  TMPFILE_BASE: 0o20000000, // __O_TMPFILE (O_TMPFILE = __O_TMPFILE | O_DIRECTORY)
} as const;

/** The open(2) flags that differ on arm64/arm (O_DIRECTORY and friends). */
const O_DIRECTORY_ARM = 0o40000;

/** Flag layout of the traced machine: 'generic' unless the log says arm. */
export type FlagLayout = 'generic' | 'arm';

/** Guesses the flag layout from a header's kernel release / options. */
export function flagLayoutFor(kernelRelease: string | undefined, options?: Record<string, string>): FlagLayout {
  const arch = `${options?.arch ?? ''} ${kernelRelease ?? ''}`.toLowerCase();
  return /aarch64|arm64|\barm/.test(arch) ? 'arm' : 'generic';
}

/** O_DIRECTORY for the given layout. */
export function oDirectory(layout: FlagLayout): number {
  return layout === 'arm' ? O_DIRECTORY_ARM : O.DIRECTORY;
}

/** Classifies one open. `op` is the syscall (creat implies O_CREAT|O_WRONLY|O_TRUNC). */
export function classifyOpen(
  flags: number,
  fd: number,
  op = 'openat',
  layout: FlagLayout = 'generic',
): number {
  let f = flags >>> 0;
  if (op === 'creat') f |= O.CREAT | O.WRONLY | O.TRUNC;
  const ok = fd >= 0;
  let a = 0;
  if (f & O.PATH) {
    a |= Access.PATH;
  } else {
    const acc = f & O.ACCMODE;
    if (acc === 0 || acc === O.RDWR) a |= Access.READ;
    if (acc === O.WRONLY || acc === O.RDWR) a |= Access.WRITE;
    if (f & O.APPEND) a |= Access.APPEND;
    if (f & O.TMPFILE_BASE) a |= Access.TMPFILE;
    else if (f & O.CREAT) {
      if (ok) a |= Access.CREATE;
      if (f & O.EXCL) a |= Access.EXCL;
    }
    if (ok && f & O.TRUNC && a & Access.WRITE) a |= Access.TRUNCATE;
  }
  if (f & oDirectory(layout) && !(a & Access.TMPFILE)) a |= Access.DIRECTORY;
  if (!ok) a |= Access.FAILED;
  return a;
}

/** Short human form of an access mask, e.g. "rw+create", "r", "probe(r)". */
export function accessString(a: number): string {
  const parts: string[] = [];
  const rw = `${a & Access.READ ? 'r' : ''}${a & Access.WRITE ? 'w' : ''}`;
  if (rw) parts.push(rw);
  if (a & Access.PATH) parts.push('path');
  if (a & Access.DIRECTORY) parts.push('dir');
  if (a & Access.CREATE) parts.push('create');
  if (a & Access.EXCL) parts.push('excl');
  if (a & Access.TRUNCATE) parts.push('trunc');
  if (a & Access.APPEND) parts.push('append');
  if (a & Access.TMPFILE) parts.push('tmpfile');
  const s = parts.join('+') || '-';
  return a & Access.FAILED ? `probe(${s})` : s;
}

/** True if the access may have changed the file's content or existence. */
export function isWrite(a: number): boolean {
  return !(a & Access.FAILED) && (a & (Access.WRITE | Access.CREATE | Access.TRUNCATE)) !== 0;
}

/** True if the access read the file's content (a successful read open, not O_PATH). */
export function isRead(a: number): boolean {
  return !(a & Access.FAILED) && (a & Access.READ) !== 0;
}
