// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * source.c - the offline event source interface: open by spec or by file
 * (format detected from its first bytes), iterate, close.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source_int.h"

struct tdx_source *tdx_source_alloc(const struct tdx_source_ops *ops, void *priv)
{
	struct tdx_source *src = calloc(1, sizeof(*src));

	if (!src)
		return NULL;
	src->ops = ops;
	src->priv = priv;
	return src;
}

static void source_free(struct tdx_source *src)
{
	if (src && src->ops && src->ops->close)
		src->ops->close(src);
	if (src)
		free(src->loss);
	free(src);
}

int tdx__source_add_loss(struct tdx_source *src, __u64 ts_ns, __u64 n)
{
	if (!n)
		return 0;
	if (src->n_loss == src->cap_loss) {
		size_t cap = src->cap_loss ? src->cap_loss * 2 : 16;
		struct tdx_source_loss *l = realloc(src->loss, cap * sizeof(*l));

		if (!l) {
			tdx_set_error("out of memory");
			return -ENOMEM;
		}
		src->loss = l;
		src->cap_loss = cap;
	}
	src->loss[src->n_loss].ts_ns = ts_ns;
	src->loss[src->n_loss].n = n;
	src->n_loss++;
	src->loss_read += n;
	return 0;
}

const struct tdx_source_loss *tdx_source_losses(const struct tdx_source *src, size_t *n)
{
	*n = src ? src->n_loss : 0;
	return src ? src->loss : NULL;
}

__u64 tdx_source_lost_until(const struct tdx_source *src, __u64 ts_ns)
{
	__u64 sum = 0;

	if (!src)
		return 0;
	for (size_t i = 0; i < src->n_loss; i++)
		if (src->loss[i].ts_ns <= ts_ns)
			sum += src->loss[i].n;
	return sum;
}

__u64 tdx_source_lost_read(const struct tdx_source *src)
{
	return src ? src->loss_read : 0;
}

int tdx_source_open_sim(struct tdx_source **out, const char *spec)
{
	struct tdx_source *src;
	int err;

	*out = NULL;
	if (!spec || !*spec) {
		tdx_set_error("empty simulator spec (want SCENARIO[:SEED][,key=val...])");
		return -EINVAL;
	}
	src = tdx_source_alloc(NULL, NULL);
	if (!src) {
		tdx_set_error("out of memory");
		return -ENOMEM;
	}
	err = tdx_sim_open(src, spec);
	if (err) {
		source_free(src);
		return err;
	}
	*out = src;
	return 0;
}

/* trace-cmd files begin with 0x17 0x08 0x44 "tracing". */
static const unsigned char tracedat_magic[10] = {
	0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g'
};

int tdx_source_open_file(struct tdx_source **out, const char *path)
{
	unsigned char magic[10];
	struct tdx_source *src;
	ssize_t n;
	int fd, err;

	*out = NULL;
	if (!path || !*path) {
		tdx_set_error("no file name given");
		return -EINVAL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		tdx_set_error("%s: %s", path, strerror(errno));
		return err;
	}
	n = pread(fd, magic, sizeof(magic), 0);
	if (n < 0) {
		err = -errno;
		tdx_set_error("%s: read: %s", path, strerror(errno));
		close(fd);
		return err;
	}
	if (n == 0) {
		/* nothing at all: no TDX events (NODATA), not a corrupt file */
		tdx_set_error("%s: empty file (offset 0): no TDX events, not a tdxtrace record or trace.dat", path);
		close(fd);
		return -ENODATA;
	}
	src = tdx_source_alloc(NULL, NULL);
	if (!src) {
		close(fd);
		tdx_set_error("out of memory");
		return -ENOMEM;
	}
	if ((size_t)n >= strlen(TDX_REC_MAGIC) &&
	    !memcmp(magic, TDX_REC_MAGIC, strlen(TDX_REC_MAGIC))) {
		err = tdx_recfile_open(src, path, fd);	/* takes fd */
	} else if ((size_t)n == sizeof(tracedat_magic) &&
		   !memcmp(magic, tracedat_magic, sizeof(tracedat_magic))) {
		close(fd);
		err = tdx_tracedat_open(src, path);
	} else {
		close(fd);
		tdx_set_error("%s: unknown format at offset 0 (neither a tdxtrace record, magic \"%s\", nor a trace-cmd trace.dat)",
			      path, TDX_REC_MAGIC);
		err = -EINVAL;
	}
	if (err) {
		source_free(src);
		return err;
	}
	*out = src;
	return 0;
}

int tdx_source_next(struct tdx_source *src, struct tdx_event *ev)
{
	int r;

	if (!src || !src->ops)
		return -EINVAL;
	r = src->ops->next(src, ev);
	if (r > 0)
		src->n_events++;
	return r;
}

int tdx_source_next_batch(struct tdx_source *src, struct tdx_event *evs, int n)
{
	int got = 0, r;

	if (!src || !src->ops || n <= 0)
		return -EINVAL;
	if (src->ops->next_batch) {
		r = src->ops->next_batch(src, evs, n);
		if (r > 0)
			src->n_events += (__u64)r;
		return r;
	}
	while (got < n) {
		r = src->ops->next(src, &evs[got]);
		if (r < 0)
			return got ? got : r;	/* the error again on the next call */
		if (r == 0)
			break;
		got++;
	}
	src->n_events += (__u64)got;
	return got;
}

int tdx_source_exit_code(int err, bool sim)
{
	switch (-err) {
	case 0:
		return TDX_EXIT_OK;
	case ENOENT: case EACCES: case EPERM: case EISDIR: case ENOTDIR:
	case ENAMETOOLONG: case ELOOP: case ENXIO: case ENODEV:
		return TDX_EXIT_NOINPUT;
	case EINVAL:
		return sim ? TDX_EXIT_USAGE : TDX_EXIT_DATAERR;
	case EIO: case EPROTO: case EBADMSG: case EOVERFLOW: case ERANGE:
		return TDX_EXIT_DATAERR;
	case ENODATA:
		return TDX_EXIT_NODATA;
	default:
		return TDX_EXIT_FAIL;
	}
}

void tdx_source_counts(const struct tdx_source *src, struct tdx_source_counts *out)
{
	memset(out, 0, sizeof(*out));
	if (!src)
		return;
	out->events = src->n_events;
	out->records = src->n_events;
	if (src->ops && src->ops->counts)
		src->ops->counts(src, out);
}

const struct tdx_source_info *tdx_source_info(const struct tdx_source *src)
{
	return src ? &src->info : NULL;
}

void tdx_source_close(struct tdx_source *src)
{
	source_free(src);
}
