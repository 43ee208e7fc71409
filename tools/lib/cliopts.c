// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cliopts.c - the option groups every tool shares (cliopts.h), opening the
 * session with one error message per failure, and atomic output files.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cliopts.h"
#include "source.h"

static struct tdx_cl *cur;

struct tdx_cl *tdx_cl_current(void)
{
	return cur;
}

void tdx_cl_init(struct tdx_cl *cl, const char *prog, unsigned groups)
{
	memset(cl, 0, sizeof(*cl));
	cl->prog = prog;
	cl->groups = groups;
	cl->opts = (struct tdx_opts)TDX_OPTS_INIT;
}

/* One usage line: "Usage: PROG [OPTION...] ARGS (--help: all options)". */
static void usage_line(const struct tdx_cl *cl)
{
	fprintf(stderr, "Usage: %s [OPTION...]%s%s (see '%s --help')\n", cl->prog,
		cl->args_doc && *cl->args_doc ? " " : "",
		cl->args_doc ? cl->args_doc : "", cl->prog);
}

static void vusage_error(struct tdx_cl *cl, const char *fmt, va_list ap)
{
	if (cl->usage_printed)
		return;
	fprintf(stderr, "%s: ", cl->prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	usage_line(cl);
	cl->usage_printed = true;
}

error_t tdx_cl_usage_error(struct argp_state *state, const char *fmt, ...)
{
	va_list ap;

	(void)state;
	va_start(ap, fmt);
	vusage_error(cur, fmt, ap);
	va_end(ap);
	return EINVAL;
}

int tdx_cl_usage_errorf(const struct tdx_cl *cl, const char *fmt, ...)
{
	struct tdx_cl tmp = *cl;
	va_list ap;

	tmp.usage_printed = false;
	va_start(ap, fmt);
	vusage_error(&tmp, fmt, ap);
	va_end(ap);
	return TDX_EXIT_USAGE;
}

long long tdx_cl_parse_duration(const char *s, const char *default_unit)
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
	if (errno || end == s || !(v >= 0) || v > 1e300)	/* NaN, inf too */
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

int tdx_cl_parse_pids(struct tdx_filter *f, const char *s)
{
	char *dup = strdup(s), *save = NULL, *tok;
	int ret = 0, n = 0;

	if (!dup)
		return -1;
	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(tok, &end, 10);
		/* isdigit: strtoul takes "-5" as 2^64 - 5 */
		if (errno || *end || !isdigit((unsigned char)*tok) || v == 0 ||
		    v > INT_MAX || f->npids >= TDX_FILTER_MAX_PIDS) {
			ret = -1;
			break;
		}
		f->pids[f->npids++] = (__u32)v;
		n++;
	}
	if (!n)
		ret = -1;
	free(dup);
	return ret;
}

int tdx_cl_parse_leaves(struct tdx_filter *f, const char *s, char *bad, size_t badlen)
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

/* ------------------------------------------------------------ groups */

enum {
	OPT_REPLAY = 0x1100,
	OPT_SIM,
	OPT_MODE,
	OPT_CSV,
	OPT_USAGE,
};

