// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sim.c - tdxsim: a deterministic, seeded model of a TDX host that produces
 * struct tdx_event streams exactly as the kernel series' tracepoints would.
 *
 * Model (docs/sources.md has the long form):
 *  - TDs with vCPUs; each vCPU runs enter/exit cycles: time in the TD, an exit
 *    with a reason, the host's handling of it, a host gap, the next entry.
 *  - Handling an EPT violation on a private GPA maps the page: SEPT.ADD for
 *    missing Secure-EPT tables, then PAGE.AUG, each inside a FROZEN_SPTE
 *    window of the mirror SPTE; OPERAND_BUSY (likely while another vCPU of the
 *    TD holds the SEPT lock under zero-step mitigation) makes the handler retry
 *    locally.  Other vCPUs that fault the same SPTE while it is frozen record a
 *    frozen_retry and wait.
 *  - A MapGPA request (TDCALL exit) is processed in chunks of at most
 *    mapgpa_chunk_kib; converting to shared zaps private mappings (RANGE.BLOCK,
 *    TRACK, PAGE.REMOVE, PHYMEM.PAGE.WBINVD, private_map mapped=0); every page
 *    attribute flip updates a per-TD attribute model, and 2M/1G ranges report
 *    kvm_mmu_hugepage_mixed only when their mixed state really changes.
 *  - Every latency comes from data/calibration.conf.
 *
 * Determinism: every vCPU and every TD draws from its own xoshiro256** stream
 * seeded from (seed, id), and events leave through a heap ordered by
 * (timestamp, sequence number), so a seed always gives the same bytes.  Events
 * of one activity all carry timestamps >= its start and activities run in
 * start order, so an event is released once no pending activity can start
 * before it.
 */
#include "sim_int.h"

const char *const tdx_sim_scenarios[] = {
	"boot", "steady", "convert", "contention", "mixing", "regress", "boot4g", NULL,
};

/* ------------------------------------------------------------ output heap */

static bool oless(const struct out_ev *a, const struct out_ev *b)
{
	return a->ev.ts_ns != b->ev.ts_ns ? a->ev.ts_ns < b->ev.ts_ns : a->seq < b->seq;
}

static void opush(struct sim *s, const struct tdx_event *ev)
{
	size_t i;

	if (s->on == s->ocap) {
		size_t nc = s->ocap ? s->ocap * 2 : 4096;
		struct out_ev *n = realloc(s->oheap, nc * sizeof(*n));

		if (!n) {
			s->err = -ENOMEM;
			return;
		}
		s->oheap = n;
		s->ocap = nc;
	}
	i = s->on++;
	s->oheap[i].ev = *ev;
	s->oheap[i].seq = s->seq++;
	while (i) {
		size_t p = (i - 1) / 2;
		struct out_ev tmp;

		if (!oless(&s->oheap[i], &s->oheap[p]))
			break;
		tmp = s->oheap[p]; s->oheap[p] = s->oheap[i]; s->oheap[i] = tmp;
		i = p;
	}
}

static void opop(struct sim *s, struct tdx_event *ev)
{
	size_t i = 0;

	*ev = s->oheap[0].ev;
	s->oheap[0] = s->oheap[--s->on];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct out_ev tmp;

		if (l < s->on && oless(&s->oheap[l], &s->oheap[m]))
			m = l;
		if (r < s->on && oless(&s->oheap[r], &s->oheap[m]))
			m = r;
		if (m == i)
			break;
		tmp = s->oheap[m]; s->oheap[m] = s->oheap[i]; s->oheap[i] = tmp;
		i = m;
	}
}

/* ---------------------------------------------------------- activity heap */

static bool aless(const struct sim *s, __u32 a, __u32 b)
{
	__u64 ta = s->vcpus[a].next, tb = s->vcpus[b].next;

	return ta != tb ? ta < tb : a < b;
}

