/**
 * npm run bench, extra section: bt normalize and bt graph on a large
 * synthetic raw log (not a capture figure: no eBPF involved).
 *
 * The log is what `bt trace -- make -j2` of a big C project would write
 * (LogWriter, the real container format), about 5 million records:
 *  - a make process runs ~17,000 compile jobs two at a time, each
 *    `sh -c 'cd src/dK && cc -c -o fN.o fN.c'`: sh (chdir), cc (spec-file
 *    probes, a pipe to a filter every tenth job), cc1 (reads its .c and ~50
 *    headers found through -I search paths: failed probes before each hit,
 *    relative paths from the chdir'd cwd, writes a temporary .s), as
 *    (unlinks then writes the .o); every 100 objects an `ar` reads them and
 *    writes a library; a final ld reads the libraries and writes the program;
 *  - every exec carries argv and a realistic environment;
 *  - pids count up as with kernel.pid_max = 4194304 (no reuse: every
 *    process's state is distinct, the worst case for memory);
 *  - the records come from two CPUs, in time order except for 2% that
 *    arrive up to 200 µs late (as the ring buffer delivers a record whose
 *    writer was held up), so the log is slightly out of order.
 *
 * Each measured step runs in its own `node` child (this file, with
 * arguments), so its peak RSS (process.resourceUsage().maxRSS) is its own:
 *   normalize   normalizeFile(raw, norm)
 *   graph       graphFile(norm, filters)          normalized log
 *   graph raw   graphFile(raw, filters)           normalizing on the fly
 * and normalize also runs on a 1-million-record log of the same build, to
 * show that peak memory does not grow with the size of the log.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { LogHeader, LogRecord } from '../../src/log/schema.js';
import { LogWriter } from '../../src/log/writer.js';
import { Heap } from '../../src/normalize/order.js';

const SELF = fileURLToPath(import.meta.url);

// --- the synthetic build ---------------------------------------------------

const AT_FDCWD = -100;
const O_WRONLY = 0o1;
const O_RDWR = 0o2;
const O_CREAT = 0o100;
const O_EXCL = 0o200;
const O_TRUNC = 0o1000;
const O_CLOEXEC = 0o2000000;
const ENOENT = 2;
const PID_MAX = 4_194_304; // kernel.pid_max on current 64-bit systems: no reuse, every process stays distinct
const ROOT = '/work/bigproj';
const START_TS = 5_000_000_000_000;

const ENV = [
  'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  'HOME=/home/builder',
  'USER=builder',
  'LOGNAME=builder',
  'SHELL=/bin/bash',
  'LANG=C.UTF-8',
  'TERM=xterm-256color',
  `PWD=${ROOT}`,
  'MAKEFLAGS=-j2 --jobserver-auth=fifo:/tmp/GMfifo1234',
  'MAKELEVEL=1',
  'MFLAGS=-j2',
  'CC=cc',
  'CFLAGS=-O2 -g -Wall -Wextra',
  'SHLVL=2',
  'XDG_RUNTIME_DIR=/run/user/1000',
  'DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus',
  'SSH_CONNECTION=10.0.0.2 52314 10.0.0.1 22',
  'EDITOR=vim',
  'PAGER=less',
  'LESS=-R',
  'HISTSIZE=10000',
  'OLDPWD=/home/builder',
  'MAIL=/var/mail/builder',
  '_=/usr/bin/make',
];

/** Headers each compile includes: [name, found in: 0 = project include/, 1 = /usr/include]. */
const HEADERS: Array<[string, number]> = [];
for (const h of ['stdio.h', 'stdlib.h', 'string.h', 'errno.h', 'unistd.h', 'fcntl.h', 'stdint.h', 'stddef.h', 'limits.h', 'assert.h',
  'bits/types.h', 'bits/wordsize.h', 'sys/types.h', 'sys/stat.h', 'features.h', 'ctype.h', 'time.h', 'signal.h', 'stdarg.h', 'stdbool.h']) {
  HEADERS.push([h, 1]);
}
for (let i = 0; i < 30; i++) HEADERS.push([`proj/mod${i}.h`, 0]);

