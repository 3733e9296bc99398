/**
 * bt trace's early start: for a plain `bt trace -o FILE -- COMMAND` by
 * root, bt's executable starts the build itself (native/bt-start.c), in
 * the child that loads the BPF programs, as soon as they are loaded: the
 * build no longer waits for Node and bt's program to be ready (~85 ms of
 * the ~100 to its first instruction here), and its first records wait in
 * the kernel's ring meanwhile. The child made the cgroup and started the
 * launcher in it as launch.ts and cgroup.ts would, opened the log as
 * session.ts would, wrote the configuration once the launcher was ready,
 * and said go; whatever it did not take as plain, bt's program does as
 * without it. bt then takes that trace: the log's fd, the launcher's
 * pidfd (the programs' fds come with the load, front-load.ts), and the
 * trace's start for the log's header. The child stays: it is the
 * launcher's parent, reaps it and says how it ended (launch.ts
 * adoptStarted); bt says "t" on the socket once it holds the fds, and the
 * child closes its own then, so that the programs go when bt detaches
 * them and the log's lock goes with bt's fd.
 */
import fs from 'node:fs';
import { cgroup2Root, ownCgroup, traceParents } from './cgroup.js';
import { getLibc } from './native.js';

/** The trace bt's executable started, as bt holds it. */
export interface FrontStart {
  /** The child (bt's own): its pidfd, and its socket, where it says how the build ended. */
  starterPidfd: number;
  socket: number;
  /** What was read from the socket past the report (the build's end may be said already). */
  after: string;
  /** The launcher, the build's first process: its pid, and a pidfd bt signals it through. */
  launcherPid: number;
  launcherPidfd: number;
  logFd: number;
  cgroupDir: string;
  cgroupId: bigint;
  cgroupLevel: number;
  /** How many arguments the child took as the command, and the log's name it took (ASCII). */
  argc: number;
  output: string;
  /** The trace's start (CLOCK_BOOTTIME ns) and CLOCK_REALTIME less CLOCK_BOOTTIME then, as session.ts sampleClock. */
  bootNs: number;
  bootToWallNs: number;
  /** CLOCK_MONOTONIC ns: the launcher started, ready, told to go. */
  marks: { launcher: number; ready: number; go: number };
}

/** What became of the early start: taken, or stopped (the build was killed: bt ends with an error), or none. */
export type StartOutcome = FrontStart | { stopped: string } | undefined;

/** The child's line after the go (native/bt-front.c early_start). */
interface GoLine {
  marks: FrontStart['marks'];
  bootNs: number;
  bootToWallNs: number;
  launcherPid: number;
  launcherPidfd: number;
  logFd: number;
  cgroupId: bigint;
  cgroupLevel: number;
  argc: number;
  output: string;
  cgroupDir: string;
}

const GO = /^go (\d{1,20}) (\d{1,20}) (\d{1,20}) (\d{1,20}) (\d{1,20}) (\d{1,9}) (\d{1,9}) (\d{1,9}) (\d{1,20}) (\d{1,4}) (\d{1,9}) ((?:[0-9a-f]{2})+) (\/.+\/trace-\d+-[0-9a-z]+)$/;

/** Reads `go T_LAUNCHER T_READY T_GO BOOT_NS BOOT_TO_WALL PID PIDFD LOGFD CGROUP_ID LEVEL ARGC OUTPUT CGROUP_DIR` (OUTPUT: the log's name in hex), or undefined. */
export function parseGoLine(line: string): GoLine | undefined {
  const m = GO.exec(line);
  if (!m) return undefined;
  const n = (i: number) => Number(m[i]);
  return {
    marks: { launcher: n(1), ready: n(2), go: n(3) },
    bootNs: n(4),
    bootToWallNs: n(5),
    launcherPid: n(6),
    launcherPidfd: n(7),
    logFd: n(8),
    cgroupId: BigInt(m[9]),
    cgroupLevel: n(10),
    argc: n(11),
    output: Buffer.from(m[12], 'hex').toString('latin1'),
    cgroupDir: m[13],
  };
}

let settle: ((o: StartOutcome) => void) | undefined;
const outcome = new Promise<StartOutcome>((resolve) => (settle = resolve));

/** Says what became of the early start (once). */
export function startTaken(o: StartOutcome): void {
  settle?.(o);
  settle = undefined;
}

/** What became of the early start, once the child's report is read (front-load.ts): only asked when it said it starts the build. */
export function frontStarted(): Promise<StartOutcome> {
  return outcome;
}

/** Takes the started trace's fds from the child, and says "t" to it; or stops the build when they cannot be taken. */
export function takeStart(front: { pidfd: number; fd: number }, line: string, after: string, getfd: (fd: number) => number): StartOutcome {
  const go = parseGoLine(line);
  if (!go) return stopStarted(front, line, "its report's last line is unreadable");
  const taken: number[] = [];
  try {
    for (const fd of [go.launcherPidfd, go.logFd]) taken.push(getfd(fd));
  } catch (err) {
    taken.forEach((fd) => getLibc().close(fd));
    return stopStarted(front, line, (err as Error).message);
  }
  try {
    fs.writeSync(front.fd, 't');
  } catch (err) {
    taken.forEach((fd) => getLibc().close(fd));
    return stopStarted(front, line, (err as Error).message);
  }
  return { ...go, starterPidfd: front.pidfd, socket: front.fd, after, launcherPidfd: taken[0], logFd: taken[1] };
}

/** This bt's trace cgroups (trace-<pid>-*), where the child makes them (cgroup.ts), when its report does not say which. */
function ownTraceCgroups(): string[] {
  try {
    const parent = traceParents(cgroup2Root(), ownCgroup())[0];
    return fs.readdirSync(parent).filter((n) => n.startsWith(`trace-${process.pid}-`)).map((n) => `${parent}/${n}`);
  } catch {
    return [];
  }
}

/** Kills a build the child started, all of it (cgroup.kill): in `dir`, or in this bt's trace cgroups when unknown. */
export function killStartedBuild(dir: string | undefined): void {
  for (const d of dir ? [dir] : ownTraceCgroups()) {
    try {
      fs.writeFileSync(`${d}/cgroup.kill`, '1');
    } catch {
      /* gone: the build has ended */
    }
  }
}

/**
 * Says "d" to the child: bt's drain loop runs. Until then the child kills
 * the build when bt is gone (it was started, and nobody would record it);
 * from then on, as in any trace, a build outlives a bt that dies.
 */
export function releaseStarted(start: FrontStart): void {
  try {
    fs.writeSync(start.socket, 'd');
  } catch {
    /* the child is gone: it has reaped the build, and bt reads its end */
  }
}

/**
 * The build runs, but bt cannot take its trace (its fds, a load of another
 * object): it is killed, all of it (cgroup.kill), and bt ends with an
 * error rather than run it again.
 */
export function stopStarted(front: { pidfd: number; fd: number }, line: string, why: string): { stopped: string } {
  killStartedBuild(GO.exec(line)?.[13]);
  try {
    fs.writeSync(front.fd, 't');
  } catch {
    /* the child is gone */
  }
  return { stopped: why };
}
