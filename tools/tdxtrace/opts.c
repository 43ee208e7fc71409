// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * opts.c - options every tdxtrace subcommand shares, as argp children:
 *
 *   source:  --replay FILE, --sim SCENARIO[:SEED], -p PID[,PID]
 *   output:  -j/--json, --plot FILE, -v, -h/--help, --usage
 *   time:    -i INTERVAL, -d DURATION, -T, [INTERVAL [COUNT]]
 *
 * and the options several subcommands have in their own tables (CLI_OPT_*:
 * -n N, -m, -P, -o FILE, -d DURATION), parsed by cli_opt_parse().  cli_parse()
 * puts each subcommand's argp together from its struct cli_cmd.
 *
 * Parsing never exits: cli_parse() returns 0, 1 (help printed) or
 * TDX_EXIT_USAGE after one message and the usage line on stderr.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "source.h"

static struct cli *cur;		/* the struct cli being parsed */
static bool usage_printed;

enum {
	OPT_REPLAY = 0x100,
	OPT_SIM,
	OPT_PLOT,
	OPT_USAGE,
	OPT_MODE,
};

void cli_init(struct cli *c, const char *cmd)
{
	static char prog[64];

	memset(c, 0, sizeof(*c));
	c->cmd = cmd;
	snprintf(prog, sizeof(prog), "tdxtrace %s", cmd);
	c->prog = prog;
	c->topts.source = TDX_SRC_LIVE;
	c->unit_div = 1000;
	c->unit_name = "usecs";
	c->top = 10;
}

error_t cli_usage_error(struct argp_state *state, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", state->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (!usage_printed) {
		argp_state_help(state, stderr, ARGP_HELP_USAGE | ARGP_HELP_SEE);
		usage_printed = true;
	}
	return EINVAL;
}

long long cli_parse_duration(const char *s, const char *default_unit)
{
	static const struct { const char *sfx; double mul; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
		{ "m", 60e9 }, { "min", 60e9 }, { "h", 3600e9 },
	};
	const char *u;
	char *end;
	double v;

	if (!s || !*s || isspace((unsigned char)*s) || *s == '-')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !(v >= 0))	/* NaN too */
		return -1;
	u = *end ? end : default_unit;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(u, units[i].sfx)) {
			v *= units[i].mul;
			if (v > (double)LLONG_MAX / 2)
				return -1;
			return (long long)(v + 0.5);
		}
	}
	return -1;
}

long long cli_parse_size(const char *s)
{
	unsigned long long v, mul = 1;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (toupper((unsigned char)*end)) {
	case 0:
		break;
	case 'K': mul = 1ULL << 10; end++; break;
	case 'M': mul = 1ULL << 20; end++; break;
	case 'G': mul = 1ULL << 30; end++; break;
	default:
		return -1;
	}
	if (*end == 'i' || *end == 'I')
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || v > (unsigned long long)LLONG_MAX / mul)
		return -1;
	return (long long)(v * mul);
}

int cli_parse_pids(struct tdx_filter *f, const char *s)
{
	char *dup = strdup(s), *save = NULL, *tok;
	int ret = 0;

	if (!dup)
		return -1;
	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(tok, &end, 10);
		if (errno || *end || !isdigit((unsigned char)*tok) || v == 0 ||
		    v > UINT32_MAX || f->npids >= TDX_FILTER_MAX_PIDS) {
			ret = -1;
			break;
		}
		f->pids[f->npids++] = (__u32)v;
	}
	if (!f->npids)
		ret = -1;
	free(dup);
	return ret;
}

int cli_parse_leaves(struct tdx_filter *f, const char *s, char *bad, size_t badlen)
{
	char *dup = strdup(s), *save = NULL, *tok;
	int ret = 0, n = 0;

	if (!dup)
		return -1;
	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int nr = tdx_leaf_parse(tok);

		/* a number is accepted only if it names a known leaf */
		if (nr < 0 || !tdx_leaf_name((__u32)nr)) {
			snprintf(bad, badlen, "%s", tok);
			ret = -1;
			break;
		}
		f->leaf_mask[nr / 64] |= 1ULL << (nr % 64);
		n++;
	}
	if (!ret && !n) {
		snprintf(bad, badlen, "%s", s);
		ret = -1;
	}
	free(dup);
	return ret;
}

