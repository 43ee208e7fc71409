// SPDX-License-Identifier: GPL-2.0
/*
 * test_tdxmod.c - the TDX module version and module-update segments
 * (tools/lib/tdxmod.c, issue 18).
 *
 *  - the version is read from a fake sysfs tree (TDXTRACE_SYSFS_ROOT): the
 *    7.2+ faux tdx_host file first, the older /sys/firmware/tdx paths next;
 *  - a simulated runtime module update (sim update=) splits a session: the
 *    first segment ends with the TDH.SYS.UPDATE, holds exactly the SEAMCALLs
 *    of the source up to it, and after tdx_reset() the second holds exactly
 *    the rest (ground truth: the same source read event by event).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "tdxtrace.h"
#include "source.h"

static char root[64];

static void put(const char *rel, const char *text)
{
	char p[256], d[256];

	snprintf(p, sizeof(p), "%s%s", root, rel);
	for (char *s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		snprintf(d, sizeof(d), "%.*s", (int)(s - p), p);
		mkdir(d, 0755);
	}
	FILE *f = fopen(p, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void rm_rf(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		diag("cleanup of %s failed", root);
}

static void test_sysfs(void)
{
	char v[64] = "x";

	snprintf(root, sizeof(root), "/tmp/tdxmod-test.XXXXXX");
	if (!ok(mkdtemp(root) != NULL, "a fake sysfs root"))
		return;
	setenv("TDXTRACE_SYSFS_ROOT", root, 1);
	is_u64((__u64)(long long)tdx_module_version_read(v, sizeof(v)), (__u64)-ENOENT,
	       "no version file: -ENOENT");
	ok(v[0] == 0, "... and an empty version (unknown, not a default)");

	put("/sys/firmware/tdx/tdx_module/major_version", "1\n");
	put("/sys/firmware/tdx/tdx_module/minor_version", "5\n");
	put("/sys/firmware/tdx/tdx_module/build_num", "744\n");
	put("/sys/firmware/tdx/tdx_module/build_date", "20240828\n");
	ok(!tdx_module_version_read(v, sizeof(v)) && !strcmp(v, "1.5 build 744 20240828"),
	   "the downstream major/minor/build attributes (%s)", v);
	put("/sys/firmware/tdx/tdx_module/version", "1.5.06.00.0744\n");
	ok(!tdx_module_version_read(v, sizeof(v)) && !strcmp(v, "1.5.06.00.0744"),
	   "the older tdx_module/version before the attributes (%s)", v);
	put("/sys/devices/faux/tdx_host/version", "1.5.28\n");
	ok(!tdx_module_version_read(v, sizeof(v)) && !strcmp(v, "1.5.28"),
	   "the 7.2+ faux tdx_host/version first, newline stripped (%s)", v);
	put("/sys/devices/faux/tdx_host/version", "1.5.29\n");
	ok(!tdx_module_version_read(v, sizeof(v)) && !strcmp(v, "1.5.29"),
	   "a changed version file is read anew (%s)", v);
	rm_rf();
	unsetenv("TDXTRACE_SYSFS_ROOT");
}

struct truth {
	__u64 before, after;		/* SEAMCALLs up to and with TDH.SYS.UPDATE, after it */
	__u64 update_ts;
	int updates;
};

static int truth_of(const char *spec, struct truth *t)
{
	struct tdx_source *s;
	struct tdx_event ev;
	int r;

	memset(t, 0, sizeof(*t));
	r = tdx_source_open_sim(&s, spec);
	if (r)
		return r;
	while ((r = tdx_source_next(s, &ev)) == 1) {
		if (ev.kind != TDX_EV_SEAMCALL)
			continue;
		if (t->updates)
			t->after++;
		else
			t->before++;
		if (tdx_leaf_slot(ev.args[TDX_SEAMCALL_ARG_LEAF]) == TDX_LEAF_SYS_UPDATE &&
		    tdx_status_class(ev.args[TDX_SEAMCALL_ARG_STATUS]) == TDX_SC_SUCCESS) {
			t->updates++;
			t->update_ts = ev.ts_ns;
		}
	}
	tdx_source_close(s);
	return r;
}

