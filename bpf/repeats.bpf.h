/* SPDX-License-Identifier: MIT */
/* Repeated lookups, counted in a table in each thread's own storage
 * instead of sent again: no shared map, no lock, nothing to look up by key.
 *
 * A slot is one 64-bit word: the tag (key_hash >> BT_REP_COUNT_BITS) above
 * a count. The thread that owns the table is the only one that changes a
 * slot's tag; the count is also taken by the sweep (sweep.bpf.c) and at
 * thread exit. Every change is one atomic operation on the word, so each
 * count is sent exactly once, by whoever takes it:
 *   - a lookup whose tag is in one of its two slots adds 1 there; if the count was 0, the
 *     lookup is sent flagged BT_F_REPEAT (it stands for itself and the
 *     count to come), else it is only counted;
 *   - a lookup whose tag is in neither of its two slots takes one (exchange:
 *     the unused one, else its first) and
 *     sends the count it replaced, then is sent as a new lookup;
 *   - the sweep and the thread's exit take the counts (compare-and-
 *     exchange: the tag stays) and send them.
 * They look only at the groups of slots whose bit is set in `groups`: the
 * owner sets a slot's bit when its count starts, a taker clears the bits
 * first (exchange) and sets a bit again for a count it could not take.
 * BT_T_REPEATS records carry the counts (bt_records.h). */
#ifndef BT_REPEATS_BPF_H
#define BT_REPEATS_BPF_H

#include "common.bpf.h"

#define BT_REP_COUNT_MASK ((1ull << BT_REP_COUNT_BITS) - 1)
#define BT_REP_TRIES 8

static __always_inline void bt_emit_repeats(__u32 pid, __u32 tid, __u64 word)
{
	struct bt_repeats r = {};

	bt_fill_hdr(&r.h, BT_T_REPEATS);
	r.h.pid = pid;
	r.h.tid = tid;
	r.key_tag = word >> BT_REP_COUNT_BITS;
	r.count = word & BT_REP_COUNT_MASK;
	bt_emit(&r, sizeof(r));
}

/* A count taken by the table's owner, the current thread. */
static __always_inline void bt_emit_own_repeats(__u64 word)
{
	__u64 id = bpf_get_current_pid_tgid();

	bt_emit_repeats(id >> 32, (__u32)id, word);
}

/*
 * Counts a lookup of the current thread with key hash h. Returns true when
 * it was only counted (nothing to send); false when it is to be sent, with
 * *flags |= BT_F_REPEAT when it is the first repetition.
 */
static __always_inline bool bt_count_repeat(__u64 h, __u16 *flags)
{
	struct bt_rep_table *t;
	__u64 *slot, w, old, tag = h & ~BT_REP_COUNT_MASK;
	__u32 idx = (h >> BT_REP_COUNT_BITS) % BT_REP_SLOTS;

	bt_barrier_var(idx);
	if (idx >= BT_REP_SLOTS)
		return false; /* (for the verifier) */
	t = bpf_task_storage_get(&bt_reps, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t)
		return false; /* no table: sent every time, nothing lost */
	slot = &t->slot[idx];
	w = *(volatile __u64 *)slot;
	if ((w & ~BT_REP_COUNT_MASK) != tag || w == 0) {
		/* Two ways: the slot paired with it (same group) holds the tag, or
		 * is unused while this one is taken. Two lookups that alternate
		 * then never push each other out. */
		__u32 alt = idx ^ 1;
		__u64 w2;

		bt_barrier_var(alt);
		if (alt < BT_REP_SLOTS) {
			w2 = *(volatile __u64 *)&t->slot[alt];
			if (((w2 & ~BT_REP_COUNT_MASK) == tag && w2 != 0) || (w != 0 && w2 == 0)) {
				idx = alt;
				slot = &t->slot[idx];
				w = w2;
			}
		}
	}
	if ((w & ~BT_REP_COUNT_MASK) == tag && w != 0) {
		old = __sync_fetch_and_add(slot, 1);
		if ((old & BT_REP_COUNT_MASK) == 0) {
			__sync_fetch_and_or(&t->groups, 1ull << (idx / BT_REP_GROUP));
			*flags |= BT_F_REPEAT;
			return false;
		}
		if ((old & BT_REP_COUNT_MASK) + 1 == BT_REP_COUNT_MASK) {
			/* full: send the count now; the next repetition starts over */
			old = __sync_lock_test_and_set(slot, tag);
			if ((old & ~BT_REP_COUNT_MASK) == tag && (old & BT_REP_COUNT_MASK))
				bt_emit_own_repeats(old);
		}
		return true;
	}
	old = __sync_lock_test_and_set(slot, tag);
	if (old & BT_REP_COUNT_MASK)
		bt_emit_own_repeats(old);
	return false;
}

