/**
 * The bt log schema: TypeScript view of proto/bt.proto, loaded at runtime with
 * protobufjs (keepCase, so objects use the proto's snake_case field names).
 *
 * File layout: MAGIC, a varint-delimited Header, varint-delimited Records; a
 * clean log ends with a Record whose `trailer` is set.
 *
 * Numbers: protobufjs is configured here so that 64-bit integers decode as JS
 * numbers, not Long objects. Timestamps (CLOCK_BOOTTIME ns) are exact up to
 * 2^53 ns (~104 days of uptime) and lose a few ns of precision beyond that;
 * `boot_to_wall_ns` (~1.7e18) is precise to ~256 ns. Both are fine for a build
 * trace.
 *
 * Decoded records are protobufjs message objects: every scalar field reads as
 * its proto3 default (0, '', false, []) when absent, absent oneof members and
 * the normalize-only fields (proc, abspath, abspath2, access, seq) read as
 * undefined. Defaults live on the prototype: use the fields, don't spread
 * (`{...rec}`) or JSON.stringify a decoded record — use toJson() from dump.ts.
 */
import protobuf from 'protobufjs';
import { decodeBytes, encodeString, isWellFormed } from './bytes.js';
import { CACHED, cachedString } from './strings.js';
import { installEnvRuns, skipsString } from './envruns.js';
import { fastDecode, installFastDecode } from './fastdecode.js';
import { setSlowEncoder } from './fastencode.js';
import { EVENT_TYPES, FORMAT_VERSION } from './kinds.js';
import { protoPath } from './proto-path.js';

// 64-bit integers as JS numbers. Must run before the schema is parsed: a
// field's "long" flag is fixed when the field is created.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
protobuf.util.Long = undefined as any;
protobuf.configure();

// Strings keep their exact bytes (bytes.ts): invalid UTF-8 bytes read as
// U+DC80..U+DCFF and are written back as the bytes they stand for.
installExactStrings();

function installExactStrings(): void {
  type R = { uint32(): number; buf: Uint8Array; pos: number; len: number };
  type W = { bytes(b: Uint8Array): unknown };
  function readString(this: R): string {
    const at = this.pos;
    const len = this.uint32();
    const start = this.pos;
    this.pos = Math.min(start + len, this.len);
    if (skipsString(at)) return '';
    return this.pos - start <= CACHED ? cachedString(this.buf, start, this.pos) : decodeBytes(this.buf, start, this.pos);
  }
  for (const cls of [protobuf.Reader, protobuf.BufferReader]) {
    (cls.prototype as unknown as { string: () => string }).string = readString;
    (cls.prototype as unknown as { uint64: () => number }).uint64 = readUint64;
  }
  for (const cls of [protobuf.Writer, protobuf.BufferWriter]) {
    const proto = cls.prototype as unknown as { string: (s: string) => unknown };
    const plain = proto.string;
    proto.string = function (this: W, s: string) {
      return isWellFormed(s) ? plain.call(this, s) : this.bytes(encodeString(s));
    };
  }
}

/**
 * A uint64 varint as a number: what protobufjs gives with util.Long unset
 * (low 32 bits + high 32 bits x 2^32), without an object per value (every
 * record's ts is one).
 */
function readUint64(this: { buf: Uint8Array; pos: number; len: number }): number {
  const buf = this.buf;
  const end = this.len;
  let pos = this.pos;
  let lo = 0;
  let b = 0;
  for (let i = 0; i < 5; i++) {
    if (pos >= end) throw RangeError(`index out of range: ${pos} + 1 > ${end}`);
    b = buf[pos++];
    lo = (lo | ((b & 127) << (i * 7))) >>> 0;
    if (b < 128) {
      this.pos = pos;
      return i < 4 ? lo : lo + ((b & 127) >> 4) * 4294967296;
    }
  }
  let hi = (b & 127) >> 4;
  for (let i = 0; i < 5; i++) {
    if (pos >= end) throw RangeError(`index out of range: ${pos} + 1 > ${end}`);
    b = buf[pos++];
    hi = (hi | ((b & 127) << (i * 7 + 3))) >>> 0;
    if (b < 128) {
      this.pos = pos;
      return lo + hi * 4294967296;
    }
  }
  throw Error('invalid varint encoding');
}

export { MAGIC, agreesWithMagic } from './magic.js';

// The format versions and the record kinds: a module of their own, which bt trace's writer reads without this one.
export { EVENT_TYPES, FORMAT_VERSION, RING_FORMAT_VERSION, recordType, type EventType } from './kinds.js';

