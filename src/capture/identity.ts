/**
 * The sudo user's identity on bt trace's main thread alone. bt trace
 * resolves the command and opens the log as the user (log/output.ts
 * asUser) while its BPF programs load as root on a libuv thread. Node's
 * seteuid goes through glibc, which changes the credentials of every
 * thread (the load then fails with EPERM), so the trace would have to wait
 * for the load first (~10-20 ms under sudo). The kernel keeps credentials
 * per thread: the raw setgroups/setresgid/setresuid system calls change
 * only the calling thread's, and only their effective ids, so root's
 * saved ids take them back.
 */
import type { IdentitySwitch, Owner } from '../log/output.js';
import { NativeError } from '../errors.js';
import { getLibc, lastErrno } from './native.js';

/** System call numbers (asm/unistd.h) by architecture. */
const NR: Partial<Record<string, { setgroups: number; setresuid: number; setresgid: number }>> = {
  x64: { setgroups: 116, setresuid: 117, setresgid: 119 },
  arm64: { setgroups: 159, setresuid: 147, setresgid: 149 },
};

/** The switch for this architecture, or undefined (the trace then waits for its load and switches process-wide). */
export function threadIdentitySwitch(): IdentitySwitch | undefined {
  const nr = NR[process.arch];
  if (!nr || !process.getgroups || !process.getegid) return undefined;
  return (owner: Owner) => {
    if (owner.uid < 0 || owner.gid < 0) throw new NativeError('setresgid', 22); // EINVAL: a user needs both ids
    const libc = getLibc();
    const call = (n: number, what: string, ...args: unknown[]) => {
      if (Number(libc.syscall(n, ...args)) !== 0) throw new NativeError(what, lastErrno());
    };
    const setgroups = (ids: readonly number[]) => call(nr.setgroups, 'setgroups', 'long', ids.length, 'uint32_t *', Uint32Array.from(ids));
    const groups = process.getgroups!(); // this thread's, as the kernel answers getgroups
    const egid = process.getegid!();
    const restore = () => {
      call(nr.setresuid, 'setresuid', 'long', -1, 'long', 0, 'long', -1);
      call(nr.setresgid, 'setresgid', 'long', -1, 'long', egid, 'long', -1);
      setgroups(groups);
    };
    try {
      setgroups(owner.name ? groupsOf(owner.name, owner.gid) : [owner.gid]);
      call(nr.setresgid, 'setresgid', 'long', -1, 'long', owner.gid, 'long', -1);
      call(nr.setresuid, 'setresuid', 'long', -1, 'long', owner.uid, 'long', -1);
    } catch (err) {
      restore();
      throw err;
    }
    return restore;
  };
}

/** The user's groups as initgroups would set them (getgrouplist: /etc/group and NSS), without setting them. */
function groupsOf(user: string, gid: number): number[] {
  const libc = getLibc();
  for (let size = 64; size <= 65536; size *= 4) {
    const list = new Uint32Array(size);
    const n = [size];
    if ((libc.getgrouplist(user, gid, list, n) as number) >= 0) return [...list.subarray(0, n[0])];
  }
  return [gid];
}
