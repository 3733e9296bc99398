/**
 * What one normalized record says about the files it names: up to two
 * (path, kind bits) pairs. The build model folds these into accesses; the
 * display filter's `access` field of an event is their union.
 *
 * CREATE here means "may have made it" (O_CREAT, mkdir, link, symlink);
 * the model keeps it only when the file was not there before. A
 * successful exec runs its program and, for a #! script, the interpreter.
 */
import type { LogRecord } from '../log/schema.js';
import { recordType } from '../log/schema.js';
import { Access } from '../normalize/access.js';
import { resolvePath } from '../normalize/paths.js';
import { accessOf, type AccessClass } from '../ops/table.js';
import { Kind } from './kinds.js';

const AT_REMOVEDIR = 0x200;
const ENOENT = 2;
const EEXIST = 17;
const EINVAL = 22;
/** Lookup.ftype of a directory (S_IFDIR >> 12). */
const S_IFDIR_TYPE = 4;

export interface Use {
  path: string | undefined;
  kinds: number;
}

/** The kinds of a normalized open's access bits. */
export function openKinds(a: number): number {
  if (a & Access.FAILED) return Kind.PROBE;
  if (a & Access.PATH) return a & Access.DIRECTORY ? Kind.STAT | Kind.DIR : Kind.STAT;
  if (a & Access.DIRECTORY) return Kind.DIR | Kind.LIST;
  let k = 0;
  if (a & Access.WRITE) k |= Kind.WRITE;
  if (a & Access.CREATE) k |= Kind.CREATE;
  if (a & Access.TRUNCATE) k |= Kind.TRUNCATE;
  // Reading what one just truncated reads one's own output: not an input.
  if (a & Access.READ && !(a & Access.TRUNCATE)) k |= Kind.READ;
  return k;
}

const NONE: readonly Use[] = [];

/**
 * Kinds of a successful lookup, listing or metadata change, by the access
 * class the op table gives its op (src/ops/table.ts). A failed one is a
 * probe (not found, not allowed).
 */
const CLASS_KINDS: Partial<Record<AccessClass, number>> = {
  stat: Kind.STAT,
  readlink: Kind.STAT,
  list: Kind.LIST | Kind.DIR,
  meta: Kind.META,
  truncate: Kind.WRITE | Kind.TRUNCATE,
};

/** Uses of a lookup, readdir or meta record: driven by the op table's access class. */
function classUses(path: string | undefined, op: string, flags: number, errno: number, fallback: AccessClass): readonly Use[] {
  const cls = accessOf(op, flags) ?? fallback;
  const kinds = CLASS_KINDS[cls];
  if (kinds === undefined) return NONE;
  // readlink of what is not a symlink (EINVAL): the path is there (a realpath walk asks this of every component)
  if (cls === 'readlink' && errno === EINVAL) return [{ path, kinds: Kind.STAT }];
  return [{ path, kinds: errno !== 0 ? Kind.PROBE : kinds }];
}

/** The files a record names and how it used them (empty for records about no file). */
export function recordUses(r: LogRecord, type = recordType(r)): readonly Use[] {
  switch (type) {
    case 'exec': {
      const e = r.exec!;
      if ((e.errno ?? 0) !== 0) return [{ path: r.abspath, kinds: Kind.PROBE }];
      // a #! script (or binfmt_misc) runs its interpreter too: the kernel opens it, no open record says so
      const interp = e.interp ? resolvePath(e.cwd, e.interp) : undefined;
      return interp && interp !== r.abspath ? [{ path: r.abspath, kinds: Kind.EXEC }, { path: interp, kinds: Kind.EXEC }] : [{ path: r.abspath, kinds: Kind.EXEC }];
    }
    case 'open':
      return [{ path: r.abspath, kinds: openKinds(r.access ?? 0) }];
    case 'chdir':
      return [{ path: r.abspath, kinds: (r.chdir!.errno ?? 0) !== 0 ? Kind.PROBE : Kind.DIR | Kind.STAT }];
    case 'path': {
      const o = r.path!;
      const op = o.op ?? '';
      const mkdir = op.startsWith('mkdir');
      const errno = o.errno ?? 0;
      if (op.startsWith('mknod')) {
        // a FIFO, device or empty file made: an output; EEXIST says the path is there
        if (errno === 0) return [{ path: r.abspath, kinds: Kind.CREATE | Kind.WRITE }];
        return [{ path: r.abspath, kinds: errno === EEXIST ? Kind.STAT : Kind.PROBE }];
      }
      if (errno !== 0) {
        // mkdir of an existing directory says it is there; other failures are probes
        if (mkdir && errno === EEXIST) return [{ path: r.abspath, kinds: Kind.STAT | Kind.DIR }];
        return errno === ENOENT || !mkdir ? [{ path: r.abspath, kinds: Kind.PROBE }] : NONE;
      }
      if (mkdir) return [{ path: r.abspath, kinds: Kind.CREATE | Kind.DIR }];
      const rmdir = op === 'rmdir' || (op === 'unlinkat' && ((o.flags ?? 0) & AT_REMOVEDIR) !== 0);
      return [{ path: r.abspath, kinds: rmdir ? Kind.DELETE | Kind.DIR : Kind.DELETE }];
    }
    case 'path2': {
      const o = r.path2!;
      if ((o.errno ?? 0) !== 0) return [{ path: r.abspath2, kinds: Kind.PROBE }];
      const op = o.op ?? '';
      if (op.startsWith('rename')) {
        return [
          { path: r.abspath, kinds: Kind.DELETE | Kind.RENAME_FROM },
          { path: r.abspath2, kinds: Kind.RENAME_TO },
        ];
      }
      if (op.startsWith('link')) {
        return [
          { path: r.abspath, kinds: Kind.LINK_FROM },
          { path: r.abspath2, kinds: Kind.CREATE | Kind.WRITE },
        ];
      }
      // symlink: `from` is the link's text, not a file the build used
      return [{ path: r.abspath2, kinds: Kind.CREATE | Kind.WRITE }];
    }
    case 'lookup': {
      const l = r.lookup!;
      const uses = classUses(r.abspath, l.op ?? '', l.flags ?? 0, l.errno ?? 0, 'stat');
      // a stat that found a directory says the path is one (as an O_DIRECTORY open does)
      return l.ftype === S_IFDIR_TYPE && uses.length && uses[0].kinds & Kind.STAT ? [{ path: r.abspath, kinds: Kind.STAT | Kind.DIR }] : uses;
    }
    case 'readdir': {
      // errno on a listing is how it ended; entries read are a listing all the same. A listing
      // that read nothing and failed (getdents64 of a file: ENOTDIR) says nothing of the fd's file.
      const d = r.readdir!;
      if ((d.errno ?? 0) !== 0 && !d.entries) return NONE;
      return classUses(r.abspath, d.op ?? '', 0, 0, 'list');
    }
    case 'meta': {
      const m = r.meta!;
      return classUses(r.abspath, m.op ?? '', m.flags ?? 0, m.errno ?? 0, 'meta');
    }
    default:
      return NONE;
  }
}

/** The union of a record's kinds (the filter's `access` of an event). */
export function recordKinds(r: LogRecord, type = recordType(r)): number {
  let k = 0;
  for (const u of recordUses(r, type)) k |= u.kinds;
  return k;
}
