// SPDX-License-Identifier: Apache-2.0
/*
 * uvs_ctx.c - the context: configuration, fault-server memory, the region table.
 *
 * The region table is read by servers without locks: a slot is live while its @end is non-zero,
 * and @end is written last (release) on add and first on remove.  Removal then waits until
 * every server has finished the batch it was in (an odd @seq moved on), after which no server
 * can still hold a pointer into the region's page map.
 */
#include "uvs_internal.h"

#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

int64_t uvs_abi_version(void)
{
	return UVS_ABI_VERSION;
}

static int check_config(const struct uvs_config *cfg)
{
	if (cfg->uffd < 0 || cfg->nr_servers < 1 || cfg->nr_servers > UVS_MAX_SERVERS)
		return -EINVAL;
	if (cfg->inthread_contexts < 0 || cfg->inthread_contexts > UVS_MAX_SERVERS - cfg->nr_servers ||
	    (cfg->inthread_contexts && cfg->sigbus_uffd < 0))
		return -EINVAL;
	if (cfg->ring_capacity < 16 || (cfg->ring_capacity & (cfg->ring_capacity - 1)))
		return -EINVAL;
	if (!cfg->desc_base || !cfg->pool_base || !cfg->staging_base || !cfg->staging_pages)
		return -EINVAL;
	return 0;
}

static void free_servers(struct uvs_ctx *ctx)
{
	for (int i = 0; i < UVS_MAX_SERVERS; i++) {
		struct uvs_server *s = &ctx->servers[i];

		if (s->ring)
			munmap(s->ring, sizeof(*s->ring) + s->ring->capacity * sizeof(struct uvs_completion));
		uvs_spill_free(&s->spill);
		uvs_unit_cache_free(&s->unit);
		if (s->stats)
			munmap(s->stats, sizeof(*s->stats));
		if (s->bounce)
			munmap(s->bounce, UVS_PAGE_SIZE);
		if (s->fbuf)
			munmap(s->fbuf, UVS_PAGE_SIZE);
		if (s->ra_buf)
			munmap(s->ra_buf, UVS_AHEAD_BUF);
		if (s->dctx && ctx->cfg.codec.zstd_free_dctx)
			((size_t (*)(void *))ctx->cfg.codec.zstd_free_dctx)(s->dctx);
		uvs_thp_buffer_free(s);
	}
}

static void ctx_free(struct uvs_ctx *ctx)
{
	struct uvs_completion spill[64];

	uvs_direct_free(ctx);
	/* Before the servers' spill queues go: it reads them. */
	while (uvs_drain_overflow(ctx, spill, 64) > 0)
		;
	free_servers(ctx);
	uvs_far_free_all(ctx);
	if (ctx->stop_fd >= 0)
		close(ctx->stop_fd);
	if (ctx->drain_fd >= 0)
		close(ctx->drain_fd);
	if (ctx->reclaim_fd >= 0)
		close(ctx->reclaim_fd);
	pthread_mutex_destroy(&ctx->region_lock);
	free(ctx);
}

/* Never inherited by a fork(): a page shared copy-on-write with a child cannot be moved. */
static void *map_anon(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, bytes, MADV_DONTFORK);
	return p;
}

int64_t uvs_create(const struct uvs_config *cfg, struct uvs_ctx **out)
{
	struct uvs_ctx *ctx;
	int err = check_config(cfg);

	if (err)
		return err;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->cfg = *cfg;
	ctx->nr_inthread = cfg->inthread_contexts;
	ctx->nr_ctx = cfg->nr_servers + cfg->inthread_contexts;
	ctx->live_slot = -1;
	ctx->reclaim_fd = -1;
	ctx->nr_cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (ctx->nr_cpus < 1)
		ctx->nr_cpus = 1;
	pthread_mutex_init(&ctx->region_lock, NULL);
	uvs_files_init(ctx);
	/* Every group starts unknown: no parent, no hold, until uvs_group_set says otherwise. */
	for (int g = 0; g < UVS_MAX_GROUPS; g++) {
		atomic_store_explicit(&ctx->groups[g].parent, -1, memory_order_relaxed);
		atomic_store_explicit(&ctx->groups[g].hold_above, INT64_MAX, memory_order_relaxed);
		atomic_store_explicit(&ctx->groups[g].direct_max, INT64_MAX, memory_order_relaxed);
	}
	ctx->stop_fd = eventfd(0, EFD_CLOEXEC);
	ctx->drain_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ctx->reclaim_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ctx->stop_fd < 0 || ctx->drain_fd < 0 || ctx->reclaim_fd < 0) {
		err = -errno;
		goto fail;
	}
	for (int i = 0; i < ctx->nr_ctx; i++) {
		struct uvs_server *s = &ctx->servers[i];

		s->ctx = ctx;
		s->id = i;
		s->inthread = i >= cfg->nr_servers;
		/* Made now, on a normal thread: a signal handler may not allocate one. */
		if (cfg->codec.zstd_create_dctx)
			s->dctx = ((void *(*)(void))cfg->codec.zstd_create_dctx)();
		s->ring = uvs_ring_create(cfg->ring_capacity);
		s->stats = map_anon(sizeof(*s->stats));
		s->bounce = map_anon(UVS_PAGE_SIZE);
		s->fbuf = map_anon(UVS_PAGE_SIZE);
		s->ra_buf = map_anon(UVS_AHEAD_BUF);
		if (!s->ring || !s->stats || !s->bounce || !s->fbuf || !s->ra_buf || uvs_spill_init(&s->spill) ||
		    uvs_unit_cache_init(&s->unit)) {
			err = -ENOMEM;
			goto fail;
		}
		err = uvs_thp_buffer_init(s);
		if (err)
			goto fail;
	}
	*out = ctx;
	return 0;
