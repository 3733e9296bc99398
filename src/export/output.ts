/**
 * Writing export files safely: files through the shared root-safe output
 * module (src/log/output.ts), directories (bt export parquet) staged in a
 * private directory next to the target and moved into place. A failure
 * leaves the target untouched.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ExportError, LogError } from '../errors.js';
import { describeFsError, writeAllSync } from '../log/io.js';
import { invokingUser, openOutputAtomic, type OutputFile } from '../log/output.js';

function fail(target: string, err: unknown): never {
  throw new ExportError('E_EXPORT_OUTPUT', `cannot write ${target} (${describeFsError(err)}): choose another -o path`, { cause: err });
}

/**
 * A file being written: write(), then commit() (rename into place) or
 * abort(). Opened through the shared root-safe output module
 * (src/log/output.ts: as the invoking user, O_EXCL temporary, links other
 * users planted refused); its errors become one-line export errors.
 */
export class SafeFile {
  private closed = false;
  private constructor(
    readonly target: string,
    private readonly out: OutputFile,
  ) {}

  static create(target: string, mode = 0o644): SafeFile {
    try {
      return new SafeFile(target, openOutputAtomic(target, { owner: invokingUser(), mode, what: 'export' }));
    } catch (err) {
      if (err instanceof LogError) throw new ExportError('E_EXPORT_OUTPUT', `${err.message}: choose another -o path`, { cause: err });
      fail(target, err);
    }
  }

  write(data: string | Uint8Array): void {
    try {
      writeAllSync(this.out.fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    } catch (err) {
      this.abort();
      fail(this.target, err);
    }
  }

  commit(): void {
    try {
      this.close();
      this.out.commit();
    } catch (err) {
      this.abort();
      if (err instanceof LogError) throw new ExportError('E_EXPORT_OUTPUT', `${err.message}: choose another -o path`, { cause: err });
      fail(this.target, err);
    }
  }

  abort(): void {
    try {
      this.close();
    } catch {
      /* the temporary goes anyway */
    }
    this.out.abort();
  }

  private close(): void {
    if (this.closed || this.out.kind === 'stdout') return;
    this.closed = true;
    if (this.out.kind === 'file') fs.fsyncSync(this.out.fd);
    fs.closeSync(this.out.fd);
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
