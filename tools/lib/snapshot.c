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

/* cur - prev field by field; gauges, min and max from cur. */
static void diff_value(const struct vdesc *d, void *out, const void *cur,
		       const void *prev)
{
	const __u64 *c = cur, *p = prev;
	__u64 *o = out;

	for (size_t w = 0; w < d->size / 8; w++)
		o[w] = field_kind(d, w * 8) == F_SUM ? c[w] - p[w] : c[w];
}

/* Grow the key/value arrays to hold at least want entries. */
static int grow(char **k, char **v, size_t *cap, size_t want, size_t ksz,
		size_t vsz)
{
	char *nk, *nv;
	size_t ncap = *cap;

	if (want <= ncap)
		return 0;
	while (ncap < want)
		ncap *= 2;
	nk = realloc(*k, ncap * ksz);
	if (!nk)
		return -ENOMEM;
	*k = nk;
	nv = realloc(*v, ncap * vsz);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

#define BATCH 256

/*
 * Batched read (BPF_MAP_LOOKUP_BATCH): a few syscalls for the whole map
 * instead of two per entry.  Returns entries, or -EOPNOTSUPP/-EINVAL when
 * the kernel has no batch ops for this map (caller falls back).
 */
static long read_batch(int fd, int ncpu, size_t ksz, const struct vdesc *d,
		       char **k, char **v, size_t *cap)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u64 in_tok[8], out_tok[8];
	size_t n = 0, chunk = BATCH, vbytes = d->size * (size_t)ncpu;
	char *kb = NULL, *vb = NULL;
	bool first = true;
	long err = 0;

	for (;;) {
		__u32 count = (__u32)chunk;
		int r;

		if (!kb) {
			kb = malloc(chunk * ksz);
			vb = malloc(chunk * vbytes);
			if (!kb || !vb) {
				err = -ENOMEM;
				break;
			}
		}
		r = bpf_map_lookup_batch(fd, first ? NULL : in_tok, out_tok, kb,
					 vb, &count, &opts);
		if (r && errno == ENOSPC && count == 0) {
			/* one bucket holds more than chunk entries */
			free(kb);
			free(vb);
			kb = vb = NULL;
			chunk *= 4;
			continue;
		}
		if (r && errno != ENOENT) {
			err = -errno;
			break;
		}
		if (grow(k, v, cap, n + count, ksz, d->size)) {
			err = -ENOMEM;
			break;
		}
		for (__u32 i = 0; i < count; i++, n++) {
			memcpy(*k + n * ksz, kb + (size_t)i * ksz, ksz);
			merge_percpu(d, *v + n * d->size, vb + (size_t)i * vbytes, ncpu);
		}
		if (r)		/* ENOENT: that was the last batch */
			break;
		memcpy(in_tok, out_tok, sizeof(in_tok));
		first = false;
	}
	free(kb);
	free(vb);
	return err ? err : (long)n;
}

/* One entry at a time: kernels without batch lookups. */
static long read_iter(int fd, int ncpu, size_t ksz, const struct vdesc *d,
		      char **k, char **v, size_t *cap)
{
	char key[32], next[32], *buf;
	void *prev = NULL;
	size_t n = 0;
	long err = 0;

	buf = malloc(d->size * (size_t)ncpu);
	if (!buf)
		return -ENOMEM;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, ksz);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, buf)) {
			if (errno == ENOENT)
				continue;	/* deleted meanwhile */
			err = -errno;
			break;
		}
		if (grow(k, v, cap, n + 1, ksz, d->size)) {
			err = -ENOMEM;
			break;
		}
		memcpy(*k + n * ksz, key, ksz);
		merge_percpu(d, *v + n * d->size, buf, ncpu);
		n++;
	}
	free(buf);
	return err ? err : (long)n;
}

/*
 * Read every entry of a per-CPU hash: keys into *keys (ksz each), merged
 * values into *vals.  Returns the number of entries or -errno.
 */
