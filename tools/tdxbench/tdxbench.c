// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tdxbench - latency regression benchmarks for TDX hosts.
 *
 *   tdxbench run WORKLOAD -o RESULT.json [--rounds N] [--duration S] [--seed N]
 *   tdxbench compare BASE.json NEW.json [--threshold PCT] [--alpha A] [--json]
 *                    [--plot FILE.svg|png] [--correction holm|bh|none] [--all]
 *
 * Exit codes: 0 ok / no significant slowdown, 1 significant slowdown or a
 * runtime error, 2 usage or bad input file, 77 missing privileges.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdxtrace.h"
#include "tdxbench.h"

static const char usage_text[] =
"Usage: tdxbench run WORKLOAD -o RESULT.json [--rounds N] [--duration S] [--seed N] [-v]\n"
"       tdxbench compare BASE.json NEW.json [--threshold PCT] [--alpha A]\n"
"                [--correction holm|bh|none] [--metrics p50,p90,p99,mean]\n"
"                [--bootstrap N] [--min-events N] [--json] [--plot FILE.svg|FILE.png] [--all]\n"
"       tdxbench --version | --help\n"
"\n"
"run: repeat WORKLOAD in rounds while the tdxtrace aggregation collects\n"
"  per-leaf/per-event latency histograms; store per round count, mean,\n"
"  p50/p90/p99 and the histogram, with host metadata, in RESULT.json.\n"
"  WORKLOAD is sim:SCENARIO[:SEED][,key=val...] (the built-in simulator; each\n"
"  round uses a different seed derived from --seed) or a workload script\n"
"  (bench/workloads/*.sh, on a TDX host) run once per round.\n"
"  --rounds N     rounds (default 10)\n"
"  --duration S   seconds per round: simulated time for sim:, or passed to\n"
"                 the script as TDXBENCH_DURATION (default 1)\n"
"  --seed N       base seed for sim: rounds (default: the SEED in the spec, or 1)\n"
"\n"
"compare: per leaf/event and statistic, the change new/base with a bootstrap\n"
"  95 % CI, a Mann-Whitney U test across rounds, a correction over all rows,\n"
"  and a verdict: slower / faster / same / unknown (run more rounds).\n"
"  --threshold PCT  practical threshold in percent (default 2)\n"
"  --alpha A        significance level after correction (default 0.05)\n"
"  --correction C   holm (default), bh (Benjamini-Hochberg) or none\n"
"  --metrics LIST   statistics to compare (default p50,p90,p99,mean)\n"
"  --bootstrap N    bootstrap resamples (default 2000)\n"
"  --min-events N   rows whose median round has fewer events are not tested\n"
"                   (verdict unknown; default 50)\n"
"  --json           machine-readable output\n"
"  --plot FILE      draw before/after CDFs with gnuplot (.svg or .png)\n"
"  --all            also list every \"same\" row in the table\n"
"\n"
"Exit: 0 no significant slowdown, 1 significant slowdown (or runtime error),\n"
"      2 usage error or unreadable/invalid result file.\n"
"\n"
"Examples:\n"
"  tdxbench run sim:steady -o base.json --rounds 10\n"
"  tdxbench run sim:regress:TDH.MEM.PAGE.AUG:5 -o new.json --rounds 10\n"
"  tdxbench compare base.json new.json --plot cmp.svg\n";

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "tdxbench: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'tdxbench --help'.\n");
	return TDX_EXIT_USAGE;
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_u64(const char *s, unsigned long long hi, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_metrics(const char *s, unsigned *mask)
{
	char buf[128], *tok, *save;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	*mask = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int m;

		for (m = 0; m < TB_M_MAX; m++)
			if (!strcmp(tok, tb_metric_names[m]))
				break;
		if (m == TB_M_MAX)
			return -1;
		*mask |= 1u << m;
	}
	return *mask ? 0 : -1;
}

/*
 * The options both commands take: --seed N (into *seed), -h/--help (the
 * usage on stdout) and what getopt rejected.  GO_ON, or the exit code.
 */
#define GO_ON (-1)
static int common_opt(int opt, const char *arg, uint64_t *seed)
{
	unsigned long long u;

	switch (opt) {
	case 's':
		if (parse_u64(arg, ~0ULL, &u))
			return usage_error("--seed '%s': want an unsigned integer", arg);
		*seed = u;
		return GO_ON;
	case 'h':
		fputs(usage_text, stdout);
		return 0;
	default:
		fprintf(stderr, "Try 'tdxbench --help'.\n");
		return TDX_EXIT_USAGE;
	}
}

