/**
 * bt diff --contents: the outputs both builds made, compared by what is on
 * disk now (size, then SHA-256), where each build's file is still there: the
 * question reprotest and diffoscope answer, put to every output the trace
 * names ("the .debs are the same", "config.h differs"). The log records no
 * content, so this reads the files as they are when bt diff runs: on the
 * machine that ran both builds, before anything rebuilt them. Two builds of
 * one tree name one file: nothing to compare.
 *
 * bt runs as root: a file is opened without following a link at its name and
 * without blocking (a FIFO never hangs the diff), and read only if it is a
 * regular file.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { withRegularFile } from '../log/io.js';

/** The outputs of both builds by content now: those that differ (with their sizes), and how many are the same or cannot be compared. */
export interface ContentComparison {
  /** Outputs whose content differs now, with both sizes in bytes. */
  differ: Array<{ path: string; a_size: number; b_size: number; tools: string[] }>;
  same: number;
  /** Gone from disk in one build or both, not a regular file, or unreadable. */
  missing: number;
  /** The same file in both builds (one tree built twice): not compared. */
  one_file: number;
}

const CHUNK = 1 << 20;

/** A regular file's size and SHA-256, read without following a link at its name; undefined when it is not one or cannot be read. */
export function digest(file: string): { size: number; sha256: string; dev: number; ino: number } | undefined {
  return withRegularFile(file, (fd, st) => {
    const hash = crypto.createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK);
    for (let n; (n = fs.readSync(fd, buf, 0, CHUNK, null)) > 0; ) hash.update(buf.subarray(0, n));
    return { size: st.size, sha256: hash.digest('hex'), dev: st.dev, ino: st.ino };
  });
}

/** Compares the pairs [key, path in A, path in B, B's tools] by their files' content now. */
export function compareContents(pairs: ReadonlyArray<readonly [string, string, string, readonly string[]]>): ContentComparison {
  const out: ContentComparison = { differ: [], same: 0, missing: 0, one_file: 0 };
  for (const [key, pa, pb, tools] of pairs) {
    if (pa === pb) {
      out.one_file++;
      continue;
    }
    const a = digest(pa);
    const b = a && digest(pb);
    if (!a || !b) out.missing++;
    else if (a.dev === b.dev && a.ino === b.ino) out.one_file++;
    else if (a.size === b.size && a.sha256 === b.sha256) out.same++;
    else out.differ.push({ path: key, a_size: a.size, b_size: b.size, tools: [...tools] });
  }
  return out;
}
