/* SPDX-License-Identifier: MIT */
/* Questions a build asks the file system: lookups (stat, access, readlink
 * families) and directory listings (getdents64). A lookup of an open fd
 * (an empty path with AT_EMPTY_PATH: what fstat is) is not recorded. Handlers called at
 * syscall exit by syscalls.bpf.c (bt_dispatch, generated from the op table).
 *
 * Repeated lookups: a thread that makes the same lookup again (same op,
 * dirfd, path and result: errno, file type, mtime, link text) is counted in
 * its own table instead of being sent again (repeats.bpf.h). The first
 * repetition is sent once more, flagged BT_F_REPEAT and carrying the key
 * hash; a BT_T_REPEATS record brings its count later. */
#ifndef BT_LOOKUP_OPS_BPF_H
#define BT_LOOKUP_OPS_BPF_H

#include "common.bpf.h"
#include "repeats.bpf.h"

#define BT_S_IFMT 0170000
#define BT_AT_EMPTY_PATH 0x1000

struct bt_hash_ctx {
	__u64 h;
	__u32 base;
	__u32 len;
};

/* One bpf_loop step: up to BT_HASH_WORDS words (a call per step is the
 * cost; most paths take one or two). */
#define BT_HASH_WORDS 4

static long bt_hash_step(__u32 i, void *vctx)
{
	struct bt_hash_ctx *c = vctx;
	struct bt_scratch *s = bt_buf();
	__u64 at = (__u64)i * (8 * BT_HASH_WORDS), off, w;
	int j;

	if (!s)
		return 1;
#pragma unroll
	for (j = 0; j < BT_HASH_WORDS; j++, at += 8) {
		if (at >= c->len)
			return 1;
		off = c->base + at;
		if (off > BT_SCRATCH - 8)
			return 1;
		w = *(__u64 *)(s->buf + off);
		if (c->len - at < 8)
			w &= (1ull << ((c->len - at) * 8)) - 1;
		c->h = (c->h ^ w) * 0x100000001b3ull;
		c->h ^= c->h >> 29;
	}
	return 0;
}

/* Mixes `len` bytes of the scratch buffer at `base` into h. */
static __always_inline __u64 bt_hash(__u64 h, __u32 base, __u32 len)
{
	struct bt_hash_ctx c = { .h = h, .base = base, .len = len };

	if (len)
		bpf_loop((len + 8 * BT_HASH_WORDS - 1) / (8 * BT_HASH_WORDS), bt_hash_step, &c, 0);
	return c.h;
}

static __always_inline __u64 bt_mix(__u64 h, __u64 v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 31);
}

/* File type and mtime from a successful stat's user buffer: one read of
 * the span up to the mtime (each user read has a fixed cost). A statx
 * whose result mask (stx_mask) lacks STATX_MTIME did not fill the mtime
 * (a call that asked for the type only, as the JVM's do): it stays 0, "not
 * recorded", never a time. */
#ifndef STATX_MTIME
#define STATX_MTIME 0x40U /* uapi linux/stat.h */
#endif

static __always_inline void bt_stat_result(__u32 op, __u64 ubuf, struct bt_lookup *e)
{
	__u32 mode;

	if (op == BT_OP_STATX) {
		struct {
			__u32 mask;
			__u8 _gap0[__builtin_offsetof(struct statx, stx_mode) - 4];
			__u16 mode;
			__u8 _gap[__builtin_offsetof(struct statx, stx_mtime) - __builtin_offsetof(struct statx, stx_mode) - 2];
			struct statx_timestamp mtime;
		} __attribute__((packed)) x;

		_Static_assert(__builtin_offsetof(struct statx, stx_mask) == 0 &&
			       __builtin_offsetof(typeof(x), mode) == __builtin_offsetof(struct statx, stx_mode) &&
			       __builtin_offsetof(typeof(x), mtime) == __builtin_offsetof(struct statx, stx_mtime) &&
			       sizeof(x) == __builtin_offsetof(struct statx, stx_mtime) + sizeof(struct statx_timestamp), "statx span");
		if (bpf_probe_read_user(&x, sizeof(x), (void *)ubuf))
			return;
		mode = x.mode;
		if (x.mask & STATX_MTIME) {
			e->mtime_sec = x.mtime.tv_sec;
			e->mtime_nsec = x.mtime.tv_nsec;
		}
	} else if (op == BT_OP_STAT || op == BT_OP_LSTAT || op == BT_OP_NEWFSTATAT) {
#ifdef __TARGET_ARCH_x86
		/* x86_64 struct stat: st_mode at 24, st_mtime at 88, st_mtime_nsec at 96 */
		struct {
			__u32 mode;
			__u8 _gap[88 - 24 - 4];
			__s64 mtime[2];
		} __attribute__((packed)) st;

		if (bpf_probe_read_user(&st, sizeof(st), (void *)(ubuf + 24)))
			return;
		mode = st.mode;
		e->mtime_sec = st.mtime[0];
		e->mtime_nsec = st.mtime[1];
#else
		return;
#endif
	} else {
		return;
	}
	e->ftype = (mode & BT_S_IFMT) >> 12;
}

