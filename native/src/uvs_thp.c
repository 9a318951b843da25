// SPDX-License-Identifier: Apache-2.0
/*
 * uvs_thp.c - whole 2 MiB extents served as one huge page.  The servers decide alone; Java
 * only reads why an extent fell back (ThpFallback, from uvs_server_stats.thp_fallback).
 *
 * UFFDIO_COPY of 2 MiB installs 512 small pages; only UFFDIO_MOVE of a PMD-mapped THP keeps a
 * huge mapping.  So a server assembles the extent in a private, unregistered MADV_HUGEPAGE
 * buffer (each page from its own backend: zero, pool, swap cache) and moves the buffer's PMD
 * into the region in one ioctl.  Used for the first touch of an untouched extent, and for a
 * fault on an extent that left memory whole (UVS_PM_THP on every word) and is still all out.
 *
 * Every page-map word of the extent is claimed first, then every descriptor, so the extent is
 * stable while it is assembled; anything that does not fit falls back to 4 KiB service.
 */
#include "uvs_swap_table.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define EXT_PAGES	UVS_EXTENT_PAGES
#define EXT_SIZE	((uint64_t)EXT_PAGES << UVS_PAGE_SHIFT)

struct extent {
	uint64_t base;				/* address of the extent */
	_Atomic uint64_t *pm;			/* its 512 page-map words */
	uint64_t seen[EXT_PAGES];		/* the words as claimed (without BUSY) */
	uint64_t desc[EXT_PAGES];		/* the descriptors as claimed (swap-in) */
};

static void fallback(struct uvs_server *s, int reason)
{
	s->stats->thp_fallback[reason]++;
}

/* 1 if any page of the extent is present, 0 if none, -errno if mincore failed. */
static int extent_present(uint64_t base)
{
	unsigned char vec[EXT_PAGES];

	if (mincore((void *)(uintptr_t)base, EXT_SIZE, vec))
		return -errno;
	for (int i = 0; i < EXT_PAGES; i++)
		if (vec[i] & 1)
			return 1;
	return 0;
}

/* Release words [from, to) unchanged. */
static void unclaim_words(struct extent *e, int from, int to)
{
	for (int i = from; i < to; i++)
		/* release: nothing changed under our claim */
		atomic_store_explicit(&e->pm[i], e->seen[i], memory_order_release);
}

static void unclaim_descs(struct uvs_ctx *ctx, struct extent *e, int from, int to)
{
	for (int i = from; i < to; i++)
		/* the backend is untouched */
		uvs_desc_restore(uvs_desc_word(ctx, uvs_pm_to_vslot(e->seen[i])), e->desc[i]);
}

/*
 * Snapshot the words: all 0 for a first touch, all THP-flagged and unclaimed for a swap-in.
 * Returns 1 if eligible, 0 if not (reason in *why, -1 for "not a THP case at all").
 */
static int snapshot(struct extent *e, int swapin, int *why)
{
	for (int i = 0; i < EXT_PAGES; i++) {
		/* acquire: a slot named here has its descriptor published */
		uint64_t v = atomic_load_explicit(&e->pm[i], memory_order_acquire);

		if (uvs_pm_busy(v)) {
			*why = UVS_THP_FB_BUSY;
			return 0;
		}
		if (swapin ? !(v & UVS_PM_THP) : v != 0) {
			*why = swapin ? UVS_THP_FB_MIXED : -1;
			return 0;
		}
		e->seen[i] = v;
	}
	return 1;
}

static int claim_words(struct extent *e)
{
	for (int i = 0; i < EXT_PAGES; i++) {
		uint64_t expect = e->seen[i];

		/* acquire: the page's residency is ours until the release in finish() */
		if (!atomic_compare_exchange_strong_explicit(&e->pm[i], &expect, e->seen[i] | UVS_PM_BUSY,
							     memory_order_acquire, memory_order_relaxed)) {
			unclaim_words(e, 0, i);
			return 0;
		}
	}
	return 1;
}

