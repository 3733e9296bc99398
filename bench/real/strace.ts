/**
 * strace output -> fidelity facts (facts.ts), independent of src/.
 *
 * Expected invocation (STRACE_ARGS): every process followed (-f), fd
 * arguments decorated with the paths they refer to (-y: `3</usr/include>`,
 * `AT_FDCWD</build/dir>`), strings unabbreviated (-s), exit lines kept (-q,
 * not -qq, and no -e signal=none, which drops "+++ killed by" too); only the
 * syscalls bt records are traced.
 *
 * Parsing:
 *  - `PID <text> <unfinished ...>` is held per pid and joined with the
 *    matching `PID <... NAME resumed><rest>` line, whatever came in between;
 *  - `PID +++ exited with N +++` / `+++ killed by SIGX [(core dumped)] +++`
 *    give exit statuses; `--- SIG... ---` lines are skipped;
 *  - arguments are split at top-level commas, honouring quoted strings (with
 *    \" \\ \n \t \xHH and octal escapes), [arrays], {structs}, (groups),
 *    /* comments *\/ and <decorations>;
 *  - results `= N`, `= N</path>`, `= -1 ENOENT (text)`, `= ?`.
 *
 * Processes: fork, vfork, clone and clone3 results name the child; with
 * CLONE_THREAD the child is a thread of the caller. A child often appears
 * before its parent's clone returns: it is created unlinked and linked when
 * the clone result arrives. A pid seen again after its exit is a new process.
 *
 * Paths: absolute paths are folded lexically; dirfd-relative ones are
 * resolved against the dirfd's decoration. Calls without a dirfd (open,
 * creat, mkdir, unlink, rename, execve, ...) resolve against the process's
 * cwd, tracked as segments: a chdir starts a new segment (lexically derived
 * from the previous one), fchdir one whose path is the fd's decoration, a
 * fork shares the parent's current segment, and any `AT_FDCWD</path>`
 * decoration states the kernel's cwd for the segment it appears in. Those
 * resolutions are deferred to the end, when every segment's path is known.
 * An exec of /proc/self/exe (or /proc/<own pid>/exe) runs the process's own
 * program: its path is that of the process's last successful exec (or its
 * parent's, inherited at fork), as bt normalize resolves it.
 */
import fs from 'node:fs';
import { decodeBytes } from '../../src/log/bytes.js';
import { canonicalErrno, canonicalSignal } from './names.js';
import { AT_EMPTY_PATH, AT_REMOVEDIR, openClass, parseFlags, RESOLVE_IN_ROOT } from './flags.js';
import { type Facts, FactsBuilder, type Masker, metaValue, pathOp2Family, pathOpFamily } from './facts.js';
import { NEW_SYSCALL_NUMBERS, opInfo, OPS, type ArgRole } from '../../src/ops/table.js';
import { normalizeAbs, resolveLexical } from './paths.js';

/**
 * The syscalls bt records (its op table) and the process ones: the ones
 * compared. Not those newer than Debian 12's strace 6.1, which refuses
 * their names (fchmodat2: glibc 2.36 never calls it either).
 */
export const TRACED_SYSCALLS = [
  'fork', 'vfork', 'clone', 'clone3', 'exit', 'exit_group',
  ...new Set(OPS.flatMap((o) => o.syscalls).filter((sc) => NEW_SYSCALL_NUMBERS[sc] === undefined)),
];

/** strace options (before `-o FILE CMD...`) that produce what this parser expects. */
export const STRACE_ARGS = [
  '-f', // follow forks
  '-q', // no attach/detach messages (but keep +++ exited +++)
  '-y', // decorate fds with paths
  '-s', '131072', // MAX_ARG_STRLEN: no string is cut
  '--seccomp-bpf', // stop only at the traced syscalls
  '-e', `trace=${TRACED_SYSCALLS.join(',')}`,
  // Signal lines stay: -e signal=none would also drop "+++ killed by SIG... +++".
];

const AT_FDCWD = -100;
const FILE_TYPES: Record<string, string> = {
  REG: 'file', DIR: 'dir', LNK: 'symlink', CHR: 'chardev', BLK: 'blockdev', IFO: 'fifo', SOCK: 'socket',
};
const CLONE_FS = 0x200;
const CLONE_THREAD = 0x10000;

