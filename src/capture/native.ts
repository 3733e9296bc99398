/**
 * Native bindings (koffi): a declarative table of the libbpf and libc
 * functions bt calls, loaded lazily once. Callers go through `check*`
 * helpers so every native result is checked and a failure becomes a
 * NativeError naming the operation and the errno.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type koffiModule from 'koffi';
import { CaptureError, NativeError } from '../errors.js';
import { KOFFI_DIR } from './install.js';

// koffi (a native addon) is loaded on first use: `bt trace` starts loading
// its BPF programs from the first module bt evaluates (cli/early.ts), and
// the other commands never need it. Once per process: bt trace's head start
// (bt-early.cjs) and its program (bt-trace.cjs) are bundles of their own,
// each with a copy of this module, and loading the addon again runs its
// initialization again (~60 KB of new objects, measured).
const shared = globalThis as { __btKoffi?: typeof koffiModule };
let koffiLoaded: typeof koffiModule | undefined;
function koffi(): typeof koffiModule {
  koffiLoaded ??= shared.__btKoffi ??= loadKoffi();
  return koffiLoaded;
}

/**
 * koffi's native module itself, when it is where koffi's package puts it
 * and of the package's version: its index.js first loads https, zlib and
 * crypto for its installer (~7 ms before bt trace can start its BPF load,
 * measured), and adds nothing bt uses but deprecated aliases. The package
 * is looked for beside bt first (resolving it costs ~1 ms more); anything
 * unexpected takes the package's own way in.
 */
function loadKoffi(): typeof koffiModule {
  const req = createRequire(import.meta.url);
  const dirs = [() => KOFFI_DIR, () => path.dirname(req.resolve('koffi/package.json'))];
  for (const dir of dirs) {
    try {
      const d = dir();
      const pkg = JSON.parse(fs.readFileSync(path.join(d, 'package.json'), 'utf8')) as { version?: string };
      const mod = { exports: {} as typeof koffiModule & { version?: string } };
      process.dlopen(mod, path.join(d, 'build', 'koffi', `${process.platform}_${process.arch}`, 'koffi.node'));
      if (mod.exports.version && mod.exports.version === pkg.version) return mod.exports;
    } catch {
      /* not there: the next way */
    }
  }
  return req('koffi') as typeof koffiModule;
}

const LIBBPF_SONAMES = ['libbpf.so.1', 'libbpf.so'];
const LIBC_SONAME = 'libc.so.6';

/** Prototypes, by library. Pointers to libbpf objects are opaque. */
const LIBBPF_TABLE = {
  libbpf_major_version: 'uint32_t libbpf_major_version(void)',
  libbpf_minor_version: 'uint32_t libbpf_minor_version(void)',
  libbpf_set_print: 'void *libbpf_set_print(void *fn)',
  bpf_object__open_file: 'void *bpf_object__open_file(const char *path, void *opts)',
  bpf_object__load: 'int bpf_object__load(void *obj)',
  bpf_object__close: 'void bpf_object__close(void *obj)',
  bpf_object__find_map_by_name: 'void *bpf_object__find_map_by_name(void *obj, const char *name)',
  bpf_object__next_program: 'void *bpf_object__next_program(void *obj, void *prev)',
  bpf_object__find_program_by_name: 'void *bpf_object__find_program_by_name(void *obj, const char *name)',
  bpf_map__set_max_entries: 'int bpf_map__set_max_entries(void *map, uint32_t max)',
  bpf_map__fd: 'int bpf_map__fd(void *map)',
  bpf_map_update_elem: 'int bpf_map_update_elem(int fd, const void *key, const void *value, uint64_t flags)',
  bpf_program__name: 'const char *bpf_program__name(void *prog)',
  bpf_program__section_name: 'const char *bpf_program__section_name(void *prog)',
  bpf_program__set_autoload: 'int bpf_program__set_autoload(void *prog, bool autoload)',
  bpf_program__fd: 'int bpf_program__fd(void *prog)',
  bpf_obj_get_info_by_fd: 'int bpf_obj_get_info_by_fd(int fd, void *info, _Inout_ uint32_t *len)',
  bpf_iter_create: 'int bpf_iter_create(int link_fd)',
  // attaching by fd (both loaders) and the light skeleton (capture/lskel.ts, capture/lskel-gen.ts)
  bpf_raw_tracepoint_open: 'int bpf_raw_tracepoint_open(const char *name, int prog_fd)',
  bpf_link_create: 'int bpf_link_create(int prog_fd, int target_fd, int attach_type, const void *opts)',
  bpf_map_create: 'int bpf_map_create(int map_type, const char *name, uint32_t key_size, uint32_t value_size, uint32_t max_entries, const void *opts)',
  bpf_prog_load: 'int bpf_prog_load(int prog_type, const char *name, const char *license, const void *insns, size_t insn_cnt, const void *opts)',
  bpf_prog_test_run_opts: 'int bpf_prog_test_run_opts(int prog_fd, void *opts)',
  bpf_object__gen_loader: 'int bpf_object__gen_loader(void *obj, void *opts)',
  bpf_object__next_map: 'void *bpf_object__next_map(void *obj, void *prev)',
  bpf_map__name: 'const char *bpf_map__name(void *map)',
} as const;

