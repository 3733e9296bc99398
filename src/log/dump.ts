/**
 * Human-readable and JSON views of log records (bt dump).
 *
 * Text: one line per record, time relative to the header's start_ts:
 *   +0.001234 1234/1234 exec /usr/bin/make [make -j2] cwd=/src
 *   +0.002000 1235/1235 open O_RDONLY|O_CLOEXEC "foo.c" = 3
 *
 * JSON: one object per record with stable field names: always type, ts, pid,
 * tid (plus proc, seq, abspath, abspath2, access and access_names when set —
 * normalized logs; the access bits are defined in normalize/access.ts),
 * then the fields of the event. `errno` is 0 on success and the positive errno
 * value on failure. Records of ops are typed by their family in the op table
 * (src/ops/table.ts): unlink | mkdir | rmdir (PathOp), rename | link |
 * symlink (PathOp2), stat | access | readlink (Lookup), chmod | chown |
 * truncate | utime (MetaOp); `op` is the syscall. Strings that are not valid
 * UTF-8 carry their bytes as \udcNN (see bytes.ts).
 */
import { ansiC, displayPath, exitStatus, signalName, umaskText, unprintable } from '../present/format.js';
import { errnoName } from '../errors.js';
import { familyOf, opInfo } from '../ops/table.js';
import { accessNames } from '../normalize/access.js';
import { copyHeader, recordType } from './schema.js';
import type { LogHeader, LogRecord, Trailer } from './schema.js';

// --- open(2) flags ------------------------------------------------------------

/** Flag bits that are the same on every Linux architecture bt runs on. */
const COMMON_FLAGS: Array<[number, string]> = [
  [0o100, 'O_CREAT'],
  [0o200, 'O_EXCL'],
  [0o400, 'O_NOCTTY'],
  [0o1000, 'O_TRUNC'],
  [0o2000, 'O_APPEND'],
  [0o4000, 'O_NONBLOCK'],
  [0o10000, 'O_DSYNC'],
  [0o20000, 'O_ASYNC'],
  [0o1000000, 'O_NOATIME'],
  [0o2000000, 'O_CLOEXEC'],
  [0o10000000, 'O_PATH'],
];
const O_SYNC_BIT = 0o4000000; // __O_SYNC; O_SYNC = __O_SYNC | O_DSYNC
const O_DSYNC = 0o10000;
const O_TMPFILE_BIT = 0o20000000; // __O_TMPFILE; O_TMPFILE = __O_TMPFILE | O_DIRECTORY

/** Bits that differ between asm-generic (x86, riscv, ...) and arm/arm64. */
const LAYOUT_FLAGS: Record<'generic' | 'arm', { O_DIRECTORY: number; bits: Array<[number, string]> }> = {
  generic: {
    O_DIRECTORY: 0o200000,
    bits: [
      [0o40000, 'O_DIRECT'],
      [0o100000, 'O_LARGEFILE'],
      [0o200000, 'O_DIRECTORY'],
      [0o400000, 'O_NOFOLLOW'],
    ],
  },
  arm: {
    O_DIRECTORY: 0o40000,
    bits: [
      [0o40000, 'O_DIRECTORY'],
      [0o100000, 'O_NOFOLLOW'],
      [0o200000, 'O_DIRECT'],
      [0o400000, 'O_LARGEFILE'],
    ],
  },
};

export type FlagLayout = 'generic' | 'arm';

/** All single-bit flags of a layout, by bit value. */
const FLAG_TABLES: Record<FlagLayout, Array<[number, string]>> = {
  generic: [...COMMON_FLAGS, ...LAYOUT_FLAGS.generic.bits].sort((a, b) => a[0] - b[0]),
  arm: [...COMMON_FLAGS, ...LAYOUT_FLAGS.arm.bits].sort((a, b) => a[0] - b[0]),
};

/** flagLayoutOf of each header seen (it is asked once per open record). */
const layouts = new WeakMap<LogHeader, FlagLayout>();

/**
 * The open-flag layout of the machine that wrote the log: from the header's
 * options.arch or kernel release when they tell, else this machine's.
 */
