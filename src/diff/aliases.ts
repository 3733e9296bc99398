/**
 * One directory under two names in two builds: a symbolic link to a
 * directory (Debian's /usr/lib/go-1.19 -> ../share/go-1.19). A process's
 * arguments and environment keep the name it was given (go runs `gcc -I
 * /usr/lib/go-1.19/src/runtime/cgo` in /usr/share/go-1.19/src/runtime/cgo),
 * so two builds that went there by the two names are in one place.
 *
 * The links are those the PWDs of both builds reveal, found as the
 * normalizer finds them (normalize/aliases.ts: both logs traced on this
 * machine, each PWD resolving here to its process's working directory);
 * the normalizer already names the files through them by the directory,
 * and bt diff writes argument strings that way too.
 */
import type { Build } from '../model/index.js';
import { hostRealpath, pwdLink, pwdOf } from '../normalize/aliases.js';

export { resolvedName } from '../normalize/aliases.js';

/** Directory names (given) -> the directory they resolve to (landed), of both builds (see the module comment). */
export function dirAliases(a: Build, b: Build): Map<string, string> {
  const out = new Map<string, string>();
  const rp = hostRealpath(a.header.hostname);
  if (!rp || !hostRealpath(b.header.hostname)) return out;
  const tried = new Set<string>();
  for (const build of [a, b]) {
    for (const p of build.model.processes) {
      const pwd = pwdOf(p.env);
      if (!pwd || pwd === p.cwd || tried.has(`${pwd}\0${p.cwd}`)) continue;
      tried.add(`${pwd}\0${p.cwd}`);
      const link = pwdLink(pwd, p.cwd, rp);
      if (link) out.set(link[0], link[1]);
    }
  }
  return out;
}
