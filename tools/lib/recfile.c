// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * recfile.c - the tdxtrace record file: writer (tdx_rec_*) and reader (the
 * record half of tdx_source_open_file).  Byte layout in docs/sources.md;
 * summary:
 *
 *   header   "TDXTRACE" u32 version u32 header_size u32 event_size u32 clock
 *            u64 start_ns u64 start_realtime_ns char host[64] kernel[128]
 *            tdx_module[64] u32 n_td u32 flags, n_td x {u32 pid, u32 vcpus,
 *            char comm[32]}, u32 crc32 (of everything before it)
 *   blocks   u32 "TBLK" u32 type u32 count u32 payload_size u64 seq
 *            u32 payload_crc32 u32 header_crc32, then the payload:
 *            type 1 events: count x struct tdx_event (88 bytes)
 *            type 2 lost:   u64 lost, u64 ts_ns
 *   trailer  u32 "TEND" u32 version u64 events u64 lost u64 blocks
 *            u64 first_ts u64 last_ts u32 zero u32 crc32 (of bytes 0..51)
 *
 * All integers little-endian.  A reader checks every checksum and count and
 * names the byte offset of the first thing that is wrong.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <isa-l/crc.h>
#include <zstd.h>

#include "source_int.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the record format is little-endian; add byte swapping for this host"
#endif

_Static_assert(sizeof(struct tdx_event) == 88, "struct tdx_event must be 88 bytes");

#define HDR_FIXED	304
#define TD_ENT		40
#define BLK_MAGIC	0x4b4c4254u	/* "TBLK" */
#define BLK_HDR		32
#define BLK_EVENTS	1
#define BLK_LOST	2
#define BLK_ZSTD	3		/* events, one zstd frame of count x 88 bytes */
#define ZSTD_LEVEL	3
#define END_MAGIC	0x444e4554u	/* "TEND" */
#define TRAILER		56
#define MAX_PAYLOAD	(64u << 20)
#define REC_F_SAMPLED	0x1u		/* header flags: 1 event in (flags >> 16) kept */
#define REC_F_KNOWN	REC_F_SAMPLED

static void put32(unsigned char *p, __u32 v) { memcpy(p, &v, 4); }
static void put64(unsigned char *p, __u64 v) { memcpy(p, &v, 8); }
static __u32 get32(const unsigned char *p) { __u32 v; memcpy(&v, p, 4); return v; }
static __u64 get64(const unsigned char *p) { __u64 v; memcpy(&v, p, 8); return v; }

/*
 * CRC-32 (IEEE 802.3, reflected: zlib's crc32()), from ISA-L, whose
 * carry-less-multiply folding runs ~10 GB/s here (zlib: ~1.8 GB/s, a
 * third of the offline read time).  Same values, so every file still reads.
 */
static __u32 crc(const void *p, size_t n)
{
	return crc32_gzip_refl(0, p, (uint64_t)n);
}

/* ================================================================ writer */

struct tdx_rec {
	char *path;
	char tmp[PATH_MAX];
	int fd;
	struct tdx_rec_opts opts;
	struct tdx_source_info *info;
	unsigned char *buf;		/* pending events block */
	__u32 nbuf;
	__u64 bytes;			/* this file */
	__u64 seq;			/* blocks in this file */
	__u64 f_events, f_lost, f_first, f_last;
	__u64 t_events, t_lost;
	__u32 segment, files;
	__u64 start_ns;
	unsigned char *hdr;		/* this segment's header, as written */
	size_t hsize;
	ZSTD_CCtx *zc;			/* opts.compress */
	void *zbuf;
	size_t zcap;
};

static int write_all(struct tdx_rec *r, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(r->fd, c, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			tdx_set_error("%s: write: %s", r->tmp, strerror(errno));
			return -errno;
		}
		c += w;
		n -= (size_t)w;
		r->bytes += (__u64)w;
	}
	return 0;
}

static void seg_name(const struct tdx_rec *r, __u32 seg, char *out, size_t n)
{
	if (seg == 0)
		snprintf(out, n, "%s", r->path);
	else
		snprintf(out, n, "%s.%u", r->path, seg);
}

/*
 * start_realtime_ns: the wall clock at the start.  Reproducible where it
 * can be: SOURCE_DATE_EPOCH (seconds) when set; a simulator recording has
 * no wall clock, so it is its simulated start; else CLOCK_REALTIME.  The
 * same spec then gives the same bytes (docs/sources.md).
 */