/* Claim every descriptor; 0 (all released again) if one names a backend we cannot read here. */
static int claim_descs(struct uvs_server *s, struct extent *e)
{
	struct uvs_ctx *ctx = s->ctx;

	for (int i = 0; i < EXT_PAGES; i++) {
		/* the backend is ours to read until finish() */
		uint64_t d = uvs_desc_claim_used(uvs_desc_word(ctx, uvs_pm_to_vslot(e->seen[i])), s->stats);

		if (uvs_desc_is_none(d)) {
			unclaim_descs(ctx, e, 0, i);
			return 0;
		}
		e->desc[i] = d;
	}
	return 1;
}

/* Fill the buffer: a zeroed huge page, then each page from its backend (zero pages need nothing). */
static int assemble(struct uvs_server *s, struct extent *e, int swapin)
{
	uint8_t *buf = s->thp_buf;

	if (madvise(buf, EXT_SIZE, MADV_POPULATE_WRITE))
		return -errno;
	if (!swapin)
		return 0;
	for (int i = 0; i < EXT_PAGES; i++) {
		uint8_t *dst = buf + ((size_t)i << UVS_PAGE_SHIFT);
		int cause;

		/*
		 * A file page only from the page cache: 512 claims are held here, and a disk round
		 * trip per page would stall every other fault on the extent (and the servers that
		 * wait on its claims).  An uncached page sends the extent to 4 KiB service, whose
		 * reads start the file's readahead.  A zero page needs nothing.
		 */
		int err = uvs_swapin_read(s->ctx, e->desc[i], dst, s->fbuf, s->dctx, &s->unit, UVS_READ_NOWAIT,
					  &cause);

		if (err)
			return err;
	}
	return 0;
}

/*
 * An extent parked whole sits in one aligned staging chunk, in order: its PMD can move straight
 * back, with no copy.  Returns the chunk's address, or 0.
 */
static uint64_t parked_whole(struct uvs_ctx *ctx, struct extent *e)
{
	uint64_t first = uvs_desc_to_staging(e->desc[0]);

	if (!uvs_desc_is_cache(e->desc[0]) || first % EXT_PAGES)
		return 0;
	for (int i = 0; i < EXT_PAGES; i++)
		if (e->desc[i] != uvs_desc_from_cache(first + (uint64_t)i))
			return 0;
	return (uint64_t)(uintptr_t)uvs_staging_page(ctx, first);
}

/*
 * Pages whose @where is UVS_AT_DST are in the region now: finish them; put the rest back as
 * they were (their data is still in its backend, or in staging).  Returns how many moved.
 */
static int finish(struct uvs_server *s, struct extent *e, int swapin, const uint8_t *where)
{
	struct uvs_ctx *ctx = s->ctx;
	struct uvs_sink sink = { .server = s };
	int installed = 0;

	for (int i = 0; i < EXT_PAGES; i++) {
		if (where[i] != UVS_AT_DST) {
			if (swapin)
				unclaim_descs(ctx, e, i, i + 1);
			unclaim_words(e, i, i + 1);
			continue;
		}
		installed++;
		if (swapin) {
			uint64_t vslot = uvs_pm_to_vslot(e->seen[i]);

			/* the slot is empty; Java frees what the old descriptor named */
			uvs_desc_consume(uvs_desc_word(ctx, vslot));
			uvs_sink_push(ctx, &sink, vslot, e->desc[i]);
		}
		/* release: resident again, evictors may claim it */
		atomic_store_explicit(&e->pm[i], 0, memory_order_release);
	}
	return installed;
}

/*
 * Where the extent's pages are after the move, in @where (UVS_AT_DST: in the region), proven
 * with mincore rather than taken from the move's result (see uvs_page_whereabouts).  Only
 * pages proven gone from @src may be finished: their slots are emptied and backends freed next.
 */
