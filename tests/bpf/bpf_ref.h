/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * bpf_ref.h - a reference model of the BPF aggregation, written from the
 * documented semantics (include/tdxtrace/maps.h, docs/bpf.md) without
 * sharing code with bpf/: plain arrays, linear search, its own histogram
 * slot and status class functions.  Tests feed the same events to the BPF
 * programs and to this model and compare every field.
 */
#ifndef TDX_BPF_REF_H
#define TDX_BPF_REF_H

#include <stdint.h>
#include <string.h>

#include "tdxtrace.h"

#define REF_MAX 4096

struct ref_filter {
	uint32_t pids[TDX_FILTER_MAX_PIDS];
	int npids;
	uint64_t leaf_mask[2];
	uint64_t min_lat;
	uint64_t gfn_min;
};

struct ref {
	struct ref_filter f;
	uint32_t max_tds;		/* capacity of the per-TD maps */
	struct tdx_counters c;
	size_t n_leaf, n_vp, n_ept, n_gfn, n_map, n_frozen, n_mix, n_range;
	size_t n_flow, n_kick, n_bounce, n_life, n_tdvmcall;
	struct tdx_snap_leaf leaf[REF_MAX];
	struct tdx_snap_vp vp[REF_MAX];
	struct tdx_snap_ept ept[REF_MAX];
	struct tdx_snap_gfn gfn[REF_MAX];
	struct tdx_snap_map map[REF_MAX];
	struct tdx_snap_frozen frozen[REF_MAX];
	struct tdx_snap_mix mix[REF_MAX];
	struct { struct tdx_range_key k; uint32_t mixed, mapped_4k; } range[REF_MAX];
	struct tdx_snap_flow flow[REF_MAX];
	struct tdx_snap_kick kick[REF_MAX];
	struct tdx_snap_bounce bounce[REF_MAX];
	struct tdx_snap_life life[REF_MAX];
	struct tdx_snap_tdvmcall tdvmcall[REF_MAX];
};

static inline void ref_max(__u64 *p, __u64 v)
{
	if (v > *p)
		*p = v;
}

/* Slot by the documented definition, with a loop instead of bit tricks. */
static inline unsigned ref_slot(uint64_t v)
{
	int m = 63;

	if (v < 8)
		return (unsigned)v;
	while (!(v >> m))
		m--;
	if (m > 39)
		return TDX_HIST_SLOTS - 1;
	return (unsigned)((m - 2) * 8 + ((v >> (m - 3)) & 7));
}

/* Status class from the TDX encoding (high 32 bits = class). */
static inline unsigned ref_class(uint64_t st)
{
	uint32_t hi = (uint32_t)(st >> 32);

	if (!hi)
		return TDX_SC_SUCCESS;		/* low half: detail (exit reason) */
	if (!(hi & 0xc0000000u))
		return TDX_SC_WARNING;		/* neither error nor non-recoverable */
	if ((hi & 0x8000ff00u) == 0x8000ff00u)
		return TDX_SC_SW_ERROR;
	switch (hi) {
	case 0x80000200u: case 0x80000201u: case 0x80000202u: case 0x80000204u:
	case 0x90000205u:		/* HOST_PRIORITY_BUSY_TIMEOUT (spec 1.5) */
		return TDX_SC_BUSY;
	case 0x80000203u:
		return TDX_SC_NO_ENTROPY;
	case 0x80000003u: case 0x80000004u:	/* RESUMABLE, RESTARTABLE */
		return TDX_SC_INTERRUPTED;
	default:
		return TDX_SC_ERROR;
	}
}

/*
 * Find or add an entry keyed by the first ksz bytes; NULL (and dropped[id]++)
 * when cap entries exist already.
 */
static inline void *ref_get(void *arr, size_t *n, size_t esz, const void *key,
			    size_t ksz, size_t cap, struct ref *r, int id)
{
	char *a = arr;

	for (size_t i = 0; i < *n; i++)
		if (!memcmp(a + i * esz, key, ksz))
			return a + i * esz;
	if (*n >= cap || *n >= REF_MAX) {
		r->c.dropped[id]++;
		return NULL;
	}
	memset(a + *n * esz, 0, esz);
	memcpy(a + *n * esz, key, ksz);
	return a + (*n)++ * esz;
}

