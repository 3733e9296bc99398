/* SPDX-License-Identifier: MIT */
/*
 * bt_records.h — THE contract between the BPF programs and the TypeScript
 * decoder (src/capture/layout.ts). Nothing else crosses the ring buffer.
 *
 * Rules:
 *  - every record starts with struct bt_hdr;
 *  - fields are fixed width, padding is explicit, every struct is 8-aligned;
 *  - record type numbers and op numbers are never reused: add, don't change;
 *  - test/capture/layout.test.ts checks the TypeScript offsets against the
 *    BTF of the compiled object.
 *
 * Strings follow the fixed part, in the order of their *_len fields; each
 * length counts the bytes stored, including the terminating NUL (0 = absent).
 */
#ifndef BT_RECORDS_H
#define BT_RECORDS_H

/* Record types (bt_hdr.type). */
enum bt_type {
	BT_T_FORK = 1,
	BT_T_EXEC = 2,
	BT_T_EXEC_DATA = 3, /* argv / env bytes of the preceding EXEC of this tid */
	BT_T_EXIT = 4,
	BT_T_OPEN = 5,
	BT_T_CLOSE = 6,
	BT_T_DUP = 7,
	BT_T_PIPE = 8,
	BT_T_CHDIR = 9,
	BT_T_PATH = 10,  /* one-path namespace ops: unlink, mkdir, rmdir */
	BT_T_PATH2 = 11, /* two-path namespace ops: rename, link, symlink */
};

/* Syscall identities (op fields). */
enum bt_op {
	BT_OP_OPEN = 1,
	BT_OP_OPENAT = 2,
	BT_OP_OPENAT2 = 3,
	BT_OP_CREAT = 4,
	BT_OP_CLOSE = 5,
	BT_OP_CLOSE_RANGE = 6,
	BT_OP_DUP = 7,
	BT_OP_DUP2 = 8,
	BT_OP_DUP3 = 9,
	BT_OP_FCNTL_DUPFD = 10,
	BT_OP_FCNTL_DUPFD_CLOEXEC = 11,
	BT_OP_FCNTL_SETFD = 12,
	BT_OP_PIPE = 13,
	BT_OP_PIPE2 = 14,
	BT_OP_CHDIR = 15,
	BT_OP_FCHDIR = 16,
	BT_OP_UNLINK = 17,
	BT_OP_UNLINKAT = 18,
	BT_OP_MKDIR = 19,
	BT_OP_MKDIRAT = 20,
	BT_OP_RMDIR = 21,
	BT_OP_RENAME = 22,
	BT_OP_RENAMEAT = 23,
	BT_OP_RENAMEAT2 = 24,
	BT_OP_LINK = 25,
	BT_OP_LINKAT = 26,
	BT_OP_SYMLINK = 27,
	BT_OP_SYMLINKAT = 28,
	BT_OP_EXECVE = 29,
	BT_OP_EXECVEAT = 30,
};

/* bt_hdr.flags */
enum bt_flag {
	BT_F_THREAD = 1 << 0,     /* FORK: the child is a thread of the parent */
	BT_F_TRUNCATED = 1 << 1,  /* a string or block was cut short */
	BT_F_NO_ENV = 1 << 2,     /* EXEC: environment not recorded */
	BT_F_ENV = 1 << 3,        /* EXEC_DATA: these bytes belong to env, not argv */
	BT_F_READ_FAULT = 1 << 4, /* a user string could not be read */
	BT_F_CWD_INCOMPLETE = 1 << 5, /* EXEC, CHDIR: the cwd walk did not reach the root: cwd is its leaf side only */
};

/* Reasons events were lost or damaged (index into bt_stats.lost). */
enum bt_lost_reason {
	BT_LOST_RINGBUF = 0,   /* ring buffer full: record dropped */
	BT_LOST_PAIR_MAP = 1,  /* syscall enter/exit pairing map full */
	BT_LOST_READ = 2,      /* a user string could not be read */
	BT_LOST_TRUNCATED = 3, /* a string or path was truncated */
	BT_LOST_MAX = 8,
};

struct bt_hdr {
	__u16 type;
	__u16 flags;
	__u32 size; /* whole record, header included */
	__u64 ts;   /* bpf_ktime_get_boot_ns() */
	__u32 pid;  /* tgid of the task that caused the event */
	__u32 tid;
};

struct bt_fork {
	struct bt_hdr h;
	__u32 child_pid;
	__u32 child_tid;
	__u32 ppid; /* the child's parent process (differs from h.pid with CLONE_PARENT) */
	__u32 _pad;
};

/* Successful exec (sched_process_exec) or failed one (sys_exit_execve*).
 * Followed by EXEC_DATA records carrying argv_len bytes of argv, then
 * env_len bytes of environment (NUL-separated strings). */
