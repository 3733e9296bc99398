/**
 * Shared fixtures for the log tests: a header, one record of every event
 * type, temporary files, and a projection helper to compare decoded
 * protobufjs messages with the plain objects they were written from.
 */
import { MAGIC, encodeHeader, encodeRecord } from '../../src/log/schema.js';
import type { LogHeader, LogRecord, Trailer } from '../../src/log/schema.js';
import { tmpdir as sharedTmpdir } from '../helpers/tmp.js';

/** start_ts: above 2^32 so 64-bit handling is exercised. */
export const START = 5_000_000_000;

export const HEADER: LogHeader = {
  format_version: 1,
  bt_version: '0.1.0',
  kernel_release: '6.1.0-test-amd64',
  hostname: 'testhost',
  clock: 'CLOCK_BOOTTIME',
  boot_to_wall_ns: 1_700_000_000_000_000_000,
  command: ['make', '-j2'],
  cwd: '/src',
  uid: 1000,
  gid: 1000,
  options: { env: 'yes' },
  start_ts: START,
  root_pid: 1234,
};

export const O_CLOEXEC = 0o2000000;
export const O_CREAT = 0o100;
export const O_TRUNC = 0o1000;
export const O_WRONLY = 1;

/** One record of every kind (and a few variants), in time order. */
export function sampleRecords(): LogRecord[] {
  return [
    { ts: START + 1_000, pid: 1234, tid: 1234, fork: { child: 1235, child_tid: 1235, ppid: 1234, thread: false } },
    {
      ts: START + 1_234_000,
      pid: 1235,
      tid: 1235,
      exec: {
        path: '/usr/bin/cc',
        argv: ['cc', '-c', 'foo.c', '-o', 'foo.o'],
        env: ['PATH=/usr/bin', 'HOME=/root'],
        cwd: '/src',
        errno: 0,
        op: 'execve',
        uid: 1000,
        gid: 1000,
        interp: '',
        old_tid: 1235,
        dirfd: -100,
        truncated: false,
        env_omitted: false,
      },
    },
    {
      ts: START + 1_500_000,
      pid: 1235,
      tid: 1235,
      exec: { path: 'nope', argv: ['nope'], env: [], cwd: '/src', errno: 2, op: 'execve', uid: 1000, gid: 1000, env_omitted: true },
    },
    {
      ts: START + 2_000_000,
      pid: 1235,
      tid: 1235,
      open: { path: 'foo.c', dirfd: -100, flags: O_CLOEXEC, mode: 0, fd: 3, errno: 0, op: 'openat', mtime: 1_700_000_000, mtime_nsec: 250, size: 4096 },
    },
    {
      ts: START + 2_100_000,
      pid: 1235,
      tid: 1235,
      open: { path: 'missing.h', dirfd: -100, flags: 0, mode: 0, fd: -1, errno: 2, op: 'openat' },
    },
    {
      ts: START + 2_200_000,
      pid: 1235,
      tid: 1236,
      open: {
        path: 'foo.o',
        dirfd: -100,
        flags: O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
        mode: 0o644,
        fd: 4,
        errno: 0,
        op: 'openat',
      },
    },
    { ts: START + 2_300_000, pid: 1235, tid: 1235, close: { fd: 3, errno: 0, op: 'close', last: 3 } },
    { ts: START + 2_400_000, pid: 1235, tid: 1235, dup: { oldfd: 4, newfd: 1, errno: 0, op: 'dup2', cloexec: false, arg: 1 } },
    {
      ts: START + 2_500_000,
      pid: 1235,
      tid: 1235,
      pipe: { read_fd: 5, write_fd: 6, errno: 0, flags: O_CLOEXEC, op: 'pipe2' },
    },
    {
      ts: START + 2_600_000,
      pid: 1235,
      tid: 1235,
      chdir: { path: 'sub', fd: -100, errno: 0, cwd: '/src/sub', op: 'chdir' },
    },
    {
      ts: START + 2_700_000,
      pid: 1235,
      tid: 1235,
      path: { op: 'unlinkat', path: 'foo.o', dirfd: -100, errno: 0, flags: 0 },
    },
    {
      ts: START + 2_800_000,
      pid: 1235,
      tid: 1235,
      path: { op: 'mkdir', path: 'out', dirfd: -100, errno: 17, mode: 0o755 },
    },
    {
      ts: START + 2_900_000,
      pid: 1235,
      tid: 1235,
      path2: { op: 'renameat2', from: 'a.tmp', to: 'a', errno: 0, flags: 1, olddirfd: -100, newdirfd: -100 },
    },
    {
      ts: START + 3_000_000,
      pid: 1235,
      tid: 1235,
      path2: { op: 'symlink', from: 'target', to: 'link', errno: 0 },
    },
    { ts: START + 3_100_000, pid: 0, tid: 0, lost: { count: 12, reason: 'ringbuf', from_ts: START + 3_000_000, to_ts: START + 3_100_000 } },
    { ts: START + 3_200_000, pid: 1235, tid: 1235, exit: { code: 0, signal: 0, core: false, status: 0 } },
    { ts: START + 3_300_000, pid: 1236, tid: 1236, exit: { code: 0, signal: 9, core: false, status: 9 } },
  ];
}