static const struct argp_option source_options[] = {
	{ NULL, 0, NULL, 0, "Source (default: this kernel's tracepoints; needs root):", 10 },
	{ "sim", OPT_SIM, "SCENARIO[:SEED]", 0,
	  "The built-in simulator: no TDX needed (`tdxtrace sim --list')", 10 },
	{ "replay", OPT_REPLAY, "FILE", 0,
	  "A tdxtrace record file or a trace-cmd trace.dat", 10 },
	{ "mode", OPT_MODE, "MODE", 0,
	  "Live: tracepoints (the kernel/ series) or stock (fentry on tdh_*() + "
	  "upstream tracepoints; also $TDXTRACE_MODE); offline: bpf (the kernel's "
	  "BPF programs, root) or user (the same code in this process); auto: "
	  "tracepoints if the kernel has them, else stock; offline user", 10 },
	{},
};

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
	struct tdx_cl *cl = state->input;

	switch (key) {
	case OPT_REPLAY:
		if (cl->opts.source == TDX_SRC_SIM)
			return tdx_cl_usage_error(state, "--replay and --sim exclude each other");
		if (!*arg)
			return tdx_cl_usage_error(state, "--replay needs a file name");
		cl->opts.source = TDX_SRC_REPLAY;
		cl->opts.replay_path = arg;
		break;
	case OPT_SIM:
		if (cl->opts.source == TDX_SRC_REPLAY)
			return tdx_cl_usage_error(state, "--replay and --sim exclude each other");
		if (check_sim_spec(arg))
			return tdx_cl_usage_error(state, "invalid --sim '%s': %s", arg,
						  tdx_last_error());
		cl->opts.source = TDX_SRC_SIM;
		cl->opts.sim_spec = arg;
		break;
	case OPT_MODE:
		if (!strcmp(arg, "auto")) {
			cl->opts.engine = TDX_ENGINE_AUTO;
			cl->opts.live_mode = TDX_LIVE_AUTO;
		} else if (!strcmp(arg, "tracepoints") || !strcmp(arg, "stock")) {
			cl->opts.live_mode = (enum tdx_live_mode)tdx_live_mode_parse(arg);
		} else if (!strcmp(arg, "bpf") || !strcmp(arg, "kernel"))
			cl->opts.engine = TDX_ENGINE_BPF;
		else if (!strcmp(arg, "user"))
			cl->opts.engine = TDX_ENGINE_USER;
		else
			return tdx_cl_usage_error(state, "invalid --mode '%s' (tracepoints, stock, auto; offline bpf or user)",
						  arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp source_argp = { .options = source_options, .parser = source_parse };

static const struct argp_option filter_options[] = {
	{ NULL, 0, NULL, 0, "Filters (applied where events are aggregated):", 11 },
	{ "pid", 'p', "PID[,PID]", 0, "Only these TDs (VMM process ids); repeatable, "
	  "at most 16 in all", 11 },
	{ "leaf", 'l', "LEAF[,LEAF]", 0, "Only these SEAMCALL leaves (TDH.MEM.PAGE.AUG, "
	  "MEM.PAGE.AUG or a number); repeatable", 11 },
	{ "guest", 'g', "NAME", 0, "Only the TDs of this guest: the VMM's command "
	  "name or the guest (libvirt domain) name of QEMU's -name; repeatable", 11 },
	{},
};

static error_t filter_parse(int key, char *arg, struct argp_state *state)
{
	struct tdx_cl *cl = state->input;
	char bad[64];

	switch (key) {
	case 'p':
		if (tdx_cl_parse_pids(&cl->opts.filter, arg))
			return tdx_cl_usage_error(state, "invalid PID list '%s' (positive numbers, "
						  "comma separated, at most %d in all)",
						  arg, TDX_FILTER_MAX_PIDS);
		break;
	case 'l':
		if (tdx_cl_parse_leaves(&cl->opts.filter, arg, bad, sizeof(bad)))
			return tdx_cl_usage_error(state, "unknown SEAMCALL leaf '%s' (e.g. "
						  "TDH.MEM.PAGE.AUG or 6)", bad);
		break;
	case 'g':
		if (!*arg)
			return tdx_cl_usage_error(state, "-g needs a guest name");
		if (cl->nguests >= TDX_CL_GUEST_MAX)
			return tdx_cl_usage_error(state, "too many -g (at most %d)",
						  TDX_CL_GUEST_MAX);
		cl->guests[cl->nguests++] = arg;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp filter_argp = { .options = filter_options, .parser = filter_parse };

static const struct argp_option output_options[] = {
	{ NULL, 0, NULL, 0, "Output:", 12 },
	{ "json", 'j', NULL, 0, "JSON, one object per report and line (schemas: "
	  "tdxtrace(8), docs/cli.md)", 12 },
	{ "csv", OPT_CSV, NULL, 0, "CSV: a header line, then one line per interval", 12 },
	{ "output", 'o', "FILE", 0, "Write to FILE (complete or not at all: a "
	  "temporary renamed at the end)", 12 },
	{ "skip-zero", 'z', NULL, 0, "Leave out rows whose counts are all zero", 12 },
	{},
};

static error_t output_parse(int key, char *arg, struct argp_state *state)
{
	struct tdx_cl *cl = state->input;

	switch (key) {
	case 'j':
		if (!(cl->groups & TDX_CL_JSON))
			return ARGP_ERR_UNKNOWN;
		if (cl->csv)
			return tdx_cl_usage_error(state, "--json and --csv exclude each other");
		cl->json = true;
		break;
	case OPT_CSV:
		if (!(cl->groups & TDX_CL_CSV))	/* hidden here: say where it is */
			return tdx_cl_usage_error(state, "--csv: %s has no one-line-per-interval "
						  "output (CSV is in tdxtrace stat and tdxtop); "
						  "use --json", cl->prog);
		if (cl->json)
			return tdx_cl_usage_error(state, "--json and --csv exclude each other");
		cl->csv = true;
		break;
	case 'o':
		if (!(cl->groups & TDX_CL_OUTPUT))
			return ARGP_ERR_UNKNOWN;
		if (!*arg)
			return tdx_cl_usage_error(state, "-o needs a file name");
		cl->out_path = arg;
		break;
	case 'z':
		if (!(cl->groups & TDX_CL_ZERO))
			return ARGP_ERR_UNKNOWN;
		cl->skip_zero = true;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}


static const struct argp_option time_options[] = {
	{ NULL, 0, NULL, 0, "Time:", 13 },
	{ "delay", 'd', "INTERVAL", 0, "One report (refresh) every INTERVAL: seconds "
	  "or with a unit (500ms, 2m); a replay or simulation steps INTERVAL of its "
	  "own time", 13 },
	{ "interval", 'i', "INTERVAL", OPTION_ALIAS, NULL, 13 },
	{ "count", 'n', "N", 0, "Stop after N intervals", 13 },
	{ "iterations", 0, NULL, OPTION_ALIAS, NULL, 13 },
	{ "once", '1', NULL, 0, "One interval, one report, then exit (-n 1)", 13 },
	{},
};

static error_t parse_interval(struct argp_state *state, struct tdx_cl *cl, const char *arg)
{
	long long v = tdx_cl_parse_duration(arg, "s");

	if (v <= 0 || (__u64)v < cl->min_interval_ns) {
		if (cl->min_interval_ns)
			return tdx_cl_usage_error(state, "invalid interval '%s' (at least %gs)",
						  arg, (double)cl->min_interval_ns / 1e9);
		return tdx_cl_usage_error(state, "invalid interval '%s' (seconds, or "
					  "with a unit: 500ms)", arg);
	}
	if (v > 86400LL * 1000000000LL)
		return tdx_cl_usage_error(state, "invalid interval '%s' (at most a day)", arg);
	cl->interval_ns = (__u64)v;
	return 0;
}

static error_t parse_count(struct argp_state *state, struct tdx_cl *cl, const char *arg)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v <= 0)
		return tdx_cl_usage_error(state, "invalid count '%s' (a positive integer)", arg);
	cl->count = v;
	return 0;
}

static error_t time_parse(int key, char *arg, struct argp_state *state)
{
	struct tdx_cl *cl = state->input;

	switch (key) {
	case 'd':
	case 'i':
		return parse_interval(state, cl, arg);
	case 'n':
		return parse_count(state, cl, arg);
	case '1':
		cl->once = true;
		cl->count = 1;
		break;
	case ARGP_KEY_ARG:
		/* [INTERVAL [COUNT]] as libbpf-tools; with -d only COUNT */
		if (cl->groups & TDX_CL_NOPOS)
			return ARGP_ERR_UNKNOWN;
		if (cl->npos == 0 && !cl->interval_ns) {
			error_t err = parse_interval(state, cl, arg);

			if (err)
				return err;
		} else if (cl->npos < 2 && !cl->count) {
			error_t err = parse_count(state, cl, arg);

			if (err)
				return err;
		} else {
			return tdx_cl_usage_error(state, "unexpected argument '%s'", arg);
		}
		cl->npos++;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp time_argp = { .options = time_options, .parser = time_parse };

static const struct argp_option verbose_options[] = {
	{ NULL, 0, NULL, 0, "Messages:", 14 },
	{ "verbose", 'v', NULL, 0, "Show libbpf's and the loader's debug output", 14 },
	{},
};

static error_t verbose_parse(int key, char *arg, struct argp_state *state)
{
	struct tdx_cl *cl = state->input;

	(void)arg;
	if (key != 'v')
		return ARGP_ERR_UNKNOWN;
	/* one -v: everything (libbpf's debug level included), as libbpf-tools */
	cl->opts.verbose = cl->opts.verbose < 2 ? 2 : cl->opts.verbose + 1;
	return 0;
}

static const struct argp verbose_argp = { .options = verbose_options, .parser = verbose_parse };

static const struct argp_option help_options[] = {
	{ NULL, 0, NULL, 0, "Help:", -1 },
	{ "help", 'h', NULL, 0, "Show this help", -1 },
	{ "usage", OPT_USAGE, NULL, 0, "Show a short usage message", -1 },
	{},
};

struct top_input {
	struct tdx_cl *cl;
	void *tool_input;
	int n_children;
	const struct argp *top;
};

/* The option named by arg ("--sim", "--sim=x", "-p", "-p5") in argp's tree. */
static const struct argp_option *find_opt(const struct argp *a, const char *arg)
{
	for (const struct argp_option *o = a->options; o && (o->name || o->key || o->doc); o++) {
		if (arg[1] == '-' && o->name) {
			size_t n = strcspn(arg + 2, "=");

			if (strlen(o->name) == n && !strncmp(o->name, arg + 2, n))
				return o;
		} else if (arg[1] != '-' && o->key > 0 && o->key < 128 && isprint(o->key) &&
			   o->key == arg[1]) {
			return o;
		}
	}
	for (const struct argp_child *c = a->children; c && c->argp; c++) {
		const struct argp_option *o = find_opt(c->argp, arg);

		if (o)
			return o;
	}
	return NULL;
}

static error_t top_parse(int key, char *arg, struct argp_state *state)
{
	struct top_input *in = state->input;
	struct tdx_cl *cl = in->cl;

	(void)arg;
	switch (key) {
	case ARGP_KEY_INIT:
		for (int i = 0; i < in->n_children; i++)
			state->child_inputs[i] = cl;
		if (in->tool_input)
			state->child_inputs[0] = in->tool_input;
		break;
	/* argp_help: argp_state_help prints nothing under ARGP_NO_ERRS */
	case 'h':
		argp_help(in->top, stdout, ARGP_HELP_STD_HELP & ~ARGP_HELP_EXIT_OK,
			  (char *)cl->prog);
		cl->help_shown = true;
		break;
	case OPT_USAGE:
		argp_help(in->top, stdout, ARGP_HELP_USAGE, (char *)cl->prog);
		cl->help_shown = true;
		break;
	case ARGP_KEY_ERROR:
		/* argp's own errors (ARGP_NO_ERRS: it says nothing): name the argument */
		if (!cl->usage_printed) {
			const char *bad = state->next > 0 && state->next <= state->argc ?
					  state->argv[state->next - 1] : NULL;

			const struct argp_option *o = bad && bad[0] == '-' && bad[1] ?
							find_opt(in->top, bad) : NULL;

			if (o && o->arg)
				tdx_cl_usage_error(state, "option '%s' needs an argument (%s)",
						   bad, o->arg);
			else if (o && bad[1] != '-')	/* -bx: x is what is unknown */
				tdx_cl_usage_error(state, "unknown option in '%s'", bad);
			else if (o)
				tdx_cl_usage_error(state, "option '%s' takes no argument", bad);
			else if (bad && bad[0] == '-' && bad[1])
				tdx_cl_usage_error(state, "unknown option '%s'", bad);
			else if (bad)
				tdx_cl_usage_error(state, "invalid argument '%s'", bad);
			else
				tdx_cl_usage_error(state, "invalid arguments");
		}
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int tdx_cl_parse(struct tdx_cl *cl, const struct argp *tool, void *tool_input,
		 int argc, char **argv)
{
	struct argp_child children[8];
	struct top_input in = { .cl = cl, .tool_input = tool_input };
	struct argp tool_copy, output_argp;
	struct argp_option out_opts[8];
	struct argp top = {
		.options = help_options,
		.parser = top_parse,
		.args_doc = cl->args_doc ? cl->args_doc : tool ? tool->args_doc : NULL,
		.doc = tool ? tool->doc : NULL,
		.children = children,
	};
	char **av = calloc((size_t)argc + 1, sizeof(*av));
	int n = 0, idx;
	error_t err;

	if (!av)
		return TDX_EXIT_FAIL;
	if (!cl->args_doc && tool)
		cl->args_doc = tool->args_doc;	/* the usage line's */
	if (tool) {
		/* the tool's doc and positionals are the top's; its options a group */
		tool_copy = *tool;
		tool_copy.doc = NULL;
		tool_copy.args_doc = NULL;
		children[n++] = (struct argp_child){ &tool_copy, 0, NULL, 0 };
	} else {
		in.tool_input = NULL;
	}
	if (cl->groups & TDX_CL_SOURCE)
		children[n++] = (struct argp_child){ &source_argp, 0, NULL, 0 };
	if (cl->groups & TDX_CL_FILTER)
		children[n++] = (struct argp_child){ &filter_argp, 0, NULL, 0 };
	if (cl->groups & (TDX_CL_JSON | TDX_CL_CSV | TDX_CL_OUTPUT | TDX_CL_ZERO)) {
		/* only the output options this tool takes, in its help too */
		int k = 0;

		out_opts[k++] = output_options[0];
		for (const struct argp_option *o = output_options + 1; o->name; o++)
			if (cl->groups & (o->key == 'j' ? TDX_CL_JSON : o->key == OPT_CSV ?
					  TDX_CL_CSV : o->key == 'o' ? TDX_CL_OUTPUT : TDX_CL_ZERO)) {
				out_opts[k] = *o;
				if (o->key == 'o' && cl->output_doc)
					out_opts[k].doc = cl->output_doc;
				k++;
			} else if (o->key == OPT_CSV) {
				/* not in --help; refused with where CSV is */
				out_opts[k] = *o;
				out_opts[k++].flags |= OPTION_HIDDEN;
			}
		out_opts[k] = (struct argp_option){ 0 };
		output_argp = (struct argp){ .options = out_opts, .parser = output_parse };
		children[n++] = (struct argp_child){ &output_argp, 0, NULL, 0 };
	}
	if (cl->groups & TDX_CL_TIME)
		children[n++] = (struct argp_child){ &time_argp, 0, NULL, 0 };
	if (cl->groups & TDX_CL_VERBOSE)
		children[n++] = (struct argp_child){ &verbose_argp, 0, NULL, 0 };
	children[n] = (struct argp_child){ 0 };
	in.n_children = n;
	in.top = &top;

	av[0] = (char *)cl->prog;
	for (int i = 1; i < argc; i++)
		av[i] = argv[i];
	cur = cl;
	cl->usage_printed = false;
	/*
	 * ARGP_NO_ERRS: argp and getopt print nothing; an unknown option or a
	 * missing argument is named in one message by top_parse's
	 * ARGP_KEY_ERROR (then one usage line).
	 */
	err = argp_parse(&top, argc, av, ARGP_NO_EXIT | ARGP_NO_HELP | ARGP_NO_ERRS,
			 &idx, &in);
	if (!err && idx < argc && !cl->help_shown) {
		/* a positional nobody took */
		tdx_cl_usage_errorf(cl, "unexpected argument '%s'", av[idx]);
		err = EINVAL;
		cl->usage_printed = true;
	}
	if (err && !cl->usage_printed)
		tdx_cl_usage_errorf(cl, "invalid arguments");
	free(av);
	cur = NULL;
	if (err)
		return TDX_EXIT_USAGE;
	return cl->help_shown ? 1 : 0;
}

/* ------------------------------------------------------------ guests */

/* The guest name of a QEMU command line (NUL-separated argv), or NULL. */
static const char *qemu_guest_name(const char *cmd, size_t len, char *buf, size_t size)
{
	const char *p = cmd, *end = cmd + len;

	while (p < end) {
		const char *arg = p;

		p += strnlen(p, (size_t)(end - p)) + 1;
		if ((!strcmp(arg, "-name") || !strcmp(arg, "--name")) && p < end) {
			const char *v = p, *g = strstr(v, "guest=");
			size_t n;

			/* "-name guest=NAME,debug-threads=on" or "-name NAME[,...]" */
			if (g && (g == v || g[-1] == ','))
				v = g + 6;
			n = strcspn(v, ",");
			if (n >= size)
				n = size - 1;
			memcpy(buf, v, n);
			buf[n] = 0;
			return buf;
		}
	}
	return NULL;
}

static ssize_t read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return n;
}

int tdx_cl_find_guest(const char *proc, const char *name, __u32 *pids, int max)
{
	DIR *d = opendir(proc);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) && n < max) {
		char path[PATH_MAX], buf[4096], gbuf[256];
		const char *g;
		ssize_t len;
		char *end;
		unsigned long pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = strtoul(de->d_name, &end, 10);
		if (*end || !pid || pid > INT_MAX)
			continue;
		snprintf(path, sizeof(path), "%s/%s/comm", proc, de->d_name);
		len = read_small(path, buf, sizeof(buf));
		if (len > 0) {
			buf[strcspn(buf, "\n")] = 0;
			if (!strcmp(buf, name)) {
				pids[n++] = (__u32)pid;
				continue;
			}
		}
		snprintf(path, sizeof(path), "%s/%s/cmdline", proc, de->d_name);
		len = read_small(path, buf, sizeof(buf));
		if (len > 0 && (g = qemu_guest_name(buf, (size_t)len, gbuf, sizeof(gbuf))) &&
		    !strcmp(g, name))
			pids[n++] = (__u32)pid;
	}
	closedir(d);
	return n;
}

/* -g against the TDs an offline source names (their VMM comm). */
static int find_guest_offline(const struct tdx_cl *cl, const char *name, __u32 *pids,
			      int max)
{
	struct tdx_source *src;
	const struct tdx_source_info *info;
	int err, n = 0;

	err = cl->opts.source == TDX_SRC_SIM ?
		tdx_source_open_sim(&src, cl->opts.sim_spec) :
		tdx_source_open_file(&src, cl->opts.replay_path);
	if (err)
		return err;
	info = tdx_source_info(src);
	for (size_t i = 0; info && i < info->n_td && n < max; i++)
		if (!strcmp(info->td[i].comm, name))
			pids[n++] = info->td[i].pid;
	tdx_source_close(src);
	return n;
}

static int resolve_guests(struct tdx_cl *cl, struct tdx_opts *o)
{
	struct tdx_filter *f = &o->filter;

	for (int g = 0; g < cl->nguests; g++) {
		__u32 pids[TDX_FILTER_MAX_PIDS];
		int n;

		n = cl->opts.source == TDX_SRC_LIVE ?
			tdx_cl_find_guest("/proc", cl->guests[g], pids, TDX_FILTER_MAX_PIDS) :
			find_guest_offline(cl, cl->guests[g], pids, TDX_FILTER_MAX_PIDS);
		if (n < 0)
			return n;	/* the source's error: tdx_open says it again */
		if (n == 0)
			return tdx_cl_usage_errorf(cl, "-g %s: no %s by that name (%s)",
						   cl->guests[g],
						   cl->opts.source == TDX_SRC_LIVE ? "process" :
						   "TD in the source",
						   cl->opts.source == TDX_SRC_LIVE ?
						   "a VMM command name or QEMU -name guest" :
						   "the VMM name of one of its TDs");
		for (int i = 0; i < n; i++) {
			bool dup = false;

			for (int j = 0; j < f->npids; j++)
				dup |= f->pids[j] == pids[i];
			if (dup)
				continue;
			if (f->npids >= TDX_FILTER_MAX_PIDS)
				return tdx_cl_usage_errorf(cl, "-p and -g name more than %d TDs",
							   TDX_FILTER_MAX_PIDS);
			f->pids[f->npids++] = pids[i];
		}
	}
	return 0;
}

/* ------------------------------------------------------------ open */

const char *tdx_cl_source_type(const struct tdx_cl *cl)
{
	switch (cl->opts.source) {
	case TDX_SRC_REPLAY: return "replay";
	case TDX_SRC_SIM: return "sim";
	default: return "live";
	}
}

const char *tdx_cl_source_name(const struct tdx_cl *cl)
{
	switch (cl->opts.source) {
	case TDX_SRC_REPLAY: return cl->opts.replay_path ? cl->opts.replay_path : "";
	case TDX_SRC_SIM: return cl->opts.sim_spec ? cl->opts.sim_spec : "";
	default: return "";
	}
}

int tdx_cl_exit_code(const struct tdx_cl *cl, int err)
{
	if (tdx_last_failure() == TDX_FAIL_SOURCE) {
		struct stat st;

		if (cl && cl->opts.source == TDX_SRC_SIM)
			return err == -ENOMEM ? TDX_EXIT_FAIL : TDX_EXIT_USAGE;	/* a bad spec */
		/* an empty file holds no events: NODATA, not a corrupt one */
		if (cl && cl->opts.replay_path && err != -ENOENT &&
		    !stat(cl->opts.replay_path, &st) && st.st_size == 0 &&
		    !S_ISDIR(st.st_mode))
			return TDX_EXIT_NODATA;
		return tdx_source_exit_code(err, false);	/* source.h: one mapping */
	}
	if (err == -EPERM || err == -EACCES)
		return TDX_EXIT_NOPERM;
	if (err == -ENODEV)
		return TDX_EXIT_UNAVAILABLE;
	return TDX_EXIT_FAIL;
}

int tdx_cl_open_failed(const struct tdx_cl *cl, int err)
{
	int rc = tdx_cl_exit_code(cl, err);

	fprintf(stderr, "%s: %s\n", cl->prog, tdx_last_error());
	if (rc == TDX_EXIT_UNAVAILABLE)
		fprintf(stderr, "%s: probed: the tdx:/kvm:/kvmmmu: tracepoints in "
			"/sys/kernel/btf/vmlinux and tracefs, then the TDX host functions "
			"(tdh_*, tdx_*) for fentry; no TDX host here? try --sim steady "
			"(the simulator) or --replay FILE\n", cl->prog);
	else if (rc == TDX_EXIT_NOPERM && cl->opts.source == TDX_SRC_LIVE)
		fprintf(stderr, "%s: run as root, or try --sim steady (no privileges "
			"needed)\n", cl->prog);
	return rc;
}

int tdx_cl_resolve(struct tdx_cl *cl, struct tdx_opts *o)
{
	int err;

	tdx_set_verbose(cl->opts.verbose);
	if (!cl->nguests)
		return 0;
	err = resolve_guests(cl, o);
	/* err < 0: the source cannot be opened; tdx_open says why */
	return err > 0 ? err : 0;
}

int tdx_cl_open(struct tdx_cl *cl, struct tdx_session **out)
{
	int err = tdx_cl_resolve(cl, &cl->opts);

	if (err)
		return err;
	err = tdx_open(out, &cl->opts);
	if (err)
		return tdx_cl_open_failed(cl, err);
	return 0;
}

/* ------------------------------------------------------------ output files */

int tdx_cl_out_open(struct tdx_cl_out *o, const char *path)
{
	const char *slash;
	size_t dirlen;
	mode_t um;
	int fd;

	memset(o, 0, sizeof(*o));
	if (!path || !strcmp(path, "-")) {
		o->f = stdout;
		return 0;
	}
	o->path = strdup(path);
	slash = strrchr(path, '/');
	dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	if (!o->path || asprintf(&o->tmp, "%.*s.%s.XXXXXX", (int)dirlen, path,
				 path + dirlen) < 0) {
		free(o->path);
		o->path = NULL;
		o->tmp = NULL;
		tdx_set_error("out of memory");
		return -ENOMEM;
	}
	fd = mkstemp(o->tmp);
	if (fd < 0) {
		int e = errno;

		tdx_set_error("%s: %s", path, strerror(e));
		free(o->tmp);
		free(o->path);
		o->tmp = o->path = NULL;
		return -e;
	}
	/* mkstemp makes 0600; an output file is 0644 under the umask */
	um = umask(0);
	umask(um);
	fchmod(fd, 0644 & ~um);
	o->f = fdopen(fd, "w");
	if (!o->f) {
		int e = errno;

		close(fd);
		unlink(o->tmp);
		tdx_set_error("%s: %s", path, strerror(e));
		free(o->tmp);
		free(o->path);
		o->tmp = o->path = NULL;
		return -e;
	}
	return 0;
}

int tdx_cl_out_close(struct tdx_cl_out *o, bool ok)
{
	int ret = 0;

	if (!o->f)
		return 0;
	if (o->f == stdout) {
		/* EPIPE: the reader went away (| head), which ends output normally */
		if ((fflush(stdout) == EOF || ferror(stdout)) && errno != EPIPE) {
			tdx_set_error("write: %s", strerror(errno ? errno : EIO));
			ret = -EIO;
		}
		o->f = NULL;
		return ret;
	}
	if (fflush(o->f) == EOF || ferror(o->f) || fsync(fileno(o->f))) {
		tdx_set_error("%s: write: %s", o->path, strerror(errno ? errno : EIO));
		ret = -EIO;
	}
	if (fclose(o->f) && !ret) {
		tdx_set_error("%s: close: %s", o->path, strerror(errno));
		ret = -EIO;
	}
	o->f = NULL;
	if (ok && !ret && rename(o->tmp, o->path)) {
		tdx_set_error("rename %s -> %s: %s", o->tmp, o->path, strerror(errno));
		ret = -errno;
	}
	if (!ok || ret)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	o->tmp = o->path = NULL;
	return ret;
}

int tdx_cl_check_source(const struct tdx_cl *cl, struct tdx_session *s,
			const char *name, char *msg, size_t len)
{
	const struct tdx_source *src = tdx_session_source(s);
	struct tdx_source_counts n;
	unsigned every;
	size_t w = 0;

#define APPEND(...)							\
	do {								\
		int k_ = snprintf(msg + w, len - w, __VA_ARGS__);	\
		if (k_ > 0)						\
			w = w + (size_t)k_ < len ? w + (size_t)k_ : len - 1; \
	} while (0)
	if (len)
		msg[0] = 0;
	if (!src || !len)
		return 0;
	tdx_source_counts(src, &n);
	every = tdx_source_info(src)->sample_every;
	if (every > 1)
		APPEND("%s: %s: a sampled recording: 1 event in %u kept; counts and rates are 1/%u of the traffic\n",
		       cl->prog, name, every, every);
	/* skipped records are named even when some events were imported */
	if (n.skipped_unknown || n.skipped_short)
		APPEND("%s: %s: %llu of %llu records skipped (%llu of events tdxtrace does not know, %llu cut short)\n",
		       cl->prog, name, (unsigned long long)(n.skipped_unknown + n.skipped_short),
		       (unsigned long long)n.records, (unsigned long long)n.skipped_unknown,
		       (unsigned long long)n.skipped_short);
	if (n.events)
		return 0;
	APPEND("%s: %s: no TDX events (%llu records read)\n", cl->prog, name,
	       (unsigned long long)n.records);
#undef APPEND
	return TDX_EXIT_NODATA;
}