/** A sequence of records of one CPU, in time order; `ts` is that CPU's clock. */
class Cpu {
  ts: number;
  constructor(
    readonly id: number,
    start: number,
    private readonly rand: () => number,
  ) {
    this.ts = start;
  }
  /** Time passes: a syscall or some computation. */
  tick(minNs: number, maxNs: number): number {
    this.ts += Math.floor(minNs + this.rand() * (maxNs - minNs));
    return this.ts;
  }
}

/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface BuildState {
  nextPid: number;
  jobs: number;
  nextJob: number;
  records: number;
  makePid: number;
}

function newPid(s: BuildState): number {
  let p = s.nextPid;
  if (p === s.makePid) p++; // make runs all along: its pid is never free
  s.nextPid = p >= PID_MAX - 1 ? 300 : p + 1;
  return p;
}


function rec(cpu: Cpu, pid: number, ev: Partial<LogRecord>, tid = pid): LogRecord {
  return { ts: cpu.tick(800, 6000), pid, tid, ...ev } as LogRecord;
}

function open(cpu: Cpu, pid: number, p: string, flags: number, fd: number, errno = 0, dirfd = AT_FDCWD): LogRecord {
  return rec(cpu, pid, { open: { path: p, dirfd, flags, mode: flags & O_CREAT ? 0o644 : 0, fd: errno ? -1 : fd, errno, op: 'openat' } });
}

function close(cpu: Cpu, pid: number, fd: number): LogRecord {
  return rec(cpu, pid, { close: { fd, errno: 0, op: 'close', last: fd, flags: 0 } });
}

function exec(cpu: Cpu, pid: number, file: string, argv: string[], cwd: string): LogRecord {
  return rec(cpu, pid, {
    exec: { path: file, argv, env: ENV, cwd, errno: 0, op: 'execve', uid: 1000, gid: 1000, interp: '', dirfd: AT_FDCWD },
  });
}

function fork(cpu: Cpu, pid: number, child: number): LogRecord {
  return rec(cpu, pid, { fork: { child, child_tid: child, ppid: pid, thread: false } });
}

function exit(cpu: Cpu, pid: number, code = 0): LogRecord {
  return rec(cpu, pid, { exit: { code, signal: 0, core: false, status: code << 8 } });
}

/** The dynamic loader's opens at program start. */
function* startup(cpu: Cpu, pid: number, libs: string[]): Generator<LogRecord> {
  yield open(cpu, pid, '/etc/ld.so.cache', O_CLOEXEC, 3);
  yield close(cpu, pid, 3);
  for (const l of libs) {
    yield open(cpu, pid, `/lib/x86_64-linux-gnu/${l}`, O_CLOEXEC, 3);
    yield close(cpu, pid, 3);
  }
}

