// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_tdxtop_model - tdxtop's data model on synthetic snapshots: rates,
 * quantiles, slowest leaf, MapGPA/mixing figures, sorting, filtering and the
 * drill-down text.  Expected values are computed here from the raw samples
 * the snapshot was built from, not from the histogram.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../../tools/tdxtop/model.h"

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Exact quantile of raw samples (nearest rank). */
static double exact_q(__u64 *v, size_t n, double q)
{
	size_t i;

	qsort(v, n, sizeof(*v), cmp_u64);
	i = (size_t)(q * (double)n);
	if (i >= n)
		i = n - 1;
	return (double)v[i];
}

/* Fill leaf stats from raw samples; returns nothing, samples kept by caller. */
static void add_samples(struct tdx_leaf_stats *st, const __u64 *v, size_t n)
{
	st->min_ns = ~0ULL;
	for (size_t i = 0; i < n; i++) {
		st->count++;
		st->sum_ns += v[i];
		if (v[i] > st->max_ns)
			st->max_ns = v[i];
		if (v[i] < st->min_ns)
			st->min_ns = v[i];
		st->hist[tdx_hist_slot(v[i])]++;
		st->status[TDX_SC_SUCCESS]++;
	}
}

/* A deterministic spread of latencies around base (x1 .. x3). */
static __u64 *spread(size_t n, __u64 base, unsigned seed)
{
	__u64 *v = malloc(n * sizeof(*v));

	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		v[i] = base + (__u64)((seed >> 8) % (2 * base));
	}
	return v;
}

#define N_AUG1 1000
#define N_SEPT 100
#define N_AUG2 400

