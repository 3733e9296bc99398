/**
 * One directory under two names: a symbolic link to a directory (Debian's
 * /usr/lib/go-1.19 -> ../share/go-1.19). A process's working directory is
 * where its chdir landed (the kernel's resolved path), while its arguments
 * and environment keep the name it was given (go runs `gcc -I
 * /usr/lib/go-1.19/src/runtime/cgo` in /usr/share/go-1.19/src/runtime/cgo).
 * Two builds that went there by the two names are in one place.
 *
 * The model keeps where a chdir landed, not the name it was given; a
 * process started there has that name as PWD (shells and go set it). A
 * PWD other than the process's working directory is a candidate: it is
 * the same directory when both logs were traced on this machine and the
 * PWD resolves here (realpath) to the working directory; then the link
 * itself is the alias, found by going up both paths while they end alike
 * and still resolve to each other (PWD /usr/lib/go-1.19/src/runtime/cgo
 * in /usr/share/go-1.19/src/runtime/cgo: /usr/lib/go-1.19 is
 * /usr/share/go-1.19, and a path below either is one). A stale PWD
 * (go's linker in /tmp/go-link-N under the go command's PWD) resolves
 * elsewhere; logs from another machine get no aliases.
 */
import fs from 'node:fs';
import os from 'node:os';
import { envMap } from '../model/env.js';
import type { Build } from '../model/index.js';

/** Directory names (given) -> the directory they resolve to (landed), of both builds (see the module comment). */
export function dirAliases(a: Build, b: Build): Map<string, string> {
  const out = new Map<string, string>();
  const here = os.hostname();
  if (a.header.hostname !== here || b.header.hostname !== here) return out;
  const tried = new Set<string>();
  for (const build of [a, b]) {
    for (const p of build.model.processes) {
      const pwd = pwdOf(p.env);
      if (!pwd || pwd === p.cwd || !pwd.startsWith('/') || tried.has(`${pwd}\0${p.cwd}`)) continue;
      tried.add(`${pwd}\0${p.cwd}`);
      if (realpath(pwd) !== p.cwd) continue;
      const [name, dir] = linkOf(pwd, p.cwd);
      out.set(name, dir);
    }
  }
  return out;
}

/** The PWD of an environment, without trailing slashes. */
function pwdOf(env: readonly string[]): string | undefined {
  return envMap(env).get('PWD')?.replace(/(?<=.)\/+$/, '');
}

/** The topmost pair of directories above `name` and `dir` (which resolves to it) that end alike below them and still resolve to each other. */
function linkOf(name: string, dir: string): [string, string] {
  const n = name.split('/');
  const d = dir.split('/');
  while (n.length > 2 && d.length > 2 && n[n.length - 1] === d[d.length - 1]) {
    const up = n.slice(0, -1).join('/');
    const upDir = d.slice(0, -1).join('/');
    if (up === upDir || realpath(up) !== upDir) break;
    n.pop();
    d.pop();
  }
  return [n.join('/'), d.join('/')];
}

function realpath(p: string): string | undefined {
  try {
    return fs.realpathSync(p);
  } catch {
    return undefined;
  }
}

/** `p` with a leading directory of `aliases` (a whole path part) written as the directory it resolves to. */
export function resolvedName(p: string, aliases: ReadonlyMap<string, string>): string {
  for (const [name, dir] of aliases) {
    if (p === name) return dir;
    if (p.startsWith(name) && p[name.length] === '/') return dir + p.slice(name.length);
  }
  return p;
}
