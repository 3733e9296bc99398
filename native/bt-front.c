/* SPDX-License-Identifier: MIT */
/*
 * bt: the executable users run (scripts/setup.sh links it). It runs bt's
 * program with Node, as the #! line of dist/src/cli/bt.cjs would:
 *
 *   node BT_CJS ARGS...   (NODE_EXTRA_CA_CERTS kept aside, see bt.cts)
 *
 * For `bt trace` by root it first forks a child that loads bt's BPF
 * programs through the light skeleton (build/bt.lskel: the same steps as
 * src/capture/lskel.ts startLightLoad), so that the kernel loads and
 * verifies them (~25 ms here) while Node starts (~50 ms), on the other
 * CPU, instead of after it. The trace takes the child's fds with
 * pidfd_getfd(2) (src/capture/front-load.ts). The child:
 *
 *  1. learns of its parent's end (PR_SET_PDEATHSIG: SIGUSR2, bt-start.h),
 *     the parent being bt once it execs;
 *  2. writes on a socket whose other end bt inherits through the exec (bt
 *     marks it close-on-exec first thing) whether it starts the build
 *     itself (bt-start.h: `early 1`, or `early 0 WHY`);
 *  3. runs the loader, attaches the programs of the header's "attach" list
 *     (the configuration is still zero: nothing is traced until it is
 *     written), then writes the light skeleton's header line, then
 *       ok START END RING MAPFD,... NAME=PROGFD,... LINKFD,...|-
 *     or
 *       error START END STEP ERRNO
 *     (START, END: CLOCK_MONOTONIC ns; NAME: the kernel's name of the
 *     program; STEP: a word naming what failed);
 *  4. sleeps, holding its fds for bt to take, until bt kills it (once it
 *     has them) or exits; or, when it started the build, says go and
 *     stays as the build's parent (early_start below).
 *
 * Node learns the child's pid and its socket's end from BT_FRONT_LOAD
 * ("PID:FD"), which bt's program takes out of its environment first thing.
 * Whatever fails here, bt loads the programs itself as it does without this
 * executable, and says why then.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bt-start.h"

#define PROGRAM "/dist/src/cli/bt.cjs"
#define LSKEL "/bt.lskel"
#define LAUNCHER "/bt-launch"
#define OBJECT "/bt.bpf.o"
#define MAX_HEADER 4096
#define MAX_MAPS 64
#define MAX_PROGS 1024
#define CTX_HEADER 24 /* struct bpf_loader_ctx (libbpf's skel_internal.h) */
#define MAP_DESC 16   /* struct bpf_map_desc: map_fd, max_entries, initial_value */
#define PROG_LOAD_ATTEMPTS 5

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* The value of "key": in the header's JSON (bt's own lskel-gen writes it: numbers only), or -1. */
static long header_number(const char *header, const char *key)
{
	char pattern[64];
	snprintf(pattern, sizeof(pattern), "\"%s\":", key);
	const char *at = strstr(header, pattern);
	if (!at)
		return -1;
	char *end;
	long v = strtol(at + strlen(pattern), &end, 10);
	return end == at + strlen(pattern) || v < 0 ? -1 : v;
}

/* The number of names in the header's array `key` (e.g. "maps"), and the index of `name` among them (-1: absent). */
static int header_names(const char *header, const char *key, const char *name, int *index)
{
	char pattern[64];
	snprintf(pattern, sizeof(pattern), "\"%s\":[", key);
	const char *at = strstr(header, pattern);
	int n = 0;
	*index = -1;
	if (!at)
		return -1;
	at += strlen(pattern);
	size_t len = strlen(name);
	while (*at == '"') {
		const char *close = strchr(at + 1, '"');
		if (!close)
			return -1;
		if ((size_t)(close - at - 1) == len && !memcmp(at + 1, name, len))
			*index = n;
		n++;
		at = close + 1;
		if (*at == ',')
			at++;
	}
	return *at == ']' ? n : -1;
}

struct report {
	int fd;
	uint64_t start;
	char header[MAX_HEADER];
};

