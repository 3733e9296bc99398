/* SPDX-License-Identifier: MIT */
/* Shared state and helpers of the bt BPF programs.
 * Maps and globals are defined once in state.bpf.c and declared extern here;
 * `bpftool gen object` links the per-concern objects into build/bt.bpf.o. */
#ifndef BT_COMMON_BPF_H
#define BT_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "bt_records.h"

#define AT_FDCWD -100

/* Hides a value from the compiler so that the bounds check that follows is
 * kept as written and the verifier sees it. */
#define bt_barrier_var(v) asm volatile("" : "+r"(v))

/* Record buffer: records are built here, then copied into the ring with
 * bpf_ringbuf_output at their exact size (reserve needs a constant size). */
struct bt_scratch {
	__u8 buf[BT_SCRATCH];
};

/* A syscall's arguments (from its saved registers); task-local storage
 * keeps an execveat's from before the exec to sched_process_exec. */
struct bt_pending {
	__u64 args[6];
	__u32 op;
	__u32 _pad;
};

typedef struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024 * 1024); /* resized by userspace before load */
} bt_ringbuf_t;

typedef struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bt_scratch);
} bt_scratch_t;

/* Per thread (task-local storage: no hash, no lock, freed with the task);
 * op == 0: no syscall pending. */
typedef struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct bt_pending);
} bt_pending_t;

/* The caller's argv[0] of an exec in flight, read at sched_prepare_exec (or
 * sys_enter): an interpreter exec replaces it, and the old image is gone at
 * sched_process_exec. */
struct bt_argv0 {
	char s[BT_NAME_MAX];
};

/* Written only for scripts' execs where sched_prepare_exec tells (for every
 * exec with the sys_enter stand-in): not preallocated, which would cost
 * every start-up a megabyte of elements. */
typedef struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 4096);
	__type(key, __u32); /* tid */
	__type(value, struct bt_argv0);
} bt_argv0_t;

/* Identical lookups by one thread, counted instead of sent again
 * (repeats.bpf.h): a direct-mapped table in the thread's own storage. */
struct bt_rep_table {
	__u64 groups; /* bit g: slots g * BT_REP_GROUP ... may hold counts */
	__u64 slot[BT_REP_SLOTS];
};

typedef struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct bt_rep_table);
} bt_reps_t;

/* Directory listings in progress, by process image and fd: after an exec
 * (close-on-exec closes fds without a close call) the same fd is another file. */
struct bt_dir_key {
	__u64 start_time;
	__u64 exec_id;
	__u32 pid;
	__s32 fd;
};

struct bt_dir_val {
	__u32 entries;
	__u32 calls;
};

typedef struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct bt_dir_key);
	__type(value, struct bt_dir_val);
} bt_dirs_t;

/* Per process, in its leader's task-local storage (made when first needed,
 * freed with the leader's task):
 * - listings: how many of its listings are in bt_dirs. A close looks there
 *   only when some are: most processes never list a directory, and most
 *   listings reach their end.
 * - exit_sent: its exit was reported. When several threads of a process die
 *   together, more than one can see signal->live == 0 at sched_process_exit;
 *   the one that sets it reports the exit. (A pid reused by a new process
 *   is another leader, with storage of its own.) */
struct bt_proc_state {
	__s32 listings;
	__u32 exit_sent;
};

typedef struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct bt_proc_state);
} bt_procs_t;

/* State of a dentry walk (path.bpf.h). In a per-CPU map, not on the
 * caller's stack: the verifier then sees plain scalars in the bpf_loop
 * callback and checks it once, not once per distinct stack state (tens of
 * thousands of instructions at every load, i.e. at every bt start-up). */
struct bt_dwalk {
	struct dentry *d;
	struct mount *mnt;
	struct dentry *root_d;
	struct vfsmount *root_mnt;
	__u64 base;  /* where the output starts in the scratch buffer */
	__u64 off;   /* bytes stored so far */
	__u16 flags;
	__u8 done;
};

typedef struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bt_dwalk);
} bt_dwalks_t;

extern bt_dwalks_t bt_dwalks SEC(".maps");
extern bt_ringbuf_t bt_events SEC(".maps");
extern bt_reps_t bt_reps SEC(".maps");
extern bt_dirs_t bt_dirs SEC(".maps");
extern bt_procs_t bt_procs SEC(".maps");
extern bt_argv0_t bt_argv0 SEC(".maps");
extern bt_scratch_t bt_scratch SEC(".maps");
extern bt_pending_t bt_pending SEC(".maps");

/* state.bpf.c: returns op, unknown to the verifier (see there) */
extern __u32 bt_some_op(__u32 op);

extern volatile struct bt_config bt_cfg;
extern struct bt_stats bt_stats;

static __always_inline void bt_count_lost(__u32 reason)
{
	if (reason < BT_LOST_MAX)
		__sync_fetch_and_add(&bt_stats.lost[reason], 1);
}

