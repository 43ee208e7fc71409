// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * hugepage.c - `tdxtrace hugepage`: what huge pages for TD private memory
 * would do under each policy, replayed over the source's events (the model
 * is tools/lib/hugepage.c; docs/hugepage.md explains every figure).
 *
 * The events reach the model through the session's stream, as `record`
 * gets them, so it runs wherever record runs: live, --replay, --sim.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hugepage.h"

#define HP_MAX_SLOTS 64

/* This command's options (argp's input is struct cli: they live here). */
static struct {
	struct tdx_hp_params p;
	struct tdx_hp_slot slots[HP_MAX_SLOTS];
} hp_opt;

static const char *const pol_cols[] = { "4k", "v3", "ideal", "ideal 1G part" };

static __u64 ops_total(const struct tdx_hp_pol_stats *ps)
{
	__u64 n = 0;

	for (int o = 0; o < TDX_HP_NOP; o++)
		n += ps->ops[o];
	return n;
}

static const char *pct(char *b, size_t n, double share)
{
	if (share < 0)
		snprintf(b, n, "-");
	else
		snprintf(b, n, "%.1f%%", share * 100);
	return b;
}

/* "saved 12" / "added 12" / "0" */
static const char *delta(char *b, size_t n, double base, double pol, bool ns)
{
	char v[32];
	double d = base - pol;

	if (ns)
		cli_fmt_ns(v, sizeof(v), d < 0 ? -d : d);
	else
		snprintf(v, sizeof(v), "%.0f", d < 0 ? -d : d);
	snprintf(b, n, "%s %s", d < 0 ? "added" : "saved", v);
	return b;
}

static void row_u64(FILE *f, const char *name, const struct tdx_hp_td *t, size_t off,
		    unsigned mask)
{
	fprintf(f, "  %-28s", name);
	for (int p = 0; p < TDX_HP_NPOL; p++) {
		if (mask & (1u << p))
			fprintf(f, " %14llu", *(const __u64 *)((const char *)&t->pol[p] + off));
		else
			fprintf(f, " %14s", "-");
	}
	fprintf(f, "\n");
}

#define ROW(f, name, t, field, mask) \
	row_u64(f, name, t, offsetof(struct tdx_hp_pol_stats, field), mask)
#define ALL	7u
#define HUGE	6u	/* v3 and ideal */

