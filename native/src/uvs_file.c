// SPDX-License-Identifier: Apache-2.0
/*
 * uvs_file.c - reading swap-file slots on the fault path.
 *
 * Java owns the swap files: it opens them, allocates their slots, writes pages out and retires
 * them.  C only reads: a fault on a FILE slot preads the stored form of the page and decodes it
 * like a pool object.  A file is attached by index (the index is part of every file handle);
 * detaching waits until no reader still uses the old descriptor, so Java may close it then and
 * a recycled fd number can never be read by mistake.
 */
#include "uvs_internal.h"

#include <sys/uio.h>

#include <sched.h>
#include <unistd.h>

void uvs_files_init(struct uvs_ctx *ctx)
{
	for (int i = 0; i < UVS_MAX_FILES; i++)
		atomic_init(&ctx->files[i].fd, -1);
}

int64_t uvs_file_attach(struct uvs_ctx *ctx, int32_t idx, int32_t fd)
{
	struct uvs_file *f;

	if (idx < 0 || idx >= UVS_MAX_FILES || fd < -1)
		return -EINVAL;
	f = &ctx->files[idx];
	/* seq_cst: orders the store against the readers count below (a Dekker pair with readers) */
	atomic_store(&f->fd, fd);
	if (fd >= 0)
		return 0;
	while (atomic_load(&f->readers))
		sched_yield();
	return 0;
}

int64_t uvs_file_inject(struct uvs_ctx *ctx, int32_t idx, int32_t err, int32_t count)
{
	struct uvs_file *f;

	if (idx < 0 || idx >= UVS_MAX_FILES || err < 0 || count < 0)
		return -EINVAL;
	f = &ctx->files[idx];
	atomic_store_explicit(&f->inject_err, err, memory_order_relaxed);
	atomic_store_explicit(&f->inject_count, count, memory_order_relaxed);
	return 0;
}

/* An injected failure is consumed one read at a time; 0 when none is pending. */
static int injected(struct uvs_file *f)
{
	int n = atomic_load_explicit(&f->inject_count, memory_order_relaxed);

	while (n > 0) {
		if (atomic_compare_exchange_weak_explicit(&f->inject_count, &n, n - 1,
							  memory_order_relaxed, memory_order_relaxed))
			return atomic_load_explicit(&f->inject_err, memory_order_relaxed);
	}
	return 0;
}

/* With @nowait, -EAGAIN unless the bytes are in the page cache (nothing waits on the disk). */
static int pread_full(int fd, void *buf, size_t len, uint64_t off, int nowait)
{
	size_t done = 0;

	while (done < len) {
		struct iovec iov = { .iov_base = (char *)buf + done, .iov_len = len - done };
		ssize_t n = preadv2(fd, &iov, 1, (off_t)(off + done), nowait ? RWF_NOWAIT : 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* EOPNOTSUPP: the file system cannot tell without waiting */
			if (nowait && (errno == EAGAIN || errno == EOPNOTSUPP))
				return -EAGAIN;
			return -errno;
		}
		if (nowait && (size_t)n < len - done)
			return -EAGAIN;	/* part of it is not cached */
		if (n == 0)
			return -ENODATA;	/* the file is shorter than what we wrote: truncated */
		done += (size_t)n;
	}
	return 0;
}

/*
 * Read [off, off + len) of local swap file @idx into @buf with one pread (file readahead: the
 * packed objects of pages that left in one run lie back to back).  0 or -errno; -EAGAIN for a
 * far tier, which is not read this way, and while an injected failure is pending: the caller
 * then reads page by page, and that read reports it.
 */
