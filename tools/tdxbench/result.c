// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * result.c - write and read tdxbench result files (json-c).  The reader
 * validates everything it uses and reports the first problem with the
 * file name and either a line:column (syntax) or a JSON path (schema).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "quant.h"
#include "tdxtrace.h"
#include "source.h"
#include "result.h"

const char *const tb_metric_names[TB_M_MAX] = {
	[TB_M_P50] = "p50", [TB_M_P90] = "p90", [TB_M_P99] = "p99",
	[TB_M_MEAN] = "mean",
};

static const char *const metric_keys[TB_M_MAX] = {
	[TB_M_P50] = "p50_ns", [TB_M_P90] = "p90_ns", [TB_M_P99] = "p99_ns",
	[TB_M_MEAN] = "mean_ns",
};

void tb_result_init(struct tb_result *r, size_t rounds)
{
	memset(r, 0, sizeof(*r));
	r->rounds = rounds;
	r->meta = json_object_new_object();
}

static void round_free(struct tb_round *rd)
{
	free(rd->slot);
	free(rd->slot_count);
	rd->slot = NULL;
	rd->slot_count = NULL;
	rd->nslots = 0;
}

void tb_result_free(struct tb_result *r)
{
	for (size_t i = 0; i < r->nrows; i++) {
		for (size_t k = 0; k < r->rounds && r->rows[i].round; k++)
			round_free(&r->rows[i].round[k]);
		free(r->rows[i].round);
	}
	free(r->rows);
	if (r->meta)
		json_object_put(r->meta);
	memset(r, 0, sizeof(*r));
}

struct tb_row *tb_result_row(struct tb_result *r, const char *name,
			     const char *kind, int leaf)
{
	struct tb_row *rows, *row;

	for (size_t i = 0; i < r->nrows; i++)
		if (!strcmp(r->rows[i].name, name) && !strcmp(r->rows[i].kind, kind))
			return &r->rows[i];
	rows = realloc(r->rows, (r->nrows + 1) * sizeof(*rows));
	if (!rows)
		return NULL;
	r->rows = rows;
	row = &rows[r->nrows];
	memset(row, 0, sizeof(*row));
	snprintf(row->name, sizeof(row->name), "%s", name);
	snprintf(row->kind, sizeof(row->kind), "%s", kind);
	row->leaf = leaf;
	row->round = calloc(r->rounds ? r->rounds : 1, sizeof(*row->round));
	if (!row->round)
		return NULL;
	r->nrows++;
	return row;
}

int tb_round_set_hist(struct tb_round *rd, const uint64_t *hist, double sum_ns,
		      uint64_t min_ns, uint64_t max_ns)
{
	size_t n = 0, k = 0;
	uint64_t total = 0;
	double mid_sum = 0;

	round_free(rd);
	for (int i = 0; i < TDX_HIST_SLOTS; i++)
		if (hist[i]) {
			n++;
			total += hist[i];
			mid_sum += (double)hist[i] *
				   ((double)tdx_hist_slot_lo(i) +
				    (i + 1 < TDX_HIST_SLOTS ? (double)tdx_hist_slot_lo(i + 1) :
				     2.0 * (double)tdx_hist_slot_lo(i))) / 2;
		}
	memset(rd->v, 0, sizeof(rd->v));
	rd->count = total;
	rd->min_ns = TDX_MIN_UNTRACKED;
	rd->max_ns = 0;
	if (!total)
		return 0;
	rd->min_ns = min_ns;
	rd->max_ns = max_ns;
	rd->slot = malloc(n * sizeof(*rd->slot));
	rd->slot_count = malloc(n * sizeof(*rd->slot_count));
	if (!rd->slot || !rd->slot_count) {
		round_free(rd);
		return -ENOMEM;
	}
	for (int i = 0; i < TDX_HIST_SLOTS; i++)
		if (hist[i]) {
			rd->slot[k] = (uint32_t)i;
			rd->slot_count[k++] = hist[i];
		}
	rd->nslots = n;
	/* the one quantile path: never outside [min, max] of the round */
	rd->v[TB_M_P50] = tdx_quantile((const __u64 *)hist, 0.50, min_ns, max_ns);
	rd->v[TB_M_P90] = tdx_quantile((const __u64 *)hist, 0.90, min_ns, max_ns);
	rd->v[TB_M_P99] = tdx_quantile((const __u64 *)hist, 0.99, min_ns, max_ns);
	rd->v[TB_M_MEAN] = sum_ns >= 0 ? sum_ns / (double)total : mid_sum / (double)total;
	return 0;
}

