/* SPDX-License-Identifier: MIT */
/*
 * bt-launch: starts the traced command inside the trace's cgroup.
 *
 *   bt-launch CGROUP_PROCS_FILE      (fd 3: a socket to bt)
 *
 * bt starts it before it knows the command, while its BPF programs load
 * (src/capture/launch.ts), so that joining the cgroup (a cgroup move waits
 * ~10 ms for an RCU grace period) is over before the build may start. Then:
 *
 *  1. it joins the cgroup;
 *  2. it reads the command from fd 3: a decimal byte count and a newline,
 *     then that many bytes of NUL-terminated strings: UID, GID, PATH, ARGC,
 *     ARGV..., ENVC, ENV... (UID and GID -1: keep bt's identity);
 *  3. when UID is not -1, it takes the user's supplementary groups
 *     (initgroups: reads /etc/group, before any program is attached);
 *  4. it answers "r" on fd 3: bt starts tracing only then (it writes its
 *     programs' configuration, and attaches them unless they are);
 *  5. it waits for "g" on fd 3 (bt writes it once its programs are
 *     attached and the log's header is written; end of file means bt gave
 *     up: exit 125 without running anything);
 *  6. it drops to UID/GID and execve(PATH, ARGV, ENV), every signal at its
 *     default action and none blocked (it resets them as it starts).
 *
 * It makes no traced system call between the go and the exec but the
 * identity changes: the cgroup file and fd 3 are O_CLOEXEC and never closed
 * explicitly. Exit codes when the exec cannot happen: 126 (cannot run), 127
 * (not found), 125 (set-up failed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BT_FD 3
#define MAX_MESSAGE (1L << 30)

static void die(int code, const char *what, const char *arg)
{
	fprintf(stderr, "bt: %s%s%s: %s\n", what, arg ? " " : "", arg ? arg : "", strerror(errno));
	_exit(code);
}

/* execve said ENOENT of a file that is there: its #! interpreter is missing
 * (126, as the shells say it). Returns when that is not the case. */
static void bad_interpreter(const char *path)
{
	char line[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n < 3 || line[0] != '#' || line[1] != '!')
		return;
	line[n] = '\0';
	char *interp = line + 2;
	interp += strspn(interp, " \t");
	interp[strcspn(interp, " \t\n")] = '\0';
	fprintf(stderr, "bt: cannot run %s: bad interpreter %s: %s\n", path, interp, strerror(ENOENT));
	_exit(126);
}

static void bad_message(void)
{
	fprintf(stderr, "bt: bt-launch: malformed command from bt\n");
	_exit(125);
}