static int settle(struct uvs_ctx *ctx, struct extent *e, uint64_t src, int err, uint64_t moved, uint8_t *where)
{
	int installed = 0;

	if (uvs_page_whereabouts(src, e->base, EXT_PAGES, where)) {
		/* Unprovable: nothing is finished; a page that did move stays mapped under its slot. */
		memset(where, UVS_AT_SRC, EXT_PAGES);
		return 0;
	}
	for (int i = 0; i < EXT_PAGES; i++) {
		int reported = !err || (uint64_t)i < (moved >> UVS_PAGE_SHIFT);

		installed += where[i] == UVS_AT_DST;
		if (reported != (where[i] == UVS_AT_DST))
			atomic_fetch_add_explicit(&ctx->move_mismatches, 1, memory_order_relaxed);
	}
	return installed;
}

/*
 * Note a fault on extent @ext; returns whether it continues recent access: this extent or a
 * neighbour was faulted on among the region's last few faults (a sequential scan, forwards or
 * backwards, by up to UVS_RECENT_EXTENTS threads, or a dense hot spot).  Relaxed: a hint.
 */
static int note_extent(struct uvs_region *r, uint64_t ext)
{
	int near = 0;

	for (int i = 0; i < UVS_RECENT_EXTENTS; i++) {
		uint64_t prev = atomic_load_explicit(&r->recent_ext[i], memory_order_relaxed);

		/* stored +1, so 0 means none and extent 0's left neighbour is never matched */
		near |= prev && (prev == ext + 1 || prev == ext || prev == ext + 2);
	}
	uint32_t k = atomic_fetch_add_explicit(&r->recent_next, 1, memory_order_relaxed);

	atomic_store_explicit(&r->recent_ext[k % UVS_RECENT_EXTENTS], ext + 1, memory_order_relaxed);
	return near;
}

/* Whether the faulting page is parked in the swap cache: its extent comes back by a move, no copy. */
static int parked(struct uvs_ctx *ctx, uint64_t w)
{
	return uvs_desc_is_cache(uvs_desc_load(uvs_desc_word(ctx, uvs_pm_to_vslot(w))));
}

/*
 * Serve the fault at @addr with the whole extent if it is eligible.  Returns 1 when the faulting
 * page is present afterwards, 0 to fall back to 4 KiB service.
 */
