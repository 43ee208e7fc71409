// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mix.c - `tdxtrace mix`: hugepage mixing per TD.  A 2M (1G) guest range can
 * be mapped huge only if all its pages are private or all shared; "mixed"
 * ranges cannot.  Shows mixed ranges now and how many became (un)mixed, the
 * levels private pages are really mapped at, and the fraction of private
 * memory that could be huge, plus the same over time (-i, or 1 s steps of an
 * offline source) as a table and a --plot.
 *
 * Which conversions split ranges: with the event stream (offline sources by
 * default, --splits live), every range that becomes mixed is attributed to
 * the latest MapGPA request of its TD (direction and size class); ranges
 * mixed with no request seen before count as "other".
 *
 * could_be_huge = (bytes mapped huge already + 4K private pages outside mixed
 * 2M ranges * 4 KiB) / private bytes mapped.  An upper bound: a 2M range that
 * is not mixed may still be only partly mapped.
 */
#include <search.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define SZ_4K	4096.0
#define SZ_2M	(2048.0 * 1024)
#define SZ_1G	(1024.0 * 1024 * 1024)

static __s64 nonneg(__s64 v)
{
	return v < 0 ? 0 : v;
}

/* Fraction of mapped private bytes that could be huge; -1 if none mapped. */
static double could_be_huge(const struct tdx_mix_stats *v)
{
	double p4k = (double)nonneg(v->private_live[TDX_PG_LEVEL_4K]);
	double in_mixed = (double)nonneg(v->private_4k_in_mixed);
	double huge = (double)nonneg(v->private_live[TDX_PG_LEVEL_2M]) * SZ_2M +
		      (double)nonneg(v->private_live[TDX_PG_LEVEL_1G]) * SZ_1G;
	double total = p4k * SZ_4K + huge;

	if (in_mixed > p4k)
		in_mixed = p4k;
	if (total <= 0)
		return -1;
	return (huge + (p4k - in_mixed) * SZ_4K) / total;
}

/* ------------------------------------------------------------ splits */

static const char *const split_class_names[CLI_SPLIT_CLASSES] = {
	"4K", "64K", "2M", "large",
};

struct range_node {
	__u32 pid, level;
	__u64 gfn;
	__u32 mixed;
};

static int range_cmp(const void *a, const void *b)
{
	const struct range_node *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->level != y->level)
		return x->level < y->level ? -1 : 1;
	return x->gfn < y->gfn ? -1 : x->gfn > y->gfn;
}

static int split_class(__u64 size)
{
	if (size <= 4096)
		return 0;
	if (size <= 65536)
		return 1;
	if (size <= 2ULL << 20)
		return 2;
	return 3;
}

static struct cli_split *split_td(struct cli *c, __u32 pid)
{
	for (size_t i = 0; i < c->n_split; i++)
		if (c->split[i].pid == pid)
			return &c->split[i];
	if (c->n_split == CLI_SPLIT_MAX_TDS)
		return NULL;
	if (!c->split) {
		c->split = calloc(CLI_SPLIT_MAX_TDS, sizeof(*c->split));
		if (!c->split)
			return NULL;
	}
	c->split[c->n_split].pid = pid;
	return &c->split[c->n_split++];
}

int cli_mix_stream(void *ctx, const struct tdx_event *ev)
{
	struct cli *c = ctx;
	struct cli_split *sp;

	if (ev->kind != TDX_EV_MAP_GPA && ev->kind != TDX_EV_HUGEPAGE_MIXED)
		return 0;
	sp = split_td(c, ev->pid);
	if (!sp)
		return 0;
	if (ev->kind == TDX_EV_MAP_GPA) {
		sp->have_req = true;
		sp->req_dir = ev->args[TDX_MAP_GPA_ARG_TO_SHARED] ? 1 : 0;
		sp->req_size = ev->args[TDX_MAP_GPA_ARG_SIZE];
	} else {
		struct range_node key = {
			.pid = ev->pid,
			.level = (__u32)ev->args[TDX_HUGEPAGE_MIXED_ARG_LEVEL],
			.gfn = ev->args[TDX_HUGEPAGE_MIXED_ARG_GFN],
		};
		struct range_node **n = tsearch(&key, &c->split_ranges, range_cmp);
		__u32 mixed = ev->args[TDX_HUGEPAGE_MIXED_ARG_MIXED] ? 1 : 0;

		if (!n)
			return 0;
		if (*n == &key) {
			*n = malloc(sizeof(key));
			if (!*n) {
				tdelete(&key, &c->split_ranges, range_cmp);
				return 0;
			}
			**n = key;
		}
		if (mixed && !(*n)->mixed) {
			if (sp->have_req)
				sp->by[sp->req_dir][split_class(sp->req_size)]++;
			else
				sp->other++;
		}
		(*n)->mixed = mixed;
	}
	return 0;
}

