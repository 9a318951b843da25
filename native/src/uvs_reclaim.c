// SPDX-License-Identifier: Apache-2.0
/*
 * uvs_reclaim.c - direct reclaim: a fault that would take its group past its limit makes room
 * first, on the faulting path, as the kernel's try_charge reclaims in the charging task
 * (DirectReclaim on the Java side).
 *
 * Why in C: the Java reclaimer stops at every safepoint, and a writer whose fault is held keeps
 * a safepoint from completing, so a hold that waits for Java must lapse and the limit leaks
 * (architecture §6).  A fault server and the faulting thread's SIGBUS handler run through a
 * safepoint; reclaim done there holds the limit whatever the JVM does.
 *
 * A pass takes one extent's resident pages from a region of the group's subtree (a clock hand
 * per region, skipping the extents the region faulted on last), moves them into the context's
 * own staging chunk with uvs_evict (claims, proof of where each page went, a whole extent as
 * one PMD), compresses them with uvs_compress, and stores each into a pool span from the
 * context's magazine: bump allocation, then a CAS CACHE -> ZSWAP or ZERO.  The chunk is zapped
 * with one MADV_DONTNEED.  What Java must know comes back as completion records (uvswap.h).
 *
 * Everything here is async-signal-safe: no allocation (state and magazine are made in
 * advance), no lock; the waits are on C claims only, as everywhere on the fault path.
 */
#include "uvs_swap_table.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define NO_SPAN		(~0ULL)
#define OBJ_ALIGN	16	/* pool objects from direct reclaim: 16-byte aligned, no size classes */
#define SCAN_MAX	64	/* extents a pass looks at before it gives up */
#define PASSES_MAX	8	/* batches one fault reclaims before it falls back to waiting */
#define PER_REGION	8	/* extents looked at in one region before the next one's turn */

/* Views of the magazine's words Java reads and writes too. */
#define MAG(m, f)	uvs_atomic64(&(m)->f)

/* The group above @r whose direct limit one more page would pass, or -1. */
static int32_t over_direct(struct uvs_ctx *ctx, struct uvs_region *r)
{
	int32_t g = atomic_load_explicit(&r->group, memory_order_relaxed);

	for (int depth = 0; g >= 0 && g < UVS_MAX_GROUPS && depth < UVS_GROUP_DEPTH_MAX; depth++) {
		struct uvs_group *grp = &ctx->groups[g];

		/* parked pages are the group's memory too: memoryCurrent counts them */
		if (atomic_load_explicit(&grp->pages, memory_order_relaxed) +
		    atomic_load_explicit(&grp->parked, memory_order_relaxed) >=
		    atomic_load_explicit(&grp->direct_max, memory_order_relaxed))
			return g;
		g = atomic_load_explicit(&grp->parent, memory_order_relaxed);
	}
	return -1;
}

/*
 * Whether a fault on @r finds a group above it at its direct limit still (direct reclaim could
 * not make room in time): it then installs its one page, never a whole extent, so a fault that
 * waited out its cap passes the limit by 4 KiB, not 2 MiB (uvs_thp_serve).
 */
int uvs_direct_over(struct uvs_ctx *ctx, struct uvs_region *r)
{
	/* acquire: pairs with uvs_direct_setup's release */
	return atomic_load_explicit(&ctx->direct_on, memory_order_acquire) && over_direct(ctx, r) >= 0;
}

static int in_subtree(struct uvs_ctx *ctx, int32_t g, int32_t top)
{
	for (int depth = 0; g >= 0 && g < UVS_MAX_GROUPS && depth < UVS_GROUP_DEPTH_MAX; depth++) {
		if (g == top)
			return 1;
		g = atomic_load_explicit(&ctx->groups[g].parent, memory_order_relaxed);
	}
	return 0;
}

/*
 * Whether Java refilled what it could and a batch still cannot run (UVS_MAG_DRY): the pool or
 * the slot space is at its limit, and waiting would not bring a refill.
 */