static long read_percpu_hash(int fd, int ncpu, size_t ksz, const struct vdesc *d,
			     void **keys, void **vals)
{
	size_t cap = 64;
	char *k = malloc(cap * ksz), *v = malloc(cap * d->size);
	long n;

	*keys = *vals = NULL;
	if (!k || !v) {
		free(k);
		free(v);
		return -ENOMEM;
	}
	n = read_batch(fd, ncpu, ksz, d, &k, &v, &cap);
	if (n == -EINVAL || n == -EOPNOTSUPP || n == -524 /* ENOTSUPP */)
		n = read_iter(fd, ncpu, ksz, d, &k, &v, &cap);
	if (n < 0) {
		free(k);
		free(v);
		return n;
	}
	*keys = k;
	*vals = v;
	return n;
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
 * value's 8-byte alignment) from one map.
 */
static long fill_entries(struct tdx_session *s, enum tdx_map_id id, size_t ksz,
			 size_t entsz, size_t voff, void **out,
			 int (*cmp)(const void *, const void *))
{
	void *keys, *vals;
	char *e;
	long n = read_percpu_hash(tdx__map_fd(s, id), s->ncpus, ksz, &vd[id],
				  &keys, &vals);

	*out = NULL;
	if (n < 0)
		return n;
	e = calloc((size_t)n + 1, entsz);
	if (!e) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	for (long i = 0; i < n; i++) {
		memcpy(e + (size_t)i * entsz, (char *)keys + (size_t)i * ksz, ksz);
		memcpy(e + (size_t)i * entsz + voff, (char *)vals + (size_t)i * vd[id].size,
		       vd[id].size);
	}
	free(keys);
	free(vals);
	qsort(e, (size_t)n, entsz, cmp);
	*out = e;
	return n;
}

#define FILL(s, id, T, keyfield, cmp, arr, cnt) ({			\
	void *__p;							\
	long __n = fill_entries(s, id, sizeof(((T *)0)->keyfield),	\
				sizeof(T), offsetof(T, v), &__p, cmp);	\
	if (__n >= 0) {							\
		(arr) = __p;						\
		(cnt) = (size_t)__n;					\
	}								\
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
	o->td = calloc(n + 1, sizeof(*o->td));
	if (!o->td) {
		free(pids);
		return -ENOMEM;
	}
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

int tdx_snapshot(struct tdx_session *s, struct tdx_snapshot *o)
{
	long r;

	memset(o, 0, sizeof(*o));
	o->ts_ns = tdx_now(s);
	o->mode = s->mode;
	o->source_lost = tdx__source_info(s) ? tdx__source_info(s)->lost : 0;
	r = read_counters(s, &o->counters);
	r = r ?: FILL(s, TDX_MAP_LEAF, struct tdx_snap_leaf, key, cmp_leaf, o->leaf, o->n_leaf);
	if (r >= 0)
		r = FILL(s, TDX_MAP_VP, struct tdx_snap_vp, pid, cmp_pid, o->vp, o->n_vp);
	if (r >= 0)
		r = FILL(s, TDX_MAP_EPT, struct tdx_snap_ept, pid, cmp_pid, o->ept, o->n_ept);
	if (r >= 0)
		r = FILL(s, TDX_MAP_EPT_GFN, struct tdx_snap_gfn, key, cmp_gfn, o->gfn, o->n_gfn);
	if (r >= 0)
		r = FILL(s, TDX_MAP_MAPGPA, struct tdx_snap_map, pid, cmp_pid, o->map, o->n_map);
	if (r >= 0)
		r = FILL(s, TDX_MAP_FROZEN, struct tdx_snap_frozen, key, cmp_frozen,
			 o->frozen, o->n_frozen);
	if (r >= 0)
		r = FILL(s, TDX_MAP_MIX, struct tdx_snap_mix, pid, cmp_pid, o->mix, o->n_mix);
	if (r >= 0)
		r = collect_tds(s, o);
	if (r < 0) {
		tdx_snapshot_free(o);
		tdx_set_error("cannot read the BPF maps: %s", strerror((int)-r));
		return (int)r;
	}
	return 0;
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

/*
 * Diff one array of entries: for each cur entry, subtract the prev entry of
 * the same key (both sorted by key; entries new in cur are kept as they are).
 */
static int diff_array(void **out, const void *cur, size_t ncur, const void *prev,
		      size_t nprev, size_t entsz, size_t voff, const struct vdesc *d,
		      int (*cmp)(const void *, const void *))
{
	char *o = calloc(ncur + 1, entsz);
	size_t j = 0;

	if (!o)
		return -ENOMEM;
	for (size_t i = 0; i < ncur; i++) {
		const char *c = (const char *)cur + i * entsz;
		char *e = o + i * entsz;

		memcpy(e, c, entsz);
		while (j < nprev && cmp((const char *)prev + j * entsz, c) < 0)
			j++;
		if (j < nprev && !cmp((const char *)prev + j * entsz, c))
			diff_value(d, e + voff, c + voff,
				   (const char *)prev + j * entsz + voff);
	}
	*out = o;
	return 0;
}

#define DIFF(o, c, p, arr, cnt, T, id, cmp) ({				\
	void *__p = NULL;						\
	int __r = diff_array(&__p, (c)->arr, (c)->cnt, (p)->arr, (p)->cnt, \
			     sizeof(T), offsetof(T, v), &vd[id], cmp);	\
	if (!__r) {							\
		(o)->arr = __p;						\
		(o)->cnt = (c)->cnt;					\
	}								\
	__r; })

int tdx_snapshot_diff(struct tdx_snapshot *o, const struct tdx_snapshot *cur,
		      const struct tdx_snapshot *prev)
{
	static const struct vdesc cd = { sizeof(struct tdx_counters), 0, NULL, 0 };
	int r;

	memset(o, 0, sizeof(*o));
	o->ts_ns = cur->ts_ns;
	o->mode = cur->mode;
	o->source_lost = cur->source_lost - prev->source_lost;
	diff_value(&cd, &o->counters, &cur->counters, &prev->counters);
	r = DIFF(o, cur, prev, leaf, n_leaf, struct tdx_snap_leaf, TDX_MAP_LEAF, cmp_leaf);
	r = r ?: DIFF(o, cur, prev, vp, n_vp, struct tdx_snap_vp, TDX_MAP_VP, cmp_pid);
	r = r ?: DIFF(o, cur, prev, ept, n_ept, struct tdx_snap_ept, TDX_MAP_EPT, cmp_pid);
	r = r ?: DIFF(o, cur, prev, gfn, n_gfn, struct tdx_snap_gfn, TDX_MAP_EPT_GFN, cmp_gfn);
	r = r ?: DIFF(o, cur, prev, map, n_map, struct tdx_snap_map, TDX_MAP_MAPGPA, cmp_pid);
	r = r ?: DIFF(o, cur, prev, frozen, n_frozen, struct tdx_snap_frozen,
		      TDX_MAP_FROZEN, cmp_frozen);
	r = r ?: DIFF(o, cur, prev, mix, n_mix, struct tdx_snap_mix, TDX_MAP_MIX, cmp_pid);
	if (!r) {
		o->td = calloc(cur->n_td + 1, sizeof(*o->td));
		if (!o->td)
			r = -ENOMEM;
		else if (cur->n_td)
			memcpy(o->td, cur->td, cur->n_td * sizeof(*o->td));
		o->n_td = cur->n_td;
	}
	if (r) {
		tdx_snapshot_free(o);
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
