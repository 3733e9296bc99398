/* SPDX-License-Identifier: MIT */
/*
 * bt-launch: starts the traced command inside the trace's cgroup.
 *
 *   bt-launch CGROUP_PROCS_FILE UID GID PATH ARGV0 [ARGS...]
 *
 * Moves itself into the cgroup (so the command's first instruction already
 * runs traced), then, with BT_LAUNCH_WAIT_FD set, waits for one byte on
 * that fd (bt writes it once its programs are attached and the log's
 * header is written; end of file means bt gave up: exit 125 without
 * running anything), drops to UID/GID with the user's supplementary groups
 * when UID is not -1, and execv(PATH, ARGV). It makes no traced system
 * call between the go and the exec: the cgroup file and the wait fd are
 * O_CLOEXEC and never closed explicitly. Exit codes when the exec cannot
 * happen: 126 (cannot run), 127 (not found), 125 (set-up failed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die(int code, const char *what, const char *arg)
{
	fprintf(stderr, "bt: %s%s%s: %s\n", what, arg ? " " : "", arg ? arg : "", strerror(errno));
	_exit(code);
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: bt-launch CGROUP_PROCS UID GID PATH ARGV0 [ARGS...]\n");
		return 125;
	}
	const char *procs = argv[1];
	long uid = strtol(argv[2], NULL, 10);
	long gid = strtol(argv[3], NULL, 10);
	const char *path = argv[4];

	/* The wait fd is closed by the exec, not by a close(2) the trace would show. */
	const char *wait_fd = getenv("BT_LAUNCH_WAIT_FD");
	int wfd = wait_fd ? (int)strtol(wait_fd, NULL, 10) : -1;
	if (wfd >= 0 && fcntl(wfd, F_SETFD, FD_CLOEXEC) < 0)
		_exit(125);

	/*
	 * Join the trace cgroup before the go, while bt still loads its BPF
	 * programs: moving a process between cgroups waits for an RCU grace
	 * period (~10 ms), which would otherwise delay the build's first
	 * instruction. Nothing is traced before bt has attached.
	 */
	if (uid >= 0) {
		struct passwd *pw = getpwuid((uid_t)uid);
		if (pw ? initgroups(pw->pw_name, (gid_t)gid) : setgroups(0, NULL))
			die(125, "cannot set the supplementary groups of uid", argv[2]);
	}
	int fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die(125, "cannot open", procs);
	if (write(fd, "0\n", 2) != 2)
		die(125, "cannot join the trace cgroup via", procs);

	if (wfd >= 0) {
		char c;
		ssize_t n;
		do
			n = read(wfd, &c, 1);
		while (n < 0 && errno == EINTR);
		if (n != 1)
			_exit(125);
		unsetenv("BT_LAUNCH_WAIT_FD");
	}

	/* From here on every system call is traced: only privilege drops and exec. */
	if (gid >= 0 && setresgid((gid_t)gid, (gid_t)gid, (gid_t)gid))
		die(125, "cannot switch to gid", argv[3]);
	if (uid >= 0 && setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid))
		die(125, "cannot switch to uid", argv[2]);
	execv(path, argv + 5);
	die(errno == ENOENT ? 127 : 126, "cannot run", path);
	return 126;
}
