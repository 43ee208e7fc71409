// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bench_simrss - peak RSS of the simulator alone (make bench-tdxtop).
 *
 * tdxtop --sim runs the simulator in its own process; on a live host it does
 * not.  bench_tdxtop.py subtracts what this program reports (the simulator
 * generating SECONDS of the same spec) to estimate tdxtop's RSS as a monitor.
 *
 *   bench_simrss SPEC SECONDS      prints "<max_rss_kb> <events>"
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "source.h"

int main(int argc, char **argv)
{
	struct tdx_source *src;
	struct tdx_event ev;
	struct rusage ru;
	__u64 n = 0, t0 = 0, span;

	if (argc != 3) {
		fprintf(stderr, "usage: bench_simrss SPEC SECONDS\n");
		return 2;
	}
	span = (__u64)(atof(argv[2]) * 1e9);
	if (tdx_source_open_sim(&src, argv[1])) {
		fprintf(stderr, "bench_simrss: %s\n", tdx_last_error());
		return 2;
	}
	while (tdx_source_next(src, &ev) == 1) {
		if (!n)
			t0 = ev.ts_ns;
		if (ev.ts_ns - t0 > span)
			break;
		n++;
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("%ld %llu\n", ru.ru_maxrss, (unsigned long long)n);
	tdx_source_close(src);
	return 0;
}
