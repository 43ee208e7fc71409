// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_sim_spec.c - the simulator's outside inputs: the --sim spec
 * ("SCENARIO[:SEED][,key=val...]", tdx_source_open_sim) and a calibration
 * file (calib=FILE / TDXSIM_CALIB, parsed by tdx_calib_parse).
 *
 * Input byte 0 even: the rest is a spec; an opened simulator must produce
 * valid events in time order (the first few thousand are pulled).  Odd: the
 * rest is calibration text; when it parses, the simulator is run on it
 * (steady,calib=<memfd>) under the same checks.  A rejection must come with
 * a message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "source_int.h"

#define PULL 4000

static void run_sim(const char *spec)
{
	struct tdx_source *src;
	struct tdx_event ev;
	__u64 last = 0;
	int r;

	r = tdx_source_open_sim(&src, spec);
	if (r) {
		if (r > 0 || src || !*tdx_last_error())
			abort();
		return;
	}
	for (int i = 0; i < PULL && (r = tdx_source_next(src, &ev)) == 1; i++) {
		if (ev.kind == TDX_EV_NONE || ev.kind >= TDX_EV_MAX ||
		    ev.nargs != tdx_event_nargs(ev.kind) || ev.ts_ns < last)
			abort();
		last = ev.ts_ns;
	}
	if (r < 0)
		abort();
	tdx_source_close(src);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	char *text;

	if (size < 1 || size > 8192)
		return 0;
	text = malloc(size);
	if (!text)
		abort();
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;

	if (!(data[0] & 1)) {
		/* calib=FILE would read any file: this half keeps to the embedded one */
		if (!strstr(text, "calib"))
			run_sim(text);
	} else {
		struct tdx_sim_calib *c = calloc(1, sizeof(*c));
		char spec[96];
		size_t len = strlen(text);
		int r;

		if (!c)
			abort();
		r = tdx_calib_parse(c, text, "fuzz.conf");
		if (r && (r > 0 || !*tdx_last_error()))
			abort();
		free(c);
		if (!r) {
			if (fd < 0 && (fd = memfd_create("fuzz_calib", MFD_CLOEXEC)) < 0)
				abort();
			if (ftruncate(fd, 0) || pwrite(fd, text, len, 0) != (ssize_t)len)
				abort();
			snprintf(spec, sizeof(spec), "steady:1,tds=2,calib=/proc/self/fd/%d", fd);
			run_sim(spec);
		}
	}
	free(text);
	return 0;
}
