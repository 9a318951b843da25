// SPDX-License-Identifier: Apache-2.0
/*
 * uvs_uffdio.c - the userfaultfd resolve ioctls.
 *
 * EAGAIN means the mm changed under the ioctl (the kernel asks us to retry); EEXIST means the
 * destination is already present, which the callers treat as "someone else resolved it" and
 * answer with an explicit wake.  Everything else is returned as -errno for the caller to count.
 */
#include "uvs_internal.h"

#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

int uvs_uffd_copy(int uffd, uint64_t dst, const void *src, uint64_t len)
{
	uint64_t done;

	return uvs_uffd_copy_part(uffd, dst, src, len, &done);
}

/*
 * UFFDIO_COPY of several pages: 0, or -errno with *done the bytes installed before the failure
 * (a page found present, EEXIST, stops it there).  The caller hands the rest back.
 */
int uvs_uffd_copy_part(int uffd, uint64_t dst, const void *src, uint64_t len, uint64_t *done)
{
	struct uffdio_copy c;

	*done = 0;
	for (;;) {
		memset(&c, 0, sizeof(c));
		c.dst = dst;
		c.src = (uint64_t)(uintptr_t)src;
		c.len = len;
		if (!ioctl(uffd, UFFDIO_COPY, &c)) {
			*done += len;
			return 0;
		}
		if (errno != EAGAIN) {
			int err = -errno;

			if (c.copy > 0)
				*done += (uint64_t)c.copy;
			return err;
		}
		/* A partial copy reports progress in c.copy; the remainder is retried from there. */
		if (c.copy > 0) {
			*done += (uint64_t)c.copy;
			dst += (uint64_t)c.copy;
			src = (const char *)src + c.copy;
			len -= (uint64_t)c.copy;
		}
	}
}

int uvs_uffd_zeropage(int uffd, uint64_t dst, uint64_t len)
{
	struct uffdio_zeropage z;

	for (;;) {
		memset(&z, 0, sizeof(z));
		z.range.start = dst;
		z.range.len = len;
		if (!ioctl(uffd, UFFDIO_ZEROPAGE, &z))
			return 0;
		if (errno != EAGAIN)
			return -errno;
		if (z.zeropage > 0) {
			dst += (uint64_t)z.zeropage;
			len -= (uint64_t)z.zeropage;
		}
	}
}

/* *moved accumulates the bytes moved, also when an error ends the call part way. */
int uvs_uffd_move(int uffd, uint64_t dst, uint64_t src, uint64_t len, uint64_t mode, uint64_t *moved)
{
	struct uffdio_move m;

	*moved = 0;
	for (;;) {
		memset(&m, 0, sizeof(m));
		m.dst = dst;
		m.src = src;
		m.len = len;
		m.mode = mode;
		if (!ioctl(uffd, UFFDIO_MOVE, &m)) {
			*moved += len;
			return 0;
		}
		int err = errno;
		if (m.move > 0) {
			*moved += (uint64_t)m.move;
			dst += (uint64_t)m.move;
			src += (uint64_t)m.move;
			len -= (uint64_t)m.move;
		}
		if (err != EAGAIN || len == 0)
			return len == 0 ? 0 : -err;
	}
}

int uvs_uffd_wake(int uffd, uint64_t start, uint64_t len)
{
	struct uffdio_range r = { .start = start, .len = len };

	return ioctl(uffd, UFFDIO_WAKE, &r) ? -errno : 0;
}

/* Mark the range poisoned: the next access raises SIGBUS instead of a fault (and wakes waiters). */
int uvs_uffd_poison(int uffd, uint64_t start, uint64_t len)
{
	struct uffdio_poison p;

	for (;;) {
		memset(&p, 0, sizeof(p));
		p.range.start = start;
		p.range.len = len;
		if (!ioctl(uffd, UFFDIO_POISON, &p))
			return 0;
		if (errno != EAGAIN)
			return -errno;
	}
}

/* mincore, retrying EAGAIN (the kernel could not allocate its bounce page this time). */
static int mincore_retry(uint64_t addr, uint64_t len, unsigned char *vec)
{
	for (;;) {
		if (!mincore((void *)(uintptr_t)addr, len, vec))
			return 0;
		if (errno != EAGAIN)
			return -errno;
	}
}

/*
 * Where each of @npages pages of a move from @src to @dst really is, as UVS_AT_* in @where.
 *
 * Never trust a UFFDIO_MOVE's return alone where a page can be destroyed after it: on 6.18 a
 * move racing another move on the same large folio can move a page and still report EEXIST
 * with nothing moved (move_pages() does not reset its error after an -EAGAIN retry).  mincore
 * reads the page tables themselves; a migration entry counts as present, so a page that is
 * being split or migrated is never taken for gone.  Only meaningful while the caller holds
 * the claims that keep everyone else from mapping these pages.
 */
int uvs_page_whereabouts(uint64_t src, uint64_t dst, uint32_t npages, uint8_t *where)
{
	unsigned char sv[UVS_BATCH_MAX], dv[UVS_BATCH_MAX];
	uint64_t len = (uint64_t)npages << UVS_PAGE_SHIFT;
	int err;

	if (npages > UVS_BATCH_MAX)
		return -EINVAL;
	err = mincore_retry(src, len, sv);
	if (!err)
		err = mincore_retry(dst, len, dv);
	if (err)
		return err;
	for (uint32_t i = 0; i < npages; i++)
		where[i] = (uint8_t)((sv[i] & 1 ? UVS_AT_SRC : 0) | (dv[i] & 1 ? UVS_AT_DST : 0));
	return 0;
}
