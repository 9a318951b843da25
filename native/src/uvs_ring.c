// SPDX-License-Identifier: Apache-2.0
/*
 * uvs_ring.c - completion records from swap-ins to Java (SpscCompletionRing on the Java side).
 *
 * A server is the only producer of its ring and Java's drainer the only consumer; an in-thread
 * fault context's ring has one producer at a time, whoever holds the context's claim (the
 * claim's acquire and release order one holder's records before the next one's).  The server
 * must never wait for Java (a JVM thread blocked in a fault can hold up a safepoint, and the
 * drainer may be the thread stopped at it), so a full ring spills to a lock-free overflow
 * stack instead of blocking.  When the ring passes a quarter full the server pokes drain_fd so
 * the drainer does not have to poll.
 */
#include "uvs_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct uvs_ring *uvs_ring_create(uint32_t capacity)
{
	size_t bytes = sizeof(struct uvs_ring) + (size_t)capacity * sizeof(struct uvs_completion);
	struct uvs_ring *ring = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (ring == MAP_FAILED)
		return NULL;
	madvise(ring, bytes, MADV_DONTFORK);	/* a child has no server to fill it */
	ring->capacity = capacity;
	return ring;
}

static void overflow_push(struct uvs_ctx *ctx, struct uvs_server_stats *st, uint64_t vslot, uint64_t desc)
{
	struct uvs_overflow_node *n = malloc(sizeof(*n));

	if (!n) {
		/*
		 * Out of memory with the ring full.  Dropping the record leaks the slot and what its
		 * descriptor named until the VSwap closes; the page itself is installed already.  A
		 * leak, counted as an ENOMEM error, beats killing the process or waiting for Java.
		 */
		if (st)
			uvs_stats_error(st, ENOMEM);
		return;
	}
	n->rec.vslot = vslot;
	n->rec.desc = desc;
	n->next = atomic_load_explicit(&ctx->overflow, memory_order_relaxed);
	/* release: the record's contents are visible to whoever pops the node */
	while (!atomic_compare_exchange_weak_explicit(&ctx->overflow, &n->next, n,
						      memory_order_release, memory_order_relaxed))
		;
}

static void ring_push(struct uvs_ctx *ctx, struct uvs_server *s, uint64_t vslot, uint64_t desc)
{
	struct uvs_ring *ring = s->ring;
	uint64_t tail = atomic_load_explicit(uvs_atomic64(&ring->tail), memory_order_relaxed);
	/* acquire: Java's reads of the records before head are done, we may overwrite them */
	uint64_t head = atomic_load_explicit(uvs_atomic64(&ring->head), memory_order_acquire);
	uint64_t used = tail - head;

	if (used >= ring->capacity) {
		s->stats->ring_overflows++;
		if (s->inthread)
			/* A signal handler may not malloc: the record is dropped, a counted leak. */
			uvs_stats_error(s->stats, ENOSPC);
		else
			overflow_push(ctx, s->stats, vslot, desc);
	} else {
		struct uvs_completion *rec = &ring->rec[tail & (ring->capacity - 1)];

		rec->vslot = vslot;
		rec->desc = desc;
		/* release: publishes the record to the drainer, which acquire-loads tail */
		atomic_store_explicit(uvs_atomic64(&ring->tail), tail + 1, memory_order_release);
	}
	if (used + 1 == ring->capacity / 4 || used >= ring->capacity) {
		uint64_t one = 1;

		if (write(ctx->drain_fd, &one, sizeof(one)) < 0)
			uvs_stats_error(s->stats, errno);
	}
}

void uvs_sink_push(struct uvs_ctx *ctx, struct uvs_sink *sink, uint64_t vslot, uint64_t desc)
{
	if (sink->server) {
		ring_push(ctx, sink->server, vslot, desc);
	} else if (sink->n < sink->cap) {
		sink->out[sink->n].vslot = vslot;
		sink->out[sink->n].desc = desc;
		sink->n++;
	} else {
		overflow_push(ctx, NULL, vslot, desc);
	}
}

int64_t uvs_drain_overflow(struct uvs_ctx *ctx, struct uvs_completion *buf, int64_t max)
{
	int64_t n = 0;

	while (n < max) {
		/* acquire: pairs with the pushers' release, the node's record is complete */
		struct uvs_overflow_node *top = atomic_load_explicit(&ctx->overflow, memory_order_acquire);

		if (!top)
			break;
		/* Single popper (Java's drainer, under its lock), so no ABA on top->next. */
		if (!atomic_compare_exchange_weak_explicit(&ctx->overflow, &top, top->next,
							   memory_order_acquire, memory_order_relaxed))
			continue;
		buf[n++] = top->rec;
		free(top);
	}
	return n;
}