/** One compile job: make forks sh, sh cds and forks cc, cc forks cc1 and as. */
function* compileJob(cpu: Cpu, s: BuildState, job: number): Generator<LogRecord> {
  const make = s.makePid;
  const dirN = Math.floor(job / 100);
  const dir = `src/d${dirN}`;
  const cwd = `${ROOT}/${dir}`;
  const base = `f${job}`;
  const sh = newPid(s);
  yield fork(cpu, make, sh);
  yield exec(cpu, sh, '/bin/sh', ['/bin/sh', '-c', `cd ${dir} && cc -O2 -g -Wall -I../../include -c -o ${base}.o ${base}.c`], ROOT);
  yield* startup(cpu, sh, ['libc.so.6']);
  yield rec(cpu, sh, { chdir: { path: dir, fd: AT_FDCWD, errno: 0, cwd, op: 'chdir' } });
  const piped = job % 10 === 0;
  if (piped) yield rec(cpu, sh, { pipe: { read_fd: 3, write_fd: 4, errno: 0, flags: 0, op: 'pipe2' } });
  const cc = newPid(s);
  yield fork(cpu, sh, cc);
  let filter = 0;
  if (piped) {
    yield close(cpu, sh, 4);
    filter = newPid(s);
    yield fork(cpu, sh, filter);
    yield close(cpu, sh, 3);
    yield rec(cpu, cc, { dup: { oldfd: 4, newfd: 2, errno: 0, op: 'dup2', cloexec: false, arg: 2, flags: 0 } });
    yield close(cpu, cc, 3);
    yield close(cpu, cc, 4);
  }
  const ccArgv = ['cc', '-O2', '-g', '-Wall', '-I../../include', '-c', '-o', `${base}.o`, `${base}.c`];
  yield exec(cpu, cc, '/usr/bin/cc', ccArgv, cwd);
  yield* startup(cpu, cc, ['libc.so.6']);
  for (const p of ['/usr/lib/gcc/x86_64-linux-gnu/12/specs', '/usr/lib/gcc/x86_64-linux-gnu/specs']) {
    yield open(cpu, cc, p, 0, -1, ENOENT);
  }
  const tmp = `/tmp/cc${job.toString(36).padStart(6, 'X')}.s`;
  yield open(cpu, cc, tmp, O_RDWR | O_CREAT | O_EXCL, 3);
  yield close(cpu, cc, 3);
  const cc1 = newPid(s);
  yield fork(cpu, cc, cc1);
  yield exec(cpu, cc1, '/usr/lib/gcc/x86_64-linux-gnu/12/cc1', [
    '/usr/lib/gcc/x86_64-linux-gnu/12/cc1', '-quiet', '-I', '../../include', '-imultiarch', 'x86_64-linux-gnu', `${base}.c`,
    '-quiet', '-dumpbase', `${base}.c`, '-dumpbase-ext', '.c', '-mtune=generic', '-march=x86-64', '-O2', '-Wall', '-g',
    '-o', tmp,
  ], cwd);
  yield* startup(cpu, cc1, ['libmpc.so.3', 'libmpfr.so.6', 'libgmp.so.10', 'libzstd.so.1', 'libz.so.1', 'libm.so.6', 'libc.so.6']);
  yield open(cpu, cc1, `${base}.c`, 0, 3);
  const fd = 4;
  for (let i = 0; i < HEADERS.length; i++) {
    // each compile includes most headers: skip a few, deterministically
    if ((job + i) % 7 === 0) continue;
    const [h, where] = HEADERS[i];
    // -I../../include first, then /usr/local/include, then /usr/include
    if (where === 0) {
      yield open(cpu, cc1, `../../include/${h}`, 0, fd);
    } else {
      yield open(cpu, cc1, `../../include/${h}`, 0, -1, ENOENT);
      yield open(cpu, cc1, `/usr/local/include/${h}`, 0, -1, ENOENT);
      yield open(cpu, cc1, `/usr/include/${h}`, 0, fd);
    }
    yield close(cpu, cc1, fd);
  }
  yield close(cpu, cc1, 3);
  yield open(cpu, cc1, tmp, O_WRONLY | O_CREAT | O_TRUNC, 3);
  yield close(cpu, cc1, 3);
  yield exit(cpu, cc1);
  const as = newPid(s);
  yield fork(cpu, cc, as);
  yield exec(cpu, as, '/usr/bin/as', ['as', '--64', '-o', `${base}.o`, tmp], cwd);
  yield* startup(cpu, as, ['libopcodes-2.40-system.so', 'libbfd-2.40-system.so', 'libz.so.1', 'libc.so.6']);
  yield open(cpu, as, tmp, 0, 3);
  yield rec(cpu, as, { path: { op: 'unlink', path: `${base}.o`, dirfd: AT_FDCWD, flags: 0, mode: 0, errno: job < 200 ? ENOENT : 0 } });
  yield open(cpu, as, `${base}.o`, O_RDWR | O_CREAT | O_TRUNC, 4);
  yield close(cpu, as, 4);
  yield close(cpu, as, 3);
  yield exit(cpu, as);
  yield rec(cpu, cc, { path: { op: 'unlink', path: tmp, dirfd: AT_FDCWD, flags: 0, mode: 0, errno: 0 } });
  yield exit(cpu, cc);
  if (piped) {
    yield exec(cpu, filter, '/usr/bin/sed', ['sed', '-e', 's/^/  /'], cwd);
    yield* startup(cpu, filter, ['libselinux.so.1', 'libc.so.6']);
    yield rec(cpu, filter, { dup: { oldfd: 3, newfd: 0, errno: 0, op: 'dup2', cloexec: false, arg: 0, flags: 0 } });
    yield exit(cpu, filter);
  }
  yield exit(cpu, sh);
}

