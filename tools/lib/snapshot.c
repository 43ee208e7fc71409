// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * snapshot.c - read the aggregation maps into plain structs.
 *
 * Per-CPU values are merged field by field: every u64/s64 is summed (gauges
 * included: a map on one CPU and an unmap on another sum to zero) except the
 * *_min fields (minimum over CPUs that saw an event) and *_max fields
 * (maximum).  Entries are sorted by key.  tdx_snapshot_diff subtracts two
 * snapshots entry by entry, keeping gauges and min/max from the newer one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "session_int.h"

/* How a u64 field of a value merges and diffs. */
enum fkind { F_SUM, F_MIN, F_MAX, F_GAUGE };

struct field {
	size_t off;
	enum fkind kind;
};

struct vdesc {
	size_t size;			/* value size (multiple of 8) */
	size_t count_off;		/* a field that is 0 iff a CPU saw nothing (F_MIN) */
	const struct field *special;	/* non-F_SUM fields */
	int nspecial;
};

#define FLD(type, f, k) { offsetof(type, f), k }
#define ARR(type, f, i, k) { offsetof(type, f) + (i) * sizeof(__u64), k }

static const struct field leaf_f[] = {
	FLD(struct tdx_leaf_stats, min_ns, F_MIN),
	FLD(struct tdx_leaf_stats, max_ns, F_MAX),
	FLD(struct tdx_leaf_stats, last_version, F_MAX),
};
static const struct field vp_f[] = { FLD(struct tdx_vp_stats, max_ns, F_MAX) };
static const struct field ept_f[] = { FLD(struct tdx_ept_stats, max_ns, F_MAX) };
static const struct field gfn_f[] = { FLD(struct tdx_ept_gfn_stats, max_ns, F_MAX) };
static const struct field map_f[] = { FLD(struct tdx_map_stats, max_ns, F_MAX) };
static const struct field frozen_f[] = {
	FLD(struct tdx_frozen_stats, held_max_ns, F_MAX),
};
static const struct field mix_f[] = {
	ARR(struct tdx_mix_stats, mixed_live, 0, F_GAUGE),
	ARR(struct tdx_mix_stats, mixed_live, 1, F_GAUGE),
	ARR(struct tdx_mix_stats, mixed_live, 2, F_GAUGE),
	ARR(struct tdx_mix_stats, mixed_live, 3, F_GAUGE),
	ARR(struct tdx_mix_stats, private_live, 0, F_GAUGE),
	ARR(struct tdx_mix_stats, private_live, 1, F_GAUGE),
	ARR(struct tdx_mix_stats, private_live, 2, F_GAUGE),
	ARR(struct tdx_mix_stats, private_live, 3, F_GAUGE),
	FLD(struct tdx_mix_stats, private_4k_in_mixed, F_GAUGE),
};

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
static const struct vdesc vd[TDX_MAP_ID_MAX] = {
	[TDX_MAP_LEAF] = { sizeof(struct tdx_leaf_stats),
		offsetof(struct tdx_leaf_stats, count), leaf_f, N(leaf_f) },
	[TDX_MAP_VP] = { sizeof(struct tdx_vp_stats), 0, vp_f, N(vp_f) },
	[TDX_MAP_EPT] = { sizeof(struct tdx_ept_stats), 0, ept_f, N(ept_f) },
	[TDX_MAP_EPT_GFN] = { sizeof(struct tdx_ept_gfn_stats), 0, gfn_f, N(gfn_f) },
	[TDX_MAP_MAPGPA] = { sizeof(struct tdx_map_stats), 0, map_f, N(map_f) },
	[TDX_MAP_FROZEN] = { sizeof(struct tdx_frozen_stats), 0, frozen_f, N(frozen_f) },
	[TDX_MAP_MIX] = { sizeof(struct tdx_mix_stats), 0, mix_f, N(mix_f) },
};

static enum fkind field_kind(const struct vdesc *d, size_t off)
{
	for (int i = 0; i < d->nspecial; i++)
		if (d->special[i].off == off)
			return d->special[i].kind;
	return F_SUM;
}

/*
 * Merge ncpu per-CPU copies (each d->size bytes, 8-aligned) into out: sum
 * every word (a loop the compiler vectorises), then redo the few min/max
 * words.  This runs for every entry of every snapshot, so it stays cheap.
 */