export function flagLayoutOf(h?: LogHeader): FlagLayout {
  if (!h) return flagLayoutHint(h);
  let layout = layouts.get(h);
  if (!layout) layouts.set(h, (layout = flagLayoutHint(h)));
  return layout;
}

function flagLayoutHint(h?: LogHeader): FlagLayout {
  const hint = `${h?.options?.arch ?? ''} ${h?.kernel_release ?? ''}`.toLowerCase();
  if (/aarch64|arm64|\barm/.test(hint)) return 'arm';
  if (/x86_64|amd64|i[3-6]86|riscv|s390/.test(hint)) return 'generic';
  return process.arch === 'arm64' || process.arch === 'arm' ? 'arm' : 'generic';
}

/** Symbolic names of open(2) flags, e.g. ['O_RDONLY', 'O_CLOEXEC']; unknown bits as one hex entry. */
export function openFlagNames(flags: number, layout: FlagLayout = flagLayoutOf()): string[] {
  const names: string[] = [];
  const acc = flags & 3;
  names.push(acc === 0 ? 'O_RDONLY' : acc === 1 ? 'O_WRONLY' : acc === 2 ? 'O_RDWR' : 'O_ACCMODE');
  let rest = (flags >>> 0) & ~3;
  const tmpfile = (rest & O_TMPFILE_BIT) !== 0;
  const sync = (rest & O_SYNC_BIT) !== 0;
  const lay = LAYOUT_FLAGS[layout];
  for (const [bit, name] of FLAG_TABLES[layout]) {
    if (bit === O_DSYNC && sync) continue; // part of O_SYNC
    if (bit === lay.O_DIRECTORY && tmpfile) continue; // part of O_TMPFILE
    if (rest & bit) {
      names.push(name);
      rest &= ~bit;
    }
  }
  if (sync) {
    names.push('O_SYNC');
    rest &= ~(O_SYNC_BIT | O_DSYNC);
  }
  if (tmpfile) {
    names.push('O_TMPFILE');
    rest &= ~(O_TMPFILE_BIT | lay.O_DIRECTORY);
  }
  if (rest) names.push(`0x${(rest >>> 0).toString(16)}`);
  return names;
}

// --- other flag sets ------------------------------------------------------------

function bitNames(flags: number, table: Array<[number, string]>): string[] {
  const names: string[] = [];
  let rest = flags >>> 0;
  for (const [bit, name] of table) {
    if (rest & bit) {
      names.push(name);
      rest &= ~bit;
    }
  }
  if (rest) names.push(`0x${(rest >>> 0).toString(16)}`);
  return names;
}

const RENAME_FLAGS: Array<[number, string]> = [
  [1, 'RENAME_NOREPLACE'],
  [2, 'RENAME_EXCHANGE'],
  [4, 'RENAME_WHITEOUT'],
];
const AT_FLAGS: Array<[number, string]> = [
  [0x100, 'AT_SYMLINK_NOFOLLOW'],
  [0x200, 'AT_REMOVEDIR'],
  [0x400, 'AT_SYMLINK_FOLLOW'],
  [0x1000, 'AT_EMPTY_PATH'],
];
const CLOSE_RANGE_FLAGS: Array<[number, string]> = [
  [2, 'CLOSE_RANGE_UNSHARE'],
  [4, 'CLOSE_RANGE_CLOEXEC'],
];
const AT_FDCWD = -100;

/** st_mode >> 12 as a name: 8 -> "file", 4 -> "dir", 10 -> "symlink". */
const FILE_TYPES: Record<number, string> = { 1: 'fifo', 2: 'chardev', 4: 'dir', 6: 'blockdev', 8: 'file', 10: 'symlink', 12: 'socket' };
/** Every name fileTypeName gives to a known type, and '' (none). */
export const FILE_TYPE_NAMES: readonly string[] = ['', ...Object.values(FILE_TYPES)];
export function fileTypeName(ftype: number): string {
  return FILE_TYPES[ftype] ?? (ftype ? `type${ftype}` : '');
}