static void text_td(FILE *f, const struct cli *c, const struct tdx_snapshot *s,
		    const struct tdx_hp_td *t)
{
	const struct tdx_hp_pol_stats *base = &t->pol[TDX_HP_4K];
	struct tdx_hp_track_mem m;
	char b1[64], b2[64], b3[64];

	fprintf(f, "TD %u %s\n", t->pid, cli_td_comm(s, t->pid));
	fprintf(f, "  memory %s (%s); private EPT violations %llu; pages converted: "
		"%llu to shared, %llu to private; build-time pages %llu\n",
		cli_fmt_bytes(b1, sizeof(b1), (double)t->mem_pages * 4096),
		t->mem_estimated ? "estimated: highest GFN seen, rounded up to 1G" : "--slots",
		t->ept_private, t->conversions[1], t->conversions[0], t->build_pages);
	if (t->accept_known)
		fprintf(f, "  accept level known for %llu faults: %llu at 4K, %llu"
			" of them where 2M was mappable\n", t->accept_known, t->accept_4k,
			t->accept_4k_mappable);
	else
		fprintf(f, "  accept level: unknown (the source does not carry it): 4K accepts "
			"and GUEST_INHIBIT cannot be modelled\n");
	if (t->unknown_ranges)
		fprintf(f, "  unknown: %llu 2M ranges had mappings from before the trace "
			"(%llu such pages seen); they count in no policy\n",
			t->unknown_ranges, t->unknown_pages);
	if (t->misaligned_ranges)
		fprintf(f, "  %llu touched 2M ranges are not whole inside a slot: 4K only\n",
			t->misaligned_ranges);
	fprintf(f, "  %-28s %14s %14s %14s\n", "", "4k (7.2/7.3)", "v3 rules", "ideal");
	fprintf(f, "  %-28s %14s %14s %14s\n", "private mapped huge now",
		pct(b1, sizeof(b1), tdx_hp_share(t, 0)), pct(b2, sizeof(b2), tdx_hp_share(t, 1)),
		pct(b3, sizeof(b3), tdx_hp_share(t, 2)));
	ROW(f, "2M mappings now", t, huge_2m, HUGE);
	ROW(f, "2M mappings made", t, maps_2m, HUGE);
	ROW(f, "2M mappings at most", t, max_huge_2m, HUGE);
	if (hp_opt.p.backing_1g) {
		ROW(f, "1G mappings now", t, huge_1g, 4u);
		ROW(f, "1G collapses", t, collapses_1g, 4u);
		ROW(f, "1G splits", t, splits_1g, 4u);
	}
	ROW(f, "4K private mappings now", t, pages_4k, ALL);
	for (int k = 0; k < TDX_HP_NCAUSE; k++) {
		char name[40];

		snprintf(name, sizeof(name), "splits: %s", tdx_hp_cause_name(k));
		row_u64(f, name, t, offsetof(struct tdx_hp_pol_stats, splits) + (size_t)k * 8, HUGE);
	}
	ROW(f, "4K accepts in 2M-mappable", t, accept_4k_in_2m, HUGE);
	ROW(f, "GUEST_INHIBIT set", t, inhibits, 2u);
	ROW(f, "whole again, kept 4K", t, lost_2m, 2u);
	ROW(f, "collapses to 2M", t, collapses, 4u);
	ROW(f, "write mmu_lock taken", t, write_lock, HUGE);
	ROW(f, "private EPT violations", t, ept, ALL);
	fprintf(f, "  %-28s %14s", "  avoided vs 4k", "-");
	for (int p = 1; p < TDX_HP_NPOL; p++)
		fprintf(f, " %14.0f", (double)base->ept - (double)t->pol[p].ept);
	fprintf(f, "\n");
	fprintf(f, "  %-28s", "SEAMCALLs (modelled ops)");
	for (int p = 0; p < TDX_HP_NPOL; p++)
		fprintf(f, " %14llu", ops_total(&t->pol[p]));
	fprintf(f, "\n  %-28s %14s", "  vs 4k", "-");
	for (int p = 1; p < TDX_HP_NPOL; p++)
		fprintf(f, " %14s", delta(b1, sizeof(b1), (double)ops_total(base),
					  (double)ops_total(&t->pol[p]), false));
	fprintf(f, "\n  %-28s", "SEAMCALL time");
	for (int p = 0; p < TDX_HP_NPOL; p++)
		fprintf(f, " %14s", cli_fmt_ns(b1, sizeof(b1), t->pol[p].cost_ns));
	fprintf(f, "\n  %-28s %14s", "  vs 4k", "-");
	for (int p = 1; p < TDX_HP_NPOL; p++)
		fprintf(f, " %14s", delta(b1, sizeof(b1), base->cost_ns, t->pol[p].cost_ns, true));
	fprintf(f, "\n");
	if (t->n_top) {
		fprintf(f, "  most-converted GFNs (conversions, last vCPU, vCPUs):");
		for (size_t i = 0; i < t->n_top && i < (size_t)(c->top > 0 ? c->top : 5); i++)
			fprintf(f, "%s 0x%llx %llux vCPU %u/%u", i ? "," : "",
				t->top[i].gfn, t->top[i].conversions, t->top[i].vcpu, t->top[i].vcpus);
		fprintf(f, "\n");
	}
	tdx_hp_track_mem(t, &m);
	fprintf(f, "  mixed-state tracking for %s: A (attributes per page) %s, ",
		cli_fmt_bytes(b1, sizeof(b1), (double)t->mem_pages * 4096),
		cli_fmt_bytes(b2, sizeof(b2), (double)m.a_attr_bytes));
	fprintf(f, "B (SPTE_MIXED bit) %s for %llu mixed 2M ranges at most, ",
		cli_fmt_bytes(b3, sizeof(b3), (double)m.b_spte_bytes), t->mixed_max);
	fprintf(f, "C (bitmap per kvm_mmu_page) %s\n",
		cli_fmt_bytes(b1, sizeof(b1), (double)m.c_bitmap_bytes));
}

