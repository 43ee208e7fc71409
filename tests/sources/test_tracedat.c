// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_tracedat.c - trace.dat import.
 *
 * This host has no TDX and cannot create the tdx/kvm/kvmmmu tracepoints, so
 * the test makes the capture a TDX host would: a tracing directory holding
 * the event formats of the kernel series (events/<sys>/<event>/format, the
 * text the kernel generates from TP_STRUCT__entry), per-CPU ring-buffer pages
 * in the kernel's binary layout filled with simulator events (plus records of
 * an event tdxtrace does not know), and trace-cmd itself turns them into a
 * trace.dat (`trace-cmd restore -c -t DIR`, then `trace-cmd restore -i`).
 * The importer must give back exactly the simulator's stream.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "tdxtrace.h"
#include "source_test.h"

/* C type of each TP_PROTO argument (include/tdxtrace/events.h comments). */
enum ftype { U64, S64, U32, INT, BOOL, U16 };
static const enum ftype ftypes[TDX_EV_MAX][TDX_EV_MAX_ARGS] = {
	[TDX_EV_SEAMCALL] = { U64, U64, U64, U64, INT, U32, U64 },
	[TDX_EV_VP_ENTER] = { U32, U64, U32, U64 },
	[TDX_EV_EPT_VIOLATION] = { U32, U64, U64, BOOL, INT, U32, INT, U64 },
	[TDX_EV_MAP_GPA] = { U32, U64, U64, BOOL },
	[TDX_EV_MAP_GPA_CHUNK] = { U32, U64, U64, BOOL, S64, BOOL },
	[TDX_EV_MAP_GPA_DONE] = { U32, U64, U64, BOOL, U64, U32, U64 },
	[TDX_EV_FROZEN_RETRY] = { U32, U64, INT, BOOL },
	[TDX_EV_SPTE_FROZEN] = { U64, INT, BOOL, U64, INT },
	[TDX_EV_HUGEPAGE_MIXED] = { U64, INT, BOOL },
	[TDX_EV_PRIVATE_MAP] = { U64, INT, BOOL },
	/* series v2: after the leading "int pid" field (td_pid[] below) */
	[TDX_EV_SEPT_ZAP] = { U64, INT, U16, U64, U32, U64 },
	[TDX_EV_BUSY_KICK] = { U16, U64, U64, U64 },
	[TDX_EV_TRACK] = { U64, U64, U64 },
	[TDX_EV_VCPU_BOUNCE] = { U32 },
	[TDX_EV_TD_BUILD] = { INT, U32, U64, U64, BOOL, INT, U64, U64 },
	[TDX_EV_CACHE_WB] = { INT, U32, U64 },
	[TDX_EV_HKID_RELEASE] = { INT, U32, U64, BOOL, U64 },
	[TDX_EV_HKID_LEAK] = { INT, U16, U64 },
	[TDX_EV_TDVMCALL] = { U32, U64, U64, BOOL },
	[TDX_EV_ATTR_ZAP] = { U64, U64, BOOL, BOOL, U64 },
};
/* kinds whose format starts with "int pid", the TD (kernel/ABI-v2.md) */
static const bool td_pid[TDX_EV_MAX] = {
	[TDX_EV_SEPT_ZAP] = 1, [TDX_EV_BUSY_KICK] = 1, [TDX_EV_TRACK] = 1,
	[TDX_EV_VCPU_BOUNCE] = 1, [TDX_EV_TD_BUILD] = 1, [TDX_EV_CACHE_WB] = 1,
	[TDX_EV_HKID_RELEASE] = 1, [TDX_EV_HKID_LEAK] = 1, [TDX_EV_ATTR_ZAP] = 1,
};
static const char *const fnames[TDX_EV_MAX][TDX_EV_MAX_ARGS] = {
	[TDX_EV_SEAMCALL] = { "leaf", "status", "tdr", "gpa", "level", "retries", "duration" },
	[TDX_EV_VP_ENTER] = { "vcpu", "status", "exit_reason", "duration" },
	[TDX_EV_EPT_VIOLATION] = { "vcpu", "gpa", "exit_qual", "private", "level", "retries",
				   "result", "duration" },
	[TDX_EV_MAP_GPA] = { "vcpu", "gpa", "size", "to_shared" },
	[TDX_EV_MAP_GPA_CHUNK] = { "vcpu", "gpa", "size", "to_shared", "hc_ret", "retry" },
	[TDX_EV_MAP_GPA_DONE] = { "vcpu", "gpa", "size", "to_shared", "status", "chunks", "duration" },
	[TDX_EV_FROZEN_RETRY] = { "vcpu", "gfn", "level", "mirror" },
	[TDX_EV_SPTE_FROZEN] = { "gfn", "level", "mirror", "held", "result" },
	[TDX_EV_HUGEPAGE_MIXED] = { "gfn", "level", "state" },
	[TDX_EV_PRIVATE_MAP] = { "gfn", "level", "state" },
	[TDX_EV_SEPT_ZAP] = { "gfn", "level", "failed_leaf", "status", "kicks", "duration_ns" },
	[TDX_EV_BUSY_KICK] = { "leaf", "status", "retry_status", "kick_ns" },
	[TDX_EV_TRACK] = { "status", "track_ns", "ipi_ns" },
	[TDX_EV_VCPU_BOUNCE] = { "vcpu_id" },
	[TDX_EV_TD_BUILD] = { "vcpu_id", "cmd", "gpa", "nr_pages", "measured", "ret", "hw_error",
			      "duration_ns" },
	[TDX_EV_CACHE_WB] = { "hkid", "resumes", "status" },
	[TDX_EV_HKID_RELEASE] = { "hkid", "nr_vcpus", "status", "released", "duration_ns" },
	[TDX_EV_HKID_LEAK] = { "hkid", "leaf", "status" },
	[TDX_EV_TDVMCALL] = { "vcpu_id", "leaf", "status", "user_exit" },
	[TDX_EV_ATTR_ZAP] = { "start", "end", "to_private", "flush", "duration_ns" },
};
static const char *const ctype[] = { "u64", "s64", "u32", "int", "bool", "u16" };
static const int fsize_of[] = { 8, 8, 4, 4, 1, 2 };
static const int fsigned[] = { 0, 1, 0, 1, 0, 0 };

