// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fmt.c - formatting shared by the reports: units, TD labels, the counters
 * footer every report ends with, and the JSON building blocks whose schemas
 * docs/cli.md documents ($defs: hist, status, counters, envelope).
 */
#include <string.h>
#include <time.h>

#include "quant.h"
#include "cli.h"
#include "envelope.h"

const char *cli_map_name(int id)
{
	return tdx_map_name((enum tdx_map_id)id);
}

const char *cli_td_comm(const struct tdx_snapshot *s, __u32 pid)
{
	for (size_t i = 0; i < s->n_td; i++)
		if (s->td[i].pid == pid)
			return s->td[i].comm;
	return "";
}

/* the one latency format (tools/lib/quant.h) */
const char *cli_fmt_ns(char *buf, size_t len, double ns)
{
	return tdx_fmt_ns(buf, len, ns, false);
}

const char *cli_fmt_bytes(char *buf, size_t len, double b)
{
	if (b < 1024)
		snprintf(buf, len, "%.0f B", b);
	else if (b < 1024.0 * 1024)
		snprintf(buf, len, "%.1f KiB", b / 1024);
	else if (b < 1024.0 * 1024 * 1024)
		snprintf(buf, len, "%.1f MiB", b / (1024.0 * 1024));
	else
		snprintf(buf, len, "%.2f GiB", b / (1024.0 * 1024 * 1024));
	return buf;
}

double cli_seconds(const struct cli *c)
{
	return (double)c->span_ns / 1e9;
}

struct json_object *cli_json_rate(__u64 n, double secs)
{
	/* json_object_object_add(o, k, NULL) writes null */
	return secs > 0 ? json_object_new_double((double)n / secs) : NULL;
}

__u64 cli_dropped_total(const struct tdx_counters *k)
{
	__u64 t = 0;

	for (int i = 0; i < TDX_MAP_ID_MAX; i++)
		t += k->dropped[i];
	return t;
}

void cli_print_header(FILE *f, const struct cli *c, const struct tdx_snapshot *s)
{
	if (c->timestamps) {
		if (c->topts.source == TDX_SRC_LIVE) {
			char buf[32];
			time_t t = time(NULL);
			struct tm tm;

			localtime_r(&t, &tm);
			strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
			fprintf(f, "%s\n", buf);
		} else {
			double t = s->ts_ns > c->start_ns ?
				   (double)(s->ts_ns - c->start_ns) / 1e9 : 0;

			fprintf(f, "t=%.3fs\n", t);
		}
	}
}

void cli_print_counters(FILE *f, const struct tdx_snapshot *s)
{
	const struct tdx_counters *k = &s->counters;
	__u64 ev = 0, dropped = cli_dropped_total(k);

	for (int i = 1; i < TDX_EV_MAX; i++)
		ev += k->events[i];
	fprintf(f, "events %llu, filtered %llu, dropped %llu",
		(unsigned long long)ev, (unsigned long long)k->filtered,
		(unsigned long long)dropped);
	if (dropped) {
		const char *sep = " (";

		for (int i = 0; i < TDX_MAP_ID_MAX; i++) {
			if (!k->dropped[i])
				continue;
			fprintf(f, "%s%s full: %llu", sep, cli_map_name(i),
				(unsigned long long)k->dropped[i]);
			sep = ", ";
		}
		fputc(')', f);
	}
	fprintf(f, ", lost %llu, source lost %llu",
		(unsigned long long)k->lost, (unsigned long long)s->source_lost);
	if (k->bad_input)
		fprintf(f, ", bad input %llu", (unsigned long long)k->bad_input);
	fputc('\n', f);
}

void cli_print_status(FILE *f, const char *indent, const __u64 *status)
{
	fprintf(f, "%sstatus:", indent);
	for (int i = 0; i < TDX_SC_MAX; i++)
		fprintf(f, " %s %llu", tdx_status_class_name(i),
			(unsigned long long)status[i]);
	fputc('\n', f);
}