static void text(FILE *f, const struct cli *c, const struct tdx_snapshot *s, struct tdx_hp *h)
{
	size_t n = tdx_hp_n_tds(h);
	char b[32];

	cli_print_header(f, c, s);
	fprintf(f, "Huge pages for private memory, what if (docs/hugepage.md): %llu"
		" events used\n", tdx_hp_events(h));
	fprintf(f, "costs per operation:");
	for (int o = 0; o < TDX_HP_NOP; o++) {
		int src;
		__u64 meas;
		double ns = tdx_hp_op_cost(h, o, &src, &meas);

		fprintf(f, "%s %s %s (%s", o ? ";" : "", tdx_hp_op_name(o),
			cli_fmt_ns(b, sizeof(b), ns), tdx_hp_cost_src_name(src));
		if (src == TDX_HP_COST_MEASURED)
			fprintf(f, ", %llu calls", meas);
		fprintf(f, ")");
	}
	fprintf(f, "\n");
	if (!n)
		fprintf(f, "no conversion, private fault or private-mapping event\n");
	for (size_t i = 0; i < n; i++)
		text_td(f, c, s, tdx_hp_td(h, i));
	cli_print_counters(f, s);
}

/* ---------------------------------------------------------------- JSON */

static struct json_object *jshare(double v)
{
	return v < 0 ? NULL : json_object_new_double(v);
}

static struct json_object *json_pol(const struct tdx_hp_td *t, int p)
{
	const struct tdx_hp_pol_stats *ps = &t->pol[p], *base = &t->pol[TDX_HP_4K];
	struct json_object *o = json_object_new_object(), *sp = json_object_new_object();
	struct json_object *ops = json_object_new_object();

	json_object_object_add(o, "share_huge", jshare(tdx_hp_share(t, p)));
	json_object_object_add(o, "huge_2m", cli_json_u64(ps->huge_2m));
	json_object_object_add(o, "huge_1g", cli_json_u64(ps->huge_1g));
	json_object_object_add(o, "pages_4k", cli_json_u64(ps->pages_4k));
	json_object_object_add(o, "maps_2m", cli_json_u64(ps->maps_2m));
	json_object_object_add(o, "max_huge_2m", cli_json_u64(ps->max_huge_2m));
	for (int k = 0; k < TDX_HP_NCAUSE; k++)
		json_object_object_add(sp, tdx_hp_cause_name(k), cli_json_u64(ps->splits[k]));
	json_object_object_add(o, "splits", sp);
	json_object_object_add(o, "splits_1g", cli_json_u64(ps->splits_1g));
	json_object_object_add(o, "collapses", cli_json_u64(ps->collapses));
	json_object_object_add(o, "collapses_1g", cli_json_u64(ps->collapses_1g));
	json_object_object_add(o, "inhibits", cli_json_u64(ps->inhibits));
	json_object_object_add(o, "accept_4k_in_2m", cli_json_u64(ps->accept_4k_in_2m));
	json_object_object_add(o, "lost_2m", cli_json_u64(ps->lost_2m));
	json_object_object_add(o, "write_lock", cli_json_u64(ps->write_lock));
	json_object_object_add(o, "ept", cli_json_u64(ps->ept));
	json_object_object_add(o, "ept_avoided",
			       json_object_new_int64((int64_t)base->ept - (int64_t)ps->ept));
	for (int k = 0; k < TDX_HP_NOP; k++)
		json_object_object_add(ops, tdx_hp_op_name(k), cli_json_u64(ps->ops[k]));
	json_object_object_add(o, "seamcalls", ops);
	json_object_object_add(o, "seamcalls_total", cli_json_u64(ops_total(ps)));
	json_object_object_add(o, "seamcalls_saved",
			       json_object_new_int64((int64_t)ops_total(base) -
						     (int64_t)ops_total(ps)));
	json_object_object_add(o, "cost_ns", json_object_new_double(ps->cost_ns));
	json_object_object_add(o, "cost_saved_ns", json_object_new_double(base->cost_ns - ps->cost_ns));
	return o;
}

static struct json_object *json_td(const struct tdx_snapshot *s, const struct tdx_hp_td *t)
{
	struct json_object *o = json_object_new_object(), *pols = json_object_new_object();
	struct json_object *top = json_object_new_array(), *tr = json_object_new_object();
	struct tdx_hp_track_mem m;