#define UNKNOWN_ID	1600
#define PAGE		4096
#define PAGE_DATA	(PAGE - 16)

struct layout {
	int off[TDX_EV_MAX_ARGS + 1];	/* [nargs] = tgid when present */
	int pid_off;			/* the "pid" field (td_pid kinds) */
	int size;			/* record payload bytes */
};
static struct layout lay[TDX_EV_MAX];

static void mkdirs(const char *p)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", p);
	if (system(cmd))
		diag("mkdir %s failed", p);
}

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

static const char common_fields[] =
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n";

/*
 * Write the tracing directory: header_page/header_event as a 64-bit kernel
 * has them, ftrace/print, our ten events (with_tgid: an extra "tgid" field;
 * drop_field: leave one field out of tdx_seamcall) and kvm/kvm_exit.
 */
static void write_tracing_dir(const char *dir, bool with_tgid, bool drop_field)
{
	char p[1024], text[4096];

	snprintf(p, sizeof(p), "%s/events/ftrace/print", dir);
	mkdirs(p);
	snprintf(p, sizeof(p), "%s/events/header_page", dir);
	put_file(p, "\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
		    "\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
		    "\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
		    "\tfield: char data;\toffset:16;\tsize:4080;\tsigned:1;\n");
	snprintf(p, sizeof(p), "%s/events/header_event", dir);
	put_file(p, "# compressed entry header\n\ttype_len    :    5 bits\n"
		    "\ttime_delta  :   27 bits\n\tarray       :   32 bits\n\n"
		    "\tpadding     : type == 29\n\ttime_extend : type == 30\n"
		    "\ttime_stamp : type == 31\n\tdata max type_len  == 28\n");
	snprintf(p, sizeof(p), "%s/events/ftrace/print/format", dir);
	snprintf(text, sizeof(text), "name: print\nID: 5\nformat:\n%s"
		 "\tfield:unsigned long ip;\toffset:8;\tsize:8;\tsigned:0;\n"
		 "\tfield:char buf[];\toffset:16;\tsize:0;\tsigned:1;\n\n"
		 "print fmt: \"%%ps: %%s\", (void *)REC->ip, REC->buf\n", common_fields);
	put_file(p, text);
	for (int k = 1; k < TDX_EV_MAX; k++) {
		int nargs = tdx_event_nargs(k), off = 8, n;
		size_t o;

		snprintf(p, sizeof(p), "%s/events/%s/%s", dir, tdx_event_system(k), tdx_event_name(k));
		mkdirs(p);
		o = (size_t)snprintf(text, sizeof(text), "name: %s\nID: %d\nformat:\n%s",
				     tdx_event_name(k), 1500 + k, common_fields);
		if (with_tgid) {
			o += (size_t)snprintf(text + o, sizeof(text) - o,
					      "\tfield:int tgid;\toffset:8;\tsize:4;\tsigned:1;\n");
			lay[k].off[nargs] = 8;
			off = 12;
		}
		if (td_pid[k]) {
			o += (size_t)snprintf(text + o, sizeof(text) - o,
					      "\tfield:int pid;\toffset:%d;\tsize:4;\tsigned:1;\n", off);
			lay[k].pid_off = off;
			off += 4;
		}
		for (int a = 0; a < nargs; a++) {
			enum ftype t = ftypes[k][a];
			int sz = fsize_of[t];

			off = (off + sz - 1) / sz * sz;
			lay[k].off[a] = off;
			if (!(drop_field && k == TDX_EV_SEAMCALL && a == 6))
				o += (size_t)snprintf(text + o, sizeof(text) - o,
						      "\tfield:%s %s;\toffset:%d;\tsize:%d;\tsigned:%d;\n",
						      ctype[t], fnames[k][a], off, sz, fsigned[t]);
			off += sz;
		}
		lay[k].size = (off + 7) / 8 * 8;
		o += (size_t)snprintf(text + o, sizeof(text) - o, "\nprint fmt: \"");
		for (int a = 0; a < nargs; a++)
			o += (size_t)snprintf(text + o, sizeof(text) - o, "%s%s=%%llu",
					      a ? " " : "", fnames[k][a]);
		o += (size_t)snprintf(text + o, sizeof(text) - o, "\"");
		for (int a = 0; a < nargs; a++)
			o += (size_t)snprintf(text + o, sizeof(text) - o,
					      ", (unsigned long long)REC->%s", fnames[k][a]);
		snprintf(text + o, sizeof(text) - o, "\n");
		n = snprintf(p + strlen(p), sizeof(p) - strlen(p), "/format");
		(void)n;
		put_file(p, text);
	}
	snprintf(p, sizeof(p), "%s/events/kvm/kvm_exit", dir);
	mkdirs(p);
	strcat(p, "/format");
	snprintf(text, sizeof(text), "name: kvm_exit\nID: %d\nformat:\n%s"
		 "\tfield:unsigned int exit_reason;\toffset:8;\tsize:4;\tsigned:0;\n"
		 "\tfield:unsigned long guest_rip;\toffset:16;\tsize:8;\tsigned:0;\n\n"
		 "print fmt: \"reason %%u rip 0x%%lx\", REC->exit_reason, REC->guest_rip\n",
		 UNKNOWN_ID, common_fields);
	put_file(p, text);
}

