/**
 * What one normalized record says about the files it names: up to two
 * (path, kind bits) pairs. The build model folds these into accesses; the
 * display filter's `access` field of an event is their union.
 *
 * CREATE here means "may have made it" (O_CREAT, mkdir, link, symlink);
 * the model keeps it only when the file was not there before.
 */
import type { LogRecord } from '../log/schema.js';
import { recordType } from '../log/schema.js';
import { Access } from '../normalize/access.js';
import { Kind } from './kinds.js';

const AT_REMOVEDIR = 0x200;
const ENOENT = 2;
const EEXIST = 17;

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

/** The files a record names and how it used them (empty for records about no file). */
export function recordUses(r: LogRecord, type = recordType(r)): readonly Use[] {
  switch (type) {
    case 'exec':
      return [{ path: r.abspath, kinds: (r.exec!.errno ?? 0) !== 0 ? Kind.PROBE : Kind.EXEC }];
    case 'open':
      return [{ path: r.abspath, kinds: openKinds(r.access ?? 0) }];
    case 'chdir':
      return [{ path: r.abspath, kinds: (r.chdir!.errno ?? 0) !== 0 ? Kind.PROBE : Kind.DIR | Kind.STAT }];
    case 'path': {
      const o = r.path!;
      const op = o.op ?? '';
      const mkdir = op.startsWith('mkdir');
      const errno = o.errno ?? 0;
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
          { path: r.abspath, kinds: Kind.STAT },
          { path: r.abspath2, kinds: Kind.CREATE | Kind.WRITE },
        ];
      }
      // symlink: `from` is the link's text, not a file the build used
      return [{ path: r.abspath2, kinds: Kind.CREATE | Kind.WRITE }];
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