	json_object_object_add(o, "pid", json_object_new_int64(t->pid));
	json_object_object_add(o, "comm", json_object_new_string(cli_td_comm(s, t->pid)));
	json_object_object_add(o, "mem_bytes", cli_json_u64(t->mem_pages * 4096));
	json_object_object_add(o, "mem_estimated", json_object_new_boolean(t->mem_estimated));
	json_object_object_add(o, "ept_private", cli_json_u64(t->ept_private));
	json_object_object_add(o, "converted_to_shared", cli_json_u64(t->conversions[1]));
	json_object_object_add(o, "converted_to_private", cli_json_u64(t->conversions[0]));
	json_object_object_add(o, "build_pages", cli_json_u64(t->build_pages));
	json_object_object_add(o, "touched_pages", cli_json_u64(t->touched_pages));
	json_object_object_add(o, "unknown_ranges", cli_json_u64(t->unknown_ranges));
	json_object_object_add(o, "unknown_pages", cli_json_u64(t->unknown_pages));
	json_object_object_add(o, "misaligned_ranges", cli_json_u64(t->misaligned_ranges));
	json_object_object_add(o, "mixed_max", cli_json_u64(t->mixed_max));
	json_object_object_add(o, "accept_known", cli_json_u64(t->accept_known));
	json_object_object_add(o, "accept_4k", cli_json_u64(t->accept_4k));
	json_object_object_add(o, "accept_4k_mappable", cli_json_u64(t->accept_4k_mappable));
	for (int p = 0; p < TDX_HP_NPOL; p++)
		json_object_object_add(pols, tdx_hp_policy_name(p), json_pol(t, p));
	json_object_object_add(o, "policies", pols);
	for (size_t i = 0; i < t->n_top; i++) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "gfn", cli_json_u64(t->top[i].gfn));
		json_object_object_add(e, "conversions", cli_json_u64(t->top[i].conversions));
		json_object_object_add(e, "vcpu", json_object_new_int64(t->top[i].vcpu));
		json_object_object_add(e, "vcpus", json_object_new_int64(t->top[i].vcpus));
		json_object_array_add(top, e);
	}
	json_object_object_add(o, "top_flips", top);
	tdx_hp_track_mem(t, &m);
	json_object_object_add(tr, "a_bytes", cli_json_u64(m.a_attr_bytes));
	json_object_object_add(tr, "b_bytes", cli_json_u64(m.b_spte_bytes));
	json_object_object_add(tr, "c_bytes", cli_json_u64(m.c_bitmap_bytes));
	json_object_object_add(o, "tracking", tr);
	return o;
}

static struct json_object *json_all(const struct cli *c, const struct tdx_snapshot *s,
				    struct tdx_hp *h)
{
	struct json_object *o = cli_json_envelope(c, s, "hugepage");
	struct json_object *par = json_object_new_object(), *costs = json_object_new_object();
	struct json_object *tds = json_object_new_array(), *ser = json_object_new_array();
	const struct tdx_hp_point *pt;
	size_t n;

	json_object_object_add(par, "backing_1g", json_object_new_boolean(hp_opt.p.backing_1g));
	json_object_object_add(par, "dpamt", json_object_new_boolean(hp_opt.p.dpamt));
	json_object_object_add(par, "slots", json_object_new_int64((int64_t)hp_opt.p.n_slots));
	json_object_object_add(o, "params", par);
	for (int k = 0; k < TDX_HP_NOP; k++) {
		struct json_object *e = json_object_new_object();
		int src;
		__u64 meas;
		double ns = tdx_hp_op_cost(h, k, &src, &meas);

		json_object_object_add(e, "ns", json_object_new_double(ns));
		json_object_object_add(e, "source", json_object_new_string(tdx_hp_cost_src_name(src)));
		json_object_object_add(e, "measured_calls", cli_json_u64(meas));
		json_object_object_add(costs, tdx_hp_op_name(k), e);
	}
	json_object_object_add(o, "costs", costs);
	json_object_object_add(o, "events", cli_json_u64(tdx_hp_events(h)));
	for (size_t i = 0; i < tdx_hp_n_tds(h); i++)
		json_object_array_add(tds, json_td(s, tdx_hp_td(h, i)));
	json_object_object_add(o, "tds", tds);
	pt = tdx_hp_series(h, &n);
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "t_s", json_object_new_double(pt[i].t_s));
		for (int p = 0; p < TDX_HP_NPOL; p++)
			json_object_object_add(e, tdx_hp_policy_name(p), jshare(pt[i].share[p]));
		if (hp_opt.p.backing_1g)
			json_object_object_add(e, "ideal_1g", jshare(pt[i].share[TDX_HP_IDEAL] < 0 ?
								     -1 : pt[i].share_1g));
		json_object_array_add(ser, e);
	}
	json_object_object_add(o, "series", ser);
	return o;
}