/* ---------------------------------------------------- ring-buffer pages */

struct cpubuf {
	FILE *f;
	__u64 missed;			/* store on the next flushed page */
	unsigned char page[PAGE];
	size_t used;			/* data bytes on the page */
	__u64 last_ts;
	bool open;
};

static void page_flush(struct cpubuf *c)
{
	if (!c->open)
		return;
	memset(c->page + 16 + c->used, 0, PAGE_DATA - c->used);
	if (c->missed) {
		/* RB_MISSED_EVENTS | RB_MISSED_STORED, count after the data */
		memcpy(c->page + 8, &(__u64){ c->used | (1ULL << 31) | (1ULL << 30) }, 8);
		memcpy(c->page + 16 + c->used, &c->missed, 8);
		c->missed = 0;
	} else {
		memcpy(c->page + 8, &(__u64){ c->used }, 8);
	}
	fwrite(c->page, 1, PAGE, c->f);
	c->open = false;
}

static void put_record(struct cpubuf *c, __u64 ts, const unsigned char *payload, size_t len)
{
	size_t need = 4 + (len + 3) / 4 * 4 + 8;
	__u64 delta;
	__u32 h;

	if (c->open && c->used + need + 8 > PAGE_DATA)
		page_flush(c);
	if (!c->open) {
		memcpy(c->page, &ts, 8);
		c->used = 0;
		c->last_ts = ts;
		c->open = true;
	}
	delta = ts - c->last_ts;
	if (delta >= (1u << 27)) {		/* time extend */
		h = 30 | (__u32)((delta & ((1u << 27) - 1)) << 5);
		memcpy(c->page + 16 + c->used, &h, 4);
		h = (__u32)(delta >> 27);
		memcpy(c->page + 16 + c->used + 4, &h, 4);
		c->used += 8;
		delta = 0;
	}
	h = (__u32)((len + 3) / 4) | (__u32)(delta << 5);
	memcpy(c->page + 16 + c->used, &h, 4);
	memset(c->page + 16 + c->used + 4, 0, (len + 3) / 4 * 4);
	memcpy(c->page + 16 + c->used + 4, payload, len);
	c->used += 4 + (len + 3) / 4 * 4;
	c->last_ts = ts;
}

static size_t encode(const struct tdx_event *ev, bool with_tgid, unsigned char *buf)
{
	int k = ev->kind, nargs = ev->nargs;
	__u16 type = (__u16)(1500 + k);
	__s32 pid = (__s32)ev->tid;

	memset(buf, 0, (size_t)lay[k].size);
	memcpy(buf, &type, 2);
	memcpy(buf + 4, &pid, 4);
	if (with_tgid) {
		__s32 tgid = (__s32)ev->pid;

		memcpy(buf + lay[k].off[nargs], &tgid, 4);
	}
	if (td_pid[k])
		memcpy(buf + lay[k].pid_off, &ev->pid, 4);
	for (int a = 0; a < nargs; a++)
		memcpy(buf + lay[k].off[a], &ev->args[a], (size_t)fsize_of[ftypes[k][a]]);
	return (size_t)lay[k].size;
}

static int run(const char *cmd)
{
	int r = system(cmd);

	if (r)
		diag("command failed (%d): %s", r, cmd);
	return r;
}

/*
 * Make DIR/trace.dat from events; every 50th event is followed by an unknown
 * kvm_exit record.  Returns the number of unknown records, -1 on failure.
 */
static size_t g_short_every;	/* !0: every Nth event's record is cut to 12 bytes */
static bool g_only_unknown;	/* every record of an event tdxtrace does not know */

