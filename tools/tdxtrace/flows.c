// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * flows.c - `tdxtrace flows`: the KVM TDX flows kernel series v2 traces.
 *
 *  - what a private-page zap costs (BLOCK, TRACK, REMOVE, WBINVD), which
 *    step failed, how often it had to kick vCPUs;
 *  - who kicked whom: OPERAND_BUSY escalations by leaf and busy operand,
 *    and the vCPUs they held out of the TD;
 *  - TLB tracking rounds and their IPI wait;
 *  - the zaps of private/shared conversions;
 *  - the TD build breakdown (INIT_VM, INIT_VCPU, INIT_MEM_REGION, FINALIZE);
 *  - teardown: HKID release, CACHE.WB resumes, leaked HKIDs (an alert);
 *  - the TDVMCALLs KVM dispatches.
 *
 * Maps flow, kick, bounce, life and tdvmcall (include/tdxtrace/maps.h).  A
 * kernel without series v2 has none of these events: the report says so.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "quant.h"

static const char *const build_names[TDX_BUILD_CMD_SLOTS] = {
	"other", "INIT_VM", "INIT_VCPU", "INIT_MEM_REGION", "FINALIZE_VM",
};

static const char *zap_fail_names[TDX_ZAP_FAIL_SLOTS] = { "BLOCK", "REMOVE", "WBINVD", "other" };

static const char *operand_name(__u32 op)
{
	switch (op & 0xff) {
	case 0x92: return "SEPT";
	case 0xa9: return "TD_EPOCH";
	case 0x80: return "TDR";
	case 0x01: return "RCX";
	}
	return NULL;
}

/* A quantile of hist, never above the tracked maximum (quant.h). */
static double q_le_max(const __u64 *hist, double q, __u64 max)
{
	return tdx_quantile(hist, q, TDX_MIN_UNTRACKED, max);
}

static bool any_flow(const struct tdx_snapshot *s)
{
	return s->n_flow || s->n_kick || s->n_bounce || s->n_life || s->n_tdvmcall;
}

