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

static int pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ENODATA;	/* the file is shorter than what we wrote: truncated */
		done += (size_t)n;
	}
	return 0;
}

/*
 * Read the page a file handle names into dst (one page).  A raw page is read in place; any
 * other form is read into stage (one page) and decoded.  Returns 0, or -EIO with the failure's
 * own errno in *cause: the caller treats every medium failure alike.
 */
int uvs_file_read(struct uvs_ctx *ctx, uint64_t fh, void *dst, void *stage, int *cause)
{
	struct uvs_file *f = &ctx->files[uvs_fh_file(fh)];
	uint64_t len = uvs_handle_len(fh);
	uint64_t fmt = uvs_handle_fmt(fh);
	int fd, err;

	/* seq_cst: a detach that stored -1 either sees us counted or we see its -1 */
	atomic_fetch_add(&f->readers, 1);
	fd = atomic_load(&f->fd);
	err = injected(f);
	if (err)
		err = -err;
	else if (fd < 0)
		err = -EBADF;
	else if (len == 0 || len > UVS_PAGE_SIZE)
		err = -EINVAL;
	else
		err = pread_full(fd, fmt == UVS_FMT_RAW ? dst : stage, len, uvs_fh_off(fh));
	atomic_fetch_sub_explicit(&f->readers, 1, memory_order_release);
	if (!err)
		err = uvs_codec_decode(ctx, fmt, fmt == UVS_FMT_RAW ? dst : stage, len, dst);
	if (err) {
		*cause = -err;
		return -EIO;
	}
	return 0;
}