static void apush(struct sim *s, __u32 v)
{
	__u32 i = s->an++;

	s->aheap[i] = v;
	while (i) {
		__u32 p = (i - 1) / 2, t;

		if (!aless(s, s->aheap[i], s->aheap[p]))
			break;
		t = s->aheap[p]; s->aheap[p] = s->aheap[i]; s->aheap[i] = t;
		i = p;
	}
}

static __u32 apop(struct sim *s)
{
	__u32 top = s->aheap[0], i = 0;

	s->aheap[0] = s->aheap[--s->an];
	for (;;) {
		__u32 l = 2 * i + 1, r = l + 1, m = i, t;

		if (l < s->an && aless(s, s->aheap[l], s->aheap[m]))
			m = l;
		if (r < s->an && aless(s, s->aheap[r], s->aheap[m]))
			m = r;
		if (m == i)
			break;
		t = s->aheap[m]; s->aheap[m] = s->aheap[i]; s->aheap[i] = t;
		i = m;
	}
	return top;
}

/* ----------------------------------------------------------------- events */

static void emit(struct sim *s, __u32 kind, __u64 ts, __u32 pid, __u32 tid,
		 __u16 cpu, int nargs, const __u64 *args)
{
	struct tdx_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.ts_ns = ts;
	ev.pid = pid;
	ev.tid = tid;
	ev.kind = (__u16)kind;
	ev.cpu = cpu;
	ev.nargs = (__u16)nargs;
	ev.flags = TDX_EVF_SIM;
	memcpy(ev.args, args, sizeof(__u64) * (size_t)nargs);
	opush(s, &ev);
}

/* An event in the current activity's context (TD s->ctd, vCPU s->cv or VMM). */
void sim_emit_ctx(struct sim *s, __u32 kind, __u64 ts, int nargs, const __u64 *args)
{
	__u32 pid = s->ctd ? s->ctd->pid : 0;
	__u32 tid = s->cv ? s->cv->tid : pid;
	__u16 cpu = s->cv ? s->cv->cpu : 0;

	emit(s, kind, ts, pid, tid, cpu, nargs, args);
}


static double leaf_sample(struct sim *s, struct rng *r, __u32 leaf)
{
	const struct tdx_sim_leaf_calib *c = &s->cal->leaf[leaf];
	double u = rng_unit(r), body = rng_lognormal(r, c->median_ns, c->sigma);
	double tail = c->tail_xm_ns / pow(rng_unit(r), 1.0 / (c->tail_alpha > 0 ? c->tail_alpha : 1));
	double v = u <= c->tail_p ? tail : body;

	return v * s->leaf_scale[leaf];
}

/* Is the TD's SEPT lock held by zero-step mitigation at time t? */
static bool zero_step_at(struct sim *s, struct sim_td *td, __u64 t)
{
	if (s->zs_rate <= 0)
		return false;
	while (td->zs_next <= t) {	/* draw the episodes up to t */
		unsigned i = td->zs_n++ % ZS_RING;
		__u64 len = (__u64)rng_lognormal(&td->rng, s->cal->zero_step_median_ns, 0.5);

		td->zs_start[i] = td->zs_next;
		td->zs_end[i] = td->zs_next + len;
		td->zs_next = td->zs_end[i] + 1 + (__u64)rng_exp(&td->rng, 1e9 / s->zs_rate);
	}
	for (unsigned k = 0; k < ZS_RING && k < td->zs_n; k++) {
		unsigned i = (td->zs_n - 1 - k) % ZS_RING;

		if (td->zs_start[i] <= t && t < td->zs_end[i])
			return true;
	}
	return false;
}

/*
 * One SEAMCALL issued at time start by the current context.  Emits the event
 * at its return; returns the return time.  *status_out gets the status.
 */