static int cmd_compare(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "threshold", required_argument, NULL, 't' },
		{ "alpha", required_argument, NULL, 'a' },
		{ "correction", required_argument, NULL, 'c' },
		{ "metrics", required_argument, NULL, 'm' },
		{ "bootstrap", required_argument, NULL, 'b' },
		{ "seed", required_argument, NULL, 's' },
		{ "min-events", required_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "plot", required_argument, NULL, 'p' },
		{ "all", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct tb_cmp_opts o = TB_CMP_OPTS_INIT;
	struct tb_result a, b;
	struct tb_cmp c;
	const char *plot = NULL;
	bool json = false, all = false;
	unsigned long long u;
	int opt, err, rc;

	while ((opt = getopt_long(argc, argv, "t:a:jp:h", lo, NULL)) != -1) {
		switch (opt) {
		case 't':
			if (parse_double(optarg, 0, 1000, &o.threshold))
				return usage_error("--threshold '%s': want a percentage 0..1000", optarg);
			o.threshold /= 100;
			break;
		case 'a':
			if (parse_double(optarg, 1e-9, 0.5, &o.alpha))
				return usage_error("--alpha '%s': want a number in (0, 0.5]", optarg);
			break;
		case 'c': {
			int cc = tb_correction_parse(optarg);

			if (cc < 0)
				return usage_error("--correction '%s': want holm, bh or none", optarg);
			o.corr = (enum tb_correction)cc;
			break;
		}
		case 'm':
			if (parse_metrics(optarg, &o.metrics))
				return usage_error("--metrics '%s': want a list of p50,p90,p99,mean",
						   optarg);
			break;
		case 'b':
			if (parse_u64(optarg, 1000000, &u) || u < 100)
				return usage_error("--bootstrap '%s': want 100..1000000", optarg);
			o.boot_iters = (unsigned)u;
			break;
		case 'e':
			if (parse_u64(optarg, ~0ULL, &u))
				return usage_error("--min-events '%s': want an unsigned integer", optarg);
			o.min_events = u;
			break;
		case 'j':
			json = true;
			break;
		case 'p': {
			const char *ext = strrchr(optarg, '.');

			if (!ext || (strcmp(ext, ".svg") && strcmp(ext, ".png")))
				return usage_error("--plot '%s': use a .svg or .png file name",
						   optarg);
			plot = optarg;
			break;
		}
		case 'A':
			all = true;
			break;
		default:
			rc = common_opt(opt, optarg, &o.seed);
			if (rc != GO_ON)
				return rc;
		}
	}
	if (argc - optind != 2)
		return usage_error("compare needs two result files, BASE.json and NEW.json%s", "");
	if (tb_result_read(&a, argv[optind])) {
		fprintf(stderr, "tdxbench: %s\n", tdx_last_error());
		return TDX_EXIT_USAGE;
	}
	if (tb_result_read(&b, argv[optind + 1])) {
		fprintf(stderr, "tdxbench: %s\n", tdx_last_error());
		tb_result_free(&a);
		return TDX_EXIT_USAGE;
	}
	err = tb_compare(&a, &b, &o, &c);
	if (err) {
		fprintf(stderr, "tdxbench: compare: %s\n", strerror(-err));
		rc = TDX_EXIT_FAIL;
		goto out;
	}
	if (!c.n)
		fprintf(stderr, "tdxbench: warning: the files have no rows to compare\n");
	if (json)
		tb_cmp_write_json(stdout, &c, &o, argv[optind], argv[optind + 1]);
	else
		tb_cmp_print(stdout, &c, &o, all);
	rc = tb_cmp_exit(&c);
	if (plot) {
		err = tb_cmp_plot(&a, &b, &c, plot);
		if (err) {
			fprintf(stderr, "tdxbench: %s\n", tdx_last_error());
			if (err == -EINVAL)
				rc = rc ? rc : TDX_EXIT_USAGE;
			else
				rc = TDX_EXIT_FAIL;
		} else if (!json) {
			printf("plot: %s\n", plot);
		}
	}
	tb_cmp_free(&c);
out:
	tb_result_free(&a);
	tb_result_free(&b);
	return rc;
}

static int cmd_run(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	/* seed 0 (no --seed, or --seed 0): the spec's SEED, else 1 */
	struct tb_run_opts o = { .rounds = 10, .duration_s = 1 };
	unsigned long long u;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "o:r:d:s:vh", lo, NULL)) != -1) {
		switch (opt) {
		case 'o':
			o.out = optarg;
			break;
		case 'r':
			if (parse_u64(optarg, 100000, &u) || u < 1)
				return usage_error("--rounds '%s': want 1..100000", optarg);
			o.rounds = (unsigned)u;
			break;
		case 'd':
			if (parse_double(optarg, 0.001, 86400, &o.duration_s))
				return usage_error("--duration '%s': want seconds, 0.001..86400", optarg);
			break;
		case 'v':
			o.verbose++;
			break;
		default:
			rc = common_opt(opt, optarg, &o.seed);
			if (rc != GO_ON)
				return rc;
		}
	}
	if (argc - optind != 1)
		return usage_error("run needs one WORKLOAD (sim:SCENARIO or a script)%s", "");
	if (!o.out)
		return usage_error("run needs -o RESULT.json%s", "");
	o.workload = argv[optind];
	return tb_run(&o);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("missing command (run or compare)%s", "");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("tdxbench (tdxtrace) %s\n", TDXTRACE_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "compare"))
		return cmd_compare(argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	return usage_error("unknown command '%s' (want run or compare)", argv[1]);
}
