/**
 * bench:real --side-by-side: the untraced and the traced build run at the
 * same time, each pinned to a CPU of its own (swapped at every pair), in
 * two output directories. Both then run under the same machine: on a VM
 * whose speed drifts by several percent from one minute to the next, two
 * builds run one after the other compare two different machines, and ten
 * alternating pairs of a 6 s configure cannot resolve 3% (the same
 * configuration measured medians of 0.99 and 1.11 an hour apart here).
 *
 * What it measures, per pair:
 *   - the untraced build's wall time (taskset and sh included);
 *   - the traced build's own time, from its first instruction to its exit
 *     (bt's BT_TIMING marks `build` and `build_end`, by the kernel's clock);
 *   - bt's fixed cost: its whole wall time minus the build's.
 * The in-build ratio is the traced build's time over the untraced one's.
 *
 * For builds that run one process at a time: a configure, or the kernel
 * with make -j1 on each CPU (a parallel build pinned to one CPU is another
 * build). bt's own threads are not pinned and take their CPU time from
 * both builds alike, so the in-build ratio leaves bt's CPU out: the
 * report adds it back, whole, to the upper estimate. Its start-up
 * competes with the untraced build, so the fixed cost is higher here than
 * on an idle machine. The untraced build also runs the early exits of
 * bt's syscall programs (tens of ns a syscall), which the ratio cannot see.
 */
import fs from 'node:fs';
import { parseTiming } from '../../src/capture/timing.js';
import { median } from '../stats.js';
import { btUsage, summarizeLog } from './btlog.js';
import { run } from './run.js';

export interface SideBySideOptions {
  pairs: number;
  warmup: number;
  workdir: string;
  /** the shell commands that reset and build in output directory 0 (untraced) or 1 (traced) */
  prepare: [string, string];
  build: [string, string];
  /** the bt command line before `--`, and its environment */
  /** bt's executable and its arguments up to the command */
  bt: { command: string; args: string[]; log: string };
  outFile: string;
  log: (msg: string) => void;
}

export interface SidePair {
  pair: number;
  untracedCpu: number;
  tracedCpu: number;
  untracedSeconds: number;
  /** the traced build alone: its first instruction to its exit */
  tracedBuildSeconds: number;
  /** bt trace from its start to its exit */
  tracedWallSeconds: number;
  /** ms from bt's start to the build's first instruction */
  startupMs: number;
  btCpuSeconds?: number;
  ratio: number;
}

async function prepare(o: SideBySideOptions, label: string): Promise<void> {
  for (const cmd of o.prepare) {
    fs.appendFileSync(o.outFile, `\n=== prepare (${label}) ===\n`);
    const r = await run('/bin/sh', ['-c', cmd], { cwd: o.workdir, outFile: o.outFile });
    if (r.exitCode !== 0) throw new Error(`prepare failed (exit ${r.exitCode}): ${cmd}; see ${o.outFile}`);
  }
}

/** One pair: both builds started together; resolves when both have exited. */
async function pair(o: SideBySideOptions, i: number): Promise<SidePair> {
  const [uCpu, tCpu] = i % 2 === 0 ? [0, 1] : [1, 0];
  await prepare(o, `pair ${i + 1}`);
  fs.rmSync(o.bt.log, { force: true });
  fs.appendFileSync(o.outFile, `\n=== side by side, pair ${i + 1}: untraced on CPU ${uCpu}, traced on CPU ${tCpu} ===\n`);
  const [u, t] = await Promise.all([
    run('taskset', ['-c', String(uCpu), '/bin/sh', '-c', o.build[0]], { cwd: o.workdir, outFile: o.outFile }),
    run(o.bt.command, [...o.bt.args, '--', 'taskset', '-c', String(tCpu), '/bin/sh', '-c', o.build[1]], {
      cwd: o.workdir,
      outFile: o.outFile,
      env: { ...process.env, BT_TIMING: '1' },
      keepStderr: true,
    }),
  ]);
  if (u.exitCode !== 0 || t.exitCode !== 0) {
    throw new Error(`pair ${i + 1}: the untraced build exited with ${u.exitCode}, the traced with ${t.exitCode}; see ${o.outFile}`);
  }
  const marks = parseTiming(t.stderr ?? '');
  if (marks?.build === undefined || marks.build_end === undefined) {
    throw new Error(`pair ${i + 1}: bt printed no build/build_end timing marks (BT_TIMING=1); see ${o.outFile}`);
  }
  const tracedBuildSeconds = (marks.build_end - marks.build) / 1000;
  const usage = btUsage(fs.existsSync(o.bt.log) ? summarizeLog(o.bt.log).trailer : undefined);
  return {
    pair: i,
    untracedCpu: uCpu,
    tracedCpu: tCpu,
    untracedSeconds: u.seconds,
    tracedBuildSeconds,
    tracedWallSeconds: t.seconds,
    startupMs: marks.build,
    btCpuSeconds: usage && usage.userSeconds + usage.systemSeconds,
    ratio: tracedBuildSeconds / u.seconds,
  };
}