function accessModeText(m: number): string {
  const parts: string[] = [];
  if (m & 4) parts.push('R_OK');
  if (m & 2) parts.push('W_OK');
  if (m & 1) parts.push('X_OK');
  return parts.join('|') || 'F_OK';
}

// --- signals -------------------------------------------------------------------

export { signalName } from '../present/format.js';

// --- record types as shown -------------------------------------------------------

/** Family of a PathOp: unlink | mkdir | rmdir (unlinkat with AT_REMOVEDIR is rmdir). */
function pathFamily(op: string, flags: number): string {
  return familyOf(op, flags) ?? 'unlink';
}

/** Family of a PathOp2: rename | link | symlink. */
function path2Family(op: string): string {
  return familyOf(op) ?? 'rename';
}

/**
 * The `type` of a record as shown by dump (and accepted by --type): the oneof
 * name, except records of ops, which are shown by their family in the op
 * table (src/ops/table.ts): unlink, mkdir, rmdir, rename, link, symlink,
 * stat, access, readlink, chmod, chown, truncate, utime. 'unknown' when no
 * known event is set.
 */
export function displayType(r: LogRecord): string {
  const t = recordType(r);
  if (t === 'path') return pathFamily(r.path!.op ?? '', r.path!.flags ?? 0);
  if (t === 'path2') return path2Family(r.path2!.op ?? '');
  if (t === 'lookup') return familyOf(r.lookup!.op ?? '') ?? 'stat';
  if (t === 'meta') return familyOf(r.meta!.op ?? '') ?? 'chmod';
  return t ?? 'unknown';
}

export { DISPLAY_TYPES, TYPE_GROUPS, TYPE_NAMES, displayTypesOf, recordKindOf } from './types.js';

// --- text ------------------------------------------------------------------------

const PLAIN = /^[A-Za-z0-9_./=:,+@%^~-]+$/;

/**
 * A word of a text line: bare when safe, in double quotes otherwise, and
 * with a control character or a byte that is not UTF-8 in the shell's
 * $'…' form that every text output of bt shows (present/format.ts):
 * `$'a\xffb'`, `$'esc\x1b[31mred'`, one line whatever it holds.
 */
export function quoteWord(s: string): string {
  return PLAIN.test(s) ? s : q(s);
}

/** A string (a path as passed) always quoted: in double quotes, or in $'…' (see quoteWord). */
function q(s: string): string {
  return unprintable(s) ? ansiC(s) : JSON.stringify(s);
}

function argvText(argv: readonly string[]): string {
  return `[${argv.map(quoteWord).join(' ')}]`;
}

/** An errno as bt dump shows it: positive (records keep the kernel's -errno). */
export function errnoOf(e: number | undefined): number {
  return Math.abs(e ?? 0);
}

function result(errno: number | undefined, ok: string): string {
  const e = errnoOf(errno);
  return e ? ` = -${errnoName(e)}` : ` = ${ok}`;
}

function mode(m: number): string {
  return `0${(m >>> 0).toString(8).padStart(3, '0')}`;
}

/** Seconds since the header's start: "+0.001234". */
export function relTime(ts: number, h: LogHeader): string {
  const d = ts - (h.start_ts ?? 0);
  const a = Math.abs(d);
  const sec = Math.floor(a / 1e9);
  const us = Math.floor((a - sec * 1e9) / 1000); // truncated to µs, integer math
  return `${d < 0 ? '-' : '+'}${sec}.${String(us).padStart(6, '0')}`;
}

/** One human-readable line (no newline) for a record. */
export function formatText(r: LogRecord, h: LogHeader): string {
  return `${relTime(r.ts, h)} ${r.pid}/${r.tid} ${eventText(r, h)}${normalizedText(r)}`;
}

function normalizedText(r: LogRecord): string {
  let s = '';
  if (r.proc && r.process == null) s += ` proc=${r.proc}`;
  if (r.abspath) s += ` abspath=${quoteWord(r.abspath)}`;
  if (r.abspath2) s += ` abspath2=${quoteWord(r.abspath2)}`;
  if (r.access) s += ` access=${accessNames(r.access).join('|')}`;
  return s;
}

