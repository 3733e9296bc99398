/**
 * A FILE a reader asks about (bt deps, bt rdeps, bt graph --focus, bt export
 * makedeps --output-of), as the string the log has for it: a name in the
 * $'…' form bt prints for names with control characters or bytes that are
 * not UTF-8 (present/format.ts unAnsiC, the inverse of ansiC), or the exact
 * bytes typed (capture/rawargs.ts: Node decodes argv as UTF-8, a byte that
 * is not UTF-8 becoming U+FFFD).
 */
import { exactArg } from '../capture/rawargs.js';
import { unAnsiC } from '../present/format.js';

export function fileArgument(arg: string): string {
  return unAnsiC(arg) ?? exactArg(arg);
}
