// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tracedat_check.c - bound every size, count, offset and string of a
 * trace.dat before libtracecmd reads it.
 *
 * libtracecmd trusts the file: it allocates what a size field says (a
 * corrupt 8-byte size became a 3.3 GB malloc under fuzzing), sizes arrays
 * by CPU ids and counts taken from the file, and runs strchr/strtoll over
 * option data that need not be NUL-terminated.  A trace.dat handed to
 * tdxtrace may come from anywhere, so this walks the file's structure as
 * trace-cmd.dat.v6(5) and trace-cmd.dat.v7(5) describe it and rejects the
 * file, naming the offset, when anything points or reaches outside the file
 * or its section, or exceeds a sane bound (CPUs, page size, uncompressed
 * size).  Only what passes reaches libtracecmd.
 *
 * Sections compressed with the file's algorithm (trace-cmd record
 * --compression; zstd or zlib) are decompressed here, as libtracecmd would,
 * and their contents checked the same way; compressed trace data must
 * decompress, chunk by chunk, to the sizes its chunk table declares.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zstd.h>

#include "source_int.h"

#define MAX_CPUS	8192u		/* CPU counts and ids */
#define MAX_PAGE	(1u << 20)	/* ring-buffer page size */
#define MAX_UNCOMP	(64u << 20)	/* one decompressed section or chunk */
#define MAX_SECTIONS	4096		/* options sections chained in one file */
#define MAX_NAME	4096		/* system names, instance names, clocks */

/* Option and section ids (trace-cmd.dat.v7(5)). */
enum {
	O_DONE, O_DATE, O_CPUSTAT, O_BUFFER, O_TRACECLOCK, O_UNAME, O_HOOK,
	O_OFFSET, O_CPUCOUNT, O_VERSION, O_PROCMAPS, O_TRACEID, O_TIME_SHIFT,
	O_GUEST, O_TSC2NSEC, O_STRINGS, O_HEADER_INFO, O_FTRACE_EVENTS,
	O_EVENT_FORMATS, O_KALLSYMS, O_PRINTK, O_CMDLINES, O_BUFFER_TEXT,
	O_BTF_FILE, O_LAST_BOOT_INFO, O_MODULES_FILE,
};

#define SEC_FL_COMPRESS 1

struct chk {
	const unsigned char *p;
	size_t len;
	bool be;			/* big-endian file */
	int version;			/* 6 or 7 */
	enum { Z_NONE, Z_ZSTD, Z_ZLIB, Z_OTHER } alg;	/* v7 compression */
	char alg_name[64];
	char *why;
	size_t whylen;
	bool failed;
	unsigned char *zbuf;		/* trace data chunks decompress here */
	size_t zcap;
	size_t page_size;		/* ring-buffer page (file header) */
	bool flyrecord;			/* per-CPU event data of the top instance */
	size_t commit_size;		/* of the page header's commit word (4 or 8) */
};

/*
 * A window [pos, end) of bytes being read: of the file, or of a section
 * decompressed into own (then zsec is the section's offset in the file).
 */
struct win {
	const unsigned char *b;
	size_t pos, end;
	unsigned char *own;
	size_t zsec;
};

/* "offset N" or "offset N of the compressed section at M" */
static const char *loc(const struct win *w, size_t pos, char *buf, size_t n)
{
	if (w->own)
		snprintf(buf, n, "offset %zu of the compressed section at %zu", pos, w->zsec);
	else
		snprintf(buf, n, "offset %zu", pos);
	return buf;
}

#define AT(w, pos) loc(w, pos, (char[96]){ 0 }, 96)
#define WHERE(c, w) ((w)->own ? "decompressed section" : (w)->end == (c)->len ? "file" : "section")

__attribute__((format(printf, 2, 3)))
static int bad(struct chk *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->failed) {
		va_start(ap, fmt);
		vsnprintf(c->why, c->whylen, fmt, ap);
		va_end(ap);
		c->failed = true;
	}
	return -1;
}