const LIBC_TABLE = {
  mmap: 'void *mmap(void *addr, size_t len, int prot, int flags, int fd, int64_t off)',
  munmap: 'int munmap(void *addr, size_t len)',
  getpagesize: 'int getpagesize(void)',
  clock_gettime: 'int clock_gettime(int clk, void *ts)',
  flock: 'int flock(int fd, int op)',
  __errno_location: 'int *__errno_location(void)',
  close: 'int close(int fd)',
  socketpair: 'int socketpair(int domain, int type, int protocol, _Out_ int *sv)',
  posix_spawn_file_actions_init: 'int posix_spawn_file_actions_init(void *fa)',
  posix_spawn_file_actions_adddup2: 'int posix_spawn_file_actions_adddup2(void *fa, int fd, int newfd)',
  posix_spawn_file_actions_destroy: 'int posix_spawn_file_actions_destroy(void *fa)',
  posix_spawn: 'int posix_spawn(_Out_ int *pid, const char *path, void *fa, void *attr, const char **argv, const char **envp)',
  waitpid: 'int waitpid(int pid, _Out_ int *status, int options)',
  waitid: 'int waitid(int idtype, uint32_t id, _Out_ uint8_t *info, int options)',
  syscall: 'long syscall(long number, ...)',
  // bpf(2) (capture/bpfsys.ts), also on libuv's threads, which koffi does not do for a variadic function: glibc's
  // syscall() takes its arguments from the registers a fixed prototype uses too (x86-64 and arm64)
  bpf: 'long syscall(long number, long cmd, void *attr, unsigned long size)',
  // the pidfd calls (capture/front-load.ts): a fixed prototype costs ~10 µs less a call than the variadic one (measured)
  syscall4: 'long syscall(long number, long a, long b, long c, long d)',
  getgrouplist: 'int getgrouplist(const char *user, uint32_t group, _Inout_ uint32_t *groups, _Inout_ int *ngroups)',
  sync_file_range: 'int sync_file_range(int fd, int64_t offset, int64_t nbytes, unsigned int flags)',
  mount: 'int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const void *data)',
  calloc: 'void *calloc(size_t n, size_t size)',
  free: 'void free(void *ptr)',
} as const;

type Fn = (...args: any[]) => any;
export type Libbpf = { [K in keyof typeof LIBBPF_TABLE]: Fn };
export type Libc = { [K in keyof typeof LIBC_TABLE]: Fn };

/**
 * The table's functions, each bound at its first call (koffi parses the
 * prototype then): bt trace's head start calls 4 of libbpf's 27 before its
 * build can start. `missing` makes the error for a function the library
 * lacks.
 */
function bind<T extends Record<string, string>>(lib: koffiModule.IKoffiLib, table: T, missing: (name: string, err: unknown) => Error): { [K in keyof T]: Fn } {
  const out: Record<string, Fn> = {};
  for (const [name, proto] of Object.entries(table)) {
    Object.defineProperty(out, name, {
      configurable: true,
      enumerable: true,
      get(): Fn {
        let fn: Fn;
        try {
          fn = lib.func(proto);
        } catch (err) {
          throw missing(name, err);
        }
        Object.defineProperty(out, name, { value: fn, enumerable: true });
        return fn;
      },
    });
  }
  return out as { [K in keyof T]: Fn };
}

let libbpf: Libbpf | undefined;
let libc: Libc | undefined;

/** libbpf >= 1.0, loaded on first use. */
export function getLibbpf(): Libbpf {
  if (libbpf) return libbpf;
  let lib: koffiModule.IKoffiLib | undefined;
  let lastErr: unknown;
  for (const soname of LIBBPF_SONAMES) {
    try {
      lib = koffi().load(soname);
      break;
    } catch (err) {
      lastErr = err;
    }
  }
  if (!lib) {
    throw new CaptureError(
      'E_NO_LIBBPF',
      'libbpf.so.1 not found: install libbpf 1.x (Debian/Ubuntu: apt-get install libbpf1)',
      { cause: lastErr },
    );
  }
  const bound: Libbpf = bind(
    lib,
    LIBBPF_TABLE,
    (name, err) => new CaptureError('E_OLD_LIBBPF', `libbpf has no ${name}: bt needs libbpf >= 1.0 (apt-get install libbpf1)`, { cause: err }),
  );
  const major = bound.libbpf_major_version() as number;
  if (major < 1) {
    throw new CaptureError('E_OLD_LIBBPF', `libbpf ${major}.x is too old: bt needs libbpf >= 1.0`);
  }
  libbpf = bound;
  return libbpf;
}

export function getLibc(): Libc {
  libc ??= bind(koffi().load(LIBC_SONAME), LIBC_TABLE, (name, err) => new CaptureError('E_NATIVE', `the C library has no ${name}: bt needs glibc`, { cause: err }));
  return libc;
}

