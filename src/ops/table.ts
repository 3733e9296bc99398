/**
 * THE table of syscalls bt records: one row per op (an op is what the `op`
 * field of a record names: usually one syscall, fcntl is split by command).
 *
 * Everything else is derived from it:
 *  - the BPF side: build/bt_ops.h is generated from this table by
 *    src/ops/cgen.ts when bpf/ is built (enum bt_op, the syscall number ->
 *    op switch, each op's argument layout, and the exit dispatch to the
 *    handler of its record kind; an op that is not in the table is dropped
 *    and counted as lost `unknown_op`, never guessed);
 *  - the decoder (op names), bt dump (families = display types), the
 *    normalizer (which fields are paths), the build model (access class),
 *    and bench:real's strace comparison (which syscalls, which family).
 *
 * Adding a syscall of an existing kind: one row here, the handler reads it
 * through its argument roles, plus a test. Op ids are never reused.
 *
 * Public API (small on purpose): OPS, opInfo(name), opById(id), opsOfKind,
 * familyOf(op, flags), ACCESS_CLASSES.
 */

/** The record kind an op produces: a BPF record type and a log event. */
export type RecordKind =
  | 'open' // bt_open -> Open
  | 'close' // bt_close -> Close
  | 'dup' // bt_dup -> Dup
  | 'pipe' // bt_pipe -> Pipe
  | 'chdir' // bt_chdir -> Chdir
  | 'path' // bt_path -> PathOp (one path)
  | 'path2' // bt_path2 -> PathOp2 (two paths)
  | 'exec' // bt_exec (+ EXEC_DATA) -> Exec
  | 'lookup' // bt_lookup -> Lookup (stat, access, readlink)
  | 'readdir' // bt_readdir -> Readdir (getdents64, once per listed directory)
  | 'meta'; // bt_meta -> MetaOp (chmod, chown, truncate, utime)

/**
 * How an op counts as an access of a file (what the build model reads):
 *   open      classified by its flags and result (read/write/create/trunc; failure = probe)
 *   exec      the program was run (failure = probe)
 *   stat      metadata read (stat, access); failure = probe
 *   readlink  symlink text read (metadata read); failure = probe
 *   list      directory entries read (getdents64)
 *   meta      metadata changed (chmod, chown, utime)
 *   truncate  content written (truncate, ftruncate)
 *   delete    unlink (unlinkat with AT_REMOVEDIR: rmdir)
 *   mkdir, rmdir, rename, link, symlink   namespace changes
 *   mknod     a file node made (mknod, mkfifo: a FIFO, a device, an empty file)
 *   fd        no file access (close, dup, pipe, fcntl): fd table only
 *   chdir     the cwd changed
 */
export type AccessClass =
  | 'open'
  | 'exec'
  | 'stat'
  | 'readlink'
  | 'list'
  | 'meta'
  | 'truncate'
  | 'delete'
  | 'mkdir'
  | 'rmdir'
  | 'rename'
  | 'link'
  | 'symlink'
  | 'mknod'
  | 'fd'
  | 'chdir';

export const ACCESS_CLASSES: readonly AccessClass[] = [
  'open', 'exec', 'stat', 'readlink', 'list', 'meta', 'truncate', 'delete', 'mkdir', 'rmdir', 'rename', 'link',
  'symlink', 'mknod', 'fd', 'chdir',
];

/**
 * Roles of syscall arguments, in argument order. The BPF handlers read
 * arguments by role (struct bt_args in the generated header), never by
 * position: dirfd/dirfd2 default to AT_FDCWD, fd/fd2 to -1, the rest to 0.
 *   dirfd, path     the (first) path and its directory fd
 *   dirfd2, path2   the second path (rename/link destination; symlink: the link)
 *   flags, mode     flags (AT_*, O_*, ...) and mode (permission bits, access(2) mode, statx mask)
 *   fd, fd2         an fd operand; fd2: dup target / F_DUPFD minimum / close_range last
 *   buf             a user buffer the kernel fills or reads (stat result, link text,
 *                   dirents, pipe fds, open_how, times)
 *   size            a size (readlink bufsiz, truncate length, getdents count, open_how size)
 *   uid, gid        new owner
 *   cmd, argv, envp not read through bt_args (fcntl command; exec reads its own)
 *   -               an argument bt does not record
 */
export type ArgRole =
  | 'dirfd'
  | 'path'
  | 'dirfd2'
  | 'path2'
  | 'flags'
  | 'mode'
  | 'fd'
  | 'fd2'
  | 'buf'
  | 'size'
  | 'uid'
  | 'gid'
  | 'cmd'
  | 'argv'
  | 'envp'
  | '-';

