// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * snapshot.c - read the aggregation maps into plain structs.
 *
 * Everything here is driven by the map table (include/tdxtrace/maps.h): one
 * array per map in struct tdx_snapshot, keys compared field by field, and
 * each value word merged or diffed by its field's merge kind.  The maps are
 * read from the kernel (batched lookups; the values are shared, not per-CPU,
 * so a snapshot copies what is traced, whatever the CPU count) or, for the
 * user-space engine, straight from the in-process tables.  Entries are
 * sorted by key.  tdx_snapshot_diff subtracts two snapshots entry by entry,
 * keeping gauges and min/max from the newer one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "session_int.h"
#include "umap.h"

/*
 * What the generic code needs of one map: sizes, where its array lives in
 * struct tdx_snapshot, and the merge kind of every 8-byte word of its value
 * (from the field tables of include/tdxtrace/maps.h).
 */
/* Every value of the table, for the size of the word tables below. */
union any_value {
#define TDX_X_U(id, bpf, snap, kt, vt, vf, per_td, in_snap) struct vt id;
	TDX_MAP_TABLE(TDX_X_U)
#undef TDX_X_U
};
#define MAX_VALUE_WORDS ((sizeof(union any_value) + 7) / 8)

struct mdesc {
	size_t ksz, vsz, entsz, voff;
	size_t off_n, off_arr, off_cap;		/* in struct tdx_snapshot */
	bool in_snap;
	const struct tdx_field_desc *key;
	__u8 word[MAX_VALUE_WORDS];		/* enum tdx_merge of each value word */
};

