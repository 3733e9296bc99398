/**
 * Live progress on stderr while a trace runs: one line, redrawn in place,
 * only on a terminal and never with --quiet; and the words of bt trace's
 * other lines about the build.
 */
import { signalName } from '../present/format.js';

export interface ProgressStats {
  elapsedMs: number;
  started: number;
  running: number;
  fileEvents: number;
  bytes: number;
  lost: number;
}

export class Progress {
  private last = 0;
  private shown = false;

  private readonly out: NodeJS.WriteStream | undefined;

  /** Draws only when enabled: `out` (process.stderr, made here only then: ~3 ms). */
  constructor(enabled: boolean, out?: NodeJS.WriteStream) {
    this.out = enabled ? (out ?? process.stderr) : undefined;
  }

  update(s: ProgressStats, force = false): void {
    if (!this.out) return;
    const now = Date.now();
    if (!force && now - this.last < 200) return;
    this.last = now;
    this.shown = true;
    // cut to the terminal's width: a line that wraps cannot be redrawn in place
    const width = this.out.columns > 1 ? this.out.columns - 1 : Infinity;
    const line = formatProgress(s);
    this.out.write(`\r\x1b[2K${line.length > width ? `${line.slice(0, Math.max(0, width - 1))}…` : line}`);
  }

  /** Removes the line so that later output starts clean. */
  clear(): void {
    if (this.shown) this.out?.write('\r\x1b[2K');
    this.shown = false;
  }
}

export function formatProgress(s: ProgressStats): string {
  return (
    `bt: ${(s.elapsedMs / 1000).toFixed(1)}s  processes ${s.started} started, ${s.running} running  ` +
    `file events ${s.fileEvents}  log ${formatBytes(s.bytes)}  lost ${s.lost}`
  );
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

/** How the build (the traced command) ended: "the build exited with status 0", "the build was killed by SIGINT (status 130)". */
export function buildEnded(status: number, signal = 0): string {
  return signal ? `the build was killed by ${signalName(signal)} (status ${status})` : `the build exited with status ${status}`;
}
