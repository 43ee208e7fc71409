// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * convert.c - `tdxtrace convert`: private<->shared conversions (MapGPA) per
 * TD: requests and bytes per direction, completions by status, chunks handed
 * to the VMM (and those handed back as RETRY), round-trip time, and the TDs
 * converting the most.
 */
#include <stdlib.h>
#include <string.h>

#include "quant.h"
#include "cli.h"

static const char *const dir_names[2] = { "to_private", "to_shared" };
static const char *const done_names[4] = { "success", "retry", "invalid", "other" };

static __u64 td_bytes(const struct tdx_map_stats *v)
{
	return v->req_bytes[0] + v->req_bytes[1];
}

static int top_cmp(const void *a, const void *b)
{
	const struct tdx_snap_map *x = *(const struct tdx_snap_map *const *)a;
	const struct tdx_snap_map *y = *(const struct tdx_snap_map *const *)b;
	__u64 bx = td_bytes(&x->v), by = td_bytes(&y->v);

	if (bx != by)
		return bx > by ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static const struct tdx_snap_map **top_tds(const struct cli *c, const struct tdx_snapshot *s,
					   size_t *n_out)
{
	const struct tdx_snap_map **v = calloc(s->n_map ? s->n_map : 1, sizeof(*v));
	size_t n = 0;

	if (!v) {
		*n_out = 0;
		return NULL;
	}
	for (size_t i = 0; i < s->n_map; i++)
		if (s->map[i].v.requests[0] + s->map[i].v.requests[1] + s->map[i].v.chunks)
			v[n++] = &s->map[i];
	qsort(v, n, sizeof(*v), top_cmp);
	if (c->top >= 0 && n > (size_t)c->top)
		n = (size_t)c->top;
	*n_out = n;
	return v;
}

static void convert_text(FILE *f, const struct cli *c, const struct tdx_snapshot *s)
{
	const struct tdx_snap_map **top;
	size_t n_top, shown = 0;
	double secs = cli_seconds(c);
	char b1[32], b2[32];

	cli_print_header(f, c, s);
	for (size_t i = 0; i < s->n_map; i++) {
		const struct tdx_map_stats *v = &s->map[i].v;
		__u64 done = v->done[0] + v->done[1];

		if (!(v->requests[0] + v->requests[1] + v->chunks + done))
			continue;
		shown++;
		fprintf(f, "TD %u (%s): MapGPA\n", s->map[i].pid, cli_td_comm(s, s->map[i].pid));
		for (int d = 1; d >= 0; d--)
			fprintf(f, "    %-10s requests %llu (%s), completed %llu (%s converted)\n",
				dir_names[d], (unsigned long long)v->requests[d],
				cli_fmt_bytes(b1, sizeof(b1), (double)v->req_bytes[d]),
				(unsigned long long)v->done[d],
				cli_fmt_bytes(b2, sizeof(b2), (double)v->done_bytes[d]));
		if (secs > 0)
			fprintf(f, "    rate: %.1f requests/s, %s/s\n",
				(double)(v->requests[0] + v->requests[1]) / secs,
				cli_fmt_bytes(b1, sizeof(b1), (double)td_bytes(v) / secs));
		fprintf(f, "    completions:");
		for (int k = 0; k < 4; k++)
			fprintf(f, " %s %llu", done_names[k], (unsigned long long)v->done_status[k]);
		fprintf(f, "\n    chunks %llu (%s, avg %s), handed back as RETRY %llu, "
			"errors %llu\n", (unsigned long long)v->chunks,
			cli_fmt_bytes(b1, sizeof(b1), (double)v->chunk_bytes),
			cli_fmt_bytes(b2, sizeof(b2), v->chunks ?
				      (double)v->chunk_bytes / (double)v->chunks : 0),
			(unsigned long long)v->chunk_retries, (unsigned long long)v->chunk_errors);
		fprintf(f, "    round trip: ");
		cli_print_lat_summary(f, c, v->hist, done, v->sum_ns, v->max_ns);
		tdx_hist_print_log2(f, v->hist, c->unit_div, c->unit_name);
		fputc('\n', f);
	}
	if (!shown)
		fprintf(f, "no MapGPA conversion\n");
	top = top_tds(c, s, &n_top);
	if (n_top > 1) {
		fprintf(f, "top converting TDs:\n%8s %-16s %10s %12s %12s\n", "TD", "COMM",
			"REQUESTS", "TO_SHARED", "TO_PRIVATE");
		for (size_t i = 0; i < n_top; i++)
			fprintf(f, "%8u %-16.16s %10llu %12s %12s\n", top[i]->pid,
				cli_td_comm(s, top[i]->pid),
				(unsigned long long)(top[i]->v.requests[0] + top[i]->v.requests[1]),
				cli_fmt_bytes(b1, sizeof(b1), (double)top[i]->v.req_bytes[1]),
				cli_fmt_bytes(b2, sizeof(b2), (double)top[i]->v.req_bytes[0]));
		fputc('\n', f);
	}
	free(top);
	cli_print_counters(f, s);
}

static struct json_object *dir_pair(const __u64 *v)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, dir_names[1], cli_json_u64(v[1]));
	json_object_object_add(o, dir_names[0], cli_json_u64(v[0]));
	return o;
}