static int plot(const struct cli *c, struct tdx_hp *h)
{
	size_t n, cols = TDX_HP_NPOL + (hp_opt.p.backing_1g ? 1 : 0);
	const struct tdx_hp_point *pt = tdx_hp_series(h, &n);
	double *rows = calloc(n ? n : 1, (cols + 1) * sizeof(*rows));
	int err;

	if (!rows)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		double *r = &rows[i * (cols + 1)];

		r[0] = pt[i].t_s;
		for (int p = 0; p < TDX_HP_NPOL; p++)
			r[1 + p] = pt[i].share[p] < 0 ? -1 : pt[i].share[p] * 100;
		if (hp_opt.p.backing_1g)
			r[1 + TDX_HP_NPOL] = pt[i].share[TDX_HP_IDEAL] < 0 ? -1 : pt[i].share_1g * 100;
	}
	err = cli_plot_series(c->plot, "Private memory mapped huge, per policy (all TDs)",
			      "% of mapped private memory", "set yrange [-2:102]", pol_cols,
			      (int)cols, rows, n);
	free(rows);
	return err;
}

static int hugepage_run(struct cli *c)
{
	struct tdx_snapshot snap = { 0 };
	struct tdx_session *s;
	struct tdx_hp *h;
	int rc, err;

	hp_opt.p.slots = hp_opt.p.n_slots ? hp_opt.slots : NULL;
	err = tdx_hp_new(&h, &hp_opt.p);
	if (err) {
		fprintf(stderr, "%s: %s\n", c->prog, err == -ENOMEM ? "out of memory" :
			tdx_last_error());
		return cli_exit_code(err);
	}
	c->topts.stream = true;
	c->topts.stream_cb = tdx_hp_stream_cb;
	c->topts.stream_ctx = h;
	rc = cli_open(c, &s);
	if (rc) {
		tdx_hp_free(h);
		return rc;
	}
	rc = cli_collect(c, NULL, s, &snap);
	if (!rc && c->topts.source == TDX_SRC_LIVE)
		tdx_advance(s, 0, 0);	/* what the ring buffer still holds */
	tdx_close(s);
	if (rc) {
		tdx_hp_free(h);
		return rc;
	}
	tdx_hp_finish(h);
	if (tdx_hp_error(h)) {
		fprintf(stderr, "%s: out of memory in the model: results incomplete\n", c->prog);
		rc = TDX_EXIT_FAIL;
	} else if (c->json) {
		struct json_object *o = json_all(c, &snap, h);

		cli_json_print(stdout, o);
		json_object_put(o);
	} else {
		text(stdout, c, &snap, h);
	}
	if (!rc && c->plot && plot(c, h))
		rc = TDX_EXIT_FAIL;
	tdx_snapshot_free(&snap);
	tdx_hp_free(h);
	return rc;
}

/* ------------------------------------------------------------- options */

enum { OPT_SLOTS = 0x1000, OPT_1G, OPT_NO_DPAMT, OPT_STEP, OPT_CALIB };

