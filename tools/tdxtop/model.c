// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * model.c - tdxtop's data model: rows, rates, quantiles, sorting, filtering
 * and drill-down text, computed from snapshots only (see model.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "quant.h"
#include "model.h"

#define KIB 1024.0
#define MIB (1024.0 * 1024.0)

/* ------------------------------------------------------------ columns */

#define COL(nm, js, w, k, type, field, h) \
	{ nm, js, w, TOP_C_##k, offsetof(type, field), h }

static const struct top_col td_cols[] = {
	COL("PID", "pid", 7, U32, struct top_td, pid, "VMM process id (the TD)"),
	COL("COMM", "comm", 12, STR, struct top_td, comm, "VMM name"),
	COL("VCPU", "vcpus", 4, U32, struct top_td, vcpus, "vCPUs (0: unknown)"),
	COL("SC/s", "seamcalls_per_s", 7, RATE, struct top_td, sc_rate,
	    "SEAMCALLs per second"),
	COL("SLOWEST", "slowest_leaf", 20, LEAF, struct top_td, slow_leaf,
	    "leaf with the highest p99 latency"),
	COL("P50", "p50_ns", 7, NS, struct top_td, p50, "median SEAMCALL latency"),
	COL("P99", "p99_ns", 7, NS, struct top_td, p99, "99th percentile SEAMCALL latency"),
	COL("BUSY/s", "busy_per_s", 7, RATE, struct top_td, busy_rate,
	    "SEAMCALLs returning a BUSY status per second"),
	COL("EPTP/s", "ept_private_per_s", 7, RATE, struct top_td, ept_priv_rate,
	    "private-GPA EPT violations per second"),
	COL("EPTS/s", "ept_shared_per_s", 7, RATE, struct top_td, ept_shared_rate,
	    "shared-GPA EPT violations per second"),
	COL("CONV/s", "mapgpa_conv_per_s", 7, RATE, struct top_td, conv_rate,
	    "completed MapGPA conversions per second"),
	COL("CMB/s", "mapgpa_mb_per_s", 7, MB, struct top_td, conv_mbs,
	    "MiB converted by MapGPA per second"),
	COL("FRZ/s", "frozen_retries_per_s", 7, RATE, struct top_td, frozen_rate,
	    "faults retried on a FROZEN_SPTE per second"),
	COL("MIX%", "mixed_private_pct", 6, PCT, struct top_td, mixed_pct,
	    "% of private memory in mixed 2M ranges"),
};

static const struct top_col leaf_cols[] = {
	COL("LEAF", "name", 24, LEAF, struct top_leaf, leaf, "SEAMCALL leaf"),
	COL("CALLS/s", "per_s", 8, RATE, struct top_leaf, rate, "calls per second"),
	COL("TDS", "tds", 4, U32, struct top_leaf, ntds, "TDs that called it"),
	COL("P50", "p50_ns", 7, NS, struct top_leaf, p50, "median latency"),
	COL("P90", "p90_ns", 7, NS, struct top_leaf, p90, "90th percentile latency"),
	COL("P99", "p99_ns", 7, NS, struct top_leaf, p99, "99th percentile latency"),
	COL("MAX", "max_ns", 7, NS, struct top_leaf, max, "highest latency since start"),
	COL("AVG", "mean_ns", 7, NS, struct top_leaf, mean, "mean latency"),
	COL("BUSY", "busy", 7, COUNT, struct top_leaf, status[TDX_SC_BUSY],
	    "calls with a BUSY-class status"),
	COL("NOENT", "no_entropy", 6, COUNT, struct top_leaf, status[TDX_SC_NO_ENTROPY],
	    "RND_NO_ENTROPY after the kernel's retries"),
	COL("INTR", "interrupted", 6, COUNT, struct top_leaf, status[TDX_SC_INTERRUPTED],
	    "INTERRUPTED_RESUMABLE"),
	COL("SWERR", "sw_error", 6, COUNT, struct top_leaf, status[TDX_SC_SW_ERROR],
	    "kernel-made errors (VMFAILINVALID, #GP, #UD)"),
	COL("ERR", "error", 6, COUNT, struct top_leaf, status[TDX_SC_ERROR],
	    "other errors"),
	COL("WARN", "warning", 6, COUNT, struct top_leaf, status[TDX_SC_WARNING],
	    "non-zero status without the error bit"),
};

static const struct top_col map_cols[] = {
	COL("PID", "pid", 7, U32, struct top_map, pid, "VMM process id"),
	COL("COMM", "comm", 12, STR, struct top_map, comm, "VMM name"),
	COL("REQ/s", "requests_per_s", 7, RATE, struct top_map, req_rate,
	    "MapGPA requests per second"),
	COL(">PRIV/s", "to_private_per_s", 8, RATE, struct top_map, to_priv_rate,
	    "completed conversions to private per second"),
	COL(">SHR/s", "to_shared_per_s", 7, RATE, struct top_map, to_shared_rate,
	    "completed conversions to shared per second"),
	COL("PMB/s", "to_private_mb_per_s", 7, MB, struct top_map, priv_mbs,
	    "MiB converted to private per second"),
	COL("SMB/s", "to_shared_mb_per_s", 7, MB, struct top_map, shared_mbs,
	    "MiB converted to shared per second"),
	COL("AVGKB", "avg_request_kb", 7, MB, struct top_map, avg_kb,
	    "average request size, KiB"),
	COL("CHNK/s", "chunks_per_s", 7, RATE, struct top_map, chunk_rate,
	    "chunks (<= 2 MiB) handed to the VMM per second"),
	COL("RETRY", "retries", 6, COUNT, struct top_map, retries,
	    "chunks and requests handed back as RETRY"),
	COL("ERR", "errors", 5, COUNT, struct top_map, errors,
	    "failed chunks and requests"),
	COL("P50", "p50_ns", 7, NS, struct top_map, p50, "median round trip"),
	COL("P99", "p99_ns", 7, NS, struct top_map, p99, "99th percentile round trip"),
	COL("MAX", "max_ns", 7, NS, struct top_map, max, "longest round trip since start"),
};

static const struct top_col mix_cols[] = {
	COL("PID", "pid", 7, U32, struct top_mix, pid, "VMM process id"),
	COL("COMM", "comm", 12, STR, struct top_mix, comm, "VMM name"),
	COL("PRIV-MB", "private_mb", 8, MB, struct top_mix, priv_mb,
	    "private memory mapped now, MiB"),
	COL("MIX2M", "mixed_2m", 6, COUNT, struct top_mix, mixed_2m,
	    "2M ranges mixed (private and shared) now"),
	COL("MIX1G", "mixed_1g", 6, COUNT, struct top_mix, mixed_1g,
	    "1G ranges mixed now"),
	COL(">MIX/s", "to_mixed_per_s", 7, RATE, struct top_mix, to_mixed_rate,
	    "ranges becoming mixed per second"),
	COL(">UNMX/s", "to_unmixed_per_s", 8, RATE, struct top_mix, to_unmixed_rate,
	    "ranges becoming uniform per second"),
	COL("INMIX-MB", "in_mixed_mb", 8, MB, struct top_mix, in_mixed_mb,
	    "private 4K memory inside mixed 2M ranges, MiB"),
	COL("MIX%", "mixed_private_pct", 6, PCT, struct top_mix, mixed_pct,
	    "% of private memory in mixed 2M ranges"),
	COL("MAP/s", "maps_per_s", 7, RATE, struct top_mix, map_rate,
	    "private mappings installed per second"),
	COL("UNMAP/s", "unmaps_per_s", 7, RATE, struct top_mix, unmap_rate,
	    "private mappings zapped per second"),
	COL("P4K", "private_4k", 8, COUNT, struct top_mix, priv_4k,
	    "private 4K mappings now"),
	COL("P2M", "private_2m", 6, COUNT, struct top_mix, priv_2m,
	    "private 2M mappings now"),
	COL("P1G", "private_1g", 5, COUNT, struct top_mix, priv_1g,
	    "private 1G mappings now"),
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const struct top_col *top_cols(enum top_view v, size_t *n)
{
	switch (v) {
	case TOP_VIEW_LEAF:   *n = ARRAY_SIZE(leaf_cols); return leaf_cols;
	case TOP_VIEW_MAPGPA: *n = ARRAY_SIZE(map_cols);  return map_cols;
	case TOP_VIEW_MIX:    *n = ARRAY_SIZE(mix_cols);  return mix_cols;
	default:	      *n = ARRAY_SIZE(td_cols);   return td_cols;
	}
}

const char *top_view_name(enum top_view v)
{
	static const char *const names[TOP_VIEW_MAX] = {
		"TDs", "Leaves", "MapGPA", "Mixing",
	};

	return v < TOP_VIEW_MAX ? names[v] : "?";
}

int top_col_find(enum top_view v, const char *name)
{
	size_t n;
	const struct top_col *c = top_cols(v, &n);

	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(name, c[i].name) || !strcasecmp(name, c[i].json))
			return (int)i;
	return -1;
}

void *top_rows(const struct top_model *m, enum top_view v, size_t *n,
	       size_t *size)
{
	switch (v) {
	case TOP_VIEW_LEAF:
		*n = m->n_leaf, *size = sizeof(*m->leaf);
		return m->leaf;
	case TOP_VIEW_MAPGPA:
		*n = m->n_map, *size = sizeof(*m->map);
		return m->map;
	case TOP_VIEW_MIX:
		*n = m->n_mix, *size = sizeof(*m->mix);
		return m->mix;
	default:
		*n = m->n_td, *size = sizeof(*m->td);
		return m->td;
	}
}

double top_col_num(const struct top_col *c, const void *row)
{
	const char *p = (const char *)row + c->off;

	switch (c->kind) {
	case TOP_C_U32:		return *(const __u32 *)p;
	case TOP_C_LEAF:	return *(const int *)p;
	case TOP_C_COUNT:	return (double)*(const __u64 *)p;
	case TOP_C_STR:		return 0;
	default:		return *(const double *)p;
	}
}

void top_fmt_ns(double ns, char *buf, size_t size)
{
	tdx_fmt_ns(buf, size, ns, true);	/* the one latency format, compact */
}

void top_fmt_rate(double r, char *buf, size_t size)
{
	if (isnan(r))
		snprintf(buf, size, "-");	/* unknown: a span of 0 */
	else if (r == 0)
		snprintf(buf, size, "0");
	else if (r < 1e4 && r == (double)(long long)r)
		snprintf(buf, size, "%lld", (long long)r);	/* whole: 7, not 7.00 */
	else if (r < 10)
		snprintf(buf, size, "%.2f", r);
	else if (r < 1e4)
		snprintf(buf, size, "%.0f", r);
	else if (r < 1e6)
		snprintf(buf, size, "%.1fk", r / 1e3);
	else if (r < 1e9)
		snprintf(buf, size, "%.2fM", r / 1e6);
	else
		snprintf(buf, size, "%.2fG", r / 1e9);
}

void top_fmt_count(__u64 n, char *buf, size_t size)
{
	if (n < 100000)
		snprintf(buf, size, "%llu", (unsigned long long)n);
	else if (n < 10000000)
		snprintf(buf, size, "%.1fk", (double)n / 1e3);
	else
		snprintf(buf, size, "%.1fM", (double)n / 1e6);
}

/*
 * Quantile of a histogram, never above the highest value seen (linear
 * interpolation inside the top bucket could pass it).
 */
static double quantile(const __u64 *hist, double q, double max)
{
	/* the one quantile path (tools/lib/quant.h) */
	return tdx_quantile(hist, q, TDX_MIN_UNTRACKED, max > 0 ? (__u64)max : 0);
}

void top_col_fmt(const struct top_col *c, const void *row, char *buf,
		 size_t size)
{
	const char *p = (const char *)row + c->off;
	double d;

	switch (c->kind) {
	case TOP_C_U32:
		snprintf(buf, size, "%u", *(const __u32 *)p);
		return;
	case TOP_C_STR:
		snprintf(buf, size, "%s", p);
		return;
	case TOP_C_LEAF: {
		int leaf = *(const int *)p;
		const char *name = leaf >= 0 ? tdx_leaf_name((__u32)leaf) : NULL;

		if (leaf < 0)
			snprintf(buf, size, "-");
		else if (name)
			snprintf(buf, size, "%s", name);
		else
			snprintf(buf, size, "leaf %d", leaf);
		return;
	}
	case TOP_C_COUNT:
		top_fmt_count(*(const __u64 *)p, buf, size);
		return;
	case TOP_C_RATE:
		top_fmt_rate(*(const double *)p, buf, size);
		return;
	case TOP_C_NS:
		d = *(const double *)p;
		if (d <= 0)
			snprintf(buf, size, "-");
		else
			top_fmt_ns(d, buf, size);
		return;
	case TOP_C_PCT:
		d = *(const double *)p;
		if (d < 0)
			snprintf(buf, size, "-");
		else
			snprintf(buf, size, "%.1f", d);
		return;
	case TOP_C_MB:
		d = *(const double *)p;
		if (isnan(d))
			snprintf(buf, size, "-");
		else
			snprintf(buf, size, d == 0 ? "0" : d < 10 ? "%.2f" : "%.1f", d);
		return;
	}
}

int top_col_cmp(const struct top_col *c, const void *a, const void *b)
{
	double x, y;

	if (c->kind == TOP_C_STR)
		return strcasecmp((const char *)a + c->off,
				  (const char *)b + c->off);
	if (c->kind == TOP_C_LEAF) {
		const char *na = tdx_leaf_name(*(const int *)((const char *)a + c->off));
		const char *nb = tdx_leaf_name(*(const int *)((const char *)b + c->off));

		if (na && nb)
			return strcmp(na, nb);
	}
	x = top_col_num(c, a);
	y = top_col_num(c, b);
	if (isnan(x) || isnan(y))	/* unknown sorts below every number */
		return isnan(x) ? (isnan(y) ? 0 : -1) : 1;
	return x < y ? -1 : x > y ? 1 : 0;
}

/* ------------------------------------------------------------ sorting */

struct sort_ctx {
	const struct top_col *col, *key;
	bool desc;
};

static int row_cmp(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *s = arg;
	int r = top_col_cmp(s->col, a, b);

	if (s->desc)
		r = -r;
	if (!r && s->key != s->col)
		r = top_col_cmp(s->key, a, b);
	return r;
}

void top_sort(struct top_model *m, enum top_view v, int col, bool desc)
{
	size_t ncols, n, size;
	const struct top_col *cols = top_cols(v, &ncols);
	void *rows = top_rows(m, v, &n, &size);
	struct sort_ctx s;

	if (col < 0 || (size_t)col >= ncols || !rows)
		return;
	s.col = &cols[col];
	s.key = &cols[0];	/* pid or leaf: unique */
	s.desc = desc;
	qsort_r(rows, n, size, row_cmp, &s);
}

/* ---------------------------------------------------------- filtering */

bool top_match(enum top_view v, const void *row, const char *filter)
{
	const char *comm;
	__u32 pid;
	char *end;
	unsigned long want;

	if (!filter || !*filter)
		return true;
	if (v == TOP_VIEW_LEAF) {
		const struct top_leaf *l = row;
		const char *name = tdx_leaf_name((__u32)l->leaf);
		char num[16];

		snprintf(num, sizeof(num), "%d", l->leaf);
		if (!strcmp(filter, num))
			return true;
		return name && strcasestr(name, filter);
	}
	switch (v) {
	case TOP_VIEW_MAPGPA:
		pid = ((const struct top_map *)row)->pid;
		comm = ((const struct top_map *)row)->comm;
		break;
	case TOP_VIEW_MIX:
		pid = ((const struct top_mix *)row)->pid;
		comm = ((const struct top_mix *)row)->comm;
		break;
	default:
		pid = ((const struct top_td *)row)->pid;
		comm = ((const struct top_td *)row)->comm;
		break;
	}
	want = strtoul(filter, &end, 10);
	if (!*end && end != filter)
		return want == pid;
	return strcasestr(comm, filter) != NULL;
}

/* ------------------------------------------------------------ building */

__u64 top_merge_leaf_hist(const struct tdx_snapshot *s, __u32 pid, int leaf,
			  __u64 *hist)
{
	__u64 n = 0;

	memset(hist, 0, sizeof(*hist) * TDX_HIST_SLOTS);
	for (size_t i = 0; i < s->n_leaf; i++) {
		const struct tdx_snap_leaf *l = &s->leaf[i];

		if ((pid && l->key.pid != pid) ||
		    (leaf >= 0 && l->key.leaf != (__u32)leaf))
			continue;
		for (int j = 0; j < TDX_HIST_SLOTS; j++)
			hist[j] += l->v.hist[j];
		n += l->v.count;
	}
	return n;
}

static const struct tdx_td_info *td_info(const struct tdx_snapshot *s,
					 __u32 pid)
{
	for (size_t i = 0; i < s->n_td; i++)
		if (s->td[i].pid == pid)
			return &s->td[i];
	return NULL;
}

static void label(const struct tdx_snapshot *s, const struct tdx_snapshot *c,
		  __u32 pid, char *comm, size_t size, __u32 *vcpus)
{
	const struct tdx_td_info *ti = td_info(s, pid);

	if (!ti && c)
		ti = td_info(c, pid);
	snprintf(comm, size, "%s", ti && ti->comm[0] ? ti->comm :
		 pid ? "?" : "(host)");
	if (vcpus)
		*vcpus = ti ? ti->vcpus : 0;
}

/* Sorted unique list of pids seen in any per-TD map of s. */
static size_t collect_pids(const struct tdx_snapshot *s, __u32 **out)
{
	size_t cap = s->n_td + s->n_leaf + s->n_ept + s->n_map + s->n_frozen +
		     s->n_mix + s->n_vp + 1, n = 0;
	__u32 *p = malloc(cap * sizeof(*p));

	if (!p)
		return (size_t)-1;
#define ADD(arr, cnt, field) \
	for (size_t i = 0; i < s->cnt; i++) p[n++] = s->arr[i].field
	ADD(td, n_td, pid);
	ADD(leaf, n_leaf, key.pid);
	ADD(ept, n_ept, pid);
	ADD(map, n_map, pid);
	ADD(frozen, n_frozen, key.pid);
	ADD(mix, n_mix, pid);
	ADD(vp, n_vp, pid);
#undef ADD
	/* sort + unique (insertion sort is fine: a few hundred TDs) */
	for (size_t i = 1; i < n; i++) {
		__u32 v = p[i];
		size_t j = i;

		while (j && p[j - 1] > v) {
			p[j] = p[j - 1];
			j--;
		}
		p[j] = v;
	}
	size_t u = 0;

	for (size_t i = 0; i < n; i++)
		if (!u || p[u - 1] != p[i])
			p[u++] = p[i];
	*out = p;
	return u;
}

/* n per second; unknown (NAN, shown "-", JSON null) over a span of 0 */
static double rate(__u64 n, double dt)
{
	return dt > 0 ? (double)n / dt : NAN;
}

static double mixed_pct(const struct tdx_mix_stats *x)
{
	double priv = (double)x->private_live[TDX_PG_LEVEL_4K] * 4 * KIB +
		      (double)x->private_live[TDX_PG_LEVEL_2M] * 2 * MIB +
		      (double)x->private_live[TDX_PG_LEVEL_1G] * 1024 * MIB;

	if (priv <= 0)
		return -1;
	return (double)x->private_4k_in_mixed * 4 * KIB * 100.0 / priv;
}

static const struct tdx_mix_stats *find_mix(const struct tdx_snapshot *s,
					    __u32 pid)
{
	for (size_t i = 0; i < s->n_mix; i++)
		if (s->mix[i].pid == pid)
			return &s->mix[i].v;
	return NULL;
}

static const struct tdx_map_stats *find_map(const struct tdx_snapshot *s,
					    __u32 pid)
{
	for (size_t i = 0; i < s->n_map; i++)
		if (s->map[i].pid == pid)
			return &s->map[i].v;
	return NULL;
}

static const struct tdx_ept_stats *find_ept(const struct tdx_snapshot *s,
					    __u32 pid)
{
	for (size_t i = 0; i < s->n_ept; i++)
		if (s->ept[i].pid == pid)
			return &s->ept[i].v;
	return NULL;
}

static const struct tdx_vp_stats *find_vp(const struct tdx_snapshot *s,
					  __u32 pid)
{
	for (size_t i = 0; i < s->n_vp; i++)
		if (s->vp[i].pid == pid)
			return &s->vp[i].v;
	return NULL;
}

static void build_td(struct top_td *r, const struct tdx_snapshot *s,
		     const struct tdx_snapshot *cum, __u32 pid, double dt,
		     __u64 *hist)
{
	const struct tdx_ept_stats *e = find_ept(s, pid);
	const struct tdx_map_stats *mp = find_map(s, pid);
	const struct tdx_mix_stats *x = find_mix(s, pid);
	double max = 0;

	memset(r, 0, sizeof(*r));
	r->pid = pid;
	label(s, cum, pid, r->comm, sizeof(r->comm), &r->vcpus);
	r->slow_leaf = -1;
	memset(hist, 0, sizeof(*hist) * TDX_HIST_SLOTS);
	for (size_t i = 0; i < s->n_leaf; i++) {
		const struct tdx_snap_leaf *l = &s->leaf[i];
		double p99;

		if (l->key.pid != pid || !l->v.count)
			continue;
		r->sc += l->v.count;
		r->busy += l->v.status[TDX_SC_BUSY];
		if ((double)l->v.max_ns > max)
			max = (double)l->v.max_ns;
		for (int j = 0; j < TDX_HIST_SLOTS; j++)
			hist[j] += l->v.hist[j];
		p99 = quantile(l->v.hist, 0.99, (double)l->v.max_ns);
		if (r->slow_leaf < 0 || p99 > r->slow_p99) {
			r->slow_leaf = (int)l->key.leaf;
			r->slow_p99 = p99;
		}
	}
	r->sc_rate = rate(r->sc, dt);
	r->busy_rate = rate(r->busy, dt);
	r->p50 = quantile(hist, 0.50, max);
	r->p99 = quantile(hist, 0.99, max);
	if (e) {
		r->ept_shared = e->count[0];
		r->ept_priv = e->count[1];
	}
	r->ept_priv_rate = rate(r->ept_priv, dt);
	r->ept_shared_rate = rate(r->ept_shared, dt);
	if (mp) {
		r->conv = mp->done[0] + mp->done[1];
		r->conv_bytes = mp->done_bytes[0] + mp->done_bytes[1];
	}
	r->conv_rate = rate(r->conv, dt);
	r->conv_mbs = rate(r->conv_bytes, dt) / MIB;
	for (size_t i = 0; i < s->n_frozen; i++)
		if (s->frozen[i].key.pid == pid)
			r->frozen += s->frozen[i].v.retries;
	r->frozen_rate = rate(r->frozen, dt);
	r->mixed_pct = x ? mixed_pct(x) : -1;
}

static void build_map(struct top_map *r, const struct tdx_snapshot *s,
		      const struct tdx_snapshot *cum, __u32 pid,
		      const struct tdx_map_stats *v, double dt)
{
	__u64 req_bytes = v->req_bytes[0] + v->req_bytes[1];

	memset(r, 0, sizeof(*r));
	r->pid = pid;
	label(s, cum, pid, r->comm, sizeof(r->comm), NULL);
	r->req = v->requests[0] + v->requests[1];
	r->req_rate = rate(r->req, dt);
	r->to_priv_rate = rate(v->done[TDX_MAP_TO_PRIVATE], dt);
	r->to_shared_rate = rate(v->done[TDX_MAP_TO_SHARED], dt);
	r->priv_mbs = rate(v->done_bytes[TDX_MAP_TO_PRIVATE], dt) / MIB;
	r->shared_mbs = rate(v->done_bytes[TDX_MAP_TO_SHARED], dt) / MIB;
	r->avg_kb = r->req ? (double)req_bytes / (double)r->req / KIB : 0;
	r->chunks = v->chunks;
	r->chunk_rate = rate(v->chunks, dt);
	r->retries = v->chunk_retries + v->done_status[TDX_MAP_DONE_RETRY];
	r->errors = v->chunk_errors + v->done_status[TDX_MAP_DONE_INVALID] +
		    v->done_status[TDX_MAP_DONE_OTHER];
	r->max = (double)v->max_ns;
	r->p50 = quantile(v->hist, 0.50, r->max);
	r->p99 = quantile(v->hist, 0.99, r->max);
}

static void build_mix(struct top_mix *r, const struct tdx_snapshot *s,
		      const struct tdx_snapshot *cum, __u32 pid,
		      const struct tdx_mix_stats *x, double dt)
{
	double priv = (double)x->private_live[TDX_PG_LEVEL_4K] * 4 * KIB +
		      (double)x->private_live[TDX_PG_LEVEL_2M] * 2 * MIB +
		      (double)x->private_live[TDX_PG_LEVEL_1G] * 1024 * MIB;

	memset(r, 0, sizeof(*r));
	r->pid = pid;
	label(s, cum, pid, r->comm, sizeof(r->comm), NULL);
	r->priv_mb = priv > 0 ? priv / MIB : 0;
	r->mixed_2m = x->mixed_live[TDX_PG_LEVEL_2M] > 0 ?
		      (__u64)x->mixed_live[TDX_PG_LEVEL_2M] : 0;
	r->mixed_1g = x->mixed_live[TDX_PG_LEVEL_1G] > 0 ?
		      (__u64)x->mixed_live[TDX_PG_LEVEL_1G] : 0;
	r->to_mixed_rate = rate(x->to_mixed[TDX_PG_LEVEL_2M] +
				x->to_mixed[TDX_PG_LEVEL_1G], dt);
	r->to_unmixed_rate = rate(x->to_unmixed[TDX_PG_LEVEL_2M] +
				  x->to_unmixed[TDX_PG_LEVEL_1G], dt);
	r->in_mixed_mb = x->private_4k_in_mixed > 0 ?
			 (double)x->private_4k_in_mixed * 4 * KIB / MIB : 0;
	r->mixed_pct = mixed_pct(x);
	r->map_rate = rate(x->maps, dt);
	r->unmap_rate = rate(x->unmaps, dt);
#define LIVE(l) (x->private_live[l] > 0 ? (__u64)x->private_live[l] : 0)
	r->priv_4k = LIVE(TDX_PG_LEVEL_4K);
	r->priv_2m = LIVE(TDX_PG_LEVEL_2M);
	r->priv_1g = LIVE(TDX_PG_LEVEL_1G);
#undef LIVE
	r->redundant = x->redundant;
}

/* Is pid one of the TD rows the TD view's filter shows? */
static bool td_shown(const struct top_model *m, __u32 pid, const char *td_filter)
{
	for (size_t i = 0; i < m->n_td; i++)
		if (m->td[i].pid == pid)
			return top_match(TOP_VIEW_TD, &m->td[i], td_filter);
	return false;		/* host context (pid 0) or no TD row */
}

static int build_leaves(struct top_model *m, const struct tdx_snapshot *s,
			double dt, __u32 leaf_pid, const char *td_filter, __u64 *hist)
{
	size_t n = 0;

	m->leaf = calloc(TDX_LEAF_MAX, sizeof(*m->leaf));
	if (!m->leaf)
		return -ENOMEM;
	for (int leaf = 0; leaf < TDX_LEAF_MAX; leaf++) {
		struct top_leaf *r = &m->leaf[n];
		__u64 sum = 0;

		memset(hist, 0, sizeof(*hist) * TDX_HIST_SLOTS);
		for (size_t i = 0; i < s->n_leaf; i++) {
			const struct tdx_snap_leaf *l = &s->leaf[i];

			if (l->key.leaf != (__u32)leaf || !l->v.count ||
			    (leaf_pid && l->key.pid != leaf_pid) ||
			    (td_filter && *td_filter && !td_shown(m, l->key.pid, td_filter)))
				continue;
			r->ntds++;
			r->count += l->v.count;
			sum += l->v.sum_ns;
			if ((double)l->v.max_ns > r->max)
				r->max = (double)l->v.max_ns;
			for (int c = 0; c < TDX_SC_MAX; c++)
				r->status[c] += l->v.status[c];
			for (int j = 0; j < TDX_HIST_SLOTS; j++)
				hist[j] += l->v.hist[j];
		}
		if (!r->count)
			continue;
		r->leaf = leaf;
		r->rate = rate(r->count, dt);
		r->mean = (double)sum / (double)r->count;
		r->p50 = quantile(hist, 0.50, r->max);
		r->p90 = quantile(hist, 0.90, r->max);
		r->p99 = quantile(hist, 0.99, r->max);
		for (int c = 0; c < TDX_SC_MAX; c++)
			if (c != TDX_SC_SUCCESS)
				r->errors += r->status[c];
		n++;
	}
	m->n_leaf = n;
	return 0;
}

static void build_totals(struct top_totals *t, const struct tdx_snapshot *s,
			 const struct tdx_snapshot *cum, double dt)
{
	const struct tdx_counters *c = &s->counters;

	memset(t, 0, sizeof(*t));
	t->dt = dt;
	for (int k = 0; k < TDX_EV_MAX; k++)
		t->events += c->events[k];
	t->seamcalls = c->events[TDX_EV_SEAMCALL];
	t->ept = c->events[TDX_EV_EPT_VIOLATION];
	t->vp = c->events[TDX_EV_VP_ENTER];
	t->mapgpa = c->events[TDX_EV_MAP_GPA];
	t->frozen = c->events[TDX_EV_FROZEN_RETRY];
	t->mix = c->events[TDX_EV_HUGEPAGE_MIXED];
	t->events_rate = rate(t->events, dt);
	t->seamcalls_rate = rate(t->seamcalls, dt);
	t->ept_rate = rate(t->ept, dt);
	t->vp_rate = rate(t->vp, dt);
	t->mapgpa_rate = rate(t->mapgpa, dt);
	for (int i = 0; i < TDX_MAP_ID_MAX; i++) {
		t->dropped += c->dropped[i];
		t->dropped_by_map[i] = cum->counters.dropped[i];
		t->dropped_total += cum->counters.dropped[i];
	}
	t->lost = c->lost + s->source_lost;	/* the window's losses, the source's too */
	t->lost_total = cum->counters.lost + cum->source_lost;
	t->filtered = c->filtered;
	t->filtered_total = cum->counters.filtered;
	t->bad_input = c->bad_input;
}

int top_model_build(struct top_model *m, const struct tdx_snapshot *win,
		    const struct tdx_snapshot *cum, double dt, __u32 leaf_pid)
{
	return top_model_build_filtered(m, win, cum, dt, leaf_pid, NULL);
}

int top_model_build_filtered(struct top_model *m, const struct tdx_snapshot *win,
			     const struct tdx_snapshot *cum, double dt, __u32 leaf_pid,
			     const char *td_filter)
{
	__u64 *hist = NULL;
	__u32 *pids = NULL;
	size_t np;

	memset(m, 0, sizeof(*m));
	m->win = win;
	if (!cum)
		cum = win;
	build_totals(&m->tot, win, cum, dt);
	hist = malloc(sizeof(*hist) * TDX_HIST_SLOTS);
	np = collect_pids(win, &pids);
	if (!hist || np == (size_t)-1)
		goto nomem;
	m->td = calloc(np + 1, sizeof(*m->td));
	m->map = calloc(win->n_map + 1, sizeof(*m->map));
	m->mix = calloc(win->n_mix + 1, sizeof(*m->mix));
	if (!m->td || !m->map || !m->mix)
		goto nomem;
	for (size_t i = 0; i < np; i++) {
		if (!pids[i])	/* host-context SEAMCALLs: leaf view only */
			continue;
		build_td(&m->td[m->n_td++], win, cum, pids[i], dt, hist);
	}
	m->tot.n_td = m->n_td;
	for (size_t i = 0; i < win->n_map; i++)
		build_map(&m->map[m->n_map++], win, cum, win->map[i].pid,
			  &win->map[i].v, dt);
	for (size_t i = 0; i < win->n_mix; i++)
		build_mix(&m->mix[m->n_mix++], win, cum, win->mix[i].pid,
			  &win->mix[i].v, dt);
	if (build_leaves(m, win, dt, leaf_pid, td_filter, hist))
		goto nomem;
	free(hist);
	free(pids);
	return 0;
nomem:
	free(hist);
	free(pids);
	top_model_free(m);
	return -ENOMEM;
}

void top_model_free(struct top_model *m)
{
	free(m->td);
	free(m->leaf);
	free(m->map);
	free(m->mix);
	m->td = NULL, m->leaf = NULL, m->map = NULL, m->mix = NULL;
	m->n_td = m->n_leaf = m->n_map = m->n_mix = 0;
}

/* ---------------------------------------------------------- drill-down */

static const char *exit_reason_name(int r)
{
	return tdx_exit_slot_name((__u32)r);
}

static void print_hist(FILE *f, const __u64 *hist)
{
	double p99 = tdx_hist_quantile(hist, 0.99);

	if (!tdx_hist_total(hist)) {
		fprintf(f, "  (no samples in this window)\n");
		return;
	}
	if (p99 >= 10e6)
		tdx_hist_print_log2(f, hist, 1000000, "msecs");
	else if (p99 >= 10e3)
		tdx_hist_print_log2(f, hist, 1000, "usecs");
	else
		tdx_hist_print_log2(f, hist, 1, "nsecs");
}

static void quantile_line(FILE *f, const __u64 *hist, __u64 count,
			  __u64 sum_ns, __u64 max_ns, double dt)
{
	char p50[16], p90[16], p99[16], avg[16], mx[16], r[16];

	top_fmt_ns(quantile(hist, 0.5, (double)max_ns), p50, sizeof(p50));
	top_fmt_ns(quantile(hist, 0.9, (double)max_ns), p90, sizeof(p90));
	top_fmt_ns(quantile(hist, 0.99, (double)max_ns), p99, sizeof(p99));
	top_fmt_ns(count ? (double)sum_ns / (double)count : 0, avg, sizeof(avg));
	top_fmt_ns((double)max_ns, mx, sizeof(mx));
	top_fmt_rate(rate(count, dt), r, sizeof(r));
	fprintf(f, "  count %llu (%s/s)  p50 %s  p90 %s  p99 %s  avg %s  max %s\n",
		(unsigned long long)count, r, p50, p90, p99, avg, mx);
}

/*
 * Indices of the leaf entries of one TD (pid, 0 = all) and one leaf (-1 =
 * all) with calls, busiest first.  idx must hold them all.
 */
static int cmp_leaf_count(const void *a, const void *b, void *arg)
{
	const struct tdx_snapshot *s = arg;
	__u64 x = s->leaf[*(const size_t *)a].v.count;
	__u64 y = s->leaf[*(const size_t *)b].v.count;

	return x > y ? -1 : x < y;
}

static size_t sort_leaves(const struct tdx_snapshot *s, __u32 pid, int leaf,
			  size_t *idx)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n_leaf; i++) {
		const struct tdx_snap_leaf *l = &s->leaf[i];

		if (!l->v.count || (pid && l->key.pid != pid) ||
		    (leaf >= 0 && l->key.leaf != (__u32)leaf))
			continue;
		if (pid && leaf < 0 && n >= TDX_LEAF_MAX)
			break;
		idx[n++] = i;
	}
	qsort_r(idx, n, sizeof(*idx), cmp_leaf_count, (void *)s);
	return n;
}

