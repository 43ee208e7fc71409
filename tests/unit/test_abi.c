// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_abi.c - properties of the event ABI: histogram layout, status classes,
 * leaf and event tables.  Expected values are computed here independently
 * (by brute force or from the TDX status encoding), not copied from the code.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "tdxtrace.h"

/* Reference slot: brute force over the documented definition. */
static unsigned ref_slot(uint64_t v)
{
	int m = 63;

	if (v < 8)
		return (unsigned)v;
	while (!(v >> m))
		m--;
	if (m > 39)
		return TDX_HIST_SLOTS - 1;
	return (unsigned)((m - 2) * 8 + ((v >> (m - 3)) & 7));
}

static void test_hist(void)
{
	int bad = 0, bad_bounds = 0, bad_width = 0;
	uint64_t vals[2000];
	int n = 0;

	for (uint64_t v = 0; v < 1024; v++)
		vals[n++] = v;
	for (int s = 10; s < 64 && n < 2000; s++) {
		vals[n++] = (1ULL << s) - 1;
		vals[n++] = 1ULL << s;
		vals[n++] = (1ULL << s) + (1ULL << (s - 1)) + 7;
	}
	for (int i = 0; i < n; i++) {
		unsigned s = tdx_hist_slot(vals[i]);

		if (s != ref_slot(vals[i]))
			bad++;
		if (s < TDX_HIST_SLOTS - 1 &&
		    (vals[i] < tdx_hist_slot_lo(s) || vals[i] >= tdx_hist_slot_hi(s)))
			bad_bounds++;
	}
	ok(bad == 0, "tdx_hist_slot matches the documented layout (%d values)", n);
	ok(bad_bounds == 0, "every value lies in [slot_lo, slot_hi)");
	is_u64(TDX_HIST_SLOTS, 304, "TDX_HIST_SLOTS is 304");
	is_u64(tdx_hist_slot(~0ULL), TDX_HIST_SLOTS - 1, "huge values clamp to the last slot");
	for (unsigned s = TDX_HIST_SUB; s + 1 < TDX_HIST_SLOTS; s++) {
		uint64_t lo = tdx_hist_slot_lo(s), hi = tdx_hist_slot_hi(s);

		if (hi <= lo || (hi - lo) * 8 > lo)
			bad_width++;
	}
	ok(bad_width == 0, "sub-buckets are at most 12.5%% of their lower bound wide");
	/* monotonic, contiguous */
	bad = 0;
	for (unsigned s = 0; s + 1 < TDX_HIST_SLOTS; s++)
		if (tdx_hist_slot_hi(s) != tdx_hist_slot_lo(s + 1))
			bad++;
	ok(bad == 0, "slots are contiguous");
	/* log2 view: value v -> bucket floor(log2 v)+1 */
	bad = 0;
	for (uint64_t v = 1; v < (1ULL << 39); v = v * 3 + 1) {
		unsigned b = tdx_hist_slot_log2(tdx_hist_slot(v));
		unsigned want = 0;

		while ((v >> want) > 0)
			want++;
		if (b != want)
			bad++;
	}
	ok(bad == 0, "log2 view of a slot equals floor(log2 v)+1");
}

static void test_quantile(void)
{
	static __u64 h[TDX_HIST_SLOTS];

	memset(h, 0, sizeof(h));
	is_dbl(tdx_hist_quantile(h, 0.5), 0, 0, "empty histogram: quantile 0");
	/* 1000 values uniformly in 1000..1999 ns */
	for (int v = 1000; v < 2000; v++)
		h[tdx_hist_slot(v)]++;
	is_u64(tdx_hist_total(h), 1000, "total counts every value");
	is_dbl(tdx_hist_quantile(h, 0.5), 1500, 1500 * 0.07, "p50 of U[1000,2000) within 7%%");
	is_dbl(tdx_hist_quantile(h, 0.9), 1900, 1900 * 0.07, "p90 of U[1000,2000) within 7%%");
	{
		__u64 l2[TDX_LOG2_SLOTS];
		__u64 s = 0;

		tdx_hist_log2(h, l2);
		for (int i = 0; i < TDX_LOG2_SLOTS; i++)
			s += l2[i];
		is_u64(s, 1000, "log2 view keeps every count");
		is_u64(l2[10] + l2[11], 1000, "1000..1999 ns land in log2 buckets 512-1023/1024-2047");
		is_u64(l2[10], 24, "1000..1023 -> bucket [512,1024)");
	}
}

