/* SPDX-License-Identifier: MIT */
/* Syscall enter/exit pairing: the enter tracepoint stores the arguments in a
 * tid-keyed map; the exit tracepoint takes them out (always deleting the
 * entry) and hands them, with the result, to the handler. User strings are
 * read at exit, when the kernel has faulted them in. */
#ifndef BT_SYSCALL_BPF_H
#define BT_SYSCALL_BPF_H

#include "common.bpf.h"

static __always_inline int bt_enter(struct trace_event_raw_sys_enter *ctx, __u32 op, int nargs, bool file_op)
{
	struct bt_pending p = {};
	__u32 tid;

	if (file_op && !(bt_cfg.flags & BT_CFG_FILES))
		return 0;
	if (!bt_traced())
		return 0;
	p.op = op;
	/* Read only the arguments this syscall has: the tracepoint's record is
	 * no larger, and reading past it makes the attach fail. */
	if (nargs > 0) p.args[0] = ctx->args[0];
	if (nargs > 1) p.args[1] = ctx->args[1];
	if (nargs > 2) p.args[2] = ctx->args[2];
	if (nargs > 3) p.args[3] = ctx->args[3];
	if (nargs > 4) p.args[4] = ctx->args[4];
	tid = (__u32)bpf_get_current_pid_tgid();
	if (bpf_map_update_elem(&bt_pending, &tid, &p, BPF_ANY))
		bt_count_lost(BT_LOST_PAIR_MAP);
	return 0;
}

/* Takes the pending entry of the current thread into *out; false if none. */
static __always_inline bool bt_take(struct bt_pending *out)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct bt_pending *p = bpf_map_lookup_elem(&bt_pending, &tid);

	if (!p)
		return false;
	__builtin_memcpy(out, p, sizeof(*out));
	bpf_map_delete_elem(&bt_pending, &tid);
	return true;
}

#define BT_SYSCALL(name, opcode, nargs, file_op, handler)                         \
	SEC("tp/syscalls/sys_enter_" #name)                                       \
	int bt_enter_##name(struct trace_event_raw_sys_enter *ctx)                \
	{                                                                         \
		return bt_enter(ctx, opcode, nargs, file_op);                     \
	}                                                                         \
	SEC("tp/syscalls/sys_exit_" #name)                                        \
	int bt_exit_##name(struct trace_event_raw_sys_exit *ctx)                  \
	{                                                                         \
		struct bt_pending p;                                              \
		if (bt_take(&p))                                                  \
			handler(ctx->ret, &p);                                    \
		return 0;                                                         \
	}

#endif