/** Every 100 objects: ar reads them and writes the directory's library. */
function* archiveJob(cpu: Cpu, s: BuildState, dirN: number, first: number, last: number): Generator<LogRecord> {
  const sh = newPid(s);
  yield fork(cpu, s.makePid, sh);
  const objs: string[] = [];
  for (let j = first; j <= last; j++) objs.push(`src/d${dirN}/f${j}.o`);
  yield exec(cpu, sh, '/usr/bin/ar', ['ar', 'rcs', `lib/libd${dirN}.a`, ...objs], ROOT);
  yield* startup(cpu, sh, ['libc.so.6']);
  yield open(cpu, sh, `lib/libd${dirN}.a`, 0, -1, ENOENT);
  yield open(cpu, sh, `lib/stXXd${dirN}`, O_RDWR | O_CREAT | O_EXCL, 3);
  const fd = 4;
  for (const o of objs) {
    yield open(cpu, sh, o, 0, fd);
    yield close(cpu, sh, fd);
  }
  yield close(cpu, sh, 3);
  yield rec(cpu, sh, { path2: { op: 'rename', from: `lib/stXXd${dirN}`, to: `lib/libd${dirN}.a`, errno: 0, olddirfd: AT_FDCWD, newdirfd: AT_FDCWD, flags: 0 } });
  yield exit(cpu, sh);
}

/** The records of one CPU: it takes the next job whenever it is free. */
function* cpuStream(cpu: Cpu, s: BuildState): Generator<LogRecord> {
  for (;;) {
    const job = s.nextJob++;
    if (job >= s.jobs) return;
    yield* compileJob(cpu, s, job);
    if (job % 100 === 99) yield* archiveJob(cpu, s, Math.floor(job / 100), job - 99, job);
    cpu.tick(20_000, 200_000); // make's bookkeeping between jobs
  }
}

/** Records per compile job (an estimate, to size the build for a target record count). */
const RECORDS_PER_JOB = 180;

/**
 * Writes the synthetic raw log with about `target` records (a little more).
 * Returns the number of records written.
 */