__u64 sim_seamcall(struct sim *s, struct rng *r, __u32 leaf, __u64 start,
		      __u64 gpa, int level, __u64 *status_out)
{
	const struct tdx_sim_leaf_calib *c = &s->cal->leaf[leaf];
	struct sim_td *td = s->ctd;
	double busy_p = c->busy_p, dur;
	__u64 status = 0, retries = 0, args[7], leafval = leaf;
	bool zs = false;

	if (td && c->busy_zero_step_p > 0)
		zs = zero_step_at(s, td, start);
	if (zs)
		busy_p = c->busy_zero_step_p;
	dur = leaf_sample(s, r, leaf);
	if (rng_unit(r) <= busy_p) {
		status = 0x8000020000000000ULL |
			 (leaf == TDX_LEAF_MEM_SEPT_ADD || leaf == TDX_LEAF_MEM_PAGE_AUG ?
			  OPERAND_ID_SEPT : OPERAND_ID_EPOCH);
		dur *= 0.25;
	} else if (c->no_entropy_p > 0) {
		while (rng_unit(r) <= c->no_entropy_p) {
			if (retries == TDX_SIM_RND_RETRIES) {
				status = 0x8000020300000000ULL;
				break;
			}
			retries++;
		}
		dur *= (double)(retries + 1);
	}
	if (leaf == TDX_LEAF_VP_INIT)
		leafval |= 1ULL << TDX_LEAF_VERSION_SHIFT;	/* VP.INIT v1 */
	if (dur < 50)
		dur = 50;
	args[TDX_SEAMCALL_ARG_LEAF] = leafval;
	args[TDX_SEAMCALL_ARG_STATUS] = status;
	args[TDX_SEAMCALL_ARG_TDR] = td ? td->tdr : 0;
	args[TDX_SEAMCALL_ARG_GPA] = gpa;
	args[TDX_SEAMCALL_ARG_LEVEL] = SEXT(level);
	args[TDX_SEAMCALL_ARG_RETRIES] = retries;
	args[TDX_SEAMCALL_ARG_DURATION] = (__u64)dur;
	sim_emit_ctx(s, TDX_EV_SEAMCALL, start + (__u64)dur, 7, args);
	if (status_out)
		*status_out = status;
	return start + (__u64)dur;
}

/* ------------------------------------------------------------------ open */

static void sim_free(struct sim *s)
{
	if (!s)
		return;
	if (s->tds) {
		for (__u32 i = 0; i < s->ntd; i++) {
			free(s->tds[i].shared);
			free(s->tds[i].mapped);
			free(s->tds[i].sept2m);
			free(s->tds[i].sept1g);
			free(s->tds[i].shared_2m);
			free(s->tds[i].shared_1g);
			free(s->tds[i].acc_mode);
		}
	}
	free(s->tds);
	free(s->vcpus);
	free(s->aheap);
	free(s->oheap);
	free(s->cal);
	free(s);
}

static int sim_next(struct tdx_source *src, struct tdx_event *ev)
{
	struct sim *s = src->priv;

	for (;;) {
		if (s->err)
			return s->err;
		if (s->on && (!s->an || s->oheap[0].ev.ts_ns <= s->vcpus[s->aheap[0]].next)) {
			opop(s, ev);
			s->last_ts = ev->ts_ns;
			return 1;
		}
		if (!s->an && s->teardown && !s->torn) {
			/* after everything else: the stream stays in time order */
			__u64 t = s->last_ts > s->end_ns ? s->last_ts : s->end_ns;

			s->torn = true;
			for (__u32 i = 0; i < s->ntd; i++)
				t = sim_teardown(s, &s->tds[i], t + 100000, i < s->leak);
			continue;
		}
		if (!s->an)
			return 0;
		{
			__u32 vi = apop(s);
			struct sim_vcpu *v = &s->vcpus[vi];

			if (v->next >= s->end_ns)
				continue;	/* this vCPU is done */
			sim_vcpu_cycle(s, v);
			apush(s, vi);
		}
	}
}

static void sim_close(struct tdx_source *src)
{
	sim_free(src->priv);
	src->priv = NULL;
}

/* The version a simulated module update installs: "tdxsim" -> "tdxsim.u1". */
static const char *sim_module_after(struct tdx_source *src, unsigned n)
{
	struct sim *s = src->priv;

	if (!s)
		return NULL;
	snprintf(s->module_next, sizeof(s->module_next), "tdxsim.u%u", n);
	return s->module_next;
}

