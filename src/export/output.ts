/**
 * Writing export files safely. bt runs as root, so an output path must never
 * be followed through something another user planted: every file is written
 * to a fresh temporary name in the target's directory, created with O_EXCL
 * (and O_NOFOLLOW), then renamed over the target; a device or FIFO is
 * written in place (src/log/output.ts). A failure leaves the target untouched.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ExportError, LogError } from '../errors.js';
import { writeAllSync } from '../log/io.js';
import { invokingUser, openOutputAtomic, type OutputFile } from '../log/output.js';
import { describeFsError } from '../log/io.js';

function fail(target: string, err: unknown): never {
  throw new ExportError('E_EXPORT_OUTPUT', `cannot write ${target} (${describeFsError(err)}): choose another -o path`, { cause: err });
}

/** A file being written: write(), then commit() (rename into place) or abort(). Built on the shared root-safe output (src/log/output.ts). */
export class SafeFile {
  private constructor(
    readonly target: string,
    private readonly out: OutputFile,
  ) {}

  static create(target: string, mode = 0o644): SafeFile {
    try {
      return new SafeFile(target, openOutputAtomic(target, { owner: invokingUser(), mode, what: 'export' }));
    } catch (err) {
      if (err instanceof LogError) throw new ExportError('E_EXPORT_OUTPUT', `${err.message}`, { cause: err });
      fail(target, err);
    }
  }

  write(data: string | Uint8Array): void {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    try {
      writeAllSync(this.out.fd, buf);
    } catch (err) {
      this.abort();
      fail(this.target, err);
    }
  }

  commit(): void {
    try {
      if (this.out.kind === 'file') {
        fs.fsyncSync(this.out.fd);
        fs.closeSync(this.out.fd);
      } else if (this.out.kind !== 'stdout') fs.closeSync(this.out.fd);
      this.out.commit();
    } catch (err) {
      this.abort();
      fail(this.target, err);
    }
  }

  abort(): void {
    if (this.out.kind === 'file') {
      try {
        fs.closeSync(this.out.fd);
      } catch {
        /* already closed */
      }
    }
    this.out.abort();
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