function eventText(r: LogRecord, h: LogHeader): string {
  const t = recordType(r);
  switch (t) {
    case 'exec': {
      const e = r.exec!;
      let s = `exec ${quoteWord(e.path ?? '')} ${argvText(e.argv ?? [])}`;
      if (e.cwd) s += ` cwd=${quoteWord(e.cwd)}`;
      if (e.umask != null) s += ` umask=${umaskText(e.umask)}`;
      if (e.interp) s += ` interp=${quoteWord(e.interp)}`;
      if (e.op && e.op !== 'execve') s += ` op=${e.op}`;
      if (e.op === 'execveat' && e.dirfd !== undefined && e.dirfd !== AT_FDCWD) s += ` dirfd=${e.dirfd}`;
      if (e.old_tid && e.old_tid !== r.tid) s += ` old_tid=${e.old_tid}`;
      if (e.truncated) s += ' truncated';
      if (errnoOf(e.errno)) s += ` = -${errnoName(errnoOf(e.errno))}`;
      return s;
    }
    case 'fork': {
      const f = r.fork!;
      let s = `fork child=${f.child}`;
      if (f.child_tid && f.child_tid !== f.child) s += `/${f.child_tid}`;
      s += ` thread=${Boolean(f.thread)}`;
      if (f.ppid && f.ppid !== r.pid) s += ` ppid=${f.ppid}`;
      return s;
    }
    case 'exit': {
      const x = r.exit!;
      let s = x.signal ? `exit signal=${signalName(x.signal)}` : `exit code=${x.code ?? 0}`;
      if (x.core) s += ' core';
      return s;
    }
    case 'open': {
      const o = r.open!;
      let s = `open ${openFlagNames(o.flags ?? 0, flagLayoutOf(h)).join('|')} ${q(o.path ?? '')}`;
      if (o.dirfd !== undefined && o.dirfd !== AT_FDCWD && (o.op === 'openat' || o.op === 'openat2')) {
        s += ` dirfd=${o.dirfd}`;
      }
      const tmp = (o.flags ?? 0) & O_TMPFILE_BIT;
      if (o.mode || (o.flags ?? 0) & 0o100 || tmp) s += ` mode=${mode(o.mode ?? 0)}`;
      if (o.resolve) s += ` resolve=0x${o.resolve.toString(16)}`;
      if (o.truncated) s += ' truncated';
      return s + result(o.errno, String(o.fd));
    }
    case 'close': {
      const c = r.close!;
      let s = `close ${c.fd}`;
      if (c.op === 'close_range') {
        s = `close ${c.fd}..${c.last ?? c.fd}`;
        if (c.flags) s += ` ${bitNames(c.flags, CLOSE_RANGE_FLAGS).join('|')}`;
      }
      return s + result(c.errno, '0');
    }
    case 'dup': {
      const d = r.dup!;
      let s = `dup ${d.oldfd} -> ${d.newfd}`;
      if (d.cloexec) s += ' cloexec';
      if (d.op && d.op !== 'dup') s += ` (${d.op})`;
      const e = errnoOf(d.errno);
      return e ? `${s} = -${errnoName(e)}` : s;
    }
    case 'pipe': {
      const p = r.pipe!;
      let s = `pipe read=${p.read_fd} write=${p.write_fd}`;
      if (p.flags) s += ` ${openFlagNames(p.flags, flagLayoutOf(h)).slice(1).join('|')}`;
      return s + result(p.errno, '0');
    }
    case 'chdir': {
      const c = r.chdir!;
      const byFd = c.op === 'fchdir' || (!c.path && c.fd !== AT_FDCWD);
      let s = byFd ? `chdir fd=${c.fd}` : `chdir ${q(c.path ?? '')}`;
      if (c.cwd) s += ` cwd=${quoteWord(c.cwd)}`;
      return s + result(c.errno, '0');
    }
    case 'path': {
      const p = r.path!;
      const fam = pathFamily(p.op ?? '', p.flags ?? 0);
      let s = `${fam} ${q(p.path ?? '')}`;
      if (p.dirfd !== undefined && p.dirfd !== AT_FDCWD && p.op?.endsWith('at')) s += ` dirfd=${p.dirfd}`;
      if (fam === 'mkdir') s += ` mode=${mode(p.mode ?? 0)}`;
      if (p.truncated) s += ' truncated';
      return s + result(p.errno, '0');
    }
    case 'path2': {
      const p = r.path2!;
      let s = `${path2Family(p.op ?? '')} ${q(p.from ?? '')} -> ${q(p.to ?? '')}`;
      // the directories the paths are relative to, as opens show dirfd= (symlinkat's target is text: no olddirfd)
      const args = opInfo(p.op ?? '')?.args ?? [];
      if (args.includes('dirfd') && p.olddirfd !== undefined && p.olddirfd !== AT_FDCWD) s += ` olddirfd=${p.olddirfd}`;
      if (args.includes('dirfd2') && p.newdirfd !== undefined && p.newdirfd !== AT_FDCWD) s += ` newdirfd=${p.newdirfd}`;
      if (p.flags) s += ` ${bitNames(p.flags, p.op?.startsWith('rename') ? RENAME_FLAGS : AT_FLAGS).join('|')}`;
      if (p.truncated) s += ' truncated';
      return s + result(p.errno, '0');
    }
    case 'lookup': {
      const l = r.lookup!;
      let s = `${familyOf(l.op ?? '') ?? 'stat'} ${q(l.path ?? '')}`;
      if (l.op && l.op !== familyOf(l.op)) s += ` (${l.op})`;
      if (l.dirfd !== undefined && l.dirfd !== AT_FDCWD) s += ` dirfd=${l.dirfd}`;
      if (l.flags && l.op !== 'statx') s += ` ${bitNames(l.flags, AT_FLAGS).join('|')}`;
      if (l.mode && familyOf(l.op ?? '') === 'access') s += ` ${accessModeText(l.mode)}`;
      if (l.truncated) s += ' truncated';
      const e = errnoOf(l.errno);
      if (e) s += ` = -${errnoName(e)}`;
      else {
        s += ' = 0';
        if (l.ftype) s += ` ${fileTypeName(l.ftype)}`;
        // 0.0: not recorded (a statx that did not ask for the mtime)
        if (l.ftype && (l.mtime || l.mtime_nsec)) s += ` mtime=${l.mtime ?? 0}.${String(l.mtime_nsec ?? 0).padStart(9, '0')}`;
        if (l.target) s += ` -> ${q(l.target)}`;
      }
      if (l.repeats) s += ` (x${l.repeats + 1})`;
      return s;
    }
    case 'readdir': {
      const d = r.readdir!;
      let s = `readdir fd=${d.fd} entries=${d.entries ?? 0} calls=${d.calls ?? 0}`;
      if (d.partial) s += ' partial';
      return s + result(d.errno, '0');
    }
    case 'meta': {
      const m = r.meta!;
      const fam = familyOf(m.op ?? '') ?? 'chmod';
      let s = m.path || m.dirfd === AT_FDCWD ? `${fam} ${q(m.path ?? '')}` : `${fam} fd=${m.dirfd}`;
      if (m.op && m.op !== fam) s += ` (${m.op})`;
      if (m.path && m.dirfd !== undefined && m.dirfd !== AT_FDCWD) s += ` dirfd=${m.dirfd}`;
      if (fam === 'chmod') s += ` mode=${mode(m.mode ?? 0)}`;
      if (fam === 'chown') s += ` uid=${m.uid ?? 0} gid=${m.gid ?? 0}`;
      if (fam === 'truncate') s += ` size=${m.size ?? 0}`;
      if (fam === 'utime') s += m.times_now ? ' times=now' : ` atime=${m.atime ?? 0} mtime=${m.mtime ?? 0}`;
      if (m.flags) s += ` ${bitNames(m.flags, AT_FLAGS).join('|')}`;
      if (m.truncated) s += ' truncated';
      return s + result(m.errno, '0');
    }
    case 'lost': {
      const l = r.lost!;
      let s = `lost ${l.count} ${l.reason || 'unknown'}`;
      if (l.from_ts || l.to_ts) s += ` between ${relTime(l.from_ts ?? 0, h)} and ${relTime(l.to_ts ?? 0, h)}`;
      return s;
    }
    case 'process': {
      const p = r.process!;
      let s = `process ${p.proc} parent=${p.parent} pid=${p.pid} ${p.exe ? quoteWord(p.exe) : '?'} ${argvText(p.argv ?? [])}`;
      if (p.cwd) s += ` cwd=${quoteWord(p.cwd)}`;
      s += p.signal ? ` signal=${signalName(p.signal)}` : ` code=${p.exit_code === -1 ? '?' : p.exit_code}`;
      s += ` start=${relTime(p.start_ts ?? 0, h)} end=${relTime(p.end_ts ?? 0, h)}`;
      return s;
    }
    case 'trailer':
      return `trailer ${trailerSummary(r.trailer!)}`;
    default:
      return 'unknown event';
  }
}

