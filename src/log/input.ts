/**
 * Logs that do not come from a regular file: `bt dump -` (stdin), a pipe
 * (`… | bt dump /dev/stdin`, `bt dump <(zcat x.trace.gz)`), a FIFO that
 * `bt trace -o FIFO` writes, a character device.
 *
 * The framing reader reads a log at offsets, and some commands read it
 * more than once (bt dump --filter, bt graph, bt normalize's second
 * attempt): a pipe can do neither. Such an input is copied once, as it
 * comes, into a private temporary file, and every open of the same name
 * in this process reads that copy. The copy is made safely for a bt run as
 * root: an unnamed file (O_TMPFILE, mode 0600) in os.tmpdir(), which no
 * path ever reaches (privateFile); bt keeps it open and reads it again
 * through /proc/self/fd, so nothing is left behind whatever happens to bt.
 *
 * What is not a bt log stops the copy at its first chunk (its reader says
 * "not a bt log" from there): `bt dump /dev/zero` does not fill the disk.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tryLock, unlock } from '../capture/native.js';
import { LogError } from '../errors.js';
import { describeFsError, fsCode, isTerminal, sleepSync, writeAllSync } from './io.js';
import { agreesWithMagic } from './schema.js';

const COPY_CHUNK = 1 << 20;
const { O_RDWR, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
const O_CLOEXEC_ = (fs.constants as Record<string, number>).O_CLOEXEC ?? 0o2000000;

/** Name given -> fd of its private copy (kept open until bt exits). */
const copies = new Map<string, number>();

/** How messages name a log input: '-' is stdin. */
export function inputName(name: string): string {
  return name === '-' ? 'stdin' : name;
}