static void test_status(void)
{
	is_u64(tdx_status_class(0), TDX_SC_SUCCESS, "0 is success");
	is_u64(tdx_status_class(0x8000020000000092ULL), TDX_SC_BUSY,
	       "OPERAND_BUSY with operand id SEPT is busy");
	is_u64(tdx_status_class(0x80000201000000a9ULL), TDX_SC_BUSY,
	       "PREVIOUS_TLB_EPOCH_BUSY is busy");
	is_u64(tdx_status_class(0x8000020300000000ULL), TDX_SC_NO_ENTROPY,
	       "RND_NO_ENTROPY");
	is_u64(tdx_status_class(0x8000000300000000ULL), TDX_SC_INTERRUPTED,
	       "INTERRUPTED_RESUMABLE");
	is_u64(tdx_status_class(0x8000FF00FFFF0000ULL), TDX_SC_SW_ERROR,
	       "VMFAILINVALID is a software error");
	is_u64(tdx_status_class(0x8000FF000000000dULL), TDX_SC_SW_ERROR, "#GP is a software error");
	is_u64(tdx_status_class(0x0000081500000000ULL), TDX_SC_WARNING,
	       "KEY_CONFIGURED (bit 63 clear) is a warning");
	is_u64(tdx_status_class(0xC0000B0D00000000ULL), TDX_SC_ERROR, "EPT_ENTRY_STATE_INCORRECT is an error");
	/* the class is bits 63:32 (kernel review v1, finding 2) */
	is_u64(tdx_status_class(0x30), TDX_SC_SUCCESS,
	       "a VP.ENTER return with exit reason 48 in bits 31:0 is success");
	is_u64(tdx_status_class(0x0000000000000001ULL), TDX_SC_SUCCESS,
	       "class 0 with detail bits is success");
	is_u64(tdx_status_class(0x4000000100000000ULL), TDX_SC_ERROR,
	       "NON_RECOVERABLE_VCPU (bit 62) is an error");
	is_u64(tdx_status_class(0x6000000500000000ULL), TDX_SC_ERROR,
	       "NON_RECOVERABLE_TD_NON_ACCESSIBLE is an error");
	is_u64(tdx_status_class(0x8000020400000000ULL), TDX_SC_BUSY,
	       "OPERAND_BUSY_HOST_PRIORITY is busy");
	ok(!strcmp(tdx_status_name(0x8000020000000092ULL), "OPERAND_BUSY"), "status name ignores operand id");
	ok(!strcmp(tdx_status_class_name(TDX_SC_BUSY), "busy"), "class name");
}

static void test_leaves(void)
{
	ok(tdx_leaf_name(6) && !strcmp(tdx_leaf_name(6), "TDH.MEM.PAGE.AUG"), "leaf 6 is TDH.MEM.PAGE.AUG");
	is_u64(tdx_leaf_parse("TDH.MEM.PAGE.AUG"), 6, "parse dotted name");
	is_u64(tdx_leaf_parse("tdh_mem_sept_add"), 3, "parse macro name, any case");
	is_u64(tdx_leaf_parse("VP.ENTER"), 0, "parse without TDH. prefix");
	is_u64(tdx_leaf_parse("0x1c"), 28, "parse number");
	is_u64((__u64)(long long)tdx_leaf_parse("TDH.BOGUS"), (__u64)-1LL, "unknown name is -1");
	is_u64((__u64)(long long)tdx_leaf_parse("999"), (__u64)-1LL, "out-of-range number is -1");
	ok(tdx_leaf_name(46) == NULL, "leaf 46 is in no table");
}