static void merge_percpu(const struct vdesc *d, void *out, const void *vals,
			 int ncpu)
{
	__u64 *o = out;
	size_t nw = d->size / 8;

	memcpy(out, vals, d->size);
	for (int c = 1; c < ncpu; c++) {
		const __u64 *v = (const __u64 *)((const char *)vals + (size_t)c * d->size);

		for (size_t w = 0; w < nw; w++)
			o[w] += v[w];
	}
	for (int i = 0; i < d->nspecial; i++) {
		size_t w = d->special[i].off / 8;
		bool seen = false;

		if (d->special[i].kind != F_MIN && d->special[i].kind != F_MAX)
			continue;
		o[w] = d->special[i].kind == F_MIN ? ~0ULL : 0;
		for (int c = 0; c < ncpu; c++) {
			const __u64 *v = (const __u64 *)((const char *)vals + (size_t)c * d->size);

			if (d->special[i].kind == F_MAX) {
				if (v[w] > o[w])
					o[w] = v[w];
				continue;
			}
			if (!v[d->count_off / 8])
				continue;	/* this CPU saw nothing */
			if (!seen || v[w] < o[w])
				o[w] = v[w];
			seen = true;
		}
	}
}

/*
 * cur - prev field by field; gauges, min and max from cur.  out may be prev
 * (each word is read before it is written).
 */
static void diff_value(const struct vdesc *d, void *out, const void *cur,
		       const void *prev)
{
	const __u64 *c = cur, *p = prev;
	__u64 *o = out;

	for (size_t w = 0; w < d->size / 8; w++)
		o[w] = c[w] - p[w];
	for (int i = 0; i < d->nspecial; i++)
		o[d->special[i].off / 8] = c[d->special[i].off / 8];
}

/* Grow *arr (entries of entsz bytes) to hold at least want entries. */
static int grow(void **arr, size_t *cap, size_t want, size_t entsz)
{
	size_t ncap = *cap ? *cap : 16;
	void *n;

	if (want <= *cap && *arr)
		return 0;
	while (ncap < want)
		ncap *= 2;
	n = realloc(*arr, ncap * entsz);
	if (!n)
		return -ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

/* Grow a byte buffer to at least want bytes. */
static int reserve(void **buf, size_t *cap, size_t want)
{
	void *n;

	if (want <= *cap)
		return 0;
	n = realloc(*buf, want);
	if (!n)
		return -ENOMEM;
	*buf = n;
	*cap = want;
	return 0;
}

/* The session's batch buffers, at least kbytes and vbytes. */
static int scratch(struct tdx_session *s, size_t kbytes, size_t vbytes)
{
	return reserve(&s->snap_kbuf, &s->snap_kcap, kbytes) ?:
	       reserve(&s->snap_vbuf, &s->snap_vcap, vbytes);
}

/* Where the entries of one map go: { key; pad; value } of entsz bytes. */
struct sink {
	void **arr;
	size_t *cap;
	size_t ksz, entsz, voff;
};

static int put(const struct sink *k, size_t n, const struct vdesc *d,
	       const void *key, const void *percpu, int ncpu)
{
	char *e;

	if (grow(k->arr, k->cap, n + 1, k->entsz))
		return -ENOMEM;
	e = (char *)*k->arr + n * k->entsz;
	memset(e, 0, k->voff);			/* key and its padding */
	memcpy(e, key, k->ksz);
	merge_percpu(d, e + k->voff, percpu, ncpu);
	return 0;
}

/*
 * Entries per BPF_MAP_LOOKUP_BATCH call: about 1 MiB of per-CPU values.
 * Fewer, larger calls are cheaper (64 TDs x 26 leaves on 2 CPUs: 7.7 ms of
 * CPU per snapshot with 64 KiB calls, 6.1 ms with 256 KiB, 5.2 ms with
 * 1 MiB); the bound keeps the buffer small on hosts with hundreds of CPUs.
 */
static size_t batch_entries(size_t vbytes)
{
	size_t n = (1024u << 10) / vbytes;

	return n < 4 ? 4 : n > 256 ? 256 : n;
}

/*
 * Batched read (BPF_MAP_LOOKUP_BATCH): a few syscalls for the whole map
 * instead of two per entry, merged straight into the sink.  Returns entries,
 * or -EOPNOTSUPP/-EINVAL when the kernel has no batch ops for this map (the
 * caller falls back).
 */
static long read_batch(struct tdx_session *s, int fd, const struct vdesc *d,
		       const struct sink *k)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	size_t vbytes = d->size * (size_t)s->ncpus, chunk = batch_entries(vbytes);
	__u64 in_tok[8], out_tok[8];
	bool first = true;
	size_t n = 0;

	for (;;) {
		__u32 count = (__u32)chunk;
		int r;

		if (scratch(s, chunk * k->ksz, chunk * vbytes))
			return -ENOMEM;
		r = bpf_map_lookup_batch(fd, first ? NULL : in_tok, out_tok,
					 s->snap_kbuf, s->snap_vbuf, &count, &opts);
		if (r && errno == ENOSPC && count == 0) {
			chunk *= 4;	/* one bucket holds more than chunk entries */
			continue;
		}
		if (r && errno != ENOENT)
			return -errno;
		for (__u32 i = 0; i < count; i++, n++)
			if (put(k, n, d, (char *)s->snap_kbuf + (size_t)i * k->ksz,
				(char *)s->snap_vbuf + (size_t)i * vbytes, s->ncpus))
				return -ENOMEM;
		if (r)		/* ENOENT: that was the last batch */
			return (long)n;
		memcpy(in_tok, out_tok, sizeof(in_tok));
		first = false;
	}
}