// --- lexical layer ----------------------------------------------------------

export interface ParsedCall {
  name: string;
  /** top-level arguments, raw text */
  args: string[];
  /** text after "= " (empty if the line has no result) */
  ret: string;
}

function skipString(s: string, i: number): number {
  let j = i + 1;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c === 92) j += 2; // backslash
    else if (c === 34) {
      j++;
      break;
    } else j++;
  }
  if (s.startsWith('...', j)) j += 3;
  return j;
}

function skipDecoration(s: string, i: number): number {
  let j = i + 1;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c === 92) j += 2;
    else if (c === 62) return j + 1; // '>'
    else j++;
  }
  return j;
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/**
 * Splits the comma-separated list that starts at s[i] (just after an opening
 * bracket) up to its closing bracket. Returns the items and the index after
 * the closing bracket (s.length if it never closes).
 */
export function splitList(s: string, i: number, close: string): { items: string[]; end: number } {
  const items: string[] = [];
  let depth = 0;
  let start = i;
  let j = i;
  const n = s.length;
  while (j < n) {
    const c = s[j];
    if (c === '"') j = skipString(s, j);
    else if (c === '<' && j > 0 && isWordChar(s.charCodeAt(j - 1))) j = skipDecoration(s, j);
    else if (c === '/' && s[j + 1] === '*') {
      const k = s.indexOf('*/', j + 2);
      j = k < 0 ? n : k + 2;
    } else if (c === '[' || c === '{' || c === '(') {
      depth++;
      j++;
    } else if (c === ']' || c === '}' || c === ')') {
      if (depth === 0 && c === close) {
        const last = s.slice(start, j).trim();
        if (last !== '' || items.length > 0) items.push(last);
        return { items, end: j + 1 };
      }
      depth--;
      j++;
    } else if (c === ',' && depth === 0) {
      items.push(s.slice(start, j).trim());
      j++;
      start = j;
    } else j++;
  }
  const last = s.slice(start).trim();
  if (last !== '') items.push(last);
  return { items, end: n };
}

