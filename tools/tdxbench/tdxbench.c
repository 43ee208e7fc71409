// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tdxbench - latency regression benchmarks for TDX hosts.
 *
 *   tdxbench run WORKLOAD -o RESULT.json [--rounds N] [--duration S] [--seed N]
 *   tdxbench compare BASE.json NEW.json [--threshold PCT] [--alpha A] [--json]
 *                    [--plot FILE.svg|png] [--correction holm|bh|none] [--all]
 *
 * Options through the shared groups (tools/lib/cliopts.h: -o, -j, -v).
 * Exit codes: TDX_EXIT_TABLE; a significant slowdown is REGRESSION (3).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cliopts.h"
#include "tdxtrace.h"
#include "tdxbench.h"

static const char usage_text[] =
"Usage: tdxbench run WORKLOAD -o RESULT.json [--rounds N] [--duration S] [--seed N] [-v]\n"
"       tdxbench compare BASE.json NEW.json [--threshold PCT] [--alpha A]\n"
"                [--correction holm|bh|none] [--metrics p50,p90,p99,mean]\n"
"                [--bootstrap N] [--min-events N] [--json] [--plot FILE.svg|FILE.png] [--all]\n"
"       tdxbench --version | --help | COMMAND --help\n"
"\n"
"run: repeat WORKLOAD in rounds while the tdxtrace aggregation collects\n"
"  per-leaf/per-event latency histograms; store per round count, mean,\n"
"  p50/p90/p99 and the histogram, with host metadata, in RESULT.json.\n"
"compare: per leaf/event and statistic, the change new/base with a bootstrap\n"
"  95 % CI, a Mann-Whitney U test across rounds, a correction over all rows,\n"
"  and a verdict: slower / faster / same / unknown (run more rounds).\n"
"\n"
"Exit: 0 no significant slowdown, 3 a significant slowdown (compare), 2 usage\n"
"      error, 66 a result file missing, 65 one that is not a result, 73 the\n"
"      result cannot be written, 77 missing privileges, 1 other errors\n"
"      (tdxbench(8), EXIT STATUS).\n"
"\n"
"Examples:\n"
"  tdxbench run sim:steady -o base.json --rounds 10\n"
"  tdxbench run sim:regress:TDH.MEM.PAGE.AUG:5 -o new.json --rounds 10\n"
"  tdxbench compare base.json new.json --plot cmp.svg\n";

static const char run_doc[] =
"Repeat WORKLOAD in rounds while the tdxtrace aggregation collects per-leaf and "
"per-event latency histograms; store per round count, mean, p50/p90/p99 and the "
"histogram, with host metadata, in RESULT.json.  WORKLOAD is "
"sim:SCENARIO[:SEED][,key=val...] (the built-in simulator; each round uses a "
"different seed derived from --seed) or a workload script (bench/workloads/*.sh, "
"on a TDX host) run once per round."
"\v"
"A progress line (round N/M, elapsed, left) is shown on a terminal, or always "
"with --progress.\n"
"Exit codes: tdxbench(8), EXIT STATUS.\n"
"Examples:\n"
"  tdxbench run sim:steady -o base.json --rounds 10\n"
"  tdxbench run bench/workloads/boot.sh -o host.json --rounds 5 --duration 10";

static const char compare_doc[] =
"Compare two results: per leaf/event and statistic, the change new/base with a "
"bootstrap 95 % CI, a Mann-Whitney U test across rounds, a correction over all "
"rows, and a verdict: slower / faster / same / unknown (run more rounds)."
"\v"
"Exit: 0 no significant slowdown, 3 a significant slowdown (TDX_EXIT_REGRESSION), "
"66 a file missing, 65 not a result file, 2 usage error (tdxbench(8)).\n"
"Example:\n"
"  tdxbench compare base.json new.json --plot cmp.svg";

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "tdxbench: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nUsage: tdxbench run|compare [OPTION...] ARGS (see 'tdxbench --help')\n");
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

/* A result file that cannot be read: missing 66, not a result 65. */
static int read_exit(int err)
{
	return err == -ENOENT || err == -EACCES || err == -EISDIR || err == -ENOTDIR ?
		TDX_EXIT_NOINPUT : err == -ENOMEM ? TDX_EXIT_FAIL : TDX_EXIT_DATAERR;
}

enum {
	OPT_THRESHOLD = 0x300, OPT_ALPHA, OPT_CORRECTION, OPT_METRICS, OPT_BOOTSTRAP,
	OPT_SEED, OPT_MIN_EVENTS, OPT_PLOT, OPT_ALL, OPT_ROUNDS, OPT_DURATION,
	OPT_PROGRESS,
};

