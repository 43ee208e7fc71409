// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sim_model.c - the simulator's host model (sim_int.h).
 */
#include "sim_int.h"
#include "hugepage.h"

/* ------------------------------------------------------ attribute model */

static void mixed_event(struct sim *s, __u64 ts, __u64 gfn, int level, bool mixed)
{
	__u64 a[3] = { gfn, (__u64)level, mixed };

	sim_emit_ctx(s, TDX_EV_HUGEPAGE_MIXED, ts, 3, a);
}

/*
 * Set the attribute of [gfn, gfn+n) to shared or private at time ts (one
 * KVM_SET_MEMORY_ATTRIBUTES); report the 2M/1G ranges whose mixed state
 * changed between before and after, as KVM's post-set hook does.  Returns the
 * pages that flipped.
 */
static bool is_mixed(__u64 shared, __u64 span) { return shared > 0 && shared < span; }

static __u64 set_attr(struct sim *s, struct sim_td *td, __u64 gfn, __u64 n,
		      bool to_shared, __u64 ts)
{
	__u64 flipped = 0, end = gfn + n, g1_cur = ~0ULL, old1 = 0;

	if (end > td->npages)
		end = td->npages;
	for (__u64 r = gfn / PAGES_2M; r * PAGES_2M < end; r++) {
		__u64 lo = r * PAGES_2M > gfn ? r * PAGES_2M : gfn;
		__u64 hi = (r + 1) * PAGES_2M < end ? (r + 1) * PAGES_2M : end;
		unsigned old = td->shared_2m[r];
		__u64 g1 = r * PAGES_2M / PAGES_1G;

		if (g1 != g1_cur) {
			if (g1_cur < td->n1g && is_mixed(old1, PAGES_1G) !=
						is_mixed(td->shared_1g[g1_cur], PAGES_1G))
				mixed_event(s, ts, g1_cur * PAGES_1G, TDX_PG_LEVEL_1G,
					    is_mixed(td->shared_1g[g1_cur], PAGES_1G));
			g1_cur = g1;
			old1 = g1 < td->n1g ? td->shared_1g[g1] : 0;
		}
		for (__u64 g = lo; g < hi; g++) {
			if (bit_get(td->shared, g) == to_shared)
				continue;
			if (to_shared) {
				bit_set(td->shared, g);
				td->shared_2m[r]++;
				td->nshared++;
				if (g1 < td->n1g)
					td->shared_1g[g1]++;
			} else {
				bit_clr(td->shared, g);
				td->shared_2m[r]--;
				td->nshared--;
				if (g1 < td->n1g)
					td->shared_1g[g1]--;
			}
			flipped++;
		}
		td->acc_mode[r] = 0;	/* the guest accepts it anew */
		if (is_mixed(old, PAGES_2M) != is_mixed(td->shared_2m[r], PAGES_2M))
			mixed_event(s, ts, r * PAGES_2M, TDX_PG_LEVEL_2M,
				    is_mixed(td->shared_2m[r], PAGES_2M));
	}
	if (g1_cur < td->n1g && is_mixed(old1, PAGES_1G) !=
				is_mixed(td->shared_1g[g1_cur], PAGES_1G))
		mixed_event(s, ts, g1_cur * PAGES_1G, TDX_PG_LEVEL_1G,
			    is_mixed(td->shared_1g[g1_cur], PAGES_1G));
	return flipped;
}

static void accept_push(struct sim_td *td, __u64 gfn, __u64 n)
{
	if (td->acc_tail - td->acc_head == ACCEPT_RING)
		td->acc_head++;		/* oldest is forgotten: never accepted */
	td->accept[td->acc_tail++ % ACCEPT_RING] = (struct accept_ent){ gfn, n };
}