/** Parses `name(args) = ret`. */
export function parseCall(text: string): ParsedCall | undefined {
  const m = /^([A-Za-z_][A-Za-z0-9_]*|\?\?\?)\(/.exec(text);
  if (!m) return undefined;
  const { items, end } = splitList(text, m[0].length, ')');
  const rest = text.slice(end);
  const r = /^\s*=\s*(.*)$/s.exec(rest);
  return { name: m[1], args: items, ret: r ? r[1] : '' };
}

/** Decodes strace's escapes (\" \\ \n \t \r \v \f \a \b \e \xHH \ooo) into bytes, then UTF-8. */
export function unescape(body: string): string {
  if (!body.includes('\\')) return body;
  const bytes: number[] = [];
  const n = body.length;
  for (let i = 0; i < n; ) {
    const c = body.charCodeAt(i);
    if (c !== 92) {
      // Raw characters: take their UTF-8 bytes.
      const cp = body.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
      i += ch.length;
      continue;
    }
    const e = body[i + 1];
    i += 2;
    switch (e) {
      case 'n': bytes.push(10); break;
      case 't': bytes.push(9); break;
      case 'r': bytes.push(13); break;
      case 'v': bytes.push(11); break;
      case 'f': bytes.push(12); break;
      case 'a': bytes.push(7); break;
      case 'b': bytes.push(8); break;
      case 'e': bytes.push(27); break;
      case 'x': {
        const h = /^[0-9a-fA-F]{1,2}/.exec(body.slice(i, i + 2))![0];
        bytes.push(parseInt(h, 16));
        i += h.length;
        break;
      }
      default:
        if (e !== undefined && e >= '0' && e <= '7') {
          const o = /^[0-7]{1,3}/.exec(body.slice(i - 1, i + 2))![0];
          bytes.push(parseInt(o, 8) & 0xff);
          i += o.length - 1;
        } else if (e !== undefined) {
          bytes.push(e.charCodeAt(0) & 0xff); // \" \\ and anything else: the character itself
        }
    }
  }
  return decodeBytes(Buffer.from(bytes)); // exact bytes, as bt keeps them (src/log/bytes.ts)
}

/** A quoted string argument: its text and whether strace cut it (`"..."...`). */
export function cstring(tok: string | undefined): { s: string; truncated: boolean } | undefined {
  if (tok === undefined || !tok.startsWith('"')) return undefined;
  const end = skipString(tok, 0);
  const truncated = tok.slice(0, end).endsWith('"...');
  const close = truncated ? end - 4 : end - 1;
  return { s: unescape(tok.slice(1, close)), truncated };
}

/** An array argument of strings: ["a", "b"] (`...` at the end: cut). */
export function stringArray(tok: string | undefined): { items: string[]; truncated: boolean } | undefined {
  if (tok === undefined || !tok.startsWith('[')) return undefined;
  const { items } = splitList(tok, 1, ']');
  const out: string[] = [];
  let truncated = false;
  for (const it of items) {
    const s = cstring(it);
    if (s) {
      out.push(s.s);
      if (s.truncated) truncated = true;
    } else if (it === '...') truncated = true;
  }
  return { items: out, truncated };
}

/** An fd argument, possibly decorated: `3</a/b>`, `AT_FDCWD</x>`, `-1`. */
export function fdArg(tok: string | undefined): { fd: number; path?: string } | undefined {
  if (tok === undefined) return undefined;
  const m = /^(AT_FDCWD|-?\d+)(?:<(.*)>)?$/s.exec(tok);
  if (!m) return undefined;
  const fd = m[1] === 'AT_FDCWD' ? AT_FDCWD : Number(m[1]);
  if (m[2] === undefined) return { fd };
  let p = unescape(m[2]);
  if (p.endsWith(' (deleted)')) p = p.slice(0, -' (deleted)'.length);
  return { fd, path: p };
}

/** The result of a call: its value and, when it failed, the errno name. */
export function parseResult(ret: string): { value: number | undefined; errno: string } {
  const m = /^(-?\d+|0x[0-9a-fA-F]+|\?)(?:<[^]*?>)?(?:\s+([A-Z][A-Z0-9_]*))?/.exec(ret);
  if (!m) return { value: undefined, errno: '' };
  const value = m[1] === '?' ? undefined : m[1].startsWith('0x') ? parseInt(m[1], 16) : Number(m[1]);
  const errno = m[2] && (value === -1 || value === undefined) ? canonicalErrno(m[2]) : '';
  return { value, errno };
}

/** `name=value` fields of a struct argument ({flags=O_RDONLY, resolve=0, ...}). */
export function structFields(tok: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!tok?.startsWith('{')) return out;
  for (const it of splitList(tok, 1, '}').items) {
    const eq = it.indexOf('=');
    if (eq > 0) out[it.slice(0, eq)] = it.slice(eq + 1);
  }
  return out;
}

const CLONE_FLAG_VALUES: Record<string, number> = { CLONE_FS: CLONE_FS, CLONE_THREAD: CLONE_THREAD };

function cloneFlags(call: ParsedCall): number {
  let text: string | undefined;
  if (call.name === 'clone3') text = structFields(call.args[0]).flags;
  else for (const a of call.args) if (a.startsWith('flags=')) text = a.slice(6);
  if (!text) return 0;
  let v = 0;
  for (const part of text.split('|')) {
    if (part in CLONE_FLAG_VALUES) v |= CLONE_FLAG_VALUES[part];
    else if (/^0x[0-9a-f]+$/i.test(part)) v |= parseInt(part, 16) & (CLONE_FS | CLONE_THREAD);
  }
  return v;
}

// --- cwd segments -----------------------------------------------------------

/** A stretch of a process's life with one cwd (see the header). */
export class Segment {
  /** The kernel's path (from an AT_FDCWD decoration, an fchdir's fd, or given). */
  known?: string;
  /** Unlinked child: the parent's segment at the fork, once known. */
  alias?: Segment;
  /** chdir: resolved lexically against `base`. */
  base?: Segment;
  rel?: string;
  private memo?: string | null;

  /** The path; only call once the whole log has been read. */
  resolve(depth = 0): string | undefined {
    if (this.memo !== undefined) return this.memo ?? undefined;
    let r: string | undefined;
    if (this.known !== undefined) r = this.known;
    else if (depth > 10_000) r = undefined;
    else if (this.alias) r = this.alias.resolve(depth + 1);
    else if (this.rel !== undefined) r = resolveLexical(this.base?.resolve(depth + 1), this.rel);
    this.memo = r ?? null;
    return r;
  }
}

