/**
 * Careful output files: the one module every command that writes a file
 * goes through (bt trace's log, bt normalize's log, bt graph -o, bt view
 * --html, bt export -o; bt export parquet's directory: openOutputDir).
 *
 * bt often runs as root (sudo) in directories other users can write to
 * (/tmp). Rules:
 *  - Files are created and opened with the identity of the invoking user
 *    (SUDO_UID/SUDO_GID and their groups) when root runs on their behalf:
 *    bt never writes where that user could not. A new file is created with
 *    O_CREAT|O_EXCL|O_NOFOLLOW, so it belongs to the user without a chown.
 *  - A directory on the way that is a symbolic link another user made in a
 *    sticky, world-writable directory is not followed (fs.protected_symlinks'
 *    rule, which bt keeps where the kernel does not).
 *  - A symbolic link at the path is not followed, except to a character
 *    device, a FIFO or a socket (/dev/stdout, /dev/null) or, for atomic
 *    outputs, to the user's own regular file from the user's own link.
 *  - Nor is a link at the path (or on a chain of links from it) that another
 *    user made in a sticky, world-writable directory, whatever it leads to;
 *    nor is a FIFO, device or socket opened that another user made in a
 *    sticky directory others can write (fs.protected_symlinks' and
 *    fs.protected_fifos=2's rules, kept by bt whatever the sysctls say:
 *    plantedLast).
 *  - An existing regular file is overwritten only if it belongs to the
 *    user; it is never chowned.
 *  - A character device, FIFO or socket (or stdout, "-") is written in
 *    place, never renamed over. A FIFO is opened without blocking: with no
 *    reader, that is one line, not a hang.
 *  - An existing regular file with something in it is replaced by an
 *    atomic output only if it is of the kind the command writes
 *    (OutputOptions.replace: log/replace.ts), unless --force.
 *  - Atomic outputs (bt normalize, bt graph, bt view, bt export) are written to a temporary
 *    file with an unpredictable name, created O_EXCL in the output's
 *    directory, and renamed into place by commit().
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { LogError } from '../errors.js';
import { absolutePath, describeFsError, fsCode, workingDir, writeAllSync } from './io.js';
import { checkReplace, type ReplaceRule } from './replace.js';

/** 12 unpredictable characters. node:crypto is loaded only here: bt trace, which writes in place, starts ~5 ms sooner without it. */
function randomName(): string {
  const crypto = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return crypto.randomBytes(9).toString('base64url');
}

/** Whose file it is: the invoking user of a sudo'ed bt, or bt's own identity (uid -1). */
export interface Owner {
  uid: number;
  gid: number;
  /** For the supplementary groups. */
  name?: string;
}

export const SELF: Owner = { uid: -1, gid: -1 };

/** The user root acts for: SUDO_UID/SUDO_GID when bt runs as root through sudo, else bt itself. */
export function invokingUser(env: NodeJS.ProcessEnv = process.env): Owner {
  const uid = Number(env.SUDO_UID);
  const gid = Number(env.SUDO_GID);
  if (process.geteuid?.() !== 0 || !env.SUDO_UID || !Number.isInteger(uid) || uid < 0 || uid === 0) return SELF;
  return { uid, gid: Number.isInteger(gid) && gid >= 0 ? gid : uid, name: env.SUDO_USER || undefined };
}

/** Runs fn with the effective uid/gid and groups of `owner` (no-op for SELF or when not root). */
export function asUser<T>(owner: Owner, fn: () => T): T {
  if (owner.uid < 0 || process.geteuid?.() !== 0) return fn();
  let restore: () => void;
  try {
    restore = identitySwitch(owner);
  } catch (err) {
    throw new LogError('E_OUTPUT', `cannot take the identity of uid ${owner.uid}: ${describeFsError(err)}`, { cause: err });
  }
  try {
    return fn();
  } finally {
    restore();
  }
}

/** Takes owner's identity for file access (groups, gid, uid); returns how to take bt's back. */
export type IdentitySwitch = (owner: Owner) => () => void;

