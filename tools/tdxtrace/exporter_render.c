// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * exporter_render.c - every metric `tdxtrace exporter` serves, in one place.
 *
 * Pure: a struct tdx_snapshot, the host facts and a TD-label lookup in,
 * Prometheus text 0.0.4 or OpenMetrics 1.0 out.  Names, types and labels are
 * documented in docs/exporter.md (keep the two in step; tests/exporter checks
 * that every family here is in the doc).
 *
 * Format differences handled here:
 *   - counters: 0.0.4 "# TYPE x_total counter", OM "# TYPE x counter", both
 *     sample "x_total";
 *   - info: 0.0.4 gauge "x_info", OM "# TYPE x info" sample "x_info";
 *   - OM ends with "# EOF".
 * Histograms: the tdxtrace log-linear slots (hist.h) are cumulated at the
 * exported bounds, every one a slot boundary, so a bucket "le=B" counts the
 * observations below B ns exactly (integer ns: <= B-1 ns).
 *
 * Absent, not zero: counters that never moved in a set of labels (status
 * classes, exit reasons, results) are not written; live gauges that are
 * negative (the session began after the mapping) are not written.
 */
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "exporter.h"

/* ------------------------------------------------------------ tables */

static const char *const area_group[TDX_AREA_MAX] = {
	[TDX_AREA_VP] = "TDH.VP.*", [TDX_AREA_MNG] = "TDH.MNG.*",
	[TDX_AREA_MEM] = "TDH.MEM.*", [TDX_AREA_PHYMEM] = "TDH.PHYMEM.*",
	[TDX_AREA_MR] = "TDH.MR.*", [TDX_AREA_SYS] = "TDH.SYS.*",
};

const char *exp_leaf_group(__u32 leaf)
{
	switch (leaf) {
#define X(sfx, nr, name, area) case nr: return area_group[TDX_AREA_##area];
	TDX_LEAF_TABLE(X)
#undef X
	default:
		return "other";
	}
}

static const char *exit_reason_name(int r)
{
	return tdx_exit_slot_name((__u32)r);
}

static const char *const ept_result_names[TDX_EPT_RESULT_MAX] = {
#define X(name, nr) [nr] = #name,
	TDX_RET_PF_TABLE(X)
#undef X
	[TDX_EPT_RESULT_ERR] = "ERROR",
};

static const char *const map_done_names[4] = { "success", "retry", "invalid", "other" };
static const char *const dir_names[2] = { "private", "shared" };	/* TDX_MAP_TO_* */
static const char *const size_names[TDX_PG_LEVEL_MAX] = { NULL, "4K", "2M", "1G" };

int exp_bounds(enum exp_buckets set, __u64 *out)
{
	int n = 0;

	for (int k = 8; k <= 30; k += set == EXP_BUCKETS_COARSE ? 2 : 1)
		out[n++] = 1ULL << k;
	return n;
}

/* ------------------------------------------------------------ families */

struct rctx {
	struct xbuf *b;
	const struct exp_render_opts *o;
	exp_td_labels_fn lf;
	void *ck;
	const char *name;		/* current family's sample name */
	char name_buf[96];
	bool counter;
	size_t n;			/* samples */
	int nb;
	__u32 bslot[EXP_MAX_BOUNDS];	/* first slot at or above each bound */
	char le[EXP_MAX_BOUNDS][24];
	size_t le_len[EXP_MAX_BOUNDS];
};

/* # HELP / # TYPE of one family; type "counter", "gauge", "histogram", "info". */
static void family(struct rctx *r, const char *name, const char *type, const char *help)
{
	struct xbuf *b = r->b;
	bool om = r->o->om;
	const char *t = type;
	const char *sfx = "";

	r->name = name;
	r->counter = !strcmp(type, "counter");
	if (!strcmp(type, "info")) {
		snprintf(r->name_buf, sizeof(r->name_buf), "%s_info", name);
		r->name = r->name_buf;
	}
	if (!om && r->counter)
		sfx = "_total";
	if (!strcmp(type, "info")) {
		if (!om) {
			sfx = "_info";
			t = "gauge";
		}
	}
	xb_puts(b, "# HELP ");
	xb_puts(b, name);
	xb_puts(b, sfx);
	xb_put(b, " ", 1);
	xb_puts(b, help);
	xb_puts(b, "\n# TYPE ");
	xb_puts(b, name);
	xb_puts(b, sfx);
	xb_put(b, " ", 1);
	xb_puts(b, t);
	xb_put(b, "\n", 1);
}

/* name[suffix]{a,b} -- labels a, b are preformatted, either may be NULL/"". */
static void sample_head(struct rctx *r, const char *suffix, const char *a, const char *bl)
{
	struct xbuf *b = r->b;
	bool ha = a && *a, hb = bl && *bl;

	xb_puts(b, r->name);
	if (suffix)
		xb_puts(b, suffix);
	else if (r->counter)
		xb_puts(b, "_total");
	if (ha || hb) {
		xb_put(b, "{", 1);
		if (ha)
			xb_puts(b, a);
		if (ha && hb)
			xb_put(b, ",", 1);
		if (hb)
			xb_puts(b, bl);
		xb_put(b, "}", 1);
	}
	xb_put(b, " ", 1);
	r->n++;
}