int uvs_thp_serve(struct uvs_server *s, struct uvs_region *r, uint64_t addr, int *kind)
{
	struct extent *e = s->thp_extent;
	uint64_t w;
	uint64_t moved = 0, src;
	uint8_t where[EXT_PAGES];
	int swapin, why, err, installed;

	if (!(r->flags & UVS_REGION_THP) || !s->thp_buf)
		return 0;
	int near = note_extent(r, (addr - r->base) / EXT_SIZE);
	e->base = addr & ~(EXT_SIZE - 1);
	e->pm = uvs_atomic64(&r->pagemap[(e->base - r->base) >> UVS_PAGE_SHIFT]);
	w = atomic_load_explicit(&e->pm[(addr - e->base) >> UVS_PAGE_SHIFT], memory_order_acquire);
	if (w != 0 && !(w & UVS_PM_THP))
		return 0;	/* a page that went out on its own */
	swapin = w != 0;
	if (uvs_direct_over(s->ctx, r)) {
		if (swapin)
			fallback(s, UVS_THP_FB_LIMIT);
		return 0;
	}
	/*
	 * A whole-extent swap-in pays when the rest of the extent will be touched soon: access
	 * that continues a run, or an extent parked in the swap cache (its pages are in memory
	 * already; one move brings them all back).  A scattered touch gets its page only.
	 */
	if (swapin && !near && !parked(s->ctx, w)) {
		fallback(s, UVS_THP_FB_SCATTERED);
		return 0;
	}
	if (!snapshot(e, swapin, &why)) {
		if (why >= 0)
			fallback(s, why);
		return 0;
	}
	why = extent_present(e->base);
	if (why != 0) {
		if (swapin)
			fallback(s, why > 0 ? UVS_THP_FB_PRESENT : UVS_THP_FB_ERROR);
		return 0;
	}
	if (!claim_words(e)) {
		if (swapin)
			fallback(s, UVS_THP_FB_BUSY);
		return 0;
	}
	/* Again under the claims: a page installed between the check and the claims needed a word. */
	if (extent_present(e->base) != 0) {
		unclaim_words(e, 0, EXT_PAGES);
		if (swapin)
			fallback(s, UVS_THP_FB_PRESENT);
		return 0;
	}
	if (swapin && !claim_descs(s, e)) {
		unclaim_words(e, 0, EXT_PAGES);
		fallback(s, UVS_THP_FB_BACKEND);
		return 0;
	}
	/*
	 * The extent is empty and ours; if it was small-page mapped, an empty page table is left
	 * and a huge move into it would be split.  MADV_DONTNEED hands such a table back.
	 */
	madvise((void *)(uintptr_t)e->base, EXT_SIZE, MADV_DONTNEED);
	src = swapin ? parked_whole(s->ctx, e) : 0;
	err = src ? 0 : assemble(s, e, swapin);
	if (!src)
		src = (uint64_t)(uintptr_t)s->thp_buf;
	if (err == -EAGAIN) {
		/* A file page not in the page cache: nothing moved, put everything back. */
		madvise(s->thp_buf, EXT_SIZE, MADV_DONTNEED);
		unclaim_descs(s->ctx, e, 0, EXT_PAGES);
		unclaim_words(e, 0, EXT_PAGES);
		fallback(s, UVS_THP_FB_BACKEND);
		return 0;
	}
	/* Counted before the move wakes the toucher; what did not move is taken back below. */
	uvs_charge(s->ctx, r, EXT_PAGES);
	if (!err)
		err = uvs_uffd_move(r->uffd, e->base, src, EXT_SIZE, 0, &moved);
	installed = settle(s->ctx, e, src, err, moved, where);
	finish(s, e, swapin, where);
	uvs_charge(s->ctx, r, -(int64_t)(EXT_PAGES - installed));
	if (installed < EXT_PAGES) {
		/* The buffer must be empty for the next extent; whatever stayed in it is a copy. */
		if (src == (uint64_t)(uintptr_t)s->thp_buf)
			madvise(s->thp_buf, EXT_SIZE, MADV_DONTNEED);
		uvs_stats_error(s->stats, err ? err : EIO);
		if (swapin)
			fallback(s, UVS_THP_FB_ERROR);
		if (installed)
			/* a move that failed part way may not have woken the toucher of a page it moved */
			uvs_uffd_wake(r->uffd, e->base, EXT_SIZE);
		return where[(addr - e->base) >> UVS_PAGE_SHIFT] == UVS_AT_DST;
	}
	*kind = swapin ? UVS_FK_THP_SWAPIN : UVS_FK_THP_FIRST_TOUCH;
	return 1;
}

/* The server's 2 MiB-aligned assembly buffer: private, unregistered, MADV_HUGEPAGE. */
int uvs_thp_buffer_init(struct uvs_server *s)
{
	uint8_t *raw = mmap(NULL, 2 * EXT_SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uint8_t *buf;

	if (raw == MAP_FAILED)
		return -errno;
	buf = (uint8_t *)(((uintptr_t)raw + EXT_SIZE - 1) & ~(uintptr_t)(EXT_SIZE - 1));
	if (buf > raw)
		munmap(raw, (size_t)(buf - raw));
	munmap(buf + EXT_SIZE, (size_t)(raw + 2 * EXT_SIZE - (buf + EXT_SIZE)));
	/* Without THP the buffer still works (512 small pages move), just not as one PMD. */
	madvise(buf, EXT_SIZE, MADV_HUGEPAGE);
	/* A page shared copy-on-write with a child could not be moved out of the buffer. */
	madvise(buf, EXT_SIZE, MADV_DONTFORK);
	s->thp_buf = buf;
	s->thp_extent = calloc(1, sizeof(struct extent));
	if (!s->thp_extent) {
		munmap(buf, EXT_SIZE);
		s->thp_buf = NULL;
		return -ENOMEM;
	}
	return 0;
}

void uvs_thp_buffer_free(struct uvs_server *s)
{
	if (s->thp_buf)
		munmap(s->thp_buf, EXT_SIZE);
	free(s->thp_extent);
	s->thp_buf = NULL;
	s->thp_extent = NULL;
}