/**
 * Node's seteuid and friends: glibc changes the credentials of every thread
 * of the process, whatever work they are doing (a BPF load gets EPERM).
 */
const processWide: IdentitySwitch = (owner) => {
  if (!process.seteuid || !process.setegid || !process.setgroups) return () => {};
  const groups = process.getgroups!();
  const egid = process.getegid!();
  const restore = () => {
    process.seteuid!(0);
    process.setegid!(egid);
    process.setgroups!(groups);
  };
  try {
    if (owner.name) {
      try {
        (process as unknown as { initgroups(user: string, gid: number): void }).initgroups(owner.name, owner.gid);
      } catch {
        process.setgroups([owner.gid]);
      }
    } else process.setgroups([owner.gid]);
    process.setegid(owner.gid);
    process.seteuid(owner.uid);
  } catch (err) {
    restore();
    throw err;
  }
  return restore;
};

let identitySwitch: IdentitySwitch = processWide;

/**
 * bt trace takes the user's identity on its main thread alone
 * (capture/identity.ts), while its BPF programs load as root on another.
 */
export function useIdentitySwitch(sw: IdentitySwitch): void {
  identitySwitch = sw;
}

export type OutputKind = 'stdout' | 'file' | 'device' | 'fifo';

/** An open output. */
export interface OutputFile {
  /** The path given ('-' for stdout). */
  readonly path: string;
  readonly fd: number;
  readonly kind: OutputKind;
  /** Atomic outputs: renames the temporary file into place (after closing fd). Others: nothing. */
  commit(): void;
  /** Removes the temporary file (atomic outputs). Idempotent. */
  abort(): void;
}

export interface OutputOptions {
  owner?: Owner;
  /** Mode of a new file (default 0600). */
  mode?: number;
  /** Called with the fd of an existing regular file before it is truncated (a lock, a look at what it holds: throw to refuse). */
  beforeTruncate?: (fd: number) => void;
  /** Open an existing file for reading too, so that beforeTruncate can read it. */
  readExisting?: boolean;
  /** What the file is, for messages ("log", "graph"). */
  what?: string;
  /**
   * Atomic outputs: an existing regular file with something in it is
   * replaced only if it is of this kind (log/replace.ts), else refused
   * (LogError E_REPLACE) before anything is written.
   */
  replace?: ReplaceRule;
}

const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
const O_CLOEXEC_ = (fs.constants as Record<string, number>).O_CLOEXEC ?? 0o2000000;

function fail(file: string, what: string, why: string, err?: unknown): never {
  throw new LogError('E_OUTPUT', `cannot write the ${what} ${file}: ${why}`, err ? { cause: err } : undefined);
}

function lstatOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    if (fsCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

function isSpecial(st: fs.Stats): boolean {
  return st.isCharacterDevice() || st.isFIFO() || st.isSocket();
}

function ownerUid(owner: Owner): number {
  return owner.uid >= 0 ? owner.uid : (process.geteuid?.() ?? 0);
}

/** Opens a char device / FIFO / socket (following links, plantedLast's rules kept) as the user, without blocking on a FIFO. */
function openSpecial(file: string, what: string, owner: Owner): OutputFile {
  const checked = plantedLast(file, what, owner);
  let fd: number;
  try {
    fd = asUser(owner, () => fs.openSync(file, O_WRONLY | O_NONBLOCK | O_CLOEXEC_));
  } catch (err) {
    if (fsCode(err) === 'ENXIO') fail(file, what, 'it is a FIFO with no reader: start the reader first');
    fail(file, what, describeFsError(err), err);
  }
  const st = fs.fstatSync(fd);
  // a FIFO put in place of the one checked (a device opens as the device it names: /dev/tty is the terminal's)
  if (!st.isCharacterDevice() && (!checked || checked.dev !== st.dev || checked.ino !== st.ino)) {
    fs.closeSync(fd);
    fail(file, what, 'it keeps changing under bt');
  }
  const kind: OutputKind = st.isFIFO() || st.isSocket() ? 'fifo' : 'device';
  return { path: file, fd, kind, commit() {}, abort() {} };
}

/** Kernel pseudo-file systems (statfs f_type): proc, sysfs, debugfs, tracefs, cgroup, cgroup2, bpffs, securityfs, configfs. */
const PSEUDO_FS = new Set([0x9fa0, 0x62656572, 0x64626720, 0x74726163, 0x27e0eb, 0x63677270, 0xcafe4a11, 0x73636673, 0x62656570]);

function onPseudoFs(file: string): boolean {
  try {
    return PSEUDO_FS.has(Number(fs.statfsSync(file).type));
  } catch {
    return false;
  }
}

function refuseExisting(file: string, what: string, st: fs.Stats, owner: Owner): void {
  if (st.isDirectory()) fail(file, what, 'it is a directory: give a file name');
  if (!st.isFile()) fail(file, what, 'it is not a regular file, a character device or a FIFO');
  if (st.uid !== ownerUid(owner)) {
    fail(file, what, `it belongs to another user (uid ${st.uid}): bt does not overwrite other users' files; remove it or choose another path`);
  }
  if (st.nlink > 1) {
    fail(file, what, `it has ${st.nlink} hard links: bt does not overwrite a file that has other names; remove it or choose another path`);
  }
  // a kernel setting or status: never truncated or chmod'ed for a log (a write would fail after that)
  if (onPseudoFs(file)) fail(file, what, 'it is a kernel pseudo-file (/proc, /sys): choose a file on a real file system');
}

/**
 * Refuses to replace the regular file `final` (the path given: `file`;
 * `st`: what was checked at it) unless `rule` accepts what it holds. It is
 * read as the user: a file the user cannot read is refused too.
 */
function refuseOtherKind(final: string, file: string, what: string, st: fs.Stats, owner: Owner, rule: ReplaceRule): void {
  if (rule.force || st.size === 0) return;
  let fd: number;
  try {
    fd = asUser(owner, () => fs.openSync(final, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC_));
  } catch (err) {
    if (fsCode(err) === 'ENOENT') return; // gone meanwhile: nothing is replaced
    fail(file, what, `it cannot be read to tell what it holds (${describeFsError(err)}): remove it, choose another path or pass --force`, err);
  }
  try {
    const now = fs.fstatSync(fd);
    if (!now.isFile() || now.dev !== st.dev || now.ino !== st.ino) fail(file, what, 'it keeps changing under bt');
    checkReplace(fd, file, rule);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Refuses a path whose directories go through a symbolic link another user
 * planted in a sticky, world-writable directory (/tmp): the rule of the
 * kernel's fs.protected_symlinks, which is off on some systems, kept by bt
 * itself (a link is followed there only when it belongs to whoever follows
 * it or to the directory's owner). O_NOFOLLOW guards the last component only.
 */
function refusePlantedDirs(file: string, what: string, owner: Owner, walk = file): void {
  const follower = ownerUid(owner);
  // as the kernel walks it: `..` after a link is the parent of where the link leads, not of the link
  const cwd = path.isAbsolute(walk) ? '/' : workingDir();
  // a working directory with no name (deleted, deeper than PATH_MAX): the relative path from /proc/self/cwd,
  // every step resolved by the kernel (`..` and links included), as the open will be
  const physical = cwd === undefined;
  const parts = (physical ? walk : path.isAbsolute(walk) ? walk : `${cwd}/${walk}`).split('/').slice(physical ? 0 : 1, -1);
  let dir = physical ? '/proc/self/cwd' : '/';
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      dir = physical ? `${dir}/..` : path.dirname(dir);
      continue;
    }
    const at = dir === '/' ? `/${part}` : `${dir}/${part}`;
    const st = lstatOrUndefined(at);
    if (!st) return; // the rest does not exist: creating the file fails on its own
    if (!st.isSymbolicLink()) {
      dir = at;
      continue;
    }
    const d = fs.statSync(dir);
    if (planted(st, d, follower, 0o002)) plantedLink(file, what, at, st, dir);
    if (physical) {
      dir = at; // the kernel follows it at the next step
      continue;
    }
    try {
      dir = fs.realpathSync(at);
    } catch {
      return; // a dangling link: creating the file fails on its own
    }
  }
}

/**
 * True when `st`, an entry of the directory `d`, is one that the kernel's
 * protected_symlinks / protected_fifos rules keep from `follower`: made by
 * neither the follower nor the directory's owner, in a sticky directory
 * that others can write (`others`: 0o002 world-writable, for links; 0o022
 * world- or group-writable, for FIFOs and devices as protected_fifos=2).
 */
function planted(st: fs.Stats, d: fs.Stats, follower: number, others: number): boolean {
  return st.uid !== follower && st.uid !== d.uid && (d.mode & 0o1000) !== 0 && (d.mode & others) !== 0;
}

function plantedLink(file: string, what: string, at: string, st: fs.Stats, dir: string): never {
  fail(file, what, `${at} is a symbolic link that uid ${st.uid} made in the shared directory ${dir}: bt does not follow it; give the real path`);
}

const PROC_FS = 0x9fa0;

/**
 * The last component of `file`, where O_NOFOLLOW cannot guard it (a link bt
 * follows to a FIFO or a device, a FIFO or a device itself): every link of
 * the chain from it is checked as refusePlantedDirs checks the directories
 * (fs.protected_symlinks), with the directories on the way to its target,
 * and what the chain ends at is refused when it is a FIFO, device or socket
 * that another user made in a sticky directory others can write
 * (fs.protected_fifos=2; bt holds to both whatever the sysctls say). Links
 * in /proc (/dev/stdout: /proc/self/fd/1) name a file bt already has open,
 * as the kernel follows them. Returns what the chain ends at (undefined when
 * nothing: a dangling link, a loop).
 */
function plantedLast(file: string, what: string, owner: Owner): fs.Stats | undefined {
  const follower = ownerUid(owner);
  let at = file;
  for (let hops = 0; hops <= 40; hops++) {
    const st = lstatOrUndefined(at);
    if (!st) return undefined;
    const dir = path.dirname(at);
    const d = fs.statSync(dir);
    if (st.isSymbolicLink()) {
      if (planted(st, d, follower, 0o002)) plantedLink(file, what, at, st, dir);
      let proc = false;
      try {
        proc = Number(fs.statfsSync(dir).type) === PROC_FS;
      } catch {
        /* not there any more: the open says so */
      }
      if (proc) return symlinkTarget(at, owner);
      const to = fs.readlinkSync(at);
      // not normalized: the kernel resolves `..` after a link in `dir` as refusePlantedDirs does
      at = path.isAbsolute(to) ? to : `${dir}/${to}`;
      refusePlantedDirs(file, what, owner, at);
      continue;
    }
    if (isSpecial(st) && planted(st, d, follower, 0o022)) {
      const kind = st.isFIFO() ? 'FIFO' : st.isSocket() ? 'socket' : 'device';
      fail(file, what, `${at} is a ${kind} that uid ${st.uid} made in the shared directory ${dir}: bt does not write into another user's ${kind} there; remove it or choose another path`);
    }
    return st;
  }
  return undefined; // a loop: the open says so
}

function symlinkTarget(file: string, owner: Owner): fs.Stats | undefined {
  try {
    return asUser(owner, () => fs.statSync(file));
  } catch {
    return undefined;
  }
}

/**
 * Opens `file` to be written in place (bt trace's log: it must be readable
 * up to the last flush if bt dies). '-' is stdout.
 */
export function openOutputInPlace(file: string, opts: OutputOptions = {}): OutputFile {
  const owner = opts.owner ?? SELF;
  const what = opts.what ?? 'log';
  if (file === '-') return { path: file, fd: 1, kind: 'stdout', commit() {}, abort() {} };
  refusePlantedDirs(file, what, owner);
  for (let attempt = 0; ; attempt++) {
    const st = lstatOrUndefined(file);
    if (st?.isSymbolicLink()) {
      const target = symlinkTarget(file, owner);
      if (target && isSpecial(target)) return openSpecial(file, what, owner);
      fail(file, what, 'it is a symbolic link: bt does not write through links to files; remove it or give the real path');
    }
    if (st && isSpecial(st)) return openSpecial(file, what, owner);
    if (st) {
      refuseExisting(file, what, st, owner);
      let fd: number;
      try {
        fd = asUser(owner, () => fs.openSync(file, (opts.readExisting ? O_RDWR : O_WRONLY) | O_NOFOLLOW | O_CLOEXEC_));
      } catch (err) {
        if (fsCode(err) === 'ENOENT' && attempt < 3) continue; // removed meanwhile: create it
        fail(file, what, describeFsError(err), err);
      }
      const now = fs.fstatSync(fd);
      if (now.ino !== st.ino || now.dev !== st.dev || !now.isFile()) {
        fs.closeSync(fd);
        if (attempt < 3) continue; // replaced meanwhile: look again
        fail(file, what, 'it keeps changing under bt');
      }
      try {
        opts.beforeTruncate?.(fd);
        fs.ftruncateSync(fd, 0);
        fs.fchmodSync(fd, opts.mode ?? 0o600);
      } catch (err) {
        fs.closeSync(fd);
        if (err instanceof LogError) throw err;
        fail(file, what, describeFsError(err), err);
      }
      return { path: file, fd, kind: 'file', commit() {}, abort() {} };
    }
    try {
      const fd = asUser(owner, () => fs.openSync(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC_, opts.mode ?? 0o600));
      try {
        opts.beforeTruncate?.(fd);
      } catch (err) {
        fs.closeSync(fd);
        throw err;
      }
      return { path: file, fd, kind: 'file', commit() {}, abort() {} };
    } catch (err) {
      if (err instanceof LogError) throw err;
      if (fsCode(err) === 'EEXIST' && attempt < 3) continue; // created meanwhile: look again
      fail(file, what, `${describeFsError(err)}${createHint(file, err, owner)}`, err);
    }
  }
}

function createHint(file: string, err: unknown, owner: Owner): string {
  const code = fsCode(err);
  const dir = path.dirname(absolutePath(file));
  if (code === 'EACCES' || code === 'EPERM') {
    return owner.uid >= 0 ? `: uid ${owner.uid} (who ran sudo) cannot create files in ${dir}; choose another path` : `: files cannot be created in ${dir}; choose another path`;
  }
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    // /proc/x: the directory is there, but no file can be made in it
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(dir);
    } catch {
      /* not there */
    }
    if (!st) return ': the directory does not exist';
    return st.isDirectory() ? `: files cannot be created in ${dir}; choose another path` : `: ${dir} is not a directory`;
  }
  if (code === 'ENOSPC') return ': the disk is full';
  if (code === 'EROFS') return ': the file system is read-only';
  return '';
}

