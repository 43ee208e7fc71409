// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bpf_bench - what each in-kernel aggregation costs per event, and how fast
 * replay feeds the same code (`make bench`; root).
 *
 * Live cost: raw_tp/sys_enter is a real, high-rate tracepoint of every
 * kernel.  A loop calls getpgid() on one pinned CPU for a fixed time; arms,
 * run in a random order per repetition:
 *
 *   none          nothing attached
 *   empty         a program that returns at once (bench_empty): the floor
 *   count         pid check + one per-CPU counter (bench_count)
 *   naive_log2    a first prototype's per-CPU hash + log2 histogram
 *   <aggregation> pid check + the event built from sys_enter's two
 *                 arguments + the same tdx_handle()/agg_*() the tdxtrace
 *                 programs run (bench_seamcall, bench_ept, ...)
 *
 * "added" = CPU ns per iteration (thread CPU time, robust on a shared
 * machine) minus the none arm of the same repetition, median over
 * repetitions; "over empty" subtracts the empty arm's added cost (the
 * project's target: SEAMCALL aggregation <= 30 ns over empty).  Beside it,
 * the kernel's own accounting (BPF_ENABLE_STATS): run_time_ns / run_cnt,
 * and the same minus the empty program's.
 *
 * Replay: events of the simulator pushed through tdx_feed() (user ring
 * buffer, one test_run per batch): events/s of the feed alone, and of
 * tdx_advance() on a sim session (generation included).
 *
 *   bpf_bench [--reps N] [--secs S] [--cpu C] [--replay-events N] [-o OUT.json]
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "tdxtrace.h"
#include "source.h"
#include "aggbench.skel.h"

#define MAX_REPS 64

struct arm {
	const char *name;
	const char *prog;		/* aggbench program, NULL = none */
	double ns[MAX_REPS];		/* ns per loop iteration */
	double added[MAX_REPS];		/* minus the none arm of the rep */
	__u64 run_ns, run_cnt;		/* BPF_ENABLE_STATS deltas, all reps */
	bool profile;			/* ablation arm: only with --profile */
};

#define PROFILE_ARM(n) { .name = "sc_" #n, .prog = "bench_sc_" #n, .profile = true }

static struct arm arms[] = {
	{ .name = "none", .prog = NULL },
	{ .name = "empty", .prog = "bench_empty" },
	{ .name = "count", .prog = "bench_count" },
	{ .name = "naive_log2", .prog = "bench_naive" },
	{ .name = "seamcall", .prog = "bench_seamcall" },
	{ .name = "vp_enter", .prog = "bench_vp_enter" },
	{ .name = "ept_violation", .prog = "bench_ept" },
	{ .name = "map_gpa_done", .prog = "bench_map_gpa_done" },
	{ .name = "spte_frozen", .prog = "bench_spte_frozen" },
	{ .name = "hugepage_mixed", .prog = "bench_mixed" },
	{ .name = "private_map", .prog = "bench_private_map" },
	PROFILE_ARM(full),
	PROFILE_ARM(no_minmax),
	PROFILE_ARM(no_sum),
	PROFILE_ARM(no_hist),
	PROFILE_ARM(no_status),
	PROFILE_ARM(plain),
	PROFILE_ARM(no_slot),
	PROFILE_ARM(no_counters),
	PROFILE_ARM(inline),
	PROFILE_ARM(no_retries),
	PROFILE_ARM(lookup_only),
	PROFILE_ARM(lookup_bare),
};
static bool with_profile;
#define NARMS ((int)(sizeof(arms) / sizeof(arms[0])))

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/* CPU time of this thread (user + system, BPF programs included) */
static __u64 cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/*
 * CPU ns per getpgid() iteration, looping for secs seconds of wall time.
 * Thread CPU time, not wall time: on a shared machine the time other
 * processes take the CPU away does not count.
 */
static double trigger(double secs)
{
	__u64 end = now_ns() + (__u64)(secs * 1e9), c0 = cpu_ns(), n = 0;

	do {
		for (int i = 0; i < 256; i++)
			syscall(SYS_getpgid, 0);
		n += 256;
	} while (now_ns() < end);
	return (double)(cpu_ns() - c0) / (double)n;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double s[MAX_REPS];

	memcpy(s, v, sizeof(*v) * (size_t)n);
	qsort(s, (size_t)n, sizeof(*s), cmp_dbl);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static int prog_stats(struct bpf_program *p, __u64 *run_ns, __u64 *run_cnt)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
		return -errno;
	*run_ns = info.run_time_ns;
	*run_cnt = info.run_cnt;
	return 0;
}