static __u64 start_realtime(const struct tdx_rec *r)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	struct timespec rt;

	if (sde && *sde) {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(sde, &end, 10);
		if (!errno && !*end && v < 18446744073ULL)
			return (__u64)v * 1000000000ULL;
	}
	if (!strcmp(r->info->format, "sim"))
		return r->start_ns;
	clock_gettime(CLOCK_REALTIME, &rt);
	return (__u64)rt.tv_sec * 1000000000ULL + (__u64)rt.tv_nsec;
}

static int write_header(struct tdx_rec *r)
{
	size_t ntd = r->info->n_td, size = HDR_FIXED + ntd * TD_ENT + 4;
	unsigned char *h = calloc(1, size);
	int err;

	if (!h) {
		tdx_set_error("out of memory");
		return -ENOMEM;
	}
	memcpy(h, TDX_REC_MAGIC, 8);
	put32(h + 8, TDX_REC_VERSION);
	put32(h + 12, (__u32)size);
	put32(h + 16, sizeof(struct tdx_event));
	put32(h + 20, CLOCK_MONOTONIC);
	put64(h + 24, r->start_ns);
	put64(h + 32, start_realtime(r));
	tdx_strlcpy((char *)h + 40, r->info->host, 64);
	tdx_strlcpy((char *)h + 104, r->info->kernel, 128);
	tdx_strlcpy((char *)h + 232, r->info->tdx_module, 64);
	put32(h + 296, (__u32)ntd);
	/* flags: bit 0 sampled, bits 16..31 its N (docs/sources.md) */
	put32(h + 300, r->info->sample_every > 1 ?
		       REC_F_SAMPLED | (r->info->sample_every << 16) : 0);
	for (size_t i = 0; i < ntd; i++) {
		unsigned char *e = h + HDR_FIXED + i * TD_ENT;

		put32(e, r->info->td[i].pid);
		put32(e + 4, r->info->td[i].vcpus);
		tdx_strlcpy((char *)e + 8, r->info->td[i].comm, 32);
	}
	put32(h + size - 4, crc(h, size - 4));
	err = write_all(r, h, size);
	free(r->hdr);
	r->hdr = h;			/* kept: seg_finish may correct start_ns */
	r->hsize = size;
	return err;
}

/*
 * A file is written to "<final>.tmp" and renamed over <final>: refuse a
 * final name that is not a regular file (a directory, a device such as
 * /dev/full, a FIFO), which the rename would fail on or replace.
 */
static int check_target(const char *final)
{
	struct stat st;

	if (lstat(final, &st) < 0)
		return errno == ENOENT ? 0 : (tdx_set_error("%s: %s", final, strerror(errno)), -errno);
	if (S_ISDIR(st.st_mode)) {
		tdx_set_error("%s: is a directory (give a file name)", final);
		return -EISDIR;
	}
	if (!S_ISREG(st.st_mode)) {
		tdx_set_error("%s: not a regular file; a recording is written to %s.tmp and renamed into place",
			      final, final);
		return -EEXIST;
	}
	return 0;
}