static __u64 get(const struct chk *c, const unsigned char *b, size_t n)
{
	__u64 v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (__u64)b[i] << (8 * (c->be ? n - 1 - i : i));
	return v;
}

/* Read an n-byte number from w; what names it in the error. */
static int num(struct chk *c, struct win *w, size_t n, __u64 *v, const char *what)
{
	if (w->end - w->pos < n)
		return bad(c, "%s at %s: needs %zu bytes, %zu left in its %s",
			   what, AT(w, w->pos), n, w->end - w->pos, WHERE(c, w));
	*v = get(c, w->b + w->pos, n);
	w->pos += n;
	return 0;
}

/* Skip n bytes of w (a size read from the file). */
static int skip(struct chk *c, struct win *w, __u64 n, const char *what)
{
	if (n > w->end - w->pos)
		return bad(c, "%s at %s: size %llu, but only %zu bytes left in its %s",
			   what, AT(w, w->pos), (unsigned long long)n, w->end - w->pos,
			   WHERE(c, w));
	w->pos += (size_t)n;
	return 0;
}

/* A NUL-terminated string of at most max bytes (NUL included) in w. */
static int str(struct chk *c, struct win *w, size_t max, const char *what,
	       const char **s)
{
	size_t room = w->end - w->pos;
	const unsigned char *z;

	if (room > max)
		room = max;
	z = memchr(w->b + w->pos, 0, room);
	if (!z)
		return bad(c, "%s at %s: no NUL within %zu bytes", what, AT(w, w->pos), room);
	if (s)
		*s = (const char *)w->b + w->pos;
	w->pos = (size_t)(z - w->b) + 1;
	return 0;
}

static int lit(struct chk *c, struct win *w, const char *s, size_t n, const char *what)
{
	if (w->end - w->pos < n || memcmp(w->b + w->pos, s, n))
		return bad(c, "expected %s at %s", what, AT(w, w->pos));
	w->pos += n;
	return 0;
}

/* A size field of n bytes followed by that many bytes. */
static int blob(struct chk *c, struct win *w, size_t n, const char *what)
{
	__u64 sz = 0;

	return num(c, w, n, &sz, what) ?: skip(c, w, sz, what);
}

static int check_cpus(struct chk *c, const struct win *w, __u64 n, size_t pos,
		      const char *what)
{
	if (n > MAX_CPUS)
		return bad(c, "%s at %s: %llu CPUs (at most %u)", what, AT(w, pos),
			   (unsigned long long)n, MAX_CPUS);
	return 0;
}

/* A range of the file (offset, size) a field at pos of w points to. */
static int in_file(struct chk *c, const struct win *w, __u64 off, __u64 size, size_t pos,
		   const char *what)
{
	if (off > c->len || size > c->len - off)
		return bad(c, "%s (field at %s): %llu bytes at offset %llu lie outside the %zu-byte file",
			   what, AT(w, pos), (unsigned long long)size, (unsigned long long)off,
			   c->len);
	return 0;
}

/* ------------------------------------------------------ metadata sections */

/*
 * The size of the commit word from the header_page format text
 * ("field: local_t commit; offset:8; size:8; ...").
 */
static void commit_size(struct chk *c, const unsigned char *t, size_t n)
{
	const unsigned char *k = memmem(t, n, "commit;", 7), *z;
	size_t left;

	if (!k)
		return;
	left = n - (size_t)(k - t);
	z = memmem(k, left, "size:", 5);
	if (z && (size_t)(z - k) + 6 <= left && (z[5] == '4' || z[5] == '8'))
		c->commit_size = z[5] - '0';
}

static int header_info(struct chk *c, struct win *w)
{
	size_t start;

	if (lit(c, w, "header_page", 12, "\"header_page\""))
		return -1;
	start = w->pos + 8;
	if (blob(c, w, 8, "header_page"))
		return -1;
	commit_size(c, w->b + start, w->pos - start);
	return lit(c, w, "header_event", 13, "\"header_event\"") ?:
	       blob(c, w, 8, "header_event");
}