static int report_error(struct report *r, const char *step, int err)
{
	dprintf(r->fd, "%s\nerror %llu %llu %s %d\n", r->header, (unsigned long long)r->start, (unsigned long long)now_ns(), step, err);
	return -1;
}

/* What the loader made: the fds an early start hands over, and .data.cfg's. */
static struct {
	int fds[MAX_MAPS + 2 * MAX_PROGS];
	int n;
	int cfg;
} made = {.cfg = -1};

/* Runs the light skeleton's loader; reports what it made or why not. 0: made. */
static int load(const char *lskel, struct report *r)
{
	int fd = open(lskel, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) || st.st_size <= 0 || st.st_size > (1 << 30))
		return report_error(r, "open", fd < 0 ? errno : EINVAL);
	char *raw = malloc(st.st_size);
	if (!raw)
		return report_error(r, "read", ENOMEM);
	for (off_t got = 0; got < st.st_size;) {
		ssize_t n = read(fd, raw + got, st.st_size - got);
		if (n <= 0)
			return report_error(r, "read", n < 0 ? errno : EIO);
		got += n;
	}
	close(fd);
	char *nl = memchr(raw, '\n', st.st_size < MAX_HEADER ? st.st_size : MAX_HEADER - 1);
	if (!nl)
		return report_error(r, "header", EINVAL);
	memcpy(r->header, raw, nl - raw);
	r->header[nl - raw] = 0;
	int ring;
	long format = header_number(r->header, "format"), progs = header_number(r->header, "progs");
	long data_sz = header_number(r->header, "dataSize"), insns_sz = header_number(r->header, "insnsSize");
	long ring_bytes = header_number(r->header, "ringBytes");
	int maps = header_names(r->header, "maps", "bt_events", &ring), unused;
	int attach = header_names(r->header, "attach", "", &unused);
	char *data = nl + 1, *insns = data + data_sz;
	if (format != 1 || maps < 0 || maps > MAX_MAPS || progs < 1 || progs > MAX_PROGS || data_sz < 0 || insns_sz <= 0 ||
	    insns_sz % 8 || ring < 0 || attach < 0 || attach > progs || ring_bytes <= 0 || ring_bytes > UINT32_MAX || insns + insns_sz != raw + st.st_size)
		return report_error(r, "header", EINVAL);

	size_t ctx_sz = CTX_HEADER + MAP_DESC * maps + 4 * progs;
	char *ctx = calloc(1, ctx_sz);
	if (!ctx)
		return report_error(r, "ctx", ENOMEM);
	*(uint32_t *)ctx = ctx_sz;
	*(uint32_t *)(ctx + CTX_HEADER + MAP_DESC * ring + 4) = ring_bytes;

	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = data_sz;
	a.max_entries = 1;
	strcpy(a.map_name, "__loader.map");
	int map_fd = sys_bpf(BPF_MAP_CREATE, &a);
	if (map_fd < 0)
		return report_error(r, "map_create", errno);

	uint32_t key = 0;
	memset(&a, 0, sizeof(a));
	a.map_fd = map_fd;
	a.key = (uintptr_t)&key;
	a.value = (uintptr_t)data;
	if (sys_bpf(BPF_MAP_UPDATE_ELEM, &a) < 0)
		return report_error(r, "map_update_elem", errno);

	int prog_fd = -1;
	for (int attempt = 1; prog_fd < 0; attempt++) {
		memset(&a, 0, sizeof(a));
		a.prog_type = BPF_PROG_TYPE_SYSCALL;
		a.insns = (uintptr_t)insns;
		a.insn_cnt = insns_sz / 8;
		a.license = (uintptr_t) "Dual BSD/GPL";
		a.prog_flags = BPF_F_SLEEPABLE;
		strcpy(a.prog_name, "__loader.prog");
		a.fd_array = (uintptr_t)&map_fd;
		prog_fd = sys_bpf(BPF_PROG_LOAD, &a);
		if (prog_fd < 0 && (errno != EAGAIN || attempt >= PROG_LOAD_ATTEMPTS))
			return report_error(r, "prog_load", errno);
	}

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = prog_fd;
	a.test.ctx_in = (uintptr_t)ctx;
	a.test.ctx_size_in = ctx_sz;
	if (sys_bpf(BPF_PROG_TEST_RUN, &a) < 0)
		return report_error(r, "prog_test_run", errno);
	close(prog_fd);
	close(map_fd);
	if ((int)a.test.retval < 0)
		return report_error(r, "loader", -(int)a.test.retval);

	/*
	 * Attached now, to the header's "attach" list (by the kernel's names:
	 * the sweep, an iterator, is not in it): .data.cfg is still zero, which
	 * traces nothing (bt_records.h) until bt writes the configuration once
	 * its launcher is ready. The attach is then off bt's critical path.
	 */
	static char line[MAX_HEADER + 64 + (BPF_OBJ_NAME_LEN + 24) * (MAX_MAPS + MAX_PROGS)];
	char progs_text[(BPF_OBJ_NAME_LEN + 12) * MAX_PROGS] = "", links_text[12 * MAX_PROGS] = "";
	size_t pn = 0, ln = 0;
	int linked = 0;
	for (long j = 0; j < progs; j++) {
		int32_t pfd = *(int32_t *)(ctx + CTX_HEADER + MAP_DESC * maps + 4 * j);
		if (pfd <= 0)
			continue;
		struct bpf_prog_info info;
		memset(&info, 0, sizeof(info));
		memset(&a, 0, sizeof(a));
		a.info.bpf_fd = pfd;
		a.info.info_len = sizeof(info);
		a.info.info = (uintptr_t)&info;
		if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) < 0)
			return report_error(r, "prog_info", errno);
		info.name[BPF_OBJ_NAME_LEN - 1] = 0;
		if (!info.name[0] || strspn(info.name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.") != strlen(info.name))
			return report_error(r, "prog_info", EINVAL);
		pn += snprintf(progs_text + pn, sizeof(progs_text) - pn, "%s%s=%d", pn ? "," : "", info.name, pfd);
		made.fds[made.n++] = pfd;
		int at;
		header_names(r->header, "attach", info.name, &at);
		if (at < 0)
			continue;
		memset(&a, 0, sizeof(a));
		a.raw_tracepoint.prog_fd = pfd;
		int link = sys_bpf(BPF_RAW_TRACEPOINT_OPEN, &a);
		if (link < 0)
			return report_error(r, "attach", errno);
		ln += snprintf(links_text + ln, sizeof(links_text) - ln, "%s%d", ln ? "," : "", link);
		made.fds[made.n++] = link;
		linked++;
	}
	if (!pn)
		return report_error(r, "progs", ENOENT); /* the loader made no program */
	if (linked != attach)
		return report_error(r, "attach", ENOENT); /* a program of the list is not there */

	size_t n = 0;
	n += snprintf(line + n, sizeof(line) - n, "%s\nok %llu %llu %ld ", r->header, (unsigned long long)r->start,
		      (unsigned long long)now_ns(), ring_bytes);
	int cfg;
	header_names(r->header, "maps", ".data.cfg", &cfg);
	for (int i = 0; i < maps && n < sizeof(line); i++) {
		int32_t mfd = *(int32_t *)(ctx + CTX_HEADER + MAP_DESC * i);
		n += snprintf(line + n, sizeof(line) - n, "%s%d", i ? "," : "", mfd);
		made.fds[made.n++] = mfd;
		if (i == cfg)
			made.cfg = mfd;
	}
	if (n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - n, " %s %s\n", progs_text, ln ? links_text : "-");
	if (n >= sizeof(line) || write(r->fd, line, n) != (ssize_t)n)
		_exit(1);
	return 0;
}

