// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * plot.c - --plot FILE.svg|png through gnuplot.  The script and its data
 * (inline data blocks) go down a pipe; gnuplot writes a temporary file next
 * to FILE, which is renamed over FILE only once gnuplot succeeded, so a
 * reader never sees half a plot.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

const char *cli_plot_terminal(const char *path)
{
	size_t n = path ? strlen(path) : 0;

	if (!n || strchr(path, '\'') || strchr(path, '\n'))
		return NULL;
	if (n > 4 && !strcasecmp(path + n - 4, ".svg"))
		return "svg size 900,600 dynamic";
	if (n > 4 && !strcasecmp(path + n - 4, ".png"))
		return "pngcairo size 900,600";
	return NULL;
}

struct plot {
	FILE *p;
	char tmp[4096];
	const char *path;
};

static int plot_begin(struct plot *pl, const char *path, const char *title)
{
	const char *term = cli_plot_terminal(path);
	int fd;

	pl->path = path;
	if (!term) {
		fprintf(stderr, "tdxtrace: --plot: unsupported file type '%s'\n", path);
		return -EINVAL;
	}
	if (snprintf(pl->tmp, sizeof(pl->tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(pl->tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(pl->tmp);
	if (fd < 0) {
		int err = errno;

		fprintf(stderr, "tdxtrace: --plot: cannot create a file next to %s: %s\n",
			path, strerror(err));
		return -err;
	}
	/* mkstemp makes 0600: a plot is 0644 under the umask, as any new file */
	{
		mode_t um = umask(0);

		umask(um);
		if (fchmod(fd, 0644 & ~um)) {
			int err = errno;

			close(fd);
			unlink(pl->tmp);
			fprintf(stderr, "tdxtrace: --plot: %s: %s\n", pl->tmp, strerror(err));
			return -err;
		}
	}
	close(fd);
	fflush(NULL);
	pl->p = popen("exec gnuplot >/dev/null", "w");
	if (!pl->p) {
		int err = errno;

		unlink(pl->tmp);
		fprintf(stderr, "tdxtrace: --plot: cannot run gnuplot: %s\n", strerror(err));
		return -err;
	}
	fprintf(pl->p, "set terminal %s\nset output '%s'\nset title '%s' noenhanced\n"
		"set key outside right top noenhanced\nset grid\n", term, pl->tmp, title);
	return 0;
}

static int plot_end(struct plot *pl)
{
	struct stat st;
	int status;

	fprintf(pl->p, "unset output\nexit\n");
	status = pclose(pl->p);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) ||
	    stat(pl->tmp, &st) || st.st_size == 0) {
		unlink(pl->tmp);
		fprintf(stderr, "tdxtrace: --plot: gnuplot failed%s\n",
			WIFEXITED(status) && WEXITSTATUS(status) == 127 ?
			" (not installed? it is in the gnuplot-nox package)" : "");
		return -EIO;
	}
	if (rename(pl->tmp, pl->path)) {
		int err = errno;

		unlink(pl->tmp);
		fprintf(stderr, "tdxtrace: --plot: rename to %s: %s\n", pl->path, strerror(err));
		return -err;
	}
	return 0;
}

/* One curve: a title and its log2 histogram. */
struct curve {
	char title[96];
	__u32 pid, leaf;
	__u64 l2[TDX_LOG2_SLOTS];
};

static void plot_curves(struct plot *pl, const struct cli *c, const struct curve *cv,
			size_t n)
{
	fprintf(pl->p, "set logscale x 2\nset xlabel 'latency (%s, bucket upper bound)'\n"
		"set ylabel 'calls'\nset format x '%%g'\n", c->unit_name);
	for (size_t j = 0; j < n; j++) {
		fprintf(pl->p, "$L%zu << EOD\n", j);
		for (int b = 1; b < TDX_LOG2_SLOTS; b++)
			if (cv[j].l2[b])
				fprintf(pl->p, "%g %llu\n", (double)(1ULL << b) / (double)c->unit_div,
					(unsigned long long)cv[j].l2[b]);
		fprintf(pl->p, "EOD\n");
	}
	if (!n) {
		fprintf(pl->p, "set label 'no SEAMCALL' at graph 0.5,0.5 center\n"
			"plot [1:2] 1/0 notitle\n");
		return;
	}
	fprintf(pl->p, "plot ");
	for (size_t j = 0; j < n; j++)
		fprintf(pl->p, "%s$L%zu using 1:2 with linespoints title '%s'",
			j ? ", " : "", j, cv[j].title);
	fprintf(pl->p, "\n");
}

/*
 * lat --plot: one curve per leaf (-P: per TD and leaf); with an interval one
 * per interval (-P: per interval and TD), the selected leaves together.
 */
int cli_plot_lat(const struct cli *c, const struct tdx_snapshot *s)
{
	struct curve *cv;
	size_t n = 0, cap;
	struct plot pl;
	int err;

	if (c->interval_ns) {
		cap = c->n_lat_series;
		cv = calloc(cap ? cap : 1, sizeof(*cv));
		if (!cv)
			return -ENOMEM;
		for (size_t i = 0; i < c->n_lat_series; i++) {
			const struct cli_lat_point *p = &c->lat_series[i];

			memcpy(cv[n].l2, p->l2, sizeof(p->l2));
			if (c->per_td)
				snprintf(cv[n].title, sizeof(cv[n].title),
					 "interval %ld (%.2f-%.2f s) TD %u", p->interval,
					 p->t0_s, p->t1_s, p->pid);
			else
				snprintf(cv[n].title, sizeof(cv[n].title),
					 "interval %ld (%.2f-%.2f s)", p->interval, p->t0_s, p->t1_s);
			n++;
		}
	} else {
		cap = s->n_leaf;
		cv = calloc(cap ? cap : 1, sizeof(*cv));
		if (!cv)
			return -ENOMEM;
		for (size_t i = 0; i < s->n_leaf; i++) {
			__u32 leaf = s->leaf[i].key.leaf;
			__u32 pid = c->per_td ? s->leaf[i].key.pid : 0;
			__u64 l2[TDX_LOG2_SLOTS];
			size_t j;

			if (leaf >= TDX_LEAF_MAX || !s->leaf[i].v.count)
				continue;
			for (j = 0; j < n; j++)
				if (cv[j].leaf == leaf && cv[j].pid == pid)
					break;
			if (j == n) {
				char lb[32];
				const char *name = tdx_leaf_label(leaf, lb, sizeof(lb));

				cv[n].leaf = leaf;
				cv[n].pid = pid;
				if (c->per_td)
					snprintf(cv[n].title, sizeof(cv[n].title), "TD %u %s", pid,
						 name);
				else
					snprintf(cv[n].title, sizeof(cv[n].title), "%s",
						 name);
				n++;
			}
			tdx_hist_log2(s->leaf[i].v.hist, l2);
			for (int b = 0; b < TDX_LOG2_SLOTS; b++)
				cv[j].l2[b] += l2[b];
		}
	}
	err = plot_begin(&pl, c->plot, c->interval_ns ?
			 "SEAMCALL latency per interval (log2 buckets)" :
			 c->per_td ? "SEAMCALL latency per TD and leaf (log2 buckets)" :
			 "SEAMCALL latency per leaf (log2 buckets)");
	if (!err) {
		plot_curves(&pl, c, cv, n);
		err = plot_end(&pl);
	}
	free(cv);
	return err;
}

int cli_plot_mix(const struct cli *c)
{
	struct plot pl;
	int err = plot_begin(&pl, c->plot, "Hugepage mixing over time (all TDs)");

	if (err)
		return err;
	fprintf(pl.p, "set xlabel 'time (s)'\nset ylabel 'mixed ranges'\n"
		"set y2label 'private 4K pages mapped'\nset ytics nomirror\nset y2tics\n");
	fprintf(pl.p, "$M << EOD\n");
	for (size_t i = 0; i < c->n_series; i++)
		fprintf(pl.p, "%.6f %lld %lld %lld\n", c->series[i].t_s,
			(long long)c->series[i].mixed_2m, (long long)c->series[i].mixed_1g,
			(long long)c->series[i].private_4k);
	fprintf(pl.p, "EOD\n");
	if (!c->n_series)
		fprintf(pl.p, "set label 'no data' at graph 0.5,0.5 center\n"
			"plot [0:1] 1/0 notitle\n");
	else
		fprintf(pl.p, "plot $M using 1:2 with steps title 'mixed 2M', "
			"$M using 1:3 with steps title 'mixed 1G', "
			"$M using 1:4 axes x1y2 with lines title 'private 4K mapped'\n");
	return plot_end(&pl);
}

int cli_plot_series(const char *path, const char *title, const char *ylabel,
		    const char *extra, const char *const *names, int ncols, const double *rows,
		    size_t nrows)
{
	struct plot pl;
	int err = plot_begin(&pl, path, title);

	if (err)
		return err;
	fprintf(pl.p, "set xlabel 'time (s)'\nset ylabel '%s'\n%s\n$S << EOD\n", ylabel,
		extra ? extra : "");
	for (size_t i = 0; i < nrows; i++) {
		for (int k = 0; k <= ncols; k++) {
			double v = rows[i * (size_t)(ncols + 1) + (size_t)k];

			/* a negative value is "no data yet": gnuplot skips NaN */
			if (k && v < 0)
				fprintf(pl.p, " NaN");
			else
				fprintf(pl.p, k ? " %.6f" : "%.6f", v);
		}
		fprintf(pl.p, "\n");
	}
	fprintf(pl.p, "EOD\n");
	if (!nrows) {
		fprintf(pl.p, "set label 'no data' at graph 0.5,0.5 center\n"
			"plot [0:1] 1/0 notitle\n");
	} else {
		fprintf(pl.p, "plot ");
		for (int k = 0; k < ncols; k++)
			fprintf(pl.p, "%s$S using 1:%d with steps title '%s'", k ? ", " : "", k + 2,
				names[k]);
		fprintf(pl.p, "\n");
	}
	return plot_end(&pl);
}
