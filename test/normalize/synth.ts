/**
 * Test helper: builds synthetic raw bt logs (what bt trace would write).
 * Timestamps advance by `step` ns per record unless set with at().
 */
import type { LogHeader, LogRecord, Trailer } from '../../src/log/schema.js';
import { LogWriter } from '../../src/log/writer.js';
import { tmpdir } from '../helpers/tmp.js';

export const AT_FDCWD = -100;
export const O_RDONLY = 0;
export const O_WRONLY = 0o1;
export const O_RDWR = 0o2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_DIRECTORY = 0o200000;
export const O_CLOEXEC = 0o2000000;
export const O_PATH = 0o10000000;
export const ENOENT = 2;

export const BASE_TS = 1_000_000_000_000;

export function makeHeader(rootPid: number, cwd = '/work/proj', extra: Partial<LogHeader> = {}): LogHeader {
  return {
    bt_version: '0.1.0-test',
    kernel_release: '6.1.0-test-amd64',
    hostname: 'testhost',
    clock: 'CLOCK_BOOTTIME',
    boot_to_wall_ns: 1_700_000_000_000_000_000,
    command: ['make'],
    cwd,
    uid: 1000,
    gid: 1000,
    options: {},
    start_ts: BASE_TS - 1000,
    root_pid: rootPid,
    ...extra,
  };
}

export interface OpenOpts {
  dirfd?: number;
  flags?: number;
  fd?: number;
  errno?: number;
  op?: string;
  mode?: number;
  tid?: number;
}

export class TraceBuilder {
  readonly header: LogHeader;
  readonly records: LogRecord[] = [];
  ts = BASE_TS;
  step = 1000;

  constructor(readonly rootPid: number, cwd = '/work/proj', extra: Partial<LogHeader> = {}) {
    this.header = makeHeader(rootPid, cwd, extra);
  }

  /** Sets the timestamp of the next record. */
  at(ts: number): this {
    this.ts = ts;
    return this;
  }

  /** Any event (`{ lookup: {…} }`, …) of process `pid`. */
  push(pid: number, ev: Partial<LogRecord>, tid = pid): LogRecord {
    const r = { ts: this.ts, pid, tid, ...ev } as LogRecord;
    this.records.push(r);
    this.ts += this.step;
    return r;
  }

  fork(pid: number, child: number, opts: { thread?: boolean; ppid?: number; tid?: number } = {}): LogRecord {
    return this.push(
      pid,
      { fork: { child: opts.thread ? pid : child, child_tid: child, ppid: opts.ppid ?? pid, thread: !!opts.thread } },
      opts.tid ?? pid,
    );
  }

  exec(
    pid: number,
    file: string,
    argv: string[],
    cwd: string,
    opts: { errno?: number; interp?: string; dirfd?: number; op?: string; env?: string[]; umask?: number } = {},
  ): LogRecord {
    return this.push(pid, {
      exec: {
        path: file,
        argv,
        env: opts.env ?? ['PATH=/usr/bin:/bin'],
        cwd,
        errno: opts.errno ?? 0,
        op: opts.op ?? 'execve',
        uid: 1000,
        gid: 1000,
        interp: opts.interp ?? '',
        dirfd: opts.dirfd ?? AT_FDCWD,
        ...(opts.umask !== undefined ? { umask: opts.umask } : {}),
      },
    });
  }

  exit(pid: number, code = 0, signal = 0): LogRecord {
    return this.push(pid, { exit: { code, signal, core: false, status: signal ? signal : code << 8 } });
  }

  open(pid: number, file: string, opts: OpenOpts = {}): LogRecord {
    const fd = opts.fd ?? 3;
    return this.push(
      pid,
      {
        open: {
          path: file,
          dirfd: opts.dirfd ?? AT_FDCWD,
          flags: opts.flags ?? O_RDONLY,
          mode: opts.mode ?? 0,
          fd: opts.errno ? -1 : fd,
          errno: opts.errno ?? 0,
          op: opts.op ?? 'openat',
        },
      },
      opts.tid ?? pid,
    );
  }

  close(pid: number, fd: number, errno = 0): LogRecord {
    return this.push(pid, { close: { fd, errno, op: 'close', last: fd, flags: 0 } });
  }

  closeRange(pid: number, fd: number, last: number, flags = 0): LogRecord {
    return this.push(pid, { close: { fd, errno: 0, op: 'close_range', last, flags } });
  }

