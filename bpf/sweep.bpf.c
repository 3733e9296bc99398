/* SPDX-License-Identifier: MIT */
/*
 * The sweep: a task iterator that userspace runs about once a second
 * (reading the iterator's fd runs the program for every thread). It sends
 * the counts of repeated lookups that threads still hold (repeats.bpf.h),
 * so that a long-lived process (make) does not keep them to its exit.
 * Attached when the capture first needs it, not at start-up.
 */
#include "common.bpf.h"
#include "repeats.bpf.h"

SEC("iter/task")
int bt_sweep(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;

	if (task)
		bt_flush_repeats(task);
	return 0;
}