/** True when `file` (a link not followed) is still the file `id` describes: not removed, not replaced, still reachable. */
export function stillFile(file: string, id: { dev: number; ino: number }): boolean {
  try {
    const st = fs.lstatSync(file);
    return st.ino === id.ino && st.dev === id.dev;
  } catch {
    return false;
  }
}

/**
 * Refuses an output that is the input being read (the same path, or the
 * same file through a link): writing it would replace the log. A LogError
 * E_SAME_FILE.
 */
export function refuseInputAsOutput(input: string, output: string): void {
  if (output === '-') return;
  let same = absolutePath(input) === absolutePath(output);
  if (!same) {
    try {
      const a = fs.statSync(input);
      const b = fs.statSync(output);
      same = a.dev === b.dev && a.ino === b.ino;
    } catch {
      // one of them does not exist: not the same file
    }
  }
  if (same) throw new LogError('E_SAME_FILE', `the output ${output} is the input: choose another name with -o`);
}

/** True when `file` is written in place by openOutputAtomic: '-', or a device, FIFO or socket (or a link to one). */
export function isInPlaceOutput(file: string, owner: Owner = SELF): boolean {
  if (file === '-') return true;
  const st = lstatOrUndefined(file);
  if (!st) return false;
  if (st.isSymbolicLink()) {
    const target = symlinkTarget(file, owner);
    if (!target || !isSpecial(target)) return false;
  } else if (!isSpecial(st)) return false;
  try {
    plantedLast(file, 'output', owner);
  } catch {
    return false; // refused: openOutputAtomic says why, before anything is written
  }
  return true;
}