static void sample_u64(struct rctx *r, const char *a, const char *bl, __u64 v)
{
	sample_head(r, NULL, a, bl);
	xb_u64(r->b, v);
	xb_put(r->b, "\n", 1);
}

static void sample_secs(struct rctx *r, const char *a, const char *bl, __u64 ns)
{
	sample_head(r, NULL, a, bl);
	xb_ns_seconds(r->b, ns);
	xb_put(r->b, "\n", 1);
}

static void sample_dbl(struct rctx *r, const char *a, const char *bl, double v)
{
	sample_head(r, NULL, a, bl);
	xb_double(r->b, v);
	xb_put(r->b, "\n", 1);
}

/* One histogram series: cumulative buckets at the bounds, +Inf, _sum, _count. */
static void histogram(struct rctx *r, const char *td, const char *extra,
		      const __u64 *hist, __u64 sum_ns)
{
	struct xbuf *b = r->b;
	char pre[1024];
	size_t pl;
	__u64 cum = 0;
	__u32 slot = 0;
	int n = snprintf(pre, sizeof(pre), "%s_bucket{%s%s%s%sle=\"", r->name,
			 td ? td : "", td && *td ? "," : "", extra ? extra : "",
			 extra && *extra ? "," : "");

	if (n < 0 || (size_t)n >= sizeof(pre))
		return;
	pl = (size_t)n;
	xb_reserve(b, (size_t)(r->nb + 1) * (pl + 48));
	for (int i = 0; i < r->nb; i++) {
		char num[24];

		for (; slot < r->bslot[i]; slot++)
			cum += hist[slot];
		xb_put(b, pre, pl);
		xb_put(b, r->le[i], r->le_len[i]);
		xb_put(b, "\"} ", 3);
		xb_put(b, num, xb_fmt_u64(num, cum));
		xb_put(b, "\n", 1);
	}
	for (; slot < TDX_HIST_SLOTS; slot++)
		cum += hist[slot];
	xb_put(b, pre, pl);
	xb_puts(b, "+Inf\"} ");
	xb_u64(b, cum);
	xb_put(b, "\n", 1);
	r->n += (size_t)r->nb + 1;
	sample_head(r, "_sum", td, extra);
	xb_ns_seconds(b, sum_ns);
	xb_put(b, "\n", 1);
	sample_head(r, "_count", td, extra);
	xb_u64(b, cum);
	xb_put(b, "\n", 1);
}

/* ------------------------------------------------------------ SEAMCALL rows */

struct leaf_row {
	__u32 pid;
	const char *leaf;			/* label value */
	const struct tdx_leaf_stats *v;
};

struct leaf_rows {
	struct leaf_row *row;
	size_t n;
	struct tdx_leaf_stats *merged;		/* leaf groups (merged_scratch) */
	char (*num)[16];			/* names of unknown leaves */
};

static void leaf_add(struct tdx_leaf_stats *d, const struct tdx_leaf_stats *v)
{
	d->count += v->count;
	d->sum_ns += v->sum_ns;
	d->retries += v->retries;
	for (int i = 0; i < TDX_SC_MAX; i++)
		d->status[i] += v->status[i];
	for (int i = 0; i < TDX_HIST_SLOTS; i++)
		d->hist[i] += v->hist[i];
}

/* Rows the leaf groups make: distinct (pid, group) (the snapshot is pid-sorted). */
static size_t group_rows(const struct tdx_snapshot *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n_leaf;) {
		__u32 pid = s->leaf[i].key.pid;
		const char *seen[TDX_AREA_MAX + 1];
		int ns = 0;

		for (; i < s->n_leaf && s->leaf[i].key.pid == pid; i++) {
			const char *g = exp_leaf_group(s->leaf[i].key.leaf);	/* static strings */
			int k = 0;

			while (k < ns && seen[k] != g)
				k++;
			if (k == ns && ns < TDX_AREA_MAX + 1)
				seen[ns++] = g;
		}
		n += (size_t)ns;
	}
	return n;
}

/*
 * The merged stats of the leaf groups: one scratch array reused by every
 * render (renders are serialised by the exporter's lock), so a scrape does
 * not allocate and fault in ~2.5 KiB per row each time.
 */
static struct tdx_leaf_stats *merged_scratch(size_t n)
{
	static struct tdx_leaf_stats *scratch;
	static size_t cap;

	if (n > cap) {
		struct tdx_leaf_stats *p = realloc(scratch, n * sizeof(*p));

		if (!p)
			return NULL;
		scratch = p;
		cap = n;
	}
	return scratch;
}

