// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_recfile.c - the record file reader (tools/lib/recfile.c), reached the
 * way every tool reaches it: tdx_source_open_file() on a path.  The input is
 * written to a memfd and opened as /proc/self/fd/N.
 *
 * Invariants checked besides "no crash, no leak": an opened file yields events
 * of known kinds with the right argument count in non-decreasing time order,
 * no more events than its blocks can hold (zstd blocks included); a failure sets tdx_last_error()
 * and, once failed, the source keeps failing (no event after an error).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "source.h"

static int fd = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tdx_source *src;
	struct tdx_event ev;
	char path[64];
	__u64 n = 0, last = 0;
	int r;

	if (fd < 0) {
		fd = memfd_create("fuzz_recfile", MFD_CLOEXEC);
		if (fd < 0)
			abort();
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	r = tdx_source_open_file(&src, path);
	if (r) {
		if (r > 0 || src || !tdx_last_error() || !*tdx_last_error())
			abort();
		return 0;
	}
	while ((r = tdx_source_next(src, &ev)) == 1) {
		if (ev.kind == TDX_EV_NONE || ev.kind >= TDX_EV_MAX ||
		    ev.nargs != tdx_event_nargs(ev.kind) || ev.ts_ns < last)
			abort();
		last = ev.ts_ns;
		/* a plain block holds 88 bytes an event; a zstd block (32-byte
		   header, a frame of at least 9) at most 64 MiB of them */
		if (++n > (size / 41 + 1) * ((64u << 20) / sizeof(ev)))
			abort();
	}
	if (r < 0) {
		if (!*tdx_last_error() || tdx_source_next(src, &ev) == 1)
			abort();
	}
	(void)tdx_source_info(src)->lost;
	tdx_source_close(src);
	return 0;
}