export interface LogHeader {
  /** Filled in with FORMAT_VERSION by encodeHeader/LogWriter when absent. */
  format_version?: number;
  bt_version: string;
  kernel_release: string;
  hostname: string;
  /** "CLOCK_BOOTTIME": every ts is ns on this clock. */
  clock: string;
  /** wall-clock ns since epoch = ts + boot_to_wall_ns */
  boot_to_wall_ns: number;
  command: string[];
  cwd: string;
  uid: number;
  gid: number;
  options?: Record<string, string>;
  /** boot ns at start */
  start_ts: number;
  /** records are time-sorted and resolved (bt normalize) */
  normalized?: boolean;
  /** pid of the traced command */
  root_pid?: number;
  /** normalized: the raw log it came from */
  source?: string;
  /** format 2: the layouts of its ring records (ringLayoutId() in log/ring/layout.ts) */
  ring_layout?: string;
}

export interface Fork {
  child: number;
  child_tid: number;
  ppid: number;
  thread: boolean;
}

export interface Exec {
  path: string;
  argv: string[];
  env: string[];
  cwd: string;
  /** 0 = success */
  errno: number;
  /** "execve" | "execveat" */
  op: string;
  uid: number;
  gid: number;
  /** interpreter the kernel ran for #! / binfmt_misc ('' if none) */
  interp?: string;
  old_tid?: number;
  /** execveat's dirfd */
  dirfd?: number;
  truncated?: boolean;
  env_omitted?: boolean;
  /** with an interpreter (#!): the caller's argv[0], which the kernel replaced */
  argv0?: string;
  /** the cwd is deeper than PATH_MAX: `cwd` is "…/" and its leaf side, not absolute */
  cwd_incomplete?: boolean;
  /** != 0: the environment is the Env record with this id (LogReader fills env in) */
  env_ref?: number;
  /** the umask the program started with (0o022); undefined when not known (a failed exec, a log of an earlier bt) */
  umask?: number;
}

/** An environment shared by the execs that refer to it (Exec.env_ref). */
export interface EnvDef {
  id: number;
  vars: string[];
}

export interface Exit {
  code: number;
  signal: number;
  core: boolean;
  /** raw wait status */
  status: number;
}

export interface Open {
  path: string;
  dirfd: number;
  flags: number;
  mode: number;
  /** -1 on failure */
  fd: number;
  errno: number;
  /** open | openat | openat2 | creat */
  op: string;
  resolve?: number;
  truncated?: boolean;
  /** a successful open: the file's modification time (s since the epoch) and size when it was opened */
  mtime?: number;
  mtime_nsec?: number;
  size?: number;
}

export interface Close {
  fd: number;
  errno: number;
  /** close | close_range */
  op: string;
  last?: number;
  flags?: number;
}

export interface Dup {
  oldfd: number;
  newfd: number;
  errno: number;
  /** dup | dup2 | dup3 | fcntl_dupfd | fcntl_dupfd_cloexec | fcntl_setfd */
  op: string;
  cloexec: boolean;
  flags?: number;
  arg?: number;
}

export interface Pipe {
  read_fd: number;
  write_fd: number;
  errno: number;
  flags: number;
  op: string;
}

export interface Chdir {
  /** as passed ('' for fchdir) */
  path: string;
  /** fchdir fd, -100 for chdir */
  fd: number;
  errno: number;
  /** resulting absolute cwd */
  cwd: string;
  /** the new cwd is deeper than PATH_MAX: `cwd` is "…/" and its leaf side, not absolute */
  cwd_incomplete?: boolean;
  op: string;
}

/** unlink, unlinkat, mkdir, mkdirat, rmdir */
export interface PathOp {
  op: string;
  path: string;
  dirfd: number;
  errno: number;
  flags?: number;
  mode?: number;
  truncated?: boolean;
}

/** rename*, link*, symlink* */
export interface PathOp2 {
  op: string;
  /** symlink: the target text */
  from: string;
  to: string;
  errno: number;
  olddirfd?: number;
  newdirfd?: number;
  flags?: number;
  truncated?: boolean;
}

/** stat, lstat, newfstatat, statx, access, faccessat, faccessat2, readlink, readlinkat */
export interface Lookup {
  op: string;
  path: string;
  /** -100 = AT_FDCWD */
  dirfd: number;
  flags: number;
  /** access(2) mode; statx mask */
  mode: number;
  errno: number;
  /** successful stat: st_mode >> 12 (0 otherwise) */
  ftype?: number;
  /** successful stat: mtime (s since the epoch) */
  mtime?: number;
  mtime_nsec?: number;
  /** successful readlink: the link text */
  target?: string;
  /** this record stands for 1 + repeats identical lookups by the same process */
  repeats?: number;
  truncated?: boolean;
}

