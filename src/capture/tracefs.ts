/**
 * tracefs: which tracepoints this kernel has (a program whose tracepoint is
 * missing gets a stand-in, bpf.ts STAND_INS), and where libbpf reads the ids
 * of `tp/` events. Mounted on demand when absent, with mount(2) itself
 * (~0.1 ms; the mount command cost a fork and an exec): after a boot without
 * it, bt would otherwise not know whether sched_prepare_exec exists and
 * load the stand-in, sys_enter, which costs every syscall of the machine.
 */
import fs from 'node:fs';
import { CaptureError, errnoName } from '../errors.js';
import { getLibc, lastErrno } from './native.js';

const CANDIDATES = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];
const MS_NOSUID = 2;
const MS_NODEV = 4;
const MS_NOEXEC = 8;
let found: string | undefined;
let mountErrno = 0;

function mounted(): string | undefined {
  return CANDIDATES.find((dir) => fs.existsSync(`${dir}/events`));
}

/** The mounted tracefs, mounted at /sys/kernel/tracing if none is; undefined when that fails (mountErrno says why). */
function tracefs(): string | undefined {
  if (found) return found;
  found = mounted();
  if (found || mountErrno) return found;
  const libc = getLibc();
  if (libc.mount('nodev', CANDIDATES[0], 'tracefs', MS_NOSUID | MS_NODEV | MS_NOEXEC, null) === 0) {
    found = mounted();
  } else {
    mountErrno = lastErrno() || 1;
  }
  return found;
}

/**
 * Whether this kernel has the trace event group/name; undefined when it
 * cannot be told (no tracefs and mounting one failed: not root, or a kernel
 * without tracing).
 */
export function hasTraceEvent(group: string, name: string): boolean | undefined {
  const dir = tracefs();
  return dir ? fs.existsSync(`${dir}/events/${group}/${name}`) : undefined;
}

export function tracefsDir(): string {
  const dir = tracefs();
  if (!dir) {
    throw new CaptureError(
      'E_NO_TRACEFS',
      `tracefs is not mounted and mounting it failed (${errnoName(mountErrno)}): run as root, or mount -t tracefs nodev ${CANDIDATES[0]}`,
    );
  }
  if (!fs.existsSync(`${dir}/events/syscalls`)) {
    throw new CaptureError('E_NO_SYSCALL_TRACEPOINTS', 'this kernel has no syscall tracepoints (CONFIG_FTRACE_SYSCALLS)');
  }
  return dir;
}