/* One entry at a time: kernels without batch lookups. */
static long read_iter(struct tdx_session *s, int fd, const struct vdesc *d,
		      const struct sink *k)
{
	char key[32], next[32];
	void *prev = NULL;
	size_t n = 0;

	if (scratch(s, 0, d->size * (size_t)s->ncpus))
		return -ENOMEM;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, k->ksz);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, s->snap_vbuf)) {
			if (errno == ENOENT)
				continue;	/* deleted meanwhile */
			return -errno;
		}
		if (put(k, n, d, key, s->snap_vbuf, s->ncpus))
			return -ENOMEM;
		n++;
	}
	return (long)n;
}

/* ---------------------------------------------------------------- sorting */

static int cmp_u32(__u32 a, __u32 b)
{
	return a < b ? -1 : a > b;
}

static int cmp_u64(__u64 a, __u64 b)
{
	return a < b ? -1 : a > b;
}

static int cmp_leaf(const void *a, const void *b)
{
	const struct tdx_leaf_key *x = a, *y = b;

	return cmp_u32(x->pid, y->pid) ?: cmp_u32(x->leaf, y->leaf);
}

static int cmp_pid(const void *a, const void *b)
{
	return cmp_u32(*(const __u32 *)a, *(const __u32 *)b);
}

static int cmp_gfn(const void *a, const void *b)
{
	const struct tdx_ept_gfn_key *x = a, *y = b;

	return cmp_u32(x->pid, y->pid) ?: cmp_u32(x->private, y->private) ?:
	       cmp_u64(x->gfn, y->gfn);
}

static int cmp_frozen(const void *a, const void *b)
{
	const struct tdx_frozen_key *x = a, *y = b;

	return cmp_u32(x->pid, y->pid) ?: cmp_u32(x->level, y->level) ?:
	       cmp_u32(x->mirror, y->mirror);
}

/*
 * Fill an array of snapshot entries { KEY key; VALUE v; } (key padded to the
 * value's 8-byte alignment) from one map, reusing the array's memory.
 */
static long fill_entries(struct tdx_session *s, enum tdx_map_id id, size_t ksz,
			 size_t entsz, size_t voff, void **arr, size_t *cap,
			 int (*cmp)(const void *, const void *))
{
	struct sink k = { arr, cap, ksz, entsz, voff };
	int fd = tdx__map_fd(s, id);
	long n;

	n = read_batch(s, fd, &vd[id], &k);
	if (n == -EINVAL || n == -EOPNOTSUPP || n == -524 /* ENOTSUPP */)
		n = read_iter(s, fd, &vd[id], &k);
	if (n < 0)
		return n;
	if (grow(arr, cap, (size_t)n + 1, entsz))	/* never NULL */
		return -ENOMEM;
	qsort(*arr, (size_t)n, entsz, cmp);
	return n;
}