/* Issue 18: spec 1.5 leaves and statuses, P-SEAMLDR, unknown values. */
static void test_spec_abi(void)
{
	static const struct { unsigned nr; const char *name; } spec[] = {
		{ 15, "TDH.MEM.PAGE.DEMOTE" }, { 23, "TDH.MEM.PAGE.PROMOTE" },
		{ 39, "TDH.MEM.RANGE.UNBLOCK" }, { 58, "TDH.PHYMEM.PAMT.ADD" },
		{ 59, "TDH.PHYMEM.PAMT.REMOVE" }, { 64, "TDH.EXPORT.ABORT" },
		{ 83, "TDH.IMPORT.MEM" }, { 96, "TDH.MIG.STREAM.CREATE" },
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(spec) / sizeof(spec[0]); i++) {
		const char *n = tdx_leaf_name(spec[i].nr);

		ok(n && !strcmp(n, spec[i].name), "leaf %u is %s (got %s)", spec[i].nr,
		   spec[i].name, n ? n : "NULL");
		is_u64(tdx_leaf_slot(spec[i].nr | (1ULL << 16)), spec[i].nr,
		       "a spec leaf's slot is its number, version bits ignored");
	}
	is_u64(tdx_leaf_parse("MEM.PAGE.DEMOTE"), 15, "parse a spec leaf");
	/* P-SEAMLDR: bit 63, never a TDH leaf of the same low bits */
	is_u64(tdx_leaf_slot(0x8000000000000000ULL), TDX_LEAF_SLOT_SEAMLDR_INFO,
	       "0x8000000000000000 is SEAMLDR.INFO's slot, not VP.ENTER's");
	ok(!strcmp(tdx_leaf_name(tdx_leaf_slot(0x8000000000000001ULL)), "SEAMLDR.INSTALL"),
	   "0x8000000000000001 is SEAMLDR.INSTALL");
	ok(tdx_leaf_slot(0x8000000000000001ULL) != TDX_LEAF_MNG_ADDCX, "SEAMLDR.INSTALL is not TDH.MNG.ADDCX");
	is_u64(tdx_leaf_parse("SEAMLDR.INSTALL"), TDX_LEAF_SLOT_SEAMLDR_INSTALL, "parse a P-SEAMLDR leaf");
	is_u64((__u64)(long long)tdx_leaf_parse("LDR.INSTALL"), (__u64)-1LL,
	       "only TDH. is an optional prefix");
	ok(!strcmp(tdx_leaf_label(tdx_leaf_slot(0x8000000000000009ULL), buf, sizeof(buf)), "SEAMLDR.9"),
	   "an unknown P-SEAMLDR leaf is printed as a number (%s)", buf);
	/* unknown values: counted in a slot of their own, shown as numbers */
	ok(!strcmp(tdx_leaf_label(46, buf, sizeof(buf)), "46"), "unnamed leaf 46 is printed as 46");
	is_u64(tdx_leaf_slot(0x1234), TDX_LEAF_SLOT_OTHER, "leaf 0x1234 goes to the 'other' slot");
	is_u64(tdx_leaf_slot(0x800000000000ffffULL), TDX_LEAF_SLOT_OTHER,
	       "P-SEAMLDR leaf 0xffff goes to the 'other' slot");
	ok(tdx_leaf_name(TDX_LEAF_SLOT_OTHER) == NULL &&
	   !strcmp(tdx_leaf_label(TDX_LEAF_SLOT_OTHER, buf, sizeof(buf)), "other"),
	   "the 'other' slot has no leaf name");
	for (unsigned s = 0; s < TDX_LEAF_MAX; s++)
		if (tdx_leaf_name(s) && s >= TDX_LEAF_SLOT_SEAMLDR)
			ok(!strncmp(tdx_leaf_name(s), "SEAMLDR.", 8), "slot %u >= %u is P-SEAMLDR", s,
			   TDX_LEAF_SLOT_SEAMLDR);
	/* statuses */
	is_u64(tdx_status_class(0x8000000400000000ULL), TDX_SC_INTERRUPTED,
	       "INTERRUPTED_RESTARTABLE is interrupted");
	ok(!strcmp(tdx_status_name(0x8000000400000000ULL), "INTERRUPTED_RESTARTABLE"), "its name");
	is_u64(tdx_status_class(0x9000020500000000ULL), TDX_SC_BUSY, "HOST_PRIORITY_BUSY_TIMEOUT is busy");
	is_u64(tdx_status_class(0xC0000B0B00000000ULL), TDX_SC_ERROR, "PAGE_SIZE_MISMATCH is an error");
	ok(!strcmp(tdx_status_name(0xC0000B0B00000018ULL), "PAGE_SIZE_MISMATCH"),
	   "PAGE_SIZE_MISMATCH named with an operand id");
	ok(tdx_status_name(0xC0000B7700000000ULL) == NULL, "an unknown status has no name");
	/* exit reasons */
	is_u64(tdx_exit_reason_slot(0xdead), TDX_EXIT_SLOT_UNDEFINED, "0xdead has its own slot");
	ok(!strcmp(tdx_exit_slot_name(TDX_EXIT_SLOT_UNDEFINED), "UNDEFINED"), "... named UNDEFINED");
	is_u64(tdx_exit_reason_slot(0xffffffffu), TDX_EXIT_SLOT_OTHER, "7.2's -1u is 'other'");
	is_u64(tdx_exit_reason_slot(0x80000030u), 48, "the basic reason is bits 15:0");
	ok(!strcmp(tdx_exit_reason_name(74), "BUS_LOCK") && !strcmp(tdx_exit_reason_name(75), "NOTIFY"),
	   "BUS_LOCK 74 and NOTIFY 75 are named");
	ok(tdx_exit_slot_name(60) == NULL, "an unnamed reason slot has no name (printed as a number)");
	ok(!strcmp(tdx_tdvmcall_name(0x10001), "MAP_GPA") && !strcmp(tdx_tdvmcall_name(0x10002), "GET_QUOTE"),
	   "TDVMCALL MapGPA and GetQuote");
	ok(tdx_tdvmcall_name(0x10077) == NULL, "an unknown TDVMCALL has no name");
}