/* bt trace's options that the early load cannot serve (the same rule as src/cli/early.ts). */
static int plain_trace(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "trace") || getuid() != 0)
		return 0;
	const char *off = getenv("BT_LSKEL"), *stand = getenv("BT_STAND_INS");
	if ((off && !strcmp(off, "0")) || (stand && !strcmp(stand, "1")))
		return 0;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strncmp(argv[i], "--ring-size", 11) || !strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 0;
	}
	return 1;
}

/*
 * The early start, in the loading child (bt-start.h): the plan is made and
 * the launcher started before the load, the build let go after it. Line
 * one of the report says whether it was taken; after the load's lines,
 *   go T_LAUNCHER T_READY T_GO BOOT_NS BOOT_TO_WALL PID PIDFD LOGFD CGROUP_ID LEVEL ARGC OUTPUT CGROUP_DIR
 * (OUTPUT: the log's name as it took it, in hex)
 * (T_*: CLOCK_MONOTONIC ns; PIDFD: the launcher's, LOGFD: the log's, for bt
 * to take) or `stopped STEP ERRNO` (nothing ran: bt starts the trace itself).
 */
static void early_start(struct start *st, int fd, int loaded, const char *header, const char *object)
{
	const char *step = "load";
	int err = 0;
	/* the light skeleton must be of the object bt's program reads records with (lskel.ts madeFrom: objectStamp) */
	struct stat o;
	char stamp[160];
	if (loaded && (stat(object, &o) ||
		       snprintf(stamp, sizeof(stamp), "\"object\":\"%llu:%llu:%lld:%llu\"", (unsigned long long)o.st_dev,
				(unsigned long long)o.st_ino, (long long)o.st_size,
				(unsigned long long)o.st_ctim.tv_sec * 1000000000ULL + (unsigned long long)o.st_ctim.tv_nsec) >= (int)sizeof(stamp) ||
		       !strstr(header, stamp))) {
		step = "object";
		loaded = 0;
	}
	if (loaded && made.cfg < 0) {
		step = "config";
		loaded = 0;
	}
	/* the build's parent from here on (its /proc/PPID/comm) */
	prctl(PR_SET_NAME, "bt-start");
	if (loaded)
		err = -start_go(st, made.cfg, &step);
	if (!loaded || err) {
		start_abandon(st);
		dprintf(fd, "stopped %s %d\n", step, err);
		return;
	}
	char output[2 * PATH_MAX + 1] = "";
	for (size_t i = 0; st->output[i] && i < PATH_MAX; i++)
		sprintf(output + 2 * i, "%02x", (unsigned char)st->output[i]);
	dprintf(fd, "go %llu %llu %llu %llu %llu %d %d %d %llu %u %d %s %s\n", (unsigned long long)st->t_launcher,
		(unsigned long long)st->t_ready, (unsigned long long)st->t_go, (unsigned long long)st->boot_ns,
		(unsigned long long)st->boot_to_wall_ns, (int)st->launcher, st->launcher_pidfd, st->log_fd,
		(unsigned long long)st->cgroup_id, st->cgroup_level, st->argc, output, st->cgroup);
	start_watch(st, fd, made.fds, made.n);
}

