// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_cli_args.c - the command lines of `tdxtrace <cmd>`: cli_parse() with
 * each subcommand's argp (common source/filter/time/output options: -L LEAF
 * lists, -p PID lists, durations, sizes, INTERVAL COUNT), and the value
 * parsers behind them called directly.
 *
 * Input: byte 0 picks the subcommand, the rest is split on NUL or '\n' into
 * argv.  Invariants: cli_parse returns 0, 1 or TDX_EXIT_USAGE; an accepted
 * command line leaves the filter consistent (npids <= max, leaf bits only
 * for named leaves, no pid 0); the value parsers return -1 or a value >= 0.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../tools/tdxtrace/cli.h"
#include "source.h"

static const struct cli_cmd *const cmds[] = {
	&cli_cmd_lat, &cli_cmd_ept, &cli_cmd_convert, &cli_cmd_mix,
	&cli_cmd_contention, &cli_cmd_stat, &cli_cmd_record, &cli_cmd_report,
	&cli_cmd_sim,
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))
#define MAXARGS 32

static void check_filter(const struct tdx_filter *f)
{
	if (f->npids < 0 || f->npids > TDX_FILTER_MAX_PIDS)
		abort();
	for (int i = 0; i < f->npids; i++)
		if (!f->pids[i])
			abort();
	for (unsigned nr = 0; nr < TDX_LEAF_MAX; nr++)
		if ((f->leaf_mask[nr / 64] >> (nr % 64) & 1) && !tdx_leaf_name(nr))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *argv[MAXARGS + 1], bad[64];
	const struct cli_cmd *cmd;
	struct tdx_filter f;
	struct cli c;
	int argc = 1, r;

	if (size < 1 || size > 4096)
		return 0;
	cmd = cmds[data[0] % NCMDS];
	buf = malloc(size);
	if (!buf)
		abort();
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = 0;
	argv[0] = (char *)cmd->name;
	for (char *p = buf; p < buf + size - 1 && argc < MAXARGS;) {
		char *e = p;

		while (*e && *e != '\n')
			e++;
		*e = 0;
		argv[argc++] = p;
		p = e + 1;
	}
	argv[argc] = NULL;

	/* the value parsers on every argument */
	for (int i = 1; i < argc; i++) {
		if (cli_parse_duration(argv[i], "s") < -1 || cli_parse_size(argv[i]) < -1)
			abort();
		memset(&f, 0, sizeof(f));
		r = cli_parse_pids(&f, argv[i]);
		if (r != 0 && r != -1)
			abort();
		check_filter(&f);
		memset(&f, 0, sizeof(f));
		bad[0] = 0;
		r = cli_parse_leaves(&f, argv[i], bad, sizeof(bad));
		if (r != 0 && r != -1)
			abort();
		if (!r)
			check_filter(&f);
	}

	/*
	 * A valid --sim spec is checked by opening the simulator (~1 s under
	 * ASan): leave those to fuzz_sim_spec and keep this harness fast.
	 */
	for (int i = 1; i < argc; i++)
		for (int k = 0; tdx_sim_scenarios[k]; k++)
			if (strstr(argv[i], tdx_sim_scenarios[k])) {
				free(buf);
				return 0;
			}
	cli_init(&c, cmd->name);
	r = cli_parse(&c, cmd, argc, argv);
	if (r != 0 && r != 1 && r != TDX_EXIT_USAGE)
		abort();
	if (!r)
		check_filter(&c.topts.filter);
	free(c.series);
	free(buf);
	return 0;
}
