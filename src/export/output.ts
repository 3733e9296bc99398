/**
 * Writing export files safely: files through the shared root-safe output
 * module (src/log/output.ts), directories (bt export parquet) through its
 * openOutputDir: made next to the target as the invoking user and moved into
 * place. A failure leaves the target untouched.
 */
import fs from 'node:fs';
import { ExportError, LogError } from '../errors.js';
import { describeFsError, fsCode, writeAllSync } from '../log/io.js';
import { invokingUser, openOutputAtomic, openOutputDir, type OutputDir, type OutputFile } from '../log/output.js';
import type { ReplaceRule } from '../log/replace.js';

/** The output module's message, with what to do unless it says it already (it often does: "remove it or choose another path"). */
function withAdvice(msg: string): string {
  return /choose another|give the real path|give a file name|remove it|--force/.test(msg) ? msg : `${msg}: choose another -o path`;
}

function fail(target: string, err: unknown): never {
  if (fsCode(err) === 'EPIPE') throw err; // a pipe's reader went away (-o /dev/stdout | head): not an error (cli/run.ts)
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

  /** `replace`: what an existing file must be to be replaced (log/replace.ts). */
  static create(target: string, mode = 0o644, replace?: ReplaceRule): SafeFile {
    try {
      return new SafeFile(target, openOutputAtomic(target, { owner: invokingUser(), mode, what: 'export', replace }));
    } catch (err) {
      if (err instanceof LogError && err.code === 'E_REPLACE') throw err; // its own line, naming the command
      if (err instanceof LogError) throw new ExportError('E_EXPORT_OUTPUT', withAdvice(err.message), { cause: err });
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
      if (err instanceof LogError) throw new ExportError('E_EXPORT_OUTPUT', withAdvice(err.message), { cause: err });
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
export function writeFileSafely(target: string, data: string | Uint8Array, mode = 0o644, replace?: ReplaceRule): void {
  const f = SafeFile.create(target, mode, replace);
  f.write(data);
  f.commit();
}

/**
 * A directory of files being written (bt export parquet), through the shared
 * root-safe output module (openOutputDir in src/log/output.ts): the writer
 * writes into `scratch` by path; commit() moves the files into a new
 * directory of the invoking user's and that into place. An existing
 * directory is replaced only if it is empty or `replaceable` accepts its
 * entries; errors are one-line export errors.
 */
export class SafeDir {
  private constructor(
    readonly target: string,
    private readonly out: OutputDir,
  ) {}

  static create(target: string, replaceable: (entries: fs.Dirent[]) => boolean, notReplaceable: string): SafeDir {
    try {
      return new SafeDir(target, openOutputDir(target, { owner: invokingUser(), what: 'export directory', replaceable, notReplaceable }));
    } catch (err) {
      if (err instanceof LogError) throw new ExportError('E_EXPORT_OUTPUT', withAdvice(err.message), { cause: err });
      fail(target, err);
    }
  }

  /** Where the writer writes its files (a /proc/self/fd/N path: see OutputDir). */
  get scratch(): string {
    return this.out.scratch;
  }

  commit(): void {
    try {
      this.out.commit();
    } catch (err) {
      if (err instanceof LogError) throw new ExportError('E_EXPORT_OUTPUT', withAdvice(err.message), { cause: err });
      fail(this.target, err);
    }
  }

  abort(): void {
    this.out.abort();
  }
}