function trailerSummary(t: Trailer): string {
  let s = `exit status ${exitStatus(t.exit_status ?? 0, t.exit_signal ?? 0)}`;
  // a log of ring batches: the kernel's records, and the file's (a batch is one)
  s += t.ring_records ? `, ${t.ring_records} kernel records (${t.records ?? 0} in the file)` : `, ${t.records ?? 0} records`;
  const lost = Object.entries(t.lost ?? {}).filter(([, n]) => Number(n) > 0);
  if (lost.length) s += `, lost ${lost.map(([k, n]) => `${n} ${k}`).join(', ')}`;
  if (t.leftover?.length) s += `, left running: ${t.leftover.map(displayPath).join(', ')}`;
  return s;
}

/** The header as one text line, starting with '#'. */
export function formatHeaderText(h: LogHeader): string {
  // what the log is, then its format version: a normalized log (format 1, records) is not an older one than
  // the raw log (format 2, bt trace's ring batches) it was made from
  let s = `# bt log, ${h.normalized ? `normalized${h.source ? ` from ${h.source}` : ''}` : 'raw'} (format ${h.format_version ?? 0})`;
  if (h.bt_version) s += ` by bt ${h.bt_version}`;
  if (h.hostname) s += ` on ${h.hostname}`;
  if (h.kernel_release) s += ` (Linux ${h.kernel_release})`;
  if (h.boot_to_wall_ns) s += `, started ${new Date((h.start_ts + h.boot_to_wall_ns) / 1e6).toISOString()}`;
  s += `: ${(h.command ?? []).map(quoteWord).join(' ')}`;
  const extra: string[] = [];
  if (h.cwd) extra.push(`cwd=${quoteWord(h.cwd)}`);
  extra.push(`uid=${h.uid ?? 0}`, `gid=${h.gid ?? 0}`);
  if (h.root_pid) extra.push(`pid=${h.root_pid}`);
  for (const [k, v] of Object.entries(h.options ?? {})) extra.push(`${k}=${quoteWord(v)}`);
  return `${s} ${extra.join(' ')}`;
}

