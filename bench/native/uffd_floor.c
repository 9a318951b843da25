// SPDX-License-Identifier: Apache-2.0
/*
 * uffd_floor.c - the floor under a 4 KiB uvswap fault: the raw userfaultfd round trip.
 *
 * One registered region and as many server pthreads as uvswap runs, waiting the way uvswap's
 * servers wait (poll, then a non-blocking read of up to 16 messages), that do nothing but answer
 * each fault with one ioctl: ZEROPAGE, COPY of a fixed page, or MOVE of a populated page from a
 * private buffer.  No page map, no descriptors, no completion ring, no statistics.  The
 * benchmark touches the region from a Java thread exactly as FaultLatencyBench touches a uvswap
 * region, so the difference between the two is what uvswap's server adds.
 *
 * The wait matters more than anything else here: on a 2-vCPU VM a server woken on the other
 * vCPU costs 50-125 us, one woken where the faulting thread just blocked a few us.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include "uvs_uffd.h"	/* UFFDIO_MOVE where the build headers predate it */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE		4096UL
#define MAX_SERVERS	8
#define MSG_BATCH	16
#define API		__attribute__((visibility("default")))

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif

/*
 * KERNEL is the floor under the floor: the same region with no userfaultfd at all, so a first
 * read is the kernel's own anonymous fault (it maps the shared zero page, as ZEROPAGE does).
 */
enum floor_ioctl { FLOOR_ZEROPAGE = 0, FLOOR_COPY = 1, FLOOR_MOVE = 2, FLOOR_KERNEL = 3 };

struct floor {
	int uffd;
	int kind;
	uint64_t pages;
	char *region;
	char *src;		/* MOVE: a populated twin of the region; COPY: one page */
	pthread_t server[MAX_SERVERS];
	int started;
	_Atomic long served;
	_Atomic long failed;
};

static int resolve(struct floor *f, uint64_t addr)
{
	uint64_t page = addr & ~(PAGE - 1);
	int r;

	switch (f->kind) {
	case FLOOR_ZEROPAGE: {
		struct uffdio_zeropage z = { .range = { .start = page, .len = PAGE } };

		r = ioctl(f->uffd, UFFDIO_ZEROPAGE, &z);
		break;
	}
	case FLOOR_COPY: {
		struct uffdio_copy c = { .dst = page, .src = (uint64_t)f->src, .len = PAGE };

		r = ioctl(f->uffd, UFFDIO_COPY, &c);
		break;
	}
	default: {
		uint64_t off = page - (uint64_t)f->region;
		struct uffdio_move m = { .dst = page, .src = (uint64_t)f->src + off, .len = PAGE };

		r = ioctl(f->uffd, UFFDIO_MOVE, &m);
		break;
	}
	}
	if (r && errno == EEXIST) {
		struct uffdio_range w = { .start = page, .len = PAGE };

		r = ioctl(f->uffd, UFFDIO_WAKE, &w);
	}
	return r ? -errno : 0;
}

/* Stopped by pthread_cancel: poll is a cancellation point, and nothing is held across it. */
static void *serve(void *arg)
{
	struct floor *f = arg;
	struct pollfd pfd = { .fd = f->uffd, .events = POLLIN };
	struct uffd_msg msgs[MSG_BATCH];

	for (;;) {
		if (poll(&pfd, 1, -1) < 0)
			continue;
		ssize_t n = read(f->uffd, msgs, sizeof(msgs));

		if (n < 0) {
			if (errno != EINTR && errno != EAGAIN)
				atomic_fetch_add(&f->failed, 1);
			continue;
		}
		for (size_t i = 0; i < (size_t)n / sizeof(msgs[0]); i++) {
			if (msgs[i].event != UFFD_EVENT_PAGEFAULT)
				continue;
			if (resolve(f, msgs[i].arg.pagefault.address))
				atomic_fetch_add(&f->failed, 1);
			else
				atomic_fetch_add_explicit(&f->served, 1, memory_order_relaxed);
		}
	}
	return NULL;
}

static char *map_pages(uint64_t pages)
{
	void *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* Small pages on both sides: a 4 KiB fault's floor, not a THP split. */
	madvise(p, pages * PAGE, MADV_NOHUGEPAGE);
	return p;
}

static int open_uffd(int kind)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);

	if (fd < 0)
		return -errno;
	if (kind == FLOOR_MOVE)
		api.features = UFFD_FEATURE_MOVE;
	if (ioctl(fd, UFFDIO_API, &api)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

API int64_t floor_close(struct floor *f);

/* Empties the region again and repopulates MOVE's source; call between passes, outside timing. */
API int64_t floor_reset(struct floor *f)
{
	if (madvise(f->region, f->pages * PAGE, MADV_DONTNEED))
		return -errno;
	if (f->kind == FLOOR_MOVE) {
		/* A populated, written page per region page: what a parked page is. */
		for (uint64_t i = 0; i < f->pages; i++)
			f->src[i * PAGE] = (char)i;
	}
	return 0;
}

/* KERNEL: a plain anonymous region; the kernel serves its faults, nobody counts them. */
static int64_t open_kernel(struct floor *f, struct floor **out)
{
	f->uffd = -1;
	f->region = map_pages(f->pages);
	f->src = map_pages(1);
	if (!f->region || !f->src) {
		floor_close(f);
		return -ENOMEM;
	}
	*out = f;
	return 0;
}

API int64_t floor_open(int32_t kind, int64_t pages, int32_t servers, struct floor **out)
{
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct floor *f;
	int64_t err;

	if (kind < FLOOR_ZEROPAGE || kind > FLOOR_KERNEL || pages <= 0 || servers < 1 || servers > MAX_SERVERS)
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->kind = kind;
	f->pages = pages;
	if (kind == FLOOR_KERNEL)
		return open_kernel(f, out);
	f->uffd = open_uffd(kind);
	if (f->uffd < 0) {
		err = f->uffd;
		free(f);
		return err;
	}
	f->region = map_pages(pages);
	f->src = map_pages(kind == FLOOR_MOVE ? (uint64_t)pages : 1);
	if (!f->region || !f->src) {
		err = -ENOMEM;
		goto fail;
	}
	memset(f->src, 0x5a, PAGE);
	reg.range.start = (uint64_t)f->region;
	reg.range.len = pages * PAGE;
	if (ioctl(f->uffd, UFFDIO_REGISTER, &reg)) {
		err = -errno;
		goto fail;
	}
	err = floor_reset(f);
	if (err)
		goto fail;
	for (; f->started < servers; f->started++) {
		err = -pthread_create(&f->server[f->started], NULL, serve, f);
		if (err)
			goto fail;
	}
	*out = f;
	return 0;
fail:
	floor_close(f);
	return err;
}

API uint64_t floor_base(struct floor *f)
{
	return (uint64_t)f->region;
}

/* Faults answered so far, or minus the number that failed when any did. */
API int64_t floor_served(struct floor *f)
{
	long failed = atomic_load(&f->failed);

	return failed ? -failed : atomic_load(&f->served);
}

API int64_t floor_close(struct floor *f)
{
	for (int i = 0; i < f->started; i++) {
		pthread_cancel(f->server[i]);
		pthread_join(f->server[i], NULL);
	}
	if (f->region)
		munmap(f->region, f->pages * PAGE);
	if (f->src)
		munmap(f->src, (f->kind == FLOOR_MOVE ? f->pages : 1) * PAGE);
	if (f->uffd >= 0)
		close(f->uffd);
	free(f);
	return 0;
}
