// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_bench_json.c - tdxbench's result/baseline reader (tb_result_parse in
 * tools/tdxbench/result.c): a baseline JSON comes from another machine or an
 * older run and is outside input.
 *
 * Invariants: a rejected file sets an error message; an accepted one has
 * every row with `rounds` rounds and histogram slots < TDX_HIST_SLOTS, and
 * survives a write + read round trip with the same rows and rounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tdxtrace.h"
#include "../../tools/tdxbench/result.h"

static void check(const struct tb_result *r)
{
	for (size_t i = 0; i < r->nrows; i++) {
		if (!r->rows[i].round && r->rounds)
			abort();
		if (!memchr(r->rows[i].name, 0, sizeof(r->rows[i].name)))
			abort();
		for (size_t k = 0; k < r->rounds; k++)
			for (size_t j = 0; j < r->rows[i].round[k].nslots; j++)
				if (r->rows[i].round[k].slot[j] >= TDX_HIST_SLOTS)
					abort();
	}
}

static char dir[] = "/tmp/fuzz_bench_json.XXXXXX";

static void cleanup(void)
{
	char f[64];

	snprintf(f, sizeof(f), "%s/r.json", dir);
	unlink(f);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct tb_result r, r2;
	int err;

	memset(&r, 0, sizeof(r));
	err = tb_result_parse(&r, (const char *)data, size, "fuzz.json");
	if (err) {
		if (err > 0 || !tdx_last_error() || !*tdx_last_error())
			abort();
		tb_result_free(&r);
		return 0;
	}
	check(&r);

	/* Round trip through the writer (what `tdxbench run -o` produces). */
	if (!path[0]) {
		if (!mkdtemp(dir))
			abort();
		atexit(cleanup);
		snprintf(path, sizeof(path), "%s/r.json", dir);
	}
	if (tb_result_write(&r, path))
		abort();
	memset(&r2, 0, sizeof(r2));
	if (tb_result_read(&r2, path))
		abort();
	check(&r2);
	if (r2.nrows != r.nrows || r2.rounds != r.rounds)
		abort();
	tb_result_free(&r2);
	tb_result_free(&r);
	return 0;
}