static int seg_open(struct tdx_rec *r)
{
	char final[PATH_MAX];
	int err;

	seg_name(r, r->segment, final, sizeof(final));
	err = check_target(final);
	if (err)
		return err;
	if ((size_t)snprintf(r->tmp, sizeof(r->tmp), "%s.tmp", final) >= sizeof(r->tmp)) {
		tdx_set_error("%s: path too long", r->path);
		return -ENAMETOOLONG;
	}
	r->fd = open(r->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (r->fd < 0) {
		tdx_set_error("%s: %s", r->tmp, strerror(errno));
		return -errno;
	}
	r->bytes = 0;
	r->seq = 0;
	r->f_events = r->f_lost = r->f_first = r->f_last = 0;
	return write_header(r);
}

static int write_block(struct tdx_rec *r, __u32 type, __u32 count,
		       const void *payload, __u32 size)
{
	unsigned char h[BLK_HDR];
	int err;

	put32(h, BLK_MAGIC);
	put32(h + 4, type);
	put32(h + 8, count);
	put32(h + 12, size);
	put64(h + 16, r->seq++);
	put32(h + 24, crc(payload, size));
	put32(h + 28, crc(h, 28));
	err = write_all(r, h, sizeof(h));
	return err ? err : write_all(r, payload, size);
}

static int seg_finish(struct tdx_rec *r)
{
	unsigned char t[TRAILER] = { 0 };
	char final[PATH_MAX];
	int err;

	/*
	 * The reader refuses a start later than the first event: a writer
	 * given no start (or a later one) moves it back to the first event.
	 */
	if (r->f_events && r->hdr && r->f_first < get64(r->hdr + 24)) {
		put64(r->hdr + 24, r->f_first);
		put32(r->hdr + r->hsize - 4, crc(r->hdr, r->hsize - 4));
		if (pwrite(r->fd, r->hdr, r->hsize, 0) != (ssize_t)r->hsize) {
			err = errno ? -errno : -EIO;
			tdx_set_error("%s: rewrite the header: %s", r->tmp, strerror(-err));
			close(r->fd);
			r->fd = -1;
			unlink(r->tmp);
			return err;
		}
	}
	put32(t, END_MAGIC);
	put32(t + 4, TDX_REC_VERSION);
	put64(t + 8, r->f_events);
	put64(t + 16, r->f_lost);
	put64(t + 24, r->seq);
	put64(t + 32, r->f_first);
	put64(t + 40, r->f_last);
	put32(t + 48, 0);
	put32(t + 52, crc(t, 52));
	err = write_all(r, t, sizeof(t));
	if (!err && fsync(r->fd) < 0 && errno != EINVAL && errno != EROFS) {
		/* a full disk can show only here (delayed allocation) */
		err = -errno;
		tdx_set_error("%s: %s", r->tmp, strerror(errno));
	}
	if (close(r->fd) < 0 && !err) {
		err = -errno;
		tdx_set_error("%s: close: %s", r->tmp, strerror(errno));
	}
	r->fd = -1;
	if (err) {
		unlink(r->tmp);
		return err;
	}
	seg_name(r, r->segment, final, sizeof(final));
	if (rename(r->tmp, final) < 0) {
		err = -errno;
		tdx_set_error("rename %s -> %s: %s", r->tmp, final, strerror(errno));
		unlink(r->tmp);		/* no temporary file is left behind */
		return err;
	}
	r->files++;
	if (r->opts.max_files && r->segment >= r->opts.max_files) {
		seg_name(r, r->segment - r->opts.max_files, final, sizeof(final));
		unlink(final);
	}
	return 0;
}

static int flush_events(struct tdx_rec *r)
{
	int err;

	if (!r->nbuf)
		return 0;
	if (r->opts.max_bytes && r->seq &&
	    r->bytes + BLK_HDR + (__u64)r->nbuf * 88 + TRAILER > r->opts.max_bytes) {
		__u64 next_first;

		err = seg_finish(r);
		if (err)
			return err;
		/*
		 * A segment starts where the one before ended (its last event),
		 * so segment spans tile the capture; never after its own first
		 * event (a live capture is only nearly sorted).
		 */
		memcpy(&next_first, r->buf, 8);
		if (r->f_last)
			r->start_ns = r->f_last < next_first ? r->f_last : next_first;
		r->segment++;
		err = seg_open(r);
		if (err)
			return err;
	}
	if (!r->f_events)
		memcpy(&r->f_first, r->buf, 8);		/* ts_ns is at offset 0 */
	memcpy(&r->f_last, r->buf + (size_t)(r->nbuf - 1) * 88, 8);
	r->f_events += r->nbuf;
	if (r->zc) {
		size_t z = ZSTD_compressCCtx(r->zc, r->zbuf, r->zcap, r->buf,
					     (size_t)r->nbuf * 88, ZSTD_LEVEL);

		if (ZSTD_isError(z)) {
			tdx_set_error("record: zstd: %s", ZSTD_getErrorName(z));
			return -EIO;
		}
		err = write_block(r, BLK_ZSTD, r->nbuf, r->zbuf, (__u32)z);
	} else {
		err = write_block(r, BLK_EVENTS, r->nbuf, r->buf, r->nbuf * 88);
	}
	r->nbuf = 0;
	return err;
}

struct tdx_rec *tdx_rec_open(const char *path, const struct tdx_source_info *info,
			     const struct tdx_rec_opts *opts)
{
	struct tdx_rec *r;
	struct timespec ts;

	if (!path || !*path) {
		tdx_set_error("record: no file name");
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r || !(r->info = calloc(1, sizeof(*r->info))) || !(r->path = strdup(path))) {
		tdx_set_error("out of memory");
		goto fail;
	}
	r->fd = -1;
	if (opts)
		r->opts = *opts;
	if (!r->opts.block_events)
		r->opts.block_events = 4096;
	if (r->opts.block_events > MAX_PAYLOAD / 88)
		r->opts.block_events = MAX_PAYLOAD / 88;
	if (r->opts.max_bytes && r->opts.max_bytes < 64 * 1024) {
		tdx_set_error("record: size limit %llu is below 64 KiB",
			      (unsigned long long)r->opts.max_bytes);
		goto fail;
	}
	if (info)
		*r->info = *info;
	else
		tdx_rec_host_info(r->info);
	if (r->info->n_td > TDX_SOURCE_MAX_TDS)
		r->info->n_td = TDX_SOURCE_MAX_TDS;
	if (r->opts.max_bytes) {
		/*
		 * A file holds at least one block: a block must fit in the size
		 * limit with the header and trailer, or small limits are
		 * overshot (-s 100k wrote 360 KB files with 4096-event blocks).
		 */
		__u64 room = r->opts.max_bytes - (HDR_FIXED + r->info->n_td * TD_ENT + 4) -
			     TRAILER - BLK_HDR;
		__u64 fit = room / 88 / 2;	/* two blocks a file at least */

		if (r->opts.max_bytes < HDR_FIXED + r->info->n_td * TD_ENT + 4 + TRAILER +
					 BLK_HDR + 88 * 16) {
			tdx_set_error("record: size limit %llu cannot hold the header of %zu TDs and a block",
				      (unsigned long long)r->opts.max_bytes, r->info->n_td);
			goto fail;
		}
		if (fit < r->opts.block_events)
			r->opts.block_events = fit ? (__u32)fit : 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	r->start_ns = r->info->start_ns ? r->info->start_ns :
		      (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
	r->buf = malloc((size_t)r->opts.block_events * 88);
	if (!r->buf) {
		tdx_set_error("out of memory");
		goto fail;
	}
	if (r->opts.compress) {
		r->zcap = ZSTD_compressBound((size_t)r->opts.block_events * 88);
		r->zc = ZSTD_createCCtx();
		r->zbuf = malloc(r->zcap);
		if (!r->zc || !r->zbuf) {
			tdx_set_error("out of memory");
			goto fail;
		}
	}
	if (seg_open(r))
		goto fail;
	return r;
fail:
	if (r) {
		if (r->fd >= 0) {
			close(r->fd);
			unlink(r->tmp);
		}
		free(r->buf);
		free(r->hdr);
		free(r->zbuf);
		ZSTD_freeCCtx(r->zc);
		free(r->info);
		free(r->path);
		free(r);
	}
	return NULL;
}

int tdx_rec_write(struct tdx_rec *r, const struct tdx_event *ev, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (ev[i].kind == TDX_EV_NONE || ev[i].kind >= TDX_EV_MAX ||
		    ev[i].nargs != (__u16)tdx_event_nargs(ev[i].kind)) {
			tdx_set_error("record: event %zu has kind %u, nargs %u: not an event",
				      i, ev[i].kind, ev[i].nargs);
			return -EINVAL;
		}
		memcpy(r->buf + (size_t)r->nbuf * 88, &ev[i], 88);
		r->nbuf++;
		r->t_events++;
		if (r->nbuf == r->opts.block_events) {
			int err = flush_events(r);

			if (err)
				return err;
		}
	}
	return 0;
}

int tdx_rec_lost(struct tdx_rec *r, __u64 n)
{
	unsigned char p[16];
	int err;

	if (!n)
		return 0;
	err = flush_events(r);
	if (err)
		return err;
	/* its time: the last event before it, else the file's start */
	put64(p, n);
	put64(p + 8, r->f_last ? r->f_last : r->start_ns);
	r->f_lost += n;
	r->t_lost += n;
	return write_block(r, BLK_LOST, 1, p, sizeof(p));
}

static void rec_free(struct tdx_rec *r)
{
	free(r->hdr);
	free(r->buf);
	free(r->zbuf);
	ZSTD_freeCCtx(r->zc);
	free(r->info);
	free(r->path);
	free(r);
}

int tdx_rec_close(struct tdx_rec *r)
{
	int err;

	if (!r)
		return -EINVAL;
	err = flush_events(r);
	if (!err)
		err = seg_finish(r);
	if (err && r->fd >= 0) {
		close(r->fd);
		unlink(r->tmp);
	}
	rec_free(r);
	return err;
}

void tdx_rec_abort(struct tdx_rec *r)
{
	if (!r)
		return;
	if (r->fd >= 0) {
		close(r->fd);
		unlink(r->tmp);
	}
	rec_free(r);
}

__u64 tdx_rec_events(const struct tdx_rec *r)
{
	return r ? r->t_events : 0;
}

__u32 tdx_rec_files(const struct tdx_rec *r)
{
	return r ? r->files : 0;
}

void tdx_rec_host_info(struct tdx_source_info *info)
{
	struct utsname u;

	if (!uname(&u)) {
		tdx_strlcpy(info->host, u.nodename, sizeof(info->host));
		snprintf(info->kernel, sizeof(info->kernel), "%.40s %.60s %.20s",
			 u.sysname, u.release, u.machine);
	}
	tdx_module_version_read(info->tdx_module, sizeof(info->tdx_module));	/* tdxmod.c */
	tdx_strlcpy(info->format, "tdxrec v1", sizeof(info->format));
}

/* ================================================================ reader */

struct recsrc {
	int fd;
	char *path;
	__u64 size;			/* file size */
	__u64 off;			/* next block header */
	__u64 end;			/* trailer offset */
	unsigned char *blk;		/* payload buffer (pread path) */
	size_t blk_cap;
	const unsigned char *cur;	/* current events payload */
	const unsigned char *map;	/* the whole file, mmapped (or NULL) */
	__u32 blk_n, blk_i;
	__u64 blk_off;			/* payload offset of current block */
	__u64 seq;
	__u64 events, lost, want_events, want_lost, want_blocks;
	int err;
	struct tdx_source *src;		/* for its loss log */
	unsigned char *zblk;		/* a zstd block's events, decompressed */
	size_t zblk_cap;
	bool crc_pending;		/* events block: payload CRC not checked yet */
	__u32 crc_want, blk_size;
	__u64 blk_hdr_off;
};

static int rd(struct recsrc *s, void *buf, size_t n, __u64 off, const char *what)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(s->fd, (char *)buf + got, n - got, (off_t)(off + got));

		if (r < 0) {
			if (errno == EINTR)
				continue;
			tdx_set_error("%s: read %s at offset %llu: %s", s->path, what,
				      (unsigned long long)(off + got), strerror(errno));
			return -errno;
		}
		if (r == 0) {
			tdx_set_error("%s: truncated: %s at offset %llu needs %zu bytes, file ends at %llu",
				      s->path, what, (unsigned long long)off, n,
				      (unsigned long long)(off + got));
			return -EIO;
		}
		got += (size_t)r;
	}
	return 0;
}

