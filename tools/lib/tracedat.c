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
 * The TD of an event is the record's "tgid" field when the event has one.
 * Without it, a first pass over the file groups threads by the TDR their
 * SEAMCALLs carry: every thread of one TD gets the lowest thread id of the
 * group (the VMM's pid when the capture includes the TD's creation), and the
 * groups fill the source's TD table.  Threads that issued no SEAMCALL with a
 * TDR stay on their own (common_pid).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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

struct evmap {
	int id;				/* tep event id */
	__u16 kind;
	__u16 nargs;
	struct tep_format_field *f[TDX_EV_MAX_ARGS];
	struct tep_format_field *tgid;
	int need;			/* record bytes its fields span */
};

/* common_type and common_pid: every record must hold them */
#define COMMON_BYTES 8

/* tid -> TD pid (open addressing; tid 0 marks a free slot) */
struct tidmap {
	__u32 *tid, *pid;
	__u64 *tdr;
	__u8 *vcpu;			/* ran a vCPU (VP.ENTER seen) */
	size_t cap, n;
};

struct tdsrc {
	struct tracecmd_input *h;
	struct tidmap tm;
	bool grouped;
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

	/* libtraceevent reads at the format's offset whatever the record's size */
	if (f->offset < 0 || f->size < 0 || f->offset + f->size > rec->size ||
	    tep_read_number_field(f, rec->data, &v))
		return 0;
	if ((f->flags & TEP_FIELD_IS_SIGNED) && f->size > 0 && f->size < 8) {
		int shift = 64 - f->size * 8;

		v = (unsigned long long)(((long long)(v << shift)) >> shift);
	}
	return (__u64)v;
}

static size_t tm_slot(const struct tidmap *m, __u32 tid)
{
	size_t i = (tid * 2654435761u) & (m->cap - 1);

	while (m->tid[i] && m->tid[i] != tid)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static int tm_grow(struct tidmap *m)
{
	struct tidmap n = { .cap = m->cap ? m->cap * 2 : 1024 };

	n.tid = calloc(n.cap, sizeof(*n.tid));
	n.pid = calloc(n.cap, sizeof(*n.pid));
	n.tdr = calloc(n.cap, sizeof(*n.tdr));
	n.vcpu = calloc(n.cap, sizeof(*n.vcpu));
	if (!n.tid || !n.pid || !n.tdr || !n.vcpu) {
		free(n.tid); free(n.pid); free(n.tdr); free(n.vcpu);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		size_t j;

		if (!m->tid[i])
			continue;
		j = tm_slot(&n, m->tid[i]);
		n.tid[j] = m->tid[i];
		n.pid[j] = m->pid[i];
		n.tdr[j] = m->tdr[i];
		n.vcpu[j] = m->vcpu[i];
		n.n++;
	}
	free(m->tid); free(m->pid); free(m->tdr); free(m->vcpu);
	*m = n;
	return 0;
}

/* Slot of tid, added if new; SIZE_MAX when out of memory. */
static size_t tm_get(struct tidmap *m, __u32 tid)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap && tm_grow(m))
		return SIZE_MAX;
	i = tm_slot(m, tid);
	if (!m->tid[i]) {
		m->tid[i] = tid;
		m->pid[i] = tid;
		m->n++;
	}
	return i;
}

static __u32 tm_pid(const struct tidmap *m, __u32 tid)
{
	size_t i;

	if (!m->cap || !tid)
		return tid;
	i = tm_slot(m, tid);
	return m->tid[i] ? m->pid[i] : tid;
}

static void tm_free(struct tidmap *m)
{
	free(m->tid); free(m->pid); free(m->tdr); free(m->vcpu);
	memset(m, 0, sizeof(*m));
}

static struct evmap *find_map(struct tdsrc *s, int id)
{
	for (int i = 0; i < s->nmap; i++)
		if (s->map[i].id == id)
			return &s->map[i];
	return NULL;
}