static const struct tdx_source_ops sim_ops = {
	.next = sim_next,
	.close = sim_close,
	.module_after = sim_module_after,
};

/*
 * A runtime TDX module update at t (Linux 7.2, under stop_machine, outside
 * any TD): TDH.SYS.SHUTDOWN, P-SEAMLDR SEAMLDR.INSTALL, TDH.SYS.UPDATE.
 */
static void sim_module_update(struct sim *s, __u64 t)
{
	static const struct { __u64 leaf, ns; } calls[] = {
		{ TDX_LEAF_SYS_SHUTDOWN, 180000 },
		{ TDX_LEAF_SEAMLDR_BIT | TDX_SEAMLDR_INSTALL, 42000000 },
		{ TDX_LEAF_SYS_UPDATE, 2600000 },
	};

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		__u64 a[TDX_EV_MAX_ARGS] = { 0 };

		a[TDX_SEAMCALL_ARG_LEAF] = calls[i].leaf;
		a[TDX_SEAMCALL_ARG_STATUS] = 0;	/* TDX_SUCCESS */
		a[TDX_SEAMCALL_ARG_LEVEL] = (__u64)-1;
		a[TDX_SEAMCALL_ARG_DURATION] = calls[i].ns;
		t += calls[i].ns;
		emit(s, TDX_EV_SEAMCALL, t, 0, 0, 0, tdx_event_nargs(TDX_EV_SEAMCALL), a);
	}
}

static int td_init(struct sim *s, struct sim_td *td, __u32 i)
{
	__u64 np = s->mem_pages;

	td->idx = i;
	td->pid = 10000 + i * 1000;
	td->tdr = 0x100000000ULL + (__u64)i * 0x200000ULL;
	td->npages = np;
	td->n2m = (np + PAGES_2M - 1) / PAGES_2M;
	td->n1g = np / PAGES_1G;	/* only whole 1G ranges can be huge */
	td->shared = calloc((np + 7) / 8, 1);
	td->mapped = calloc((np + 7) / 8, 1);
	td->sept2m = calloc((td->n2m + 7) / 8, 1);
	td->sept1g = calloc((np / PAGES_1G + 8) / 8 + 1, 1);
	td->shared_2m = calloc(td->n2m, sizeof(*td->shared_2m));
	td->shared_1g = calloc(td->n1g + 1, sizeof(*td->shared_1g));
	td->acc_mode = calloc(td->n2m, 1);
	if (!td->shared || !td->mapped || !td->sept2m || !td->sept1g || !td->shared_2m ||
	    !td->shared_1g || !td->acc_mode)
		return -ENOMEM;
	rng_seed(&td->rng, s->seed, 0x7d000000ULL + i);
	td->zs_next = s->start_ns + (__u64)rng_exp(&td->rng, s->zs_rate > 0 ? 1e9 / s->zs_rate : 1e9);
	return 0;
}

/* Initial memory state of a running TD ("steady" and friends). */
static void td_state_running(struct sim *s, struct sim_td *td, double mapped_p)
{
	__u64 mapped_hi = (__u64)(mapped_p * (double)td->npages);

	/* quietly: no events for the state the TD had before the trace */
	for (__u64 g = s->shared_lo; g < s->shared_hi; g++) {
		bit_set(td->shared, g);
		td->shared_2m[g / PAGES_2M]++;
		td->nshared++;
		if (g / PAGES_1G < td->n1g)
			td->shared_1g[g / PAGES_1G]++;
	}
	for (__u64 g = 0; g < td->npages; g++) {
		if ((g < mapped_hi || g >= s->image_lo) && !bit_get(td->shared, g)) {
			bit_set(td->mapped, g);
			bit_set(td->sept2m, g / PAGES_2M);
			bit_set(td->sept1g, g / PAGES_1G);
		}
	}
	td->cursor = mapped_hi;
	td->cursor_end = s->shared_lo;
}