#define REF_GET(r, arr, n, keyp, ksz, cap, id) \
	ref_get((r)->arr, &(r)->n, sizeof((r)->arr[0]), keyp, ksz, cap, r, id)

static inline uint32_t *ref_range(struct ref *r, uint32_t pid, uint32_t level,
				  uint64_t gfn)
{
	struct tdx_range_key k;
	uint32_t cap = tdx_map_desc(TDX_MAP_RANGE)->per_td * r->max_tds;

	memset(&k, 0, sizeof(k));
	k.pid = pid;
	k.level = level;
	k.gfn = gfn;
	for (size_t i = 0; i < r->n_range; i++)
		if (!memcmp(&r->range[i].k, &k, sizeof(k)))
			return &r->range[i].mixed;
	if (r->n_range >= cap || r->n_range >= REF_MAX) {
		r->c.dropped[TDX_MAP_RANGE]++;
		return NULL;
	}
	r->range[r->n_range].k = k;
	r->range[r->n_range].mixed = 0;
	r->range[r->n_range].mapped_4k = 0;
	return &r->range[r->n_range++].mixed;
}

static inline void ref_init(struct ref *r, const struct ref_filter *f,
			    uint32_t max_tds)
{
	memset(r, 0, sizeof(*r));
	if (f)
		r->f = *f;
	r->max_tds = max_tds ? max_tds : TDX_MAX_TDS;
}

