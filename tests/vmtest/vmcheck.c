// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vmcheck - live checks of tdxtrace's BPF aggregation inside the vmtest VM.
 *
 *   vmcheck --bpf-obj tdxtrace.bpf.o --fire FIRE --table TABLE
 *
 * FIRE and TABLE are the test module's debugfs files.  For each attach mode
 * (tp_btf, then raw_tp) the aggregation object is opened with libbpf, only
 * that mode's programs are loaded and attached, two child processes (two
 * "TDs") fire the module's table once and three times, and every aggregate
 * in the maps of include/tdxtrace/maps.h is compared with the value
 * computed here from the table (counts, sums, min/max, status classes,
 * histogram slots, per-TD separation, mixing state).  Then the fentry
 * fallback programs whose targets exist in this kernel are loaded and
 * attached, and finally the loader library is checked end to end
 * (tdx_open live + tdx_snapshot).  Output: TAP lines (unnumbered plan is
 * added by the caller; numbers are rewritten by tests/vmtest/run.sh).
 *
 * The expected values are computed from the table with code written for this
 * test (the slot and class functions below follow the definitions in hist.h
 * and leaves.h, not their code), so a bug in the shared helpers shows up.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "tdxtrace.h"
#include "../bpf/bpf_ref.h"	/* the reference model of the aggregation (v2 maps) */

#define MAX_ROWS 256
#define MAX_KEYS 64

static int n_tap, n_fail;

static void tap(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tap(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++n_tap);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		n_fail++;
}

/* ------------------------------------------------------------ the table */

struct row {
	unsigned int kind, repeat, nargs;
	__u64 a[TDX_EV_MAX_ARGS + 1];	/* TP_PROTO arguments: + the TD's pid (v2) */
};

static struct row rows[MAX_ROWS];
static int nrows;

static const char *const ev_names[TDX_EV_MAX] = {
#define X(id, lower, sys, name, nargs) [TDX_EV_##id] = name,
	TDX_EVENT_TABLE(X)
#undef X
};

static int load_table_into(const char *path, struct row *rows, int *nrows_out);

static int load_table(const char *path)
{
	return load_table_into(path, rows, &nrows);
}

