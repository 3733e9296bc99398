/**
 * The CPU a build's own processes use, for bench:real: their user and
 * system seconds, traced against untraced, say where an overhead lands,
 * and untraced against untraced how much the machine's speed moved between
 * identical builds (on a VM, as much as wall time does). The kernel runs bt's
 * BPF programs in the context of the task that made the syscall, so their
 * time is in the traced build's system seconds; bt's own CPU is in its
 * log's trailer.
 *
 * The build runs as `BUILD; s=$?; times >FILE; exit $s` in the shell: the
 * second line of `times` is the user and system time of the shell's
 * children (every process of a make build is waited for).
 */
import fs from 'node:fs';
import type { BpfRunStats } from '../../src/capture/timing.js';
import { median } from '../stats.js';

export interface BuildCpu {
  userSeconds: number;
  systemSeconds: number;
}

/** The shell command that runs `build` and writes its children's CPU times to `file`. */
export function timedBuild(build: string, file: string): string {
  return `${build}\ns=$?; times >'${file.replace(/'/g, `'\\''`)}'; exit $s`;
}

/** The children's times that timedBuild's command wrote (dash: `0m1.700000s 0m0.080000s`), or undefined. */
export function readBuildCpu(file: string): BuildCpu | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const line = text.split('\n')[1] ?? '';
  const t = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return t.length === 2 ? { userSeconds: t[0], systemSeconds: t[1] } : undefined;
}

/** Report rows comparing the builds' CPU, traced against untraced, pair by pair. */
export function cpuRows(
  pairs: Array<{ untraced?: BuildCpu; traced?: BuildCpu; btCpuSeconds?: number }>,
): Array<[string, string]> {
  const full = pairs.filter((p): p is { untraced: BuildCpu; traced: BuildCpu; btCpuSeconds?: number } => !!p.untraced && !!p.traced);
  if (!full.length) return [];
  const s = (xs: number[]) => `${median(xs).toFixed(1)} s (${Math.min(...xs).toFixed(1)}..${Math.max(...xs).toFixed(1)})`;
  const r = (xs: number[]) => `**${median(xs).toFixed(3)}** (${Math.min(...xs).toFixed(3)}..${Math.max(...xs).toFixed(3)})`;
  const total = (c: BuildCpu) => c.userSeconds + c.systemSeconds;
  return [
    ['build CPU untraced: user, system (median, min..max)', `${s(full.map((p) => p.untraced.userSeconds))}, ${s(full.map((p) => p.untraced.systemSeconds))}`],
    ['build CPU traced: user, system (BPF programs run in system time)', `${s(full.map((p) => p.traced.userSeconds))}, ${s(full.map((p) => p.traced.systemSeconds))}`],
    ['build system time traced − untraced (per pair: median, min..max)', s(full.map((p) => p.traced.systemSeconds - p.untraced.systemSeconds))],
    [
      `**CPU ratio** (traced build + bt) / untraced build (${full.length} pairs: median, min..max)`,
      r(full.map((p) => (total(p.traced) + (p.btCpuSeconds ?? 0)) / total(p.untraced))),
    ],
  ];
}

/** Report rows for one traced build's BPF statistics: each program's time and runs, and their share of the build's CPU. */
export function bpfRows(stats: BpfRunStats, build: BuildCpu | undefined): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  let total = 0;
  for (const [name, st] of Object.entries(stats).sort((a, b) => b[1].ns - a[1].ns)) {
    total += st.ns;
    if (st.runs) rows.push([`BPF ${name}`, `${(st.ns / 1e9).toFixed(2)} s in ${st.runs.toLocaleString('en')} runs (${(st.ns / st.runs).toFixed(0)} ns/run)`]);
  }
  const cpu = build ? build.userSeconds + build.systemSeconds : 0;
  rows.push(['BPF total (statistics on)', `${(total / 1e9).toFixed(2)} s${cpu ? `, ${((total / 1e9 / cpu) * 100).toFixed(2)}% of that build's CPU (${cpu.toFixed(1)} s)` : ''}`]);
  return rows;
}

/** Runs `run` with the kernel's BPF statistics (bpf_stats_enabled) set to `on`, then puts the knob back. */
export async function withBpfStats<T>(on: boolean, run: () => Promise<T>): Promise<T> {
  const knob = '/proc/sys/kernel/bpf_stats_enabled';
  const before = fs.readFileSync(knob, 'utf8').trim();
  fs.writeFileSync(knob, on ? '1' : '0');
  try {
    return await run();
  } finally {
    fs.writeFileSync(knob, before);
  }
}