/** The fd that a name of one of bt's own descriptors stands for: '-' (stdin), /dev/stdin, /dev/fd/N, /proc/self/fd/N. */
function ownFd(name: string): number | undefined {
  if (name === '-' || name === '/dev/stdin') return 0;
  const m = /^\/(?:dev\/fd|proc\/self\/fd)\/(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

function openFailed(name: string, err: unknown): never {
  const code = fsCode(err);
  const hint =
    code === 'ENOENT'
      ? '; check the path'
      : code === 'EACCES' || code === 'EPERM'
        ? '; bt logs are mode 0600: read it as the user who owns it, or with sudo'
        : '';
  throw new LogError('E_LOG_OPEN', `cannot open ${name}: ${describeFsError(err)}${hint}`, { cause: err });
}

/**
 * Opens a log for reading at offsets: a regular file as it is, anything
 * else (a pipe, a FIFO, a socket, a device; '-' is stdin) through a
 * private copy. The fd is the caller's to close. LogError E_LOG_OPEN
 * (cannot open it, a directory, a terminal), E_LOG_READ (reading the
 * input failed) or E_LOG_COPY (the copy cannot be written).
 */
export function openLogInput(name: string): number {
  const copy = copies.get(name);
  if (copy !== undefined) return fs.openSync(`/proc/self/fd/${copy}`, 'r');
  const shown = inputName(name);
  // one of bt's own descriptors is read as it is (a socket, which Node gives a child for its stdin, cannot be opened again)
  const own = ownFd(name);
  let st: fs.Stats | undefined;
  if (own !== undefined) {
    try {
      st = fs.fstatSync(own);
    } catch (err) {
      if (name === '-') throw new LogError('E_LOG_OPEN', `cannot read stdin: ${describeFsError(err)}`, { cause: err });
      // not open in bt: the path says so
    }
  }
  let fd: number;
  let mine = true;
  if (st && !st.isFile() && !st.isDirectory()) {
    fd = own as number;
    mine = false;
  } else if (name === '-') {
    try {
      fd = fs.openSync('/proc/self/fd/0', 'r'); // a file given as stdin: opened again, to read at offsets
    } catch (err) {
      openFailed(shown, err);
    }
  } else {
    try {
      fd = fs.openSync(name, 'r');
    } catch (err) {
      openFailed(shown, err);
    }
  }
  try {
    st = fs.fstatSync(fd);
  } catch (err) {
    if (mine) fs.closeSync(fd);
    throw new LogError('E_LOG_READ', `cannot read ${shown}: ${describeFsError(err)}`, { cause: err });
  }
  if (st.isFile()) return fd;
  try {
    if (st.isDirectory()) throw new LogError('E_LOG_OPEN', `cannot open ${shown}: it is a directory, not a bt log file`);
    if (isTerminal(fd, st)) {
      throw new LogError('E_LOG_OPEN', `cannot read a log from ${shown}: it is a terminal; give the log's path, or pipe it in (… | bt dump -)`);
    }
    const held = copyInput(fd, shown);
    copies.set(name, held);
    return fs.openSync(`/proc/self/fd/${held}`, 'r');
  } finally {
    if (mine) fs.closeSync(fd);
  }
}

/** Linux's O_TMPFILE (x86_64, aarch64): __O_TMPFILE | O_DIRECTORY. Node does not export it. */
const O_TMPFILE = 0o20000000 | fs.constants.O_DIRECTORY;

/**
 * A new, empty temporary file that no one else can reach: its fd. First an
 * unnamed file (O_TMPFILE): no name ever exists, so nothing in the
 * directory, nor the directory itself, can be swapped under it. Where the
 * file system cannot make one, a 0700 mkdtemp directory and an O_EXCL file
 * in it, both removed at once.
 */
function privateFile(): number {
  try {
    return fs.openSync(os.tmpdir(), O_TMPFILE | O_RDWR | O_CLOEXEC_, 0o600);
  } catch (err) {
    const code = fsCode(err);
    if (code !== 'EOPNOTSUPP' && code !== 'EISDIR' && code !== 'EINVAL' && code !== 'ENOTSUP') throw err;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-input-')); // 0700
  const file = path.join(dir, 'log');
  try {
    return fs.openSync(file, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC_, 0o600);
  } finally {
    fs.rmSync(file, { force: true });
    fs.rmdirSync(dir);
  }
}

/** Copies what `src` gives until its end into a private file; returns the file's fd. */
function copyInput(src: number, shown: string): number {
  let dst: number;
  try {
    dst = privateFile();
  } catch (err) {
    throw new LogError('E_LOG_COPY', `cannot read ${shown}: it is not a regular file, and bt cannot make its copy in ${os.tmpdir()} (${describeFsError(err)}): save the log to a file and give its path`, { cause: err });
  }
  try {
    const buf = Buffer.allocUnsafe(COPY_CHUNK);
    let total = 0;
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(src, buf, 0, buf.length, null);
      } catch (err) {
        const code = fsCode(err);
        if (code === 'EAGAIN' || code === 'EINTR') {
          sleepSync(1); // a non-blocking pipe with nothing in it yet
          continue;
        }
        throw new LogError('E_LOG_READ', `cannot read ${shown}: ${describeFsError(err)}`, { cause: err });
      }
      if (n === 0) break;
      try {
        writeAllSync(dst, buf.subarray(0, n));
      } catch (err) {
        throw new LogError('E_LOG_COPY', `cannot copy ${shown} to a temporary file in ${os.tmpdir()} (${describeFsError(err)}): save the log to a file and give its path`, { cause: err });
      }
      const head = total;
      total += n;
      // not a log (its first bytes say so): the reader needs no more to say it
      if (!agreesWithMagic(buf.subarray(0, n), head)) break;
    }
    return dst;
  } catch (err) {
    fs.closeSync(dst);
    throw err;
  }
}

/**
 * True when a running bt trace still writes the log open at `fd`: bt trace
 * holds an exclusive flock on its log until it has written the trailer
 * (capture/session.ts), so a shared one cannot be had without waiting.
 * False when it can (it is given back at once), or when locks cannot be
 * asked for.
 */
export function beingWritten(fd: number): boolean {
  try {
    if (!tryLock(fd, 'shared')) return true;
    unlock(fd);
  } catch {
    /* no lock to ask for: say what the log itself says */
  }
  return false;
}
