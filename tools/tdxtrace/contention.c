// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * contention.c - `tdxtrace contention`: who waits on FROZEN_SPTE.  Per TD,
 * level and root (mirror = private, direct = shared): faults that met a
 * frozen SPTE and retried, freeze windows and how long they were held, failed
 * external operations; and, on the TDX module side, SEAMCALLs that returned a
 * BUSY class status (OPERAND_BUSY, PREVIOUS_TLB_EPOCH_BUSY, SYS_BUSY) per leaf.
 */
#include <stdlib.h>
#include <string.h>

#include "quant.h"
#include "cli.h"

static const char *const level_names[TDX_PG_LEVEL_MAX] = { "none", "4K", "2M", "1G" };

static const char *level_name(__u16 l)
{
	return l < TDX_PG_LEVEL_MAX ? level_names[l] : "?";
}

static void contention_text(FILE *f, const struct cli *c, const struct tdx_snapshot *s)
{
	char lb[32];
	size_t shown = 0;
	char a[32], m[32], p99[32];

	cli_print_header(f, c, s);
	for (size_t i = 0; i < s->n_frozen; i++) {
		const struct tdx_snap_frozen *e = &s->frozen[i];
		const struct tdx_frozen_stats *v = &e->v;

		if (!(v->retries + v->frozen))
			continue;
		if (!shown++)
			fprintf(f, "FROZEN_SPTE:\n%8s %-14s %-5s %-7s %10s %10s %8s %10s %10s %10s\n",
				"TD", "COMM", "LEVEL", "ROOT", "RETRIES", "WINDOWS", "ERRORS",
				"HELD_AVG", "HELD_P99", "HELD_MAX");
		fprintf(f, "%8u %-14.14s %-5s %-7s %10llu %10llu %8llu %10s %10s %10s\n",
			e->key.pid, cli_td_comm(s, e->key.pid), level_name(e->key.level),
			e->key.mirror ? "mirror" : "direct",
			(unsigned long long)v->retries, (unsigned long long)v->frozen,
			(unsigned long long)v->errors,
			cli_fmt_ns(a, sizeof(a), v->frozen ?
				   (double)v->held_sum_ns / (double)v->frozen : 0),
			cli_fmt_ns(p99, sizeof(p99), tdx_quantile(v->hist, 0.99, TDX_MIN_UNTRACKED, v->held_max_ns)),
			cli_fmt_ns(m, sizeof(m), (double)v->held_max_ns));
	}
	if (!shown)
		fprintf(f, "no FROZEN_SPTE retry or freeze window\n");
	fputc('\n', f);
	shown = 0;
	for (size_t i = 0; i < s->n_leaf; i++) {
		const struct tdx_snap_leaf *e = &s->leaf[i];
		__u64 busy = e->v.status[TDX_SC_BUSY];

		if (!busy)
			continue;
		if (!shown++)
			fprintf(f, "SEAMCALLs returning BUSY:\n%8s %-14s %-24s %10s %10s %8s\n",
				"TD", "COMM", "LEAF", "CALLS", "BUSY", "BUSY%");
		fprintf(f, "%8u %-14.14s %-24s %10llu %10llu %7.2f%%\n", e->key.pid,
			cli_td_comm(s, e->key.pid),
			tdx_leaf_label(e->key.leaf, lb, sizeof(lb)),
			(unsigned long long)e->v.count, (unsigned long long)busy,
			e->v.count ? 100.0 * (double)busy / (double)e->v.count : 0);
	}
	if (!shown)
		fprintf(f, "no SEAMCALL returned BUSY\n");
	fputc('\n', f);
	cli_print_counters(f, s);
}

static struct json_object *contention_json(const struct cli *c, const struct tdx_snapshot *s)
{
	char lb[32];
	struct json_object *o = cli_json_envelope(c, s, "contention");
	struct json_object *fr = json_object_new_array();
	struct json_object *busy = json_object_new_array();

	for (size_t i = 0; i < s->n_frozen; i++) {
		const struct tdx_snap_frozen *e = &s->frozen[i];
		const struct tdx_frozen_stats *v = &e->v;
		struct json_object *j;

		if (!(v->retries + v->frozen))
			continue;
		j = json_object_new_object();
		json_object_object_add(j, "pid", cli_json_u64(e->key.pid));
		json_object_object_add(j, "comm", json_object_new_string(cli_td_comm(s, e->key.pid)));
		json_object_object_add(j, "level", json_object_new_string(level_name(e->key.level)));
		json_object_object_add(j, "root", json_object_new_string(e->key.mirror ?
									"mirror" : "direct"));
		json_object_object_add(j, "retries", cli_json_u64(v->retries));
		json_object_object_add(j, "windows", cli_json_u64(v->frozen));
		json_object_object_add(j, "errors", cli_json_u64(v->errors));
		json_object_object_add(j, "held", cli_json_hist(v->hist, v->held_sum_ns, TDX_MIN_UNTRACKED,
								v->held_max_ns));
		json_object_array_add(fr, j);
	}
	json_object_object_add(o, "frozen", fr);
	for (size_t i = 0; i < s->n_leaf; i++) {
		const struct tdx_snap_leaf *e = &s->leaf[i];
		struct json_object *j;

		if (!e->v.status[TDX_SC_BUSY])
			continue;
		j = json_object_new_object();
		json_object_object_add(j, "pid", cli_json_u64(e->key.pid));
		json_object_object_add(j, "leaf", cli_json_u64(e->key.leaf));
		json_object_object_add(j, "name", json_object_new_string(
					       tdx_leaf_label(e->key.leaf, lb, sizeof(lb))));
		json_object_object_add(j, "count", cli_json_u64(e->v.count));
		json_object_object_add(j, "busy", cli_json_u64(e->v.status[TDX_SC_BUSY]));
		json_object_array_add(busy, j);
	}
	json_object_object_add(o, "busy", busy);
	return o;
}

const struct cli_report cli_report_contention = {
	.name = "contention",
	.text = contention_text,
	.json = contention_json,
};

const struct cli_cmd cli_cmd_contention = {
	.name = "contention",
	.summary = "FROZEN_SPTE retries and hold times by level and root; BUSY SEAMCALLs",
	.doc = "Report FROZEN_SPTE contention (retries and hold times by level and "
	       "root) and SEAMCALLs the TDX module refused as BUSY."
	       "\v"
	       "EXAMPLES:\n"
	       "  tdxtrace contention               # until Ctrl-C\n"
	       "  tdxtrace contention -p 4242 5 2\n"
	       "  tdxtrace contention --sim contention --json",
	.report = &cli_report_contention,
};
