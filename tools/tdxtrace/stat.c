// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * stat.c - `tdxtrace stat`: what `perf stat -e 'tdx:*,kvm:kvm_tdx_*,...'`
 * gives, but decoded (status classes, directions, results) and per TD.
 * Live: for -d DURATION (default: until Ctrl-C); offline: the whole source.
 */
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "window.h"
#include "cli.h"

/* Events of one kind the maps attribute to TD pid (every kind has a map). */
__u64 cli_td_events(const struct tdx_snapshot *s, __u32 pid, int kind)
{
	__u64 n = 0;

	switch (kind) {
	case TDX_EV_SEAMCALL:
		for (size_t i = 0; i < s->n_leaf; i++)
			if (s->leaf[i].key.pid == pid)
				n += s->leaf[i].v.count;
		break;
	case TDX_EV_VP_ENTER:
		for (size_t i = 0; i < s->n_vp; i++)
			if (s->vp[i].pid == pid)
				n += s->vp[i].v.count;
		break;
	case TDX_EV_EPT_VIOLATION:
		for (size_t i = 0; i < s->n_ept; i++)
			if (s->ept[i].pid == pid)
				n += s->ept[i].v.count[0] + s->ept[i].v.count[1];
		break;
	case TDX_EV_MAP_GPA:
	case TDX_EV_MAP_GPA_CHUNK:
	case TDX_EV_MAP_GPA_DONE:
		for (size_t i = 0; i < s->n_map; i++) {
			const struct tdx_map_stats *v = &s->map[i].v;

			if (s->map[i].pid != pid)
				continue;
			if (kind == TDX_EV_MAP_GPA)
				n += v->requests[0] + v->requests[1];
			else if (kind == TDX_EV_MAP_GPA_CHUNK)
				n += v->chunks;
			else
				for (int k = 0; k < 4; k++)
					n += v->done_status[k];
		}
		break;
	case TDX_EV_FROZEN_RETRY:
	case TDX_EV_SPTE_FROZEN:
		for (size_t i = 0; i < s->n_frozen; i++)
			if (s->frozen[i].key.pid == pid)
				n += kind == TDX_EV_FROZEN_RETRY ? s->frozen[i].v.retries :
								  s->frozen[i].v.frozen;
		break;
	case TDX_EV_HUGEPAGE_MIXED:
	case TDX_EV_PRIVATE_MAP:
		for (size_t i = 0; i < s->n_mix; i++) {
			const struct tdx_mix_stats *v = &s->mix[i].v;

			if (s->mix[i].pid != pid)
				continue;
			if (kind == TDX_EV_PRIVATE_MAP) {
				n += v->maps + v->unmaps;
				continue;
			}
			n += v->redundant;
			for (int l = 0; l < TDX_PG_LEVEL_MAX; l++)
				n += v->to_mixed[l] + v->to_unmixed[l];
		}
		break;
	case TDX_EV_SEPT_ZAP:
	case TDX_EV_TRACK:
	case TDX_EV_VCPU_BOUNCE:
	case TDX_EV_ATTR_ZAP:
		for (size_t i = 0; i < s->n_flow; i++) {
			const struct tdx_flow_stats *v = &s->flow[i].v;

			if (s->flow[i].pid != pid)
				continue;
			n += kind == TDX_EV_SEPT_ZAP ? v->zaps : kind == TDX_EV_TRACK ? v->tracks :
			     kind == TDX_EV_VCPU_BOUNCE ? v->bounces : v->attr_zaps;
		}
		break;
	case TDX_EV_BUSY_KICK:
		for (size_t i = 0; i < s->n_kick; i++)
			if (s->kick[i].key.pid == pid)
				n += s->kick[i].v.kicks;
		break;
	case TDX_EV_TD_BUILD:
	case TDX_EV_CACHE_WB:
	case TDX_EV_HKID_RELEASE:
	case TDX_EV_HKID_LEAK:
		for (size_t i = 0; i < s->n_life; i++) {
			const struct tdx_life_stats *v = &s->life[i].v;

			if (s->life[i].pid != pid)
				continue;
			if (kind == TDX_EV_TD_BUILD)
				for (int c = 0; c < TDX_BUILD_CMD_SLOTS; c++)
					n += v->build[c];
			else
				n += kind == TDX_EV_CACHE_WB ? v->cache_wbs :
				     kind == TDX_EV_HKID_RELEASE ? v->releases : v->hkid_leaks;
		}
		break;
	case TDX_EV_TDVMCALL:
		for (size_t i = 0; i < s->n_tdvmcall; i++)
			if (s->tdvmcall[i].pid == pid)
				for (int k = 0; k < TDX_TDVMCALL_SLOTS; k++)
					n += s->tdvmcall[i].v.calls[k];
		break;
	}
	return n;
}

