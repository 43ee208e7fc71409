// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ept.c - `tdxtrace ept`: EPT violations per TD: private/shared counts and
 * rates, handling time, local-retry distribution (the zero-step mitigation
 * loop), results (RET_PF_*), mapping levels, and the slowest GPAs.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "quant.h"
#include "cli.h"

static const char *const result_names[TDX_EPT_RESULT_MAX] = {
#define X(name, val) [val] = #name,
	TDX_RET_PF_TABLE(X)
#undef X
	[TDX_EPT_RESULT_ERR] = "ERRNO",
};

static const char *const level_names[TDX_PG_LEVEL_MAX] = {
	"unmapped", "4K", "2M", "1G",	/* 0: no leaf SPTE afterwards (docs/tracepoints.md) */
};

static int gfn_cmp(const void *a, const void *b)
{
	const struct tdx_snap_gfn *x = *(const struct tdx_snap_gfn *const *)a;
	const struct tdx_snap_gfn *y = *(const struct tdx_snap_gfn *const *)b;

	if (x->v.max_ns != y->v.max_ns)
		return x->v.max_ns > y->v.max_ns ? -1 : 1;
	if (x->key.pid != y->key.pid)
		return x->key.pid < y->key.pid ? -1 : 1;
	return x->key.gfn < y->key.gfn ? -1 : x->key.gfn > y->key.gfn;
}

/* The top-N slowest GFNs (by max handling time); caller frees. */
static const struct tdx_snap_gfn **slowest(const struct cli *c, const struct tdx_snapshot *s,
					   size_t *n_out)
{
	const struct tdx_snap_gfn **v = calloc(s->n_gfn ? s->n_gfn : 1, sizeof(*v));
	size_t n = 0;

	if (!v) {
		*n_out = 0;
		return NULL;
	}
	for (size_t i = 0; i < s->n_gfn; i++)
		if (s->gfn[i].v.count)
			v[n++] = &s->gfn[i];
	qsort(v, n, sizeof(*v), gfn_cmp);
	if (c->top >= 0 && n > (size_t)c->top)
		n = (size_t)c->top;
	*n_out = n;
	return v;
}

static void ept_text(FILE *f, const struct cli *c, const struct tdx_snapshot *s)
{
	double secs = cli_seconds(c);
	const struct tdx_snap_gfn **top;
	size_t n_top, shown = 0;

	cli_print_header(f, c, s);
	for (size_t i = 0; i < s->n_ept; i++) {
		const struct tdx_ept_stats *v = &s->ept[i].v;
		__u64 total = v->count[0] + v->count[1];

		if (!total)
			continue;
		shown++;
		fprintf(f, "TD %u (%s): EPT violations %llu: private %llu, shared %llu",
			s->ept[i].pid, cli_td_comm(s, s->ept[i].pid),
			(unsigned long long)total, (unsigned long long)v->count[1],
			(unsigned long long)v->count[0]);
		if (secs > 0)
			fprintf(f, " (%.1f/s private, %.1f/s shared)",
				(double)v->count[1] / secs, (double)v->count[0] / secs);
		fputc('\n', f);
		fprintf(f, "    handling time: ");
		cli_print_lat_summary(f, c, v->hist, total, v->sum_ns, v->max_ns);
		tdx_hist_print_log2(f, v->hist, c->unit_div, c->unit_name);
		fprintf(f, "    local retries: %llu (%.2f per violation); distribution:",
			(unsigned long long)v->retries, (double)v->retries / (double)total);
		for (int k = 0; k < TDX_RETRY_SLOTS; k++)
			if (v->retry_hist[k])
				fprintf(f, " %s%d:%llu", k == TDX_RETRY_SLOTS - 1 ? ">=" : "",
					k, (unsigned long long)v->retry_hist[k]);
		fprintf(f, "\n    results:");
		for (int k = 0; k < TDX_EPT_RESULT_MAX; k++)
			if (v->result[k])
				fprintf(f, " %s %llu", result_names[k] ? result_names[k] : "?",
					(unsigned long long)v->result[k]);
		fprintf(f, "\n    levels:");
		for (int k = 0; k < TDX_PG_LEVEL_MAX; k++)
			if (v->level[k])
				fprintf(f, " %s %llu", level_names[k], (unsigned long long)v->level[k]);
		fprintf(f, "\n\n");
	}
	if (!shown)
		fprintf(f, "no EPT violation\n");
	top = slowest(c, s, &n_top);
	if (n_top) {
		__u64 thr = c->topts.filter.gfn_min_ns;

		if (thr && thr != TDX_GFN_TRACK_NONE)
			fprintf(f, "slowest GPAs (violations of at least %llu us):\n",
				(unsigned long long)(thr / 1000));
		else
			fprintf(f, "slowest GPAs:\n");
		fprintf(f, "%8s %-10s %-7s %18s %8s %10s %10s %8s\n", "TD", "COMM",
			"KIND", "GPA", "COUNT", "AVG", "MAX", "RETRIES");
		for (size_t i = 0; i < n_top; i++) {
			const struct tdx_snap_gfn *g = top[i];
			char a[32], m[32];

			fprintf(f, "%8u %-10.10s %-7s %#18llx %8llu %10s %10s %8llu\n", g->key.pid,
				cli_td_comm(s, g->key.pid), g->key.private ? "private" : "shared",
				(unsigned long long)(g->key.gfn << 12),
				(unsigned long long)g->v.count,
				cli_fmt_ns(a, sizeof(a), (double)g->v.sum_ns / (double)g->v.count),
				cli_fmt_ns(m, sizeof(m), (double)g->v.max_ns),
				(unsigned long long)g->v.retries);
		}
		fputc('\n', f);
	}
	free(top);
	cli_print_counters(f, s);
}