export function generateLog(file: string, target: number, seed = 1): number {
  const rand = prng(seed);
  const s: BuildState = { nextPid: 1000, jobs: Math.ceil(target / RECORDS_PER_JOB), nextJob: 0, records: 0, makePid: 0 };
  const makePid = newPid(s);
  s.makePid = makePid;
  const header: LogHeader = {
    bt_version: 'bench',
    kernel_release: '6.1.0-bench-amd64',
    hostname: 'bench',
    clock: 'CLOCK_BOOTTIME',
    boot_to_wall_ns: 1_700_000_000_000_000_000,
    command: ['make', '-j2'],
    cwd: ROOT,
    uid: 1000,
    gid: 1000,
    options: {},
    start_ts: START_TS - 1_000_000,
    root_pid: makePid,
  };
  const w = LogWriter.open(file, header, { batchBytes: 4 << 20, flushIntervalMs: 1 << 30 });
  let n = 0;
  const write = (r: LogRecord) => {
    w.write(r);
    n++;
  };
  const c0 = new Cpu(0, START_TS, rand);
  // make starts
  write(exec(c0, makePid, '/usr/bin/make', ['make', '-j2'], ROOT));
  for (const r of startup(c0, makePid, ['libc.so.6'])) write(r);
  write(open(c0, makePid, 'GNUmakefile', 0, -1, ENOENT));
  write(open(c0, makePid, 'makefile', 0, -1, ENOENT));
  write(open(c0, makePid, 'Makefile', 0, 3));
  write(close(c0, makePid, 3));
  write(rec(c0, makePid, { pipe: { read_fd: 3, write_fd: 4, errno: 0, flags: 0, op: 'pipe2' } })); // the jobserver
  const c1 = new Cpu(1, c0.ts + 30_000, rand);
  // Two CPUs run jobs; their records are merged in time order, then a few
  // (2%) are delayed by up to 200 µs, as a ring buffer delivers a record
  // whose writer was held up between taking its timestamp and committing it.
  const streams = [cpuStream(c0, s), cpuStream(c1, s)];
  const heads: Array<LogRecord | undefined> = streams.map((g) => g.next().value as LogRecord | undefined);
  const delayed = new Heap<{ at: number; n: number; r: LogRecord }>((a, b) => a.at < b.at || (a.at === b.at && a.n < b.n));
  let arrival = 0;
  for (;;) {
    const i = !heads[1] || (heads[0] && (heads[0] as LogRecord).ts <= (heads[1] as LogRecord).ts) ? 0 : 1;
    const r = heads[i];
    if (!r) break;
    const next = streams[i].next();
    heads[i] = next.done ? undefined : (next.value as LogRecord);
    // what arrives before this record was even written
    while (delayed.size > 0 && (delayed.peek() as { at: number }).at <= r.ts) write((delayed.pop() as { r: LogRecord }).r);
    const at = rand() < 0.02 ? r.ts + 1000 + Math.floor(rand() * 199_000) : r.ts;
    if (at === r.ts && delayed.size === 0) write(r);
    else delayed.push({ at, n: arrival++, r });
  }
  while (delayed.size > 0) write((delayed.pop() as { r: LogRecord }).r);
  // the final link: ld reads every library, writes the program
  const end = new Cpu(0, Math.max(c0.ts, c1.ts) + 1_000_000, rand);
  const ld = newPid(s);
  const libs = Math.ceil(s.jobs / 100);
  write(fork(end, makePid, ld));
  const libArgs: string[] = [];
  for (let d = 0; d < libs; d++) libArgs.push(`lib/libd${d}.a`);
  write(exec(end, ld, '/usr/bin/ld', ['ld', '-o', 'app', 'main.o', ...libArgs], ROOT));
  for (const r of startup(end, ld, ['libbfd-2.40-system.so', 'libctf.so.0', 'libc.so.6'])) write(r);
  for (let d = 0; d < libs; d++) {
    write(open(end, ld, `lib/libd${d}.a`, 0, 3));
    write(close(end, ld, 3));
  }
  write(open(end, ld, 'app', O_RDWR | O_CREAT | O_TRUNC, 3));
  write(close(end, ld, 3));
  write(exit(end, ld));
  write(exit(end, makePid));
  w.close({ end_ts: end.tick(1000, 2000), exit_status: 0, exit_code: 0, exit_signal: 0, leftover: [] });
  return n;
}

// --- measured steps, each in its own process ------------------------------

/** The graph filters of the benchmark: processes by program; the project's headers, libraries and program. */
export const BENCH_GRAPH_OPTIONS = { collapse: 'program' as const, include: ['include/**', 'lib/*.a', 'app'], maxNodes: 2000 };
const BENCH_GRAPH_FLAGS = "--collapse program --include 'include/**' --include 'lib/*.a' --include app";

interface StepResult {
  step: string;
  seconds: number;
  /** Peak RSS of the child, KiB. */
  maxRssKiB: number;
  records?: number;
  written?: number;
  processes?: number;
  files?: number;
  nodes?: number;
  dotBytes?: number;
  outOfOrder?: number;
  maxHeld?: number;
  method?: string;
  bytes?: number;
}