static int cmp_row(const void *a, const void *b)
{
	const struct tb_row *x = a, *y = b;
	int c = strcmp(x->kind, y->kind);

	if (c)
		return -c;	/* "seamcall" before "event" */
	if (x->leaf != y->leaf)
		return x->leaf < y->leaf ? -1 : 1;
	return strcmp(x->name, y->name);
}

void tb_result_sort(struct tb_result *r)
{
	qsort(r->rows, r->nrows, sizeof(*r->rows), cmp_row);
}

/* ------------------------------------------------------------------ write */

static json_object *round_json(const struct tb_round *rd)
{
	json_object *o = json_object_new_object(), *h;

	json_object_object_add(o, "count", json_object_new_int64((int64_t)rd->count));
	if (!rd->count)
		return o;
	for (int m = 0; m < TB_M_MAX; m++)
		json_object_object_add(o, metric_keys[m], json_object_new_double(rd->v[m]));
	if (rd->min_ns != TDX_MIN_UNTRACKED)
		json_object_object_add(o, "min_ns", json_object_new_int64((int64_t)rd->min_ns));
	if (rd->max_ns)
		json_object_object_add(o, "max_ns", json_object_new_int64((int64_t)rd->max_ns));
	h = json_object_new_array();
	for (size_t k = 0; k < rd->nslots; k++) {
		json_object *pair = json_object_new_array();

		json_object_array_add(pair, json_object_new_int((int)rd->slot[k]));
		json_object_array_add(pair, json_object_new_int64((int64_t)rd->slot_count[k]));
		json_object_array_add(h, pair);
	}
	json_object_object_add(o, "hist", h);
	return o;
}

int tb_result_write(const struct tb_result *r, const char *path)
{
	json_object *root = json_object_new_object(), *rows = json_object_new_array();
	const char *s;
	FILE *f;
	int err = 0;

	json_object_object_add(root, "format", json_object_new_string(TB_RESULT_FORMAT));
	json_object_object_add(root, "version", json_object_new_int(TB_RESULT_VERSION));
	json_object_object_add(root, "meta", json_object_get(r->meta));
	json_object_object_add(root, "rounds", json_object_new_int64((int64_t)r->rounds));
	for (size_t i = 0; i < r->nrows; i++) {
		const struct tb_row *row = &r->rows[i];
		json_object *o = json_object_new_object(), *rs = json_object_new_array();

		json_object_object_add(o, "name", json_object_new_string(row->name));
		json_object_object_add(o, "kind", json_object_new_string(row->kind));
		if (row->leaf >= 0)
			json_object_object_add(o, "leaf", json_object_new_int(row->leaf));
		for (size_t k = 0; k < r->rounds; k++)
			json_object_array_add(rs, round_json(&row->round[k]));
		json_object_object_add(o, "rounds", rs);
		json_object_array_add(rows, o);
	}
	json_object_object_add(root, "rows", rows);

	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_SPACED |
						 JSON_C_TO_STRING_NOSLASHESCAPE);
	/* A file is written to "<path>.tmp.XXXXXX" and renamed into place, so
	 * a failed write (disk full, killed) never leaves a half-written result. */
	char tmp[PATH_MAX];
	int fd = -1;

	if (!strcmp(path, "-")) {
		f = stdout;
	} else if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp)) {
		f = NULL;
		errno = ENAMETOOLONG;
	} else if ((fd = mkstemp(tmp)) < 0 || fchmod(fd, 0644) < 0 ||
		   !(f = fdopen(fd, "w"))) {
		f = NULL;
		if (fd >= 0) {
			int e = errno;

			close(fd);
			unlink(tmp);
			errno = e;
		}
	}
	if (!f) {
		err = -errno;
		tdx_set_error("%s: cannot write: %s", path, strerror(errno));
	} else {
		errno = 0;
		if (fputs(s, f) < 0 || fputc('\n', f) < 0)
			err = errno ? -errno : -EIO;
		if ((f != stdout ? fclose(f) : fflush(f)) && !err)
			err = errno ? -errno : -EIO;
		if (!err && f != stdout && rename(tmp, path) < 0)
			err = -errno;
		if (err) {
			tdx_set_error("%s: write failed: %s", path, strerror(-err));
			if (f != stdout)
				unlink(tmp);
		}
	}
	json_object_put(root);
	return err;
}

