// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sim.c - `tdxtrace sim SCENARIO[:SEED]`: run the built-in simulator without
 * BPF: write its event stream to a record file (-o), or print it decoded,
 * one event per line (text, or JSON with --json).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "source.h"

/*
 * Each argument's name and format come from the argument tables of
 * include/tdxtrace/events.h: the field names of the tracepoints' format
 * files, so `tdxtrace sim` reads like perf script or trace-cmd report.
 */
static bool arg_signed(int kind, int i)
{
	const struct tdx_arg_desc *a = tdx_event_arg((__u32)kind, i);

	return a && a->fmt == TDX_ARG_S;
}

static bool arg_hex(int kind, int i)
{
	const struct tdx_arg_desc *a = tdx_event_arg((__u32)kind, i);

	return a && a->fmt == TDX_ARG_X;
}

const char *cli_event_arg_name(int kind, int i)
{
	const struct tdx_arg_desc *a = kind > TDX_EV_NONE ? tdx_event_arg((__u32)kind, i) : NULL;

	return a ? a->field : NULL;
}

void cli_print_event(FILE *f, const struct tdx_event *ev, __u64 start_ns)
{
	int nargs = ev->nargs < TDX_EV_MAX_ARGS ? ev->nargs : TDX_EV_MAX_ARGS;

	fprintf(f, "%14.9f %7u %7u %3u %s:%s", ev->ts_ns >= start_ns ?
		(double)(ev->ts_ns - start_ns) / 1e9 : 0.0, ev->pid, ev->tid, ev->cpu,
		tdx_event_system(ev->kind) ? tdx_event_system(ev->kind) : "?",
		tdx_event_name(ev->kind) ? tdx_event_name(ev->kind) : "?");
	for (int i = 0; i < nargs; i++) {
		const char *n = cli_event_arg_name(ev->kind, i);
		__u64 v = ev->args[i];

		fprintf(f, " %s=", n ? n : "?");
		if (ev->kind == TDX_EV_SEAMCALL && i == TDX_SEAMCALL_ARG_LEAF) {
			char lb[32];

			fprintf(f, "%s", tdx_leaf_label(tdx_leaf_slot(v), lb, sizeof(lb)));
			if (tdx_leaf_slot(v) == TDX_LEAF_SLOT_OTHER)
				fprintf(f, "(0x%llx)", (unsigned long long)v);
			else if ((v >> TDX_LEAF_VERSION_SHIFT) & 0xff)
				fprintf(f, ".v%llu", (unsigned long long)((v >> TDX_LEAF_VERSION_SHIFT) & 0xff));
		} else if ((ev->kind == TDX_EV_SEAMCALL && i == TDX_SEAMCALL_ARG_STATUS) ||
			   (ev->kind == TDX_EV_VP_ENTER && i == TDX_VP_ENTER_ARG_STATUS)) {
			const char *sn = tdx_status_name(v);

			if (sn)
				fprintf(f, "%s", sn);
			else
				fprintf(f, "%#llx", (unsigned long long)v);
		} else if (arg_signed(ev->kind, i)) {
			fprintf(f, "%lld", (long long)v);
		} else if (arg_hex(ev->kind, i)) {
			fprintf(f, "%#llx", (unsigned long long)v);
		} else {
			fprintf(f, "%llu", (unsigned long long)v);
		}
	}
	fputc('\n', f);
}

struct json_object *cli_json_event(const struct tdx_event *ev)
{
	struct json_object *o = json_object_new_object();
	struct json_object *a = json_object_new_object();
	int nargs = ev->nargs < TDX_EV_MAX_ARGS ? ev->nargs : TDX_EV_MAX_ARGS;
	char full[64];

	snprintf(full, sizeof(full), "%s:%s",
		 tdx_event_system(ev->kind) ? tdx_event_system(ev->kind) : "?",
		 tdx_event_name(ev->kind) ? tdx_event_name(ev->kind) : "?");
	json_object_object_add(o, "ts_ns", cli_json_u64(ev->ts_ns));
	json_object_object_add(o, "pid", cli_json_u64(ev->pid));
	json_object_object_add(o, "tid", cli_json_u64(ev->tid));
	json_object_object_add(o, "cpu", cli_json_u64(ev->cpu));
	json_object_object_add(o, "event", json_object_new_string(full));
	for (int i = 0; i < nargs; i++) {
		const char *n = cli_event_arg_name(ev->kind, i);
		char tmp[16];

		if (!n) {
			snprintf(tmp, sizeof(tmp), "arg%d", i);
			n = tmp;
		}
		json_object_object_add(a, n, arg_signed(ev->kind, i) ?
				       json_object_new_int64((__s64)ev->args[i]) :
				       cli_json_u64(ev->args[i]));
	}
	json_object_object_add(o, "args", a);
	if (ev->kind == TDX_EV_SEAMCALL && nargs > TDX_SEAMCALL_ARG_STATUS) {
		char lb[32];
		const char *ln = tdx_leaf_label(tdx_leaf_slot(ev->args[0]), lb, sizeof(lb));
		const char *sn = tdx_status_name(ev->args[1]);

		json_object_object_add(o, "leaf_name", json_object_new_string(ln));
		json_object_object_add(o, "status_class", json_object_new_string(
					       tdx_status_class_name(tdx_status_class(ev->args[1]))));
		if (sn)
			json_object_object_add(o, "status_name", json_object_new_string(sn));
	}
	return o;
}

