/**
 * Real eBPF capture of the questions a program asks the file system
 * (test-programs/lookups.c): every lookup (stat, lstat, newfstatat, statx,
 * access, faccessat, faccessat2, readlink, readlinkat), directory listing
 * (getdents64) and metadata change (chmod, chown, truncate, utime
 * families), each record exactly as `bt dump --json` shows it after
 * `bt normalize`, and repeated identical lookups counted in the kernel.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { toJson } from '../../src/log/dump.js';
import type { LogRecord } from '../../src/log/schema.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { prog, tmpdir, trace } from '../helpers/trace.js';

const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const ENOENT = 2, EINVAL = 22, ENOTDIR = 20;
const UTIME_OMIT = (1 << 30) - 2;
const F = 3; // f.txt's fd
const D = 4; // dfd: the directory "sub"

ebpfTest('lookups, listings and metadata changes: each record exactly, repeats counted in the kernel', async () => {
  const dir = tmpdir();
  const t = await trace([prog('lookups'), dir]);
  assert.equal(t.code, 0, t.stderr);
  const pid = t.log.records.find((r) => r.exec && r.exec.path === prog('lookups'))!.pid;
  const norm = normalizeRecords(t.log.header, t.log.records.filter((r) => r.pid === pid));
  const chdirTs = norm.records.find((r) => r.chdir)!.ts;
  const rel = (abs: string | undefined) => (abs === undefined ? '?' : path.relative(dir, abs) || '.');
  const shown = (r: LogRecord) => {
    const o = toJson(r, t.log.header) as Record<string, unknown>;
    for (const k of ['ts', 'pid', 'tid', 'proc', 'seq']) delete o[k];
    o.abspath = rel(o.abspath as string | undefined);
    if (o.type !== 'readdir') o.dirfd = o.dirfd === AT_FDCWD ? 'cwd' : o.dirfd === D ? 'sub' : o.dirfd === F ? 'f.txt' : o.dirfd;
    // stat results: f.txt's mtime is set by the program, the others are "now"
    if (typeof o.mtime === 'number' && o.op !== 'utime' && !String(o.op).startsWith('utime') && !String(o.op).startsWith('futime')) {
      if (o.ftype && o.ftype !== 'file') {
        assert.ok((o.mtime as number) > 1.7e9, `mtime of ${o.path}`);
        o.mtime = 'now';
        delete o.mtime_nsec;
      } else if (o.ftype !== 'file') {
        assert.deepEqual([o.mtime, o.mtime_nsec], [0, 0]);
        delete o.mtime;
        delete o.mtime_nsec;
      }
    }
    if (o.truncated === false) delete o.truncated;
    return o;
  };
  const got = norm.records.filter((r) => r.ts > chdirTs && (r.lookup || r.readdir || r.meta)).map(shown);

  const T0 = { mtime: 1000000000, mtime_nsec: 7 };
  const L = (op: string, p: string, dirfd: string, flags: number, mode: number, errno: number, ftype: string, abspath: string, more: object = {}) => ({
    type: op.startsWith('stat') || op.endsWith('stat') || op === 'statx' || op === 'newfstatat' ? 'stat' : op.includes('access') ? 'access' : 'readlink',
    abspath, op, path: p, dirfd, flags, mode, errno, ftype, ...(ftype && ftype !== 'file' ? { mtime: 'now' } : {}), target: '', repeats: 0, ...more,
  });
  const M = (type: string, op: string, p: string, dirfd: string, flags: number, errno: number, abspath: string, fields: object) => ({
    type, abspath, op, path: p, dirfd, flags, errno, ...fields,
  });
  const RD = (fd: number, entries: number, calls: number, errno: number, partial: boolean, abspath: string) => ({
    type: 'readdir', abspath, op: 'getdents64', fd, entries, calls, errno, partial,
  });
  const none = { uid: -1, gid: -1 };
  assert.deepEqual(got, [
    M('utime', 'utimensat', 'f.txt', 'cwd', 0, 0, 'f.txt', { times_now: false, atime: 0, atime_nsec: UTIME_OMIT, ...T0 }),
    L('stat', 'f.txt', 'cwd', 0, 0, 0, 'file', 'f.txt', T0),
    L('stat', 'missing', 'cwd', 0, 0, ENOENT, '', 'missing'),
    L('lstat', 'ln', 'cwd', 0, 0, 0, 'symlink', 'ln'),
    L('newfstatat', 'ln', 'cwd', 0, 0, 0, 'file', 'ln', T0),
    L('newfstatat', 'ln', 'cwd', AT_SYMLINK_NOFOLLOW, 0, 0, 'symlink', 'ln'),
    L('newfstatat', '..', 'sub', 0, 0, 0, 'dir', '.'),
    // newfstatat(dfd, "", AT_EMPTY_PATH) is fstat: not recorded
    L('statx', 'f.txt', 'cwd', 0, 0x7ff, 0, 'file', 'f.txt', T0),
    L('statx', 'nope', 'sub', AT_SYMLINK_NOFOLLOW, 1, ENOENT, '', 'sub/nope'),
    L('access', 'f.txt', 'cwd', 0, 4, 0, '', 'f.txt'),
    L('access', 'missing', 'cwd', 0, 0, ENOENT, '', 'missing'),
    L('faccessat', '../f.txt', 'sub', 0, 2, 0, '', 'f.txt'),
    L('faccessat2', 'ln', 'cwd', AT_SYMLINK_NOFOLLOW, 4, 0, '', 'ln'),
    L('readlink', 'ln', 'cwd', 0, 0, 0, '', 'ln', { target: 'f.txt' }),
    L('readlink', 'f.txt', 'cwd', 0, 0, EINVAL, '', 'f.txt'),
    L('readlinkat', '../ln', 'sub', 0, 0, 0, '', 'ln', { target: 'f.txt' }),
    // stat "sub" x4 and access "nothere" x3, interleaved: the first of each,
    // then their first repetition standing for the rest (1 + repeats)
    L('stat', 'sub', 'cwd', 0, 0, 0, 'dir', 'sub'),
    L('access', 'nothere', 'cwd', 0, 0, ENOENT, '', 'nothere'),
    L('stat', 'sub', 'cwd', 0, 0, 0, 'dir', 'sub', { repeats: 2 }),
    L('access', 'nothere', 'cwd', 0, 0, ENOENT, '', 'nothere', { repeats: 1 }),
    RD(5, 5, 2, 0, false, '.'),
    RD(5, 2, 1, 0, true, 'sub'),
    RD(F, 0, 1, ENOTDIR, false, 'f.txt'),
    M('chmod', 'chmod', 'f.txt', 'cwd', 0, 0, 'f.txt', { mode: 0o600 }),
    M('chmod', 'fchmod', '', 'f.txt', 0, 0, 'f.txt', { mode: 0o640 }),
    M('chmod', 'fchmodat', '../f.txt', 'sub', 0, 0, 'f.txt', { mode: 0o644 }),
    M('chmod', 'chmod', 'missing', 'cwd', 0, ENOENT, 'missing', { mode: 0o600 }),
    M('chown', 'chown', 'f.txt', 'cwd', 0, 0, 'f.txt', none),
    M('chown', 'lchown', 'ln', 'cwd', 0, 0, 'ln', none),
    M('chown', 'fchown', '', 'f.txt', 0, 0, 'f.txt', none),
    M('chown', 'fchownat', 'ln', 'cwd', AT_SYMLINK_NOFOLLOW, 0, 'ln', none),
    M('truncate', 'truncate', 'f.txt', 'cwd', 0, 0, 'f.txt', { size: 10 }),
    M('truncate', 'ftruncate', '', 'f.txt', 0, 0, 'f.txt', { size: 5 }),
    M('truncate', 'truncate', 'missing', 'cwd', 0, ENOENT, 'missing', { size: 0 }),
    M('utime', 'utime', 'f.txt', 'cwd', 0, 0, 'f.txt', { times_now: false, atime: 1000, atime_nsec: 0, mtime: 2000, mtime_nsec: 0 }),
    M('utime', 'utimes', 'f.txt', 'cwd', 0, 0, 'f.txt', { times_now: true, atime: 0, atime_nsec: 0, mtime: 0, mtime_nsec: 0 }),
    M('utime', 'utimensat', 'f.txt', 'cwd', 0, 0, 'f.txt', { times_now: false, atime: 1, atime_nsec: 2, mtime: 3, mtime_nsec: UTIME_OMIT }),
    M('utime', 'futimesat', '../f.txt', 'sub', 0, 0, 'f.txt', { times_now: false, atime: 5, atime_nsec: 6000, mtime: 7, mtime_nsec: 8000 }),
    M('utime', 'utimensat', '', 'f.txt', 0, 0, 'f.txt', { times_now: false, atime: 9, atime_nsec: 10, mtime: 11, mtime_nsec: 12 }),
    // the same stat as the first one, with another result (mtime): not a repetition
    L('stat', 'f.txt', 'cwd', 0, 0, 0, 'file', 'f.txt', { mtime: 11, mtime_nsec: 12 }),
  ]);
  // Nothing was lost, and the log says how often each lookup happened.
  assert.deepEqual(t.log.trailer?.lost, { ringbuf: 0, pair_map: 0, read: 0, truncated: 0, unknown_op: 0, exit_flag: 0, listing: 0 });
  const times = (p: string) =>
    norm.records.filter((r) => r.lookup?.path === p).reduce((n, r) => n + 1 + (r.lookup!.repeats ?? 0), 0);
  assert.deepEqual([times('sub'), times('nothere'), times('f.txt')], [4, 3, 5]);
});


ebpfTest('a listing whose directory an exec closes is not given to the next file with that fd', async () => {
  const dir = tmpdir();
  for (const f of ['a', 'b', 'c']) fs.writeFileSync(path.join(dir, f), '');
  const t = await trace([prog('listexec'), dir]);
  assert.equal(t.code, 0, t.stderr);
  const pid = t.log.records.find((r) => r.exec && r.exec.path === prog('listexec'))!.pid;
  // cat opened /dev/null with the fd number the directory had, and closed it
  const devnull = t.log.records.find((r) => r.pid === pid && r.open?.path === '/dev/null')!;
  assert.ok(devnull, 'cat opened /dev/null');
  assert.ok(t.log.records.some((r) => r.pid === pid && r.close?.fd === devnull.open!.fd));
  // the listing was neither ended nor closed by a call: no readdir record, least of all for /dev/null
  assert.deepEqual(t.log.records.filter((r) => r.pid === pid && r.readdir), []);
});

ebpfTest('a thread that repeats a lookup and then execs (taking the leader\'s pid) keeps its count', async () => {
  const dir = tmpdir();
  const t = await trace([prog('thread-exec'), dir, '6']);
  assert.equal(t.code, 0, t.stderr);
  const exec = t.log.records.find((r) => r.exec && r.exec.path === '/bin/true')!;
  assert.ok(exec, 'the thread exec\'d /bin/true');
  assert.notEqual(exec.exec!.old_tid, exec.pid, 'the exec came from a thread other than the leader');
  const stats = t.log.records.filter((r) => r.lookup?.path === dir);
  // the first lookup, then its first repetition standing for the other five
  assert.deepEqual(stats.map((r) => [r.tid, r.lookup!.repeats ?? 0]), [[exec.exec!.old_tid, 0], [exec.exec!.old_tid, 4]]);
  assert.equal(t.log.trailer?.lost?.repeat_count, undefined);
});

ebpfTest('a listing one thread starts and another closes before its end is recorded, cut short; one an exec cuts off is not', async () => {
  const dir = tmpdir();
  for (const f of ['a', 'b', 'c', 'a-longer-name-than-the-buffer-holds']) fs.writeFileSync(path.join(dir, f), '');
  const t = await trace([prog('listing-threads'), dir]);
  assert.equal(t.code, 0, t.stderr);
  const root = t.log.header.root_pid;
  const listings = t.log.records.filter((r) => r.readdir);
  assert.equal(listings.length, 1, JSON.stringify(listings));
  const [l] = listings;
  assert.equal(l.pid, root);
  assert.equal(l.tid, root, 'recorded at the close, by the main thread');
  assert.equal(l.readdir!.partial, true);
  assert.equal(l.readdir!.calls, 1);
  assert.ok(l.readdir!.entries > 0 && l.readdir!.entries < 6, `entries ${l.readdir!.entries}`);
  const lister = t.log.records.find((r) => r.fork?.thread)!;
  assert.ok(lister, 'the listing thread');
  assert.equal(Object.values(t.log.trailer?.lost ?? {}).reduce((a, b) => a + b, 0), 0);
});

ebpfTest('oploop, the bench\'s per-op loop, is recorded as the bench reads it: each call, a repeated one counted, fstat not at all', async () => {
  const run = async (op: string, n: number) => {
    const t = await trace([prog('oploop'), op, String(n)]);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stderr, new RegExp(`oploop: ${op} ${n} calls, \\d+ ns per call`));
    const pid = t.log.records.find((r) => r.exec && r.exec.path === prog('oploop'))!.pid;
    const exec = t.log.records.findIndex((r) => r.pid === pid && r.exec);
    // the program's own calls: after its exec (the loader's come first)
    return t.log.records.slice(exec).filter((r) => r.pid === pid);
  };
  const dups = (await run('dup2', 500)).filter((r) => r.dup);
  assert.equal(dups.length, 500);
  assert.deepEqual(new Set(dups.map((r) => JSON.stringify([r.dup!.op, r.dup!.oldfd, r.dup!.newfd, r.dup!.errno ?? 0]))), new Set([JSON.stringify(['dup2', 1, 9, 0])]));

  // 1000 paths in turn, twice: more than a thread's repeat table holds, so every call is a record
  const missing = (await run('stat-missing', 2000)).filter((r) => r.lookup?.path?.startsWith('/nonexistent/'));
  assert.deepEqual(missing.map((r) => r.lookup!.path), Array.from({ length: 2000 }, (_, i) => `/nonexistent/oploop-${i % 1000}`));
  assert.ok(missing.every((r) => r.lookup!.op === 'newfstatat' && r.lookup!.errno === ENOENT && !r.lookup!.repeats));

  // one lookup 500 times: the first call, then records that carry the counts of the others
  const root = (await run('stat', 500)).filter((r) => r.lookup?.path === '/');
  assert.equal(root[0]!.lookup!.repeats ?? 0, 0);
  assert.ok(root.length >= 2 && root.length <= 4, `${root.length} records (the second and any later one carry counts)`);
  assert.equal(root.reduce((a, r) => a + 1 + (r.lookup!.repeats ?? 0), 0), 500);

  // fstat (newfstatat of fd 1 with an empty path) is a question about an open file: no record
  const fstats = (await run('fstat', 500)).filter((r) => r.lookup && r.lookup.path === '');
  assert.deepEqual(fstats, []);
});