/* Reads `n` bytes (not NUL-terminated, e.g. readlink's text) into buf at
 * `off`, adds a NUL; returns the bytes stored. */
static __always_inline __u16 bt_read_ubytes(__u8 *buf, __u64 off, __u64 uptr, long n, __u16 *flags)
{
	__u64 len = n;

	if (n <= 0 || off > BT_SCRATCH - BT_PATH_MAX)
		return 0;
	if (len > BT_PATH_MAX - 1) {
		len = BT_PATH_MAX - 1;
		*flags |= BT_F_TRUNCATED;
	}
	bt_barrier_var(len);
	if (len == 0 || len > BT_PATH_MAX - 1)
		return 0;
	if (bpf_probe_read_user(buf + off, len, (void *)uptr)) {
		*flags |= BT_F_READ_FAULT;
		return 0;
	}
	off += len;
	if (off >= BT_SCRATCH)
		return 0;
	buf[off] = 0;
	return len + 1;
}

static __always_inline void bt_on_lookup(long ret, struct bt_pending *p)
{
	struct bt_scratch *s = bt_buf();
	struct bt_lookup *e;
	struct bt_args a = {};
	__u64 h;

	if (!s)
		return;
	bt_args_of(p, &a);
	e = (void *)s->buf;
	bt_fill_hdr_untimed(&e->h, BT_T_LOOKUP);
	e->ret = ret;
	e->dirfd = a.dirfd;
	e->flags = a.flags;
	e->mode = a.mode;
	e->mtime_sec = 0;
	e->mtime_nsec = 0;
	e->ftype = 0;
	e->op = p->op;
	e->target_len = 0;
	e->_pad = 0;
	e->path_len = bt_read_ustr(s->buf, sizeof(*e), (const void *)a.path, &e->h.flags);
	/* fstat(fd) is newfstatat(fd, "", AT_EMPTY_PATH): a question about an
	 * open file, not the file system. Not recorded (and its result not
	 * read: glibc's fstat is this, one of a build's most frequent calls). */
	if (e->path_len <= 1 && (a.flags & BT_AT_EMPTY_PATH) && !(e->h.flags & BT_F_READ_FAULT))
		return;
	if (ret == 0 && a.buf)
		bt_stat_result(p->op, a.buf, e);
	if (ret > 0 && (p->op == BT_OP_READLINK || p->op == BT_OP_READLINKAT))
		e->target_len = bt_read_ubytes(s->buf, sizeof(*e) + e->path_len, a.buf, ret, &e->h.flags);

	h = bt_hash(0xcbf29ce484222325ull, sizeof(*e), e->path_len);
	h = bt_mix(h, ((__u64)e->ftype << 32) | e->mtime_nsec);
	h = bt_mix(h, e->mtime_sec);
	h = bt_mix(h, ((__u64)e->flags << 32) | e->mode);
	h = bt_mix(h, ((__u64)e->op << 32) | (__u32)e->dirfd);
	h = bt_mix(h, (__u64)e->ret);
	if (e->target_len)
		h = bt_hash(h, sizeof(*e) + e->path_len, e->target_len);
	e->_reserved = 0;
	e->key_hash = h;
	if (!(e->h.flags & (BT_F_TRUNCATED | BT_F_READ_FAULT)) && bt_count_repeat(h, &e->h.flags))
		return; /* counted: a BT_T_REPEATS record brings the count */
	e->h.ts = bpf_ktime_get_boot_ns();
	bt_emit(e, sizeof(*e) + e->path_len + e->target_len);
}