/* ------------------------------------------------------------ command */

enum { OPT_LIST = 0x200 };

static const struct argp_option sim_options[] = {
	CLI_OPT_OUTPUT("Write a tdxtrace record file instead of printing"),
	{ "events", 'N', "N", 0, "Stop after N events", 0 },
	CLI_OPT_DURATION("Stop after DURATION of simulated time"),
	{ "list", OPT_LIST, NULL, 0, "List the scenarios", 0 },
	{},
};

static bool list_only;

static error_t sim_parse(int key, char *arg, struct argp_state *state)
{
	struct cli *c = state->input;
	char *end;

	switch (key) {
	case 'N':
		c->max_events = strtol(arg, &end, 10);
		if (*end || c->max_events <= 0)
			return cli_usage_error(state, "invalid event count '%s'", arg);
		break;
	case OPT_LIST:
		list_only = true;
		break;
	case ARGP_KEY_ARG:
		if (c->sim_spec)
			return cli_usage_error(state, "unexpected argument '%s'", arg);
		c->sim_spec = arg;
		break;
	case ARGP_KEY_END:
		if (!c->sim_spec && !list_only && !c->help_shown)
			return cli_usage_error(state, "missing SCENARIO");
		break;
	default:
		return cli_opt_parse(key, arg, state);
	}
	return 0;
}

static int sim_run(struct cli *c)
{
	struct tdx_source *src = NULL;
	struct tdx_rec *rec = NULL;
	struct tdx_event ev;
	__u64 start = 0, n = 0;
	int err, rc = TDX_EXIT_OK;

	if (list_only) {
		for (int i = 0; tdx_sim_scenarios[i]; i++)
			printf("%s\n", tdx_sim_scenarios[i]);
		return TDX_EXIT_OK;
	}
	err = tdx_source_open_sim(&src, c->sim_spec);
	if (err) {
		fprintf(stderr, "%s: %s\n", c->prog, tdx_last_error());
		return err == -EINVAL ? TDX_EXIT_USAGE : TDX_EXIT_FAIL;
	}
	if (c->out_path) {
		rec = tdx_rec_open(c->out_path, tdx_source_info(src), NULL);
		if (!rec) {
			fprintf(stderr, "%s: %s\n", c->prog, tdx_last_error());
			tdx_source_close(src);
			return TDX_EXIT_FAIL;
		}
	}
	while (!cli_stop && (!c->max_events || n < (__u64)c->max_events)) {
		err = tdx_source_next(src, &ev);
		if (err == 0)
			break;
		if (err < 0) {
			fprintf(stderr, "%s: %s\n", c->prog, tdx_last_error());
			rc = TDX_EXIT_FAIL;
			break;
		}
		if (!n)
			start = tdx_source_info(src)->start_ns ? tdx_source_info(src)->start_ns :
				ev.ts_ns;
		if (c->duration_ns && ev.ts_ns - start >= c->duration_ns)
			break;
		n++;
		if (rec) {
			err = tdx_rec_write(rec, &ev, 1);
			if (err < 0) {
				fprintf(stderr, "%s: %s\n", c->prog, tdx_last_error());
				rc = TDX_EXIT_FAIL;
				break;
			}
		} else if (c->json) {
			struct json_object *o = cli_json_event(&ev);

			printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
			json_object_put(o);
		} else {
			cli_print_event(stdout, &ev, start);
		}
	}
	if (rec) {
		if (rc) {
			tdx_rec_abort(rec);
		} else if (tdx_rec_close(rec)) {
			fprintf(stderr, "%s: %s\n", c->prog, tdx_last_error());
			rc = TDX_EXIT_FAIL;
		} else {
			fprintf(stderr, "%s: wrote %llu events to %s\n", c->prog,
				(unsigned long long)n, c->out_path);
		}
	}
	tdx_source_close(src);
	return rc;
}

const struct cli_cmd cli_cmd_sim = {
	.name = "sim",
	.summary = "print the simulator's events, or write them to a record file",
	.options = sim_options,
	.parser = sim_parse,
	.args_doc = "SCENARIO[:SEED][,key=val...]",
	.doc = "Run the calibrated simulator (no BPF, no privileges): print its "
	       "events decoded, or write them to a record file that every command "
	       "reads with --replay.  Its figures are assumptions unless calibrated "
	       "(docs/sources.md)."
	       "\v"
	       "EXAMPLES:\n"
	       "  tdxtrace sim --list\n"
	       "  tdxtrace sim steady:42 -N 20       # the first 20 events\n"
	       "  tdxtrace sim boot -o boot.tdxrec   # then: tdxtrace report boot.tdxrec\n"
	       "  tdxtrace sim contention --duration 1s --json | jq .event",
	.children = cli_children_output,
	.run = sim_run,
};
