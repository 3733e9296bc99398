/**
 * The load bt's executable started before Node (native/bt-front.c): a
 * child of bt that ran the light skeleton's loader while Node started, and
 * holds the fds it made. bt takes them with pidfd_getfd(2), after checking
 * that the child is its own and that it loaded the light skeleton of this
 * very object, with the ring size asked; then it kills the child (and reaps
 * it at exit), unless the child started the build (front-start.ts). The
 * child's report comes on a socket whose end bt inherited (BT_FRONT_LOAD).
 * The result has the shape of lskel.ts's: BtBpf.open adopts it like its own
 * light load, and loads again itself when it failed (never once the child
 * started the build).
 */
import fs from 'node:fs';
import { NativeError } from '../errors.js';
import { lightFds, madeFrom, type LightResult, type LskelHeader } from './lskel.js';
import { startTaken, stopStarted, takeStart } from './front-start.js';
import { getLibc, lastErrno, WNOHANG } from './native.js';
import { mark } from './timing.js';

/** Syscall numbers, the same on every architecture (from 424 up they are shared). */
const NR = { pidfd_send_signal: 424, pidfd_open: 434, pidfd_getfd: 438 } as const;
/** fcntl's number, which differs by architecture (the others above are shared). */
const NR_FCNTL: Record<string, number> = { x64: 72, arm64: 25 };
const F_SETFD = 2;
const FD_CLOEXEC = 1;
const SIGKILL = 9;
const P_PIDFD = 3;
const WEXITED = 4;
const WNOWAIT = 0x1000000;
const SIGINFO_SIZE = 128;
const MAX_REPORT = 64 * 1024;

/** The child's report (native/bt-front.c): what it loaded, when, and the fds it holds; or what failed. */
export type FrontReport =
  | {
      ok: true;
      header: LskelHeader;
      start: number;
      end: number;
      ringBytes: number;
      mapFds: number[];
      /** the programs by the kernel's names, with the child's fds */
      progs: Array<{ name: string; fd: number }>;
      /** the links of the programs the child attached (the header's "attach" list) */
      linkFds: number[];
    }
  | { ok: false; /** what failed, as NativeError's op */ op: string; errno: number; start?: number; end?: number };

const UNREADABLE = "reading bt's executable's BPF load report";
const fdList = (text: string) => (text === '-' ? [] : text.split(',').map((fd) => (/^\d{1,9}$/.test(fd) ? Number(fd) : NaN)));
const PROG = /^([A-Za-z0-9_.]{1,15})=(\d{1,9})$/;

/**
 * Reads the report's two lines: the light skeleton's header, then
 * `ok START END RING MAPFD,... NAME=PROGFD,... LINKFD,...` (`-`: no link)
 * or `error START END STEP ERRNO`.
 */
export function parseFrontReport(text: string): FrontReport {
  const [headerLine, result = ''] = text.split('\n');
  const words = result.split(' ');
  // CLOCK_MONOTONIC ns: above 2^53 after ~104 days up, where Number rounds them (to a fraction of a µs: they are only marks)
  const [start, end] = [words[1], words[2]].map((w) => (/^\d{1,20}$/.test(w ?? '') ? Number(w) : NaN));
  if (words[0] === 'error' && words.length === 5) return { ok: false, op: `bt's executable's BPF load: ${words[3]}`, errno: Number(words[4]) || 5, start, end };
  const unreadable: FrontReport = { ok: false, op: UNREADABLE, errno: 22 };
  if (words[0] !== 'ok' || words.length !== 7) return unreadable;
  const progs = words[5].split(',').map((p) => PROG.exec(p));
  if (progs.some((p) => !p)) return unreadable;
  const [mapFds, linkFds] = [fdList(words[4]), fdList(words[6])];
  if (!Number.isFinite(start) || !Number.isFinite(end) || ![Number(words[3]), ...mapFds, ...linkFds].every(Number.isSafeInteger)) return unreadable;
  let header: LskelHeader;
  try {
    header = JSON.parse(headerLine) as LskelHeader;
  } catch {
    return unreadable;
  }
  return { ok: true, header, start, end, ringBytes: Number(words[3]), mapFds, progs: progs.map((p) => ({ name: p![1], fd: Number(p![2]) })), linkFds };
}

/** Why the report is not of this object's light skeleton, with this ring (undefined: it is). */
export function frontMismatch(r: Extract<FrontReport, { ok: true }>, expect: { objectPath: string; ringBytes: number }): string | undefined {
  const h = r.header;
  if (typeof h !== 'object' || h === null || !madeFrom(h, expect.objectPath)) return 'another object';
  if (r.ringBytes !== expect.ringBytes) return 'another ring size';
  if (!Array.isArray(h.maps) || r.mapFds.length !== h.maps.length || !h.maps.every((m) => typeof m === 'string')) return 'another number of maps';
  if (!Array.isArray(h.attach) || r.linkFds.length !== h.attach.length) return 'another number of attached programs';
  return undefined;
}

