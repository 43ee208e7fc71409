/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * cliopts.h - the one option vocabulary of tdxtop, tdxtrace and tdxbench.
 *
 * Every tool parses its command line with tdx_cl_parse(): its own argp (its
 * own options, its own input) plus the shared groups it asks for, argp
 * children that fill one struct tdx_cl through argp's child inputs:
 *
 *   source   --sim SCENARIO[:SEED][,k=v]  --replay FILE  --mode auto|bpf|user
 *   filter   -p/--pid PID[,PID] (repeatable)  -l/--leaf LEAF[,LEAF]
 *            (repeatable)  -g/--guest NAME (VMM comm or libvirt domain)
 *   output   -j/--json  --csv  -o/--output FILE  -z/--skip-zero
 *   time     -d/--delay INTERVAL (-i/--interval the same)  -n/--count N
 *            -1/--once  [INTERVAL [COUNT]]
 *   verbose  -v/--verbose (libbpf's debug output, as in libbpf-tools)
 *
 * Errors: one message and one usage line on stderr, TDX_EXIT_USAGE.
 * tdx_cl_open() opens the session and turns a failure into one message and
 * an exit code of TDX_EXIT_TABLE; tdx_cl_out_*() write an output file
 * through a temporary in the same directory, renamed only when complete.
 */
#ifndef TDXTRACE_CLIOPTS_H
#define TDXTRACE_CLIOPTS_H

#include <argp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "tdxtrace.h"

enum tdx_cl_group {
	TDX_CL_SOURCE	= 1 << 0,
	TDX_CL_FILTER	= 1 << 1,	/* -p, -l, -g */
	TDX_CL_JSON	= 1 << 2,	/* -j/--json */
	TDX_CL_CSV	= 1 << 3,	/* --csv */
	TDX_CL_OUTPUT	= 1 << 4,	/* -o/--output FILE */
	TDX_CL_ZERO	= 1 << 5,	/* -z/--skip-zero */
	TDX_CL_TIME	= 1 << 6,	/* -d/-i, -n, -1, [INTERVAL [COUNT]] */
	TDX_CL_VERBOSE	= 1 << 7,	/* -v */
	TDX_CL_NOPOS	= 1 << 8,	/* with TIME: no positional INTERVAL COUNT */
};

#define TDX_CL_GUEST_MAX 64

struct tdx_cl {
	/* set by the tool before tdx_cl_parse() */
	const char *prog;		/* "tdxtop", "tdxtrace lat" */
	const char *args_doc;		/* its positionals for the usage line */
	unsigned groups;		/* enum tdx_cl_group */
	__u64 min_interval_ns;		/* -d below: usage error (0: > 0) */
	const char *output_doc;		/* help of -o (NULL: "Write to FILE") */

	/* results */
	struct tdx_opts opts;		/* source, pids, leaves, verbose, engine */
	const char *guests[TDX_CL_GUEST_MAX];	/* -g NAME, resolved by tdx_cl_open */
	int nguests;
	bool json, csv, skip_zero, once;
	const char *out_path;		/* -o */
	__u64 interval_ns;		/* -d/-i or the first positional; 0 = none */
	long count;			/* -n or the second positional; 0 = none */
	int npos;			/* positionals taken by the time group */
	bool help_shown;		/* -h/--help/--usage printed: exit 0 */

	bool usage_printed;		/* private */
};

/* Initialise: live source, no filters. */
void tdx_cl_init(struct tdx_cl *cl, const char *prog, unsigned groups);

/*
 * Parse argv (argv[0] is replaced by cl->prog) with the tool's argp (its
 * parser receives tool_input as state->input; NULL argp: none) and the
 * groups in cl->groups.  Returns 0 (go on), 1 (help printed: exit 0) or
 * TDX_EXIT_USAGE after one message and one usage line on stderr.
 */
int tdx_cl_parse(struct tdx_cl *cl, const struct argp *tool, void *tool_input,
		 int argc, char **argv);

/* A usage error from inside a parser: the message and one usage line. */
error_t tdx_cl_usage_error(struct argp_state *state, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The same outside argp (after parsing): prints, returns TDX_EXIT_USAGE. */
int tdx_cl_usage_errorf(const struct tdx_cl *cl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The struct tdx_cl being parsed (its own parser may need it), or NULL. */
struct tdx_cl *tdx_cl_current(void);

/* "1.5", "250ms", "2s", "10us", "3m", "1h" -> ns; -1 on error. */
long long tdx_cl_parse_duration(const char *s, const char *default_unit);
/* "PID[,PID...]" appended to the filter; -1 on error. */
int tdx_cl_parse_pids(struct tdx_filter *f, const char *s);
/* "LEAF[,LEAF...]" into the filter's leaf mask; -1 and the bad token on error. */
int tdx_cl_parse_leaves(struct tdx_filter *f, const char *s, char *bad, size_t badlen);

/*
 * The pids whose VMM is called name: /proc/PID/comm, or the guest name of a
 * QEMU command line (-name NAME or -name guest=NAME,..., as libvirt starts
 * it).  proc is "/proc" (tests give another root).  Returns how many were
 * stored in pids (at most max), -1 on error.
 */
int tdx_cl_find_guest(const char *proc, const char *name, __u32 *pids, int max);

/*
 * tdx_open() with the parsed options: -g names resolved (live: /proc, a
 * replay or simulation: the TDs the source names), the verbosity set.  On
 * failure prints one message (what was probed and what to try when there
 * is no TDX) and returns the exit code; 0 on success.
 */
int tdx_cl_open(struct tdx_cl *cl, struct tdx_session **out);
/*
 * The -g names into o's pid filter (o: cl->opts or a copy the tool
 * completed); sets the verbosity.  0, or an exit code after a message.
 */
int tdx_cl_resolve(struct tdx_cl *cl, struct tdx_opts *o);
/* Exit code of TDX_EXIT_TABLE for a tdx_open()/tdx_advance() error. */
int tdx_cl_exit_code(const struct tdx_cl *cl, int err);
/* Print the error of a failed tdx_open() as tdx_cl_open() does; exit code. */
int tdx_cl_open_failed(const struct tdx_cl *cl, int err);

/*
 * After an offline source was read to its end: what it held that the
 * figures do not say, as lines "PROG: NAME: ..." in msg (a sampled
 * recording, records skipped; "" if nothing), and TDX_EXIT_NODATA when it
 * gave no TDX event at all (not an idle host: "no TDX events (N records
 * read)"), else 0.  Live sessions: 0.  Every tool that reads a source ends
 * with it (tdxtrace's reports, tdxtop).
 */
int tdx_cl_check_source(const struct tdx_cl *cl, struct tdx_session *s,
			const char *name, char *msg, size_t len);

/* "live", "replay", "sim" */
const char *tdx_cl_source_type(const struct tdx_cl *cl);
/* The file or the spec; "" live. */
const char *tdx_cl_source_name(const struct tdx_cl *cl);

/*
 * Output files that never exist half-written: tdx_cl_out_open() opens
 * path's temporary ("DIR/.NAME.XXXXXX", mode 0644 under the umask) or gives
 * stdout when path is NULL or "-"; tdx_cl_out_close() flushes, renames over
 * path if ok, else removes the temporary.  0 or -errno (message set).
 */
struct tdx_cl_out {
	FILE *f;
	char *path, *tmp;
};
int tdx_cl_out_open(struct tdx_cl_out *o, const char *path);
int tdx_cl_out_close(struct tdx_cl_out *o, bool ok);

#endif /* TDXTRACE_CLIOPTS_H */
