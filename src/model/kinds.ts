/**
 * How a process touched a file: the kind bits of an Access in the build
 * model (process x file). One access may carry several bits (a file opened
 * O_RDWR|O_CREAT is read, write and create).
 *
 *   read      its content was read (a successful read open)
 *   write     its content was written (a write open, truncate(2))
 *   create    the build made it (O_CREAT on a file that was not there,
 *             mkdir, the destination of a rename/link/symlink)
 *   truncate  its old content was thrown away (O_TRUNC)
 *   delete    it was removed (unlink, rmdir, the source of a rename)
 *   probe     it was looked for and not found or not allowed (a failed
 *             open, exec, stat, access or readlink)
 *   exec      it was run (a successful exec)
 *   dir       it is a directory and was used as one (opened O_DIRECTORY, listed)
 *   stat      its metadata was read (stat, access, readlink: a lookup that succeeded)
 *   list      it is a directory whose entries were read (getdents)
 *   meta      its metadata was changed (chmod, chown, utime)
 *   rename_from / rename_to   it was the source / destination of a rename
 *   link_from  it was the source of a hard link (the destination is the
 *             same file: its content came from this one)
 *   checksum  its content was read only to checksum it (md5sum, sha256sum,
 *             dpkg-genchanges of a .deb: inspectors.ts): no input of what
 *             the job wrote, and a file the build made stays an output
 */
export const Kind = {
  READ: 1,
  WRITE: 2,
  CREATE: 4,
  TRUNCATE: 8,
  DELETE: 16,
  PROBE: 32,
  EXEC: 64,
  DIR: 128,
  STAT: 256,
  LIST: 512,
  META: 1024,
  RENAME_FROM: 2048,
  RENAME_TO: 4096,
  LINK_FROM: 8192,
  CHECKSUM: 16384,
} as const;

export type KindName = Lowercase<keyof typeof Kind>;

/** Kind names in bit order, as the filter language and JSON output spell them. */
export const KIND_NAMES: readonly KindName[] = Object.keys(Kind).map((k) => k.toLowerCase() as KindName);

/** The bit of a kind name ("read" -> 1); undefined if there is no such kind. */
export function kindBit(name: string): number | undefined {
  const v = (Kind as Record<string, number>)[name.toUpperCase()];
  return v;
}

/** The names of the bits set in `kinds`, in bit order: 5 -> ["read", "create"]. */
export function kindNames(kinds: number): KindName[] {
  const out: KindName[] = [];
  for (const n of KIND_NAMES) if (kinds & (Kind as Record<string, number>)[n.toUpperCase()]) out.push(n);
  return out;
}

/** Content was changed or the file made (write, create, truncate, rename_to). */
export const WRITES = Kind.WRITE | Kind.CREATE | Kind.TRUNCATE | Kind.RENAME_TO;
/**
 * Its content was used: read, run (exec: the program, a #! script and its
 * interpreter; a shared library is read by the loader), moved or linked (a
 * rename's or hard link's source: the destination is made of it). What a
 * job's inputs are made of, and what provenance (deps, rdeps) follows.
 */
export const READS = Kind.READ | Kind.EXEC | Kind.RENAME_FROM | Kind.LINK_FROM;
/** The file's content or existence was used: read, run, hard-linked, checksummed, or a successful lookup or listing. */
export const USES = Kind.READ | Kind.EXEC | Kind.LINK_FROM | Kind.STAT | Kind.LIST | Kind.CHECKSUM;