static inline void ref_apply(struct ref *r, const struct tdx_event *e)
{
	const __u64 *a = e->args;
	uint32_t pid = e->pid, tds = r->max_tds;
	int ok = !r->f.npids;

	for (int i = 0; i < r->f.npids; i++)
		ok |= r->f.pids[i] == pid;
	if (!ok) {
		r->c.filtered++;
		return;
	}
	switch (e->kind) {
	case TDX_EV_SEAMCALL: {
		/* slot: leaf number < 112; P-SEAMLDR (bit 63) 112 + n, n < 15; else 127 */
		uint32_t nr = (uint32_t)(a[0] & 0xffff);
		struct tdx_leaf_key k = { pid, a[0] >> 63 ? (nr < 15 ? 112 + nr : 127) :
						       (nr < 112 ? nr : 127) };
		struct tdx_snap_leaf *l;
		uint64_t d = a[6];

		if ((r->f.leaf_mask[0] || r->f.leaf_mask[1]) &&
		    (k.leaf >= 128 || !(r->f.leaf_mask[k.leaf / 64] >> (k.leaf % 64) & 1))) {
			r->c.filtered++;
			return;
		}
		if (r->f.min_lat && d < r->f.min_lat) {
			r->c.filtered++;
			return;
		}
		l = REF_GET(r, leaf, n_leaf, &k, sizeof(k), tds * 24, TDX_MAP_LEAF);
		if (l) {
			if (!l->v.count || d < l->v.min_ns)
				l->v.min_ns = d;
			if (d > l->v.max_ns)
				l->v.max_ns = d;
			l->v.count++;
			l->v.sum_ns += d;
			l->v.retries += (uint32_t)a[5];
			l->v.status[ref_class(a[1])]++;
			if (((a[0] >> 16) & 0xff) > l->v.last_version)
				l->v.last_version = (a[0] >> 16) & 0xff;
			l->v.hist[ref_slot(d)]++;
		}
		break;
	}
	case TDX_EV_VP_ENTER: {
		struct tdx_snap_vp *v = REF_GET(r, vp, n_vp, &pid, 4, tds, TDX_MAP_VP);
		uint32_t reason = (uint32_t)a[2] & 0xffff;

		/* 0..77 as is, 0xdead (7.3 EXIT_REASON_UNDEFINED) 78, others 79 */
		reason = reason < 78 ? reason : reason == 0xdead ? 78 : 79;

		if (v) {
			v->v.count++;
			v->v.sum_ns += a[3];
			if (a[3] > v->v.max_ns)
				v->v.max_ns = a[3];
			v->v.status[ref_class(a[1])]++;
			v->v.exit_reason[reason]++;
			v->v.hist[ref_slot(a[3])]++;
		}
		break;
	}
	case TDX_EV_EPT_VIOLATION: {
		struct tdx_snap_ept *v;
		struct tdx_snap_gfn *g;
		struct tdx_ept_gfn_key gk;
		uint64_t d = a[7], retries = (uint32_t)a[5];
		int64_t res = (int64_t)a[6];
		uint32_t priv = a[3] != 0;

		if (r->f.min_lat && d < r->f.min_lat) {
			r->c.filtered++;
			return;
		}
		v = REF_GET(r, ept, n_ept, &pid, 4, tds, TDX_MAP_EPT);
		if (v) {
			v->v.count[priv]++;
			v->v.sum_ns += d;
			if (d > v->v.max_ns)
				v->v.max_ns = d;
			v->v.retries += retries;
			v->v.retry_hist[retries > 16 ? 16 : retries]++;
			v->v.result[res >= 0 && res <= 6 ? res : 7]++;
			v->v.level[a[4] <= 3 ? a[4] : 0]++;
			v->v.hist[ref_slot(d)]++;
		}
		if (r->f.gfn_min && d < r->f.gfn_min)
			break;
		memset(&gk, 0, sizeof(gk));
		gk.pid = pid;
		gk.private = priv;
		gk.gfn = a[1] / 4096;
		g = REF_GET(r, gfn, n_gfn, &gk, sizeof(gk),
			    tdx_map_desc(TDX_MAP_EPT_GFN)->per_td * tds,
			    TDX_MAP_EPT_GFN);
		if (g) {
			g->v.count++;
			g->v.sum_ns += d;
			if (d > g->v.max_ns)
				g->v.max_ns = d;
			g->v.retries += retries;
		}
		break;
	}
	case TDX_EV_MAP_GPA:
	case TDX_EV_MAP_GPA_CHUNK:
	case TDX_EV_MAP_GPA_DONE: {
		struct tdx_snap_map *m;
		uint32_t dir;

		if (e->kind == TDX_EV_MAP_GPA_DONE && r->f.min_lat && a[6] < r->f.min_lat) {
			r->c.filtered++;
			return;
		}
		m = REF_GET(r, map, n_map, &pid, 4, tds, TDX_MAP_MAPGPA);
		if (!m)
			break;
		dir = a[3] != 0;
		if (e->kind == TDX_EV_MAP_GPA) {
			m->v.requests[dir]++;
			m->v.req_bytes[dir] += a[2];
		} else if (e->kind == TDX_EV_MAP_GPA_CHUNK) {
			m->v.chunks++;
			m->v.chunk_bytes += a[2];
			if (a[5])
				m->v.chunk_retries++;
			else if (a[4])
				m->v.chunk_errors++;
		} else {
			m->v.done[dir]++;
			m->v.done_bytes[dir] += a[2];
			m->v.done_status[a[4] == 0 ? 0 : a[4] == 1 ? 1 :
					 a[4] == 0x8000000000000000ULL ? 2 : 3]++;
			m->v.sum_ns += a[6];
			if (a[6] > m->v.max_ns)
				m->v.max_ns = a[6];
			m->v.hist[ref_slot(a[6])]++;
		}
		break;
	}
	case TDX_EV_FROZEN_RETRY:
	case TDX_EV_SPTE_FROZEN: {
		struct tdx_frozen_key k;
		struct tdx_snap_frozen *f;
		int retry = e->kind == TDX_EV_FROZEN_RETRY;

		memset(&k, 0, sizeof(k));
		k.pid = pid;
		k.level = (uint16_t)(retry ? a[2] : a[1]);
		k.mirror = (retry ? a[3] : a[2]) != 0;
		f = REF_GET(r, frozen, n_frozen, &k, sizeof(k), tds * 8, TDX_MAP_FROZEN);
		if (!f)
			break;
		if (retry) {
			f->v.retries++;
		} else {
			f->v.frozen++;
			f->v.errors += (uint32_t)a[4] != 0;
			f->v.held_sum_ns += a[3];
			if (a[3] > f->v.held_max_ns)
				f->v.held_max_ns = a[3];
			f->v.hist[ref_slot(a[3])]++;
		}
		break;
	}
	case TDX_EV_HUGEPAGE_MIXED: {
		uint32_t *st, lv = (uint32_t)a[1], mixed = a[2] != 0;
		struct tdx_snap_mix *m;

		if (a[1] != 2 && a[1] != 3) {
			r->c.bad_input++;
			return;
		}
		st = ref_range(r, pid, lv, a[0]);
		m = REF_GET(r, mix, n_mix, &pid, 4, tds, TDX_MAP_MIX);
		if (st && m) {
			if (st[0] == mixed) {
				m->v.redundant++;
			} else if (mixed) {
				m->v.to_mixed[lv]++;
				m->v.mixed_live[lv]++;
				if (lv == 2)
					m->v.private_4k_in_mixed += st[1];
			} else {
				m->v.to_unmixed[lv]++;
				m->v.mixed_live[lv]--;
				if (lv == 2)
					m->v.private_4k_in_mixed -= st[1];
			}
		}
		if (st)
			st[0] = mixed;
		break;
	}
	case TDX_EV_PRIVATE_MAP: {
		struct tdx_snap_mix *m = REF_GET(r, mix, n_mix, &pid, 4, tds, TDX_MAP_MIX);
		uint32_t lv = a[1] <= 3 ? (uint32_t)a[1] : 0, mapped = a[2] != 0, *st;

		/* gauges count mappings made while tracing, never below 0 */
		if (m)
			mapped ? m->v.maps++ : m->v.unmaps++;
		st = a[1] == 1 ? ref_range(r, pid, 2, a[0] & ~511ULL) : NULL;
		if (!st) {
			if (m && mapped)
				m->v.private_live[lv]++;
			else if (m && m->v.private_live[lv] > 0)
				m->v.private_live[lv]--;
			break;
		}
		if (!mapped && st[1] == 0)
			break;		/* mapped before tracing */
		st[1] += mapped ? 1 : (uint32_t)-1;
		if (m)
			m->v.private_live[lv] += mapped ? 1 : -1;
		if (m && st[0])
			m->v.private_4k_in_mixed += mapped ? 1 : -1;
		break;
	}
	/* kernel series v2: the TD is e->pid (the tracepoint's pid argument) */
	case TDX_EV_SEPT_ZAP: {
		struct tdx_snap_flow *f = REF_GET(r, flow, n_flow, &pid, 4, tds, TDX_MAP_FLOW);
		/* gfn, level, failed_leaf, status, kicks, duration */
		uint64_t failed = a[2] & 0xffff;

		if (!f)
			break;
		f->v.zaps++;
		f->v.zap_sum_ns += a[5];
		ref_max(&f->v.zap_max_ns, a[5]);
		f->v.zap_level[a[1] <= 3 ? a[1] : 0]++;
		if (failed)
			f->v.zap_failed[failed == 7 ? 0 : failed == 29 ? 1 : failed == 41 ? 2 : 3]++;
		if ((uint32_t)a[4]) {
			f->v.zap_kicks += (uint32_t)a[4];
			f->v.zaps_kicked++;
		}
		f->v.zap_hist[ref_slot(a[5])]++;
		break;
	}
	case TDX_EV_BUSY_KICK: {
		/* leaf, status, retry_status, kick_ns */
		struct tdx_kick_key k = { pid, (uint32_t)(a[0] & 0xffff), (uint32_t)a[1] };
		struct tdx_snap_kick *v = REF_GET(r, kick, n_kick, &k, sizeof(k),
						  8 * tds, TDX_MAP_KICK);
		unsigned cls = ref_class(a[2]);

		if (!v)
			break;
		v->v.kicks++;
		if (cls == TDX_SC_BUSY)
			v->v.still_busy++;
		else if (cls != TDX_SC_SUCCESS)
			v->v.retry_failed++;
		v->v.sum_ns += a[3];
		ref_max(&v->v.max_ns, a[3]);
		v->v.hist[ref_slot(a[3])]++;
		break;
	}
	case TDX_EV_TRACK: {
		struct tdx_snap_flow *f = REF_GET(r, flow, n_flow, &pid, 4, tds, TDX_MAP_FLOW);

		if (!f)
			break;
		f->v.tracks++;	/* status, track_ns, ipi_ns */
		f->v.track_errors += ref_class(a[0]) != TDX_SC_SUCCESS;
		f->v.track_sum_ns += a[1];
		ref_max(&f->v.track_max_ns, a[1]);
		f->v.ipi_sum_ns += a[2];
		ref_max(&f->v.ipi_max_ns, a[2]);
		f->v.track_hist[ref_slot(a[1] + a[2])]++;
		break;
	}
	case TDX_EV_VCPU_BOUNCE: {
		struct tdx_snap_flow *f = REF_GET(r, flow, n_flow, &pid, 4, tds, TDX_MAP_FLOW);
		struct tdx_bounce_key k = { pid, (uint32_t)a[0] };
		struct tdx_snap_bounce *b = REF_GET(r, bounce, n_bounce, &k, sizeof(k),
						    64 * tds, TDX_MAP_BOUNCE);

		if (f)
			f->v.bounces++;
		if (b)
			b->v.bounces++;
		break;
	}
	case TDX_EV_ATTR_ZAP: {
		struct tdx_snap_flow *f = REF_GET(r, flow, n_flow, &pid, 4, tds, TDX_MAP_FLOW);

		if (!f)
			break;
		f->v.attr_zaps++;	/* start, end, to_private, flush, duration */
		if (a[1] > a[0])
			f->v.attr_zap_gfns[a[2] ? 1 : 0] += a[1] - a[0];
		f->v.attr_zap_flushes += a[3] != 0;
		f->v.attr_zap_sum_ns += a[4];
		ref_max(&f->v.attr_zap_max_ns, a[4]);
		f->v.attr_zap_hist[ref_slot(a[4])]++;
		break;
	}
	case TDX_EV_TD_BUILD: {
		struct tdx_snap_life *l = REF_GET(r, life, n_life, &pid, 4, tds, TDX_MAP_LIFE);
		/* vcpu_id, cmd, gpa, nr_pages, measured, ret, hw_error, duration */
		uint32_t cmd = (uint32_t)a[1];
		unsigned c = cmd >= 1 && cmd <= 4 ? cmd : 0;

		if (!l)
			break;
		l->v.build[c]++;
		l->v.build_errors[c] += (uint32_t)a[5] != 0;
		l->v.build_sum_ns[c] += a[7];
		ref_max(&l->v.build_max_ns[c], a[7]);
		if (c == 3) {
			l->v.build_pages += a[3];
			if (a[4])
				l->v.build_measured_pages += a[3];
		}
		ref_max(&l->v.last_hw_error, a[6]);
		break;
	}
	case TDX_EV_CACHE_WB: {
		struct tdx_snap_life *l = REF_GET(r, life, n_life, &pid, 4, tds, TDX_MAP_LIFE);

		if (!l)
			break;
		l->v.cache_wbs++;	/* hkid, resumes, status */
		l->v.cache_wb_resumes += (uint32_t)a[1];
		l->v.cache_wb_errors += a[2] != 0;
		break;
	}
	case TDX_EV_HKID_RELEASE: {
		struct tdx_snap_life *l = REF_GET(r, life, n_life, &pid, 4, tds, TDX_MAP_LIFE);

		if (!l)
			break;
		l->v.releases++;	/* hkid, nr_vcpus, status, released, duration */
		l->v.released += a[3] != 0;
		l->v.release_sum_ns += a[4];
		ref_max(&l->v.release_max_ns, a[4]);
		l->v.release_vcpus += (uint32_t)a[1];
		break;
	}
	case TDX_EV_HKID_LEAK: {
		struct tdx_snap_life *l = REF_GET(r, life, n_life, &pid, 4, tds, TDX_MAP_LIFE);

		if (!l)
			break;
		l->v.hkid_leaks++;	/* hkid, leaf, status */
		ref_max(&l->v.leak_last_status, a[2]);
		break;
	}
	case TDX_EV_TDVMCALL: {
		struct tdx_snap_tdvmcall *t = REF_GET(r, tdvmcall, n_tdvmcall, &pid, 4, tds,
						      TDX_MAP_TDVMCALL);
		/* vcpu_id, leaf, status, user_exit; named sub-functions 0x10000..4 */
		unsigned slot = a[1] >= 0x10000 && a[1] <= 0x10004 ? (unsigned)(a[1] - 0x10000) + 1 : 0;

		if (!t)
			break;
		t->v.calls[slot]++;
		if (a[3])
			t->v.user_exits[slot]++;
		else if (a[2])
			t->v.errors[slot]++;
		if (!slot)
			ref_max(&t->v.other_last_leaf, a[1]);
		break;
	}
	default:
		r->c.bad_input++;
		return;
	}
	r->c.events[e->kind]++;
}

#endif /* TDX_BPF_REF_H */
