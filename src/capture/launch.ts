/**
 * Starts bt-launch (native/bt-launch.c), the build's first process, with
 * node:child_process (execa would add a quarter of bt's bundle to every
 * start-up). It is started before bt knows the command: bt trace's head
 * start (cli/early.ts) makes the cgroup and starts it while the BPF
 * programs load, so that its cgroup move (~10 ms of RCU grace period) is
 * over before the build may start. On fd 3, a socket:
 *
 *   bt → launcher   command(): "<byte count>\n" then NUL-terminated strings:
 *                   uid, gid, path, argc, argv..., envc, env...
 *   launcher → bt   "r" once it has taken the user's groups (ready)
 *   bt → launcher   "g" once the programs are attached and the log's header
 *                   is written (go); end of file instead: exit 125, nothing run
 */
import { createRequire } from 'node:module';
import { CaptureError } from '../errors.js';
import { TraceCgroup } from './cgroup.js';

/** How the launcher (and so the build's root process) ended. */
export interface Launched {
  exitCode: number | undefined;
  signal: NodeJS.Signals | undefined;
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
  /** 0 if it could not be started (done then rejects). */
  pid: number;
  /** Sends the command; the launcher then takes the user's groups and says it is ready. */
  command(cmd: LaunchCommand): void;
  /** Settles when the launcher is ready for the go, or has ended. */
  ready: Promise<void>;
  /** Lets the build start. */
  go(): void;
  done: Promise<Launched>;
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
  const body = Buffer.from(`${fields.join('\0')}\0`);
  return Buffer.concat([Buffer.from(`${body.length}\n`), body]);
}

export function launch(file: string, procsFile: string, cwd: string): Launch {
  // loaded here, not with this module: the head start reads this module before it starts the BPF load (~4 ms)
  const { spawn } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  const child = spawn(file, [procsFile], { stdio: ['inherit', 'inherit', 'inherit', 'pipe'], env: {}, cwd });
  const sock = child.stdio[3] as unknown as import('node:net').Socket; // a socket pair: both ways
  sock.on('error', () => {}); // EPIPE when the launcher is gone: its exit status tells why
  const done = new Promise<Launched>((resolve, reject) => {
    child.once('error', (err) => reject(new CaptureError('E_LAUNCH', `cannot start ${file}: ${err.message}`, { cause: err })));
    child.once('exit', (code, signal) => resolve({ exitCode: code ?? undefined, signal: signal ?? undefined }));
  });
  done.catch(() => {}); // awaited by the tracer; bt may fail (loading its programs) before it gets there
  const ready = new Promise<void>((resolve) => {
    sock.on('data', resolve);
    sock.on('close', resolve);
    done.then(() => resolve(), () => resolve());
  });
  return {
    pid: child.pid ?? 0,
    command: (cmd) => void sock.write(encodeCommand(cmd)),
    ready,
    go: () => {
      sock.end('g');
    },
    done,
    kill: (sig) => child.kill(sig),
    killIfRunning: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
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
    const early: EarlyLaunch = { cg, child: launch(file, cg.procsFile, process.cwd()), adopted: false };
    early.child.done.catch(() => {});
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