  dup(pid: number, op: string, oldfd: number, newfd: number, opts: { cloexec?: boolean; arg?: number; flags?: number } = {}): LogRecord {
    return this.push(pid, {
      dup: { oldfd, newfd, errno: 0, op, cloexec: !!opts.cloexec, arg: opts.arg ?? newfd, flags: opts.flags ?? 0 },
    });
  }

  pipe(pid: number, readFd: number, writeFd: number, flags = 0): LogRecord {
    return this.push(pid, { pipe: { read_fd: readFd, write_fd: writeFd, errno: 0, flags, op: 'pipe2' } });
  }

  chdir(pid: number, file: string, kernelCwd: string, opts: { errno?: number; tid?: number } = {}): LogRecord {
    return this.push(
      pid,
      { chdir: { path: file, fd: AT_FDCWD, errno: opts.errno ?? 0, cwd: opts.errno ? '' : kernelCwd, op: 'chdir' } },
      opts.tid ?? pid,
    );
  }

  fchdir(pid: number, fd: number, kernelCwd: string): LogRecord {
    return this.push(pid, { chdir: { path: '', fd, errno: 0, cwd: kernelCwd, op: 'fchdir' } });
  }

  pathOp(pid: number, op: string, file: string, opts: { dirfd?: number; flags?: number; errno?: number } = {}): LogRecord {
    return this.push(pid, {
      path: { op, path: file, dirfd: opts.dirfd ?? AT_FDCWD, flags: opts.flags ?? 0, mode: 0o755, errno: opts.errno ?? 0 },
    });
  }

  pathOp2(
    pid: number,
    op: string,
    from: string,
    to: string,
    opts: { olddirfd?: number; newdirfd?: number; flags?: number; errno?: number } = {},
  ): LogRecord {
    return this.push(pid, {
      path2: {
        op,
        from,
        to,
        olddirfd: opts.olddirfd ?? AT_FDCWD,
        newdirfd: opts.newdirfd ?? AT_FDCWD,
        flags: opts.flags ?? 0,
        errno: opts.errno ?? 0,
      },
    });
  }

  lost(count: number, reason: string, fromTs: number, toTs: number): LogRecord {
    return this.push(0, { lost: { count, reason, from_ts: fromTs, to_ts: toTs } }, 0);
  }

  trailer(exitStatus = 0): Trailer {
    return { end_ts: this.ts, exit_status: exitStatus, exit_code: exitStatus, exit_signal: 0, leftover: [] };
  }

  /** Writes the log; `trailer: false` leaves it incomplete. `order` permutes arrival order. */
  write(file: string, opts: { trailer?: boolean; exitStatus?: number; order?: LogRecord[] } = {}): string {
    const w = LogWriter.open(file, this.header);
    for (const r of opts.order ?? this.records) w.write(r);
    w.close(opts.trailer === false ? undefined : this.trailer(opts.exitStatus ?? 0));
    return file;
  }
}

/** A fresh temporary directory, removed at process exit. */
export function tempDir(prefix = 'bt-test-'): string {
  return tmpdir(prefix);
}

/**
 * The forker test program: root (pid 100) forks two children (101, 102);
 * child 101 forks a grandchild (103). Exit codes as the real one: main 0,
 * child1 1, child2 2, grandchild 3.
 */
export function forkerTrace(): TraceBuilder {
  const t = new TraceBuilder(100, '/work/tp');
  t.exec(100, './forker', ['./forker'], '/work/tp');
  t.open(100, '/etc/ld.so.cache', { fd: 3, flags: O_CLOEXEC });
  t.close(100, 3);
  t.open(100, '/lib/x86_64-linux-gnu/libc.so.6', { fd: 3, flags: O_CLOEXEC });
  t.close(100, 3);
  t.fork(100, 101);
  t.fork(100, 102);
  t.fork(101, 103);
  t.exit(103, 3);
  t.exit(101, 1);
  t.exit(102, 2);
  t.exit(100, 0);
  return t;
}

/**
 * A small C build: make (pid 10) runs, per source, `sh -c "cc -c x.c -o x.o"`
 * whose cc runs cc1 (reads x.c and headers, writes a temp .s) and as (reads
 * the .s, writes x.o); then `cc -o app a.o b.o` runs ld (reads the .o files,
 * writes app).
 */