/**
 * Opens an output that appears only when complete: a temporary file next
 * to `file`, renamed into place by commit(). A device, FIFO or socket at
 * `file` (or '-') is written in place instead.
 */
export function openOutputAtomic(file: string, opts: OutputOptions = {}): OutputFile {
  const owner = opts.owner ?? SELF;
  const what = opts.what ?? 'output';
  if (file === '-') return { path: file, fd: 1, kind: 'stdout', commit() {}, abort() {} };
  refusePlantedDirs(file, what, owner);
  let final = file;
  const st = lstatOrUndefined(file);
  if (st?.isSymbolicLink()) {
    const target = symlinkTarget(file, owner);
    if (target && isSpecial(target)) return openSpecial(file, what, owner);
    // the user's own link to the user's own file: replace the file it points to
    if (target?.isFile() && st.uid === ownerUid(owner) && target.uid === ownerUid(owner)) {
      // every hop of the chain, not only the first: a link another user planted on the way is refused
      plantedLast(file, what, owner);
      try {
        final = asUser(owner, () => fs.realpathSync(absolutePath(file)));
      } catch (err) {
        fail(file, what, `it is a symbolic link bt cannot resolve (${describeFsError(err)}): give the real path`, err);
      }
      const resolved = lstatOrUndefined(final);
      if (!resolved || resolved.dev !== target.dev || resolved.ino !== target.ino) {
        fail(file, what, 'it is a symbolic link whose target changed while bt resolved it: give the real path');
      }
      if (opts.replace) refuseOtherKind(final, file, what, resolved, owner, opts.replace);
    } else {
      fail(file, what, 'it is a symbolic link: bt does not write through links it or you do not own; remove it or give the real path');
    }
  } else if (st && isSpecial(st)) {
    return openSpecial(file, what, owner);
  } else if (st) {
    refuseExisting(file, what, st, owner);
    if (opts.replace) refuseOtherKind(final, file, what, st, owner, opts.replace);
  }
  const dir = path.dirname(final);
  let tmp = '';
  let fd = -1;
  for (let i = 0; fd < 0; i++) {
    tmp = path.join(dir, `.${path.basename(final)}.${randomName()}.tmp`);
    try {
      fd = asUser(owner, () => fs.openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC_, opts.mode ?? 0o600));
    } catch (err) {
      if (fsCode(err) === 'EEXIST' && i < 8) continue;
      fail(file, what, `${describeFsError(err)}${createHint(final, err, owner)}`, err);
    }
  }
  let done = false;
  return {
    path: file,
    fd,
    kind: 'file',
    commit() {
      if (done) return;
      done = true;
      try {
        asUser(owner, () => fs.renameSync(tmp, final));
      } catch (err) {
        fs.rmSync(tmp, { force: true });
        fail(file, what, describeFsError(err), err);
      }
    },
    abort() {
      if (done) return;
      done = true;
      fs.rmSync(tmp, { force: true });
    },
  };
}

