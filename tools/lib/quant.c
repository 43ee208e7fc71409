// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* quant.c - one quantile path, one latency format (quant.h). */
#include <math.h>
#include <stdio.h>

#include "quant.h"

double tdx_quantile(const __u64 *hist, double q, __u64 min_ns, __u64 max_ns)
{
	double v;

	if (!tdx_hist_total(hist))
		return 0;
	v = tdx_hist_quantile(hist, q);
	if (max_ns && v > (double)max_ns)
		v = (double)max_ns;
	if (min_ns != TDX_MIN_UNTRACKED && v < (double)min_ns)
		v = (double)min_ns;
	return v;
}

const char *tdx_fmt_ns(char *buf, size_t len, double ns, bool compact)
{
	static const char *const unit[] = { "ns", "us", "ms", "s" };
	const char *sp = compact ? "" : " ";
	int u = 0;

	if (isnan(ns) || ns < 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	if (ns < 999.5) {
		snprintf(buf, len, "%.0f%sns", ns, sp);
		return buf;
	}
	/* the unit where three significant digits are below 1000 after rounding */
	while (u < 3 && ns >= 999.5) {
		ns /= 1e3;
		u++;
	}
	if (ns < 9.995)
		snprintf(buf, len, "%.2f%s%s", ns, sp, unit[u]);
	else if (ns < 99.95)
		snprintf(buf, len, "%.1f%s%s", ns, sp, unit[u]);
	else
		snprintf(buf, len, "%.0f%s%s", ns, sp, unit[u]);
	return buf;
}