interface CwdHolder {
  seg: Segment;
}

interface ExecEvent {
  /** /proc/self/exe: the program the process was running (its last successful exec) */
  self?: ExecEvent | null;
  seg: Segment;
  /** resolved now (absolute or dirfd-relative); undefined: resolve against seg at the end */
  abs?: string;
  lazy: boolean;
  path: string;
  argv: string[];
  errno: string;
}

interface Proc {
  id: string;
  pid: number;
  parent?: string;
  /** seen before its parent's clone returned */
  unlinked: boolean;
  exited: boolean;
  status: string;
  cwd: CwdHolder;
  /** the segment it started with */
  firstSeg: Segment;
  execs: ExecEvent[];
  /** tids of this process's threads (not the leader) */
  threads: Set<number>;
  /** its program: the last successful exec (inherited at fork) */
  exe?: ExecEvent;
}

export interface StraceOptions {
  /** cwd of the first process (strace's own cwd when it started the command) */
  cwd?: string;
  mask?: Masker;
}

/** Incremental parser: push lines, then finish(). */
export class StraceParser {
  private readonly b: FactsBuilder;
  private readonly procs: Proc[] = [];
  /** tid -> process (leaders and threads) */
  private readonly byTid = new Map<number, Proc>();
  private readonly unfinished = new Map<number, string>();
  private readonly generation = new Map<number, number>();
  private readonly lazy: Array<() => void> = [];
  private root: Proc | undefined;

  constructor(private readonly opts: StraceOptions = {}) {
    this.b = new FactsBuilder('strace', opts.mask);
  }

  private newProc(pid: number, holder: CwdHolder, unlinked: boolean, parent?: string): Proc {
    const gen = (this.generation.get(pid) ?? 0) + 1;
    this.generation.set(pid, gen);
    const p: Proc = {
      id: gen === 1 ? String(pid) : `${pid}#${gen}`,
      pid,
      parent,
      unlinked,
      exited: false,
      status: 'unknown',
      cwd: holder,
      firstSeg: holder.seg,
      execs: [],
      threads: new Set(),
    };
    this.procs.push(p);
    this.byTid.set(pid, p);
    return p;
  }

  /** The live process of a tid; an unknown tid is the root (first) or an unlinked child. */
  private procOf(tid: number): Proc {
    const p = this.byTid.get(tid);
    if (p && !(p.exited && p.pid === tid)) return p;
    if (!this.root) {
      const seg = new Segment();
      if (this.opts.cwd) seg.known = normalizeAbs(this.opts.cwd);
      this.root = this.newProc(tid, { seg }, false);
      return this.root;
    }
    return this.newProc(tid, { seg: new Segment() }, true);
  }

  /** Feeds one line of strace output. */
  push(line: string): void {
    if (line === '') return;
    this.b.count('lines');
    let tid: number;
    let rest: string;
    const m = /^(\d+) +/.exec(line);
    if (m) {
      tid = Number(m[1]);
      rest = line.slice(m[0].length);
    } else if (line.startsWith('[pid ')) {
      const k = /^\[pid +(\d+)\] /.exec(line);
      if (!k) return this.b.count('unparsedLines');
      tid = Number(k[1]);
      rest = line.slice(k[0].length);
    } else {
      tid = this.root?.pid ?? 0;
      rest = line;
    }
    if (rest.startsWith('+++ ')) return this.onStatus(tid, rest);
    if (rest.startsWith('--- ')) return; // signal delivery
    if (rest.startsWith('<... ')) {
      const r = /^<\.\.\. ([A-Za-z0-9_?]+) resumed>(.*)$/s.exec(rest);
      const head = this.unfinished.get(tid);
      if (!r || head === undefined) return this.b.count('orphanResumed');
      this.unfinished.delete(tid);
      return this.onCall(tid, head + r[2]);
    }
    const UNF = ' <unfinished ...>';
    if (rest.endsWith(UNF)) {
      this.unfinished.set(tid, rest.slice(0, -UNF.length));
      return;
    }
    if (rest.endsWith('<unfinished ...>')) {
      this.unfinished.set(tid, rest.slice(0, -'<unfinished ...>'.length));
      return;
    }
    this.onCall(tid, rest);
  }

