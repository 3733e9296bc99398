/**
 * Where an export goes: stdout, or a file written safely (output.ts).
 */
import { encodeString } from '../log/bytes.js';
import { writeAllSync } from '../log/io.js';
import { SafeFile } from './output.js';
import type { ReplaceRule } from '../log/replace.js';

export interface Sink {
  write(data: string | Uint8Array): void;
  /** Finishes the output (a file is renamed into place). */
  close(): void;
  /** Gives up (a file's temporary is removed). */
  abort(): void;
}

/** Writes buffered chunks of about 256 KiB to a file descriptor-like target. */
class Buffered implements Sink {
  private parts: Uint8Array[] = [];
  private size = 0;
  constructor(private readonly flushTo: (b: Uint8Array) => void, private readonly done: () => void, private readonly drop: () => void) {}
  write(data: string | Uint8Array): void {
    // a string's lone surrogates are bytes that are not UTF-8 (log/bytes.ts): written back as they were
    const b = typeof data === 'string' ? encodeString(data) : data;
    this.parts.push(b);
    this.size += b.length;
    if (this.size >= 256 * 1024) this.flush();
  }
  private flush(): void {
    if (!this.size) return;
    const b = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
    this.parts = [];
    this.size = 0;
    this.flushTo(b);
  }
  close(): void {
    this.flush();
    this.done();
  }
  abort(): void {
    this.parts = [];
    this.size = 0;
    this.drop();
  }
}

/** stdout (`-` or no -o). */
export function stdoutSink(): Sink {
  return new Buffered((b) => writeAllSync(1, b), () => {}, () => {});
}

/** A file, written to a temporary and renamed into place on close(); an existing file only if `replace` accepts it. */
export function fileSink(path: string, replace?: ReplaceRule): Sink {
  const f = SafeFile.create(path, undefined, replace);
  return new Buffered((b) => f.write(b), () => f.commit(), () => f.abort());
}