/** The trailer as one text line, starting with '#'. */
export function formatTrailerText(t: Trailer, h: LogHeader): string {
  return `# end ${relTime(t.end_ts ?? 0, h)}: ${trailerSummary(t)}`;
}

// --- JSON --------------------------------------------------------------------------

function numMap(m: Record<string, number> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (m) for (const k of Object.keys(m)) out[k] = Number(m[k]);
  return out;
}

/**
 * One JSON-ready object per record (see the file comment for the field names).
 * `h` (optional) picks the open-flag layout for flag_names (see flagLayoutOf);
 * `flagNames: false` leaves flag_names out (bt sql's events, which keep the bits).
 */
export function toJson(r: LogRecord, h?: LogHeader, flagNames = true): object {
  const o: Record<string, unknown> = { type: displayType(r), ts: r.ts, pid: r.pid, tid: r.tid };
  if (r.proc) o.proc = r.proc;
  if (r.seq) o.seq = r.seq;
  if (r.abspath) o.abspath = r.abspath;
  if (r.abspath2) o.abspath2 = r.abspath2;
  if (r.access) o.access = r.access;
  if (r.access && flagNames) o.access_names = accessNames(r.access);
  switch (recordType(r)) {
    case 'exec': {
      const e = r.exec!;
      o.path = e.path ?? '';
      o.argv = [...(e.argv ?? [])];
      o.env = [...(e.env ?? [])];
      o.cwd = e.cwd ?? '';
      o.errno = errnoOf(e.errno);
      o.interp = e.interp ?? '';
      o.op = e.op ?? '';
      o.dirfd = e.dirfd ?? 0;
      o.truncated = Boolean(e.truncated);
      o.env_omitted = Boolean(e.env_omitted);
      if (e.argv0) o.argv0 = e.argv0;
      if (e.cwd_incomplete) o.cwd_incomplete = true;
      if (e.umask != null) o.umask = umaskText(e.umask);
      o.uid = e.uid ?? 0;
      o.gid = e.gid ?? 0;
      o.old_tid = e.old_tid ?? 0;
      break;
    }
    case 'fork': {
      const f = r.fork!;
      o.ppid = f.ppid ?? 0;
      o.child = f.child ?? 0;
      o.child_tid = f.child_tid ?? 0;
      o.thread = Boolean(f.thread);
      break;
    }
    case 'exit': {
      const x = r.exit!;
      o.code = x.code ?? 0;
      o.signal = x.signal ?? 0;
      o.core = Boolean(x.core);
      o.status = x.status ?? 0;
      break;
    }
    case 'open': {
      const p = r.open!;
      o.path = p.path ?? '';
      o.dirfd = p.dirfd ?? 0;
      o.flags = p.flags ?? 0;
      if (flagNames) o.flag_names = openFlagNames(p.flags ?? 0, flagLayoutOf(h));
      o.fd = p.fd ?? 0;
      o.errno = errnoOf(p.errno);
      o.mode = p.mode ?? 0;
      o.op = p.op ?? '';
      o.resolve = p.resolve ?? 0;
      o.truncated = Boolean(p.truncated);
      o.mtime = p.mtime ?? 0;
      o.mtime_nsec = p.mtime_nsec ?? 0;
      o.size = p.size ?? 0;
      break;
    }
    case 'close': {
      const c = r.close!;
      o.fd = c.fd ?? 0;
      o.errno = errnoOf(c.errno);
      o.op = c.op ?? '';
      o.last = c.last ?? 0;
      o.flags = c.flags ?? 0;
      break;
    }
    case 'dup': {
      const d = r.dup!;
      o.oldfd = d.oldfd ?? 0;
      o.newfd = d.newfd ?? 0;
      o.errno = errnoOf(d.errno);
      o.op = d.op ?? '';
      o.cloexec = Boolean(d.cloexec);
      o.flags = d.flags ?? 0;
      o.arg = d.arg ?? 0;
      break;
    }
    case 'pipe': {
      const p = r.pipe!;
      o.read_fd = p.read_fd ?? 0;
      o.write_fd = p.write_fd ?? 0;
      o.errno = errnoOf(p.errno);
      o.flags = p.flags ?? 0;
      o.op = p.op ?? '';
      break;
    }
    case 'chdir': {
      const c = r.chdir!;
      o.path = c.path ?? '';
      o.cwd = c.cwd ?? '';
      o.fd = c.fd ?? 0;
      o.errno = errnoOf(c.errno);
      o.op = c.op ?? '';
      if (c.cwd_incomplete) o.cwd_incomplete = true;
      break;
    }
    case 'path': {
      const p = r.path!;
      o.op = p.op ?? '';
      o.path = p.path ?? '';
      o.errno = errnoOf(p.errno);
      o.dirfd = p.dirfd ?? 0;
      o.flags = p.flags ?? 0;
      o.mode = p.mode ?? 0;
      o.truncated = Boolean(p.truncated);
      break;
    }
    case 'path2': {
      const p = r.path2!;
      o.op = p.op ?? '';
      o.from = p.from ?? '';
      o.to = p.to ?? '';
      o.errno = errnoOf(p.errno);
      o.flags = p.flags ?? 0;
      o.olddirfd = p.olddirfd ?? 0;
      o.newdirfd = p.newdirfd ?? 0;
      o.truncated = Boolean(p.truncated);
      break;
    }
    case 'lookup': {
      const l = r.lookup!;
      o.op = l.op ?? '';
      o.path = l.path ?? '';
      o.dirfd = l.dirfd ?? 0;
      o.flags = l.flags ?? 0;
      o.mode = l.mode ?? 0;
      o.errno = errnoOf(l.errno);
      o.ftype = fileTypeName(l.ftype ?? 0);
      o.mtime = l.mtime ?? 0;
      o.mtime_nsec = l.mtime_nsec ?? 0;
      o.target = l.target ?? '';
      o.repeats = l.repeats ?? 0;
      o.truncated = Boolean(l.truncated);
      break;
    }
    case 'readdir': {
      const d = r.readdir!;
      o.op = d.op ?? '';
      o.fd = d.fd ?? 0;
      o.entries = d.entries ?? 0;
      o.calls = d.calls ?? 0;
      o.errno = errnoOf(d.errno);
      o.partial = Boolean(d.partial);
      break;
    }
    case 'meta': {
      const m = r.meta!;
      o.op = m.op ?? '';
      o.path = m.path ?? '';
      o.dirfd = m.dirfd ?? 0;
      o.flags = m.flags ?? 0;
      o.errno = errnoOf(m.errno);
      const fam = familyOf(m.op ?? '');
      if (fam === 'chmod') o.mode = m.mode ?? 0;
      if (fam === 'chown') {
        o.uid = m.uid ?? 0;
        o.gid = m.gid ?? 0;
      }
      if (fam === 'truncate') o.size = m.size ?? 0;
      if (fam === 'utime') {
        o.times_now = Boolean(m.times_now);
        o.atime = m.atime ?? 0;
        o.atime_nsec = m.atime_nsec ?? 0;
        o.mtime = m.mtime ?? 0;
        o.mtime_nsec = m.mtime_nsec ?? 0;
      }
      o.truncated = Boolean(m.truncated);
      break;
    }
    case 'lost': {
      const l = r.lost!;
      o.count = l.count ?? 0;
      o.reason = l.reason ?? '';
      o.from_ts = l.from_ts ?? 0;
      o.to_ts = l.to_ts ?? 0;
      break;
    }
    case 'process': {
      const p = r.process!;
      o.proc = p.proc ?? 0;
      o.pid = p.pid ?? 0;
      o.parent = p.parent ?? 0;
      o.start_ts = p.start_ts ?? 0;
      o.end_ts = p.end_ts ?? 0;
      o.exit_code = p.exit_code ?? 0;
      o.signal = p.signal ?? 0;
      o.exe = p.exe ?? '';
      o.argv = [...(p.argv ?? [])];
      o.cwd = p.cwd ?? '';
      break;
    }
    case 'trailer':
      return trailerToJson(r.trailer!);
    default:
      break;
  }
  return o;
}

/** The header as a JSON-ready object, `type: 'header'` first. */
export function headerToJson(h: LogHeader): object {
  return { type: 'header', ...copyHeader(h), format_version: h.format_version ?? 0 };
}

/** The trailer as a JSON-ready object, `type: 'trailer'` first. */
export function trailerToJson(t: Trailer): object {
  return {
    type: 'trailer',
    end_ts: t.end_ts ?? 0,
    exit_status: t.exit_status ?? 0,
    exit_code: t.exit_code ?? 0,
    exit_signal: t.exit_signal ?? 0,
    records: t.records ?? 0,
    ...(t.ring_records ? { ring_records: t.ring_records } : {}),
    counts: numMap(t.counts),
    lost: numMap(t.lost),
    leftover: [...(t.leftover ?? [])],
    // bt's own usage: only in logs written by bt versions that record it.
    ...(t.bt_max_rss_kib ? { bt_user_us: t.bt_user_us ?? 0, bt_sys_us: t.bt_sys_us ?? 0, bt_max_rss_kib: t.bt_max_rss_kib } : {}),
  };
}
