/**
 * Runs a command under /usr/bin/time for its wall time and peak RSS. The
 * time report goes to a fresh private directory (mkdtemp, 0700), never to a
 * predictable name in /tmp: the benchmarks run as root.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

export interface Timed {
  seconds: number;
  maxRssKiB: number;
  code: number;
  /** The command's stdout, when `capture` was set. */
  stdout: string;
  stderr: string;
}

export async function timed(cmd: string[], opts: { env?: NodeJS.ProcessEnv; capture?: boolean } = {}): Promise<Timed> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-bench-time-'));
  const out = path.join(dir, 'time');
  try {
    const t0 = process.hrtime.bigint();
    const r = await execa('/usr/bin/time', ['-o', out, '-f', '%M', ...cmd], {
      reject: false,
      env: { ...process.env, ...opts.env },
      maxBuffer: 1 << 30,
      ...(opts.capture ? {} : { stdio: 'ignore' as const }),
    });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const maxRssKiB = Number(fs.readFileSync(out, 'utf8').trim().split('\n').pop());
    return { seconds, maxRssKiB, code: r.exitCode ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