static int mag_dry(struct uvs_direct *d)
{
	return atomic_load_explicit(MAG(d->mag, want), memory_order_relaxed) == UVS_MAG_DRY;
}

/* Ask Java for a refill: the drainer wakes on drain_fd and fills wanting magazines. */
static void want_refill(struct uvs_ctx *ctx, struct uvs_direct *d)
{
	uint64_t one = 1;

	atomic_store_explicit(MAG(d->mag, want), UVS_MAG_WANT, memory_order_relaxed);
	atomic_fetch_add_explicit(MAG(d->mag, starved), 1, memory_order_relaxed);
	/* A failure means the counter is full: a wake-up is pending anyway. */
	(void)!write(ctx->drain_fd, &one, sizeof(one));
}

/* A batch found the magazine short: 1 when a refill was asked for and may come. */
static int ask_refill(struct uvs_ctx *ctx, struct uvs_direct *d)
{
	if (mag_dry(d))
		return 0;
	want_refill(ctx, d);
	return 1;
}

static uint64_t mag_spans(struct uvs_magazine *m)
{
	/* acquire: the entries Java wrote before it published span_tail */
	return atomic_load_explicit(MAG(m, span_tail), memory_order_acquire) -
	       atomic_load_explicit(MAG(m, span_head), memory_order_relaxed);
}

/* Fill d->vslots[0..n) from the stash, then the magazine; 0 if they hold fewer than n. */
static int take_slots(struct uvs_direct *d, uint32_t n)
{
	struct uvs_magazine *m = d->mag;
	uint64_t head = atomic_load_explicit(MAG(m, slot_head), memory_order_relaxed);
	/* acquire: the entries Java wrote before it published slot_tail */
	uint64_t tail = atomic_load_explicit(MAG(m, slot_tail), memory_order_acquire);
	uint32_t k = 0;

	if (d->nstash + (tail - head) < n)
		return 0;
	while (k < n && d->nstash)
		d->vslots[k++] = d->stash[--d->nstash];
	while (k < n)
		d->vslots[k++] = m->slots[head++ & (UVS_MAG_SLOTS - 1)];
	/* release: our reads of the entries are done before Java refills them */
	atomic_store_explicit(MAG(m, slot_head), head, memory_order_release);
	return 1;
}

static void stash_slot(struct uvs_direct *d, uint64_t vslot)
{
	d->stash[d->nstash++] = vslot;	/* never more than a batch: see take_slots' callers */
}

static void post(struct uvs_server *s, uint64_t tagged, uint64_t desc)
{
	struct uvs_sink sink = { .server = s };

	uvs_sink_push(s->ctx, &sink, tagged, desc);
}

/* Done with the current span: Java frees it once the objects put there are freed. */
static void seal_span(struct uvs_server *s, struct uvs_direct *d)
{
	if (d->span == NO_SPAN)
		return;
	post(s, UVS_COMP_SPAN | d->span, d->span_objects);
	d->span = NO_SPAN;
}

/* Room for @size bytes in the current span or the magazine's next one: its offset, or NO_SPAN. */
static uint64_t span_alloc(struct uvs_server *s, struct uvs_direct *d, uint32_t size)
{
	struct uvs_magazine *m = d->mag;
	uint64_t off;

	if (d->span == NO_SPAN || d->span_used + size > UVS_SPAN_BYTES) {
		uint64_t head = atomic_load_explicit(MAG(m, span_head), memory_order_relaxed);

		if (!mag_spans(m))
			return NO_SPAN;
		seal_span(s, d);
		d->span = m->spans[head & (UVS_MAG_SPANS - 1)];
		/* release: our read of the entry is done before Java refills it */
		atomic_store_explicit(MAG(m, span_head), head + 1, memory_order_release);
		d->span_used = 0;
		d->span_objects = 0;
	}
	off = d->span + d->span_used;
	d->span_used += size;
	d->span_objects++;
	return off;
}