static struct arm *arm_named(const char *name)
{
	for (int i = 0; i < NARMS; i++)
		if (!strcmp(arms[i].name, name))
			return &arms[i];
	return &arms[0];
}

static double per_run_of(const struct arm *a)
{
	return a->run_cnt ? (double)a->run_ns / (double)a->run_cnt : 0;
}

static int live(struct aggbench_bpf *k, int reps, double secs)
{
	unsigned seed = (unsigned)now_ns();
	int order[NARMS];

	trigger(secs);		/* warm up */
	for (int r = 0; r < reps; r++) {
		for (int i = 0; i < NARMS; i++)
			order[i] = i;
		for (int i = NARMS - 1; i > 0; i--) {
			int j = (int)(rand_r(&seed) % (unsigned)(i + 1)), t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		for (int i = 0; i < NARMS; i++) {
			struct arm *a = &arms[order[i]];
			struct bpf_program *p = NULL;
			struct bpf_link *l = NULL;
			__u64 ns0 = 0, c0 = 0, ns1 = 0, c1 = 0;

			if (a->profile && !with_profile)
				continue;
			if (a->prog) {
				p = bpf_object__find_program_by_name(k->obj, a->prog);
				l = p ? bpf_program__attach(p) : NULL;
				if (!l) {
					fprintf(stderr, "bpf_bench: cannot attach %s: %s\n",
						a->prog, strerror(errno));
					return -1;
				}
				prog_stats(p, &ns0, &c0);
			}
			a->ns[r] = trigger(secs);
			if (p) {
				prog_stats(p, &ns1, &c1);
				a->run_ns += ns1 - ns0;
				a->run_cnt += c1 - c0;
			}
			bpf_link__destroy(l);
		}
		for (int i = 0; i < NARMS; i++)
			arms[i].added[r] = arms[i].ns[r] - arms[0].ns[r];
	}
	return 0;
}

/* ------------------------------------------------------------------ replay */

struct replay_result {
	size_t events;
	double feed_eps;		/* tdx_feed of pre-generated events */
	double advance_eps;		/* tdx_advance of a sim session */
	double feed_eps_cpu;		/* the same per CPU second */
	double advance_eps_cpu;
	double user_eps_cpu;		/* tdx_feed into the user-space engine */
};

static __u64 proc_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

static int replay(size_t want, struct replay_result *res)
{
	const char *spec = "steady:1,tds=4,duration=60s";
	struct tdx_opts o = TDX_OPTS_INIT;
	struct tdx_session *s = NULL;
	struct tdx_source *src = NULL;
	struct tdx_event *evs = calloc(want, sizeof(*evs));
	size_t n = 0;
	__u64 t0, t1, c0, c1, total = 0;
	struct tdx_snapshot snap;
	int r;

	memset(res, 0, sizeof(*res));
	if (!evs)
		return -ENOMEM;
	if (tdx_source_open_sim(&src, spec)) {
		fprintf(stderr, "bpf_bench: %s\n", tdx_last_error());
		free(evs);
		return -1;
	}
	while (n < want && (r = tdx_source_next(src, &evs[n])) > 0)
		n++;
	tdx_source_close(src);

	o.source = TDX_SRC_REPLAY;
	o.engine = TDX_ENGINE_USER;
	if (!tdx_open(&s, &o)) {
		c0 = proc_cpu_ns();
		r = tdx_feed(s, evs, n);
		c1 = proc_cpu_ns();
		tdx_close(s);
		res->user_eps_cpu = r > 0 ? (double)n / ((double)(c1 - c0) / 1e9) : 0;
	}
	o.engine = TDX_ENGINE_BPF;
	if (tdx_open(&s, &o)) {
		fprintf(stderr, "bpf_bench: %s\n", tdx_last_error());
		free(evs);
		return -1;
	}
	t0 = now_ns();
	c0 = proc_cpu_ns();
	r = tdx_feed(s, evs, n);
	c1 = proc_cpu_ns();
	t1 = now_ns();
	tdx_close(s);
	free(evs);
	if (r < 0 || (size_t)r != n) {
		fprintf(stderr, "bpf_bench: tdx_feed: %s\n", tdx_last_error());
		return -1;
	}
	res->events = n;
	res->feed_eps = (double)n / ((double)(t1 - t0) / 1e9);
	res->feed_eps_cpu = (double)n / ((double)(c1 - c0) / 1e9);

	o.source = TDX_SRC_SIM;
	o.sim_spec = spec;
	o.engine = TDX_ENGINE_BPF;
	if (tdx_open(&s, &o)) {
		fprintf(stderr, "bpf_bench: %s\n", tdx_last_error());
		return -1;
	}
	t0 = now_ns();
	c0 = proc_cpu_ns();
	while ((r = tdx_advance(s, 1000000000ULL, 0)) == 0)
		;
	c1 = proc_cpu_ns();
	t1 = now_ns();
	if (r < 0 || tdx_snapshot(s, &snap)) {
		fprintf(stderr, "bpf_bench: sim: %s\n", tdx_last_error());
		tdx_close(s);
		return -1;
	}
	for (int k = 0; k < TDX_EV_MAX; k++)
		total += snap.counters.events[k];
	total += snap.counters.filtered + snap.counters.bad_input;
	tdx_snapshot_free(&snap);
	tdx_close(s);
	res->advance_eps = (double)total / ((double)(t1 - t0) / 1e9);
	res->advance_eps_cpu = (double)total / ((double)(c1 - c0) / 1e9);
	return 0;
}

/* ------------------------------------------------------------------ main */

static void usage(FILE *f)
{
	fprintf(f, "usage: bpf_bench [--reps N] [--secs S] [--cpu C] "
		"[--replay-events N] [--profile] [-o OUT.json]\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "reps", required_argument, NULL, 'r' },
		{ "secs", required_argument, NULL, 's' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "replay-events", required_argument, NULL, 'e' },
		{ "output", required_argument, NULL, 'o' },
		{ "profile", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int reps = 7, cpu = 0, c, stats_fd;
	double secs = 0.25;
	size_t replay_n = 2000000;
	const char *out = NULL;
	struct aggbench_bpf *k;
	struct replay_result rr;
	struct json_object *j, *ja;
	cpu_set_t set;
	double count_added, count_run, empty_added, empty_run;

	while ((c = getopt_long(argc, argv, "r:s:c:e:o:ph", lo, NULL)) != -1) {
		switch (c) {
		case 'r': reps = atoi(optarg); break;
		case 's': secs = atof(optarg); break;
		case 'c': cpu = atoi(optarg); break;
		case 'e': replay_n = strtoull(optarg, NULL, 0); break;
		case 'o': out = optarg; break;
		case 'p': with_profile = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return TDX_EXIT_USAGE;
		}
	}
	if (optind < argc || reps < 1 || reps > MAX_REPS || secs <= 0 || secs > 60 ||
	    !replay_n) {
		fprintf(stderr, "bpf_bench: bad arguments (reps 1..%d, secs in (0, 60])\n",
			MAX_REPS);
		usage(stderr);
		return TDX_EXIT_USAGE;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "bpf_bench: cannot pin to CPU %d: %s\n", cpu, strerror(errno));
		return TDX_EXIT_USAGE;
	}

	k = aggbench_bpf__open();
	if (!k) {
		fprintf(stderr, "bpf_bench: cannot open the BPF object: %s\n", strerror(errno));
		return TDX_EXIT_FAIL;
	}
	k->rodata->bench_tgid = (__u32)getpid();
	if (aggbench_bpf__load(k)) {
		int e = errno;

		fprintf(stderr, "bpf_bench: cannot load the BPF programs: %s%s\n", strerror(e),
			e == EPERM ? " (need CAP_BPF and CAP_PERFMON, or root)" : "");
		aggbench_bpf__destroy(k);
		return e == EPERM ? TDX_EXIT_NOPERM : TDX_EXIT_FAIL;
	}
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0)
		fprintf(stderr, "bpf_bench: BPF_ENABLE_STATS: %s (run_time_ns not reported)\n",
			strerror(errno));
	if (live(k, reps, secs)) {
		aggbench_bpf__destroy(k);
		return TDX_EXIT_FAIL;
	}
	if (stats_fd >= 0)
		close(stats_fd);
	aggbench_bpf__destroy(k);
	if (replay(replay_n, &rr))
		return TDX_EXIT_FAIL;

	count_added = median(arm_named("count")->added, reps);
	count_run = per_run_of(arm_named("count"));
	empty_added = median(arm_named("empty")->added, reps);
	empty_run = per_run_of(arm_named("empty"));
	printf("BPF aggregation cost on raw_tp/sys_enter (getpgid loop, CPU %d, %d reps x %.2f s)\n",
	       cpu, reps, secs);
	printf("%-16s %9s %9s %10s %9s %10s %10s %12s\n", "arm", "ns/iter", "added ns",
	       "over empty", "agg/count", "bpf ns/run", "run-empty", "runs");
	j = json_object_new_object();
	ja = json_object_new_array();
	for (int i = 0; i < NARMS; i++) {
		struct arm *a = &arms[i];
		double ns = median(a->ns, reps), add = median(a->added, reps);
		double per_run = a->run_cnt ? (double)a->run_ns / (double)a->run_cnt : 0;
		struct json_object *o = json_object_new_object();

		char ratio[16] = "-", over[16] = "-", rover[16] = "-";
		bool agg = i > 3;	/* the tdx_handle() arms */

		if (a->profile && !with_profile) {
			json_object_put(o);
			continue;
		}

		if (agg && count_added > 0)
			snprintf(ratio, sizeof(ratio), "%.2f", add / count_added);
		if (i > 1)
			snprintf(over, sizeof(over), "%.1f", add - empty_added);
		if (i > 1 && a->run_cnt)
			snprintf(rover, sizeof(rover), "%.1f", per_run - empty_run);
		printf("%-16s %9.1f %9.1f %10s %9s %10.1f %10s %12llu\n", a->name, ns,
		       i ? add : 0.0, over, ratio, per_run, rover, (unsigned long long)a->run_cnt);
		if (i > 1) {
			json_object_object_add(o, "added_over_empty_ns",
					       json_object_new_double(add - empty_added));
			json_object_object_add(o, "run_time_over_empty_ns",
					       json_object_new_double(per_run - empty_run));
		}
		json_object_object_add(o, "arm", json_object_new_string(a->name));
		json_object_object_add(o, "ns_per_iter", json_object_new_double(ns));
		json_object_object_add(o, "added_ns", json_object_new_double(i ? add : 0));
		if (agg && count_added > 0)
			json_object_object_add(o, "added_vs_count",
					       json_object_new_double(add / count_added));
		if (agg && count_run > 0)
			json_object_object_add(o, "run_time_vs_count",
					       json_object_new_double(per_run / count_run));
		json_object_object_add(o, "bpf_run_time_ns", json_object_new_int64((int64_t)a->run_ns));
		json_object_object_add(o, "bpf_run_cnt", json_object_new_int64((int64_t)a->run_cnt));
		json_object_object_add(o, "bpf_ns_per_run", json_object_new_double(per_run));
		json_object_array_add(ja, o);
	}
	{
		struct arm *sc = arm_named("seamcall");
		double over = median(sc->added, reps) - empty_added;
		double rover = per_run_of(sc) - empty_run;
		int met = over <= 30.0;

		printf("target: SEAMCALL aggregation <= 30 ns per event over an empty program: %s "
		       "(%.1f ns by thread CPU time, %.1f ns by the kernel's run time)\n",
		       met ? "met" : "NOT met", over, rover);
		json_object_object_add(j, "seamcall_over_empty_ns", json_object_new_double(over));
		json_object_object_add(j, "seamcall_run_time_over_empty_ns",
				       json_object_new_double(rover));
		json_object_object_add(j, "seamcall_target_met", json_object_new_boolean(met));
	}
	printf("(ns/iter is thread CPU time; bpf ns/run is the kernel's own per-run time, "
	       "without the tracepoint dispatch every program pays)\n");
	printf("replay: %zu simulator events: tdx_feed into BPF %.2f M events/s (%.2f M per CPU s), "
	       "into the user-space engine %.2f M per CPU s; tdx_advance on the simulator (BPF), "
	       "generation included, %.2f M events/s (%.2f M per CPU s)\n", rr.events,
	       rr.feed_eps / 1e6, rr.feed_eps_cpu / 1e6, rr.user_eps_cpu / 1e6,
	       rr.advance_eps / 1e6, rr.advance_eps_cpu / 1e6);
	json_object_object_add(j, "tracepoint", json_object_new_string("raw_tp/sys_enter"));
	json_object_object_add(j, "cpu", json_object_new_int(cpu));
	json_object_object_add(j, "reps", json_object_new_int(reps));
	json_object_object_add(j, "secs", json_object_new_double(secs));
	json_object_object_add(j, "arms", ja);
	json_object_object_add(j, "replay_events", json_object_new_int64((int64_t)rr.events));
	json_object_object_add(j, "replay_feed_events_per_s", json_object_new_double(rr.feed_eps));
	json_object_object_add(j, "replay_sim_advance_events_per_s",
			       json_object_new_double(rr.advance_eps));
	json_object_object_add(j, "replay_feed_events_per_cpu_s",
			       json_object_new_double(rr.feed_eps_cpu));
	json_object_object_add(j, "replay_sim_advance_events_per_cpu_s",
			       json_object_new_double(rr.advance_eps_cpu));
	if (out && json_object_to_file_ext(out, j, JSON_C_TO_STRING_PRETTY)) {
		fprintf(stderr, "bpf_bench: cannot write %s\n", out);
		json_object_put(j);
		return TDX_EXIT_FAIL;
	}
	if (out)
		printf("wrote %s\n", out);
	json_object_put(j);
	return 0;
}
