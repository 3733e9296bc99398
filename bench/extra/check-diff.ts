/**
 * npm run bench, extra section: bt check and bt diff on the biggest log
 * available: BT_BENCH_KERNEL_LOG, else the first that exists of
 * /var/tmp/bt-kernel/kernel.trace (scripts/kernel-trace.sh) and the last
 * traced run of npm run bench:real, else a fresh trace of the
 * test-programs build. Each command runs as its own process under
 * /usr/bin/time (wall time, peak RSS); `bt diff` compares the log with
 * itself (every process matched). bt check --make is left out: it needs
 * the traced tree as it was.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { timed } from '../timed.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BT = path.join(REPO, 'dist', 'src', 'cli', 'bt.cjs');
const KERNEL_LOGS = ['/var/tmp/bt-kernel/kernel.trace', '/var/tmp/bt-bench-real/traced-3.trace'];

async function timedBt(args: string[]): Promise<{ seconds: number; rssMiB: number; code: number }> {
  const r = await timed([process.execPath, BT, ...args]);
  return { seconds: r.seconds, rssMiB: r.maxRssKiB / 1024, code: r.code };
}

async function pickLog(): Promise<{ file: string; what: string }> {
  const kernel = [process.env.BT_BENCH_KERNEL_LOG, ...KERNEL_LOGS].find((f) => f && fs.existsSync(f));
  if (kernel) return { file: kernel, what: `the kernel-build log ${kernel}` };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-bench-check-'));
  const work = path.join(dir, 'test-programs');
  fs.cpSync(path.join(REPO, 'test-programs'), work, { recursive: true });
  await execa('make', ['-s', '-C', work, 'clean'], { reject: false });
  const file = path.join(dir, 'build.trace');
  await execa(process.execPath, [BT, 'trace', '-q', '-o', file, '--', 'make', '-C', work, '-j2'], { reject: false, stdout: 'ignore' });
  return { file, what: 'a trace of the test-programs build (no bigger log found)' };
}

export async function run(): Promise<void> {
  const { file, what } = await pickLog();
  const mib = fs.statSync(file).size / 2 ** 20;
  console.log(`\n## bt check / bt diff on ${what}: ${mib.toFixed(1)} MiB`);
  const check = await timedBt(['check', '--json', file]);
  console.log(`bt check (exit ${check.code}): ${check.seconds.toFixed(1)} s, peak RSS ${check.rssMiB.toFixed(0)} MiB`);
  const diff = await timedBt(['diff', '--json', file, file]);
  console.log(`bt diff of the log with itself (exit ${diff.code}): ${diff.seconds.toFixed(1)} s, peak RSS ${diff.rssMiB.toFixed(0)} MiB`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();
