// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * layout - what the in-kernel layout costs (`make bench`, root): kernel
 * memory of the aggregation maps, bytes and CPU time of one snapshot, at
 * the machine's possible-CPU count; and the user-space engine's offline
 * throughput, end to end from a record file.
 *
 * The statistics maps are shared hashes allocated on demand (docs/bpf.md,
 * "Layout and cost"), so memory and snapshot size follow what is traced, not
 * the CPU count; only the counters array is per CPU.  The vmtest tier runs
 * this in a VM with 256 possible CPUs and --check asserts the goals:
 *   memlock of all maps <= 64 MiB, a snapshot <= 8 MiB copied and <= 10 ms
 *   of CPU at 64 TDs x 26 leaves; offline user space >= 20 M events/s.
 *
 *   layout [--spec SIM] [--refreshes N] [--check] [--no-offline] [-o OUT.json]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "tdxtrace.h"
#include "source.h"

#define GOAL_MEMLOCK	(64ULL << 20)
#define GOAL_SNAP_BYTES	(8ULL << 20)
#define GOAL_SNAP_MS	10.0
#define GOAL_OFFLINE_MEPS 20.0

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* memlock (bytes) of every BPF map whose name starts with prefix. */
static __u64 maps_memlock(const char *prefix, int *nmaps)
{
	__u64 sum = 0;
	__u32 id = 0;

	*nmaps = 0;
	while (!bpf_map_get_next_id(id, &id)) {
		struct bpf_map_info info;
		__u32 len = sizeof(info);
		char path[64], line[256];
		int fd = bpf_map_get_fd_by_id(id);
		FILE *f;

		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len) ||
		    strncmp(info.name, prefix, strlen(prefix))) {
			close(fd);
			continue;
		}
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f)) {
			unsigned long long v;

			if (sscanf(line, "memlock: %llu", &v) == 1) {
				sum += v;
				(*nmaps)++;
			}
		}
		if (f)
			fclose(f);
		close(fd);
	}
	return sum;
}

