// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * main.c - `tdxtrace <command> [options]`: one-shot TDX reports, record and
 * replay, perf-style.  Each command lives in its own file (lat.c, ept.c, ...)
 * and is listed in cli_cmds[] below.
 *
 * Exit codes: 0 ok, 1 runtime error, 2 usage error, 77 missing privileges.
 */
#include <stdlib.h>
#include <string.h>

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
		"--sim SCENARIO[:SEED];\nand --json, -v, -h.  `tdxtrace COMMAND -h` shows "
		"a command's options.\n\n"
		"EXAMPLES:\n"
		"  tdxtrace lat                      # SEAMCALL latency histograms until Ctrl-C\n"
		"  tdxtrace stat -d 10               # count every TDX event for 10 s\n"
		"  tdxtrace record -o run.tdxrec     # record until Ctrl-C\n"
		"  tdxtrace report run.tdxrec        # every report from the recording\n"
		"  tdxtrace lat --sim steady --json  # on the simulator, as JSON\n\n"
		"See tdxtrace(8), docs/cli.md (JSON schemas) and docs/perf.md "
		"(perf/trace-cmd recipes).\n");
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

	if (argc < 2) {
		usage(stderr);
		return TDX_EXIT_USAGE;
	}
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
		if (!cmd) {
			fprintf(stderr, "tdxtrace: unknown command '%s'\n", argv[2]);
			usage(stderr);
			return TDX_EXIT_USAGE;
		}
		cli_init(&c, cmd->name);
		char *hargv[] = { argv[2], (char *)"--help", NULL };

		return cli_parse(&c, cmd, 2, hargv) == 1 ? TDX_EXIT_OK : TDX_EXIT_USAGE;
	}
	cmd = find_cmd(argv[1]);
	if (!cmd) {
		fprintf(stderr, "tdxtrace: unknown command '%s'\n\n", argv[1]);
		usage(stderr);
		return TDX_EXIT_USAGE;
	}
	cli_init(&c, cmd->name);
	rc = cli_parse(&c, cmd, argc - 1, argv + 1);
	if (rc == 1)
		return TDX_EXIT_OK;
	if (rc)
		return rc;
	/* before any loading: a Ctrl-C from now on stops cleanly */
	cli_install_signals();
	return cmd->report ? cli_run_report(&c, cmd->report) : cmd->run(&c);
}
