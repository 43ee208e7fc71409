// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * rounds.c - what a round of a result holds, and where it comes from:
 *
 *  - tb_round_from_snapshot(): rows from a tdxtrace aggregation snapshot
 *    (the `tdxbench run` path: BPF maps);
 *  - struct tb_acc: the same rows computed in user space straight from a
 *    struct tdx_event stream (the validation harness, which needs tens of
 *    thousands of rounds and cannot afford a BPF session per round; tests
 *    check that both give identical histograms for the same seed);
 *  - the per-round simulator seed and spec, shared by both.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdxtrace.h"
#include "quant.h"
#include "source.h"
#include "tdxbench.h"

uint64_t tb_round_seed(uint64_t base, unsigned round)
{
	/* 63 bits: any parser of the spec reads it back */
	return tb_derive_seed(base, round) & 0x7fffffffffffffffULL;
}

/* Positional arguments of a scenario before the optional seed. */
static int scenario_args(const char *scen)
{
	return !strcmp(scen, "regress") ? 2 : 0;
}

int tb_sim_round_spec(const char *spec, uint64_t seed, double duration_s,
		      char *out, size_t len, uint64_t *spec_seed)
{
	char head[256], *f[8], *save;
	const char *comma = strchr(spec, ',');
	const char *tail = comma ? comma : "";
	size_t hl = comma ? (size_t)(comma - spec) : strlen(spec);
	int nf = 0, na, w;

	*spec_seed = 0;
	if (hl >= sizeof(head))
		return -EINVAL;
	memcpy(head, spec, hl);
	head[hl] = 0;
	for (char *t = strtok_r(head, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
		if (nf == 8)
			return -EINVAL;
		f[nf++] = t;
	}
	if (!nf)
		return -EINVAL;
	na = scenario_args(f[0]);
	if (nf > 1 + na + 1)
		return -EINVAL;
	if (nf == 1 + na + 1) {
		char *end;

		errno = 0;
		*spec_seed = strtoull(f[nf - 1], &end, 0);
		if (errno || *end || f[nf - 1][0] == '-')
			return -EINVAL;
		nf--;
	}
	if (strstr(tail, ",seed="))
		return -EINVAL;	/* the seed is tdxbench's to choose per round */
	w = snprintf(out, len, "%s", f[0]);
	for (int i = 1; i < nf && w >= 0 && (size_t)w < len; i++)
		w += snprintf(out + w, len - (size_t)w, ":%s", f[i]);
	if (w >= 0 && (size_t)w < len)
		w += snprintf(out + w, len - (size_t)w, ":%llu%s",
			      (unsigned long long)seed, tail);
	if (w >= 0 && (size_t)w < len && duration_s > 0 && !strstr(tail, ",duration="))
		w += snprintf(out + w, len - (size_t)w, ",duration=%.0fus",
			      duration_s * 1e6);
	return w < 0 || (size_t)w >= len ? -EINVAL : 0;
}

/* --------------------------------------------------- from a snapshot */

static int add_hist(struct tb_result *r, size_t round, const char *name,
		    const char *kind, int leaf, const uint64_t *hist, double sum_ns,
		    uint64_t min_ns, uint64_t max_ns)
{
	struct tb_row *row = tb_result_row(r, name, kind, leaf);

	if (!row)
		return -ENOMEM;
	return tb_round_set_hist(&row->round[round], hist, sum_ns, min_ns, max_ns);
}

static bool hist_any(const uint64_t *h)
{
	for (int s = 0; s < TDX_HIST_SLOTS; s++)
		if (h[s])
			return true;
	return false;
}

static const char *const ev_row_names[TB_EV_ROWS] = {
	[TB_EV_VP] = "vp_enter",
	[TB_EV_EPT] = "ept_violation",
	[TB_EV_MAP] = "map_gpa",
	[TB_EV_FROZEN] = "spte_frozen",
};

int tb_acc_to_round(const struct tb_acc *a, struct tb_result *r, size_t round)
{
	int err;

	for (int l = 0; l < TDX_LEAF_MAX; l++) {
		const char *name = tdx_leaf_name((__u32)l);
		char buf[32];

		if (!hist_any(a->leaf[l]))
			continue;
		if (!name) {
			snprintf(buf, sizeof(buf), "leaf.%d", l);
			name = buf;
		}
		err = add_hist(r, round, name, "seamcall", l, a->leaf[l], a->leaf_sum[l],
			       a->leaf_seen[l] ? a->leaf_min[l] : TDX_MIN_UNTRACKED,
			       a->leaf_max[l]);
		if (err)
			return err;
	}
	for (int e = 0; e < TB_EV_ROWS; e++) {
		if (!hist_any(a->ev[e]))
			continue;
		/* the event maps keep no minimum */
		err = add_hist(r, round, ev_row_names[e], "event", -1, a->ev[e], a->ev_sum[e],
			       TDX_MIN_UNTRACKED, a->ev_max[e]);
		if (err)
			return err;
	}
	return 0;
}

void tb_acc_reset(struct tb_acc *a)
{
	memset(a, 0, sizeof(*a));
}

int tb_round_from_snapshot(struct tb_result *r, size_t round,
			   const struct tdx_snapshot *snap)
{
	struct tb_acc *a = calloc(1, sizeof(*a));
	int err;

	if (!a)
		return -ENOMEM;
	/* SEAMCALLs: per leaf, summed over TDs */
	for (size_t i = 0; i < snap->n_leaf; i++) {
		__u32 l = snap->leaf[i].key.leaf;

		if (l >= TDX_LEAF_MAX)
			continue;
		for (int s = 0; s < TDX_HIST_SLOTS; s++)
			a->leaf[l][s] += snap->leaf[i].v.hist[s];
		a->leaf_sum[l] += (double)snap->leaf[i].v.sum_ns;
		/* over TDs: the lowest minimum, the highest maximum */
		if (snap->leaf[i].v.min_ns != TDX_MIN_UNTRACKED &&
		    (!a->leaf_seen[l] || snap->leaf[i].v.min_ns < a->leaf_min[l])) {
			a->leaf_min[l] = snap->leaf[i].v.min_ns;
			a->leaf_seen[l] = true;
		}
		if (snap->leaf[i].v.max_ns > a->leaf_max[l])
			a->leaf_max[l] = snap->leaf[i].v.max_ns;
	}
#define EVENT_ROW(e, arr, n, sumfield, maxfield)				\
	for (size_t i = 0; i < (n); i++) {					\
		for (int s = 0; s < TDX_HIST_SLOTS; s++)			\
			a->ev[e][s] += (arr)[i].v.hist[s];			\
		a->ev_sum[e] += (double)(arr)[i].v.sumfield;			\
		if ((arr)[i].v.maxfield > a->ev_max[e])				\
			a->ev_max[e] = (arr)[i].v.maxfield;			\
	}
	EVENT_ROW(TB_EV_VP, snap->vp, snap->n_vp, sum_ns, max_ns)
	EVENT_ROW(TB_EV_EPT, snap->ept, snap->n_ept, sum_ns, max_ns)
	EVENT_ROW(TB_EV_MAP, snap->map, snap->n_map, sum_ns, max_ns)
	EVENT_ROW(TB_EV_FROZEN, snap->frozen, snap->n_frozen, held_sum_ns, held_max_ns)
#undef EVENT_ROW
	err = tb_acc_to_round(a, r, round);
	free(a);
	return err;
}

/* ------------------------------------------------ from an event stream */

/*
 * The latencies the BPF aggregation histograms (bpf/tdx_agg.bpf.h): the
 * SEAMCALL duration per leaf (version bits stripped), time in TD per
 * VP.ENTER, EPT-violation handling time, MapGPA request round trip (at
 * kvm_tdx_map_gpa_done) and FROZEN_SPTE hold time.
 */
void tb_acc_event(struct tb_acc *a, const struct tdx_event *ev)
{
	__u64 d;
	int e;

	switch (ev->kind) {
	case TDX_EV_SEAMCALL: {
		__u32 leaf = tdx_leaf_slot(ev->args[TDX_SEAMCALL_ARG_LEAF]);

		d = ev->args[TDX_SEAMCALL_ARG_DURATION];
		a->leaf[leaf][tdx_hist_slot(d)]++;
		a->leaf_sum[leaf] += (double)d;
		if (!a->leaf_seen[leaf] || d < a->leaf_min[leaf])
			a->leaf_min[leaf] = d;
		a->leaf_seen[leaf] = true;
		if (d > a->leaf_max[leaf])
			a->leaf_max[leaf] = d;
		return;
	}
	case TDX_EV_VP_ENTER:
		e = TB_EV_VP;
		d = ev->args[TDX_VP_ENTER_ARG_DURATION];
		break;
	case TDX_EV_EPT_VIOLATION:
		e = TB_EV_EPT;
		d = ev->args[TDX_EPT_VIOLATION_ARG_DURATION];
		break;
	case TDX_EV_MAP_GPA_DONE:
		e = TB_EV_MAP;
		d = ev->args[TDX_MAP_GPA_DONE_ARG_DURATION];
		break;
	case TDX_EV_SPTE_FROZEN:
		e = TB_EV_FROZEN;
		d = ev->args[TDX_SPTE_FROZEN_ARG_HELD];
		break;
	default:
		return;
	}
	a->ev[e][tdx_hist_slot(d)]++;
	a->ev_sum[e] += (double)d;
	if (d > a->ev_max[e])
		a->ev_max[e] = d;
}

int tb_acc_sim(struct tb_acc *a, const char *spec)
{
	struct tdx_source *src;
	struct tdx_event ev;
	int err;

	err = tdx_source_open_sim(&src, spec);
	if (err)
		return err;
	while ((err = tdx_source_next(src, &ev)) == 1)
		tb_acc_event(a, &ev);
	tdx_source_close(src);
	return err;
}