/* Rows in (pid, leaf label) order; groups merged (the snapshot is sorted by pid). */
static int leaf_rows(struct leaf_rows *lr, const struct tdx_snapshot *s, bool groups)
{
	size_t n = s->n_leaf ? s->n_leaf : 1;

	memset(lr, 0, sizeof(*lr));
	lr->row = calloc(n, sizeof(*lr->row));
	lr->num = calloc(n, sizeof(*lr->num));
	if (groups) {
		size_t g = group_rows(s);

		lr->merged = merged_scratch(g ? g : 1);
	}
	if (!lr->row || !lr->num || (groups && !lr->merged))
		return -1;
	for (size_t i = 0; i < s->n_leaf; i++) {
		const struct tdx_snap_leaf *e = &s->leaf[i];
		const char *name = groups ? exp_leaf_group(e->key.leaf) :
				   tdx_leaf_name(e->key.leaf);

		if (!name) {
			snprintf(lr->num[i], sizeof(lr->num[i]), "%u", e->key.leaf);
			name = lr->num[i];
		}
		if (groups) {
			size_t j;

			/* a TD's groups are few: look back over this pid's rows */
			for (j = lr->n; j > 0 && lr->row[j - 1].pid == e->key.pid; j--)
				if (!strcmp(lr->row[j - 1].leaf, name))
					break;
			if (j > 0 && lr->row[j - 1].pid == e->key.pid &&
			    !strcmp(lr->row[j - 1].leaf, name)) {
				leaf_add(&lr->merged[j - 1], &e->v);
				continue;
			}
			memset(&lr->merged[lr->n], 0, sizeof(lr->merged[lr->n]));
			leaf_add(&lr->merged[lr->n], &e->v);
			lr->row[lr->n] = (struct leaf_row){ e->key.pid, name, &lr->merged[lr->n] };
		} else {
			lr->row[lr->n] = (struct leaf_row){ e->key.pid, name, &e->v };
		}
		lr->n++;
	}
	return 0;
}

static void leaf_rows_free(struct leaf_rows *lr)
{
	free(lr->row);
	free(lr->num);			/* merged: the reused scratch */
}

static void render_seamcalls(struct rctx *r, const struct tdx_snapshot *s)
{
	struct leaf_rows lr;
	char extra[96];

	if (leaf_rows(&lr, s, r->o->leaf_groups)) {
		r->b->oom = true;
		leaf_rows_free(&lr);
		return;
	}
	family(r, "tdxtrace_seamcall_duration_seconds", "histogram",
	       "SEAMCALL latency per TD and leaf (exported bounds: docs/exporter.md).");
	for (size_t i = 0; i < lr.n; i++) {
		snprintf(extra, sizeof(extra), "leaf=\"%s\"", lr.row[i].leaf);
		histogram(r, r->lf(r->ck, lr.row[i].pid), extra, lr.row[i].v->hist,
			  lr.row[i].v->sum_ns);
	}
	family(r, "tdxtrace_seamcall_status", "counter",
	       "SEAMCALLs per TD, leaf and status class (classes that occurred).");
	for (size_t i = 0; i < lr.n; i++) {
		const char *td = r->lf(r->ck, lr.row[i].pid);

		for (int k = 0; k < TDX_SC_MAX; k++) {
			if (!lr.row[i].v->status[k])
				continue;
			snprintf(extra, sizeof(extra), "leaf=\"%s\",class=\"%s\"",
				 lr.row[i].leaf, tdx_status_class_name((__u32)k));
			sample_u64(r, td, extra, lr.row[i].v->status[k]);
		}
	}
	family(r, "tdxtrace_seamcall_entropy_retries", "counter",
	       "TDX_RND_NO_ENTROPY retries inside the kernel per TD and leaf (leaves that retried).");
	for (size_t i = 0; i < lr.n; i++) {
		if (!lr.row[i].v->retries)
			continue;
		snprintf(extra, sizeof(extra), "leaf=\"%s\"", lr.row[i].leaf);
		sample_u64(r, r->lf(r->ck, lr.row[i].pid), extra, lr.row[i].v->retries);
	}
	leaf_rows_free(&lr);
}

/* ------------------------------------------------------------ per TD */

static void render_td_info(struct rctx *r, const struct tdx_snapshot *s)
{
	/* pid 0 (SEAMCALLs outside any TD's context) is not a TD */
	family(r, "tdxtrace_td", "info", "A TD seen by tdxtrace, with its labels.");
	for (size_t i = 0; i < s->n_td; i++)
		if (s->td[i].pid)
			sample_u64(r, r->lf(r->ck, s->td[i].pid), NULL, 1);
	family(r, "tdxtrace_td_vcpus", "gauge", "vCPUs of a TD (TDs whose count is known).");
	for (size_t i = 0; i < s->n_td; i++)
		if (s->td[i].pid && s->td[i].vcpus)
			sample_u64(r, r->lf(r->ck, s->td[i].pid), NULL, s->td[i].vcpus);
}

static void render_vp(struct rctx *r, const struct tdx_snapshot *s)
{
	char extra[64];

	family(r, "tdxtrace_td_entries", "counter", "TD entries (TDH.VP.ENTER round trips).");
	for (size_t i = 0; i < s->n_vp; i++)
		sample_u64(r, r->lf(r->ck, s->vp[i].pid), NULL, s->vp[i].v.count);
	family(r, "tdxtrace_td_run_seconds", "counter", "Time spent inside the TD, entry to exit.");
	for (size_t i = 0; i < s->n_vp; i++)
		sample_secs(r, r->lf(r->ck, s->vp[i].pid), NULL, s->vp[i].v.sum_ns);
	family(r, "tdxtrace_td_exits", "counter", "TD exits by VMX basic exit reason (reasons seen).");
	for (size_t i = 0; i < s->n_vp; i++) {
		const char *td = r->lf(r->ck, s->vp[i].pid);

		for (int k = 0; k < TDX_EXIT_REASON_SLOTS; k++) {
			const char *nm;

			if (!s->vp[i].v.exit_reason[k])
				continue;
			nm = exit_reason_name(k);
			if (nm)
				snprintf(extra, sizeof(extra), "reason=\"%s\"", nm);
			else
				snprintf(extra, sizeof(extra), "reason=\"%d\"", k);
			sample_u64(r, td, extra, s->vp[i].v.exit_reason[k]);
		}
	}
}

