/* SPDX-License-Identifier: MIT */
/* Exec records: the EXEC record and the EXEC_DATA chunks of argv/env, for a
 * successful exec (new image, read at sched_process_exec) and a failed one
 * (the caller's argv array, read at syscall exit). */
#ifndef BT_EXEC_BPF_H
#define BT_EXEC_BPF_H

#include "common.bpf.h"
#include "path.bpf.h"

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
	e->argv0_len = 0;
	e->umask = 0; /* a failed exec: the caller's, which its own exec said */
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

#endif
