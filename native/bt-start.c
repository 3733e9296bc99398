/* SPDX-License-Identifier: MIT */
/*
 * bt trace's early start: see bt-start.h. Each step does what bt's program
 * does for the same plain case (the TypeScript named beside it), and
 * declines whatever that program would look at more closely, refuse, or
 * say something about: the program then runs the trace as without this
 * executable. Tests run both ways and compare the logs
 * (test/capture/front-start.test.ts).
 */
#define _GNU_SOURCE
#include "bt-start.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/bpf.h>
#include <linux/types.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bt_records.h"

#define MAX_GROUPS 1024
#define SYS_PIDFD_OPEN 434

extern char **environ;

volatile sig_atomic_t start_parent_gone;

static const unsigned char MAGIC[8] = {0x89, 'B', 'T', 'L', 'O', 'G', '\r', '\n'}; /* src/log/magic.ts */

uint64_t start_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int decline(struct start *s, const char *fmt, const char *arg)
{
	snprintf(s->why, sizeof(s->why), fmt, arg ? arg : "");
	for (char *c = s->why; *c; c++)
		if (*c == '\n')
			*c = ' ';
	return -1;
}

/* A decimal id as buildUser takes one (src/capture/user.ts): 1-10 digits, below 0xffffffff; else -1. */
static long decimal_id(const char *v)
{
	if (!v || !*v || strlen(v) > 10 || strspn(v, "0123456789") != strlen(v))
		return -1;
	unsigned long long n = strtoull(v, NULL, 10);
	return n < 0xffffffffULL ? (long)n : -1;
}

/* The user's line in /etc/passwd, read as passwdEntry reads it: 0 found, 1 not found, -1 a line bt-start does not read alike. */
static int passwd_entry(struct start *s, long uid, long *pw_gid)
{
	FILE *f = fopen("/etc/passwd", "re");
	if (!f)
		return 1;
	char line[8192];
	int found = 1;
	while (found == 1 && fgets(line, sizeof(line), f)) {
		if (!strchr(line, '\n') && !feof(f)) {
			found = -1; /* a line longer than this buffer */
			break;
		}
		line[strcspn(line, "\n")] = 0;
		char *field[7];
		int n = 0;
		char *p = line;
		for (; n < 7; n++) {
			field[n] = p;
			char *colon = strchr(p, ':');
			if (!colon) {
				n++;
				break;
			}
			*colon = 0;
			p = colon + 1;
		}
		if (n < 7 || !*field[2])
			continue;
		long id = decimal_id(field[2]);
		if (id < 0) {
			found = -1; /* Number() reads more forms than digits */
			break;
		}
		if (id != uid)
			continue;
		if (strlen(field[0]) >= sizeof(s->name) || strlen(field[5]) >= sizeof(s->home)) {
			found = -1;
			break;
		}
		strcpy(s->name, field[0]);
		strcpy(s->home, field[5]);
		int digits = *field[3] && strspn(field[3], "0123456789") == strlen(field[3]);
		*pw_gid = digits ? decimal_id(field[3]) : -1;
		found = digits && *pw_gid < 0 ? -1 : 0; /* an id bt's program would pass on, and bt-launch refuse */
	}
	fclose(f);
	return found;
}

static int env_is(const char *entry, const char *name)
{
	size_t n = strlen(name);
	return !strncmp(entry, name, n) && entry[n] == '=';
}

