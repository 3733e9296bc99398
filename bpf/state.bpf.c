/* SPDX-License-Identifier: MIT */
/* The one definition of every map and global shared by the bt programs. */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

bt_ringbuf_t bt_events SEC(".maps");
bt_scratch_t bt_scratch SEC(".maps");
bt_pending_t bt_pending SEC(".maps");
bt_argv0_t bt_argv0 SEC(".maps");
bt_reps_t bt_reps SEC(".maps");
bt_dirs_t bt_dirs SEC(".maps");
bt_procs_t bt_procs SEC(".maps");
bt_dwalks_t bt_dwalks SEC(".maps");

/* Zeroed configuration traces nothing; userspace writes it after load, before
 * attach (the programs load while bt starts, before its options are known).
 * In a section of its own: one map, exactly struct bt_config. */
volatile struct bt_config bt_cfg SEC(".data.cfg") = {};
struct bt_stats bt_stats = {};

/* Anchors every record type in the object's BTF (locals and casts alone do
 * not), so that the layout test can check the TypeScript decoder against it.
 * In a section of its own: .bss stays exactly struct bt_stats. */
union bt_record_types {
	struct bt_hdr hdr;
	struct bt_fork fork;
	struct bt_exec exec;
	struct bt_exec_data exec_data;
	struct bt_exit exit;
	struct bt_open open;
	struct bt_close close;
	struct bt_dup dup;
	struct bt_pipe pipe;
	struct bt_chdir chdir;
	struct bt_path path;
	struct bt_path2 path2;
	struct bt_lookup lookup;
	struct bt_repeats repeats;
	struct bt_readdir readdir;
	struct bt_meta meta;
};
union bt_record_types *bt_record_types SEC(".data.layout") __attribute__((used));

/* The current process's state and start time (common.bpf.h says why this
 * is a global function). */
__noinline __s64 bt_proc(enum bt_proc_op op, int arg)
{
	struct task_struct *leader = bpf_get_current_task_btf()->group_leader;
	struct bt_proc_state *st;

	if (op == BT_PROC_START_TIME)
		return leader->start_time;
	if (op == BT_PROC_CLAIM_EXIT || (op == BT_PROC_LISTINGS_ADD && arg >= 0))
		st = bt_storage_make(&bt_procs, leader);
	else
		st = bpf_task_storage_get(&bt_procs, leader, 0, 0);
	if (op == BT_PROC_LISTINGS)
		return st ? st->listings : 0;
	if (!st)
		return -1;
	if (op == BT_PROC_CLAIM_EXIT)
		return __sync_val_compare_and_swap(&st->exit_sent, 0, 1) == 0;
	__sync_fetch_and_add(&st->listings, arg);
	return 0;
}

/* The op as the verifier sees it: some op. bt_op_of returns a constant on
 * each of its ~55 paths, and the verifier would follow the rest of
 * bt_sys_exit once per op: its branches on the op are decided by that
 * constant, which keeps the paths apart (most of the load's verification).
 * A global function's result is unknown to its caller; defined here, in
 * another object than its caller, so that clang cannot see that it returns
 * its argument and use the argument instead. */
__noinline __u32 bt_some_op(__u32 op)
{
	return op;
}