export function cBuildTrace(sources = ['a', 'b'], failing?: string): TraceBuilder {
  const cwd = '/work/cproj';
  const t = new TraceBuilder(10, cwd);
  t.exec(10, '/usr/bin/make', ['make'], cwd);
  t.open(10, '/etc/ld.so.cache', { fd: 3, flags: O_CLOEXEC });
  t.close(10, 3);
  t.open(10, '/lib/x86_64-linux-gnu/libc.so.6', { fd: 3, flags: O_CLOEXEC });
  t.close(10, 3);
  t.open(10, 'Makefile', { fd: 3 });
  t.close(10, 3);
  let pid = 20;
  let tmp = 0;
  for (const s of sources) {
    const sh = pid++;
    const cc = pid++;
    const cc1 = pid++;
    const as = pid++;
    t.fork(10, sh);
    t.exec(sh, '/bin/sh', ['/bin/sh', '-c', `cc -c ${s}.c -o ${s}.o`], cwd);
    t.open(sh, '/lib/x86_64-linux-gnu/libc.so.6', { fd: 3, flags: O_CLOEXEC });
    t.close(sh, 3);
    t.fork(sh, cc);
    t.exec(cc, '/usr/local/bin/cc', ['cc', '-c', `${s}.c`, '-o', `${s}.o`], cwd, { errno: ENOENT });
    t.exec(cc, '/usr/bin/cc', ['cc', '-c', `${s}.c`, '-o', `${s}.o`], cwd);
    t.open(cc, '/usr/lib/locale/locale-archive', { fd: 3, flags: O_CLOEXEC });
    t.close(cc, 3);
    const asm = `/tmp/cc${tmp++}.s`;
    t.fork(cc, cc1);
    t.exec(cc1, '/usr/libexec/gcc/cc1', ['/usr/libexec/gcc/cc1', `${s}.c`, '-o', asm], cwd);
    t.open(cc1, `${s}.c`, { fd: 3 });
    t.close(cc1, 3);
    t.open(cc1, 'include/common.h', { fd: 3 });
    t.close(cc1, 3);
    t.open(cc1, `include/${s}.h`, { fd: 3 });
    t.close(cc1, 3);
    t.open(cc1, '/usr/include/stdio.h', { fd: 3 });
    t.close(cc1, 3);
    t.open(cc1, 'include/missing.h', { errno: ENOENT });
    t.open(cc1, '/dev/null', { fd: 3, flags: O_WRONLY });
    t.close(cc1, 3);
    t.open(cc1, '/proc/self/maps', { fd: 3 });
    t.close(cc1, 3);
    t.open(cc1, asm, { fd: 3, flags: O_WRONLY | O_CREAT | O_TRUNC });
    t.close(cc1, 3);
    t.exit(cc1, s === failing ? 1 : 0);
    if (s === failing) {
      t.exit(cc, 1);
      t.exit(sh, 1);
      continue;
    }
    t.fork(cc, as);
    t.exec(as, '/usr/bin/as', ['as', '-o', `${s}.o`, asm], cwd);
    t.open(as, asm, { fd: 3 });
    t.close(as, 3);
    t.open(as, `${s}.o`, { fd: 4, flags: O_WRONLY | O_CREAT | O_TRUNC });
    t.close(as, 4);
    t.exit(as, 0);
    t.pathOp(cc, 'unlink', asm);
    t.exit(cc, 0);
    t.exit(sh, 0);
  }
  if (!failing) {
    const sh = pid++;
    const cc = pid++;
    const ld = pid++;
    const objs = sources.map((s) => `${s}.o`);
    t.fork(10, sh);
    t.exec(sh, '/bin/sh', ['/bin/sh', '-c', `cc -o app ${objs.join(' ')}`], cwd);
    t.fork(sh, cc);
    t.exec(cc, '/usr/bin/cc', ['cc', '-o', 'app', ...objs], cwd);
    t.fork(cc, ld);
    t.exec(ld, '/usr/bin/ld', ['/usr/bin/ld', '-o', 'app', ...objs, '-lc'], cwd);
    for (const o of objs) {
      t.open(ld, o, { fd: 3 });
      t.close(ld, 3);
    }
    t.open(ld, '/usr/lib/x86_64-linux-gnu/libc.so', { fd: 3 });
    t.close(ld, 3);
    t.open(ld, 'app', { fd: 3, flags: O_RDWR | O_CREAT | O_TRUNC });
    t.close(ld, 3);
    t.exit(ld, 0);
    t.exit(cc, 0);
    t.exit(sh, 0);
  }
  t.exit(10, failing ? 2 : 0);
  return t;
}