static long make_tracedat(const char *dir, const struct tdx_event *ev, size_t n,
			  bool with_tgid, bool drop_field)
{
	char tdir[512], cmd[4096];
	struct cpubuf cpu[2];
	unsigned char buf[256];
	long unknown = 0;

	snprintf(tdir, sizeof(tdir), "%s/tracing", dir);
	write_tracing_dir(tdir, with_tgid, drop_field);
	for (int c = 0; c < 2; c++) {
		char p[1100];

		memset(&cpu[c], 0, sizeof(cpu[c]));
		snprintf(p, sizeof(p), "%s/trace.dat.cpu%d", dir, c);
		cpu[c].f = fopen(p, "wb");
	}
	for (size_t i = 0; i < n; i++) {
		struct cpubuf *c = &cpu[ev[i].cpu % 2];

		if (i == n / 2)
			c->missed = 42;		/* this page reports 42 lost events */

		if (!g_only_unknown)
			put_record(c, ev[i].ts_ns, buf, g_short_every && i % g_short_every == 7 ? 12 :
				   encode(&ev[i], with_tgid, buf));
		if (i % 50 == 49 || g_only_unknown) {
			__u16 type = UNKNOWN_ID;

			memset(buf, 0, 24);
			memcpy(buf, &type, 2);
			memcpy(buf + 4, &ev[i].tid, 4);
			memcpy(buf + 8, &(__u32){ 48 }, 4);
			put_record(c, ev[i].ts_ns, buf, 24);
			unknown++;
		}
	}
	for (int c = 0; c < 2; c++) {
		page_flush(&cpu[c]);
		fclose(cpu[c].f);
	}
	/*
	 * Our own kallsyms: /proc/kallsyms changes size while BPF programs
	 * load, which makes trace-cmd's copy of it fail.
	 */
	snprintf(cmd, sizeof(cmd), "%s/kallsyms", dir);
	put_file(cmd, "ffffffff81000000 T _stext\nffffffffc0000000 t tdh_mem_page_aug\t[kvm_intel]\n");
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && trace-cmd restore -c -t '%s' -k kallsyms -o head.dat >restore.log 2>&1 && "
		 "trace-cmd restore -i head.dat -o trace.dat trace.dat.cpu0 trace.dat.cpu1 >>restore.log 2>&1",
		 dir, tdir);
	if (run(cmd)) {
		char log[1100];

		snprintf(log, sizeof(log), "sed 's/^/# /' '%s/restore.log'", dir);
		if (system(log))
			diag("no log");
		return -1;
	}
	return unknown;
}

/*
 * Without a tgid field the importer groups threads by the TDR of their
 * SEAMCALLs; the TD's pid is the group's lowest thread id.  Computed here
 * from the simulator's events.
 */
#define MAXT 4096
static __u32 g_tid[MAXT], g_pid[MAXT], g_vcpu[MAXT];
static __u64 g_tdr[MAXT];
static size_t g_n;

static void groups(const struct tdx_event *ev, size_t n)
{
	g_n = 0;
	for (size_t i = 0; i < n; i++) {
		size_t k;

		if (ev[i].kind != TDX_EV_SEAMCALL && ev[i].kind != TDX_EV_VP_ENTER)
			continue;
		for (k = 0; k < g_n && g_tid[k] != ev[i].tid; k++)
			;
		if (k == g_n && g_n < MAXT) {
			g_tid[g_n] = ev[i].tid;
			g_tdr[g_n] = 0;
			g_vcpu[g_n] = 0;
			g_n++;
		}
		if (ev[i].kind == TDX_EV_VP_ENTER)
			g_vcpu[k] = 1;
		else if (!g_tdr[k])
			g_tdr[k] = ev[i].args[TDX_SEAMCALL_ARG_TDR];
	}
	for (size_t k = 0; k < g_n; k++) {
		g_pid[k] = g_tid[k];
		for (size_t j = 0; j < g_n && g_tdr[k]; j++)
			if (g_tdr[j] == g_tdr[k] && g_tid[j] < g_pid[k])
				g_pid[k] = g_tid[j];
	}
}

static __u32 group_pid(__u32 tid)
{
	for (size_t k = 0; k < g_n; k++)
		if (g_tid[k] == tid)
			return g_tdr[k] ? g_pid[k] : tid;
	return tid;
}

/* The simulator's stream as the capture holds it: per-CPU order, merged by time. */
static struct tdx_event *expected(const struct tdx_event *ev, size_t n, bool with_tgid)
{
	struct tdx_event *x = malloc(n * sizeof(*x));
	size_t i0 = 0, i1 = 0, k = 0;
	size_t *c0 = malloc(n * sizeof(size_t)), *c1 = malloc(n * sizeof(size_t)), n0 = 0, n1 = 0;

	for (size_t i = 0; i < n; i++) {
		if (ev[i].cpu % 2)
			c1[n1++] = i;
		else
			c0[n0++] = i;
	}
	while (i0 < n0 || i1 < n1) {
		size_t j;

		if (i1 == n1 || (i0 < n0 && ev[c0[i0]].ts_ns <= ev[c1[i1]].ts_ns))
			j = c0[i0++];
		else
			j = c1[i1++];
		x[k] = ev[j];
		x[k].cpu = ev[j].cpu % 2;
		x[k].flags = 0;
		if (!with_tgid && !td_pid[x[k].kind])	/* v2 events name their TD */
			x[k].pid = group_pid(x[k].tid);
		k++;
	}
	free(c0);
	free(c1);
	return x;
}


