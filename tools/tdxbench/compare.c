// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * compare.c - `tdxbench compare`: per row (leaf or event) and metric, the
 * ratio new/base of the per-round values with a bootstrap CI, a
 * Mann-Whitney U test across rounds, a correction across every tested row,
 * and a verdict; text table, JSON and gnuplot output.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "tdxtrace.h"
#include "source.h"
#include "tdxbench.h"
#include "envelope.h"

static const struct tb_row *find_row(const struct tb_result *r, const char *name,
				     const char *kind)
{
	for (size_t i = 0; i < r->nrows; i++)
		if (!strcmp(r->rows[i].name, name) && !strcmp(r->rows[i].kind, kind))
			return &r->rows[i];
	return NULL;
}

static size_t values(const struct tb_result *r, const struct tb_row *row,
		     enum tb_metric m, double *out)
{
	size_t n = 0;

	if (!row)
		return 0;
	for (size_t k = 0; k < r->rounds; k++)
		if (row->round[k].count)
			out[n++] = row->round[k].v[m];
	return n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Median of the per-round event counts of a row (all rounds). */
static uint64_t median_count(const struct tb_result *r, const struct tb_row *row)
{
	uint64_t *c, m;

	if (!row || !r->rounds)
		return 0;
	c = malloc(r->rounds * sizeof(*c));
	if (!c)
		return 0;
	for (size_t k = 0; k < r->rounds; k++)
		c[k] = row->round[k].count;
	qsort(c, r->rounds, sizeof(*c), cmp_u64);
	m = c[r->rounds / 2];
	free(c);
	return m;
}

static int add_row(struct tb_cmp *c, size_t *cap)
{
	if (c->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 32;
		struct tb_cmp_row *nr = realloc(c->rows, nc * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		c->rows = nr;
		*cap = nc;
	}
	memset(&c->rows[c->n], 0, sizeof(c->rows[0]));
	c->n++;
	return 0;
}

int tb_compare(const struct tb_result *a, const struct tb_result *b,
	       const struct tb_cmp_opts *o, struct tb_cmp *out)
{
	size_t cap = 0, maxr = a->rounds > b->rounds ? a->rounds : b->rounds;
	double *x = NULL, *y = NULL, *p = NULL, *padj = NULL;
	size_t *idx = NULL, np = 0;
	int err = -ENOMEM;

	memset(out, 0, sizeof(*out));
	x = malloc((maxr + 1) * sizeof(*x));
	y = malloc((maxr + 1) * sizeof(*y));
	if (!x || !y)
		goto fail;

	/* rows of base in order, then rows only in new */
	for (int pass = 0; pass < 2; pass++) {
		const struct tb_result *r = pass ? b : a;

		for (size_t i = 0; i < r->nrows; i++) {
			const struct tb_row *row = &r->rows[i];
			const struct tb_row *ra = pass ? find_row(a, row->name, row->kind) : row;
			const struct tb_row *rb = find_row(b, row->name, row->kind);

			if (pass && ra)
				continue;	/* already done */
			for (int m = 0; m < TB_M_MAX; m++) {
				struct tb_cmp_row *cr;

				if (!(o->metrics & (1u << m)))
					continue;
				if (add_row(out, &cap))
					goto fail;
				cr = &out->rows[out->n - 1];
				snprintf(cr->name, sizeof(cr->name), "%s", row->name);
				snprintf(cr->kind, sizeof(cr->kind), "%s", row->kind);
				cr->leaf = row->leaf;
				cr->metric = (enum tb_metric)m;
				cr->p = cr->p_adj = NAN;
				cr->ratio = cr->lo = cr->hi = NAN;
				cr->n = values(a, ra, m, x);
				cr->m = values(b, rb, m, y);
				cr->base = cr->n ? tb_mean(x, cr->n) : NAN;
				cr->new = cr->m ? tb_mean(y, cr->m) : NAN;
				cr->verdict = TB_UNKNOWN;
				if (!ra || !rb) {
					cr->note = ra ? "only in base" : "only in new";
					continue;
				}
				if (cr->n < TB_MIN_ROUNDS || cr->m < TB_MIN_ROUNDS) {
					cr->note = "too few rounds with events";
					continue;
				}
				/*
				 * A quantile of a handful of events is not a stable
				 * per-round statistic: such rows would spend the
				 * correction's budget and raise false alarms.
				 */
				if (median_count(a, ra) < o->min_events ||
				    median_count(b, rb) < o->min_events) {
					cr->note = "too few events per round (see --min-events)";
					continue;
				}
				if (cr->base <= 0) {
					cr->note = "base is zero";
					continue;
				}
				struct tb_mwu u;
				struct tb_ci ci;

				err = tb_mwu(x, cr->n, y, cr->m, &u);
				if (!err)
					err = tb_bootstrap_ratio(x, cr->n, y, cr->m, o->level,
								 o->boot_iters,
								 tb_derive_seed(o->seed, out->n),
								 &ci);
				if (err == -ENOMEM)
					goto fail;
				if (err) {
					cr->note = "statistics undefined";
					err = 0;
					continue;
				}
				cr->p = u.p;
				cr->exact = u.exact;
				cr->ratio = ci.est;
				cr->lo = ci.lo;
				cr->hi = ci.hi;
			}
		}
	}

	/* correction across every tested row */
	p = malloc((out->n + 1) * sizeof(*p));
	padj = malloc((out->n + 1) * sizeof(*padj));
	idx = malloc((out->n + 1) * sizeof(*idx));
	if (!p || !padj || !idx)
		goto fail;
	for (size_t i = 0; i < out->n; i++)
		if (!isnan(out->rows[i].p)) {
			idx[np] = i;
			p[np++] = out->rows[i].p;
		}
	if (tb_p_adjust(o->corr, p, np, padj))
		goto fail;
	out->tested = np;
	for (size_t k = 0; k < np; k++) {
		struct tb_cmp_row *cr = &out->rows[idx[k]];
		struct tb_verdict_in vi = {
			.n = cr->n, .m = cr->m, .ratio = cr->ratio, .lo = cr->lo,
			.hi = cr->hi, .p_adj = padj[k], .alpha = o->alpha,
			.threshold = o->threshold,
		};

		cr->p_adj = padj[k];
		cr->verdict = tb_verdict(&vi);
		if (cr->verdict == TB_UNKNOWN)
			cr->note = "inconclusive: run more rounds";
	}
	for (size_t i = 0; i < out->n; i++)
		out->counts[out->rows[i].verdict]++;
	err = 0;
fail:
	free(x);
	free(y);
	free(p);
	free(padj);
	free(idx);
	if (err)
		tb_cmp_free(out);
	return err;
}

void tb_cmp_free(struct tb_cmp *c)
{
	free(c->rows);
	memset(c, 0, sizeof(*c));
}

int tb_cmp_exit(const struct tb_cmp *c)
{
	return c->counts[TB_SLOWER] ? TDX_EXIT_FAIL : TDX_EXIT_OK;
}

/* ------------------------------------------------------------ text output */

static void fmt_ns(char *buf, size_t len, double ns)
{
	if (isnan(ns))
		snprintf(buf, len, "-");
	else if (ns >= 1e9)
		snprintf(buf, len, "%.3g s", ns / 1e9);
	else if (ns >= 1e6)
		snprintf(buf, len, "%.4g ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(buf, len, "%.4g us", ns / 1e3);
	else
		snprintf(buf, len, "%.4g ns", ns);
}

static void fmt_pct(char *buf, size_t len, double ratio)
{
	if (isnan(ratio))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%+.1f%%", (ratio - 1) * 100);
}

void tb_cmp_print(FILE *f, const struct tb_cmp *c, const struct tb_cmp_opts *o,
		  bool all)
{
	const char *last = "";

	fprintf(f, "%-24s %-5s %10s %10s %8s %19s %5s %8s  %s\n", "ROW", "STAT", "BASE",
		"NEW", "CHANGE", "95% CI", "N", "P(ADJ)", "VERDICT");
	for (size_t i = 0; i < c->n; i++) {
		const struct tb_cmp_row *r = &c->rows[i];
		char b[24], n[24], ch[16], lo[16], hi[16], ci[40], pv[16], nn[16];

		/* same and untested rows: one line (p50) unless --all */
		if (!all && r->metric != TB_M_P50 &&
		    (r->verdict == TB_SAME || isnan(r->p)))
			continue;
		fmt_ns(b, sizeof(b), r->base);
		fmt_ns(n, sizeof(n), r->new);
		fmt_pct(ch, sizeof(ch), r->ratio);
		fmt_pct(lo, sizeof(lo), r->lo);
		fmt_pct(hi, sizeof(hi), r->hi);
		if (isnan(r->lo))
			snprintf(ci, sizeof(ci), "-");
		else
			snprintf(ci, sizeof(ci), "[%s, %s]", lo, hi);
		if (isnan(r->p_adj))
			snprintf(pv, sizeof(pv), "-");
		else
			snprintf(pv, sizeof(pv), "%.2g", r->p_adj);
		snprintf(nn, sizeof(nn), "%zu/%zu", r->n, r->m);
		fprintf(f, "%-24s %-5s %10s %10s %8s %19s %5s %8s  %s%s%s%s\n",
			strcmp(last, r->name) ? r->name : "", tb_metric_names[r->metric],
			b, n, ch, ci, nn, pv, tb_verdict_name(r->verdict),
			r->note && r->verdict == TB_UNKNOWN ? " (" : "",
			r->note && r->verdict == TB_UNKNOWN ? r->note : "",
			r->note && r->verdict == TB_UNKNOWN ? ")" : "");
		last = r->name;
	}
	fprintf(f, "\n%zu rows: %zu slower, %zu faster, %zu same, %zu unknown "
		"(Mann-Whitney U, %s correction over %zu tests, alpha %g, threshold %g%%, "
		"%g%% bootstrap CI of the ratio of round means, rows with >= %llu events per round)\n",
		c->n, c->counts[TB_SLOWER], c->counts[TB_FASTER], c->counts[TB_SAME],
		c->counts[TB_UNKNOWN], tb_correction_name(o->corr), c->tested, o->alpha,
		o->threshold * 100, o->level * 100, (unsigned long long)o->min_events);
	if (!all)
		fprintf(f, "(rows that are \"same\" or untested show p50 only; --all shows every row)\n");
	if (c->counts[TB_SLOWER])
		fprintf(f, "REGRESSION: %zu row(s) significantly slower\n", c->counts[TB_SLOWER]);
}

static json_object *jnum(double v)
{
	return isnan(v) ? NULL : json_object_new_double(v);
}

static const char *meta_s(const struct tb_result *r, const char *k, const char *dflt)
{
	json_object *v;

	if (r->meta && json_object_object_get_ex(r->meta, k, &v) &&
	    json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return dflt;
}

/*
 * The envelope of every JSON output (docs/cli.md): the NEW result's
 * source (its workload, source and mode), its span (the rounds' source
 * time), one window per round, its counters summed over the rounds (null
 * for a file written before they were kept); ts_ns: when compared.
 */
static json_object *cmp_envelope(const struct tb_result *nr)
{
	struct tdx_json_window w = { .index = -1, .cumulative = true };
	json_object *v, *counters = NULL;
	const char *type = meta_s(nr, "source", "live");
	struct timespec ts;

	if (strcmp(type, "sim") && strcmp(type, "replay"))
		type = "live";
	if (nr->meta && json_object_object_get_ex(nr->meta, "span_ns", &v))
		w.span_ns = (__u64)json_object_get_uint64(v);
	if (nr->meta && json_object_object_get_ex(nr->meta, "duration_s", &v))
		w.interval_ns = (__u64)(json_object_get_double(v) * 1e9 + 0.5);
	if (nr->meta && json_object_object_get_ex(nr->meta, "counters", &v) &&
	    json_object_is_type(v, json_type_object))
		counters = json_object_get(v);
	clock_gettime(CLOCK_REALTIME, &ts);
	return tdx_json_envelope_of("tdxbench compare", type, meta_s(nr, "workload", ""),
				    meta_s(nr, "mode", type), (__u64)ts.tv_sec * 1000000000ULL +
				    (__u64)ts.tv_nsec, &w, counters);
}

int tb_cmp_write_json(FILE *f, const struct tb_cmp *c, const struct tb_cmp_opts *o,
		      const struct tb_result *nr, const char *base_name, const char *new_name)
{
	json_object *root = cmp_envelope(nr), *opt = json_object_new_object();
	json_object *rows = json_object_new_array(), *sum = json_object_new_object();

	json_object_object_add(root, "format", json_object_new_string("tdxbench-compare"));
	json_object_object_add(root, "base", json_object_new_string(base_name));
	json_object_object_add(root, "new", json_object_new_string(new_name));
	json_object_object_add(opt, "threshold", json_object_new_double(o->threshold));
	json_object_object_add(opt, "alpha", json_object_new_double(o->alpha));
	json_object_object_add(opt, "ci_level", json_object_new_double(o->level));
	json_object_object_add(opt, "bootstrap", json_object_new_int((int)o->boot_iters));
	json_object_object_add(opt, "correction",
			       json_object_new_string(tb_correction_name(o->corr)));
	json_object_object_add(opt, "test", json_object_new_string("mann-whitney-u"));
	json_object_object_add(opt, "min_events", json_object_new_uint64(o->min_events));
	json_object_object_add(root, "options", opt);
	for (size_t i = 0; i < c->n; i++) {
		const struct tb_cmp_row *r = &c->rows[i];
		json_object *j = json_object_new_object();

		json_object_object_add(j, "name", json_object_new_string(r->name));
		json_object_object_add(j, "kind", json_object_new_string(r->kind));
		if (r->leaf >= 0)
			json_object_object_add(j, "leaf", json_object_new_int(r->leaf));
		json_object_object_add(j, "metric",
				       json_object_new_string(tb_metric_names[r->metric]));
		json_object_object_add(j, "rounds_base", json_object_new_int64((int64_t)r->n));
		json_object_object_add(j, "rounds_new", json_object_new_int64((int64_t)r->m));
		json_object_object_add(j, "base_ns", jnum(r->base));
		json_object_object_add(j, "new_ns", jnum(r->new));
		json_object_object_add(j, "ratio", jnum(r->ratio));
		json_object_object_add(j, "ci_lo", jnum(r->lo));
		json_object_object_add(j, "ci_hi", jnum(r->hi));
		json_object_object_add(j, "p", jnum(r->p));
		json_object_object_add(j, "p_adj", jnum(r->p_adj));
		json_object_object_add(j, "exact", json_object_new_boolean(r->exact));
		json_object_object_add(j, "verdict",
				       json_object_new_string(tb_verdict_name(r->verdict)));
		if (r->note)
			json_object_object_add(j, "note", json_object_new_string(r->note));
		json_object_array_add(rows, j);
	}
	json_object_object_add(root, "rows", rows);
	for (int v = 0; v <= TB_UNKNOWN; v++)
		json_object_object_add(sum, tb_verdict_name(v),
				       json_object_new_int64((int64_t)c->counts[v]));
	json_object_object_add(sum, "tested", json_object_new_int64((int64_t)c->tested));
	json_object_object_add(root, "summary", sum);
	json_object_object_add(root, "regression", json_object_new_boolean(tb_cmp_exit(c)));
	fprintf(f, "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return ferror(f) ? -EIO : 0;
}

/* -------------------------------------------------------------- plotting */

/* Pooled histogram over all rounds of a row; returns total count. */
static uint64_t pooled(const struct tb_result *r, const struct tb_row *row,
		       uint64_t *h)
{
	uint64_t tot = 0;

	memset(h, 0, TDX_HIST_SLOTS * sizeof(*h));
	if (!row)
		return 0;
	for (size_t k = 0; k < r->rounds; k++)
		for (size_t s = 0; s < row->round[k].nslots; s++) {
			h[row->round[k].slot[s]] += row->round[k].slot_count[s];
			tot += row->round[k].slot_count[s];
		}
	return tot;
}

static const char *verdict_of(const struct tb_cmp *c, const char *name)
{
	enum tb_verdict v = TB_SAME;

	for (size_t i = 0; i < c->n; i++) {
		if (strcmp(c->rows[i].name, name))
			continue;
		if (c->rows[i].verdict == TB_SLOWER)
			return "slower";
		if (c->rows[i].verdict == TB_FASTER)
			v = TB_FASTER;
		else if (c->rows[i].verdict == TB_UNKNOWN && v == TB_SAME)
			v = TB_UNKNOWN;
	}
	return tb_verdict_name(v);
}

int tb_cmp_plot(const struct tb_result *a, const struct tb_result *b,
		const struct tb_cmp *c, const char *out_path)
{
	char dir[] = "/tmp/tdxbench-plot.XXXXXX", dat[4200], gp[4200];
	const char *ext = strrchr(out_path, '.');
	const char *term;
	uint64_t ha[TDX_HIST_SLOTS], hb[TDX_HIST_SLOTS];
	FILE *df, *gf;
	int nplots = 0, status, err = 0;
	pid_t pid;

	if (ext && !strcmp(ext, ".svg"))
		term = "svg size 1200,%d dynamic noenhanced font 'sans,10'";
	else if (ext && !strcmp(ext, ".png"))
		term = "pngcairo size 1200,%d noenhanced font 'sans,9'";
	else {
		tdx_set_error("--plot %s: use a .svg or .png file name", out_path);
		return -EINVAL;
	}
	if (!mkdtemp(dir)) {
		tdx_set_error("--plot: mkdtemp: %s", strerror(errno));
		return -errno;
	}
	snprintf(dat, sizeof(dat), "%s/cdf.dat", dir);
	snprintf(gp, sizeof(gp), "%s/plot.gp", dir);
	df = fopen(dat, "w");
	gf = fopen(gp, "w");
	if (!df || !gf) {
		tdx_set_error("--plot: cannot write in %s", dir);
		err = -EIO;
		goto out;
	}
	/* one data block per (row, side): x = slot upper bound (us), y = CDF */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < a->nrows; i++) {
			const struct tb_row *ra = &a->rows[i];
			const struct tb_row *rb = find_row(b, ra->name, ra->kind);
			uint64_t ta = pooled(a, ra, ha), tbb = pooled(b, rb, hb);

			if (!ta || !tbb)
				continue;
			if (pass == 0) {
				for (int side = 0; side < 2; side++) {
					const uint64_t *h = side ? hb : ha;
					uint64_t t = side ? tbb : ta, cum = 0;

					for (int s = 0; s < TDX_HIST_SLOTS; s++) {
						if (!h[s])
							continue;
						if (!cum)
							fprintf(df, "%g 0\n",
								(double)tdx_hist_slot_lo(s) / 1e3);
						cum += h[s];
						fprintf(df, "%g %g\n",
							(double)tdx_hist_slot_hi(s) / 1e3,
							(double)cum / (double)t);
					}
					fprintf(df, "\n\n");
				}
				nplots++;
			}
		}
	if (!nplots) {
		tdx_set_error("--plot: no row has histograms on both sides");
		err = -EINVAL;
		goto out;
	}
	{
		int cols = nplots > 1 ? 2 : 1, rows_ = (nplots + cols - 1) / cols, k = 0;

		fprintf(gf, "set terminal ");
		fprintf(gf, term, 300 * rows_ + 60);
		fprintf(gf, "\nset output '%s'\n", out_path);
		fprintf(gf, "set multiplot layout %d,%d title 'tdxbench: base (blue) vs new (red), "
			"CDF of latency'\n", rows_, cols);
		fprintf(gf, "set logscale x\nset xlabel 'us'\nset ylabel 'CDF'\n"
			"set yrange [0:1]\nset grid\nset key bottom right\n");
		for (size_t i = 0; i < a->nrows; i++) {
			const struct tb_row *ra = &a->rows[i];
			const struct tb_row *rb = find_row(b, ra->name, ra->kind);

			if (!pooled(a, ra, ha) || !pooled(b, rb, hb))
				continue;
			fprintf(gf, "set title \"%s (%s)\"\n", ra->name, verdict_of(c, ra->name));
			fprintf(gf, "plot '%s' index %d with steps lw 2 lc rgb '#1f77b4' title 'base', "
				"'' index %d with steps lw 2 lc rgb '#d62728' title 'new'\n",
				dat, 2 * k, 2 * k + 1);
			k++;
		}
		fprintf(gf, "unset multiplot\n");
	}
	fclose(df);
	fclose(gf);
	df = gf = NULL;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		goto out;
	}
	if (pid == 0) {
		execlp("gnuplot", "gnuplot", gp, (char *)NULL);
		fprintf(stderr, "tdxbench: cannot run gnuplot: %s (install gnuplot-nox)\n",
			strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		tdx_set_error("--plot: gnuplot failed (script kept in %s)", gp);
		return -EIO;
	}
out:
	if (df)
		fclose(df);
	if (gf)
		fclose(gf);
	if (!err) {
		unlink(dat);
		unlink(gp);
		rmdir(dir);
	}
	return err;
}
