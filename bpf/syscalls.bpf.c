/* SPDX-License-Identifier: MIT */
/*
 * File and exec syscalls, through the raw syscall exit tracepoint. One
 * program instead of one per syscall: attaching and, above all, detaching
 * ~60 perf-event tracepoints costs an RCU grace period each (seconds in
 * all; ~75 ms each on 6.18), a raw tracepoint link costs nothing measurable.
 *
 * Everything is handled at sys_exit: the syscall's arguments are still in
 * its saved registers there (the kernel reads them from pt_regs and leaves
 * them; on arm64 the first one is orig_x0, which is what
 * PT_REGS_PARM1_SYSCALL reads), user strings have been faulted in, and the
 * result is known. Only an exec needs something kept from before: its
 * image, argv[0] included, is gone once it succeeds. That is taken at
 * sched_prepare_exec (Linux 6.10 and later), the point of no return (an
 * exec can still fail after it: sys_exit records that), where the caller's
 * image and registers are still there; an older kernel takes
 * it at sys_enter, which costs ~35 ns on every syscall of the machine
 * (capture/bpf.ts loads one of the two). Syscall numbers come from the
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

/* The arguments of syscall `op` from its saved registers (at enter or at
 * exit: they are the same). False: a syscall of no interest after all. */
static __always_inline bool bt_pending_of(struct pt_regs *regs, __u32 op, struct bt_pending *p)
{
	/* regs is a BTF pointer here: plain (CO-RE relocated) loads on x86; on
	 * arm64, libbpf reads orig_x0 with a CO-RE read. */
	p->args[0] = PT_REGS_PARM1_SYSCALL(regs);
	p->args[1] = PT_REGS_PARM2_SYSCALL(regs);
	p->args[2] = PT_REGS_PARM3_SYSCALL(regs);
	p->args[3] = PT_REGS_PARM4_SYSCALL(regs);
	p->args[4] = PT_REGS_PARM5_SYSCALL(regs);
	p->args[5] = 0;
	p->_pad = 0;
	if (op == BT_OP_FCNTL_DUPFD) {
		/* only the fcntl commands that change the fd table */
		if (p->args[1] == BT_F_DUPFD_CLOEXEC)
			op = BT_OP_FCNTL_DUPFD_CLOEXEC;
		else if (p->args[1] == BT_F_SETFD)
			op = BT_OP_FCNTL_SETFD;
		else if (p->args[1] != BT_F_DUPFD)
			return false;
	}
	p->op = op;
	return true;
}

/* The syscall number from its saved registers (a plain load through the
 * BTF pointer: sys_exit runs this at the end of every syscall). */
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

/* An exec is about to replace the image of a traced thread: keep what
 * sched_process_exec can no longer read, in the thread's task-local storage
 * and bt_argv0: execveat's arguments (its dirfd), and a script's argv[0]
 * (the kernel replaces it with the interpreter's). */
static __always_inline void bt_exec_begins(struct pt_regs *regs, __u32 op, bool script)
{
	struct bt_pending p, *slot;

	/* a plain execve of a binary: sched_process_exec reads all it needs */
	if ((op != BT_OP_EXECVEAT && !script) || !bt_traced() || bt_is_32bit_task())
		return;
	bt_pending_of(regs, op, &p);
	if (op == BT_OP_EXECVEAT) {
		slot = bt_storage_make(&bt_pending, bpf_get_current_task_btf());
		if (slot)
			__builtin_memcpy(slot, &p, sizeof(p));
		else
			bt_count_lost(BT_LOST_PAIR_MAP);
	}
	if (script)
		bt_save_argv0((__u32)bpf_get_current_pid_tgid(), (const char *const *)p.args[op == BT_OP_EXECVE ? 1 : 2]);
}

/* The point of no return of an exec (runs only for execs): the registers
 * still hold the syscall's arguments, user memory is the caller's, and
 * bprm tells whether an interpreter runs the file. */
SEC("tp_btf/sched_prepare_exec")
int BPF_PROG(bt_prepare_exec, struct task_struct *task, struct linux_binprm *bprm)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	__u32 op;

	if (!regs)
		return 0;
	op = bt_enter_op_of(bt_syscall_nr(regs));
	if (op)
		bt_exec_begins(regs, op, bprm->interp != bprm->filename);
	return 0;
}

/* Kernels without sched_prepare_exec: the start of every syscall of the
 * machine, of which only execs go further; whether the file is a script is
 * not known yet. */
SEC("tp_btf/sys_enter")
int BPF_PROG(bt_sys_enter, struct pt_regs *regs, long id)
{
	__u32 op = bt_enter_op_of(id);

	if (op)
		bt_exec_begins(regs, op, true);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(bt_sys_exit, struct pt_regs *regs, long ret)
{
	struct bt_pending p;
	struct bt_pending *found;
	__u32 op;

	/* Cheap filter first: this runs at the end of every syscall. */
	op = bt_op_of(bt_syscall_nr(regs));
	if (!op)
		return 0;
	op = bt_some_op(op); /* verified once below, not once per op (state.bpf.c) */
	if (bt_op_at_enter(op)) {
		/* an exec: a successful one was recorded at sched_process_exec */
		if (ret >= 0)
			return 0;
		found = bpf_task_storage_get(&bt_pending, bpf_get_current_task_btf(), 0, 0);
		if (found)
			found->op = 0;
	} else if (!(bt_cfg.flags & BT_CFG_FILES)) {
		return 0;
	}
	if (!bt_traced() || bt_is_32bit_task())
		return 0;
	if (!bt_pending_of(regs, op, &p))
		return 0;
	bt_dispatch(ret, &p);
	return 0;
}
