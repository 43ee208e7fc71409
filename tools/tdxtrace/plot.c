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

int cli_plot_lat(const struct cli *c, const struct tdx_snapshot *s)
{
	struct { __u32 leaf; __u64 count; __u64 l2[TDX_LOG2_SLOTS]; } rows[TDX_LEAF_MAX];
	size_t n = 0;
	struct plot pl;
	int err;

	memset(rows, 0, sizeof(rows));
	for (size_t i = 0; i < s->n_leaf; i++) {
		__u32 leaf = s->leaf[i].key.leaf;
		__u64 l2[TDX_LOG2_SLOTS];
		size_t j;

		if (leaf >= TDX_LEAF_MAX || !s->leaf[i].v.count)
			continue;
		for (j = 0; j < n; j++)
			if (rows[j].leaf == leaf)
				break;
		if (j == n)
			rows[n++].leaf = leaf;
		tdx_hist_log2(s->leaf[i].v.hist, l2);
		for (int b = 0; b < TDX_LOG2_SLOTS; b++)
			rows[j].l2[b] += l2[b];
		rows[j].count += s->leaf[i].v.count;
	}
	err = plot_begin(&pl, c->plot, "SEAMCALL latency per leaf (log2 buckets)");
	if (err)
		return err;
	fprintf(pl.p, "set logscale x 2\nset xlabel 'latency (%s, bucket upper bound)'\n"
		"set ylabel 'calls'\nset format x '%%g'\n", c->unit_name);
	for (size_t j = 0; j < n; j++) {
		fprintf(pl.p, "$L%zu << EOD\n", j);
		for (int b = 1; b < TDX_LOG2_SLOTS; b++)
			if (rows[j].l2[b])
				fprintf(pl.p, "%g %llu\n", (double)(1ULL << b) / (double)c->unit_div,
					(unsigned long long)rows[j].l2[b]);
		fprintf(pl.p, "EOD\n");
	}
	if (!n) {
		fprintf(pl.p, "set label 'no SEAMCALL' at graph 0.5,0.5 center\n"
			"plot [1:2] 1/0 notitle\n");
	} else {
		fprintf(pl.p, "plot ");
		for (size_t j = 0; j < n; j++) {
			char lb[32];
			const char *name = tdx_leaf_label(rows[j].leaf, lb, sizeof(lb));

			fprintf(pl.p, "%s$L%zu using 1:2 with linespoints title '%s'",
				j ? ", " : "", j, name);
		}
		fprintf(pl.p, "\n");
	}
	return plot_end(&pl);
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