static int rec_fail(struct recsrc *s, int err)
{
	s->err = err;
	return err;
}

static const __u16 rec_nargs[TDX_EV_MAX] = {
#define TDX_X_N(id, lower, sys, name, nargs) [TDX_EV_##id] = TDX_##id##_NARGS,
	TDX_EVENT_TABLE(TDX_X_N)
#undef TDX_X_N
};

static int crc_mismatch(struct recsrc *s)
{
	tdx_set_error("%s: block at offset %llu: payload checksum mismatch (corrupt data in bytes %llu..%llu)",
		      s->path, (unsigned long long)s->blk_hdr_off,
		      (unsigned long long)s->blk_off,
		      (unsigned long long)(s->blk_off + s->blk_size - 1));
	return rec_fail(s, -EIO);
}

/*
 * Make the current block have an event left: read, check and map the next
 * blocks as needed (lost blocks are counted on the way).  1 = an event is
 * at s->cur[blk_i], 0 = end of file (trailer checked), -errno.
 */
static int rec_fill(struct recsrc *s)
{
	unsigned char h[BLK_HDR];
	int err;

	if (s->err)
		return s->err;
	while (s->blk_i == s->blk_n) {
		__u32 type, count, size;

		if (s->off == s->end) {
			if (s->events != s->want_events || s->lost != s->want_lost ||
			    s->seq != s->want_blocks) {
				tdx_set_error("%s: trailer at offset %llu counts %llu events, %llu lost in %llu blocks; the file holds %llu, %llu in %llu",
					      s->path, (unsigned long long)s->end,
					      (unsigned long long)s->want_events,
					      (unsigned long long)s->want_lost,
					      (unsigned long long)s->want_blocks,
					      (unsigned long long)s->events,
					      (unsigned long long)s->lost,
					      (unsigned long long)s->seq);
				return rec_fail(s, -EIO);
			}
			return 0;
		}
		if (s->end - s->off < BLK_HDR) {
			tdx_set_error("%s: %llu stray bytes at offset %llu before the trailer",
				      s->path, (unsigned long long)(s->end - s->off),
				      (unsigned long long)s->off);
			return rec_fail(s, -EIO);
		}
		err = rd(s, h, BLK_HDR, s->off, "block header");
		if (err)
			return rec_fail(s, err);
		if (get32(h) != BLK_MAGIC || get32(h + 28) != crc(h, 28)) {
			tdx_set_error("%s: corrupt block header at offset %llu (%s)", s->path,
				      (unsigned long long)s->off,
				      get32(h) != BLK_MAGIC ? "bad magic" : "checksum mismatch");
			return rec_fail(s, -EIO);
		}
		type = get32(h + 4);
		count = get32(h + 8);
		size = get32(h + 12);
		if (get64(h + 16) != s->seq) {
			tdx_set_error("%s: block at offset %llu has sequence %llu, expected %llu",
				      s->path, (unsigned long long)s->off,
				      (unsigned long long)get64(h + 16),
				      (unsigned long long)s->seq);
			return rec_fail(s, -EIO);
		}
		if ((type == BLK_EVENTS && (size != (__u64)count * 88 || size > MAX_PAYLOAD ||
					    !count)) ||
		    (type == BLK_ZSTD && (!count || (__u64)count * 88 > MAX_PAYLOAD ||
					  !size || size > MAX_PAYLOAD)) ||
		    (type == BLK_LOST && (size != 16 || count != 1)) ||
		    (type != BLK_EVENTS && type != BLK_LOST && type != BLK_ZSTD)) {
			tdx_set_error("%s: block at offset %llu: bad type %u / count %u / size %u",
				      s->path, (unsigned long long)s->off, type, count, size);
			return rec_fail(s, -EIO);
		}
		if (size > s->end - s->off - BLK_HDR) {
			tdx_set_error("%s: block at offset %llu: payload of %u bytes runs past the trailer at %llu",
				      s->path, (unsigned long long)s->off, size,
				      (unsigned long long)s->end);
			return rec_fail(s, -EIO);
		}
		s->blk_off = s->off + BLK_HDR;
		if (s->map) {
			/* zero-copy: the payload is read where it lies */
			s->cur = s->map + s->blk_off;
		} else {
			if (size > s->blk_cap) {
				unsigned char *nb = realloc(s->blk, size);

				if (!nb) {
					tdx_set_error("out of memory");
					return rec_fail(s, -ENOMEM);
				}
				s->blk = nb;
				s->blk_cap = size;
			}
			err = rd(s, s->blk, size, s->blk_off, "block payload");
			if (err)
				return rec_fail(s, err);
			s->cur = s->blk;
		}
		s->blk_hdr_off = s->off;
		s->blk_size = size;
		s->crc_want = get32(h + 24);
		s->crc_pending = false;
		if (type == BLK_EVENTS && s->map) {
			/*
			 * Checked by rec_next_batch() before any of its events
			 * is handed out: on the copy, when the whole block goes
			 * in one batch, so the payload is read from the file
			 * mapping once (copy, then CRC and aggregation in cache).
			 */
			s->crc_pending = true;
		} else if (crc(s->cur, size) != s->crc_want) {
			return crc_mismatch(s);
		}
		if (type == BLK_ZSTD) {
			size_t want = (size_t)count * 88, got;

			if (want > s->zblk_cap) {
				unsigned char *nb = realloc(s->zblk, want);

				if (!nb) {
					tdx_set_error("out of memory");
					return rec_fail(s, -ENOMEM);
				}
				s->zblk = nb;
				s->zblk_cap = want;
			}
			got = ZSTD_decompress(s->zblk, want, s->cur, size);
			if (ZSTD_isError(got) || got != want) {
				tdx_set_error("%s: block at offset %llu: zstd payload %s (%zu of %zu bytes)",
					      s->path, (unsigned long long)s->off,
					      ZSTD_isError(got) ? ZSTD_getErrorName(got) :
					      "does not hold its event count", ZSTD_isError(got) ? 0 : got, want);
				return rec_fail(s, -EIO);
			}
			s->cur = s->zblk;
		}
		s->off = s->blk_off + size;
		s->seq++;
		if (type == BLK_LOST) {
			s->lost += get64(s->cur);
			err = tdx__source_add_loss(s->src, get64(s->cur + 8), get64(s->cur));
			if (err)
				return rec_fail(s, err);
			continue;
		}
		s->blk_n = count;
		s->blk_i = 0;
	}
	return 1;
}

