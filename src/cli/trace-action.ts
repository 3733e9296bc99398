/**
 * What bt trace does with its options and command, however they were read
 * (trace-args.ts without commander, or commander through trace.ts): runs
 * the trace and says how it went.
 */
import { buildEnded, formatBytes } from '../capture/progress.js';
import { quoteArg, shellJoin, signalName } from '../present/format.js';
import { UsageError } from '../errors.js';
import { exitBySignal, setFailureStatus } from './exit.js';
import { parseSize, type TraceOpts } from './trace-args.js';

export async function traceAction(command: string[], o: TraceOpts): Promise<void> {
  setFailureStatus(125);
  if (/^-./.test(String(o.output))) throw new UsageError('E_USAGE', `-o needs a file name, not ${String(o.output)} (write ./${String(o.output)} for a file of that name)`);
  const ringBytes = typeof o.ringSize === 'number' ? o.ringSize : parseSize(String(o.ringSize));
  // Loaded here: the capture stack (koffi, libbpf) is not needed by the other commands.
  const { runTrace, EXIT_LOG_FAILED } = await import('../capture/session.js');
  const { exactArgs } = await import('../capture/rawargs.js');
  const res = await runTrace({
    output: o.output,
    command: exactArgs(command),
    ringBytes,
    graceMs: Math.round(Number(o.grace) * 1000),
    env: o.env !== false,
    files: o.files !== false,
    asRoot: !!o.asRoot,
    progress: !o.quiet,
    quiet: !!o.quiet,
    redact: o.redact,
    force: !!o.force,
  });
  const ended = buildEnded(res.buildStatus, res.buildSignal);
  if (res.logFailed) {
    process.stderr.write(`bt: ${ended}; the log ${o.output} is incomplete (see above)\n`);
  } else if (res.logGone) {
    process.stderr.write(`bt: the build removed ${o.output} (or put another file in its place): the log written there is gone; ${ended}\n`);
  } else if (res.logDamaged) {
    process.stderr.write(`bt: the build wrote into ${o.output} (${res.logDamaged}): the log written there is not whole; ${ended}\n`);
  } else if (!o.quiet) {
    process.stderr.write(`bt: ${res.records} records, ${formatBytes(res.bytes)} written to ${o.output}; ${ended}\n`);
  }
  for (const line of lostLines(res.lost)) process.stderr.write(`bt: warning: ${line}\n`);
  const when = res.waitStopped ? 'when Ctrl-C stopped the wait' : 'after the grace period';
  for (const l of res.leftovers) {
    process.stderr.write(`bt: warning: still running ${when}, left outside the trace: ${l.pid} ${l.argv ? shellJoin(l.argv) : '?'}\n`);
  }
  // what to do with the log, last, for a person at the terminal (a script piping stderr knows)
  if (!o.quiet && !res.logFailed && !res.logGone && !res.logDamaged && res.logIsFile && process.stderr.isTTY) {
    process.stderr.write(`bt: next: bt summary ${quoteArg(o.output)} (or bt view ${quoteArg(o.output)})\n`);
  }
  // a log the build removed or wrote into is a log not kept: as when it cannot be written (74)
  process.exitCode = res.logGone || res.logDamaged ? EXIT_LOG_FAILED : res.exitStatus;
  // the build died of a signal: so does bt, once its log is complete (a shell script running it then stops too)
  if (res.buildSignal && !res.logFailed) exitBySignal(signalName(res.buildSignal) as NodeJS.Signals);
}

/**
 * What the capture's losses (by reason: bt_records.h enum bt_lost_reason,
 * and the capture's own) cost, a line per cause, each with its remedy: a
 * larger ring helps only when the ring was full.
 */
export function lostLines(lost: Record<string, number>): string[] {
  const n = (reason: string) => lost[reason] ?? 0;
  const lines: string[] = [];
  const ring = n('ringbuf') + n('incomplete_exec') + n('repeat_count');
  if (ring) {
    const detail = ['ringbuf', 'incomplete_exec', 'repeat_count'].filter((r) => n(r)).map((r) => `${r} ${n(r)}`).join(', ');
    lines.push(`${ring} events were lost (${detail}): the kernel ring buffer was full; try a larger --ring-size`);
  }
  // no kernel memory for a thread's or process's storage (task storage): the ring's size does not matter
  if (n('pair_map')) lines.push(`${n('pair_map')} execveat calls are recorded without their directory fd (pair_map: no kernel memory for the call's state): their programs' paths may be wrong`);
  if (n('listing')) lines.push(`${n('listing')} getdents64 calls were not counted (listing: no kernel memory for the process's listings): those listings say fewer entries than they read`);
  if (n('exit_flag')) lines.push(`${n('exit_flag')} dying threads could not tell whether their process's exit was reported (exit_flag: no kernel memory for the flag): a process with no exit in the log ended unseen`);
  if (n('unknown_op')) lines.push(`${n('unknown_op')} syscalls matched no row of bt's op table (unknown_op): not recorded`);
  if (n('truncated') || n('read')) lines.push(`${n('truncated')} strings were truncated and ${n('read')} could not be read; those records are marked in the log`);
  return lines;
}
