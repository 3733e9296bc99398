/**
 * npm run bench, part: the build model and the answers on a real kernel-build
 * log. The log is BT_BENCH_KERNEL_LOG, else the first that exists of
 * /var/tmp/bt-kernel/kernel.trace (made by scripts/kernel-trace.sh) and the
 * last traced run of npm run bench:real. Each answer runs as its own `bt`
 * process under /usr/bin/time (wall time, peak RSS); the model alone is timed
 * in a child process (`--model-only`) for the time and memory of loading it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { timed } from '../timed.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BT = path.join(REPO, 'dist', 'src', 'cli', 'bt.cjs');

function kernelLog(): string | undefined {
  const candidates = [process.env.BT_BENCH_KERNEL_LOG, '/var/tmp/bt-kernel/kernel.trace', '/var/tmp/bt-bench-real/traced-3.trace'];
  return candidates.find((f) => f && fs.existsSync(f));
}

async function timedOut(args: string[]): Promise<{ seconds: number; rssMiB: number; out: string }> {
  const r = await timed(args, { capture: true });
  if (r.code !== 0) throw new Error(`${args.slice(1).join(' ')} failed: ${r.stderr.trim()}`);
  return { seconds: r.seconds, rssMiB: r.maxRssKiB / 1024, out: r.stdout };
}

/** In a child process: load the model and print its size and the time it took. */
async function modelOnly(log: string): Promise<void> {
  const { loadBuild } = await import('../../src/model/index.js');
  const t0 = process.hrtime.bigint();
  const b = loadBuild(log);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const pairs = b.model.processes.reduce((s, p) => s + p.files.size, 0);
  console.log(JSON.stringify({ ms, processes: b.model.processes.length, files: b.model.files.length, pairs, jobs: b.jobs.jobs.length }));
}

export async function run(): Promise<void> {
  const log = kernelLog();
  console.log('## The build model and the answers (kernel-build log)');
  if (!log) {
    console.log('no kernel-build log: run scripts/kernel-trace.sh (or set BT_BENCH_KERNEL_LOG) to measure these');
    return;
  }
  const mb = (fs.statSync(log).size / 2 ** 20).toFixed(0);
  const m = await timedOut([process.execPath, fileURLToPath(import.meta.url), '--model-only', log]);
  const model = JSON.parse(m.out.trim().split('\n').pop()!);
  console.log(`log ${log}: ${mb} MiB`);
  console.log(
    `model: ${(model.ms / 1000).toFixed(2)} s to build (process ${m.seconds.toFixed(2)} s wall), peak RSS ${m.rssMiB.toFixed(0)} MiB; ` +
      `${model.processes.toLocaleString('en')} processes, ${model.files.toLocaleString('en')} files, ` +
      `${model.pairs.toLocaleString('en')} (process, file) pairs, ${model.jobs.toLocaleString('en')} jobs`,
  );
  const answers: Array<[string, string[]]> = [
    ['bt summary --json', ['summary', log, '--json']],
    ['bt deps vmlinux --inputs', ['deps', 'vmlinux', log, '--inputs']],
    ['bt rdeps include/linux/kernel.h --inputs', ['rdeps', 'include/linux/kernel.h', log, '--inputs']],
    ['bt graph --focus vmlinux --collapse program', ['graph', log, '--focus', 'vmlinux', '--collapse', 'program']],
    ['bt dump --filter \'exe == "ld"\' (the model, then the stream)', ['dump', log, '--filter', 'exe == "ld"']],
    ['bt dump --filter \'path ~ "*/kconfig.h"\' (event fields only: the stream alone)', ['dump', log, '--filter', 'path ~ "*/kconfig.h"']],
  ];
  for (const [name, args] of answers) {
    const r = await timedOut([process.execPath, BT, ...args]);
    const lines = r.out.split('\n').filter(Boolean).length;
    console.log(`${name}: ${r.seconds.toFixed(2)} s, peak RSS ${r.rssMiB.toFixed(0)} MiB, ${lines.toLocaleString('en')} lines out`);
  }
}

if (process.argv[2] === '--model-only') {
  modelOnly(process.argv[3]).catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // run alone: node dist/bench/extra/answers.js (BT_BENCH_KERNEL_LOG picks the log)
  run().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
