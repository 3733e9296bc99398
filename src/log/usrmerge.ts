/**
 * Which of /bin, /sbin, /lib… were symbolic links into /usr (a merged /usr)
 * on the system a log was traced on: bt trace records them in the log's
 * header (options.merged_usr: "bin,lib,lib64,sbin", or "none"); for a log
 * of an older bt, this machine's when the log was traced here (the same
 * host name), else none. What the answers make of it: model/usrmerge.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import type { LogHeader } from './schema.js';

/** The directories a merged /usr makes symbolic links into /usr. */
export const USR_MERGE_DIRS: readonly string[] = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];

/** This machine's directories of USR_MERGE_DIRS that are symbolic links to their /usr counterparts ("bin", "lib", …). */
export function localUsrMerge(root = '/'): string[] {
  return USR_MERGE_DIRS.filter((d) => {
    try {
      return fs.lstatSync(`${root}${d}`).isSymbolicLink() && fs.realpathSync(`${root}${d}`) === fs.realpathSync(`${root}usr/${d}`);
    } catch {
      return false;
    }
  });
}

/** The header option's value for a list of merged directories ("none" for none). */
export function usrMergeOption(dirs: readonly string[]): string {
  return dirs.length ? dirs.join(',') : 'none';
}

/** The merged directories of the system a log was traced on (see the module comment). */
export function usrMergeOf(header: LogHeader): ReadonlySet<string> {
  const recorded = header.options?.merged_usr;
  if (recorded !== undefined) return new Set(recorded === 'none' ? [] : recorded.split(',').filter((d) => USR_MERGE_DIRS.includes(d)));
  if (header.hostname && header.hostname === os.hostname()) return new Set(localUsrMerge());
  return new Set();
}