/**
 * A job of `parent` in `cwd`: `exe` with `argv` (pid `pid`) opens and
 * closes each of `reads`, then writes each of `writes` (created,
 * truncated), and exits 0.
 */
export function addJob(
  t: TraceBuilder,
  job: { parent: number; pid: number; exe: string; argv: string[]; reads: readonly string[]; writes: readonly string[]; cwd?: string },
): void {
  const cwd = job.cwd ?? '/w';
  t.fork(job.parent, job.pid);
  t.exec(job.pid, job.exe, job.argv, cwd);
  job.reads.forEach((r, i) => {
    t.open(job.pid, r, { fd: 3 + i });
    t.close(job.pid, 3 + i);
  });
  for (const w of job.writes) {
    t.open(job.pid, w, { fd: 3, flags: O_WRONLY | O_CREAT | O_TRUNC });
    t.close(job.pid, 3);
  }
  t.exit(job.pid, 0);
}

/**
 * A job of make (pid 1) in /w whose shell (pid `pid`) runs readlink (pid + 1),
 * which fails (exit 1), as pyenv's probes do; the shell exits 0.
 */
export function addFailedProbe(t: TraceBuilder, pid: number): void {
  t.fork(1, pid);
  t.exec(pid, '/bin/sh', ['/bin/sh', '-c', 'genver.sh'], '/w');
  t.fork(pid, pid + 1);
  t.exec(pid + 1, '/usr/bin/readlink', ['readlink', 'pyenv'], '/w');
  t.exit(pid + 1, 1);
  t.exit(pid, 0);
}

/**
 * sh (pid 1) runs `gen | sort` in /w: a pipe, gen (pid 2) on its write end
 * as stdout, sort (pid 3) on its read end as stdin.
 */
export function addPipeline(t: TraceBuilder, sortArgv: string[] = ['sort']): void {
  t.pipe(1, 3, 4);
  t.fork(1, 2);
  t.fork(1, 3);
  t.dup(2, 'dup2', 4, 1);
  t.close(2, 3);
  t.close(2, 4);
  t.exec(2, '/usr/bin/gen', ['gen'], '/w');
  t.dup(3, 'dup2', 3, 0);
  t.close(3, 3);
  t.close(3, 4);
  t.exec(3, '/usr/bin/sort', sortArgv, '/w');
}

/**
 * An autotools-like build, `sh -c './configure && make'` in /w (pid 1):
 * configure (pid 2) writes conftest.c and compiles it with `cc -o conftest
 * conftest.c` (pids 10, 11, 12: each reads /usr/include/stdio.h, writes
 * conftest, which configure removes), writes confdefs.h and runs
 * config.status (pid 3), which reads confdefs.h and Makefile.in and writes
 * config.h and Makefile. Then make (pid 4) reads Makefile and, per
 * source, runs `cc -c S.c -o S.o` (the driver, which removes its
 * temporary) -> cc1 (reads S.c, config.h, util.h; writes /tmp/ccS.s) and
 * as (reads it, writes S.o); then `cc -o app main.o util.o` -> ld.
 */
