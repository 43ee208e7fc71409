// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * loader.c - open, load, attach and feed the tdxtrace BPF programs.
 *
 * Lifecycle of a session (tdx_open .. tdx_close):
 *
 *   open     tdxtrace_bpf__open(): nothing in the kernel yet
 *   choose   live: tp_btf if BTF has the tracepoints, else raw_tp if tracefs
 *            lists them, else stock mode (fentry) if BTF has the tdh_*
 *            wrappers; replay/sim: only the user ring buffer drain program.
 *            bpf_program__set_autoload() keeps every other program out.
 *   config   rodata filters and knobs, map sizes (between open and load)
 *   load     the verifier runs here
 *   attach   live only; replay and sim never attach anything
 *   run      tdx_advance(): poll the stream (live) or pull events from the
 *            source and push them, batched, through the user ring buffer,
 *            one bpf_prog_test_run_opts() per batch (tdx_feed)
 *   close    links destroyed (detach), maps and programs freed
 *
 * BPF links are file descriptors, so a process that dies (SIGKILL included)
 * detaches too; tools call tdx_close() from their exit paths.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "session_int.h"
#include "tdxtrace.skel.h"
#include "uagg.h"

_Static_assert(TDX_FILTER_MAX_PIDS == 16, "bpf/tdx_agg.bpf.h: filter_pids[16]");

static int verbose;

void tdx_set_verbose(int level)
{
	verbose = level;
}