/* The five GPAs with the slowest EPT violation of a TD. */
static void print_slow_gfns(FILE *f, const struct tdx_snapshot *s, __u32 pid)
{
	size_t top[5], n = 0;

	for (size_t i = 0; i < s->n_gfn; i++) {
		size_t j;

		if (s->gfn[i].key.pid != pid || !s->gfn[i].v.count)
			continue;
		/* insertion into a top-5 list sorted by max_ns, descending */
		for (j = n; j > 0 && s->gfn[top[j - 1]].v.max_ns <
				     s->gfn[i].v.max_ns; j--)
			if (j < 5)
				top[j] = top[j - 1];
		if (j < 5) {
			top[j] = i;
			if (n < 5)
				n++;
		}
	}
	if (n)
		fprintf(f, "  slowest GPAs:\n");
	for (size_t k = 0; k < n; k++) {
		const struct tdx_snap_gfn *g = &s->gfn[top[k]];
		char a[16];

		top_fmt_ns((double)g->v.max_ns, a, sizeof(a));
		fprintf(f, "    gfn 0x%llx %-7s max %s, %llu faults, %llu retries\n",
			(unsigned long long)g->key.gfn,
			g->key.private ? "private" : "shared", a,
			(unsigned long long)g->v.count,
			(unsigned long long)g->v.retries);
	}
}

