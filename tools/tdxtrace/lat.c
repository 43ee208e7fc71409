// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * lat.c - `tdxtrace lat`: log2 latency histograms of SEAMCALLs per leaf (per
 * TD with -P), runqlat/funclatency style, with the status-class counts under
 * each histogram, and TD entry time (kvm_tdx_vp_enter_exit) as TDH.VP.ENTER.
 */
#include <stdlib.h>
#include <string.h>

#include "quant.h"
#include "cli.h"

struct lat_row {
	__u32 pid;
	__u32 leaf;
	__u64 count, sum_ns, min_ns, max_ns, retries;
	__u64 status[TDX_SC_MAX];
	__u64 hist[TDX_HIST_SLOTS];
};

static bool leaf_selected(const struct cli *c, __u32 leaf)
{
	const __u64 *m = c->topts.filter.leaf_mask;
	bool any = false;

	for (int i = 0; i < TDX_LEAF_MAX / 64; i++)
		any |= m[i] != 0;
	if (!any)
		return true;
	return leaf < TDX_LEAF_MAX && (m[leaf / 64] >> (leaf % 64)) & 1;
}

static void row_add(struct lat_row *r, const struct tdx_leaf_stats *v)
{
	if (!r->count || v->min_ns < r->min_ns)
		r->min_ns = v->min_ns;
	r->count += v->count;
	r->sum_ns += v->sum_ns;
	if (v->max_ns > r->max_ns)
		r->max_ns = v->max_ns;
	r->retries += v->retries;
	for (int i = 0; i < TDX_SC_MAX; i++)
		r->status[i] += v->status[i];
	for (int i = 0; i < TDX_HIST_SLOTS; i++)
		r->hist[i] += v->hist[i];
}

static int row_cmp(const void *a, const void *b)
{
	const struct lat_row *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->leaf < y->leaf ? -1 : x->leaf > y->leaf;
}

/* Rows of the report: per leaf, or per (TD, leaf) with -P; sorted. */
static struct lat_row *lat_rows(const struct cli *c, const struct tdx_snapshot *s,
				size_t *n_out)
{
	struct lat_row *rows = calloc(s->n_leaf ? s->n_leaf : 1, sizeof(*rows));
	size_t n = 0;

	if (!rows) {
		*n_out = 0;
		return NULL;
	}
	for (size_t i = 0; i < s->n_leaf; i++) {
		const struct tdx_snap_leaf *e = &s->leaf[i];
		__u32 pid = c->per_td ? e->key.pid : 0;
		size_t j;

		if (!e->v.count || !leaf_selected(c, e->key.leaf))
			continue;
		for (j = 0; j < n; j++)
			if (rows[j].pid == pid && rows[j].leaf == e->key.leaf)
				break;
		if (j == n) {
			rows[n].pid = pid;
			rows[n].leaf = e->key.leaf;
			n++;
		}
		row_add(&rows[j], &e->v);
	}
	qsort(rows, n, sizeof(*rows), row_cmp);
	*n_out = n;
	return rows;
}

static bool vp_selected(const struct cli *c)
{
	return leaf_selected(c, TDX_LEAF_VP_ENTER);
}

static const char *leaf_label(char *buf, size_t len, __u32 leaf)
{
	const char *name = tdx_leaf_name(leaf);

	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "leaf %u", leaf);
	return buf;
}

