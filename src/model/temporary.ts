/**
 * A process's own temporary: a file one process created and removed
 * itself, read by no other. It removed it by unlinking it (ar's stXXXXXX
 * scratch file, a tool's own temporary) or by renaming it onto another
 * name (sed -i's sedXXXXXX renamed onto the file it edits, Python's mkstemp
 * then os.replace, ranlib's stXXXXXX, a staging directory renamed into
 * place with the files under it), or by hard-linking it to another name
 * and then unlinking it (link(2) into place, which unlike rename(2) never
 * replaces a file: git's objects, some install and ar variants). A rename,
 * or a link and then an unlink, hands the content on to the new name,
 * which that same process made (the rename or link writes it): what the
 * build made is the file at the new name, and its provenance, through the
 * rename or link, stays that process's (deps, rdeps, makedeps follow it).
 *
 * Not one: a file another process read, wrote, removed, moved or
 * hard-linked under this name (gcc's /tmp/ccXXXXXX.s, written by cc1 and
 * read by as; a file one job wrote and `mv` renamed, or `ln` linked and
 * `rm` removed: an intermediate, handed from one process to another), or
 * that is still there at the end (hard-linked and kept, its content lives
 * on under two names).
 *
 * bt summary counts these apart from the intermediates (answers/groups.ts);
 * bt graph hides them with the other temporaries (graph/model.ts).
 */
import { Kind, READS, WRITES } from './kinds.js';
import type { BuildFile } from './types.js';

/** Whether `f` is a process's own temporary (see the module comment). */
export function isOwnTemporary(f: BuildFile): boolean {
  if (!f.removed || f.dir) return false;
  let maker = -1;
  for (const a of f.procs) {
    if (!(a.kinds & WRITES)) continue;
    if (maker !== -1 && maker !== a.proc) return false;
    maker = a.proc;
  }
  if (maker === -1) return false;
  for (const a of f.procs) {
    // another process's rename or hard link of it is a use too (READS has rename_from and link_from)
    if (a.proc !== maker && a.kinds & (READS | Kind.DELETE)) return false;
    if (a.proc === maker && !(a.kinds & Kind.CREATE && a.kinds & Kind.DELETE)) return false;
  }
  return true;
}
