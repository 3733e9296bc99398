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
