// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tables.c - the event and map tables of include/tdxtrace as data: field
 * descriptors for the snapshot's generic merge/diff code, the names tools
 * print, the trace.dat field map, the event decoder and the doc checks.
 */
#include <stddef.h>

#include "tdxtrace.h"

#define TDX_SIGNED(type) _Generic((type)0, __s64: 1, __s32: 1, __s16: 1, __s8: 1, default: 0)

/* Field descriptors of each key and value struct: tdx_fields_<struct>[]. */
#define TDX_X_FD(c, type, name, merge, doc)					\
	{ #name, offsetof(struct c, name), sizeof(type), 1, TDX_MERGE_##merge,	\
	  TDX_SIGNED(type), doc },
#define TDX_X_VD(c, type, name, n, merge, doc)					\
	{ #name, offsetof(struct c, name), sizeof(type), n, TDX_MERGE_##merge,	\
	  TDX_SIGNED(type), doc },
#define TDX_X_KEY_FIELDS(kt, kf)						\
	static const struct tdx_field_desc tdx_fields_##kt[] = {		\
		kf(TDX_X_FD, TDX_X_VD, kt) { 0 } };
#define TDX_X_VAL_FIELDS(id, bpf, snap, kt, vt, vf, per_td, in_snap)	\
	static const struct tdx_field_desc tdx_fields_##vt[] = {		\
		vf(TDX_X_FD, TDX_X_VD, vt) { 0 } };
TDX_KEY_TABLE(TDX_X_KEY_FIELDS)
TDX_MAP_TABLE(TDX_X_VAL_FIELDS)

static const struct tdx_field_desc counters_fields[] = {
	TDX_COUNTERS(TDX_X_FD, TDX_X_VD, tdx_counters) { 0 }
};

static const struct tdx_map_desc maps[TDX_MAP_ID_MAX] = {
#define TDX_X_MD(id, bpf, snap, kt, vt, vf, per_td, in_snap)		\
	[TDX_MAP_##id] = { #bpf, in_snap ? #snap : NULL, sizeof(struct kt),	\
			   sizeof(struct vt), per_td, tdx_fields_##kt, tdx_fields_##vt },
	TDX_MAP_TABLE(TDX_X_MD)
#undef TDX_X_MD
};

const struct tdx_map_desc *tdx_map_desc(enum tdx_map_id id)
{
	return (unsigned int)id < TDX_MAP_ID_MAX ? &maps[id] : NULL;
}

const char *tdx_map_name(enum tdx_map_id id)
{
	const struct tdx_map_desc *d = tdx_map_desc(id);

	return d ? d->name + 4 : "?";	/* "tdx_leaf" -> "leaf" */
}

const struct tdx_field_desc *tdx_counters_desc(void)
{
	return counters_fields;
}

/* Argument descriptors: args_<ID>[], from the argument tables. */
#define TDX_X_AD(id, f, names, type, fmt, doc) { NULL, names, #type, TDX_ARG_##fmt, doc },
#define TDX_X_ARGS(id, lower, sys, name, nargs)				\
	static const struct tdx_arg_desc args_##id[] = { TDX_##id##_ARGS(TDX_X_AD, id) };
TDX_EVENT_TABLE(TDX_X_ARGS)
#undef TDX_X_ARGS

static const struct {
	const struct tdx_arg_desc *a;	/* args[] (after the TD's pid row) */
	int n;
	int td_arg;			/* 1: a[-1] is the pid (P) row */
} args[TDX_EV_MAX] = {
#define TDX_X_AT(id, lower, sys, name, nargs)				\
	[TDX_EV_##id] = { args_##id + TDX_##id##_TD_ARG, TDX_##id##_NARGS, TDX_##id##_TD_ARG },
	TDX_EVENT_TABLE(TDX_X_AT)
#undef TDX_X_AT
};

/* The tracefs field name: the aliases up to the first '|'. */
static char field_names[TDX_EV_MAX][TDX_EV_MAX_ARGS][32];

const struct tdx_arg_desc *tdx_event_arg(__u32 kind, int i)
{
	static struct tdx_arg_desc out[TDX_EV_MAX][TDX_EV_MAX_ARGS];
	char *fn;

	if (kind >= TDX_EV_MAX || i < 0 || i >= args[kind].n)
		return NULL;
	if (out[kind][i].field)
		return &out[kind][i];
	fn = field_names[kind][i];
	for (size_t k = 0; k + 1 < sizeof(field_names[0][0]); k++) {
		char ch = args[kind].a[i].aliases[k];

		if (!ch || ch == '|')
			break;
		fn[k] = ch;
	}
	out[kind][i] = args[kind].a[i];
	out[kind][i].field = fn;
	return &out[kind][i];
}

const char *tdx_kvm_tdvmcall_name(unsigned int slot, __u64 *leaf)
{
	static const struct { __u64 nr; const char *name; } t[] = {
#define TDX_X_TV(id, nr, name) { nr, name },
		TDX_KVM_TDVMCALL_TABLE(TDX_X_TV)
#undef TDX_X_TV
	};

	if (leaf)
		*leaf = 0;
	if (!slot)
		return "other";
	if (slot > sizeof(t) / sizeof(t[0]))
		return NULL;
	if (leaf)
		*leaf = t[slot - 1].nr;
	return t[slot - 1].name;
}

const struct tdx_arg_desc *tdx_event_td_arg(__u32 kind)
{
	static struct tdx_arg_desc out[TDX_EV_MAX];

	if (kind >= TDX_EV_MAX || !args[kind].td_arg)
		return NULL;
	out[kind] = args[kind].a[-1];
	out[kind].field = "pid";	/* its alias list is "pid" */
	return &out[kind];
}

static void complete_status(__u64 count, __u64 *status)
{
	__u64 other = 0;

	for (int c = 0; c < TDX_SC_MAX; c++)
		if (c != TDX_SC_SUCCESS)
			other += status[c];
	status[TDX_SC_SUCCESS] = count >= other ? count - other : 0;
}

void tdx_map_complete(enum tdx_map_id id, void *value)
{
	switch (id) {
	case TDX_MAP_LEAF: {
		struct tdx_leaf_stats *v = value;

		v->count = tdx_hist_total(v->hist);
		complete_status(v->count, v->status);
		break;
	}
	case TDX_MAP_VP: {
		struct tdx_vp_stats *v = value;

		v->count = tdx_hist_total(v->hist);
		complete_status(v->count, v->status);
		break;
	}
	case TDX_MAP_EPT: {
		struct tdx_ept_stats *v = value;
		__u64 total = tdx_hist_total(v->hist), r = 0, l = 0;

		v->count[1] = total >= v->count[0] ? total - v->count[0] : 0;
		for (int i = 1; i < TDX_RETRY_SLOTS; i++)
			r += v->retry_hist[i];
		v->retry_hist[0] = total >= r ? total - r : 0;
		for (int i = 0; i < TDX_PG_LEVEL_MAX; i++)
			if (i != TDX_PG_LEVEL_4K)
				l += v->level[i];
		v->level[TDX_PG_LEVEL_4K] = total >= l ? total - l : 0;
		break;
	}
	default:
		break;
	}
}
