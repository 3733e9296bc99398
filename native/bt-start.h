/* SPDX-License-Identifier: MIT */
/*
 * bt trace's early start (bt-start.c): for a plain `bt trace -o FILE --
 * COMMAND`, bt's executable starts the build itself, in the child that
 * loads the BPF programs, instead of waiting for Node (~50 ms here) and bt's
 * program (~35 ms more) to be ready. bt's program then adopts the running
 * trace (src/capture/front-start.ts). Everything that is not plain (another
 * option, a log path or a command that needs a careful look, sudo's
 * environment asking for more than bt-start takes as it is) is declined:
 * bt's program then does it all, as without this executable, and says
 * whatever is wrong.
 */
#ifndef BT_START_H
#define BT_START_H

#include <stdint.h>
#include <sys/types.h>

#define START_WHY 96

struct start {
	/* the plan (start_plan) */
	const char *output;
	char **argv; /* the command, NULL-terminated */
	int argc;
	long uid, gid; /* -1: root's own (no sudo user) */
	char name[256];
	char home[4096];
	char cwd[4096];
	char path[4096]; /* the command, resolved */
	char **envp;
	int saved_std[3]; /* bt's stdin, stdout, stderr for the launcher */
	char why[START_WHY];
	pid_t parent; /* bt's pid: the child's parent, which execs Node */
	/* what start_prepare made */
	int log_fd;
	char cgroup[4096];
	uint64_t cgroup_id;
	unsigned cgroup_level;
	pid_t launcher;
	int launcher_pidfd;
	int launcher_sock;
	uint64_t t_launcher, t_ready, t_go; /* CLOCK_MONOTONIC ns */
	uint64_t boot_ns, boot_to_wall_ns;
};

/* Whether the command line and the environment are plain; 0: yes, else s->why says why not. */
int start_plan(struct start *s, int argc, char **argv, pid_t parent);
/* Resolves the command, makes the cgroup, starts the launcher and opens the log; 0 or -1 (s->why), nothing left behind. */
int start_prepare(struct start *s, const char *launcher_path);
/* Waits for the launcher, writes the configuration into cfg_fd (.data.cfg) and lets the build go; 0, or -errno with *step. */
int start_go(struct start *s, int cfg_fd, const char **step);
/* Undoes start_prepare (the build never ran). */
void start_abandon(struct start *s);
/* After the go: waits for the build's end and for bt's "t" (it has taken the fds in `held`, closed then); reports the end on `sock`; exits. */
void start_watch(struct start *s, int sock, const int *held, int nheld) __attribute__((noreturn));

uint64_t start_now_ns(void);

/*
 * Set by SIGUSR2, the child's parent-death signal: bt (Node) is gone, or
 * never ran (its exec failed). Before bt has taken the trace, the build is
 * stopped then (never started, or its cgroup killed): a build nobody
 * records is not left running. Once bt has it, the build runs on, as when
 * bt dies in any trace.
 */
#include <signal.h>
extern volatile sig_atomic_t start_parent_gone;

#endif