int tdx_sim_open(struct tdx_source *src, const char *spec)
{
	struct sim_params p = { .seed = 1 };
	struct sim *s;
	enum scenario sc;
	const struct tdx_sim_calib *c;
	int err;

	err = sim_parse_spec(spec, &sc, &p);
	if (err)
		return err;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->cal = malloc(sizeof(*s->cal)))) {
		free(s);
		tdx_set_error("out of memory");
		return -ENOMEM;
	}
	err = tdx_calib_load(s->cal, p.calib[0] ? p.calib : NULL);
	if (err)
		goto fail;
	c = s->cal;
	s->sc = sc;
	s->seed = p.seed;
	/* scenario defaults, then explicit keys */
	s->ntd = sc == SC_CONTENTION ? 1 : sc == SC_STEADY || sc == SC_REGRESS ? 4 : 2;
	s->nvcpu_per_td = sc == SC_CONTENTION ? 16 : 4;
	if (p.tds)
		s->ntd = (__u32)p.tds;
	if (p.vcpus)
		s->nvcpu_per_td = (__u32)p.vcpus;
	s->rate = p.rate > 0 ? p.rate : c->exit_rate_hz;
	s->start_ns = p.start ? p.start : 1000000000ULL;
	s->end_ns = s->start_ns + (p.duration ? p.duration : 10000000000ULL);
	s->mem_pages = (p.mem_mib ? p.mem_mib : (__u64)c->td_mem_mib) * 256;
	s->host_cpus = p.cpus ? (__u32)p.cpus : 64;
	s->all_leaves = p.all_leaves;
	s->teardown = p.teardown;
	s->leak = (__u32)p.leak;
	if ((__u64)s->ntd * (s->mem_pages / 256) > (1ULL << 20)) {
		tdx_set_error("simulator: tds x mem = %llu MiB is above 1 TiB of simulated guest memory",
			      (unsigned long long)s->ntd * (s->mem_pages / 256));
		err = -EINVAL;
		goto fail;
	}
	if ((__u64)s->ntd * s->nvcpu_per_td > 16384) {
		tdx_set_error("simulator: tds x vcpus = %u is above 16384",
			      s->ntd * s->nvcpu_per_td);
		err = -EINVAL;
		goto fail;
	}
	for (int l = 0; l < TDX_LEAF_MAX; l++)
		s->leaf_scale[l] = 1.0;
	if (sc == SC_REGRESS) {
		if (!c->has_leaf[p.regress_leaf]) {
			tdx_set_error("simulator: regress: the calibration has no leaf %s",
				      tdx_leaf_name(p.regress_leaf));
			err = -EINVAL;
			goto fail;
		}
		s->leaf_scale[p.regress_leaf] = 1.0 + p.regress_pct / 100.0;
	}
	for (int l = 0; l < TDX_LEAF_MAX; l++) {
		if (!c->has_leaf[l] && l != TDX_LEAF_VP_ENTER) {
			/* every leaf the model issues must be calibrated */
			static const int used[] = {
				TDX_LEAF_MEM_PAGE_AUG, TDX_LEAF_MEM_SEPT_ADD, TDX_LEAF_MEM_PAGE_ADD,
				TDX_LEAF_MR_EXTEND, TDX_LEAF_MR_FINALIZE, TDX_LEAF_MEM_RANGE_BLOCK,
				TDX_LEAF_MEM_TRACK, TDX_LEAF_MEM_PAGE_REMOVE,
				TDX_LEAF_PHYMEM_PAGE_WBINVD, TDX_LEAF_MNG_CREATE,
				TDX_LEAF_MNG_KEY_CONFIG, TDX_LEAF_MNG_ADDCX, TDX_LEAF_MNG_INIT,
				TDX_LEAF_VP_CREATE, TDX_LEAF_VP_ADDCX, TDX_LEAF_VP_INIT,
			};
			for (size_t i = 0; i < sizeof(used) / sizeof(used[0]); i++) {
				if (used[i] == l) {
					tdx_set_error("simulator: the calibration lacks leaf %s",
						      tdx_leaf_name(l));
					err = -EINVAL;
					goto fail;
				}
			}
		}
	}
	/* exit mix and flow rates by scenario */
	s->w_exit[0] = c->w_exit_ept;
	s->w_exit[1] = c->w_exit_tdcall;
	s->w_exit[2] = c->w_exit_extint;
	s->w_exit[3] = c->w_exit_other;
	s->ept_private_p = c->ept_private_p;
	s->mapgpa_p = c->tdcall_mapgpa_p;
	s->zs_rate = c->zero_step_rate_hz;
	switch (sc) {
	case SC_BOOT:
		/* accept storm: the guest touches memory; firmware converts a lot */
		s->w_exit[0] = 0.85;
		s->w_exit[1] = 0.1;
		s->w_exit[2] = 0.04;
		s->w_exit[3] = 0.01;
		s->ept_private_p = 0.98;
		/* boot_conversions over the run, all on the BSP's TDCALL exits */
		s->mapgpa_p = c->boot_conversions /
			      (s->rate * (double)(s->end_ns - s->start_ns) / 1e9 * s->w_exit[1]);
		break;
	case SC_CONVERT:
		s->mapgpa_p = c->convert_mapgpa_p;
		break;
	case SC_CONTENTION:
		s->w_exit[0] = 0.6;
		s->w_exit[1] = 0.2;
		s->w_exit[2] = 0.15;
		s->w_exit[3] = 0.05;
		s->ept_private_p = 1.0;
		s->mapgpa_p = 0.05;
		s->zs_rate = c->contention_zero_step_rate_hz;
		break;
	case SC_MIXING:
		s->mapgpa_p = 0.05;
		break;
	default:
		break;
	}
	{
		double sum = s->w_exit[0] + s->w_exit[1] + s->w_exit[2] + s->w_exit[3];

		if (sum <= 0) {
			tdx_set_error("simulator: exit weights sum to 0");
			err = -EINVAL;
			goto fail;
		}
		for (int i = 0; i < 4; i++)
			s->w_exit[i] /= sum;
	}
	/* sim_background leaves */
	for (int l = 0; l < TDX_LEAF_MAX; l++) {
		double rate;

		if (!c->has_leaf[l])
			continue;
		rate = c->leaf[l].rate_hz;
		if (s->all_leaves && rate < 5)
			rate = 5;
		if (rate <= 0)
			continue;
		s->bg_rate += rate;
		s->bg_cum[s->n_bg] = s->bg_rate;
		s->bg_leaf[s->n_bg++] = (__u32)l;
	}
	/* memory layout (pages) */
	{
		__u64 np = s->mem_pages, sh = (__u64)c->td_shared_mib * 256;

		if (sh > np / 4)
			sh = np / 4 / PAGES_2M * PAGES_2M;
		s->image_lo = np - IMAGE_PAGES;
		s->shared_hi = s->image_lo;
		s->shared_lo = s->shared_hi - sh;
		s->pool_lo = np / 2;
		s->pool_hi = s->pool_lo + (np / 4 < 65536 ? np / 4 : 65536);
		/* boot: the bounce range of the published boot (GFN 0x7d3ff on) */
		s->bounce_n = (__u64)c->boot_bounce_kib / 4 ? (__u64)c->boot_bounce_kib / 4 : 1;
		s->bounce_lo = 0x7d3ffULL;
		if (s->bounce_lo + s->bounce_n >= s->shared_lo)
			s->bounce_lo = np / 2 + 0x3ff;
		s->bounce_p = c->boot_conversions > 0 ? c->boot_bounce_flips / c->boot_conversions : 0;
		s->hot_lo = 16 * 256;
		s->hot_hi = s->hot_lo + ((__u64)c->contention_range_kib / 4 ? (__u64)c->contention_range_kib / 4 : 1);
		if (s->hot_hi > s->shared_lo) {
			tdx_set_error("simulator: mem is too small for this layout");
			err = -EINVAL;
			goto fail;
		}
	}
	s->tds = calloc(s->ntd, sizeof(*s->tds));
	s->nvcpus = s->ntd * s->nvcpu_per_td;
	s->vcpus = calloc(s->nvcpus, sizeof(*s->vcpus));
	s->aheap = calloc(s->nvcpus, sizeof(*s->aheap));
	if (!s->tds || !s->vcpus || !s->aheap) {
		err = -ENOMEM;
		tdx_set_error("out of memory");
		goto fail;
	}
	src->ops = &sim_ops;
	src->priv = s;
	tdx_strlcpy(src->info.format, "sim", sizeof(src->info.format));
	tdx_strlcpy(src->info.host, "sim", sizeof(src->info.host));
	tdx_strlcpy(src->info.kernel, "tdxsim", sizeof(src->info.kernel));
	tdx_strlcpy(src->info.tdx_module, "tdxsim", sizeof(src->info.tdx_module));
	src->info.start_ns = s->start_ns;
	src->info.n_td = s->ntd < TDX_SOURCE_MAX_TDS ? s->ntd : TDX_SOURCE_MAX_TDS;
	for (__u32 i = 0; i < s->ntd; i++) {
		struct sim_td *td = &s->tds[i];
		__u64 vstart;

		err = td_init(s, td, i);
		if (err) {
			tdx_set_error("out of memory for %u TDs of %llu MiB", s->ntd,
				      (unsigned long long)(s->mem_pages / 256));
			src->priv = NULL;
			goto fail;
		}
		if (i < TDX_SOURCE_MAX_TDS) {
			src->info.td[i].pid = td->pid;
			src->info.td[i].vcpus = s->nvcpu_per_td;
			snprintf(src->info.td[i].comm, sizeof(src->info.td[i].comm),
				 "qemu-td%u", i);
		}
		if (sc == SC_BOOT) {
			td->acc4k_left = (__u64)c->boot_accept_4k;
			td->aps_up = !td->acc4k_left;
			td->cursor = 0;
			td->cursor_end = s->image_lo;
			vstart = sim_build_td(s, td, s->start_ns + (__u64)i * 20000000ULL);
		} else {
			td_state_running(s, td, sc == SC_CONTENTION ? 0.5 : c->steady_mapped_p);
			vstart = s->start_ns;
			if (sc == SC_CONTENTION)
				for (__u64 g = s->hot_lo; g < s->hot_hi; g++)
					bit_clr(td->mapped, g);
		}
		for (__u32 v = 0; v < s->nvcpu_per_td; v++) {
			struct sim_vcpu *vc = &s->vcpus[i * s->nvcpu_per_td + v];

			vc->td = i;
			vc->id = v;
			vc->tid = td->pid + 10 + v;
			vc->cpu = (__u16)((i * s->nvcpu_per_td + v) % s->host_cpus);
			rng_seed(&vc->rng, s->seed, ((__u64)i << 20) | v);
			vc->next = vstart + (__u64)rng_exp(&vc->rng, 1e9 / s->rate);
			apush(s, i * s->nvcpu_per_td + v);
		}
	}
	if (p.update) {
		if (p.update >= s->end_ns - s->start_ns) {
			tdx_set_error("simulator: update=: the update must come before the end (duration)");
			err = -EINVAL;
			src->priv = NULL;
			goto fail;
		}
		sim_module_update(s, s->start_ns + p.update);
	}
	if (s->err) {
		err = s->err;
		tdx_set_error("out of memory");
		src->priv = NULL;
		goto fail;
	}
	return 0;
fail:
	sim_free(s);
	return err;
}

int tdx_sim_leaves(__u32 *out, int max)
{
	struct tdx_sim_calib *c = malloc(sizeof(*c));
	int n = 0;

	if (!c)
		return -ENOMEM;
	if (tdx_calib_load(c, NULL)) {
		free(c);
		return -EINVAL;
	}
	for (int l = 0; l < TDX_LEAF_MAX; l++)
		if (c->has_leaf[l] && n < max)
			out[n++] = (__u32)l;
	free(c);
	return n;
}
