/* SPDX-License-Identifier: MIT */
/*
 * File and exec syscalls, through the two raw syscall tracepoints. One
 * program pair instead of one per syscall: attaching and, above all,
 * detaching ~60 perf-event tracepoints costs an RCU grace period each
 * (seconds in all), two raw tracepoint links cost nothing measurable.
 *
 * Pairing: sys_enter stores the arguments of a traced syscall of a traced
 * task in a tid-keyed map; sys_exit takes them out (always deleting the
 * entry) and calls the handler with the result. User strings are read at
 * exit, when the kernel has faulted them in. Syscall numbers come from the
 * architecture's asm/unistd_64.h; 32-bit compat syscalls are not traced.
 */
#include "common.bpf.h"
#include "exec.bpf.h"
#include "fd_ops.bpf.h"
#include "ns_ops.bpf.h"
#include "meta_ops.bpf.h"

static __always_inline bool bt_is_32bit_task(void)
{
#ifdef __TARGET_ARCH_x86
	struct task_struct *t = bpf_get_current_task_btf();
	/* TS_COMPAT: the current syscall came through the 32-bit entry. */
	return t->thread_info.status & 0x0002;
#else
	return false;
#endif
}

static __always_inline void bt_save_argv0(__u32 tid, const char *const *argv)
{
	struct bt_scratch *s = bt_buf();
	const char *arg0 = NULL;

	if (!s || !argv || bpf_probe_read_user(&arg0, sizeof(arg0), argv) || !arg0)
		return;
	if (bpf_probe_read_user_str(s->buf, BT_NAME_MAX, arg0) <= 0)
		return;
	bpf_map_update_elem(&bt_argv0, &tid, s->buf, BPF_ANY);
}

/* Exec's exit: a failed exec is recorded here, a successful one at sched_process_exec. */
static __always_inline void bt_on_exec(long ret, struct bt_pending *p)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&bt_argv0, &tid);
	bt_on_exec_exit(ret, p);
}

#include "bt_dispatch.h"

SEC("tp_btf/sys_enter")
int BPF_PROG(bt_sys_enter, struct pt_regs *regs, long id)
{
	struct bt_pending p = {}, *slot;
	__u32 op = bt_op_of(id), tid;

	if (!op)
		return 0;
	if (op != BT_OP_EXECVE && op != BT_OP_EXECVEAT && !(bt_cfg.flags & BT_CFG_FILES))
		return 0;
	if (!bt_traced() || bt_is_32bit_task())
		return 0;
	/* regs is a BTF pointer here: plain (CO-RE relocated) loads, no helper calls. */
	p.args[0] = PT_REGS_PARM1_SYSCALL(regs);
	p.args[1] = PT_REGS_PARM2_SYSCALL(regs);
	p.args[2] = PT_REGS_PARM3_SYSCALL(regs);
	p.args[3] = PT_REGS_PARM4_SYSCALL(regs);
	p.args[4] = PT_REGS_PARM5_SYSCALL(regs);
	if (op == BT_OP_FCNTL_DUPFD) {
		/* only the fcntl commands that change the fd table */
		if (p.args[1] == BT_F_DUPFD_CLOEXEC)
			op = BT_OP_FCNTL_DUPFD_CLOEXEC;
		else if (p.args[1] == BT_F_SETFD)
			op = BT_OP_FCNTL_SETFD;
		else if (p.args[1] != BT_F_DUPFD)
			return 0;
	}
	p.op = op;
	tid = (__u32)bpf_get_current_pid_tgid();
	slot = bpf_task_storage_get(&bt_pending, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (slot)
		__builtin_memcpy(slot, &p, sizeof(p));
	else
		bt_count_lost(BT_LOST_PAIR_MAP);
	if (op == BT_OP_EXECVE || op == BT_OP_EXECVEAT)
		bt_save_argv0(tid, (const char *const *)p.args[op == BT_OP_EXECVE ? 1 : 2]);
	return 0;
}

/* The syscall number at sys_exit (a plain load through the BTF pointer:
 * this runs at the end of every syscall on the machine). */
static __always_inline long bt_syscall_nr(struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_x86)
	return regs->orig_ax;
#elif defined(__TARGET_ARCH_arm64)
	return regs->syscallno;
#else
#error "bt: unsupported architecture"
#endif
}

SEC("tp_btf/sys_exit")
int BPF_PROG(bt_sys_exit, struct pt_regs *regs, long ret)
{
	struct bt_pending p;
	struct bt_pending *found;

	/* Cheap filter first: this runs at the end of every syscall. */
	if (!bt_op_of(bt_syscall_nr(regs)))
		return 0;
	found = bpf_task_storage_get(&bt_pending, bpf_get_current_task_btf(), 0, 0);
	if (!found || !found->op)
		return 0;
	__builtin_memcpy(&p, found, sizeof(p));
	found->op = 0;

	bt_dispatch(ret, &p);
	return 0;
}