/* Array index in tdx_snapshot.cap_[] */
enum { C_LEAF, C_VP, C_EPT, C_GFN, C_MAP, C_FROZEN, C_MIX, C_TD };

#define FILL(s, o, id, T, keyfield, cmp, arr, cnt, ci) ({		\
	long __n = fill_entries(s, id, sizeof(((T *)0)->keyfield),	\
				sizeof(T), offsetof(T, v),		\
				(void **)&(o)->arr, &(o)->cap_[ci], cmp); \
	(o)->cnt = __n >= 0 ? (size_t)__n : 0;				\
	__n; })

/* ------------------------------------------------------------- TD labels */

static __u32 count_vcpu_fds(__u32 pid)
{
	char path[64], link[128];
	struct dirent *de;
	__u32 n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%u/fd", pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		ssize_t l;

		if (de->d_name[0] == '.')
			continue;
		l = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
		if (l <= 0)
			continue;
		link[l] = 0;
		if (!strncmp(link, "anon_inode:kvm-vcpu", 19))
			n++;
	}
	closedir(d);
	return n;
}

static void td_label(const struct tdx_session *s, struct tdx_td_info *td)
{
	char path[64];
	FILE *f;

	const struct tdx_source_info *info = tdx__source_info(s);

	if (info) {
		for (size_t i = 0; i < info->n_td && i < TDX_SOURCE_MAX_TDS; i++) {
			if (info->td[i].pid == td->pid) {
				*td = info->td[i];
				return;
			}
		}
	}
	if (s->mode == TDX_MODE_REPLAY || s->mode == TDX_MODE_SIM || !td->pid) {
		snprintf(td->comm, sizeof(td->comm), td->pid ? "?" : "-");
		return;
	}
	snprintf(path, sizeof(path), "/proc/%u/comm", td->pid);
	f = fopen(path, "r");
	if (f) {
		if (fgets(td->comm, sizeof(td->comm), f))
			td->comm[strcspn(td->comm, "\n")] = 0;
		fclose(f);
	}
	if (!td->comm[0])
		snprintf(td->comm, sizeof(td->comm), "(exited)");
	td->vcpus = count_vcpu_fds(td->pid);
}

static int collect_tds(struct tdx_session *s, struct tdx_snapshot *o)
{
	size_t cap = o->n_leaf + o->n_vp + o->n_ept + o->n_gfn + o->n_map +
		     o->n_frozen + o->n_mix + 1, n = 0;
	__u32 *pids = malloc(cap * sizeof(*pids));

	if (!pids)
		return -ENOMEM;
	for (size_t i = 0; i < o->n_leaf; i++) pids[n++] = o->leaf[i].key.pid;
	for (size_t i = 0; i < o->n_vp; i++) pids[n++] = o->vp[i].pid;
	for (size_t i = 0; i < o->n_ept; i++) pids[n++] = o->ept[i].pid;
	for (size_t i = 0; i < o->n_gfn; i++) pids[n++] = o->gfn[i].key.pid;
	for (size_t i = 0; i < o->n_map; i++) pids[n++] = o->map[i].pid;
	for (size_t i = 0; i < o->n_frozen; i++) pids[n++] = o->frozen[i].key.pid;
	for (size_t i = 0; i < o->n_mix; i++) pids[n++] = o->mix[i].pid;
	qsort(pids, n, sizeof(*pids), cmp_pid);
	o->n_td = 0;
	if (grow((void **)&o->td, &o->cap_[C_TD], n + 1, sizeof(*o->td))) {
		free(pids);
		return -ENOMEM;
	}
	memset(o->td, 0, (n + 1) * sizeof(*o->td));
	for (size_t i = 0; i < n; i++) {
		if (i && pids[i] == pids[i - 1])
			continue;
		o->td[o->n_td].pid = pids[i];
		td_label(s, &o->td[o->n_td]);
		o->n_td++;
	}
	free(pids);
	return 0;
}

/* -------------------------------------------------------------- snapshot */