static void parent_gone(int sig)
{
	(void)sig;
	start_parent_gone = 1;
}

/* Forks the loading child; sets BT_FRONT_LOAD for bt. Nothing happens on any failure. */
static void start_load(const char *dir, int argc, char **argv)
{
	int p[2];
	/* a socket: bt says on it when it has taken the fds of an early start */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p))
		return;
	/* above the standard fds, which the child points at /dev/null (bt may have been started with one closed) */
	for (int i = 0; i < 2; i++) {
		if (p[i] > 2)
			continue;
		int moved = fcntl(p[i], F_DUPFD_CLOEXEC, 3);
		close(p[i]);
		p[i] = moved;
	}
	if (p[0] < 0 || p[1] < 0) {
		close(p[0]);
		close(p[1]);
		return;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		/* bt gone: its fds go with this child, and a build it started but bt never took is stopped (bt-start.h) */
		struct sigaction gone = {.sa_handler = parent_gone};
		if (sigaction(SIGUSR2, &gone, NULL) || prctl(PR_SET_PDEATHSIG, SIGUSR2) || getppid() != parent)
			_exit(0);
		prctl(PR_SET_NAME, "bt-bpf-load");
		/* bt kills it once it has its fds, or it dies with bt: a ^C or a hang-up is bt's to handle */
		static const int quiet[] = {SIGINT, SIGQUIT, SIGHUP, SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE};
		for (size_t i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++)
			signal(quiet[i], SIG_IGN);
		close(p[0]); /* bt's, inherited by Node: end of file here when bt is gone */
		signal(SIGCHLD, SIG_DFL); /* the launcher is reaped here, even when bt was started with SIGCHLD ignored */
		char launcher[PATH_MAX + sizeof(LAUNCHER)];
		snprintf(launcher, sizeof(launcher), "%s%s", dir, LAUNCHER);
		static struct start st;
		int early = !start_plan(&st, argc, argv, parent) && !start_prepare(&st, launcher);
		if (prctl(PR_SET_PDEATHSIG, SIGUSR2) || getppid() != parent) /* cleared by sudo's identity switches */
			start_parent_gone = 1;
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		for (int fd = 0; fd < 3; fd++)
			if (null < 0 || dup2(null, fd) < 0)
				_exit(0);
		for (int fd = 0; fd < 3; fd++)
			if (st.saved_std[fd] >= 0)
				close(st.saved_std[fd]);
		if ((early ? dprintf(p[1], "early 1\n") < 0 : dprintf(p[1], "early 0 %s\n", st.why) < 0) || chdir("/")) {
			if (early)
				start_abandon(&st); /* bt is gone already: what was made for it goes */
			_exit(0);
		}
		char lskel[PATH_MAX + sizeof(LSKEL)];
		struct report r = {.fd = p[1], .start = now_ns()};
		snprintf(lskel, sizeof(lskel), "%s%s", dir, LSKEL);
		int loaded = !load(lskel, &r);
		char object[PATH_MAX + sizeof(OBJECT)];
		snprintf(object, sizeof(object), "%s%s", dir, OBJECT);
		if (early)
			early_start(&st, p[1], loaded, r.header, object);
		sigset_t usr2, open_mask;
		sigemptyset(&usr2);
		sigaddset(&usr2, SIGUSR2);
		sigprocmask(SIG_BLOCK, &usr2, &open_mask);
		sigdelset(&open_mask, SIGUSR2);
		while (!start_parent_gone && getppid() == parent)
			sigsuspend(&open_mask);
		_exit(0);
	}
	close(p[1]);
	/* Node inherits its end (bt's program marks it close-on-exec first thing): it reads the report without pidfd_getfd */
	if (fcntl(p[0], F_SETFD, 0)) {
		close(p[0]);
		return;
	}
	char value[64];
	snprintf(value, sizeof(value), "%d:%d", pid, p[0]);
	setenv("BT_FRONT_LOAD", value, 1);
}