static int load_table_into(const char *path, struct row *rows, int *nrows_out)
{
	char line[1024];
	FILE *f = fopen(path, "r");
	int nrows = 0;

	if (!f) {
		fprintf(stderr, "vmcheck: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) && nrows < MAX_ROWS) {
		char *tok, *save, *colon;
		struct row *r = &rows[nrows];
		unsigned int k, i;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		tok = strtok_r(line, " \n", &save);
		colon = tok ? strchr(tok, ':') : NULL;
		if (!colon)
			continue;
		for (k = 1; k < TDX_EV_MAX; k++)
			if (!strcmp(colon + 1, ev_names[k]))
				break;
		if (k == TDX_EV_MAX) {
			fprintf(stderr, "vmcheck: unknown event %s in %s\n", tok, path);
			fclose(f);
			return -1;
		}
		r->kind = k;
		r->repeat = (unsigned int)strtoul(strtok_r(NULL, " \n", &save), NULL, 0);
		r->nargs = (unsigned int)strtoul(strtok_r(NULL, " \n", &save), NULL, 0);
		for (i = 0; i < r->nargs && i < TDX_EV_MAX_ARGS + 1; i++)
			r->a[i] = strtoull(strtok_r(NULL, " \n", &save), NULL, 0);
		nrows++;
	}
	fclose(f);
	*nrows_out = nrows;
	return nrows ? 0 : -1;
}

/* ------------------------------------------------- independent helpers */

/* Log-linear slot, from the definition in hist.h's comment. */
static unsigned int slot_of(__u64 v)
{
	int m;

	if (v < 8)
		return (unsigned int)v;
	m = 63 - __builtin_clzll(v);
	if (m > 39)
		return TDX_HIST_SLOTS - 1;
	return (unsigned int)((m - 2) * 8 + ((v >> (m - 3)) & 7));
}

/* Status class, from the comments of TDX_STATUS_CLASS_TABLE. */
static unsigned int class_of(__u64 s)
{
	__u64 hi = s >> 32;

	if (hi == 0)
		return TDX_SC_SUCCESS;
	if (!(s >> 62))
		return TDX_SC_WARNING;
	if ((s & 0x8000FF0000000000ULL) == 0x8000FF0000000000ULL)
		return TDX_SC_SW_ERROR;
	if (hi == 0x80000200 || hi == 0x80000201 || hi == 0x80000202 || hi == 0x80000204)
		return TDX_SC_BUSY;
	if (hi == 0x80000203)
		return TDX_SC_NO_ENTROPY;
	if (hi == 0x80000003)
		return TDX_SC_INTERRUPTED;
	return TDX_SC_ERROR;
}

static unsigned int retry_slot(__u64 n)
{
	return n < 16 ? (unsigned int)n : 16;
}

/* ------------------------------------------------------- expectations */

struct td_expect {
	__u32 pid;
	struct tdx_leaf_stats leaf[TDX_LEAF_MAX];
	struct tdx_vp_stats vp;
	struct tdx_ept_stats ept;
	struct tdx_map_stats map;
	struct tdx_frozen_stats frozen[TDX_PG_LEVEL_MAX][2];
	struct tdx_mix_stats mix;
	__u64 events[TDX_EV_MAX];
};

static void expect_event(struct td_expect *t, const struct row *r, __u8 *mixed_state, int nstate)
{
	const __u64 *a = r->a;

	t->events[r->kind]++;
	switch (r->kind) {
	case TDX_EV_SEAMCALL: {
		struct tdx_leaf_stats *s = &t->leaf[tdx_leaf_slot(a[0])];
		__u64 d = a[TDX_SEAMCALL_ARG_DURATION];

		if (!s->count)
			s->min_ns = d;
		s->count++;
		s->sum_ns += d;
		s->min_ns = d < s->min_ns ? d : s->min_ns;
		s->max_ns = d > s->max_ns ? d : s->max_ns;
		s->retries += a[TDX_SEAMCALL_ARG_RETRIES];
		s->status[class_of(a[TDX_SEAMCALL_ARG_STATUS])]++;
		s->last_version = (a[0] >> 16) & 0xff;
		s->hist[slot_of(d)]++;
		break;
	}
	case TDX_EV_VP_ENTER: {
		struct tdx_vp_stats *s = &t->vp;
		__u64 d = a[TDX_VP_ENTER_ARG_DURATION], er = a[TDX_VP_ENTER_ARG_EXIT_REASON];

		s->count++;
		s->sum_ns += d;
		s->max_ns = d > s->max_ns ? d : s->max_ns;
		s->status[class_of(a[TDX_VP_ENTER_ARG_STATUS])]++;
		s->exit_reason[tdx_exit_reason_slot((__u32)er)]++;
		s->hist[slot_of(d)]++;
		break;
	}
	case TDX_EV_EPT_VIOLATION: {
		struct tdx_ept_stats *s = &t->ept;
		__u64 d = a[TDX_EPT_VIOLATION_ARG_DURATION];
		__s64 res = (__s64)a[TDX_EPT_VIOLATION_ARG_RESULT];

		s->count[a[TDX_EPT_VIOLATION_ARG_PRIVATE] ? 1 : 0]++;
		s->sum_ns += d;
		s->max_ns = d > s->max_ns ? d : s->max_ns;
		s->retries += a[TDX_EPT_VIOLATION_ARG_RETRIES];
		s->retry_hist[retry_slot(a[TDX_EPT_VIOLATION_ARG_RETRIES])]++;
		s->result[res < 0 ? TDX_EPT_RESULT_ERR : res < TDX_EPT_RESULT_ERR ? res : TDX_EPT_RESULT_ERR]++;
		if (a[TDX_EPT_VIOLATION_ARG_LEVEL] < TDX_PG_LEVEL_MAX)
			s->level[a[TDX_EPT_VIOLATION_ARG_LEVEL]]++;
		s->hist[slot_of(d)]++;
		break;
	}
	case TDX_EV_MAP_GPA:
		t->map.requests[a[TDX_MAP_GPA_ARG_TO_SHARED] ? 1 : 0]++;
		t->map.req_bytes[a[TDX_MAP_GPA_ARG_TO_SHARED] ? 1 : 0] += a[TDX_MAP_GPA_ARG_SIZE];
		break;
	case TDX_EV_MAP_GPA_CHUNK:
		t->map.chunks++;
		t->map.chunk_bytes += a[TDX_MAP_GPA_CHUNK_ARG_SIZE];
		if (a[TDX_MAP_GPA_CHUNK_ARG_RETRY])
			t->map.chunk_retries++;
		else if (a[TDX_MAP_GPA_CHUNK_ARG_HC_RET])
			t->map.chunk_errors++;
		break;
	case TDX_EV_MAP_GPA_DONE: {
		struct tdx_map_stats *s = &t->map;
		__u64 d = a[TDX_MAP_GPA_DONE_ARG_DURATION], st = a[TDX_MAP_GPA_DONE_ARG_STATUS];
		int dir = a[TDX_MAP_GPA_DONE_ARG_TO_SHARED] ? 1 : 0;

		s->done[dir]++;
		s->done_bytes[dir] += a[TDX_MAP_GPA_DONE_ARG_SIZE];
		s->done_status[st == TDVMCALL_STATUS_SUCCESS ? TDX_MAP_DONE_SUCCESS :
			       st == TDVMCALL_STATUS_RETRY ? TDX_MAP_DONE_RETRY :
			       st == TDVMCALL_STATUS_INVALID_OPERAND ? TDX_MAP_DONE_INVALID :
			       TDX_MAP_DONE_OTHER]++;
		s->sum_ns += d;
		s->max_ns = d > s->max_ns ? d : s->max_ns;
		s->hist[slot_of(d)]++;
		break;
	}
	case TDX_EV_FROZEN_RETRY:
		t->frozen[a[TDX_FROZEN_RETRY_ARG_LEVEL] & 3][a[TDX_FROZEN_RETRY_ARG_MIRROR] ? 1 : 0].retries++;
		break;
	case TDX_EV_SPTE_FROZEN: {
		struct tdx_frozen_stats *s =
			&t->frozen[a[TDX_SPTE_FROZEN_ARG_LEVEL] & 3][a[TDX_SPTE_FROZEN_ARG_MIRROR] ? 1 : 0];
		__u64 h = a[TDX_SPTE_FROZEN_ARG_HELD];

		s->frozen++;
		if (a[TDX_SPTE_FROZEN_ARG_RESULT])
			s->errors++;
		s->held_sum_ns += h;
		s->held_max_ns = h > s->held_max_ns ? h : s->held_max_ns;
		s->hist[slot_of(h)]++;
		break;
	}
	case TDX_EV_HUGEPAGE_MIXED: {
		/* state per (gfn, level): index of the row's first occurrence */
		int idx = (int)(r - rows);
		int lvl = (int)(a[TDX_HUGEPAGE_MIXED_ARG_LEVEL] & 3);
		int i, cur = 0;

		for (i = 0; i < idx && i < nstate; i++)
			if (rows[i].kind == r->kind && rows[i].a[0] == a[0] && rows[i].a[1] == a[1]) {
				idx = i;
				break;
			}
		cur = mixed_state[idx];
		if (a[TDX_HUGEPAGE_MIXED_ARG_MIXED] && !cur) {
			t->mix.to_mixed[lvl]++;
			t->mix.mixed_live[lvl]++;
		} else if (!a[TDX_HUGEPAGE_MIXED_ARG_MIXED] && cur) {
			t->mix.to_unmixed[lvl]++;
			t->mix.mixed_live[lvl]--;
		} else {
			t->mix.redundant++;
		}
		mixed_state[idx] = a[TDX_HUGEPAGE_MIXED_ARG_MIXED] ? 1 : 0;
		break;
	}
	case TDX_EV_PRIVATE_MAP: {
		int lvl = (int)(a[TDX_PRIVATE_MAP_ARG_LEVEL] & 3);

		if (a[TDX_PRIVATE_MAP_ARG_MAPPED]) {
			t->mix.maps++;
			t->mix.private_live[lvl]++;
		} else {
			t->mix.unmaps++;
			t->mix.private_live[lvl]--;
		}
		break;
	}
	}
}

static void expect_td(struct td_expect *t, __u32 pid, int passes)
{
	__u8 state[MAX_ROWS] = {};

	memset(t, 0, sizeof(*t));
	t->pid = pid;
	for (int p = 0; p < passes; p++)
		for (int i = 0; i < nrows; i++)
			for (unsigned int k = 0; k < rows[i].repeat; k++)
				expect_event(t, &rows[i], state, nrows);
	for (int l = 0; l < TDX_LEAF_MAX; l++)
		if (!t->leaf[l].count)
			t->leaf[l].min_ns = ~0ULL;
}

/* ------------------------------------------------------------ firing */

static int fire(const char *path, int passes, __u32 *pid)
{
	pid_t c = fork();
	int st;

	if (c < 0)
		return -errno;
	if (c == 0) {
		char buf[16];
		int fd = open(path, O_WRONLY);
		int len = snprintf(buf, sizeof(buf), "%d\n", passes);

		_exit(fd >= 0 && write(fd, buf, (size_t)len) == len ? 0 : 1);
	}
	if (waitpid(c, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		return -EIO;
	*pid = (__u32)c;
	return 0;
}

/* ------------------------------------------------------------ map reading */

static int ncpus;

/* Sum one per-CPU value of `words` u64 into out (min/max fields fixed by caller). */
static int lookup_percpu(int fd, const void *key, __u64 *out, size_t words, int minmax_word[][2], int nmm)
{
	size_t stride = (words * 8 + 7) / 8 * 8;
	__u64 *v = calloc((size_t)ncpus, stride);
	int err;

	if (!v)
		return -ENOMEM;
	err = bpf_map_lookup_elem(fd, key, v);
	if (err) {
		free(v);
		return err;
	}
	memset(out, 0, words * 8);
	for (int m = 0; m < nmm; m++)
		if (minmax_word[m][1] < 0)
			out[minmax_word[m][0]] = ~0ULL;
	for (int c = 0; c < ncpus; c++) {
		const __u64 *p = (const __u64 *)((const char *)v + (size_t)c * stride);

		/* a CPU that never updated the entry holds zeroes: its min
		 * fields mean nothing (word 0 is always a count) */
		int seen = p[0] != 0;

		for (size_t w = 0; w < words; w++) {
			int mm = 0;

			for (int m = 0; m < nmm; m++)
				if (minmax_word[m][0] == (int)w)
					mm = minmax_word[m][1];
			if (mm < 0) {
				if (seen)
					out[w] = p[w] < out[w] ? p[w] : out[w];
			}
			else if (mm > 0)
				out[w] = p[w] > out[w] ? p[w] : out[w];
			else
				out[w] += p[w];
		}
	}
	free(v);
	return 0;
}

/*
 * One value of a statistics map: shared (one copy, not per CPU), completed
 * as a snapshot completes it (tdx_map_complete(): the fields the BPF side
 * derives instead of storing).
 */
static int lookup_shared(int fd, const void *key, __u64 *out, size_t words, enum tdx_map_id id)
{
	int err = bpf_map_lookup_elem(fd, key, out);

	(void)words;
	if (!err)
		tdx_map_complete(id, out);
	return err;
}

#define WORD(type, field) ((int)(offsetof(type, field) / 8))

static int cmp_words(const char *what, const __u64 *got, const __u64 *want, size_t words,
		     const char *const *names)
{
	int bad = 0;

	for (size_t w = 0; w < words; w++) {
		if (got[w] != want[w]) {
			if (bad < 6)
				printf("#   %s word %zu (%s): got %llu, want %llu\n", what, w,
				       names ? names[w] : "?", (unsigned long long)got[w],
				       (unsigned long long)want[w]);
			bad++;
		}
	}
	return bad;
}

static char namebuf[8][512][40];

static const char *const *names_for(int which, size_t words)
{
	/* Offsets by struct; computed with offsetof into strings once. */
	static const char *ptrs[8][512];
	struct { const char *n; size_t off; } f[16];
	int nf = 0;

#define ADD(type, field) f[nf].n = #field, f[nf].off = offsetof(type, field), nf++
	switch (which) {
	case 0:
		ADD(struct tdx_leaf_stats, count); ADD(struct tdx_leaf_stats, sum_ns);
		ADD(struct tdx_leaf_stats, min_ns); ADD(struct tdx_leaf_stats, max_ns);
		ADD(struct tdx_leaf_stats, retries); ADD(struct tdx_leaf_stats, status);
		ADD(struct tdx_leaf_stats, last_version); ADD(struct tdx_leaf_stats, hist);
		break;
	case 1:
		ADD(struct tdx_vp_stats, count); ADD(struct tdx_vp_stats, sum_ns);
		ADD(struct tdx_vp_stats, max_ns); ADD(struct tdx_vp_stats, status);
		ADD(struct tdx_vp_stats, exit_reason); ADD(struct tdx_vp_stats, hist);
		break;
	case 2:
		ADD(struct tdx_ept_stats, count); ADD(struct tdx_ept_stats, sum_ns);
		ADD(struct tdx_ept_stats, max_ns); ADD(struct tdx_ept_stats, retries);
		ADD(struct tdx_ept_stats, retry_hist); ADD(struct tdx_ept_stats, result);
		ADD(struct tdx_ept_stats, level); ADD(struct tdx_ept_stats, hist);
		break;
	case 3:
		ADD(struct tdx_map_stats, requests); ADD(struct tdx_map_stats, req_bytes);
		ADD(struct tdx_map_stats, done); ADD(struct tdx_map_stats, done_bytes);
		ADD(struct tdx_map_stats, done_status); ADD(struct tdx_map_stats, chunks);
		ADD(struct tdx_map_stats, chunk_bytes); ADD(struct tdx_map_stats, chunk_retries);
		ADD(struct tdx_map_stats, chunk_errors); ADD(struct tdx_map_stats, sum_ns);
		ADD(struct tdx_map_stats, max_ns); ADD(struct tdx_map_stats, hist);
		break;
	case 4:
		ADD(struct tdx_frozen_stats, retries); ADD(struct tdx_frozen_stats, frozen);
		ADD(struct tdx_frozen_stats, errors); ADD(struct tdx_frozen_stats, held_sum_ns);
		ADD(struct tdx_frozen_stats, held_max_ns); ADD(struct tdx_frozen_stats, hist);
		break;
	case 5:
		ADD(struct tdx_mix_stats, mixed_live); ADD(struct tdx_mix_stats, to_mixed);
		ADD(struct tdx_mix_stats, to_unmixed); ADD(struct tdx_mix_stats, redundant);
		ADD(struct tdx_mix_stats, private_live); ADD(struct tdx_mix_stats, maps);
		ADD(struct tdx_mix_stats, unmaps); ADD(struct tdx_mix_stats, private_4k_in_mixed);
		break;
	}
#undef ADD
	for (size_t w = 0; w < words && w < 512; w++) {
		int best = 0;

		for (int i = 0; i < nf; i++)
			if (f[i].off <= w * 8)
				best = i;
		snprintf(namebuf[which][w], sizeof(namebuf[which][w]), "%s[%zu]", f[best].n,
			 (w * 8 - f[best].off) / 8);
		ptrs[which][w] = namebuf[which][w];
	}
	return ptrs[which];
}

/* ------------------------------------------------------------ one mode */

static int map_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

	return m ? bpf_map__fd(m) : -1;
}

static int check_td(struct bpf_object *obj, const char *mode, const struct td_expect *t, const char *who)
{
	int bad = 0, fd;

	/* SEAMCALLs per (pid, leaf) */
	fd = map_fd(obj, "tdx_leaf");
	for (int l = 0; l < TDX_LEAF_MAX; l++) {
		struct tdx_leaf_key k = { .pid = t->pid, .leaf = (__u32)l };
		struct tdx_leaf_stats got;
		char what[64];
		int err = lookup_shared(fd, &k, (__u64 *)&got, sizeof(got) / 8, TDX_MAP_LEAF);

		if (!t->leaf[l].count) {
			if (!err) {
				printf("#   %s: leaf %d has an entry, fired none\n", who, l);
				bad++;
			}
			continue;
		}
		if (err) {
			printf("#   %s: no entry for leaf %d (%s)\n", who, l, tdx_leaf_name((__u32)l));
			bad++;
			continue;
		}
		/* last_version: "of the last call seen": per-CPU copies, take any non-zero */
		snprintf(what, sizeof(what), "%s leaf %s", who, tdx_leaf_name((__u32)l));
		bad += cmp_words(what, (__u64 *)&got, (const __u64 *)&t->leaf[l], sizeof(got) / 8,
				 names_for(0, sizeof(got) / 8));
	}

#define CHECK_PID_MAP(mapname, field, which, type, id)				\
	do {									\
		type got;							\
		__u32 key = t->pid;						\
		int err = lookup_shared(map_fd(obj, mapname), &key, (__u64 *)&got, \
					sizeof(got) / 8, id);			\
		char what[64];							\
		snprintf(what, sizeof(what), "%s %s", who, mapname);		\
		if (err) {							\
			printf("#   %s: no entry\n", what);			\
			bad++;							\
		} else {							\
			bad += cmp_words(what, (__u64 *)&got, (const __u64 *)&t->field, \
					 sizeof(got) / 8, names_for(which, sizeof(got) / 8)); \
		}								\
	} while (0)

	CHECK_PID_MAP("tdx_vp", vp, 1, struct tdx_vp_stats, TDX_MAP_VP);
	CHECK_PID_MAP("tdx_ept", ept, 2, struct tdx_ept_stats, TDX_MAP_EPT);
	CHECK_PID_MAP("tdx_mapgpa", map, 3, struct tdx_map_stats, TDX_MAP_MAPGPA);
	{
		/* private_4k_in_mixed depends on range bookkeeping this test does not model */
		struct tdx_mix_stats got, want = t->mix;
		__u32 key = t->pid;
		int err = lookup_shared(map_fd(obj, "tdx_mix"), &key, (__u64 *)&got,
					sizeof(got) / 8, TDX_MAP_MIX);
		char what[64];

		snprintf(what, sizeof(what), "%s tdx_mix", who);
		if (err) {
			printf("#   %s: no entry\n", what);
			bad++;
		} else {
			want.private_4k_in_mixed = got.private_4k_in_mixed;
			bad += cmp_words(what, (__u64 *)&got, (const __u64 *)&want, sizeof(got) / 8,
					 names_for(5, sizeof(got) / 8));
		}
	}
	fd = map_fd(obj, "tdx_frozen");
	for (int l = 0; l < TDX_PG_LEVEL_MAX; l++) {
		for (int m = 0; m < 2; m++) {
			struct tdx_frozen_key k = { .pid = t->pid, .level = (__u16)l, .mirror = (__u16)m };
			struct tdx_frozen_stats got;
			int err = lookup_shared(fd, &k, (__u64 *)&got, sizeof(got) / 8,
						TDX_MAP_FROZEN);
			const struct tdx_frozen_stats *w = &t->frozen[l][m];
			char what[64];

			snprintf(what, sizeof(what), "%s tdx_frozen level %d mirror %d", who, l, m);
			if (!w->retries && !w->frozen) {
				if (!err) {
					printf("#   %s: entry, none fired\n", what);
					bad++;
				}
				continue;
			}
			if (err) {
				printf("#   %s: no entry\n", what);
				bad++;
				continue;
			}
			bad += cmp_words(what, (__u64 *)&got, (const __u64 *)w, sizeof(got) / 8,
					 names_for(4, sizeof(got) / 8));
		}
	}
	tap(!bad, "%s: every aggregate of %s (pid %u) equals the module's table", mode, who, t->pid);
	return bad;
}

static int run_mode(const char *bpf_obj, const char *mode, const char *fire_path)
{
	struct bpf_object *obj;
	struct bpf_program *p;
	struct bpf_link *links[256];
	int nlinks = 0, nprogs = 0, err, bad = 0;
	char prefix[32];
	static struct td_expect ta, tb;
	__u32 pa = 0, pb = 0;

	snprintf(prefix, sizeof(prefix), "%s/", mode);
	obj = bpf_object__open_file(bpf_obj, NULL);
	if (!obj) {
		tap(0, "%s: open %s (%s)", mode, bpf_obj, strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(p, obj) {
		/* the tdxtrace events' programs (stock mode's are vm-tests.py's) */
		int on = !strncmp(bpf_program__section_name(p), prefix, strlen(prefix)) &&
			 strncmp(bpf_program__name(p), "stock_", 6);

		bpf_program__set_autoload(p, on);
		nprogs += on;
	}
	err = bpf_object__load(obj);
	tap(!err, "%s: %d programs load", mode, nprogs);
	if (err)
		goto out;
	bpf_object__for_each_program(p, obj) {
		struct bpf_link *l;

		if (!bpf_program__autoload(p))
			continue;
		l = bpf_program__attach(p);
		if (!l) {
			printf("#   %s: attach %s: %s\n", mode, bpf_program__section_name(p), strerror(errno));
			continue;
		}
		links[nlinks++] = l;
	}
	tap(nlinks == nprogs && nprogs == TDX_EV_MAX - 1, "%s: all %d tracepoint programs attach (%d attached)",
	    mode, TDX_EV_MAX - 1, nlinks);

	/* two TDs: A fires the table once, B three times */
	err = fire(fire_path, 1, &pa);
	if (!err)
		err = fire(fire_path, 3, &pb);
	tap(!err, "%s: fired the table from two processes (pids %u, %u)", mode, pa, pb);
	if (err)
		goto out;

	expect_td(&ta, pa, 1);
	expect_td(&tb, pb, 3);
	{
		struct tdx_counters got;
		__u32 zero = 0;
		int mm[][2] = { { 0, 0 } };

		if (lookup_percpu(map_fd(obj, "tdx_counters"), &zero, (__u64 *)&got,
				  sizeof(got) / 8, mm, 0)) {
			tap(0, "%s: read the counters", mode);
		} else {
			int cbad = 0;

			for (int k = 1; k < TDX_EV_MAX; k++) {
				__u64 want = ta.events[k] + tb.events[k];

				if (got.events[k] != want) {
					printf("#   %s: counters.events[%s] = %llu, want %llu\n", mode,
					       ev_names[k], (unsigned long long)got.events[k],
					       (unsigned long long)want);
					cbad++;
				}
			}
			for (int m = 0; m < TDX_MAP_ID_MAX; m++)
				cbad += got.dropped[m] != 0;
			tap(!cbad, "%s: event counters equal the table (x4), nothing dropped", mode);
		}
	}
	bad += check_td(obj, mode, &ta, "TD A");
	bad += check_td(obj, mode, &tb, "TD B");
out:
	while (nlinks)
		bpf_link__destroy(links[--nlinks]);
	bpf_object__close(obj);
	return bad;
}

/* ------------------------------------------------------------ fentry */

static void run_fentry(const char *bpf_obj)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	struct bpf_object *obj;
	struct bpf_program *p;
	struct bpf_link *links[256];
	int nlinks = 0, nprogs = 0, nabsent = 0, err;
	char absent[1024] = "";

	if (!vmlinux) {
		tap(0, "fentry: load the kernel's BTF");
		return;
	}
	obj = bpf_object__open_file(bpf_obj, NULL);
	if (!obj) {
		tap(0, "fentry: open %s", bpf_obj);
		btf__free(vmlinux);
		return;
	}
	bpf_object__for_each_program(p, obj) {
		const char *sec = bpf_program__section_name(p);
		const char *fn = !strncmp(sec, "fentry/", 7) ? sec + 7 :
				 !strncmp(sec, "fexit/", 6) ? sec + 6 : NULL;
		int on = fn && btf__find_by_name_kind(vmlinux, fn, BTF_KIND_FUNC) > 0;

		bpf_program__set_autoload(p, on);
		nprogs += on;
		if (fn && !on) {
			nabsent++;
			if (!strncmp(sec, "fexit/", 6) && strlen(absent) + strlen(fn) + 2 < sizeof(absent)) {
				strcat(absent, " ");
				strcat(absent, fn);
			}
		}
	}
	btf__free(vmlinux);
	err = bpf_object__load(obj);
	tap(!err && nprogs > 0, "fentry: %d fallback programs load against this kernel's TDX functions", nprogs);
	if (nabsent)
		printf("# fentry: targets not in this kernel's BTF:%s\n", absent);
	if (!err) {
		bpf_object__for_each_program(p, obj) {
			struct bpf_link *l;

			if (!bpf_program__autoload(p))
				continue;
			l = bpf_program__attach(p);
			if (!l) {
				printf("#   fentry: attach %s: %s\n", bpf_program__section_name(p), strerror(errno));
				continue;
			}
			links[nlinks++] = l;
		}
		tap(nlinks == nprogs && nprogs > 0, "fentry: all %d fallback programs attach (%d attached)", nprogs, nlinks);
	}
	while (nlinks)
		bpf_link__destroy(links[--nlinks]);
	bpf_object__close(obj);
}

/* ------------------------------------------------------------ the library */

/* Compare a library snapshot holding exactly one TD with the expectation. */
static int cmp_snapshot(const char *who, const struct tdx_snapshot *snap, const struct td_expect *t)
{
	int bad = 0, want_leaves = 0;

	for (int k = 1; k < TDX_EV_MAX; k++)
		if (snap->counters.events[k] != t->events[k]) {
			printf("#   %s: events[%s] = %llu, want %llu\n", who, ev_names[k],
			       (unsigned long long)snap->counters.events[k], (unsigned long long)t->events[k]);
			bad++;
		}
	for (int l = 0; l < TDX_LEAF_MAX; l++)
		want_leaves += t->leaf[l].count != 0;
	if ((int)snap->n_leaf != want_leaves) {
		printf("#   %s: %zu leaf entries, want %d\n", who, snap->n_leaf, want_leaves);
		bad++;
	}
	for (size_t i = 0; i < snap->n_leaf; i++) {
		const struct tdx_snap_leaf *l = &snap->leaf[i];

		if (l->key.pid != t->pid || l->key.leaf >= TDX_LEAF_MAX) {
			printf("#   %s: unexpected leaf entry pid %u leaf %u\n", who, l->key.pid, l->key.leaf);
			bad++;
			continue;
		}
		bad += cmp_words(who, (const __u64 *)&l->v, (const __u64 *)&t->leaf[l->key.leaf],
				 sizeof(l->v) / 8, names_for(0, sizeof(l->v) / 8));
	}
	if (snap->n_vp != 1 || snap->vp[0].pid != t->pid) {
		printf("#   %s: %zu vp entries, want 1 for pid %u\n", who, snap->n_vp, t->pid);
		bad++;
	} else {
		bad += cmp_words(who, (const __u64 *)&snap->vp[0].v, (const __u64 *)&t->vp,
				 sizeof(t->vp) / 8, names_for(1, sizeof(t->vp) / 8));
	}
	if (snap->n_ept != 1 || snap->ept[0].pid != t->pid) {
		printf("#   %s: %zu ept entries, want 1\n", who, snap->n_ept);
		bad++;
	} else {
		bad += cmp_words(who, (const __u64 *)&snap->ept[0].v, (const __u64 *)&t->ept,
				 sizeof(t->ept) / 8, names_for(2, sizeof(t->ept) / 8));
	}
	if (snap->n_map != 1 || snap->map[0].pid != t->pid) {
		printf("#   %s: %zu mapgpa entries, want 1\n", who, snap->n_map);
		bad++;
	} else {
		bad += cmp_words(who, (const __u64 *)&snap->map[0].v, (const __u64 *)&t->map,
				 sizeof(t->map) / 8, names_for(3, sizeof(t->map) / 8));
	}
	if (snap->n_mix != 1 || snap->mix[0].pid != t->pid) {
		printf("#   %s: %zu mix entries, want 1\n", who, snap->n_mix);
		bad++;
	} else {
		struct tdx_mix_stats want = t->mix;

		want.private_4k_in_mixed = snap->mix[0].v.private_4k_in_mixed;
		bad += cmp_words(who, (const __u64 *)&snap->mix[0].v, (const __u64 *)&want,
				 sizeof(want) / 8, names_for(5, sizeof(want) / 8));
	}
	for (size_t i = 0; i < snap->n_frozen; i++) {
		const struct tdx_snap_frozen *f = &snap->frozen[i];

		if (f->key.pid != t->pid || f->key.level >= TDX_PG_LEVEL_MAX || f->key.mirror > 1) {
			printf("#   %s: unexpected frozen entry\n", who);
			bad++;
			continue;
		}
		bad += cmp_words(who, (const __u64 *)&f->v,
				 (const __u64 *)&t->frozen[f->key.level][f->key.mirror],
				 sizeof(f->v) / 8, names_for(4, sizeof(f->v) / 8));
	}
	return bad;
}

static void run_library(const char *fire_path)
{
	struct tdx_opts o = TDX_OPTS_INIT;
	struct tdx_session *s;
	struct tdx_snapshot snap;
	static struct td_expect ta;
	__u32 pa = 0;
	int err;

	err = tdx_open(&s, &o);
	tap(!err, "library: tdx_open live (%s)", err ? tdx_last_error() : tdx_mode_name(tdx_mode(s)));
	if (err)
		return;
	tap(tdx_mode(s) == TDX_MODE_TP_BTF, "library: chooses tp_btf on this kernel (got %s; missing: %s)",
	    tdx_mode_name(tdx_mode(s)), tdx_missing(s));
	err = fire(fire_path, 2, &pa);
	tdx_advance(s, 0, 100);
	if (err || tdx_snapshot(s, &snap)) {
		tap(0, "library: fire and snapshot (%s)", tdx_last_error());
		tdx_close(s);
		return;
	}
	expect_td(&ta, pa, 2);
	tap(!cmp_snapshot("library live", &snap, &ta),
	    "library: live tdx_snapshot equals the table (pid %u, 2 passes)", pa);
	tdx_snapshot_free(&snap);
	tdx_close(s);
}

/* A trace.dat (or record file) of `passes` firings by `pid`, replayed. */
static void run_replay(const char *path, __u32 pid, int passes)
{
	struct tdx_opts o = TDX_OPTS_INIT;
	struct tdx_session *s;
	struct tdx_snapshot snap;
	static struct td_expect t;
	int err;

	o.source = TDX_SRC_REPLAY;
	o.replay_path = path;
	err = tdx_open(&s, &o);
	tap(!err, "replay: tdx_open %s (%s)", path, err ? tdx_last_error() : "ok");
	if (err)
		return;
	while ((err = tdx_advance(s, 0, 0)) == 0)
		;
	if (err < 0 || tdx_snapshot(s, &snap)) {
		tap(0, "replay: feed and snapshot (%s)", tdx_last_error());
		tdx_close(s);
		return;
	}
	expect_td(&t, pid, passes);
	tap(!cmp_snapshot("replay", &snap, &t),
	    "replay: aggregates of the imported %s equal the table (pid %u, %d pass)", path, pid, passes);
	tdx_snapshot_free(&snap);
	tdx_close(s);
}

/* ------------------------------------------------ kernel series v2 flows */

/*
 * The module's table_v2 fired once from a child process, through the
 * tp_btf programs: every entry of the v2 maps (flow, kick, bounce, life,
 * tdvmcall) and the v2 event counters equal the reference model
 * (tests/bpf/bpf_ref.h) fed the same rows as struct tdx_event: the TD is the
 * row's pid argument for the events that have one, the child otherwise.
 */
static struct ref v2ref;
static struct row rows2[MAX_ROWS];
static int nrows2;

static void run_v2(const char *bpf_obj, const char *fire_path, const char *table_path)
{
	struct bpf_object *obj;
	struct bpf_program *p;
	struct bpf_link *links[256];
	int nlinks = 0, nprogs = 0, bad = 0, cbad = 0, nent = 0;
	__u32 pid = 0;

	if (load_table_into(table_path, rows2, &nrows2)) {
		tap(0, "v2: read %s", table_path);
		return;
	}
	obj = bpf_object__open_file(bpf_obj, NULL);
	if (!obj) {
		tap(0, "v2: open %s (%s)", bpf_obj, strerror(errno));
		return;
	}
	bpf_object__for_each_program(p, obj) {
		int on = !strncmp(bpf_program__section_name(p), "tp_btf/", 7);

		bpf_program__set_autoload(p, on);
		nprogs += on;
	}
	if (bpf_object__load(obj)) {
		tap(0, "v2: tp_btf programs load");
		goto out;
	}
	bpf_object__for_each_program(p, obj) {
		struct bpf_link *l;

		if (!bpf_program__autoload(p) || nlinks == 256)
			continue;
		l = bpf_program__attach(p);
		if (l)
			links[nlinks++] = l;
	}
	if (!fire(fire_path, 1, &pid))
		tap(1, "v2: fired the v2 table (%d rows) from pid %u with %d programs attached",
		    nrows2, pid, nlinks);
	else {
		tap(0, "v2: fire %s", fire_path);
		goto out;
	}
	ref_init(&v2ref, NULL, 0);
	for (int i = 0; i < nrows2; i++) {
		const struct row *r = &rows2[i];
		struct tdx_event ev;
		int td = tdx_event_td_arg(r->kind) != NULL;

		memset(&ev, 0, sizeof(ev));
		ev.kind = (__u16)r->kind;
		ev.nargs = (__u16)tdx_event_nargs(r->kind);
		ev.pid = td ? (__u32)r->a[0] : pid;
		memcpy(ev.args, r->a + td, ev.nargs * sizeof(__u64));
		for (unsigned int k = 0; k < r->repeat; k++)
			ref_apply(&v2ref, &ev);
	}
	{
		struct tdx_counters got;
		__u32 zero = 0;
		int mm[][2] = { { 0, 0 } };

		if (lookup_percpu(map_fd(obj, "tdx_counters"), &zero, (__u64 *)&got,
				  sizeof(got) / 8, mm, 0)) {
			cbad++;
		} else {
			for (int k = TDX_EV_SEPT_ZAP; k < TDX_EV_MAX; k++)
				if (got.events[k] != v2ref.c.events[k]) {
					printf("#   v2: counters.events[%s] = %llu, want %llu\n",
					       ev_names[k], (unsigned long long)got.events[k],
					       (unsigned long long)v2ref.c.events[k]);
					cbad++;
				}
		}
	}
	tap(!cbad, "v2: every series-v2 event counted as the table fires it");
#define V2_CMP(arr, keyf, mapname, id)						\
	for (size_t i = 0; i < v2ref.n_##arr; i++) {				\
		__u64 got[sizeof(v2ref.arr[0].v) / 8];				\
		char what[64];							\
									\
		snprintf(what, sizeof(what), "v2: %s entry %zu", #arr, i);	\
		nent++;								\
		if (lookup_shared(map_fd(obj, mapname), &v2ref.arr[i].keyf, got,	\
				  sizeof(got) / 8, id)) {			\
			printf("#   %s: no entry\n", what);			\
			bad++;							\
		} else {							\
			bad += cmp_words(what, got, (const __u64 *)&v2ref.arr[i].v,	\
					 sizeof(got) / 8, NULL) != 0;		\
		}								\
	}
	V2_CMP(flow, pid, "tdx_flow", TDX_MAP_FLOW)
	V2_CMP(kick, key, "tdx_kick", TDX_MAP_KICK)
	V2_CMP(bounce, key, "tdx_bounce", TDX_MAP_BOUNCE)
	V2_CMP(life, pid, "tdx_life", TDX_MAP_LIFE)
	V2_CMP(tdvmcall, pid, "tdx_tdvmcall", TDX_MAP_TDVMCALL)
#undef V2_CMP
	tap(!bad && nent > 0, "v2: all %d entries of the flow, kick, bounce, life and tdvmcall maps "
	    "equal the reference model of the table (%d differ)", nent, bad);
out:
	while (nlinks)
		bpf_link__destroy(links[--nlinks]);
	bpf_object__close(obj);
}

int main(int argc, char **argv)
{
	const char *bpf_obj = NULL, *fire_path = NULL, *table = NULL, *replay = NULL;
	const char *fire_v2 = NULL, *table_v2 = NULL;
	long replay_pid = 0;
	int c;
	static const struct option lo[] = {
		{ "bpf-obj", required_argument, NULL, 'b' },
		{ "fire", required_argument, NULL, 'f' },
		{ "table", required_argument, NULL, 't' },
		{ "replay", required_argument, NULL, 'r' },
		{ "replay-pid", required_argument, NULL, 'p' },
		{ "fire-v2", required_argument, NULL, 'F' },
		{ "table-v2", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	static const char usage[] =
		"usage: vmcheck --table FILE (--bpf-obj OBJ --fire FILE [--fire-v2 FILE --table-v2 FILE] | --replay FILE --replay-pid PID)\n";

	while ((c = getopt_long(argc, argv, "b:f:t:r:p:F:T:", lo, NULL)) != -1) {
		switch (c) {
		case 'b': bpf_obj = optarg; break;
		case 'f': fire_path = optarg; break;
		case 't': table = optarg; break;
		case 'r': replay = optarg; break;
		case 'p': replay_pid = strtol(optarg, NULL, 0); break;
		case 'F': fire_v2 = optarg; break;
		case 'T': table_v2 = optarg; break;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (!table || optind != argc || (replay ? replay_pid <= 0 : !bpf_obj || !fire_path)) {
		fputs(usage, stderr);
		return 2;
	}
	if (load_table(table))
		return 1;
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0)
		return 1;
	libbpf_set_print(NULL);

	if (replay) {
		run_replay(replay, (__u32)replay_pid, 1);
		return n_fail ? 1 : 0;
	}
	run_mode(bpf_obj, "tp_btf", fire_path);
	run_mode(bpf_obj, "raw_tp", fire_path);
	run_fentry(bpf_obj);
	run_library(fire_path);
	if (fire_v2 && table_v2)
		run_v2(bpf_obj, fire_v2, table_v2);
	return n_fail ? 1 : 0;
}