/* Next private, unmapped page the guest touches; false if none. */
static bool accept_pop(struct sim_td *td, __u64 *gfn)
{
	while (td->acc_head != td->acc_tail) {
		struct accept_ent *e = &td->accept[td->acc_head % ACCEPT_RING];

		while (e->n) {
			__u64 g = e->gfn++;

			e->n--;
			if (g < td->npages && !bit_get(td->shared, g) && !bit_get(td->mapped, g)) {
				*gfn = g;
				return true;
			}
		}
		td->acc_head++;
	}
	while (td->cursor < td->cursor_end) {
		__u64 g = td->cursor++;

		if (!bit_get(td->shared, g) && !bit_get(td->mapped, g)) {
			*gfn = g;
			return true;
		}
	}
	return false;
}

/* ------------------------------------------------------- EPT violations */

static void frozen_event(struct sim *s, __u64 ts, __u64 gfn, int level, __u64 held, int result)
{
	__u64 a[5] = { gfn, SEXT(level), 1, held, SEXT(result) };

	sim_emit_ctx(s, TDX_EV_SPTE_FROZEN, ts, 5, a);
}

static void frozen_add(struct sim_td *td, __u64 gfn, int level, __u64 start, __u64 end,
		       __u32 vcpu, bool aug)
{
	struct frozen_win *w = &td->frozen[td->frozen_n++ % FROZEN_RING];

	*w = (struct frozen_win){ gfn, start, end, vcpu, (__u16)level, aug };
}

/*
 * A frozen window of another vCPU over gfn that has not ended at t, or NULL.
 * (Windows that start after t belong to vCPUs that won the race for the SPTE:
 * this vCPU finds it frozen when it gets there.)
 */
static struct frozen_win *frozen_find(struct sim_td *td, __u64 gfn, __u64 t, __u32 vcpu)
{
	for (unsigned k = 0; k < FROZEN_RING && k < td->frozen_n; k++) {
		struct frozen_win *w = &td->frozen[(td->frozen_n - 1 - k) % FROZEN_RING];
		__u64 span = w->level == TDX_PG_LEVEL_4K ? 1 :
			     w->level == TDX_PG_LEVEL_2M ? PAGES_2M : PAGES_1G;

		if (w->vcpu != vcpu && t < w->end &&
		    gfn >= w->gfn && gfn < w->gfn + span)
			return w;
	}
	return NULL;
}

/*
 * Install the mirror SPTE at (gfn, level) through one external SEAMCALL,
 * frozen around it.  Returns the time after unfreezing; *busy on OPERAND_BUSY.
 */
static __u64 external_op(struct sim *s, struct rng *r, __u32 leaf, __u64 t, __u64 gfn,
			 int pg_level, bool *busy)
{
	__u64 fstart = t, st, ret, unfreeze;
	int sept_level = pg_level - 1;

	ret = sim_seamcall(s, r, leaf, t + (__u64)s->cal->frozen_pre_ns, gfn << PAGE_SHIFT,
		       sept_level, &st);
	unfreeze = ret + (__u64)s->cal->frozen_post_ns;
	*busy = tdx_status_class(st) == TDX_SC_BUSY;
	frozen_add(s->ctd, gfn, pg_level, fstart, unfreeze, s->cv->id,
		   leaf == TDX_LEAF_MEM_PAGE_AUG);
	frozen_event(s, unfreeze, gfn, pg_level, unfreeze - fstart, *busy ? -EBUSY : 0);
	return unfreeze;
}