/** getdents64: one per listed directory */
export interface Readdir {
  op: string;
  fd: number;
  entries: number;
  calls: number;
  errno: number;
  partial?: boolean;
}

/** chmod, chown, truncate and utime families (fd forms: dirfd is the fd, path empty) */
export interface MetaOp {
  op: string;
  path: string;
  dirfd: number;
  errno: number;
  flags?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  atime?: number;
  atime_nsec?: number;
  mtime?: number;
  mtime_nsec?: number;
  times_now?: boolean;
  truncated?: boolean;
}

export interface Lost {
  count: number;
  /** ringbuf | pair_map | read | truncated | incomplete_exec | repeat_count (lookups written without their repetition count) */
  reason: string;
  from_ts?: number;
  to_ts?: number;
}

export interface Trailer {
  end_ts: number;
  /** bt trace's exit status (the build's; 128+signal) */
  exit_status: number;
  exit_code: number;
  exit_signal: number;
  /** event records written before the trailer (LogWriter.close fills it in when absent) */
  records?: number;
  /** per event type (LogWriter.close fills it in when absent) */
  counts?: Record<string, number>;
  /** lost events per reason (LogWriter.close fills it in from the lost records when absent) */
  lost?: Record<string, number>;
  /** processes left running after the grace period */
  leftover?: string[];
  /** bt's own CPU time (user / system, µs) and peak RSS (KiB), build excluded */
  bt_user_us?: number;
  bt_sys_us?: number;
  bt_max_rss_kib?: number;
  /** format 2: the kernel's records in its ring batches */
  ring_records?: number;
}

/** Normalized logs: one per process, after its exit. */
export interface ProcessInfo {
  proc: number;
  pid: number;
  /** parent's proc id (0 = root) */
  parent: number;
  start_ts: number;
  end_ts: number;
  /** -1 unknown */
  exit_code: number;
  signal: number;
  /** last successful exec path (absolute) */
  exe: string;
  argv: string[];
  cwd: string;
  /** pipes (normalizer ids) this process read from / wrote to */
  pipe_read?: number[];
  pipe_write?: number[];
  /** files it may have written through an fd no close record shows closed (open at its end, closed by close_range, replaced by dup2): writes up to end_ts */
  held_write?: string[];
  /** held_write is given (older normalizers did not track it: any write may go on up to end_ts) */
  held_known?: boolean;
}

export interface LogRecord {
  /** CLOCK_BOOTTIME ns */
  ts: number;
  /** process (tgid) */
  pid: number;
  tid: number;
  // Set by bt normalize (undefined in raw logs):
  proc?: number;
  abspath?: string;
  abspath2?: string;
  access?: number;
  seq?: number;
  // The event: exactly one of these is set.
  fork?: Fork;
  exec?: Exec;
  exit?: Exit;
  open?: Open;
  close?: Close;
  dup?: Dup;
  pipe?: Pipe;
  chdir?: Chdir;
  path?: PathOp;
  path2?: PathOp2;
  lost?: Lost;
  trailer?: Trailer;
  process?: ProcessInfo;
  lookup?: Lookup;
  readdir?: Readdir;
  meta?: MetaOp;
  env?: EnvDef;
}

/** Where proto/bt.proto is (proto-path.ts finds it above src/log, dist/src/log or the bundles). */
export const PROTO_PATH: string = protoPath();
/** The bundle (scripts/bundle.mjs) carries the schema as JSON, parsed from bt.proto when it was built: 4x faster to load. */
declare const __BT_PROTO_JSON__: protobuf.INamespace | undefined;
export const root: protobuf.Root =
  typeof __BT_PROTO_JSON__ !== 'undefined' ? protobuf.Root.fromJSON(__BT_PROTO_JSON__) : new protobuf.Root().loadSync(PROTO_PATH, { keepCase: true });
installLazyEncoders(root);
export const HeaderType: protobuf.Type = root.lookupType('bt.Header');
export const RecordType: protobuf.Type = root.lookupType('bt.Record');
export const TrailerType: protobuf.Type = root.lookupType('bt.Trailer');
installEnvRuns(root.lookupType('bt.Exec'));

