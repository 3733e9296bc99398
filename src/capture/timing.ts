/**
 * Start-up phases of `bt trace`, for `npm run bench` (BT_TIMING=1): each
 * mark is ms since Node's time origin (performance.now()), or with BT_T0
 * (below) since bt was started. Printed as one line on stderr at the end:
 * `bt: timing {"exec":…,"node":…,"loaded":…,…}`.
 *
 *   exec       Node's time origin (with BT_T0 only): what came before it
 *              is Node's own loading
 *   node       Node.js ready (bootstrap complete)
 *   bpf_start  the BPF object opened and its load started on a libuv
 *              thread (cli/early.ts: before the rest of bt is evaluated),
 *              or by bt's executable before Node started (build/bt,
 *              native/bt-front.c)
 *   bpf_done   bt's executable's load over (capture/front-load.ts)
 *   launcher   the trace cgroup made and the launcher started in it
 *              (cli/early.ts, while the programs load)
 *   loaded     bt's modules loaded, runTrace entered
 *   cgroup     the trace has the cgroup (made here without the head start)
 *   spawn      the command sent to the launcher
 *   bpf_load   the load is over (libbpf: BTF, relocation, verification)
 *              and the configuration written
 *   attach     programs attached
 *   writer     the log's header written (made while the programs loaded)
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
 * The marks are taken on CLOCK_MONOTONIC (process.hrtime) and made
 * relative to Node's time origin (`performance`) only in the report.
 */

export const timingEnabled = Boolean(process.env.BT_TIMING);
// on globalThis: bt trace's head start (bt-early.cjs) is a bundle of its own, with its own copy of this module.
// Each mark is a moment on CLOCK_MONOTONIC, in ns (process.hrtime), made relative at the report: `performance`
// is a module Node loads at its first use, ~3 ms in bt trace's head start here (measured), which the
// marks taken with it before the build started counted as bt's own start-up.
const shared = globalThis as { __btMarks?: Record<string, number>; __btT0?: bigint | null };
const marks: Record<string, number> = (shared.__btMarks ??= {});

/*
 * BT_T0: when bt's starter began to start it (CLOCK_MONOTONIC ns, just
 * before its exec: npm run bench's walltime sets it). The marks then count
 * from there, not from Node's time origin, which comes ~10 ms after the
 * exec here (Node's loading of its binary and libraries, and its static
 * initialization: measured). Taken out of the environment at once: the
 * build never sees it.
 */
if (shared.__btT0 === undefined) {
  const t0 = process.env.BT_T0;
  shared.__btT0 = t0 && /^\d{1,19}$/.test(t0) ? BigInt(t0) : null;
  delete process.env.BT_T0;
}

/** Now on CLOCK_MONOTONIC, in ns (exact: well below 2^53 ns of uptime). */
export function monotonicNs(): number {
  return Number(process.hrtime.bigint());
}

/** Marks a phase: now, or `atNs` (CLOCK_MONOTONIC ns). */
export function mark(name: string, atNs?: number): void {
  if (timingEnabled) marks[name] = atNs ?? monotonicNs();
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
  const executable = globalThis as { __btCodeCache?: string };
  if (executable.__btCodeCache) process.stderr.write(`bt: code cache ${executable.__btCodeCache}\n`);
  delete executable.__btCodeCache;
  for (const line of notes.splice(0)) process.stderr.write(`bt: ${line}\n`);
  const perf = performance as unknown as import('node:perf_hooks').Performance; // Node's global is perf_hooks' object
  // Node's time origin on CLOCK_MONOTONIC; with BT_T0 every mark counts from the starter's exec, and `exec` is that origin
  const originNs = monotonicNs() - perf.now() * 1e6;
  const t0 = shared.__btT0 ? Number(shared.__btT0) : undefined;
  const lead = t0 !== undefined && originNs > t0 && originNs - t0 < 10e9;
  const zeroNs = lead ? t0! : originNs;
  const at = (ns: number) => Math.round((ns - zeroNs) / 1e5) / 10;
  const out: Record<string, number> = lead ? { exec: at(originNs) } : {};
  out.node = at(originNs + perf.nodeTiming.bootstrapComplete * 1e6);
  for (const [name, ns] of Object.entries(marks)) out[name] = at(ns);
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
