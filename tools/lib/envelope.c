// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * envelope.c - the members every JSON object of every tool starts with
 * (docs/cli.md, "Shared definitions" (envelope)): command, version, source, ts_ns, span_ns,
 * window, counters.  One function, so tdxtop's JSON and tdxtrace's agree.
 */
#include <json-c/json.h>

#include "envelope.h"

static struct json_object *ju64(__u64 v)
{
	return json_object_new_uint64(v);
}

struct json_object *tdx_json_counters(const struct tdx_snapshot *s)
{
	const struct tdx_counters *k = &s->counters;
	struct json_object *o = json_object_new_object();
	struct json_object *ev = json_object_new_object();
	struct json_object *dr = json_object_new_object();
	__u64 dropped = 0;

	for (int i = 1; i < TDX_EV_MAX; i++)
		json_object_object_add(ev, tdx_event_name(i), ju64(k->events[i]));
	for (int i = 0; i < TDX_MAP_ID_MAX; i++) {
		json_object_object_add(dr, tdx_map_name((enum tdx_map_id)i), ju64(k->dropped[i]));
		dropped += k->dropped[i];
	}
	json_object_object_add(o, "events", ev);
	json_object_object_add(o, "filtered", ju64(k->filtered));
	json_object_object_add(o, "dropped", dr);
	json_object_object_add(o, "dropped_total", ju64(dropped));
	json_object_object_add(o, "lost", ju64(k->lost));
	json_object_object_add(o, "source_lost", ju64(s->source_lost));
	json_object_object_add(o, "streamed", ju64(k->streamed));
	json_object_object_add(o, "sampled_out", ju64(k->sampled_out));
	json_object_object_add(o, "bad_input", ju64(k->bad_input));
	return o;
}

struct json_object *tdx_json_envelope(const char *command, const struct tdx_cl *cl,
				      const struct tdx_snapshot *s,
				      const struct tdx_json_window *w)
{
	return tdx_json_envelope_of(command, tdx_cl_source_type(cl), tdx_cl_source_name(cl),
				    tdx_mode_name(s->mode), s->ts_ns, w, tdx_json_counters(s));
}

struct json_object *tdx_json_envelope_of(const char *command, const char *type,
					 const char *name, const char *mode, __u64 ts_ns,
					 const struct tdx_json_window *w,
					 struct json_object *counters)
{
	struct json_object *o = json_object_new_object();
	struct json_object *src = json_object_new_object();
	struct json_object *win = json_object_new_object();

	json_object_object_add(o, "command", json_object_new_string(command));
	json_object_object_add(o, "version", json_object_new_string(TDXTRACE_VERSION));
	json_object_object_add(src, "type", json_object_new_string(type));
	json_object_object_add(src, "name", json_object_new_string(name));
	json_object_object_add(src, "mode", json_object_new_string(mode));
	json_object_object_add(o, "source", src);
	json_object_object_add(o, "ts_ns", ju64(ts_ns));
	json_object_object_add(o, "span_ns", ju64(w->span_ns));
	if (w->index >= 0)
		json_object_object_add(win, "index", json_object_new_int64(w->index));
	json_object_object_add(win, "interval_ns", ju64(w->interval_ns));
	json_object_object_add(win, "span_ns", ju64(w->span_ns));
	json_object_object_add(win, "cumulative", json_object_new_boolean(w->cumulative));
	if (w->eos_known)
		json_object_object_add(win, "end_of_source",
				       json_object_new_boolean(w->end_of_source));
	json_object_object_add(o, "window", win);
	json_object_object_add(o, "counters", counters);	/* NULL: null */
	return o;
}