/*
 * Ring-buffer pages: each starts with a u64 timestamp and a commit word
 * whose low 27 bits are the bytes of events that follow (kbuffer's
 * COMMIT_MASK; the high bits are flags).  A commit larger than the page
 * makes libtracecmd fail to load the page, and on the first page that
 * failure crashes in tracecmd_close() (libtracecmd 1.3.1).
 */
/*
 * The events of one page, as libtraceevent's kbuffer walks them: a 32-bit
 * header (type_len: 5 bits, time delta: 27 bits), then by type_len 1-28 that
 * many words of data; 0: a length word, then the data; 29: padding of the
 * length in the next word; 30/31: a time extension word.  A length that does
 * not move forward (padding of -4: kbuffer loops on the same event) or an
 * event reaching past the committed data (read past the page) is refused.
 */
static int page_events(struct chk *c, const unsigned char *d, size_t commit, size_t at,
		       bool z)
{
	size_t pos = 0;

	while (pos + 4 <= commit) {
		__u32 h = (__u32)get(c, d + pos, 4);
		unsigned int type = c->be ? h >> 27 : h & 31;
		__s64 len;
		size_t next;

		if (type >= 1 && type <= 28) {
			next = pos + 4 + type * 4;
		} else if (type == 30 || type == 31) {
			next = pos + 8;
		} else {
			if (pos + 8 > commit)
				return bad(c, "trace event at %s%zu: length word past the data",
					   z ? "decompressed offset " : "offset ", at + pos);
			len = (__s32)get(c, d + pos + 4, 4);
			if (type == 29) {
				if (len < 0)
					return bad(c, "trace padding at %s%zu: length %lld",
						   z ? "decompressed offset " : "offset ",
						   at + pos, (long long)len);
				next = pos + 4 + (size_t)len;
				if (next <= pos)
					next = pos + 8;
				pos = next;
				continue;	/* padding may run to the page's end */
			}
			if (len < 4)
				return bad(c, "trace event at %s%zu: length %lld",
					   z ? "decompressed offset " : "offset ", at + pos,
					   (long long)len);
			next = pos + 8 + (((size_t)len - 4 + 3) & ~(size_t)3);
		}
		if (next > commit)
			return bad(c, "trace event at %s%zu runs past the page's %zu bytes of data",
				   z ? "decompressed offset " : "offset ", at + pos, commit);
		pos = next;
	}
	return 0;
}

static int pages(struct chk *c, const unsigned char *b, size_t n, size_t at, bool z)
{
	size_t hdr = 8 + c->commit_size;

	for (size_t p = 0; p + hdr <= n; p += c->page_size) {
		size_t room = n - p < c->page_size ? n - p : c->page_size;
		__u64 commit = get(c, b + p + 8, c->commit_size) & ((1u << 27) - 1);

		if (commit > room - hdr)
			return bad(c, "trace data page at %s%zu: commit %llu, the page holds %zu",
				   z ? "decompressed offset " : "offset ", at + p,
				   (unsigned long long)commit, room - hdr);
		if (page_events(c, b + p + hdr, (size_t)commit, at + p + hdr, z))
			return -1;
	}
	return 0;
}

static int ftrace_events(struct chk *c, struct win *w)
{
	__u64 n;

	if (num(c, w, 4, &n, "ftrace event count"))
		return -1;
	for (__u64 i = 0; i < n; i++)		/* each takes >= 8 bytes */
		if (blob(c, w, 8, "ftrace event format"))
			return -1;
	return 0;
}

static int event_formats(struct chk *c, struct win *w)
{
	__u64 nsys, n;

	if (num(c, w, 4, &nsys, "event system count"))
		return -1;
	for (__u64 i = 0; i < nsys; i++) {
		if (str(c, w, MAX_NAME, "event system name", NULL) ||
		    num(c, w, 4, &n, "event count"))
			return -1;
		for (__u64 j = 0; j < n; j++)
			if (blob(c, w, 8, "event format"))
				return -1;
	}
	return 0;
}