static void render_ept(struct rctx *r, const struct tdx_snapshot *s)
{
	char extra[64];

	family(r, "tdxtrace_ept_violations", "counter", "EPT violations handled, by GPA kind.");
	for (size_t i = 0; i < s->n_ept; i++) {
		const char *td = r->lf(r->ck, s->ept[i].pid);

		sample_u64(r, td, "gpa=\"shared\"", s->ept[i].v.count[0]);
		sample_u64(r, td, "gpa=\"private\"", s->ept[i].v.count[1]);
	}
	family(r, "tdxtrace_ept_violation_retries", "counter",
	       "Local retries inside EPT violation handling.");
	for (size_t i = 0; i < s->n_ept; i++)
		sample_u64(r, r->lf(r->ck, s->ept[i].pid), NULL, s->ept[i].v.retries);
	family(r, "tdxtrace_ept_violation_results", "counter",
	       "EPT violations by handler result (RET_PF_*, ERROR = -errno; results seen).");
	for (size_t i = 0; i < s->n_ept; i++) {
		const char *td = r->lf(r->ck, s->ept[i].pid);

		for (int k = 0; k < TDX_EPT_RESULT_MAX; k++) {
			if (!s->ept[i].v.result[k] || !ept_result_names[k])
				continue;
			snprintf(extra, sizeof(extra), "result=\"%s\"", ept_result_names[k]);
			sample_u64(r, td, extra, s->ept[i].v.result[k]);
		}
	}
	family(r, "tdxtrace_ept_violation_duration_seconds", "histogram",
	       "EPT violation handling time per TD.");
	for (size_t i = 0; i < s->n_ept; i++)
		histogram(r, r->lf(r->ck, s->ept[i].pid), NULL, s->ept[i].v.hist,
			  s->ept[i].v.sum_ns);
}

static void render_mapgpa(struct rctx *r, const struct tdx_snapshot *s)
{
	char extra[64];

#define PER_DIR(fam, type, help, field)						\
	family(r, fam, type, help);						\
	for (size_t i = 0; i < s->n_map; i++) {					\
		const char *td = r->lf(r->ck, s->map[i].pid);			\
		for (int d = 0; d < 2; d++) {					\
			snprintf(extra, sizeof(extra), "direction=\"%s\"", dir_names[d]); \
			sample_u64(r, td, extra, s->map[i].v.field[d]);		\
		}								\
	}
	PER_DIR("tdxtrace_mapgpa_requests", "counter",
		"MapGPA requests from the guest, by direction (to private / to shared).", requests)
	PER_DIR("tdxtrace_mapgpa_requested_bytes", "counter",
		"Bytes MapGPA requests asked to convert, by direction.", req_bytes)
	PER_DIR("tdxtrace_mapgpa_completed", "counter",
		"MapGPA requests completed, by direction.", done)
	PER_DIR("tdxtrace_mapgpa_converted_bytes", "counter",
		"Bytes converted by completed MapGPA requests, by direction.", done_bytes)
#undef PER_DIR
	family(r, "tdxtrace_mapgpa_results", "counter",
	       "Completed MapGPA requests by result (results seen).");
	for (size_t i = 0; i < s->n_map; i++) {
		const char *td = r->lf(r->ck, s->map[i].pid);

		for (int k = 0; k < 4; k++) {
			if (!s->map[i].v.done_status[k])
				continue;
			snprintf(extra, sizeof(extra), "result=\"%s\"", map_done_names[k]);
			sample_u64(r, td, extra, s->map[i].v.done_status[k]);
		}
	}
#define PER_TD(fam, help, field)						\
	family(r, fam, "counter", help);					\
	for (size_t i = 0; i < s->n_map; i++)					\
		sample_u64(r, r->lf(r->ck, s->map[i].pid), NULL, s->map[i].v.field);
	PER_TD("tdxtrace_mapgpa_chunks", "MapGPA chunks processed.", chunks)
	PER_TD("tdxtrace_mapgpa_chunk_bytes", "Bytes in MapGPA chunks.", chunk_bytes)
	PER_TD("tdxtrace_mapgpa_chunk_retries", "MapGPA chunks handed back as RETRY.",
	       chunk_retries)
	PER_TD("tdxtrace_mapgpa_chunk_errors", "MapGPA chunks that failed (not RETRY).",
	       chunk_errors)
#undef PER_TD
	family(r, "tdxtrace_mapgpa_round_trip_seconds", "histogram",
	       "MapGPA request round trip, request to completion.");
	for (size_t i = 0; i < s->n_map; i++)
		histogram(r, r->lf(r->ck, s->map[i].pid), NULL, s->map[i].v.hist,
			  s->map[i].v.sum_ns);
}