/* Undo the last span_alloc (nothing was allocated after it). */
static void span_undo(struct uvs_direct *d, uint32_t size)
{
	d->span_used -= size;
	d->span_objects--;
}

/* Take @len bytes of @g's pool room; 0 if it has not that much left. */
static int take_room(struct uvs_ctx *ctx, int32_t g, int64_t len)
{
	if (g < 0)
		return 1;
	_Atomic int64_t *room = &ctx->groups[g].pool_room;

	if (atomic_fetch_sub_explicit(room, len, memory_order_relaxed) >= len)
		return 1;
	atomic_fetch_add_explicit(room, len, memory_order_relaxed);
	return 0;
}

static void give_room(struct uvs_ctx *ctx, int32_t g, int64_t len)
{
	if (g >= 0)
		atomic_fetch_add_explicit(&ctx->groups[g].pool_room, len, memory_order_relaxed);
}

/*
 * Store batch entry @i (parked at its staging page, compressed into @page).  1: stored and
 * published; 0: a fault took the page back first (its completion frees the slot); -1: no pool
 * room, the page is still parked.
 */
static int store_entry(struct uvs_server *s, struct uvs_direct *d, int32_t g, uint32_t i, const uint8_t *page)
{
	struct uvs_ctx *ctx = s->ctx;
	const struct uvs_cresult *res = &d->res[i];
	uint64_t vslot = d->vslots[i];
	uint64_t desc = uvs_desc_zero(), off = NO_SPAN;
	uint32_t len = 0, size = 0;

	if (res->kind == UVS_CR_LOST)
		return 0;
	if (res->kind != UVS_CR_ZERO) {
		uint64_t fmt = res->kind == UVS_CR_FILL ? UVS_FMT_FILL : res->kind == UVS_CR_RAW ? UVS_FMT_RAW :
			       res->kind == UVS_CR_ZSTD ? UVS_FMT_ZSTD : UVS_FMT_LZ4;
		const void *src = res->kind == UVS_CR_FILL ? (const void *)&res->fill : (const void *)page;

		len = res->kind == UVS_CR_FILL ? sizeof(res->fill) : res->len;
		size = (len + OBJ_ALIGN - 1) & ~(uint32_t)(OBJ_ALIGN - 1);
		if (!take_room(ctx, g, len))
			return -1;
		off = span_alloc(s, d, size);
		if (off == NO_SPAN) {
			give_room(ctx, g, len);
			return -1;
		}
		memcpy((void *)(uintptr_t)(ctx->cfg.pool_base + off), src, len);
		desc = uvs_desc_from_zswap(uvs_handle_make(off, len, fmt));
	}
	/* The owner Java charges; the stamp is Java's eviction clock as of its last refill. */
	ctx->owner_base[vslot] = (uint32_t)atomic_load_explicit(MAG(d->mag, owner_high), memory_order_relaxed) |
				 (uint32_t)(g < 0 ? 0 : g);
	/* the pool bytes and the owner word come before the descriptor naming them */
	if (uvs_desc_store_parked(uvs_desc_word(ctx, vslot), d->staging_first + i, desc)) {
		post(s, UVS_COMP_STORED | vslot, desc);
		return 1;
	}
	/* Taken back by a fault: undo the bump allocation. */
	if (off != NO_SPAN) {
		span_undo(d, size);
		give_room(ctx, g, len);
	}
	return 0;
}

/* No room for entry @i: bring its page back into the region the way a fault would. */
static void put_back(struct uvs_server *s, struct uvs_direct *d, struct uvs_region *v, uint32_t i)
{
	struct uvs_sink sink = { .server = s };
	uint64_t addr = v->base + (d->pages[i] << UVS_PAGE_SHIFT);
	long waited_ms = 0;
	int kind;

	atomic_fetch_add_explicit(MAG(d->mag, put_back), 1, memory_order_relaxed);
	/* Errors that pass are retried; the page stays parked (and served from there) meanwhile. */
	while (uvs_resolve_page(s->ctx, v, addr, 1, &sink, s->stats, &kind) && waited_ms < UVS_RETRY_MAX_MS) {
		uvs_sleep_ms(1);
		waited_ms++;
	}
}