export interface OpInfo {
  /** enum bt_op value: never reused. */
  id: number;
  /** The op's name in the log (`op` fields). */
  name: string;
  /**
   * Syscalls (names of the architecture's __NR_* constants) that are this
   * op. Empty for an op refined from another's syscall (fcntl commands).
   */
  syscalls: string[];
  kind: RecordKind;
  /** Display type in bt dump (`type`) and the strace comparison's family. */
  family: string;
  access: AccessClass;
  /** Argument roles in argument order. */
  args: ArgRole[];
}

type Row = [id: number, name: string, kind: RecordKind, family: string, access: AccessClass, args: ArgRole[], syscalls?: string[]];

// prettier-ignore
const ROWS: Row[] = [
  [1, 'open', 'open', 'open', 'open', ['path', 'flags', 'mode']],
  [2, 'openat', 'open', 'open', 'open', ['dirfd', 'path', 'flags', 'mode']],
  [3, 'openat2', 'open', 'open', 'open', ['dirfd', 'path', 'buf', 'size']],
  [4, 'creat', 'open', 'open', 'open', ['path', 'mode']],
  [5, 'close', 'close', 'close', 'fd', ['fd']],
  [6, 'close_range', 'close', 'close', 'fd', ['fd', 'fd2', 'flags']],
  [7, 'dup', 'dup', 'dup', 'fd', ['fd']],
  [8, 'dup2', 'dup', 'dup', 'fd', ['fd', 'fd2']],
  [9, 'dup3', 'dup', 'dup', 'fd', ['fd', 'fd2', 'flags']],
  [10, 'fcntl_dupfd', 'dup', 'dup', 'fd', ['fd', 'cmd', 'fd2'], ['fcntl']],
  [11, 'fcntl_dupfd_cloexec', 'dup', 'dup', 'fd', ['fd', 'cmd', 'fd2'], []],
  [12, 'fcntl_setfd', 'dup', 'dup', 'fd', ['fd', 'cmd', 'fd2'], []],
  [13, 'pipe', 'pipe', 'pipe', 'fd', ['buf']],
  [14, 'pipe2', 'pipe', 'pipe', 'fd', ['buf', 'flags']],
  [15, 'chdir', 'chdir', 'chdir', 'chdir', ['path']],
  [16, 'fchdir', 'chdir', 'chdir', 'chdir', ['fd']],
  [17, 'unlink', 'path', 'unlink', 'delete', ['path']],
  [18, 'unlinkat', 'path', 'unlink', 'delete', ['dirfd', 'path', 'flags']],
  [19, 'mkdir', 'path', 'mkdir', 'mkdir', ['path', 'mode']],
  [20, 'mkdirat', 'path', 'mkdir', 'mkdir', ['dirfd', 'path', 'mode']],
  [21, 'rmdir', 'path', 'rmdir', 'rmdir', ['path']],
  [22, 'rename', 'path2', 'rename', 'rename', ['path', 'path2']],
  [23, 'renameat', 'path2', 'rename', 'rename', ['dirfd', 'path', 'dirfd2', 'path2']],
  [24, 'renameat2', 'path2', 'rename', 'rename', ['dirfd', 'path', 'dirfd2', 'path2', 'flags']],
  [25, 'link', 'path2', 'link', 'link', ['path', 'path2']],
  [26, 'linkat', 'path2', 'link', 'link', ['dirfd', 'path', 'dirfd2', 'path2', 'flags']],
  [27, 'symlink', 'path2', 'symlink', 'symlink', ['path', 'path2']],
  [28, 'symlinkat', 'path2', 'symlink', 'symlink', ['path', 'dirfd2', 'path2']],
  [29, 'execve', 'exec', 'exec', 'exec', ['path', 'argv', 'envp']],
  [30, 'execveat', 'exec', 'exec', 'exec', ['dirfd', 'path', 'argv', 'envp', 'flags']],
  // lookups: metadata reads; a failure is a probe
  [31, 'stat', 'lookup', 'stat', 'stat', ['path', 'buf']],
  [32, 'lstat', 'lookup', 'stat', 'stat', ['path', 'buf']],
  [33, 'newfstatat', 'lookup', 'stat', 'stat', ['dirfd', 'path', 'buf', 'flags']],
  [34, 'statx', 'lookup', 'stat', 'stat', ['dirfd', 'path', 'flags', 'mode', 'buf']],
  [35, 'access', 'lookup', 'access', 'stat', ['path', 'mode']],
  [36, 'faccessat', 'lookup', 'access', 'stat', ['dirfd', 'path', 'mode']],
  [37, 'faccessat2', 'lookup', 'access', 'stat', ['dirfd', 'path', 'mode', 'flags']],
  [38, 'readlink', 'lookup', 'readlink', 'readlink', ['path', 'buf', 'size']],
  [39, 'readlinkat', 'lookup', 'readlink', 'readlink', ['dirfd', 'path', 'buf', 'size']],
  // directory listings
  [40, 'getdents64', 'readdir', 'readdir', 'list', ['fd', 'buf', 'size']],
  // metadata changes (fd forms: the fd is recorded as dirfd, with an empty path)
  [41, 'chmod', 'meta', 'chmod', 'meta', ['path', 'mode']],
  [42, 'fchmod', 'meta', 'chmod', 'meta', ['dirfd', 'mode']],
  [43, 'fchmodat', 'meta', 'chmod', 'meta', ['dirfd', 'path', 'mode']],
  [44, 'chown', 'meta', 'chown', 'meta', ['path', 'uid', 'gid']],
  [45, 'lchown', 'meta', 'chown', 'meta', ['path', 'uid', 'gid']],
  [46, 'fchown', 'meta', 'chown', 'meta', ['dirfd', 'uid', 'gid']],
  [47, 'fchownat', 'meta', 'chown', 'meta', ['dirfd', 'path', 'uid', 'gid', 'flags']],
  [48, 'truncate', 'meta', 'truncate', 'truncate', ['path', 'size']],
  [49, 'ftruncate', 'meta', 'truncate', 'truncate', ['dirfd', 'size']],
  [50, 'utime', 'meta', 'utime', 'meta', ['path', 'buf']],
  [51, 'utimes', 'meta', 'utime', 'meta', ['path', 'buf']],
  [52, 'utimensat', 'meta', 'utime', 'meta', ['dirfd', 'path', 'buf', 'flags']],
  [53, 'futimesat', 'meta', 'utime', 'meta', ['dirfd', 'path', 'buf']],
  // file nodes (mode holds the type: S_IFIFO, S_IFCHR, S_IFBLK, S_IFREG); the device number is not recorded
  [54, 'mknod', 'path', 'mknod', 'mknod', ['path', 'mode', '-']],
  [55, 'mknodat', 'path', 'mknod', 'mknod', ['dirfd', 'path', 'mode', '-']],
  [56, 'fchmodat2', 'meta', 'chmod', 'meta', ['dirfd', 'path', 'mode', 'flags']],
];