static int read_counters(struct tdx_session *s, struct tdx_counters *out)
{
	static const struct vdesc cd = { sizeof(struct tdx_counters), 0, NULL, 0 };
	size_t sz = sizeof(*out) * (size_t)s->ncpus;
	void *buf = malloc(sz);
	__u32 zero = 0;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	if (bpf_map_lookup_elem(tdx__counters_fd(s), &zero, buf))
		err = -errno;
	else
		merge_percpu(&cd, out, buf, s->ncpus);
	free(buf);
	return err;
}

int tdx_snapshot_refresh(struct tdx_session *s, struct tdx_snapshot *o)
{
	long r;

	o->ts_ns = tdx_now(s);
	o->mode = s->mode;
	o->source_lost = tdx__source_info(s) ? tdx__source_info(s)->lost : 0;
	r = read_counters(s, &o->counters);
	r = r ?: FILL(s, o, TDX_MAP_LEAF, struct tdx_snap_leaf, key, cmp_leaf,
		      leaf, n_leaf, C_LEAF);
	if (r >= 0)
		r = FILL(s, o, TDX_MAP_VP, struct tdx_snap_vp, pid, cmp_pid, vp, n_vp, C_VP);
	if (r >= 0)
		r = FILL(s, o, TDX_MAP_EPT, struct tdx_snap_ept, pid, cmp_pid, ept, n_ept,
			 C_EPT);
	if (r >= 0)
		r = FILL(s, o, TDX_MAP_EPT_GFN, struct tdx_snap_gfn, key, cmp_gfn, gfn,
			 n_gfn, C_GFN);
	if (r >= 0)
		r = FILL(s, o, TDX_MAP_MAPGPA, struct tdx_snap_map, pid, cmp_pid, map,
			 n_map, C_MAP);
	if (r >= 0)
		r = FILL(s, o, TDX_MAP_FROZEN, struct tdx_snap_frozen, key, cmp_frozen,
			 frozen, n_frozen, C_FROZEN);
	if (r >= 0)
		r = FILL(s, o, TDX_MAP_MIX, struct tdx_snap_mix, pid, cmp_pid, mix, n_mix,
			 C_MIX);
	if (r >= 0)
		r = collect_tds(s, o);
	if (r < 0) {
		tdx_snapshot_free(o);
		tdx_set_error("cannot read the BPF maps: %s", strerror((int)-r));
		return (int)r;
	}
	return 0;
}

int tdx_snapshot(struct tdx_session *s, struct tdx_snapshot *o)
{
	memset(o, 0, sizeof(*o));
	return tdx_snapshot_refresh(s, o);
}

void tdx_snapshot_free(struct tdx_snapshot *o)
{
	if (!o)
		return;
	free(o->leaf);
	free(o->vp);
	free(o->ept);
	free(o->gfn);
	free(o->map);
	free(o->frozen);
	free(o->mix);
	free(o->td);
	memset(o, 0, sizeof(*o));
}

/* One array's description for the diffs. */
struct darr {
	size_t entsz, voff;
	const struct vdesc *d;
	int (*cmp)(const void *, const void *);
};

#define ENT(p, i, a) ((char *)(p) + (size_t)(i) * (a)->entsz)

/*
 * out[] = cur[] - prev[] into a separate array: for each cur entry, subtract
 * the prev entry of the same key (both sorted by key; entries new in cur are
 * kept as they are).
 */
static int diff_array(void **out, size_t *cap, const void *cur, size_t ncur,
		      const void *prev, size_t nprev, const struct darr *a)
{
	size_t j = 0;

	if (grow(out, cap, ncur + 1, a->entsz))
		return -ENOMEM;
	for (size_t i = 0; i < ncur; i++) {
		const char *c = ENT(cur, i, a);
		char *e = ENT(*out, i, a);

		memcpy(e, c, a->entsz);
		while (j < nprev && a->cmp(ENT(prev, j, a), c) < 0)
			j++;
		if (j < nprev && !a->cmp(ENT(prev, j, a), c))
			diff_value(a->d, e + a->voff, c + a->voff, ENT(prev, j, a) + a->voff);
	}
	return 0;
}

/*
 * prev[] = cur[] - prev[] in place.  Maps only gain keys between two
 * snapshots (unless reset), so prev's keys are a subset of cur's, both sorted:
 * merging from the end, output slot i >= the prev slot j still to be read, so
 * nothing unread is overwritten.  A prev with a key cur lacks goes through a
 * separate array instead.
 */