/*
 * trace_printk formats: "ADDR : \"FORMAT\"" lines.  libtraceevent splits a
 * line at its first ':' (after leading ones) and copies from two bytes
 * further on, and then looks at the copy's last byte: a line without two
 * bytes after that ':' makes it read outside the buffer.
 */
static int printk_formats(struct chk *c, struct win *w)
{
	__u64 size;
	size_t at;

	if (num(c, w, 4, &size, "printk formats size"))
		return -1;
	at = w->pos;
	if (skip(c, w, size, "printk formats"))
		return -1;
	for (size_t i = at; i < w->pos;) {
		size_t e = i, colon;

		while (e < w->pos && w->b[e] != '\n' && w->b[e])
			e++;
		colon = i;
		while (colon < e && w->b[colon] == ':')
			colon++;
		if (colon < e) {	/* a non-empty line */
			while (colon < e && w->b[colon] != ':')
				colon++;
			if (colon + 2 >= e)
				return bad(c, "printk format line at %s: no \"ADDR : FORMAT\"",
					   AT(w, i));
		}
		if (e < w->pos && !w->b[e])
			break;		/* libtraceevent stops at a NUL */
		i = e + 1;
	}
	return 0;
}

/* The contents of a metadata section (v6: the same, in sequence). */
static int section_body(struct chk *c, struct win *w, unsigned int id)
{
	switch (id) {
	case O_HEADER_INFO:	return header_info(c, w);
	case O_FTRACE_EVENTS:	return ftrace_events(c, w);
	case O_EVENT_FORMATS:	return event_formats(c, w);
	case O_KALLSYMS:	return blob(c, w, 4, "kallsyms");
	case O_PRINTK:		return printk_formats(c, w);
	case O_CMDLINES:	return blob(c, w, 8, "saved cmdlines");
	case O_BTF_FILE:	return blob(c, w, 8, "BTF");
	case O_MODULES_FILE:	return blob(c, w, 8, "modules");
	default:		return 0;
	}
}

/*
 * Decompress n bytes at src with the file's algorithm into dst (cap bytes):
 * the number of bytes out, -1 if the data does not decompress, -2 for an
 * algorithm tdxtrace does not link.
 */
static long zdecode(const struct chk *c, void *dst, size_t cap, const void *src, size_t n)
{
	uLongf zl = cap;
	size_t r;

	switch (c->alg) {
	case Z_ZSTD:
		r = ZSTD_decompress(dst, cap, src, n);
		return ZSTD_isError(r) ? -1 : (long)r;
	case Z_ZLIB:
		return uncompress(dst, &zl, src, n) == Z_OK ? (long)zl : -1;
	default:
		return -2;
	}
}

/*
 * Decompress a section's n bytes at src into a new buffer of at most usz
 * bytes; *out_len is what came out.  NULL (and the reason) when the data
 * does not decompress.
 */
static unsigned char *inflate_block(struct chk *c, const unsigned char *src, size_t n,
				    size_t usz, size_t *out_len, size_t off)
{
	unsigned char *dst = malloc(usz ? usz : 1);
	long r;

	if (!dst) {
		bad(c, "out of memory decompressing the section at offset %zu", off);
		return NULL;
	}
	r = zdecode(c, dst, usz, src, n);
	if (r >= 0) {
		*out_len = (size_t)r;
		return dst;
	}
	free(dst);
	if (r == -2)
		bad(c, "section at offset %zu is compressed with \"%s\", which tdxtrace cannot check",
		    off, c->alg_name);
	else
		bad(c, "section at offset %zu does not decompress (%s, %zu bytes into %zu)", off,
		    c->alg_name, n, usz);
	return NULL;
}

/*
 * v7: the section header at off (id, flags, string id, size); *body is its
 * data, decompressed (body->own, to free) when the section is compressed.
 */