/* A duration option or argument (default unit: seconds) into *ns, > 0. */
static error_t parse_ns(struct argp_state *state, const char *arg, const char *what,
			__u64 *ns)
{
	long long v = cli_parse_duration(arg, "s");

	if (v <= 0)
		return cli_usage_error(state, "invalid %s '%s'", what, arg);
	*ns = (__u64)v;
	return 0;
}

error_t cli_opt_parse(int key, char *arg, struct argp_state *state)
{
	struct cli *c = cur;
	char *end;

	switch (key) {
	case 'n':
		c->top = (int)strtol(arg, &end, 10);
		if (*end || c->top < 0 || c->top > 100000)
			return cli_usage_error(state, "invalid -n '%s'", arg);
		break;
	case 'm':
		c->unit_div = 1000000;
		c->unit_name = "msecs";
		break;
	case 'P':
		c->per_td = true;
		break;
	case 'o':
		c->out_path = arg;
		break;
	case 'd':
		return parse_ns(state, arg, "duration", &c->duration_ns);
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* ------------------------------------------------------------ source */

static const struct argp_option source_options[] = {
	{ NULL, 0, NULL, 0, "Event source (default: this kernel's tracepoints):", 1 },
	{ "replay", OPT_REPLAY, "FILE", 0,
	  "Replay a tdxtrace record file or a trace-cmd trace.dat", 1 },
	{ "sim", OPT_SIM, "SCENARIO[:SEED]", 0,
	  "Run the built-in simulator (see `tdxtrace sim --list')", 1 },
	{ "pid", 'p', "PID[,PID]", 0, "Only these TDs (VMM process ids)", 1 },
	{ "mode", OPT_MODE, "MODE", 0,
	  "Live: tracepoints (the kernel/ series), stock (fentry on tdh_*() + upstream "
	  "tracepoints) or auto (default; also $TDXTRACE_MODE)", 1 },
	{},
};

/* A simulator spec is checked at parse time so a bad one is a usage error. */
static int check_sim_spec(const char *spec)
{
	struct tdx_source *src;
	int err = tdx_source_open_sim(&src, spec);

	if (!err)
		tdx_source_close(src);
	return err;
}

static error_t source_parse(int key, char *arg, struct argp_state *state)
{
	struct cli *c = cur;

	switch (key) {
	case OPT_MODE: {
		int m = tdx_live_mode_parse(arg);

		if (m < 0)
			return cli_usage_error(state, "--mode '%s': want tracepoints, stock or auto",
					       arg);
		c->topts.live_mode = (enum tdx_live_mode)m;
		break;
	}
	case OPT_REPLAY:
		if (c->sim_spec)
			return cli_usage_error(state, "--replay and --sim exclude each other");
		if (!*arg)
			return cli_usage_error(state, "--replay needs a file name");
		c->replay_path = arg;
		c->topts.source = TDX_SRC_REPLAY;
		c->topts.replay_path = arg;
		break;
	case OPT_SIM:
		if (c->replay_path)
			return cli_usage_error(state, "--replay and --sim exclude each other");
		if (check_sim_spec(arg))
			return cli_usage_error(state, "invalid --sim '%s': %s", arg,
					       tdx_last_error());
		c->sim_spec = arg;
		c->topts.source = TDX_SRC_SIM;
		c->topts.sim_spec = arg;
		break;
	case 'p':
		if (cli_parse_pids(&c->topts.filter, arg))
			return cli_usage_error(state, "invalid PID list '%s' (at most %d "
					       "positive numbers, comma separated)",
					       arg, TDX_FILTER_MAX_PIDS);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp source_argp = {
	.options = source_options,
	.parser = source_parse,
};

/* ------------------------------------------------------------ output */

static const struct argp_option output_options[] = {
	{ NULL, 0, NULL, 0, "Output:", 3 },
	{ "json", 'j', NULL, 0, "JSON output (schema: docs/cli.md); one object "
	  "per report, one per line", 3 },
	{ "plot", OPT_PLOT, "FILE", 0, "Also plot to FILE.svg or FILE.png (gnuplot)", 3 },
	{ "verbose", 'v', NULL, 0, "Show libbpf and loader debug messages", 3 },
	{ "help", 'h', NULL, 0, "Show this help", -1 },
	{ "usage", OPT_USAGE, NULL, 0, "Show a short usage message", -1 },
	{},
};

static error_t output_parse(int key, char *arg, struct argp_state *state)
{
	struct cli *c = cur;

	switch (key) {
	case 'j':
		c->json = true;
		break;
	case OPT_PLOT:
		if (!cli_plot_terminal(arg))
			return cli_usage_error(state, "--plot needs a file name ending in "
					       ".svg or .png, not '%s'", arg);
		c->plot = arg;
		break;
	case 'v':
		c->verbose++;
		c->topts.verbose = c->verbose;
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		c->help_shown = true;
		break;
	case OPT_USAGE:
		argp_state_help(state, stdout, ARGP_HELP_USAGE);
		c->help_shown = true;
		break;
	case ARGP_KEY_ERROR:
		/* errors argp found itself (unknown option, missing argument) */
		if (!usage_printed) {
			argp_state_help(state, stderr, ARGP_HELP_USAGE);
			usage_printed = true;
		}
		return ARGP_ERR_UNKNOWN;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp output_argp = {
	.options = output_options,
	.parser = output_parse,
};

/* ------------------------------------------------------------ time */

static const struct argp_option time_options[] = {
	{ NULL, 0, NULL, 0, "Time:", 2 },
	{ "interval", 'i', "INTERVAL", 0, "Print a report every INTERVAL (seconds, "
	  "or with a unit: 500ms); offline sources step INTERVAL of source time", 2 },
	{ "duration", 'd', "DURATION", 0, "Live: stop after DURATION (default: Ctrl-C)", 2 },
	{ "timestamp", 'T', NULL, 0, "Print a timestamp with every report", 2 },
	{},
};

static error_t time_parse(int key, char *arg, struct argp_state *state)
{
	struct cli *c = cur;

	switch (key) {
	case 'i':
		return parse_ns(state, arg, "interval", &c->interval_ns);
	case 'd':
		return parse_ns(state, arg, "duration", &c->duration_ns);
	case 'T':
		c->timestamps = true;
		break;
	case ARGP_KEY_ARG:
		/* [INTERVAL [COUNT]] like runqlat; with -i only COUNT */
		if (!c->interval_ns && c->npos == 0) {
			error_t err = parse_ns(state, arg, "interval", &c->interval_ns);

			if (err)
				return err;
		} else if (!c->count) {
			char *end;

			errno = 0;
			c->count = strtol(arg, &end, 10);
			if (errno || *end || c->count <= 0)
				return cli_usage_error(state, "invalid count '%s'", arg);
		} else {
			return cli_usage_error(state, "unexpected argument '%s'", arg);
		}
		c->npos++;
		break;
	case ARGP_KEY_END:
		if (c->count && !c->interval_ns)
			return cli_usage_error(state, "COUNT needs an interval");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp time_argp = {
	.options = time_options,
	.parser = time_parse,
};

/* ------------------------------------------------------------ parse */

/* Children for the subcommands: which common groups each one takes. */
static const struct argp_child children_report[] = {
	{ &source_argp, 0, NULL, 0 },
	{ &time_argp, 0, NULL, 0 },
	{ &output_argp, 0, NULL, 0 },
	{},
};

const struct argp_child cli_children_source[] = {
	{ &source_argp, 0, NULL, 0 },
	{ &output_argp, 0, NULL, 0 },
	{},
};

const struct argp_child cli_children_output[] = {
	{ &output_argp, 0, NULL, 0 },
	{},
};

int cli_parse(struct cli *c, const struct cli_cmd *cmd, int argc, char **argv)
{
	const struct argp argp = {
		.options = cmd->options,
		.parser = cmd->parser ? cmd->parser : cli_opt_parse,
		.args_doc = cmd->report ? "[INTERVAL [COUNT]]" : cmd->args_doc,
		.doc = cmd->doc,
		.children = cmd->report ? children_report : cmd->children,
	};
	char *name = (char *)c->prog;
	char **av = calloc((size_t)argc + 1, sizeof(*av));
	error_t err;

	if (!av)
		return TDX_EXIT_FAIL;
	av[0] = name;
	for (int i = 1; i < argc; i++)
		av[i] = argv[i];
	cur = c;
	usage_printed = false;
	err = argp_parse(&argp, argc, av, ARGP_NO_EXIT | ARGP_NO_HELP, NULL, c);
	free(av);
	cur = NULL;
	if (err) {
		if (!usage_printed)
			fprintf(stderr, "%s: invalid arguments (try --help)\n", c->prog);
		return TDX_EXIT_USAGE;
	}
	return c->help_shown ? 1 : 0;
}