int uvs_file_read_span(struct uvs_ctx *ctx, uint32_t idx, uint64_t off, uint64_t len, void *buf)
{
	struct uvs_file *f = &ctx->files[idx];
	int fd, err;

	/* seq_cst: a detach that stored -1 (or NULL) either sees us counted or we see its -1 */
	atomic_fetch_add(&f->readers, 1);
	fd = atomic_load(&f->fd);
	if (atomic_load(&f->far) || atomic_load_explicit(&f->inject_count, memory_order_relaxed) > 0)
		err = -EAGAIN;
	else if (fd < 0)
		err = -EBADF;
	else
		err = pread_full(fd, buf, len, off, 0);
	atomic_fetch_sub_explicit(&f->readers, 1, memory_order_release);
	return err;
}

/*
 * Read far-tier objects ids[0..n) of file index @idx in one pipelined round (uvs_far_read_many):
 * object k's stored bytes to dst + k * UVS_PAGE_SIZE.  0, or -errno (-EAGAIN while an injected
 * failure is pending, or if the index holds no far tier now).
 */
int uvs_file_read_far(struct uvs_ctx *ctx, uint32_t idx, const uint64_t *ids, const uint64_t *lens,
		      const uint64_t *fmts, uint32_t n, uint8_t *dst)
{
	struct uvs_file *f = &ctx->files[idx];
	struct uvs_far *far;
	int err;

	/* seq_cst: a detach that stored NULL either sees us counted or we see its NULL */
	atomic_fetch_add(&f->readers, 1);
	far = atomic_load(&f->far);
	if (!far || atomic_load_explicit(&f->inject_count, memory_order_relaxed) > 0)
		err = -EAGAIN;
	else
		err = uvs_far_read_many(far, ids, lens, fmts, n, dst);
	atomic_fetch_sub_explicit(&f->readers, 1, memory_order_release);
	return err;
}

/*
 * Read the page a file handle names into dst (one page).  A raw page is read in place; any
 * other form is read into stage (one page) and decoded.  Returns 0, or -EIO with the failure's
 * own errno in *cause: the caller treats every medium failure alike.  With UVS_READ_NOWAIT,
 * -EAGAIN when the read would have to wait for the disk.  A far tier's object is read with
 * uvs_far_read instead; a far tier that cannot be reached is -EAGAIN too.
 */
int uvs_file_read(struct uvs_ctx *ctx, uint64_t fh, void *dst, void *stage, void *dctx, int flags, int *cause)
{
	struct uvs_file *f = &ctx->files[uvs_fh_file(fh)];
	uint64_t len = uvs_handle_len(fh);
	uint64_t fmt = uvs_handle_fmt(fh);
	struct uvs_far *far;
	int fd, err;

	/* seq_cst: a detach that stored -1 (or NULL) either sees us counted or we see its -1 */
	atomic_fetch_add(&f->readers, 1);
	fd = atomic_load(&f->fd);
	far = atomic_load(&f->far);
	err = injected(f);
	if (err)
		err = -err;
	else if (far && (flags & UVS_READ_NOWAIT))
		err = -EAGAIN;	/* every far read waits on the network */
	else if (far)
		err = len == 0 || len > UVS_PAGE_SIZE ? -EINVAL :
		      uvs_far_read(far, uvs_fh_off(fh), len, fmt, fmt == UVS_FMT_RAW ? dst : stage);
	else if (fd < 0)
		err = -EBADF;
	else if (len == 0 || len > UVS_PAGE_SIZE)
		err = -EINVAL;
	else
		err = pread_full(fd, fmt == UVS_FMT_RAW ? dst : stage, len, uvs_fh_off(fh),
				 flags & UVS_READ_NOWAIT);
	atomic_fetch_sub_explicit(&f->readers, 1, memory_order_release);
	if (!err)
		err = uvs_codec_decode(ctx, fmt, fmt == UVS_FMT_RAW ? dst : stage, len, dst, dctx);
	/* a far tier out of reach may come back: the fault path retries, the data stays named */
	if (err == -EAGAIN && (far || (flags & UVS_READ_NOWAIT)))
		return err;
	if (err) {
		*cause = -err;
		return -EIO;
	}
	return 0;
}