static int section_at(struct chk *c, __u64 off, unsigned int want, struct win *body)
{
	struct win w = { c->p, (size_t)off, c->len, NULL, 0 };
	__u64 id, flags, sid, size, csz, usz;

	memset(body, 0, sizeof(*body));
	if (off > c->len)
		return bad(c, "section offset %llu is past the end of the %zu-byte file",
			   (unsigned long long)off, c->len);
	if (num(c, &w, 2, &id, "section id") || num(c, &w, 2, &flags, "section flags") ||
	    num(c, &w, 4, &sid, "section string id") || num(c, &w, 8, &size, "section size"))
		return -1;
	if (id != want)
		return bad(c, "section at offset %llu has id %llu, where id %u is expected",
			   (unsigned long long)off, (unsigned long long)id, want);
	*body = (struct win){ c->p, w.pos, 0, NULL, 0 };
	if (skip(c, &w, size, "section"))
		return -1;
	body->end = w.pos;
	if (!(flags & SEC_FL_COMPRESS))
		return 0;
	if (c->alg == Z_NONE)
		return bad(c, "section at offset %llu is compressed but the file names no compression",
			   (unsigned long long)off);
	if (num(c, body, 4, &csz, "compressed size") || num(c, body, 4, &usz, "uncompressed size"))
		return -1;
	if (csz > body->end - body->pos)
		return bad(c, "section at offset %llu: %llu compressed bytes in a %zu-byte section",
			   (unsigned long long)off, (unsigned long long)csz, body->end - body->pos);
	if (usz > MAX_UNCOMP)
		return bad(c, "section at offset %llu: uncompressed size %llu (at most %u)",
			   (unsigned long long)off, (unsigned long long)usz, MAX_UNCOMP);
	body->own = inflate_block(c, c->p + body->pos, (size_t)csz, (size_t)usz, &body->end,
				  (size_t)off);
	if (!body->own)
		return -1;
	body->b = body->own;
	body->pos = 0;
	body->zsec = (size_t)off;
	return 0;
}

static int section(struct chk *c, __u64 off, unsigned int id)
{
	struct win body;
	int r;

	if (section_at(c, off, id, &body))
		return -1;
	r = section_body(c, &body, id);
	free(body.own);
	return r;
}

/* ------------------------------------------------------------- options */

/*
 * One compressed chunk of trace data must decompress to exactly its declared
 * size: libtracecmd fails on the way out of tracecmd_open() (a NULL
 * dereference in tracecmd_close(), libtracecmd 1.3.1) when a chunk it reads
 * while opening does not decompress, and takes a short one as a full page.
 */
static int chunk(struct chk *c, const unsigned char *src, size_t n, size_t usz, size_t at)
{
	long r;

	if (usz > c->zcap) {
		unsigned char *b = realloc(c->zbuf, usz);

		if (!b)
			return bad(c, "out of memory decompressing the chunk at offset %zu", at);
		c->zbuf = b;
		c->zcap = usz;
	}
	r = zdecode(c, c->zbuf, usz, src, n);
	if (r == (long)usz)
		return pages(c, c->zbuf, usz, 0, true);
	if (r == -2)
		return bad(c, "trace data compressed with \"%s\", which tdxtrace cannot check",
			   c->alg_name);
	return bad(c, "trace data chunk at offset %zu does not decompress to its %zu bytes (%s)",
		   at, usz, c->alg_name);
}