void tdx__log(int level, const char *fmt, ...)
{
	va_list ap;

	if (verbose < level)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "tdxtrace: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* libbpf's messages: warnings with -v, debug with -vv. */
static int libbpf_logger(enum libbpf_print_level level, const char *fmt,
			 va_list ap)
{
	if (!verbose || (level == LIBBPF_DEBUG && verbose < 2))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* One sentence for an errno from the BPF syscalls. */
static int fail(int err, const char *what)
{
	if (err > 0)
		err = -err;
	if (err == -EPERM) {
		tdx_set_error("need CAP_BPF and CAP_PERFMON (or root) to %s", what);
		return -EPERM;
	}
	tdx_set_error("cannot %s: %s", what, strerror(-err));
	return err ? err : -EINVAL;
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

enum tdx_attach_mode tdx_mode(const struct tdx_session *s)
{
	return s ? s->mode : TDX_MODE_NONE;
}

const char *tdx_missing(const struct tdx_session *s)
{
	return s ? s->missing : "";
}

__u64 tdx_now(const struct tdx_session *s)
{
	if (s->mode == TDX_MODE_REPLAY || s->mode == TDX_MODE_SIM)
		return s->now;
	return mono_ns();
}

int tdx__map_fd(const struct tdx_session *s, enum tdx_map_id id)
{
	return (unsigned int)id < TDX_MAP_ID_MAX && s->skel ? s->map_fd[id] : -1;
}

struct tdx_umap *tdx__umap(const struct tdx_session *s, enum tdx_map_id id)
{
	return s->uagg ? tdx_uagg_map(s->uagg, id) : NULL;
}

struct tdx_umap *tdx__umap_counters(const struct tdx_session *s)
{
	return s->uagg ? tdx_uagg_counters(s->uagg) : NULL;
}

static __thread enum tdx_fail_where last_failure;

enum tdx_fail_where tdx_last_failure(void)
{
	return last_failure;
}

const struct tdx_source_info *tdx_source_of(const struct tdx_session *s)
{
	return s && s->src ? tdx_source_info(s->src) : NULL;
}

enum tdx_engine tdx_engine(const struct tdx_session *s)
{
	return s->uagg ? TDX_ENGINE_USER : TDX_ENGINE_BPF;
}

__u64 tdx_start_ns(const struct tdx_session *s)
{
	return s->start_ns;
}

const struct tdx_source_info *tdx__source_info(const struct tdx_session *s)
{
	return s->src ? tdx_source_info(s->src) : NULL;
}

int tdx__counters_fd(const struct tdx_session *s)
{
	return s->skel ? bpf_map__fd(s->skel->maps.tdx_counters) : -1;
}

/* ------------------------------------------------------------ mode choice */

struct kbtf {
	struct btf *vmlinux;
	struct btf *mods[2];		/* kvm, kvm_intel (NULL if absent) */
};

static void kbtf_free(struct kbtf *b)
{
	for (int i = 0; i < 2; i++)
		btf__free(b->mods[i]);
	btf__free(b->vmlinux);
}

static int kbtf_load(struct kbtf *b)
{
	static const char *const mods[] = { "kvm", "kvm_intel" };
	char path[64];

	memset(b, 0, sizeof(*b));
	b->vmlinux = btf__load_vmlinux_btf();
	if (!b->vmlinux)
		return -errno;
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/sys/kernel/btf/%s", mods[i]);
		if (access(path, R_OK) == 0)
			b->mods[i] = btf__parse_split(path, b->vmlinux);
		if (!b->mods[i])
			b->mods[i] = NULL;
	}
	return 0;
}

static bool kbtf_has(const struct kbtf *b, const char *name, __u32 kind)
{
	if (btf__find_by_name_kind(b->vmlinux, name, kind) > 0)
		return true;
	for (int i = 0; i < 2; i++)
		if (b->mods[i] && btf__find_by_name_kind(b->mods[i], name, kind) > 0)
			return true;
	return false;
}

static bool tp_in_btf(const struct kbtf *b, __u32 kind)
{
	char name[96];

	snprintf(name, sizeof(name), "btf_trace_%s", tdx_event_name(kind));
	return kbtf_has(b, name, BTF_KIND_TYPEDEF);
}

static bool tp_in_tracefs(__u32 kind)
{
	static const char *const roots[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[256];

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		snprintf(path, sizeof(path), "%s/events/%s/%s", roots[i],
			 tdx_event_system(kind), tdx_event_name(kind));
		if (access(path, F_OK) == 0)
			return true;
	}
	return false;
}

/* "tp_btf/tdx_seamcall" -> kind, or 0 */
static __u32 prog_event(const struct bpf_program *p, const char *prefix)
{
	const char *sec = bpf_program__section_name(p);
	size_t n = strlen(prefix);

	if (strncmp(sec, prefix, n))
		return 0;
	for (__u32 k = 1; k < TDX_EV_MAX; k++)
		if (!strcmp(sec + n, tdx_event_name(k)))
			return k;
	return 0;
}

/* "fentry/tdh_mem_page_aug" -> "tdh_mem_page_aug", or NULL */
static const char *prog_fentry_target(const struct bpf_program *p)
{
	const char *sec = bpf_program__section_name(p);

	if (!strncmp(sec, "fentry/", 7))
		return sec + 7;
	if (!strncmp(sec, "fexit/", 6))
		return sec + 6;
	return NULL;
}

static void add_missing(struct tdx_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void add_missing(struct tdx_session *s, const char *fmt, ...)
{
	size_t n = strlen(s->missing);
	va_list ap;

	if (n && n + 2 < sizeof(s->missing)) {
		strcpy(s->missing + n, "; ");
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(s->missing + n, sizeof(s->missing) - n, fmt, ap);
	va_end(ap);
}

/*
 * What stock mode (fentry on tdh_*() + the upstream tracepoints) cannot see,
 * per statistic (docs/bpf.md, "Statistics by mode" says why).
 */
#define STOCK_MISSING							\
	"SEAMCALL retries (folded in sc_retry()) and TDR addresses; "	\
	"TD time is kvm_entry to kvm_exit, not TDH.VP.ENTER alone, and exits KVM does not trace "\
	"(EPT_MISCONFIG fast path, SEAMCALL software errors) are not counted; "\
	"EPT violation local retries and RET_PF result; "		\
	"MapGPA chunk results, round trips and TDVMCALL status; "	\
	"FROZEN_SPTE retries and hold times; hugepage mixing state"

/* The upstream tracepoints stock mode uses (bpf/tdx_stock.bpf.h). */
static const char *const stock_tps[] = {
	"kvm_entry", "kvm_exit", "kvm_page_fault", "kvm_tdp_mmu_spte_changed",
	"kvm_vm_set_mem_attributes",
};

/* "tp_btf/kvm_exit" -> "kvm_exit" if a stock program, else NULL */
static const char *prog_stock_tp(const struct bpf_program *p)
{
	const char *sec = bpf_program__section_name(p);

	if (strncmp(sec, "tp_btf/", 7))
		return NULL;
	for (size_t i = 0; i < sizeof(stock_tps) / sizeof(stock_tps[0]); i++)
		if (!strcmp(sec + 7, stock_tps[i]))
			return stock_tps[i];
	return NULL;
}

int tdx_live_mode_parse(const char *s)
{
	if (!s || !strcmp(s, "auto"))
		return TDX_LIVE_AUTO;
	if (!strcmp(s, "tracepoints") || !strcmp(s, "tp"))
		return TDX_LIVE_TRACEPOINTS;
	if (!strcmp(s, "stock"))
		return TDX_LIVE_STOCK;
	return -1;
}

static enum tdx_live_mode live_mode_of(const struct tdx_opts *o)
{
	const char *env = getenv("TDXTRACE_MODE");
	int m;

	if (o->live_mode != TDX_LIVE_AUTO)
		return o->live_mode;
	m = env && *env ? tdx_live_mode_parse(env) : TDX_LIVE_AUTO;
	if (m < 0) {
		tdx__log(0, "TDXTRACE_MODE=%s: not auto, tracepoints or stock; auto\n", env);
		m = TDX_LIVE_AUTO;
	}
	return (enum tdx_live_mode)m;
}

/*
 * Live mode from the running kernel's BTF; sets autoload on the programs
 * that mode needs.  0, or -ENODEV/-ENOENT with the error set.
 */
static int choose_live_mode(struct tdx_session *s)
{
	struct bpf_object *obj = s->skel->obj;
	struct bpf_program *p;
	bool btf_ev[TDX_EV_MAX] = {}, fs_ev[TDX_EV_MAX] = {};
	int n_btf = 0, n_fs = 0, n_fb = 0;
	enum tdx_live_mode want = live_mode_of(&s->opts);
	struct kbtf b;
	int err;

	err = kbtf_load(&b);
	if (err) {
		tdx_set_error("this kernel has no BTF (/sys/kernel/btf/vmlinux: %s); "
			      "tdxtrace needs CONFIG_DEBUG_INFO_BTF", strerror(-err));
		return -ENOENT;
	}
	for (__u32 k = 1; k < TDX_EV_MAX; k++) {
		btf_ev[k] = tp_in_btf(&b, k);
		fs_ev[k] = tp_in_tracefs(k);
		n_btf += btf_ev[k];
		n_fs += fs_ev[k];
	}
	if (want != TDX_LIVE_STOCK && n_btf)
		s->mode = TDX_MODE_TP_BTF;
	else if (want != TDX_LIVE_STOCK && n_fs)
		s->mode = TDX_MODE_RAW_TP;
	if (want == TDX_LIVE_TRACEPOINTS && s->mode == TDX_MODE_NONE) {
		kbtf_free(&b);
		tdx_set_error("mode tracepoints (--mode, TDXTRACE_MODE): this kernel has no tdxtrace tracepoints "
			      "(not built with the kernel/ series); mode stock uses the "
			      "upstream ones");
		return -ENODEV;
	}

	bpf_object__for_each_program(p, obj) {
		__u32 k;
		const char *fn;
		char tp[96];

		if (s->mode == TDX_MODE_TP_BTF && (k = prog_event(p, "tp_btf/")))
			bpf_program__set_autoload(p, btf_ev[k]);
		else if (s->mode != TDX_MODE_NONE && (k = prog_event(p, "raw_tp/")))
			/* raw_tp also for events BTF lacks (a module without BTF) */
			bpf_program__set_autoload(p, fs_ev[k] && !btf_ev[k]);
		else if (s->mode == TDX_MODE_NONE && (fn = prog_fentry_target(p)) &&
			 kbtf_has(&b, fn, BTF_KIND_FUNC)) {
			bpf_program__set_autoload(p, true);
			n_fb++;
		} else if (s->mode == TDX_MODE_NONE && (fn = prog_stock_tp(p)) &&
			   (snprintf(tp, sizeof(tp), "btf_trace_%s", fn),
			    kbtf_has(&b, tp, BTF_KIND_TYPEDEF))) {
			bpf_program__set_autoload(p, true);	/* not alone: see below */
		}
	}
	/* the upstream tracepoints are on every KVM host: TDX needs tdh_*() */
	if (s->mode == TDX_MODE_NONE && !n_fb)
		bpf_object__for_each_program(p, obj)
			if (prog_stock_tp(p))
				bpf_program__set_autoload(p, false);
	/*
	 * One source of conversion chunks: the attribute changes KVM applies
	 * (kvm_vm_set_mem_attributes) rather than the MapGPA chunks handed to
	 * the VMM (__tdx_map_gpa, when BTF has it), which would count twice.
	 */
	if (s->mode == TDX_MODE_NONE && n_fb &&
	    bpf_program__autoload(s->skel->progs.stock_set_mem_attributes) &&
	    bpf_program__autoload(s->skel->progs.fb_out___tdx_map_gpa)) {
		bpf_program__set_autoload(s->skel->progs.fb_out___tdx_map_gpa, false);
		n_fb--;
	}
	if (s->mode == TDX_MODE_NONE && n_fb)
		s->mode = TDX_MODE_FENTRY;
	kbtf_free(&b);

	switch (s->mode) {
	case TDX_MODE_TP_BTF:
	case TDX_MODE_RAW_TP:
		for (__u32 k = 1; k < TDX_EV_MAX; k++)
			if (!btf_ev[k] && !fs_ev[k])
				add_missing(s, "%s:%s (not in this kernel)",
					    tdx_event_system(k), tdx_event_name(k));
		return 0;
	case TDX_MODE_FENTRY:
		add_missing(s, STOCK_MISSING);
		bpf_object__for_each_program(p, obj) {
			const char *fn = prog_fentry_target(p);
			const char *tp = prog_stock_tp(p);

			if (fn && !bpf_program__autoload(p) &&
			    !strncmp(bpf_program__section_name(p), "fexit/", 6) &&
			    !(p == s->skel->progs.fb_out___tdx_map_gpa &&
			      bpf_program__autoload(s->skel->progs.stock_set_mem_attributes)))
				add_missing(s, "%s (not in BTF)", fn);
			if (tp && !bpf_program__autoload(p))
				add_missing(s, "%s (tracepoint not in BTF)", tp);
		}
		return 0;
	default:
		tdx_set_error("this kernel has neither the tdxtrace tracepoints nor "
			      "TDX host functions (no TDX host support)");
		return -ENODEV;
	}
}

/* ---------------------------------------------------------------- config */

static void set_rodata(struct tdx_session *s)
{
	struct tdxtrace_bpf__rodata *ro = s->skel->rodata;
	const struct tdx_filter *f = &s->opts.filter;
	int npids = f->npids;

	if (npids > TDX_FILTER_MAX_PIDS)
		npids = TDX_FILTER_MAX_PIDS;
	for (int i = 0; i < npids; i++)
		ro->filter_pids[i] = f->pids[i];
	ro->filter_npids = (__u32)npids;
	for (int i = 0; i < TDX_LEAF_MAX / 64; i++) {
		ro->filter_leaf_mask[i] = f->leaf_mask[i];
		if (f->leaf_mask[i])
			ro->filter_leaves = 1;
	}
	ro->filter_min_lat_ns = f->min_lat_ns;
	ro->filter_gfn_min_ns = f->gfn_min_ns;
	ro->stream_enabled = s->opts.stream ? 1 : 0;
	ro->stream_sample_every = s->opts.sample_every ? s->opts.sample_every : 1;
}

static __u32 pow2_at_least(__u64 v, __u32 min)
{
	__u64 r = min;

	while (r < v && r < (1U << 30))
		r <<= 1;
	return (__u32)r;
}

static int set_sizes(struct tdx_session *s)
{
	struct tdxtrace_bpf *k = s->skel;
	__u32 tds = s->opts.max_tds ? s->opts.max_tds : TDX_MAX_TDS;
	long page = sysconf(_SC_PAGESIZE);
	int err = 0;

	if (tds > 65536) {
		tdx_set_error("max_tds %u is too large (at most 65536)", tds);
		return -EINVAL;
	}
	/* Every map of the table holds per_td entries per TD (maps.h). */
	for (int id = 0; id < TDX_MAP_ID_MAX && !err; id++) {
		const struct tdx_map_desc *d = tdx_map_desc((enum tdx_map_id)id);
		struct bpf_map *m = bpf_object__find_map_by_name(k->obj, d->name);

		err = m ? bpf_map__set_max_entries(m, d->per_td * tds) : -ENOENT;
	}
	err = err ?: bpf_map__set_max_entries(k->maps.tdx_stream, s->opts.stream ?
		pow2_at_least(s->opts.ringbuf_bytes ? s->opts.ringbuf_bytes :
			      4 << 20, (__u32)page) : (__u32)page);
	/*
	 * Input of replay/sim/tdx_feed: 1 MiB, ~10 k events per test_run (the
	 * call costs ~2 us, so 0.2 ns an event); the mapping is resident twice
	 * over (libbpf maps the data area twice for wrap-around), so a bigger
	 * ring only costs RSS.
	 */
	err = err ?: bpf_map__set_max_entries(k->maps.tdx_replay,
		(s->opts.source == TDX_SRC_LIVE) ? (__u32)page : 1u << 20);
	if (err)
		return fail(err, "size the BPF maps");
	return 0;
}

/* --------------------------------------------------------------- streams */

static int on_stream(void *ctx, void *data, size_t size)
{
	struct tdx_session *s = ctx;

	if (size < sizeof(struct tdx_event) || !s->opts.stream_cb)
		return 0;
	return s->opts.stream_cb(s->opts.stream_ctx, data);
}

static int consume_stream(struct tdx_session *s)
{
	int n;

	if (!s->stream)
		return 0;
	n = ring_buffer__consume(s->stream);
	return n < 0 ? fail(n, "read the event stream") : 0;
}

/* Run the drain program once: returns records drained or -errno. */
static int drain(struct tdx_session *s)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	int err;

	err = bpf_prog_test_run_opts(s->drain_fd, &topts);
	if (err)
		return fail(-errno, "run the replay program");
	if ((int)topts.retval < 0)
		return fail((int)topts.retval, "drain the replay ring buffer");
	return (int)topts.retval;
}

int tdx_feed(struct tdx_session *s, const struct tdx_event *evs, size_t n)
{
	size_t done = 0, queued = 0;
	int r;

	if (s && s->uagg) {
		for (size_t i = 0; i < n; i++)
			if (evs[i].ts_ns > s->now)
				s->now = evs[i].ts_ns;
		tdx_uagg_feed(s->uagg, evs, n);
		return n > (size_t)INT32_MAX ? INT32_MAX : (int)n;
	}
	if (!s || !s->replay) {
		tdx_set_error("tdx_feed needs a replay or sim session");
		return -EINVAL;
	}
	if (n > (size_t)INT32_MAX)
		n = INT32_MAX;
	while (done < n) {
		void *slot = user_ring_buffer__reserve(s->replay, sizeof(*evs));

		if (!slot) {
			if (errno != ENOSPC)
				return fail(-errno, "queue replayed events");
			if (!queued) {
				tdx_set_error("replay ring buffer too small for one event");
				return -ENOSPC;
			}
			r = drain(s);
			if (r < 0)
				return r;
			queued = 0;
			continue;
		}
		memcpy(slot, &evs[done], sizeof(*evs));
		user_ring_buffer__submit(s->replay, slot);
		if (evs[done].ts_ns > s->now)
			s->now = evs[done].ts_ns;
		done++;
		queued++;
	}
	while (queued) {
		r = drain(s);
		if (r < 0)
			return r;
		if (!r)
			break;
		queued -= (size_t)r < queued ? (size_t)r : queued;
	}
	r = consume_stream(s);
	return r < 0 ? r : (int)done;
}

/* ------------------------------------------------------------------ open */

static int attach_live(struct tdx_session *s)
{
	struct bpf_program *p;
	int n = 0;

	bpf_object__for_each_program(p, s->skel->obj)
		n += bpf_program__autoload(p);
	s->links = calloc((size_t)n + 1, sizeof(*s->links));
	if (!s->links)
		return -ENOMEM;
	bpf_object__for_each_program(p, s->skel->obj) {
		struct bpf_link *l;
		__u32 k;

		if (!bpf_program__autoload(p))
			continue;
		l = bpf_program__attach(p);
		if (!l) {
			int err = -errno;

			/* raw_tp of a module that is not loaded: missing, not fatal */
			if ((k = prog_event(p, "raw_tp/")) && err == -ENOENT) {
				add_missing(s, "%s:%s (not attachable)",
					    tdx_event_system(k), tdx_event_name(k));
				continue;
			}
			return fail(err, bpf_program__section_name(p));
		}
		s->links[s->nlinks++] = l;
		tdx__log(1, "attached %s\n", bpf_program__section_name(p));
	}
	if (!s->nlinks) {
		tdx_set_error("no tdxtrace program could be attached");
		return -ENODEV;
	}
	return 0;
}

/* Read the source's next events into the session's batch (when used up). */
static int fill_batch(struct tdx_session *s)
{
	int r;

	if (s->batch_i < s->batch_n || s->src_done)
		return 0;
	r = tdx_source_next_batch(s->src, s->batch, TDX_FEED_BATCH);
	if (r < 0)
		return r;
	s->batch_i = 0;
	s->batch_n = (size_t)r;
	if (!r)
		s->src_done = true;
	return 0;
}

static int open_source(struct tdx_session *s)
{
	const struct tdx_source_info *info;
	int r;

	if (s->opts.source == TDX_SRC_SIM)
		r = tdx_source_open_sim(&s->src, s->opts.sim_spec ?
					s->opts.sim_spec : "steady");
	else if (s->opts.replay_path)
		r = tdx_source_open_file(&s->src, s->opts.replay_path);
	else
		return 0;	/* fed by tdx_feed() only */
	if (r < 0)
		return r;
	info = tdx_source_info(s->src);
	s->start_ns = info ? info->start_ns : 0;
	s->batch = calloc(TDX_FEED_BATCH, sizeof(*s->batch));
	if (!s->batch)
		return -ENOMEM;
	/* source time starts at the source's start (below) */
	r = fill_batch(s);
	if (r < 0)
		return r;
	if (s->batch_i == s->batch_n) {
		s->now = info ? info->start_ns : 0;
	} else {
		/*
		 * Source time starts at the source's start (a record header's
		 * start_ns, no later than its first event) so that every
		 * stepping, the window iterator's and tdx_advance()'s, counts
		 * from the same origin; with no header start, the first event.
		 */
		if (!s->start_ns || s->start_ns > s->batch[0].ts_ns)
			s->start_ns = s->batch[0].ts_ns;
		s->now = s->start_ns;
	}
	return 0;
}

static int on_ustream(void *ctx, const void *data, size_t size)
{
	return on_stream(ctx, (void *)data, size);
}

/* Offline sources: the user-space engine unless BPF is asked for. */
static enum tdx_engine choose_engine(const struct tdx_opts *o)
{
	const char *env = getenv("TDXTRACE_ENGINE");

	if (o->source == TDX_SRC_LIVE)
		return TDX_ENGINE_BPF;
	if (o->engine != TDX_ENGINE_AUTO)
		return o->engine;
	if (env && !strcmp(env, "bpf"))
		return TDX_ENGINE_BPF;
	return TDX_ENGINE_USER;
}

static int open_user(struct tdx_session *s)
{
	__u32 tds = s->opts.max_tds ? s->opts.max_tds : TDX_MAX_TDS;
	int err;

	if (tds > 65536) {
		tdx_set_error("max_tds %u is too large (at most 65536)", tds);
		return -EINVAL;
	}
	s->mode = s->opts.source == TDX_SRC_SIM ? TDX_MODE_SIM : TDX_MODE_REPLAY;
	err = tdx_uagg_new(&s->uagg, &s->opts, tds, on_ustream, s);
	if (err)
		return fail(err, "set up the user-space aggregation");
	tdx__log(1, "mode: %s (user-space aggregation)\n", tdx_mode_name(s->mode));
	return 0;
}

int tdx_open(struct tdx_session **out, const struct tdx_opts *opts)
{
	struct tdx_opts def = TDX_OPTS_INIT;
	struct tdx_session *s;
	struct bpf_program *p;
	int err;

	*out = NULL;
	if (!opts)
		opts = &def;
	if (opts->filter.npids < 0 || opts->filter.npids > TDX_FILTER_MAX_PIDS) {
		tdx_set_error("at most %d TD pids can be filtered", TDX_FILTER_MAX_PIDS);
		return -EINVAL;
	}
	if (opts->verbose > verbose)
		verbose = opts->verbose;
	libbpf_set_print(libbpf_logger);

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->opts = *opts;
	s->drain_fd = -1;
	s->ncpus = libbpf_num_possible_cpus();
	if (s->ncpus <= 0) {
		err = fail(s->ncpus, "count the possible CPUs");
		goto err_out;
	}

	for (int i = 0; i < TDX_MAP_ID_MAX; i++)
		s->map_fd[i] = -1;
	s->start_ns = mono_ns();
	last_failure = TDX_FAIL_OTHER;
	if (opts->source != TDX_SRC_LIVE) {
		/* the source first: a bad file is reported before privileges */
		err = open_source(s);
		if (err) {
			last_failure = TDX_FAIL_SOURCE;
			goto err_out;
		}
		tdx__module_init(s);
		if (choose_engine(opts) == TDX_ENGINE_USER) {
			err = open_user(s);
			if (err)
				goto err_out;
			*out = s;
			return 0;
		}
	}

	if (opts->source == TDX_SRC_LIVE)
		tdx__module_init(s);	/* tdxmod.c: the version a segment starts with */
	s->skel = tdxtrace_bpf__open();
	if (!s->skel) {
		err = fail(-errno, "open the BPF object");
		goto err_out;
	}
	/* Nothing loads unless the chosen mode asks for it. */
	bpf_object__for_each_program(p, s->skel->obj)
		bpf_program__set_autoload(p, false);

	switch (opts->source) {
	case TDX_SRC_LIVE:
		err = choose_live_mode(s);
		if (err)
			goto err_out;
		break;
	case TDX_SRC_REPLAY:
	case TDX_SRC_SIM:
		s->mode = opts->source == TDX_SRC_SIM ? TDX_MODE_SIM : TDX_MODE_REPLAY;
		bpf_program__set_autoload(s->skel->progs.tdx_drain, true);
		break;
	default:
		tdx_set_error("unknown source type %d", (int)opts->source);
		err = -EINVAL;
		goto err_out;
	}
	tdx__log(1, "mode: %s\n", tdx_mode_name(s->mode));

	set_rodata(s);
	err = set_sizes(s);
	if (err)
		goto err_out;

	err = tdxtrace_bpf__load(s->skel);
	if (err) {
		err = fail(err, "load the BPF programs");
		last_failure = TDX_FAIL_LOAD;
		goto err_out;
	}
	for (int id = 0; id < TDX_MAP_ID_MAX; id++)
		s->map_fd[id] = bpf_object__find_map_fd_by_name(s->skel->obj,
				tdx_map_desc((enum tdx_map_id)id)->name);

	if (s->mode == TDX_MODE_REPLAY || s->mode == TDX_MODE_SIM) {
		s->drain_fd = bpf_program__fd(s->skel->progs.tdx_drain);
		s->replay = user_ring_buffer__new(bpf_map__fd(s->skel->maps.tdx_replay),
						  NULL);
		if (!s->replay) {
			err = fail(-errno, "create the replay ring buffer");
			goto err_out;
		}
	} else {
		err = attach_live(s);
		if (err)
			goto err_out;
	}

	if (opts->stream) {
		s->stream = ring_buffer__new(bpf_map__fd(s->skel->maps.tdx_stream),
					     on_stream, s, NULL);
		if (!s->stream) {
			err = fail(-errno, "create the event stream");
			goto err_out;
		}
	}
	*out = s;
	return 0;

err_out:
	tdx_close(s);
	return err;
}

void tdx_close(struct tdx_session *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->nlinks; i++)
		bpf_link__destroy(s->links[i]);
	free(s->links);
	ring_buffer__free(s->stream);
	user_ring_buffer__free(s->replay);
	if (s->src)
		tdx_source_close(s->src);
	free(s->batch);
	tdx_uagg_free(s->uagg);
	free(s->snap_kbuf);
	free(s->snap_vbuf);
	tdxtrace_bpf__destroy(s->skel);
	free(s);
}

/* --------------------------------------------------------------- advance */

static void sleep_until(__u64 deadline)
{
	__u64 now = mono_ns();
	struct timespec ts;

	if (now >= deadline)
		return;
	ts.tv_sec = (time_t)((deadline - now) / 1000000000ULL);
	ts.tv_nsec = (long)((deadline - now) % 1000000000ULL);
	nanosleep(&ts, NULL);
}

/*
 * Replay/sim: feed the events with ts <= now + dt (all when dt == 0), then
 * wait out the rest of timeout_ms so a display runs at wall-clock pace.
 */
static int advance_source(struct tdx_session *s, __u64 dt_ns, int timeout_ms)
{
	__u64 deadline = mono_ns() + (timeout_ms > 0 ? (__u64)timeout_ms * 1000000ULL : 0);
	__u64 target = dt_ns ? s->now + dt_ns : ~0ULL;
	bool update = false;
	int r;

	if (!s->src)
		return 1;
	/*
	 * Events are read a block at a time into the batch and fed from there
	 * in runs; the first event past the window stays for the next call.
	 */
	for (;;) {
		size_t j;

		r = fill_batch(s);
		if (r < 0)
			return r;
		if (s->batch_i == s->batch_n)
			break;		/* end of source */
		for (j = s->batch_i; j < s->batch_n && s->batch[j].ts_ns <= target; j++)
			if (tdx__is_module_update(&s->batch[j])) {
				update = true;	/* fed last: this window ends with it */
				j++;
				break;
			}
		if (j > s->batch_i) {
			r = tdx_feed(s, &s->batch[s->batch_i], j - s->batch_i);
			if (r < 0)
				return r;
			s->batch_i = j;
		}
		if (update) {
			/* a module update ends the window: no window holds two modules */
			s->now = s->batch[j - 1].ts_ns;
			tdx__module_updated(s, s->now);
			return s->src_done && s->batch_i == s->batch_n ? 1 : 0;
		}
		if (j < s->batch_n)
			break;		/* the next event is past the window */
	}
	/*
	 * Source time moves to the window's end, but not past the data: at
	 * the end of the source it stays at the last event fed (tdx_feed), so
	 * a last, partial window has its real span (window.c).
	 */
	if (s->src_done && s->batch_i == s->batch_n) {
		sleep_until(deadline);
		return 1;
	}
	if (dt_ns && target > s->now)
		s->now = target;
	sleep_until(deadline);
	return 0;
}

int tdx_advance(struct tdx_session *s, __u64 dt_ns, int timeout_ms)
{
	int r;

	if (s->mode == TDX_MODE_REPLAY || s->mode == TDX_MODE_SIM)
		return advance_source(s, dt_ns, timeout_ms);
	tdx__module_poll(s);	/* a runtime module update starts a segment */
	if (s->stream) {
		r = ring_buffer__poll(s->stream, timeout_ms);
		if (r < 0 && r != -EINTR)
			return fail(r, "poll the event stream");
		return 0;
	}
	if (timeout_ms > 0)
		poll(NULL, 0, timeout_ms);	/* EINTR (a signal) returns early */
	return 0;
}