/* The build's environment: bt's, as buildEnv makes it (src/capture/user.ts) once Node has taken BT_T0 out. */
static int plan_env(struct start *s)
{
	size_t n = 0;
	while (environ[n])
		n++;
	s->envp = calloc(n + 5, sizeof(char *));
	if (!s->envp)
		return decline(s, "out of memory", NULL);
	size_t out = 0;
	int user = -1, logname = -1, home = -1;
	const char *ca = NULL;
	for (size_t i = 0; i < n; i++) {
		const char *e = environ[i], *eq = strchr(e, '=');
		if (!eq || eq == e)
			return decline(s, "an environment entry without a name", NULL);
		size_t len = (size_t)(eq - e);
		if (strspn(e, "0123456789") >= len)
			return decline(s, "a variable named by digits", NULL);
		for (size_t j = 0; j < i; j++)
			if (!strncmp(environ[j], e, len + 1))
				return decline(s, "a variable set twice", NULL);
		if (env_is(e, "BT_NODE_EXTRA_CA_CERTS") || env_is(e, "BT_FRONT_LOAD"))
			return decline(s, "a variable of bt's own is set", NULL);
		if (env_is(e, "BT_T0"))
			continue; /* src/capture/timing.ts takes it */
		if (env_is(e, "NODE_EXTRA_CA_CERTS")) {
			for (const char *c = e; *c; c++)
				if ((unsigned char)*c >= 0x80)
					return decline(s, "NODE_EXTRA_CA_CERTS is not ASCII", NULL);
			ca = e; /* set again, last, by src/cli/bt.cts (unless empty) */
			continue;
		}
		if (env_is(e, "USER"))
			user = (int)out;
		if (env_is(e, "LOGNAME"))
			logname = (int)out;
		if (env_is(e, "HOME"))
			home = (int)out;
		s->envp[out++] = (char *)e;
	}
	if (ca && ca[strlen("NODE_EXTRA_CA_CERTS=")])
		s->envp[out++] = (char *)ca;
	if (s->uid >= 0 && s->name[0]) {
		char *u, *l, *h = NULL;
		if (asprintf(&u, "USER=%s", s->name) < 0 || asprintf(&l, "LOGNAME=%s", s->name) < 0 ||
		    (s->home[0] && asprintf(&h, "HOME=%s", s->home) < 0))
			return decline(s, "out of memory", NULL);
		s->envp[user >= 0 ? user : (int)out++] = u;
		s->envp[logname >= 0 ? logname : (int)out++] = l;
		if (h)
			s->envp[home >= 0 ? home : (int)out++] = h;
	}
	s->envp[out] = NULL;
	return 0;
}

int start_plan(struct start *s, int argc, char **argv, pid_t parent)
{
	s->log_fd = s->launcher_pidfd = s->launcher_sock = -1;
	s->launcher = -1;
	s->parent = parent;
	for (int i = 0; i < 3; i++)
		s->saved_std[i] = -1;
	const char *off = getenv("BT_EARLY_START");
	if (off && !strcmp(off, "0"))
		return decline(s, "BT_EARLY_START=0", NULL);
	/* src/cli/trace-args.ts: -o FILE, --output FILE, --output=FILE, -oFILE, -q, --quiet; then the command */
	s->output = "build.trace";
	int i = 2;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (strlen(a) < 2 || a[0] != '-')
			break;
		if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
			continue;
		if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
			if (++i >= argc)
				return decline(s, "-o without a file", NULL);
			s->output = argv[i];
		} else if (!strncmp(a, "--output=", 9)) {
			s->output = a + 9;
		} else if (!strncmp(a, "-o", 2)) {
			s->output = a + 2;
		} else {
			return decline(s, "option %s", a);
		}
	}
	if (i >= argc)
		return decline(s, "no command", NULL);
	/* bt takes the fds with pidfd_getfd(2), which Yama's ptrace_scope 3 refuses even to root */
	FILE *yama = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
	if (yama) {
		int scope = fgetc(yama);
		fclose(yama);
		if (scope == '3')
			return decline(s, "ptrace_scope 3", NULL);
	}
	/* bt compares the name it read (a byte that is not UTF-8 reads as U+FFFD there) */
	for (const char *c = s->output; *c; c++)
		if ((unsigned char)*c >= 0x80 || (unsigned char)*c < 0x20)
			return decline(s, "the log's name", NULL);
	/* src/cli/trace-action.ts refuses these, and session.ts "-" */
	if (!*s->output || s->output[0] == '-')
		return decline(s, "the log's name", NULL);
	if (!*argv[i])
		return decline(s, "an empty command", NULL);
	s->argv = argv + i;
	s->argc = argc - i;

	/* src/capture/user.ts buildUser: sudo's user, unless it is root */
	s->uid = s->gid = -1;
	long uid = decimal_id(getenv("SUDO_UID"));
	if (uid > 0) {
		long pw_gid = -1;
		int found = passwd_entry(s, uid, &pw_gid);
		if (found < 0)
			return decline(s, "/etc/passwd", NULL);
		long gid = decimal_id(getenv("SUDO_GID"));
		s->uid = uid;
		s->gid = gid >= 0 ? gid : pw_gid >= 0 ? pw_gid : uid;
	}
	if (!getcwd(s->cwd, sizeof(s->cwd)) || s->cwd[0] != '/')
		return decline(s, "the working directory", NULL);
	for (int fd = 0; fd < 3; fd++) {
		s->saved_std[fd] = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (s->saved_std[fd] < 0)
			return decline(s, "a standard stream is closed", NULL);
	}
	return plan_env(s);
}

