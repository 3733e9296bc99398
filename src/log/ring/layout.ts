/**
 * Byte offsets of the records in bpf/bt_records.h, as the decoder reads them.
 * test/capture/layout.test.ts checks every entry against the BTF of the
 * compiled object, so a change on one side that is not made on the other
 * fails the tests instead of corrupting traces.
 */
import { createRequire } from 'node:module';
import { OPS } from '../../ops/table.js';

export interface StructLayout {
  size: number;
  fields: Record<string, number>;
}

const HDR_FIELDS = { type: 0, flags: 2, size: 4, ts: 8, pid: 16, tid: 20 };

export const LAYOUT = {
  bt_hdr: { size: 24, fields: HDR_FIELDS },
  bt_fork: { size: 40, fields: { h: 0, child_pid: 24, child_tid: 28, ppid: 32 } },
  bt_exec: {
    size: 64,
    fields: {
      h: 0, ret: 24, old_tid: 28, argv_len: 32, env_len: 36, uid: 40, gid: 44, dirfd: 48, op: 52,
      filename_len: 54, interp_len: 56, cwd_len: 58, argv0_len: 60, umask: 62,
    },
  },
  bt_exec_data: { size: 32, fields: { h: 0, offset: 24, len: 28 } },
  bt_exit: { size: 32, fields: { h: 0, status: 24 } },
  bt_open: {
    size: 72,
    fields: { h: 0, ret: 24, dirfd: 28, flags: 32, mode: 36, resolve: 40, op: 48, path_len: 50, mtime_nsec: 52, mtime_sec: 56, size: 64 },
  },
  bt_close: { size: 48, fields: { h: 0, ret: 24, fd: 28, last: 32, cr_flags: 36, op: 40 } },
  bt_dup: { size: 48, fields: { h: 0, ret: 24, oldfd: 28, newfd: 32, flags: 36, op: 40 } },
  bt_pipe: { size: 48, fields: { h: 0, ret: 24, fd0: 28, fd1: 32, flags: 36, op: 40 } },
  bt_chdir: { size: 40, fields: { h: 0, ret: 24, fd: 28, op: 32, path_len: 34, cwd_len: 36 } },
  bt_path: { size: 48, fields: { h: 0, ret: 24, dirfd: 28, flags: 32, mode: 36, op: 40, path_len: 42 } },
  bt_path2: {
    size: 48,
    fields: { h: 0, ret: 24, olddirfd: 28, newdirfd: 32, flags: 36, op: 40, old_len: 42, new_len: 44 },
  },
  bt_lookup: {
    size: 80,
    fields: {
      h: 0, ret: 24, dirfd: 28, flags: 32, mode: 36, mtime_sec: 40, mtime_nsec: 48, ftype: 52, key_hash: 64,
      op: 72, path_len: 74, target_len: 76,
    },
  },
  bt_repeats: { size: 40, fields: { h: 0, key_tag: 24, count: 32 } },
  bt_readdir: { size: 40, fields: { h: 0, ret: 24, fd: 28, entries: 32, calls: 36 } },
  bt_meta: {
    size: 88,
    fields: {
      h: 0, ret: 24, dirfd: 28, flags: 32, mode: 36, uid: 40, gid: 44, size: 48, atime_sec: 56, mtime_sec: 64,
      atime_nsec: 72, mtime_nsec: 76, op: 80, path_len: 82,
    },
  },
  bt_config: { size: 16, fields: { cgroup_id: 0, cgroup_level: 8, flags: 12 } },
  bt_stats: { size: 64, fields: { lost: 0 } },
} satisfies Record<string, StructLayout>;

/** enum bt_type */
export const T = {
  FORK: 1, EXEC: 2, EXEC_DATA: 3, EXIT: 4, OPEN: 5, CLOSE: 6, DUP: 7, PIPE: 8, CHDIR: 9, PATH: 10, PATH2: 11,
  LOOKUP: 12, READDIR: 13, META: 14, REPEATS: 15,
} as const;

/**
 * Records the capture itself writes into logged ring batches, never sent by
 * the kernel (bt_records.h keeps types from 0x8000 on free for them): an
 * environment, once (ENV_DEF), and an exec's reference to it (ENV_REF),
 * which stand for the exec's env EXEC_DATA records (log/ring/batcher.ts).
 */
export const UT = { ENV_DEF: 0x8001, ENV_REF: 0x8002 } as const;
export const USER_LAYOUT = {
  /** then the environment's bytes[len] */
  bt_env_def: { size: 32, fields: { h: 0, id: 24, len: 28 } },
  bt_env_ref: { size: 32, fields: { h: 0, id: 24, len: 28 } },
} satisfies Record<string, StructLayout>;

/** BT_PATH_MAX: the longest string (path, link text) the kernel puts in a record, its NUL included. */
export const PATH_MAX = 4096;

/** BT_MAX_ARG_BYTES: the kernel sends at most this much of an exec's argv (and of its env). */
export const MAX_ARG_BYTES = 2 * 1024 * 1024 + 256 * 1024;