static struct json_object *convert_json(const struct cli *c, const struct tdx_snapshot *s)
{
	struct json_object *o = cli_json_envelope(c, s, "convert");
	struct json_object *tds = json_object_new_array();
	struct json_object *topj = json_object_new_array();
	const struct tdx_snap_map **top;
	size_t n_top;

	for (size_t i = 0; i < s->n_map; i++) {
		const struct tdx_map_stats *v = &s->map[i].v;
		struct json_object *e, *ds;

		if (!(v->requests[0] + v->requests[1] + v->chunks + v->done[0] + v->done[1]))
			continue;
		e = json_object_new_object();
		json_object_object_add(e, "pid", cli_json_u64(s->map[i].pid));
		json_object_object_add(e, "comm", json_object_new_string(cli_td_comm(s, s->map[i].pid)));
		json_object_object_add(e, "requests", dir_pair(v->requests));
		json_object_object_add(e, "request_bytes", dir_pair(v->req_bytes));
		json_object_object_add(e, "done", dir_pair(v->done));
		json_object_object_add(e, "done_bytes", dir_pair(v->done_bytes));
		ds = json_object_new_object();
		for (int k = 0; k < 4; k++)
			json_object_object_add(ds, done_names[k], cli_json_u64(v->done_status[k]));
		json_object_object_add(e, "done_status", ds);
		json_object_object_add(e, "chunks", cli_json_u64(v->chunks));
		json_object_object_add(e, "chunk_bytes", cli_json_u64(v->chunk_bytes));
		json_object_object_add(e, "chunk_retries", cli_json_u64(v->chunk_retries));
		json_object_object_add(e, "chunk_errors", cli_json_u64(v->chunk_errors));
		json_object_object_add(e, "round_trip", cli_json_hist(v->hist, v->sum_ns, TDX_MIN_UNTRACKED,
								      v->max_ns));
		json_object_array_add(tds, e);
	}
	json_object_object_add(o, "tds", tds);
	top = top_tds(c, s, &n_top);
	for (size_t i = 0; i < n_top; i++)
		json_object_array_add(topj, cli_json_u64(top[i]->pid));
	free(top);
	json_object_object_add(o, "top_pids", topj);
	return o;
}

const struct cli_report cli_report_convert = {
	.name = "convert",
	.text = convert_text,
	.json = convert_json,
};

static const struct argp_option convert_options[] = {
	CLI_OPT_TOP("Show the N TDs converting the most bytes (default 10)"),
	{},
};

const struct cli_cmd cli_cmd_convert = {
	.name = "convert",
	.summary = "MapGPA conversions: requests, bytes, chunks, round trip, top TDs",
	.options = convert_options,
	.doc = "Report private<->shared conversions (TDG.VP.VMCALL<MapGPA>) per TD: "
	       "requests and bytes per direction, completions, chunks, RETRYs, "
	       "round trip, and the TDs converting the most."
	       "\v"
	       "EXAMPLES:\n"
	       "  tdxtrace convert                  # until Ctrl-C\n"
	       "  tdxtrace convert -T 1             # every second\n"
	       "  tdxtrace convert --sim boot --json",
	.report = &cli_report_convert,
};
