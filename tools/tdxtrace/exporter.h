/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * exporter.h - the pieces of `tdxtrace exporter` (docs/exporter.md):
 *
 *   exporter.c         the subcommand: options, the session loop, signals
 *   exporter_buf.c     the text buffer and number/label formatting
 *   exporter_http.c    libmicrohttpd: /, /metrics, Accept negotiation, cache
 *   exporter_render.c  the one place metrics are named and written (pure:
 *                      snapshot + labels in, exposition text out)
 *   exporter_labels.c  TD labels (/proc: libvirt domain, KubeVirt VMI) and
 *                      host facts (TDX module version, CPU model)
 *
 * Only the public loader API (tdxtrace.h) is used; the session is owned by
 * the main thread and read by the HTTP thread under exp->lock.
 */
#ifndef TDXTRACE_EXPORTER_H
#define TDXTRACE_EXPORTER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli.h"

/* ------------------------------------------------------------ buffer */
struct xbuf {
	char *p;
	size_t len, cap;
	bool oom;		/* an append failed: the body is not usable */
};

void xb_reserve(struct xbuf *b, size_t extra);
void xb_put(struct xbuf *b, const char *s, size_t n);
void xb_puts(struct xbuf *b, const char *s);
void xb_u64(struct xbuf *b, __u64 v);
void xb_s64(struct xbuf *b, __s64 v);
/* ns as exact decimal seconds: 1500 -> "0.0000015" */
void xb_ns_seconds(struct xbuf *b, __u64 ns);
void xb_double(struct xbuf *b, double v);
/* A label value, escaped (\\ \" \n) and made valid UTF-8 ('?' for bad bytes). */
void xb_label_value(struct xbuf *b, const char *s);
void xb_free(struct xbuf *b);
/* Into out (>= 24 / 40 bytes): decimal u64, ns as exact seconds; lengths. */
size_t xb_fmt_u64(char *out, __u64 v);
size_t xb_fmt_ns_seconds(char *out, __u64 ns);

/* ------------------------------------------------------------ render */
enum exp_buckets {
	EXP_BUCKETS_FINE,	/* every power of two, 256 ns .. 2^30 ns (23 bounds) */
	EXP_BUCKETS_COARSE,	/* every second power of two (12 bounds) */
};

#define EXP_MAX_BOUNDS 32

struct exp_render_opts {
	bool om;			/* OpenMetrics 1.0 (else text 0.0.4) */
	bool leaf_groups;		/* leaf="TDH.MEM.*" instead of one per leaf */
	enum exp_buckets buckets;
};

/* Facts about this host and session that are not in the snapshot. */
struct exp_host {
	bool up;			/* a session is open */
	const char *source;		/* "live", "sim", "replay" */
	const char *source_name;	/* sim spec / replay file, "" live */
	const char *missing;		/* tdx_missing(), "" or NULL if nothing */
	bool offline_done;		/* replay/sim: the source is exhausted */
	__u64 fed_ns;			/* replay/sim: source time fed (whole steps) */
	char tdx_module[64];		/* "" unknown */
	char cpu_vendor[32], cpu_model_name[96], cpu_family[8], cpu_model[8],
	     cpu_stepping[8], cpu_microcode[24];
	/* the exporter's own counters */
	__u64 scrapes[2];		/* [0] text 0.0.4, [1] OpenMetrics */
	__u64 renders, render_cpu_ns, reopens, http_errors;
	__u64 last_bytes, last_series;
};

/* Preformatted TD labels (pid="..",comm="..",...) for one pid. */
typedef const char *(*exp_td_labels_fn)(void *cookie, __u32 pid);

/*
 * Append the whole exposition of snapshot s (NULL: session down, only the
 * host/self metrics) to b.  Returns the number of samples written.
 */
size_t exp_render(struct xbuf *b, const struct tdx_snapshot *s, const struct exp_host *h,
		  const struct exp_render_opts *o, exp_td_labels_fn labels, void *cookie);
/* The exported bucket bounds (ns) of a bucket set; returns how many. */
int exp_bounds(enum exp_buckets set, __u64 *out);
/* "TDH.MEM.*" group of a leaf number ("other" if unknown). */
const char *exp_leaf_group(__u32 leaf);

/* ------------------------------------------------------------ labels */
struct exp_labels;
/* live: read /proc for domain/VMI; offline sources use only the snapshot's comm. */
struct exp_labels *exp_labels_new(bool live);
void exp_labels_free(struct exp_labels *l);
/* Forget every cached TD (SIGHUP). */
void exp_labels_clear(struct exp_labels *l);
/* Refresh the cache for the TDs of s (drops TDs that left). */
void exp_labels_update(struct exp_labels *l, const struct tdx_snapshot *s);
const char *exp_labels_get(void *l, __u32 pid);
/* Parse QEMU's "-name guest=NAME,..." out of a NUL-separated cmdline. */
bool exp_qemu_guest_name(const char *cmdline, size_t len, char *out, size_t outlen);
/* KubeVirt: the pod UID of a kubepods cgroup path (NULL if not one). */
bool exp_kube_pod_uid(const char *cgroup, char *out, size_t outlen);
void exp_host_facts(struct exp_host *h, bool live, const char *tdx_module);

/* ------------------------------------------------------------ server */
struct exp_body {
	int refs;			/* under exp->lock */
	__u64 born_ns;			/* CLOCK_MONOTONIC when rendered */
	size_t len, cap;
	char *data;			/* the render buffer (moved from an xbuf) */
};

struct exp {
	struct cli *c;
	pthread_mutex_t lock;		/* session, snapshot, cache, host */
	struct tdx_session *s;		/* NULL while down */
	struct tdx_snapshot snap;
	struct exp_host host;
	struct exp_render_opts ropts;
	struct exp_labels *labels;
	struct exp_body *cache[2];	/* last body per format */
	__u64 cache_ns;			/* reuse a body younger than this */
	const char *listen;		/* ADDR:PORT */
	char missing[256];		/* tdx_missing() of the open session */
	void *mhd;			/* struct MHD_Daemon */
	unsigned conn_limit;
	unsigned conn_timeout_s;
};

/* 0 if s is a valid --listen ADDR:PORT / [ADDR6]:PORT (numeric). */
int exp_listen_check(const char *s);
/* Start serving (prints "listening on http://ADDR:PORT/"); exit code. */
int exp_http_start(struct exp *e);
void exp_http_stop(struct exp *e);
/* Drop the cached bodies (under e->lock). */
void exp_cache_drop(struct exp *e);
__u64 exp_mono_ns(void);

/* Media type negotiation: true if Accept prefers OpenMetrics over text. */
bool exp_accept_openmetrics(const char *accept);

#endif /* TDXTRACE_EXPORTER_H */