/**
 * Numbers of syscalls newer than the oldest kernel headers bt builds with
 * (Debian 12: Linux 6.1). Since 424 a new syscall has one number on every
 * architecture. The generated C defines them where the headers do not.
 */
export const NEW_SYSCALL_NUMBERS: Readonly<Record<string, number>> = { fchmodat2: 452 };

/** Every op, by id order. */
export const OPS: readonly OpInfo[] = ROWS.map(([id, name, kind, family, access, args, syscalls]) => ({
  id,
  name,
  kind,
  family,
  access,
  args,
  syscalls: syscalls ?? [name],
}));

const BY_NAME = new Map(OPS.map((o) => [o.name, o]));
const BY_ID = new Map(OPS.map((o) => [o.id, o]));

/** The row of an op by name ("newfstatat"), undefined if bt does not record it. */
export function opInfo(name: string): OpInfo | undefined {
  return BY_NAME.get(name);
}

/** The row of an op by enum bt_op value. */
export function opById(id: number): OpInfo | undefined {
  return BY_ID.get(id);
}

/** The ops of a record kind. */
export function opsOfKind(kind: RecordKind): OpInfo[] {
  return OPS.filter((o) => o.kind === kind);
}

const AT_REMOVEDIR = 0x200;

/**
 * The family (display type) of a record's op; unlinkat with AT_REMOVEDIR is
 * an rmdir. Unknown ops: undefined.
 */
export function familyOf(op: string, flags = 0): string | undefined {
  if (op === 'unlinkat' && flags & AT_REMOVEDIR) return 'rmdir';
  return BY_NAME.get(op)?.family;
}

/**
 * The access class of a record's op (as familyOf: unlinkat with
 * AT_REMOVEDIR is rmdir). Unknown ops: undefined.
 */
export function accessOf(op: string, flags = 0): AccessClass | undefined {
  if (op === 'unlinkat' && flags & AT_REMOVEDIR) return 'rmdir';
  return BY_NAME.get(op)?.access;
}

/** Every distinct family, in table order. */
export const FAMILIES: readonly string[] = [...new Set(OPS.map((o) => o.family))];
