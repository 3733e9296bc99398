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
	const char *path;

	if (!s)
		return;
	e = (void *)s->buf;
	bt_fill_hdr(&e->h, BT_T_PATH);
	e->ret = ret;
	e->op = p->op;
	e->flags = 0;
	e->mode = 0;
	e->_pad = 0;
	switch (p->op) {
	case BT_OP_UNLINKAT:
		e->dirfd = p->args[0];
		path = (const char *)p->args[1];
		e->flags = p->args[2];
		break;
	case BT_OP_MKDIRAT:
		e->dirfd = p->args[0];
		path = (const char *)p->args[1];
		e->mode = p->args[2];
		break;
	case BT_OP_MKDIR:
		e->mode = p->args[1];
		/* fallthrough */
	default: /* unlink, rmdir */
		e->dirfd = AT_FDCWD;
		path = (const char *)p->args[0];
		break;
	}
	e->path_len = bt_read_ustr(s->buf, sizeof(*e), path, &e->h.flags);
	bt_emit(e, sizeof(*e) + e->path_len);
}


static __always_inline void bt_on_path2(long ret, struct bt_pending *p)
{
	struct bt_scratch *s = bt_buf();
	struct bt_path2 *e;
	const char *from, *to;

	if (!s)
		return;
	e = (void *)s->buf;
	bt_fill_hdr(&e->h, BT_T_PATH2);
	e->ret = ret;
	e->op = p->op;
	e->flags = 0;
	e->_pad = 0;
	e->olddirfd = AT_FDCWD;
	e->newdirfd = AT_FDCWD;
	switch (p->op) {
	case BT_OP_RENAMEAT:
	case BT_OP_RENAMEAT2:
	case BT_OP_LINKAT:
		e->olddirfd = p->args[0];
		from = (const char *)p->args[1];
		e->newdirfd = p->args[2];
		to = (const char *)p->args[3];
		if (p->op != BT_OP_RENAMEAT)
			e->flags = p->args[4];
		break;
	case BT_OP_SYMLINKAT:
		from = (const char *)p->args[0];
		e->newdirfd = p->args[1];
		to = (const char *)p->args[2];
		break;
	default: /* rename, link, symlink */
		from = (const char *)p->args[0];
		to = (const char *)p->args[1];
		break;
	}
	e->old_len = bt_read_ustr(s->buf, sizeof(*e), from, &e->h.flags);
	e->new_len = bt_read_ustr(s->buf, sizeof(*e) + e->old_len, to, &e->h.flags);
	bt_emit(e, sizeof(*e) + e->old_len + e->new_len);
}

#endif
