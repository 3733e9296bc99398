/** Running one timed command for bench:real: its output appended to a file. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

export interface Exited {
  /** wall seconds, from the spawn to the exit */
  seconds: number;
  exitCode: number;
  /** 1-minute load average when it exited */
  loadAfter: number;
  /** its stderr, when kept (also appended to the file) */
  stderr?: string;
}

/** Runs a command with stdout and stderr appended to `outFile`. */
export function run(
  cmd: string,
  args: string[],
  o: { cwd: string; outFile: string; env?: NodeJS.ProcessEnv; keepStderr?: boolean },
): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const fd = fs.openSync(o.outFile, 'a');
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: o.cwd, stdio: ['ignore', fd, o.keepStderr ? 'pipe' : fd], env: o.env ?? process.env });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      fs.appendFileSync(fd, d);
    });
    let exited: Omit<Exited, 'stderr'> | undefined;
    child.on('error', (e) => {
      fs.closeSync(fd);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      exited = { seconds, exitCode: code ?? 128 + (signal ? os.constants.signals[signal] : 0), loadAfter: os.loadavg()[0] };
    });
    // after its stderr is read to the end
    child.on('close', () => {
      fs.closeSync(fd);
      resolve(o.keepStderr ? { ...exited!, stderr } : exited!);
    });
  });
}