static __u64 ept_violation(struct sim *s, __u64 t0)
{
	struct sim_td *td = s->ctd;
	struct sim_vcpu *v = s->cv;
	struct rng *r = &v->rng;
	const struct tdx_sim_calib *c = s->cal;
	bool private = rng_unit(r) <= s->ept_private_p || !td->nshared;
	__u64 gfn = 0, t, args[8], retries = 0, gpa;
	int result = 1 /* RET_PF_FIXED set below */, level = TDX_PG_LEVEL_4K, accept = 0;
	double handler = rng_lognormal(r, c->ept_handler_median_ns, c->ept_handler_sigma);
	bool write = rng_unit(r) < 0.6;

	t = t0 + (__u64)(handler / 2);
	if (private) {
		bool found;

		if (s->sc == SC_CONTENTION) {
			gfn = s->hot_lo + rng_below(r, s->hot_hi - s->hot_lo);
			found = !bit_get(td->shared, gfn);
		} else {
			found = accept_pop(td, &gfn);
			for (int k = 0; !found && k < 16; k++) {
				/* nothing left to accept: a spurious fault on a mapped page */
				gfn = rng_below(r, td->npages);
				found = !bit_get(td->shared, gfn);
			}
		}
		if (!found)
			private = false;
	}
	if (private) {
		struct frozen_win *w;
		int tries = 0;

		result = 5;	/* RET_PF_FIXED */
		while ((w = frozen_find(td, gfn, t, v->id)) && tries++ < 8) {
			__u64 a[4] = { v->id, w->gfn, w->level, 1 };

			if (w->start > t)
				t = w->start;
			sim_emit_ctx(s, TDX_EV_FROZEN_RETRY, t, 4, a);
			retries++;
			t = w->end + (__u64)c->ept_retry_gap_ns;
		}
		if (bit_get(td->mapped, gfn) ||
		    (td->zapped[gfn % ZAP_CACHE].gfn == gfn && td->zapped[gfn % ZAP_CACHE].ts > t)) {
			/*
			 * RET_PF_SPURIOUS: someone mapped it, or it is still mapped
			 * at t (a conversion handled earlier zaps it only later)
			 */
			result = 6;
		} else {
			__u64 r1 = gfn / PAGES_1G, r2 = gfn / PAGES_2M;
			bool busy;

			/*
			 * An attribute change handled earlier (in time stamps, later)
			 * invalidates the fault in flight: KVM retries it after the
			 * change (mmu_invalidate_seq), so the mapping comes after it.
			 */
			if (t <= td->attr_last)
				t = td->attr_last + 1;
			for (;;) {
				busy = false;
				if (!bit_get(td->sept1g, r1)) {
					t = external_op(s, r, TDX_LEAF_MEM_SEPT_ADD, t, r1 * PAGES_1G,
							TDX_PG_LEVEL_1G, &busy);
					if (!busy)
						bit_set(td->sept1g, r1);
				}
				if (!busy && !bit_get(td->sept2m, r2)) {
					t = external_op(s, r, TDX_LEAF_MEM_SEPT_ADD, t, r2 * PAGES_2M,
							TDX_PG_LEVEL_2M, &busy);
					if (!busy)
						bit_set(td->sept2m, r2);
				}
				if (!busy) {
					t = external_op(s, r, TDX_LEAF_MEM_PAGE_AUG, t, gfn,
							TDX_PG_LEVEL_4K, &busy);
					if (!busy) {
						__u64 a[3] = { gfn, TDX_PG_LEVEL_4K, 1 };

						bit_set(td->mapped, gfn);
						sim_emit_ctx(s, TDX_EV_PRIVATE_MAP, t + 20, 3, a);
						t += 20;
						if (t > td->last_map)
							td->last_map = t;
						break;
					}
				}
				if (retries >= (__u64)c->ept_max_retries) {
					result = 1;	/* RET_PF_RETRY: back to the guest */
					break;
				}
				retries++;
				t += (__u64)c->ept_retry_gap_ns;
			}
		}
		gpa = gfn << PAGE_SHIFT;
		if (result != 6) {
			/*
			 * The level the guest accepts at (first try): 2M where the
			 * whole 2M range is private (a Linux guest accepts in 2M
			 * units), 4K otherwise; in "boot" vCPU 0 (firmware and early
			 * kernel) accepts boot_accept_4k pages at 4K where 2M would do.
			 */
			__u64 r2 = gfn / PAGES_2M;
			bool whole = !td->shared_2m[r2] && (r2 + 1) * PAGES_2M <= s->image_lo;

			/* one level per range, from its first accept (reset by a conversion) */
			if (!whole)
				accept = TDX_PG_LEVEL_4K;
			else if (td->acc_mode[r2])
				accept = td->acc_mode[r2];
			else
				accept = td->acc_mode[r2] = s->sc == SC_BOOT && v->id == 0 &&
							    td->acc4k_left ?
							    TDX_PG_LEVEL_4K : TDX_PG_LEVEL_2M;
			if (whole && accept == TDX_PG_LEVEL_4K && v->id == 0 && td->acc4k_left &&
			    !--td->acc4k_left)
				td->aps_up = true;
		}
	} else {
		/* shared: pick a shared page; KVM maps it huge when the range allows */
		__u64 lo = s->shared_lo, hi = s->shared_hi;
		int probes = 0;

		do {
			gfn = lo + rng_below(r, hi > lo ? hi - lo : 1);
		} while (!bit_get(td->shared, gfn) && ++probes < 8);
		if (!bit_get(td->shared, gfn)) {
			/* no shared page there (e.g. before swiotlb conversion at boot) */
			for (__u64 g = 0; g < td->npages; g += PAGES_2M)
				if (td->shared_2m[g / PAGES_2M]) {
					gfn = g;
					while (!bit_get(td->shared, gfn))
						gfn++;
					break;
				}
		}
		result = 5;
		if (td->shared_2m[gfn / PAGES_2M] == PAGES_2M)
			level = TDX_PG_LEVEL_2M;
		gpa = (gfn << PAGE_SHIFT) | TDX_SIM_SHARED_BIT;
	}
	t += (__u64)(handler / 2);
	args[TDX_EPT_VIOLATION_ARG_VCPU] = v->id;
	args[TDX_EPT_VIOLATION_ARG_GPA] = gpa;
	args[TDX_EPT_VIOLATION_ARG_EXIT_QUAL] = (write ? 0x2ULL : 0x1ULL) | 0x180ULL |
				      (private ? 0 : 0x8ULL) |
				      ((__u64)accept << TDX_HP_ACCEPT_SHIFT);
	args[TDX_EPT_VIOLATION_ARG_PRIVATE] = private;
	args[TDX_EPT_VIOLATION_ARG_LEVEL] = SEXT(level);
	args[TDX_EPT_VIOLATION_ARG_RETRIES] = retries;
	args[TDX_EPT_VIOLATION_ARG_RESULT] = SEXT(result);
	args[TDX_EPT_VIOLATION_ARG_DURATION] = t - t0;
	sim_emit_ctx(s, TDX_EV_EPT_VIOLATION, t, 8, args);
	return t;
}