/* ----------------------------------------------------- structure checker */

int tdx__tracedat_check(const void *buf, size_t len, char *why, size_t whylen);

static unsigned char *slurp(const char *path, size_t *len)
{
	unsigned char *b = NULL;
	FILE *f = fopen(path, "rb");
	long n;

	if (f && !fseek(f, 0, SEEK_END) && (n = ftell(f)) > 0 && !fseek(f, 0, SEEK_SET)) {
		b = malloc((size_t)n);
		if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
			free(b);
			b = NULL;
		}
		*len = (size_t)n;
	}
	if (f)
		fclose(f);
	return b;
}

static void spit(const char *path, const void *b, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(b, 1, len, f) != len)
		diag("cannot write %s", path);
	if (f)
		fclose(f);
}

/* Events read from a file, or -1 when it does not open. */
static long count_events(const char *path)
{
	struct tdx_source *s;
	struct tdx_event e;
	long n = 0;
	int r;

	if (tdx_source_open_file(&s, path))
		return -1;
	while ((r = tdx_source_next(s, &e)) == 1)
		n++;
	tdx_source_close(s);
	return r < 0 ? -1 : n;
}

/*
 * tracedat_check.c bounds the file before libtracecmd reads it: real files
 * of every layout trace-cmd writes pass (v7, v6, zstd-compressed v7) and
 * import the same events; every truncation is refused; corrupting any 4
 * bytes of the metadata either is refused or still opens safely; the fuzz
 * reproducer of a 3.3 GB allocation is refused with its offset.
 */
static void test_checker(const char *dir, const struct tdx_event *ev, size_t n)
{
	char sub[300], v7[400], v6[400], zst[400], cmd[1400], why[256], corrupt[400];
	unsigned char *b;
	size_t len = 0, bad_cut = 0, refused = 0, accepted = 0, opened = 0;
	long want;
	int r;

	snprintf(sub, sizeof(sub), "%s/chk", dir);
	mkdirs(sub);
	if (!ok(make_tracedat(sub, ev, n, true, false) > 0, "checker: a trace.dat to check"))
		return;
	snprintf(v7, sizeof(v7), "%s/trace.dat", sub);
	snprintf(v6, sizeof(v6), "%s/v6.dat", sub);
	snprintf(zst, sizeof(zst), "%s/zstd.dat", sub);
	b = slurp(v7, &len);
	if (!ok(b != NULL, "checker: read %s", v7))
		return;
	r = tdx__tracedat_check(b, len, why, sizeof(why));
	ok(!r, "checker: trace-cmd's v7 file passes%s%s", r ? ": " : "", why);
	for (size_t l = 0; l < len; l++)
		bad_cut += !tdx__tracedat_check(b, l, why, sizeof(why));
	ok(!bad_cut, "checker: all %zu truncations of the %zu-byte file are refused (%zu accepted)",
	   len, len, bad_cut);
	want = count_events(v7);
	ok(want > 0, "checker: the v7 file imports %ld records", want);

	snprintf(cmd, sizeof(cmd), "trace-cmd convert --file-version 6 -i '%s' -o '%s' >/dev/null 2>&1",
		 v7, v6);
	if (!run(cmd)) {
		unsigned char *b6;
		size_t l6 = 0;

		b6 = slurp(v6, &l6);
		r = b6 ? tdx__tracedat_check(b6, l6, why, sizeof(why)) : -1;
		ok(b6 && b6[10] == '6' && !r, "checker: the v6 conversion passes%s%s",
		   r ? ": " : "", why);
		is_u64((__u64)count_events(v6), (__u64)want, "checker: v6 imports the same records");
		free(b6);
	} else {
		skip("trace-cmd convert --file-version 6 failed");
	}
	snprintf(cmd, sizeof(cmd), "trace-cmd convert --compression zstd -i '%s' -o '%s' >/dev/null 2>&1",
		 v7, zst);
	if (!system("trace-cmd list -c 2>/dev/null | grep -q zstd") && !run(cmd)) {
		unsigned char *bz;
		size_t lz = 0;

		bz = slurp(zst, &lz);
		r = bz ? tdx__tracedat_check(bz, lz, why, sizeof(why)) : -1;
		ok(!r, "checker: the zstd-compressed conversion passes%s%s", r ? ": " : "", why);
		is_u64((__u64)count_events(zst), (__u64)want,
		       "checker: the compressed file imports the same records");
		free(bz);
	} else {
		skip("this trace-cmd has no zstd compression");
	}

	/*
	 * 0xff x 4 over each offset of the first 16 KiB (the metadata): the
	 * checker refuses what reaches outside; a sample of what it accepts
	 * (the text of event formats, mostly) goes through libtracecmd, which
	 * must then fail cleanly or import (ASan watches, SAN=1).
	 */
	snprintf(corrupt, sizeof(corrupt), "%s/corrupt.dat", sub);
	for (size_t off = 10; off + 4 <= len && off < 16384; off++) {
		unsigned char save[4];

		memcpy(save, b + off, 4);
		memset(b + off, 0xff, 4);
		if (tdx__tracedat_check(b, len, why, sizeof(why))) {
			refused++;
		} else if (accepted++ % 61 == 0) {
			spit(corrupt, b, len);
			count_events(corrupt);
			opened++;
		}
		memcpy(b + off, save, 4);
	}
	ok(refused > 100 && accepted > 0,
	   "checker: 4-byte corruptions of the metadata: %zu refused, %zu accepted, %zu of those opened without harm",
	   refused, accepted, opened);
	free(b);

	snprintf(cmd, sizeof(cmd), "%s/tests/fuzz/regress/recfile/tracedat-huge-alloc",
		 getenv("SRC") ? getenv("SRC") : ".");
	b = slurp(cmd, &len);
	if (ok(b != NULL, "checker: the fuzz reproducer of a 3.3 GB allocation")) {
		r = tdx__tracedat_check(b, len, why, sizeof(why));

		ok(r == -EIO && strstr(why, "offset"), "checker: refused: %s", why);
		free(b);
	}
}

