// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_leaf_parse.c - command-line names: tdx_leaf_parse() (used by -L LEAF
 * in every tool), and the name lookups it pairs with.  Invariants checked:
 * a parsed leaf is < TDX_LEAF_MAX, and a named leaf parses back to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tdxtrace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[256];
	int nr;

	if (size >= sizeof(buf))
		size = sizeof(buf) - 1;
	memcpy(buf, data, size);
	buf[size] = 0;

	nr = tdx_leaf_parse(buf);
	if (nr < -1 || nr >= TDX_LEAF_MAX)
		abort();
	if (nr >= 0) {
		const char *name = tdx_leaf_name((unsigned)nr);

		if (name && tdx_leaf_parse(name) != nr)
			abort();
	}
	if (size >= 8) {
		uint64_t st;

		memcpy(&st, data, sizeof(st));
		if (tdx_status_class(st) >= TDX_SC_MAX)
			abort();
		(void)tdx_status_name(st);
	}
	return 0;
}
