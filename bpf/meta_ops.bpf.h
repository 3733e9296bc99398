/* SPDX-License-Identifier: MIT */
/* Metadata changes: chmod, chown, truncate and utime families. Handler
 * called at syscall exit by syscalls.bpf.c (bt_dispatch). */
#ifndef BT_META_OPS_BPF_H
#define BT_META_OPS_BPF_H

#include "common.bpf.h"

static __always_inline void bt_on_meta(long ret, struct bt_pending *p)
{
	struct bt_scratch *s = bt_buf();
	struct bt_meta *e;
	struct bt_args a = {};
	__s64 t[4] = {};

	if (!s)
		return;
	bt_args_of(p, &a);
	e = (void *)s->buf;
	bt_fill_hdr(&e->h, BT_T_META);
	e->ret = ret;
	e->dirfd = a.dirfd;
	e->flags = a.flags;
	e->mode = a.mode;
	e->uid = a.uid;
	e->gid = a.gid;
	e->size = a.size;
	e->atime_sec = 0;
	e->mtime_sec = 0;
	e->atime_nsec = 0;
	e->mtime_nsec = 0;
	e->op = p->op;
	e->_pad = 0;
	switch (p->op) {
	case BT_OP_UTIME: /* struct utimbuf { time_t actime, modtime; } */
	case BT_OP_UTIMES: /* struct timeval[2] */
	case BT_OP_FUTIMESAT:
	case BT_OP_UTIMENSAT: /* struct timespec[2] */
		if (!a.buf) {
			e->h.flags |= BT_F_TIMES_NULL;
			break;
		}
		if (p->op == BT_OP_UTIME) {
			bpf_probe_read_user(t, 2 * sizeof(t[0]), (void *)a.buf);
			e->atime_sec = t[0];
			e->mtime_sec = t[1];
			break;
		}
		bpf_probe_read_user(t, sizeof(t), (void *)a.buf);
		e->atime_sec = t[0];
		e->mtime_sec = t[2];
		if (p->op == BT_OP_UTIMENSAT) {
			e->atime_nsec = t[1];
			e->mtime_nsec = t[3];
		} else {
			e->atime_nsec = t[1] * 1000;
			e->mtime_nsec = t[3] * 1000;
		}
		break;
	default:
		break;
	}
	e->path_len = bt_read_ustr(s->buf, sizeof(*e), (const void *)a.path, &e->h.flags);
	bt_emit(e, sizeof(*e) + e->path_len);
}

#endif