// Absent oneof members and normalize-only fields read as undefined (protobufjs
// puts null / 0 / '' on the prototype). Accessing .ctor resolves the fields,
// which sets the defaults we override here; resolution is not repeated later.
{
  const proto = RecordType.ctor.prototype as Record<string, unknown>;
  for (const name of EVENT_TYPES) proto[name] = undefined;
  for (const name of ['proc', 'abspath', 'abspath2', 'access', 'seq']) proto[name] = undefined;
}
installFastDecode(RecordType);
// what the fast encoder leaves (fastencode.ts): protobufjs's encoding
setSlowEncoder((message, m) => root.lookupType(message).encodeDelimited(m as Record<string, unknown>).finish());

/**
 * A type's first encode generates its encoder alone. protobufjs generates
 * all five functions of a type (encode, decode, verify, fromObject,
 * toObject) at its first use of any, and a writer that only encodes pays
 * for all of them, for every type it reaches: bt trace encodes a header
 * before its build can start and a trailer after it has ended: ~5 ms less
 * with this (BT_TIMING's phases: the header 3.3 -> 1.8 ms, the trailer and
 * the close 7.3 -> 3.4). The first decode (or any other use)
 * generates all five as usual, the encoder again with them.
 */
function installLazyEncoders(ns: protobuf.NamespaceBase): void {
  for (const obj of ns.nestedArray) {
    if (obj instanceof protobuf.Type) {
      const type = obj;
      type.encode = (...args: Parameters<protobuf.Type['encode']>) => {
        const types = type.fieldsArray.map((f) => f.resolve().resolvedType);
        type.encode = protobuf.encoder(type)({ Writer: protobuf.Writer, types, util: protobuf.util }) as protobuf.Type['encode'];
        return type.encode(...args); // (protobufjs passes a third, its depth of nesting)
      };
    }
    if (obj instanceof protobuf.Namespace) installLazyEncoders(obj);
  }
}

function withVersion(h: LogHeader): LogHeader {
  return h.format_version ? h : { ...h, format_version: FORMAT_VERSION };
}

/** Header, varint-delimited (format_version defaults to FORMAT_VERSION). */
export function encodeHeader(h: LogHeader): Uint8Array {
  return HeaderType.encodeDelimited(withVersion(h)).finish();
}

/** Record, varint-delimited. */
export function encodeRecord(r: LogRecord): Uint8Array {
  return RecordType.encodeDelimited(r).finish();
}

/** Decodes one Header payload (no length prefix). Throws protobufjs errors. */
export function decodeHeader(payload: Uint8Array): LogHeader {
  return HeaderType.decode(payload) as unknown as LogHeader;
}

/** Decodes one Record payload (no length prefix). Throws protobufjs errors. */
export function decodeRecord(payload: Uint8Array): LogRecord {
  return RecordType.decode(payload) as unknown as LogRecord;
}

/** The reader decodeRecordAt reuses while records come from the same buffer. */
let shared: protobuf.Reader | undefined;

/**
 * Decodes the Record payload at buf[start, start + len) without a view or
 * a reader per record (the bulk path of every log reader). A payload whose
 * last field runs past its end throws, as decodeRecord of the slice would.
 */
export function decodeRecordAt(buf: Uint8Array, start: number, len: number): LogRecord {
  const fast = fastDecode(buf, start, len);
  if (fast !== undefined) return fast as unknown as LogRecord;
  if (shared?.buf !== buf) shared = protobuf.Reader.create(buf);
  shared.pos = start;
  shared.len = buf.length; // a decode that threw leaves its record's end here
  // bounded by len: reads stop at the record's end, and a record that ends elsewhere throws
  return RecordType.decode(shared, len) as unknown as LogRecord;
}

/** A plain copy of a header (decoded headers keep defaults on their prototype). */
export function copyHeader(h: LogHeader): LogHeader {
  return {
    format_version: h.format_version,
    bt_version: h.bt_version ?? '',
    kernel_release: h.kernel_release ?? '',
    hostname: h.hostname ?? '',
    clock: h.clock ?? '',
    boot_to_wall_ns: h.boot_to_wall_ns ?? 0,
    command: [...(h.command ?? [])],
    cwd: h.cwd ?? '',
    uid: h.uid ?? 0,
    gid: h.gid ?? 0,
    options: { ...(h.options ?? {}) },
    start_ts: h.start_ts ?? 0,
    normalized: h.normalized ?? false,
    root_pid: h.root_pid ?? 0,
    source: h.source ?? '',
    ...(h.ring_layout ? { ring_layout: h.ring_layout } : {}),
  };
}
