// SPDX-License-Identifier: Apache-2.0
/*
 * uvs_ring.c - completion records from swap-ins to Java (SpscCompletionRing on the Java side).
 *
 * A server is the only producer of its ring and Java's drainer the only consumer; an in-thread
 * fault context's ring has one producer at a time, whoever holds the context's claim (the
 * claim's acquire and release order one holder's records before the next one's).  A context
 * must never wait for Java (a JVM thread blocked in a fault can hold up a safepoint, and the
 * drainer may be the thread stopped at it), so a full ring spills to the context's spill
 * queue instead of blocking, and nothing is dropped while the kernel has memory: an in-thread
 * context is a signal handler, so the queue grows by raw mmap, never malloc.  When the ring
 * passes a quarter full the context pokes drain_fd so the drainer does not have to poll.
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

/* A record of a sink with no context (a Java thread's uvs_populate): malloc may be called. */
static void overflow_push(struct uvs_ctx *ctx, uint64_t vslot, uint64_t desc)
{
	struct uvs_overflow_node *n = malloc(sizeof(*n));

	if (!n) {
		/*
		 * Out of memory.  Dropping the record leaks the slot and what its descriptor named
		 * until the VSwap closes; the page itself is installed already.  A leak beats
		 * killing the process; the caller's thread carries no stats to count it in.
		 */
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

/*
 * A fresh chunk: a raw anonymous mmap, which holds no libc lock and touches no libc state but
 * errno (the SIGBUS handler restores it), so a signal handler may call it where it may not
 * call malloc.  The kernel zeroes it: n = 0, next = NULL.
 */
static struct uvs_spill_chunk *spill_chunk_map(void)
{
	void *p = mmap(NULL, UVS_SPILL_CHUNK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int uvs_spill_init(struct uvs_spill *sp)
{
	sp->head = sp->tail = spill_chunk_map();
	sp->pos = 0;
	atomic_init(&sp->spare, NULL);
	return sp->head ? 0 : -ENOMEM;
}

/* After the producer and the consumer are gone: unmaps every chunk. */
void uvs_spill_free(struct uvs_spill *sp)
{
	struct uvs_spill_chunk *c = sp->head, *spare = atomic_load(&sp->spare);

	while (c) {
		struct uvs_spill_chunk *next = atomic_load_explicit(&c->next, memory_order_relaxed);

		munmap(c, UVS_SPILL_CHUNK_BYTES);
		c = next;
	}
	if (spare)
		munmap(spare, UVS_SPILL_CHUNK_BYTES);
	sp->head = sp->tail = NULL;
}

/* The producer's next chunk: the spare the consumer left, reset, or a fresh one. */
static struct uvs_spill_chunk *spill_chunk_next(struct uvs_spill *sp)
{
	/* acquire: the consumer's reads of the spare's records are done before it gave it */
	struct uvs_spill_chunk *c = atomic_exchange_explicit(&sp->spare, NULL, memory_order_acquire);

	if (!c)
		return spill_chunk_map();
	/* relaxed: the release that links the chunk publishes these */
	atomic_store_explicit(&c->n, 0, memory_order_relaxed);
	atomic_store_explicit(&c->next, NULL, memory_order_relaxed);
	return c;
}

/* The context's holder: never waits; -ENOMEM only if the kernel has no page for a chunk. */
static int spill_push(struct uvs_spill *sp, uint64_t vslot, uint64_t desc)
{
	struct uvs_spill_chunk *c = sp->tail;
	/* relaxed: only the producer writes n */
	uint32_t n = atomic_load_explicit(&c->n, memory_order_relaxed);

	if (n == UVS_SPILL_RECS) {
		struct uvs_spill_chunk *next = spill_chunk_next(sp);

		if (!next)
			return -ENOMEM;
		/* release: the consumer that follows the link sees the chunk reset */
		atomic_store_explicit(&c->next, next, memory_order_release);
		sp->tail = c = next;
		n = 0;
	}
	c->rec[n].vslot = vslot;
	c->rec[n].desc = desc;
	/* release: the record is complete before the consumer counts it */
	atomic_store_explicit(&c->n, n + 1, memory_order_release);
	return 0;
}

/* The consumer: a finished chunk becomes the spare (the older spare, if any, is unmapped). */
static void spill_recycle(struct uvs_spill *sp, struct uvs_spill_chunk *c)
{
	/* release: our reads of c are done before the producer reuses it */
	struct uvs_spill_chunk *old = atomic_exchange_explicit(&sp->spare, c, memory_order_release);

	if (old)
		munmap(old, UVS_SPILL_CHUNK_BYTES);
}

/* The consumer (uvs_drain_overflow, one caller at a time): up to @max records into @buf. */
static int64_t spill_drain(struct uvs_spill *sp, struct uvs_completion *buf, int64_t max)
{
	int64_t k = 0;

	while (sp->head && k < max) {
		struct uvs_spill_chunk *c = sp->head, *next;
		/* acquire: pairs with the producer's release of n, the records are complete */
		uint32_t n = atomic_load_explicit(&c->n, memory_order_acquire);

		while (sp->pos < n && k < max)
			buf[k++] = c->rec[sp->pos++];
		if (sp->pos < UVS_SPILL_RECS)
			break;
		/* acquire: pairs with the producer's release of the link (the chunk is reset) */
		next = atomic_load_explicit(&c->next, memory_order_acquire);
		if (!next)
			break;
		sp->head = next;
		sp->pos = 0;
		spill_recycle(sp, c);	/* the producer moved on to next: c is no longer its */
	}
	return k;
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
		/* A leak of the slot and its backend, counted: the kernel had no page for a chunk. */
		if (spill_push(&s->spill, vslot, desc))
			uvs_stats_error(s->stats, ENOMEM);
	} else {
		struct uvs_completion *rec = &ring->rec[tail & (ring->capacity - 1)];

		rec->vslot = vslot;
		rec->desc = desc;
		/* release: publishes the record to the drainer, which acquire-loads tail */
		atomic_store_explicit(uvs_atomic64(&ring->tail), tail + 1, memory_order_release);
	}
	/* A quarter full, and then every 1024th spilled record: one write, not one a record. */
	if (used + 1 == ring->capacity / 4 || (used >= ring->capacity && !(s->stats->ring_overflows & 1023))) {
		uint64_t one = 1;

		if (write(ctx->drain_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
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
		overflow_push(ctx, vslot, desc);
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
	for (int i = 0; i < ctx->nr_ctx && n < max; i++)
		n += spill_drain(&ctx->servers[i].spill, buf + n, max - n);
	return n;
}
