// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tdxbench-validate - how often does `tdxbench compare` cry wolf, and how
 * often does it catch a real slowdown?  (`make bench`, not installed.)
 *
 *   A/A: base and new are the same simulator scenario with different seeds;
 *        a comparison that exits 1 (any row "slower") is a false alarm.
 *   A/B: new is regress:LEAF:PCT (the same scenario with one leaf PCT %
 *        slower); a comparison that flags that leaf "slower" detects it.
 *
 * Rounds come from the simulator's event stream aggregated in user space
 * (struct tb_acc: the same histograms the BPF maps hold; test_bench_run
 * checks they are identical to a `tdxbench run` for the same seed), since a
 * BPF session per round would make hundreds of comparisons too slow.  The
 * comparisons themselves are exactly `tdxbench compare` (tb_compare with
 * the command's defaults).  bench/../tdxbench-regress.sh adds a few
 * comparisons through the real `tdxbench run` + `tdxbench compare` path.
 *
 *   tdxbench-validate [--aa N] [--ab N] [--rounds R] [--duration S]
 *                     [--scenario SC] [--leaf LEAF] [--pct P] [--jobs J]
 *                     [--seed S] [--correction C] [-o OUT.json]
 *   tdxbench-validate --emit SPEC --rounds R --seed S [--duration S] -o OUT.json
 *        (a result file as `tdxbench run sim:SPEC` would write it, from the
 *         user-space aggregation: for the equivalence test)
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "tdxtrace.h"
#include "source.h"
#include "tdxbench.h"

struct cfg {
	unsigned aa, ab, rounds, jobs;
	double duration_s;
	const char *scenario;
	const char *leaf;
	double pct;
	uint64_t seed;
	struct tb_cmp_opts cmp;
	const char *out;
};

/* What one comparison found (sent from a worker through a pipe). */
struct outcome {
	uint32_t idx;
	uint8_t ab;
	uint8_t exit1;		/* compare would exit 1 */
	uint8_t leaf_slower;	/* the regressed leaf's row has a "slower" verdict */
	uint8_t err;
	uint32_t rows, slower, unknown, faster;
	double leaf_ratio;	/* p50 ratio of the leaf row */
};

static int build_result(struct tb_result *r, const char *spec, uint64_t base,
			unsigned rounds, double duration_s, struct tb_acc *acc)
{
	char rspec[512];
	uint64_t ss;

	tb_result_init(r, rounds);
	for (unsigned k = 0; k < rounds; k++) {
		int err = tb_sim_round_spec(spec, tb_round_seed(base, k), duration_s,
					    rspec, sizeof(rspec), &ss);

		if (err)
			return err;
		tb_acc_reset(acc);
		err = tb_acc_sim(acc, rspec);
		if (err)
			return err;
		err = tb_acc_to_round(acc, r, k);
		if (err)
			return err;
	}
	tb_result_sort(r);
	return 0;
}

static int one(const struct cfg *c, unsigned idx, bool ab, struct tb_acc *acc,
	       struct outcome *o)
{
	char regress[256];
	struct tb_result a, b;
	struct tb_cmp cmp;
	uint64_t s = tb_derive_seed(c->seed, ab ? 0x4142 : 0x4141);
	int err;

	memset(o, 0, sizeof(*o));
	o->idx = idx;
	o->ab = ab;
	o->leaf_ratio = NAN;
	snprintf(regress, sizeof(regress), "regress:%s:%g", c->leaf, c->pct);
	err = build_result(&a, c->scenario, tb_derive_seed(s, 2 * (uint64_t)idx),
			   c->rounds, c->duration_s, acc);
	if (!err)
		err = build_result(&b, ab ? regress : c->scenario,
				   tb_derive_seed(s, 2 * (uint64_t)idx + 1), c->rounds,
				   c->duration_s, acc);
	if (!err) {
		struct tb_cmp_opts co = c->cmp;

		co.seed = tb_derive_seed(s, idx) | 1;
		err = tb_compare(&a, &b, &co, &cmp);
	}
	if (err) {
		o->err = 1;
		fprintf(stderr, "tdxbench-validate: comparison %u: %s\n", idx,
			tdx_last_error());
	} else {
		int leaf = tdx_leaf_parse(c->leaf);

		o->exit1 = tb_cmp_exit(&cmp);
		o->rows = (uint32_t)cmp.n;
		o->slower = (uint32_t)cmp.counts[TB_SLOWER];
		o->faster = (uint32_t)cmp.counts[TB_FASTER];
		o->unknown = (uint32_t)cmp.counts[TB_UNKNOWN];
		for (size_t i = 0; i < cmp.n; i++) {
			const struct tb_cmp_row *r = &cmp.rows[i];

			if (getenv("TDXBENCH_VALIDATE_DEBUG") && r->verdict == TB_SLOWER &&
			    (!ab || r->leaf != leaf))
				fprintf(stderr, "%s %u: %s %s slower: ratio %.4f [%.4f, %.4f] "
					"p %.3g p_adj %.3g n %zu/%zu base %.1f\n",
					ab ? "A/B" : "A/A", idx, r->name,
					tb_metric_names[r->metric], r->ratio, r->lo, r->hi,
					r->p, r->p_adj, r->n, r->m, r->base);
			if (strcmp(r->kind, "seamcall") || r->leaf != leaf)
				continue;
			if (r->verdict == TB_SLOWER)
				o->leaf_slower = 1;
			if (r->metric == TB_M_P50)
				o->leaf_ratio = r->ratio;
		}
		tb_cmp_free(&cmp);
	}
	tb_result_free(&a);
	tb_result_free(&b);
	return err;
}

/* Wilson score interval of k successes in n at 95 %. */
static void wilson(unsigned k, unsigned n, double *lo, double *hi)
{
	double z = 1.959963984540054, p, d, c, h;

	if (!n) {
		*lo = 0;
		*hi = 1;
		return;
	}
	p = (double)k / n;
	d = 1 + z * z / n;
	c = (p + z * z / (2.0 * n)) / d;
	h = z * sqrt(p * (1 - p) / n + z * z / (4.0 * n * n)) / d;
	*lo = fmax(0, c - h);
	*hi = fmin(1, c + h);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int run_all(const struct cfg *c)
{
	unsigned total = c->aa + c->ab, got = 0;
	struct outcome *res = calloc(total ? total : 1, sizeof(*res));
	int fds[2];
	pid_t *pids = calloc(c->jobs, sizeof(*pids));
	struct timespec t0, t1;
	double wall;

	if (!res || !pids || pipe(fds)) {
		perror("tdxbench-validate");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned j = 0; j < c->jobs; j++) {
		pids[j] = fork();
		if (pids[j] < 0) {
			perror("fork");
			return 1;
		}
		if (pids[j] == 0) {
			struct tb_acc *acc = malloc(sizeof(*acc));

			close(fds[0]);
			if (!acc)
				_exit(1);
			for (unsigned i = j; i < total; i += c->jobs) {
				struct outcome o;
				bool ab = i >= c->aa;

				one(c, ab ? i - c->aa : i, ab, acc, &o);
				if (write(fds[1], &o, sizeof(o)) != sizeof(o))
					_exit(1);
			}
			_exit(0);
		}
	}
	close(fds[1]);
	for (;;) {
		struct outcome o;
		ssize_t n = read(fds[0], &o, sizeof(o));

		if (n != sizeof(o))
			break;
		res[got++] = o;
		if (isatty(2) && got % 20 == 0)
			fprintf(stderr, "\r%u/%u comparisons", got, total);
	}
	if (isatty(2))
		fprintf(stderr, "\n");
	close(fds[0]);
	for (unsigned j = 0; j < c->jobs; j++)
		waitpid(pids[j], NULL, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (got != total) {
		fprintf(stderr, "tdxbench-validate: only %u of %u comparisons finished\n",
			got, total);
		return 1;
	}

	/* tally */
	unsigned errs = 0, fa = 0, aa_slower_rows = 0, aa_unknown = 0, aa_rows = 0;
	unsigned det = 0, ab_exit = 0, ab_other_slower = 0;
	double *ratios = calloc(c->ab + 1, sizeof(double));
	unsigned nr = 0;

	for (unsigned i = 0; i < total; i++) {
		const struct outcome *o = &res[i];

		errs += o->err;
		if (!o->ab) {
			fa += o->exit1;
			aa_slower_rows += o->slower;
			aa_unknown += o->unknown;
			aa_rows += o->rows;
		} else {
			det += o->leaf_slower;
			ab_exit += o->exit1;
			if (!isnan(o->leaf_ratio))
				ratios[nr++] = o->leaf_ratio;
		}
	}
	(void)ab_other_slower;
	qsort(ratios, nr, sizeof(double), cmp_double);
	if (errs) {
		fprintf(stderr, "tdxbench-validate: %u comparisons failed\n", errs);
		return 1;
	}

	double falo, fahi, pwlo, pwhi, far = c->aa ? (double)fa / c->aa : NAN;
	double pw = c->ab ? (double)det / c->ab : NAN;

	wilson(fa, c->aa, &falo, &fahi);
	wilson(det, c->ab, &pwlo, &pwhi);

	json_object *root = json_object_new_object(), *setup = json_object_new_object();
	json_object *jaa = json_object_new_object(), *jab = json_object_new_object();

	json_object_object_add(root, "format", json_object_new_string("tdxbench-validation"));
	json_object_object_add(setup, "path", json_object_new_string(
		"simulator event stream aggregated in user space (struct tb_acc, the "
		"BPF maps' histograms), compared with tb_compare (= tdxbench compare)"));
	json_object_object_add(setup, "scenario", json_object_new_string(c->scenario));
	json_object_object_add(setup, "regress_leaf", json_object_new_string(c->leaf));
	json_object_object_add(setup, "regress_pct", json_object_new_double(c->pct));
	json_object_object_add(setup, "rounds", json_object_new_int((int)c->rounds));
	json_object_object_add(setup, "duration_s", json_object_new_double(c->duration_s));
	json_object_object_add(setup, "threshold", json_object_new_double(c->cmp.threshold));
	json_object_object_add(setup, "alpha", json_object_new_double(c->cmp.alpha));
	json_object_object_add(setup, "correction",
			       json_object_new_string(tb_correction_name(c->cmp.corr)));
	json_object_object_add(setup, "seed", json_object_new_uint64(c->seed));
	json_object_object_add(setup, "min_events", json_object_new_uint64(c->cmp.min_events));
	json_object_object_add(setup, "wall_s", json_object_new_double(wall));
	json_object_object_add(setup, "jobs", json_object_new_int((int)c->jobs));
	json_object_object_add(root, "setup", setup);
	json_object_object_add(jaa, "comparisons", json_object_new_int((int)c->aa));
	json_object_object_add(jaa, "false_alarms", json_object_new_int((int)fa));
	json_object_object_add(jaa, "rate", json_object_new_double(far));
	json_object_object_add(jaa, "rate_ci95_lo", json_object_new_double(falo));
	json_object_object_add(jaa, "rate_ci95_hi", json_object_new_double(fahi));
	json_object_object_add(jaa, "target_max", json_object_new_double(0.01));
	json_object_object_add(jaa, "rows_per_comparison",
			       json_object_new_double(c->aa ? (double)aa_rows / c->aa : 0));
	json_object_object_add(jaa, "slower_rows_total", json_object_new_int((int)aa_slower_rows));
	json_object_object_add(jaa, "unknown_row_fraction",
			       json_object_new_double(aa_rows ? (double)aa_unknown / aa_rows : 0));
	json_object_object_add(root, "aa", jaa);
	json_object_object_add(jab, "comparisons", json_object_new_int((int)c->ab));
	json_object_object_add(jab, "detected", json_object_new_int((int)det));
	json_object_object_add(jab, "power", json_object_new_double(pw));
	json_object_object_add(jab, "power_ci95_lo", json_object_new_double(pwlo));
	json_object_object_add(jab, "power_ci95_hi", json_object_new_double(pwhi));
	json_object_object_add(jab, "target_min", json_object_new_double(0.95));
	json_object_object_add(jab, "exit1", json_object_new_int((int)ab_exit));
	if (nr)
		json_object_object_add(jab, "leaf_p50_ratio_median",
				       json_object_new_double(ratios[nr / 2]));
	json_object_object_add(root, "ab", jab);
	json_object_object_add(root, "pass", json_object_new_boolean(
		(!c->aa || far <= 0.01) && (!c->ab || pw >= 0.95)));
	if (c->out) {
		FILE *f = fopen(c->out, "w");

		if (!f || fprintf(f, "%s\n", json_object_to_json_string_ext(root,
				  JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)) < 0 ||
		    fclose(f)) {
			fprintf(stderr, "tdxbench-validate: cannot write %s\n", c->out);
			return 1;
		}
	}
	printf("tdxbench compare, validated on the simulator (%s, %u rounds x %g s, "
	       "threshold %g%%, alpha %g, %s):\n", c->scenario, c->rounds, c->duration_s,
	       c->cmp.threshold * 100, c->cmp.alpha, tb_correction_name(c->cmp.corr));
	printf("  %-34s %6s %9s %8s %19s %8s\n", "", "comps", "hits", "rate", "95% CI", "target");
	printf("  %-34s %6u %9u %7.2f%% [%6.2f%%, %6.2f%%] %8s\n",
	       "A/A false alarms (exit 1)", c->aa, fa, far * 100, falo * 100, fahi * 100,
	       "<= 1%");
	{
		char what[64];

		snprintf(what, sizeof(what), "A/B %s +%g%% detected", c->leaf, c->pct);
		printf("  %-34s %6u %9u %7.2f%% [%6.2f%%, %6.2f%%] %8s\n", what, c->ab, det,
		       pw * 100, pwlo * 100, pwhi * 100, ">= 95%");
	}
	if (nr)
		printf("  A/B median p50 ratio of the leaf: %.4f; A/A rows per comparison %.1f, "
		       "%.1f%% of them unknown\n", ratios[nr / 2],
		       c->aa ? (double)aa_rows / c->aa : 0,
		       aa_rows ? 100.0 * aa_unknown / aa_rows : 0);
	printf("  (%u comparisons in %.1f s on %u workers)\n", total, wall, c->jobs);
	json_object_put(root);
	free(ratios);
	free(res);
	free(pids);
	return 0;
}

static int emit(const struct cfg *c, const char *spec)
{
	struct tb_result r;
	struct tb_acc *acc = malloc(sizeof(*acc));
	int err;

	if (!acc)
		return 1;
	err = build_result(&r, spec, c->seed, c->rounds, c->duration_s, acc);
	if (!err) {
		json_object_object_add(r.meta, "workload", json_object_new_string(spec));
		json_object_object_add(r.meta, "source",
				       json_object_new_string("user-space aggregation"));
		err = tb_result_write(&r, c->out ? c->out : "-");
	}
	if (err)
		fprintf(stderr, "tdxbench-validate: %s\n", tdx_last_error());
	tb_result_free(&r);
	free(acc);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "aa", required_argument, NULL, 'A' },
		{ "ab", required_argument, NULL, 'B' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 'd' },
		{ "scenario", required_argument, NULL, 'S' },
		{ "leaf", required_argument, NULL, 'L' },
		{ "pct", required_argument, NULL, 'P' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "seed", required_argument, NULL, 's' },
		{ "correction", required_argument, NULL, 'c' },
		{ "threshold", required_argument, NULL, 't' },
		{ "min-events", required_argument, NULL, 'm' },
		{ "emit", required_argument, NULL, 'E' },
		{ "output", required_argument, NULL, 'o' },
		{ 0 },
	};
	struct cfg c = {
		.aa = 500, .ab = 200, .rounds = 10, .jobs = 2, .duration_s = 0.5,
		.scenario = "steady", .leaf = "TDH.MEM.PAGE.AUG", .pct = 5, .seed = 1,
		.cmp = TB_CMP_OPTS_INIT,
	};
	const char *emit_spec = NULL;
	int opt;

	while ((opt = getopt_long(argc, argv, "o:j:", lo, NULL)) != -1) {
		switch (opt) {
		case 'A': c.aa = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'B': c.ab = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'r': c.rounds = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'd': c.duration_s = strtod(optarg, NULL); break;
		case 'S': c.scenario = optarg; break;
		case 'L': c.leaf = optarg; break;
		case 'P': c.pct = strtod(optarg, NULL); break;
		case 'j': c.jobs = (unsigned)strtoul(optarg, NULL, 0); break;
		case 's': c.seed = strtoull(optarg, NULL, 0); break;
		case 't': c.cmp.threshold = strtod(optarg, NULL) / 100; break;
		case 'm': c.cmp.min_events = strtoull(optarg, NULL, 0); break;
		case 'c': {
			int cc = tb_correction_parse(optarg);

			if (cc < 0) {
				fprintf(stderr, "tdxbench-validate: --correction holm|bh|none\n");
				return 2;
			}
			c.cmp.corr = (enum tb_correction)cc;
			break;
		}
		case 'E': emit_spec = optarg; break;
		case 'o': c.out = optarg; break;
		default:
			fprintf(stderr, "usage: see the comment at the top of tools/tdxbench/validate.c\n");
			return 2;
		}
	}
	if (optind != argc || !c.rounds || !c.jobs || c.jobs > 64 || !(c.duration_s > 0) ||
	    tdx_leaf_parse(c.leaf) < 0) {
		fprintf(stderr, "tdxbench-validate: bad arguments\n");
		return 2;
	}
	if (emit_spec)
		return emit(&c, emit_spec);
	return run_all(&c);
}