static void flows_text(FILE *f, const struct cli *c, const struct tdx_snapshot *s)
{
	char a[32], p50[32], p99[32], m[32], b[32];
	size_t shown = 0;

	cli_print_header(f, c, s);
	if (!any_flow(s)) {
		fprintf(f, "no S-EPT zap, busy kick, TLB tracking, TD build, teardown or TDVMCALL "
			   "event: these come from kernel series v2 (kernel/ABI-v2.md); a kernel "
			   "without it has none\n\n");
		cli_print_counters(f, s);
		return;
	}
	for (size_t i = 0; i < s->n_flow; i++) {
		const struct tdx_flow_stats *v = &s->flow[i].v;

		if (!v->zaps)
			continue;
		if (!shown++)
			fprintf(f, "S-EPT zaps (private pages removed: BLOCK, TRACK, REMOVE, WBINVD):\n"
				"%8s %-14s %9s %9s %9s %9s %9s %8s %7s  %s\n", "TD", "COMM", "ZAPS",
				"AVG", "P50", "P99", "MAX", "KICKED", "KICKS", "FAILED");
		fprintf(f, "%8u %-14.14s %9llu %9s %9s %9s %9s %8llu %7llu  ", s->flow[i].pid,
			cli_td_comm(s, s->flow[i].pid), (unsigned long long)v->zaps,
			cli_fmt_ns(a, sizeof(a), (double)v->zap_sum_ns / (double)v->zaps),
			cli_fmt_ns(p50, sizeof(p50), q_le_max(v->zap_hist, 0.5, v->zap_max_ns)),
			cli_fmt_ns(p99, sizeof(p99), q_le_max(v->zap_hist, 0.99, v->zap_max_ns)),
			cli_fmt_ns(m, sizeof(m), (double)v->zap_max_ns),
			(unsigned long long)v->zaps_kicked, (unsigned long long)v->zap_kicks);
		{
			int nf = 0;

			for (int k = 0; k < TDX_ZAP_FAIL_SLOTS; k++)
				if (v->zap_failed[k])
					fprintf(f, "%s%s %llu", nf++ ? ", " : "", zap_fail_names[k],
						(unsigned long long)v->zap_failed[k]);
			fprintf(f, "%s\n", nf ? "" : "0");
		}
	}
	if (shown)
		fputc('\n', f);
	shown = 0;
	for (size_t i = 0; i < s->n_kick; i++) {
		const struct tdx_snap_kick *e = &s->kick[i];
		const char *ln = tdx_leaf_name(e->key.leaf), *on = operand_name(e->key.operand);
		char leaf[32], op[32];

		if (!e->v.kicks)
			continue;
		if (!shown++)
			fprintf(f, "Busy escalations (OPERAND_BUSY: kick every vCPU out, retry):\n"
				"%8s %-14s %-22s %-14s %7s %6s %6s %9s %9s %9s\n", "TD", "COMM", "LEAF",
				"OPERAND", "KICKS", "BUSY", "FAILED", "AVG", "P99", "MAX");
		snprintf(leaf, sizeof(leaf), "%s", ln ? ln : "");
		if (!ln)
			snprintf(leaf, sizeof(leaf), "leaf %u", e->key.leaf);
		if (on)
			snprintf(op, sizeof(op), "%s", on);
		else
			snprintf(op, sizeof(op), "0x%x", e->key.operand);
		fprintf(f, "%8u %-14.14s %-22s %-14s %7llu %6llu %6llu %9s %9s %9s\n", e->key.pid,
			cli_td_comm(s, e->key.pid), leaf, op, (unsigned long long)e->v.kicks,
			(unsigned long long)e->v.still_busy, (unsigned long long)e->v.retry_failed,
			cli_fmt_ns(a, sizeof(a), (double)e->v.sum_ns / (double)e->v.kicks),
			cli_fmt_ns(p99, sizeof(p99), q_le_max(e->v.hist, 0.99, e->v.max_ns)),
			cli_fmt_ns(m, sizeof(m), (double)e->v.max_ns));
	}
	for (size_t i = 0, first = 1; i < s->n_bounce; i++) {
		if (!s->bounce[i].v.bounces)
			continue;
		if (first) {
			fprintf(f, "%svCPUs held out of the TD meanwhile (bounced runs):\n",
				shown ? "" : "Busy escalations:\n");
			first = 0;
			shown++;
		}
		fprintf(f, "%8u %-14.14s vCPU %-4u %llu\n", s->bounce[i].key.pid,
			cli_td_comm(s, s->bounce[i].key.pid), s->bounce[i].key.vcpu,
			(unsigned long long)s->bounce[i].v.bounces);
	}
	if (shown)
		fputc('\n', f);
	shown = 0;
	for (size_t i = 0; i < s->n_flow; i++) {
		const struct tdx_flow_stats *v = &s->flow[i].v;

		if (!v->tracks)
			continue;
		if (!shown++)
			fprintf(f, "TLB tracking (TDH.MEM.TRACK, then an IPI to every vCPU):\n"
				"%8s %-14s %8s %7s %10s %10s %10s %10s %10s\n", "TD", "COMM", "ROUNDS",
				"ERRORS", "TRACK_AVG", "TRACK_MAX", "IPI_AVG", "IPI_MAX", "TOTAL_P99");
		fprintf(f, "%8u %-14.14s %8llu %7llu %10s %10s %10s %10s %10s\n", s->flow[i].pid,
			cli_td_comm(s, s->flow[i].pid), (unsigned long long)v->tracks,
			(unsigned long long)v->track_errors,
			cli_fmt_ns(a, sizeof(a), (double)v->track_sum_ns / (double)v->tracks),
			cli_fmt_ns(m, sizeof(m), (double)v->track_max_ns),
			cli_fmt_ns(b, sizeof(b), (double)v->ipi_sum_ns / (double)v->tracks),
			cli_fmt_ns(p50, sizeof(p50), (double)v->ipi_max_ns),
			cli_fmt_ns(p99, sizeof(p99), q_le_max(v->track_hist, 0.99,
							      v->track_max_ns + v->ipi_max_ns)));
	}
	if (shown)
		fputc('\n', f);
	shown = 0;
	for (size_t i = 0; i < s->n_flow; i++) {
		const struct tdx_flow_stats *v = &s->flow[i].v;

		if (!v->attr_zaps)
			continue;
		if (!shown++)
			fprintf(f, "Conversion zaps (memory attribute changes):\n"
				"%8s %-14s %8s %12s %12s %8s %9s %9s %9s\n", "TD", "COMM", "ZAPS",
				"TO_SHARED", "TO_PRIVATE", "FLUSHES", "AVG", "P99", "MAX");
		fprintf(f, "%8u %-14.14s %8llu %10llu p %10llu p %8llu %9s %9s %9s\n",
			s->flow[i].pid, cli_td_comm(s, s->flow[i].pid),
			(unsigned long long)v->attr_zaps, (unsigned long long)v->attr_zap_gfns[0],
			(unsigned long long)v->attr_zap_gfns[1],
			(unsigned long long)v->attr_zap_flushes,
			cli_fmt_ns(a, sizeof(a), (double)v->attr_zap_sum_ns / (double)v->attr_zaps),
			cli_fmt_ns(p99, sizeof(p99), q_le_max(v->attr_zap_hist, 0.99, v->attr_zap_max_ns)),
			cli_fmt_ns(m, sizeof(m), (double)v->attr_zap_max_ns));
	}
	if (shown)
		fprintf(f, "(p = 4 KiB pages in the ranges zapped)\n\n");
	shown = 0;
	for (size_t i = 0; i < s->n_life; i++) {
		const struct tdx_life_stats *v = &s->life[i].v;

		for (int k = 0; k < TDX_BUILD_CMD_SLOTS; k++) {
			if (!v->build[k])
				continue;
			if (!shown++)
				fprintf(f, "TD build (KVM_TDX_* commands of the VMM):\n"
					"%8s %-14s %-16s %6s %6s %10s %10s %10s\n", "TD", "COMM",
					"COMMAND", "COUNT", "ERRORS", "TOTAL", "AVG", "MAX");
			fprintf(f, "%8u %-14.14s %-16s %6llu %6llu %10s %10s %10s\n", s->life[i].pid,
				cli_td_comm(s, s->life[i].pid), build_names[k],
				(unsigned long long)v->build[k], (unsigned long long)v->build_errors[k],
				cli_fmt_ns(a, sizeof(a), (double)v->build_sum_ns[k]),
				cli_fmt_ns(b, sizeof(b), (double)v->build_sum_ns[k] / (double)v->build[k]),
				cli_fmt_ns(m, sizeof(m), (double)v->build_max_ns[k]));
		}
		if (v->build[TDX_BUILD_INIT_MEM_REGION])
			fprintf(f, "%8s %-14s pages added %llu, measured %llu\n", "", "",
				(unsigned long long)v->build_pages,
				(unsigned long long)v->build_measured_pages);
		if (v->last_hw_error)
			fprintf(f, "%8s %-14s a command failed with SEAMCALL status 0x%llx (%s)\n", "",
				"", (unsigned long long)v->last_hw_error,
				tdx_status_name(v->last_hw_error) ? tdx_status_name(v->last_hw_error) :
				"unnamed");
	}
	if (shown)
		fputc('\n', f);
	shown = 0;
	for (size_t i = 0; i < s->n_life; i++) {
		const struct tdx_life_stats *v = &s->life[i].v;

		if (!(v->releases + v->cache_wbs + v->hkid_leaks))
			continue;
		if (!shown++)
			fprintf(f, "Teardown (HKID release, CACHE.WB per package):\n"
				"%8s %-14s %8s %6s %10s %10s %6s %8s %8s %6s %7s\n", "TD", "COMM",
				"RELEASES", "FREED", "AVG", "MAX", "VCPUS", "CACHE_WB", "RESUMES",
				"ERRORS", "LEAKED");
		fprintf(f, "%8u %-14.14s %8llu %6llu %10s %10s %6llu %8llu %8llu %6llu %7llu%s\n",
			s->life[i].pid, cli_td_comm(s, s->life[i].pid),
			(unsigned long long)v->releases, (unsigned long long)v->released,
			v->releases ? cli_fmt_ns(a, sizeof(a), (double)v->release_sum_ns /
						 (double)v->releases) : "-",
			v->releases ? cli_fmt_ns(m, sizeof(m), (double)v->release_max_ns) : "-",
			(unsigned long long)v->release_vcpus, (unsigned long long)v->cache_wbs,
			(unsigned long long)v->cache_wb_resumes, (unsigned long long)v->cache_wb_errors,
			(unsigned long long)v->hkid_leaks, v->hkid_leaks ? "  <- ALERT" : "");
	}
	for (size_t i = 0; i < s->n_life; i++)
		if (s->life[i].v.hkid_leaks)
			fprintf(f, "ALERT: TD %u leaked %llu HKID(s) (last status 0x%llx): the key ids "
				   "are lost until the host reboots\n", s->life[i].pid,
				(unsigned long long)s->life[i].v.hkid_leaks,
				(unsigned long long)s->life[i].v.leak_last_status);
	if (shown)
		fputc('\n', f);
	shown = 0;
	for (size_t i = 0; i < s->n_tdvmcall; i++) {
		const struct tdx_tdvmcall_stats *v = &s->tdvmcall[i].v;

		for (int k = 0; k < TDX_TDVMCALL_SLOTS; k++) {
			__u64 nr;
			const char *nm = tdx_kvm_tdvmcall_name((unsigned int)k, &nr);

			if (!v->calls[k] || !nm)
				continue;
			if (!shown++)
				fprintf(f, "TDVMCALLs KVM dispatched:\n%8s %-14s %-26s %10s %10s %8s\n",
					"TD", "COMM", "SUB-FUNCTION", "CALLS", "TO_VMM", "ERRORS");
			if (k)
				snprintf(b, sizeof(b), "%s", nm);
			else
				snprintf(b, sizeof(b), "other (max 0x%llx)",
					 (unsigned long long)v->other_last_leaf);
			fprintf(f, "%8u %-14.14s %-26s %10llu %10llu %8llu\n", s->tdvmcall[i].pid,
				cli_td_comm(s, s->tdvmcall[i].pid), b, (unsigned long long)v->calls[k],
				(unsigned long long)v->user_exits[k], (unsigned long long)v->errors[k]);
		}
	}
	if (shown)
		fputc('\n', f);
	cli_print_counters(f, s);
}