static void test_events(void)
{
	is_u64(sizeof(struct tdx_event), 88, "struct tdx_event is 88 bytes");
	is_u64(offsetof(struct tdx_event, args), 24, "args start at offset 24");
	ok(!strcmp(tdx_event_name(TDX_EV_SEAMCALL), "tdx_seamcall"), "event name");
	ok(!strcmp(tdx_event_system(TDX_EV_FROZEN_RETRY), "kvmmmu"), "event system");
	is_u64(tdx_event_nargs(TDX_EV_EPT_VIOLATION), TDX_EPT_VIOLATION_ARG_DURATION + 1,
	       "EPT violation nargs matches its argument enum");
	is_u64(tdx_event_nargs(TDX_EV_SEAMCALL), TDX_SEAMCALL_ARG_DURATION + 1,
	       "SEAMCALL nargs matches its argument enum");
	is_u64(tdx_event_nargs(TDX_EV_MAP_GPA_DONE), TDX_MAP_GPA_DONE_ARG_DURATION + 1,
	       "MapGPA done nargs matches its argument enum");
	is_u64(tdx_event_nargs(TDX_EV_SPTE_FROZEN), TDX_SPTE_FROZEN_ARG_RESULT + 1,
	       "SPTE frozen nargs matches its argument enum");
	ok(tdx_event_nargs(TDX_EV_NONE) < 0 && tdx_event_nargs(TDX_EV_MAX) < 0,
	   "invalid kinds have no nargs");
}

/*
 * docs/tracepoints.md documents every argument of every event of the
 * table, in order, with the table's field name and type: a row
 * "| N | `field` | type | ..." under "### system:name".
 */
