// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * report.c - `tdxtrace report FILE`: every report (stat, lat, ept, convert,
 * mix, contention, flows) from one pass over a record file or trace.dat.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "source.h"

static const struct cli_report *const reports[] = {
	&cli_report_stat, &cli_report_lat, &cli_report_ept, &cli_report_convert,
	&cli_report_mix, &cli_report_contention, &cli_report_flows, NULL,
};

static struct json_object *file_json(const struct tdx_source_info *in)
{
	struct json_object *o = json_object_new_object();
	struct json_object *tds = json_object_new_array();

	json_object_object_add(o, "format", json_object_new_string(in->format));
	json_object_object_add(o, "host", json_object_new_string(in->host));
	json_object_object_add(o, "kernel", json_object_new_string(in->kernel));
	json_object_object_add(o, "tdx_module", json_object_new_string(in->tdx_module));
	json_object_object_add(o, "start_ns", cli_json_u64(in->start_ns));
	json_object_object_add(o, "lost", cli_json_u64(in->lost));
	/* a sampled recording (record -S N): 1 event in N kept, else 1 */
	json_object_object_add(o, "sample_every", cli_json_u64(in->sample_every > 1 ?
							      in->sample_every : 1));
	for (size_t i = 0; i < in->n_td && i < TDX_SOURCE_MAX_TDS; i++) {
		struct json_object *t = json_object_new_object();

		json_object_object_add(t, "pid", cli_json_u64(in->td[i].pid));
		json_object_object_add(t, "comm", json_object_new_string(in->td[i].comm));
		json_object_object_add(t, "vcpus", cli_json_u64(in->td[i].vcpus));
		json_object_array_add(tds, t);
	}
	json_object_object_add(o, "tds", tds);
	return o;
}

/*
 * Every report at once: what the driver prints for a segment that a TDX
 * module update ended (issue 18); the last segment is printed below.
 */
static void all_text(FILE *f, const struct cli *c, const struct tdx_snapshot *s)
{
	for (int i = 0; reports[i]; i++) {
		fprintf(f, "\n==== %s ====\n", reports[i]->name);
		reports[i]->text(f, c, s);
	}
}

static struct tdx_source_info *seg_info;	/* the file, for a segment's JSON */

static struct json_object *all_json(const struct cli *c, const struct tdx_snapshot *s)
{
	struct json_object *o = cli_json_envelope(c, s, "report");
	struct json_object *all = json_object_new_object();

	json_object_object_add(o, "file", file_json(seg_info));
	for (int i = 0; reports[i]; i++)
		json_object_object_add(all, reports[i]->name, reports[i]->json(c, s));
	json_object_object_add(o, "reports", all);
	return o;
}

static int report_run(struct cli *c)
{
	struct cli_report all = cli_report_mix;	/* mix's sampling, every report's output */
	struct tdx_source_info *info = calloc(1, sizeof(*info));
	struct tdx_snapshot snap = { 0 };
	struct tdx_session *s = NULL;
	int rc;

	if (!info)
		return TDX_EXIT_FAIL;
	cli_report_mix.prepare(c);	/* split attribution through the stream */
	rc = cli_open(c, &s);
	if (rc) {
		s = NULL;
		goto out;
	}
	seg_info = info;
	if (cli_source_info(c, s, info))	/* the header, for segments; redone below */
		memset(info, 0, sizeof(*info));
	all.text = all_text;
	all.json = all_json;
	rc = cli_collect(c, &all, s, &snap);
	if (rc)
		goto out;
	/* after the pass: a trace.dat counts its missed events as it is read */
	rc = cli_source_info(c, s, info);
	if (rc)
		goto out;
	if (c->json) {
		struct json_object *o = cli_json_envelope(c, &snap, "report");
		struct json_object *all = json_object_new_object();

		json_object_object_add(o, "file", file_json(info));
		if (tdx_module_segment(s)) {
			json_object_object_add(o, "tdx_module", json_object_new_string(tdx_module_version(s)));
			json_object_object_add(o, "module_segment", cli_json_u64(tdx_module_segment(s)));
		}
		for (int i = 0; reports[i]; i++)
			json_object_object_add(all, reports[i]->name, reports[i]->json(c, &snap));
		json_object_object_add(o, "reports", all);
		cli_json_print(stdout, o);
		json_object_put(o);
	} else {
		printf("%s: %s, host %s, kernel %s%s%s, %zu TD%s, %.3f s\n",
		       c->topts.source == TDX_SRC_SIM ? c->sim_spec : c->replay_path,
		       info->format, info->host[0] ? info->host : "?",
		       info->kernel[0] ? info->kernel : "?",
		       info->tdx_module[0] ? ", TDX module " : "", info->tdx_module,
		       info->n_td, info->n_td == 1 ? "" : "s", cli_seconds(c));
		if (tdx_module_segment(s))
			printf("==== TDX module %s (segment %u) ====\n", tdx_module_version(s),
			       tdx_module_segment(s));
		for (int i = 0; reports[i]; i++) {
			printf("\n==== %s ====\n", reports[i]->name);
			reports[i]->text(stdout, c, &snap);
		}
	}
	if (c->plot && cli_plot_lat(c, &snap))
		rc = TDX_EXIT_FAIL;
out:
	free(info);
	tdx_snapshot_free(&snap);
	if (s)
		tdx_close(s);
	cli_mix_cleanup(c);
	return rc;
}

static const struct argp_option report_options[] = {
	CLI_OPT_PER_TD("Latency histograms per TD and leaf"),
	CLI_OPT_MSECS,
	CLI_OPT_TOP("Rows of the top-N tables (default 10)"),
	{},
};

static error_t report_parse(int key, char *arg, struct argp_state *state)
{
	struct cli *c = state->input;

	switch (key) {
	case ARGP_KEY_ARG:
		if (c->replay_path || c->sim_spec)
			return cli_usage_error(state, "one FILE only");
		c->replay_path = arg;
		c->topts.replay_path = arg;
		c->topts.source = TDX_SRC_REPLAY;
		break;
	case ARGP_KEY_END:
		if (!c->replay_path && !c->sim_spec && !c->help_shown)
			return cli_usage_error(state, "missing FILE");
		break;
	default:
		return cli_opt_parse(key, arg, state);
	}
	return 0;
}

const struct cli_cmd cli_cmd_report = {
	.plot = true,
	.name = "report",
	.summary = "every report from a record file or trace.dat",
	.options = report_options,
	.parser = report_parse,
	.args_doc = "FILE",
	.doc = "Print every report (stat, lat, ept, convert, mix, contention) of a "
	       "tdxtrace record file or a trace-cmd trace.dat."
	       "\v"
	       "EXAMPLES:\n"
	       "  tdxtrace report run.tdxrec\n"
	       "  tdxtrace report trace.dat --json | jq '.reports.lat.leaves[].name'\n"
	       "  tdxtrace report -P -p 4242 run.tdxrec",
	.children = cli_children_source,
	.run = report_run,
};