struct bt_exec {
	struct bt_hdr h;
	__s32 ret;       /* 0, or -errno for a failed exec */
	__u32 old_tid;   /* tid that called exec (a non-leader thread becomes the leader) */
	__u32 argv_len;  /* bytes of argv that follow in EXEC_DATA records */
	__u32 env_len;   /* bytes of env that follow in EXEC_DATA records */
	__u32 uid;
	__u32 gid;
	__s32 dirfd;     /* execveat's dirfd, AT_FDCWD otherwise */
	__u16 op;        /* BT_OP_EXECVE or BT_OP_EXECVEAT */
	__u16 filename_len;
	__u16 interp_len; /* 0 unless a #! or binfmt_misc interpreter ran */
	__u16 cwd_len;    /* cwd as NUL-separated components, leaf first */
	__u16 argv0_len;  /* with an interpreter: the caller's argv[0], which the kernel replaced */
	__u16 _pad;
	/* char filename[filename_len], interp[interp_len], cwd[cwd_len], argv0[argv0_len] */
};

struct bt_exec_data {
	struct bt_hdr h; /* BT_F_ENV set for environment bytes */
	__u32 offset;    /* byte offset within the argv (or env) block */
	__u32 len;
	/* __u8 data[len] */
};

struct bt_exit {
	struct bt_hdr h;   /* tid: the last thread of the process */
	__u32 status;      /* wait(2) status: code << 8 | signal (| 0x80 core) */
	__u32 _pad;
};

struct bt_open {
	struct bt_hdr h;
	__s32 ret;   /* fd, or -errno */
	__s32 dirfd; /* AT_FDCWD (-100) for open/creat */
	__u32 flags; /* open(2) flags */
	__u32 mode;
	__u64 resolve; /* openat2 RESOLVE_* flags */
	__u16 op;
	__u16 path_len;
	__u32 _pad;
	/* char path[path_len] */
};

struct bt_close {
	struct bt_hdr h;
	__s32 ret;
	__u32 fd;
	__u32 last;  /* close_range: last fd (== fd for close) */
	__u32 cr_flags;
	__u16 op;
	__u16 _pad[3];
};

struct bt_dup {
	struct bt_hdr h;
	__s32 ret;    /* new fd (F_SETFD: 0), or -errno */
	__s32 oldfd;
	__s32 newfd;  /* dup2/dup3 target, F_DUPFD minimum, F_SETFD argument */
	__u32 flags;  /* dup3 flags (O_CLOEXEC) */
	__u16 op;
	__u16 _pad[3];
};

struct bt_pipe {
	struct bt_hdr h;
	__s32 ret;
	__s32 fd0; /* read end */
	__s32 fd1; /* write end */
	__u32 flags;
	__u16 op;
	__u16 _pad[3];
};

struct bt_chdir {
	struct bt_hdr h;
	__s32 ret;
	__s32 fd;   /* fchdir's fd; AT_FDCWD for chdir */
	__u16 op;
	__u16 path_len; /* chdir's argument as passed */
	__u16 cwd_len;  /* new cwd after success: NUL-separated components, leaf first */
	__u16 _pad;
	/* char path[path_len], cwd[cwd_len] */
};

struct bt_path {
	struct bt_hdr h;
	__s32 ret;
	__s32 dirfd;
	__u32 flags; /* unlinkat flags (AT_REMOVEDIR) */
	__u32 mode;  /* mkdir mode */
	__u16 op;
	__u16 path_len;
	__u32 _pad;
	/* char path[path_len] */
};

struct bt_path2 {
	struct bt_hdr h;
	__s32 ret;
	__s32 olddirfd;
	__s32 newdirfd;
	__u32 flags; /* renameat2 / linkat flags */
	__u16 op;
	__u16 old_len; /* symlink: the link's target text */
	__u16 new_len;
	__u16 _pad;
	/* char old[old_len], new[new_len] */
};

/* Configuration: .rodata, set by userspace before load.
 * A zeroed configuration traces nothing (cgroup_id 0 never matches). */
enum bt_cfg_flag {
	BT_CFG_ENV = 1 << 0,   /* record environments */
	BT_CFG_FILES = 1 << 1, /* record file syscalls */
};

struct bt_config {
	__u64 cgroup_id;    /* trace tasks in this cgroup v2 and below */
	__u32 cgroup_level; /* its level in the hierarchy (root = 0) */
	__u32 flags;        /* enum bt_cfg_flag */
};

/* Counters: .bss, read by userspace through the mmapped map. */
struct bt_stats {
	__u64 lost[BT_LOST_MAX];
};

#define BT_CHUNK 16384      /* EXEC_DATA payload per record */
#define BT_PATH_MAX 4096
#define BT_NAME_MAX 256
#define BT_SCRATCH 32768    /* per-CPU record buffer */
#define BT_MAX_ARG_BYTES (2 * 1024 * 1024 + 256 * 1024) /* beyond ARG_MAX */

#endif