/* Bytes a snapshot copies out of the maps: every entry's key and value. */
static __u64 snap_bytes(const struct tdx_snapshot *s)
{
	__u64 b = sizeof(s->counters) * (__u64)libbpf_num_possible_cpus();

#define TDX_X_B(id, bpf, snap, kt, vt, vf, per_td, in_snap)			\
	TDX_X_IF_##in_snap(b += s->n_##snap * (sizeof(struct kt) + sizeof(struct vt));)
	TDX_MAP_TABLE(TDX_X_B)
#undef TDX_X_B
	return b;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "spec", required_argument, NULL, 's' },
		{ "refreshes", required_argument, NULL, 'n' },
		{ "check", no_argument, NULL, 'c' },
		{ "no-offline", no_argument, NULL, 'N' },
		{ "out", required_argument, NULL, 'o' },
		{ 0 }
	};
	const char *spec = "steady:1,tds=64,all_leaves=1,duration=2s", *out = NULL;
	int refreshes = 20, check = 0, offline = 1, c, nmaps = 0, fails = 0;
	struct tdx_opts o = TDX_OPTS_INIT;
	struct tdx_session *s = NULL;
	struct tdx_snapshot snap;
	__u64 memlock, bytes, total = 0;
	double t0, snap_ms, meps = 0;
	json_object *j = json_object_new_object();

	while ((c = getopt_long(argc, argv, "s:n:cNo:", lo, NULL)) != -1) {
		switch (c) {
		case 's': spec = optarg; break;
		case 'n': refreshes = atoi(optarg) > 0 ? atoi(optarg) : 1; break;
		case 'c': check = 1; break;
		case 'N': offline = 0; break;
		case 'o': out = optarg; break;
		default:
			fprintf(stderr, "usage: layout [--spec SIM] [--refreshes N] [--check] "
				"[--no-offline] [-o OUT.json]\n");
			return 2;
		}
	}
	if (geteuid() != 0) {
		printf("layout: needs root (CAP_BPF) for the kernel half, skipped\n");
		return 0;
	}
	o.source = TDX_SRC_SIM;
	o.sim_spec = spec;
	o.engine = TDX_ENGINE_BPF;
	o.filter.gfn_min_ns = TDX_EPT_GFN_MIN_NS;
	if (tdx_open(&s, &o)) {
		fprintf(stderr, "layout: %s\n", tdx_last_error());
		return 1;
	}
	while (tdx_advance(s, 0, 0) == 0)
		;
	memset(&snap, 0, sizeof(snap));
	if (tdx_snapshot_refresh(s, &snap)) {
		fprintf(stderr, "layout: %s\n", tdx_last_error());
		return 1;
	}
	t0 = cpu_s();
	for (int i = 0; i < refreshes; i++)
		tdx_snapshot_refresh(s, &snap);
	snap_ms = (cpu_s() - t0) * 1e3 / refreshes;
	bytes = snap_bytes(&snap);
	memlock = maps_memlock("tdx", &nmaps);
	for (int k = 0; k < TDX_EV_MAX; k++)
		total += snap.counters.events[k];

	printf("layout at %d possible CPUs (%s: %llu events, %zu TDs, %zu TD x leaf entries)\n",
	       libbpf_num_possible_cpus(), spec, (unsigned long long)total, snap.n_td, snap.n_leaf);
	printf("  kernel memory (memlock) of %d maps: %.1f MiB (goal <= %llu MiB)\n", nmaps,
	       (double)memlock / (1 << 20), GOAL_MEMLOCK >> 20);
	printf("  snapshot: %.2f MiB copied, %.2f ms CPU (goal <= %llu MiB, <= %.0f ms)\n",
	       (double)bytes / (1 << 20), snap_ms, GOAL_SNAP_BYTES >> 20, GOAL_SNAP_MS);
	json_object_object_add(j, "possible_cpus", json_object_new_int(libbpf_num_possible_cpus()));
	json_object_object_add(j, "spec", json_object_new_string(spec));
	json_object_object_add(j, "leaf_entries", json_object_new_int64((int64_t)snap.n_leaf));
	json_object_object_add(j, "memlock_bytes", json_object_new_int64((int64_t)memlock));
	json_object_object_add(j, "snapshot_bytes", json_object_new_int64((int64_t)bytes));
	json_object_object_add(j, "snapshot_cpu_ms", json_object_new_double(snap_ms));
	fails += memlock > GOAL_MEMLOCK;
	fails += bytes > GOAL_SNAP_BYTES;
	fails += snap_ms > GOAL_SNAP_MS;
	tdx_snapshot_free(&snap);
	tdx_close(s);

	if (offline) {
		/* end to end from a record file: read, decode, aggregate */
		char path[] = "/tmp/tdxtrace-layout-XXXXXX";
		int fd = mkstemp(path);
		struct tdx_source *src = NULL;
		struct tdx_rec *w = NULL;
		struct tdx_event ev;
		__u64 n = 0;

		if (fd >= 0)
			close(fd);
		if (fd >= 0 && !tdx_source_open_sim(&src, "steady:2,duration=20s") &&
		    (w = tdx_rec_open(path, tdx_source_info(src), NULL))) {
			while (tdx_source_next(src, &ev) > 0)
				tdx_rec_write(w, &ev, 1);
			tdx_rec_close(w);
		}
		if (src)
			tdx_source_close(src);
		o = (struct tdx_opts)TDX_OPTS_INIT;
		o.source = TDX_SRC_REPLAY;
		o.replay_path = path;
		o.engine = TDX_ENGINE_USER;
		t0 = cpu_s();
		if (!tdx_open(&s, &o)) {
			while (tdx_advance(s, 0, 0) == 0)
				;
			if (!tdx_snapshot(s, &snap)) {
				for (int k = 0; k < TDX_EV_MAX; k++)
					n += snap.counters.events[k];
				tdx_snapshot_free(&snap);
			}
			tdx_close(s);
		}
		meps = (double)n / (cpu_s() - t0) / 1e6;
		unlink(path);
		printf("  offline, user space, from a record file: %.1f M events/s on one core "
		       "(%llu events; goal >= %.0f)\n", meps, (unsigned long long)n,
		       GOAL_OFFLINE_MEPS);
		json_object_object_add(j, "offline_user_meps", json_object_new_double(meps));
		fails += meps < GOAL_OFFLINE_MEPS;
	}
	printf("goals: %s\n", fails ? "NOT met" : "met");
	json_object_object_add(j, "goals_met", json_object_new_boolean(!fails));
	if (out && json_object_to_file_ext(out, j, JSON_C_TO_STRING_PRETTY))
		fprintf(stderr, "layout: cannot write %s\n", out);
	json_object_put(j);
	return check && fails ? 1 : 0;
}