/**
 * An output directory being made (bt export parquet): its files are written
 * by path into `scratch`, then commit() puts the directory in place.
 */
export interface OutputDir {
  /** The path given. */
  readonly path: string;
  /**
   * Where to write the files, by path: /proc/self/fd/N of a directory bt
   * just made that no other user can write, reached through its fd (renaming
   * or replacing anything on the way to it cannot redirect the writes).
   */
  readonly scratch: string;
  /** Moves the files into a new directory of the user's, then that into place. */
  commit(): void;
  /** Removes everything made. Idempotent. */
  abort(): void;
}

export interface OutputDirOptions {
  owner?: Owner;
  /** Mode of the files in the finished directory (default 0644); the directory is 0755. */
  mode?: number;
  /** What the directory is, for messages ("export directory"). */
  what?: string;
  /**
   * Whether an existing, non-empty directory of the user (its entries) may be
   * replaced as a whole (an earlier output of the same kind). Default: never.
   */
  replaceable?: (entries: fs.Dirent[]) => boolean;
  /** Why a directory that is not replaceable is refused (default: it is not empty). */
  notReplaceable?: string;
}

const { O_DIRECTORY } = fs.constants;

/**
 * Checks what is at `dir` now: nothing, an empty directory of the user, or
 * one `replaceable` accepts. Refuses a symbolic link, anything that is not a
 * directory, another user's directory.
 */