/**
 * bpf_object__open_file with options. struct bpf_object_open_opts
 * (libbpf.h, 1.x): sz at 0, object_name 8, relaxed_maps 16, pin_root_path
 * 24, a removed u32 at 32, kconfig 40, btf_custom_path 48, then the kernel
 * log fields to 76; 80 bytes in all. libbpf copies the strings.
 */
export function openObject(objectPath: string, opts: { btfCustomPath?: string } = {}): unknown {
  const bpf = getLibbpf();
  if (!opts.btfCustomPath) return checkPtr(bpf.bpf_object__open_file(objectPath, null), `bpf_object__open_file(${objectPath})`);
  const OPTS_SIZE = 80;
  const BTF_CUSTOM_PATH = 48;
  const raw = Buffer.alloc(OPTS_SIZE);
  const btfPath = Buffer.from(`${opts.btfCustomPath}\0`);
  raw.writeBigUInt64LE(BigInt(OPTS_SIZE), 0);
  raw.writeBigUInt64LE(addressOf(btfPath), BTF_CUSTOM_PATH);
  const obj = checkPtr(bpf.bpf_object__open_file(objectPath, raw), `bpf_object__open_file(${objectPath}, btf ${opts.btfCustomPath})`);
  btfPath.fill(0); // kept alive until here: libbpf has its own copy
  return obj;
}

/** Throws a NativeError for a NULL pointer result. */
export function checkPtr<T>(ptr: T | null, op: string, hint = ''): T {
  if (ptr === null || ptr === undefined) throw new NativeError(op, koffi().errno() || 5, hint);
  return ptr;
}

/** Throws a NativeError for a negative int result (libbpf returns -errno). */
export function checkInt(ret: number, op: string, hint = ''): number {
  if (ret < 0) throw new NativeError(op, ret === -1 ? koffi().errno() || 1 : -ret, hint);
  return ret;
}

/** Throws a NativeError when mmap returned MAP_FAILED ((void *)-1) or NULL. */
export function checkMmap(ptr: unknown, op: string): unknown {
  if (ptr === null || koffi().address(ptr) === 0xffffffffffffffffn) throw new NativeError(op, koffi().errno() || 12);
  return ptr;
}

/** An ArrayBuffer aliasing native memory (no copy). */
export function view(ptr: unknown, len: number): ArrayBuffer {
  return koffi().view(ptr, len);
}

/** The address of a Buffer's bytes (for a pointer inside a struct passed to C; the Buffer must outlive the call). */
export function addressOf(buf: Buffer): bigint {
  return koffi().address(buf) as bigint;
}

/** The pointer stored at `offset` bytes into native memory at `ptr` (NULL: null). */
export function readPointer(ptr: unknown, offset: number): unknown {
  return koffi().decode(ptr, offset, 'void *');
}

/** A copy of `len` bytes of native memory at `ptr`. */
export function copyOut(ptr: unknown, len: number): Buffer {
  return Buffer.from(view(ptr, len).slice(0));
}

/** errno of the last failed libc call on this thread. */
export function lastErrno(): number {
  return koffi().errno();
}

const LOCK_SH = 1;
const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;

/**
 * Takes a flock on fd without waiting, exclusive (bt trace's log) or
 * shared (a reader asking whether bt trace still holds its log): false
 * when another open file holds a lock that conflicts.
 */
export function tryLock(fd: number, mode: 'exclusive' | 'shared' = 'exclusive'): boolean {
  const libc = getLibc();
  if (libc.flock(fd, (mode === 'shared' ? LOCK_SH : LOCK_EX) | LOCK_NB) === 0) return true;
  const errno = koffi().decode(libc.__errno_location(), 'int') as number;
  if (errno === 11) return false; // EWOULDBLOCK
  throw new NativeError('flock', errno, 'cannot lock the log');
}

/** Gives up a flock taken by tryLock. */
export function unlock(fd: number): void {
  getLibc().flock(fd, LOCK_UN);
}

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 1;
export const CLOCK_REALTIME = 0;
export const CLOCK_BOOTTIME = 7;
/** waitpid(2)'s and waitid(2)'s: do not wait. */
export const WNOHANG = 1;

const SYNC_FILE_RANGE_WRITE = 2;

/**
 * Starts writing a file's range to the disk without waiting for it
 * (sync_file_range(2), SYNC_FILE_RANGE_WRITE: no durability by itself; a
 * later fdatasync has less to do). Errors are left to that fdatasync.
 */
export function startWriteback(fd: number, offset: number, length: number): void {
  getLibc().sync_file_range(fd, offset, length, SYNC_FILE_RANGE_WRITE);
}

/** Current time of a clock, in ns (a Number: exact to 2^53 ns, ~104 days). */
export function clockNs(clock: number): number {
  const buf = Buffer.alloc(16); // struct timespec { int64 tv_sec; int64 tv_nsec; }
  checkInt(getLibc().clock_gettime(clock, buf), 'clock_gettime');
  return Number(buf.readBigInt64LE(0)) * 1e9 + Number(buf.readBigInt64LE(8));
}