void top_detail_td(FILE *f, const struct top_model *m, __u32 pid)
{
	const struct tdx_snapshot *s = m->win;
	const struct tdx_ept_stats *e = find_ept(s, pid);
	const struct tdx_vp_stats *vp = find_vp(s, pid);
	const struct tdx_map_stats *mp = find_map(s, pid);
	const struct tdx_mix_stats *x = find_mix(s, pid);
	__u64 hist[TDX_HIST_SLOTS], n, sum = 0, mx = 0;
	char comm[32];
	__u32 vcpus;
	double dt = m->tot.dt;
	size_t idx[TDX_LEAF_MAX];

	label(s, NULL, pid, comm, sizeof(comm), &vcpus);
	fprintf(f, "TD %u (%s), %u vCPUs, window %.2fs\n\n", pid, comm, vcpus, dt);

	n = top_merge_leaf_hist(s, pid, -1, hist);
	for (size_t i = 0; i < s->n_leaf; i++)
		if (s->leaf[i].key.pid == pid) {
			sum += s->leaf[i].v.sum_ns;
			if (s->leaf[i].v.max_ns > mx)
				mx = s->leaf[i].v.max_ns;
		}
	fprintf(f, "SEAMCALL latency, all leaves\n");
	quantile_line(f, hist, n, sum, mx, dt);
	print_hist(f, hist);

	fprintf(f, "\nBy leaf%-17s %8s %8s %8s %8s %7s %7s\n", "", "calls/s",
		"p50", "p99", "max", "busy", "errors");
	for (size_t k = 0, nidx = sort_leaves(s, pid, -1, idx); k < nidx; k++) {
		const struct tdx_snap_leaf *l = &s->leaf[idx[k]];
		char r[16], a[16], b[16], c[16];
		const char *name = tdx_leaf_name(l->key.leaf);
		__u64 err = 0;

		for (int k = 1; k < TDX_SC_MAX; k++)
			err += l->v.status[k];
		top_fmt_rate(rate(l->v.count, dt), r, sizeof(r));
		top_fmt_ns(quantile(l->v.hist, 0.5, (double)l->v.max_ns), a, sizeof(a));
		top_fmt_ns(quantile(l->v.hist, 0.99, (double)l->v.max_ns), b, sizeof(b));
		top_fmt_ns((double)l->v.max_ns, c, sizeof(c));
		fprintf(f, "  %-22s %8s %8s %8s %8s %7llu %7llu\n",
			name ? name : "?", r, a, b, c,
			(unsigned long long)l->v.status[TDX_SC_BUSY],
			(unsigned long long)err);
	}

	if (vp && vp->count) {
		fprintf(f, "\nTD entries (VP.ENTER to exit)\n");
		quantile_line(f, vp->hist, vp->count, vp->sum_ns, vp->max_ns, dt);
		fprintf(f, "  exit reasons:");
		for (int k = 0, shown = 0; k < TDX_EXIT_REASON_SLOTS && shown < 8; k++) {
			const char *nm = exit_reason_name(k);

			if (!vp->exit_reason[k])
				continue;
			shown++;
			if (nm)
				fprintf(f, " %s %llu", nm,
					(unsigned long long)vp->exit_reason[k]);
			else
				fprintf(f, " #%d %llu", k,
					(unsigned long long)vp->exit_reason[k]);
		}
		fprintf(f, "\n");
	}

	if (e && (e->count[0] || e->count[1])) {
		static const char *const res[TDX_EPT_RESULT_MAX] = {
			"CONTINUE", "RETRY", "EMULATE", "WRITE_PROTECTED",
			"INVALID", "FIXED", "SPURIOUS", "-errno",
		};
		__u64 cnt = e->count[0] + e->count[1];

		fprintf(f, "\nEPT violations: private %llu, shared %llu, local retries %llu\n",
			(unsigned long long)e->count[1], (unsigned long long)e->count[0],
			(unsigned long long)e->retries);
		quantile_line(f, e->hist, cnt, e->sum_ns, e->max_ns, dt);
		print_hist(f, e->hist);
		fprintf(f, "  results:");
		for (int k = 0; k < TDX_EPT_RESULT_MAX; k++)
			if (e->result[k])
				fprintf(f, " %s %llu", res[k],
					(unsigned long long)e->result[k]);
		fprintf(f, "\n  levels: 4K %llu  2M %llu  1G %llu\n",
			(unsigned long long)e->level[1], (unsigned long long)e->level[2],
			(unsigned long long)e->level[3]);
		fprintf(f, "  retries per violation:");
		for (int k = 0; k < TDX_RETRY_SLOTS; k++)
			if (e->retry_hist[k])
				fprintf(f, " %s%d:%llu", k == TDX_RETRY_SLOTS - 1 ? ">=" : "",
					k, (unsigned long long)e->retry_hist[k]);
		fprintf(f, "\n");
		print_slow_gfns(f, s, pid);
	}

	if (mp && (mp->requests[0] || mp->requests[1] || mp->done[0] || mp->done[1])) {
		fprintf(f, "\nMapGPA: requests to private %llu (%.1f MiB), to shared %llu (%.1f MiB)\n",
			(unsigned long long)mp->requests[0], (double)mp->req_bytes[0] / MIB,
			(unsigned long long)mp->requests[1], (double)mp->req_bytes[1] / MIB);
		fprintf(f, "  completed: to private %llu (%.1f MiB), to shared %llu (%.1f MiB); "
			"success %llu retry %llu invalid %llu other %llu\n",
			(unsigned long long)mp->done[0], (double)mp->done_bytes[0] / MIB,
			(unsigned long long)mp->done[1], (double)mp->done_bytes[1] / MIB,
			(unsigned long long)mp->done_status[0], (unsigned long long)mp->done_status[1],
			(unsigned long long)mp->done_status[2], (unsigned long long)mp->done_status[3]);
		fprintf(f, "  chunks %llu (%.1f MiB), handed back as RETRY %llu, errors %llu\n",
			(unsigned long long)mp->chunks, (double)mp->chunk_bytes / MIB,
			(unsigned long long)mp->chunk_retries,
			(unsigned long long)mp->chunk_errors);
		fprintf(f, "  round trip:\n");
		quantile_line(f, mp->hist, mp->done[0] + mp->done[1], mp->sum_ns,
			      mp->max_ns, dt);
		print_hist(f, mp->hist);
	}

	{
		bool hdr = false;

		for (size_t i = 0; i < s->n_frozen; i++) {
			const struct tdx_snap_frozen *fz = &s->frozen[i];
			char a[16], b[16];

			if (fz->key.pid != pid || (!fz->v.retries && !fz->v.frozen))
				continue;
			if (!hdr) {
				fprintf(f, "\nFROZEN_SPTE by level and root\n");
				hdr = true;
			}
			top_fmt_ns(fz->v.frozen ? (double)fz->v.held_sum_ns /
				   (double)fz->v.frozen : 0, a, sizeof(a));
			top_fmt_ns((double)fz->v.held_max_ns, b, sizeof(b));
			fprintf(f, "  %s %-6s retries %llu, frozen windows %llu (errors %llu), held avg %s max %s\n",
				fz->key.level == 1 ? "4K" : fz->key.level == 2 ? "2M" :
				fz->key.level == 3 ? "1G" : "??",
				fz->key.mirror ? "mirror" : "direct",
				(unsigned long long)fz->v.retries,
				(unsigned long long)fz->v.frozen,
				(unsigned long long)fz->v.errors, a, b);
		}
	}

	if (x) {
		double pct = mixed_pct(x);

		fprintf(f, "\nHugepage mixing: mixed now 2M %lld, 1G %lld; became mixed %llu, uniform %llu\n",
			(long long)x->mixed_live[2], (long long)x->mixed_live[3],
			(unsigned long long)(x->to_mixed[2] + x->to_mixed[3]),
			(unsigned long long)(x->to_unmixed[2] + x->to_unmixed[3]));
		fprintf(f, "  private mappings now: 4K %lld, 2M %lld, 1G %lld; 4K inside mixed 2M %lld",
			(long long)x->private_live[1], (long long)x->private_live[2],
			(long long)x->private_live[3], (long long)x->private_4k_in_mixed);
		if (pct >= 0)
			fprintf(f, " (%.1f%% of private memory)", pct);
		fprintf(f, "\n  maps %llu, unmaps %llu, redundant events %llu\n",
			(unsigned long long)x->maps, (unsigned long long)x->unmaps,
			(unsigned long long)x->redundant);
	}
}