  private onStatus(tid: number, rest: string): void {
    const p = this.byTid.get(tid);
    if (!p) return this.b.count('statusOfUnknownPid');
    let status: string | undefined;
    const ex = /^\+\+\+ exited with (\d+) \+\+\+/.exec(rest);
    if (ex) status = `exit ${ex[1]}`;
    const k = /^\+\+\+ killed by (SIG[A-Z0-9_+-]+)/.exec(rest);
    if (k) status = `killed by ${canonicalSignal(k[1])}`;
    if (status === undefined) return; // "superseded by execve" and the like
    if (p.pid !== tid) {
      // a thread ended
      p.threads.delete(tid);
      this.byTid.delete(tid);
      return;
    }
    p.status = status;
    p.exited = true;
  }

  private onCall(tid: number, text: string): void {
    const call = parseCall(text);
    if (!call) return this.b.count('unparsedLines');
    this.b.count('calls');
    const p = this.procOf(tid);
    // Any AT_FDCWD decoration states the kernel's cwd for this segment.
    for (const a of call.args) {
      if (a.startsWith('AT_FDCWD<')) {
        const d = fdArg(a);
        if (d?.path !== undefined && p.cwd.seg.known === undefined) p.cwd.seg.known = normalizeAbs(d.path);
      }
    }
    const res = parseResult(call.ret);
    const ok = res.value !== undefined && res.value >= 0 && res.errno === '';
    const a = call.args;
    switch (call.name) {
      case 'execve':
        return this.onExec(p, undefined, a[0], a[1], 0, res.errno, ok);
      case 'execveat':
        return this.onExec(p, fdArg(a[0]), a[1], a[2], flagsNum(a[4]), res.errno, ok);
      case 'fork':
      case 'vfork':
      case 'clone':
      case 'clone3':
        if (ok && res.value! > 0) this.onChild(p, res.value!, cloneFlags(call));
        return;
      case 'open':
        return this.onOpen(p, undefined, a[0], flagsOf(a[1]), 'open', res.errno, ok);
      case 'openat':
        return this.onOpen(p, fdArg(a[0]), a[1], flagsOf(a[2]), 'openat', res.errno, ok);
      case 'openat2': {
        const f = structFields(a[2]);
        const resolve = f.resolve ? parseResolve(f.resolve) : 0;
        return this.onOpen(p, fdArg(a[0]), a[1], flagsOf(f.flags), 'openat2', res.errno, ok, resolve);
      }
      case 'creat':
        return this.onOpen(p, undefined, a[0], 0, 'creat', res.errno, ok);
      case 'chdir': {
        if (!ok) return;
        const s = cstring(a[0]);
        if (!s) return;
        const seg = new Segment();
        seg.base = p.cwd.seg;
        seg.rel = s.s;
        p.cwd.seg = seg;
        return;
      }
      case 'fchdir': {
        if (!ok) return;
        const seg = new Segment();
        const d = fdArg(a[0]);
        if (d?.path?.startsWith('/')) seg.known = normalizeAbs(d.path);
        p.cwd.seg = seg;
        return;
      }
      case 'unlink':
      case 'rmdir':
      case 'mkdir':
        return this.nsop(p, pathOpFamily(call.name, 0), [[undefined, a[0]]], res.errno);
      case 'unlinkat':
        return this.nsop(p, pathOpFamily('unlinkat', atFlags(a[2])), [[fdArg(a[0]), a[1]]], res.errno);
      case 'mkdirat':
        return this.nsop(p, 'mkdir', [[fdArg(a[0]), a[1]]], res.errno);
      case 'rename':
      case 'link':
        return this.nsop(p, pathOp2Family(call.name), [[undefined, a[0]], [undefined, a[1]]], res.errno);
      case 'renameat':
      case 'renameat2':
        return this.nsop(p, 'rename', [[fdArg(a[0]), a[1]], [fdArg(a[2]), a[3]]], res.errno);
      case 'linkat':
        return this.nsop(p, 'link', [[fdArg(a[0]), a[1], (atFlags(a[4]) & AT_EMPTY_PATH) !== 0], [fdArg(a[2]), a[3]]], res.errno);
      case 'symlink':
        return this.nsop(p, 'symlink', [['text', a[0]], [undefined, a[1]]], res.errno);
      case 'symlinkat':
        return this.nsop(p, 'symlink', [['text', a[0]], [fdArg(a[1]), a[2]]], res.errno);
      case 'close':
        if (ok) this.listingEnd(p, fdArg(a[0])?.fd ?? -1, 0, '', true);
        return;
      default:
        break;
    }
    const info = opInfo(call.name);
    if (info?.kind === 'lookup') this.onLookup(p, call, info.args, res.errno, ok, res.value);
    else if (info?.kind === 'readdir') this.onGetdents(p, call, info.args, res.errno, ok, res.value);
    else if (info?.kind === 'meta') this.onMeta(p, call, info.args, res.errno, ok);
    // close, dup*, fcntl, pipe*, exit*: not compared
  }

