/* SPDX-License-Identifier: MIT */
/* Processes: fork/clone, exec (successful and failed), exit. */
#include "common.bpf.h"
#include "path.bpf.h"
#include "syscall.bpf.h"

#define BT_EXEC_HALF (BT_SCRATCH / 2)

static __always_inline __u16 bt_read_kstr(__u8 *buf, __u64 off, const void *kptr, __u16 *flags)
{
	long n;

	if (!kptr || off > BT_SCRATCH - BT_PATH_MAX)
		return 0;
	n = bpf_probe_read_kernel_str(buf + off, BT_PATH_MAX, kptr);
	if (n < 0) {
		*flags |= BT_F_READ_FAULT;
		return 0;
	}
	return n;
}

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

/* Emits a user memory block (argv or env of the new image) as EXEC_DATA
 * records of up to BT_CHUNK bytes. */
struct bt_chunks {
	__u64 src;
	__u32 len;
	__u32 off;
	__u16 flags;
};

static long bt_chunk_step(__u32 i, void *vctx)
{
	struct bt_chunks *c = vctx;
	struct bt_scratch *s = bt_buf();
	struct bt_exec_data *d;
	__u64 n;

	if (!s || c->off >= c->len)
		return 1;
	n = (__u64)c->len - c->off;
	if (n > BT_CHUNK)
		n = BT_CHUNK;
	bt_barrier_var(n);
	if (n > BT_CHUNK)
		return 1;
	d = (void *)s->buf;
	bt_fill_hdr(&d->h, BT_T_EXEC_DATA);
	d->h.flags = c->flags;
	d->offset = c->off;
	d->len = n;
	if (bpf_probe_read_user(s->buf + sizeof(*d), n, (void *)(c->src + c->off))) {
		d->h.flags |= BT_F_READ_FAULT;
		d->len = 0;
		bt_count_lost(BT_LOST_READ);
	}
	bt_emit(d, sizeof(*d) + d->len);
	c->off += n;
	return 0;
}

static __always_inline void bt_emit_block(__u64 src, __u32 len, __u16 flags)
{
	struct bt_chunks c = { .src = src, .len = len, .off = 0, .flags = flags };

	bpf_loop(BT_MAX_ARG_BYTES / BT_CHUNK + 1, bt_chunk_step, &c, 0);
}

static __always_inline __u32 bt_block_len(__u64 start, __u64 end, __u16 *flags)
{
	__u64 len = end > start ? end - start : 0;

	if (len > BT_MAX_ARG_BYTES) {
		*flags |= BT_F_TRUNCATED;
		bt_count_lost(BT_LOST_TRUNCATED);
		len = BT_MAX_ARG_BYTES;
	}
	return len;
}

/* Fills the common part of an EXEC record (strings from `off`), returns the
 * record size. */
static __always_inline __u64 bt_exec_tail(struct bt_exec *e, __u8 *buf)
{
	__u64 uidgid = bpf_get_current_uid_gid();
	__u64 off = sizeof(*e) + e->filename_len + e->interp_len;

	e->uid = (__u32)uidgid;
	e->gid = uidgid >> 32;
	if (off > BT_EXEC_HALF - BT_PATH_MAX)
		return sizeof(*e);
	e->cwd_len = bt_cwd(off, &e->h.flags);
	return off + e->cwd_len;
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

	if (!bt_traced())
		return 0;
	s = bt_buf();
	if (!s)
		return 0;
	e = (void *)s->buf;
	bt_fill_hdr(&e->h, BT_T_EXEC);
	e->ret = 0;
	e->old_tid = old_pid;
	e->op = BT_OP_EXECVE;
	e->dirfd = AT_FDCWD;
	pend = bpf_map_lookup_elem(&bt_pending, &tid);
	if (pend && pend->op == BT_OP_EXECVEAT) {
		e->op = BT_OP_EXECVEAT;
		e->dirfd = (__s32)pend->args[0];
	}
	/* The exit tracepoint of a successful exec has nothing left to do;
	 * a non-leader thread's entry would otherwise stay behind. */
	bpf_map_delete_elem(&bt_pending, &tid);

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
	if (interp != filename)
		e->interp_len = bt_read_kstr(s->buf, sizeof(*e) + e->filename_len, interp, &e->h.flags);
	size = bt_exec_tail(e, s->buf);
	/* The chunks reuse the scratch buffer: keep the lengths. */
	argv_len = e->argv_len;
	env_len = e->env_len;
	bt_emit(e, size);

	bt_emit_block(arg_start, argv_len, 0);
	if (env_len)
		bt_emit_block(env_start, env_len, BT_F_ENV);
	return 0;
}