static void test_docs_fields(void)
{
	char path[1024], line[1024];
	const char *src = getenv("SRC");
	int cur = -1, bad = 0, rows[TDX_EV_MAX] = { 0 };
	FILE *f;

	snprintf(path, sizeof(path), "%s/docs/tracepoints.md", src ? src : ".");
	f = fopen(path, "r");
	if (!ok(f != NULL, "docs: %s opens", path))
		return;
	while (fgets(line, sizeof(line), f)) {
		char field[64], type[16];
		int n;

		if (!strncmp(line, "### ", 4)) {
			cur = -1;
			for (int k = 1; k < TDX_EV_MAX; k++) {
				char h[96];

				snprintf(h, sizeof(h), "### %s:%s\n", tdx_event_system(k),
					 tdx_event_name(k));
				if (!strcmp(line, h))
					cur = k;
			}
			continue;
		}
		if (cur < 0 || sscanf(line, "| %d | `%63[^`]` | %15s |", &n, field, type) != 3)
			continue;
		{
			const struct tdx_arg_desc *a = tdx_event_arg((__u32)cur, n);

			if (!a || strcmp(a->field, field) || strcmp(a->type, type)) {
				diag("%s argument %d: docs say %s %s, the table %s %s",
				     tdx_event_name(cur), n, type, field, a ? a->type : "-",
				     a ? a->field : "(none)");
				bad++;
			}
			rows[cur]++;
		}
	}
	fclose(f);
	for (int k = 1; k < TDX_EV_MAX; k++)
		if (rows[k] != tdx_event_nargs(k)) {
			diag("%s: %d documented arguments, %d in the table", tdx_event_name(k),
			     rows[k], tdx_event_nargs(k));
			bad++;
		}
	ok(!bad, "docs/tracepoints.md: every argument of every event, in table order, "
	   "with its field name and type");
}

/* Every map's BPF name is tdx_<printed name>; every in-snapshot value is u64 words. */
static void test_map_table(void)
{
	int bad = 0;

	for (int id = 0; id < TDX_MAP_ID_MAX; id++) {
		const struct tdx_map_desc *d = tdx_map_desc((enum tdx_map_id)id);

		bad += strncmp(d->name, "tdx_", 4) != 0;
		bad += strcmp(tdx_map_name((enum tdx_map_id)id), d->name + 4) != 0;
		if (d->snap)
			for (const struct tdx_field_desc *fd = d->value; fd->name; fd++)
				bad += fd->size != 8;
		bad += !d->per_td;
	}
	ok(!bad, "map table: names tdx_*, snapshot values in 8-byte fields, a size per TD");
	ok(tdx_event_arg(TDX_EV_SEAMCALL, TDX_SEAMCALL_ARG_DURATION) &&
	   !strcmp(tdx_event_arg(TDX_EV_SEAMCALL, TDX_SEAMCALL_ARG_DURATION)->field, "duration_ns") &&
	   !tdx_event_arg(TDX_EV_SEAMCALL, TDX_SEAMCALL_NARGS) && !tdx_event_arg(TDX_EV_MAX, 0),
	   "event arguments: field names from the table, none past the last");
}

/*
 * Through the aggregation (user-space engine, tdx_feed): a P-SEAMLDR call,
 * an unknown leaf, a leaf no slot holds and a 0xdead exit land where
 * leaves.h says, each counted once, none under a known leaf's name.
 */
