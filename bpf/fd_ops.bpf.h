/* SPDX-License-Identifier: MIT */
/* File descriptor syscalls: open family, close, dup family, pipes,
 * chdir/fchdir. Handlers called at syscall exit by syscalls.bpf.c. */
#ifndef BT_FD_OPS_BPF_H
#define BT_FD_OPS_BPF_H

#include "common.bpf.h"
#include "path.bpf.h"
#include "lookup_ops.bpf.h"

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

/* The inode's modification time: two fields since Linux 6.11, a timespec64
 * named __i_mtime in 6.7-6.10, i_mtime before. CO-RE picks the layout the
 * running kernel has; each is spelled here, so that the object builds
 * whatever kernel's vmlinux.h it is compiled against. */
struct inode___611 {
	time64_t i_mtime_sec;
	u32 i_mtime_nsec;
} __attribute__((preserve_access_index));

struct inode___pre611 {
	struct timespec64 __i_mtime;
} __attribute__((preserve_access_index));

struct inode___pre67 {
	struct timespec64 i_mtime;
} __attribute__((preserve_access_index));

/* The file the current task has at descriptor `fd` (just opened): its
 * modification time and size, into the open record. Left 0 when it cannot
 * be read. (Another thread could close the fd, or dup2 another file onto
 * it, between the open's fd_install and this exit: the record would then
 * carry that file's time. Builds do not race on their own fds.) */
static __always_inline void bt_fd_file_stat(__s32 fd, struct bt_open *e)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fdtable *fdt;
	struct file **fds;
	struct file *f = NULL;
	struct inode *ino;

	/* CO-RE reads, not plain loads: the verifier's check of a plain
	 * t->files costs three searches of vmlinux's types (common.bpf.h) */
	fdt = BPF_CORE_READ(t, files, fdt);
	if (fd < 0 || !fdt || (__u32)fd >= BPF_CORE_READ(fdt, max_fds))
		return;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return;
	ino = BPF_CORE_READ(f, f_inode);
	if (!ino)
		return;
	e->size = BPF_CORE_READ(ino, i_size);
	if (bpf_core_field_exists(((struct inode___611 *)ino)->i_mtime_sec)) {
		e->mtime_sec = BPF_CORE_READ((struct inode___611 *)ino, i_mtime_sec);
		e->mtime_nsec = BPF_CORE_READ((struct inode___611 *)ino, i_mtime_nsec);
	} else if (bpf_core_field_exists(((struct inode___pre611 *)ino)->__i_mtime)) {
		struct timespec64 ts = BPF_CORE_READ((struct inode___pre611 *)ino, __i_mtime);

		e->mtime_sec = ts.tv_sec;
		e->mtime_nsec = ts.tv_nsec;
	} else {
		struct timespec64 ts = BPF_CORE_READ((struct inode___pre67 *)ino, i_mtime);

		e->mtime_sec = ts.tv_sec;
		e->mtime_nsec = ts.tv_nsec;
	}
}

static __always_inline void bt_on_open(long ret, struct bt_pending *p)
{
	struct bt_scratch *s = bt_buf();
	struct bt_open *e;
	struct bt_open_how how = {};
	struct bt_args a = {};
	__u16 path_len;

	if (!s)
		return;
	bt_args_of(p, &a);
	e = (void *)s->buf;
	bt_fill_hdr(&e->h, BT_T_OPEN);
	e->ret = ret;
	e->op = p->op;
	e->resolve = 0;
	e->mtime_nsec = 0;
	e->mtime_sec = 0;
	e->size = 0;
	e->dirfd = a.dirfd;
	e->flags = a.flags;
	e->mode = a.mode;
	if (p->op == BT_OP_CREAT) {
		e->flags = BT_O_CREAT | BT_O_WRONLY | BT_O_TRUNC;
	} else if (p->op == BT_OP_OPENAT2) {
		bpf_probe_read_user(&how, sizeof(how), (void *)a.buf);
		e->flags = how.flags;
		e->mode = how.mode;
		e->resolve = how.resolve;
	}
	path_len = bt_read_ustr(s->buf, sizeof(*e), (const void *)a.path, &e->h.flags);
	e->path_len = path_len;
	if (ret >= 0)
		bt_fd_file_stat(ret, e);
	bt_emit(e, sizeof(*e) + path_len);
}


static __always_inline void bt_on_close(long ret, struct bt_pending *p)
{
	struct bt_close e = {};
	struct bt_args a = {};

	bt_args_of(p, &a);
	/* a listing cut short: its record comes before the close of its fd */
	if (p->op == BT_OP_CLOSE && ret == 0)
		bt_readdir_closed(a.fd);
	bt_fill_hdr(&e.h, BT_T_CLOSE);
	e.ret = ret;
	e.op = p->op;
	e.fd = a.fd;
	e.cr_flags = a.flags;
	e.last = p->op == BT_OP_CLOSE_RANGE ? (__u32)a.fd2 : e.fd;
	bt_emit(&e, sizeof(e));
}


static __always_inline void bt_on_dup(long ret, struct bt_pending *p)
{
	struct bt_dup e = {};
	struct bt_args a = {};

	bt_args_of(p, &a);
	bt_fill_hdr(&e.h, BT_T_DUP);
	e.ret = ret;
	e.op = p->op;
	e.oldfd = a.fd;
	e.newfd = a.fd2; /* dup2/dup3 target, F_DUPFD minimum, F_SETFD argument; -1 for dup */
	e.flags = a.flags;
	bt_emit(&e, sizeof(e));
}


static __always_inline void bt_on_pipe(long ret, struct bt_pending *p)
{
	struct bt_pipe e = {};
	struct bt_args a = {};
	int fds[2] = { -1, -1 };

	bt_args_of(p, &a);
	bt_fill_hdr(&e.h, BT_T_PIPE);
	e.ret = ret;
	e.op = p->op;
	e.flags = a.flags;
	if (ret == 0 && bpf_probe_read_user(fds, sizeof(fds), (void *)a.buf))
		e.h.flags |= BT_F_READ_FAULT;
	e.fd0 = fds[0];
	e.fd1 = fds[1];
	bt_emit(&e, sizeof(e));
}


static __always_inline void bt_on_chdir(long ret, struct bt_pending *p)
{
	struct bt_scratch *s = bt_buf();
	struct bt_chdir *e;
	struct bt_args a = {};
	__u64 off;

	if (!s)
		return;
	bt_args_of(p, &a);
	e = (void *)s->buf;
	bt_fill_hdr(&e->h, BT_T_CHDIR);
	e->ret = ret;
	e->op = p->op;
	e->path_len = 0;
	e->cwd_len = 0;
	e->_pad = 0;
	e->fd = p->op == BT_OP_FCHDIR ? a.fd : AT_FDCWD;
	e->path_len = bt_read_ustr(s->buf, sizeof(*e), (const void *)a.path, &e->h.flags);
	off = sizeof(*e) + e->path_len;
	if (ret == 0 && off <= BT_SCRATCH - BT_PATH_MAX)
		e->cwd_len = bt_cwd(off, &e->h.flags);
	bt_emit(e, sizeof(*e) + e->path_len + e->cwd_len);
}

#endif