/* Identity: the user's for file access (as log/output.ts asUser), root's again. The starter has one thread. */
static gid_t root_groups[MAX_GROUPS], user_groups[MAX_GROUPS];
static int n_root_groups = -1, n_user_groups;
static gid_t root_egid;

static int as_user(struct start *s)
{
	if (s->uid < 0)
		return 0;
	if (n_root_groups < 0) {
		n_root_groups = getgroups(MAX_GROUPS, root_groups);
		if (n_root_groups < 0)
			return -1;
		root_egid = getegid();
		n_user_groups = MAX_GROUPS;
		user_groups[0] = (gid_t)s->gid;
		if (!s->name[0])
			n_user_groups = 1;
		else if (getgrouplist(s->name, (gid_t)s->gid, user_groups, &n_user_groups) < 0)
			return -1;
	}
	if (setgroups((size_t)n_user_groups, user_groups) || setegid((gid_t)s->gid) || seteuid((uid_t)s->uid))
		return -1;
	return 0;
}

static void as_root(struct start *s)
{
	if (s->uid < 0)
		return;
	/* failing to become root again would leave this process unable to trace: it stops */
	if (seteuid(0) || setegid(root_egid) || setgroups((size_t)n_root_groups, root_groups))
		_exit(1);
	/* a change of credentials clears the parent-death signal: set again, and bt still there checked */
	if (prctl(PR_SET_PDEATHSIG, SIGUSR2) || getppid() != s->parent)
		start_parent_gone = 1;
	/* and undumpable (suid_dumpable 0): bt's pidfd_getfd would then need CAP_SYS_PTRACE */
	prctl(PR_SET_DUMPABLE, 1);
}