/*
 * Reclaim the resident pages of extent [first, first + n) of region @rid: 0 if it had none,
 * the pages that left memory, or -EAGAIN when the magazine is short.
 */
static int64_t reclaim_extent(struct uvs_server *s, struct uvs_direct *d, int32_t rid, struct uvs_region *v,
			      uint64_t first, uint32_t n)
{
	struct uvs_ctx *ctx = s->ctx;
	int32_t g = atomic_load_explicit(&v->group, memory_order_relaxed);
	int64_t used, gone = 0;
	int64_t err;

	if (!take_slots(d, n))
		return -EAGAIN;
	used = uvs_evict(ctx, rid, first, n, d->vslots, d->staging_first, d->pages);
	for (uint32_t i = used < 0 ? 0 : (uint32_t)used; i < n; i++)
		stash_slot(d, d->vslots[i]);
	if (used <= 0) {
		atomic_store_explicit(MAG(d->mag, stashed), d->nstash, memory_order_relaxed);
		return used;
	}
	for (int64_t i = 0; i < used; i++)
		if (d->pages[i] == UVS_NO_PAGE)
			stash_slot(d, d->vslots[i]);	/* never left: uvs_evict reset its descriptor */
	for (int64_t i0 = 0; i0 < used; i0 += UVS_DIRECT_SCRATCH) {
		uint32_t n = (uint32_t)(used - i0 < UVS_DIRECT_SCRATCH ? used - i0 : UVS_DIRECT_SCRATCH);

		err = uvs_compress_with(ctx, d->vslots + i0, n, d->staging_first + (uint64_t)i0, ctx->direct_codec,
					d->cctx, NULL, d->scratch, d->res + i0);
		for (int64_t i = i0; i < i0 + n; i++) {
			if (d->pages[i] == UVS_NO_PAGE)
				continue;
			int stored = err < 0 ? -1 : store_entry(s, d, g, (uint32_t)i,
								d->scratch + ((size_t)(i - i0) << UVS_PAGE_SHIFT));

			if (stored < 0)
				put_back(s, d, v, (uint32_t)i);
			else
				gone += stored;
		}
	}
	/*
	 * Every page of the chunk is now stored (its copy here is garbage), back in its region, or
	 * was taken by a fault: one zap for the whole batch.
	 */
	madvise(uvs_staging_page(ctx, d->staging_first), (size_t)used << UVS_PAGE_SHIFT, MADV_DONTNEED);
	atomic_store_explicit(MAG(d->mag, stashed), d->nstash, memory_order_relaxed);
	return gone;
}

/* Whether extent @ext of @v was faulted on lately (the region's recent extents): hot, skip it. */
static int recently_faulted(struct uvs_region *v, uint64_t ext)
{
	for (int i = 0; i < UVS_RECENT_EXTENTS; i++)
		if (atomic_load_explicit(&v->recent_ext[i], memory_order_relaxed) == ext + 1)
			return 1;
	return 0;
}

/*
 * Up to PER_REGION extents of region @rid from its hand: the first that yields pages.  With
 * @skip_hot the extent being faulted on and the region's recent ones are passed over.
 */