/* Record i of the current block is an event the writer would accept. */
static int rec_check(struct recsrc *s, const struct tdx_event *ev, __u32 i)
{
	/*
	 * Timestamps are as recorded: a live capture is ordered per CPU and
	 * only nearly sorted overall (the BPF ring buffer commits in
	 * reservation order), so they are not checked here.
	 */
	if (ev->kind == TDX_EV_NONE || ev->kind >= TDX_EV_MAX ||
	    ev->nargs != rec_nargs[ev->kind]) {
		tdx_set_error("%s: record at offset %llu is not an event (kind %u, nargs %u)",
			      s->path, (unsigned long long)(s->blk_off + (__u64)i * 88),
			      ev->kind, ev->nargs);
		return rec_fail(s, -EIO);
	}
	return 0;
}

/* The rest of the current block, at most n: one copy, then the checks. */
static int rec_next_batch(struct tdx_source *src, struct tdx_event *evs, int n)
{
	struct recsrc *s = src->priv;
	__u32 k;
	int r;

	if (s->err)
		return s->err;
	r = rec_fill(s);
	if (r <= 0)
		return r;
	k = s->blk_n - s->blk_i;
	if (k > (__u32)n)
		k = (__u32)n;
	if (s->crc_pending && s->blk_i == 0 && k == s->blk_n) {
		/* the whole block: copy it, then check the copy (in cache) */
		memcpy(evs, s->cur, (size_t)k * 88);
		s->crc_pending = false;
		if (crc(evs, (size_t)k * 88) != s->crc_want)
			return crc_mismatch(s);
	} else {
		if (s->crc_pending) {
			s->crc_pending = false;
			if (crc(s->cur, s->blk_size) != s->crc_want)
				return crc_mismatch(s);
		}
		memcpy(evs, s->cur + (size_t)s->blk_i * 88, (size_t)k * 88);
	}
	for (__u32 i = 0; i < k; i++) {
		if (rec_check(s, &evs[i], s->blk_i + i)) {
			if (!i)
				return s->err;
			k = i;			/* the good ones now, the error next */
			s->err = 0;
			break;
		}
	}
	s->blk_i += k;
	s->events += k;
	return (int)k;
}