fail:
	ctx_free(ctx);
	return err;
}

int64_t uvs_start(struct uvs_ctx *ctx)
{
	int err = uvs_servers_start(ctx);

	if (err)
		uvs_servers_stop(ctx);
	return err;
}

int64_t uvs_destroy(struct uvs_ctx *ctx)
{

	if (!ctx)
		return -EINVAL;
	uvs_sigbus_detach(ctx);		/* no handler may read the context after this */
	uvs_servers_stop(ctx);
	ctx_free(ctx);
	return 0;
}

int64_t uvs_move_mismatches(struct uvs_ctx *ctx)
{
	return ctx ? (int64_t)atomic_load_explicit(&ctx->move_mismatches, memory_order_relaxed) : -EINVAL;
}

int64_t uvs_evict_refused(struct uvs_ctx *ctx)
{
	return ctx ? (int64_t)atomic_load_explicit(&ctx->evict_refused, memory_order_relaxed) : -EINVAL;
}

struct uvs_region *uvs_region_get(struct uvs_ctx *ctx, int32_t id)
{
	if (id < 0 || id >= UVS_MAX_REGIONS)
		return NULL;
	/* acquire: a live @end comes with the @base and @pagemap written before it */
	if (!atomic_load_explicit(&ctx->regions[id].end, memory_order_acquire))
		return NULL;
	return &ctx->regions[id];
}

struct uvs_region *uvs_region_of_addr(struct uvs_ctx *ctx, uint64_t addr)
{
	int32_t hwm = atomic_load_explicit(&ctx->region_hwm, memory_order_acquire);

	for (int32_t i = 0; i < hwm; i++) {
		struct uvs_region *r = &ctx->regions[i];
		/* acquire: pairs with uvs_region_add's release of @end */
		uint64_t end = atomic_load_explicit(&r->end, memory_order_acquire);

		if (end && addr >= r->base && addr < end)
			return r;
	}
	return NULL;
}

int64_t uvs_region_add(struct uvs_ctx *ctx, uint64_t base, uint64_t len, uint64_t *pagemap, uint32_t flags)
{
	uint64_t align = (flags & UVS_REGION_THP) ? (UVS_PAGE_SIZE << 9) : UVS_PAGE_SIZE;
	int64_t id = -ENOSPC;

	if (!len || (base | len) & (align - 1) || !pagemap || base + len < base ||
	    (flags & ~(UVS_REGION_THP | UVS_REGION_INTHREAD | UVS_REGION_FT_WINDOW)))
		return -EINVAL;
	if ((flags & UVS_REGION_INTHREAD) && !ctx->nr_inthread)
		return -EINVAL;
	pthread_mutex_lock(&ctx->region_lock);
	for (int32_t i = 0; i < UVS_MAX_REGIONS; i++) {
		struct uvs_region *r = &ctx->regions[i];

		if (atomic_load_explicit(&r->end, memory_order_relaxed))
			continue;
		r->base = base;
		r->pagemap = pagemap;
		r->flags = flags;
		r->uffd = (flags & UVS_REGION_INTHREAD) ? ctx->cfg.sigbus_uffd : ctx->cfg.uffd;
		atomic_store_explicit(&r->resident, 0, memory_order_relaxed);
		atomic_store_explicit(&r->group, -1, memory_order_relaxed);
		atomic_store_explicit(&r->direct_ok, 1, memory_order_relaxed);
		atomic_store_explicit(&r->direct_hand, 0, memory_order_relaxed);
		atomic_store_explicit(&r->stall_ns, 0, memory_order_relaxed);
		atomic_store_explicit(&r->ra_next, 0, memory_order_relaxed);
		for (int i = 0; i < UVS_RECENT_EXTENTS; i++)
			atomic_store_explicit(&r->recent_ext[i], 0, memory_order_relaxed);
		/* release: servers that see @end see @base and @pagemap */
		atomic_store_explicit(&r->end, base + len, memory_order_release);
		if (i >= atomic_load_explicit(&ctx->region_hwm, memory_order_relaxed))
			atomic_store_explicit(&ctx->region_hwm, i + 1, memory_order_release);
		id = i;
		break;
	}
	pthread_mutex_unlock(&ctx->region_lock);
	return id;
}