static struct json_object *flows_json(const struct cli *c, const struct tdx_snapshot *s)
{
	struct json_object *o = cli_json_envelope(c, s, "flows");
	struct json_object *zaps = json_object_new_array(), *kicks = json_object_new_array();
	struct json_object *bounces = json_object_new_array(), *tracks = json_object_new_array();
	struct json_object *convs = json_object_new_array(), *builds = json_object_new_array();
	struct json_object *tears = json_object_new_array(), *tvs = json_object_new_array();

	for (size_t i = 0; i < s->n_flow; i++) {
		const struct tdx_flow_stats *v = &s->flow[i].v;
		__u32 pid = s->flow[i].pid;
		struct json_object *j, *fl;

		if (v->zaps) {
			j = json_object_new_object();
			json_object_object_add(j, "pid", cli_json_u64(pid));
			json_object_object_add(j, "count", cli_json_u64(v->zaps));
			json_object_object_add(j, "kicked", cli_json_u64(v->zaps_kicked));
			json_object_object_add(j, "kicks", cli_json_u64(v->zap_kicks));
			fl = json_object_new_object();
			for (int k = 0; k < TDX_ZAP_FAIL_SLOTS; k++)
				json_object_object_add(fl, zap_fail_names[k], cli_json_u64(v->zap_failed[k]));
			json_object_object_add(j, "failed", fl);
			json_object_object_add(j, "time", cli_json_hist(v->zap_hist, v->zap_sum_ns, TDX_MIN_UNTRACKED,
									 v->zap_max_ns));
			json_object_array_add(zaps, j);
		}
		if (v->tracks) {
			j = json_object_new_object();
			json_object_object_add(j, "pid", cli_json_u64(pid));
			json_object_object_add(j, "count", cli_json_u64(v->tracks));
			json_object_object_add(j, "errors", cli_json_u64(v->track_errors));
			json_object_object_add(j, "track_sum_ns", cli_json_u64(v->track_sum_ns));
			json_object_object_add(j, "track_max_ns", cli_json_u64(v->track_max_ns));
			json_object_object_add(j, "ipi_sum_ns", cli_json_u64(v->ipi_sum_ns));
			json_object_object_add(j, "ipi_max_ns", cli_json_u64(v->ipi_max_ns));
			json_object_array_add(tracks, j);
		}
		if (v->attr_zaps) {
			j = json_object_new_object();
			json_object_object_add(j, "pid", cli_json_u64(pid));
			json_object_object_add(j, "count", cli_json_u64(v->attr_zaps));
			json_object_object_add(j, "pages_to_shared", cli_json_u64(v->attr_zap_gfns[0]));
			json_object_object_add(j, "pages_to_private", cli_json_u64(v->attr_zap_gfns[1]));
			json_object_object_add(j, "flushes", cli_json_u64(v->attr_zap_flushes));
			json_object_object_add(j, "time", cli_json_hist(v->attr_zap_hist,
									 v->attr_zap_sum_ns, TDX_MIN_UNTRACKED,
									 v->attr_zap_max_ns));
			json_object_array_add(convs, j);
		}
	}
	for (size_t i = 0; i < s->n_kick; i++) {
		const struct tdx_snap_kick *e = &s->kick[i];
		struct json_object *j = json_object_new_object();
		const char *on = operand_name(e->key.operand);

		json_object_object_add(j, "pid", cli_json_u64(e->key.pid));
		json_object_object_add(j, "leaf", cli_json_u64(e->key.leaf));
		json_object_object_add(j, "operand", cli_json_u64(e->key.operand));
		if (on)		/* absent when the operand id has no name */
			json_object_object_add(j, "operand_name", json_object_new_string(on));
		json_object_object_add(j, "kicks", cli_json_u64(e->v.kicks));
		json_object_object_add(j, "still_busy", cli_json_u64(e->v.still_busy));
		json_object_object_add(j, "retry_failed", cli_json_u64(e->v.retry_failed));
		json_object_object_add(j, "time", cli_json_hist(e->v.hist, e->v.sum_ns, TDX_MIN_UNTRACKED, e->v.max_ns));
		json_object_array_add(kicks, j);
	}
	for (size_t i = 0; i < s->n_bounce; i++) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "pid", cli_json_u64(s->bounce[i].key.pid));
		json_object_object_add(j, "vcpu", cli_json_u64(s->bounce[i].key.vcpu));
		json_object_object_add(j, "count", cli_json_u64(s->bounce[i].v.bounces));
		json_object_array_add(bounces, j);
	}
	for (size_t i = 0; i < s->n_life; i++) {
		const struct tdx_life_stats *v = &s->life[i].v;
		__u32 pid = s->life[i].pid;
		struct json_object *j;

		for (int k = 0; k < TDX_BUILD_CMD_SLOTS; k++) {
			if (!v->build[k])
				continue;
			j = json_object_new_object();
			json_object_object_add(j, "pid", cli_json_u64(pid));
			json_object_object_add(j, "cmd", json_object_new_string(build_names[k]));
			json_object_object_add(j, "count", cli_json_u64(v->build[k]));
			json_object_object_add(j, "errors", cli_json_u64(v->build_errors[k]));
			json_object_object_add(j, "sum_ns", cli_json_u64(v->build_sum_ns[k]));
			json_object_object_add(j, "max_ns", cli_json_u64(v->build_max_ns[k]));
			if (k == TDX_BUILD_INIT_MEM_REGION) {
				json_object_object_add(j, "pages", cli_json_u64(v->build_pages));
				json_object_object_add(j, "measured_pages",
						       cli_json_u64(v->build_measured_pages));
			}
			json_object_array_add(builds, j);
		}
		if (!(v->releases + v->cache_wbs + v->hkid_leaks))
			continue;
		j = json_object_new_object();
		json_object_object_add(j, "pid", cli_json_u64(pid));
		json_object_object_add(j, "releases", cli_json_u64(v->releases));
		json_object_object_add(j, "released", cli_json_u64(v->released));
		json_object_object_add(j, "release_sum_ns", cli_json_u64(v->release_sum_ns));
		json_object_object_add(j, "release_max_ns", cli_json_u64(v->release_max_ns));
		json_object_object_add(j, "vcpus_flushed", cli_json_u64(v->release_vcpus));
		json_object_object_add(j, "cache_wb", cli_json_u64(v->cache_wbs));
		json_object_object_add(j, "cache_wb_resumes", cli_json_u64(v->cache_wb_resumes));
		json_object_object_add(j, "cache_wb_errors", cli_json_u64(v->cache_wb_errors));
		json_object_object_add(j, "hkid_leaks", cli_json_u64(v->hkid_leaks));
		json_object_array_add(tears, j);
	}
	for (size_t i = 0; i < s->n_tdvmcall; i++) {
		const struct tdx_tdvmcall_stats *v = &s->tdvmcall[i].v;

		for (int k = 0; k < TDX_TDVMCALL_SLOTS; k++) {
			struct json_object *j;
			__u64 nr;
			const char *nm = tdx_kvm_tdvmcall_name((unsigned int)k, &nr);

			if (!v->calls[k] || !nm)
				continue;
			j = json_object_new_object();
			json_object_object_add(j, "pid", cli_json_u64(s->tdvmcall[i].pid));
			json_object_object_add(j, "name", json_object_new_string(nm));
			if (k)	/* absent for "other": many values */
				json_object_object_add(j, "leaf", cli_json_u64(nr));
			json_object_object_add(j, "calls", cli_json_u64(v->calls[k]));
			json_object_object_add(j, "to_vmm", cli_json_u64(v->user_exits[k]));
			json_object_object_add(j, "errors", cli_json_u64(v->errors[k]));
			json_object_array_add(tvs, j);
		}
	}
	json_object_object_add(o, "zaps", zaps);
	json_object_object_add(o, "kicks", kicks);
	json_object_object_add(o, "bounces", bounces);
	json_object_object_add(o, "tracks", tracks);
	json_object_object_add(o, "conversion_zaps", convs);
	json_object_object_add(o, "build", builds);
	json_object_object_add(o, "teardown", tears);
	json_object_object_add(o, "tdvmcalls", tvs);
	return o;
}

const struct cli_report cli_report_flows = {
	.name = "flows",
	.text = flows_text,
	.json = flows_json,
};

const struct cli_cmd cli_cmd_flows = {
	.name = "flows",
	.summary = "S-EPT zaps, busy kicks, TLB tracking, TD build, teardown, TDVMCALLs",
	.doc = "Report the KVM TDX flows of kernel series v2: what a private-page zap "
	       "costs and which step failed, OPERAND_BUSY escalations (who kicked whom) "
	       "and the vCPUs they held out, TLB tracking rounds, conversion zaps, the TD "
	       "build breakdown, teardown (HKID release, CACHE.WB, leaked HKIDs) and the "
	       "TDVMCALLs KVM dispatched."
	       "\v"
	       "EXAMPLES:\n"
	       "  tdxtrace flows                    # until Ctrl-C\n"
	       "  tdxtrace flows --sim boot --json\n"
	       "  tdxtrace flows --sim convert,teardown=1",
	.report = &cli_report_flows,
};
