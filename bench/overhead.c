// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * overhead - what does tracing a high-rate tracepoint cost the traced
 * process?  (`make bench`; root.)
 *
 * A trigger loop calls getpgid() (raw_syscalls:sys_enter fires on every
 * call) for a fixed time and counts iterations.  Arms, measured in the same
 * run, in a random order per repetition:
 *
 *   none      nothing attached
 *   count     raw_tp/sys_enter: pid check + one per-CPU counter
 *             (aggbench.bpf.c bench_count, the BPF engineer's program)
 *   tdxtrace  raw_tp/sys_enter feeding the tdxtrace SEAMCALL aggregation
 *             (aggbench.bpf.c bench_seamcall: per TD x leaf stats and
 *             log-linear histogram, the code live tracing runs)
 *   bpftrace  tracepoint:raw_syscalls:sys_enter /pid == P/
 *             { @[pid, args->id] = hist(...) }    (Debian bpftrace)
 *   perf      perf record -e raw_syscalls:sys_enter -p P
 *
 * Per arm: CPU ns of the looping thread per iteration; "added" = arm minus
 * the mean of the two none slices measured just before and just after it;
 * medians and spread (IQR) over repetitions.  Writes JSON (-o)
 * and prints a table with the ratios the project targets:
 *   tdxtrace added <= 0.5 x bpftrace added, <= 1.5 x count added.
 *
 *   overhead [--reps N] [--secs S] [--cpu C] [--arms a,b,...] [-o OUT.json]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "aggbench.skel.h"

enum arm { ARM_NONE, ARM_COUNT, ARM_TDX, ARM_BPFTRACE, ARM_PERF, ARM_MAX };

static const char *const arm_names[ARM_MAX] = {
	"none", "count", "tdxtrace", "bpftrace", "perf",
};

static const char *const arm_desc[ARM_MAX] = {
	"nothing attached",
	"raw_tp count-only (aggbench bench_count)",
	"raw_tp tdxtrace SEAMCALL aggregation (aggbench bench_seamcall)",
	"bpftrace tracepoint one-liner with hist()",
	"perf record -e raw_syscalls:sys_enter -p PID",
};

struct arm_state {
	struct aggbench_bpf *skel;
	struct bpf_link *link;		/* ours: destroyed before the object */
	pid_t child;
	char tmpdir[64];
	int ctl_fd, ack_fd;
};

static char bpftrace_prog[512];
static int verbose;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The trigger: CPU ns of this thread per getpgid() over `secs` seconds of
 * its CPU time.  The BPF programs, bpftrace's and perf's in-kernel work run
 * in the syscall, so they are charged to this thread; CPU time (not wall
 * time) keeps other load on a shared machine out of the figure.
 */
static double trigger(double secs)
{
	double c0 = cpu_s(), w0 = now_s(), c;
	unsigned long n = 0;

	do {
		for (int i = 0; i < 1024; i++)
			syscall(SYS_getpgid, 0);
		n += 1024;
		c = cpu_s();
	} while (c - c0 < secs && now_s() - w0 < 20 * secs);
	return (c - c0) * 1e9 / (double)n;
}

static int libbpf_quiet(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	if (lvl == LIBBPF_DEBUG && verbose < 2)
		return 0;
	if (!verbose && lvl != LIBBPF_WARN)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int setup_bpf(struct arm_state *st, enum arm a)
{
	struct bpf_program *keep;
	struct bpf_program *p;
	int err;

	st->skel = aggbench_bpf__open();
	if (!st->skel) {
		fprintf(stderr, "overhead: cannot open aggbench BPF object\n");
		return -1;
	}
	st->skel->rodata->bench_tgid = (__u32)getpid();
	keep = a == ARM_COUNT ? st->skel->progs.bench_count : st->skel->progs.bench_seamcall;
	bpf_object__for_each_program(p, st->skel->obj)
		bpf_program__set_autoload(p, p == keep);
	err = aggbench_bpf__load(st->skel);
	if (err) {
		fprintf(stderr, "overhead: loading %s: %s\n", bpf_program__name(keep),
			strerror(-err));
		goto fail;
	}
	st->link = bpf_program__attach(keep);
	if (!st->link) {
		err = -errno;
		fprintf(stderr, "overhead: attaching %s: %s\n", bpf_program__name(keep),
			strerror(-err));
		goto fail;
	}
	return 0;
fail:
	aggbench_bpf__destroy(st->skel);
	st->skel = NULL;
	return -1;
}

/* Read child's stdout until a line containing `want` (or EOF/timeout). */
static int wait_line(int fd, const char *want, double timeout)
{
	char buf[4096];
	size_t len = 0;
	double t0 = now_s();

	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (now_s() - t0 < timeout) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);

		if (n > 0) {
			len += (size_t)n;
			buf[len] = 0;
			if (strstr(buf, want))
				return 0;
			if (len > sizeof(buf) / 2) {
				memmove(buf, buf + len / 2, len - len / 2);
				len -= len / 2;
			}
		} else if (n == 0) {
			return -1;
		} else {
			usleep(10000);
		}
	}
	return -1;
}