/*
 * First pass (no tgid field): learn each thread's TDR from its SEAMCALLs and
 * which threads ran vCPUs, then give every thread of a TDR the group's
 * lowest thread id and list the groups in the TD table.
 */
static int group_threads(struct tdx_source *src, struct tdsrc *s)
{
	struct tidmap *m = &s->tm;
	struct tep_record *rec;

	for (int c = 0; c < s->ncpus; c++) {
		for (rec = tracecmd_read_cpu_first(s->h, c); rec; rec = tracecmd_read_data(s->h, c)) {
			struct evmap *e;
			__u32 tid;
			size_t i;

			if (rec->size < COMMON_BYTES) {	/* counted by td_next */
				tracecmd_free_record(rec);
				continue;
			}
			e = find_map(s, tep_data_type(s->tep, rec));
			tid = (__u32)tep_data_pid(s->tep, rec);

			if (e && tid && (e->kind == TDX_EV_SEAMCALL || e->kind == TDX_EV_VP_ENTER)) {
				i = tm_get(m, tid);
				if (i == SIZE_MAX) {
					tracecmd_free_record(rec);
					tdx_set_error("out of memory");
					return -ENOMEM;
				}
				if (e->kind == TDX_EV_VP_ENTER)
					m->vcpu[i] = 1;
				else if (!m->tdr[i])
					m->tdr[i] = field_value(e->f[TDX_SEAMCALL_ARG_TDR], rec);
			}
			tracecmd_free_record(rec);
		}
	}
	/* the lowest tid of each TDR becomes the TD's pid */
	{
		struct { __u64 tdr; __u32 pid; } *g = calloc(TDX_SOURCE_MAX_TDS, sizeof(*g));
		size_t ng = 0, k;

		if (!g) {
			tdx_set_error("out of memory");
			return -ENOMEM;
		}
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->tid[i] || !m->tdr[i])
				continue;
			for (k = 0; k < ng && g[k].tdr != m->tdr[i]; k++)
				;
			if (k == ng) {
				if (ng == TDX_SOURCE_MAX_TDS) {
					m->tdr[i] = 0;	/* too many TDs: stays per thread */
					continue;
				}
				g[ng].tdr = m->tdr[i];
				g[ng++].pid = m->tid[i];
			} else if (m->tid[i] < g[k].pid) {
				g[k].pid = m->tid[i];
			}
		}
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->tid[i] || !m->tdr[i])
				continue;
			for (k = 0; g[k].tdr != m->tdr[i]; k++)
				;
			m->pid[i] = g[k].pid;
		}
		free(g);
	}
	for (size_t i = 0; i < m->cap; i++) {
		struct tdx_td_info *td = NULL;
		const char *comm;

		if (!m->tid[i] || !m->tdr[i])
			continue;
		for (size_t k = 0; k < src->info.n_td; k++)
			if (src->info.td[k].pid == m->pid[i])
				td = &src->info.td[k];
		if (!td) {
			if (src->info.n_td == TDX_SOURCE_MAX_TDS)
				continue;
			td = &src->info.td[src->info.n_td++];
			td->pid = m->pid[i];
			comm = tep_data_comm_from_pid(s->tep, (int)td->pid);
			tdx_strlcpy(td->comm, comm && strcmp(comm, "<...>") ? comm : "", sizeof(td->comm));
		}
		td->vcpus += m->vcpu[i];
	}
	/* sort the TD table by pid (the lists the tools print follow it) */
	for (size_t a = 1; a < src->info.n_td; a++)
		for (size_t b = a; b && src->info.td[b - 1].pid > src->info.td[b].pid; b--) {
			struct tdx_td_info t = src->info.td[b];

			src->info.td[b] = src->info.td[b - 1];
			src->info.td[b - 1] = t;
		}
	s->st.tds = src->info.n_td;
	s->grouped = true;
	return 0;
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
			if (tdx__source_add_loss(src, rec->ts, lost)) {
				tracecmd_free_record(rec);
				return -ENOMEM;
			}
		}
		id = rec->size >= COMMON_BYTES ? tep_data_type(s->tep, rec) : -1;
		m = id < 0 ? NULL : find_map(s, id);
		if (id < 0 || (m && rec->size < m->need)) {
			/*
			 * Too short to name its event, or shorter than its
			 * event's fields (corrupt): a lost record, shown as such.
			 */
			s->st.short_records++;
			src->info.lost++;
			if (tdx__source_add_loss(src, rec->ts, 1)) {
				tracecmd_free_record(rec);
				return -ENOMEM;
			}
			tracecmd_free_record(rec);
			continue;
		}
		if (!m) {
			s->st.unknown++;
			tracecmd_free_record(rec);
			continue;
		}
		memset(ev, 0, sizeof(*ev));
		/*
		 * Each CPU's records are in time order, so the merge is too;
		 * a corrupt time delta can still step back: clamp, and count.
		 */
		if (rec->ts < s->last_ts)
			s->st.backwards++;
		else
			s->last_ts = rec->ts;
		ev->ts_ns = s->last_ts;
		ev->tid = (__u32)tep_data_pid(s->tep, rec);
		ev->pid = m->tgid ? (__u32)field_value(m->tgid, rec) :
			  s->grouped ? tm_pid(&s->tm, ev->tid) : ev->tid;
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
	tm_free(&s->tm);
	free(s->path);
	free(s);
	src->priv = NULL;
}

