/**
 * One directory under two names: a symbolic link to a directory. The
 * kernel names a process's working directory by where its chdir landed
 * (the physical path: `cd lnk2` gives the cwd real2), while a shell's PWD,
 * and every `$PWD/...` path made from it (CMake, many scripts), keeps the
 * name it was given (lnk2). Lexical resolution (paths.ts) then makes two
 * files of one: real2/gen.h read by a relative name, lnk2/gen.h written
 * through $PWD.
 *
 * The links the build itself reveals are aliases, and a path through one
 * is named by the directory it leads to, the name the kernel gives the
 * cwd:
 *  - a symbolic link the build made (a symlink record: the link and its
 *    text, resolved against the link's directory), from that record on,
 *    until the build removes or replaces the link;
 *  - a process's PWD that differs from its cwd, when the log was traced on
 *    this machine and the PWD resolves here (realpath) to that cwd: the
 *    link is then found by going up both paths while they end alike and
 *    still resolve to each other (PWD /usr/lib/go-1.19/src/runtime/cgo in
 *    /usr/share/go-1.19/src/runtime/cgo: /usr/lib/go-1.19 is
 *    /usr/share/go-1.19). A stale PWD (`make -C sub` does not update it;
 *    go's linker in /tmp/go-link-N) resolves elsewhere and makes none; a
 *    log from another machine, or a tree that is gone, gets none.
 * Only paths strictly below a link are renamed: the link itself is a file
 * of its own (unlink, readlink and lstat name it).
 */
import fs from 'node:fs';
import os from 'node:os';
import { envMap } from '../model/env.js';
import { dirName, resolvePath } from './paths.js';

/** realpath(3) of this machine: undefined when the path does not resolve. */
export type Realpath = (p: string) => string | undefined;

/** How an alias was found. */
export type AliasSource = 'PWD' | 'symlink';

export interface DirAlias {
  /** The link (absolute). */
  name: string;
  /** The directory it leads to (absolute). */
  dir: string;
  from: AliasSource;
  /** A symlink's text. */
  text?: string;
  /** Paths renamed through it. */
  used: number;
}

/** This machine's realpath, when the log was traced here (`hostname` from its header); else undefined: no PWD aliases. */
export function hostRealpath(hostname: string | undefined): Realpath | undefined {
  return hostname && hostname === os.hostname() ? realpath : undefined;
}

function realpath(p: string): string | undefined {
  try {
    return fs.realpathSync(p);
  } catch {
    return undefined;
  }
}

/** The PWD of an environment, without trailing slashes. */
export function pwdOf(env: readonly string[]): string | undefined {
  return envMap(env).get('PWD')?.replace(/(?<=.)\/+$/, '');
}

/**
 * The link a PWD names for the working directory `cwd` ([link, the
 * directory it leads to]), or undefined: the PWD is the cwd, relative, or
 * does not resolve to it here (stale, or the tree is gone).
 */
export function pwdLink(pwd: string | undefined, cwd: string, rp: Realpath): [string, string] | undefined {
  if (!pwd || pwd === cwd || !pwd.startsWith('/') || rp(pwd) !== cwd) return undefined;
  const n = pwd.split('/');
  const d = cwd.split('/');
  // the topmost pair above both that end alike below them and still resolve to each other
  while (n.length > 2 && d.length > 2 && n[n.length - 1] === d[d.length - 1]) {
    const up = n.slice(0, -1).join('/');
    const upDir = d.slice(0, -1).join('/');
    if (up === upDir || rp(up) !== upDir) break;
    n.pop();
    d.pop();
  }
  return [n.join('/'), d.join('/')];
}

/** `p` with a leading directory of `aliases` (a whole path part, or all of it) written as the directory it resolves to (bt diff's masks). */
export function resolvedName(p: string, aliases: ReadonlyMap<string, string>): string {
  for (const [name, dir] of aliases) {
    if (p === name) return dir;
    if (p.startsWith(name) && p[name.length] === '/') return dir + p.slice(name.length);
  }
  return p;
}

/** An alias as bt normalize reports it. */
export type AppliedAlias = Pick<DirAlias, 'name' | 'dir' | 'from'>;

/** Most links followed in one path, as the kernel's ELOOP limit. */
const MAX_HOPS = 40;

/** The aliases of one normalization, found as the records come (see the module comment). */
export class DirAliases {
  private readonly links = new Map<string, DirAlias>();
  /** Every alias made, in order (a removed link's too): what `applied` reports. */
  private readonly made: DirAlias[] = [];
  /** PWD/cwd pairs already looked at. */
  private readonly tried = new Set<string>();

  constructor(private readonly rp: Realpath | undefined) {}

  /** PWD aliases can be made (this machine's realpath is known). */
  get pwds(): boolean {
    return this.rp !== undefined;
  }

  /** A process runs in `cwd` (the kernel's) with environment PWD `pwd`. */
  fromPwd(pwd: string | undefined, cwd: string): void {
    if (!this.rp || !pwd || pwd === cwd) return;
    const key = `${pwd}\0${cwd}`;
    if (this.tried.has(key)) return;
    this.tried.add(key);
    const link = pwdLink(pwd, cwd, this.rp);
    if (link && !this.links.has(link[0])) this.add(link[0], link[1], 'PWD');
  }

  /** The build made the symbolic link `link` (absolute, already named by `name`) with text `text`. */
  fromSymlink(link: string, text: string): void {
    if (text === '') return;
    const dir = resolvePath(dirName(link), text);
    if (dir === undefined) return;
    const target = this.name(dir);
    // a link to itself or below itself leads nowhere a path can go
    if (target === link || target.startsWith(`${link}/`)) {
      this.links.delete(link);
      return;
    }
    this.add(link, target, 'symlink', text);
  }

  /** The build removed `p`: a link there ends. */
  removed(p: string): void {
    if (this.links.size) this.links.delete(p);
  }

  /** The build renamed `from` to `to`: a link the build made moves there (`ln -sf` makes it elsewhere and renames it), one at `to` ends. */
  renamed(from: string, to: string | undefined): void {
    if (!this.links.size) return;
    const moved = this.links.get(from);
    this.links.delete(from);
    if (to === undefined) return;
    this.links.delete(to);
    if (moved?.text !== undefined) this.fromSymlink(to, moved.text);
  }

  /** `p` (absolute, normal) with each link it goes through replaced by the directory it leads to. */
  name(p: string): string {
    if (this.links.size === 0) return p;
    let hops = 0;
    for (let i = p.indexOf('/', 1); i > 0; i = p.indexOf('/', i + 1)) {
      const a = this.links.get(p.slice(0, i));
      if (!a) continue;
      a.used++;
      p = a.dir === '/' ? p.slice(i) : a.dir + p.slice(i);
      if (++hops >= MAX_HOPS) break;
      // the directory it leads to may itself be a link: look again from its end
      i = a.dir === '/' ? 0 : a.dir.length - 1;
    }
    return p;
  }

  /** The aliases that renamed at least one path, in the order they were found, each once. */
  applied(): AppliedAlias[] {
    const out = new Map<string, AppliedAlias>();
    for (const { name, dir, from, used } of this.made) {
      const key = `${name}\0${dir}`;
      if (used > 0 && !out.has(key)) out.set(key, { name, dir, from });
    }
    return [...out.values()];
  }

  private add(name: string, dir: string, from: AliasSource, text?: string): void {
    const a: DirAlias = { name, dir, from, text, used: 0 };
    this.links.set(name, a);
    this.made.push(a);
  }
}
