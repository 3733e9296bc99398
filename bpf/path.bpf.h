/* SPDX-License-Identifier: MIT */
/* Kernel-side path of a (dentry, vfsmount): walks towards the task's root,
 * crossing mount points, and stores the components leaf first, each
 * NUL-terminated (userspace reverses them). bpf_d_path is not allowed in
 * tracepoints, so this is done by hand with bpf_loop. */
#ifndef BT_PATH_BPF_H
#define BT_PATH_BPF_H

#include "common.bpf.h"

#define BT_DWALK_MAX_STEPS 256



static long bt_dwalk_step(__u32 i, void *vctx)
{
	__u32 zero = 0;
	struct bt_dwalk *w = bpf_map_lookup_elem(&bt_dwalks, &zero);
	struct bt_scratch *s = bt_buf();
	struct dentry *d, *parent, *mnt_root;
	struct mount *mnt, *mparent;
	const unsigned char *name;
	__u64 pos;
	__u32 room;
	long n;

	if (!s || !w)
		return 1;
	d = w->d;
	mnt = w->mnt;
	if (d == w->root_d && &mnt->mnt == w->root_mnt) {
		w->done = 1;
		return 1;
	}
	mnt_root = BPF_CORE_READ(mnt, mnt.mnt_root);
	if (d == mnt_root) {
		mparent = BPF_CORE_READ(mnt, mnt_parent);
		if (mparent == mnt) {
			w->done = 1;
			return 1;
		}
		w->d = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = mparent;
		return 0;
	}
	parent = BPF_CORE_READ(d, d_parent);
	if (parent == d) {
		w->done = 1;
		return 1;
	}
	pos = w->base + w->off;
	/* the whole path fits in PATH_MAX (the caller's room): stop at the
	 * component that would not, not a name's length before it */
	if (w->off + BPF_CORE_READ(d, d_name.len) + 1 > BT_PATH_MAX || pos > BT_SCRATCH - BT_NAME_MAX)
		return 1;
	/* and never past it, should a rename lengthen the name meanwhile */
	room = BT_PATH_MAX - w->off;
	if (room > BT_NAME_MAX)
		room = BT_NAME_MAX;
	bt_barrier_var(room);
	if (room < 2 || room > BT_NAME_MAX)
		return 1;
	name = BPF_CORE_READ(d, d_name.name);
	n = bpf_probe_read_kernel_str(s->buf + pos, room, name);
	if (n <= 0)
		return 1;
	w->off += n;
	w->d = parent;
	return 0;
}

/* Store the path of (dentry, vfsmnt) at scratch offset `base`; returns its
 * length. A walk that cannot finish (deeper than PATH_MAX) marks the cwd
 * incomplete: what was stored is its leaf side only. */
static __always_inline __u16 bt_dpath(struct dentry *d, struct vfsmount *vfsmnt, struct fs_struct *fs,
				      __u64 base, __u16 *flags)
{
	__u32 zero = 0;
	struct bt_dwalk *w = bpf_map_lookup_elem(&bt_dwalks, &zero);

	if (!w)
		return 0;
	w->d = d;
	w->mnt = (struct mount *)((void *)vfsmnt - bpf_core_field_offset(struct mount, mnt));
	w->root_d = BPF_CORE_READ(fs, root.dentry);
	w->root_mnt = BPF_CORE_READ(fs, root.mnt);
	w->base = base;
	w->off = 0;
	w->flags = 0;
	w->done = 0;
	bpf_loop(BT_DWALK_MAX_STEPS, bt_dwalk_step, NULL, 0);
	/* the callback changed *w behind the verifier's back: read it again */
	w = bpf_map_lookup_elem(&bt_dwalks, &zero);
	if (!w)
		return 0;
	if (!w->done) {
		*flags |= BT_F_CWD_INCOMPLETE;
		bt_count_lost(BT_LOST_TRUNCATED);
	}
	return w->off;
}

/* The current task's working directory. */
static __always_inline __u16 bt_cwd(__u64 base, __u16 *flags)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct fs_struct *fs = BPF_CORE_READ(t, fs);

	return bt_dpath(BPF_CORE_READ(fs, pwd.dentry), BPF_CORE_READ(fs, pwd.mnt), fs, base, flags);
}

#endif
