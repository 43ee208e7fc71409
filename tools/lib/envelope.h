/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * envelope.h - the one JSON envelope of tdxtop, tdxtrace (and what else
 * prints JSON about a session): see docs/cli.md, "Shared definitions" (envelope).
 */
#ifndef TDXTRACE_ENVELOPE_H
#define TDXTRACE_ENVELOPE_H

#include <stdbool.h>

#include "cliopts.h"
#include "tdxtrace.h"

struct json_object;

/* The window a JSON object describes. */
struct tdx_json_window {
	long index;			/* 1, 2, ...: the interval; < 0: not shown */
	__u64 interval_ns;		/* the interval asked for; 0 = none (one report) */
	__u64 span_ns;			/* time the object's figures cover */
	bool cumulative;		/* since the start rather than one interval */
	bool eos_known;			/* end_of_source is shown */
	bool end_of_source;		/* a replay/simulation ended in or before it */
};

/* command, version, source {type, name, mode}, ts_ns, span_ns, window, counters */
struct json_object *tdx_json_envelope(const char *command, const struct tdx_cl *cl,
				      const struct tdx_snapshot *s,
				      const struct tdx_json_window *w);
/*
 * The same members for an output that is not one session's snapshot
 * (tdxbench compare: from its result files): counters is the object to
 * take (owned), NULL for null (not kept by the file).
 */
struct json_object *tdx_json_envelope_of(const char *command, const char *type,
					 const char *name, const char *mode, __u64 ts_ns,
					 const struct tdx_json_window *w,
					 struct json_object *counters);
/* The counters object (events per kind, filtered, dropped per map, lost, ...). */
struct json_object *tdx_json_counters(const struct tdx_snapshot *s);

#endif /* TDXTRACE_ENVELOPE_H */
