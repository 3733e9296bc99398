/**
 * Fidelity facts: what a build did, as multisets that two tracers can be
 * compared on (see compare.ts). Independent of src/: bt records are read
 * structurally (BtRecordLike), so this file needs no bt code.
 *
 * Categories (each fact is a JSON tuple, the multiset key):
 *   execs        successful execs: [absolute path, argv]
 *   failedExecs  failed execs: [absolute path, errno name]
 *   processes    one per process: [exec chain, exit status]; the exec chain is
 *                the process's successful execs in order ([[path, argv], ...]),
 *                or ["fork of", <parent's chain>] for a process that never
 *                exec'd. Processes are matched by what they ran, never by pid.
 *   opens        open/openat/openat2/creat: [absolute path, class, "ok" | errno]
 *   nsops        [family, absolute path(s)..., "ok" | errno]; families:
 *                unlink, rmdir, mkdir, rename, link, symlink (symlink's first
 *                element is the link text, as passed)
 *   lookups      stat/access/readlink families: [op, absolute path, "ok" | errno,
 *                file type (successful stats), link text (successful readlinks)];
 *                bt's repeated lookups count 1 + repeats times. A lookup of an
 *                open fd (empty path with AT_EMPTY_PATH: fstat) is not compared
 *                (bt does not record it)
 *   listings     getdents64, one per listed directory: [absolute path, entries,
 *                "ok" | errno, "partial" if closed before the end]
 *   metas        chmod/chown/truncate/utime families: [op, absolute path, value,
 *                "ok" | errno]; value: the mode (octal), "uid:gid", the size, or
 *                "" for utime
 * Syscall families come from bt's op table (src/ops/table.ts).
 *
 * Paths are absolute and lexically normalized; a path that cannot be made
 * absolute is "?unresolved:<as passed>". Masks (regexps) are applied to
 * every path and argument so names that differ from run to run (gcc's
 * /tmp/ccXXXXXX files, /proc/<pid>) compare equal.
 */
import { fileTypeName } from '../../src/log/dump.js';
import { callerArgv } from '../../src/normalize/argv.js';
import { familyOf } from '../../src/ops/table.js';
import { accessClass, accessOf } from './flags.js';
import { errnoName, signalName } from './names.js';
import { unresolvedPath } from './paths.js';

export const CATEGORIES = ['execs', 'failedExecs', 'processes', 'opens', 'nsops', 'lookups', 'listings', 'metas'] as const;
export type Category = (typeof CATEGORIES)[number];

export const CATEGORY_TITLES: Record<Category, string> = {
  execs: 'successful execs (path, argv)',
  failedExecs: 'failed execs (path, errno)',
  processes: 'processes (exec chain, exit status)',
  opens: 'opens (path, class, result)',
  nsops: 'rename/unlink/mkdir/rmdir/link/symlink',
  lookups: 'lookups: stat/access/readlink (path, result, type, link text)',
  listings: 'directory listings (path, entries)',
  metas: 'metadata changes: chmod/chown/truncate/utime',
};

/** A multiset of string keys. */
export class Multiset {
  readonly map = new Map<string, number>();
  total = 0;
  add(key: string, n = 1): void {
    this.map.set(key, (this.map.get(key) ?? 0) + n);
    this.total += n;
  }
  count(key: string): number {
    return this.map.get(key) ?? 0;
  }
  get distinct(): number {
    return this.map.size;
  }
}

export interface Facts {
  /** "bt" | "strace" */
  source: string;
  execs: Multiset;
  failedExecs: Multiset;
  processes: Multiset;
  opens: Multiset;
  nsops: Multiset;
  lookups: Multiset;
  listings: Multiset;
  metas: Multiset;
  processCount: number;
  /** Counters worth reporting: lines/records read, unresolved paths, truncated execs, lost events... */
  stats: Record<string, number>;
}

/** Rewrites run-dependent parts of names. */
export type Masker = (s: string) => string;

/** A mask: occurrences of the regexp (global) are replaced (string or function, as String.replace). */
export type Mask = [RegExp, string | ((match: string, ...groups: string[]) => string)];