int main(int argc, char **argv)
{
	/* DIR/build/bt: DIR/build/bt.lskel, DIR/dist/src/cli/bt.cjs */
	char self[PATH_MAX], program[PATH_MAX + sizeof(PROGRAM)];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self));
	if (n <= 0 || n >= (ssize_t)sizeof(self)) {
		fprintf(stderr, "bt: cannot find this executable (/proc/self/exe): %s\n", strerror(errno));
		return 70;
	}
	self[n] = 0;
	*strrchr(self, '/') = 0;
	char *build = strrchr(self, '/');
	snprintf(program, sizeof(program), "%.*s%s", build ? (int)(build - self) : 0, self, PROGRAM);
	if (access(program, R_OK)) {
		fprintf(stderr, "bt: %s is missing: run npm run build\n", program);
		return 70;
	}
	unsetenv("BT_FRONT_LOAD"); /* only this executable's own child is ever named there */
	if (plain_trace(argc, argv))
		start_load(self, argc, argv);

	/* as bt.cjs's #! line does: -u NODE_EXTRA_CA_CERTS BT_NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS} */
	const char *ca = getenv("NODE_EXTRA_CA_CERTS");
	if (setenv("BT_NODE_EXTRA_CA_CERTS", ca ? ca : "", 1) || unsetenv("NODE_EXTRA_CA_CERTS")) {
		fprintf(stderr, "bt: setting the environment: %s\n", strerror(errno));
		return 70;
	}
	char **args = calloc(argc + 3, sizeof(char *));
	if (!args)
		return 70;
	args[0] = "node";
	args[1] = program;
	for (int i = 1; i < argc; i++)
		args[i + 1] = argv[i];
	execvp("node", args);
	int err = errno;
	fprintf(stderr, "bt: cannot run node: %s\n", strerror(err));
	return err == ENOENT ? 127 : 126;
}
