/**
 * Error classes, one per domain. Each has a stable `code` (for scripts and
 * tests), keeps its `cause`, and a message that says what to do.
 * Only src/cli/run.ts turns them into output and an exit status.
 */
export class BtError extends Error {
  readonly code: string;
  /** The command that says it ("bt graph"), when its line names it instead of plain "bt". */
  readonly command?: string;
  constructor(code: string, message: string, options?: { cause?: unknown; command?: string }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    if (options?.command) this.command = options.command;
  }
}

/** Problems with a log file: not a bt log, unreadable, unwritable. */
export class LogError extends BtError {}

/** Problems setting up or running the capture: privileges, BPF, cgroups. */
export class CaptureError extends BtError {}

/** A native call failed: names the operation and the errno. */
export class NativeError extends CaptureError {
  readonly errno: number;
  readonly op: string;
  constructor(op: string, errno: number, hint = '', options?: { cause?: unknown }) {
    super(
      'E_NATIVE',
      `${op} failed: ${errnoName(errno)} (${errno})${hint ? `. ${hint}` : ''}`,
      options,
    );
    this.op = op;
    this.errno = errno;
  }
}

/** Bad command-line usage. */
export class UsageError extends BtError {}

/** Problems in bt normalize. */
export class NormalizeError extends BtError {}

/** Problems in bt graph. */
export class GraphError extends BtError {}

/**
 * A display filter that does not parse or does not type-check. `column` is
 * the 0-based column in the filter text; `detail` is the message without
 * the position. The message is one line: `<detail> at column <N>`, N
 * counted from 1 as compilers and editors do.
 */
export class FilterError extends BtError {
  readonly column: number;
  readonly detail: string;
  constructor(detail: string, column: number, options?: { cause?: unknown }) {
    super('E_FILTER', `${detail} at column ${column + 1}`, options);
    this.column = column;
    this.detail = detail;
  }
}

/**
 * The two-line form of a filter error for a terminal: the filter, then a
 * caret under the column followed by the message.
 *
 *   exe == and pid
 *          ^ expected a value after "=="
 */
export function formatFilterError(expr: string, err: FilterError): string {
  const line = expr.replace(/[\r\n\t]/g, ' ');
  return `${line}\n${' '.repeat(Math.max(0, err.column))}^ ${err.detail}`;
}

const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM', 2: 'ENOENT', 3: 'ESRCH', 4: 'EINTR', 5: 'EIO', 7: 'E2BIG', 8: 'ENOEXEC', 9: 'EBADF',
  11: 'EAGAIN', 12: 'ENOMEM', 13: 'EACCES', 14: 'EFAULT', 16: 'EBUSY', 17: 'EEXIST', 18: 'EXDEV',
  20: 'ENOTDIR', 21: 'EISDIR', 22: 'EINVAL', 24: 'EMFILE', 26: 'ETXTBSY', 28: 'ENOSPC', 30: 'EROFS',
  36: 'ENAMETOOLONG', 38: 'ENOSYS', 39: 'ENOTEMPTY', 40: 'ELOOP', 95: 'EOPNOTSUPP', 524: 'ENOTSUPP',
  6: 'ENXIO', 10: 'ECHILD', 15: 'ENOTBLK', 19: 'ENODEV', 23: 'ENFILE', 25: 'ENOTTY', 27: 'EFBIG',
  29: 'ESPIPE', 31: 'EMLINK', 32: 'EPIPE', 33: 'EDOM', 34: 'ERANGE', 35: 'EDEADLK', 37: 'ENOLCK',
  42: 'ENOMSG', 61: 'ENODATA', 62: 'ETIME', 71: 'EPROTO', 74: 'EBADMSG', 75: 'EOVERFLOW', 84: 'EILSEQ',
  88: 'ENOTSOCK', 98: 'EADDRINUSE', 104: 'ECONNRESET', 110: 'ETIMEDOUT', 111: 'ECONNREFUSED',
  116: 'ESTALE', 121: 'EREMOTEIO', 122: 'EDQUOT', 125: 'ECANCELED', 512: 'ERESTARTSYS',
};

const ERRNO_NUMBERS: ReadonlyMap<string, number> = new Map(
  Object.entries(ERRNO_NAMES).map(([n, name]) => [name, Number(n)]),
);

/** The errno value of a symbolic name ("ENOENT" -> 2, case-insensitive); undefined if unknown. */
export function errnoNumber(name: string): number | undefined {
  const upper = name.toUpperCase();
  return ERRNO_NUMBERS.get(upper) ?? (upper === 'EWOULDBLOCK' ? 11 : upper === 'ENOTSUP' ? 95 : undefined);
}

/** Symbolic name of an errno value (positive), e.g. 2 -> "ENOENT". */
export function errnoName(errno: number): string {
  return ERRNO_NAMES[Math.abs(errno)] ?? `errno ${Math.abs(errno)}`;
}

/** Problems answering questions about a build (bt summary, deps, rdeps, …): a file the build never touched, an ambiguous name. */
export class ModelError extends BtError {}

/** Problems in bt export: an unknown format, an output that cannot be written. */
export class ExportError extends BtError {}

/** Problems in bt sql: a query DuckDB refuses, an input that is neither a log nor a Parquet directory. */
export class SqlError extends BtError {}

/** Problems in bt check: a log or option it cannot use, make's database that cannot be had. */
export class CheckError extends BtError {}

/** Problems in bt diff: a log or option it cannot use. */
export class DiffError extends BtError {}

/** Problems in bt view: the server cannot listen, a static page would be too big. */
export class ViewError extends BtError {}