/* Trace data of one CPU: in the file; compressed, its chunk table too. */
static int cpu_data(struct chk *c, const struct win *o, __u64 off, __u64 size, size_t pos)
{
	struct win w;
	__u64 n, csz, usz;

	if (in_file(c, o, off, size, pos, "CPU trace data"))
		return -1;
	if (c->alg == Z_NONE || !size)
		return pages(c, c->p + off, (size_t)size, (size_t)off, false);
	/*
	 * The chunk table: a count, then per chunk both sizes and the data.
	 * trace-cmd's declared size leaves out the count, and libtracecmd
	 * seeks by the chunk sizes, so the chunks are bounded by the file.
	 */
	w = (struct win){ c->p, (size_t)off, c->len, NULL, 0 };
	if (num(c, &w, 4, &n, "compressed chunk count"))
		return -1;
	for (__u64 i = 0; i < n; i++) {
		if (num(c, &w, 4, &csz, "chunk compressed size") ||
		    num(c, &w, 4, &usz, "chunk uncompressed size") ||
		    skip(c, &w, csz, "compressed chunk"))
			return -1;
		if (usz > MAX_UNCOMP)
			return bad(c, "trace data chunk before offset %zu: uncompressed size %llu (at most %u)",
				   w.pos, (unsigned long long)usz, MAX_UNCOMP);
		if (chunk(c, c->p + w.pos - csz, (size_t)csz, (size_t)usz, w.pos - csz - 8))
			return -1;
	}
	return 0;
}

static int opt_buffer(struct chk *c, struct win *w, unsigned int id)
{
	__u64 off, psz, n, cpu, doff, dsz;
	size_t at = w->pos;

	const char *name;

	if (num(c, w, 8, &off, "buffer offset") ||
	    str(c, w, MAX_NAME, "buffer name", &name) ||
	    in_file(c, w, off, 0, at, "buffer data"))
		return -1;
	if (c->version < 7)
		return 0;
	if (str(c, w, MAX_NAME, "buffer clock", NULL))
		return -1;
	if (id == O_BUFFER_TEXT)
		return 0;
	at = w->pos;
	if (num(c, w, 4, &psz, "buffer page size") || num(c, w, 4, &n, "buffer CPU count") ||
	    check_cpus(c, w, n, at + 4, "buffer option"))
		return -1;
	if (psz && (psz > MAX_PAGE || (psz & (psz - 1))))
		return bad(c, "buffer option at %s: page size %llu", AT(w, at),
			   (unsigned long long)psz);
	if (!*name && n)
		c->flyrecord = true;
	for (__u64 i = 0; i < n; i++) {
		at = w->pos;
		if (num(c, w, 4, &cpu, "buffer CPU id") || num(c, w, 8, &doff, "CPU data offset") ||
		    num(c, w, 8, &dsz, "CPU data size"))
			return -1;
		if (cpu >= MAX_CPUS)
			return bad(c, "buffer option at %s: CPU id %llu (at most %u)", AT(w, at),
				   (unsigned long long)cpu, MAX_CPUS - 1);
		if (cpu_data(c, w, doff, dsz, at + 4))
			return -1;
	}
	return 0;
}

/* TIME_SHIFT: peer id, flags, CPUs, then per CPU a count and 3 arrays. */
static int opt_time_shift(struct chk *c, struct win *w)
{
	__u64 v, ncpu, n;

	if (num(c, w, 8, &v, "time shift peer id") || num(c, w, 4, &v, "time shift flags") ||
	    num(c, w, 4, &ncpu, "time shift CPU count") ||
	    check_cpus(c, w, ncpu, w->pos - 4, "time shift option"))
		return -1;
	for (__u64 i = 0; i < ncpu; i++)
		if (num(c, w, 4, &n, "time shift sample count") ||
		    skip(c, w, n * 24, "time shift samples"))	/* n < 2^32 */
			return -1;
	return 0;
}

static int opt_guest(struct chk *c, struct win *w)
{
	__u64 v, n;

	if (str(c, w, MAX_NAME, "guest name", NULL) || num(c, w, 8, &v, "guest trace id") ||
	    num(c, w, 4, &n, "guest vCPU count") ||
	    check_cpus(c, w, n, w->pos - 4, "guest option"))
		return -1;
	return skip(c, w, n * 8, "guest vCPUs");
}

/* PROCMAPS: "PID COUNT NAME\n" then COUNT lines, per process. */
static int opt_procmaps(struct chk *c, struct win *w)
{
	const char *s = (const char *)w->b + w->pos;
	size_t lines = 0;
	unsigned int pid, nmaps;

	for (size_t i = w->pos; i < w->end; i++)
		lines += w->b[i] == '\n';
	if (sscanf(s, "%x %x", &pid, &nmaps) == 2 && nmaps > lines)
		return bad(c, "procmaps option at %s: %u maps in %zu lines", AT(w, w->pos),
			   nmaps, lines);
	return 0;
}

