/**
 * Starts bt-launch (native/bt-launch.c), the build's first process, with
 * libc's posix_spawn through koffi: node:child_process would load ~4 ms of
 * modules (net, streams) and fork bt before its build could start, and bt
 * trace needs none of its machinery. bt reaps the launcher itself, on its
 * main thread: waitpid(WNOHANG) at each SIGCHLD, and every 200 ms in case
 * one was missed; no thread of libuv's pool is held (a small pool would
 * otherwise hang the trace). It is started before bt knows the command:
 * bt trace's head start (cli/early.ts) makes the cgroup and starts it while
 * the BPF programs load, so that its cgroup move (~10 ms of RCU grace
 * period) is over before the build may start. On fd 3, a socket:
 *
 *   bt → launcher   command(): "<byte count>\n" then NUL-terminated strings:
 *                   uid, gid, path, argc, argv..., envc, env...
 *   launcher → bt   "r" once it has taken the user's groups (ready())
 *   bt → launcher   "g" once the programs are attached and the log's header
 *                   is written (go); end of file instead: exit 125, nothing run
 *
 * The socket is blocking and written and read on the main thread: the
 * launcher is reading when the command comes, and answers at once.
 */
import fs from 'node:fs';
import os from 'node:os';
import { CaptureError, NativeError } from '../errors.js';
import { encodeString } from '../log/bytes.js';
import { TraceCgroup } from './cgroup.js';
import { getLibc, lastErrno, WNOHANG } from './native.js';
import type { FrontStart } from './front-start.js';

/** How the launcher (and so the build's root process) ended. */
export interface Launched {
  exitCode: number | undefined;
  /** The number of the signal that killed it (waitpid's, as the trailer records it). */
  signal: number | undefined;
}

/** What the launcher runs: uid and gid -1 keep bt's identity. */
export interface LaunchCommand {
  uid: number;
  gid: number;
  path: string;
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
}

export interface Launch {
  pid: number;
  /** Sends the command; the launcher then takes the user's groups and says it is ready. */
  command(cmd: LaunchCommand): void;
  /** Waits until the launcher is ready for the go, or has ended. */
  ready(): void;
  /** Lets the build start. */
  go(): void;
  done: Promise<Launched>;
  /** Signals the launcher (the build's root process) unless it has been reaped. */
  kill(sig: NodeJS.Signals): void;
  /** For bt's clean-up when it ends early: SIGTERM to the launcher if it still runs. */
  killIfRunning: () => void;
}