/* Failed exec: the argv array is still the caller's; collect it (each
 * string up to BT_PATH_MAX, the whole up to one chunk) in the upper half of
 * the scratch buffer while the EXEC record is built in the lower half. */
struct bt_argv_walk {
	const char *const *argv;
	__u32 len;
	__u16 flags;
};

#define BT_FAIL_DATA_OFF (BT_EXEC_HALF + sizeof(struct bt_exec_data))
#define BT_FAIL_DATA_MAX (BT_SCRATCH - BT_FAIL_DATA_OFF)

static long bt_argv_step(__u32 i, void *vctx)
{
	struct bt_argv_walk *w = vctx;
	struct bt_scratch *s = bt_buf();
	const char *arg = NULL;
	__u64 pos;
	long n;

	if (!s)
		return 1;
	if (bpf_probe_read_user(&arg, sizeof(arg), &w->argv[i]) || !arg)
		return 1;
	if (w->len > BT_FAIL_DATA_MAX - BT_PATH_MAX) {
		w->flags |= BT_F_TRUNCATED;
		return 1;
	}
	pos = BT_FAIL_DATA_OFF + w->len;
	n = bpf_probe_read_user_str(s->buf + pos, BT_PATH_MAX, arg);
	if (n <= 0) {
		w->flags |= BT_F_READ_FAULT;
		return 1;
	}
	if (n == BT_PATH_MAX)
		w->flags |= BT_F_TRUNCATED;
	w->len += n;
	return 0;
}

static __always_inline void bt_on_exec_exit(long ret, struct bt_pending *p)
{
	struct bt_scratch *s;
	struct bt_exec *e;
	struct bt_exec_data *d;
	struct bt_argv_walk w = {};
	const char *filename;
	__u64 size;

	if (ret >= 0)
		return; /* success is recorded at sched_process_exec */
	s = bt_buf();
	if (!s)
		return;
	e = (void *)s->buf;
	bt_fill_hdr(&e->h, BT_T_EXEC);
	e->ret = ret;
	e->old_tid = e->h.tid;
	e->op = p->op;
	if (p->op == BT_OP_EXECVEAT) {
		e->dirfd = (__s32)p->args[0];
		filename = (const char *)p->args[1];
		w.argv = (const char *const *)p->args[2];
	} else {
		e->dirfd = AT_FDCWD;
		filename = (const char *)p->args[0];
		w.argv = (const char *const *)p->args[1];
	}
	bpf_loop(4096, bt_argv_step, &w, 0);
	e->h.flags |= w.flags | BT_F_NO_ENV;
	if (w.flags & BT_F_TRUNCATED)
		bt_count_lost(BT_LOST_TRUNCATED);
	e->argv_len = w.len;
	e->env_len = 0;
	e->interp_len = 0;
	e->cwd_len = 0;
	e->filename_len = bt_read_ustr(s->buf, sizeof(*e), filename, &e->h.flags);
	size = bt_exec_tail(e, s->buf);
	bt_emit(e, size);

	d = (void *)(s->buf + BT_EXEC_HALF);
	bt_fill_hdr(&d->h, BT_T_EXEC_DATA);
	d->offset = 0;
	if (w.len > BT_FAIL_DATA_MAX)
		w.len = BT_FAIL_DATA_MAX;
	d->len = w.len;
	bt_emit(d, sizeof(*d) + w.len);
}

BT_SYSCALL(execve, BT_OP_EXECVE, 3, false, bt_on_exec_exit)
BT_SYSCALL(execveat, BT_OP_EXECVEAT, 5, false, bt_on_exec_exit)

SEC("tp_btf/sched_process_exit")
int BPF_PROG(bt_exit, struct task_struct *p)
{
	struct bt_exit e = {};
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	/* A thread killed inside a syscall never reaches its exit tracepoint. */
	bpf_map_delete_elem(&bt_pending, &tid);
	if (!bt_traced())
		return 0;
	/* Only the last thread of a process reports the process exit. */
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	bt_fill_hdr(&e.h, BT_T_EXIT);
	e.status = BPF_CORE_READ(p, exit_code);
	bt_emit(&e, sizeof(e));
	return 0;
}
