/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * util.h - small string helpers of libtdxtrace (common.c), private.
 */
#ifndef TDXTRACE_UTIL_H
#define TDXTRACE_UTIL_H

#include <stddef.h>

/* Copy at most size-1 bytes of src and terminate (size > 0). */
void tdx_strlcpy(char *dst, const char *src, size_t size);

#endif /* TDXTRACE_UTIL_H */
