/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tdxtrace.h - the one loader library every tdxtrace tool uses.
 *
 * A session loads the BPF aggregation programs, chooses how to feed them
 * (live tracepoints, stock mode (fentry + upstream tracepoints), a replayed file or the simulator),
 * and reads the maps back as plain structs from include/tdxtrace/maps.h.
 *
 *   struct tdx_session *s;
 *   struct tdx_opts o = TDX_OPTS_INIT;   // live, no filters
 *   if (tdx_open(&s, &o)) { fprintf(stderr, "%s\n", tdx_last_error()); ... }
 *   for (;;) {
 *           tdx_advance(s, interval_ns, interval_ms);   // feeds / waits
 *           tdx_snapshot(s, &snap);                    // sums per-CPU maps
 *           ...                                       // show
 *   }
 *   tdx_close(s);                                     // detaches everything
 *
 * Errors: functions return 0 or a negative errno; tdx_last_error() has one
 * human sentence (e.g. "need CAP_BPF and CAP_PERFMON (or root) to load BPF
 * programs").  libbpf's own messages go to the logger, shown with -v.
 */
#ifndef TDXTRACE_LIB_H
#define TDXTRACE_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "tdxtrace/events.h"
#include "tdxtrace/hist.h"
#include "tdxtrace/leaves.h"
#include "tdxtrace/maps.h"

#define TDXTRACE_VERSION "0.1.0"

/*
 * The exit codes of every tool (tdxtop, tdxtrace, tdxbench), one table:
 * X(NAME, code, "meaning"). Man pages and docs/cli.md list exactly these
 * rows (tests/cli checks it); values above 2 follow sysexits(3) where one
 * fits, so scripts that know EX_NOINPUT or EX_NOPERM read them right.
 */
#define TDX_EXIT_TABLE(X)						\
	X(OK,		0,  "success (also -h/--help)")			\
	X(FAIL,		1,  "runtime error not covered below")		\
	X(USAGE,	2,  "usage error: unknown option, command, leaf, scenario or bad number") \
	X(REGRESSION,	3,  "tdxbench compare/run: a result is slower than its baseline") \
	X(NODATA,	4,  "the source holds no TDX events (a capture of other events, an empty file)") \
	X(DATAERR,	65, "input is corrupt or not a recording/trace.dat")	\
	X(NOINPUT,	66, "input file missing or unreadable")		\
	X(UNAVAILABLE,	69, "no TDX tracing on this kernel (no tracepoint, no fentry target)") \
	X(CANTCREAT,	73, "cannot create or complete an output file")	\
	X(NOPERM,	77, "missing privileges (BPF, tracefs)")

enum tdx_exit_code {
#define TDX_EXIT_ENUM(name, code, doc) TDX_EXIT_##name = code,
	TDX_EXIT_TABLE(TDX_EXIT_ENUM)
#undef TDX_EXIT_ENUM
};

/* "NOINPUT" etc. for a code, or NULL. */
const char *tdx_exit_name(int code);

/* ---------------------------------------------------------------- sources */

enum tdx_source_type {
	TDX_SRC_LIVE,		/* attach to this kernel */
	TDX_SRC_REPLAY,		/* a record file or a trace-cmd trace.dat */
	TDX_SRC_SIM,		/* the built-in simulator */
};

enum tdx_attach_mode {
	TDX_MODE_NONE,
	TDX_MODE_TP_BTF,	/* tdxtrace tracepoints via tp_btf */
	TDX_MODE_RAW_TP,	/* tdxtrace tracepoints via raw_tp */
	TDX_MODE_FENTRY,	/* stock: fentry/fexit on tdh_* and KVM TDX functions,
				   tp_btf on the upstream kvm/kvmmmu tracepoints */
	TDX_MODE_REPLAY,
	TDX_MODE_SIM,
};

/*
 * Where an offline source (replay, sim) is aggregated.  Both run the same
 * code (bpf/tdx_agg.bpf.h) and give the same maps bit for bit:
 *   AUTO  user space (no privileges needed); TDXTRACE_ENGINE=bpf|user
 *         in the environment overrides it
 *   BPF   the BPF programs, fed through a user ring buffer (needs CAP_BPF)
 *   USER  in-process (tools/lib/uagg.c)
 * A live session always runs in the kernel.
 */
enum tdx_engine { TDX_ENGINE_AUTO, TDX_ENGINE_BPF, TDX_ENGINE_USER };

/*
 * Live: which way in (--mode; else $TDXTRACE_MODE=auto|tracepoints|stock).
 * AUTO: the tdxtrace tracepoints when the kernel has them, else stock mode.
 * TRACEPOINTS: those only (an error without them).  STOCK: fentry on the
 * tdh_*() wrappers + the upstream tracepoints, even on a patched kernel (to
 * compare both on one kernel).
 */
enum tdx_live_mode { TDX_LIVE_AUTO, TDX_LIVE_TRACEPOINTS, TDX_LIVE_STOCK };
/* "auto", "tracepoints", "stock" -> mode, -1 if none of them */
int tdx_live_mode_parse(const char *s);

#define TDX_FILTER_MAX_PIDS 16

struct tdx_filter {
	__u32 pids[TDX_FILTER_MAX_PIDS];	/* TDs (VMM pids); none = all */
	int npids;
	__u64 leaf_mask[TDX_LEAF_MAX / 64];	/* bit per leaf number; all 0 = all */
	__u64 min_lat_ns;			/* SEAMCALL/EPT/MapGPA below: filtered */
	/*
	 * EPT violations shorter than this are counted everywhere but not
	 * tracked per GFN (the "slowest GPAs" table, map tdx_ept_gfn); 0 =
	 * track every violation, TDX_GFN_TRACK_NONE = keep the table empty.
	 * Tools that show slowest GPAs use TDX_EPT_GFN_MIN_NS by default so a
	 * busy TD does not fill the table with fast faults.
	 */
	__u64 gfn_min_ns;
};

struct tdx_opts {
	enum tdx_source_type source;
	const char *replay_path;	/* TDX_SRC_REPLAY */
	const char *sim_spec;		/* TDX_SRC_SIM: "SCENARIO[:SEED][,key=val...]" */
	struct tdx_filter filter;
	bool stream;			/* also stream events (ring buffer) to stream_cb */
	__u32 sample_every;		/* stream one event in N (0/1 = all) */
	__u32 ringbuf_bytes;		/* 0 = default (4 MiB) */
	__u32 max_tds;			/* 0 = TDX_MAX_TDS; smaller to force "dropped" */
	int verbose;			/* >0: libbpf and loader debug messages */
	enum tdx_engine engine;		/* offline sources: where to aggregate */
	enum tdx_live_mode live_mode;	/* live sources: tracepoints, stock, auto */
	int (*stream_cb)(void *ctx, const struct tdx_event *ev);
	void *stream_ctx;
};

#define TDX_OPTS_INIT { .source = TDX_SRC_LIVE }

struct tdx_session;

/* A TD as the tools label it. */
struct tdx_td_info {
	__u32 pid;
	char comm[32];		/* VMM name (/proc/PID/comm, or from the source) */
	__u32 vcpus;		/* 0 if unknown */
};
/*
 * What an offline source says of itself (record file header, trace.dat,
 * simulator): host, kernel, TDX module, start, losses, the TDs.
 */
#define TDX_SOURCE_MAX_TDS 1024

struct tdx_source_info {
	char format[32];		/* "sim", "tdxrec v1", "trace.dat v7" */
	char host[64];
	char kernel[128];
	char tdx_module[64];		/* TDX module version, "" if unknown */
	__u64 start_ns;			/* first timestamp (CLOCK_MONOTONIC base) */
	__u64 lost;			/* events the producer lost (trailer / lost records) */
	__u32 sample_every;		/* a sampled recording: 1 event in N kept (0/1 = all) */
	size_t n_td;
	struct tdx_td_info td[TDX_SOURCE_MAX_TDS];
};

int tdx_open(struct tdx_session **out, const struct tdx_opts *opts);
/*
 * Where the last failed tdx_open() failed: in the source (a missing,
 * unreadable or corrupt file, a bad simulator spec: the input's fault) or
 * in loading and attaching (privileges, the kernel).  The source is opened
 * and checked first, once.
 */
enum tdx_fail_where { TDX_FAIL_OTHER, TDX_FAIL_SOURCE, TDX_FAIL_LOAD };
enum tdx_fail_where tdx_last_failure(void);
/* The offline source's info, NULL for a live session. */
const struct tdx_source_info *tdx_source_of(const struct tdx_session *s);
void tdx_close(struct tdx_session *s);

enum tdx_attach_mode tdx_mode(const struct tdx_session *s);
const char *tdx_mode_name(enum tdx_attach_mode m);
/* What the current mode cannot observe ("" if nothing is missing). */
const char *tdx_missing(const struct tdx_session *s);
/* Where this session aggregates (BPF or USER). */
enum tdx_engine tdx_engine(const struct tdx_session *s);
/*
 * Start of the source (ns, the clock of its events): the record file's or
 * trace.dat's start, the simulator's; live: when the session opened.
 */
__u64 tdx_start_ns(const struct tdx_session *s);

/*
 * Move the session forward.  Live: wait up to timeout_ms, polling the ring
 * buffer (if streaming).  Replay/sim: feed the events of the next dt_ns of
 * source time (dt_ns == 0: everything that is left) into the BPF programs.
 * Returns 0, 1 when a replay/sim source is exhausted, or -errno.
 */
int tdx_advance(struct tdx_session *s, __u64 dt_ns, int timeout_ms);

/*
 * Push events straight into the aggregation (batched through the BPF user
 * ring buffer, one test_run per batch).  Valid for replay and sim sessions;
 * a session opened with TDX_SRC_REPLAY and replay_path == NULL is fed only
 * this way (tests, tdxtrace record's self-check).  Returns events accepted
 * or -errno.
 */
int tdx_feed(struct tdx_session *s, const struct tdx_event *evs, size_t n);

/* Current source time (ns): replay/sim: last event fed; live: CLOCK_MONOTONIC. */
__u64 tdx_now(const struct tdx_session *s);

/* Zero all aggregation maps (counters included). */
int tdx_reset(struct tdx_session *s);

const char *tdx_last_error(void);
void tdx_set_verbose(int level);

/* --------------------------------------------------------------- snapshot */

/*
 * One entry of a map: { key, value } (include/tdxtrace/maps.h).  Every key
 * starts with the TD's pid, so entry.pid works for all of them.
 */
#define TDX_X_SNAP_ENT(id, bpf, snap, kt, vt, vf, per_td, in_snap)	\
	struct tdx_snap_##snap { union { struct kt key; __u32 pid; }; struct vt v; };
TDX_MAP_TABLE(TDX_X_SNAP_ENT)
#undef TDX_X_SNAP_ENT


#define TDX_X_IF_1(...) __VA_ARGS__
#define TDX_X_IF_0(...)

/*
 * A snapshot: per map of the table (in_snap 1) an array sorted by key,
 * n_<snap> entries at <snap> (cap_<snap>: private, the allocated size).
 */
struct tdx_snapshot {
	__u64 ts_ns;				/* tdx_now() when taken */
	enum tdx_attach_mode mode;
	struct tdx_counters counters;		/* summed over CPUs */
	__u64 source_lost;			/* lost records the source itself reports */
#define TDX_X_SNAP_ARR(id, bpf, snap, kt, vt, vf, per_td, in_snap)	\
	TDX_X_IF_##in_snap(size_t n_##snap; struct tdx_snap_##snap *snap; size_t cap_##snap;)
	TDX_MAP_TABLE(TDX_X_SNAP_ARR)
#undef TDX_X_SNAP_ARR
	size_t n_td;
	struct tdx_td_info *td;			/* every pid seen in any map */
	size_t cap_td;
};

/* Fill *out (allocates; free with tdx_snapshot_free).  */
int tdx_snapshot(struct tdx_session *s, struct tdx_snapshot *out);
/*
 * The same into a snapshot that is zeroed or was filled before: its arrays
 * are reused (grown when needed), so a monitor refreshing every second does
 * not allocate, fault in and free megabytes each time.
 */
int tdx_snapshot_refresh(struct tdx_session *s, struct tdx_snapshot *snap);
void tdx_snapshot_free(struct tdx_snapshot *snap);
/* out = cur - prev, entry by entry (gauges and min/max are taken from cur). */
int tdx_snapshot_diff(struct tdx_snapshot *out, const struct tdx_snapshot *cur,
		      const struct tdx_snapshot *prev);
/* prev = cur - prev in place (prev's memory becomes the window). */
int tdx_snapshot_subtract(struct tdx_snapshot *prev, const struct tdx_snapshot *cur);

/* ------------------------------------------------------------- the tables */

/* One member of a key, value or counters struct (include/tdxtrace/maps.h). */
struct tdx_field_desc {
	const char *name;
	size_t off;			/* offset in the struct */
	unsigned int size;		/* bytes of one element */
	unsigned int n;			/* elements (1 = scalar) */
	enum tdx_merge merge;
	bool is_signed;
	const char *doc;
};

struct tdx_map_desc {
	const char *name;		/* BPF map name ("tdx_leaf") */
	const char *snap;		/* snapshot array ("leaf"), NULL if none */
	size_t key_size, value_size;
	__u32 per_td;			/* max_entries = per_td x max_tds */
	const struct tdx_field_desc *key, *value;	/* ended by name == NULL */
};

/*
 * Complete a value read raw from map id: the fields the BPF programs leave
 * to the reader to keep the common event at two atomic adds (SEAMCALL and
 * TD-entry count = the histogram's total, status[success] = count minus the
 * other classes).  Snapshots do it; call it only on values read otherwise.
 */
void tdx_map_complete(enum tdx_map_id id, void *value);

/* The short name tools print for a map ("leaf", "ept_gfn"), "?" if none. */
const char *tdx_map_name(enum tdx_map_id id);

/* The map of id, NULL if out of range. */
const struct tdx_map_desc *tdx_map_desc(enum tdx_map_id id);
const struct tdx_field_desc *tdx_counters_desc(void);

/* One argument of an event (include/tdxtrace/events.h argument tables). */
struct tdx_arg_desc {
	const char *field;		/* tracefs field name */
	const char *aliases;		/* "name|alias|..." as the importer accepts */
	const char *type;		/* TP_PROTO type: "u64", "int", "bool", ... */
	enum tdx_arg_fmt fmt;
	const char *doc;
};

/* Argument i of kind (index into struct tdx_event.args), NULL if none. */
const struct tdx_arg_desc *tdx_event_arg(__u32 kind, int i);
/*
 * The TP_PROTO argument naming the TD (format P: its value is the event's
 * pid, not in args[]), NULL when the TD is the task that fired the event.
 */
const struct tdx_arg_desc *tdx_event_td_arg(__u32 kind);
/*
 * The TDVMCALL sub-function of slot of the tdvmcall arrays (maps.h,
 * TDX_KVM_TDVMCALL_TABLE): "MapGPA" and its R11 value in *leaf (if leaf);
 * "other" (slot 0, *leaf 0); NULL for a slot the table does not use.
 */
const char *tdx_kvm_tdvmcall_name(unsigned int slot, __u64 *leaf);

/* ---------------------------------------------------------- TDX module */

/*
 * The TDX module version of this host (tools/lib/tdxmod.c): the 7.2+
 * /sys/devices/faux/tdx_host/version first, the older /sys/firmware/tdx
 * paths second; $TDXTRACE_SYSFS_ROOT is put before each path.  0, or
 * -ENOENT with out "" when no kernel file gives one.
 */
int tdx_module_version_read(char *out, size_t n);
/* The session's module version in the current segment ("" unknown). */
const char *tdx_module_version(const struct tdx_session *s);
/*
 * Segments: 0 at the start, +1 at each runtime module update seen (live: the
 * version file changed; offline: a successful TDH.SYS.UPDATE was fed, and
 * tdx_advance() returned right after it).  Tools report segments apart.
 */
unsigned tdx_module_segment(const struct tdx_session *s);
__u64 tdx_module_segment_start(const struct tdx_session *s);	/* ns, 0 = start */

/* ---------------------------------------------------------------- helpers */

/*
 * Name of an aggregation slot (tdx_leaf_slot(): the host leaf number, or a
 * P-SEAMLDR slot): "TDH.MEM.PAGE.AUG", "SEAMLDR.INSTALL", or NULL if unnamed.
 */
const char *tdx_leaf_name(__u32 slot);
/* The name, else the slot as a number ("5", "SEAMLDR.9", "other") in buf. */
const char *tdx_leaf_label(__u32 slot, char *buf, size_t n);
int tdx_leaf_parse(const char *name);			/* name, macro or number -> nr, -1 */
const char *tdx_status_name(__u64 status);		/* "OPERAND_BUSY", or NULL */
const char *tdx_status_class_name(__u32 cls);		/* "busy" */
/* VMX basic exit reason a TD exits with ("EPT_VIOLATION"), NULL if not named. */
const char *tdx_exit_reason_name(__u32 reason);
/* Name of an exit_reason[] slot: the reason's, "UNDEFINED" (0xdead), "other". */
const char *tdx_exit_slot_name(__u32 slot);
/* TDVMCALL sub-function (R11) name ("MAP_GPA"), NULL if not named. */
const char *tdx_tdvmcall_name(__u64 subfn);
const char *tdx_event_name(__u32 kind);			/* "tdx_seamcall" */
const char *tdx_event_system(__u32 kind);		/* "tdx" */
int tdx_event_nargs(__u32 kind);		/* entries of struct tdx_event.args */
int tdx_event_tp_nargs(__u32 kind);		/* TP_PROTO arguments (+ the TD's pid) */

/* q in [0,1]; linear interpolation inside a slot; 0 for an empty histogram. */
double tdx_hist_quantile(const __u64 *hist, double q);
__u64 tdx_hist_total(const __u64 *hist);
/* Collapse to the log2 view: out[TDX_LOG2_SLOTS]. */
void tdx_hist_log2(const __u64 *hist, __u64 *out);
/* runqlat-style log2 bars: unit_div 1 (ns), 1000 (usecs), 1000000 (msecs). */
void tdx_hist_print_log2(FILE *f, const __u64 *hist, __u64 unit_div,
			 const char *unit_name);

#endif /* TDXTRACE_LIB_H */
