/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * quant.h - the one quantile and latency-format path of every tool
 * (tdxtrace, tdxtop, tdxbench, the exporter's text): a quantile of a
 * histogram (include/tdxtrace/hist.h) never outside [min, max] of what was
 * seen, one way to write a latency, one word for a value that is unknown.
 */
#ifndef TDXTRACE_QUANT_H
#define TDXTRACE_QUANT_H

#include <stdbool.h>
#include <stddef.h>

#include "tdxtrace.h"

/*
 * A minimum the map does not track (TD entry, EPT handling, MapGPA round
 * trip, FROZEN_SPTE hold): printed as unknown ("-", JSON null), never 0.
 * The same value is a tracked minimum's "nothing seen yet".
 */
#define TDX_MIN_UNTRACKED	(~(__u64)0)

/*
 * Quantile q in [0, 1] of hist, clamped to [min_ns, max_ns]: interpolation
 * inside a slot can pass the highest value seen, or fall below the lowest.
 * max_ns 0 or min_ns TDX_MIN_UNTRACKED: that side is not clamped.
 * 0 for an empty histogram (callers show its count, 0, and no quantile).
 */
double tdx_quantile(const __u64 *hist, double q, __u64 min_ns, __u64 max_ns);

/*
 * The one latency format: "812 ns", "9.96 us", "12.3 ms", "1.50 s" (three
 * significant digits); compact drops the space ("9.96us") for tdxtop's
 * narrow columns.  A negative or NaN value is unknown: "-".
 */
const char *tdx_fmt_ns(char *buf, size_t len, double ns, bool compact);

#endif /* TDXTRACE_QUANT_H */