static void lat_text(FILE *f, const struct cli *c, const struct tdx_snapshot *s)
{
	size_t n;
	struct lat_row *rows = lat_rows(c, s, &n);
	char name[48];

	cli_print_header(f, c, s);
	if (!n)
		fprintf(f, "no SEAMCALL%s\n", c->topts.filter.npids ||
			!leaf_selected(c, TDX_LEAF_MAX) ? " matching the filters" : "");
	for (size_t i = 0; i < n; i++) {
		const struct lat_row *r = &rows[i];

		if (c->per_td)
			fprintf(f, "TD %u (%s) ", r->pid, cli_td_comm(s, r->pid));
		fprintf(f, "%s (leaf %u): ", leaf_label(name, sizeof(name), r->leaf), r->leaf);
		cli_print_lat_summary(f, c, r->hist, r->count, r->sum_ns, r->max_ns);
		tdx_hist_print_log2(f, r->hist, c->unit_div, c->unit_name);
		cli_print_status(f, "    ", r->status);
		if (r->retries)
			fprintf(f, "    RND_NO_ENTROPY retries in the kernel: %llu\n",
				(unsigned long long)r->retries);
		fputc('\n', f);
	}
	if (vp_selected(c)) {
		struct tdx_vp_stats all;

		memset(&all, 0, sizeof(all));
		for (size_t i = 0; i < s->n_vp; i++) {
			const struct tdx_vp_stats *v = &s->vp[i].v;

			if (!v->count)
				continue;
			if (c->per_td) {
				fprintf(f, "TD %u (%s) TD entry (kvm_tdx_vp_enter_exit): ",
					s->vp[i].pid, cli_td_comm(s, s->vp[i].pid));
				cli_print_lat_summary(f, c, v->hist, v->count, v->sum_ns, v->max_ns);
				tdx_hist_print_log2(f, v->hist, c->unit_div, c->unit_name);
				cli_print_status(f, "    ", v->status);
				fputc('\n', f);
			}
			all.count += v->count;
			all.sum_ns += v->sum_ns;
			if (v->max_ns > all.max_ns)
				all.max_ns = v->max_ns;
			for (int k = 0; k < TDX_SC_MAX; k++)
				all.status[k] += v->status[k];
			for (int k = 0; k < TDX_HIST_SLOTS; k++)
				all.hist[k] += v->hist[k];
		}
		if (!c->per_td && all.count) {
			fprintf(f, "TD entry (kvm_tdx_vp_enter_exit): ");
			cli_print_lat_summary(f, c, all.hist, all.count, all.sum_ns, all.max_ns);
			tdx_hist_print_log2(f, all.hist, c->unit_div, c->unit_name);
			cli_print_status(f, "    ", all.status);
			fputc('\n', f);
		}
	}
	cli_print_counters(f, s);
	free(rows);
}

static struct json_object *lat_json(const struct cli *c, const struct tdx_snapshot *s)
{
	struct json_object *o = cli_json_envelope(c, s, "lat");
	struct json_object *arr = json_object_new_array();
	struct json_object *vps = json_object_new_array();
	size_t n;
	struct lat_row *rows = lat_rows(c, s, &n);
	char name[48];

	json_object_object_add(o, "per_td", json_object_new_boolean(c->per_td));
	for (size_t i = 0; i < n; i++) {
		const struct lat_row *r = &rows[i];
		struct json_object *e = json_object_new_object();

		if (c->per_td) {
			json_object_object_add(e, "pid", cli_json_u64(r->pid));
			json_object_object_add(e, "comm", json_object_new_string(cli_td_comm(s, r->pid)));
		}
		json_object_object_add(e, "leaf", cli_json_u64(r->leaf));
		json_object_object_add(e, "name", json_object_new_string(
					       leaf_label(name, sizeof(name), r->leaf)));
		json_object_object_add(e, "count", cli_json_u64(r->count));
		json_object_object_add(e, "retries", cli_json_u64(r->retries));
		json_object_object_add(e, "status", cli_json_status(r->status));
		json_object_object_add(e, "hist", cli_json_hist(r->hist, r->sum_ns,
								r->min_ns, r->max_ns));
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "leaves", arr);
	if (vp_selected(c)) {
		struct tdx_vp_stats *all = calloc(1, sizeof(*all));

		for (size_t i = 0; all && i < s->n_vp; i++) {
			const struct tdx_vp_stats *v = &s->vp[i].v;

			if (!v->count)
				continue;
			if (c->per_td) {
				struct json_object *e = json_object_new_object();

				json_object_object_add(e, "pid", cli_json_u64(s->vp[i].pid));
				json_object_object_add(e, "comm", json_object_new_string(
							       cli_td_comm(s, s->vp[i].pid)));
				json_object_object_add(e, "count", cli_json_u64(v->count));
				json_object_object_add(e, "status", cli_json_status(v->status));
				json_object_object_add(e, "hist", cli_json_hist(v->hist, v->sum_ns,
										TDX_MIN_UNTRACKED, v->max_ns));
				json_object_array_add(vps, e);
			}
			all->count += v->count;
			all->sum_ns += v->sum_ns;
			if (v->max_ns > all->max_ns)
				all->max_ns = v->max_ns;
			for (int k = 0; k < TDX_SC_MAX; k++)
				all->status[k] += v->status[k];
			for (int k = 0; k < TDX_HIST_SLOTS; k++)
				all->hist[k] += v->hist[k];
		}
		if (all && !c->per_td && all->count) {
			struct json_object *e = json_object_new_object();

			json_object_object_add(e, "count", cli_json_u64(all->count));
			json_object_object_add(e, "status", cli_json_status(all->status));
			json_object_object_add(e, "hist", cli_json_hist(all->hist, all->sum_ns,
									TDX_MIN_UNTRACKED, all->max_ns));
			json_object_array_add(vps, e);
		}
		free(all);
	}
	json_object_object_add(o, "vp_enter", vps);
	free(rows);
	return o;
}