/* ------------------------------------------------------------- MapGPA */

/* Zap the private mappings of [gfn, gfn+n): BLOCK, TRACK, REMOVE, WBINVD. */
static __u64 zap_private(struct sim *s, struct rng *r, __u64 t, __u64 gfn, __u64 n)
{
	struct sim_td *td = s->ctd;

	for (__u64 g = gfn; g < gfn + n && g < td->npages; g++) {
		__u64 a[3] = { g, TDX_PG_LEVEL_4K, 0 };

		if (!bit_get(td->mapped, g))
			continue;
		/*
		 * A vCPU activity that started earlier may have mapped it at a
		 * later time stamp: the zap (under the same mmu_lock) comes after.
		 */
		if (t <= td->last_map)
			t = td->last_map + 1;
		t = sim_zap_page(s, r, t, g);	/* BLOCK, TRACK, REMOVE, WBINVD */
		bit_clr(td->mapped, g);
		t += 20;
		sim_emit_ctx(s, TDX_EV_PRIVATE_MAP, t, 3, a);
		td->zapped[g % ZAP_CACHE].gfn = g;
		td->zapped[g % ZAP_CACHE].ts = t;
	}
	return t;
}

static __u64 map_gpa(struct sim *s, __u64 t0, __u64 gfn, __u64 pages, bool to_shared)
{
	struct sim_td *td = s->ctd;
	struct sim_vcpu *v = s->cv;
	struct rng *r = &v->rng;
	const struct tdx_sim_calib *c = s->cal;
	__u64 chunk = (__u64)c->mapgpa_chunk_kib / 4, t = t0, done = 0, nchunks = 0;
	__u64 status = TDVMCALL_STATUS_SUCCESS;
	__u64 a[7];

	if (gfn + pages > td->npages)
		pages = td->npages - gfn;
	sim_tdvmcall(s, t, 0x10001, 0, true);	/* MapGPA goes to the VMM */
	a[0] = v->id; a[1] = gfn << PAGE_SHIFT; a[2] = pages << PAGE_SHIFT; a[3] = to_shared;
	sim_emit_ctx(s, TDX_EV_MAP_GPA, t, 4, a);
	while (done < pages) {
		__u64 n = pages - done < chunk ? pages - done : chunk;
		__u64 g = gfn + done;
		double rt = rng_lognormal(r, c->mapgpa_vmm_median_ns, c->mapgpa_vmm_sigma);
		bool retry;

		/*
		 * Exit to the VMM; it sets the attributes and KVM zaps the old
		 * side.  Attribute changes of one VM are serialised (slots_lock),
		 * so one waits for the previous one to finish.
		 */
		t += (__u64)(rt / 2);
		if (t <= td->attr_last)
			t = td->attr_last + 1;
		{
			__u64 zt = t;

			if (to_shared)
				t = zap_private(s, r, t, g, n);
			t += 50;
			sim_attr_zap(s, zt, t, g, n, to_shared, t > zt + 50);
		}
		set_attr(s, td, g, n, to_shared, t);
		td->attr_last = t;
		if (!to_shared)
			accept_push(td, g, n);
		t += (__u64)(rt / 2);
		done += n;
		nchunks++;
		retry = done < pages && rng_unit(r) <= c->mapgpa_retry_p;
		{
			__u64 ca[6] = { v->id, g << PAGE_SHIFT, n << PAGE_SHIFT, to_shared, 0, retry };

			sim_emit_ctx(s, TDX_EV_MAP_GPA_CHUNK, t, 6, ca);
		}
		if (retry) {
			status = TDVMCALL_STATUS_RETRY;
			break;
		}
	}
	t += 100;
	a[0] = v->id; a[1] = gfn << PAGE_SHIFT; a[2] = done << PAGE_SHIFT; a[3] = to_shared;
	a[4] = status; a[5] = nchunks; a[6] = t - t0;
	sim_emit_ctx(s, TDX_EV_MAP_GPA_DONE, t, 7, a);
	return t;
}