/**
 * True when the pidfd's process is a child of bt: waitid(2) on it then
 * succeeds (WNOHANG: without waiting; WNOWAIT: reaping nothing), and fails
 * with ECHILD for any other process.
 */
function isOwnChild(pidfd: number): boolean {
  return getLibc().waitid(P_PIDFD, pidfd, Buffer.alloc(SIGINFO_SIZE), WEXITED | WNOHANG | WNOWAIT) === 0;
}

/** A pidfd call; arguments beyond the call's own are ignored by the kernel. */
function syscall(name: keyof typeof NR, a: number, b = 0, c = 0, d = 0): number {
  const r = Number(getLibc().syscall4(NR[name], a, b, c, d));
  if (r < 0) throw new NativeError(name, lastErrno());
  return r;
}

/**
 * bt's executable's child, once bt has its socket: the pidfd, the socket,
 * whether the child starts the build (the report's first line: `early 1`,
 * or `early 0 WHY`), and what was read past that line.
 */
interface Front {
  pidfd: number;
  fd: number;
  early: boolean;
  /** Why not (the child's words), for BT_TIMING's notes. */
  why?: string;
  rest: string;
}

const shared = globalThis as { __btFront?: Front | null; __btFrontLoad?: { pid: number; fd: number } };

/** Reads from the socket (blocking) until `text` holds `lines` lines, or the report ends. */
function readLines(fd: number, text: string, lines: number): string {
  const buf = Buffer.allocUnsafe(MAX_REPORT); // only what is read is touched
  for (;;) {
    let count = 0;
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) count++;
    if (count >= lines) return text;
    if (text.length >= MAX_REPORT) throw new Error('the report is too long');
    const n = fs.readSync(fd, buf, 0, buf.length, null);
    if (n === 0) throw new Error('the report ends early');
    text += buf.toString('latin1', 0, n);
  }
}

/**
 * Opens bt's executable's child (BT_FRONT_LOAD), once: undefined when there
 * is none to take (no such child of bt's). Reads the report's first line:
 * the child has written it within milliseconds of bt's start, long before
 * Node is ready.
 */
export function openFront(): Front | undefined {
  if (shared.__btFront !== undefined) return shared.__btFront ?? undefined;
  shared.__btFront = null;
  const spec = shared.__btFrontLoad;
  if (!spec) return undefined;
  let pidfd = -1;
  try {
    pidfd = syscall('pidfd_open', spec.pid);
  } catch {
    return undefined;
  }
  // a pidfd names one process for good, and a child of bt's is one only bt can reap: the pid named it when opened
  if (!isOwnChild(pidfd)) {
    getLibc().close(pidfd);
    return undefined;
  }
  // the socket's end is bt's own, inherited through the exec (native/bt-front.c): close-on-exec now, before bt starts anything
  const fd = spec.fd;
  let early = false;
  let why: string | undefined;
  let rest = '';
  try {
    const nr = NR_FCNTL[process.arch];
    if (nr === undefined || Number(getLibc().syscall4(nr, fd, F_SETFD, FD_CLOEXEC, 0)) !== 0) throw new NativeError('fcntl', nr === undefined ? 38 : lastErrno());
    const text = readLines(fd, '', 1);
    const nl = text.indexOf('\n');
    early = text.slice(0, nl) === 'early 1';
    if (!early) why = /^early 0 (.*)$/.exec(text.slice(0, nl))?.[1] ?? 'an unreadable report';
    rest = text.slice(nl + 1);
  } catch {
    // no first line: the child is ended before it could start anything, and bt does it all
    getLibc().close(fd);
    endChild(pidfd);
    return undefined;
  }
  shared.__btFront = { pidfd, fd, early, why, rest };
  return shared.__btFront;
}

/** True when bt's executable starts the build itself (front-start.ts): bt then makes no cgroup nor launcher of its own ahead. */
export function frontStartsBuild(): boolean {
  return openFront()?.early ?? false;
}

/** Why bt's executable did not start the build (undefined: it did, or there is no such executable's child). */
export function frontDeclined(): string | undefined {
  return openFront()?.why;
}

/**
 * The report's text past its first line. Read at the main thread's first
 * await (a microtask: after the head start and the trace's program are
 * loaded, by when the child has long finished here; before the trace's own
 * set-up, which begins with an await), with a blocking read: an async one
 * cost ~1.5 ms of the head start (a CPU profile) for a few hundred bytes.
 * Not at its first idle moment (setImmediate): a turn of the event loop
 * before the build can start (which also ran V8's young-generation
 * collection task there, where an allocation runs it a little later
 * anyway). An early start adds its line (front-start.ts).
 */
function readReport(front: Front): Promise<string> {
  return new Promise((resolve, reject) =>
    queueMicrotask(() => {
      try {
        resolve(readLines(front.fd, front.rest, front.early ? 3 : 2));
      } catch (err) {
        reject(err as Error);
      }
    }),
  );
}