/* Reads exactly len bytes; end of file before that means bt is gone. */
static void read_full(char *buf, size_t len)
{
	while (len) {
		ssize_t n = read(BT_FD, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(125);
		buf += n;
		len -= (size_t)n;
	}
}

/* The next NUL-terminated string at *p (before end), or a malformed message. */
static char *next(char **p, char *end)
{
	char *s = *p;
	char *nul = s < end ? memchr(s, '\0', (size_t)(end - s)) : NULL;
	if (!nul)
		bad_message();
	*p = nul + 1;
	return s;
}

static long number(char **p, char *end, long min, long max)
{
	char *s = next(p, end), *stop;
	errno = 0;
	long v = strtol(s, &stop, 10);
	if (errno || stop == s || *stop || v < min || v > max)
		bad_message();
	return v;
}

/* argc strings from *p, NULL-terminated. */
static char **strings(char **p, char *end, long count)
{
	char **v = calloc((size_t)count + 1, sizeof(char *));
	if (!v)
		die(125, "out of memory", NULL);
	for (long i = 0; i < count; i++)
		v[i] = next(p, end);
	return v;
}

/*
 * The build starts with every signal at its default action and none
 * blocked, as from a shell: bt (Node) ignores SIGPIPE, and posix_spawn
 * passes ignored signals and the signal mask on through the exec (with
 * SIGPIPE ignored, `yes | head -1` in the build would never end).
 */
static void default_signals(void)
{
	sigset_t none;
	/*
	 * The kernel's struct sigaction, all zero: SIG_DFL, no flags, empty mask
	 * (the same bytes whatever the architecture's field order). The system
	 * call, not glibc's sigaction, which refuses the two real-time signals
	 * it keeps for itself (32, 33) although an ignored one would still pass
	 * to the build. SIGKILL and SIGSTOP refuse: nothing to do.
	 */
	unsigned long dfl[4] = { 0 };

	for (int sig = 1; sig < 65; sig++)
		syscall(SYS_rt_sigaction, sig, dfl, NULL, 8);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

int main(int argc, char **argv)
{
	default_signals();
	if (argc != 2 || fcntl(BT_FD, F_SETFD, FD_CLOEXEC) < 0) {
		fprintf(stderr, "usage: bt-launch CGROUP_PROCS (started by bt trace, with fd 3 a socket to it)\n");
		return 125;
	}
	const char *procs = argv[1];
	int fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die(125, "cannot open", procs);
	if (write(fd, "0\n", 2) != 2)
		die(125, "cannot join the trace cgroup via", procs);

	char head[24];
	size_t h = 0;
	for (;;) {
		if (h == sizeof(head))
			bad_message();
		read_full(head + h, 1);
		if (head[h] == '\n')
			break;
		h++;
	}
	head[h] = '\0';
	char *stop;
	errno = 0;
	long len = strtol(head, &stop, 10);
	if (errno || stop == head || *stop || len <= 0 || len > MAX_MESSAGE)
		bad_message();
	char *msg = malloc((size_t)len);
	if (!msg)
		die(125, "out of memory", NULL);
	read_full(msg, (size_t)len);
	char *p = msg, *end = msg + len;
	long uid = number(&p, end, -1, 0xfffffffeL);
	long gid = number(&p, end, -1, 0xfffffffeL);
	if ((uid < 0) != (gid < 0))
		bad_message(); /* both bt's own identity, or both the user's */
	char *path = next(&p, end);
	long nargs = number(&p, end, 1, len);
	char **args = strings(&p, end, nargs);
	long nenv = number(&p, end, 0, len);
	char **env = strings(&p, end, nenv);
	if (p != end)
		bad_message();

	char ids[48];
	snprintf(ids, sizeof(ids), "%ld/%ld", uid, gid);
	if (uid >= 0) {
		struct passwd *pw = getpwuid((uid_t)uid);
		if (pw ? initgroups(pw->pw_name, (gid_t)gid) : setgroups(0, NULL))
			die(125, "cannot set the supplementary groups of uid/gid", ids);
	}

	/* Ready: bt starts tracing now (its configuration), then says go. */
	while (write(BT_FD, "r", 1) != 1)
		if (errno != EINTR)
			_exit(125);
	char c;
	ssize_t n;
	do
		n = read(BT_FD, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1 || c != 'g')
		_exit(125);

	/* From here on every system call is traced: only privilege drops and exec. */
	if (gid >= 0 && setresgid((gid_t)gid, (gid_t)gid, (gid_t)gid))
		die(125, "cannot switch to uid/gid", ids);
	if (uid >= 0 && setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid))
		die(125, "cannot switch to uid/gid", ids);
	execve(path, args, env);
	if (errno == ENOEXEC) {
		/* A script without #!: /bin/sh runs it, as execvp(3) and the shells do. */
		char **sh = calloc((size_t)nargs + 2, sizeof(*sh));
		if (sh) {
			sh[0] = "/bin/sh";
			sh[1] = path;
			memcpy(sh + 2, args + 1, (size_t)nargs * sizeof(*sh)); /* args[nargs] is NULL */
			execve("/bin/sh", sh, env);
		}
		errno = ENOEXEC;
	}
	if (errno == ENOENT)
		bad_interpreter(path);
	die(errno == ENOENT ? 127 : 126, "cannot run", path);
	return 126;
}