static const struct argp_option compare_options[] = {
	{ "threshold", 't', "PCT", 0, "Practical threshold in percent (default 2)", 0 },
	{ "alpha", 'a', "A", 0, "Significance level after correction (default 0.05)", 0 },
	{ "correction", OPT_CORRECTION, "holm|bh|none", 0,
	  "Multiple-test correction: holm (default), bh (Benjamini-Hochberg) or none", 0 },
	{ "metrics", OPT_METRICS, "LIST", 0, "Statistics to compare (default p50,p90,p99,mean)", 0 },
	{ "bootstrap", OPT_BOOTSTRAP, "N", 0, "Bootstrap resamples (default 2000)", 0 },
	{ "min-events", OPT_MIN_EVENTS, "N", 0, "Rows whose median round has fewer events "
	  "are not tested (verdict unknown; default 50)", 0 },
	{ "seed", OPT_SEED, "N", 0, "Seed of the bootstrap", 0 },
	{ "plot", OPT_PLOT, "FILE", 0, "Draw before/after CDFs with gnuplot (.svg or .png)", 0 },
	{ "all", OPT_ALL, NULL, 0, "Also list every \"same\" row in the table", 0 },
	{},
};

struct compare_args {
	struct tb_cmp_opts o;
	const char *plot;
	bool all;
	const char *files[2];
	int nfiles;
};