/* "name value" pairs decoding one kind, summed over all TDs. */
struct detail {
	const char *name[TDX_SC_MAX + 1];
	__u64 val[TDX_SC_MAX + 1];
	int n;
};

static void detail_add(struct detail *d, const char *name, __u64 v)
{
	d->name[d->n] = name;
	d->val[d->n++] = v;
}

static void details(const struct tdx_snapshot *s, int kind, struct detail *d)
{
	__u64 a[TDX_SC_MAX] = { 0 }, b[4] = { 0 };

	memset(d, 0, sizeof(*d));
	switch (kind) {
	case TDX_EV_SEAMCALL:
	case TDX_EV_VP_ENTER:
		if (kind == TDX_EV_SEAMCALL)
			for (size_t i = 0; i < s->n_leaf; i++)
				for (int k = 0; k < TDX_SC_MAX; k++)
					a[k] += s->leaf[i].v.status[k];
		else
			for (size_t i = 0; i < s->n_vp; i++)
				for (int k = 0; k < TDX_SC_MAX; k++)
					a[k] += s->vp[i].v.status[k];
		for (int k = 0; k < TDX_SC_MAX; k++)
			detail_add(d, tdx_status_class_name(k), a[k]);
		break;
	case TDX_EV_EPT_VIOLATION:
		for (size_t i = 0; i < s->n_ept; i++) {
			b[0] += s->ept[i].v.count[1];
			b[1] += s->ept[i].v.count[0];
		}
		detail_add(d, "private", b[0]);
		detail_add(d, "shared", b[1]);
		break;
	case TDX_EV_MAP_GPA:
		for (size_t i = 0; i < s->n_map; i++) {
			b[0] += s->map[i].v.requests[1];
			b[1] += s->map[i].v.requests[0];
		}
		detail_add(d, "to_shared", b[0]);
		detail_add(d, "to_private", b[1]);
		break;
	case TDX_EV_MAP_GPA_CHUNK:
		for (size_t i = 0; i < s->n_map; i++) {
			b[0] += s->map[i].v.chunk_retries;
			b[1] += s->map[i].v.chunk_errors;
		}
		detail_add(d, "retry", b[0]);
		detail_add(d, "error", b[1]);
		break;
	case TDX_EV_MAP_GPA_DONE:
		for (size_t i = 0; i < s->n_map; i++)
			for (int k = 0; k < 4; k++)
				b[k] += s->map[i].v.done_status[k];
		detail_add(d, "success", b[0]);
		detail_add(d, "retry", b[1]);
		detail_add(d, "invalid", b[2]);
		detail_add(d, "other", b[3]);
		break;
	case TDX_EV_FROZEN_RETRY:
	case TDX_EV_SPTE_FROZEN:
		for (size_t i = 0; i < s->n_frozen; i++) {
			__u64 v = kind == TDX_EV_FROZEN_RETRY ? s->frozen[i].v.retries :
								s->frozen[i].v.frozen;

			b[s->frozen[i].key.mirror ? 0 : 1] += v;
			b[2] += s->frozen[i].v.errors;
		}
		detail_add(d, "mirror", b[0]);
		detail_add(d, "direct", b[1]);
		if (kind == TDX_EV_SPTE_FROZEN)
			detail_add(d, "errors", b[2]);
		break;
	case TDX_EV_HUGEPAGE_MIXED:
		for (size_t i = 0; i < s->n_mix; i++) {
			for (int l = 0; l < TDX_PG_LEVEL_MAX; l++) {
				b[0] += s->mix[i].v.to_mixed[l];
				b[1] += s->mix[i].v.to_unmixed[l];
			}
			b[2] += s->mix[i].v.redundant;
		}
		detail_add(d, "to_mixed", b[0]);
		detail_add(d, "to_unmixed", b[1]);
		detail_add(d, "unchanged", b[2]);
		break;
	case TDX_EV_PRIVATE_MAP:
		for (size_t i = 0; i < s->n_mix; i++) {
			b[0] += s->mix[i].v.maps;
			b[1] += s->mix[i].v.unmaps;
		}
		detail_add(d, "mapped", b[0]);
		detail_add(d, "zapped", b[1]);
		break;
	}
}