void top_detail_leaf(FILE *f, const struct top_model *m, int leaf, __u32 pid)
{
	const struct tdx_snapshot *s = m->win;
	const char *name = tdx_leaf_name((__u32)leaf);
	__u64 hist[TDX_HIST_SLOTS], n, sum = 0, mx = 0, st[TDX_SC_MAX] = { 0 };
	double dt = m->tot.dt;
	size_t *idx = malloc((s->n_leaf + 1) * sizeof(*idx));

	if (!idx)
		return;
	n = top_merge_leaf_hist(s, pid, leaf, hist);
	for (size_t i = 0; i < s->n_leaf; i++) {
		const struct tdx_snap_leaf *l = &s->leaf[i];

		if (l->key.leaf != (__u32)leaf || (pid && l->key.pid != pid))
			continue;
		sum += l->v.sum_ns;
		if (l->v.max_ns > mx)
			mx = l->v.max_ns;
		for (int k = 0; k < TDX_SC_MAX; k++)
			st[k] += l->v.status[k];
	}
	fprintf(f, "%s (leaf %d)", name ? name : "?", leaf);
	if (pid)
		fprintf(f, ", TD %u", pid);
	fprintf(f, ", window %.2fs\n\n", dt);
	quantile_line(f, hist, n, sum, mx, dt);
	print_hist(f, hist);
	fprintf(f, "\nStatus classes:");
	for (int k = 0; k < TDX_SC_MAX; k++)
		fprintf(f, " %s %llu", tdx_status_class_name((__u32)k),
			(unsigned long long)st[k]);
	fprintf(f, "\n\nBy TD%-20s %8s %8s %8s %8s %7s\n", "", "calls/s", "p50",
		"p99", "max", "busy");
	for (size_t k = 0, nidx = sort_leaves(s, pid, leaf, idx); k < nidx; k++) {
		const struct tdx_snap_leaf *l = &s->leaf[idx[k]];
		char comm[32], who[48], r[16], a[16], b[16], c[16];

		label(s, NULL, l->key.pid, comm, sizeof(comm), NULL);
		snprintf(who, sizeof(who), "%u %s", l->key.pid, comm);
		top_fmt_rate(rate(l->v.count, dt), r, sizeof(r));
		top_fmt_ns(quantile(l->v.hist, 0.5, (double)l->v.max_ns), a, sizeof(a));
		top_fmt_ns(quantile(l->v.hist, 0.99, (double)l->v.max_ns), b, sizeof(b));
		top_fmt_ns((double)l->v.max_ns, c, sizeof(c));
		fprintf(f, "  %-22s %8s %8s %8s %8s %7llu\n", who, r, a, b, c,
			(unsigned long long)l->v.status[TDX_SC_BUSY]);
	}
	free(idx);
}