/* ------------------------------------------------------------------- read */

struct rd_ctx {
	const char *name;
	char path[160];
};

__attribute__((format(printf, 2, 3)))
static int bad(const struct rd_ctx *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tdx_set_error("%s: %s%s%s", c->name, c->path, c->path[0] ? ": " : "", msg);
	return -EINVAL;
}

static json_object *get(const struct rd_ctx *c, json_object *o, const char *key,
			json_type t, bool required, int *err)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
		if (required)
			*err = bad(c, "missing \"%s\"", key);
		return NULL;
	}
	if (t == json_type_double ? !(json_object_is_type(v, json_type_double) ||
				      json_object_is_type(v, json_type_int)) :
	    !json_object_is_type(v, t)) {
		*err = bad(c, "\"%s\" should be %s, not %s", key,
			   t == json_type_double ? "a number" : json_type_to_name(t),
			   json_type_to_name(json_object_get_type(v)));
		return NULL;
	}
	return v;
}

static int read_round(struct rd_ctx *c, json_object *o, struct tb_round *rd)
{
	json_object *v, *h;
	int err = 0;
	int64_t cnt;

	if (!json_object_is_type(o, json_type_object))
		return bad(c, "should be an object");
	v = get(c, o, "count", json_type_int, true, &err);
	if (!v)
		return err;
	cnt = json_object_get_int64(v);
	if (cnt < 0)
		return bad(c, "\"count\" is negative");
	rd->count = (uint64_t)cnt;
	rd->min_ns = TDX_MIN_UNTRACKED;	/* optional: files before them */
	rd->max_ns = 0;
	if (!cnt)
		return 0;
	v = get(c, o, "min_ns", json_type_int, false, &err);
	if (err)
		return err;
	if (v) {
		if (json_object_get_int64(v) < 0)
			return bad(c, "\"min_ns\" is negative");
		rd->min_ns = (uint64_t)json_object_get_int64(v);
	}
	v = get(c, o, "max_ns", json_type_int, false, &err);
	if (err)
		return err;
	if (v) {
		if (json_object_get_int64(v) < 0)
			return bad(c, "\"max_ns\" is negative");
		rd->max_ns = (uint64_t)json_object_get_int64(v);
	}
	for (int m = 0; m < TB_M_MAX; m++) {
		v = get(c, o, metric_keys[m], json_type_double, true, &err);
		if (!v)
			return err;
		rd->v[m] = json_object_get_double(v);
		if (!isfinite(rd->v[m]) || rd->v[m] < 0)
			return bad(c, "\"%s\" is not a finite non-negative number",
				   metric_keys[m]);
	}
	h = get(c, o, "hist", json_type_array, false, &err);
	if (err)
		return err;
	if (h) {
		size_t n = json_object_array_length(h);

		rd->slot = calloc(n ? n : 1, sizeof(*rd->slot));
		rd->slot_count = calloc(n ? n : 1, sizeof(*rd->slot_count));
		if (!rd->slot || !rd->slot_count)
			return -ENOMEM;
		for (size_t k = 0; k < n; k++) {
			json_object *p = json_object_array_get_idx(h, k);
			json_object *a, *b;
			int64_t s, sc;

			if (!json_object_is_type(p, json_type_array) ||
			    json_object_array_length(p) != 2 ||
			    !json_object_is_type(a = json_object_array_get_idx(p, 0), json_type_int) ||
			    !json_object_is_type(b = json_object_array_get_idx(p, 1), json_type_int))
				return bad(c, "hist[%zu] should be [slot, count]", k);
			s = json_object_get_int64(a);
			sc = json_object_get_int64(b);
			if (s < 0 || s >= TDX_HIST_SLOTS || sc < 0)
				return bad(c, "hist[%zu]: slot %lld or count %lld out of range",
					   k, (long long)s, (long long)sc);
			rd->slot[k] = (uint32_t)s;
			rd->slot_count[k] = (uint64_t)sc;
			rd->nslots++;
		}
	}
	return 0;
}

