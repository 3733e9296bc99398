/**
 * A FILE a reader asks about (bt deps, bt rdeps, bt graph --focus, bt export
 * makedeps --output-of), as the string the log has for it: a name in the
 * $'…' form bt prints for names with control characters or bytes that are
 * not UTF-8 (present/format.ts unAnsiC, the inverse of ansiC), or the exact
 * bytes typed (capture/rawargs.ts: Node decodes argv as UTF-8, a byte that
 * is not UTF-8 becoming U+FFFD).
 */
import fs from 'node:fs';
import path from 'node:path';
import { exactArg } from '../capture/rawargs.js';
import { hostRealpath } from '../normalize/aliases.js';
import { unAnsiC } from '../present/format.js';

export function fileArgument(arg: string): string {
  return unAnsiC(arg) ?? exactArg(arg);
}

/**
 * For Build.resolveFile: this machine's names of paths through its directory
 * links, when the log was traced here (the normalizer's rule for PWD links,
 * normalize/aliases.ts hostRealpath); else none. `bt deps lnk/out.txt` when
 * the build's paths went through `lnk -> real` and were named real/... .
 */
export function hostPaths(header: { hostname?: string | null }): ((p: string) => string | undefined) | undefined {
  return hostRealpath(header.hostname ?? undefined) ? physicalPath : undefined;
}

/** A path as this machine names it (the file itself may be gone: then its directory's real path and its name). Reads only. */
function physicalPath(p: string): string | undefined {
  try {
    return fs.realpathSync(p);
  } catch {
    try {
      return path.join(fs.realpathSync(path.dirname(p)), path.basename(p));
    } catch {
      return undefined;
    }
  }
}