static int64_t reclaim_region(struct uvs_server *s, struct uvs_direct *d, int32_t rid, struct uvs_region *v,
			      uint64_t fault_ext, int skip_hot, int *scanned)
{
	uint64_t end = atomic_load_explicit(&v->end, memory_order_acquire);
	uint64_t pages = end ? (end - v->base) >> UVS_PAGE_SHIFT : 0;
	uint64_t extents = (pages + UVS_EXTENT_PAGES - 1) / UVS_EXTENT_PAGES;

	for (int k = 0; k < PER_REGION && extents && *scanned < SCAN_MAX; k++) {
		uint64_t ext = atomic_fetch_add_explicit(&v->direct_hand, 1, memory_order_relaxed) % extents;
		uint64_t first = ext * UVS_EXTENT_PAGES;
		uint32_t n = (uint32_t)(pages - first < UVS_EXTENT_PAGES ? pages - first : UVS_EXTENT_PAGES);

		(*scanned)++;
		if (skip_hot && (ext == fault_ext || recently_faulted(v, ext)))
			continue;
		int64_t got = reclaim_extent(s, d, rid, v, first, n);
		if (got)
			return got;
	}
	return 0;
}

/* One batch from @top's subtree, regions in turn: pages that left, 0 if none could, or -EAGAIN. */
static int64_t reclaim_round(struct uvs_server *s, struct uvs_direct *d, int32_t top, struct uvs_region *r,
			     uint64_t addr, int skip_hot)
{
	struct uvs_ctx *ctx = s->ctx;
	/* acquire: pairs with uvs_region_add's release of the high-water mark */
	int32_t hwm = atomic_load_explicit(&ctx->region_hwm, memory_order_acquire);
	uint32_t start = atomic_fetch_add_explicit(&ctx->groups[top].direct_cursor, 1, memory_order_relaxed);
	int scanned = 0;

	for (int32_t k = 0; k < hwm && scanned < SCAN_MAX; k++) {
		int32_t rid = (int32_t)((start + (uint32_t)k) % (uint32_t)hwm);
		struct uvs_region *v = uvs_region_get(ctx, rid);

		int32_t g = v ? atomic_load_explicit(&v->group, memory_order_relaxed) : -1;

		if (!v || !atomic_load_explicit(&v->direct_ok, memory_order_relaxed) || !in_subtree(ctx, g, top))
			continue;
		/* A group at its zswapMax would have every page put back: not a victim. */
		if (g >= 0 && atomic_load_explicit(&ctx->groups[g].pool_room, memory_order_relaxed) < UVS_SPAN_BYTES)
			continue;
		uint64_t fault_ext = v == r ? ((addr - r->base) >> UVS_PAGE_SHIFT) / UVS_EXTENT_PAGES : ~0ULL;
		int64_t got = reclaim_region(s, d, rid, v, fault_ext, skip_hot, &scanned);

		atomic_fetch_add_explicit(MAG(d->mag, scanned), (uint64_t)scanned, memory_order_relaxed);
		if (got)
			return got;
	}
	return 0;
}

/*
 * One batch: cold extents first; when every extent the round looked at was hot (a group whose
 * pages all sit in the extents it faults on, a small region), the hot ones too, as memcg's
 * reclaim falls back to the active list.
 */
static int64_t reclaim_pass(struct uvs_server *s, struct uvs_direct *d, int32_t top, struct uvs_region *r,
			    uint64_t addr)
{
	int64_t got = reclaim_round(s, d, top, r, addr, 1);

	return got ? got : reclaim_round(s, d, top, r, addr, 0);
}

/*
 * Whether a batch can run to its end: slots and a span.  Not ring room: a record the ring cannot
 * take goes to the context's spill queue (uvs_ring.c) without a wait, so a drainer starved of
 * CPU no longer stops the faults that keep memoryMax.
 */
static int ready(struct uvs_direct *d)
{
	struct uvs_magazine *m = d->mag;
	uint64_t slots = atomic_load_explicit(MAG(m, slot_tail), memory_order_acquire) -
			 atomic_load_explicit(MAG(m, slot_head), memory_order_relaxed);

	return d->nstash + slots >= UVS_BATCH_MAX && (mag_spans(m) || d->span != NO_SPAN);
}

