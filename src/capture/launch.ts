/**
 * Starts bt-launch, the build's first process, with node:child_process.
 * (This is the one process bt trace starts on its critical path: execa
 * would add a quarter of bt's bundle to every start-up.) The launcher
 * waits on its fd 3 until bt has written the log's header: `go` ends it.
 */
import { spawn } from 'node:child_process';
import { CaptureError } from '../errors.js';

/** How the launcher (and so the build's root process) ended. */
export interface Launched {
  exitCode: number | undefined;
  signal: NodeJS.Signals | undefined;
}

export interface Launch {
  /** 0 if it could not be started (done then rejects). */
  pid: number;
  /** The launcher's fd 3: ending it lets the build start. */
  go: NodeJS.WritableStream;
  done: Promise<Launched>;
  kill(sig: NodeJS.Signals): void;
  /** For bt's clean-up when it ends early: SIGTERM to the launcher if it still runs. */
  killIfRunning: () => void;
}

export function launch(file: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Launch {
  const child = spawn(file, args, { stdio: ['inherit', 'inherit', 'inherit', 'pipe'], env, cwd });
  const go = child.stdio[3] as NodeJS.WritableStream & { on(e: 'error', f: () => void): void };
  go.on('error', () => {}); // EPIPE when the launcher is gone before the go: its exit status tells why
  const done = new Promise<Launched>((resolve, reject) => {
    child.once('error', (err) => reject(new CaptureError('E_LAUNCH', `cannot start ${file}: ${err.message}`, { cause: err })));
    child.once('exit', (code, signal) => resolve({ exitCode: code ?? undefined, signal: signal ?? undefined }));
  });
  done.catch(() => {}); // awaited by the tracer; bt may fail (loading its programs) before it gets there
  return {
    pid: child.pid ?? 0,
    go,
    done,
    kill: (sig) => child.kill(sig),
    killIfRunning: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}
