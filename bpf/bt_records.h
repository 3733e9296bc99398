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
	BT_T_LOOKUP = 12,  /* stat, access, readlink families */
	BT_T_READDIR = 13, /* getdents64: one per listed directory */
	BT_T_META = 14,    /* chmod, chown, truncate, utime families */
	BT_T_REPEATS = 15, /* the count of a repeated lookup (its lookup's reader applies it) */
	/* Types from 0x8000 on are never sent: the capture writes them into the
	 * log's ring batches (src/log/ring/layout.ts, UT). */
};

/* Syscall identities (op fields): enum bt_op, generated from the op table
 * (src/ops/table.ts) into build/bt_ops.h. */
#include "bt_ops.h"

/* bt_hdr.flags */
enum bt_flag {
	BT_F_THREAD = 1 << 0,     /* FORK: the child is a thread of the parent */
	BT_F_TRUNCATED = 1 << 1,  /* a string or block was cut short */
	BT_F_NO_ENV = 1 << 2,     /* EXEC: environment not recorded */
	BT_F_ENV = 1 << 3,        /* EXEC_DATA: these bytes belong to env, not argv */
	BT_F_READ_FAULT = 1 << 4, /* a user string could not be read */
	BT_F_CWD_INCOMPLETE = 1 << 5, /* EXEC, CHDIR: the cwd walk did not reach the root: cwd is its leaf side only */
	BT_F_REPEAT = 1 << 6,     /* LOOKUP: the first repetition of an identical lookup by
				   * this thread; later ones are counted, and a BT_T_REPEATS
				   * record brings the count */
	BT_F_TIMES_NULL = 1 << 7, /* META (utime family): times pointer was NULL (now) */
	BT_F_PARTIAL = 1 << 8,    /* READDIR: the fd was closed before the listing's end */
};

/* Reasons events were lost or damaged (index into bt_stats.lost). */
enum bt_lost_reason {
	BT_LOST_RINGBUF = 0,   /* ring buffer full: record dropped */
	/* Task storage could not be made (the kernel had no memory for it, or
	 * refused it while another program on the CPU held task storage); the
	 * three uses count apart, since what each loses differs. Two threads
	 * making the same storage at once is no loss: the kernel refuses one of
	 * them (-EAGAIN, -EEXIST), which then finds the other's. Earlier bts
	 * counted all three, and that race, as BT_LOST_PAIR_MAP: an older
	 * log's pair_map can be any of them. */
	BT_LOST_PAIR_MAP = 1,  /* an execveat's arguments, kept for sched_process_exec: the exec is recorded as an execve (dirfd AT_FDCWD) */
	BT_LOST_READ = 2,      /* a user string could not be read */
	BT_LOST_TRUNCATED = 3, /* a string or path was truncated */
	BT_LOST_UNKNOWN_OP = 4, /* a syscall paired with no table row (never happens unless the table is broken) */
	BT_LOST_EXIT_FLAG = 5, /* a dying thread that saw its process end could not tell whether another one had reported the exit: it reported nothing (lost only if no other thread did) */
	BT_LOST_LISTING = 6,   /* a getdents64 of a listing not kept: the listing's record counts fewer calls and entries */
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
	__u16 umask;      /* BT_EXEC_UMASK_KNOWN | the task's umask (fs->umask) as the new program starts; 0: not known (a failed exec) */
	/* char filename[filename_len], interp[interp_len], cwd[cwd_len], argv0[argv0_len] */
};