/*
 * Called on the faulting path before a page is installed on region @r at @addr: while the
 * install would take a group above @r past its direct limit, reclaim a batch of that group's
 * pages.  1 when reclaim ran and made room (install at once); -EAGAIN when a group is still
 * over and the magazine ran short (Java was asked for a refill: the caller waits
 * and calls again, uvs_fault.c's inthread_direct and still_waits); 0 otherwise: no group was over, or nothing could leave,
 * and the caller applies the hold as before (uvs_group_set).
 */
int uvs_direct_reclaim(struct uvs_server *s, struct uvs_region *r, uint64_t addr)
{
	struct uvs_ctx *ctx = s->ctx;
	struct uvs_direct *d = s->direct;
	int32_t top;
	uint64_t t0;
	int passes = 0, starved = 0;

	/* acquire: pairs with uvs_direct_setup's release; the contexts' state is set */
	if (!d || !atomic_load_explicit(&ctx->direct_on, memory_order_acquire))
		return 0;
	top = over_direct(ctx, r);
	if (top < 0)
		return 0;
	t0 = uvs_now_ns();
	while (top >= 0 && passes < PASSES_MAX) {
		int64_t got;

		if (!ready(d)) {
			starved = ask_refill(ctx, d);
			break;
		}
		got = reclaim_pass(s, d, top, r, addr);
		if (got == -EAGAIN) {
			starved = ask_refill(ctx, d);
			break;
		}
		passes++;
		if (got <= 0)
			break;
		atomic_fetch_add_explicit(MAG(d->mag, reclaimed), (uint64_t)got, memory_order_relaxed);
		atomic_fetch_add_explicit(&ctx->groups[top].direct_pages, got, memory_order_relaxed);
		top = over_direct(ctx, r);
	}
	/* Keep the refill ahead of us: a magazine below half asks now, not when it is empty. */
	if (atomic_load_explicit(MAG(d->mag, slot_tail), memory_order_relaxed) -
	    atomic_load_explicit(MAG(d->mag, slot_head), memory_order_relaxed) < UVS_MAG_SLOTS / 2 ||
	    mag_spans(d->mag) < UVS_MAG_SPANS / 4)
		atomic_store_explicit(MAG(d->mag, want), UVS_MAG_WANT, memory_order_relaxed);
	atomic_fetch_add_explicit(MAG(d->mag, passes), (uint64_t)passes, memory_order_relaxed);
	atomic_fetch_add_explicit(MAG(d->mag, reclaim_ns), uvs_now_ns() - t0, memory_order_relaxed);
	if (top < 0)
		return passes > 0;
	return starved ? -EAGAIN : 0;
}