/* FROZEN_SPTE: summed over level and root per TD (the snapshot is pid-sorted). */
static void render_frozen(struct rctx *r, const struct tdx_snapshot *s)
{
	static const struct { const char *name, *type, *help; } fams[] = {
		{ "tdxtrace_frozen_spte_waits", "counter",
		  "Faults that met a frozen SPTE and waited." },
		{ "tdxtrace_frozen_spte_windows", "counter", "SPTE freeze/unfreeze windows." },
		{ "tdxtrace_frozen_spte_errors", "counter",
		  "Freeze windows whose external (SEAMCALL) operation failed." },
		{ "tdxtrace_frozen_spte_hold_seconds", "counter",
		  "Time SPTEs were held frozen." },
		{ "tdxtrace_frozen_spte_hold_max_seconds", "gauge",
		  "Longest freeze window since the session began." },
	};

	for (size_t f = 0; f < sizeof(fams) / sizeof(fams[0]); f++) {
		family(r, fams[f].name, fams[f].type, fams[f].help);
		for (size_t i = 0; i < s->n_frozen;) {
			__u32 pid = s->frozen[i].key.pid;
			__u64 v = 0;

			for (; i < s->n_frozen && s->frozen[i].key.pid == pid; i++) {
				const struct tdx_frozen_stats *x = &s->frozen[i].v;

				switch (f) {
				case 0: v += x->retries; break;
				case 1: v += x->frozen; break;
				case 2: v += x->errors; break;
				case 3: v += x->held_sum_ns; break;
				default: v = x->held_max_ns > v ? x->held_max_ns : v; break;
				}
			}
			if (f >= 3)
				sample_secs(r, r->lf(r->ck, pid), NULL, v);
			else
				sample_u64(r, r->lf(r->ck, pid), NULL, v);
		}
	}
}

/* Fraction of mapped private bytes that could be huge (as `tdxtrace mix`); <0 none. */
static double hugeable(const struct tdx_mix_stats *v)
{
	double p4k = v->private_live[TDX_PG_LEVEL_4K] > 0 ?
		     (double)v->private_live[TDX_PG_LEVEL_4K] : 0;
	double in_mixed = v->private_4k_in_mixed > 0 ? (double)v->private_4k_in_mixed : 0;
	double huge = (v->private_live[TDX_PG_LEVEL_2M] > 0 ?
		       (double)v->private_live[TDX_PG_LEVEL_2M] * 2097152.0 : 0) +
		      (v->private_live[TDX_PG_LEVEL_1G] > 0 ?
		       (double)v->private_live[TDX_PG_LEVEL_1G] * 1073741824.0 : 0);
	double total = p4k * 4096.0 + huge;

	if (in_mixed > p4k)
		in_mixed = p4k;
	if (total <= 0)
		return -1;
	return (huge + (p4k - in_mixed) * 4096.0) / total;
}

static void render_mix(struct rctx *r, const struct tdx_snapshot *s)
{
	char extra[64];

	family(r, "tdxtrace_mixed_ranges", "gauge",
	       "2M/1G ranges that are mixed (private and shared pages) now.");
	for (size_t i = 0; i < s->n_mix; i++)
		for (int l = TDX_PG_LEVEL_2M; l <= TDX_PG_LEVEL_1G; l++) {
			if (s->mix[i].v.mixed_live[l] < 0)
				continue;
			snprintf(extra, sizeof(extra), "size=\"%s\"", size_names[l]);
			sample_u64(r, r->lf(r->ck, s->mix[i].pid), extra,
				   (__u64)s->mix[i].v.mixed_live[l]);
		}
	family(r, "tdxtrace_mixed_range_transitions", "counter",
	       "2M/1G ranges that became mixed (to=mixed) or whole again (to=unmixed).");
	for (size_t i = 0; i < s->n_mix; i++) {
		const char *td = r->lf(r->ck, s->mix[i].pid);

		for (int l = TDX_PG_LEVEL_2M; l <= TDX_PG_LEVEL_1G; l++) {
			snprintf(extra, sizeof(extra), "size=\"%s\",to=\"mixed\"", size_names[l]);
			sample_u64(r, td, extra, s->mix[i].v.to_mixed[l]);
			snprintf(extra, sizeof(extra), "size=\"%s\",to=\"unmixed\"", size_names[l]);
			sample_u64(r, td, extra, s->mix[i].v.to_unmixed[l]);
		}
	}
	family(r, "tdxtrace_private_mappings", "gauge",
	       "Private mappings now, by page size (since the session began).");
	for (size_t i = 0; i < s->n_mix; i++)
		for (int l = TDX_PG_LEVEL_4K; l < TDX_PG_LEVEL_MAX; l++) {
			if (s->mix[i].v.private_live[l] < 0)
				continue;
			snprintf(extra, sizeof(extra), "size=\"%s\"", size_names[l]);
			sample_u64(r, r->lf(r->ck, s->mix[i].pid), extra,
				   (__u64)s->mix[i].v.private_live[l]);
		}
	family(r, "tdxtrace_private_hugeable_ratio", "gauge",
	       "Fraction of mapped private bytes that are or could be huge pages.");
	for (size_t i = 0; i < s->n_mix; i++) {
		double f = hugeable(&s->mix[i].v);

		if (f >= 0)
			sample_dbl(r, r->lf(r->ck, s->mix[i].pid), NULL, f);
	}
}

