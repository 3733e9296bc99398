/**
 * Byte offsets of the records in bpf/bt_records.h, as the decoder reads them.
 * test/capture/layout.test.ts checks every entry against the BTF of the
 * compiled object, so a change on one side that is not made on the other
 * fails the tests instead of corrupting traces.
 */
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
      filename_len: 54, interp_len: 56, cwd_len: 58, argv0_len: 60,
    },
  },
  bt_exec_data: { size: 32, fields: { h: 0, offset: 24, len: 28 } },
  bt_exit: { size: 32, fields: { h: 0, status: 24 } },
  bt_open: {
    size: 56,
    fields: { h: 0, ret: 24, dirfd: 28, flags: 32, mode: 36, resolve: 40, op: 48, path_len: 50 },
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
  bt_config: { size: 16, fields: { cgroup_id: 0, cgroup_level: 8, flags: 12 } },
  bt_stats: { size: 64, fields: { lost: 0 } },
} satisfies Record<string, StructLayout>;

/** enum bt_type */
export const T = {
  FORK: 1, EXEC: 2, EXEC_DATA: 3, EXIT: 4, OPEN: 5, CLOSE: 6, DUP: 7, PIPE: 8, CHDIR: 9, PATH: 10, PATH2: 11,
} as const;

/** enum bt_flag */
export const F = { THREAD: 1, TRUNCATED: 2, NO_ENV: 4, ENV: 8, READ_FAULT: 16, CWD_INCOMPLETE: 32 } as const;

/** enum bt_cfg_flag */
export const CFG = { ENV: 1, FILES: 2 } as const;

/** enum bt_lost_reason, by index into bt_stats.lost */
export const LOST_REASONS = ['ringbuf', 'pair_map', 'read', 'truncated'] as const;

/** enum bt_op, by value */
export const OP_NAMES: Record<number, string> = {
  1: 'open', 2: 'openat', 3: 'openat2', 4: 'creat', 5: 'close', 6: 'close_range', 7: 'dup', 8: 'dup2',
  9: 'dup3', 10: 'fcntl_dupfd', 11: 'fcntl_dupfd_cloexec', 12: 'fcntl_setfd', 13: 'pipe', 14: 'pipe2',
  15: 'chdir', 16: 'fchdir', 17: 'unlink', 18: 'unlinkat', 19: 'mkdir', 20: 'mkdirat', 21: 'rmdir',
  22: 'rename', 23: 'renameat', 24: 'renameat2', 25: 'link', 26: 'linkat', 27: 'symlink', 28: 'symlinkat',
  29: 'execve', 30: 'execveat',
};
