// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * batch.c - tdxtop's batch output: a plain-text report per interval (like
 * top -b) or one JSON object per line (schema in docs/tdxtop.md).
 */
#include <math.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "envelope.h"
#include "tdxtop.h"


void top_dropped_maps(const struct top_totals *t, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = 0;
	for (int i = 0; i < TDX_MAP_ID_MAX && len < size; i++)
		if (t->dropped_by_map[i])
			len += (size_t)snprintf(buf + len, size - len, "%s%s",
						len ? "," : "", tdx_map_name((enum tdx_map_id)i));
}

/* ----------------------------------------------------------- tables */

/* Key columns (PID, COMM / LEAF) stay when the others scroll sideways. */
int top_key_cols(enum top_view v)
{
	return v == TOP_VIEW_LEAF ? 1 : 2;
}

/* Is column i shown when skip non-key columns are scrolled away? */
static bool col_shown(enum top_view v, size_t i, int skip)
{
	int k = top_key_cols(v);

	return (int)i < k || (int)i >= k + skip;
}

/*
 * A column's printed width: its own, or wide enough for its name, a space
 * and the sort marker ("SC/s v"), so the marker never touches the name.
 */
static int col_width(const struct top_col *c)
{
	int w = (int)strlen(c->name) + 2;

	return c->width > w ? c->width : w;
}

/*
 * One line of a table: the cells of the shown columns, strings and leaf
 * names left aligned (cut to the column with a '~' as the last character,
 * so a cut name never reads as another), numbers right aligned; with row
 * NULL the header, the sort column marked " v" (descending) or " ^".
 * maxw > 0: only the cells that fit whole in maxw characters, so a number
 * at the edge is never shown cut (1343 as 134).
 */
static int fmt_line(char *buf, size_t size, enum top_view v, const void *row,
		    int sort_col, bool desc, int skip, int maxw)
{
	size_t n, len = 0;
	const struct top_col *c = top_cols(v, &n);

	buf[0] = 0;
	for (size_t i = 0; i < n && len < size; i++) {
		bool left = c[i].kind == TOP_C_STR || c[i].kind == TOP_C_LEAF;
		int w = col_width(&c[i]);
		char cell[64];

		if (!col_shown(v, i, skip))
			continue;
		if (maxw > 0 && (int)len + (i ? 1 : 0) + w > maxw)
			break;
		if (!row) {
			snprintf(cell, sizeof(cell), "%s%s", c[i].name,
				 (int)i == sort_col ? (desc ? " v" : " ^") : "");
		} else {
			top_col_fmt(&c[i], row, cell, sizeof(cell));
			if (left && (int)strlen(cell) > w) {
				cell[w - 1] = '~';
				cell[w] = 0;
			}
		}
		len += (size_t)snprintf(buf + len, size - len, left ? "%s%-*s" : "%s%*s",
					i ? " " : "", w, cell);
	}
	return (int)(len < size ? len : size - 1);
}

int top_fmt_header_fit(char *buf, size_t size, enum top_view v, int sort_col,
		       bool desc, int skip, int maxw)
{
	return fmt_line(buf, size, v, NULL, sort_col, desc, skip, maxw);
}

int top_fmt_row_fit(char *buf, size_t size, enum top_view v, const void *row,
		    int skip, int maxw)
{
	return fmt_line(buf, size, v, row, -1, false, skip, maxw);
}

int top_fmt_header(char *buf, size_t size, enum top_view v, int sort_col,
		   bool desc, int skip)
{
	return fmt_line(buf, size, v, NULL, sort_col, desc, skip, 0);
}

int top_fmt_row(char *buf, size_t size, enum top_view v, const void *row,
		int skip)
{
	return fmt_line(buf, size, v, row, -1, false, skip, 0);
}

/* -z (kvm_stat -z): every count and rate of the row is zero. */
bool top_row_zero(enum top_view v, const void *row)
{
	size_t n;
	const struct top_col *c = top_cols(v, &n);

	for (size_t i = (size_t)top_key_cols(v); i < n; i++) {
		double x;

		/* counts and rates; a latency or share is not a count (MAX is since start) */
		if (c[i].kind != TOP_C_COUNT && c[i].kind != TOP_C_RATE && c[i].kind != TOP_C_MB)
			continue;
		x = top_col_num(&c[i], row);
		if (x != 0)
			return false;
	}
	return true;
}

/* Is this row shown: the view's filter and -z. */
static bool row_shown(const struct top_app *a, enum top_view v, const void *row)
{
	return top_match(v, row, a->filter[v]) && !(a->skip_zero && top_row_zero(v, row));
}