int64_t uvs_region_resident(struct uvs_ctx *ctx, int32_t id)
{
	struct uvs_region *r = uvs_region_get(ctx, id);
	int64_t n;

	if (!r)
		return -ENOENT;
	n = atomic_load_explicit(&r->resident, memory_order_relaxed);
	return n < 0 ? 0 : n;	/* a racing evict may subtract before the install's add lands */
}

int64_t uvs_region_stall_ns(struct uvs_ctx *ctx, int32_t id)
{
	struct uvs_region *r = uvs_region_get(ctx, id);

	if (!r)
		return -ENOENT;
	return (int64_t)(atomic_load_explicit(&r->stall_ns, memory_order_relaxed) & INT64_MAX);
}

int64_t uvs_group_throttle(struct uvs_ctx *ctx, int32_t id, int64_t until_ns)
{
	struct uvs_group *grp;

	if (id < 0 || id >= UVS_MAX_GROUPS || until_ns < 0)
		return -EINVAL;
	grp = &ctx->groups[id];
	atomic_store_explicit(&grp->throttle_tid, gettid(), memory_order_relaxed);
	/* release: a server that sees 0 may serve at once; the renewer's tid goes with the lease */
	atomic_store_explicit(&grp->throttle_until, until_ns, memory_order_release);
	return 0;
}

/*
 * Wait until every server that might have seen the region has finished its batch, and every
 * signal handler its fault (an in-thread context's seq is odd while it serves one).
 */
static void quiesce_servers(struct uvs_ctx *ctx)
{
	for (int i = 0; i < ctx->nr_ctx; i++) {
		struct uvs_server *s = &ctx->servers[i];
		uint64_t seq = atomic_load(&s->seq);	/* seq_cst: after our store of @end */

		while ((seq & 1) && atomic_load(&s->seq) == seq)
			sched_yield();
	}
}

int64_t uvs_quiesce(struct uvs_ctx *ctx)
{
	quiesce_servers(ctx);
	return 0;
}

int64_t uvs_region_remove(struct uvs_ctx *ctx, int32_t id)
{
	if (id < 0 || id >= UVS_MAX_REGIONS)
		return -EINVAL;
	pthread_mutex_lock(&ctx->region_lock);
	if (!atomic_load_explicit(&ctx->regions[id].end, memory_order_relaxed)) {
		pthread_mutex_unlock(&ctx->region_lock);
		return -ENOENT;
	}
	atomic_store(&ctx->regions[id].end, 0);	/* seq_cst: ordered before reading server seqs */
	quiesce_servers(ctx);
	/* No fault can reach the region now: what it still holds leaves its group with it. */
	struct uvs_region *r = &ctx->regions[id];

	uvs_charge(ctx, r, -atomic_load_explicit(&r->resident, memory_order_relaxed));
	atomic_store_explicit(&r->group, -1, memory_order_relaxed);
	pthread_mutex_unlock(&ctx->region_lock);
	return 0;
}

/* A group chain is walked at most this deep: Java builds trees, this only bounds a bad one. */

/* Charge (or with @pages < 0 uncharge) the region and every group above it. */
void uvs_charge(struct uvs_ctx *ctx, struct uvs_region *r, int64_t pages)
{
	int32_t g = atomic_load_explicit(&r->group, memory_order_relaxed);

	atomic_fetch_add_explicit(&r->resident, pages, memory_order_relaxed);
	for (int depth = 0; g >= 0 && g < UVS_MAX_GROUPS && depth < UVS_GROUP_DEPTH_MAX; depth++) {
		atomic_fetch_add_explicit(&ctx->groups[g].pages, pages, memory_order_relaxed);
		g = atomic_load_explicit(&ctx->groups[g].parent, memory_order_relaxed);
	}
}