static void td_counts(const struct tdx_source *src, struct tdx_source_counts *out)
{
	const struct tdsrc *s = src->priv;

	out->records = s->st.records;
	out->skipped_unknown = s->st.unknown;
	out->skipped_short = s->st.short_records;
}

static const struct tdx_source_ops tracedat_ops = {
	.counts = td_counts,
	.next = td_next,
	.close = td_close,
};

#define TRACECMD_FLAGS (TRACECMD_FL_LOAD_NO_PLUGINS | TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS)

/*
 * Read the whole file with libtracecmd in a throw-away child first.
 * tracedat_check.c bounds the file's structure, but libtraceevent still
 * parses the event formats' text and decodes every record, and fuzzing keeps
 * finding crashes in that C parser (a division by zero folding a print
 * format's constants, out-of-bounds reads).  A child that dies, or runs past
 * a time limit, refuses the file with a message instead of taking the tool
 * down; a child that exits 0 read everything the parent will.  Costs one
 * extra pass over the records.  Returns 0, or -1 with the reason in why.
 */
static int probe_in_child(const char *path, off_t size, char *why, size_t n)
{
	unsigned int secs = 10 + (unsigned int)(size >> 23);	/* + 1 s per 8 MiB */
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return 0;		/* no child: read it in-process as before */
	if (pid == 0) {
		struct tracecmd_input *h;
		int devnull = open("/dev/null", O_WRONLY);

		if (devnull >= 0) {	/* no library or sanitizer noise */
			dup2(devnull, STDOUT_FILENO);
			dup2(devnull, STDERR_FILENO);
		}
		alarm(secs);
		tracecmd_set_loglevel(TEP_LOG_NONE);
		h = tracecmd_open_head(path, TRACECMD_FLAGS);
		if (!h || tracecmd_init_data(h) < 0)
			_exit(2);	/* an ordinary error: the parent reports it */
		for (int c = 0; c < tep_get_cpus(tracecmd_get_tep(h)); c++) {
			struct tep_record *r;

			for (r = tracecmd_read_cpu_first(h, c); r; r = tracecmd_read_data(h, c))
				tracecmd_free_record(r);
		}
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 0;
	if (WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 2))
		return 0;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		snprintf(why, n, "libtracecmd did not finish reading it within %u s (a loop on corrupt data?)",
			 secs);
	else if (WIFSIGNALED(status))
		snprintf(why, n, "libtracecmd/libtraceevent crash reading it (signal %d): corrupt data",
			 WTERMSIG(status));
	else
		snprintf(why, n, "libtracecmd/libtraceevent failed reading it (exit %d): corrupt data",
			 WEXITSTATUS(status));
	return -1;
}

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
	/*
	 * libtracecmd trusts the sizes in the file; tracedat_check.c bounds
	 * them all first, on the mapped file (it walks the metadata and the
	 * page and event headers of all the trace data).
	 */
	{
		char why[256];
		struct stat st;
		void *m = MAP_FAILED;
		int fd = open(path, O_RDONLY | O_CLOEXEC), r = -1;

		if (fd < 0) {
			tdx_set_error("%s: %s", path, strerror(errno));
			return -errno;
		}
		if (fstat(fd, &st) == 0 && st.st_size > 0)
			m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		close(fd);
		if (m == MAP_FAILED) {
			tdx_set_error("%s: empty or unreadable trace.dat", path);
			return -EIO;
		}
		r = tdx__tracedat_check(m, (size_t)st.st_size, why, sizeof(why));
		munmap(m, (size_t)st.st_size);
		if (!r && probe_in_child(path, st.st_size, why, sizeof(why)))
			r = -EIO;
		if (r) {
			tdx_set_error("%s: %s%s", path, r == -EPROTO ? "" : "corrupt trace.dat: ", why);
			return r;
		}
	}
	tracecmd_set_loglevel(TEP_LOG_NONE);
	/*
	 * tracecmd_open() in two steps: when loading the trace data fails
	 * (a CPU's first page does not load), tracecmd_open() closes its
	 * half-initialised handle and libtracecmd 1.3.1 dereferences NULL in
	 * tracecmd_close() (found by fuzz_recfile).  Such a handle is left
	 * open instead: one handle leaks per refused file, and the tool exits
	 * with the error anyway (the leak is suppressed in tests/lsan.supp).
	 */
	s->h = tracecmd_open_head(path, TRACECMD_FLAGS);
	if (s->h && tracecmd_init_data(s->h) < 0) {
		s->h = NULL;
		tdx_set_error("%s: libtracecmd cannot load the trace data (corrupt ring-buffer pages)",
			      path);
		return -EIO;
	}
	if (!s->h) {
		tdx_set_error("%s: libtracecmd cannot read this trace.dat past its header (offset 10 onwards: corrupt or truncated)",
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
		m->need = COMMON_BYTES;
		/* the TD: the event's own pid argument (series v2), else the tgid */
		m->tgid = tdx_event_td_arg(k) ? find_field(e, tdx_event_td_arg(k)->aliases) :
			  tep_find_field(e, "tgid");
		for (int a = 0; a < m->nargs; a++) {
			m->f[a] = find_field(e, tdx_event_arg(k, a)->aliases);
			if (!m->f[a]) {
				tdx_set_error("%s: event %s:%s in this trace.dat has no field \"%s\" (argument %d); its format is not the one tdxtrace knows",
					      path, tdx_event_system(k), tdx_event_name(k),
					      tdx_event_arg(k, a)->aliases, a);
				return -EPROTO;
			}
			if (m->f[a]->offset + m->f[a]->size > m->need)
				m->need = m->f[a]->offset + m->f[a]->size;
		}
		if (m->tgid && m->tgid->offset + m->tgid->size > m->need)
			m->need = m->tgid->offset + m->tgid->size;
		s->nmap++;
	}
	{
		bool all_tgid = s->nmap > 0;

		for (int i = 0; i < s->nmap; i++)
			all_tgid &= s->map[i].tgid != NULL;
		if (!all_tgid && s->nmap) {
			int err = group_threads(src, s);

			if (err)
				return err;
		}
	}
	s->cur = calloc((size_t)s->ncpus, sizeof(*s->cur));
	if (!s->cur) {
		tdx_set_error("out of memory");
		return -ENOMEM;
	}
	for (int c = 0; c < s->ncpus; c++)
		s->cur[c] = tracecmd_read_cpu_first(s->h, c);
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