void cli_print_lat_summary(FILE *f, const struct cli *c, const __u64 *hist,
			   __u64 count, __u64 sum_ns, __u64 max_ns)
{
	char a[32], p50[32], p90[32], p99[32], mx[32];

	(void)c;
	fprintf(f, "count %llu  avg %s  p50 %s  p90 %s  p99 %s  max %s\n",
		(unsigned long long)count,
		cli_fmt_ns(a, sizeof(a), count ? (double)sum_ns / (double)count : 0),
		cli_fmt_ns(p50, sizeof(p50), tdx_quantile(hist, 0.50, TDX_MIN_UNTRACKED, max_ns)),
		cli_fmt_ns(p90, sizeof(p90), tdx_quantile(hist, 0.90, TDX_MIN_UNTRACKED, max_ns)),
		cli_fmt_ns(p99, sizeof(p99), tdx_quantile(hist, 0.99, TDX_MIN_UNTRACKED, max_ns)),
		cli_fmt_ns(mx, sizeof(mx), (double)max_ns));
}

/* ------------------------------------------------------------ JSON */

struct json_object *cli_json_u64(__u64 v)
{
	return json_object_new_uint64(v);
}

struct json_object *cli_json_hist(const __u64 *hist, __u64 sum_ns, __u64 min_ns,
				  __u64 max_ns)
{
	struct json_object *o = json_object_new_object();
	struct json_object *b = json_object_new_array();
	__u64 l2[TDX_LOG2_SLOTS], total = tdx_hist_total(hist);
	int first = -1, last = -1;

	json_object_object_add(o, "count", cli_json_u64(total));
	json_object_object_add(o, "sum_ns", cli_json_u64(sum_ns));
	/* a minimum only where the map tracks one (quant.h): else null */
	json_object_object_add(o, "min_ns", total && min_ns != TDX_MIN_UNTRACKED ?
			       cli_json_u64(min_ns) : NULL);
	json_object_object_add(o, "max_ns", cli_json_u64(max_ns));
	json_object_object_add(o, "avg_ns", json_object_new_double(
				       total ? (double)sum_ns / (double)total : 0));
	json_object_object_add(o, "p50_ns", json_object_new_double(tdx_quantile(hist, 0.5, min_ns, max_ns)));
	json_object_object_add(o, "p90_ns", json_object_new_double(tdx_quantile(hist, 0.9, min_ns, max_ns)));
	json_object_object_add(o, "p99_ns", json_object_new_double(tdx_quantile(hist, 0.99, min_ns, max_ns)));
	json_object_object_add(o, "p999_ns", json_object_new_double(tdx_quantile(hist, 0.999, min_ns, max_ns)));
	tdx_hist_log2(hist, l2);
	for (int i = 0; i < TDX_LOG2_SLOTS; i++) {
		if (l2[i]) {
			if (first < 0)
				first = i;
			last = i;
		}
	}
	for (int i = first; first >= 0 && i <= last; i++) {
		struct json_object *e = json_object_new_object();
		__u64 lo = i ? 1ULL << (i - 1) : 0;
		__u64 hi = i ? (i + 1 < TDX_LOG2_SLOTS ? 1ULL << i : 0) : 1;

		json_object_object_add(e, "lo_ns", cli_json_u64(lo));
		/* hi_ns is exclusive; 0 = open-ended last bucket */
		json_object_object_add(e, "hi_ns", cli_json_u64(hi));
		json_object_object_add(e, "count", cli_json_u64(l2[i]));
		json_object_array_add(b, e);
	}
	json_object_object_add(o, "log2", b);
	return o;
}

struct json_object *cli_json_status(const __u64 *status)
{
	struct json_object *o = json_object_new_object();

	for (int i = 0; i < TDX_SC_MAX; i++)
		json_object_object_add(o, tdx_status_class_name(i), cli_json_u64(status[i]));
	return o;
}

struct json_object *cli_json_counters(const struct tdx_snapshot *s)
{
	return tdx_json_counters(s);
}

struct json_object *cli_json_envelope(const struct cli *c, const struct tdx_snapshot *s,
				      const char *command)
{
	struct tdx_cl cl = c->cl;
	struct tdx_json_window w = {
		.index = -1,
		.interval_ns = c->interval_ns,
		.span_ns = c->span_ns,
		.cumulative = !c->interval_ns,
	};

	/* report FILE is a replay too */
	cl.opts.source = c->topts.source;
	cl.opts.replay_path = c->replay_path;
	cl.opts.sim_spec = c->sim_spec;
	return tdx_json_envelope(command, &cl, s, &w);
}

void cli_json_print(FILE *f, struct json_object *o)
{
	fprintf(f, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(f);
}