static __u64 calls(const struct tdx_snapshot *snap, __u32 slot, bool all)
{
	__u64 n = 0;

	for (size_t i = 0; i < snap->n_leaf; i++)
		if (all || snap->leaf[i].key.leaf == slot)
			n += snap->leaf[i].v.count;
	return n;
}

static void test_segments(void)
{
	const char *spec = "steady:7,tds=2,duration=3s,update=1500ms";
	struct tdx_opts o = TDX_OPTS_INIT;
	struct tdx_session *s = NULL;
	struct tdx_snapshot a = { 0 }, b = { 0 };
	struct truth t;
	int r, steps = 0;

	if (!ok(!truth_of(spec, &t) && t.updates == 1, "the simulator emits one module update (%s)",
		spec))
		return;
	o.source = TDX_SRC_SIM;
	o.sim_spec = spec;
	if (!ok(!tdx_open(&s, &o), "open the simulator: %s", tdx_last_error()))
		return;
	ok(!strcmp(tdx_module_version(s), "tdxsim") && tdx_module_segment(s) == 0,
	   "segment 0 runs the source's module (%s)", tdx_module_version(s));
	do {
		r = tdx_advance(s, 0, 0);
		steps++;
	} while (r == 0 && tdx_module_segment(s) == 0);
	ok(r == 0 && steps == 1, "tdx_advance() returns at the update, before the end");
	is_u64(tdx_module_segment(s), 1, "one update: segment 1");
	ok(!strcmp(tdx_module_version(s), "tdxsim.u1"), "the new module's version (%s)",
	   tdx_module_version(s));
	is_u64(tdx_module_segment_start(s), t.update_ts, "the segment starts at the TDH.SYS.UPDATE");
	if (ok(!tdx_snapshot(s, &a), "snapshot at the update")) {
		is_u64(calls(&a, 0, true), t.before, "segment 0 holds every SEAMCALL up to the update");
		is_u64(calls(&a, TDX_LEAF_SYS_UPDATE, false), 1, "... ending with TDH.SYS.UPDATE");
		is_u64(calls(&a, TDX_LEAF_SLOT_SEAMLDR_INSTALL, false), 1,
		       "... SEAMLDR.INSTALL counted as P-SEAMLDR");
		is_u64(calls(&a, TDX_LEAF_MNG_ADDCX, false), 0,
		       "... not as TDH.MNG.ADDCX (leaf 1 without bit 63)");
		is_u64(calls(&a, TDX_LEAF_SYS_SHUTDOWN, false), 1, "... after TDH.SYS.SHUTDOWN");
	}
	ok(!tdx_reset(s), "reset at the segment boundary");
	do
		r = tdx_advance(s, 0, 0);
	while (r == 0);
	is_u64(r, 1, "the source ends");
	if (ok(!tdx_snapshot(s, &b), "snapshot at the end")) {
		is_u64(calls(&b, 0, true), t.after, "segment 1 holds exactly the SEAMCALLs after the update");
		is_u64(calls(&b, TDX_LEAF_SYS_UPDATE, false), 0, "... and none of segment 0's");
	}
	is_u64(tdx_module_segment(s), 1, "still segment 1");
	tdx_snapshot_free(&a);
	tdx_snapshot_free(&b);
	tdx_close(s);
}

static void test_bad_spec(void)
{
	struct tdx_source *s = NULL;

	int r = tdx_source_open_sim(&s, "steady,duration=2s,update=3s");

	ok(r < 0 && strstr(tdx_last_error(), "before the end"), "an update after the end is refused: %s",
	   tdx_last_error());
	r = tdx_source_open_sim(&s, "steady,update=0");
	ok(r < 0, "update=0 is refused: %s", tdx_last_error());
}

int main(void)
{
	test_sysfs();
	test_segments();
	test_bad_spec();
	return tap_done();
}
