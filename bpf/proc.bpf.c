/* SPDX-License-Identifier: MIT */
/* Processes: fork/clone, successful exec, exit (sched tracepoints). */
#include "common.bpf.h"
#include "path.bpf.h"
#include "exec.bpf.h"
#include "repeats.bpf.h"

SEC("tp_btf/sched_process_fork")
int BPF_PROG(bt_fork, struct task_struct *parent, struct task_struct *child)
{
	struct bt_fork e = {};

	if (!bt_traced())
		return 0;
	bt_fill_hdr(&e.h, BT_T_FORK);
	e.child_pid = BPF_CORE_READ(child, tgid);
	e.child_tid = BPF_CORE_READ(child, pid);
	if (e.child_pid == e.h.pid) {
		e.h.flags |= BT_F_THREAD;
		e.ppid = e.h.pid;
	} else {
		e.ppid = BPF_CORE_READ(child, real_parent, tgid);
	}
	bt_emit(&e, sizeof(e));
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(bt_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct bt_scratch *s;
	struct bt_exec *e;
	struct bt_pending *pend;
	struct mm_struct *mm;
	const char *filename, *interp;
	__u64 arg_start, arg_end, env_start, env_end, size;
	__u32 tid = old_pid, argv_len, env_len;
	struct bt_argv0 *argv0;
	struct bt_proc_state *st;

	if (!bt_traced())
		return 0;
	/* A thread other than the leader took the leader's pid: the counts of
	 * its repeated lookups belong to its old tid, as their records do. */
	if (tid != BPF_CORE_READ(p, pid))
		bt_flush_repeats_as(p, BPF_CORE_READ(p, tgid), tid);
	s = bt_buf();
	if (!s)
		return 0;
	e = (void *)s->buf;
	bt_fill_hdr(&e->h, BT_T_EXEC);
	e->ret = 0;
	e->old_tid = old_pid;
	e->op = BT_OP_EXECVE;
	e->dirfd = AT_FDCWD;
	pend = bpf_task_storage_get(&bt_pending, p, 0, 0);
	if (pend) {
		if (pend->op == BT_OP_EXECVEAT) {
			e->op = BT_OP_EXECVEAT;
			e->dirfd = (__s32)pend->args[0];
		}
		/* The exit tracepoint of a successful exec has nothing left to do. */
		pend->op = 0;
	}

	/* the old image's listings cannot be closed by this one (bt_dirs keys
	 * hold the exec count): closes need not look for them */
	st = bpf_task_storage_get(&bt_procs, p, 0, 0);
	if (st)
		st->listings = 0;

	mm = BPF_CORE_READ(p, mm);
	arg_start = BPF_CORE_READ(mm, arg_start);
	arg_end = BPF_CORE_READ(mm, arg_end);
	env_start = BPF_CORE_READ(mm, env_start);
	env_end = BPF_CORE_READ(mm, env_end);
	e->argv_len = bt_block_len(arg_start, arg_end, &e->h.flags);
	if (bt_cfg.flags & BT_CFG_ENV) {
		e->env_len = bt_block_len(env_start, env_end, &e->h.flags);
	} else {
		e->env_len = 0;
		e->h.flags |= BT_F_NO_ENV;
	}

	filename = BPF_CORE_READ(bprm, filename);
	interp = BPF_CORE_READ(bprm, interp);
	e->filename_len = bt_read_kstr(s->buf, sizeof(*e), filename, &e->h.flags);
	e->interp_len = 0;
	e->cwd_len = 0;
	e->argv0_len = 0;
	/* the umask the program starts with: its files' modes depend on it (reprotest varies it) */
	e->umask = BT_EXEC_UMASK_KNOWN | (BPF_CORE_READ(p, fs, umask) & 07777);
	if (interp != filename)
		e->interp_len = bt_read_kstr(s->buf, sizeof(*e) + e->filename_len, interp, &e->h.flags);
	size = bt_exec_tail(e, s->buf);
	argv0 = bpf_map_lookup_elem(&bt_argv0, &tid);
	if (argv0) {
		if (e->interp_len && size <= BT_SCRATCH / 2) {
			long n = bpf_probe_read_kernel_str(s->buf + size, BT_NAME_MAX, argv0->s);

			if (n > 0) {
				e->argv0_len = n;
				size += n;
			}
		}
		bpf_map_delete_elem(&bt_argv0, &tid);
	}
	/* The chunks reuse the scratch buffer: keep the lengths. */
	argv_len = e->argv_len;
	env_len = e->env_len;
	bt_emit(e, size);

	bt_emit_block(arg_start, argv_len, 0);
	if (env_len)
		bt_emit_block(env_start, env_len, BT_F_ENV);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(bt_exit, struct task_struct *p)
{
	struct bt_exit e = {};

	/* A thread killed inside a syscall never reaches its exit tracepoint:
	 * its pending syscall goes with its task storage. */
	if (!bt_traced())
		return 0;
	/* every thread: the counts of its repeated lookups come before its end */
	bt_flush_repeats(p);
	/* Only the last thread of a process reports the process exit. Threads
	 * dying together can all see live == 0: the one that sets exit_sent
	 * reports it (p is the current task); they often make the flag's
	 * storage at the same moment, which bt_storage_make resolves. Without
	 * memory for the flag nobody can tell which is first: counted, not
	 * reported twice (userspace sees whether another thread reported it). */
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	switch (bt_proc(BT_PROC_CLAIM_EXIT, 0)) {
	case 1:
		break;
	case 0:
		return 0;
	default:
		bt_count_lost(BT_LOST_EXIT_FLAG);
		return 0;
	}
	bt_fill_hdr(&e.h, BT_T_EXIT);
	e.status = BPF_CORE_READ(p, exit_code);
	bt_emit(&e, sizeof(e));
	return 0;
}