int main(void)
{
	struct tdx_snapshot s = { 0 };
	struct tdx_snap_leaf leaf[4];
	struct tdx_snap_ept ept[1];
	struct tdx_snap_map map[1];
	struct tdx_snap_frozen fz[2];
	struct tdx_snap_mix mix[1];
	struct tdx_td_info td[2] = {
		{ .pid = 100, .comm = "qemu-a", .vcpus = 4 },
		{ .pid = 200, .comm = "qemu-b", .vcpus = 2 },
	};
	struct top_model m;
	__u64 *aug1 = spread(N_AUG1, 4000, 1);	 /* 4..12 us */
	__u64 *sept = spread(N_SEPT, 50000, 2);	 /* 50..150 us */
	__u64 *aug2 = spread(N_AUG2, 2000, 3);	 /* 2..6 us */
	__u64 *all1 = malloc((N_AUG1 + N_SEPT) * sizeof(__u64));
	__u64 *augall = malloc((N_AUG1 + N_AUG2) * sizeof(__u64));
	double dt = 2.0, want;
	const double tol = 0.13;	/* a log-linear bucket is <= 12.5 % wide */

	memset(leaf, 0, sizeof(leaf));
	memset(ept, 0, sizeof(ept));
	memset(map, 0, sizeof(map));
	memset(fz, 0, sizeof(fz));
	memset(mix, 0, sizeof(mix));

	/* host-context leaf (pid 0): counted in the leaf view, not as a TD */
	leaf[0].key = (struct tdx_leaf_key){ 0, TDX_LEAF_SYS_RD };
	add_samples(&leaf[0].v, (const __u64[]){ 1000, 1100, 1200 }, 3);
	leaf[1].key = (struct tdx_leaf_key){ 100, TDX_LEAF_MEM_PAGE_AUG };
	add_samples(&leaf[1].v, aug1, N_AUG1);
	leaf[1].v.status[TDX_SC_BUSY] = 10;
	leaf[1].v.status[TDX_SC_ERROR] = 1;
	leaf[2].key = (struct tdx_leaf_key){ 100, TDX_LEAF_MEM_SEPT_ADD };
	add_samples(&leaf[2].v, sept, N_SEPT);
	leaf[3].key = (struct tdx_leaf_key){ 200, TDX_LEAF_MEM_PAGE_AUG };
	add_samples(&leaf[3].v, aug2, N_AUG2);
	leaf[3].v.status[TDX_SC_BUSY] = 4;

	ept[0].pid = 100;
	ept[0].v.count[1] = 500;
	ept[0].v.count[0] = 50;
	map[0].pid = 100;
	map[0].v.requests[0] = 4;
	map[0].v.req_bytes[0] = 4 * 2 * 1048576ULL;
	map[0].v.requests[1] = 8;
	map[0].v.req_bytes[1] = 8 * 65536ULL;
	map[0].v.done[0] = 3;
	map[0].v.done_bytes[0] = 3 * 2 * 1048576ULL;
	map[0].v.done[1] = 7;
	map[0].v.done_bytes[1] = 7 * 65536ULL;
	map[0].v.chunks = 12;
	map[0].v.chunk_retries = 2;
	map[0].v.done_status[TDX_MAP_DONE_RETRY] = 1;
	map[0].v.done_status[TDX_MAP_DONE_INVALID] = 1;
	fz[0].key = (struct tdx_frozen_key){ 100, 1, 1 };
	fz[0].v.retries = 5;
	fz[1].key = (struct tdx_frozen_key){ 100, 2, 1 };
	fz[1].v.retries = 7;
	mix[0].pid = 100;
	mix[0].v.private_live[1] = 1024;	/* 4 MiB */
	mix[0].v.private_live[2] = 1;		/* 2 MiB */
	mix[0].v.private_4k_in_mixed = 256;	/* 1 MiB */
	mix[0].v.mixed_live[2] = 3;
	mix[0].v.to_mixed[2] = 10;
	mix[0].v.to_unmixed[2] = 4;
	mix[0].v.maps = 1100;
	mix[0].v.unmaps = 20;

	s.counters.events[TDX_EV_SEAMCALL] = 3 + N_AUG1 + N_SEPT + N_AUG2;
	s.counters.events[TDX_EV_EPT_VIOLATION] = 550;
	s.counters.dropped[TDX_MAP_LEAF] = 2;
	s.counters.dropped[TDX_MAP_MIX] = 1;
	s.counters.lost = 5;
	s.source_lost = 3;
	s.leaf = leaf, s.n_leaf = 4;
	s.ept = ept, s.n_ept = 1;
	s.map = map, s.n_map = 1;
	s.frozen = fz, s.n_frozen = 2;
	s.mix = mix, s.n_mix = 1;
	s.td = td, s.n_td = 2;

	ok(top_model_build(&m, &s, &s, dt, 0) == 0, "model builds");

	/* ---- totals */
	is_u64(m.tot.seamcalls, 3 + N_AUG1 + N_SEPT + N_AUG2, "total SEAMCALLs");
	is_u64(m.tot.events, 3 + N_AUG1 + N_SEPT + N_AUG2 + 550, "total events");
	is_dbl(m.tot.seamcalls_rate, (3.0 + N_AUG1 + N_SEPT + N_AUG2) / dt, 1e-9,
	       "SEAMCALLs/s over the window");
	is_u64(m.tot.dropped_total, 3, "dropped summed over maps");
	is_u64(m.tot.lost_total, 8, "lost = ring buffer + source");

	/* ---- TD rows: host (pid 0) is not a TD */
	is_u64(m.n_td, 2, "two TD rows (host context excluded)");
	top_sort(&m, TOP_VIEW_TD, top_col_find(TOP_VIEW_TD, "PID"), false);
	struct top_td *a = &m.td[0], *b = &m.td[1];

	is_u64(a->pid, 100, "first row pid 100");
	ok(!strcmp(a->comm, "qemu-a") && a->vcpus == 4, "label: comm and vCPUs");
	is_u64(a->sc, N_AUG1 + N_SEPT, "TD 100 SEAMCALL count");
	is_dbl(a->sc_rate, (N_AUG1 + N_SEPT) / dt, 1e-9, "TD 100 SEAMCALLs/s");
	is_dbl(a->busy_rate, 10 / dt, 1e-9, "TD 100 BUSY/s");
	is_u64(a->slow_leaf, TDX_LEAF_MEM_SEPT_ADD, "slowest leaf is SEPT.ADD");
	memcpy(all1, aug1, N_AUG1 * sizeof(__u64));
	memcpy(all1 + N_AUG1, sept, N_SEPT * sizeof(__u64));
	want = exact_q(all1, N_AUG1 + N_SEPT, 0.50);
	is_dbl(a->p50, want, want * tol, "TD 100 p50 within a bucket of the exact value");
	want = exact_q(all1, N_AUG1 + N_SEPT, 0.99);
	is_dbl(a->p99, want, want * tol, "TD 100 p99 within a bucket of the exact value");
	is_dbl(a->ept_priv_rate, 250, 1e-9, "private EPT/s");
	is_dbl(a->ept_shared_rate, 25, 1e-9, "shared EPT/s");
	is_dbl(a->conv_rate, 5, 1e-9, "MapGPA conversions/s (completed, both ways)");
	is_dbl(a->conv_mbs, (6.0 + 7 * 0.0625) / dt, 1e-9, "MapGPA MiB/s");
	is_dbl(a->frozen_rate, 6, 1e-9, "FROZEN retries/s summed over levels");
	is_dbl(a->mixed_pct, 100.0 / 6.0, 1e-9, "%% private memory in mixed 2M ranges");
	is_u64(b->pid, 200, "second row pid 200");
	is_dbl(b->mixed_pct, -1, 0, "no mixing data: not applicable");
	is_u64(b->slow_leaf, TDX_LEAF_MEM_PAGE_AUG, "TD 200 slowest leaf");

	/* ---- sorting */
	top_sort(&m, TOP_VIEW_TD, top_col_find(TOP_VIEW_TD, "SC/s"), true);
	is_u64(m.td[0].pid, 100, "sort by SC/s descending");
	top_sort(&m, TOP_VIEW_TD, top_col_find(TOP_VIEW_TD, "sc/s"), false);
	is_u64(m.td[0].pid, 200, "sort by SC/s ascending (name case-insensitive)");
	top_sort(&m, TOP_VIEW_TD, top_col_find(TOP_VIEW_TD, "comm"), true);
	is_u64(m.td[0].pid, 200, "sort by COMM descending");
	ok(top_col_find(TOP_VIEW_TD, "nonsense") == -1, "unknown column: -1");
	ok(top_col_find(TOP_VIEW_TD, "mixed_private_pct") >= 0, "find column by JSON name");

	/* ---- filtering */
	ok(top_match(TOP_VIEW_TD, &m.td[0], ""), "empty filter matches");
	ok(top_match(TOP_VIEW_TD, &m.td[0], "200") && !top_match(TOP_VIEW_TD, &m.td[0], "100"),
	   "numeric filter is an exact pid");
	ok(top_match(TOP_VIEW_TD, &m.td[0], "QEMU") && top_match(TOP_VIEW_TD, &m.td[1], "qemu"),
	   "name filter is a case-insensitive substring");
	ok(!top_match(TOP_VIEW_TD, &m.td[0], "qemu-a"), "name filter excludes others");

	/* ---- leaf view */
	is_u64(m.n_leaf, 3, "three leaves with calls");
	top_sort(&m, TOP_VIEW_LEAF, top_col_find(TOP_VIEW_LEAF, "CALLS/s"), true);
	struct top_leaf *l = &m.leaf[0];

	is_u64(l->leaf, TDX_LEAF_MEM_PAGE_AUG, "busiest leaf: PAGE.AUG");
	is_u64(l->count, N_AUG1 + N_AUG2, "PAGE.AUG calls summed over TDs");
	is_u64(l->ntds, 2, "PAGE.AUG called by 2 TDs");
	is_u64(l->status[TDX_SC_BUSY], 14, "PAGE.AUG busy summed");
	is_u64(l->errors, 15, "PAGE.AUG errors = busy + error");
	memcpy(augall, aug1, N_AUG1 * sizeof(__u64));
	memcpy(augall + N_AUG1, aug2, N_AUG2 * sizeof(__u64));
	want = exact_q(augall, N_AUG1 + N_AUG2, 0.90);
	is_dbl(l->p90, want, want * tol, "PAGE.AUG p90 within a bucket");
	is_dbl(l->max, (double)(augall[N_AUG1 + N_AUG2 - 1]), 0, "PAGE.AUG max is exact");
	{
		double sum = 0;

		for (int i = 0; i < N_AUG1 + N_AUG2; i++)
			sum += (double)augall[i];
		is_dbl(l->mean, sum / (N_AUG1 + N_AUG2), 1e-6, "PAGE.AUG mean is exact");
	}
	for (size_t i = 0; i < m.n_leaf; i++)
		if (m.leaf[i].leaf == TDX_LEAF_SYS_RD)
			ok(m.leaf[i].p99 <= 1200 && m.leaf[i].p99 >= 1100,
			   "quantiles never pass the max (SYS.RD p99 %.0f, max 1200)",
			   m.leaf[i].p99);
	ok(top_match(TOP_VIEW_LEAF, l, "aug") && !top_match(TOP_VIEW_LEAF, l, "sept"),
	   "leaf filter by name substring");
	ok(top_match(TOP_VIEW_LEAF, l, "6"), "leaf filter by number");
	top_model_free(&m);

	/* leaf view restricted to one TD */
	ok(top_model_build(&m, &s, &s, dt, 200) == 0, "model with leaf pid");
	is_u64(m.n_leaf, 1, "TD 200 has one leaf");
	is_u64(m.leaf[0].count, N_AUG2, "only TD 200's calls");

	/* ---- MapGPA and mixing views */
	is_u64(m.n_map, 1, "one MapGPA row");
	is_dbl(m.map[0].req_rate, 6, 1e-9, "MapGPA requests/s");
	is_dbl(m.map[0].avg_kb, (4 * 2048.0 + 8 * 64.0) / 12, 1e-9, "average request KiB");
	is_u64(m.map[0].retries, 3, "retries: chunks + requests");
	is_u64(m.map[0].errors, 1, "errors: invalid requests");
	is_u64(m.n_mix, 1, "one mixing row");
	is_dbl(m.mix[0].priv_mb, 6, 1e-9, "private MiB now");
	is_u64(m.mix[0].mixed_2m, 3, "mixed 2M ranges now");
	is_dbl(m.mix[0].to_mixed_rate, 5, 1e-9, "ranges becoming mixed per s");
	is_dbl(m.mix[0].in_mixed_mb, 1, 1e-9, "MiB in mixed ranges");

	/* ---- formatting */
	{
		char buf[32];
		size_t n;
		const struct top_col *c = top_cols(TOP_VIEW_TD, &n);
		int slow = top_col_find(TOP_VIEW_TD, "SLOWEST");

		top_fmt_ns(850, buf, sizeof(buf));
		ok(!strcmp(buf, "850ns"), "850 ns -> %s", buf);
		top_fmt_ns(12345, buf, sizeof(buf));
		ok(!strcmp(buf, "12.3us"), "12345 ns -> %s", buf);
		top_fmt_ns(2.5e6, buf, sizeof(buf));
		ok(!strcmp(buf, "2.50ms"), "2.5 ms -> %s", buf);
		top_fmt_rate(123456, buf, sizeof(buf));
		ok(!strcmp(buf, "123.5k"), "123456/s -> %s", buf);
		top_fmt_count(42, buf, sizeof(buf));
		ok(!strcmp(buf, "42"), "count 42 -> %s (no decimals)", buf);
		top_fmt_count(1234567, buf, sizeof(buf));
		ok(!strcmp(buf, "1234.6k"), "count 1234567 -> %s", buf);
		top_fmt_rate(7.0, buf, sizeof(buf));
		ok(!strcmp(buf, "7"), "7.0/s -> %s (whole rates without decimals)", buf);
		top_fmt_rate(0.5, buf, sizeof(buf));
		ok(!strcmp(buf, "0.50"), "0.5/s -> %s", buf);
		top_sort(&m, TOP_VIEW_TD, 0, false);
		top_col_fmt(&c[slow], &m.td[0], buf, sizeof(buf));
		ok(!strcmp(buf, "TDH.MEM.SEPT.ADD"), "SLOWEST column prints the leaf name: %s", buf);
		ok(n >= 14, "TD view has every column of the issue (%zu)", n);
	}

	/* ---- drill-down text */
	{
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);

		top_detail_td(f, &m, 100);
		fclose(f);
		ok(text && strstr(text, "TD 100 (qemu-a), 4 vCPUs"), "drill-down header");
		ok(text && strstr(text, "usecs") && strstr(text, "|*"),
		   "drill-down has log2 bars in usecs");
		ok(text && strstr(text, "TDH.MEM.SEPT.ADD") && strstr(text, "TDH.MEM.PAGE.AUG"),
		   "drill-down breaks down by leaf");
		ok(text && strstr(text, "4K inside mixed 2M 256"), "drill-down shows mixing");
		ok(text && strstr(text, "retries 5") && strstr(text, "retries 7"),
		   "drill-down shows FROZEN by level");
		free(text);
		text = NULL;
		f = open_memstream(&text, &len);
		top_detail_leaf(f, &m, TDX_LEAF_MEM_PAGE_AUG, 0);
		fclose(f);
		ok(text && strstr(text, "busy 14"), "leaf drill-down: status classes");
		ok(text && strstr(text, "100 qemu-a") && strstr(text, "200 qemu-b"),
		   "leaf drill-down: by TD");
		free(text);
	}
	top_model_free(&m);

	/* ---- an empty snapshot */
	{
		struct tdx_snapshot e = { 0 };

		ok(top_model_build(&m, &e, &e, 1.0, 0) == 0 && !m.n_td && !m.n_leaf,
		   "empty snapshot: no rows");
		top_model_free(&m);
	}
	free(aug1), free(sept), free(aug2), free(all1), free(augall);
	return tap_done();
}
