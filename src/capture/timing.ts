/**
 * Start-up phases of `bt trace`, for `npm run bench` (BT_TIMING=1): each
 * mark is ms since the process started (performance.now()). Printed as one
 * line on stderr at the end: `bt: timing {"node":…,"loaded":…,…}`.
 *
 *   node       Node.js ready (bootstrap complete)
 *   bpf_start  the BPF object opened and its load started on a libuv
 *              thread (cli/early.ts: before the rest of bt is evaluated)
 *   launcher   the trace cgroup made and the launcher started in it
 *              (cli/early.ts, while the programs load)
 *   loaded     bt's modules loaded, runTrace entered
 *   cgroup     the trace has the cgroup (made here without the head start)
 *   spawn      the command sent to the launcher
 *   bpf_load   the load is over (libbpf: BTF, relocation, verification)
 *              and the configuration written
 *   attach     programs attached
 *   writer     the log's header written
 *   go         the launcher told to run the build
 *   build      the build's first instruction: its exec, by the kernel's clock
 *   build_end  the build's root process exits, by the kernel's clock
 *   build_exit bt learns that it has exited (from the launcher)
 *   drained    the programs detached, the ring drained to its end
 *   closed     the trailer written, the log synced and closed
 *   end        the trace's result made
 *
 * With BT_TIMING, bt trace also prints `bt: bpf-stats {…}`: each BPF
 * program's run time (ns) and runs, from the kernel's statistics (zero
 * unless /proc/sys/kernel/bpf_stats_enabled is 1).
 *
 * `performance` is Node's global, read only when a mark is taken: importing
 * node:perf_hooks would load it before the head start begins its work.
 */

export const timingEnabled = Boolean(process.env.BT_TIMING);
// on globalThis: bt trace's head start (bt-early.cjs) is a bundle of its own, with its own copy of this module
const marks: Record<string, number> = ((globalThis as { __btMarks?: Record<string, number> }).__btMarks ??= {});

export function mark(name: string, at?: number): void {
  if (timingEnabled) marks[name] = Math.round((at ?? performance.now()) * 10) / 10;
}

const notes: string[] = [];

/** A line for reportTiming to print first: bt trace's stderr is not written before its build runs (making process.stderr costs ~3 ms). */
export function timingNote(line: string): void {
  if (timingEnabled) notes.push(line);
}

/** Prints the notes and the marks (when enabled). */
export function reportTiming(): void {
  if (!timingEnabled) return;
  // the executable's code cache (src/cli/bt.cts), said here rather than at its exit, which a build's signal skips
  const shared = globalThis as { __btCodeCache?: string };
  if (shared.__btCodeCache) process.stderr.write(`bt: code cache ${shared.__btCodeCache}\n`);
  delete shared.__btCodeCache;
  for (const line of notes.splice(0)) process.stderr.write(`bt: ${line}\n`);
  const perf = performance as unknown as import('node:perf_hooks').Performance; // Node's global is perf_hooks' object
  const out = { node: Math.round(perf.nodeTiming.bootstrapComplete * 10) / 10, ...marks };
  process.stderr.write(`bt: timing ${JSON.stringify(out)}\n`);
}

/** The marks of reportTiming()'s line in a bt trace's stderr, or undefined when it has none. */
export function parseTiming(stderr: string): Record<string, number> | undefined {
  const m = /^bt: timing (\{.*\})$/m.exec(stderr);
  if (!m) return undefined;
  try {
    const j = JSON.parse(m[1]) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(j).filter((e): e is [string, number] => typeof e[1] === 'number'));
  } catch {
    return undefined;
  }
}

/** A BPF program's run time and runs, from the kernel's statistics (bpf.ts runStats). */
export type BpfRunStats = Record<string, { ns: number; runs: number }>;

/** Prints the `bt: bpf-stats` line (when enabled). */
export function reportBpfStats(stats: BpfRunStats): void {
  timingNote(`bpf-stats ${JSON.stringify(stats)}`);
}

/** The statistics of reportBpfStats()'s line in a bt trace's stderr, or undefined when it has none. */
export function parseBpfStats(stderr: string): BpfRunStats | undefined {
  const m = /^bt: bpf-stats (\{.*\})$/m.exec(stderr);
  if (!m) return undefined;
  try {
    return JSON.parse(m[1]) as BpfRunStats;
  } catch {
    return undefined;
  }
}