void cli_mix_cleanup(struct cli *c)
{
	tdestroy(c->split_ranges, free);
	c->split_ranges = NULL;
	free(c->split);
	c->split = NULL;
	c->n_split = 0;
	free(c->series);
	c->series = NULL;
	c->n_series = c->cap_series = 0;
}

static const struct cli_split *split_of(const struct cli *c, __u32 pid)
{
	for (size_t i = 0; i < c->n_split; i++)
		if (c->split[i].pid == pid)
			return &c->split[i];
	return NULL;
}

static void print_splits(FILE *f, const struct cli_split *sp)
{
	static const char *const dir[2] = { "to private", "to shared" };

	fprintf(f, "    ranges split by conversions:");
	for (int d = 1; d >= 0; d--) {
		fprintf(f, " %s", dir[d]);
		for (int k = 0; k < CLI_SPLIT_CLASSES; k++)
			fprintf(f, " %s%s:%llu", k == CLI_SPLIT_CLASSES - 1 ? ">" : "<=",
				split_class_names[k == CLI_SPLIT_CLASSES - 1 ? 2 : k],
				(unsigned long long)sp->by[d][k]);
		fprintf(f, ";");
	}
	fprintf(f, " without a request %llu\n", (unsigned long long)sp->other);
}

static struct json_object *json_splits(const struct cli_split *sp)
{
	struct json_object *o = json_object_new_object();
	static const char *const dir[2] = { "to_private", "to_shared" };

	for (int d = 1; d >= 0; d--) {
		struct json_object *e = json_object_new_object();

		for (int k = 0; k < CLI_SPLIT_CLASSES; k++)
			json_object_object_add(e, split_class_names[k], cli_json_u64(sp->by[d][k]));
		json_object_object_add(o, dir[d], e);
	}
	json_object_object_add(o, "other", cli_json_u64(sp->other));
	return o;
}

static void mix_text(FILE *f, const struct cli *c, const struct tdx_snapshot *s)
{
	size_t shown = 0;

	cli_print_header(f, c, s);
	for (size_t i = 0; i < s->n_mix; i++) {
		const struct tdx_mix_stats *v = &s->mix[i].v;
		double cbh = could_be_huge(v);

		shown++;
		fprintf(f, "TD %u (%s):\n", s->mix[i].pid, cli_td_comm(s, s->mix[i].pid));
		fprintf(f, "    mixed ranges now: 2M %lld, 1G %lld\n",
			(long long)v->mixed_live[TDX_PG_LEVEL_2M],
			(long long)v->mixed_live[TDX_PG_LEVEL_1G]);
		fprintf(f, "    became mixed:     2M %llu, 1G %llu; became unmixed: 2M %llu, "
			"1G %llu; unchanged %llu\n",
			(unsigned long long)v->to_mixed[TDX_PG_LEVEL_2M],
			(unsigned long long)v->to_mixed[TDX_PG_LEVEL_1G],
			(unsigned long long)v->to_unmixed[TDX_PG_LEVEL_2M],
			(unsigned long long)v->to_unmixed[TDX_PG_LEVEL_1G],
			(unsigned long long)v->redundant);
		fprintf(f, "    private mapped:   4K %lld, 2M %lld, 1G %lld (maps %llu, "
			"unmaps %llu); 4K pages inside mixed 2M ranges %lld\n",
			(long long)v->private_live[TDX_PG_LEVEL_4K],
			(long long)v->private_live[TDX_PG_LEVEL_2M],
			(long long)v->private_live[TDX_PG_LEVEL_1G],
			(unsigned long long)v->maps, (unsigned long long)v->unmaps,
			(long long)v->private_4k_in_mixed);
		if (v->unmaps > v->maps)
			fprintf(f, "    mapped before:    unknown (more removals than mappings seen: "
				"pages mapped before the trace are not counted above)\n");
		if (cbh >= 0)
			fprintf(f, "    could be huge:    %.1f%% of mapped private memory\n",
				cbh * 100);
		else
			fprintf(f, "    could be huge:    - (no private memory mapped)\n");
		if (c->splits && split_of(c, s->mix[i].pid))
			print_splits(f, split_of(c, s->mix[i].pid));
		fputc('\n', f);
	}
	if (!shown)
		fprintf(f, "no hugepage-mixing or private-mapping event\n");
	if (c->n_series > 1 && !c->interval_ns) {
		fprintf(f, "over time (all TDs):\n%10s %10s %10s %10s %10s %12s\n", "T(s)",
			"MIXED_2M", "MIXED_1G", "TO_MIXED", "TO_UNMIXED", "PRIVATE_4K");
		for (size_t i = 0; i < c->n_series; i++) {
			const struct cli_mix_point *p = &c->series[i];

			fprintf(f, "%10.3f %10lld %10lld %10llu %10llu %12lld\n", p->t_s,
				(long long)p->mixed_2m, (long long)p->mixed_1g,
				(unsigned long long)p->to_mixed, (unsigned long long)p->to_unmixed,
				(long long)p->private_4k);
		}
		fputc('\n', f);
	}
	cli_print_counters(f, s);
}