export async function sideBySide(o: SideBySideOptions): Promise<SidePair[]> {
  for (let i = 0; i < o.warmup; i++) {
    await prepare(o, `warm-up ${i + 1}`);
    await Promise.all(
      o.build.map((b, k) => run('taskset', ['-c', String(k), '/bin/sh', '-c', b], { cwd: o.workdir, outFile: o.outFile })),
    );
    o.log(`warm-up ${i + 1} (both directories, not counted)`);
  }
  const pairs: SidePair[] = [];
  for (let i = 0; i < o.pairs; i++) {
    const p = await pair(o, i);
    pairs.push(p);
    o.log(
      `pair ${i + 1}: untraced ${p.untracedSeconds.toFixed(2)} s on CPU ${p.untracedCpu}, traced build ${p.tracedBuildSeconds.toFixed(2)} s ` +
        `on CPU ${p.tracedCpu} (bt ${p.tracedWallSeconds.toFixed(2)} s in all): ${p.ratio.toFixed(3)}`,
    );
  }
  return pairs;
}

function range(xs: number[], digits: number, unit = ''): string {
  return `${median(xs).toFixed(digits)}${unit} (${Math.min(...xs).toFixed(digits)}..${Math.max(...xs).toFixed(digits)})`;
}

/**
 * The in-build ratio with the two CPUs' difference taken out: the median
 * of each orientation's ratios (untraced on CPU 0, and on CPU 1), and
 * their geometric mean. When one CPU is slower (interrupts, the host), the
 * two orientations err by the same factor in opposite directions, and the
 * plain median of a few pairs lands on one side or the other. The plain
 * median when only one orientation ran.
 */
export function balancedRatio(pairs: readonly SidePair[]): number {
  const by = [0, 1].map((cpu) => pairs.filter((p) => p.untracedCpu === cpu).map((p) => p.ratio));
  if (by.some((r) => r.length === 0)) return median(pairs.map((p) => p.ratio));
  return Math.sqrt(median(by[0]!) * median(by[1]!));
}

/** The report's rows: [measure, value]. */
export function sideBySideRows(pairs: SidePair[]): Array<[string, string]> {
  const u = pairs.map((p) => p.untracedSeconds);
  const t = pairs.map((p) => p.tracedBuildSeconds);
  const fixed = pairs.map((p) => (p.tracedWallSeconds - p.tracedBuildSeconds) * 1000);
  const ratio = balancedRatio(pairs);
  const orientation = (cpu: number) => pairs.filter((p) => p.untracedCpu === cpu).map((p) => p.ratio);
  const cpu = pairs.map((p) => p.btCpuSeconds).filter((x): x is number => x !== undefined);
  return [
    ['mode', `side by side: untraced and traced at the same time, each pinned to one CPU (swapped every pair), ${pairs.length} pairs`],
    ['untraced build (median, min..max)', range(u, 2, ' s')],
    ['traced build alone, first instruction to exit (median, min..max)', range(t, 2, ' s')],
    [`in-build ratio traced/untraced (${pairs.length} pairs: median, min..max)`, range(pairs.map((p) => p.ratio), 3)],
    ...[0, 1]
      .filter((cpu) => orientation(cpu).length > 0)
      .map((cpu): [string, string] => [`  with the untraced build on CPU ${cpu} (${orientation(cpu).length === 1 ? '1 pair' : `${orientation(cpu).length} pairs`})`, range(orientation(cpu), 3)]),
    ['**in-build ratio, the CPUs balanced** (geometric mean of the two orientations\' medians)', `**${ratio.toFixed(3)}**`],
    ['bt start-up: its start to the build\'s first instruction (median, min..max)', range(pairs.map((p) => p.startupMs), 0, ' ms')],
    ['bt fixed cost: its wall time minus the build\'s (median, min..max)', range(fixed, 0, ' ms')],
    [
      'whole run, estimated: balanced in-build ratio + fixed cost / untraced build (medians)',
      (ratio + median(fixed) / 1000 / median(u)).toFixed(3),
    ],
    ['bt CPU (user+sys; median)', cpu.length ? `${median(cpu).toFixed(2)} s` : 'n/a'],
    [
      'whole run, at most: balanced in-build ratio + (fixed cost + bt CPU) / untraced build (medians)',
      cpu.length ? (ratio + (median(fixed) / 1000 + median(cpu)) / median(u)).toFixed(3) : 'n/a',
    ],
    ['pairs (ratio; untraced CPU)', pairs.map((p) => `${p.ratio.toFixed(3)} (CPU ${p.untracedCpu})`).join(', ')],
  ];
}
