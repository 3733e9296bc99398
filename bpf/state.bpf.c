/* SPDX-License-Identifier: MIT */
/* The one definition of every map and global shared by the bt programs. */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

bt_ringbuf_t bt_events SEC(".maps");
bt_scratch_t bt_scratch SEC(".maps");
bt_pending_t bt_pending SEC(".maps");

/* Zeroed configuration traces nothing; userspace fills it before load. */
const volatile struct bt_config bt_cfg = {};
struct bt_stats bt_stats = {};
