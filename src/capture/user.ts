/**
 * Who the build runs as, and what bt may do: with sudo the build runs as the
 * invoking user (SUDO_UID/SUDO_GID) unless --as-root; bt itself needs root
 * or CAP_BPF + CAP_PERFMON + CAP_SYS_ADMIN.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CaptureError } from '../errors.js';
import { encodeString } from '../log/bytes.js';

export interface BuildUser {
  uid: number; // -1: keep bt's own
  gid: number;
  name?: string;
  home?: string;
}

const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;

/** Throws unless this process can load and attach the programs. */
export function checkPrivileges(status = fs.readFileSync('/proc/self/status', 'utf8')): void {
  const m = /^CapEff:\s*([0-9a-f]+)/m.exec(status);
  const caps = m ? BigInt(`0x${m[1]}`) : 0n;
  const has = (c: bigint) => (caps >> c) & 1n;
  if (has(CAP_SYS_ADMIN) && (has(CAP_BPF) || process.geteuid?.() === 0) && (has(CAP_PERFMON) || process.geteuid?.() === 0)) {
    return;
  }
  throw new CaptureError(
    'E_NOT_ROOT',
    'bt trace needs root (or CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN) to load its eBPF programs: run sudo bt trace …',
  );
}

export function checkBtf(): void {
  if (!fs.existsSync('/sys/kernel/btf/vmlinux')) {
    throw new CaptureError(
      'E_NO_BTF',
      'this kernel has no BTF (/sys/kernel/btf/vmlinux is missing): bt needs Linux >= 5.17 built with CONFIG_DEBUG_INFO_BTF=y',
    );
  }
}

/** The user the build should run as. */
export function buildUser(asRoot: boolean, env = process.env): BuildUser {
  // ids are decimal digits: Number('') is 0, root's
  const id = (v: string | undefined) => (v !== undefined && /^\d{1,10}$/.test(v) && Number(v) < 0xffffffff ? Number(v) : undefined);
  const uid = id(env.SUDO_UID);
  if (asRoot || uid === undefined || uid === process.geteuid?.()) return { uid: -1, gid: -1 };
  const pw = passwdEntry(uid);
  return { uid, gid: id(env.SUDO_GID) ?? pw?.gid ?? uid, name: pw?.name, home: pw?.home };
}

function passwdEntry(uid: number): { name: string; home: string; gid?: number } | undefined {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length >= 7 && f[2] !== '' && Number(f[2]) === uid) return { name: f[0], home: f[5], gid: /^\d+$/.test(f[3]) ? Number(f[3]) : undefined };
    }
  } catch {
    /* no passwd file: keep the environment as it is */
  }
  return undefined;
}

/** The environment of the build: sudo's, with the invoking user's identity. */
export function buildEnv(user: BuildUser, env = process.env): NodeJS.ProcessEnv {
  const out = { ...env };
  if (user.uid >= 0 && user.name) {
    out.USER = user.name;
    out.LOGNAME = user.name;
    if (user.home) out.HOME = user.home;
  }
  return out;
}

/**
 * Resolves argv[0] the way execvp would, or throws a one-line error. Run it
 * as the user (output.ts asUser) with `owner` set: the directories are then
 * searched with the user's rights, and whether the user may execute the
 * file is decided from its mode, so the answer (127 or 126) never reveals a
 * file in a directory the user cannot read.
 */
export function resolveCommand(cmd: string, env: NodeJS.ProcessEnv, cwd: string, owner?: { uid: number; gid: number }): string {
  const candidates = cmd.includes('/')
    ? [path.resolve(cwd, cmd)]
    : (env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':').map((d) => path.resolve(cwd, d || '.', cmd));
  let sawNonExec = false;
  let sawDir = false;
  for (const c of candidates) {
    try {
      const st = fs.statSync(encodeString(c)); // the exact bytes of a name that is not UTF-8
      if (st.isDirectory()) {
        sawDir = true;
        continue;
      }
      if (!st.isFile()) continue;
      if (!mayExecute(st, owner)) {
        sawNonExec = true;
        continue;
      }
      return c;
    } catch {
      /* not there, or not visible to the user: not found */
    }
  }
  if (sawNonExec) throw new CaptureError('E_NOT_EXECUTABLE', `${cmd}: permission denied (not executable)`);
  if (sawDir && cmd.includes('/')) throw new CaptureError('E_NOT_EXECUTABLE', `${cmd}: is a directory, not a command`);
  throw new CaptureError('E_NO_COMMAND', `${cmd}: command not found`);
}

/** Whether the user (or bt itself) may execute a file with these mode bits. */
function mayExecute(st: fs.Stats, owner?: { uid: number; gid: number }): boolean {
  const uid = owner && owner.uid >= 0 ? owner.uid : (process.geteuid?.() ?? 0);
  if (uid === 0) return (st.mode & 0o111) !== 0;
  if (st.uid === uid) return (st.mode & 0o100) !== 0;
  const groups = new Set([owner && owner.uid >= 0 ? owner.gid : (process.getegid?.() ?? 0), ...(process.getgroups?.() ?? [])]);
  if (groups.has(st.gid)) return (st.mode & 0o010) !== 0;
  return (st.mode & 0o001) !== 0;
}