/* path.resolve(a, b, c) of Node, for absolute results: later absolute parts win, then . and .. and // go. */
static int resolve(char *out, size_t size, const char *a, const char *b, const char *c)
{
	const char *parts[3] = {a, b, c};
	char joined[8192] = "";
	for (int i = 0; i < 3; i++) {
		if (!parts[i])
			continue;
		if (parts[i][0] == '/')
			joined[0] = 0;
		if (strlen(joined) + strlen(parts[i]) + 2 > sizeof(joined))
			return -1;
		strcat(joined, "/");
		strcat(joined, parts[i]);
	}
	size_t n = 0;
	out[0] = 0;
	for (char *save, *seg = strtok_r(joined, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (!strcmp(seg, "."))
			continue;
		if (!strcmp(seg, "..")) {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
			out[n] = 0;
			continue;
		}
		if (n + strlen(seg) + 2 > size)
			return -1;
		out[n++] = '/';
		strcpy(out + n, seg);
		n += strlen(seg);
	}
	if (!n)
		strcpy(out, "/");
	return 0;
}

/* mayExecute (src/capture/user.ts), as the user whose identity this process has. */
static int may_execute(struct start *s, const struct stat *st)
{
	uid_t uid = s->uid >= 0 ? (uid_t)s->uid : geteuid();
	if (uid == 0)
		return (st->st_mode & 0111) != 0;
	if (st->st_uid == uid)
		return (st->st_mode & 0100) != 0;
	gid_t groups[MAX_GROUPS];
	int n = getgroups(MAX_GROUPS, groups);
	int member = st->st_gid == (gid_t)s->gid;
	for (int i = 0; i < n && !member; i++)
		member = groups[i] == st->st_gid;
	if (member)
		return (st->st_mode & 0010) != 0;
	return (st->st_mode & 0001) != 0;
}

/* resolveCommand (src/capture/user.ts): the first executable file, or -1 (not found, not executable: the program says which). */
static int resolve_command(struct start *s)
{
	const char *cmd = s->argv[0];
	if (strchr(cmd, '/')) {
		struct stat st;
		if (resolve(s->path, sizeof(s->path), s->cwd, NULL, cmd) || stat(s->path, &st) || !S_ISREG(st.st_mode) || !may_execute(s, &st))
			return decline(s, "the command %s", cmd);
		return 0;
	}
	const char *env_path = NULL;
	for (char **e = s->envp; *e; e++)
		if (env_is(*e, "PATH"))
			env_path = *e + 5;
	char dirs[8192];
	if (snprintf(dirs, sizeof(dirs), "%s", env_path ? env_path : "/usr/local/bin:/usr/bin:/bin") >= (int)sizeof(dirs))
		return decline(s, "PATH", NULL);
	for (char *d = dirs;;) {
		char *colon = strchr(d, ':');
		if (colon)
			*colon = 0;
		struct stat st;
		if (!resolve(s->path, sizeof(s->path), s->cwd, *d ? d : ".", cmd) && !stat(s->path, &st)) {
			if (S_ISDIR(st.st_mode))
				; /* as resolveCommand: on to the next */
			else if (S_ISREG(st.st_mode) && may_execute(s, &st))
				return 0;
			else if (S_ISREG(st.st_mode))
				return decline(s, "the command %s", cmd); /* not executable: the program says so, if no other is found */
		}
		if (!colon)
			break;
		d = colon + 1;
	}
	return decline(s, "the command %s", cmd);
}

/* Kernel pseudo-file systems: log/output.ts PSEUDO_FS. */
static int on_pseudo_fs(int fd)
{
	static const long pseudo[] = {0x9fa0, 0x62656572, 0x64626720, 0x74726163, 0x27e0eb, 0x63677270, (long)0xcafe4a11, 0x73636673, 0x62656570};
	struct statfs f;
	if (fstatfs(fd, &f))
		return 1;
	for (size_t i = 0; i < sizeof(pseudo) / sizeof(pseudo[0]); i++)
		if ((long)f.f_type == pseudo[i])
			return 1;
	return 0;
}

static int is_std_stream(const struct stat *st)
{
	for (int fd = 0; fd < 3; fd++) {
		struct stat s;
		if (!fstat(fd, &s) && s.st_dev == st->st_dev && s.st_ino == st->st_ino)
			return 1;
	}
	return 0;
}

/*
 * The log, as session.ts openTraceOutput and log/output.ts openOutputInPlace
 * open it, as the user, for the plain cases only: no link on the way, a new
 * file, or the user's own regular file with one name that is empty or a bt
 * log. Anything else is the program's to decide.
 */
static int open_log(struct start *s)
{
	const char *file = s->output;
	char prefix[4096];
	if (strlen(file) >= sizeof(prefix))
		return decline(s, "the log's name", NULL);
	for (const char *slash = strchr(file + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		size_t n = (size_t)(slash - file);
		memcpy(prefix, file, n);
		prefix[n] = 0;
		const char *last = strrchr(prefix, '/');
		last = last ? last + 1 : prefix;
		if (!strcmp(last, ".."))
			return decline(s, "the log's path has ..", NULL);
		struct stat st;
		if (!*last || !strcmp(last, "."))
			continue;
		if (lstat(prefix, &st))
			return decline(s, "the log's directory", NULL);
		if (S_ISLNK(st.st_mode))
			return decline(s, "the log's path has a link", NULL);
	}
	struct stat st;
	int fd;
	if (lstat(file, &st)) {
		if (errno != ENOENT)
			return decline(s, "the log", NULL);
		fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return decline(s, "the log cannot be made", NULL);
		if (flock(fd, LOCK_EX | LOCK_NB)) {
			close(fd);
			return decline(s, "the log is locked", NULL);
		}
		s->log_fd = fd;
		return 0;
	}
	uid_t owner = s->uid >= 0 ? (uid_t)s->uid : geteuid();
	if (!S_ISREG(st.st_mode) || st.st_uid != owner || st.st_nlink != 1)
		return decline(s, "the log is not the user's own file", NULL);
	fd = open(file, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return decline(s, "the log cannot be opened", NULL);
	struct stat now;
	unsigned char head[sizeof(MAGIC)];
	ssize_t got = -1;
	if (fstat(fd, &now) || now.st_dev != st.st_dev || now.st_ino != st.st_ino || !S_ISREG(now.st_mode) || on_pseudo_fs(fd) ||
	    is_std_stream(&now) || flock(fd, LOCK_EX | LOCK_NB) || (got = pread(fd, head, sizeof(head), 0)) < 0 ||
	    (now.st_size > 0 && (got == 0 || memcmp(head, MAGIC, (size_t)got))) || ftruncate(fd, 0) || fchmod(fd, 0600)) {
		close(fd);
		return decline(s, "the log is not a bt log to replace", NULL);
	}
	s->log_fd = fd;
	return 0;
}

/* The first line of FILE that `take` takes (1: taken into out; -1: stop, not taken): 0 when one was, else -1. */
static int first_line(const char *file, int (*take)(char *line, char *out, size_t size), char *out, size_t size)
{
	FILE *f = fopen(file, "re");
	if (!f)
		return -1;
	char line[8192];
	int r = 0;
	while (!r && fgets(line, sizeof(line), f))
		r = take(line, out, size);
	fclose(f);
	return r == 1 ? 0 : -1;
}

/* A mountinfo line's mount point when it is cgroup2's (cgroup.ts cgroup2Root). */
static int cgroup2_mount(char *line, char *out, size_t size)
{
	char *sep = strstr(line, " - ");
	if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
		return 0;
	char *field = line;
	for (int k = 0; k < 4 && field; k++) {
		field = strchr(field, ' ');
		if (field)
			field++;
	}
	if (!field)
		return -1;
	size_t n = strcspn(field, " ");
	if (n >= size || memchr(field, '\\', n))
		return -1; /* an escaped name: the program reads it */
	memcpy(out, field, n);
	out[n] = 0;
	return 1;
}

/* A /proc/self/cgroup line's cgroup v2 path (cgroup.ts ownCgroup). */
static int cgroup2_path(char *line, char *out, size_t size)
{
	if (strncmp(line, "0::", 3))
		return 0;
	line[strcspn(line, "\n")] = 0;
	if (strlen(line + 3) >= size)
		return -1;
	strcpy(out, line + 3);
	return 1;
}

/* cgroup.ts TraceCgroup.create and make, where nothing goes wrong: the cgroup inside bt's own (or <root>/bt/). */
static int make_cgroup(struct start *s)
{
	char root[4096], own[4096], parent[4096 + 8];
	if (first_line("/proc/self/mountinfo", cgroup2_mount, root, sizeof(root)) || first_line("/proc/self/cgroup", cgroup2_path, own, sizeof(own)))
		return decline(s, "the cgroup hierarchy", NULL);
	int in_own = strcmp(own, "/") != 0 && own[0];
	if (resolve(parent, sizeof(parent), root, in_own ? own + 1 : "bt", NULL))
		return decline(s, "the cgroup's name", NULL);
	if (!in_own && mkdir(parent, 0777) && errno != EEXIST)
		return decline(s, "the cgroup's parent", NULL);
	/* the program's pid (this child's parent execs it), and Date.now() in base 36 */
	char stamp[32], *p = stamp + sizeof(stamp) - 1;
	unsigned long long ms = clock_ns(CLOCK_REALTIME) / 1000000;
	*p = 0;
	do
		*--p = "0123456789abcdefghijklmnopqrstuvwxyz"[ms % 36];
	while ((ms /= 36));
	if (snprintf(s->cgroup, sizeof(s->cgroup), "%s/trace-%d-%s", strcmp(parent, "/") ? parent : "", (int)s->parent, p) >= (int)sizeof(s->cgroup) ||
	    strchr(s->cgroup, '\n'))
		return decline(s, "the cgroup's name", NULL);
	if (mkdir(s->cgroup, 0777)) {
		s->cgroup[0] = 0;
		return decline(s, "the cgroup cannot be made", NULL);
	}
	char type_file[4096 + 16], type[32] = "domain";
	snprintf(type_file, sizeof(type_file), "%s/cgroup.type", s->cgroup);
	FILE *f = fopen(type_file, "re");
	if (f) {
		if (!fgets(type, sizeof(type), f))
			type[0] = 0;
		type[strcspn(type, "\n")] = 0;
		fclose(f);
	}
	struct stat st;
	if (strcmp(type, "domain") || stat(s->cgroup, &st)) {
		rmdir(s->cgroup);
		s->cgroup[0] = 0;
		return decline(s, "the cgroup is not a domain", NULL);
	}
	s->cgroup_id = st.st_ino;
	s->cgroup_level = 0;
	for (const char *c = s->cgroup + strlen(root) - (strcmp(root, "/") ? 0 : 1); *c; c++)
		s->cgroup_level += *c == '/';
	return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* bt-launch in the cgroup, and its command (launch.ts launch and encodeCommand). */
static int start_launcher(struct start *s, const char *launcher_path)
{
	int sv[2];
	char procs[4096 + 16];
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", s->cgroup);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return decline(s, "socketpair", NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return decline(s, "fork", NULL);
	}
	if (pid == 0) {
		for (int fd = 0; fd < 3; fd++)
			if (dup2(s->saved_std[fd], fd) < 0)
				_exit(125);
		if (sv[1] == 3 ? fcntl(3, F_SETFD, 0) : dup2(sv[1], 3) < 0)
			_exit(125);
		char *args[] = {(char *)launcher_path, procs, NULL}, *env[] = {NULL};
		execve(launcher_path, args, env);
		_exit(125);
	}
	close(sv[1]);
	s->launcher = pid;
	s->launcher_sock = sv[0];
	s->launcher_pidfd = (int)syscall(SYS_PIDFD_OPEN, pid, 0);
	s->t_launcher = start_now_ns();
	if (s->launcher_pidfd < 0)
		return decline(s, "pidfd_open", NULL);

	/* "<byte count>\n" then NUL-terminated uid, gid, path, argc, argv..., envc, env... */
	size_t envc = 0, len = 0;
	while (s->envp[envc])
		envc++;
	char nums[4][24];
	snprintf(nums[0], sizeof(nums[0]), "%ld", s->uid);
	snprintf(nums[1], sizeof(nums[1]), "%ld", s->gid);
	snprintf(nums[2], sizeof(nums[2]), "%d", s->argc);
	snprintf(nums[3], sizeof(nums[3]), "%zu", envc);
	const char *head[] = {nums[0], nums[1], s->path, nums[2]};
	for (int k = 0; k < 4; k++)
		len += strlen(head[k]) + 1;
	for (int k = 0; k < s->argc; k++)
		len += strlen(s->argv[k]) + 1;
	len += strlen(nums[3]) + 1;
	for (size_t k = 0; k < envc; k++)
		len += strlen(s->envp[k]) + 1;
	char *msg = malloc(len + 24), *p = msg;
	if (!msg)
		return decline(s, "out of memory", NULL);
	p += sprintf(p, "%zu\n", len);
#define PUT(str) (p = stpcpy(p, (str)) + 1)
	for (int k = 0; k < 4; k++)
		PUT(head[k]);
	for (int k = 0; k < s->argc; k++)
		PUT(s->argv[k]);
	PUT(nums[3]);
	for (size_t k = 0; k < envc; k++)
		PUT(s->envp[k]);
#undef PUT
	int r = write_all(s->launcher_sock, msg, (size_t)(p - msg));
	free(msg);
	return r ? decline(s, "the launcher", NULL) : 0;
}

void start_abandon(struct start *s)
{
	if (s->launcher_sock >= 0)
		close(s->launcher_sock); /* end of file: the launcher exits 125, nothing run */
	s->launcher_sock = -1;
	if (s->launcher > 0) {
		int status;
		while (waitpid(s->launcher, &status, 0) < 0 && errno == EINTR)
			;
		s->launcher = -1;
	}
	if (s->launcher_pidfd >= 0)
		close(s->launcher_pidfd);
	s->launcher_pidfd = -1;
	/* the launcher has left it (cgroup.ts removeTree: a task that exits leaves its cgroup a little later) */
	for (int waited = 0; s->cgroup[0] && rmdir(s->cgroup) && errno == EBUSY && waited < 500; waited += 5)
		usleep(5000);
	s->cgroup[0] = 0;
	if (s->log_fd >= 0)
		close(s->log_fd);
	s->log_fd = -1;
}

int start_prepare(struct start *s, const char *launcher_path)
{
	if (as_user(s))
		return decline(s, "the user's identity", NULL);
	int r = resolve_command(s);
	as_root(s);
	if (r || make_cgroup(s) || start_launcher(s, launcher_path))
		goto fail;
	if (as_user(s)) {
		decline(s, "the user's identity", NULL);
		goto fail;
	}
	r = open_log(s);
	as_root(s);
	if (r)
		goto fail;
	return 0;
fail:
	start_abandon(s);
	return -1;
}

int start_go(struct start *s, int cfg_fd, const char **step)
{
	char c;
	ssize_t n;
	do
		n = read(s->launcher_sock, &c, 1);
	while (n < 0 && errno == EINTR);
	*step = "ready";
	if (n != 1 || c != 'r')
		return -EPIPE;
	s->t_ready = start_now_ns();
	/* bpf.ts writeConfig: the level and flags first, with no cgroup (nothing traced), then the cgroup */
	struct bpf_map_info info;
	union bpf_attr q;
	memset(&info, 0, sizeof(info));
	memset(&q, 0, sizeof(q));
	q.info.bpf_fd = (uint32_t)cfg_fd;
	q.info.info_len = sizeof(info);
	q.info.info = (uintptr_t)&info;
	*step = "config";
	if (syscall(__NR_bpf, BPF_OBJ_GET_INFO_BY_FD, &q, sizeof(q)) < 0)
		return -errno;
	if (info.value_size != sizeof(struct bt_config))
		return -EINVAL; /* bpf.ts writeConfig's check: a build of another layout */
	struct bt_config cfg = {.cgroup_id = 0, .cgroup_level = s->cgroup_level, .flags = BT_CFG_ENV | BT_CFG_FILES};
	uint32_t key = 0;
	for (int k = 0; k < 2; k++) {
		union bpf_attr a;
		memset(&a, 0, sizeof(a));
		a.map_fd = (uint32_t)cfg_fd;
		a.key = (uintptr_t)&key;
		a.value = (uintptr_t)&cfg;
		if (syscall(__NR_bpf, BPF_MAP_UPDATE_ELEM, &a, sizeof(a)) < 0)
			return -errno;
		cfg.cgroup_id = s->cgroup_id;
	}
	/* session.ts sampleClock: the trace's start, and CLOCK_REALTIME less CLOCK_BOOTTIME */
	uint64_t spread = UINT64_MAX;
	for (int k = 0; k < 5; k++) {
		uint64_t b1 = clock_ns(CLOCK_BOOTTIME), w = clock_ns(CLOCK_REALTIME), b2 = clock_ns(CLOCK_BOOTTIME);
		if (b2 - b1 < spread) {
			spread = b2 - b1;
			s->boot_ns = b2;
			s->boot_to_wall_ns = w - (b1 + b2 + 1) / 2;
		}
	}
	s->t_go = start_now_ns();
	*step = "go";
	if (start_parent_gone || getppid() != s->parent)
		return -ESRCH;
	if (write_all(s->launcher_sock, "g", 1))
		return -EPIPE;
	close(s->launcher_sock);
	s->launcher_sock = -1;
	return 0;
}

void start_watch(struct start *s, int sock, const int *held, int nheld)
{
	int taken = 0, ended = 0, draining = 0;
	sigset_t usr2, open_mask;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, &open_mask); /* taken by ppoll only: no signal is missed between the check and the wait */
	sigdelset(&open_mask, SIGUSR2);
	while (!taken || !ended || !draining) {
		struct pollfd p[2] = {{.fd = sock, .events = POLLIN}, {.fd = ended ? -1 : s->launcher_pidfd, .events = POLLIN}};
		if ((start_parent_gone || getppid() != s->parent) && !draining) {
			/* nobody took the build: it is stopped, all of it, and its cgroup removed */
			char kill_file[4096 + 16];
			snprintf(kill_file, sizeof(kill_file), "%s/cgroup.kill", s->cgroup);
			int k = open(kill_file, O_WRONLY | O_CLOEXEC);
			if (k < 0 || write(k, "1", 1) != 1)
				kill(s->launcher, SIGKILL);
			if (ended)
				s->launcher = -1; /* reaped */
			start_abandon(s);
			_exit(1);
		}
		if (start_parent_gone)
			_exit(0);
		if (ppoll(p, 2, NULL, &open_mask) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (p[0].revents) {
			char buf[16];
			ssize_t n = read(sock, buf, sizeof(buf));
			if (n > 0 && memchr(buf, 'd', (size_t)n))
				draining = 1; /* bt's drain loop runs: from here a build outlives a bt that dies, as in any trace */
			if (n > 0 && memchr(buf, 't', (size_t)n) && !taken) {
				taken = 1; /* bt holds them now: the links must go with bt's, the log's lock too */
				for (int k = 0; k < nheld; k++)
					close(held[k]);
				close(s->log_fd); /* its own pidfd of the launcher stays: it polls it */
				s->log_fd = -1;
			} else if (n == 0) {
				start_parent_gone = 1; /* bt closed its end: gone, or given up */
				continue;
			}
		}
		if (!ended && p[1].revents) {
			int status;
			pid_t r = waitpid(s->launcher, &status, 0);
			if (r < 0 && errno == EINTR)
				continue;
			char line[32];
			int len = snprintf(line, sizeof(line), "exit %d\n", r == s->launcher ? status : -1);
			ended = 1;
			if (write_all(sock, line, (size_t)len))
				start_parent_gone = 1; /* bt cannot hear it: gone */
		}
	}
	_exit(0);
}