export function configureMakeTrace(sources = ['main', 'util']): TraceBuilder {
  const W = O_WRONLY | O_CREAT | O_TRUNC;
  const t = new TraceBuilder(1, '/w', { command: ['sh', '-c', './configure && make'] });
  const touch = (pid: number, file: string, flags = O_RDONLY) => {
    t.open(pid, file, { fd: 3, flags });
    t.close(pid, 3);
  };
  t.exec(1, '/bin/sh', ['sh', '-c', './configure && make'], '/w');
  t.fork(1, 2);
  t.exec(2, '/bin/sh', ['/bin/sh', './configure'], '/w');
  touch(2, 'configure');
  for (const pid of [10, 11, 12]) {
    touch(2, 'conftest.c', W);
    t.fork(2, pid);
    t.exec(pid, '/usr/bin/cc', ['cc', '-o', 'conftest', 'conftest.c'], '/w');
    touch(pid, 'conftest.c');
    touch(pid, '/usr/include/stdio.h');
    touch(pid, 'conftest', W);
    t.exit(pid, 0);
    t.pathOp(2, 'unlink', 'conftest');
  }
  t.pathOp(2, 'unlink', 'conftest.c');
  touch(2, 'confdefs.h', W);
  t.fork(2, 3);
  t.exec(3, '/bin/sh', ['/bin/sh', './config.status'], '/w');
  touch(3, 'config.status');
  touch(3, 'confdefs.h');
  touch(3, 'config.h', W);
  touch(3, 'Makefile.in');
  touch(3, 'Makefile', W);
  t.exit(3, 0);
  t.exit(2, 0);
  t.fork(1, 4);
  t.exec(4, '/usr/bin/make', ['make'], '/w');
  touch(4, 'Makefile');
  let pid = 20;
  for (const s of sources) {
    const [cc, cc1, as] = [pid++, pid++, pid++];
    const asm = `/tmp/cc${s}.s`;
    t.fork(4, cc);
    t.exec(cc, '/usr/bin/cc', ['cc', '-c', `${s}.c`, '-o', `${s}.o`], '/w');
    t.fork(cc, cc1);
    t.exec(cc1, '/usr/libexec/gcc/cc1', ['/usr/libexec/gcc/cc1', `${s}.c`, '-o', asm], '/w');
    for (const f of [`${s}.c`, 'config.h', 'util.h']) touch(cc1, f);
    touch(cc1, asm, W);
    t.exit(cc1, 0);
    t.fork(cc, as);
    t.exec(as, '/usr/bin/as', ['as', '-o', `${s}.o`, asm], '/w');
    touch(as, asm);
    touch(as, `${s}.o`, W);
    t.exit(as, 0);
    t.pathOp(cc, 'unlink', asm);
    t.exit(cc, 0);
  }
  const objs = sources.map((s) => `${s}.o`);
  const [cc, ld] = [pid++, pid++];
  t.fork(4, cc);
  t.exec(cc, '/usr/bin/cc', ['cc', '-o', 'app', ...objs], '/w');
  t.fork(cc, ld);
  t.exec(ld, '/usr/bin/ld', ['ld', '-o', 'app', ...objs], '/w');
  for (const o of objs) touch(ld, o);
  touch(ld, 'app', W);
  t.exit(ld, 0);
  t.exit(cc, 0);
  t.exit(4, 0);
  t.exit(1, 0);
  return t;
}

/**
 * Files renamed into place, in /w under make (pid 1): python3 (2) makes
 * out/tmpa1b2.tmp with mkstemp (O_RDWR|O_CREAT|O_EXCL) and os.replace()s it
 * onto out/config.h; `sed -i` (3) reads out/stamp, writes out/sedAb12Cd and
 * renames it onto out/stamp; cc (4) reads main.c and out/config.h, writes
 * main.o; ar (5) reads main.o, makes stXy34Zw, writes lib.a and removes
 * stXy34Zw. Not renamed by their maker alone: gen (6) writes out/list.tmp,
 * which mv (7) renames onto out/list; gen (8) writes out/v.tmp, cat (9)
 * reads it, then gen renames it onto out/v.h.
 */
export function renameIntoPlaceTrace(): TraceBuilder {
  const W = O_WRONLY | O_CREAT | O_TRUNC;
  const MKSTEMP = O_RDWR | O_CREAT | O_EXCL;
  const t = new TraceBuilder(1, '/w');
  const touch = (pid: number, file: string, flags = O_RDONLY) => {
    t.open(pid, file, { fd: 3, flags });
    t.close(pid, 3);
  };
  const run = (pid: number, argv: string[], body: () => void) => {
    t.fork(1, pid);
    t.exec(pid, `/usr/bin/${argv[0]}`, argv, '/w');
    body();
    t.exit(pid, 0);
  };
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  run(2, ['python3', 'gen.py'], () => {
    touch(2, 'gen.py');
    touch(2, 'out/tmpa1b2.tmp', MKSTEMP);
    t.pathOp2(2, 'rename', 'out/tmpa1b2.tmp', 'out/config.h');
  });
  run(3, ['sed', '-i', 's/a/b/', 'out/stamp'], () => {
    t.open(3, 'out/stamp', { fd: 3 });
    t.open(3, 'out/sedAb12Cd', { fd: 4, flags: MKSTEMP });
    t.close(3, 3);
    t.close(3, 4);
    t.pathOp2(3, 'rename', 'out/sedAb12Cd', 'out/stamp');
  });
  run(4, ['cc', '-c', 'main.c'], () => {
    touch(4, 'main.c');
    touch(4, 'out/config.h');
    touch(4, 'main.o', W);
  });
  run(5, ['ar', 'qc', 'lib.a', 'main.o'], () => {
    touch(5, 'main.o');
    touch(5, 'stXy34Zw', MKSTEMP);
    touch(5, 'lib.a', W);
    t.pathOp(5, 'unlink', 'stXy34Zw');
  });
  run(6, ['gen', 'out/list.tmp'], () => touch(6, 'out/list.tmp', W));
  run(7, ['mv', 'out/list.tmp', 'out/list'], () => t.pathOp2(7, 'rename', 'out/list.tmp', 'out/list'));
  t.fork(1, 8);
  t.exec(8, '/usr/bin/gen', ['gen', 'out/v.h'], '/w');
  touch(8, 'out/v.tmp', W);
  run(9, ['cat', 'out/v.tmp'], () => touch(9, 'out/v.tmp'));
  t.pathOp2(8, 'rename', 'out/v.tmp', 'out/v.h');
  t.exit(8, 0);
  t.exit(1, 0);
  return t;
}