static void print_table(FILE *f, struct top_app *a, enum top_view v)
{
	char line[512];
	size_t n, size;
	const char *rows = top_rows(&a->model, v, &n, &size);
	size_t shown = 0;

	top_fmt_header(line, sizeof(line), v, a->sort_col[v], a->sort_desc[v], 0);
	fprintf(f, "%s\n", line);
	for (size_t i = 0; i < n; i++) {
		if (!row_shown(a, v, rows + i * size))
			continue;
		top_fmt_row(line, sizeof(line), v, rows + i * size, 0);
		fprintf(f, "%s\n", line);
		shown++;
	}
	if (!shown)
		fprintf(f, "  (none%s)\n", n && a->skip_zero ? ": every row is zero, -z" : "");
}

static void wall_time(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ------------------------------------------------------------- log */

/*
 * --log: one line per interval (kvm_stat -l), the totals of the window;
 * --csv: the same as CSV, a header first.  Rates per second of the window;
 * dropped and lost are the window's, so a loss is seen in the line it
 * happened in.
 */
static const char *const log_cols[] = {
	"time", "window_s", "tds", "events/s", "seamcall/s", "ept/s", "vp_enter/s",
	"mapgpa/s", "frozen", "mixed", "dropped", "lost", "filtered",
};
#define N_LOG_COLS (sizeof(log_cols) / sizeof(log_cols[0]))

void top_print_log(FILE *f, struct top_app *a, bool header)
{
	const struct top_totals *t = &a->model.tot;
	char now[32];

	if (header) {
		for (size_t i = 0; i < N_LOG_COLS; i++)
			fprintf(f, a->csv ? "%s%s" : i ? "%s%11s" : "%s%-20s",
				i ? (a->csv ? "," : " ") : "", log_cols[i]);
		fputc('\n', f);
	}
	const double rates[] = { t->events_rate, t->seamcalls_rate, t->ept_rate,
				 t->vp_rate, t->mapgpa_rate };
	char r[5][32];

	/* an unknown rate (span 0): "-" in the log, an empty CSV field */
	for (int i = 0; i < 5; i++)
		if (isnan(rates[i]))
			snprintf(r[i], sizeof(r[i]), "%s", a->csv ? "" : "-");
		else
			snprintf(r[i], sizeof(r[i]), "%.1f", rates[i]);
	wall_time(now, sizeof(now));
	if (a->csv)
		fprintf(f, "%s,%.6f,%zu,%s,%s,%s,%s,%s,%llu,%llu,%llu,%llu,%llu\n",
			now, t->dt, t->n_td, r[0], r[1], r[2], r[3], r[4],
			(unsigned long long)t->frozen,
			(unsigned long long)t->mix, (unsigned long long)t->dropped,
			(unsigned long long)t->lost, (unsigned long long)t->filtered);
	else
		fprintf(f, "%-20s %11.3f %11zu %11s %11s %11s %11s %11s %11llu %11llu "
			"%11llu %11llu %11llu%s\n",
			now, t->dt, t->n_td, r[0], r[1], r[2], r[3], r[4],
			(unsigned long long)t->frozen,
			(unsigned long long)t->mix, (unsigned long long)t->dropped,
			(unsigned long long)t->lost, (unsigned long long)t->filtered,
			a->ended ? "  [end of source]" : "");
}


void top_print_text(FILE *f, struct top_app *a)
{
	const struct top_totals *t = &a->model.tot;
	char ev[16], sc[16], ept[16], vp[16], mg[16], now[32];

	wall_time(now, sizeof(now));
	top_fmt_rate(t->events_rate, ev, sizeof(ev));
	top_fmt_rate(t->seamcalls_rate, sc, sizeof(sc));
	top_fmt_rate(t->ept_rate, ept, sizeof(ept));
	top_fmt_rate(t->vp_rate, vp, sizeof(vp));
	top_fmt_rate(t->mapgpa_rate, mg, sizeof(mg));
	fprintf(f, "tdxtop %s  %s  host %s  kernel %s  mode %s  %s %.2fs  TDs %zu  cpu %.1f%%%s\n",
		TDXTRACE_VERSION, now, a->host, a->kernel, a->mode,
		a->cumulative ? "since start" : "window", t->dt, t->n_td,
		a->cpu_pct, a->ended ? "  [end of source]" : "");
	fprintf(f, "events %s/s  SEAMCALL %s/s  EPT %s/s  VP.ENTER %s/s  MapGPA %s/s  "
		"dropped %llu (+%llu)  lost %llu (+%llu)  filtered %llu\n",
		ev, sc, ept, vp, mg,
		(unsigned long long)t->dropped_total, (unsigned long long)t->dropped,
		(unsigned long long)t->lost_total, (unsigned long long)t->lost,
		(unsigned long long)t->filtered_total);
	if (t->dropped_total) {
		char maps[96];

		top_dropped_maps(t, maps, sizeof(maps));
		fprintf(f, "dropped: map full: %s\n", maps);
	}
	if (a->missing && *a->missing)
		fprintf(f, "not observable in this mode: %s\n", a->missing);
	fprintf(f, "\n");
	print_table(f, a, TOP_VIEW_TD);
	fprintf(f, "\n");
	print_table(f, a, TOP_VIEW_LEAF);
	fprintf(f, "\n");
	if (a->view == TOP_VIEW_MAPGPA || a->view == TOP_VIEW_MIX) {	/* -V */
		print_table(f, a, a->view);
		fprintf(f, "\n");
	}
}

/* ------------------------------------------------------------- JSON */

/* a number, or null when it is unknown (NAN: a rate over a span of 0) */
static struct json_object *jnum(double d)
{
	return isfinite(d) ? json_object_new_double(d) : NULL;
}

static struct json_object *ju64(__u64 v)
{
	return json_object_new_uint64(v);
}

/* Members from the column table, then extra raw counts per view. */
static struct json_object *row_json(enum top_view v, const void *row)
{
	struct json_object *o = json_object_new_object();
	size_t n;
	const struct top_col *c = top_cols(v, &n);

	for (size_t i = 0; i < n; i++) {
		const char *p = (const char *)row + c[i].off;
		struct json_object *val;

		switch (c[i].kind) {
		case TOP_C_U32:
			val = json_object_new_int64(*(const __u32 *)p);
			break;
		case TOP_C_STR:
			val = json_object_new_string(p);
			break;
		case TOP_C_LEAF: {
			int leaf = *(const int *)p;
			const char *name = leaf >= 0 ? tdx_leaf_name((__u32)leaf) : NULL;

			val = leaf < 0 ? NULL : json_object_new_string(name ? name : "?");
			break;
		}
		case TOP_C_COUNT:
			val = ju64(*(const __u64 *)p);
			break;
		case TOP_C_PCT:
			val = *(const double *)p < 0 ? NULL : jnum(*(const double *)p);
			break;
		default:
			val = jnum(*(const double *)p);
			break;
		}
		json_object_object_add(o, c[i].json, val);
	}
	if (v == TOP_VIEW_TD) {
		const struct top_td *r = row;

		json_object_object_add(o, "seamcalls", ju64(r->sc));
		json_object_object_add(o, "slowest_leaf_p99_ns", jnum(r->slow_p99));
		json_object_object_add(o, "busy", ju64(r->busy));
		json_object_object_add(o, "ept_private", ju64(r->ept_priv));
		json_object_object_add(o, "ept_shared", ju64(r->ept_shared));
		json_object_object_add(o, "mapgpa_conv", ju64(r->conv));
		json_object_object_add(o, "mapgpa_bytes", ju64(r->conv_bytes));
		json_object_object_add(o, "frozen_retries", ju64(r->frozen));
	} else if (v == TOP_VIEW_LEAF) {
		const struct top_leaf *r = row;

		json_object_object_add(o, "leaf", json_object_new_int(r->leaf));
		json_object_object_add(o, "count", ju64(r->count));
		json_object_object_add(o, "errors", ju64(r->errors));
		json_object_object_add(o, "success", ju64(r->status[TDX_SC_SUCCESS]));
	} else if (v == TOP_VIEW_MAPGPA) {
		const struct top_map *r = row;

		json_object_object_add(o, "requests", ju64(r->req));
		json_object_object_add(o, "chunks", ju64(r->chunks));
	} else {
		const struct top_mix *r = row;

		json_object_object_add(o, "redundant", ju64(r->redundant));
	}
	return o;
}

static struct json_object *rows_json(struct top_app *a, enum top_view v)
{
	struct json_object *arr = json_object_new_array();
	size_t n, size;
	const char *rows = top_rows(&a->model, v, &n, &size);

	for (size_t i = 0; i < n; i++)
		if (top_match(v, rows + i * size, a->filter[v]))
			json_object_array_add(arr, row_json(v, rows + i * size));
	return arr;
}

int top_print_json(FILE *f, struct top_app *a)
{
	const struct top_totals *t = &a->model.tot;
	struct tdx_json_window w = {
		.index = a->iter,
		.interval_ns = (__u64)(a->interval * 1e9 + 0.5),
		.span_ns = (__u64)(t->dt * 1e9 + 0.5),
		.cumulative = a->cumulative,
		.eos_known = a->offline,
		.end_of_source = a->ended,
	};
	struct json_object *o, *x, *by;
	struct tdx_snapshot env;
	char now[32];
	const char *s;
	int ret;

	/* the envelope: the window's counters, the session's mode */
	env = a->cumulative || !a->have_win ? a->cur : a->win;
	env.mode = tdx_mode(a->s);
	env.ts_ns = a->cur.ts_ns;
	o = tdx_json_envelope("tdxtop", &a->cl, &env, &w);
	if (!o)
		return -1;
	wall_time(now, sizeof(now));
	json_object_object_add(o, "time", json_object_new_string(now));
	json_object_object_add(o, "iteration", json_object_new_int64(a->iter));
	json_object_object_add(o, "interval_s", jnum(a->interval));
	json_object_object_add(o, "window_s", jnum(t->dt));
	json_object_object_add(o, "cumulative", json_object_new_boolean(a->cumulative));
	json_object_object_add(o, "missing", json_object_new_string(a->missing ? a->missing : ""));
	json_object_object_add(o, "host", json_object_new_string(a->host));
	json_object_object_add(o, "kernel", json_object_new_string(a->kernel));
	json_object_object_add(o, "end_of_source", json_object_new_boolean(a->ended));
	json_object_object_add(o, "td_count", json_object_new_int64((int64_t)t->n_td));

	x = json_object_new_object();
	json_object_object_add(x, "events", ju64(t->events));
	json_object_object_add(x, "events_per_s", jnum(t->events_rate));
	json_object_object_add(x, "seamcalls", ju64(t->seamcalls));
	json_object_object_add(x, "seamcalls_per_s", jnum(t->seamcalls_rate));
	json_object_object_add(x, "ept_violations", ju64(t->ept));
	json_object_object_add(x, "ept_violations_per_s", jnum(t->ept_rate));
	json_object_object_add(x, "vp_enters", ju64(t->vp));
	json_object_object_add(x, "vp_enters_per_s", jnum(t->vp_rate));
	json_object_object_add(x, "mapgpa_requests", ju64(t->mapgpa));
	json_object_object_add(x, "mapgpa_requests_per_s", jnum(t->mapgpa_rate));
	json_object_object_add(x, "frozen_retries", ju64(t->frozen));
	json_object_object_add(x, "mixed_events", ju64(t->mix));
	json_object_object_add(o, "totals", x);

	x = json_object_new_object();
	json_object_object_add(x, "window", ju64(t->dropped));
	json_object_object_add(x, "total", ju64(t->dropped_total));
	by = json_object_new_object();
	for (int i = 0; i < TDX_MAP_ID_MAX; i++)
		json_object_object_add(by, tdx_map_name((enum tdx_map_id)i), ju64(t->dropped_by_map[i]));
	json_object_object_add(x, "by_map", by);
	json_object_object_add(o, "dropped", x);
	x = json_object_new_object();
	json_object_object_add(x, "window", ju64(t->lost));
	json_object_object_add(x, "total", ju64(t->lost_total));
	json_object_object_add(o, "lost", x);
	json_object_object_add(o, "filtered", ju64(t->filtered_total));
	json_object_object_add(o, "bad_input", ju64(t->bad_input));

	x = json_object_new_object();
	json_object_object_add(x, "cpu_pct", jnum(a->cpu_pct));
	json_object_object_add(x, "max_rss_kb", json_object_new_int64(a->rss_kb));
	json_object_object_add(x, "refresh_us", jnum(a->refresh_us));
	json_object_object_add(x, "snapshot_us", jnum(a->snapshot_us));
	json_object_object_add(x, "model_us", jnum(a->model_us));
	json_object_object_add(x, "advance_us", jnum(a->advance_us));
	json_object_object_add(x, "print_us", jnum(a->draw_us));
	json_object_object_add(x, "snapshot_cpu_us", jnum(a->snapshot_cpu_us));
	json_object_object_add(x, "model_cpu_us", jnum(a->model_cpu_us));
	json_object_object_add(x, "advance_cpu_us", jnum(a->advance_cpu_us));
	json_object_object_add(x, "print_cpu_us", jnum(a->draw_cpu_us));
	json_object_object_add(o, "self", x);

	json_object_object_add(o, "tds", rows_json(a, TOP_VIEW_TD));
	json_object_object_add(o, "leaves", rows_json(a, TOP_VIEW_LEAF));
	json_object_object_add(o, "mapgpa", rows_json(a, TOP_VIEW_MAPGPA));
	json_object_object_add(o, "mixing", rows_json(a, TOP_VIEW_MIX));

	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	ret = s && fprintf(f, "%s\n", s) > 0 ? 0 : -1;
	json_object_put(o);
	return ret;
}
