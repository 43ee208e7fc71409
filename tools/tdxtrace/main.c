// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * main.c - `tdxtrace <command> [options]`: one-shot TDX reports, record and
 * replay, perf-style.  Each command lives in its own file (lat.c, ept.c, ...)
 * and is listed in cli_cmds[] below.
 *
 * Exit codes: TDX_EXIT_TABLE (tools/lib/tdxtrace.h; tdxtrace(8), EXIT STATUS).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

const struct cli_cmd *const cli_cmds[] = {
	&cli_cmd_lat,
	&cli_cmd_ept,
	&cli_cmd_convert,
	&cli_cmd_mix,
	&cli_cmd_hugepage,
	&cli_cmd_contention,
	&cli_cmd_flows,
	&cli_cmd_stat,
	&cli_cmd_record,
	&cli_cmd_report,
	&cli_cmd_sim,
	&cli_cmd_exporter,
	NULL,
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: tdxtrace COMMAND [OPTION...] [ARG...]\n"
		"Observe Intel TDX confidential VMs on a KVM host.\n\n"
		"Commands:\n");
	for (int i = 0; cli_cmds[i]; i++)
		fprintf(f, "  %-12s %s\n", cli_cmds[i]->name, cli_cmds[i]->summary);
	fprintf(f, "\nEvery command takes a source: this kernel's tracepoints (default), "
		"--replay FILE\n(a tdxtrace record file or a trace-cmd trace.dat) or "
		"--sim SCENARIO[:SEED];\nthe filters -p PID[,PID], -l LEAF[,LEAF], -g GUEST; -d INTERVAL or "
		"[INTERVAL [COUNT]];\n--json, -o FILE, -v, -h.  `tdxtrace COMMAND -h` shows "
		"a command's options.\nExit codes: tdxtrace(8), EXIT STATUS.\n\n"
		"EXAMPLES:\n"
		"  tdxtrace lat                      # SEAMCALL latency histograms until Ctrl-C\n"
		"  tdxtrace stat 10 1                # count every TDX event for 10 s\n"
		"  tdxtrace record -o run.tdxrec     # record until Ctrl-C\n"
		"  tdxtrace report run.tdxrec        # every report from the recording\n"
		"  tdxtrace lat --sim steady --json  # on the simulator, as JSON\n\n"
		"See tdxtrace(8), docs/cli.md (JSON schemas) and docs/perf.md "
		"(perf/trace-cmd recipes).\n");
}

/*
 * -o FILE of a report: stdout goes to a temporary next to FILE, renamed
 * over it only when the report is complete (an error or Ctrl-C before the
 * end leaves FILE as it was).
 */
static int run_to_file(struct cli *c, const struct cli_cmd *cmd)
{
	struct tdx_cl_out out;
	int rc, saved, err;

	if (tdx_cl_out_open(&out, c->cl.out_path)) {
		fprintf(stderr, "%s: %s\n", c->prog, tdx_last_error());
		return TDX_EXIT_CANTCREAT;
	}
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	if (saved < 0 || dup2(fileno(out.f), STDOUT_FILENO) < 0) {
		fprintf(stderr, "%s: -o: %s\n", c->prog, strerror(errno));
		tdx_cl_out_close(&out, false);
		return TDX_EXIT_CANTCREAT;
	}
	rc = cli_run_report(c, cmd->report);
	if (fflush(stdout) == EOF && !rc)
		rc = TDX_EXIT_CANTCREAT;
	dup2(saved, STDOUT_FILENO);
	close(saved);
	err = tdx_cl_out_close(&out, rc == TDX_EXIT_OK);	/* Ctrl-C ends a live report */
	if (err && !rc) {
		fprintf(stderr, "%s: %s\n", c->prog, tdx_last_error());
		rc = TDX_EXIT_CANTCREAT;
	}
	return rc;
}

/* A usage error of the command word: one message, one usage line. */
static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "tdxtrace: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nUsage: tdxtrace COMMAND [OPTION...] (");
	for (int i = 0; cli_cmds[i]; i++)
		fprintf(stderr, "%s%s", i ? "|" : "", cli_cmds[i]->name);
	fprintf(stderr, "; see 'tdxtrace --help')\n");
	return TDX_EXIT_USAGE;
}

static const struct cli_cmd *find_cmd(const char *name)
{
	for (int i = 0; cli_cmds[i]; i++)
		if (!strcmp(cli_cmds[i]->name, name))
			return cli_cmds[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct cli_cmd *cmd;
	struct cli c;
	int rc;

	if (argc < 2)
		return usage_error("missing command%s", "");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return TDX_EXIT_OK;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("tdxtrace %s\n", TDXTRACE_VERSION);
		return TDX_EXIT_OK;
	}
	if (!strcmp(argv[1], "help")) {
		if (argc < 3) {
			usage(stdout);
			return TDX_EXIT_OK;
		}
		cmd = find_cmd(argv[2]);
		if (!cmd)
			return usage_error("unknown command '%s'", argv[2]);
		cli_init(&c, cmd->name);
		char *hargv[] = { argv[2], (char *)"--help", NULL };

		return cli_parse(&c, cmd, 2, hargv) == 1 ? TDX_EXIT_OK : TDX_EXIT_USAGE;
	}
	cmd = find_cmd(argv[1]);
	if (!cmd)
		return usage_error("unknown command '%s'", argv[1]);
	cli_init(&c, cmd->name);
	rc = cli_parse(&c, cmd, argc - 1, argv + 1);
	if (rc == 1)
		return TDX_EXIT_OK;
	if (rc)
		return rc;
	/* before any loading: a Ctrl-C from now on stops cleanly */
	cli_install_signals();
	if (cmd->report && c.cl.out_path)
		return run_to_file(&c, cmd);
	return cmd->report ? cli_run_report(&c, cmd->report) : cmd->run(&c);
}