/* --------------------------------------------- kernel series v2 flows */

static const char *const zap_step_names[TDX_ZAP_FAIL_SLOTS] = { "block", "remove", "wbinvd", "other" };
static const char *const build_cmd_names[TDX_BUILD_CMD_SLOTS] = {
	"other", "init_vm", "init_vcpu", "init_mem_region", "finalize_vm",
};

/* One counter family: field (a __u64 of struct tdx_flow_stats) per TD. */
static void flow_family(struct rctx *r, const struct tdx_snapshot *s, const char *name,
			const char *help, size_t field, bool secs)
{
	family(r, name, "counter", help);
	for (size_t i = 0; i < s->n_flow; i++) {
		__u64 v;

		memcpy(&v, (const char *)&s->flow[i].v + field, sizeof(v));
		if (secs)
			sample_secs(r, r->lf(r->ck, s->flow[i].pid), NULL, v);
		else
			sample_u64(r, r->lf(r->ck, s->flow[i].pid), NULL, v);
	}
}

#define FLOW_FIELD(f) offsetof(struct tdx_flow_stats, f)

/* Only families with samples: a kernel without series v2 exports none. */
static void render_flows(struct rctx *r, const struct tdx_snapshot *s)
{
	char extra[96];

	if (s->n_flow) {
		flow_family(r, s, "tdxtrace_sept_zaps",
			    "Private pages zapped from the S-EPT (BLOCK, TRACK, REMOVE, WBINVD).",
			    FLOW_FIELD(zaps), false);
		family(r, "tdxtrace_sept_zap_duration_seconds", "histogram", "Time per S-EPT zap.");
		for (size_t i = 0; i < s->n_flow; i++)
			histogram(r, r->lf(r->ck, s->flow[i].pid), NULL, s->flow[i].v.zap_hist,
				  s->flow[i].v.zap_sum_ns);
		family(r, "tdxtrace_sept_zap_failures", "counter",
		       "S-EPT zaps whose SEAMCALL failed, by step.");
		for (size_t i = 0; i < s->n_flow; i++)
			for (int k = 0; k < TDX_ZAP_FAIL_SLOTS; k++) {
				snprintf(extra, sizeof(extra), "step=\"%s\"", zap_step_names[k]);
				sample_u64(r, r->lf(r->ck, s->flow[i].pid), extra,
					   s->flow[i].v.zap_failed[k]);
			}
		flow_family(r, s, "tdxtrace_vcpu_bounces",
			    "vCPU runs refused while a zap held the vCPUs out of the TD.",
			    FLOW_FIELD(bounces), false);
		flow_family(r, s, "tdxtrace_tlb_tracks", "TLB tracking rounds (TDH.MEM.TRACK + IPI).",
			    FLOW_FIELD(tracks), false);
		family(r, "tdxtrace_tlb_track_seconds", "counter",
		       "Time in TLB tracking, TDH.MEM.TRACK and the IPI wait.");
		for (size_t i = 0; i < s->n_flow; i++)
			sample_secs(r, r->lf(r->ck, s->flow[i].pid), NULL,
				    s->flow[i].v.track_sum_ns + s->flow[i].v.ipi_sum_ns);
		flow_family(r, s, "tdxtrace_conversion_zaps",
			    "Zaps of private/shared conversions (memory attribute changes).",
			    FLOW_FIELD(attr_zaps), false);
		flow_family(r, s, "tdxtrace_conversion_zap_seconds", "Time in conversion zaps.",
			    FLOW_FIELD(attr_zap_sum_ns), true);
	}
	if (s->n_kick) {
		family(r, "tdxtrace_busy_kicks", "counter",
		       "OPERAND_BUSY escalations: all vCPUs kicked and the SEAMCALL retried.");
		for (size_t i = 0; i < s->n_kick; i++) {
			const char *ln = tdx_leaf_name(s->kick[i].key.leaf);

			if (ln)
				snprintf(extra, sizeof(extra), "leaf=\"%s\",operand=\"0x%x\"", ln,
					 s->kick[i].key.operand);
			else
				snprintf(extra, sizeof(extra), "leaf=\"%u\",operand=\"0x%x\"",
					 s->kick[i].key.leaf, s->kick[i].key.operand);
			sample_u64(r, r->lf(r->ck, s->kick[i].key.pid), extra, s->kick[i].v.kicks);
		}
	}
	if (s->n_life) {
		family(r, "tdxtrace_td_build_commands", "counter", "TD build commands, by KVM_TDX_* command.");
		for (size_t i = 0; i < s->n_life; i++)
			for (int k = 0; k < TDX_BUILD_CMD_SLOTS; k++) {
				if (!s->life[i].v.build[k])
					continue;
				snprintf(extra, sizeof(extra), "cmd=\"%s\"", build_cmd_names[k]);
				sample_u64(r, r->lf(r->ck, s->life[i].pid), extra, s->life[i].v.build[k]);
			}
		family(r, "tdxtrace_td_build_seconds", "counter", "Time in TD build commands.");
		for (size_t i = 0; i < s->n_life; i++)
			for (int k = 0; k < TDX_BUILD_CMD_SLOTS; k++) {
				if (!s->life[i].v.build[k])
					continue;
				snprintf(extra, sizeof(extra), "cmd=\"%s\"", build_cmd_names[k]);
				sample_secs(r, r->lf(r->ck, s->life[i].pid), extra,
					    s->life[i].v.build_sum_ns[k]);
			}
		family(r, "tdxtrace_cache_wb_resumes", "counter",
		       "TDH.PHYMEM.CACHE.WB resumed after INTERRUPTED_RESUMABLE at teardown.");
		for (size_t i = 0; i < s->n_life; i++)
			sample_u64(r, r->lf(r->ck, s->life[i].pid), NULL, s->life[i].v.cache_wb_resumes);
	}
	if (s->n_flow || s->n_life || s->n_tdvmcall) {
		/*
		 * A kernel with series v2 reports every release and leak: each TD
		 * it has shown v2 events for gets both series, 0 until one happens,
		 * so an alert on increase() sees the first leak.
		 */
		static const char *const fam[2][2] = {
			{ "tdxtrace_hkid_releases", "HKID releases at TD teardown." },
			{ "tdxtrace_hkid_leaks",
			  "HKIDs leaked at teardown: key ids lost until the host reboots." },
		};

		for (int f = 0; f < 2; f++) {
			family(r, fam[f][0], "counter", fam[f][1]);
			for (size_t t = 0; t < s->n_td; t++) {
				__u64 v = 0;

				for (size_t i = 0; i < s->n_life; i++)
					if (s->life[i].pid == s->td[t].pid)
						v = f ? s->life[i].v.hkid_leaks : s->life[i].v.releases;
				sample_u64(r, r->lf(r->ck, s->td[t].pid), NULL, v);
			}
		}
	}
	if (s->n_tdvmcall) {
		family(r, "tdxtrace_tdvmcalls", "counter", "TDVMCALLs KVM dispatched, by sub-function.");
		for (size_t i = 0; i < s->n_tdvmcall; i++)
			for (int k = 0; k < TDX_TDVMCALL_SLOTS; k++) {
				const char *tv = tdx_kvm_tdvmcall_name((unsigned int)k, NULL);

				if (!s->tdvmcall[i].v.calls[k] || !tv)
					continue;
				snprintf(extra, sizeof(extra), "call=\"%s\"", tv);
				sample_u64(r, r->lf(r->ck, s->tdvmcall[i].pid), extra,
					   s->tdvmcall[i].v.calls[k]);
			}
	}
}

