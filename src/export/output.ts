/**
 * Writing export files safely. bt runs as root, so an output path must never
 * be followed through something another user planted: every file is written
 * to a fresh temporary name in the target's directory, created with O_EXCL
 * (and O_NOFOLLOW), then renamed over the target. A failure leaves the
 * target untouched. Kept in this one module so that it can be swapped for
 * the shared root-safe output module (src/log/output.ts) later.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ExportError } from '../errors.js';
import { describeFsError } from '../log/io.js';

function fail(target: string, err: unknown): never {
  throw new ExportError('E_OUTPUT', `cannot write ${target} (${describeFsError(err)}): choose another -o path`, { cause: err });
}

/** A file being written: write(), then commit() (rename into place) or abort(). */
export class SafeFile {
  private closed = false;
  private constructor(
    readonly target: string,
    private readonly tmp: string,
    private fd: number,
  ) {}

  static create(target: string, mode = 0o644): SafeFile {
    const abs = path.resolve(target);
    const dir = path.dirname(abs);
    const tmp = path.join(dir, `.${path.basename(abs)}.bt-${process.pid}-${crypto.randomBytes(4).toString('hex')}.tmp`);
    try {
      const st = fs.lstatSync(abs, { throwIfNoEntry: false });
      if (st?.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;
      return new SafeFile(abs, tmp, fs.openSync(tmp, flags, mode));
    } catch (err) {
      fail(target, err);
    }
  }

  write(data: string | Uint8Array): void {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    try {
      let off = 0;
      while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off);
    } catch (err) {
      this.abort();
      fail(this.target, err);
    }
  }

  commit(): void {
    try {
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      this.closed = true;
      fs.renameSync(this.tmp, this.target);
    } catch (err) {
      this.abort();
      fail(this.target, err);
    }
  }

  abort(): void {
    if (!this.closed) {
      this.closed = true;
      try {
        fs.closeSync(this.fd);
      } catch {
        /* already closed */
      }
    }
    fs.rmSync(this.tmp, { force: true });
  }
}

/** Writes a whole file safely (see the module comment). */
export function writeFileSafely(target: string, data: string | Uint8Array, mode = 0o644): void {
  const f = SafeFile.create(target, mode);
  f.write(data);
  f.commit();
}

/**
 * A fresh private directory next to `target` (mkdtemp: 0700, unique name) to
 * build a directory of files in; finishDir() moves them into `target`.
 */
export function stagingDir(target: string): string {
  const abs = path.resolve(target);
  try {
    const st = fs.lstatSync(abs, { throwIfNoEntry: false });
    if (st && !st.isDirectory()) throw Object.assign(new Error('exists and is not a directory'), { code: 'ENOTDIR' });
    return fs.mkdtempSync(path.join(path.dirname(abs), `.${path.basename(abs)}.bt-`));
  } catch (err) {
    fail(target, err);
  }
}

/** Moves every file of the staging directory into `target` (made 0755 if missing), then removes the staging directory. */
export function finishDir(staging: string, target: string): void {
  const abs = path.resolve(target);
  try {
    const st = fs.lstatSync(abs, { throwIfNoEntry: false });
    if (!st) {
      fs.chmodSync(staging, 0o755);
      fs.renameSync(staging, abs);
      return;
    }
    if (!st.isDirectory() || st.isSymbolicLink()) throw Object.assign(new Error('exists and is not a directory'), { code: 'ENOTDIR' });
    for (const name of fs.readdirSync(staging)) fs.renameSync(path.join(staging, name), path.join(abs, name));
    fs.rmdirSync(staging);
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    fail(target, err);
  }
}
