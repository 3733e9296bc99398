/**
 * A merged /usr (Debian 12, Ubuntu, Fedora, Arch): /bin, /sbin, /lib,
 * /lib32, /lib64 and /libx32 are symbolic links into /usr, so /bin/sh and
 * /usr/bin/sh are one file, which a build may use by both names (make's
 * /bin/sh -c, then `sh` found on PATH in /usr/bin). When the traced
 * system's directory was such a link, the listings of one build (bt
 * summary's groups, bt deps and bt rdeps, the viewer's groups) list it
 * once, under /usr; a file named by the user (bt deps FILE, bt rdeps FILE,
 * bt graph --focus FILE) is the file by either name, and bt deps and bt
 * rdeps answer for both names' readers. bt diff compares the two names as
 * one file when the directory was a link on both traced systems. Otherwise
 * the names stay apart: on a system without a merged /usr they can be two
 * different files.
 *
 * Which directories were links: the log's header says (log/usrmerge.ts).
 */
import { USR_MERGE_DIRS, usrMergeOf } from '../log/usrmerge.js';
import type { Build } from './index.js';
import { WRITES } from './kinds.js';

const MERGED_USR = /^\/(bin|sbin|lib|lib32|lib64|libx32)(?=\/|$)/;

/** A path under one of `dirs` (of USR_MERGE_DIRS: "bin", "lib"…) written as its /usr/ counterpart: /lib/x86_64-linux-gnu/crti.o and /usr/lib/x86_64-linux-gnu/crti.o are one file when /lib is a link into /usr. */
export function mergedUsr(p: string, dirs: ReadonlySet<string>): string {
  const m = MERGED_USR.exec(p);
  return m && dirs.has(m[1]) ? `/usr${p}` : p;
}

/** The other name of a path under one of `dirs` or their /usr/ counterparts (/bin/sh <-> /usr/bin/sh), else undefined. */
export function otherUsrName(p: string, dirs: ReadonlySet<string>): string | undefined {
  const m = MERGED_USR.exec(p);
  if (m) return dirs.has(m[1]) ? `/usr${p}` : undefined;
  const u = /^\/usr\/([^/]+)/.exec(p);
  return u && USR_MERGE_DIRS.includes(u[1]) && dirs.has(u[1]) ? p.slice(4) : undefined;
}

const twinsOf = new WeakMap<Build, Map<number, number>>();

/**
 * Per file id, the id of the same file under /usr (/bin/sh -> /usr/bin/sh)
 * when the traced system's /bin (/sbin, /lib…) was a link into /usr, the
 * build used the file by both names and wrote it by neither (a file the
 * build made keeps its own path: its writers are the answer). Computed
 * once per build.
 */
export function usrTwins(build: Build): ReadonlyMap<number, number> {
  let twins = twinsOf.get(build);
  if (twins) return twins;
  twins = new Map();
  const merged = usrMergeOf(build.header);
  if (merged.size) {
    for (const f of build.model.files) {
      const m = MERGED_USR.exec(f.path);
      if (!m || !merged.has(m[1]) || f.kinds & WRITES) continue;
      const twin = build.file(`/usr${f.path}`);
      if (twin && !(twin.kinds & WRITES) && twin.dir === f.dir) twins.set(f.id, twin.id);
    }
  }
  twinsOf.set(build, twins);
  return twins;
}

const usrNamesOf = new WeakMap<Build, Map<number, number[]>>();

/** The ids of file `id`'s names in the build: its usrTwins pair, the /usr name first ([/usr/bin/sh, /bin/sh] for either), else itself alone. */
export function usrNames(build: Build, id: number): readonly number[] {
  let names = usrNamesOf.get(build);
  if (!names) {
    names = new Map();
    for (const [f, twin] of usrTwins(build)) names.set(f, [twin, f]).set(twin, [twin, f]);
    usrNamesOf.set(build, names);
  }
  return names.get(id) ?? [id];
}

/** The file ids without those whose /usr twin (usrTwins) is among them too, in their order: /bin/sh and /usr/bin/sh listed once, as /usr/bin/sh. */
export function distinctFiles(build: Build, ids: readonly number[]): number[] {
  const twins = usrTwins(build);
  if (!twins.size) return [...ids];
  const has = new Set(ids);
  return ids.filter((id) => {
    const t = twins.get(id);
    return t === undefined || !has.has(t);
  });
}