/* ------------------------------------------------------------ tdxtrace itself */

static void info_label(struct xbuf *b, const char *name, const char *v, bool *first)
{
	if (!*first)
		xb_put(b, ",", 1);
	*first = false;
	xb_puts(b, name);
	xb_puts(b, "=\"");
	xb_label_value(b, v);
	xb_put(b, "\"", 1);
}

static void render_self(struct rctx *r, const struct tdx_snapshot *s, const struct exp_host *h)
{
	struct xbuf lb = { 0 };
	bool first = true;
	char extra[64];

	family(r, "tdxtrace_build", "info", "The tdxtrace version serving these metrics.");
	sample_u64(r, "version=\"" TDXTRACE_VERSION "\"", NULL, 1);
	family(r, "tdxtrace_session_up", "gauge",
	       "1 if the tdxtrace session is open (BPF loaded), 0 if it failed to (re)open.");
	sample_u64(r, NULL, NULL, h->up);
	if (s) {
		family(r, "tdxtrace_session", "info",
		       "The session: source, attach mode and what that mode cannot see.");
		info_label(&lb, "source", h->source, &first);
		info_label(&lb, "mode", tdx_mode_name(s->mode), &first);
		if (h->missing && *h->missing)
			info_label(&lb, "missing", h->missing, &first);
		if (h->source_name && *h->source_name)
			info_label(&lb, "name", h->source_name, &first);
		if (!lb.oom)
			sample_u64(r, lb.p, NULL, 1);
		xb_free(&lb);
	}
	if (h->tdx_module[0]) {
		family(r, "tdxtrace_tdx_module", "info", "The TDX module version of this host.");
		first = true;
		info_label(&lb, "version", h->tdx_module, &first);
		if (!lb.oom)
			sample_u64(r, lb.p, NULL, 1);
		xb_free(&lb);
	}
	if (h->cpu_model_name[0] || h->cpu_family[0]) {
		family(r, "tdxtrace_host_cpu", "info", "The host CPU (from /proc/cpuinfo).");
		first = true;
		if (h->cpu_vendor[0])
			info_label(&lb, "vendor", h->cpu_vendor, &first);
		if (h->cpu_family[0])
			info_label(&lb, "family", h->cpu_family, &first);
		if (h->cpu_model[0])
			info_label(&lb, "model", h->cpu_model, &first);
		if (h->cpu_stepping[0])
			info_label(&lb, "stepping", h->cpu_stepping, &first);
		if (h->cpu_microcode[0])
			info_label(&lb, "microcode", h->cpu_microcode, &first);
		if (h->cpu_model_name[0])
			info_label(&lb, "model_name", h->cpu_model_name, &first);
		if (!lb.oom)
			sample_u64(r, lb.p, NULL, 1);
		xb_free(&lb);
	}
	if (s) {
		const struct tdx_counters *k = &s->counters;
		size_t ntd = 0;

		family(r, "tdxtrace_events", "counter", "Events aggregated, by tracepoint.");
		for (int e = 0; e < TDX_EV_MAX; e++) {
			if (!strcmp(tdx_event_name((__u32)e), "none"))
				continue;
			snprintf(extra, sizeof(extra), "event=\"%s\"", tdx_event_name((__u32)e));
			sample_u64(r, NULL, extra, k->events[e]);
		}
		family(r, "tdxtrace_filtered_events", "counter",
		       "Events rejected by the pid/leaf/latency filters.");
		sample_u64(r, NULL, NULL, k->filtered);
		family(r, "tdxtrace_dropped_events", "counter",
		       "Events not aggregated because a map was full, by map.");
		for (int m = 0; m < TDX_MAP_ID_MAX; m++) {
			snprintf(extra, sizeof(extra), "map=\"%s\"", tdx_map_name(m));
			sample_u64(r, NULL, extra, k->dropped[m]);
		}
		family(r, "tdxtrace_lost_events", "counter",
		       "Events lost: ring buffer full (where=ringbuf) or lost by the source "
		       "(where=source: trace.dat/record lost records).");
		sample_u64(r, NULL, "where=\"ringbuf\"", k->lost);
		sample_u64(r, NULL, "where=\"source\"", s->source_lost);
		family(r, "tdxtrace_bad_input_records", "counter",
		       "Replay records rejected (bad kind or argument count).");
		sample_u64(r, NULL, NULL, k->bad_input);
		family(r, "tdxtrace_tds", "gauge", "TDs in the session's maps.");
		for (size_t i = 0; i < s->n_td; i++)
			ntd += s->td[i].pid != 0;
		sample_u64(r, NULL, NULL, ntd);
		family(r, "tdxtrace_source_time_seconds", "gauge",
		       "Source clock at the snapshot (CLOCK_MONOTONIC live; source time offline).");
		sample_secs(r, NULL, NULL, s->ts_ns);
		if (strcmp(h->source, "live")) {
			family(r, "tdxtrace_source_exhausted", "gauge",
			       "Replay/sim: 1 once every event of the source was fed.");
			sample_u64(r, NULL, NULL, h->offline_done);
			family(r, "tdxtrace_source_fed_seconds", "gauge",
			       "Replay/sim: source time fed since the start, in whole 0.1 s steps.");
			sample_secs(r, NULL, NULL, h->fed_ns);
		}
	}
	family(r, "tdxtrace_exporter_scrapes", "counter", "Scrapes of /metrics, by format.");
	sample_u64(r, NULL, "format=\"text\"", h->scrapes[0]);
	sample_u64(r, NULL, "format=\"openmetrics\"", h->scrapes[1]);
	family(r, "tdxtrace_exporter_renders", "counter",
	       "Expositions rendered (scrapes within the cache time share one).");
	sample_u64(r, NULL, NULL, h->renders);
	family(r, "tdxtrace_exporter_render_cpu_seconds", "counter",
	       "Thread CPU time spent taking snapshots and rendering.");
	sample_secs(r, NULL, NULL, h->render_cpu_ns);
	family(r, "tdxtrace_exporter_session_reopens", "counter", "Session reopens (SIGHUP).");
	sample_u64(r, NULL, NULL, h->reopens);
	family(r, "tdxtrace_exporter_http_errors", "counter",
	       "Requests the exporter answered 404/405/500 (libmicrohttpd refuses bad HTTP "
	       "with 400/413/431 itself, uncounted).");
	sample_u64(r, NULL, NULL, h->http_errors);
	if (h->renders) {
		family(r, "tdxtrace_exporter_last_samples", "gauge",
		       "Samples in the previous exposition (the cardinality to watch).");
		sample_u64(r, NULL, NULL, h->last_series);
		family(r, "tdxtrace_exporter_last_bytes", "gauge",
		       "Size of the previous exposition in bytes.");
		sample_u64(r, NULL, NULL, h->last_bytes);
	}
}

size_t exp_render(struct xbuf *b, const struct tdx_snapshot *s, const struct exp_host *h,
		  const struct exp_render_opts *o, exp_td_labels_fn labels, void *cookie)
{
	struct rctx r = { .b = b, .o = o, .lf = labels, .ck = cookie };
	__u64 bounds[EXP_MAX_BOUNDS];

	r.nb = exp_bounds(o->buckets, bounds);
	for (int i = 0; i < r.nb; i++) {
		r.bslot[i] = tdx_hist_slot(bounds[i]);
		r.le_len[i] = xb_fmt_ns_seconds(r.le[i], bounds[i]);
	}
	render_self(&r, s, h);
	if (s) {
		render_td_info(&r, s);
		render_seamcalls(&r, s);
		render_vp(&r, s);
		render_ept(&r, s);
		render_mapgpa(&r, s);
		render_frozen(&r, s);
		render_mix(&r, s);
		render_flows(&r, s);
	}
	if (o->om)
		xb_puts(b, "# EOF\n");
	return r.n;
}
