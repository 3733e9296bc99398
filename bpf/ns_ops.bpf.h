/* SPDX-License-Identifier: MIT */
/* Namespace syscalls: unlink, mkdir, rmdir (one path); rename, link,
 * symlink (two paths). Handlers called at syscall exit by syscalls.bpf.c. */
#ifndef BT_NS_OPS_BPF_H
#define BT_NS_OPS_BPF_H

#include "common.bpf.h"

static __always_inline void bt_on_path(long ret, struct bt_pending *p)
{
	struct bt_scratch *s = bt_buf();
	struct bt_path *e;
	struct bt_args a = {};

	if (!s)
		return;
	bt_args_of(p, &a);
	e = (void *)s->buf;
	bt_fill_hdr(&e->h, BT_T_PATH);
	e->ret = ret;
	e->op = p->op;
	e->dirfd = a.dirfd;
	e->flags = a.flags;
	e->mode = a.mode;
	e->_pad = 0;
	e->path_len = bt_read_ustr(s->buf, sizeof(*e), (const void *)a.path, &e->h.flags);
	bt_emit(e, sizeof(*e) + e->path_len);
}


static __always_inline void bt_on_path2(long ret, struct bt_pending *p)
{
	struct bt_scratch *s = bt_buf();
	struct bt_path2 *e;
	struct bt_args a = {};

	if (!s)
		return;
	bt_args_of(p, &a);
	e = (void *)s->buf;
	bt_fill_hdr(&e->h, BT_T_PATH2);
	e->ret = ret;
	e->op = p->op;
	e->flags = a.flags;
	e->_pad = 0;
	e->olddirfd = a.dirfd;
	e->newdirfd = a.dirfd2;
	e->old_len = bt_read_ustr(s->buf, sizeof(*e), (const void *)a.path, &e->h.flags);
	e->new_len = bt_read_ustr(s->buf, sizeof(*e) + e->old_len, (const void *)a.path2, &e->h.flags);
	bt_emit(e, sizeof(*e) + e->old_len + e->new_len);
}

#endif