static void stat_text(FILE *f, const struct cli *c, const struct tdx_snapshot *s)
{
	double secs = cli_seconds(c);

	cli_print_header(f, c, s);
	fprintf(f, "TDX event counts");
	if (secs > 0)
		fprintf(f, " over %.3f s", secs);
	fprintf(f, ":\n\n");
	for (int k = 1; k < TDX_EV_MAX; k++) {
		char full[64];
		struct detail d;

		if (c->cl.skip_zero && !s->counters.events[k])
			continue;	/* -z */
		snprintf(full, sizeof(full), "%s:%s", tdx_event_system(k), tdx_event_name(k));
		fprintf(f, "%14llu  %-32s", (unsigned long long)s->counters.events[k], full);
		if (secs > 0)
			fprintf(f, " %12.1f/s", (double)s->counters.events[k] / secs);
		details(s, k, &d);
		for (int i = 0; i < d.n; i++)
			if (d.val[i])
				fprintf(f, "  %s %llu", d.name[i], (unsigned long long)d.val[i]);
		fputc('\n', f);
	}
	fputc('\n', f);
	for (size_t t = 0; t < s->n_td; t++) {
		__u32 pid = s->td[t].pid;
		bool any = false;

		for (int k = 1; k < TDX_EV_MAX && !any; k++)
			any = cli_td_events(s, pid, k) != 0;
		if (c->cl.skip_zero && !any)
			continue;	/* -z: a TD with no event in this report */
		fprintf(f, "TD %u (%s)%s:\n", pid, s->td[t].comm,
			pid ? "" : " - outside any TD");
		for (int k = 1; k < TDX_EV_MAX; k++) {
			__u64 n = cli_td_events(s, pid, k);

			if (n)
				fprintf(f, "%14llu  %s:%s\n", (unsigned long long)n,
					tdx_event_system(k), tdx_event_name(k));
		}
		fputc('\n', f);
	}
	cli_print_counters(f, s);
}

static struct json_object *stat_json(const struct cli *c, const struct tdx_snapshot *s)
{
	struct json_object *o = cli_json_envelope(c, s, "stat");
	struct json_object *evs = json_object_new_array();
	struct json_object *tds = json_object_new_array();
	double secs = cli_seconds(c);

