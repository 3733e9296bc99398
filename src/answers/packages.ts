/**
 * The packages a build's system inputs came from (bt summary --packages):
 * what to hold a package's Build-Depends (or a container image's package
 * list) against, without `dpkg -S` file by file.
 *
 * The answer reads dpkg's database of this machine (/var/lib/dpkg/info/
 * *.list: every file each installed package put there), so it is only
 * given for a log recorded here (the log header's hostname): another
 * machine's packages would be a wrong answer, not a rough one. A name that
 * is no package's file is looked up again as this machine resolves it:
 * /usr/bin/cc is update-alternatives' link to gcc's, /lib/… on a merged
 * /usr is /usr/lib/…, which dpkg lists under either name.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ModelError } from '../errors.js';
import { readSmallFile } from '../log/io.js';

export const DPKG_ADMIN = '/var/lib/dpkg';

/** The packages the files came from, most files first; the files of none. */
export interface PackageUse {
  /** [{`name` (without the architecture), `files` (the build's names of them)}], most files first, then by name. */
  installed: Array<{ name: string; files: string[] }>;
  /** Files no installed package has (/usr/local, a file a maintainer script made, one removed since). */
  none: string[];
}

/** dpkg's file lists: path -> package (the first listed, without ":arch"). */
export type PackageDb = ReadonlyMap<string, string>;

/** Reads dpkg's file lists under `admin` (its info/ directory); a clear error when there is none. */
export function loadDpkg(admin = DPKG_ADMIN): PackageDb {
  const info = path.join(admin, 'info');
  let names: string[];
  try {
    names = fs.readdirSync(info).filter((n) => n.endsWith('.list'));
  } catch (err) {
    throw new ModelError('E_PACKAGES', `--packages needs dpkg's database of installed packages, and ${info} cannot be read (${(err as NodeJS.ErrnoException).code ?? err}): is this a Debian or Ubuntu system?`, { cause: err });
  }
  const db = new Map<string, string>();
  for (const n of names.sort()) {
    const pkg = n.slice(0, -'.list'.length).replace(/:[^:]+$/, '');
    // a list is a regular file of bounded size, opened without following a link (bt runs as root)
    const text = readSmallFile(path.join(info, n), 64 << 20);
    if (text === undefined) continue;
    for (const line of text.split('\n')) if (line && !db.has(line)) db.set(line, pkg);
  }
  return db;
}

/** The log was recorded on this machine (its header's hostname): only then does this machine's database describe its system. */
export function checkSameHost(hostname: string | null | undefined): void {
  if (hostname && hostname === os.hostname()) return;
  throw new ModelError(
    'E_PACKAGES',
    `--packages reads this machine's package database, and the build ran on ${hostname ? `host ${hostname}` : 'an unknown host'}, not on ${os.hostname()}: ask on the machine that ran it`,
  );
}

/** A merged /usr's other name of a path: dpkg lists Debian 12's libc6 under /lib, a build opens /usr/lib (and the reverse). */
function otherName(p: string): string {
  return /^\/usr\/(?:bin|sbin|lib[^/]*)\//.test(p) ? p.slice(4) : /^\/(?:bin|sbin|lib[^/]*)\//.test(p) ? `/usr${p}` : p;
}

function realpath(p: string): string | undefined {
  try {
    return fs.realpathSync(p);
  } catch {
    return undefined;
  }
}

/** Which package each of `files` (absolute) came from, by `db`; `resolve` gives a path's real name here (a link's target). */
export function packagesOf(files: readonly string[], db: PackageDb, resolve: (p: string) => string | undefined = realpath): PackageUse {
  const by = new Map<string, string[]>();
  const none: string[] = [];
  const named = (p: string) => db.get(p) ?? db.get(otherName(p));
  for (const f of files) {
    let pkg = named(f);
    if (pkg === undefined) {
      const real = resolve(f);
      if (real !== undefined && real !== f) pkg = named(real);
    }
    if (pkg === undefined) none.push(f);
    else {
      let list = by.get(pkg);
      if (!list) by.set(pkg, (list = []));
      list.push(f);
    }
  }
  const installed = [...by].map(([name, fs]) => ({ name, files: fs })).sort((a, b) => b.files.length - a.files.length || (a.name < b.name ? -1 : 1));
  return { installed, none };
}