  /** Listings in progress, by process and fd. */
  private readonly listings = new Map<string, { abs: string | undefined; fd: number; entries: number }>();

  private onLookup(p: Proc, call: ParsedCall, roles: ArgRole[], errno: string, ok: boolean, value: number | undefined): void {
    const arg = (r: ArgRole) => (roles.indexOf(r) >= 0 ? call.args[roles.indexOf(r)] : undefined);
    const flags = flagsNum(arg('flags'));
    const pathTok = arg('path');
    if (flags & AT_EMPTY_PATH && cstring(pathTok)?.s === '') return; // fstat: not recorded by bt
    const buf = arg('buf') ?? '';
    const ft = ok ? /(?:st_mode|stx_mode)=S_IF([A-Z]+)/.exec(buf)?.[1] : undefined;
    const ftype = ft ? (FILE_TYPES[ft] ?? ft) : '';
    const target = ok && value !== undefined && call.name.startsWith('readlink') ? (cstring(buf)?.s ?? '') : '';
    const err = ok ? '' : errno || 'E?';
    const dirfd = roles.includes('dirfd') ? fdArg(arg('dirfd')) : undefined;
    this.withPath(p, dirfd, pathTok, (abs, asPassed) => this.b.lookup(call.name, abs, asPassed, err, ftype, target), (flags & AT_EMPTY_PATH) !== 0);
  }

  private onGetdents(p: Proc, call: ParsedCall, roles: ArgRole[], errno: string, ok: boolean, value: number | undefined): void {
    const d = fdArg(call.args[roles.indexOf('fd')]);
    if (!d) return;
    const key = `${p.id}:${d.fd}`;
    let l = this.listings.get(key);
    if (!l) {
      l = { abs: d.path?.startsWith('/') ? normalizeAbs(d.path) : undefined, fd: d.fd, entries: 0 };
      this.listings.set(key, l);
    }
    if (ok && value !== undefined && value > 0) {
      const n = /\/\* (\d+) entr(?:y|ies) \*\//.exec(call.args[roles.indexOf('buf')] ?? '');
      l.entries += n ? Number(n[1]) : 0;
      return;
    }
    this.listingEnd(p, d.fd, 0, ok ? '' : errno || 'E?', false);
  }

  /** The end of a listing: getdents64 returned 0 or failed, or its fd was closed (partial). */
  private listingEnd(p: Proc, fd: number, _ret: number, errno: string, closed: boolean): void {
    const key = `${p.id}:${fd}`;
    const l = this.listings.get(key);
    if (!l) return;
    this.listings.delete(key);
    this.b.listing(l.abs, `fd ${fd}`, l.entries, errno, closed);
  }

  private onMeta(p: Proc, call: ParsedCall, roles: ArgRole[], errno: string, ok: boolean): void {
    const arg = (r: ArgRole) => (roles.indexOf(r) >= 0 ? call.args[roles.indexOf(r)] : undefined);
    const num = (t: string | undefined) => (t === undefined ? undefined : /^0[0-7]+$/.test(t) ? parseInt(t, 8) : Number(t));
    const value = metaValue(call.name, { mode: num(arg('mode')), uid: num(arg('uid')), gid: num(arg('gid')), size: num(arg('size')) });
    const err = ok ? '' : errno || 'E?';
    const dirfd = fdArg(arg('dirfd'));
    const pathTok = arg('path');
    if (pathTok === undefined || pathTok === 'NULL') {
      // fd forms (fchmod, fchown, ftruncate, utimensat(fd, NULL)): the fd's file
      const abs = dirfd?.path?.startsWith('/') ? normalizeAbs(dirfd.path) : undefined;
      this.b.meta(call.name, abs, `fd ${dirfd?.fd}`, value, err);
      return;
    }
    this.withPath(p, dirfd, pathTok, (abs, asPassed) => this.b.meta(call.name, abs, asPassed, value, err), (flagsNum(arg('flags')) & AT_EMPTY_PATH) !== 0);
  }