/** The command as the launcher reads it (see the protocol above). */
export function encodeCommand(cmd: LaunchCommand): Buffer {
  const env = Object.entries(cmd.env)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`);
  const fields = [String(cmd.uid), String(cmd.gid), cmd.path, String(cmd.argv.length), ...cmd.argv, String(env.length), ...env];
  for (const f of fields) {
    if (f.includes('\0')) throw new CaptureError('E_USAGE', `the command or its environment contains a NUL byte: ${JSON.stringify(f.slice(0, 60))}`);
  }
  const body = encodeString(`${fields.join('\0')}\0`); // exact bytes: a byte that is not UTF-8 is a lone surrogate (log/bytes.ts)
  return Buffer.concat([Buffer.from(`${body.length}\n`), body]);
}

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
/** glibc's posix_spawn_file_actions_t is 80 bytes on 64-bit Linux: room to spare. */
const FILE_ACTIONS_BYTES = 256;

const ECHILD = 10;
const EINTR = 4;

/** The children bt waits for, by pid: what each one's waitpid status (undefined: unknown) is reported to. */
const waiting = new Map<number, (status: number | undefined) => void>();
let poll: NodeJS.Timeout | undefined;

/** Reaps whichever launcher has ended (waitpid WNOHANG on each: other children are not bt's to reap). */
function reap(): void {
  const libc = getLibc();
  for (const [pid, settle] of waiting) {
    const status = [0];
    const r = Number(libc.waitpid(pid, status, WNOHANG));
    if (r === pid) settle(status[0]);
    else if (r === -1 && lastErrno() === ECHILD) settle(undefined); // not ours to wait for any more
    else continue;
    waiting.delete(pid);
  }
  if (!waiting.size) {
    process.removeListener('SIGCHLD', reap);
    clearInterval(poll);
    poll = undefined;
  }
}

/** Starts the launcher, in bt's working directory, with an empty environment (the command's comes on its socket). */
export function launch(file: string, procsFile: string): Launch {
  const libc = getLibc();
  const sv = [-1, -1];
  if (libc.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) !== 0) throw new NativeError('socketpair', lastErrno());
  const [mine, theirs] = sv;
  const actions = Buffer.alloc(FILE_ACTIONS_BYTES);
  const pid = [0];
  let ret: number;
  // listening before the launcher exists: its SIGCHLD may come at once
  if (!waiting.size) process.on('SIGCHLD', reap);
  try {
    ret = libc.posix_spawn_file_actions_init(actions) as number;
    // bt's stdin, stdout and stderr, which Node marks close-on-exec (a dup2 onto itself clears that), and fd 3
    for (const [from, to] of [[0, 0], [1, 1], [2, 2], [theirs, 3]]) {
      if (ret === 0) ret = libc.posix_spawn_file_actions_adddup2(actions, from, to) as number;
    }
    if (ret === 0) ret = libc.posix_spawn(pid, file, actions, null, [file, procsFile, null], [null]) as number;
  } finally {
    libc.posix_spawn_file_actions_destroy(actions);
    libc.close(theirs);
  }
  if (ret !== 0) {
    libc.close(mine);
    if (!waiting.size) process.removeListener('SIGCHLD', reap);
    throw new CaptureError('E_LAUNCH', `cannot start ${file}: ${new NativeError('posix_spawn', ret).message}`);
  }
  const child = pid[0];
  let ended: Launched | undefined;
  let open = true;
  const closeSocket = () => {
    if (open) fs.closeSync(mine);
    open = false;
  };
  const done = new Promise<Launched>((resolve) => {
    waiting.set(child, (status) => {
      ended = decodeStatus(status);
      closeSocket();
      resolve(ended);
    });
  });
  const kill = (sig: NodeJS.Signals) => {
    if (ended) return; // reaped: the pid may be another process's by now
    try {
      process.kill(child, sig);
    } catch {
      /* gone meanwhile */
    }
  };
  return {
    pid: child,
    command: (cmd) => {
      const msg = encodeCommand(cmd);
      try {
        for (let off = 0; off < msg.length && open; ) off += fs.writeSync(mine, msg, off);
      } catch {
        /* the launcher is gone (EPIPE): its exit status tells why */
      }
    },
    ready: () => {
      const one = Buffer.alloc(1);
      for (;;) {
        try {
          if (open) fs.readSync(mine, one, 0, 1, null); // "r", or end of file when the launcher is gone
          return;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EINTR' && (err as NodeJS.ErrnoException).errno !== -EINTR) return;
        }
      }
    },
    go: () => {
      try {
        if (open) fs.writeSync(mine, 'g');
      } catch {
        /* the launcher is gone: its exit status tells why */
      }
      closeSocket();
      // The build runs: bt waits for it, and a missed SIGCHLD cannot leave
      // it waiting for ever. Not before the go (a timer's first use costs
      // ~0.4 ms): nothing keeps bt running then, and a trace that stops
      // before its build starts ends the launcher too (end of file on its
      // socket).
      if (waiting.has(child)) poll ??= setInterval(reap, 200);
    },
    done,
    kill,
    killIfRunning: () => kill('SIGTERM'),
  };
}

/** waitpid's status as an exit code or a signal (undefined: unknown, as exit code 125). */
function decodeStatus(status: number | undefined): Launched {
  if (status === undefined) return { exitCode: 125, signal: undefined };
  const sig = status & 0x7f;
  if (sig === 0) return { exitCode: (status >> 8) & 0xff, signal: undefined };
  return { exitCode: undefined, signal: sig };
}

/** The cgroup and the launcher started ahead (cli/early.ts), handed to the trace through globalThis like the BPF load. */
interface EarlyLaunch {
  cg: TraceCgroup;
  child: Launch;
  adopted: boolean;
}
const shared = globalThis as { __btEarlyLaunch?: EarlyLaunch | null };

/**
 * Makes the trace's cgroup and starts the launcher in it before bt trace
 * has parsed its options. Never throws: on any problem the trace does it
 * itself and reports what fails. Both go at exit when no trace adopts them
 * (a usage error, a log that cannot be written).
 */
export function startEarlyLaunch(file: string): boolean {
  if (shared.__btEarlyLaunch !== undefined) return false;
  shared.__btEarlyLaunch = null;
  let cg: TraceCgroup | undefined;
  try {
    cg = TraceCgroup.create();
    const early: EarlyLaunch = { cg, child: launch(file, cg.procsFile), adopted: false };
    shared.__btEarlyLaunch = early;
    process.once('exit', () => {
      if (early.adopted) return;
      early.child.killIfRunning();
      early.cg.remove();
    });
    return true;
  } catch {
    cg?.remove();
    return false;
  }
}

/** The early cgroup and launcher, once; undefined when there are none (the trace makes its own). */
export function adoptEarlyLaunch(): { cg: TraceCgroup; child: Launch } | undefined {
  const early = shared.__btEarlyLaunch;
  shared.__btEarlyLaunch = null;
  if (!early) return undefined;
  early.adopted = true;
  return { cg: early.cg, child: early.child };
}

const NR_PIDFD_SEND_SIGNAL = 424;

/**
 * The launcher bt's executable started (front-start.ts): the build runs
 * already. Its parent, the child of bt's executable, reaps it and writes
 * `exit STATUS` on its socket before it exits itself: bt reaps that child
 * as it reaps its own launchers, and reads the line then. Signals go
 * through the launcher's pidfd (its pid is the child's to reap, and may be
 * another process's once it has).
 */
export function adoptStarted(start: FrontStart, starterPid: number): Launch {
  let ended: Launched | undefined;
  const libc = getLibc();
  const done = new Promise<Launched>((resolve) => {
    waiting.set(starterPid, () => {
      ended = decodeStatus(exitLine(start.socket, start.after));
      for (const fd of [start.socket, start.launcherPidfd, start.starterPidfd]) libc.close(fd);
      resolve(ended);
    });
  });
  if (waiting.size === 1) process.on('SIGCHLD', reap);
  poll ??= setInterval(reap, 200);
  reap(); // it may have ended before bt listened
  const kill = (sig: NodeJS.Signals) => {
    if (ended) return;
    libc.syscall4(NR_PIDFD_SEND_SIGNAL, start.launcherPidfd, os.constants.signals[sig], 0, 0); // ESRCH: it has ended, and the child is about to say how
  };
  const none = () => {};
  return { pid: start.launcherPid, command: none, ready: none, go: none, done, kill, killIfRunning: () => kill('SIGTERM') };
}

/** The status in the child's `exit STATUS` line (read once it has exited: the line, or end of file), or undefined. */
function exitLine(fd: number, text: string): number | undefined {
  const buf = Buffer.alloc(64);
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) text += buf.toString('latin1', 0, n);
  } catch {
    /* unreadable: unknown */
  }
  const m = /(?:^|\n)exit (-?\d{1,11})\n/.exec(text);
  return m && Number(m[1]) >= 0 ? Number(m[1]) : undefined;
}
