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
#include <asm/unistd_64.h>

/* The BT_OP_* of a syscall number, 0 when bt does not trace it. */
static __always_inline __u32 bt_op_of(long nr)
{
	switch (nr) {
	case __NR_open: return BT_OP_OPEN;
	case __NR_openat: return BT_OP_OPENAT;
	case __NR_openat2: return BT_OP_OPENAT2;
	case __NR_creat: return BT_OP_CREAT;
	case __NR_close: return BT_OP_CLOSE;
	case __NR_close_range: return BT_OP_CLOSE_RANGE;
	case __NR_dup: return BT_OP_DUP;
	case __NR_dup2: return BT_OP_DUP2;
	case __NR_dup3: return BT_OP_DUP3;
	case __NR_fcntl: return BT_OP_FCNTL_DUPFD; /* refined by the command */
	case __NR_pipe: return BT_OP_PIPE;
	case __NR_pipe2: return BT_OP_PIPE2;
	case __NR_chdir: return BT_OP_CHDIR;
	case __NR_fchdir: return BT_OP_FCHDIR;
	case __NR_unlink: return BT_OP_UNLINK;
	case __NR_unlinkat: return BT_OP_UNLINKAT;
	case __NR_mkdir: return BT_OP_MKDIR;
	case __NR_mkdirat: return BT_OP_MKDIRAT;
	case __NR_rmdir: return BT_OP_RMDIR;
	case __NR_rename: return BT_OP_RENAME;
	case __NR_renameat: return BT_OP_RENAMEAT;
	case __NR_renameat2: return BT_OP_RENAMEAT2;
	case __NR_link: return BT_OP_LINK;
	case __NR_linkat: return BT_OP_LINKAT;
	case __NR_symlink: return BT_OP_SYMLINK;
	case __NR_symlinkat: return BT_OP_SYMLINKAT;
	case __NR_execve: return BT_OP_EXECVE;
	case __NR_execveat: return BT_OP_EXECVEAT;
	default: return 0;
	}
}

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

SEC("tp_btf/sys_enter")
int BPF_PROG(bt_sys_enter, struct pt_regs *regs, long id)
{
	struct bt_pending p = {};
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
	if (bpf_map_update_elem(&bt_pending, &tid, &p, BPF_ANY))
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
	__u32 tid;
	struct bt_pending *found;

	/* Cheap filter first: this runs at the end of every syscall. */
	if (!bt_op_of(bt_syscall_nr(regs)))
		return 0;
	tid = (__u32)bpf_get_current_pid_tgid();
	found = bpf_map_lookup_elem(&bt_pending, &tid);
	if (!found)
		return 0;
	/* Copy before deleting: a freed element can be reused at once. */
	__builtin_memcpy(&p, found, sizeof(p));
	bpf_map_delete_elem(&bt_pending, &tid);

	switch (p.op) {
	case BT_OP_OPEN:
	case BT_OP_OPENAT:
	case BT_OP_OPENAT2:
	case BT_OP_CREAT:
		bt_on_open(ret, &p);
		break;
	case BT_OP_CLOSE:
	case BT_OP_CLOSE_RANGE:
		bt_on_close(ret, &p);
		break;
	case BT_OP_DUP:
	case BT_OP_DUP2:
	case BT_OP_DUP3:
	case BT_OP_FCNTL_DUPFD:
	case BT_OP_FCNTL_DUPFD_CLOEXEC:
	case BT_OP_FCNTL_SETFD:
		bt_on_dup(ret, &p);
		break;
	case BT_OP_PIPE:
	case BT_OP_PIPE2:
		bt_on_pipe(ret, &p);
		break;
	case BT_OP_CHDIR:
	case BT_OP_FCHDIR:
		bt_on_chdir(ret, &p);
		break;
	case BT_OP_UNLINK:
	case BT_OP_UNLINKAT:
	case BT_OP_MKDIR:
	case BT_OP_MKDIRAT:
	case BT_OP_RMDIR:
		bt_on_path(ret, &p);
		break;
	case BT_OP_EXECVE:
	case BT_OP_EXECVEAT:
		bpf_map_delete_elem(&bt_argv0, &tid);
		bt_on_exec_exit(ret, &p);
		break;
	default:
		bt_on_path2(ret, &p);
		break;
	}
	return 0;
}
