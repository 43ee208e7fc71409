// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_cli_fmt.c - `tdxtrace` option parsing and report rendering on
 * synthetic snapshots (no BPF, no privileges).  The expected values are
 * computed here from the raw samples the snapshots are built from (sorted
 * quantiles, log2 buckets by brute force), and every JSON object is checked
 * against its schema in docs/cli.md.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "jschema.h"
#include "../../tools/tdxtrace/cli.h"
#include "source.h"

static struct js_set schemas;

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Exact quantile of sorted samples (nearest rank). */
static double exact_q(__u64 *v, size_t n, double q)
{
	size_t r = (size_t)ceil(q * (double)n);

	qsort(v, n, sizeof(*v), cmp_u64);
	return (double)v[r ? r - 1 : 0];
}

static void add_sample(__u64 *hist, __u64 v)
{
	hist[tdx_hist_slot(v)]++;
}

/* --------------------------------------------------------- parsing */

static int parse(struct cli *c, const struct cli_cmd *cmd, const char *line)
{
	char buf[512], *argv[32], *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	cli_init(c, cmd->name);
	argv[argc++] = (char *)cmd->name;
	for (char *t = strtok_r(buf, " ", &save); t && argc < 31; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	return cli_parse(c, cmd, argc, argv);
}

static void test_parsing(void)
{
	struct cli c;

	is_u64(cli_parse_duration("1", "s"), 1000000000ULL, "duration '1' is 1 s");
	is_u64(cli_parse_duration("250ms", "s"), 250000000ULL, "duration '250ms'");
	is_u64(cli_parse_duration("1.5us", "s"), 1500, "duration '1.5us'");
	ok(cli_parse_duration("abc", "s") < 0 && cli_parse_duration("-1", "s") < 0 &&
	   cli_parse_duration("5parsecs", "s") < 0, "bad durations rejected");
	is_u64(cli_parse_size("100M"), 100ULL << 20, "size 100M");
	is_u64(cli_parse_size("4KiB"), 4096, "size 4KiB");
	ok(cli_parse_size("12X") < 0 && cli_parse_size("") < 0, "bad sizes rejected");

	ok(parse(&c, &cli_cmd_lat, "") == 0 && c.topts.source == TDX_SRC_LIVE &&
	   !c.interval_ns && !c.json, "lat: defaults are live, one report, text");
	ok(parse(&c, &cli_cmd_lat, "-l MEM.PAGE.AUG,TDH_MEM_SEPT_ADD -l 29 -P -m --json") == 0,
	   "lat: -l names, macro and number (list and repeated), -P -m --json parse");
	is_u64(c.topts.filter.leaf_mask[0], (1ULL << 6) | (1ULL << 3) | (1ULL << 29),
	       "lat: -l sets the leaf bits 6, 3, 29");
	ok(c.per_td && c.json && c.unit_div == 1000000, "lat: -P, --json, -m applied");
	is_u64(parse(&c, &cli_cmd_lat, "-l TDH.MEM.PAGE.BOGUS"), TDX_EXIT_USAGE,
	       "lat: unknown leaf is a usage error (2)");
	/* 5 is TDH.MEM.PAGE.RELOCATE of the spec 1.5 table now (issue 18); 46 is no leaf */
	is_u64(parse(&c, &cli_cmd_lat, "-l 46"), TDX_EXIT_USAGE,
	       "lat: leaf number without a leaf (46) is a usage error");
	is_u64(parse(&c, &cli_cmd_lat, "-l SEAMLDR.INSTALL"), 0, "lat: a P-SEAMLDR leaf is a leaf");
	ok(parse(&c, &cli_cmd_lat, "-p 12,34 2 3") == 0 && c.topts.filter.npids == 2 &&
	   c.topts.filter.pids[0] == 12 && c.topts.filter.pids[1] == 34 &&
	   c.interval_ns == 2000000000ULL && c.count == 3,
	   "lat: -p list, [INTERVAL [COUNT]]");
	ok(parse(&c, &cli_cmd_lat, "-i 500ms 4") == 0 && c.interval_ns == 500000000ULL &&
	   c.count == 4, "lat: -i INTERVAL with COUNT");
	is_u64(parse(&c, &cli_cmd_lat, "-p abc"), TDX_EXIT_USAGE, "bad -p: usage error");
	is_u64(parse(&c, &cli_cmd_lat, "--bogus"), TDX_EXIT_USAGE, "unknown option: usage error");
	is_u64(parse(&c, &cli_cmd_lat, "1 2 3"), TDX_EXIT_USAGE, "extra argument: usage error");
	is_u64(parse(&c, &cli_cmd_lat, "--replay a --sim steady"), TDX_EXIT_USAGE,
	       "--replay with --sim: usage error");
	is_u64(parse(&c, &cli_cmd_lat, "--sim no-such-scenario"), TDX_EXIT_USAGE,
	       "unknown scenario: usage error");
	is_u64(parse(&c, &cli_cmd_lat, "--plot x.pdf"), TDX_EXIT_USAGE,
	       "--plot with an unsupported extension: usage error");
	ok(parse(&c, &cli_cmd_ept, "--replay f.tdxrec --top 3 -T") == 0 &&
	   c.topts.source == TDX_SRC_REPLAY && !strcmp(c.topts.replay_path, "f.tdxrec") &&
	   c.top == 3 && c.timestamps, "ept: --replay --top -T");
	if (tdx_sim_scenarios[0]) {
		char line[128];

		snprintf(line, sizeof(line), "--sim %s:7", tdx_sim_scenarios[0]);
		ok(parse(&c, &cli_cmd_stat, line) == 0 && c.topts.source == TDX_SRC_SIM &&
		   !strcmp(c.topts.sim_spec + strlen(tdx_sim_scenarios[0]), ":7"),
		   "stat: --sim SCENARIO:SEED");
	} else {
		skip("no simulator scenario");
	}
	is_u64(parse(&c, &cli_cmd_mix, "-h"), 1, "-h prints help and asks to exit 0");
	is_u64(parse(&c, &cli_cmd_contention, "-d 0"), TDX_EXIT_USAGE, "-d 0: usage error");
}

/* --------------------------------------------------------- snapshots */

struct samples {
	__u64 v[512];
	size_t n;
};

static void snap_free(struct tdx_snapshot *s)
{
	free(s->leaf);
	free(s->vp);
	free(s->ept);
	free(s->gfn);
	free(s->map);
	free(s->frozen);
	free(s->mix);
	free(s->td);
	memset(s, 0, sizeof(*s));
}

static char *render_text(const struct cli_report *r, const struct cli *c,
			 const struct tdx_snapshot *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	r->text(f, c, s);
	fclose(f);
	return buf;
}

static struct json_object *render_json(const struct cli_report *r, const struct cli *c,
				       const struct tdx_snapshot *s, const char *id)
{
	struct json_object *o = r->json(c, s);
	/* through text and back, as a consumer would see it */
	struct json_object *p = json_tokener_parse(json_object_to_json_string(o));
	int bad = js_validate(&schemas, p, id);

	ok(!bad, "%s JSON validates against its schema in docs/cli.md", id);
	if (bad)
		diag("%s", schemas.err);
	json_object_put(o);
	return p;
}


static double jdbl(struct json_object *o, const char *path)
{
	struct json_object *v = jpath(o, path);

	return v ? json_object_get_double(v) : NAN;
}

static void test_lat(void)
{
	struct tdx_snapshot s = { 0 };
	struct samples aug = { 0 }, all_vp = { 0 };
	struct json_object *j;
	struct cli c;
	__u64 l2[64] = { 0 };
	char *txt;
	size_t nb;

	s.n_leaf = 3;
	s.leaf = calloc(3, sizeof(*s.leaf));
	s.n_td = 2;
	s.td = calloc(2, sizeof(*s.td));
	s.td[0].pid = 100;
	strcpy(s.td[0].comm, "qemu-a");
	s.td[1].pid = 200;
	strcpy(s.td[1].comm, "qemu-b");
	/* pid 100 AUG: 1000..1099 ns, 3 busy; pid 200 AUG: 50 x 5000 ns; pid 100 SEPT.ADD: 10 x 20 us */
	s.leaf[0].key = (struct tdx_leaf_key){ 100, TDX_LEAF_MEM_SEPT_ADD };
	s.leaf[1].key = (struct tdx_leaf_key){ 100, TDX_LEAF_MEM_PAGE_AUG };
	s.leaf[2].key = (struct tdx_leaf_key){ 200, TDX_LEAF_MEM_PAGE_AUG };
	for (int i = 0; i < 10; i++) {
		add_sample(s.leaf[0].v.hist, 20000);
		s.leaf[0].v.count++;
		s.leaf[0].v.sum_ns += 20000;
		s.leaf[0].v.status[TDX_SC_SUCCESS]++;
	}
	s.leaf[0].v.min_ns = s.leaf[0].v.max_ns = 20000;
	for (int i = 0; i < 100; i++) {
		add_sample(s.leaf[1].v.hist, 1000 + i);
		s.leaf[1].v.sum_ns += 1000 + i;
		aug.v[aug.n++] = 1000 + i;
	}
	s.leaf[1].v.count = 100;
	s.leaf[1].v.min_ns = 1000;
	s.leaf[1].v.max_ns = 1099;
	s.leaf[1].v.status[TDX_SC_SUCCESS] = 97;
	s.leaf[1].v.status[TDX_SC_BUSY] = 3;
	s.leaf[1].v.retries = 4;
	for (int i = 0; i < 50; i++) {
		add_sample(s.leaf[2].v.hist, 5000);
		aug.v[aug.n++] = 5000;
	}
	s.leaf[2].v.count = 50;
	s.leaf[2].v.sum_ns = 250000;
	s.leaf[2].v.min_ns = s.leaf[2].v.max_ns = 5000;
	s.leaf[2].v.status[TDX_SC_SUCCESS] = 50;
	s.n_vp = 1;
	s.vp = calloc(1, sizeof(*s.vp));
	s.vp[0].pid = 100;
	for (int i = 0; i < 20; i++) {
		add_sample(s.vp[0].v.hist, 3000 + 100 * i);
		s.vp[0].v.sum_ns += 3000 + 100 * i;
		all_vp.v[all_vp.n++] = 3000 + 100 * i;
	}
	s.vp[0].v.count = 20;
	s.vp[0].v.max_ns = 4900;
	s.vp[0].v.status[TDX_SC_SUCCESS] = 20;
	s.counters.events[TDX_EV_SEAMCALL] = 160;
	s.counters.dropped[TDX_MAP_EPT_GFN] = 5;
	s.counters.lost = 7;

	parse(&c, &cli_cmd_lat, "");
	j = render_json(&cli_report_lat, &c, &s, "tdxtrace:lat");
	is_u64(json_object_array_length(json_object_object_get(j, "leaves")), 2,
	       "lat: two leaves when merged over TDs");
	/* sorted by leaf: SEPT.ADD (3) first, then AUG (6) */
	is_u64(jget(j, "leaves.1.leaf"), 6, "lat: second row is leaf 6");
	is_u64(jget(j, "leaves.1.count"), 150, "lat: AUG count summed over TDs");
	is_u64(jget(j, "leaves.1.status.busy"), 3, "lat: busy status class carried");
	is_u64(jget(j, "leaves.1.status.success"), 147, "lat: success summed");
	is_u64(jget(j, "leaves.1.retries"), 4, "lat: retries carried");
	is_u64(jget(j, "leaves.1.hist.min_ns"), 1000, "lat: min over TDs");
	is_u64(jget(j, "leaves.1.hist.max_ns"), 5000, "lat: max over TDs");
	is_dbl(jdbl(j, "leaves.1.hist.p50_ns"), exact_q(aug.v, aug.n, 0.5),
	       exact_q(aug.v, aug.n, 0.5) * 0.125, "lat: p50 within a bucket of the exact median");
	is_dbl(jdbl(j, "leaves.1.hist.p99_ns"), exact_q(aug.v, aug.n, 0.99),
	       exact_q(aug.v, aug.n, 0.99) * 0.125, "lat: p99 within a bucket");
	/* log2 buckets by brute force: value v lands in floor(log2 v) + 1 */
	for (size_t i = 0; i < aug.n; i++) {
		int b = 0;

		while ((aug.v[i] >> b) > 1)
			b++;
		l2[b + 1]++;
	}
	nb = json_object_array_length(json_object_object_get(
		json_object_object_get(json_object_array_get_idx(
			json_object_object_get(j, "leaves"), 1), "hist"), "log2"));
	{
		int bad = 0;

		for (size_t i = 0; i < nb; i++) {
			char p[96];
			__u64 lo;
			int b = 0;

			snprintf(p, sizeof(p), "leaves.1.hist.log2.%zu.lo_ns", i);
			lo = jget(j, p);
			while (lo && (lo >> b) > 1)
				b++;
			snprintf(p, sizeof(p), "leaves.1.hist.log2.%zu.count", i);
			if (jget(j, p) != l2[lo ? b + 1 : 0])
				bad++;
		}
		ok(nb > 0 && !bad, "lat: log2 buckets equal a brute-force log2 count (%zu buckets)",
		   nb);
	}
	is_u64(jget(j, "vp_enter.0.count"), 20, "lat: TD entry count");
	is_dbl(jdbl(j, "vp_enter.0.hist.p90_ns"), exact_q(all_vp.v, all_vp.n, 0.9),
	       exact_q(all_vp.v, all_vp.n, 0.9) * 0.125, "lat: TD entry p90");
	is_u64(jget(j, "counters.dropped.ept_gfn"), 5, "lat: dropped counter in JSON");
	is_u64(jget(j, "counters.dropped_total"), 5, "lat: dropped total in JSON");
	is_u64(jget(j, "counters.lost"), 7, "lat: lost counter in JSON");
	json_object_put(j);

	txt = render_text(&cli_report_lat, &c, &s);
	ok(strstr(txt, "TDH.MEM.PAGE.AUG (leaf 6): count 150") != NULL,
	   "lat text: per-leaf summary line");
	ok(strstr(txt, "usecs") && strstr(txt, "distribution"), "lat text: log2 histogram in usecs");
	{
		/* the header's colon sits in the column of the rows' colons */
		const char *h = strstr(txt, "usecs"), *hl, *row, *rl;
		int hc, rc;

		hl = h;
		while (hl > txt && hl[-1] != '\n')
			hl--;
		row = strchr(h, '\n') + 1;
		rl = strchr(row, ':');
		hc = (int)(strchr(hl, ':') - hl);
		rc = (int)(rl - row);
		ok(hc == rc && hc > 0, "lat text: histogram header aligned with its rows (%d, %d)",
		   hc, rc);
	}
	ok(strstr(txt, "busy 3") != NULL, "lat text: status classes under the histogram");
	ok(strstr(txt, "dropped 5 (ept_gfn full: 5)") && strstr(txt, "lost 7"),
	   "lat text: dropped and lost counters shown");
	free(txt);

	parse(&c, &cli_cmd_lat, "-P");
	j = render_json(&cli_report_lat, &c, &s, "tdxtrace:lat");
	is_u64(json_object_array_length(json_object_object_get(j, "leaves")), 3,
	       "lat -P: one row per TD and leaf");
	ok(jget(j, "leaves.0.pid") == 100 && jget(j, "leaves.0.leaf") == 3 &&
	   jget(j, "leaves.1.pid") == 100 && jget(j, "leaves.1.leaf") == 6 &&
	   jget(j, "leaves.2.pid") == 200 && jget(j, "leaves.2.count") == 50,
	   "lat -P: rows sorted by (pid, leaf) with their own counts");
	ok(!strcmp(json_object_get_string(json_object_object_get(json_object_array_get_idx(
		json_object_object_get(j, "leaves"), 2), "comm")), "qemu-b"), "lat -P: comm");
	json_object_put(j);

	parse(&c, &cli_cmd_lat, "-l TDH.MEM.SEPT.ADD");
	j = render_json(&cli_report_lat, &c, &s, "tdxtrace:lat");
	ok(json_object_array_length(json_object_object_get(j, "leaves")) == 1 &&
	   jget(j, "leaves.0.leaf") == 3 &&
	   json_object_array_length(json_object_object_get(j, "vp_enter")) == 0,
	   "lat -l: only the selected leaf, no TD entry");
	json_object_put(j);
	snap_free(&s);
}

static void test_ept(void)
{
	struct tdx_snapshot s = { 0 };
	struct json_object *j;
	struct cli c;
	__u64 maxes[6] = { 500, 9000, 7000, 100, 8000, 3000 };
	char *txt;

	s.n_ept = 1;
	s.ept = calloc(1, sizeof(*s.ept));
	s.ept[0].pid = 300;
	s.ept[0].v.count[0] = 40;
	s.ept[0].v.count[1] = 160;
	s.ept[0].v.retries = 30;
	s.ept[0].v.retry_hist[0] = 180;
	s.ept[0].v.retry_hist[1] = 10;
	s.ept[0].v.retry_hist[2] = 10;
	s.ept[0].v.result[5] = 190;	/* FIXED */
	s.ept[0].v.result[1] = 10;	/* RETRY */
	s.ept[0].v.level[1] = 200;
	for (int i = 0; i < 200; i++)
		add_sample(s.ept[0].v.hist, 2000);
	s.ept[0].v.sum_ns = 400000;
	s.ept[0].v.max_ns = 2000;
	s.n_gfn = 6;
	s.gfn = calloc(6, sizeof(*s.gfn));
	for (int i = 0; i < 6; i++) {
		s.gfn[i].key = (struct tdx_ept_gfn_key){ 300, i & 1, 0x1000 + (__u64)i };
		s.gfn[i].v.count = 1;
		s.gfn[i].v.sum_ns = s.gfn[i].v.max_ns = maxes[i];
	}
	parse(&c, &cli_cmd_ept, "--top 3");
	c.span_ns = 2000000000ULL;
	j = render_json(&cli_report_ept, &c, &s, "tdxtrace:ept");
	is_u64(jget(j, "tds.0.private"), 160, "ept: private count");
	is_u64(jget(j, "tds.0.shared"), 40, "ept: shared count");
	is_dbl(jdbl(j, "tds.0.private_per_s"), 80.0, 1e-9, "ept: private rate over 2 s");
	is_u64(jget(j, "tds.0.results.FIXED"), 190, "ept: results by RET_PF name");
	is_u64(jget(j, "tds.0.retry_hist.2"), 10, "ept: retry distribution");
	is_u64(json_object_array_length(json_object_object_get(j, "slowest")), 3,
	       "ept --top 3: three slowest GPAs");
	ok(jget(j, "slowest.0.max_ns") == 9000 && jget(j, "slowest.1.max_ns") == 8000 &&
	   jget(j, "slowest.2.max_ns") == 7000 && jget(j, "slowest.0.gfn") == 0x1001,
	   "ept: slowest sorted by max handling time");
	json_object_put(j);
	txt = render_text(&cli_report_ept, &c, &s);
	ok(strstr(txt, "private 160, shared 40") && strstr(txt, "80.0/s private") &&
	   strstr(txt, "0x1001000"), "ept text: counts, rates and the slowest GPA");
	free(txt);
	snap_free(&s);
}

static void test_convert_mix_contention_stat(void)
{
	struct tdx_snapshot s = { 0 };
	struct json_object *j;
	struct cli c;
	double want;
	char *txt;

	s.n_map = 2;
	s.map = calloc(2, sizeof(*s.map));
	s.map[0].pid = 10;
	s.map[0].v.requests[TDX_MAP_TO_SHARED] = 4;
	s.map[0].v.req_bytes[TDX_MAP_TO_SHARED] = 4 << 20;
	s.map[0].v.done_status[TDX_MAP_DONE_SUCCESS] = 3;
	s.map[0].v.done_status[TDX_MAP_DONE_RETRY] = 1;
	s.map[0].v.chunks = 5;
	s.map[1].pid = 20;
	s.map[1].v.requests[TDX_MAP_TO_PRIVATE] = 1;
	s.map[1].v.req_bytes[TDX_MAP_TO_PRIVATE] = 64 << 20;
	s.n_mix = 1;
	s.mix = calloc(1, sizeof(*s.mix));
	s.mix[0].pid = 10;
	s.mix[0].v.mixed_live[TDX_PG_LEVEL_2M] = 3;
	s.mix[0].v.to_mixed[TDX_PG_LEVEL_2M] = 5;
	s.mix[0].v.to_unmixed[TDX_PG_LEVEL_2M] = 2;
	s.mix[0].v.redundant = 4;
	s.mix[0].v.private_live[TDX_PG_LEVEL_4K] = 1000;
	s.mix[0].v.private_live[TDX_PG_LEVEL_2M] = 1;
	s.mix[0].v.private_4k_in_mixed = 200;
	s.mix[0].v.maps = 1100;
	s.mix[0].v.unmaps = 99;
	s.n_frozen = 1;
	s.frozen = calloc(1, sizeof(*s.frozen));
	s.frozen[0].key = (struct tdx_frozen_key){ 10, TDX_PG_LEVEL_4K, 1 };
	s.frozen[0].v.retries = 12;
	s.frozen[0].v.frozen = 6;
	s.frozen[0].v.held_sum_ns = 6000;
	s.frozen[0].v.held_max_ns = 1500;
	for (int i = 0; i < 6; i++)
		add_sample(s.frozen[0].v.hist, 1000);
	s.n_leaf = 1;
	s.leaf = calloc(1, sizeof(*s.leaf));
	s.leaf[0].key = (struct tdx_leaf_key){ 10, TDX_LEAF_MEM_PAGE_AUG };
	s.leaf[0].v.count = 9;
	s.leaf[0].v.status[TDX_SC_BUSY] = 2;
	s.leaf[0].v.status[TDX_SC_SUCCESS] = 7;
	s.n_td = 2;
	s.td = calloc(2, sizeof(*s.td));
	s.td[0].pid = 10;
	s.td[1].pid = 20;

	parse(&c, &cli_cmd_convert, "");
	j = render_json(&cli_report_convert, &c, &s, "tdxtrace:convert");
	is_u64(jget(j, "tds.0.requests.to_shared"), 4, "convert: requests by direction");
	is_u64(jget(j, "tds.0.done_status.retry"), 1, "convert: completions by outcome");
	ok(jget(j, "top_pids.0") == 20 && jget(j, "top_pids.1") == 10,
	   "convert: top TDs by bytes requested");
	json_object_put(j);

	parse(&c, &cli_cmd_mix, "");
	j = render_json(&cli_report_mix, &c, &s, "tdxtrace:mix");
	/* 2M mapped + 800 4K pages outside mixed ranges, over all mapped private memory */
	want = (2097152.0 + 800 * 4096.0) / (1000 * 4096.0 + 2097152.0);
	is_dbl(jdbl(j, "tds.0.could_be_huge"), want, 1e-9, "mix: could-be-huge fraction");
	is_u64(jget(j, "tds.0.mixed.2M"), 3, "mix: mixed 2M ranges now");
	json_object_put(j);

	parse(&c, &cli_cmd_contention, "");
	j = render_json(&cli_report_contention, &c, &s, "tdxtrace:contention");
	ok(jget(j, "frozen.0.retries") == 12 && jget(j, "frozen.0.windows") == 6 &&
	   !strcmp(json_object_get_string(json_object_object_get(json_object_array_get_idx(
		   json_object_object_get(j, "frozen"), 0), "root")), "mirror"),
	   "contention: FROZEN_SPTE retries, windows, root");
	is_u64(jget(j, "busy.0.busy"), 2, "contention: BUSY SEAMCALLs per leaf");
	json_object_put(j);
	txt = render_text(&cli_report_contention, &c, &s);
	ok(strstr(txt, "mirror") && strstr(txt, "22.22%"), "contention text: root and BUSY %%");
	free(txt);

	parse(&c, &cli_cmd_stat, "");
	j = render_json(&cli_report_stat, &c, &s, "tdxtrace:stat");
	is_u64(jget(j, "tds.0.events.kvm_mmu_hugepage_mixed"), 5 + 2 + 4,
	       "stat: per-TD mixing events = to_mixed + to_unmixed + unchanged");
	is_u64(jget(j, "tds.0.events.kvm_tdx_map_gpa_done"), 4,
	       "stat: per-TD MapGPA completions = all outcomes");
	is_u64(jget(j, "tds.0.events.kvm_mmu_private_map"), 1199, "stat: maps + unmaps");
	is_u64(jget(j, "tds.1.events.kvm_tdx_map_gpa"), 1, "stat: second TD attributed");
	json_object_put(j);
	snap_free(&s);
}

static void test_schema_checker(void)
{
	struct json_object *o = json_tokener_parse(
		"{\"ts_ns\":1,\"pid\":2,\"tid\":3,\"cpu\":0,\"event\":\"tdx:tdx_seamcall\","
		"\"args\":{\"leaf\":6}}");
	struct json_object *bad = json_tokener_parse(
		"{\"ts_ns\":-1,\"pid\":2,\"tid\":3,\"cpu\":0,\"event\":\"tdx:tdx_seamcall\","
		"\"args\":{\"leaf\":6}}");
	struct json_object *bad2 = json_tokener_parse(
		"{\"ts_ns\":1,\"pid\":2,\"tid\":3,\"cpu\":0,\"event\":\"x:y\",\"args\":{}}");

	ok(!js_validate(&schemas, o, "tdxtrace:sim-event"), "schema checker accepts a good event");
	ok(js_validate(&schemas, bad, "tdxtrace:sim-event"), "schema checker rejects ts_ns < 0");
	ok(js_validate(&schemas, bad2, "tdxtrace:sim-event"), "schema checker rejects a bad enum");
	json_object_put(o);
	json_object_put(bad);
	json_object_put(bad2);
}

int main(void)
{
	char path[4096];
	const char *src = getenv("SRC");

	snprintf(path, sizeof(path), "%s/docs/cli.md", src ? src : ".");
	ok(js_load_md(&schemas, path) >= 10, "docs/cli.md holds the JSON schemas (%d)", schemas.n);
	test_schema_checker();
	test_parsing();
	test_lat();
	test_ept();
	test_convert_mix_contention_stat();
	return tap_done();
}