static void line_col(const char *buf, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && buf[i]; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

int tb_result_parse(struct tb_result *r, const char *buf, size_t len,
		    const char *name)
{
	struct rd_ctx c = { .name = name };
	json_tokener *tok;
	json_object *root, *v, *rows;
	enum json_tokener_error jerr;
	int err = 0;
	int64_t nr;

	memset(r, 0, sizeof(*r));
	if (!len)
		return bad(&c, "empty file, not a tdxbench result");
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	if (!root || jerr != json_tokener_success) {
		size_t off = json_tokener_get_parse_end(tok);
		int line, col;

		if (jerr == json_tokener_continue)
			jerr = json_tokener_error_parse_eof;
		line_col(buf, off, &line, &col);
		json_object_put(root);
		json_tokener_free(tok);
		tdx_set_error("%s: invalid JSON at line %d, column %d (byte %zu): %s",
			      name, line, col, off, json_tokener_error_desc(jerr));
		return -EINVAL;
	}
	/* trailing garbage after the document */
	{
		size_t off = json_tokener_get_parse_end(tok);

		while (off < len && (buf[off] == ' ' || buf[off] == '\n' ||
				     buf[off] == '\t' || buf[off] == '\r'))
			off++;
		if (off < len) {
			int line, col;

			line_col(buf, off, &line, &col);
			json_object_put(root);
			json_tokener_free(tok);
			tdx_set_error("%s: invalid JSON at line %d, column %d (byte %zu): "
				      "unexpected data after the document", name, line, col, off);
			return -EINVAL;
		}
	}
	json_tokener_free(tok);

	if (!json_object_is_type(root, json_type_object)) {
		err = bad(&c, "top level should be an object");
		goto out;
	}
	v = get(&c, root, "format", json_type_string, true, &err);
	if (!v)
		goto out;
	if (strcmp(json_object_get_string(v), TB_RESULT_FORMAT)) {
		err = bad(&c, "\"format\" is \"%s\", not \"%s\"",
			  json_object_get_string(v), TB_RESULT_FORMAT);
		goto out;
	}
	v = get(&c, root, "version", json_type_int, true, &err);
	if (!v)
		goto out;
	if (json_object_get_int(v) != TB_RESULT_VERSION) {
		err = bad(&c, "version %d is not supported (this tdxbench reads %d)",
			  json_object_get_int(v), TB_RESULT_VERSION);
		goto out;
	}
	v = get(&c, root, "rounds", json_type_int, true, &err);
	if (!v)
		goto out;
	nr = json_object_get_int64(v);
	if (nr < 1 || nr > 100000) {
		err = bad(&c, "\"rounds\" is %lld, expected 1..100000", (long long)nr);
		goto out;
	}
	v = get(&c, root, "meta", json_type_object, false, &err);
	if (err)
		goto out;
	tb_result_init(r, (size_t)nr);
	if (v) {
		json_object_put(r->meta);
		r->meta = json_object_get(v);
	}
	rows = get(&c, root, "rows", json_type_array, true, &err);
	if (!rows)
		goto out;
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		json_object *o = json_object_array_get_idx(rows, i), *n, *k, *l, *rs;
		struct tb_row *row;
		int leaf = -1;

		snprintf(c.path, sizeof(c.path), "rows[%zu]", i);
		if (!json_object_is_type(o, json_type_object)) {
			err = bad(&c, "should be an object");
			goto out;
		}
		n = get(&c, o, "name", json_type_string, true, &err);
		if (!n)
			goto out;
		k = get(&c, o, "kind", json_type_string, true, &err);
		if (!k)
			goto out;
		if (strcmp(json_object_get_string(k), "seamcall") &&
		    strcmp(json_object_get_string(k), "event")) {
			err = bad(&c, "\"kind\" should be \"seamcall\" or \"event\"");
			goto out;
		}
		if (json_object_get_string_len(n) == 0 ||
		    json_object_get_string_len(n) >= TB_NAME_LEN) {
			err = bad(&c, "\"name\" should have 1..%d characters", TB_NAME_LEN - 1);
			goto out;
		}
		l = get(&c, o, "leaf", json_type_int, false, &err);
		if (err)
			goto out;
		if (l) {
			leaf = json_object_get_int(l);
			if (leaf < 0 || leaf >= TDX_LEAF_MAX) {
				err = bad(&c, "\"leaf\" %d out of range", leaf);
				goto out;
			}
		}
		for (size_t j = 0; j < r->nrows; j++)
			if (!strcmp(r->rows[j].name, json_object_get_string(n)) &&
			    !strcmp(r->rows[j].kind, json_object_get_string(k))) {
				err = bad(&c, "duplicate row \"%s\"", r->rows[j].name);
				goto out;
			}
		rs = get(&c, o, "rounds", json_type_array, true, &err);
		if (!rs)
			goto out;
		if (json_object_array_length(rs) != r->rounds) {
			err = bad(&c, "has %zu rounds, the file says %zu",
				  json_object_array_length(rs), r->rounds);
			goto out;
		}
		row = tb_result_row(r, json_object_get_string(n), json_object_get_string(k), leaf);
		if (!row) {
			err = -ENOMEM;
			goto out;
		}
		for (size_t j = 0; j < r->rounds; j++) {
			snprintf(c.path, sizeof(c.path), "rows[%zu] (%s).rounds[%zu]", i,
				 row->name, j);
			err = read_round(&c, json_object_array_get_idx(rs, j), &row->round[j]);
			if (err)
				goto out;
		}
	}
out:
	json_object_put(root);
	if (err)
		tb_result_free(r);
	return err;
}

int tb_result_read(struct tb_result *r, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int err;

	memset(r, 0, sizeof(*r));
	if (!f) {
		err = -errno;
		tdx_set_error("%s: %s", path, strerror(errno));
		return err;
	}
	for (;;) {
		size_t got;

		if (len + 65536 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 131072;
			if (cap > (1u << 30)) {
				tdx_set_error("%s: larger than 1 GiB, not a tdxbench result", path);
				err = -EFBIG;
				goto out;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				err = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		err = -EIO;
		tdx_set_error("%s: read error", path);
		goto out;
	}
	buf[len] = 0;
	if (memchr(buf, 0, len)) {
		size_t off = (size_t)((char *)memchr(buf, 0, len) - buf);

		tdx_set_error("%s: invalid JSON at byte %zu: NUL byte (binary file?)", path, off);
		err = -EINVAL;
		goto out;
	}
	err = tb_result_parse(r, buf, len, path);
out:
	free(buf);
	if (f != stdin)
		fclose(f);
	return err;
}
