// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * common.c - tables and helpers shared by every tool: leaf, status and event
 * names (from include/tdxtrace), histogram quantiles and log2 printing, and
 * the library's last-error string.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tdxtrace.h"
#include "source.h"
#include "util.h"

static __thread char last_error[512];

void tdx_set_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
}

const char *tdx_last_error(void)
{
	return last_error[0] ? last_error : "unknown error";
}

struct leaf_ent {
	const char *macro;
	__u32 nr;
	const char *name;
};

/* Host leaves the kernel calls, those of the spec, P-SEAMLDR (by slot). */
static const struct leaf_ent leaves[] = {
#define X(sfx, nr, name, area) { "TDH_" #sfx, nr, name },
	TDX_LEAF_TABLE(X)
	TDX_LEAF_SPEC_TABLE(X)
#undef X
#define X(sfx, nr, name) { "SEAMLDR_" #sfx, TDX_LEAF_SLOT_SEAMLDR + nr, name },
	TDX_SEAMLDR_TABLE(X)
#undef X
};

const char *tdx_leaf_name(__u32 slot)
{
	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
		if (leaves[i].nr == slot)
			return leaves[i].name;
	return NULL;
}

const char *tdx_leaf_label(__u32 slot, char *buf, size_t n)
{
	const char *name = tdx_leaf_name(slot);

	if (name)
		return name;
	if (slot == TDX_LEAF_SLOT_OTHER)
		snprintf(buf, n, "other");
	else if (slot >= TDX_LEAF_SLOT_SEAMLDR && slot < TDX_LEAF_SLOT_OTHER)
		snprintf(buf, n, "SEAMLDR.%u", slot - TDX_LEAF_SLOT_SEAMLDR);
	else
		snprintf(buf, n, "%u", slot);
	return buf;
}

/* Accepts "TDH.MEM.PAGE.AUG", "TDH_MEM_PAGE_AUG", "mem.page.aug", "6", "0x6". */
int tdx_leaf_parse(const char *s)
{
	char norm[64];
	size_t n = 0;
	char *end;

	if (!s || !*s)
		return -1;
	if (isdigit((unsigned char)s[0])) {
		unsigned long v;

		errno = 0;
		v = strtoul(s, &end, 0);
		if (errno || *end || v >= TDX_LEAF_MAX)
			return -1;
		return (int)v;
	}
	for (; *s && n < sizeof(norm) - 1; s++)
		norm[n++] = *s == '_' ? '.' : (char)toupper((unsigned char)*s);
	if (*s)
		return -1;
	norm[n] = 0;
	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		const char *name = leaves[i].name;

		if (!strcmp(norm, name) ||
		    (!strncmp(name, "TDH.", 4) && !strcmp(norm, name + 4)))
			return (int)leaves[i].nr;
	}
	return -1;
}

struct status_ent {
	__u64 val;
	const char *name;
};

static const struct status_ent statuses[] = {
#define X(macro, val, name) { val, name },
	TDX_STATUS_TABLE(X)
	TDX_STATUS_SPEC_TABLE(X)
#undef X
};

const char *tdx_status_name(__u64 status)
{
	if (status == TDX_SEAMCALL_VMFAILINVALID_VAL)
		return "VMFAILINVALID";
	if (status == TDX_SEAMCALL_GP_VAL)
		return "SEAMCALL_GP";
	if (status == TDX_SEAMCALL_UD_VAL)
		return "SEAMCALL_UD";
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].val == (status & TDX_STATUS_CLASS_MASK))
			return statuses[i].name;
	return NULL;
}

static const char *const class_names[] = {
#define X(id, name) name,
	TDX_STATUS_CLASS_TABLE(X)
#undef X
};

const char *tdx_status_class_name(__u32 cls)
{
	return cls < TDX_SC_MAX ? class_names[cls] : "?";
}

static const struct {
	const char *sys, *name;
	int nargs, tp_nargs;
} events[TDX_EV_MAX] = {
	[TDX_EV_NONE] = { "", "none", 0, 0 },
#define X(id, lower, sys, name, nargs) [TDX_EV_##id] = { sys, name, TDX_##id##_NARGS, nargs },
	TDX_EVENT_TABLE(X)
#undef X
};

const char *tdx_event_name(__u32 kind)
{
	return kind < TDX_EV_MAX ? events[kind].name : NULL;
}

const char *tdx_event_system(__u32 kind)
{
	return kind < TDX_EV_MAX ? events[kind].sys : NULL;
}

int tdx_event_nargs(__u32 kind)
{
	return kind > TDX_EV_NONE && kind < TDX_EV_MAX ? events[kind].nargs : -1;
}

int tdx_event_tp_nargs(__u32 kind)
{
	return kind > TDX_EV_NONE && kind < TDX_EV_MAX ? events[kind].tp_nargs : -1;
}

const char *tdx_exit_reason_name(__u32 r)
{
	switch (r) {
#define X(name, nr) case nr: return #name;
	TDX_EXIT_REASON_TABLE(X)
#undef X
	case TDX_EXIT_REASON_UNDEFINED: return "UNDEFINED";
	default: return NULL;
	}
}