/* bt_exec.umask: the bit that says it holds a umask (umask 0 is one). */
enum bt_exec_const {
	BT_EXEC_UMASK_KNOWN = 32768,
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
	/* a successful open: the file as it was opened (its inode's
	 * modification time and size; 0 on failure); what tells one version of
	 * a source from another when nothing stat'ed it (a compiler opens
	 * headers without a stat) */
	__u32 mtime_nsec;
	__s64 mtime_sec;
	__u64 size;
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

/* Lookups (stat, lstat, newfstatat, statx, access, faccessat, faccessat2,
 * readlink, readlinkat). A successful stat carries the file type and mtime
 * from the kernel's result; a successful readlink, the link text. */
struct bt_lookup {
	struct bt_hdr h;   /* BT_F_REPEAT: see enum bt_flag */
	__s32 ret;
	__s32 dirfd;       /* AT_FDCWD without one */
	__u32 flags;       /* AT_* flags (statx: its flags) */
	__u32 mode;        /* access(2) mode; statx: mask */
	__s64 mtime_sec;   /* successful stat: st_mtime */
	__u32 mtime_nsec;
	__u32 ftype;       /* successful stat: st_mode >> 12 (S_IFMT), 0 otherwise */
	__u64 _reserved;   /* 0 (was the process start time of the old repeat key) */
	__u64 key_hash;    /* repeat key: hash of op, dirfd, path, result, ftype, mtime, target */
	__u16 op;
	__u16 path_len;
	__u16 target_len;  /* readlink: the link text */
	__u16 _pad;
	/* char path[path_len], target[target_len] */
};

/* Repeated lookups are counted in the thread's table (repeats.bpf.h): a
 * slot is one 64-bit word, the top bits of key_hash (the tag) above a
 * count of BT_REP_COUNT_BITS bits. */
enum bt_repeat_const {
	BT_REP_COUNT_BITS = 20,
	/* per thread, two-way: the tag modulo the count, or the slot paired
	 * with that one (repeats.bpf.h). Small, since
	 * every thread's table is allocated at its first lookup, and the
	 * kernel's BPF allocator refills its caches of large objects one at a
	 * time: creating a table took 5.9 us with 496 slots, 3.1 us with 240
	 * and 1.6 us with 120 (24: 1.8 us), while a configure's 119,294
	 * lookups took 44,677, 55,068 and 56,315 records */
	BT_REP_SLOTS = 120,
	BT_REP_GROUP = 8,   /* slots per bit of the table's map of slots that may hold counts */
};

/* The count of a repeated lookup: how many lookups the BT_F_REPEAT record
 * of the same thread with key_hash >> BT_REP_COUNT_BITS == key_tag stands
 * for, itself included. Sent when the thread's slot is taken by another
 * lookup, when the thread exits, and by the periodic sweep (bt_sweep).
 * The sweep's record can come before the REPEAT record it counts. */
struct bt_repeats {
	struct bt_hdr h;   /* pid, tid: the thread that made the lookups */
	__u64 key_tag;
	__u32 count;
	__u32 _pad;
};

/* Directory listing: one record per listed directory (fd), when
 * getdents64 reached the end (ret 0), failed, or the fd was closed. */
struct bt_readdir {
	struct bt_hdr h;
	__s32 ret;      /* the last getdents64's result: 0 at the end, or -errno */
	__s32 fd;
	__u32 entries;  /* directory entries returned in all */
	__u32 calls;    /* getdents64 calls */
};

/* Metadata changes: chmod, chown, truncate, utime families. The fd forms
 * (fchmod, fchown, ftruncate) carry the fd as dirfd and no path. */
struct bt_meta {
	struct bt_hdr h;  /* BT_F_TIMES_NULL: utime family with NULL times */
	__s32 ret;
	__s32 dirfd;
	__u32 flags;
	__u32 mode;
	__u32 uid;
	__u32 gid;
	__s64 size;       /* truncate length */
	__s64 atime_sec;  /* utime family: requested times; nsec may be UTIME_NOW / UTIME_OMIT */
	__s64 mtime_sec;
	__u32 atime_nsec;
	__u32 mtime_nsec;
	__u16 op;
	__u16 path_len;
	__u32 _pad;
	/* char path[path_len] */
};

/* Configuration: the .data.cfg map, written by userspace after load, once
 * its launcher is ready (the programs may be attached already: bt's
 * executable attaches them at load), by bt (src/capture/bpf.ts) or, for a
 * build bt's executable starts itself, by it (native/bt-start.c). A zeroed configuration traces nothing
 * (cgroup_id 0 never matches); cgroup_id is written last. */
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