/* Whether a group above @r is past its hold: the next install must wait (uvs_group_set). */
int uvs_group_over(struct uvs_ctx *ctx, struct uvs_region *r)
{
	int32_t g = atomic_load_explicit(&r->group, memory_order_relaxed);

	for (int depth = 0; g >= 0 && g < UVS_MAX_GROUPS && depth < UVS_GROUP_DEPTH_MAX; depth++) {
		struct uvs_group *grp = &ctx->groups[g];

		if (atomic_load_explicit(&grp->pages, memory_order_relaxed) >
		    atomic_load_explicit(&grp->hold_above, memory_order_relaxed))
			return 1;
		g = atomic_load_explicit(&grp->parent, memory_order_relaxed);
	}
	return 0;
}

int64_t uvs_group_set(struct uvs_ctx *ctx, int32_t id, int32_t parent, int64_t hold_above_pages)
{
	if (id < 0 || id >= UVS_MAX_GROUPS || parent < -1 || parent >= UVS_MAX_GROUPS || parent == id ||
	    hold_above_pages < 0)
		return -EINVAL;
	atomic_store_explicit(&ctx->groups[id].parent, parent, memory_order_relaxed);
	atomic_store_explicit(&ctx->groups[id].hold_above, hold_above_pages, memory_order_relaxed);
	return 0;
}

int64_t uvs_group_pages(struct uvs_ctx *ctx, int32_t id)
{
	if (id < 0 || id >= UVS_MAX_GROUPS)
		return -EINVAL;
	int64_t n = atomic_load_explicit(&ctx->groups[id].pages, memory_order_relaxed);

	return n < 0 ? 0 : n;	/* a racing evict may subtract before the install's add lands */
}

int64_t uvs_region_set_group(struct uvs_ctx *ctx, int32_t region, int32_t group)
{
	struct uvs_region *r = uvs_region_get(ctx, region);

	if (!r)
		return -ENOENT;
	if (group < -1 || group >= UVS_MAX_GROUPS)
		return -EINVAL;
	if (atomic_load_explicit(&r->resident, memory_order_relaxed))
		return -EBUSY;
	atomic_store_explicit(&r->group, group, memory_order_relaxed);
	return 0;
}

int64_t uvs_set_reclaimer(struct uvs_ctx *ctx)
{
	atomic_store_explicit(&ctx->reclaimer_tid, gettid(), memory_order_relaxed);
	return 0;
}

/*
 * Wait up to @ts for eventfd @fd to be rung and consume the rings: 1 when it was, 0 on timeout
 * or a signal (the caller looks again either way), or -errno.
 */
static int64_t eventfd_wait(int fd, const struct timespec *ts)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t v;
	int n = ppoll(&pfd, 1, ts, NULL);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (n == 0)
		return 0;
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return -errno;
	return 1;
}

int64_t uvs_reclaimer_wait(struct uvs_ctx *ctx, int64_t timeout_ns)
{
	struct timespec ts = { .tv_sec = timeout_ns / 1000000000, .tv_nsec = timeout_ns % 1000000000 };
	int64_t rung;

	if (timeout_ns < 0)
		return -EINVAL;
	/* seq_cst: a fault that reads 0 here after our store sees us waiting and wakes us */
	atomic_store(&ctx->reclaimer_waiting, 1);
	rung = eventfd_wait(ctx->reclaim_fd, &ts);
	atomic_store(&ctx->reclaimer_waiting, 0);
	return rung;
}

/* Async-signal-safe: a held in-thread fault calls it from the SIGBUS handler. */
int64_t uvs_reclaimer_wake(struct uvs_ctx *ctx)
{
	uint64_t one = 1;

	if (write(ctx->reclaim_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

int64_t uvs_fault_contexts(struct uvs_ctx *ctx)
{
	return ctx ? ctx->nr_ctx : -EINVAL;
}

struct uvs_ring *uvs_server_ring(struct uvs_ctx *ctx, int32_t server)
{
	return server >= 0 && server < ctx->nr_ctx ? ctx->servers[server].ring : NULL;
}

struct uvs_server_stats *uvs_server_stats(struct uvs_ctx *ctx, int32_t server)
{
	return server >= 0 && server < ctx->nr_ctx ? ctx->servers[server].stats : NULL;
}

int64_t uvs_wait_drain(struct uvs_ctx *ctx, int32_t timeout_ms)
{
	struct timespec ts = { .tv_sec = timeout_ms / 1000, .tv_nsec = (timeout_ms % 1000) * 1000000L };

	return eventfd_wait(ctx->drain_fd, timeout_ms < 0 ? NULL : &ts);
}