/** True if `s` mixes at least two of: lower case, upper case, digits (a random name, most likely). */
function mixed(s: string): boolean {
  return (/[a-z]/.test(s) ? 1 : 0) + (/[A-Z]/.test(s) ? 1 : 0) + (/[0-9]/.test(s) ? 1 : 0) >= 2;
}

/**
 * Default masks for names that differ from run to run:
 *  - mkstemp names of common tools: gcc/collect2 (ccAbC123.s, @/tmp/ccXyZ789),
 *    sed -i (sedAb12Cd), coreutils ln/install (CuAb12Cd), st<6> temporaries;
 *  - mktemp(1) templates ending in 10 random characters (tmp.AbCdEf1234,
 *    .tmp.config.Ab3dEf9hIj), when the tail mixes case or digits;
 *  - pids: /proc/<pid> and /proc/self (strace's -y names an fd opened as
 *    /proc/self/fd by the pid), Kbuild's try-run directories (.tmp_<pid>),
 *    kconfig's .config.<pid>.tmp.
 */
export const DEFAULT_MASKS: Mask[] = [
  [/(^|[/@])(cc|sed|Cu|st)[A-Za-z0-9]{6}(?=\.[A-Za-z]|$|\/)/g, '$1$2XXXXXX'],
  [/(^|\/)([^/]*?[._-])([A-Za-z0-9]{10})(?=$|\/|\.)/g, (m, a, b, r) => (mixed(r) ? `${a}${b}XXXXXXXXXX` : m)],
  [/\/proc\/(?:[0-9]+|self)(?=\/|$)/g, '/proc/PID'],
  [/(^|\/)\.tmp_[0-9]+(?=$|\/|\.)/g, '$1.tmp_PID'],
  [/\.[0-9]+\.tmp(?=$|\/)/g, '.PID.tmp'],
];

export function makeMasker(masks: Mask[] = DEFAULT_MASKS): Masker {
  if (masks.length === 0) return (s) => s;
  return (s) => {
    let out = s;
    for (const [re, rep] of masks) {
      re.lastIndex = 0;
      out = out.replace(re, rep as string);
    }
    return out;
  };
}

/** Exit status as a fact string. */
export function exitStatus(code: number | undefined, signal: number | string | undefined): string {
  if (signal !== undefined && signal !== 0 && signal !== '') {
    return `killed by ${typeof signal === 'number' ? signalName(signal) : signal}`;
  }
  if (code === undefined || code < 0) return 'unknown';
  return `exit ${code}`;
}

interface ProcEntry {
  parent: string | undefined;
  execs: string[]; // JSON of [path, argv]
  status: string;
}

/**
 * Collects facts. Process ids are the collector's own (any unique string per
 * process: bt's proc, or a pid plus a generation for strace).
 */
export class FactsBuilder {
  readonly execs = new Multiset();
  readonly failedExecs = new Multiset();
  readonly opens = new Multiset();
  readonly nsops = new Multiset();
  readonly lookups = new Multiset();
  readonly listings = new Multiset();
  readonly metas = new Multiset();
  readonly stats: Record<string, number> = {};
  private readonly procs = new Map<string, ProcEntry>();
  private readonly mask: Masker;

  constructor(
    readonly source: string,
    mask: Masker = makeMasker(),
  ) {
    this.mask = mask;
  }

  count(stat: string, n = 1): void {
    this.stats[stat] = (this.stats[stat] ?? 0) + n;
  }

  private path(p: string | undefined, asPassed: string): string {
    if (p === undefined || p === '') {
      this.count('unresolvedPaths');
      return this.mask(unresolvedPath(asPassed));
    }
    return this.mask(p);
  }

  /** A process (idempotent); parent undefined for the root or an unknown parent. */
  process(id: string, parent?: string): void {
    const p = this.procs.get(id);
    if (p) {
      if (parent !== undefined && p.parent === undefined) p.parent = parent;
      return;
    }
    this.procs.set(id, { parent, execs: [], status: 'unknown' });
  }

