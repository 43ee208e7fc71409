/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tap.h - minimal TAP output for C tests (read by tests/run-tests.sh).
 *
 *   ok(cond, "what %d", x);          one test point
 *   is_u64(got, want, "what");       equality with both values on failure
 *   skip("needs root");              one skipped point
 *   return tap_done();               exit status: 0 if nothing failed
 */
#ifndef TDXTRACE_TAP_H
#define TDXTRACE_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_n, tap_failed;

__attribute__((format(printf, 2, 3), unused))
static int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __VA_ARGS__)

#define is_u64(got, want, ...) ({					\
	uint64_t _g = (uint64_t)(got), _w = (uint64_t)(want);		\
	int _r = tap_ok(_g == _w, __VA_ARGS__);				\
	if (!_r)							\
		printf("#   got %" PRIu64 " (0x%" PRIx64 "), want %"	\
		       PRIu64 " (0x%" PRIx64 ")\n", _g, _g, _w, _w);	\
	_r; })

#define is_dbl(got, want, tol, ...) ({					\
	double _g = (got), _w = (want), _t = (tol);			\
	double _d = _g > _w ? _g - _w : _w - _g;			\
	int _r = tap_ok(_d <= _t, __VA_ARGS__);				\
	if (!_r)							\
		printf("#   got %g, want %g +- %g\n", _g, _w, _t);	\
	_r; })

#define diag(...) do { printf("# "); printf(__VA_ARGS__); printf("\n"); } while (0)

__attribute__((unused))
static void skip(const char *why)
{
	printf("ok %d # SKIP %s\n", ++tap_n, why);
}

__attribute__((unused))
static int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif /* TDXTRACE_TAP_H */
