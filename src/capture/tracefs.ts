/**
 * tracefs: libbpf attaches `tp/` programs by reading event ids from it, and
 * bt checks which syscall tracepoints exist. Mounted on demand when absent.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { CaptureError } from '../errors.js';

const CANDIDATES = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];
let found: string | undefined;

/**
 * Whether this kernel has the trace event group/name, as far as a mounted
 * tracefs tells (nothing is mounted here): undefined when none is mounted.
 */
export function hasTraceEvent(group: string, name: string): boolean | undefined {
  let mounted = false;
  for (const dir of CANDIDATES) {
    if (fs.existsSync(`${dir}/events/${group}/${name}`)) return true;
    mounted ||= fs.existsSync(`${dir}/events`);
  }
  return mounted ? false : undefined;
}

export function tracefsDir(): string {
  if (found) return found;
  for (const dir of CANDIDATES) {
    if (fs.existsSync(`${dir}/events/syscalls`)) return (found = dir);
  }
  try {
    // child_process is loaded only here: bt trace's head start (cli/early.ts) reads this module
    const { execFileSync } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
    execFileSync('mount', ['-t', 'tracefs', 'nodev', CANDIDATES[0]], { stdio: 'ignore' });
  } catch (err) {
    throw new CaptureError(
      'E_NO_TRACEFS',
      `tracefs is not mounted and mounting it failed: run as root, or mount -t tracefs nodev ${CANDIDATES[0]}`,
      { cause: err },
    );
  }
  if (!fs.existsSync(`${CANDIDATES[0]}/events/syscalls`)) {
    throw new CaptureError('E_NO_SYSCALL_TRACEPOINTS', 'this kernel has no syscall tracepoints (CONFIG_FTRACE_SYSCALLS)');
  }
  return (found = CANDIDATES[0]);
}