/** Records as bt normalize writes them (proc, seq, abspath, access, process). */
export function normalizedRecords(): LogRecord[] {
  return [
    {
      ts: START + 2_000_000,
      pid: 1235,
      tid: 1235,
      proc: 7,
      seq: 4,
      abspath: '/src/foo.c',
      access: 1,
      open: { path: 'foo.c', dirfd: -100, flags: O_CLOEXEC, mode: 0, fd: 3, errno: 0, op: 'openat' },
    },
    {
      ts: START + 2_900_000,
      pid: 1235,
      tid: 1235,
      proc: 7,
      seq: 13,
      abspath: '/src/a.tmp',
      abspath2: '/src/a',
      path2: { op: 'rename', from: 'a.tmp', to: 'a', errno: 0 },
    },
    {
      ts: START + 3_200_000,
      pid: 1235,
      tid: 1235,
      proc: 7,
      process: {
        proc: 7,
        pid: 1235,
        parent: 1,
        start_ts: START + 1_000,
        end_ts: START + 3_200_000,
        exit_code: 0,
        signal: 0,
        exe: '/usr/bin/cc',
        argv: ['cc', '-c', 'foo.c'],
        cwd: '/src',
      },
    },
  ];
}

export const TRAILER: Trailer = { end_ts: START + 4_000_000, exit_status: 0, exit_code: 0, exit_signal: 0 };

/** A fresh temporary directory, removed at process exit. */
export function tmpdir(prefix = 'bt-log-test-'): string {
  return sharedTmpdir(prefix);
}

/** The bytes a LogWriter writes for this header and these records (+ trailer record). */
export function logBytes(h: LogHeader, records: LogRecord[], trailer?: Trailer): { bytes: Buffer; offsets: number[] } {
  const parts: Uint8Array[] = [MAGIC, encodeHeader(h)];
  const offsets: number[] = [];
  let off = MAGIC.length + parts[1]!.length;
  const all = trailer ? [...records, { ts: trailer.end_ts, pid: 0, tid: 0, trailer }] : records;
  for (const r of all) {
    const b = encodeRecord(r);
    offsets.push(off);
    off += b.length;
    parts.push(b);
  }
  return { bytes: Buffer.concat(parts), offsets };
}

/**
 * `actual` reduced to the keys of `expected` (recursively for plain
 * objects), so a decoded message can be deepStrictEqual'ed to its input.
 */
export function project(actual: unknown, expected: unknown): unknown {
  if (Array.isArray(expected)) return Array.isArray(actual) ? [...(actual as unknown[])] : actual;
  if (expected !== null && typeof expected === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(expected)) {
      out[k] = project((actual as Record<string, unknown> | undefined)?.[k], (expected as Record<string, unknown>)[k]);
    }
    return out;
  }
  return actual;
}