static int subtract_array(void **prev, size_t *cap, size_t *nprev, const void *cur,
			  size_t ncur, const struct darr *a)
{
	size_t matched = 0, j = 0;

	for (size_t i = 0; i < ncur && j < *nprev; i++) {
		while (j < *nprev && a->cmp(ENT(*prev, j, a), ENT(cur, i, a)) < 0)
			j++;
		if (j < *nprev && !a->cmp(ENT(*prev, j, a), ENT(cur, i, a)))
			matched++;
	}
	if (matched != *nprev) {
		void *out = NULL;
		size_t ocap = 0;

		if (diff_array(&out, &ocap, cur, ncur, *prev, *nprev, a))
			return -ENOMEM;
		free(*prev);
		*prev = out;
		*cap = ocap;
		*nprev = ncur;
		return 0;
	}
	if (grow(prev, cap, ncur + 1, a->entsz))
		return -ENOMEM;
	j = *nprev;
	for (size_t i = ncur; i-- > 0;) {
		const char *c = ENT(cur, i, a);
		char *o = ENT(*prev, i, a);

		if (j > 0 && !a->cmp(ENT(*prev, j - 1, a), c)) {
			j--;
			diff_value(a->d, o + a->voff, c + a->voff,
				   ENT(*prev, j, a) + a->voff);
			memcpy(o, c, a->voff);		/* the key */
		} else {
			memcpy(o, c, a->entsz);		/* new since prev */
		}
	}
	*nprev = ncur;
	return 0;
}

#define DA(T, id, cmp) (&(const struct darr){ sizeof(T), offsetof(T, v), &vd[id], cmp })
#define A_LEAF   DA(struct tdx_snap_leaf, TDX_MAP_LEAF, cmp_leaf)
#define A_VP     DA(struct tdx_snap_vp, TDX_MAP_VP, cmp_pid)
#define A_EPT    DA(struct tdx_snap_ept, TDX_MAP_EPT, cmp_pid)
#define A_GFN    DA(struct tdx_snap_gfn, TDX_MAP_EPT_GFN, cmp_gfn)
#define A_MAP    DA(struct tdx_snap_map, TDX_MAP_MAPGPA, cmp_pid)
#define A_FROZEN DA(struct tdx_snap_frozen, TDX_MAP_FROZEN, cmp_frozen)
#define A_MIX    DA(struct tdx_snap_mix, TDX_MAP_MIX, cmp_pid)

static const struct vdesc counters_vd = { sizeof(struct tdx_counters), 0, NULL, 0 };

/* The window's header and TD labels (from cur). */
static int diff_head(struct tdx_snapshot *o, const struct tdx_snapshot *cur,
		     const struct tdx_snapshot *prev)
{
	o->ts_ns = cur->ts_ns;
	o->mode = cur->mode;
	o->source_lost = cur->source_lost - prev->source_lost;
	diff_value(&counters_vd, &o->counters, &cur->counters, &prev->counters);
	if (grow((void **)&o->td, &o->cap_[C_TD], cur->n_td + 1, sizeof(*o->td)))
		return -ENOMEM;
	memset(o->td, 0, (cur->n_td + 1) * sizeof(*o->td));
	if (cur->n_td)
		memcpy(o->td, cur->td, cur->n_td * sizeof(*o->td));
	o->n_td = cur->n_td;
	return 0;
}

#define DIFF(o, c, p, arr, cnt, ci, A) ({				\
	int __r = diff_array((void **)&(o)->arr, &(o)->cap_[ci], (c)->arr, \
			     (c)->cnt, (p)->arr, (p)->cnt, A);		\
	if (!__r)							\
		(o)->cnt = (c)->cnt;					\
	__r; })