	for (int k = 1; k < TDX_EV_MAX; k++) {
		struct json_object *e, *dj;
		struct detail d;

		if (c->cl.skip_zero && !s->counters.events[k])
			continue;	/* -z */
		e = json_object_new_object();
		dj = json_object_new_object();
		json_object_object_add(e, "system", json_object_new_string(tdx_event_system(k)));
		json_object_object_add(e, "name", json_object_new_string(tdx_event_name(k)));
		json_object_object_add(e, "count", cli_json_u64(s->counters.events[k]));
		json_object_object_add(e, "per_s", cli_json_rate(s->counters.events[k], secs));
		details(s, k, &d);
		for (int i = 0; i < d.n; i++)
			json_object_object_add(dj, d.name[i], cli_json_u64(d.val[i]));
		json_object_object_add(e, "detail", dj);
		json_object_array_add(evs, e);
	}
	json_object_object_add(o, "events", evs);
	for (size_t t = 0; t < s->n_td; t++) {
		struct json_object *e, *cnt;
		bool any = false;

		for (int k = 1; k < TDX_EV_MAX && !any; k++)
			any = cli_td_events(s, s->td[t].pid, k) != 0;
		if (c->cl.skip_zero && !any)
			continue;
		e = json_object_new_object();
		cnt = json_object_new_object();
		json_object_object_add(e, "pid", cli_json_u64(s->td[t].pid));
		json_object_object_add(e, "comm", json_object_new_string(s->td[t].comm));
		for (int k = 1; k < TDX_EV_MAX; k++)
			json_object_object_add(cnt, tdx_event_name(k),
					       cli_json_u64(cli_td_events(s, s->td[t].pid, k)));
		json_object_object_add(e, "events", cnt);
		json_object_array_add(tds, e);
	}
	json_object_object_add(o, "tds", tds);
	return o;
}

/*
 * --csv (kvm_stat -c): a header, then one line per interval (or one for
 * the whole run): when it ended (offline: seconds of source time since the
 * start; live: UTC), its span, whether it is partial, each event's count
 * and the losses of that interval.  A rate is count / span_s.
 */
static void stat_csv(FILE *f, const struct cli *c, const struct tdx_snapshot *s,
		     const struct tdx_window *w)
{
	static bool header;
	const struct tdx_counters *k = &s->counters;
	__u64 span = w ? w->span_ns : c->span_ns;

	if (!header) {
		fprintf(f, "time,span_s,partial");
		for (int e = 1; e < TDX_EV_MAX; e++)
			fprintf(f, ",%s", tdx_event_name(e));
		fprintf(f, ",filtered,dropped,lost,source_lost\n");
		header = true;
	}
	if (c->topts.source == TDX_SRC_LIVE) {
		char buf[32];
		time_t t = time(NULL);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf(f, "%s", buf);
	} else {
		__u64 end = w ? w->end_ns : s->ts_ns;

		fprintf(f, "%.6f", end > c->start_ns ? (double)(end - c->start_ns) / 1e9 : 0.0);
	}
	fprintf(f, ",%.6f,%d", (double)span / 1e9, w && w->partial);
	for (int e = 1; e < TDX_EV_MAX; e++)
		fprintf(f, ",%llu", (unsigned long long)k->events[e]);
	fprintf(f, ",%llu,%llu,%llu,%llu\n", (unsigned long long)k->filtered,
		(unsigned long long)cli_dropped_total(k), (unsigned long long)k->lost,
		(unsigned long long)s->source_lost);
}

const struct cli_report cli_report_stat = {
	.name = "stat",
	.text = stat_text,
	.json = stat_json,
	.csv = stat_csv,
};

const struct cli_cmd cli_cmd_stat = {
	.name = "stat",
	.summary = "count every TDX event for a while, decoded and per TD",
	.doc = "Count every TDX event, decoded (status classes, directions, "
	       "results) and per TD: perf stat for the tdxtrace tracepoints."
	       "\v"
	       "EXAMPLES:\n"
	       "  tdxtrace stat 10 1                # count for 10 s, one report\n"
	       "  tdxtrace stat -p 4242 1 5         # 5 one-second reports for one TD\n"
	       "  tdxtrace stat -z -d 1             # every second, only what happened\n"
	       "  tdxtrace stat --replay trace.dat --json",
	.report = &cli_report_stat,
};