/** The ring buffer's own header before each record: u32 length (| BUSY, DISCARD bits), u32 page offset. */
export const RING_HDR = 8;
export const RING_BUSY = 0x80000000;
export const RING_DISCARD = 0x40000000;

/** enum bt_exec_const: bt_exec.umask holds a umask (in its low 12 bits) when this bit is set. */
export const EXEC_UMASK_KNOWN = 0x8000;

/** enum bt_repeat_const: a lookup's tag is key_hash >> REP_COUNT_BITS. */
export const REP_COUNT_BITS = 20;

/** enum bt_flag */
export const F = {
  THREAD: 1, TRUNCATED: 2, NO_ENV: 4, ENV: 8, READ_FAULT: 16, CWD_INCOMPLETE: 32, REPEAT: 64, TIMES_NULL: 128, PARTIAL: 256,
} as const;

/** enum bt_cfg_flag */
export const CFG = { ENV: 1, FILES: 2 } as const;

/** enum bt_lost_reason, by index into bt_stats.lost */
export const LOST_REASONS = ['ringbuf', 'pair_map', 'read', 'truncated', 'unknown_op', 'exit_flag', 'listing'] as const;

/** enum bt_op, by value (from the op table, src/ops/table.ts) */
export const OP_NAMES: Record<number, string> = Object.fromEntries(OPS.map((o) => [o.id, o.name]));

/**
 * Names the layouts above: a log of ring batches records it in its header
 * (Header.ring_layout), and a bt whose layouts differ refuses to decode it
 * rather than misread it. node:crypto is loaded only here, on first use.
 */
function layoutId(layout: typeof LAYOUT): string {
  const { createHash } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return createHash('sha256')
    .update(JSON.stringify({ LAYOUT: layout, T, UT, USER_LAYOUT, F, REP_COUNT_BITS, OP_NAMES, RING_HDR }))
    .digest('hex')
    .slice(0, 16);
}

/** The bundle (scripts/bundle.mjs) carries ringLayoutId(), computed by this module when it was built. */
declare const __BT_RING_LAYOUT_ID__: string | undefined;
let ownId: string | undefined;

/**
 * This bt's layout id. Computed on first use, or not at all in the
 * bundle: bt trace writes it in the header before its build starts, and
 * node:crypto and the hash were ~5 ms of that start (measured).
 */
export function ringLayoutId(): string {
  ownId ??= typeof __BT_RING_LAYOUT_ID__ !== 'undefined' ? __BT_RING_LAYOUT_ID__ : layoutId(LAYOUT);
  return ownId;
}

/** How the ring records of a log are laid out where an earlier bt laid them out differently. */
export interface RingVariant {
  /** bt_open's fixed size: the path follows it. */
  openSize: number;
  /** bt_open has mtime_sec, mtime_nsec and size. */
  openStat: boolean;
}

export const CURRENT_RING: RingVariant = { openSize: LAYOUT.bt_open.size, openStat: true };

/** bt_exec before it carried the umask (its bytes were padding, 0: a umask not known). */
const EXEC_BEFORE_UMASK = {
  size: 64,
  fields: { h: 0, ret: 24, old_tid: 28, argv_len: 32, env_len: 36, uid: 40, gid: 44, dirfd: 48, op: 52, filename_len: 54, interp_len: 56, cwd_len: 58, argv0_len: 60 },
};

/**
 * The layouts this bt reads, by id (ringVariant): its own, and those of earlier bts that
 * differ from it only in ways the decoder knows (each computed from the
 * layout it names, so its id is the one that bt wrote). Before opens
 * carried the file's mtime and size, bt_open had 56 bytes; before execs
 * carried the umask, its two bytes were zero padding, which reads as a
 * umask not known.
 */
let variants: Readonly<Record<string, RingVariant>> | undefined;

/** The table above, its ids computed on first use. */
function variantTable(): Readonly<Record<string, RingVariant>> {
  variants ??= {
    [ringLayoutId()]: CURRENT_RING,
    [layoutId({ ...LAYOUT, bt_exec: EXEC_BEFORE_UMASK } as unknown as typeof LAYOUT)]: CURRENT_RING,
    [layoutId({
      ...LAYOUT,
      bt_exec: EXEC_BEFORE_UMASK,
      bt_open: { size: 56, fields: { h: 0, ret: 24, dirfd: 28, flags: 32, mode: 36, resolve: 40, op: 48, path_len: 50 } },
    } as unknown as typeof LAYOUT)]: {
      openSize: 56,
      openStat: false,
    },
  };
  return variants;
}

/** The layout of a log whose header names `id`, when this bt reads it. */
export function ringVariant(id: string): RingVariant | undefined {
  const table = variantTable();
  return Object.hasOwn(table, id) ? table[id] : undefined;
}

/** The ids ringVariant() knows (for tests and documentation). */
export function ringVariantIds(): string[] {
  return Object.keys(variantTable());
}