/* Pick and run a MapGPA request as the scenario shapes them. */
static __u64 tdcall_map_gpa(struct sim *s, __u64 t)
{
	struct sim_td *td = s->ctd;
	struct rng *r = &s->cv->rng;
	const struct tdx_sim_calib *c = s->cal;
	bool to_shared = rng_unit(r) <= c->mapgpa_to_shared_p;
	__u64 pages, gfn, small_max = (__u64)c->mapgpa_small_max_kib / 4;
	__u64 max = (__u64)c->mapgpa_max_kib / 4;

	if (small_max < 1)
		small_max = 1;
	if (max < small_max)
		max = small_max;
	if (rng_unit(r) <= c->mapgpa_small_p)
		pages = 1 + rng_below(r, small_max);
	else
		pages = small_max + 1 + rng_below(r, max - small_max + 1);
	switch (s->sc) {
	case SC_BOOT:
		if (!td->swiotlb_done && s->cv->id == 0 &&
		    t >= s->start_ns + (s->end_ns - s->start_ns) * 3 / 10) {
			td->swiotlb_done = true;
			td->aps_up = true;	/* the kernel runs by now */
			return map_gpa(s, t, s->shared_lo, s->shared_hi - s->shared_lo, true);
		}
		if (td->bounce_done < (__u64)c->boot_bounce_flips && rng_unit(r) <= s->bounce_p) {
			/* one bounce range flipped back and forth (published boot) */
			td->bounce_done++;
			td->bounce_shared = !td->bounce_shared;
			return map_gpa(s, t, s->bounce_lo, s->bounce_n, td->bounce_shared);
		}
		/* firmware/early-boot conversions in low memory */
		gfn = rng_below(r, 4096);
		break;
	case SC_CONTENTION:
		to_shared = !td->hot_dir;
		td->hot_dir = to_shared;
		gfn = s->hot_lo;
		pages = s->hot_hi - s->hot_lo;
		break;
	case SC_MIXING:
		/* single pages scattered over memory go shared, and come back */
		gfn = rng_below(r, td->npages - pages);
		if (rng_unit(r) <= c->mixing_scatter_p) {
			pages = 1;
			gfn = rng_below(r, td->npages - 1);
			if (to_shared && td->scatter_n < 256)
				td->scatter[td->scatter_n++] = gfn;
			else if (!to_shared && td->scatter_n)
				gfn = td->scatter[--td->scatter_n];
		}
		break;
	default:
		gfn = s->pool_lo + rng_below(r, s->pool_hi - s->pool_lo - pages);
		break;
	}
	return map_gpa(s, t, gfn, pages, to_shared);
}