#define TDX_X_OFFS_1(snap) .off_n = offsetof(struct tdx_snapshot, n_##snap),	\
	.off_arr = offsetof(struct tdx_snapshot, snap),				\
	.off_cap = offsetof(struct tdx_snapshot, cap_##snap), .in_snap = true
#define TDX_X_OFFS_0(snap) .in_snap = false
static struct mdesc md[TDX_MAP_ID_MAX] = {
#define TDX_X_MDESC(id, bpf, snap, kt, vt, vf, per_td, in_snap)		\
	[TDX_MAP_##id] = { .ksz = sizeof(struct kt), .vsz = sizeof(struct vt),	\
			   .entsz = sizeof(struct tdx_snap_##snap),			\
			   .voff = offsetof(struct tdx_snap_##snap, v), TDX_X_OFFS_##in_snap(snap) },
	TDX_MAP_TABLE(TDX_X_MDESC)
#undef TDX_X_MDESC
};

static __u8 counters_word[sizeof(struct tdx_counters) / 8];

static void fill_words(__u8 *word, size_t nwords, const struct tdx_field_desc *f)
{
	for (; f->name; f++)
		for (unsigned int i = 0; i < f->n; i++) {
			size_t w = (f->off + (size_t)i * f->size) / 8;

			if (f->size == 8 && w < nwords)
				word[w] = (__u8)f->merge;
		}
}

/* The word tables, once. */
static void init_desc(void)
{
	static bool done;

	if (done)
		return;
	for (int id = 0; id < TDX_MAP_ID_MAX; id++) {
		const struct tdx_map_desc *d = tdx_map_desc((enum tdx_map_id)id);

		md[id].key = d->key;
		fill_words(md[id].word, sizeof(md[id].word), d->value);
	}
	fill_words(counters_word, sizeof(counters_word), tdx_counters_desc());
	done = true;
}


/*
 * Merge ncpu per-CPU copies of a value (counters only: the statistics maps
 * are shared, ncpu 1): SUM and GAUGE words add, MIN/MAX words take the
 * minimum/maximum.
 */
static void merge_percpu(const __u8 *word, size_t size, void *out, const void *vals,
			 int ncpu)
{
	__u64 *o = out;
	size_t nw = size / 8;

	memcpy(out, vals, size);
	for (int c = 1; c < ncpu; c++) {
		const __u64 *v = (const __u64 *)((const char *)vals + (size_t)c * size);

		for (size_t w = 0; w < nw; w++) {
			if (word[w] == TDX_MERGE_MIN)
				o[w] = v[w] < o[w] ? v[w] : o[w];
			else if (word[w] == TDX_MERGE_MAX)
				o[w] = v[w] > o[w] ? v[w] : o[w];
			else
				o[w] += v[w];
		}
	}
}

/*
 * cur - prev word by word; gauges, min and max from cur.  out may be prev
 * (each word is read before it is written).
 */
static void diff_value(const __u8 *word, size_t size, void *out, const void *cur,
		       const void *prev)
{
	const __u64 *c = cur, *p = prev;
	__u64 *o = out;

	for (size_t w = 0; w < size / 8; w++)
		o[w] = word[w] == TDX_MERGE_SUM ? c[w] - p[w] : c[w];
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
	const struct mdesc *d;
	enum tdx_map_id id;
	void **arr;
	size_t *cap;
	size_t n;
};

static int put(struct sink *k, const void *key, const void *val)
{
	const struct mdesc *d = k->d;
	char *e;

	if (grow(k->arr, k->cap, k->n + 1, d->entsz))
		return -ENOMEM;
	e = (char *)*k->arr + k->n * d->entsz;
	memset(e, 0, d->voff);			/* key and its padding */
	memcpy(e, key, d->ksz);
	memcpy(e + d->voff, val, d->vsz);
	tdx_map_complete(k->id, e + d->voff);
	k->n++;
	return 0;
}

/*
 * Entries per BPF_MAP_LOOKUP_BATCH call: about 1 MiB of values.  Fewer,
 * larger calls are cheaper; the values are shared (not per-CPU), so the
 * buffer does not grow with the CPU count.
 */
static size_t batch_entries(size_t vbytes)
{
	size_t n = (1024u << 10) / vbytes;

	return n < 4 ? 4 : n > 1024 ? 1024 : n;
}

/*
 * Batched read (BPF_MAP_LOOKUP_BATCH): a few syscalls for the whole map
 * instead of two per entry.  Returns entries, or -EOPNOTSUPP/-EINVAL when
 * the kernel has no batch ops for this map (the caller falls back).
 */
static long read_batch(struct tdx_session *s, int fd, struct sink *k)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	size_t vbytes = k->d->vsz, chunk = batch_entries(vbytes);
	__u64 in_tok[8], out_tok[8];
	bool first = true;

	for (;;) {
		__u32 count = (__u32)chunk;
		int r;

		if (scratch(s, chunk * k->d->ksz, chunk * vbytes))
			return -ENOMEM;
		r = bpf_map_lookup_batch(fd, first ? NULL : in_tok, out_tok,
					 s->snap_kbuf, s->snap_vbuf, &count, &opts);
		if (r && errno == ENOSPC && count == 0) {
			chunk *= 4;	/* one bucket holds more than chunk entries */
			continue;
		}
		if (r && errno != ENOENT)
			return -errno;
		for (__u32 i = 0; i < count; i++)
			if (put(k, (char *)s->snap_kbuf + (size_t)i * k->d->ksz,
				(char *)s->snap_vbuf + (size_t)i * vbytes))
				return -ENOMEM;
		if (r)		/* ENOENT: that was the last batch */
			return (long)k->n;
		memcpy(in_tok, out_tok, sizeof(in_tok));
		first = false;
	}
}

/* One entry at a time: kernels without batch lookups. */
static long read_iter(struct tdx_session *s, int fd, struct sink *k)
{
	char key[32], next[32];
	void *prev = NULL;

	k->n = 0;
	if (scratch(s, 0, k->d->vsz))
		return -ENOMEM;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, k->d->ksz);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, s->snap_vbuf)) {
			if (errno == ENOENT)
				continue;	/* deleted meanwhile */
			return -errno;
		}
		if (put(k, key, s->snap_vbuf))
			return -ENOMEM;
	}
	return (long)k->n;
}

static int put_umap(const void *key, void *val, void *ctx)
{
	return put(ctx, key, val);
}

/* ---------------------------------------------------------------- sorting */

/* Keys compare field by field, in table order (pid first). */
static const struct tdx_field_desc *sort_key;