int tdx_snapshot_diff(struct tdx_snapshot *o, const struct tdx_snapshot *cur,
		      const struct tdx_snapshot *prev)
{
	int r;

	memset(o, 0, sizeof(*o));
	r = DIFF(o, cur, prev, leaf, n_leaf, C_LEAF, A_LEAF);
	r = r ?: DIFF(o, cur, prev, vp, n_vp, C_VP, A_VP);
	r = r ?: DIFF(o, cur, prev, ept, n_ept, C_EPT, A_EPT);
	r = r ?: DIFF(o, cur, prev, gfn, n_gfn, C_GFN, A_GFN);
	r = r ?: DIFF(o, cur, prev, map, n_map, C_MAP, A_MAP);
	r = r ?: DIFF(o, cur, prev, frozen, n_frozen, C_FROZEN, A_FROZEN);
	r = r ?: DIFF(o, cur, prev, mix, n_mix, C_MIX, A_MIX);
	r = r ?: diff_head(o, cur, prev);
	if (r) {
		tdx_snapshot_free(o);
		tdx_set_error("out of memory");
	}
	return r;
}

#define SUB(p, c, arr, cnt, ci, A) \
	subtract_array((void **)&(p)->arr, &(p)->cap_[ci], &(p)->cnt, (c)->arr, (c)->cnt, A)

int tdx_snapshot_subtract(struct tdx_snapshot *p, const struct tdx_snapshot *cur)
{
	int r;

	r = SUB(p, cur, leaf, n_leaf, C_LEAF, A_LEAF);
	r = r ?: SUB(p, cur, vp, n_vp, C_VP, A_VP);
	r = r ?: SUB(p, cur, ept, n_ept, C_EPT, A_EPT);
	r = r ?: SUB(p, cur, gfn, n_gfn, C_GFN, A_GFN);
	r = r ?: SUB(p, cur, map, n_map, C_MAP, A_MAP);
	r = r ?: SUB(p, cur, frozen, n_frozen, C_FROZEN, A_FROZEN);
	r = r ?: SUB(p, cur, mix, n_mix, C_MIX, A_MIX);
	r = r ?: diff_head(p, cur, p);
	if (r) {
		tdx_snapshot_free(p);
		tdx_set_error("out of memory");
	}
	return r;
}

/* ----------------------------------------------------------------- reset */

/* Delete every key of a map. */
static int clear_map(int fd, size_t ksz)
{
	char key[32];

	(void)ksz;
	while (bpf_map_get_next_key(fd, NULL, key) == 0)
		if (bpf_map_delete_elem(fd, key) && errno != ENOENT)
			return -errno;
	return 0;
}

/*
 * Zero the hugepage statistics but keep their gauges (mixed_live,
 * private_live, private_4k_in_mixed) and the range states, so the live
 * values stay exact across resets.
 */
static int reset_mix(struct tdx_session *s)
{
	int fd = tdx__map_fd(s, TDX_MAP_MIX);
	size_t vsz = sizeof(struct tdx_mix_stats);
	char *buf = malloc(vsz * (size_t)s->ncpus);
	__u32 key, *prev = NULL;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	while (bpf_map_get_next_key(fd, prev, &key) == 0) {
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, buf))
			continue;
		for (int c = 0; c < s->ncpus; c++) {
			__u64 *w = (__u64 *)(buf + (size_t)c * vsz);

			for (size_t i = 0; i < vsz / 8; i++)
				if (field_kind(&vd[TDX_MAP_MIX], i * 8) == F_SUM)
					w[i] = 0;
		}
		if (bpf_map_update_elem(fd, &key, buf, BPF_EXIST)) {
			err = -errno;
			break;
		}
	}
	free(buf);
	return err;
}

int tdx_reset(struct tdx_session *s)
{
	static const enum tdx_map_id ids[] = {
		TDX_MAP_LEAF, TDX_MAP_VP, TDX_MAP_EPT, TDX_MAP_EPT_GFN,
		TDX_MAP_MAPGPA, TDX_MAP_FROZEN,
	};
	size_t sz = sizeof(struct tdx_counters) * (size_t)s->ncpus;
	void *zero = calloc(1, sz);
	__u32 k0 = 0;
	int err = 0;

	if (!zero)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]) && !err; i++)
		err = clear_map(tdx__map_fd(s, ids[i]), 32);
	if (!err)
		err = reset_mix(s);
	if (!err && bpf_map_update_elem(tdx__counters_fd(s), &k0, zero, BPF_ANY))
		err = -errno;
	free(zero);
	if (err)
		tdx_set_error("cannot reset the BPF maps: %s", strerror(-err));
	return err;
}