/* Background calls (VP.RD/WR, MNG.RD, everything with all_leaves=1). */
__u64 sim_background(struct sim *s, __u64 t, double per_exit)
{
	struct rng *r = &s->cv->rng;
	double u = rng_unit(r), p = exp(-per_exit), cum = p;
	int k = 0;

	while (u > cum && k < 32) {	/* Poisson(per_exit) calls */
		k++;
		p *= per_exit / k;
		cum += p;
	}
	for (int i = 0; i < k; i++) {
		double x = rng_unit(r) * s->bg_rate;
		int j = 0;
		__u32 leaf;
		struct sim_td *save = s->ctd;

		while (j < s->n_bg - 1 && x > s->bg_cum[j])
			j++;
		leaf = s->bg_leaf[j];
		if (tdx_leaf_name(leaf) && !strncmp(tdx_leaf_name(leaf), "TDH.SYS.", 8))
			s->ctd = NULL;		/* module-global: no TD */
		t = sim_seamcall(s, r, leaf, t + 100, 0, -1, NULL);
		s->ctd = save;
	}
	return t;
}

/* ------------------------------------------------------------ vCPU cycle */

void sim_vcpu_cycle(struct sim *s, struct sim_vcpu *v)
{
	const struct tdx_sim_calib *c = s->cal;
	struct rng *r = &v->rng;
	__u64 t = v->next, exit_t, end, a[4];
	double in_td = rng_exp(r, 1e9 / s->rate);
	double trans = rng_lognormal(r, c->vp_transition_median_ns, c->vp_transition_sigma);
	double u = rng_unit(r), gap = rng_lognormal(r, c->host_gap_median_ns, c->host_gap_sigma);
	int reason;

	if (s->sc == SC_BOOT && v->id && !s->tds[v->td].aps_up) {
		/* boot: firmware and the early kernel run on vCPU 0 only */
		v->next = t + 1000000;
		return;
	}
	s->ctd = &s->tds[v->td];
	s->cv = v;
	if (u < s->w_exit[0])
		reason = EXIT_EPT;
	else if (u < s->w_exit[0] + s->w_exit[1])
		reason = EXIT_TDCALL;
	else if (u < s->w_exit[0] + s->w_exit[1] + s->w_exit[2])
		reason = EXIT_EXTINT;
	else
		reason = EXIT_PREEMPT;
	exit_t = t + (__u64)(in_td + trans);
	a[TDX_VP_ENTER_ARG_VCPU] = v->id;
	a[TDX_VP_ENTER_ARG_STATUS] = 0;
	a[TDX_VP_ENTER_ARG_EXIT_REASON] = (__u64)reason;
	a[TDX_VP_ENTER_ARG_DURATION] = exit_t - t;
	sim_emit_ctx(s, TDX_EV_VP_ENTER, exit_t, 4, a);
	end = exit_t + 200;
	if (reason == EXIT_EPT) {
		end = ept_violation(s, end);
	} else if (reason == EXIT_TDCALL) {
		double p = s->mapgpa_p, u2 = rng_unit(r);
		int k = (int)p + (u2 <= p - (int)p);	/* p may exceed 1 */

		if (s->sc == SC_BOOT && v->id != 0)
			k = 0;		/* firmware conversions run on the BSP */
		while (k-- > 0)
			end = tdcall_map_gpa(s, end + 100);
	}
	if ((reason == EXIT_TDCALL || reason == EXIT_PREEMPT) && s->bg_rate > 0)
		end = sim_background(s, end, s->bg_rate /
				 ((double)s->nvcpu_per_td * s->rate * (s->w_exit[1] + s->w_exit[3])));
	v->next = end + (__u64)gap;
	s->ctd = NULL;
	s->cv = NULL;
}