function checkOutputDir(dir: string, abs: string, what: string, owner: Owner, opts: OutputDirOptions): fs.Stats | undefined {
  const st = lstatOrUndefined(abs);
  if (!st) return undefined;
  if (st.isSymbolicLink()) fail(dir, what, 'it is a symbolic link: bt does not write through links; remove it or give the real path');
  if (!st.isDirectory()) fail(dir, what, 'it exists and is not a directory: remove it or choose another path');
  if (st.uid !== ownerUid(owner)) {
    fail(dir, what, `it belongs to another user (uid ${st.uid}): bt does not overwrite other users' files; remove it or choose another path`);
  }
  let entries: fs.Dirent[];
  try {
    entries = asUser(owner, () => fs.readdirSync(abs, { withFileTypes: true }));
  } catch (err) {
    fail(dir, what, describeFsError(err), err);
  }
  if (entries.length && !opts.replaceable?.(entries)) {
    fail(dir, what, opts.notReplaceable ?? 'it is a directory that is not empty: remove it or choose another path');
  }
  return st;
}

/** Opens `dir` (no link followed) and checks it is a directory of `uid` that only it can write. */
function openPrivateDir(dir: string, uid: number): number {
  const fd = fs.openSync(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC_);
  const st = fs.fstatSync(fd);
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) {
    fs.closeSync(fd);
    throw Object.assign(new Error(`${dir} was replaced while bt was making it`), { code: 'EAGAIN' });
  }
  return fd;
}

/** Copies the regular file `from` (opened by bt) to a new file `to` created O_EXCL as `owner`. */
function copyAsUser(from: string, to: string, owner: Owner, mode: number): void {
  const src = fs.openSync(from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC_);
  try {
    if (!fs.fstatSync(src).isFile()) throw Object.assign(new Error(`${from} is not a regular file`), { code: 'EINVAL' });
    const dst = asUser(owner, () => fs.openSync(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC_, mode));
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      for (let n; (n = fs.readSync(src, buf, 0, buf.length, null)) > 0; ) writeAllSync(dst, buf.subarray(0, n));
      fs.fsyncSync(dst);
    } finally {
      fs.closeSync(dst);
    }
  } finally {
    fs.closeSync(src);
  }
}

/**
 * Opens an output directory (bt export parquet -o DIR) that appears only
 * when complete, with the rules of the output files above:
 *  - A new directory with an unpredictable name is made next to `dir` as
 *    the invoking user (mkdtemp: 0700), so a directory the user cannot
 *    write is refused as for a file (`uid N (who ran sudo) cannot create
 *    files in …`).
 *  - The writer (DuckDB, which writes by path as bt's identity) writes into
 *    `scratch`, reached through an fd: the user's directory itself when bt
 *    acts as itself, else a root-only 0700 directory inside it, whose files
 *    commit() copies into new files the user creates (O_EXCL). No file is
 *    written where the user could not, and none is chowned.
 *  - commit() renames the finished directory (0755) onto `dir`: a missing
 *    path or an empty directory of the user's is replaced at once; a
 *    non-empty one only if `replaceable` accepts its entries (an earlier
 *    output of the same kind: it is moved aside, the new one renamed in, and
 *    the old removed as the user). A symbolic link, anything that is not a
 *    directory and another user's directory are refused, when opening and
 *    again when committing.
 */
