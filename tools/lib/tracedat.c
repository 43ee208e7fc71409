// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tracedat.c - import a trace-cmd capture (trace.dat) of the tdxtrace
 * tracepoints, e.g. `trace-cmd record -C mono -e tdx -e kvm -e kvmmmu`, taken
 * on a TDX host that has no tdxtrace.
 *
 * libtracecmd reads the file and libtraceevent parses each record with the
 * event formats stored in the file, so field offsets and sizes come from the
 * capture, not from this program.  Each known event's fields are looked up by
 * name (the TP_PROTO argument names of include/tdxtrace/events.h) and copied,
 * zero- or sign-extended as the field's format says, into struct tdx_event.
 * Records of other events are skipped and counted; events the kernel
 * reported missing are counted as lost.
 *
 * The TD of an event is the record's "tgid" field when the event has one,
 * else common_pid (the thread: a capture without tgid aggregates per
 * thread, not per TD).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <trace-cmd.h>
#include <event-parse.h>

#include "source_int.h"

/*
 * Exported by libtracecmd but declared only in trace-cmd's private header
 * (trace-cmd-private.h, stable since libtracecmd 1.0): the file version and
 * the recording host's uname.
 */
unsigned long tracecmd_get_in_file_version(struct tracecmd_input *handle);
const char *tracecmd_get_uname(struct tracecmd_input *handle);

/* Field names of each event's arguments, in TP_PROTO order; '|' separates aliases. */
static const char *const field_names[TDX_EV_MAX][TDX_EV_MAX_ARGS] = {
	[TDX_EV_SEAMCALL] = { "leaf|fn", "status|err", "tdr", "gpa", "level", "retries",
			      "duration|duration_ns" },
	[TDX_EV_VP_ENTER] = { "vcpu|vcpu_id", "status", "exit_reason", "duration|duration_ns" },
	[TDX_EV_EPT_VIOLATION] = { "vcpu|vcpu_id", "gpa", "exit_qual|exit_qualification",
				   "private|is_private", "level", "retries", "result|ret",
				   "duration|duration_ns" },
	[TDX_EV_MAP_GPA] = { "vcpu|vcpu_id", "gpa", "size", "to_shared" },
	[TDX_EV_MAP_GPA_CHUNK] = { "vcpu|vcpu_id", "gpa", "size", "to_shared", "hc_ret", "retry" },
	[TDX_EV_MAP_GPA_DONE] = { "vcpu|vcpu_id", "gpa", "size", "to_shared", "status", "chunks",
				  "duration|duration_ns" },
	[TDX_EV_FROZEN_RETRY] = { "vcpu|vcpu_id", "gfn", "level", "mirror|is_mirror" },
	[TDX_EV_SPTE_FROZEN] = { "gfn", "level", "mirror|is_mirror", "held|held_ns", "result|ret" },
	[TDX_EV_HUGEPAGE_MIXED] = { "gfn", "level", "mixed" },
	[TDX_EV_PRIVATE_MAP] = { "gfn", "level", "mapped" },
};

struct evmap {
	int id;				/* tep event id */
	__u16 kind;
	__u16 nargs;
	struct tep_format_field *f[TDX_EV_MAX_ARGS];
	struct tep_format_field *tgid;
};

struct tdsrc {
	struct tracecmd_input *h;
	struct tep_handle *tep;
	int ncpus;
	struct tep_record **cur;	/* next record of each CPU */
	struct evmap map[TDX_EV_MAX];
	int nmap;
	struct tdx_tracedat_stats st;
	char *path;
	__u64 last_ts;
};

static struct tep_format_field *find_field(struct tep_event *e, const char *names)
{
	char buf[96], *save = NULL, *n;

	tdx_strlcpy(buf, names, sizeof(buf));
	for (n = strtok_r(buf, "|", &save); n; n = strtok_r(NULL, "|", &save)) {
		struct tep_format_field *f = tep_find_field(e, n);

		if (f)
			return f;
	}
	return NULL;
}

static __u64 field_value(struct tep_format_field *f, struct tep_record *rec)
{
	unsigned long long v = 0;

	if (tep_read_number_field(f, rec->data, &v))
		return 0;
	if ((f->flags & TEP_FIELD_IS_SIGNED) && f->size > 0 && f->size < 8) {
		int shift = 64 - f->size * 8;

		v = (unsigned long long)(((long long)(v << shift)) >> shift);
	}
	return (__u64)v;
}

