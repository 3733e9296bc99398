/**
 * npm run fuzz [-- --cases N] [--seed S] [--log FILE ...] [--keep DIR]
 *
 * Mutates bt logs (bit flips, truncations, inserted/deleted bytes, huge
 * varint lengths, duplicated/swapped/deleted records, garbage, other file
 * types) and runs every reader on each (test/fuzz/fuzz.ts). The seeds are
 * the synthetic logs of the tests, real traces made with bt trace when run
 * as root, and any --log FILE. Cases run in a child process watched by a
 * watchdog: a case that makes no progress for 30 s is a hang (the child
 * is killed and the run goes on after it). Prints cases, crashes, hangs,
 * disagreements and the child's peak RSS; failing inputs are kept in
 * --keep DIR (default: a temporary directory, printed).
 */
import { execFileSync, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fuzz, type FuzzStats } from '../test/fuzz/fuzz.js';
import { seedLogs } from '../test/fuzz/seeds.js';

const HERE = fileURLToPath(import.meta.url);
const REPO = path.resolve(path.dirname(HERE), '..', '..');
const BT = path.join(REPO, 'dist', 'src', 'cli', 'bt.cjs');
const HANG_MS = 30_000;

interface ChildMsg {
  progress?: number;
  done?: FuzzStats & { maxRssKiB: number };
}

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : def;
}

function argAll(name: string): string[] {
  const out: string[] = [];
  process.argv.forEach((a, i) => {
    if (a === name && process.argv[i + 1]) out.push(process.argv[i + 1]!);
  });
  return out;
}

/** Real traces, when this runs as root (bt trace needs it). */
function realLogs(work: string): string[] {
  if (process.geteuid?.() !== 0) return [];
  const out: string[] = [];
  const runs: Array<[string, string[]]> = [
    ['forker', [path.join(REPO, 'test-programs', 'bin', 'forker')]],
    ['shell', ['sh', '-c', 'ls / >/dev/null; cat /etc/hostname | wc -c >/dev/null; mkdir -p x/y && rmdir x/y x']],
  ];
  for (const [name, cmd] of runs) {
    const file = path.join(work, `real-${name}.trace`);
    try {
      execFileSync(process.execPath, [BT, 'trace', '-q', '-o', file, '--', ...cmd], { cwd: work, stdio: 'ignore' });
      out.push(file);
      const norm = path.join(work, `real-${name}.norm.trace`);
      execFileSync(process.execPath, [BT, 'normalize', '-q', '-o', norm, file], { stdio: 'ignore' });
      out.push(norm);
    } catch {
      process.stderr.write(`fuzz: could not trace ${name} (skipped as a seed)\n`);
    }
  }
  return out;
}

async function child(): Promise<void> {
  const [seed, first, cases, work, keep, ...logs] = process.argv.slice(3);
  const seeds = [...seedLogs(work!), ...logs.map((f) => fs.readFileSync(f))];
  const stats = await fuzz(seeds, {
    seed: Number(seed),
    cases: Number(cases),
    first: Number(first),
    work: work!,
    keepDir: keep,
    svgEvery: 25,
    onCase: (i) => process.send!({ progress: i } satisfies ChildMsg),
  });
  process.send!({ done: { ...stats, maxRssKiB: process.resourceUsage().maxRSS } } satisfies ChildMsg, () => process.exit(0));
}

async function main(): Promise<void> {
  const cases = Number(arg('--cases', '20000'));
  const seed = Number(arg('--seed', String(Date.now() % 100000)));
  // in memory when possible: every bt normalize fsyncs its output
  const work = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'bt-fuzz-'));
  const keep = arg('--keep', path.join(work, 'failures'));
  fs.mkdirSync(keep, { recursive: true });
  const logs = [...realLogs(work), ...argAll('--log')];
  process.stderr.write(`fuzz: seed ${seed}, ${cases} cases, seed logs: 4 synthetic + ${logs.length} real; failures kept in ${keep}\n`);
  const t0 = Date.now();
  let first = 0;
  let done = 0;
  let maxRss = 0;
  const hangs: number[] = [];
  const crashes: FuzzStats['crashes'] = [];
  const disagreements: FuzzStats['disagreements'] = [];
  let torn = 0;
  let mismatch = 0;
  let refused = 0;
  let slowest = 0;
  while (first < cases) {
    const res = await new Promise<{ last: number; stats?: FuzzStats & { maxRssKiB: number } }>((resolve) => {
      const c = fork(HERE, ['--child', String(seed), String(first), String(cases), work, keep, ...logs], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      let last = first - 1;
      let stats: (FuzzStats & { maxRssKiB: number }) | undefined;
      let timer = setTimeout(() => c.kill('SIGKILL'), HANG_MS);
      c.on('message', (m: ChildMsg) => {
        if (m.progress !== undefined) {
          last = m.progress;
          clearTimeout(timer);
          timer = setTimeout(() => c.kill('SIGKILL'), HANG_MS);
          if (last % 1000 === 999) process.stderr.write(`fuzz: ${last + 1} cases, ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
        }
        if (m.done) stats = m.done;
      });
      c.on('exit', () => {
        clearTimeout(timer);
        resolve({ last, stats });
      });
    });
    if (res.stats) {
      const s = res.stats;
      done += s.cases;
      crashes.push(...s.crashes);
      disagreements.push(...s.disagreements);
      torn += s.torn;
      mismatch += s.mismatch;
      refused += s.refused;
      slowest = Math.max(slowest, s.slowestMs);
      maxRss = Math.max(maxRss, s.maxRssKiB);
      break;
    }
    // killed: the case after the last one reported hung (or crashed the process)
    const hung = res.last + 1;
    hangs.push(hung);
    done += hung - first + 1;
    first = hung + 1;
  }
  const secs = (Date.now() - t0) / 1000;
  const lines = [
    `cases: ${done} (seed ${seed}) in ${secs.toFixed(0)} s`,
    `crashes (internal error / exit 70): ${crashes.length}`,
    `hangs (no progress for ${HANG_MS / 1000} s, or the process died): ${hangs.length}${hangs.length ? ` (cases ${hangs.join(', ')})` : ''}`,
    `readers disagreeing: ${disagreements.length}`,
    `verdicts: ${torn} damaged (records before the damage kept), ${mismatch} trailer mismatches, ${refused} refused (not a bt log / damaged header)`,
    `slowest case: ${slowest.toFixed(0)} ms; peak RSS of the fuzzing process: ${(maxRss / 1024).toFixed(0)} MiB`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  for (const c of crashes.slice(0, 10)) process.stdout.write(`crash: case ${c.case} (${c.mutation}) ${c.file}\n  ${c.crash.split('\n').join('\n  ')}\n`);
  for (const d of disagreements.slice(0, 10)) process.stdout.write(`disagreement: case ${d.case} (${d.mutation}) ${d.file}: ${d.what}\n`);
  const failed = crashes.length + hangs.length + disagreements.length > 0;
  if (!(failed && keep.startsWith(work))) fs.rmSync(work, { recursive: true, force: true });
  process.exitCode = failed ? 1 : 0;
}

if (process.argv[2] === '--child') await child();
else await main();