const char *tdx_exit_slot_name(__u32 slot)
{
	if (slot == TDX_EXIT_SLOT_UNDEFINED)
		return "UNDEFINED";
	if (slot == TDX_EXIT_SLOT_OTHER)
		return "other";
	return slot < TDX_EXIT_SLOT_UNDEFINED ? tdx_exit_reason_name(slot) : NULL;
}

const char *tdx_tdvmcall_name(__u64 subfn)
{
	switch (subfn) {
#define X(name, nr, reason) case nr: return #name;
	TDX_TDVMCALL_TABLE(X)
#undef X
	default: return NULL;
	}
}

const char *tdx_mode_name(enum tdx_attach_mode m)
{
	switch (m) {
	case TDX_MODE_TP_BTF:	return "tracepoints (tp_btf)";
	case TDX_MODE_RAW_TP:	return "tracepoints (raw_tp)";
	case TDX_MODE_FENTRY:	return "stock (fentry + upstream tracepoints)";
	case TDX_MODE_REPLAY:	return "replay";
	case TDX_MODE_SIM:	return "sim";
	default:		return "none";
	}
}

__u64 tdx_hist_total(const __u64 *hist)
{
	__u64 t = 0;

	for (int i = 0; i < TDX_HIST_SLOTS; i++)
		t += hist[i];
	return t;
}

double tdx_hist_quantile(const __u64 *hist, double q)
{
	__u64 total = tdx_hist_total(hist);
	double rank, cum = 0;

	if (!total)
		return 0;
	if (q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	rank = q * (double)total;
	for (int i = 0; i < TDX_HIST_SLOTS; i++) {
		double c = (double)hist[i];

		if (!hist[i])
			continue;
		if (cum + c >= rank) {
			double lo = (double)tdx_hist_slot_lo(i);
			double hi = i + 1 < TDX_HIST_SLOTS ?
				(double)tdx_hist_slot_lo(i + 1) : lo * 2;
			double frac = (rank - cum) / c;

			if (i < (int)TDX_HIST_SUB)	/* exact small values */
				return lo;
			return lo + frac * (hi - lo);
		}
		cum += c;
	}
	return (double)tdx_hist_slot_lo(TDX_HIST_SLOTS - 1);
}

void tdx_hist_log2(const __u64 *hist, __u64 *out)
{
	memset(out, 0, sizeof(*out) * TDX_LOG2_SLOTS);
	for (__u32 i = 0; i < TDX_HIST_SLOTS; i++) {
		__u32 b = tdx_hist_slot_log2(i);

		out[b < TDX_LOG2_SLOTS ? b : TDX_LOG2_SLOTS - 1] += hist[i];
	}
}

static void print_stars(FILE *f, __u64 val, __u64 max, int width)
{
	int n = max ? (int)((double)val * width / (double)max) : 0;

	if (n > width)
		n = width;
	for (int i = 0; i < n; i++)
		fputc('*', f);
	for (int i = n; i < width; i++)
		fputc(' ', f);
}

void tdx_hist_print_log2(FILE *f, const __u64 *hist, __u64 unit_div,
			 const char *unit_name)
{
	__u64 l2[TDX_LOG2_SLOTS], scaled[TDX_LOG2_SLOTS + 64];
	int first = -1, last = -1, nb = 0;
	__u64 max = 0;

	if (!unit_div)
		unit_div = 1;
	tdx_hist_log2(hist, l2);
	/* Re-bucket by unit: a value v ns lands in log2 bucket of v/unit_div. */
	memset(scaled, 0, sizeof(scaled));
	for (int b = 0; b < TDX_LOG2_SLOTS; b++) {
		__u64 lo = b ? 1ULL << (b - 1) : 0;
		__u64 v = lo / unit_div;
		int nb2 = v ? (int)tdx_msb64(v) + 1 : 0;

		scaled[nb2] += l2[b];
	}
	for (int b = 0; b < TDX_LOG2_SLOTS; b++) {
		if (scaled[b]) {
			if (first < 0)
				first = b;
			last = b;
		}
		if (scaled[b] > max)
			max = scaled[b];
	}
	if (first < 0)
		return;
	/* header as wide as "%10llu -> %-10llu" (24), so the colons line up */
	fprintf(f, "%*s%-*s : count    distribution\n", 10, "", 14, unit_name);
	for (int b = first; b <= last; b++, nb++) {
		__u64 lo = b ? 1ULL << (b - 1) : 0;
		__u64 hi = b ? (1ULL << b) - 1 : 0;

		fprintf(f, "%10llu -> %-10llu : %-8llu |",
			(unsigned long long)lo, (unsigned long long)hi,
			(unsigned long long)scaled[b]);
		print_stars(f, scaled[b], max, 40);
		fprintf(f, "|\n");
	}
	(void)nb;
}

void tdx_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n;

	if (!size)
		return;
	n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = 0;
}

const char *tdx_exit_name(int code)
{
	switch (code) {
#define TDX_EXIT_CASE(name, value, doc) case value: return #name;
	TDX_EXIT_TABLE(TDX_EXIT_CASE)
#undef TDX_EXIT_CASE
	}
	return NULL;
}
