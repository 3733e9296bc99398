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
 * A scratch directory is one the build made and removed (kbuild's try-run
 * `.tmp_<pid>`, CMake's TryCompile-XXXXXX, rustc's rustcXXXXXX): a file
 * made and removed under one is a temporary too, whichever processes used
 * it (a shell made it, gcc read it, the shell's trap removed it: kbuild's
 * `.tmp_<pid>/tmp`). bt diff masks such a directory as `<tmp>` by the same
 * rule (isScratchDir).
 *
 * bt summary counts these apart from the intermediates (answers/groups.ts);
 * bt graph hides a process's own temporaries with the other temporaries (graph/model.ts).
 */
import { dirName } from '../normalize/paths.js';
import { Kind, READS, WRITES } from './kinds.js';
import type { BuildFile } from './types.js';

/** Whether `f` is a scratch directory: one the build made and removed (see the module comment). */
export function isScratchDir(f: BuildFile): boolean {
  return f.dir && f.created && f.removed;
}

const scratchOf = new WeakMap<readonly BuildFile[], ReadonlySet<string>>();

/** The scratch directories among a model's files, by path (made once per list). */
function scratchDirs(files: readonly BuildFile[]): ReadonlySet<string> {
  let dirs = scratchOf.get(files);
  if (!dirs) {
    dirs = new Set(files.filter(isScratchDir).map((f) => f.path));
    scratchOf.set(files, dirs);
  }
  return dirs;
}

/**
 * The temporaries bt summary and bt graph set apart: isTemporary, but a
 * scratch file that a build tool's group names (`grouped`: present/fold.ts
 * names CMake's TryCompile-XXXXXX) stays a file of its group, one line.
 */
export function isSetApart(f: BuildFile, files: readonly BuildFile[], grouped: boolean): boolean {
  return isOwnTemporary(f) || (!grouped && isTemporary(f, files));
}

/** Whether `f` is a temporary: a process's own (isOwnTemporary), or a file made and removed in a scratch directory of the build (`files`: the model's files). */
export function isTemporary(f: BuildFile, files: readonly BuildFile[]): boolean {
  if (isOwnTemporary(f)) return true;
  if (!f.removed || !f.created || f.dir) return false;
  const dirs = scratchDirs(files);
  if (!dirs.size) return false;
  for (let d = dirName(f.path); d !== '/' && d !== '' && d !== '.'; d = dirName(d)) if (dirs.has(d)) return true;
  return false;
}

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