async function childMain(args: string[]): Promise<void> {
  const [step, a, b] = args;
  const t0 = process.hrtime.bigint();
  const res: StepResult = { step, seconds: 0, maxRssKiB: 0 };
  if (step === 'generate') {
    res.records = generateLog(a, Number(b));
    res.bytes = fs.statSync(a).size;
  } else if (step === 'normalize') {
    const { normalizeFile } = await import('../../src/normalize/normalize.js');
    const s = normalizeFile(a, b);
    Object.assign(res, {
      records: s.records,
      written: s.written,
      processes: s.processes,
      files: s.files,
      outOfOrder: s.order.outOfOrder,
      maxHeld: s.order.maxHeld,
      method: s.order.method,
    });
  } else if (step === 'graph') {
    const { graphFile } = await import('../../src/graph/index.js');
    const g = graphFile(a, BENCH_GRAPH_OPTIONS);
    Object.assign(res, {
      records: g.summary?.records,
      processes: g.model.procs.size,
      files: g.model.files.length,
      nodes: g.view.nodeCount,
      dotBytes: g.dot.length,
    });
  } else {
    throw new Error(`unknown step ${step}`);
  }
  res.seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  res.maxRssKiB = process.resourceUsage().maxRSS;
  process.stdout.write(`${JSON.stringify(res)}\n`);
}

async function step(...args: string[]): Promise<StepResult> {
  const r = await execa(process.execPath, [SELF, ...args], { reject: false });
  if (r.exitCode !== 0) throw new Error(`bench ${args[0]} failed: ${String(r.stderr).trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(String(r.stdout).trim().split('\n').pop() as string) as StepResult;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en');
const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-bench-norm-'));
  try {
    const big = path.join(dir, 'big.trace');
    const small = path.join(dir, 'small.trace');
    const gen = await step('generate', big, '5000000');
    const norm = path.join(dir, 'big.norm.trace');
    const n = await step('normalize', big, norm);
    const g = await step('graph', norm);
    const gr = await step('graph', big);
    await step('generate', small, '1000000');
    const ns = await step('normalize', small, path.join(dir, 'small.norm.trace'));

    console.log('## Normalize and graph (synthetic make -j2 log, 2 CPUs, slightly out of order)');
    console.log(
      `log: ${fmt(gen.records ?? 0)} records, ${(Number(gen.bytes) / 2 ** 20).toFixed(0)} MiB, ${fmt(n.processes ?? 0)} processes` +
        `, ${fmt(n.files ?? 0)} files; ${fmt(n.outOfOrder ?? 0)} records out of order (window held at most ${fmt(n.maxHeld ?? 0)}, ${n.method})`,
    );
    console.log(`bt normalize: ${n.seconds.toFixed(1)} s, ${fmt((n.records ?? 0) / n.seconds)} records/s, peak RSS ${mib(n.maxRssKiB)}`);
    console.log(
      `bt graph ${BENCH_GRAPH_FLAGS} on the normalized log: ${g.seconds.toFixed(1)} s, ` +
        `${fmt((n.written ?? 0) / g.seconds)} records/s, peak RSS ${mib(g.maxRssKiB)}; ${g.nodes} nodes, ${fmt(g.dotBytes ?? 0)} bytes of DOT`,
    );
    console.log(
      `bt graph (raw log, normalized on the fly): ${gr.seconds.toFixed(1)} s, ${fmt((n.records ?? 0) / gr.seconds)} records/s, peak RSS ${mib(gr.maxRssKiB)}`,
    );
    console.log(
      `bt normalize memory: peak RSS ${mib(ns.maxRssKiB)} on ${fmt(ns.records ?? 0)} records, ${mib(n.maxRssKiB)} on ${fmt(n.records ?? 0)} ` +
        `(the window and read buffers are bounded; the normalizer keeps an entry per distinct file and per process)`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  childMain(process.argv.slice(2)).catch((err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  });
}