/* True when the current task belongs to the traced cgroup or one below it. */
static __always_inline bool bt_traced(void)
{
	__u64 want = bt_cfg.cgroup_id;

	if (!want)
		return false;
	return bpf_get_current_ancestor_cgroup_id(bt_cfg.cgroup_level) == want;
}

/* Task storage of `task` in `map`, made when missing. Two threads can make
 * the same task's storage at the same moment (threads dying together all
 * seeing their process end, first listings of two threads, a leader's own
 * storage made while another thread makes the process's): the kernel lets
 * one of them publish it and refuses the others (bpf_local_storage_alloc's
 * cmpxchg: -EAGAIN; under the storage's lock: -EEXIST), which then find it
 * with a plain lookup. NULL only when it could not be made at all. */
#define bt_storage_make(map, task)                                                          \
	({                                                                                 \
		void *__v = bpf_task_storage_get(map, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE); \
		if (!__v)                                                                  \
			__v = bpf_task_storage_get(map, task, 0, 0);                       \
		__v;                                                                       \
	})

/* The current process: its state (struct bt_proc_state, in its leader's
 * task storage) and its start time, through one global function
 * (state.bpf.c) that walks t->group_leader once. The verifier checks a
 * global function once, not at every place it is inlined, and at every
 * walk of a kernel pointer it checks it looks for vmlinux types named after
 * the walked struct ("task_struct__safe_trusted"...), by a linear search
 * of all of them (127k on 6.18): walked at each call site, the leader made
 * a fifth of bt's load time (~7 ms). */
enum bt_proc_op {
	BT_PROC_START_TIME,   /* the process's start time */
	BT_PROC_LISTINGS,     /* its listings in progress (0 without state) */
	BT_PROC_LISTINGS_ADD, /* adds arg to them (making the state when arg >= 0): 0, or -1 without state */
	BT_PROC_CLAIM_EXIT,   /* 1: the caller is the first to report its exit; 0: another thread did; -1: no memory */
};

__s64 bt_proc(enum bt_proc_op op, int arg);

/* The process's start time: with the pid, it names one process (pids are reused). */
static __always_inline __u64 bt_start_time(void)
{
	return bt_proc(BT_PROC_START_TIME, 0);
}

static __always_inline int bt_proc_listings(void)
{
	return bt_proc(BT_PROC_LISTINGS, 0);
}

static __always_inline int bt_proc_listings_add(int delta)
{
	return bt_proc(BT_PROC_LISTINGS_ADD, delta);
}

static __always_inline struct bt_scratch *bt_buf(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&bt_scratch, &zero);
}

/* The header without its time: for a record that may not be sent at all
 * (a counted repeat), whose time is taken only when it is (reading the
 * clock is a tenth of such a record's cost). */
static __always_inline void bt_fill_hdr_untimed(struct bt_hdr *h, __u16 type)
{
	__u64 id = bpf_get_current_pid_tgid();

	h->type = type;
	h->flags = 0;
	h->size = 0;
	h->ts = 0;
	h->pid = id >> 32;
	h->tid = (__u32)id;
}

static __always_inline void bt_fill_hdr(struct bt_hdr *h, __u16 type)
{
	bt_fill_hdr_untimed(h, type);
	h->ts = bpf_ktime_get_boot_ns();
}

/* Copy `size` bytes of the record at `rec` into the ring buffer. No wake-up:
 * userspace drains the ring on its own schedule (batched), so a busy build
 * never pays for a wake-up per event. */
static __always_inline void bt_emit(void *rec, __u64 size)
{
	struct bt_hdr *h = rec;

	if (size > BT_SCRATCH)
		size = BT_SCRATCH;
	if (size < sizeof(struct bt_hdr))
		return;
	h->size = size;
	if (bpf_ringbuf_output(&bt_events, rec, size, BPF_RB_NO_WAKEUP))
		bt_count_lost(BT_LOST_RINGBUF);
}

/* Read a user string into buf at offset `off` (bounded), return bytes stored
 * including the NUL (0 when absent or unreadable). Sets flags on problems. */
static __always_inline __u16 bt_read_ustr(__u8 *buf, __u32 off, const void *uptr, __u16 *flags)
{
	long n;

	if (!uptr)
		return 0;
	off &= (BT_SCRATCH - 1);
	if (off > BT_SCRATCH - BT_PATH_MAX)
		return 0;
	n = bpf_probe_read_user_str(buf + off, BT_PATH_MAX, uptr);
	if (n < 0) {
		*flags |= BT_F_READ_FAULT;
		bt_count_lost(BT_LOST_READ);
		return 0;
	}
	if (n == BT_PATH_MAX) {
		/* 4095 characters and their NUL fill it exactly: cut short only
		 * if the string goes on (one more read, for such paths alone) */
		char next = 1;

		if (bpf_probe_read_user(&next, 1, uptr + BT_PATH_MAX - 1) || next) {
			*flags |= BT_F_TRUNCATED;
			bt_count_lost(BT_LOST_TRUNCATED);
		}
	}
	return n;
}

/* bt_op_of() and the arguments of a pending syscall by role (generated). */
#include <asm/unistd_64.h>
#include "bt_ops_bpf.h"

#endif