static int td_next(struct tdx_source *src, struct tdx_event *ev)
{
	struct tdsrc *s = src->priv;

	for (;;) {
		struct tep_record *rec;
		struct evmap *m = NULL;
		int best = -1, id;

		for (int c = 0; c < s->ncpus; c++) {
			if (!s->cur[c])
				continue;
			if (best < 0 || s->cur[c]->ts < s->cur[best]->ts)
				best = c;
		}
		if (best < 0)
			return 0;
		rec = s->cur[best];
		s->cur[best] = tracecmd_read_data(s->h, best);
		s->st.records++;
		if (rec->missed_events) {
			/* -1: the kernel lost events but did not store how many */
			__u64 lost = rec->missed_events > 0 ? (__u64)rec->missed_events : 1;

			s->st.missed += lost;
			src->info.lost += lost;
		}
		id = tep_data_type(s->tep, rec);
		for (int i = 0; i < s->nmap; i++)
			if (s->map[i].id == id)
				m = &s->map[i];
		if (!m) {
			s->st.unknown++;
			tracecmd_free_record(rec);
			continue;
		}
		memset(ev, 0, sizeof(*ev));
		ev->ts_ns = rec->ts;
		ev->tid = (__u32)tep_data_pid(s->tep, rec);
		ev->pid = m->tgid ? (__u32)field_value(m->tgid, rec) : ev->tid;
		ev->kind = m->kind;
		ev->cpu = (__u16)rec->cpu;
		ev->nargs = m->nargs;
		for (int a = 0; a < m->nargs; a++)
			ev->args[a] = field_value(m->f[a], rec);
		tracecmd_free_record(rec);
		s->st.imported++;
		return 1;
	}
}

static void td_close(struct tdx_source *src)
{
	struct tdsrc *s = src->priv;

	if (!s)
		return;
	if (s->cur) {
		for (int c = 0; c < s->ncpus; c++)
			if (s->cur[c])
				tracecmd_free_record(s->cur[c]);
		free(s->cur);
	}
	if (s->h)
		tracecmd_close(s->h);
	free(s->path);
	free(s);
	src->priv = NULL;
}

static const struct tdx_source_ops tracedat_ops = {
	.next = td_next,
	.close = td_close,
};

int tdx_tracedat_open(struct tdx_source *src, const char *path)
{
	struct tdsrc *s = calloc(1, sizeof(*s));
	const char *uname;

	if (!s || !(s->path = strdup(path))) {
		free(s);
		tdx_set_error("out of memory");
		return -ENOMEM;
	}
	src->ops = &tracedat_ops;
	src->priv = s;
	tracecmd_set_loglevel(TEP_LOG_NONE);
	s->h = tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS | TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS);
	if (!s->h) {
		tdx_set_error("%s: libtracecmd cannot read this trace.dat (corrupt, truncated or an unsupported version)",
			      path);
		return -EIO;
	}
	s->tep = tracecmd_get_tep(s->h);
	s->ncpus = s->tep ? tep_get_cpus(s->tep) : 0;
	if (s->ncpus <= 0 || s->ncpus > 65536) {
		tdx_set_error("%s: trace.dat reports %d CPUs", path, s->ncpus);
		return -EIO;
	}
	for (int k = TDX_EV_NONE + 1; k < TDX_EV_MAX; k++) {
		struct tep_event *e = tep_find_event_by_name(s->tep, tdx_event_system(k),
							     tdx_event_name(k));
		struct evmap *m;

		if (!e)
			continue;
		m = &s->map[s->nmap];
		m->id = e->id;
		m->kind = (__u16)k;
		m->nargs = (__u16)tdx_event_nargs(k);
		m->tgid = tep_find_field(e, "tgid");
		for (int a = 0; a < m->nargs; a++) {
			m->f[a] = find_field(e, field_names[k][a]);
			if (!m->f[a]) {
				tdx_set_error("%s: event %s:%s in this trace.dat has no field \"%s\" (argument %d); its format is not the one tdxtrace knows",
					      path, tdx_event_system(k), tdx_event_name(k),
					      field_names[k][a], a);
				return -EPROTO;
			}
		}
		s->nmap++;
	}
	s->cur = calloc((size_t)s->ncpus, sizeof(*s->cur));
	if (!s->cur) {
		tdx_set_error("out of memory");
		return -ENOMEM;
	}
	for (int c = 0; c < s->ncpus; c++)
		s->cur[c] = tracecmd_read_data(s->h, c);
	snprintf(src->info.format, sizeof(src->info.format), "trace.dat v%lu",
		 tracecmd_get_in_file_version(s->h));
	uname = tracecmd_get_uname(s->h);
	if (uname)
		tdx_strlcpy(src->info.kernel, uname, sizeof(src->info.kernel));
	tdx_strlcpy(src->info.host, "trace.dat", sizeof(src->info.host));
	src->info.start_ns = tracecmd_get_first_ts(s->h);
	return 0;
}

int tdx_source_tracedat_stats(const struct tdx_source *src, struct tdx_tracedat_stats *out)
{
	if (!src || src->ops != &tracedat_ops) {
		tdx_set_error("not a trace.dat source");
		return -EINVAL;
	}
	*out = ((const struct tdsrc *)src->priv)->st;
	return 0;
}