static int option(struct chk *c, unsigned int id, struct win *w)
{
	__u64 v = 0;
	size_t at = w->pos;

	switch (id) {
	case O_DATE: case O_CPUSTAT: case O_TRACECLOCK: case O_UNAME: case O_HOOK:
	case O_OFFSET: case O_VERSION: case O_PROCMAPS: case O_LAST_BOOT_INFO:
		/* read as C strings by libtracecmd: must hold their NUL */
		if (w->end == w->pos || !memchr(w->b + w->pos, 0, w->end - w->pos))
			return bad(c, "option %u at %s: text without a terminating NUL",
				   id, AT(w, at));
		return id == O_PROCMAPS ? opt_procmaps(c, w) : 0;
	case O_BUFFER:
	case O_BUFFER_TEXT:
		return opt_buffer(c, w, id);
	case O_CPUCOUNT:
		return num(c, w, 4, &v, "CPU count") ?: check_cpus(c, w, v, at, "CPU count option");
	case O_TRACEID:
		return num(c, w, 8, &v, "trace id");
	case O_TSC2NSEC:
		return num(c, w, 8, &v, "TSC multiplier and shift") ?:
		       num(c, w, 8, &v, "TSC offset");
	case O_TIME_SHIFT:
		return opt_time_shift(c, w);
	case O_GUEST:
		return opt_guest(c, w);
	case O_HEADER_INFO: case O_FTRACE_EVENTS: case O_EVENT_FORMATS:
	case O_KALLSYMS: case O_PRINTK: case O_CMDLINES: case O_BTF_FILE:
	case O_MODULES_FILE:
		if (c->version < 7)
			return 0;
		return num(c, w, 8, &v, "section offset") ?: section(c, v, id);
	default:
		return 0;	/* unknown options are skipped by libtracecmd too */
	}
}

/*
 * A list of options in w: id (2), size (4), data.  v6 ends at id 0 without
 * a size; v7 ends with DONE (size 8: the next options section, 0 = none).
 */
static int options(struct chk *c, struct win *w, __u64 *next)
{
	__u64 id, size;

	*next = 0;
	for (;;) {
		struct win o = *w;

		if (num(c, w, 2, &id, "option id"))
			return -1;
		if (c->version < 7 && id == O_DONE)
			return 0;
		if (num(c, w, 4, &size, "option size"))
			return -1;
		o.pos = w->pos;
		if (skip(c, w, size, "option data"))
			return -1;
		o.end = w->pos;
		if (id == O_DONE) {
			if (size != 8)
				return bad(c, "end of options at %s: size %llu, not 8",
					   AT(w, o.pos), (unsigned long long)size);
			*next = get(c, w->b + o.pos, 8);
			return 0;
		}
		if (option(c, (unsigned int)id, &o))
			return -1;
	}
}

/* ----------------------------------------------------------------- files */

static int check_v6(struct chk *c, struct win *w)
{
	__u64 ncpu, off, size, next;
	char label[10];

	if (header_info(c, w) || ftrace_events(c, w) || event_formats(c, w) ||
	    blob(c, w, 4, "kallsyms") || printk_formats(c, w) ||
	    blob(c, w, 8, "saved cmdlines") || num(c, w, 4, &ncpu, "CPU count") ||
	    check_cpus(c, w, ncpu, w->pos - 4, "file header"))
		return -1;
	for (int round = 0; round < 2; round++) {
		if (w->end - w->pos < sizeof(label))
			return bad(c, "truncated at offset %zu: expected \"options\", \"latency\" or \"flyrecord\"",
				   w->pos);
		memcpy(label, c->p + w->pos, sizeof(label));
		w->pos += sizeof(label);
		if (!round && !strncmp(label, "options", 7)) {
			if (options(c, w, &next))
				return -1;
			continue;
		}
		if (!strncmp(label, "latency", 7))
			return 0;	/* text, no per-CPU records: refused below */
		if (strncmp(label, "flyrecord", 9))
			break;
		c->flyrecord = ncpu > 0;
		for (__u64 i = 0; i < ncpu; i++) {
			size_t at = w->pos;

			if (num(c, w, 8, &off, "CPU data offset") || num(c, w, 8, &size, "CPU data size") ||
			    in_file(c, w, off, size, at, "CPU trace data") ||
			    pages(c, c->p + off, (size_t)size, (size_t)off, false))
				return -1;
		}
		return 0;
	}
	return bad(c, "expected \"options\", \"latency\" or \"flyrecord\" at offset %zu",
		   w->pos - sizeof(label));
}