static const struct argp_option hugepage_options[] = {
	{ "slots", OPT_SLOTS, "GFN+PAGES[,...]", 0, "Memory slots (hex or decimal GFN, "
	  "pages), e.g. 0+0x80000,0x100000+0x80000: a 2M range not whole inside one is "
	  "4K only; sizes the tracking options (default: slots unknown, every range "
	  "aligned, size from the highest GFN)", 0 },
	{ "backing-1g", OPT_1G, NULL, 0, "The backing allows 1G: count whole 1G ranges "
	  "of the ideal policy at 1G", 0 },
	{ "no-dpamt", OPT_NO_DPAMT, NULL, 0, "Splits add no PAMT pages (no Dynamic PAMT)", 0 },
	{ "step", OPT_STEP, "DURATION", 0, "Time step of the series (default 100ms)", 0 },
	{ "calib", OPT_CALIB, "FILE", 0, "Calibration for costs the source does not "
	  "measure (default: the built-in data/calibration.conf)", 0 },
	CLI_OPT_TOP("Most-converted GFNs to list (default 5, at most 8)"),
	CLI_OPT_DURATION("Live: stop after DURATION (default: Ctrl-C)"),
	{},
};

static int parse_slots(const char *arg)
{
	char *dup = strdup(arg), *save = NULL, *tok;
	int n = 0;

	if (!dup)
		return -1;
	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *plus = strchr(tok, '+'), *end;
		unsigned long long g, np;

		if (!plus || n == HP_MAX_SLOTS)
			goto bad;
		*plus = 0;
		errno = 0;
		g = strtoull(tok, &end, 0);
		if (errno || end == tok || *end)
			goto bad;
		np = strtoull(plus + 1, &end, 0);
		if (errno || end == plus + 1 || *end || !np || g + np < g)
			goto bad;
		hp_opt.slots[n++] = (struct tdx_hp_slot){ .gfn = g, .npages = np };
	}
	free(dup);
	hp_opt.p.n_slots = (size_t)n;
	return n ? 0 : -1;
bad:
	free(dup);
	return -1;
}

static error_t hugepage_parse(int key, char *arg, struct argp_state *state)
{
	struct cli *c = state->input;
	long long v;

	switch (key) {
	case ARGP_KEY_INIT:
		memset(&hp_opt, 0, sizeof(hp_opt));
		hp_opt.p.dpamt = true;
		c->top = 5;
		return ARGP_ERR_UNKNOWN;
	case OPT_SLOTS:
		if (parse_slots(arg))
			return cli_usage_error(state, "invalid --slots '%s' (want GFN+PAGES[,...], "
					       "at most %d)", arg, HP_MAX_SLOTS);
		break;
	case OPT_1G:
		hp_opt.p.backing_1g = true;
		break;
	case OPT_NO_DPAMT:
		hp_opt.p.dpamt = false;
		break;
	case OPT_STEP:
		v = cli_parse_duration(arg, "s");
		if (v <= 0)
			return cli_usage_error(state, "invalid --step '%s'", arg);
		hp_opt.p.step_ns = (__u64)v;
		break;
	case OPT_CALIB:
		hp_opt.p.calib = arg;
		break;
	case ARGP_KEY_ARG:
		return cli_usage_error(state, "unexpected argument '%s'", arg);
	default:
		return cli_opt_parse(key, arg, state);
	}
	return 0;
}

const struct cli_cmd cli_cmd_hugepage = {
	.plot = true,
	.name = "hugepage",
	.summary = "huge pages for private memory: what each policy would do",
	.options = hugepage_options,
	.parser = hugepage_parse,
	.doc = "Replay the TDs' conversions, private faults (with the guest's accept "
	       "level where the source has it) and private mappings against huge-page "
	       "policies: 4k (Linux 7.2/7.3), v3 (the huge-page series v3: 4K at build, "
	       "one-way GUEST_INHIBIT, split on conversion, no promotion) and ideal "
	       "(split, and collapse when whole again).  Per TD: share of private memory "
	       "mapped huge, splits by cause, inhibits, SEAMCALLs and their cost (the "
	       "source's measured latencies, else the calibration), EPT violations "
	       "avoided, write mmu_lock acquisitions, the most-converted GFNs, and the "
	       "memory the mixed-state tracking options A/B/C need.  docs/hugepage.md "
	       "explains every figure."
	       "\v"
	       "EXAMPLES:\n"
	       "  tdxtrace hugepage --sim boot4g             # the published 4 GB boot\n"
	       "  tdxtrace hugepage --replay run.tdxrec --json\n"
	       "  tdxtrace hugepage --sim boot --plot hp.svg --backing-1g\n"
	       "  tdxtrace hugepage -d 60 --slots 0+0x80000,0x100000+0x80000",
	.children = cli_children_source,
	.run = hugepage_run,
};