static int setup_bpftrace(struct arm_state *st)
{
	int out[2];

	if (pipe(out))
		return -1;
	st->child = fork();
	if (st->child < 0)
		return -1;
	if (st->child == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(out[1], 1);
		if (!verbose)
			dup2(devnull, 2);
		close(out[0]);
		execlp("bpftrace", "bpftrace", "-e", bpftrace_prog, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	if (wait_line(out[0], "READY", 30)) {
		fprintf(stderr, "overhead: bpftrace did not start (is tracefs mounted at "
			"/sys/kernel/tracing?)\n");
		close(out[0]);
		kill(st->child, SIGKILL);
		waitpid(st->child, NULL, 0);
		st->child = 0;
		return -1;
	}
	/* keep draining its output (the maps printed at exit) into a pipe we close later */
	st->ctl_fd = out[0];
	usleep(200000);
	return 0;
}

static int setup_perf(struct arm_state *st)
{
	char ctl[96], ack[96], data[96], pid[16], buf[16];

	snprintf(st->tmpdir, sizeof(st->tmpdir), "/tmp/overhead-perf.XXXXXX");
	if (!mkdtemp(st->tmpdir))
		return -1;
	snprintf(ctl, sizeof(ctl), "%s/ctl", st->tmpdir);
	snprintf(ack, sizeof(ack), "%s/ack", st->tmpdir);
	snprintf(data, sizeof(data), "%s/perf.data", st->tmpdir);
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (mkfifo(ctl, 0600) || mkfifo(ack, 0600))
		return -1;
	st->child = fork();
	if (st->child < 0)
		return -1;
	if (st->child == 0) {
		char ctlarg[256];
		int devnull = open("/dev/null", O_WRONLY);

		snprintf(ctlarg, sizeof(ctlarg), "fifo:%s,%s", ctl, ack);
		if (!verbose) {
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		execlp("perf", "perf", "record", "-q", "-e", "raw_syscalls:sys_enter",
		       "-p", pid, "-D", "-1", "--control", ctlarg, "-o", data,
		       (char *)NULL);
		_exit(127);
	}
	st->ctl_fd = open(ctl, O_WRONLY);	/* blocks until perf opens it */
	st->ack_fd = open(ack, O_RDONLY);
	if (st->ctl_fd < 0 || st->ack_fd < 0 ||
	    write(st->ctl_fd, "enable\n", 7) != 7 || read(st->ack_fd, buf, 4) <= 0) {
		fprintf(stderr, "overhead: perf record did not start\n");
		return -1;
	}
	return 0;
}

static int setup(struct arm_state *st, enum arm a)
{
	memset(st, 0, sizeof(*st));
	st->ctl_fd = st->ack_fd = -1;
	switch (a) {
	case ARM_NONE:
		return 0;
	case ARM_COUNT:
	case ARM_TDX:
		return setup_bpf(st, a);
	case ARM_BPFTRACE:
		return setup_bpftrace(st);
	case ARM_PERF:
		return setup_perf(st);
	default:
		return -1;
	}
}

static void teardown(struct arm_state *st)
{
	char p[160];

	if (st->link)
		bpf_link__destroy(st->link);
	if (st->skel)
		aggbench_bpf__destroy(st->skel);
	if (st->child > 0) {
		double t0 = now_s();
		int sig = SIGINT;

		kill(st->child, SIGINT);
		/*
		 * bpftrace prints its maps at exit: drain its pipe (non-blocking)
		 * so it cannot block; escalate if it does not go away.
		 */
		while (waitpid(st->child, NULL, WNOHANG) == 0) {
			char buf[4096];

			if (st->ctl_fd >= 0 && !st->tmpdir[0])
				while (read(st->ctl_fd, buf, sizeof(buf)) > 0)
					;
			if (now_s() - t0 > 5 && sig != SIGKILL) {
				sig = now_s() - t0 > 10 ? SIGKILL : SIGTERM;
				kill(st->child, sig);
			}
			usleep(20000);
		}
	}
	if (st->ctl_fd >= 0)
		close(st->ctl_fd);
	if (st->ack_fd >= 0)
		close(st->ack_fd);
	if (st->tmpdir[0]) {
		const char *f[] = { "ctl", "ack", "perf.data", "perf.data.old" };

		for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
			snprintf(p, sizeof(p), "%s/%s", st->tmpdir, f[i]);
			unlink(p);
		}
		rmdir(st->tmpdir);
	}
	memset(st, 0, sizeof(*st));
}

/* JSON has no NaN: null instead */
static json_object *jd(double v)
{
	return isfinite(v) ? json_object_new_double(v) : NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double quant(const double *v, int n, double q)
{
	double s[256], h;
	int i;

	if (n <= 0)
		return NAN;
	memcpy(s, v, (size_t)n * sizeof(double));
	qsort(s, (size_t)n, sizeof(double), cmp_double);
	h = (n - 1) * q;
	i = (int)h;
	return i + 1 < n ? s[i] + (h - i) * (s[i + 1] - s[i]) : s[n - 1];
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "reps", required_argument, NULL, 'r' },
		{ "secs", required_argument, NULL, 's' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "arms", required_argument, NULL, 'a' },
		{ "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ 0 },
	};
	int reps = 9, cpu = -1, opt;
	double secs = 0.4;
	bool use[ARM_MAX] = { true, true, true, true, true };
	const char *out = NULL;
	static double ns[ARM_MAX][256], added[ARM_MAX][256];
	bool failed[ARM_MAX] = { 0 };
	unsigned seed = (unsigned)getpid();

	while ((opt = getopt_long(argc, argv, "r:s:c:a:o:v", lo, NULL)) != -1) {
		switch (opt) {
		case 'r':
			reps = atoi(optarg);
			break;
		case 's':
			secs = atof(optarg);
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		case 'a': {
			char buf[128], *t, *save;

			snprintf(buf, sizeof(buf), "%s", optarg);
			memset(use, 0, sizeof(use));
			use[ARM_NONE] = true;
			for (t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				int a;

				for (a = 0; a < ARM_MAX && strcmp(t, arm_names[a]); a++)
					;
				if (a == ARM_MAX) {
					fprintf(stderr, "overhead: unknown arm '%s'\n", t);
					return 2;
				}
				use[a] = true;
			}
			break;
		}
		case 'o':
			out = optarg;
			break;
		case 'v':
			verbose++;
			break;
		default:
			fprintf(stderr, "usage: overhead [--reps N] [--secs S] [--cpu C] "
				"[--arms none,count,tdxtrace,bpftrace,perf] [-o OUT.json]\n");
			return 2;
		}
	}
	if (reps < 3 || reps > 256 || !(secs >= 0.05 && secs <= 60)) {
		fprintf(stderr, "overhead: --reps 3..256, --secs 0.05..60\n");
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "overhead: needs root (BPF, perf, bpftrace)\n");
		return 77;
	}
	libbpf_set_print(libbpf_quiet);
	if (access("/sys/kernel/tracing/events/raw_syscalls", F_OK) &&
	    (use[ARM_BPFTRACE] || use[ARM_PERF]))
		fprintf(stderr, "overhead: tracefs is not mounted at /sys/kernel/tracing; "
			"bpftrace and perf arms will fail (mount -t tracefs tracefs "
			"/sys/kernel/tracing)\n");
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			perror("overhead: sched_setaffinity");
	}
	snprintf(bpftrace_prog, sizeof(bpftrace_prog),
		 "BEGIN { printf(\"READY\\n\"); } "
		 "tracepoint:raw_syscalls:sys_enter /pid == %d/ "
		 "{ @[pid, args->id] = hist((nsecs & 0xffff) + 500); }", getpid());

	trigger(0.2);	/* warm up */
	/*
	 * Per repetition, the arms in a random order; each arm is bracketed by
	 * two "none" slices (before its setup, after its teardown), and its
	 * added cost is the arm minus the mean of its two brackets, so slow
	 * drifts of a shared machine cancel.  ns[NONE][r] is the mean of all
	 * the brackets of repetition r.
	 */
	for (int r = 0; r < reps; r++) {
		int order[ARM_MAX], nb = 0;
		double nsum = 0;

		for (int a = 0; a < ARM_MAX; a++)
			order[a] = a;
		for (int a = ARM_MAX - 1; a > 0; a--) {
			int j = (int)(rand_r(&seed) % (unsigned)(a + 1)), t = order[a];

			order[a] = order[j];
			order[j] = t;
		}
		for (int k = 0; k < ARM_MAX; k++) {
			enum arm a = (enum arm)order[k];
			struct arm_state st;
			double before, after;

			if (a == ARM_NONE || !use[a] || failed[a])
				continue;
			before = trigger(secs);
			if (setup(&st, a)) {
				failed[a] = true;
				teardown(&st);
				continue;
			}
			ns[a][r] = trigger(secs);
			teardown(&st);
			after = trigger(secs);
			added[a][r] = ns[a][r] - (before + after) / 2;
			nsum += before + after;
			nb += 2;
			if (verbose)
				fprintf(stderr, "rep %d %-9s %.1f ns/iter (none %.1f / %.1f)\n", r,
					arm_names[a], ns[a][r], before, after);
		}
		ns[ARM_NONE][r] = nb ? nsum / nb : trigger(secs);
		added[ARM_NONE][r] = 0;
		fprintf(stderr, "\rrepetition %d/%d", r + 1, reps);
	}
	fprintf(stderr, "\n");

	json_object *root = json_object_new_object(), *arms = json_object_new_object();
	double med_added[ARM_MAX];

	json_object_object_add(root, "format", json_object_new_string("tdxtrace-overhead"));
	json_object_object_add(root, "trigger", json_object_new_string(
		"getpgid() loop, raw_syscalls:sys_enter per call"));
	json_object_object_add(root, "reps", json_object_new_int(reps));
	json_object_object_add(root, "secs_per_arm", json_object_new_double(secs));
	json_object_object_add(root, "bpftrace_program", json_object_new_string(bpftrace_prog));
	printf("Overhead on raw_syscalls:sys_enter (getpgid loop), %d interleaved "
	       "repetitions x %.2f s per arm:\n", reps, secs);
	printf("  %-9s %12s %12s %21s %12s  %s\n", "arm", "ns/event", "events/s",
	       "added ns (IQR)", "x count", "what");
	printf("  (ns are CPU time of the triggering thread per event)\n");
	for (int a = 0; a < ARM_MAX; a++) {
		json_object *j;
		double med, ev;

		med_added[a] = NAN;
		if (!use[a])
			continue;
		j = json_object_new_object();
		json_object_object_add(j, "what", json_object_new_string(arm_desc[a]));
		if (failed[a]) {
			json_object_object_add(j, "error", json_object_new_string("setup failed"));
			json_object_object_add(arms, arm_names[a], j);
			printf("  %-9s %12s %12s %21s %12s  %s (FAILED to set up)\n", arm_names[a],
			       "-", "-", "-", "-", arm_desc[a]);
			continue;
		}
		med = quant(ns[a], reps, 0.5);
		ev = 1e9 / med;
		med_added[a] = quant(added[a], reps, 0.5);
		json_object *per = json_object_new_array();

		for (int r = 0; r < reps; r++)
			json_object_array_add(per, json_object_new_double(ns[a][r]));
		json_object_object_add(j, "ns_per_event_reps", per);
		json_object_object_add(j, "ns_per_event_median", json_object_new_double(med));
		json_object_object_add(j, "events_per_s_median", json_object_new_double(ev));
		json_object_object_add(j, "ns_per_event_min", json_object_new_double(quant(ns[a], reps, 0)));
		json_object_object_add(j, "ns_per_event_max", json_object_new_double(quant(ns[a], reps, 1)));
		json_object_object_add(j, "added_ns_median", jd(med_added[a]));
		json_object_object_add(j, "added_ns_q25", json_object_new_double(quant(added[a], reps, 0.25)));
		json_object_object_add(j, "added_ns_q75", json_object_new_double(quant(added[a], reps, 0.75)));
		json_object_object_add(arms, arm_names[a], j);
	}
	for (int a = 0; a < ARM_MAX; a++) {
		char addbuf[48], xc[16];

		if (!use[a] || failed[a])
			continue;
		snprintf(addbuf, sizeof(addbuf), "%.1f (%.1f..%.1f)", med_added[a],
			 quant(added[a], reps, 0.25), quant(added[a], reps, 0.75));
		if (a == ARM_NONE || !(med_added[ARM_COUNT] > 0))
			snprintf(xc, sizeof(xc), "-");
		else
			snprintf(xc, sizeof(xc), "%.2f", med_added[a] / med_added[ARM_COUNT]);
		printf("  %-9s %12.1f %12.0f %21s %12s  %s\n", arm_names[a],
		       quant(ns[a], reps, 0.5), 1e9 / quant(ns[a], reps, 0.5),
		       a == ARM_NONE ? "-" : addbuf, xc, arm_desc[a]);
	}
	json_object_object_add(root, "arms", arms);

	json_object *ratios = json_object_new_object();
	/* a ratio to a cost below the noise is meaningless */
	double r_bt = med_added[ARM_BPFTRACE] > 0 ? med_added[ARM_TDX] / med_added[ARM_BPFTRACE] : NAN;
	double r_ct = med_added[ARM_COUNT] > 0 ? med_added[ARM_TDX] / med_added[ARM_COUNT] : NAN;

	json_object_object_add(ratios, "tdxtrace_vs_bpftrace_added", jd(r_bt));
	json_object_object_add(ratios, "tdxtrace_vs_count_added", jd(r_ct));
	json_object_object_add(ratios, "target_vs_bpftrace_max", json_object_new_double(0.5));
	json_object_object_add(ratios, "target_vs_count_max", json_object_new_double(1.5));
	json_object_object_add(root, "ratios", ratios);
	printf("  tdxtrace added / bpftrace added = %.2f (target <= 0.5: %s)\n", r_bt,
	       isnan(r_bt) ? "not measured" : !(med_added[ARM_TDX] > 0) ?
	       "tdxtrace below the noise" : r_bt <= 0.5 ? "met" : "NOT met");
	printf("  tdxtrace added / count-only added = %.2f (target <= 1.5: %s)\n", r_ct,
	       isnan(r_ct) ? "not measured (count-only below the noise)" :
	       !(med_added[ARM_TDX] > 0) ? "tdxtrace below the noise" :
	       r_ct <= 1.5 ? "met" : "NOT met");
	if (out) {
		FILE *f = fopen(out, "w");

		if (!f || fprintf(f, "%s\n", json_object_to_json_string_ext(root,
				  JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)) < 0 ||
		    fclose(f)) {
			fprintf(stderr, "overhead: cannot write %s\n", out);
			return 1;
		}
	}
	json_object_put(root);
	for (int a = 0; a < ARM_MAX; a++)
		if (use[a] && failed[a])
			return 1;
	return 0;
}