int main(void)
{
	char dir[] = "/tmp/tdxdat-test-XXXXXX", sub[256], path[300];
	struct tdx_source *sim;
	struct tdx_event *ev = NULL, e;
	size_t n = 0, cap = 0;

	if (system("command -v trace-cmd >/dev/null 2>&1")) {
		skip("trace-cmd is not installed (scripts/setup-deps.sh installs it)");
		return tap_done();
	}
	if (!mkdtemp(dir) ||
	    tdx_source_open_sim(&sim, "contention:5,duration=400ms,vcpus=8,tds=2,teardown=1,leak=1")) {
		ok(0, "setup: %s", tdx_last_error());
		return tap_done();
	}
	while (tdx_source_next(sim, &e) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			ev = realloc(ev, cap * sizeof(*ev));
		}
		ev[n++] = e;
	}
	tdx_source_close(sim);
	/*
	 * TD build commands run before a TD's vCPUs (the boot scenario): add
	 * one of each, as the VMM of the first TD would issue them, after the
	 * simulated stream (field values chosen to differ from each other).
	 */
	for (__u32 cmd = 1; cmd <= 4 && n; cmd++) {
		struct tdx_event b = ev[n - 1];

		if (n == cap) {
			cap *= 2;
			ev = realloc(ev, cap * sizeof(*ev));
		}
		memset(b.args, 0, sizeof(b.args));
		b.kind = TDX_EV_TD_BUILD;
		b.nargs = (__u16)tdx_event_nargs(TDX_EV_TD_BUILD);
		b.ts_ns += 1000 * cmd;
		b.pid = ev[0].pid;
		b.tid = ev[0].pid;
		b.args[TDX_TD_BUILD_ARG_VCPU] = cmd == 2 ? 3 : (__u64)-1;
		b.args[TDX_TD_BUILD_ARG_CMD] = cmd;
		b.args[TDX_TD_BUILD_ARG_GPA] = cmd == 3 ? 0xffc00000ULL : 0;
		b.args[TDX_TD_BUILD_ARG_NR_PAGES] = cmd == 3 ? 512 : 0;
		b.args[TDX_TD_BUILD_ARG_MEASURED] = cmd == 3;
		b.args[TDX_TD_BUILD_ARG_RET] = cmd == 4 ? (__u64)-5 : 0;
		b.args[TDX_TD_BUILD_ARG_HW_ERROR] = cmd == 4 ? 0xC000010000000000ULL : 0;
		b.args[TDX_TD_BUILD_ARG_DURATION] = 100000 * cmd + 7;
		ev[n++] = b;
	}
	{
		size_t kinds[TDX_EV_MAX] = { 0 }, missing = 0;

		for (size_t i = 0; i < n; i++)
			kinds[ev[i].kind]++;
		for (int k = 1; k < TDX_EV_MAX; k++)
			missing += !kinds[k];
		ok(n > 10000 && !missing, "capture source: %zu simulator events of all %d kinds", n,
		   TDX_EV_MAX - 1);
	}

	groups(ev, n);
	for (int variant = 0; variant < 2; variant++) {
		bool tgid = variant == 1;
		struct tdx_event *want = expected(ev, n, tgid), got;
		struct tdx_tracedat_stats st;
		struct tdx_source *s;
		size_t m = 0, diff = 0, first_diff = (size_t)-1;
		long unknown;
		int r;

		snprintf(sub, sizeof(sub), "%s/v%d", dir, variant);
		mkdirs(sub);
		unknown = make_tracedat(sub, ev, n, tgid, false);
		ok(unknown > 0, "%s: trace-cmd made a trace.dat from the tracing dir and CPU pages",
		   tgid ? "with tgid" : "common_pid only");
		if (unknown <= 0)
			continue;
		snprintf(path, sizeof(path), "%s/trace.dat", sub);
		r = tdx_source_open_file(&s, path);
		ok(r == 0, "tdx_source_open_file(trace.dat): %s", r ? tdx_last_error() : "ok");
		if (r)
			continue;
		if (!tgid) {
			const struct tdx_source_info *in = tdx_source_info(s);
			size_t ngroups = 0, badtd = 0;

			for (size_t k = 0; k < g_n; k++) {
				size_t vc = 0, t;

				if (!g_tdr[k] || g_pid[k] != g_tid[k])
					continue;
				ngroups++;
				for (size_t j = 0; j < g_n; j++)
					vc += g_tdr[j] == g_tdr[k] && g_vcpu[j];
				for (t = 0; t < in->n_td && in->td[t].pid != g_pid[k]; t++)
					;
				if (t == in->n_td || in->td[t].vcpus != vc)
					badtd++;
			}
			ok(ngroups == 2 && in->n_td == 2 && !badtd,
			   "no tgid: threads grouped by TDR into %zu TDs (pid = lowest thread id, vCPUs counted; %zu wrong)",
			   in->n_td, badtd);
		}
		ok(!strncmp(tdx_source_info(s)->format, "trace.dat v", 11),
		   "format detected: %s, kernel \"%s\"", tdx_source_info(s)->format,
		   tdx_source_info(s)->kernel);
		while ((r = tdx_source_next(s, &got)) == 1) {
			if (m < n && memcmp(&got, &want[m], sizeof(got))) {
				if (first_diff == (size_t)-1) {
					first_diff = m;
					diag("got ts %llu kind %u pid %u tid %u cpu %u",
					     (unsigned long long)got.ts_ns, got.kind, got.pid,
					     got.tid, got.cpu);
				}
				diff++;
			}
			m++;
		}
		if (first_diff != (size_t)-1) {
			const struct tdx_event *w = &want[first_diff];

			diag("first difference at %zu: want ts %llu kind %u pid %u tid %u cpu %u",
			     first_diff, (unsigned long long)w->ts_ns, w->kind, w->pid, w->tid, w->cpu);
		}
		ok(r == 0 && m == n && !diff,
		   "%s: imported %zu of %zu events, identical to the simulator's (timestamps, TD, thread, CPU, every argument; %zu differ)",
		   tgid ? "tgid field gives the TD" : "TD from TDR groups", m, n, diff);
		tdx_source_tracedat_stats(s, &st);
		ok(st.missed == 42 && tdx_source_info(s)->lost == 42,
		   "events the kernel reported lost on a page are counted: %llu (stored count 42)",
		   (unsigned long long)tdx_source_info(s)->lost);
		{
			/* the loss model: the 42 carry a time inside the capture */
			const struct tdx_source_loss *l;
			size_t nl, bad = 0;
			__u64 sum = 0;

			l = tdx_source_losses(s, &nl);
			for (size_t i = 0; i < nl; i++) {
				sum += l[i].n;
				if (l[i].ts_ns < want[0].ts_ns || l[i].ts_ns > want[n - 1].ts_ns)
					bad++;
			}
			ok(nl >= 1 && sum == 42 && !bad &&
			   tdx_source_lost_until(s, want[n - 1].ts_ns) == 42 &&
			   tdx_source_lost_until(s, want[0].ts_ns - 1) == 0,
			   "the lost events are logged with their time: %zu entries, sum %llu, %zu outside the capture",
			   nl, (unsigned long long)sum, bad);
		}
		ok(st.unknown == (__u64)unknown && st.imported == n && st.records == n + (__u64)unknown,
		   "unknown kvm_exit records skipped and counted: %llu of %ld, %llu imported",
		   (unsigned long long)st.unknown, unknown, (unsigned long long)st.imported);
		tdx_source_close(s);
		free(want);
	}

	/*
	 * Records shorter than their event's fields (a corrupt capture): each
	 * is skipped, counted (short_records) and shown as lost, never read
	 * past its end.
	 */
	{
		struct tdx_tracedat_stats st;
		struct tdx_source *s;
		struct tdx_event g;
		size_t got = 0, cut = 0;

		for (size_t i = 0; i < 2000; i++)
			cut += i % 100 == 7;
		snprintf(sub, sizeof(sub), "%s/short", dir);
		mkdirs(sub);
		g_short_every = 100;
		if (make_tracedat(sub, ev, 2000, true, false) > 0) {
			snprintf(path, sizeof(path), "%s/trace.dat", sub);
			int r = tdx_source_open_file(&s, path);

			if (ok(!r, "short records: open%s%s", r ? ": " : "", r ? tdx_last_error() : "")) {
				while (tdx_source_next(s, &g) == 1)
					got++;
				tdx_source_tracedat_stats(s, &st);
				is_u64(st.short_records, cut, "short records: every cut record counted");
				is_u64(got, 2000 - cut, "short records: the others imported");
				is_u64(tdx_source_info(s)->lost, 42 + cut,
				       "short records: shown as lost (with the page's 42 missed)");
				tdx_source_close(s);
			}
		}
		g_short_every = 0;
	}

	/*
	 * Through the tools (issue 20): a capture of other events is refused
	 * as NODATA with what was skipped; report's header has the missed 42.
	 */
	{
		const char *o = getenv("O") ? getenv("O") : "build";
		char cmd[2048], out[8192];
		size_t len;
		FILE *p;
		int st;

		snprintf(sub, sizeof(sub), "%s/other", dir);
		mkdirs(sub);
		g_only_unknown = true;
		if (make_tracedat(sub, ev, 500, true, false) > 0) {
			snprintf(cmd, sizeof(cmd), "'%s/bin/tdxtrace' stat --replay '%s/trace.dat' 2>&1",
				 o, sub);
			p = popen(cmd, "r");
			len = p ? fread(out, 1, sizeof(out) - 1, p) : 0;
			out[len] = 0;
			st = p ? pclose(p) : -1;
			ok(WIFEXITED(st) && WEXITSTATUS(st) == TDX_EXIT_NODATA &&
			   strstr(out, "no TDX events (500 records read)") &&
			   strstr(out, "500 of 500 records skipped"),
			   "a trace.dat of other events: NODATA (%d) and what was skipped: %s",
			   WIFEXITED(st) ? WEXITSTATUS(st) : -1, out);
		}
		g_only_unknown = false;
		snprintf(sub, sizeof(sub), "%s/v1", dir);
		snprintf(cmd, sizeof(cmd), "'%s/bin/tdxtrace' report --replay '%s/trace.dat' -j 2>/dev/null",
			 o, sub);
		p = popen(cmd, "r");
		len = p ? fread(out, 1, sizeof(out) - 1, p) : 0;
		out[len] = 0;
		while (p && fread(cmd, 1, sizeof(cmd), p) > 0)
			;	/* read to the end: the tool must not die of SIGPIPE */
		st = p ? pclose(p) : -1;
		if (!ok(st == 0 && strstr(out, "\"lost\":42,\"sample_every\":1,"),
			"report --json on a trace.dat with 42 missed events: file.lost 42"))
			diag("status %d: %.300s", st, strstr(out, "\"file\"") ? strstr(out, "\"file\"") : out);
	}

	/* a capture whose tdx_seamcall format lacks a field: a clear error */
	{
		struct tdx_source *s;
		int r;

		snprintf(sub, sizeof(sub), "%s/v2", dir);
		mkdirs(sub);
		if (make_tracedat(sub, ev, 2000, false, true) > 0) {
			snprintf(path, sizeof(path), "%s/trace.dat", sub);
			r = tdx_source_open_file(&s, path);
			ok(r == -EPROTO && strstr(tdx_last_error(), "\"duration"),
			   "format without a known field: %s", tdx_last_error());
			if (!r)
				tdx_source_close(s);
		}
		/* truncated trace.dat: an error or a short read, never a crash */
		{
			char cut[400], cmd[1000];
			struct tdx_event g;
			size_t got = 0;

			snprintf(cut, sizeof(cut), "%s/cut.dat", sub);
			snprintf(cmd, sizeof(cmd), "head -c 3000 '%s' > '%s'", path, cut);
			run(cmd);
			r = tdx_source_open_file(&s, cut);
			if (!r) {
				while ((r = tdx_source_next(s, &g)) == 1)
					got++;
				tdx_source_close(s);
			}
			ok(r < 0 || got < 2000, "truncated trace.dat: %s", r < 0 ? tdx_last_error() : "short read");
		}
	}
	test_checker(dir, ev, 2000);
	/*
	 * TDX_TRACEDAT_SEEDS=DIR: also write small trace.dat files (60 events;
	 * v7, v6, zstd) to DIR, the seeds of tests/fuzz/corpus/recfile/.
	 */
	if (getenv("TDX_TRACEDAT_SEEDS")) {
		const char *o = getenv("TDX_TRACEDAT_SEEDS");
		char cmd[2000];

		snprintf(sub, sizeof(sub), "%s/seeds", dir);
		mkdirs(sub);
		if (make_tracedat(sub, ev, 60, true, false) > 0) {
			snprintf(cmd, sizeof(cmd),
				 "cd '%s' && cp trace.dat '%s/tracedat-v7.dat' && "
				 "trace-cmd convert --file-version 6 -i trace.dat -o '%s/tracedat-v6.dat' && "
				 "trace-cmd convert --compression zstd -i trace.dat -o '%s/tracedat-zstd.dat'",
				 sub, o, o, o);
			ok(!run(cmd), "seeds written to %s", o);
		}
	}

	/* header errors name the offset */
	{
		static const unsigned char v99[] = { 0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g',
						     '9', '9', 0, 0, 8, 0, 0x10, 0, 0, 0, 0, 0, 0, 0 };
		struct tdx_source *s;
		char p[400];
		FILE *f;
		int r;

		snprintf(p, sizeof(p), "%s/v99.dat", dir);
		f = fopen(p, "wb");
		fwrite(v99, 1, sizeof(v99), f);
		fclose(f);
		r = tdx_source_open_file(&s, p);
		ok(r == -EPROTO && strstr(tdx_last_error(), "version 99 at offset 10"),
		   "unsupported trace.dat version: %s", tdx_last_error());
		f = fopen(p, "wb");
		fwrite(v99, 1, 12, f);
		fclose(f);
		r = tdx_source_open_file(&s, p);
		ok(r == -EIO && strstr(tdx_last_error(), "offset 10"), "truncated trace.dat header: %s",
		   tdx_last_error());
	}
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		run(cmd);
	}
	free(ev);
	return tap_done();
}
