/**
 * The bpf(2) system call itself, for what bt trace does with programs
 * already loaded and for the light skeleton's load: libbpf's functions for
 * these are thin wrappers of one call each, and loading libbpf (with libelf
 * and zlib) cost ~1.5 ms before bt trace's BPF load could start (measured).
 * A light skeleton is made to run without libbpf (libbpf's own
 * skel_internal.h makes the same calls). libbpf stays for its own load
 * (capture/libbpf-load.ts) and for making the light skeleton at build time.
 *
 * One table: per command its number (linux/bpf.h enum bpf_cmd) and the
 * members of union bpf_attr bt sets, by byte offset and width; the attr
 * passed is the command's members up to the last one bt sets (rounded up
 * to 8 bytes), the rest zero: the kernel takes a shorter attr as if zero
 * to its end, as it does libbpf's (which stops at the last member libbpf
 * knows). test/capture/bpfsys.test.ts checks every offset against the
 * running kernel's BTF.
 */
import { NativeError } from '../errors.js';
import { addressOf, getLibc, lastErrno } from './native.js';

type Width = 'u32' | 'u64' | 'ptr' | 'name';
type Member = readonly [offset: number, width: Width];

/**
 * The commands bt calls. `struct` names the command's member of union
 * bpf_attr in the kernel's BTF: its name, or for an anonymous struct the
 * first member of it (the test finds it so).
 */
export const BPF_COMMANDS = {
  map_create: { cmd: 0, struct: '{map_type}', members: { map_type: [0, 'u32'], key_size: [4, 'u32'], value_size: [8, 'u32'], max_entries: [12, 'u32'], map_name: [28, 'name'] } },
  map_update_elem: { cmd: 2, struct: '{map_fd}', members: { map_fd: [0, 'u32'], key: [8, 'ptr'], value: [16, 'ptr'], flags: [24, 'u64'] } },
  prog_load: {
    cmd: 5,
    struct: '{prog_type}',
    members: { prog_type: [0, 'u32'], insn_cnt: [4, 'u32'], insns: [8, 'ptr'], license: [16, 'ptr'], prog_flags: [44, 'u32'], prog_name: [48, 'name'], fd_array: [120, 'ptr'] },
  },
  prog_test_run: { cmd: 10, struct: 'test', members: { prog_fd: [0, 'u32'], retval: [4, 'u32'], ctx_size_in: [40, 'u32'], ctx_in: [48, 'ptr'] } },
  obj_get_info_by_fd: { cmd: 15, struct: 'info', members: { bpf_fd: [0, 'u32'], info_len: [4, 'u32'], info: [8, 'ptr'] } },
  raw_tracepoint_open: { cmd: 17, struct: 'raw_tracepoint', members: { name: [0, 'ptr'], prog_fd: [8, 'u32'] } },
  link_create: { cmd: 28, struct: 'link_create', members: { prog_fd: [0, 'u32'], target_fd: [4, 'u32'], attach_type: [8, 'u32'], flags: [12, 'u32'] } },
  iter_create: { cmd: 33, struct: 'iter_create', members: { link_fd: [0, 'u32'], flags: [4, 'u32'] } },
} as const satisfies Record<string, { cmd: number; struct: string; members: Record<string, Member> }>;

export type BpfCommand = keyof typeof BPF_COMMANDS;
/** A member's value: a number, or for a pointer the Buffer pointed to (null: NULL), for a name its text (at most 15 bytes). */
type Value = number | bigint | Buffer | string | null;
type Args<C extends BpfCommand> = Partial<Record<keyof (typeof BPF_COMMANDS)[C]['members'], Value>>;

/** __NR_bpf by architecture (asm/unistd.h). */
const NR_BPF: Partial<Record<string, number>> = { x64: 321, arm64: 280 };
/** BPF_OBJ_NAME_LEN: a map's or program's name, its NUL included. */
export const OBJ_NAME_LEN = 16;

/** The attr for a command: the members given, the rest zero. The Buffers pointed to must outlive the call (keep). */
function attrOf<C extends BpfCommand>(command: C, args: Args<C>, keep: Buffer[]): Buffer {
  const members = BPF_COMMANDS[command].members as Record<string, Member>;
  let size = 0;
  for (const [off, width] of Object.values(members)) size = Math.max(size, off + (width === 'u32' ? 4 : width === 'name' ? OBJ_NAME_LEN : 8));
  const attr = Buffer.alloc(Math.ceil(size / 8) * 8);
  for (const [name, value] of Object.entries(args as Record<string, Value>)) {
    const [off, width] = members[name];
    if (value === null || value === undefined) continue;
    if (width === 'u32') attr.writeUInt32LE(Number(value) >>> 0, off);
    else if (width === 'u64') attr.writeBigUInt64LE(BigInt(value as number | bigint), off);
    else if (width === 'name') attr.write(String(value).slice(0, OBJ_NAME_LEN - 1), off, 'latin1');
    else {
      const buf = typeof value === 'string' ? Buffer.from(`${value}\0`) : (value as Buffer);
      keep.push(buf);
      attr.writeBigUInt64LE(addressOf(buf), off);
    }
  }
  return attr;
}

function nrBpf(): number {
  const nr = NR_BPF[process.arch];
  if (nr === undefined) throw new NativeError(`bpf(2) on ${process.arch}`, 38); // ENOSYS: bt knows its number on x64 and arm64
  return nr;
}

/**
 * Calls bpf(2): its result (an fd, or 0), or a NativeError naming `op` and
 * the errno. `attr` (when given) receives what the kernel wrote back.
 */
export function bpfCall<C extends BpfCommand>(command: C, args: Args<C>, op: string = `bpf(${command})`, out?: { attr?: Buffer }): number {
  const keep: Buffer[] = [];
  const attr = attrOf(command, args, keep);
  const ret = Number(getLibc().bpf(nrBpf(), BPF_COMMANDS[command].cmd, attr, attr.length));
  if (out) out.attr = attr;
  if (ret < 0) throw new NativeError(op, lastErrno() || 5);
  keep.length = 0;
  return ret;
}

/**
 * BPF_PROG_TEST_RUN on one of libuv's threads: the light skeleton's run,
 * the bulk of the load. Settles with the result and the attr as the kernel
 * left it. The errno of a call made there is that thread's: a run that
 * fails is made once more here, where errno is read. That is safe for this
 * command alone: it fails before the program runs (a bad attr, no memory
 * for the context) or with EFAULT writing back, which Buffers bt owns do
 * not give; the loader's own failures come in its retval, with success.
 */
export function bpfCallAsync(command: 'prog_test_run', args: Args<'prog_test_run'>, op: string): Promise<{ ret: number; attr: Buffer }> {
  const keep: Buffer[] = [];
  const attr = attrOf(command, args, keep);
  const call = getLibc().bpf as unknown as { async: (nr: number, cmd: number, attr: Buffer, size: number, cb: (err: unknown, res: number) => void) => void };
  return new Promise((resolve, reject) => {
    call.async(nrBpf(), BPF_COMMANDS[command].cmd, attr, attr.length, (err, res) => {
      if (err) {
        reject(new NativeError(op, 5, String((err as Error)?.message ?? err), { cause: err }));
        return;
      }
      if (Number(res) >= 0) {
        keep.length = 0;
        resolve({ ret: Number(res), attr });
        return;
      }
      try {
        const out: { attr?: Buffer } = {};
        resolve({ ret: bpfCall(command, args, op, out), attr: out.attr! });
      } catch (e) {
        reject(e);
      }
    });
  });
}