/* --- directory listings --------------------------------------------------- */

struct bt_dirent_ctx {
	__u64 buf;
	__u64 len;
	__u64 off;
	__u32 n;
};

static long bt_dirent_step(__u32 i, void *vctx)
{
	struct bt_dirent_ctx *c = vctx;
	__u16 reclen = 0;

	if (c->off >= c->len)
		return 1;
	/* struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; ... } */
	if (bpf_probe_read_user(&reclen, sizeof(reclen), (void *)(c->buf + c->off + 16)) || reclen == 0)
		return 1;
	c->off += reclen;
	c->n++;
	return 0;
}

/* Counts the execs of the process: with start time and pid, one process image. */
static __always_inline __u64 bt_exec_id(void)
{
	struct task_struct *t = bpf_get_current_task_btf();

	return t->self_exec_id;
}

static __always_inline void bt_emit_readdir(__s32 fd, long ret, struct bt_dir_val *v, __u16 flags)
{
	struct bt_readdir e = {};

	bt_fill_hdr(&e.h, BT_T_READDIR);
	e.h.flags = flags;
	e.ret = ret;
	e.fd = fd;
	if (v) {
		e.entries = v->entries;
		e.calls = v->calls;
	}
	bt_emit(&e, sizeof(e));
}


/* Deletes a listing's entry; the one that deleted it takes it off the
 * process's count of listings. */
static __always_inline void bt_forget_listing(struct bt_dir_key *k)
{
	if (!bpf_map_delete_elem(&bt_dirs, k))
		bt_proc_listings_add(-1);
}

static __always_inline void bt_on_readdir(long ret, struct bt_pending *p)
{
	struct bt_args a = {};
	struct bt_dir_key k = {};
	struct bt_dir_val *v, nv = {};
	struct bt_dirent_ctx c = {};

	bt_args_of(p, &a);
	k.start_time = bt_start_time();
	k.exec_id = bt_exec_id();
	k.pid = bpf_get_current_pid_tgid() >> 32;
	k.fd = a.fd;
	v = bpf_map_lookup_elem(&bt_dirs, &k);
	if (ret > 0) {
		c.buf = a.buf;
		c.len = ret;
		bpf_loop(8192, bt_dirent_step, &c, 0);
		if (v) {
			v->entries += c.n;
			v->calls++;
		} else {
			/* the process's state first: without its count a close
			 * would not look for the entry (and a thread that ends
			 * the listing at once must find the count to take it off) */
			if (bt_proc_listings_add(0)) {
				bt_count_lost(BT_LOST_LISTING);
				return;
			}
			nv.entries = c.n;
			nv.calls = 1;
			if (!bpf_map_update_elem(&bt_dirs, &k, &nv, BPF_NOEXIST))
				bt_proc_listings_add(1);
		}
		return;
	}
	/* the end of the directory, or an error: one record for the listing */
	if (v) {
		nv = *v;
		bt_forget_listing(&k);
	}
	nv.calls++;
	bt_emit_readdir(a.fd, ret, &nv, 0);
}

/* close(fd) of a directory whose listing did not reach its end. */
static __always_inline void bt_readdir_closed(__s32 fd)
{
	struct bt_dir_key k = {};
	struct bt_dir_val *v, nv;

	/* most processes never list a directory: no key to make, no lookup */
	if (bt_proc_listings() <= 0)
		return;
	k.start_time = bt_start_time();
	k.exec_id = bt_exec_id();
	k.pid = bpf_get_current_pid_tgid() >> 32;
	k.fd = fd;
	v = bpf_map_lookup_elem(&bt_dirs, &k);
	if (!v)
		return;
	nv = *v;
	bt_forget_listing(&k);
	bt_emit_readdir(fd, 0, &nv, BT_F_PARTIAL);
}

#endif