static struct json_object *levels(const __s64 *v, int from)
{
	static const char *const names[TDX_PG_LEVEL_MAX] = { "none", "4K", "2M", "1G" };
	struct json_object *o = json_object_new_object();

	for (int k = from; k < TDX_PG_LEVEL_MAX; k++)
		json_object_object_add(o, names[k], json_object_new_int64(v[k]));
	return o;
}

static struct json_object *ulevels(const __u64 *v, int from)
{
	__s64 t[TDX_PG_LEVEL_MAX];

	for (int k = 0; k < TDX_PG_LEVEL_MAX; k++)
		t[k] = (__s64)v[k];
	return levels(t, from);
}

static struct json_object *mix_json(const struct cli *c, const struct tdx_snapshot *s)
{
	struct json_object *o = cli_json_envelope(c, s, "mix");
	struct json_object *tds = json_object_new_array();
	struct json_object *ser = json_object_new_array();

	for (size_t i = 0; i < s->n_mix; i++) {
		const struct tdx_mix_stats *v = &s->mix[i].v;
		struct json_object *e = json_object_new_object();
		double cbh = could_be_huge(v);

		json_object_object_add(e, "pid", cli_json_u64(s->mix[i].pid));
		json_object_object_add(e, "comm", json_object_new_string(cli_td_comm(s, s->mix[i].pid)));
		json_object_object_add(e, "mixed", levels(v->mixed_live, TDX_PG_LEVEL_2M));
		json_object_object_add(e, "to_mixed", ulevels(v->to_mixed, TDX_PG_LEVEL_2M));
		json_object_object_add(e, "to_unmixed", ulevels(v->to_unmixed, TDX_PG_LEVEL_2M));
		json_object_object_add(e, "redundant", cli_json_u64(v->redundant));
		json_object_object_add(e, "private_mapped", levels(v->private_live, TDX_PG_LEVEL_4K));
		json_object_object_add(e, "maps", cli_json_u64(v->maps));
		json_object_object_add(e, "unmaps", cli_json_u64(v->unmaps));
		json_object_object_add(e, "private_4k_in_mixed",
				       json_object_new_int64(v->private_4k_in_mixed));
		json_object_object_add(e, "could_be_huge",
				       cbh >= 0 ? json_object_new_double(cbh) : NULL);
		if (c->splits) {
			const struct cli_split *sp = split_of(c, s->mix[i].pid);
			struct cli_split zero = { 0 };

			json_object_object_add(e, "splits", json_splits(sp ? sp : &zero));
		}
		json_object_array_add(tds, e);
	}
	json_object_object_add(o, "tds", tds);
	for (size_t i = 0; !c->interval_ns && i < c->n_series; i++) {
		const struct cli_mix_point *p = &c->series[i];
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "t_s", json_object_new_double(p->t_s));
		json_object_object_add(e, "mixed_2m", json_object_new_int64(p->mixed_2m));
		json_object_object_add(e, "mixed_1g", json_object_new_int64(p->mixed_1g));
		json_object_object_add(e, "to_mixed", cli_json_u64(p->to_mixed));
		json_object_object_add(e, "to_unmixed", cli_json_u64(p->to_unmixed));
		json_object_object_add(e, "private_4k", json_object_new_int64(p->private_4k));
		json_object_object_add(e, "private_2m", json_object_new_int64(p->private_2m));
		json_object_object_add(e, "private_1g", json_object_new_int64(p->private_1g));
		json_object_array_add(ser, e);
	}
	json_object_object_add(o, "series", ser);
	return o;
}