/* ------------------------------------------------------------ TD build */

/* The VMM builds a TD (boot): returns when its vCPUs may start. */
__u64 sim_build_td(struct sim *s, struct sim_td *td, __u64 t)
{
	struct rng *r = &td->rng;

	__u64 t0;

	s->ctd = td;
	s->cv = NULL;
	t0 = t;
	t = sim_seamcall(s, r, TDX_LEAF_MNG_CREATE, t, 0, -1, NULL) + 500;
	for (int pkg = 0; pkg < 2; pkg++)
		t = sim_seamcall(s, r, TDX_LEAF_MNG_KEY_CONFIG, t, 0, -1, NULL) + 200;
	for (int i = 0; i < 4; i++)
		t = sim_seamcall(s, r, TDX_LEAF_MNG_ADDCX, t, 0, -1, NULL) + 100;
	t = sim_seamcall(s, r, TDX_LEAF_MNG_INIT, t, 0, -1, NULL) + 1000;
	sim_td_build(s, t0, t, -1, TDX_BUILD_INIT_VM, 0, 0, false);
	for (__u32 v = 0; v < s->nvcpu_per_td; v++) {
		t0 = t;
		t = sim_seamcall(s, r, TDX_LEAF_VP_CREATE, t, 0, -1, NULL) + 100;
		for (int i = 0; i < 4; i++)
			t = sim_seamcall(s, r, TDX_LEAF_VP_ADDCX, t, 0, -1, NULL) + 100;
		t = sim_seamcall(s, r, TDX_LEAF_VP_INIT, t, 0, -1, NULL) + 200;
		sim_td_build(s, t0, t, (int)v, TDX_BUILD_INIT_VCPU, 0, 0, false);
	}
	t0 = t;
	/* initial image: PAGE.ADD + 16 MR.EXTEND per page, SEPT tables first */
	for (__u64 g = s->image_lo; g < s->image_lo + IMAGE_PAGES; g++) {
		__u64 a[3] = { g, TDX_PG_LEVEL_4K, 1 };

		if (!bit_get(td->sept1g, g / PAGES_1G)) {
			t = sim_seamcall(s, r, TDX_LEAF_MEM_SEPT_ADD, t + 100,
				     (g / PAGES_1G) * PAGES_1G << PAGE_SHIFT, 2, NULL);
			bit_set(td->sept1g, g / PAGES_1G);
		}
		if (!bit_get(td->sept2m, g / PAGES_2M)) {
			t = sim_seamcall(s, r, TDX_LEAF_MEM_SEPT_ADD, t + 100,
				     (g / PAGES_2M) * PAGES_2M << PAGE_SHIFT, 1, NULL);
			bit_set(td->sept2m, g / PAGES_2M);
		}
		t = sim_seamcall(s, r, TDX_LEAF_MEM_PAGE_ADD, t + 100, g << PAGE_SHIFT, 0, NULL);
		bit_set(td->mapped, g);
		t += 50;
		sim_emit_ctx(s, TDX_EV_PRIVATE_MAP, t, 3, a);
		for (int i = 0; i < 16; i++)
			t = sim_seamcall(s, r, TDX_LEAF_MR_EXTEND, t + 30,
				     (g << PAGE_SHIFT) + (__u64)i * 256, -1, NULL);
	}
	sim_td_build(s, t0, t, 0, TDX_BUILD_INIT_MEM_REGION, s->image_lo << PAGE_SHIFT,
		     IMAGE_PAGES, true);
	t0 = t;
	t = sim_seamcall(s, r, TDX_LEAF_MR_FINALIZE, t + 1000, 0, -1, NULL);
	sim_td_build(s, t0, t, -1, TDX_BUILD_FINALIZE_VM, 0, 0, false);
	s->ctd = NULL;
	return t + 10000;
}