static void test_spec_feed(void)
{
	static const __u64 leaves[] = {
		0x8000000000000001ULL,	/* SEAMLDR.INSTALL */
		46,			/* no table names it */
		0x5000,			/* beyond every slot */
		TDX_LEAF_MEM_PAGE_DEMOTE | (1ULL << 16),	/* spec 1.5, version 1 */
	};
	static const __u32 want_slot[] = {
		TDX_LEAF_SLOT_SEAMLDR_INSTALL, 46, TDX_LEAF_SLOT_OTHER, 15,
	};
	struct tdx_opts o = TDX_OPTS_INIT;
	struct tdx_session *s = NULL;
	struct tdx_event ev[6];
	struct tdx_snapshot snap;
	char buf[32];

	memset(ev, 0, sizeof(ev));
	for (int i = 0; i < 4; i++) {
		ev[i].kind = TDX_EV_SEAMCALL;
		ev[i].nargs = (__u16)tdx_event_nargs(TDX_EV_SEAMCALL);
		ev[i].pid = ev[i].tid = 4242;
		ev[i].ts_ns = 1000 + (__u64)i;
		ev[i].args[TDX_SEAMCALL_ARG_LEAF] = leaves[i];
		ev[i].args[TDX_SEAMCALL_ARG_DURATION] = 1500;
	}
	for (int i = 4; i < 6; i++) {
		ev[i].kind = TDX_EV_VP_ENTER;
		ev[i].nargs = (__u16)tdx_event_nargs(TDX_EV_VP_ENTER);
		ev[i].pid = ev[i].tid = 4242;
		ev[i].ts_ns = 2000 + (__u64)i;
		ev[i].args[TDX_VP_ENTER_ARG_EXIT_REASON] = i == 4 ? 0xdead : 0xffffffffu;
		ev[i].args[TDX_VP_ENTER_ARG_DURATION] = 3000;
	}
	o.source = TDX_SRC_REPLAY;	/* no file: fed by tdx_feed() */
	o.engine = TDX_ENGINE_USER;
	if (!ok(!tdx_open(&s, &o), "feed: open a session fed by tdx_feed (%s)", tdx_last_error()))
		return;
	is_u64(tdx_feed(s, ev, 6), 6, "feed: 6 events accepted");
	if (ok(!tdx_snapshot(s, &snap), "feed: snapshot")) {
		is_u64(snap.n_leaf, 4, "feed: 4 leaf slots, one per call");
		for (size_t i = 0; i < snap.n_leaf; i++) {
			const struct tdx_snap_leaf *l = &snap.leaf[i];
			int k = -1;

			for (int j = 0; j < 4; j++)
				if (want_slot[j] == l->key.leaf)
					k = j;
			ok(k >= 0 && l->v.count == 1, "feed: leaf %#llx counted once in slot %u (%s)",
			   k >= 0 ? (unsigned long long)leaves[k] : 0ULL, l->key.leaf,
			   tdx_leaf_label(l->key.leaf, buf, sizeof(buf)));
			if (l->key.leaf == 15)
				is_u64(l->v.last_version, 1, "feed: DEMOTE's version bits kept");
		}
		ok(snap.n_vp == 1 && snap.vp[0].v.exit_reason[TDX_EXIT_SLOT_UNDEFINED] == 1 &&
		   snap.vp[0].v.exit_reason[TDX_EXIT_SLOT_OTHER] == 1,
		   "feed: the 0xdead exit is UNDEFINED, 7.2's -1u is other");
		tdx_snapshot_free(&snap);
	}
	tdx_close(s);
}

static void test_live_mode_parse(void)
{
	is_u64(tdx_live_mode_parse("auto"), TDX_LIVE_AUTO, "--mode auto");
	is_u64(tdx_live_mode_parse("tracepoints"), TDX_LIVE_TRACEPOINTS, "--mode tracepoints");
	is_u64(tdx_live_mode_parse("stock"), TDX_LIVE_STOCK, "--mode stock");
	is_u64((__u64)(long long)tdx_live_mode_parse("fentry"), (__u64)-1LL, "--mode fentry is no mode");
	ok(!strncmp(tdx_mode_name(TDX_MODE_FENTRY), "stock", 5), "the mode is named stock (%s)",
	   tdx_mode_name(TDX_MODE_FENTRY));
}

int main(void)
{
	test_live_mode_parse();
	test_spec_abi();
	test_spec_feed();
	test_hist();
	test_quantile();
	test_status();
	test_leaves();
	test_events();
	test_docs_fields();
	test_map_table();
	return tap_done();
}