  private onChild(parent: Proc, child: number, flags: number): void {
    if (flags & CLONE_THREAD) {
      const t = this.byTid.get(child);
      if (t && t.unlinked && t.pid === child && t !== parent) {
        // It already ran as an "unlinked process": fold it into the caller.
        t.firstSeg.alias ??= parent.cwd.seg;
        parent.execs.push(...t.execs);
        const i = this.procs.indexOf(t);
        if (i >= 0) this.procs.splice(i, 1);
      }
      parent.threads.add(child);
      this.byTid.set(child, parent);
      return;
    }
    const existing = this.byTid.get(child);
    if (existing && existing.unlinked && existing.pid === child && existing.parent === undefined) {
      // It ran before this result arrived: its first cwd segment is the parent's.
      existing.unlinked = false;
      existing.parent = parent.id;
      existing.firstSeg.alias ??= parent.cwd.seg;
      if (existing.exe === undefined) existing.exe = parent.exe;
      return;
    }
    const holder: CwdHolder = flags & CLONE_FS ? parent.cwd : { seg: parent.cwd.seg };
    this.newProc(child, holder, false, parent.id).exe = parent.exe;
  }

  private onExec(p: Proc, dirfd: { fd: number; path?: string } | undefined, pathTok: string | undefined, argvTok: string | undefined, flags: number, errno: string, ok: boolean): void {
    const s = cstring(pathTok);
    const path = s?.s ?? '';
    const argv = stringArray(argvTok);
    if (argv?.truncated || s?.truncated) this.b.count('truncatedExecs');
    const ev: ExecEvent = { seg: p.cwd.seg, lazy: false, path, argv: argv?.items ?? [], errno: ok ? '' : errno || 'E?' };
    const self = /^\/proc\/(self|\d+)\/exe$/.exec(path);
    if (self && (self[1] === 'self' || Number(self[1]) === p.pid)) ev.self = p.exe ?? null;
    if (ev.self) {
      // /proc/self/exe runs the process's own program again (as bt normalize resolves it)
    } else if (path.startsWith('/')) ev.abs = normalizeAbs(path);
    else if (dirfd && dirfd.fd !== AT_FDCWD) ev.abs = dirfd.path ? resolveLexical(dirfd.path, path, (flags & AT_EMPTY_PATH) !== 0) : undefined;
    else if (dirfd?.path) ev.abs = resolveLexical(dirfd.path, path);
    else ev.lazy = true;
    p.execs.push(ev);
    if (ok) {
      p.exe = ev;
      // close-on-exec closed its directories without a close call: listings not ended are not recorded (as bt)
      for (const key of [...this.listings.keys()]) if (key.startsWith(`${p.id}:`)) this.listings.delete(key);
    }
  }

  /** The absolute program path of an exec (at the end). */
  private execPath(e: ExecEvent, depth = 0): string | undefined {
    if (e.self && depth < 1000) return this.execPath(e.self, depth + 1);
    return e.lazy ? resolveLexical(e.seg.resolve(), e.path) : e.abs;
  }

  /** Resolves (dirfd, path) now if possible, else registers `use` for the end. */
  private withPath(p: Proc, dirfd: { fd: number; path?: string } | undefined, pathTok: string | undefined, use: (abs: string | undefined, asPassed: string) => void, emptyIsBase = false): void {
    const s = cstring(pathTok);
    if (!s) {
      use(undefined, pathTok ?? '');
      return;
    }
    const path = s.s;
    if (path.startsWith('/')) return use(normalizeAbs(path), path);
    if (path === '' && !emptyIsBase) return use(undefined, path);
    if (dirfd && dirfd.fd !== AT_FDCWD) return use(dirfd.path?.startsWith('/') ? resolveLexical(dirfd.path, path, emptyIsBase) : undefined, path);
    if (dirfd?.path?.startsWith('/')) return use(resolveLexical(dirfd.path, path, emptyIsBase), path);
    const seg = p.cwd.seg;
    this.lazy.push(() => use(resolveLexical(seg.resolve(), path, emptyIsBase), path));
  }

