// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_exporter_unit.c - the pure parts of `tdxtrace exporter`, no BPF:
 * Accept negotiation, QEMU -name and kubepods cgroup parsing, label escaping,
 * exact decimal seconds, and the rendering of a synthetic snapshot (buckets
 * cumulated exactly at the bounds, counters in both formats, absent-not-zero,
 * leaf groups, # EOF).
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../../tools/tdxtrace/exporter.h"

static const char *labels_of(void *cookie, __u32 pid)
{
	static char buf[64];

	(void)cookie;
	snprintf(buf, sizeof(buf), "pid=\"%u\"", pid);
	return buf;
}

static bool has(const char *body, const char *line)
{
	return strstr(body, line) != NULL;
}

static void test_accept(void)
{
	ok(exp_accept_openmetrics("application/openmetrics-text;version=1.0.0,application/"
				  "openmetrics-text;version=0.0.1;q=0.75,text/plain;"
				  "version=0.0.4;q=0.5,*/*;q=0.1"),
	   "Prometheus 2.x Accept -> OpenMetrics");
	ok(!exp_accept_openmetrics(NULL), "no Accept -> text");
	ok(!exp_accept_openmetrics("*/*"), "*/* (curl) -> text");
	ok(!exp_accept_openmetrics("text/plain;version=0.0.4"), "text/plain -> text");
	ok(exp_accept_openmetrics("application/openmetrics-text"), "bare openmetrics -> OM");
	ok(!exp_accept_openmetrics("application/openmetrics-text;version=2.0.0"),
	   "OpenMetrics 2.0 only -> text (not served)");
	ok(!exp_accept_openmetrics("text/plain;q=1, application/openmetrics-text;q=0.5"),
	   "text preferred by q -> text");
	ok(!exp_accept_openmetrics("application/openmetrics-text;q=0"), "q=0 -> text");
	ok(!exp_accept_openmetrics(";;;,,,=q"), "garbage -> text");
}

static void test_labels(void)
{
	static const char cmd1[] = "qemu-system-x86_64\0-name\0guest=vm1,debug-threads=on\0-m\0"
				   "4096";
	static const char cmd2[] = "qemu\0-name\0legacy\0";
	static const char cmd3[] = "qemu\0-name\0process=x,guest=a,,b\0";
	static const char cmd4[] = "qemu\0-name";
	char out[128];

	ok(exp_qemu_guest_name(cmd1, sizeof(cmd1), out, sizeof(out)) && !strcmp(out, "vm1"),
	   "-name guest=vm1,debug-threads=on -> vm1 (%s)", out);
	ok(exp_qemu_guest_name(cmd2, sizeof(cmd2), out, sizeof(out)) && !strcmp(out, "legacy"),
	   "-name legacy -> legacy");
	ok(exp_qemu_guest_name(cmd3, sizeof(cmd3), out, sizeof(out)) && !strcmp(out, "a,b"),
	   "guest= later in the option, ',,' escape -> a,b (%s)", out);
	ok(!exp_qemu_guest_name(cmd4, sizeof(cmd4), out, sizeof(out)), "-name at the end -> none");
	ok(exp_kube_pod_uid("0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-"
			    "pod1c3a9f0e_2b4d_4e6f_8a1b_0123456789ab.slice/cri-containerd-ff.scope\n",
			    out, sizeof(out)) &&
	   !strcmp(out, "1c3a9f0e-2b4d-4e6f-8a1b-0123456789ab"), "systemd-driver pod uid (%s)", out);
	ok(exp_kube_pod_uid("0::/kubepods/burstable/pod1c3a9f0e-2b4d-4e6f-8a1b-0123456789ab/abc\n",
			    out, sizeof(out)) &&
	   !strcmp(out, "1c3a9f0e-2b4d-4e6f-8a1b-0123456789ab"), "cgroupfs-driver pod uid");
	ok(!exp_kube_pod_uid("0::/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope\n", out,
			     sizeof(out)), "libvirt machine.slice is not KubeVirt");
}

static void test_escape(void)
{
	struct xbuf b = { 0 };

	xb_label_value(&b, "a\"b\\c\nd\x01\xff\xc3\xa9");
	ok(b.p && !strcmp(b.p, "a\\\"b\\\\c\\nd??\xc3\xa9"), "label escaping and UTF-8 repair (%s)",
	   b.p);
	xb_free(&b);
	xb_ns_seconds(&b, 1500);
	xb_put(&b, " ", 1);
	xb_ns_seconds(&b, 3000000000ULL);
	xb_put(&b, " ", 1);
	xb_ns_seconds(&b, 1073741824ULL);
	xb_put(&b, " ", 1);
	xb_ns_seconds(&b, 0);
	ok(b.p && !strcmp(b.p, "0.0000015 3 1.073741824 0"), "exact decimal seconds (%s)", b.p);
	xb_free(&b);
}

static void test_render(void)
{
	struct tdx_snap_leaf leaf[3];
	struct tdx_td_info td[1] = { { .pid = 42, .comm = "qemu", .vcpus = 2 } };
	struct tdx_snapshot s = { 0 };
	struct exp_host h = { .up = true, .source = "sim", .source_name = "x" };
	struct exp_render_opts o = { 0 };
	struct xbuf b = { 0 };
	__u64 bounds[EXP_MAX_BOUNDS];
	size_t n;

	memset(leaf, 0, sizeof(leaf));
	leaf[0].key = (struct tdx_leaf_key){ 42, TDX_LEAF_MEM_PAGE_AUG };
	leaf[1].key = (struct tdx_leaf_key){ 42, TDX_LEAF_MEM_SEPT_ADD };
	leaf[2].key = (struct tdx_leaf_key){ 42, 127 };		/* unknown number */
	/* 3 at 255 ns (below the first bound), 2 at 256 ns (exactly on it), 1 at 5 s */
	leaf[0].v.hist[tdx_hist_slot(255)] = 3;
	leaf[0].v.hist[tdx_hist_slot(256)] = 2;
	leaf[0].v.hist[tdx_hist_slot(5000000000ULL)] = 1;
	leaf[0].v.count = 6;
	leaf[0].v.sum_ns = 3 * 255 + 2 * 256 + 5000000000ULL;
	leaf[0].v.status[TDX_SC_SUCCESS] = 5;
	leaf[0].v.status[TDX_SC_BUSY] = 1;
	leaf[1].v.hist[tdx_hist_slot(1000)] = 1;
	leaf[1].v.count = 1;
	leaf[1].v.sum_ns = 1000;
	leaf[1].v.status[TDX_SC_SUCCESS] = 1;
	s.leaf = leaf;
	s.n_leaf = 3;
	s.td = td;
	s.n_td = 1;
	s.counters.events[TDX_EV_SEAMCALL] = 7;

	ok(exp_bounds(EXP_BUCKETS_FINE, bounds) == 23 && bounds[0] == 256 &&
	   bounds[22] == 1ULL << 30, "fine: 23 bounds, 2^8..2^30 ns");
	ok(exp_bounds(EXP_BUCKETS_COARSE, bounds) == 12 && bounds[1] == 1024, "coarse: 12 bounds");

	n = exp_render(&b, &s, &h, &o, labels_of, NULL);
	ok(n > 50 && b.p && !b.oom, "text render: %zu samples", n);
	ok(has(b.p, "\ntdxtrace_seamcall_duration_seconds_bucket{pid=\"42\",leaf=\"TDH.MEM.PAGE.AUG\","
		    "le=\"0.000000256\"} 3\n"), "le=256ns counts the values below it (3)");
	ok(has(b.p, "le=\"0.000000512\"} 5\n"), "le=512ns includes the 2 at 256 ns");
	ok(has(b.p, "le=\"1.073741824\"} 5\n") &&
	   has(b.p, "leaf=\"TDH.MEM.PAGE.AUG\",le=\"+Inf\"} 6\n"), "5 s only in +Inf");
	ok(has(b.p, "tdxtrace_seamcall_duration_seconds_sum{pid=\"42\",leaf=\"TDH.MEM.PAGE.AUG\"} "
		    "5.000001277\n") &&
	   has(b.p, "tdxtrace_seamcall_duration_seconds_count{pid=\"42\",leaf=\"TDH.MEM.PAGE.AUG\"} 6\n"),
	   "_sum exact seconds, _count = +Inf");
	ok(has(b.p, "leaf=\"127\""), "unknown leaf: its number");
	ok(has(b.p, "# TYPE tdxtrace_seamcall_status_total counter\n") &&
	   has(b.p, "tdxtrace_seamcall_status_total{pid=\"42\",leaf=\"TDH.MEM.PAGE.AUG\",class=\"busy\"} 1\n"),
	   "text: counter family with _total");
	ok(!has(b.p, "leaf=\"TDH.MEM.SEPT.ADD\",class=\"busy\""), "a class never seen is absent");
	ok(has(b.p, "tdxtrace_td_info{pid=\"42\"} 1\n") &&
	   has(b.p, "# TYPE tdxtrace_td_info gauge\n"), "text: info as a gauge _info");
	ok(!has(b.p, "# EOF"), "text: no # EOF");
	ok(has(b.p, "tdxtrace_events_total{event=\"tdx_seamcall\"} 7\n"), "events counter");
	ok(!has(b.p, "tdxtrace_tdx_module_info"), "unknown module version: absent");
	xb_free(&b);

	o.om = true;
	exp_render(&b, &s, &h, &o, labels_of, NULL);
	ok(b.p && has(b.p, "# TYPE tdxtrace_seamcall_status counter\n") &&
	   has(b.p, "\ntdxtrace_seamcall_status_total{"), "OM: family without _total, samples with");
	ok(has(b.p, "# TYPE tdxtrace_td info\n") && has(b.p, "\ntdxtrace_td_info{pid=\"42\"} 1\n"),
	   "OM: info type");
	ok(b.len > 6 && !strcmp(b.p + b.len - 6, "# EOF\n"), "OM: ends with # EOF");
	xb_free(&b);

	o.om = false;
	o.leaf_groups = true;
	o.buckets = EXP_BUCKETS_COARSE;
	exp_render(&b, &s, &h, &o, labels_of, NULL);
	ok(b.p && has(b.p, "tdxtrace_seamcall_duration_seconds_count{pid=\"42\",leaf=\"TDH.MEM.*\"} 7\n"),
	   "leaf groups: PAGE.AUG + SEPT.ADD merged into TDH.MEM.*");
	ok(has(b.p, "leaf=\"other\""), "unknown leaf in group other");
	ok(!has(b.p, "le=\"0.000000512\"") && has(b.p, "le=\"0.000001024\""), "coarse bounds");
	xb_free(&b);

	h.up = false;
	n = exp_render(&b, NULL, &h, &o, labels_of, NULL);
	ok(b.p && has(b.p, "tdxtrace_session_up 0\n") && !has(b.p, "tdxtrace_events_total"),
	   "session down: self metrics only (%zu samples)", n);
	xb_free(&b);
}

int main(void)
{
	test_accept();
	test_labels();
	test_escape();
	test_render();
	return tap_done();
}