static int check_v7(struct chk *c, struct win *w)
{
	const char *alg;
	__u64 off;
	int n = 0;

	if (str(c, w, 64, "compression name", &alg) || str(c, w, 64, "compression version", NULL) ||
	    num(c, w, 8, &off, "first options offset"))
		return -1;
	snprintf(c->alg_name, sizeof(c->alg_name), "%s", alg);
	c->alg = !strcmp(alg, "none") ? Z_NONE : !strcmp(alg, "zstd") ? Z_ZSTD :
		 !strcmp(alg, "zlib") ? Z_ZLIB : Z_OTHER;
	if (!off)
		return bad(c, "no options section (offset 0 at offset %zu)", w->pos - 8);
	while (off) {
		struct win body;
		int r;

		if (++n > MAX_SECTIONS)
			return bad(c, "more than %d options sections (a loop?)", MAX_SECTIONS);
		if (section_at(c, off, O_DONE, &body))
			return -1;
		r = options(c, &body, &off);
		free(body.own);
		if (r)
			return -1;
	}
	return 0;
}

int tdx__tracedat_check(const void *buf, size_t len, char *why, size_t whylen)
{
	struct chk c = { .p = buf, .len = len, .why = why, .whylen = whylen };
	struct win w = { buf, 0, len, NULL, 0 };
	const char *ver;
	__u64 endian, lsz, psz;
	char *end;
	long v;

	if (whylen)
		why[0] = 0;
	if (lit(&c, &w, "\x17\x08\x44tracing", 10, "the trace.dat magic") ||
	    str(&c, &w, 16, "version string", &ver))
		return -EIO;
	v = strtol(ver, &end, 10);
	if (end == ver || *end)
		return bad(&c, "bad version string at offset 10"), -EIO;
	if (v != 6 && v != 7) {
		bad(&c, "trace.dat version %ld at offset 10 is not supported (versions 6 and 7 are)", v);
		return -EPROTO;
	}
	c.version = (int)v;
	if (num(&c, &w, 1, &endian, "endianness") || num(&c, &w, 1, &lsz, "long size"))
		return -EIO;
	if (endian > 1 || (lsz != 4 && lsz != 8))
		return bad(&c, "bad header at offset %zu (endianness %llu, long size %llu)",
			   w.pos - 2, (unsigned long long)endian, (unsigned long long)lsz), -EIO;
	c.be = endian == 1;
	if (num(&c, &w, 4, &psz, "page size"))
		return -EIO;
	if (psz < 1024 || psz > MAX_PAGE || (psz & (psz - 1)))
		return bad(&c, "bad page size %llu at offset %zu", (unsigned long long)psz,
			   w.pos - 4), -EIO;
	c.page_size = (size_t)psz;
	c.commit_size = 8;
	v = c.version < 7 ? check_v6(&c, &w) : check_v7(&c, &w);
	free(c.zbuf);
	if (!v && !c.flyrecord)	/* libtracecmd 1.3.1 crashes reading records then */
		v = bad(&c, "no per-CPU event data (a latency-tracer capture, or no CPUs): tdxtrace imports `trace-cmd record -e ...` captures");
	return v ? -EIO : 0;
}