int64_t uvs_direct_setup(struct uvs_ctx *ctx, uint64_t owner_base, int32_t codec, const uint64_t *staging_chunks,
			 int32_t n)
{
	if (!ctx || !owner_base || n != ctx->nr_ctx || (codec != UVS_CODEC_ZSTD && codec != UVS_CODEC_LZ4))
		return -EINVAL;
	if (atomic_load_explicit(&ctx->direct_on, memory_order_relaxed))
		return -EBUSY;
	for (int i = 0; i < n; i++)
		if (staging_chunks[i] % UVS_EXTENT_PAGES || staging_chunks[i] + UVS_EXTENT_PAGES > ctx->cfg.staging_pages)
			return -EINVAL;
	if (codec == UVS_CODEC_ZSTD && !ctx->cfg.codec.zstd_compress2)
		return -ENOSYS;
	if (codec == UVS_CODEC_LZ4 && !ctx->cfg.codec.lz4_compress_default)
		return -ENOSYS;
	for (int i = 0; i < n; i++) {
		struct uvs_server *s = &ctx->servers[i];
		struct uvs_direct *d = mmap(NULL, sizeof(*d), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (d == MAP_FAILED) {
			uvs_direct_free(ctx);
			return -ENOMEM;
		}
		madvise(d, sizeof(*d), MADV_DONTFORK);
		d->mag = mmap(NULL, sizeof(*d->mag), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (d->mag == MAP_FAILED) {
			munmap(d, sizeof(*d));
			uvs_direct_free(ctx);
			return -ENOMEM;
		}
		madvise(d->mag, sizeof(*d->mag), MADV_DONTFORK);
		d->scratch = mmap(NULL, (size_t)UVS_DIRECT_SCRATCH << UVS_PAGE_SHIFT, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (d->scratch == MAP_FAILED) {
			munmap(d->mag, sizeof(*d->mag));
			munmap(d, sizeof(*d));
			uvs_direct_free(ctx);
			return -ENOMEM;
		}
		madvise(d->scratch, (size_t)UVS_DIRECT_SCRATCH << UVS_PAGE_SHIFT, MADV_DONTFORK);
		d->staging_first = staging_chunks[i];
		d->span = NO_SPAN;
		d->cctx = codec == UVS_CODEC_ZSTD ? uvs_codec_cctx_create(ctx) : NULL;
		s->direct = d;
	}
	ctx->owner_base = (uint32_t *)(uintptr_t)owner_base;
	ctx->direct_codec = codec;
	/* release: the contexts' state and the owner table before any fault reclaims */
	atomic_store_explicit(&ctx->direct_on, 1, memory_order_release);
	return 0;
}

struct uvs_magazine *uvs_magazine(struct uvs_ctx *ctx, int32_t i)
{
	if (!ctx || i < 0 || i >= ctx->nr_ctx || !ctx->servers[i].direct)
		return NULL;
	return ctx->servers[i].direct->mag;
}

void uvs_direct_free(struct uvs_ctx *ctx)
{
	for (int i = 0; i < UVS_MAX_SERVERS; i++) {
		struct uvs_direct *d = ctx->servers[i].direct;

		if (!d)
			continue;
		uvs_codec_cctx_free(ctx, d->cctx);
		munmap(d->scratch, (size_t)UVS_DIRECT_SCRATCH << UVS_PAGE_SHIFT);
		munmap(d->mag, sizeof(*d->mag));
		munmap(d, sizeof(*d));
		ctx->servers[i].direct = NULL;
	}
}

int64_t uvs_group_direct(struct uvs_ctx *ctx, int32_t id, int64_t max_pages, int64_t pool_room)
{
	if (id < 0 || id >= UVS_MAX_GROUPS || max_pages < 0)
		return -EINVAL;
	atomic_store_explicit(&ctx->groups[id].pool_room, pool_room, memory_order_relaxed);
	atomic_store_explicit(&ctx->groups[id].direct_max, max_pages, memory_order_relaxed);
	return 0;
}

int64_t uvs_group_direct_pages(struct uvs_ctx *ctx, int32_t id)
{
	if (id < 0 || id >= UVS_MAX_GROUPS)
		return -EINVAL;
	return atomic_load_explicit(&ctx->groups[id].direct_pages, memory_order_relaxed);
}

int64_t uvs_group_parked(struct uvs_ctx *ctx, int32_t id, int64_t delta)
{
	int32_t g = id;

	if (!ctx || id < 0 || id >= UVS_MAX_GROUPS)
		return -EINVAL;
	for (int depth = 0; g >= 0 && g < UVS_MAX_GROUPS && depth < UVS_GROUP_DEPTH_MAX; depth++) {
		atomic_fetch_add_explicit(&ctx->groups[g].parked, delta, memory_order_relaxed);
		g = atomic_load_explicit(&ctx->groups[g].parent, memory_order_relaxed);
	}
	return 0;
}

int64_t uvs_region_direct(struct uvs_ctx *ctx, int32_t id, int32_t allowed)
{
	struct uvs_region *r = uvs_region_get(ctx, id);

	if (!r)
		return -ENOENT;
	atomic_store_explicit(&r->direct_ok, allowed != 0, memory_order_relaxed);
	return 0;
}
