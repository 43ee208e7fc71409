// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * opts.c - the options of `tdxtrace <cmd>`: the shared groups of every tool
 * (tools/lib/cliopts.h: source, filters, output, time, verbosity) and
 * tdxtrace's own few (--plot, -T, --duration), put together per subcommand
 * from its struct cli_cmd; options several subcommands have in their own
 * tables (CLI_OPT_*: --top N, -m, -P, -o FILE, --duration) are parsed by
 * cli_opt_parse().
 *
 * Parsing never exits: cli_parse() returns 0, 1 (help printed) or
 * TDX_EXIT_USAGE after one message and one usage line on stderr.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cliopts.h"

static struct cli *cur;		/* the struct cli being parsed (tdxtrace's group) */

enum {
	OPT_PLOT = 0x100,
	OPT_PLOT_REFUSED,
	OPT_DURATION = CLI_KEY_DURATION,
	OPT_TOP = CLI_KEY_TOP,
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
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return tdx_cl_usage_error(state, "%s", msg);
}

long long cli_parse_duration(const char *s, const char *default_unit)
{
	return tdx_cl_parse_duration(s, default_unit);
}

int cli_parse_pids(struct tdx_filter *f, const char *s)
{
	return tdx_cl_parse_pids(f, s);
}

int cli_parse_leaves(struct tdx_filter *f, const char *s, char *bad, size_t badlen)
{
	return tdx_cl_parse_leaves(f, s, bad, badlen);
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
	case OPT_TOP:
		c->top = (int)strtol(arg, &end, 10);
		if (end == arg || *end || c->top < 0 || c->top > 100000)
			return cli_usage_error(state, "invalid --top '%s' (0 to 100000)", arg);
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
	case OPT_DURATION:
		return parse_ns(state, arg, "duration", &c->duration_ns);
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* ------------------------------------------------------------ tdxtrace's own */

static const struct argp_option plot_options[] = {
	{ "plot", OPT_PLOT, "FILE", 0, "Also draw the report to FILE.svg or FILE.png "
	  "(gnuplot); with -P per TD, with an interval per interval", 15 },
	{},
};

/* --plot on a command without a picture: a usage error, not silence. */
static const struct argp_option noplot_options[] = {
	{ "plot", OPT_PLOT_REFUSED, "FILE", OPTION_HIDDEN, NULL, 15 },
	{},
};

static const struct argp_option misc_options[] = {
	{ "timestamp", 'T', NULL, 0, "Print a timestamp with every report", 13 },
	{ "duration", OPT_DURATION, "DURATION", 0, "Live: stop after DURATION "
	  "(default: COUNT intervals, or Ctrl-C)", 13 },
	{},
};

static error_t tdxtrace_parse(int key, char *arg, struct argp_state *state)
{
	struct cli *c = cur;

	switch (key) {
	case OPT_PLOT:
		if (!cli_plot_terminal(arg))
			return cli_usage_error(state, "--plot needs a file name ending in "
					       ".svg or .png, not '%s'", arg);
		c->plot = arg;
		break;
	case OPT_PLOT_REFUSED:
		return cli_usage_error(state, "--plot: %s draws no picture (lat, mix, "
				       "hugepage and report do)", c->cmd);
	case 'T':
		c->timestamps = true;
		break;
	case OPT_DURATION:
		return parse_ns(state, arg, "duration", &c->duration_ns);
	case ARGP_KEY_END:
		/*
		 * Before the command's own ARGP_KEY_END (argp ends the groups
		 * in reverse): what it checks there (report: a FILE or --sim).
		 */
		if (c->cl.opts.sim_spec)
			c->sim_spec = c->cl.opts.sim_spec;
		if (c->cl.opts.replay_path && !c->replay_path)
			c->replay_path = c->cl.opts.replay_path;
		c->help_shown = c->cl.help_shown;
		return ARGP_ERR_UNKNOWN;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp plot_argp = { .options = plot_options, .parser = tdxtrace_parse };
static const struct argp noplot_argp = { .options = noplot_options, .parser = tdxtrace_parse };
static const struct argp misc_argp = { .options = misc_options, .parser = tdxtrace_parse };

/* Commands with a picture (--plot). */
static bool has_plot(const struct cli_cmd *cmd)
{
	return cmd->plot;
}

/* Which shared groups a command takes. */
static unsigned cmd_groups(const struct cli_cmd *cmd)
{
	if (cmd->report)
		return TDX_CL_SOURCE | TDX_CL_FILTER | TDX_CL_JSON | TDX_CL_OUTPUT |
		       TDX_CL_TIME | TDX_CL_VERBOSE |
		       (!strcmp(cmd->name, "stat") ? TDX_CL_ZERO : 0) |
		       (cmd->report->csv ? TDX_CL_CSV : 0);
	if (cmd->children == cli_children_source)
		return TDX_CL_SOURCE | TDX_CL_FILTER | TDX_CL_JSON | TDX_CL_VERBOSE;
	return TDX_CL_JSON | TDX_CL_VERBOSE;
}

/* Markers: which shared groups a command that is not a report takes. */
const struct argp_child cli_children_source[] = { {} };
const struct argp_child cli_children_output[] = { {} };

int cli_parse(struct cli *c, const struct cli_cmd *cmd, int argc, char **argv)
{
	struct argp_child kids[3] = { {} };
	int nk = 0;
	struct argp argp = {
		.options = cmd->options,
		.parser = cmd->parser ? cmd->parser : cli_opt_parse,
		.args_doc = cmd->report ? "[INTERVAL [COUNT]]" : cmd->args_doc,
		.doc = cmd->doc,
		.children = kids,
	};
	int rc;

	kids[nk++] = (struct argp_child){ has_plot(cmd) ? &plot_argp : &noplot_argp, 0, NULL, 0 };
	if (cmd->report)
		kids[nk++] = (struct argp_child){ &misc_argp, 0, NULL, 0 };
	tdx_cl_init(&c->cl, c->prog, cmd_groups(cmd));
	c->cl.args_doc = argp.args_doc;
	if (!cmd->report)
		c->cl.groups |= TDX_CL_NOPOS;
	cur = c;
	rc = tdx_cl_parse(&c->cl, &argp, c, argc, argv);
	cur = NULL;
	if (rc)
		return rc;
	/* the shared results into the fields the commands read */
	if (c->cl.opts.source != TDX_SRC_LIVE) {
		if (c->topts.source != TDX_SRC_LIVE)	/* report FILE and --replay/--sim */
			return tdx_cl_usage_errorf(&c->cl, "give one source: FILE, "
						   "--replay or --sim");
		c->topts.source = c->cl.opts.source;
		c->topts.replay_path = c->cl.opts.replay_path;
		c->topts.sim_spec = c->cl.opts.sim_spec;
		c->replay_path = c->cl.opts.replay_path;
		c->sim_spec = c->cl.opts.sim_spec;
	}
	c->topts.filter.npids = c->cl.opts.filter.npids;
	memcpy(c->topts.filter.pids, c->cl.opts.filter.pids, sizeof(c->topts.filter.pids));
	memcpy(c->topts.filter.leaf_mask, c->cl.opts.filter.leaf_mask,
	       sizeof(c->topts.filter.leaf_mask));
	c->topts.verbose = c->cl.opts.verbose;
	c->topts.engine = c->cl.opts.engine;
	c->topts.live_mode = c->cl.opts.live_mode;	/* --mode tracepoints|stock|auto */
	c->json = c->cl.json;
	c->verbose = c->cl.opts.verbose;
	c->interval_ns = c->cl.interval_ns;
	c->count = c->cl.count;
	c->npos = c->cl.npos;
	if (c->cl.once && !c->interval_ns)
		c->interval_ns = 1000000000ULL;		/* -1: one 1 s report */
	if (c->count && !c->interval_ns)
		return tdx_cl_usage_errorf(&c->cl, "COUNT needs an interval");
	return 0;
}