  exit(id: string, status: string): void {
    this.process(id);
    this.procs.get(id)!.status = status;
  }

  /** An exec: `abs` is the resolved program path (undefined if unresolvable), errno '' on success. */
  exec(id: string | undefined, abs: string | undefined, asPassed: string, argv: string[], errno: string): void {
    const p = this.path(abs, asPassed);
    if (errno) {
      this.failedExecs.add(JSON.stringify([p, errno]));
      return;
    }
    const key = JSON.stringify([p, argv.map(this.mask)]);
    this.execs.add(key);
    if (id !== undefined) {
      this.process(id);
      this.procs.get(id)!.execs.push(key);
    }
  }

  open(abs: string | undefined, asPassed: string, cls: string, errno: string): void {
    this.opens.add(JSON.stringify([this.path(abs, asPassed), cls, errno || 'ok']));
  }

  /** A namespace operation; `paths` are [abs, asPassed] pairs (symlink's text: pass it as both). */
  nsop(family: string, paths: Array<[string | undefined, string]>, errno: string): void {
    this.nsops.add(JSON.stringify([family, ...paths.map(([a, p]) => this.path(a, p)), errno || 'ok']));
  }

  /** A lookup; `n`: how many identical ones (bt: 1 + repeats). */
  lookup(op: string, abs: string | undefined, asPassed: string, errno: string, ftype: string, target: string, n = 1): void {
    this.lookups.add(JSON.stringify([op, this.path(abs, asPassed), errno || 'ok', ftype, target]), n);
  }

  /** A directory listing (all getdents64 calls on one open directory). */
  listing(abs: string | undefined, asPassed: string, entries: number, errno: string, partial: boolean): void {
    this.listings.add(JSON.stringify([this.path(abs, asPassed), entries, errno || 'ok', ...(partial ? ['partial'] : [])]));
  }

  /** A metadata change; `value` as described in the header. */
  meta(op: string, abs: string | undefined, asPassed: string, value: string, errno: string): void {
    this.metas.add(JSON.stringify([op, this.path(abs, asPassed), value, errno || 'ok']));
  }

  finish(): Facts {
    const processes = new Multiset();
    const keys = new Map<string, string>();
    const keyOf = (id: string, depth = 0): string => {
      const k = keys.get(id);
      if (k !== undefined) return k;
      const p = this.procs.get(id);
      let key: string;
      if (!p) key = '["unknown process"]';
      else if (p.execs.length > 0) key = `[${p.execs.join(',')}]`;
      else if (p.parent === undefined || depth > 1000) key = '["root"]';
      else key = `["fork of",${keyOf(p.parent, depth + 1)}]`;
      keys.set(id, key);
      return key;
    };
    for (const [id, p] of this.procs) processes.add(`[${keyOf(id)},${JSON.stringify(p.status)}]`);
    return {
      source: this.source,
      execs: this.execs,
      failedExecs: this.failedExecs,
      processes,
      opens: this.opens,
      nsops: this.nsops,
      lookups: this.lookups,
      listings: this.listings,
      metas: this.metas,
      processCount: this.procs.size,
      stats: this.stats,
    };
  }
}

/** Family of a one-path namespace op (bt's op table: unlinkat with AT_REMOVEDIR is rmdir). */
export function pathOpFamily(op: string, flags: number): string {
  return familyOf(op, flags) ?? 'unlink';
}

/** Family of a two-path namespace op. */
export function pathOp2Family(op: string): string {
  return familyOf(op) ?? 'link';
}

/** The value a metadata change is compared on: mode (octal), "uid:gid", size, or "" (utime). */
export function metaValue(op: string, v: { mode?: number; uid?: number; gid?: number; size?: number }): string {
  switch (familyOf(op)) {
    case 'chmod':
      return `0${((v.mode ?? 0) & 0o7777).toString(8).padStart(3, '0')}`;
    case 'chown':
      return `${v.uid ?? -1}:${v.gid ?? -1}`;
    case 'truncate':
      return String(v.size ?? 0);
    default:
      return '';
  }
}

// --- bt normalized logs ---------------------------------------------------

