// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * exporter_buf.c - the growable text buffer `tdxtrace exporter` renders into,
 * with the number and label-value formatting the exposition formats need:
 * integers without printf, nanoseconds as exact decimal seconds, label values
 * escaped (\\ \" \n) and repaired to valid UTF-8.
 */
#include <stdlib.h>
#include <string.h>

#include "exporter.h"

#define NS_PER_S 1000000000ULL

void xb_reserve(struct xbuf *b, size_t extra)
{
	size_t cap;
	char *p;

	if (b->oom || b->len + extra + 1 <= b->cap)
		return;
	cap = b->cap ? b->cap : 65536;
	while (cap < b->len + extra + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return;
	}
	b->p = p;
	b->cap = cap;
}

void xb_put(struct xbuf *b, const char *s, size_t n)
{
	xb_reserve(b, n);
	if (b->oom)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

void xb_puts(struct xbuf *b, const char *s)
{
	xb_put(b, s, strlen(s));
}

size_t xb_fmt_u64(char *out, __u64 v)
{
	char tmp[24];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

void xb_u64(struct xbuf *b, __u64 v)
{
	char tmp[24];

	xb_put(b, tmp, xb_fmt_u64(tmp, v));
}

void xb_s64(struct xbuf *b, __s64 v)
{
	if (v < 0) {
		xb_put(b, "-", 1);
		xb_u64(b, (__u64)0 - (__u64)v);
	} else {
		xb_u64(b, (__u64)v);
	}
}

size_t xb_fmt_ns_seconds(char *out, __u64 ns)
{
	size_t n = xb_fmt_u64(out, ns / NS_PER_S);
	__u64 frac = ns % NS_PER_S;

	if (frac) {
		char d[9];
		int last = 8;

		for (int i = 8; i >= 0; i--) {
			d[i] = (char)('0' + frac % 10);
			frac /= 10;
		}
		while (d[last] == '0')
			last--;
		out[n++] = '.';
		memcpy(out + n, d, (size_t)last + 1);
		n += (size_t)last + 1;
	}
	return n;
}

void xb_ns_seconds(struct xbuf *b, __u64 ns)
{
	char tmp[40];

	xb_put(b, tmp, xb_fmt_ns_seconds(tmp, ns));
}

void xb_double(struct xbuf *b, double v)
{
	char tmp[40];
	int n = snprintf(tmp, sizeof(tmp), "%.17g", v);

	xb_put(b, tmp, n > 0 ? (size_t)n : 0);
}

/* Length of the valid UTF-8 sequence at s (0: invalid byte). */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

void xb_label_value(struct xbuf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		size_t n = utf8_len(s);

		if (*s == '\\' || *s == '"') {
			char e[2] = { '\\', (char)*s };

			xb_put(b, e, 2);
		} else if (*s == '\n') {
			xb_put(b, "\\n", 2);
		} else if (!n || *s < 0x20 || *s == 0x7f) {
			xb_put(b, "?", 1);
			n = 1;
		} else {
			xb_put(b, (const char *)s, n);
		}
		s += n ? n : 1;
	}
}

void xb_free(struct xbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