static void rec_close(struct tdx_source *src)
{
	struct recsrc *s = src->priv;

	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	if (s->map)
		munmap((void *)s->map, s->size);
	free(s->blk);
	free(s->zblk);
	free(s->path);
	free(s);
	src->priv = NULL;
}

static int rec_next(struct tdx_source *src, struct tdx_event *ev)
{
	return rec_next_batch(src, ev, 1);
}

static const struct tdx_source_ops rec_ops = {
	.next = rec_next,
	.next_batch = rec_next_batch,
	.close = rec_close,
};

int tdx_recfile_open(struct tdx_source *src, const char *path, int fd)
{
	unsigned char fixed[HDR_FIXED], t[TRAILER], *h = NULL;
	struct recsrc *s;
	struct stat st;
	__u32 version, hsize, ntd, flags;
	int err;

	s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(path))) {
		free(s);
		close(fd);
		tdx_set_error("out of memory");
		return -ENOMEM;
	}
	s->fd = fd;
	s->src = src;
	src->ops = &rec_ops;
	src->priv = s;
	if (fstat(fd, &st) < 0) {
		tdx_set_error("%s: %s", path, strerror(errno));
		return -errno;
	}
	s->size = (__u64)st.st_size;
	/*
	 * A regular file is mapped: blocks are checksummed and decoded in
	 * place.  (A pipe or a failed map reads with pread.)
	 */
	if (S_ISREG(st.st_mode) && s->size >= 16) {
		void *m = mmap(NULL, s->size, PROT_READ, MAP_PRIVATE, fd, 0);

		if (m != MAP_FAILED) {
			madvise(m, s->size, MADV_SEQUENTIAL);
			s->map = m;
		}
	}
	if (s->size < 16) {
		tdx_set_error("%s: truncated: %llu bytes, the header alone needs %u (offset %llu)",
			      path, (unsigned long long)s->size, HDR_FIXED + 4,
			      (unsigned long long)s->size);
		return -EIO;
	}
	err = rd(s, fixed, 16, 0, "header");
	if (err)
		return err;
	version = get32(fixed + 8);
	if (version != TDX_REC_VERSION) {
		tdx_set_error("%s: record format version %u at offset 8; this tdxtrace reads version %u",
			      path, version, TDX_REC_VERSION);
		return -EPROTO;
	}
	hsize = get32(fixed + 12);
	if (hsize < HDR_FIXED + 4 || (hsize - HDR_FIXED - 4) % TD_ENT ||
	    (hsize - HDR_FIXED - 4) / TD_ENT > TDX_SOURCE_MAX_TDS) {
		tdx_set_error("%s: bad header size %u at offset 12", path, hsize);
		return -EIO;
	}
	if (hsize + TRAILER > s->size) {
		tdx_set_error("%s: truncated: %llu bytes, header (%u) and trailer (%u) need more (offset %llu)",
			      path, (unsigned long long)s->size, hsize, TRAILER,
			      (unsigned long long)s->size);
		return -EIO;
	}
	h = malloc(hsize);
	if (!h) {
		tdx_set_error("out of memory");
		return -ENOMEM;
	}
	err = rd(s, h, hsize, 0, "header");
	if (err)
		goto out;
	if (get32(h + hsize - 4) != crc(h, hsize - 4)) {
		tdx_set_error("%s: header checksum mismatch (bytes 0..%u, checksum at offset %u)",
			      path, hsize - 5, hsize - 4);
		err = -EIO;
		goto out;
	}
	if (get32(h + 16) != 88) {
		tdx_set_error("%s: event size %u at offset 16, expected 88", path, get32(h + 16));
		err = -EIO;
		goto out;
	}
	ntd = get32(h + 296);
	if (ntd != (hsize - HDR_FIXED - 4) / TD_ENT) {
		tdx_set_error("%s: TD count %u at offset 296 does not match the header size", path, ntd);
		err = -EIO;
		goto out;
	}
	flags = get32(h + 300);
	if ((flags & 0xffff) & ~REC_F_KNOWN ||
	    ((flags & REC_F_SAMPLED) ? (flags >> 16) < 2 : (flags >> 16) != 0)) {
		tdx_set_error("%s: header flags 0x%x at offset 300: unknown bits or a bad sampling rate",
			      path, flags);
		err = -EIO;
		goto out;
	}
	src->info.sample_every = flags & REC_F_SAMPLED ? flags >> 16 : 0;
	tdx_strlcpy(src->info.format, "tdxrec v1", sizeof(src->info.format));
	memcpy(fixed, h, HDR_FIXED);
	fixed[103] = fixed[231] = fixed[295] = 0;
	tdx_strlcpy(src->info.host, (char *)fixed + 40, sizeof(src->info.host));
	tdx_strlcpy(src->info.kernel, (char *)fixed + 104, sizeof(src->info.kernel));
	tdx_strlcpy(src->info.tdx_module, (char *)fixed + 232, sizeof(src->info.tdx_module));
	src->info.start_ns = get64(h + 24);
	src->info.n_td = ntd;
	for (__u32 i = 0; i < ntd; i++) {
		unsigned char *e = h + HDR_FIXED + (size_t)i * TD_ENT;
		char comm[33];

		src->info.td[i].pid = get32(e);
		src->info.td[i].vcpus = get32(e + 4);
		memcpy(comm, e + 8, 32);
		comm[32] = 0;
		tdx_strlcpy(src->info.td[i].comm, comm, sizeof(src->info.td[i].comm));
	}
	/* trailer */
	s->end = s->size - TRAILER;
	err = rd(s, t, TRAILER, s->end, "trailer");
	if (err)
		goto out;
	if (get32(t) != END_MAGIC || get32(t + 52) != crc(t, 52) || get32(t + 48)) {
		tdx_set_error("%s: no valid trailer at offset %llu (%s): the file is truncated or was not closed",
			      path, (unsigned long long)s->end,
			      get32(t) != END_MAGIC ? "bad magic" : "checksum mismatch");
		err = -EIO;
		goto out;
	}
	s->want_events = get64(t + 8);
	s->want_lost = get64(t + 16);
	s->want_blocks = get64(t + 24);
	/*
	 * Spans run from the header's start to the last event: a start later
	 * than the first event would give a span of 0 and rates of 0.
	 */
	if (s->want_events && get64(t + 32) < src->info.start_ns) {
		tdx_set_error("%s: header start_ns %llu (offset 24) is later than the first event at %llu (trailer offset %llu): not a valid recording",
			      path, (unsigned long long)src->info.start_ns,
			      (unsigned long long)get64(t + 32), (unsigned long long)(s->end + 32));
		err = -EIO;
		goto out;
	}
	src->info.lost = s->want_lost;
	s->off = hsize;
	err = 0;
out:
	free(h);
	return err;
}