/** The fields of a normalized bt record that facts use (src/log/schema.ts LogRecord fits). */
export interface BtRecordLike {
  proc?: number;
  abspath?: string;
  abspath2?: string;
  access?: number;
  exec?: { path: string; argv: string[]; errno: number; truncated?: boolean; interp?: string; argv0?: string };
  open?: { path: string; flags: number; errno: number; fd: number; op: string; truncated?: boolean };
  path?: { op: string; path: string; flags?: number; errno: number };
  path2?: { op: string; from: string; to: string; errno: number };
  process?: { proc: number; parent: number; exit_code: number; signal: number };
  lookup?: { op: string; path: string; errno: number; ftype?: number; target?: string; repeats?: number };
  readdir?: { fd: number; entries: number; errno: number; partial?: boolean };
  meta?: { op: string; path: string; dirfd: number; errno: number; mode?: number; uid?: number; gid?: number; size?: number };
  lost?: { count: number; reason: string };
  trailer?: { lost?: Record<string, number>; records?: number };
}

/** Facts of a normalized bt log, record by record. */
export class BtFacts {
  readonly b: FactsBuilder;
  constructor(mask?: Masker) {
    this.b = new FactsBuilder('bt', mask);
  }

  push(r: BtRecordLike): void {
    const b = this.b;
    b.count('records');
    const id = r.proc !== undefined && r.proc !== 0 ? String(r.proc) : undefined;
    if (r.open != null) {
      const o = r.open;
      const ok = o.fd >= 0 && !o.errno;
      const cls = accessClass(r.access ?? accessOf(o.flags, ok, o.op));
      if (o.truncated) b.count('truncatedOpens');
      b.open(r.abspath, o.path, cls, ok ? '' : errnoName(o.errno || 0));
    } else if (r.exec != null) {
      const e = r.exec;
      if (e.truncated) b.count('truncatedExecs');
      b.exec(id, r.abspath, e.path, callerArgv({ ...e, argv: e.argv ?? [] }), e.errno ? errnoName(e.errno) : '');
    } else if (r.path != null) {
      const p = r.path;
      b.nsop(pathOpFamily(p.op, p.flags ?? 0), [[r.abspath, p.path]], p.errno ? errnoName(p.errno) : '');
    } else if (r.path2 != null) {
      const p = r.path2;
      const fam = pathOp2Family(p.op);
      const first: [string | undefined, string] = fam === 'symlink' ? [p.from, p.from] : [r.abspath, p.from];
      b.nsop(fam, [first, [r.abspath2, p.to]], p.errno ? errnoName(p.errno) : '');
    } else if (r.lookup != null) {
      const l = r.lookup;
      const ok = !l.errno;
      b.lookup(l.op, r.abspath, l.path, ok ? '' : errnoName(l.errno), ok ? fileTypeName(l.ftype ?? 0) : '', ok ? (l.target ?? '') : '', 1 + (l.repeats ?? 0));
    } else if (r.readdir != null) {
      const d = r.readdir;
      b.listing(r.abspath, `fd ${d.fd}`, d.entries ?? 0, d.errno ? errnoName(d.errno) : '', !!d.partial);
    } else if (r.meta != null) {
      const m = r.meta;
      b.meta(m.op, r.abspath, m.path || `fd ${m.dirfd}`, metaValue(m.op, m), m.errno ? errnoName(m.errno) : '');
    } else if (r.process != null) {
      const p = r.process;
      const pid = String(p.proc);
      b.process(pid, p.parent ? String(p.parent) : undefined);
      b.exit(pid, exitStatus(p.exit_code, p.signal));
    } else if (r.lost != null) {
      b.count(`lost.${r.lost.reason || 'unknown'}`, r.lost.count || 0);
    }
  }

  finish(): Facts {
    return this.b.finish();
  }
}

/** Facts of the records of a normalized bt log. */
export function btFacts(records: Iterable<BtRecordLike>, mask?: Masker): Facts {
  const f = new BtFacts(mask);
  for (const r of records) f.push(r);
  return f.finish();
}
