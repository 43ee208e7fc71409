/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * source_int.h - internals shared by the event sources (source.c, sim.c,
 * recfile.c, tracedat.c).  Not installed, not an API.
 */
#ifndef TDXTRACE_SOURCE_INT_H
#define TDXTRACE_SOURCE_INT_H

#include <stdbool.h>

#include "source_test.h"
#include "util.h"

struct tdx_source_ops {
	int (*next)(struct tdx_source *src, struct tdx_event *ev);
	/* optional: up to n events at once (>0), 0 at the end, -errno */
	int (*next_batch)(struct tdx_source *src, struct tdx_event *evs, int n);
	void (*close)(struct tdx_source *src);
	/* optional: records read and skipped beyond the events returned */
	void (*counts)(const struct tdx_source *src, struct tdx_source_counts *out);
	/* optional: the TDX module version after the n-th update (n >= 1), NULL if unknown */
	const char *(*module_after)(struct tdx_source *src, unsigned n);
};

struct tdx_source {
	const struct tdx_source_ops *ops;
	void *priv;
	struct tdx_source_info info;
	/* the loss model: every loss read so far, at its time (source.c) */
	struct tdx_source_loss *loss;
	size_t n_loss, cap_loss;
	__u64 loss_read;			/* sum of loss[].n */
	__u64 n_events;				/* events returned (source.c) */
};

/*
 * A source met n lost events at ts_ns (the time of the last event before
 * them, or of the record that reported them): logged in reading order, so
 * every consumer places it in the window where it happened.  0 or -ENOMEM.
 */
int tdx__source_add_loss(struct tdx_source *src, __u64 ts_ns, __u64 n);

/* Allocate a source with its info zeroed. */
struct tdx_source *tdx_source_alloc(const struct tdx_source_ops *ops, void *priv);

int tdx_sim_open(struct tdx_source *src, const char *spec);
int tdx_recfile_open(struct tdx_source *src, const char *path, int fd);
int tdx_tracedat_open(struct tdx_source *src, const char *path);
/*
 * Structure of a trace.dat in memory (tracedat_check.c): 0 when every size,
 * count, offset and string stays inside the file and its bounds, else
 * -EIO (-EPROTO: a version other than 6 or 7) with the reason and offset in why.
 */
int tdx__tracedat_check(const void *buf, size_t len, char *why, size_t whylen);

/* [global] keys of data/calibration.conf: X(name) */
#define TDX_CALIB_GLOBALS(X)						\
	X(exit_rate_hz) X(vp_transition_median_ns) X(vp_transition_sigma)	\
	X(host_gap_median_ns) X(host_gap_sigma)				\
	X(w_exit_ept) X(w_exit_tdcall) X(w_exit_extint) X(w_exit_other)	\
	X(ept_private_p) X(ept_handler_median_ns) X(ept_handler_sigma)	\
	X(ept_retry_gap_ns) X(ept_max_retries)				\
	X(frozen_pre_ns) X(frozen_post_ns)					\
	X(tdcall_mapgpa_p) X(mapgpa_to_shared_p) X(mapgpa_small_p)		\
	X(mapgpa_small_max_kib) X(mapgpa_max_kib) X(mapgpa_chunk_kib)		\
	X(mapgpa_vmm_median_ns) X(mapgpa_vmm_sigma) X(mapgpa_retry_p)		\
	X(boot_conversions)							\
	X(zero_step_rate_hz) X(zero_step_median_ns)				\
	X(td_mem_mib) X(td_shared_mib) X(steady_mapped_p)			\
	X(contention_zero_step_rate_hz) X(contention_range_kib)		\
	X(mixing_scatter_p) X(convert_mapgpa_p)				\
	X(boot_accept_4k) X(boot_bounce_flips) X(boot_bounce_kib)		\
	X(hp_aug_2m_ns) X(hp_demote_ns) X(hp_promote_ns) X(hp_pamt_add_ns)

struct tdx_sim_calib {
#define TDX_X_FIELD(name) double name;
	TDX_CALIB_GLOBALS(TDX_X_FIELD)
#undef TDX_X_FIELD
	bool has_leaf[TDX_LEAF_MAX];
	struct tdx_sim_leaf_calib leaf[TDX_LEAF_MAX];
};

/* Parse calibration text; origin names it in errors.  0 or -EINVAL. */
int tdx_calib_parse(struct tdx_sim_calib *c, const char *text, const char *origin);
/* Load: path NULL = $TDXSIM_CALIB if set, else the embedded file. */
int tdx_calib_load(struct tdx_sim_calib *c, const char *path);


#endif /* TDXTRACE_SOURCE_INT_H */