/* --plot with an interval: the interval's histograms, all leaves (per TD with -P). */
static void lat_sample(struct cli *c, const struct tdx_snapshot *cur,
		       const struct tdx_snapshot *delta)
{
	double t0 = c->t_s;

	(void)cur;
	if (!c->plot || !c->interval_ns)
		return;
	c->n_intervals++;
	c->t_s += (double)c->span_ns / 1e9;
	for (size_t i = 0; i < delta->n_leaf; i++) {
		__u32 pid = c->per_td ? delta->leaf[i].key.pid : 0;
		struct cli_lat_point *p = NULL;
		__u64 l2[TDX_LOG2_SLOTS];

		if (!delta->leaf[i].v.count)
			continue;
		for (size_t j = c->n_lat_series; j-- > 0 &&
		     c->lat_series[j].interval == c->n_intervals;)
			if (c->lat_series[j].pid == pid) {
				p = &c->lat_series[j];
				break;
			}
		if (!p) {
			if (c->n_lat_series == c->cap_lat_series) {
				size_t cap = c->cap_lat_series ? 2 * c->cap_lat_series : 64;
				void *n = realloc(c->lat_series, cap * sizeof(*c->lat_series));

				if (!n)
					return;		/* the plot misses it; ENOMEM is reported below */
				c->lat_series = n;
				c->cap_lat_series = cap;
			}
			p = &c->lat_series[c->n_lat_series++];
			memset(p, 0, sizeof(*p));
			p->interval = c->n_intervals;
			p->t0_s = t0;
			p->t1_s = c->t_s;
			p->pid = pid;
		}
		tdx_hist_log2(delta->leaf[i].v.hist, l2);
		for (int b = 0; b < TDX_LOG2_SLOTS; b++)
			p->l2[b] += l2[b];
	}
}

static int lat_finish(struct cli *c, const struct tdx_snapshot *s)
{
	int err = c->plot ? cli_plot_lat(c, s) : 0;

	free(c->lat_series);
	c->lat_series = NULL;
	c->n_lat_series = c->cap_lat_series = 0;
	return err;
}

const struct cli_report cli_report_lat = {
	.name = "lat",
	.text = lat_text,
	.json = lat_json,
	.sample = lat_sample,
	.finish = lat_finish,
};

/* ------------------------------------------------------------ command */

enum { OPT_NSECS = 0x200 };

static const struct argp_option lat_options[] = {
	CLI_OPT_PER_TD("One histogram per TD and leaf"),
	CLI_OPT_MSECS,
	{ "microseconds", 'u', NULL, 0, "Histograms in microseconds (default)", 0 },
	{ "nanoseconds", OPT_NSECS, NULL, 0, "Histograms in nanoseconds", 0 },
	{},
};

static error_t lat_parse(int key, char *arg, struct argp_state *state)
{
	struct cli *c = state->input;

	switch (key) {
	case 'u':
		c->unit_div = 1000;
		c->unit_name = "usecs";
		break;
	case OPT_NSECS:
		c->unit_div = 1;
		c->unit_name = "nsecs";
		break;
	default:
		return cli_opt_parse(key, arg, state);
	}
	return 0;
}

const struct cli_cmd cli_cmd_lat = {
	.plot = true,
	.name = "lat",
	.summary = "SEAMCALL latency histograms per leaf (and per TD)",
	.options = lat_options,
	.parser = lat_parse,
	.doc = "Summarize SEAMCALL latency per leaf as log2 histograms, with the "
	       "status classes (success, busy, ...) under each.  TD entry time "
	       "(TDH.VP.ENTER) is shown too."
	       "\v"
	       "Live sources print at Ctrl-C (or every INTERVAL); --replay and --sim "
	       "process the whole source, or step it by INTERVAL of source time.\n"
	       "\n"
	       "EXAMPLES:\n"
	       "  tdxtrace lat                      # until Ctrl-C, then histograms in usecs\n"
	       "  tdxtrace lat -m 5 3               # 3 reports of 5 s each, in msecs\n"
	       "  tdxtrace lat -P -p 4242           # per TD, only the VMM with pid 4242\n"
	       "  tdxtrace lat -l MEM.PAGE.AUG,MEM.SEPT.ADD -T 1\n"
	       "  tdxtrace lat --sim steady:42 --json\n"
	       "  tdxtrace lat --replay boot.tdxrec --plot lat.svg",
	.report = &cli_report_lat,
};