struct bt_flush_ctx {
	struct bt_rep_table *t;
	__u64 groups;
	__u32 pid;
	__u32 tid;
	__u32 g; /* the group being flushed */
};

/* Slot j of group c->g: its count taken and sent. A bpf_loop callback, as
 * is the group's: the verifier checks each once. Written as loops inside
 * one callback, the slots of a group were checked one by one, at every
 * load, in each of the three programs that flush (exec, exit, the sweep):
 * ~2,500 instructions each, a sixth of all verification. */
static long bt_flush_slot(__u32 j, void *vctx)
{
	struct bt_flush_ctx *c = vctx;
	__u32 k, idx = c->g * BT_REP_GROUP + j;
	__u64 *slot, w;

	bt_barrier_var(idx);
	if (j >= BT_REP_GROUP || idx >= BT_REP_SLOTS)
		return 1;
	slot = &c->t->slot[idx];
	/* Only the owner's own repetitions can make the exchange fail: try
	 * again rather than leave the count to a later flush (the owner may
	 * be exiting, and its table go with it). */
	for (k = 0; k < BT_REP_TRIES; k++) {
		w = *(volatile __u64 *)slot;
		if (!(w & BT_REP_COUNT_MASK))
			return 0;
		/* the tag stays: the owner's next repetition is sent flagged again */
		if (__sync_val_compare_and_swap(slot, w, w & ~BT_REP_COUNT_MASK) == w) {
			bt_emit_repeats(c->pid, c->tid, w);
			return 0;
		}
	}
	__sync_fetch_and_or(&c->t->groups, 1ull << c->g);
	return 0;
}

static long bt_flush_group(__u32 g, void *vctx)
{
	struct bt_flush_ctx *c = vctx;

	if (g >= BT_REP_SLOTS / BT_REP_GROUP)
		return 1;
	if (!((c->groups >> g) & 1))
		return 0;
	c->g = g;
	bpf_loop(BT_REP_GROUP, bt_flush_slot, c, 0);
	return 0;
}

/* Takes and sends every count of thread `task`'s table, named as thread
 * `tid` of process `pid` (the sweep, exit, an exec by another thread). */
static __always_inline void bt_flush_repeats_as(struct task_struct *task, __u32 pid, __u32 tid)
{
	struct bt_flush_ctx c;

	c.t = bpf_task_storage_get(&bt_reps, task, 0, 0);
	if (!c.t)
		return;
	c.groups = __sync_lock_test_and_set(&c.t->groups, 0);
	if (!c.groups)
		return;
	c.pid = pid;
	c.tid = tid;
	bpf_loop(BT_REP_SLOTS / BT_REP_GROUP, bt_flush_group, &c, 0);
}

static __always_inline void bt_flush_repeats(struct task_struct *task)
{
	bt_flush_repeats_as(task, BPF_CORE_READ(task, tgid), BPF_CORE_READ(task, pid));
}

_Static_assert(BT_REP_SLOTS % BT_REP_GROUP == 0 && BT_REP_SLOTS / BT_REP_GROUP <= 64, "one bit of groups per group of slots");
_Static_assert(BT_REP_GROUP % 2 == 0, "a slot and its pair (idx ^ 1) are in one group");

#endif
