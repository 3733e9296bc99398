/**
 * open(2) flags as strace prints them (x86_64 / asm-generic values), and
 * the access class of an open. The class comes from the normalizer's own
 * classifier (src/normalize/access.ts), so both sides of the comparison
 * are classified alike and only what was captured can differ.
 *
 * A class is a short string such as "r", "w+create+trunc", "rw", "path+dir",
 * "r+dir"; success or errno is kept apart from it in the facts.
 */

import { Access, accessString, classifyOpen } from '../../src/normalize/access.js';

export const OPEN_FLAGS: Record<string, number> = {
  O_RDONLY: 0,
  O_WRONLY: 0o1,
  O_RDWR: 0o2,
  O_ACCMODE: 0o3,
  O_CREAT: 0o100,
  O_EXCL: 0o200,
  O_NOCTTY: 0o400,
  O_TRUNC: 0o1000,
  O_APPEND: 0o2000,
  O_NONBLOCK: 0o4000,
  O_NDELAY: 0o4000,
  O_DSYNC: 0o10000,
  O_ASYNC: 0o20000,
  FASYNC: 0o20000,
  O_DIRECT: 0o40000,
  O_LARGEFILE: 0o100000,
  O_DIRECTORY: 0o200000,
  O_NOFOLLOW: 0o400000,
  O_NOATIME: 0o1000000,
  O_CLOEXEC: 0o2000000,
  __O_SYNC: 0o4000000,
  O_SYNC: 0o4010000,
  O_RSYNC: 0o4010000,
  O_PATH: 0o10000000,
  __O_TMPFILE: 0o20000000,
  O_TMPFILE: 0o20200000,
};

/**
 * Parses a symbolic flags expression as strace prints it: "O_RDONLY|O_CLOEXEC",
 * "O_WRONLY|O_CREAT|0x40000000", "0100" (octal), "0x8000". Unknown names
 * throw: a flag we cannot value would silently misclassify.
 */
export function parseFlags(text: string): number {
  let v = 0;
  for (const raw of text.split('|')) {
    const part = raw.trim();
    if (part === '') continue;
    if (/^0x[0-9a-f]+$/i.test(part)) v |= parseInt(part, 16);
    else if (/^0[0-7]*$/.test(part)) v |= parseInt(part, 8);
    else if (/^[1-9]\d*$/.test(part)) v |= parseInt(part, 10);
    else if (part in OPEN_FLAGS) v |= OPEN_FLAGS[part];
    else throw new Error(`unknown open flag "${part}" in "${text}"`);
  }
  return v >>> 0;
}

/** The access bitmask of an open: the normalizer's own classification (`op` creat implies O_CREAT|O_WRONLY|O_TRUNC). */
export function accessOf(flags: number, ok: boolean, op = 'openat'): number {
  return classifyOpen(flags, ok ? 0 : -1, op);
}

/** The class string of an access mask, without the FAILED bit (the result is a separate field). */
export function accessClass(a: number): string {
  return accessString(a & ~Access.FAILED);
}

/** Class of an open from its flags. */
export function openClass(flags: number, ok: boolean, op = 'openat'): string {
  return accessClass(accessOf(flags, ok, op));
}

/** unlinkat's AT_REMOVEDIR. */
export const AT_REMOVEDIR = 0x200;
/** linkat's / execveat's AT_EMPTY_PATH. */
export const AT_EMPTY_PATH = 0x1000;
/** openat2's RESOLVE_IN_ROOT. */
export const RESOLVE_IN_ROOT = 0x10;