/* One point per interval: gauges from cur, transitions from the delta. */
static void mix_sample(struct cli *c, const struct tdx_snapshot *cur,
		       const struct tdx_snapshot *delta)
{
	struct cli_mix_point p = { 0 };

	if (c->n_series == c->cap_series) {
		size_t cap = c->cap_series ? c->cap_series * 2 : 64;
		struct cli_mix_point *n = realloc(c->series, cap * sizeof(*n));

		if (!n)
			return;
		c->series = n;
		c->cap_series = cap;
	}
	p.t_s = cur->ts_ns > c->start_ns ? (double)(cur->ts_ns - c->start_ns) / 1e9 : 0;
	for (size_t i = 0; i < cur->n_mix; i++) {
		const struct tdx_mix_stats *v = &cur->mix[i].v;

		p.mixed_2m += v->mixed_live[TDX_PG_LEVEL_2M];
		p.mixed_1g += v->mixed_live[TDX_PG_LEVEL_1G];
		p.private_4k += v->private_live[TDX_PG_LEVEL_4K];
		p.private_2m += v->private_live[TDX_PG_LEVEL_2M];
		p.private_1g += v->private_live[TDX_PG_LEVEL_1G];
	}
	for (size_t i = 0; delta && i < delta->n_mix; i++) {
		const struct tdx_mix_stats *v = &delta->mix[i].v;

		p.to_mixed += v->to_mixed[TDX_PG_LEVEL_2M] + v->to_mixed[TDX_PG_LEVEL_1G];
		p.to_unmixed += v->to_unmixed[TDX_PG_LEVEL_2M] + v->to_unmixed[TDX_PG_LEVEL_1G];
	}
	c->series[c->n_series++] = p;
}

static void mix_prepare(struct cli *c)
{
	if (c->topts.source != TDX_SRC_LIVE)
		c->splits = true;
	if (c->splits) {
		c->topts.stream = true;
		c->topts.stream_cb = cli_mix_stream;
		c->topts.stream_ctx = c;
	}
}

static int mix_finish(struct cli *c, const struct tdx_snapshot *s)
{
	int err = c->plot ? cli_plot_mix(c) : 0;

	(void)s;
	cli_mix_cleanup(c);
	return err;
}

const struct cli_report cli_report_mix = {
	.name = "mix",
	.text = mix_text,
	.json = mix_json,
	.prepare = mix_prepare,
	.sample = mix_sample,
	.finish = mix_finish,
};

enum { OPT_SPLITS = 0x300 };

static const struct argp_option mix_options[] = {
	{ "splits", OPT_SPLITS, NULL, 0, "Live: also attribute newly mixed ranges to "
	  "conversions (streams every event to user space; offline: always)", 0 },
	{},
};

static error_t mix_parse(int key, char *arg, struct argp_state *state)
{
	struct cli *c = state->input;

	(void)arg;
	if (key != OPT_SPLITS)
		return ARGP_ERR_UNKNOWN;
	c->splits = true;
	return 0;
}

const struct cli_cmd cli_cmd_mix = {
	.plot = true,
	.name = "mix",
	.summary = "hugepage mixing per TD: mixed 2M/1G ranges, mapped levels, could-be-huge",
	.options = mix_options,
	.parser = mix_parse,
	.doc = "Report hugepage mixing per TD: 2M/1G ranges that are mixed "
	       "private/shared (so cannot be mapped huge), how many became mixed or "
	       "unmixed, the levels private pages are mapped at, and the fraction of "
	       "private memory that could be huge; over time with INTERVAL, or in 1 s "
	       "steps of an offline source."
	       "\v"
	       "EXAMPLES:\n"
	       "  tdxtrace mix 10                   # every 10 s until Ctrl-C\n"
	       "  tdxtrace mix --splits --duration 60 # which conversions split ranges\n"
	       "  tdxtrace mix --sim boot --plot mix.svg\n"
	       "  tdxtrace mix --replay run.tdxrec -i 100ms --json",
	.report = &cli_report_mix,
};