  private onOpen(p: Proc, dirfd: { fd: number; path?: string } | undefined, pathTok: string | undefined, flags: number, op: string, errno: string, ok: boolean, resolve = 0): void {
    const cls = openClass(flags, ok, op);
    const err = ok ? '' : errno || 'E?';
    const s = cstring(pathTok);
    if (s?.s.startsWith('/') && resolve & RESOLVE_IN_ROOT && dirfd && dirfd.fd !== AT_FDCWD) {
      const abs = dirfd.path ? resolveLexical(dirfd.path, `.${s.s}`) : undefined;
      this.b.open(abs, s.s, cls, err);
      return;
    }
    this.withPath(p, dirfd, pathTok, (abs, asPassed) => this.b.open(abs, asPassed, cls, err));
  }

  private nsop(p: Proc, family: string, specs: Array<[{ fd: number; path?: string } | undefined | 'text', string | undefined, boolean?]>, errno: string): void {
    const resolved: Array<[string | undefined, string] | undefined> = specs.map(() => undefined);
    let pending = specs.length;
    const done = () => {
      if (--pending === 0) this.b.nsop(family, resolved as Array<[string | undefined, string]>, errno);
    };
    specs.forEach(([dirfd, tok, empty], i) => {
      if (dirfd === 'text') {
        const t = cstring(tok)?.s ?? tok ?? '';
        resolved[i] = [t, t];
        done();
        return;
      }
      this.withPath(p, dirfd, tok, (abs, asPassed) => {
        resolved[i] = [abs, asPassed];
        done();
      }, empty ?? false);
    });
  }

  /** Facts of everything pushed. */
  finish(): Facts {
    for (const run of this.lazy) run();
    this.lazy.length = 0;
    for (const p of this.procs) {
      this.b.process(p.id, p.parent);
      this.b.exit(p.id, p.status);
      for (const e of p.execs) {
        this.b.exec(p.id, this.execPath(e), e.path, e.argv, e.errno);
      }
    }
    if (this.unfinished.size) this.b.count('unfinishedAtEnd', this.unfinished.size);
    if (this.listings.size) this.b.count('listingsNotEnded', this.listings.size);
    const unlinked = this.procs.filter((p) => p.unlinked).length;
    if (unlinked) this.b.count('processesWithoutParent', unlinked);
    return this.b.finish();
  }
}

function flagsOf(tok: string | undefined): number {
  if (!tok) return 0;
  return parseFlags(tok);
}

function flagsNum(tok: string | undefined): number {
  if (!tok) return 0;
  let v = 0;
  for (const part of tok.split('|')) {
    if (part === 'AT_EMPTY_PATH') v |= AT_EMPTY_PATH;
    else if (part === 'AT_REMOVEDIR') v |= AT_REMOVEDIR;
    else if (/^0x[0-9a-f]+$/i.test(part)) v |= parseInt(part, 16);
    else if (/^\d+$/.test(part)) v |= Number(part);
  }
  return v;
}

const atFlags = flagsNum;

function parseResolve(text: string): number {
  return text.split('|').includes('RESOLVE_IN_ROOT') ? RESOLVE_IN_ROOT : /^0x/.test(text) ? parseInt(text, 16) : 0;
}

/** Lines of a file, read in chunks (a line may be megabytes long). */
export function* readLines(file: string): Generator<string> {
  const fd = fs.openSync(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(1 << 22);
    let carry = '';
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      const text = carry + chunk.toString('utf8', 0, n);
      // A chunk can end inside a multi-byte character only for non-ASCII
      // raw bytes; strace escapes those, so chunks split cleanly.
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl < 0) break;
        yield text.slice(start, nl);
        start = nl + 1;
      }
      carry = text.slice(start);
    }
    if (carry) yield carry;
  } finally {
    fs.closeSync(fd);
  }
}

/** Facts of a strace log file. */
export function straceFacts(file: string, opts: StraceOptions = {}): Facts {
  const p = new StraceParser(opts);
  for (const line of readLines(file)) p.push(line);
  return p.finish();
}

/** Facts of strace output given as text (tests). */
export function straceFactsFromText(text: string, opts: StraceOptions = {}): Facts {
  const p = new StraceParser(opts);
  for (const line of text.split('\n')) p.push(line);
  return p.finish();
}
