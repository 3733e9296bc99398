/**
 * A FILE a reader asks about (bt deps, bt rdeps, bt graph --focus, bt export
 * makedeps --output-of), as the string the log has for it: a name in the
 * $'…' form bt prints for names with control characters or bytes that are
 * not UTF-8 (present/format.ts unAnsiC, the inverse of ansiC), or the exact
 * bytes typed (capture/rawargs.ts: Node decodes argv as UTF-8, a byte that
 * is not UTF-8 becoming U+FFFD).
 */
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
  const real = hostRealpath(header.hostname ?? undefined);
  if (!real) return undefined;
  // the file itself may be gone: then its directory's real path and its name
  return (p) => {
    const here = real(p);
    if (here !== undefined) return here;
    const dir = real(path.dirname(p));
    return dir === undefined ? undefined : path.join(dir, path.basename(p));
  };
}