/**
 * `node-gyp rebuild` in /w, cut down (times in ms from BASE_TS): node
 * (pid 1) removes the old build's build/a.o and build/gone.txt (its clean,
 * `rm -rf build`), runs `python3 -c …sys.executable…` (pid 2, 0-500 ms: a
 * question, it reads python's files and writes nothing) unless `probe` is
 * false, then gyp (pid 3, 510-710 ms: binding.gyp -> build/Makefile), then
 * `make -C build` (pid 4, reading build/Makefile), whose jobs compile
 * src/a.cc to build/a.o (pid 5, 730-830 ms) and link build/a.node (pid 6,
 * 840-940 ms).
 */
export function nodeGypTrace(probe = true, npm = false): TraceBuilder {
  const ms = (n: number) => BASE_TS + n * 1e6;
  const W = O_WRONLY | O_CREAT | O_TRUNC;
  const t = new TraceBuilder(1, '/w');
  // under npm install: npm runs the package's install script, `sh -c 'node-gyp rebuild'`, and that node-gyp
  const g = npm ? 21 : 1;
  if (npm) {
    t.exec(1, '/usr/bin/node', ['node', '/usr/lib/node_modules/npm/bin/npm-cli.js', 'install'], '/w');
    t.fork(1, 20);
    t.exec(20, '/bin/sh', ['sh', '-c', 'node-gyp rebuild'], '/w');
    t.fork(20, 21);
  }
  t.exec(g, '/usr/bin/node', ['node', '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js', 'rebuild'], '/w');
  t.pathOp(g, 'unlink', 'build/a.o');
  t.pathOp(g, 'unlink', 'build/gone.txt');
  if (probe) {
    t.fork(g, 2);
    t.exec(2, '/usr/bin/python3', ['python3', '-c', "import sys; sys.stdout.buffer.write(sys.executable.encode('utf-8'));"], '/w');
    t.open(2, '/usr/lib/python3.11/os.py', { fd: 3 });
    t.close(2, 3);
    t.at(ms(500)).exit(2, 0);
  }
  t.at(ms(510)).fork(g, 3);
  t.exec(3, '/usr/bin/python3', ['python3', '/usr/lib/node_modules/npm/node_modules/node-gyp/gyp/gyp_main.py', 'binding.gyp', '-f', 'make'], '/w');
  t.open(3, 'binding.gyp', { fd: 3 });
  t.close(3, 3);
  t.open(3, 'build/Makefile', { fd: 3, flags: W });
  t.close(3, 3);
  t.at(ms(710)).exit(3, 0);
  t.fork(g, 4);
  t.exec(4, '/usr/bin/make', ['make', '-C', 'build'], '/w');
  t.open(4, 'build/Makefile', { fd: 3 });
  t.close(4, 3);
  t.at(ms(730)).fork(4, 5);
  t.exec(5, '/usr/bin/g++', ['g++', '-c', '-o', 'a.o', '../src/a.cc'], '/w/build');
  t.open(5, '/w/src/a.cc', { fd: 3 });
  t.close(5, 3);
  t.open(5, '/w/build/a.o', { fd: 3, flags: W });
  t.close(5, 3);
  t.at(ms(830)).exit(5, 0);
  t.at(ms(840)).fork(4, 6);
  t.exec(6, '/usr/bin/g++', ['g++', '-shared', '-o', 'a.node', 'a.o'], '/w/build');
  t.open(6, '/w/build/a.o', { fd: 3 });
  t.close(6, 3);
  t.open(6, '/w/build/a.node', { fd: 3, flags: W });
  t.close(6, 3);
  t.at(ms(940)).exit(6, 0);
  t.exit(4, 0);
  t.exit(g, 0);
  if (npm) {
    t.exit(20, 0);
    t.exit(1, 0);
  }
  return t;
}