export function openOutputDir(dir: string, opts: OutputDirOptions = {}): OutputDir {
  const owner = opts.owner ?? SELF;
  const what = opts.what ?? 'output directory';
  const abs = absolutePath(dir);
  refusePlantedDirs(workingDir() === undefined ? dir : abs, what, owner); // (see refusePlantedDirs on a working directory with no name)
  checkOutputDir(dir, abs, what, owner, opts);
  const parent = path.dirname(abs);
  const base = path.basename(abs);
  let staging: string;
  try {
    staging = asUser(owner, () => fs.mkdtempSync(path.join(parent, `.${base}.bt-`)));
  } catch (err) {
    if (err instanceof LogError) throw err;
    fail(dir, what, `${describeFsError(err)}${createHint(abs, err, owner)}`, err);
  }
  let stagingFd = -1;
  let rootFd = -1;
  const inStaging = () => `/proc/self/fd/${stagingFd}`;
  const removeRootDir = () => {
    if (rootFd < 0) return;
    const r = `/proc/self/fd/${rootFd}`;
    for (const name of fs.readdirSync(r)) fs.rmSync(`${r}/${name}`, { recursive: true, force: true });
    fs.closeSync(rootFd);
    rootFd = -1;
    fs.rmdirSync(`${inStaging()}/.bt-root`);
  };
  let done = false;
  const abort = () => {
    if (done) return;
    done = true;
    try {
      removeRootDir();
    } catch {
      /* the user's directory goes anyway */
    }
    if (stagingFd >= 0) fs.closeSync(stagingFd);
    try {
      asUser(owner, () => fs.rmSync(staging, { recursive: true, force: true }));
    } catch {
      /* nothing more to do */
    }
  };
  let scratch: string;
  try {
    stagingFd = asUser(owner, () => openPrivateDir(staging, ownerUid(owner)));
    if (owner.uid >= 0 && owner.uid !== process.geteuid?.()) {
      // root for the user: the writer's own directory, inside the user's
      fs.mkdirSync(`${inStaging()}/.bt-root`, 0o700);
      rootFd = openPrivateDir(`${inStaging()}/.bt-root`, process.geteuid?.() ?? 0);
      scratch = `/proc/self/fd/${rootFd}`;
    } else scratch = inStaging();
  } catch (err) {
    abort();
    if (err instanceof LogError) throw err;
    fail(dir, what, describeFsError(err), err);
  }
  return {
    path: dir,
    scratch,
    abort,
    commit() {
      if (done) return;
      try {
        if (rootFd >= 0) {
          const r = `/proc/self/fd/${rootFd}`;
          for (const name of fs.readdirSync(r)) copyAsUser(`${r}/${name}`, `${inStaging()}/${name}`, owner, opts.mode ?? 0o644);
          removeRootDir();
        }
        asUser(owner, () => fs.fchmodSync(stagingFd, 0o755));
        const made = fs.fstatSync(stagingFd);
        if (!stillFile(staging, made)) fail(dir, what, `${staging} was replaced while bt was writing: run it again`);
        const now = checkOutputDir(dir, abs, what, owner, opts);
        if (!now || asUser(owner, () => fs.readdirSync(abs)).length === 0) {
          asUser(owner, () => fs.renameSync(staging, abs));
        } else {
          const old = path.join(parent, `.${base}.${randomName()}.old`);
          asUser(owner, () => fs.renameSync(abs, old));
          try {
            asUser(owner, () => fs.renameSync(staging, abs));
          } catch (err) {
            asUser(owner, () => fs.renameSync(old, abs));
            throw err;
          }
          try {
            asUser(owner, () => fs.rmSync(old, { recursive: true, force: true }));
          } catch {
            /* the new directory is in place; the old one stays under its hidden name */
          }
        }
        done = true;
        const placed = stillFile(abs, made);
        fs.closeSync(stagingFd);
        if (!placed) fail(dir, what, 'it was replaced while bt was moving it into place: run it again');
      } catch (err) {
        abort();
        if (err instanceof LogError) throw err;
        fail(dir, what, describeFsError(err), err);
      }
    },
  };
}