/** Takes the reported fds into bt (all or none). */
function takeFds(pidfd: number, report: Extract<FrontReport, { ok: true }>): LightResult {
  const taken: number[] = [];
  try {
    for (const fd of [...report.mapFds, ...report.progs.map((p) => p.fd), ...report.linkFds]) taken.push(syscall('pidfd_getfd', pidfd, fd));
  } catch (err) {
    taken.forEach((fd) => getLibc().close(fd));
    return { ok: false, error: err as NativeError };
  }
  const maps = new Map<string, number>();
  report.header.maps.forEach((name, i) => maps.set(name, taken[i]));
  const progs = report.progs.map((p, i) => ({ name: p.name, fd: taken[report.mapFds.length + i] }));
  const links = taken.slice(report.mapFds.length + progs.length);
  return { ok: true, loaded: { maps, progFds: progs.map((p) => p.fd), progs, links } };
}

/** Kills the child now (its fds go with it) and reaps it when bt exits (it is bt's child: nobody else can). */
function endChild(pidfd: number): void {
  try {
    syscall('pidfd_send_signal', pidfd, SIGKILL);
  } catch {
    /* gone already */
  }
  // never waits: a child still there then dies with bt (PR_SET_PDEATHSIG), and init reaps it
  process.once('exit', () => {
    getLibc().waitid(P_PIDFD, pidfd, Buffer.alloc(SIGINFO_SIZE), WEXITED | WNOHANG);
    getLibc().close(pidfd);
  });
}

/**
 * Starts taking the early load of bt's executable: undefined when there is
 * none to take (no such child of bt), else a promise of its result. `wanted`
 * false (this kernel needs a stand-in the light skeleton lacks): the child
 * is only ended. When the child started the build too (front-start.ts), bt
 * takes that trace with the load, and the child stays: it reaps the build.
 */
export function takeFrontLoad(expect: { objectPath: string; ringBytes: number }, wanted = true): Promise<LightResult> | undefined {
  const front = openFront();
  if (!front) return undefined;
  const { pidfd, fd } = front;
  const fail = (op: string, errno: number): LightResult => ({ ok: false, error: new NativeError(op, errno) });
  if (!wanted && !front.early) {
    // (a build the child starts runs with the light skeleton's programs, which attached: their tracepoints are there)
    getLibc().close(fd);
    endChild(pidfd);
    startTaken(undefined);
    return Promise.resolve(fail("taking the load of bt's executable (this kernel needs a stand-in)", 95));
  }
  const settle = (result: LightResult) => {
    getLibc().close(fd);
    endChild(pidfd);
    return result;
  };
  const adopt = (text: string): LightResult => {
    const [header, result, start = '', ...after] = text.split('\n');
    const report = parseFrontReport(`${header}\n${result}`);
    if (report.start) mark('bpf_start', report.start);
    if (report.end) mark('bpf_done', report.end);
    if (!report.ok) return takeStopped(fail(report.op, report.errno), start);
    const mismatch = frontMismatch(report, expect);
    if (mismatch) return takeStopped(fail(`adopting bt's executable's BPF load (${mismatch})`, 22), start);
    const loaded = takeFds(pidfd, report);
    if (!front.early || !loaded.ok || !start.startsWith('go ')) return takeStopped(loaded, start);
    // the build runs: bt takes the trace, and the child stays to reap the build (front-start.ts)
    const taken = takeStart(front, start, after.join('\n'), (fd) => syscall('pidfd_getfd', pidfd, fd));
    startTaken(taken);
    if (taken && 'stopped' in taken) {
      lightFds(loaded.loaded).forEach((f) => getLibc().close(f));
      return settle(fail(`taking the trace bt's executable started: ${taken.stopped}`, 22));
    }
    return loaded;
  };
  /** Not started (or not taken): as without an early start, unless the build runs, which then must stop. */
  const takeStopped = (result: LightResult, start: string): LightResult => {
    if (front.early && start.startsWith('go ')) {
      const why = result.ok ? 'unexpected' : result.error.message;
      startTaken(stopStarted(front, start, why));
      if (result.ok) lightFds(result.loaded).forEach((f) => getLibc().close(f));
      return settle(fail(`taking the trace bt's executable started: ${why}`, 22));
    }
    startTaken(undefined);
    return settle(result);
  };
  return readReport(front).then(
    (text) => {
      try {
        return adopt(text);
      } catch (err) {
        startTaken(front.early ? stopStarted(front, text.split('\n')[2] ?? '', `${UNREADABLE}: ${(err as Error).message}`) : undefined);
        return settle(fail(UNREADABLE, 22));
      }
    },
    (err: unknown) => {
      // the child is gone before its report's end: a build it may have started is stopped (its cgroup is bt's to find)
      startTaken(front.early ? stopStarted(front, '', `${UNREADABLE}: ${(err as Error).message}`) : undefined);
      return settle(fail(UNREADABLE, (err as NodeJS.ErrnoException).errno ? -(err as NodeJS.ErrnoException).errno! : 5));
    },
  );
}