static error_t compare_parse(int key, char *arg, struct argp_state *state)
{
	struct compare_args *ca = state->input;
	struct tb_cmp_opts *o = &ca->o;
	unsigned long long u;

	switch (key) {
	case 't':
		if (parse_double(arg, 0, 1000, &o->threshold))
			return tdx_cl_usage_error(state, "--threshold '%s': want a percentage 0..1000", arg);
		o->threshold /= 100;
		break;
	case 'a':
		if (parse_double(arg, 1e-9, 0.5, &o->alpha))
			return tdx_cl_usage_error(state, "--alpha '%s': want a number in (0, 0.5]", arg);
		break;
	case OPT_CORRECTION: {
		int cc = tb_correction_parse(arg);

		if (cc < 0)
			return tdx_cl_usage_error(state, "--correction '%s': want holm, bh or none", arg);
		o->corr = (enum tb_correction)cc;
		break;
	}
	case OPT_METRICS:
		if (parse_metrics(arg, &o->metrics))
			return tdx_cl_usage_error(state, "--metrics '%s': want a list of "
						  "p50,p90,p99,mean", arg);
		break;
	case OPT_BOOTSTRAP:
		if (parse_u64(arg, 1000000, &u) || u < 100)
			return tdx_cl_usage_error(state, "--bootstrap '%s': want 100..1000000", arg);
		o->boot_iters = (unsigned)u;
		break;
	case OPT_MIN_EVENTS:
		if (parse_u64(arg, ~0ULL, &u))
			return tdx_cl_usage_error(state, "--min-events '%s': want an unsigned integer", arg);
		o->min_events = u;
		break;
	case OPT_SEED:
		if (parse_u64(arg, ~0ULL, &u))
			return tdx_cl_usage_error(state, "--seed '%s': want an unsigned integer", arg);
		o->seed = u;
		break;
	case OPT_PLOT: {
		const char *ext = strrchr(arg, '.');

		if (!ext || (strcmp(ext, ".svg") && strcmp(ext, ".png")))
			return tdx_cl_usage_error(state, "--plot '%s': use a .svg or .png file name",
						  arg);
		ca->plot = arg;
		break;
	}
	case OPT_ALL:
		ca->all = true;
		break;
	case ARGP_KEY_ARG:
		if (ca->nfiles >= 2)
			return tdx_cl_usage_error(state, "unexpected argument '%s'", arg);
		ca->files[ca->nfiles++] = arg;
		break;
	case ARGP_KEY_END:
		if (ca->nfiles != 2 && !tdx_cl_current()->help_shown)
			return tdx_cl_usage_error(state, "compare needs two result files, "
						  "BASE.json and NEW.json");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int cmd_compare(int argc, char **argv)
{
	static const struct argp argp = {
		.options = compare_options, .parser = compare_parse,
		.args_doc = "BASE.json NEW.json", .doc = compare_doc,
	};
	struct compare_args ca = { .o = TB_CMP_OPTS_INIT };
	struct tdx_cl cl;
	struct tb_result a, b;
	struct tb_cmp c;
	int err, rc;

	tdx_cl_init(&cl, "tdxbench compare", TDX_CL_JSON);
	rc = tdx_cl_parse(&cl, &argp, &ca, argc, argv);
	if (rc)
		return rc == 1 ? TDX_EXIT_OK : rc;
	err = tb_result_read(&a, ca.files[0]);
	if (err) {
		fprintf(stderr, "tdxbench: %s\n", tdx_last_error());
		return read_exit(err);
	}
	err = tb_result_read(&b, ca.files[1]);
	if (err) {
		fprintf(stderr, "tdxbench: %s\n", tdx_last_error());
		tb_result_free(&a);
		return read_exit(err);
	}
	err = tb_compare(&a, &b, &ca.o, &c);
	if (err) {
		fprintf(stderr, "tdxbench: compare: %s\n", strerror(-err));
		rc = TDX_EXIT_FAIL;
		goto out;
	}
	if (!c.n)
		fprintf(stderr, "tdxbench: warning: the files have no rows to compare\n");
	if (cl.json)
		tb_cmp_write_json(stdout, &c, &ca.o, &b, ca.files[0], ca.files[1]);
	else
		tb_cmp_print(stdout, &c, &ca.o, ca.all);
	/* a slowdown is TDX_EXIT_REGRESSION (3), never confused with an error (1) */
	rc = tb_cmp_exit(&c) ? TDX_EXIT_REGRESSION : TDX_EXIT_OK;
	if (ca.plot) {
		err = tb_cmp_plot(&a, &b, &c, ca.plot);
		if (err) {
			fprintf(stderr, "tdxbench: %s\n", tdx_last_error());
			rc = err == -EINVAL ? (rc ? rc : TDX_EXIT_USAGE) : TDX_EXIT_CANTCREAT;
		} else if (!cl.json) {
			printf("plot: %s\n", ca.plot);
		}
	}
	tb_cmp_free(&c);
out:
	tb_result_free(&a);
	tb_result_free(&b);
	return rc;
}

static const struct argp_option run_options[] = {
	{ "rounds", OPT_ROUNDS, "N", 0, "Rounds (default 10)", 0 },
	{ "duration", OPT_DURATION, "DURATION", 0, "Time per round: simulated time for "
	  "sim:, or TDXBENCH_DURATION of the script (default 1 s; 500ms, 2s, 1m)", 0 },
	{ "seed", OPT_SEED, "N", 0, "Base seed for sim: rounds (default: the SEED in the "
	  "spec, or 1)", 0 },
	{ "progress", OPT_PROGRESS, NULL, 0, "Show the progress line also when stderr "
	  "is not a terminal", 0 },
	{},
};

struct run_args {
	struct tb_run_opts o;
	bool progress;
	const char *workload;
};

static error_t run_parse(int key, char *arg, struct argp_state *state)
{
	struct run_args *ra = state->input;
	unsigned long long u;
	long long ns;

	switch (key) {
	case OPT_ROUNDS:
		if (parse_u64(arg, 100000, &u) || u < 1)
			return tdx_cl_usage_error(state, "--rounds '%s': want 1..100000", arg);
		ra->o.rounds = (unsigned)u;
		break;
	case OPT_DURATION:
		ns = tdx_cl_parse_duration(arg, "s");
		if (ns < 1000000 || ns > 86400LL * 1000000000LL)
			return tdx_cl_usage_error(state, "--duration '%s': want 1ms..1 day "
						  "(seconds, or with a unit)", arg);
		ra->o.duration_s = (double)ns / 1e9;
		break;
	case OPT_SEED:
		if (parse_u64(arg, ~0ULL, &u))
			return tdx_cl_usage_error(state, "--seed '%s': want an unsigned integer", arg);
		ra->o.seed = u;
		break;
	case OPT_PROGRESS:
		ra->progress = true;
		break;
	case ARGP_KEY_ARG:
		if (ra->workload)
			return tdx_cl_usage_error(state, "unexpected argument '%s'", arg);
		ra->workload = arg;
		break;
	case ARGP_KEY_END:
		if (tdx_cl_current()->help_shown)
			break;
		if (!ra->workload)
			return tdx_cl_usage_error(state, "run needs one WORKLOAD (sim:SCENARIO "
						  "or a script)");
		if (!tdx_cl_current()->out_path)
			return tdx_cl_usage_error(state, "run needs -o RESULT.json");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* The progress line: "round 3/10  1.2 s, about 2.8 s left" on one line. */
static bool progress_tty;
static double progress_t0;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(unsigned done, unsigned total)
{
	double el = now_s() - progress_t0;

	fprintf(stderr, "%stdxbench: round %u/%u  %.1f s, about %.1f s left%s",
		progress_tty ? "\r" : "", done, total, el,
		done ? el / done * (total - done) : 0.0, progress_tty ? "\033[K" : "\n");
	if (progress_tty && done == total)
		fputc('\n', stderr);
}

static int cmd_run(int argc, char **argv)
{
	static const struct argp argp = {
		.options = run_options, .parser = run_parse,
		.args_doc = "WORKLOAD", .doc = run_doc,
	};
	/* seed 0 (no --seed, or --seed 0): the spec's SEED, else 1 */
	struct run_args ra = { .o = { .rounds = 10, .duration_s = 1 } };
	struct tdx_cl cl;
	int rc;

	tdx_cl_init(&cl, "tdxbench run", TDX_CL_OUTPUT | TDX_CL_VERBOSE);
	cl.output_doc = "The result file (required)";
	rc = tdx_cl_parse(&cl, &argp, &ra, argc, argv);
	if (rc)
		return rc == 1 ? TDX_EXIT_OK : rc;
	ra.o.out = cl.out_path;
	ra.o.verbose = cl.opts.verbose;
	ra.o.workload = ra.workload;
	progress_tty = isatty(STDERR_FILENO);
	if (progress_tty || ra.progress) {
		progress_t0 = now_s();
		ra.o.progress = progress;
	}
	return tb_run(&ra.o);
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