static int cmp_key(const void *a, const void *b)
{
	for (const struct tdx_field_desc *f = sort_key; f->name; f++) {
		__u64 x = 0, y = 0;

		memcpy(&x, (const char *)a + f->off, f->size);
		memcpy(&y, (const char *)b + f->off, f->size);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

static int cmp_entries(const struct mdesc *d, const void *a, const void *b)
{
	sort_key = d->key;
	return cmp_key(a, b);
}

static int cmp_pid(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

#define SNAP_N(o, d)	((size_t *)((char *)(o) + (d)->off_n))
#define SNAP_ARR(o, d)	((void **)((char *)(o) + (d)->off_arr))
#define SNAP_CAP(o, d)	((size_t *)((char *)(o) + (d)->off_cap))
#define SNAP_CN(o, d)	(*(const size_t *)((const char *)(o) + (d)->off_n))
#define SNAP_CARR(o, d)	(*(void *const *)((const char *)(o) + (d)->off_arr))

/* Fill the snapshot's array of one map, sorted by key, reusing its memory. */
static long fill_entries(struct tdx_session *s, struct tdx_snapshot *o, enum tdx_map_id id)
{
	const struct mdesc *d = &md[id];
	struct sink k = { d, id, SNAP_ARR(o, d), SNAP_CAP(o, d), 0 };
	struct tdx_umap *um = tdx__umap(s, id);
	long n;

	if (um) {
		n = tdx_umap_foreach(um, put_umap, &k);
		n = n < 0 ? n : (long)k.n;
	} else {
		int fd = tdx__map_fd(s, id);

		n = read_batch(s, fd, &k);
		if (n == -EINVAL || n == -EOPNOTSUPP || n == -524 /* ENOTSUPP */)
			n = read_iter(s, fd, &k);
	}
	if (n < 0)
		return n;
	if (grow(k.arr, k.cap, (size_t)n + 1, d->entsz))	/* never NULL */
		return -ENOMEM;
	sort_key = d->key;
	qsort(*k.arr, (size_t)n, d->entsz, cmp_key);
	*SNAP_N(o, d) = (size_t)n;
	return n;
}

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
	size_t cap = 1, n = 0;
	__u32 *pids;

	for (int id = 0; id < TDX_MAP_ID_MAX; id++)
		if (md[id].in_snap)
			cap += SNAP_CN(o, &md[id]);
	pids = malloc(cap * sizeof(*pids));
	if (!pids)
		return -ENOMEM;
	for (int id = 0; id < TDX_MAP_ID_MAX; id++) {
		const struct mdesc *d = &md[id];
		const char *a;

		if (!d->in_snap)
			continue;
		a = SNAP_CARR(o, d);
		for (size_t i = 0; i < SNAP_CN(o, d); i++)
			pids[n++] = *(const __u32 *)(a + i * d->entsz);	/* key.pid */
	}
	qsort(pids, n, sizeof(*pids), cmp_pid);
	o->n_td = 0;
	if (grow((void **)&o->td, &o->cap_td, n + 1, sizeof(*o->td))) {
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
	struct tdx_umap *um = tdx__umap_counters(s);
	size_t sz = sizeof(*out) * (size_t)s->ncpus;
	__u32 zero = 0;
	void *buf;
	int err = 0;

	if (um) {
		memcpy(out, tdx_umap_lookup(um, &zero), sizeof(*out));
		return 0;
	}
	buf = malloc(sz);
	if (!buf)
		return -ENOMEM;
	if (bpf_map_lookup_elem(tdx__counters_fd(s), &zero, buf))
		err = -errno;
	else
		merge_percpu(counters_word, sizeof(*out), out, buf, s->ncpus);
	free(buf);
	return err;
}

const struct tdx_source *tdx_session_source(const struct tdx_session *s)
{
	return s ? s->src : NULL;
}

int tdx_snapshot_refresh(struct tdx_session *s, struct tdx_snapshot *o)
{
	long r;

	init_desc();
	o->ts_ns = tdx_now(s);
	o->mode = s->mode;
	/*
	 * The loss model: the source's losses up to the time fed (read ahead
	 * of it by up to a batch, so placed by their timestamps); at the end
	 * of the source, every loss it holds.
	 */
	if (!s->src)
		o->source_lost = 0;
	else if (s->src_done && s->batch_i == s->batch_n)
		o->source_lost = tdx_source_lost_read(s->src);
	else
		o->source_lost = tdx_source_lost_until(s->src, s->now);
	r = read_counters(s, &o->counters);
	for (int id = 0; id < TDX_MAP_ID_MAX && r >= 0; id++)
		if (md[id].in_snap)
			r = fill_entries(s, o, (enum tdx_map_id)id);
	if (r >= 0)
		r = collect_tds(s, o);
	if (r < 0) {
		tdx_snapshot_free(o);
		tdx_set_error("cannot read the aggregation maps: %s", strerror((int)-r));
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
	for (int id = 0; id < TDX_MAP_ID_MAX; id++)
		if (md[id].in_snap)
			free(*SNAP_ARR(o, &md[id]));
	free(o->td);
	memset(o, 0, sizeof(*o));
}

#define ENT(p, i, d) ((char *)(p) + (size_t)(i) * (d)->entsz)

/*
 * out[] = cur[] - prev[] into a separate array: for each cur entry, subtract
 * the prev entry of the same key (both sorted by key; entries new in cur are
 * kept as they are).
 */
static int diff_array(void **out, size_t *cap, const void *cur, size_t ncur,
		      const void *prev, size_t nprev, const struct mdesc *d)
{
	size_t j = 0;

	if (grow(out, cap, ncur + 1, d->entsz))
		return -ENOMEM;
	for (size_t i = 0; i < ncur; i++) {
		const char *c = ENT(cur, i, d);
		char *e = ENT(*out, i, d);

		memcpy(e, c, d->entsz);
		while (j < nprev && cmp_entries(d, ENT(prev, j, d), c) < 0)
			j++;
		if (j < nprev && !cmp_entries(d, ENT(prev, j, d), c))
			diff_value(d->word, d->vsz, e + d->voff, c + d->voff,
				   ENT(prev, j, d) + d->voff);
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
			  size_t ncur, const struct mdesc *d)
{
	size_t matched = 0, j = 0;

	for (size_t i = 0; i < ncur && j < *nprev; i++) {
		while (j < *nprev && cmp_entries(d, ENT(*prev, j, d), ENT(cur, i, d)) < 0)
			j++;
		if (j < *nprev && !cmp_entries(d, ENT(*prev, j, d), ENT(cur, i, d)))
			matched++;
	}
	if (matched != *nprev) {
		void *out = NULL;
		size_t ocap = 0;

		if (diff_array(&out, &ocap, cur, ncur, *prev, *nprev, d))
			return -ENOMEM;
		free(*prev);
		*prev = out;
		*cap = ocap;
		*nprev = ncur;
		return 0;
	}
	if (grow(prev, cap, ncur + 1, d->entsz))
		return -ENOMEM;
	j = *nprev;
	for (size_t i = ncur; i-- > 0;) {
		const char *c = ENT(cur, i, d);
		char *o = ENT(*prev, i, d);

		if (j > 0 && !cmp_entries(d, ENT(*prev, j - 1, d), c)) {
			j--;
			diff_value(d->word, d->vsz, o + d->voff, c + d->voff,
				   ENT(*prev, j, d) + d->voff);
			memcpy(o, c, d->voff);		/* the key */
		} else {
			memcpy(o, c, d->entsz);		/* new since prev */
		}
	}
	*nprev = ncur;
	return 0;
}

/* The window's header and TD labels (from cur). */
static int diff_head(struct tdx_snapshot *o, const struct tdx_snapshot *cur,
		     const struct tdx_snapshot *prev)
{
	o->ts_ns = cur->ts_ns;
	o->mode = cur->mode;
	o->source_lost = cur->source_lost - prev->source_lost;
	diff_value(counters_word, sizeof(o->counters), &o->counters, &cur->counters,
		   &prev->counters);
	if (grow((void **)&o->td, &o->cap_td, cur->n_td + 1, sizeof(*o->td)))
		return -ENOMEM;
	memset(o->td, 0, (cur->n_td + 1) * sizeof(*o->td));
	if (cur->n_td)
		memcpy(o->td, cur->td, cur->n_td * sizeof(*o->td));
	o->n_td = cur->n_td;
	return 0;
}

int tdx_snapshot_diff(struct tdx_snapshot *o, const struct tdx_snapshot *cur,
		      const struct tdx_snapshot *prev)
{
	int r = 0;

	init_desc();
	memset(o, 0, sizeof(*o));
	for (int id = 0; id < TDX_MAP_ID_MAX && !r; id++) {
		const struct mdesc *d = &md[id];

		if (!d->in_snap)
			continue;
		r = diff_array(SNAP_ARR(o, d), SNAP_CAP(o, d), SNAP_CARR(cur, d),
			       SNAP_CN(cur, d), SNAP_CARR(prev, d), SNAP_CN(prev, d), d);
		if (!r)
			*SNAP_N(o, d) = SNAP_CN(cur, d);
	}
	r = r ?: diff_head(o, cur, prev);
	if (r) {
		tdx_snapshot_free(o);
		tdx_set_error("out of memory");
	}
	return r;
}

int tdx_snapshot_subtract(struct tdx_snapshot *p, const struct tdx_snapshot *cur)
{
	int r = 0;

	init_desc();
	for (int id = 0; id < TDX_MAP_ID_MAX && !r; id++) {
		const struct mdesc *d = &md[id];

		if (d->in_snap)
			r = subtract_array(SNAP_ARR(p, d), SNAP_CAP(p, d), SNAP_N(p, d),
					   SNAP_CARR(cur, d), SNAP_CN(cur, d), d);
	}
	r = r ?: diff_head(p, cur, p);
	if (r) {
		tdx_snapshot_free(p);
		tdx_set_error("out of memory");
	}
	return r;
}

/* ----------------------------------------------------------------- reset */

/*
 * Zero a value's counters but keep its gauges (the hugepage mixing levels
 * stay exact across resets) and its MIN/MAX words (reset to none).
 */
static void reset_value(const struct mdesc *d, void *val)
{
	__u64 *w = val;

	for (size_t i = 0; i < d->vsz / 8; i++)
		if (d->word[i] == TDX_MERGE_SUM || d->word[i] == TDX_MERGE_MAX)
			w[i] = 0;
		else if (d->word[i] == TDX_MERGE_MIN)
			w[i] = ~0ULL;
}

static bool has_gauges(const struct mdesc *d)
{
	for (size_t i = 0; i < d->vsz / 8; i++)
		if (d->word[i] == TDX_MERGE_GAUGE)
			return true;
	return false;
}

static int reset_umap_value(const void *key, void *val, void *ctx)
{
	(void)key;
	reset_value(ctx, val);
	return 0;
}

/* Delete every key of a map, or, for maps with gauges, zero the rest. */
static int reset_map(struct tdx_session *s, enum tdx_map_id id)
{
	const struct mdesc *d = &md[id];
	struct tdx_umap *um = tdx__umap(s, id);
	int fd = um ? -1 : tdx__map_fd(s, id);
	char key[32], *prev = NULL;
	void *val;

	if (!d->in_snap)
		return 0;		/* range states: the truth behind the gauges */
	if (um) {
		if (has_gauges(d))
			return tdx_umap_foreach(um, reset_umap_value, (void *)d);
		tdx_umap_clear(um);
		return 0;
	}
	if (!has_gauges(d)) {
		while (bpf_map_get_next_key(fd, NULL, key) == 0)
			if (bpf_map_delete_elem(fd, key) && errno != ENOENT)
				return -errno;
		return 0;
	}
	val = malloc(d->vsz);
	if (!val)
		return -ENOMEM;
	while (bpf_map_get_next_key(fd, prev, key) == 0) {
		prev = key;
		if (bpf_map_lookup_elem(fd, key, val))
			continue;
		reset_value(d, val);
		if (bpf_map_update_elem(fd, key, val, BPF_EXIST))
			break;
	}
	free(val);
	return 0;
}

int tdx_reset(struct tdx_session *s)
{
	struct tdx_umap *uc = tdx__umap_counters(s);
	size_t sz = sizeof(struct tdx_counters) * (size_t)s->ncpus;
	void *zero;
	__u32 k0 = 0;
	int err = 0;

	init_desc();
	for (int id = 0; id < TDX_MAP_ID_MAX && !err; id++)
		err = reset_map(s, (enum tdx_map_id)id);
	if (uc) {
		tdx_umap_clear(uc);
	} else if (!err) {
		zero = calloc(1, sz);
		if (!zero)
			return -ENOMEM;
		if (bpf_map_update_elem(tdx__counters_fd(s), &k0, zero, BPF_ANY))
			err = -errno;
		free(zero);
	}
	if (err)
		tdx_set_error("cannot reset the aggregation maps: %s", strerror(-err));
	return err;
}
