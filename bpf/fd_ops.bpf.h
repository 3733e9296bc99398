/* SPDX-License-Identifier: MIT */
/* File descriptor syscalls: open family, close, dup family, pipes,
 * chdir/fchdir. Handlers called at syscall exit by syscalls.bpf.c. */
#ifndef BT_FD_OPS_BPF_H
#define BT_FD_OPS_BPF_H

#include "common.bpf.h"
#include "path.bpf.h"

#define BT_O_CREAT 0100
#define BT_O_WRONLY 01
#define BT_O_TRUNC 01000
#define BT_F_DUPFD 0
#define BT_F_SETFD 2
#define BT_F_DUPFD_CLOEXEC 1030

struct bt_open_how {
	__u64 flags;
	__u64 mode;
	__u64 resolve;
};

static __always_inline void bt_on_open(long ret, struct bt_pending *p)
{
	struct bt_scratch *s = bt_buf();
	struct bt_open *e;
	struct bt_open_how how = {};
	const char *path;

	if (!s)
		return;
	e = (void *)s->buf;
	bt_fill_hdr(&e->h, BT_T_OPEN);
	e->ret = ret;
	e->op = p->op;
	e->resolve = 0;
	e->_pad = 0;
	switch (p->op) {
	case BT_OP_OPEN:
		e->dirfd = AT_FDCWD;
		path = (const char *)p->args[0];
		e->flags = p->args[1];
		e->mode = p->args[2];
		break;
	case BT_OP_CREAT:
		e->dirfd = AT_FDCWD;
		path = (const char *)p->args[0];
		e->flags = BT_O_CREAT | BT_O_WRONLY | BT_O_TRUNC;
		e->mode = p->args[1];
		break;
	case BT_OP_OPENAT2:
		e->dirfd = (__s32)p->args[0];
		path = (const char *)p->args[1];
		bpf_probe_read_user(&how, sizeof(how), (void *)p->args[2]);
		e->flags = how.flags;
		e->mode = how.mode;
		e->resolve = how.resolve;
		break;
	default: /* openat */
		e->dirfd = (__s32)p->args[0];
		path = (const char *)p->args[1];
		e->flags = p->args[2];
		e->mode = p->args[3];
		break;
	}
	e->path_len = bt_read_ustr(s->buf, sizeof(*e), path, &e->h.flags);
	bt_emit(e, sizeof(*e) + e->path_len);
}


static __always_inline void bt_on_close(long ret, struct bt_pending *p)
{
	struct bt_close e = {};

	bt_fill_hdr(&e.h, BT_T_CLOSE);
	e.ret = ret;
	e.op = p->op;
	e.fd = p->args[0];
	if (p->op == BT_OP_CLOSE_RANGE) {
		e.last = p->args[1];
		e.cr_flags = p->args[2];
	} else {
		e.last = e.fd;
	}
	bt_emit(&e, sizeof(e));
}


static __always_inline void bt_on_dup(long ret, struct bt_pending *p)
{
	struct bt_dup e = {};

	bt_fill_hdr(&e.h, BT_T_DUP);
	e.ret = ret;
	e.op = p->op;
	e.oldfd = p->args[0];
	switch (p->op) {
	case BT_OP_DUP:
		e.newfd = -1;
		break;
	case BT_OP_DUP3:
		e.flags = p->args[2];
		/* fallthrough */
	default: /* dup2, dup3, fcntl: target / minimum / F_SETFD argument */
		e.newfd = p->args[p->op == BT_OP_DUP2 || p->op == BT_OP_DUP3 ? 1 : 2];
		break;
	}
	bt_emit(&e, sizeof(e));
}


static __always_inline void bt_on_pipe(long ret, struct bt_pending *p)
{
	struct bt_pipe e = {};
	int fds[2] = { -1, -1 };

	bt_fill_hdr(&e.h, BT_T_PIPE);
	e.ret = ret;
	e.op = p->op;
	if (p->op == BT_OP_PIPE2)
		e.flags = p->args[1];
	if (ret == 0 && bpf_probe_read_user(fds, sizeof(fds), (void *)p->args[0]))
		e.h.flags |= BT_F_READ_FAULT;
	e.fd0 = fds[0];
	e.fd1 = fds[1];
	bt_emit(&e, sizeof(e));
}


static __always_inline void bt_on_chdir(long ret, struct bt_pending *p)
{
	struct bt_scratch *s = bt_buf();
	struct bt_chdir *e;
	__u64 off;

	if (!s)
		return;
	e = (void *)s->buf;
	bt_fill_hdr(&e->h, BT_T_CHDIR);
	e->ret = ret;
	e->op = p->op;
	e->path_len = 0;
	e->cwd_len = 0;
	e->_pad = 0;
	if (p->op == BT_OP_FCHDIR) {
		e->fd = p->args[0];
	} else {
		e->fd = AT_FDCWD;
		e->path_len = bt_read_ustr(s->buf, sizeof(*e), (const char *)p->args[0], &e->h.flags);
	}
	off = sizeof(*e) + e->path_len;
	if (ret == 0 && off <= BT_SCRATCH - BT_PATH_MAX)
		e->cwd_len = bt_cwd(off, &e->h.flags);
	bt_emit(e, sizeof(*e) + e->path_len + e->cwd_len);
}

#endif