static struct json_object *ept_json(const struct cli *c, const struct tdx_snapshot *s)
{
	struct json_object *o = cli_json_envelope(c, s, "ept");
	struct json_object *tds = json_object_new_array();
	struct json_object *slow = json_object_new_array();
	double secs = cli_seconds(c);
	const struct tdx_snap_gfn **top;
	size_t n_top;

	for (size_t i = 0; i < s->n_ept; i++) {
		const struct tdx_ept_stats *v = &s->ept[i].v;
		struct json_object *e, *rh, *res, *lv;
		__u64 total = v->count[0] + v->count[1];

		if (!total)
			continue;
		e = json_object_new_object();
		json_object_object_add(e, "pid", cli_json_u64(s->ept[i].pid));
		json_object_object_add(e, "comm", json_object_new_string(cli_td_comm(s, s->ept[i].pid)));
		json_object_object_add(e, "count", cli_json_u64(total));
		json_object_object_add(e, "private", cli_json_u64(v->count[1]));
		json_object_object_add(e, "shared", cli_json_u64(v->count[0]));
		json_object_object_add(e, "private_per_s", cli_json_rate(v->count[1], secs));
		json_object_object_add(e, "shared_per_s", cli_json_rate(v->count[0], secs));
		json_object_object_add(e, "retries", cli_json_u64(v->retries));
		rh = json_object_new_array();
		for (int k = 0; k < TDX_RETRY_SLOTS; k++)
			json_object_array_add(rh, cli_json_u64(v->retry_hist[k]));
		json_object_object_add(e, "retry_hist", rh);
		res = json_object_new_object();
		for (int k = 0; k < TDX_EPT_RESULT_MAX; k++)
			json_object_object_add(res, result_names[k], cli_json_u64(v->result[k]));
		json_object_object_add(e, "results", res);
		lv = json_object_new_object();
		/* every level, 0 (unmapped) too: the levels sum to the violations */
		for (int k = 0; k < TDX_PG_LEVEL_MAX; k++)
			json_object_object_add(lv, level_names[k], cli_json_u64(v->level[k]));
		json_object_object_add(e, "levels", lv);
		json_object_object_add(e, "hist", cli_json_hist(v->hist, v->sum_ns, TDX_MIN_UNTRACKED, v->max_ns));
		json_object_array_add(tds, e);
	}
	json_object_object_add(o, "tds", tds);
	top = slowest(c, s, &n_top);
	for (size_t i = 0; i < n_top; i++) {
		const struct tdx_snap_gfn *g = top[i];
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "pid", cli_json_u64(g->key.pid));
		json_object_object_add(e, "private", json_object_new_boolean(g->key.private));
		json_object_object_add(e, "gfn", cli_json_u64(g->key.gfn));
		json_object_object_add(e, "count", cli_json_u64(g->v.count));
		json_object_object_add(e, "sum_ns", cli_json_u64(g->v.sum_ns));
		json_object_object_add(e, "max_ns", cli_json_u64(g->v.max_ns));
		json_object_object_add(e, "retries", cli_json_u64(g->v.retries));
		json_object_array_add(slow, e);
	}
	free(top);
	json_object_object_add(o, "slowest", slow);
	return o;
}

const struct cli_report cli_report_ept = {
	.name = "ept",
	.text = ept_text,
	.json = ept_json,
};

enum { OPT_GPA_MIN = 0x200 };

static const struct argp_option ept_options[] = {
	CLI_OPT_TOP("Show the N slowest GPAs (default 10)"),
	CLI_OPT_MSECS,
	{ "gpa-min", OPT_GPA_MIN, "USECS", 0,
	  "Track GPAs for the slowest-GPA table only when handling took at least "
	  "USECS (default 100; 0 = every violation)", 0 },
	{},
};

static error_t ept_parse(int key, char *arg, struct argp_state *state)
{
	struct cli *c = state->input;
	unsigned long long us;
	char *end;

	if (key != OPT_GPA_MIN)
		return cli_opt_parse(key, arg, state);
	us = strtoull(arg, &end, 10);
	if (*end || !isdigit((unsigned char)*arg) || us > 3600ULL * 1000000)
		return cli_usage_error(state, "invalid --gpa-min '%s'", arg);
	c->gfn_min_ns = us * 1000;
	c->gfn_min_set = true;
	return 0;
}

const struct cli_cmd cli_cmd_ept = {
	.name = "ept",
	.summary = "EPT violations: private/shared rates, retries, results, slowest GPAs",
	.options = ept_options,
	.parser = ept_parse,
	.doc = "Report EPT violations per TD: private/shared rates, handling time, "
	       "local retries, results, mapping levels and the slowest GPAs."
	       "\v"
	       "EXAMPLES:\n"
	       "  tdxtrace ept                      # until Ctrl-C\n"
	       "  tdxtrace ept --top 20 -p 4242 10 1 # one 10 s report, 20 slowest GPAs\n"
	       "  tdxtrace ept --sim boot --json",
	.report = &cli_report_ept,
};
