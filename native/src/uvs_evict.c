// SPDX-License-Identifier: Apache-2.0
/*
 * uvs_evict.c - the mechanics of swap-out (SwapOut on the Java side).
 *
 * Java decides what to evict and owns slots and the pool; these calls do the parts that must
 * not be interrupted by a safepoint while a page-map word is claimed: the claim, the publish
 * of CACHE, the UFFDIO_MOVE out of the region, and reading a parked page under a claim.
 * A thread in a downcall runs on through a safepoint, so fault servers that spin on these
 * claims wait only for C code.
 */
#include "uvs_swap_table.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#define FAILED_PAGE UVS_NO_PAGE

/* How many times a page still at its source is moved again before it is left where it is. */
#define MOVE_ROUNDS 3
/* move_pending's report for an entry it did not try to move this round. */
#define NOT_TRIED 0xff

/* Move the entries of [i, j) still to move (all of them when @where is NULL), in sub-runs. */
static int move_pending(struct uvs_ctx *ctx, struct uvs_region *r, const uint64_t *pages,
			uint64_t staging_first, uint32_t i, uint32_t j, const uint8_t *where, uint8_t *reported)
{
	int last = 0;

	for (uint32_t k = i, m; k < j; k = m) {
		uint64_t moved;

		if (where && where[k - i] != UVS_AT_SRC) {
			m = k + 1;
			continue;
		}
		for (m = k + 1; m < j && (!where || where[m - i] == UVS_AT_SRC); m++)
			;
		/*
		 * DONTWAKE: nobody waits on a present page, and the staging side has no waiters.
		 * The result is only a hint: what moved is established by the caller.
		 */
		int err = uvs_uffd_move(ctx->cfg.uffd, (uint64_t)(uintptr_t)uvs_staging_page(ctx, staging_first + k),
					r->base + (pages[k] << UVS_PAGE_SHIFT), (uint64_t)(m - k) << UVS_PAGE_SHIFT,
					UFFDIO_MOVE_MODE_DONTWAKE, &moved);
		if (err)
			last = err;
		for (uint32_t p = k; p < m; p++)
			reported[p - i] = p - k < (moved >> UVS_PAGE_SHIFT);
	}
	return last;
}

/*
 * Move entries [i, j) (consecutive region pages, consecutive staging pages) out of the region,
 * and prove where each one went: an entry stays in @pages only if its page is in staging and
 * gone from the region.  Entries that did not leave are marked FAILED_PAGE (the page is still
 * in the region, or was discarded by the application); a staging page is dropped only when the
 * region still holds the page, the one copy that counts while we hold its claim.  Pages the
 * kernel refuses are counted in *refused.  Returns the last error of a move that left pages
 * behind for another reason than a refusal, or 0.
 */
static int move_run(struct uvs_ctx *ctx, struct uvs_region *r, uint64_t *pages, uint64_t staging_first,
		    uint32_t i, uint32_t j, uint32_t *refused)
{
	uint64_t src = r->base + (pages[i] << UVS_PAGE_SHIFT);
	uint64_t dst = (uint64_t)(uintptr_t)uvs_staging_page(ctx, staging_first + i);
	uint8_t where[UVS_BATCH_MAX], reported[UVS_BATCH_MAX];
	int err = 0, pending = 1;

	for (int round = 0; round < MOVE_ROUNDS && pending; round++) {
		memset(reported, NOT_TRIED, j - i);
		err = move_pending(ctx, r, pages, staging_first, i, j, round ? where : NULL, reported);
		int werr = uvs_page_whereabouts(src, dst, j - i, where);
		if (werr) {
			/*
			 * Unprovable (mincore itself failed, which a mapped range never does in
			 * practice): keep every entry.  Wrongly taking a page for moved leaves it
			 * resident and stuck under its slot; wrongly taking it for not moved would
			 * release a word whose page is gone and turn the next touch into zeroes.
			 */
			return werr;
		}
		pending = 0;
		for (uint32_t k = i; k < j; k++) {
			if (reported[k - i] != NOT_TRIED && reported[k - i] != (where[k - i] == UVS_AT_DST))
				atomic_fetch_add_explicit(&ctx->move_mismatches, 1, memory_order_relaxed);
			switch (where[k - i]) {
			case UVS_AT_BOTH:
				/* A stale staging page (a stray fault mapped it): the region's page is the data. */
				madvise(uvs_staging_page(ctx, staging_first + k), UVS_PAGE_SIZE, MADV_DONTNEED);
				where[k - i] = UVS_AT_SRC;
				/* fall through */
			case UVS_AT_SRC:
				pending++;
				break;
			}
		}
	}
	for (uint32_t k = i; k < j; k++) {
		if (where[k - i] == UVS_AT_DST)
			continue;
		/* Still in the region (pinned, shared after fork) or discarded: it never left. */
		if (where[k - i] == UVS_AT_SRC)
			(*refused)++;
		pages[k] = FAILED_PAGE;
	}
	/* A refusal (EBUSY: not exclusive to us, pinned) or a page gone (ENOENT) is no failure. */
	return pending && err != -EBUSY && err != -ENOENT && err != -EEXIST ? err : 0;
}

/*
 * Claim the word of a page mincore saw resident.  A BUSY word belongs to a server finishing a
 * swap-in of this very page (it wakes the toucher before it releases the word): wait it out,
 * it is C code and takes microseconds, so a page touched just before pageOut is not skipped.
 */
static int claim_resident(_Atomic uint64_t *pm, uint64_t claim)
{
	for (;;) {
		uint64_t expect = 0;

		/* acquire: a fault server that installed this page released the word to 0 */
		if (atomic_compare_exchange_strong_explicit(pm, &expect, claim, memory_order_acquire,
							    memory_order_relaxed))
			return 1;
		if (!uvs_pm_busy(expect) || (expect & UVS_PM_EVICTING))
			return 0;
		uvs_spin_pause(NULL);
	}
}

int64_t uvs_evict(struct uvs_ctx *ctx, int32_t region, uint64_t first_page, uint32_t npages,
		  const uint64_t *vslots, uint64_t staging_first, uint64_t *out_pages)
{
	struct uvs_region *r = uvs_region_get(ctx, region);
	unsigned char vec[UVS_BATCH_MAX];
	uint64_t claimed[UVS_BATCH_MAX];
	uint32_t used = 0, ok = 0, refused = 0;
	int hard = 0, whole;

	if (!r)
		return -ENOENT;
	if (uvs_region_check_range(r, first_page, npages))
		return -EINVAL;
	if (staging_first + npages > ctx->cfg.staging_pages)
		return -EINVAL;
	if (mincore((void *)(uintptr_t)(r->base + (first_page << UVS_PAGE_SHIFT)),
		    (size_t)npages << UVS_PAGE_SHIFT, vec))
		return -errno;

	for (uint32_t i = 0; i < npages; i++) {
		_Atomic uint64_t *pm = uvs_atomic64(&r->pagemap[first_page + i]);

		if (!(vec[i] & 1))
			continue;
		if (!claim_resident(pm, uvs_pm_from_vslot(vslots[used]) | UVS_PM_BUSY | UVS_PM_EVICTING))
			continue;
		/* Publish before the page leaves: readers reach it only through pm, released below. */
		uvs_desc_publish_cache(uvs_desc_word(ctx, vslots[used]), staging_first + used);
		claimed[used] = first_page + i;
		out_pages[used++] = first_page + i;
	}

	for (uint32_t i = 0; i < used;) {
		uint32_t j = i + 1;

		while (j < used && out_pages[j] == out_pages[j - 1] + 1)
			j++;
		int err = move_run(ctx, r, out_pages, staging_first, i, j, &refused);
		if (err)
			hard = err;
		i = j;
	}

	whole = used == UVS_EXTENT_PAGES && first_page % UVS_EXTENT_PAGES == 0;
	for (uint32_t i = 0; whole && i < used; i++)
		whole = out_pages[i] != FAILED_PAGE;
	for (uint32_t i = 0; i < used; i++) {
		_Atomic uint64_t *pm = uvs_atomic64(&r->pagemap[claimed[i]]);

		if (out_pages[i] == FAILED_PAGE) {
			uvs_desc_unpublish(uvs_desc_word(ctx, vslots[i]));
			/* release: the page never left; the slot is unpublished again */
			atomic_store_explicit(pm, 0, memory_order_release);
		} else {
			ok++;
			/* release: CACHE and the staging page are visible to whoever acquires pm */
			atomic_store_explicit(pm, uvs_pm_from_vslot(vslots[i]) | (whole ? UVS_PM_THP : 0),
					      memory_order_release);
		}
	}
	uvs_charge(ctx, r, -(int64_t)ok);
	if (refused)
		atomic_fetch_add_explicit(&ctx->evict_refused, refused, memory_order_relaxed);
	return (ok == 0 && hard) ? hard : (int64_t)used;
}

/* Whether the page at @page is one 8-byte word repeated (zero or same-filled). */
static int page_filled(const uint8_t *page)
{
	const uint64_t *w = (const uint64_t *)page;

	for (size_t k = 1; k < UVS_PAGE_SIZE / sizeof(*w); k++)
		if (w[k] != w[0])
			return 0;
	return 1;
}

/*
 * Zero, same-filled, compressed, or raw when compression does not save an eighth.  @page is a
 * page of the caller's scratch, and the result replaces it in place (the raw case leaves it).
 */
static int classify(struct uvs_ctx *ctx, int codec, void *cctx, const void *cdict, uint8_t *page,
		    struct uvs_cresult *res)
{
	uint64_t v = *(const uint64_t *)page;
	uint8_t out[UVS_PAGE_SIZE + 512];	/* both codecs' bound for one page */
	uint32_t len;

	if (page_filled(page)) {
		res->kind = v ? UVS_CR_FILL : UVS_CR_ZERO;
		res->len = v ? sizeof(v) : 0;
		res->fill = v;
		return 0;
	}
	int err = uvs_codec_compress(ctx, codec, cctx, cdict, page, out, &len);
	if (err)
		return err;
	if (len > UVS_PAGE_SIZE - UVS_PAGE_SIZE / 8) {
		res->kind = UVS_CR_RAW;
		res->len = UVS_PAGE_SIZE;
	} else {
		memcpy(page, out, len);
		res->kind = codec == UVS_CODEC_ZSTD ? UVS_CR_ZSTD : UVS_CR_LZ4;
		res->len = len;
	}
	res->fill = 0;
	return 0;
}

/* Pages copied out of staging per process_vm_readv call. */
#define COPY_CHUNK	64

/*
 * Claim the parked pages of entries [i, j) that are still ours (CACHE of their staging page:
 * BUSY until released); claimed[k - i] says which.  A page a fault took back is skipped.
 */
static void claim_parked(struct uvs_ctx *ctx, const uint64_t *vslots, uint64_t staging_first,
			 uint32_t i, uint32_t j, uint8_t *claimed)
{
	for (uint32_t k = i; k < j; k++)
		/* the page is ours to read until release_parked() */
		claimed[k - i] = uvs_desc_claim_parked(uvs_desc_word(ctx, vslots[k]), staging_first + k);
}

static void release_parked(struct uvs_ctx *ctx, const uint64_t *vslots, uint64_t staging_first,
			   uint32_t i, uint32_t j, const uint8_t *claimed)
{
	for (uint32_t k = i; k < j; k++)
		if (claimed[k - i])
			uvs_desc_release_parked(uvs_desc_word(ctx, vslots[k]), staging_first + k);
}

/*
 * Copy the claimed parked pages of [i, j) into their scratch pages with one process_vm_readv:
 * the kernel copies through its own mapping of the page, where a first user-space read at the
 * staging address (a PTE the move just created) costs 3-4x as much on a VM that shadows page
 * tables.  Whatever it did not copy is read from user space.
 */
static void copy_parked(struct uvs_ctx *ctx, uint64_t staging_first, uint32_t i, uint32_t j,
			const uint8_t *claimed, uint8_t *scratch)
{
	struct iovec local[COPY_CHUNK], remote[COPY_CHUNK];
	int n = 0;
	ssize_t want = 0, got;

	for (uint32_t k = i; k < j; k++) {
		if (!claimed[k - i])
			continue;
		if (n && (uint8_t *)remote[n - 1].iov_base + remote[n - 1].iov_len == uvs_staging_page(ctx, staging_first + k)) {
			local[n - 1].iov_len += UVS_PAGE_SIZE;
			remote[n - 1].iov_len += UVS_PAGE_SIZE;
		} else {
			local[n] = (struct iovec){ scratch + ((size_t)k << UVS_PAGE_SHIFT), UVS_PAGE_SIZE };
			remote[n] = (struct iovec){ uvs_staging_page(ctx, staging_first + k), UVS_PAGE_SIZE };
			n++;
		}
		want += UVS_PAGE_SIZE;
	}
	if (!n)
		return;
	got = process_vm_readv(getpid(), local, n, remote, n, 0);
	if (got == want)
		return;
	/* Partial (or no such call here): the rest the usual way, in order. */
	if (got < 0)
		got = 0;
	for (uint32_t k = i; k < j; k++) {
		if (!claimed[k - i])
			continue;
		if (got >= (ssize_t)UVS_PAGE_SIZE) {
			got -= UVS_PAGE_SIZE;
			continue;
		}
		memcpy(scratch + ((size_t)k << UVS_PAGE_SHIFT), uvs_staging_page(ctx, staging_first + k), UVS_PAGE_SIZE);
		got = 0;
	}
}

/* A unit's frame must save at least a page over its 16 pages, or they are stored alone. */
#define UNIT_FRAME_MAX	(UVS_UNIT_BYTES - UVS_PAGE_SIZE)

/* Whether each of the 16 pages at @p is one word repeated: zero and same-filled pages cost nothing alone. */
static int unit_all_filled(const uint8_t *p)
{
	for (uint32_t k = 0; k < UVS_UNIT_PAGES; k++)
		if (!page_filled(p + ((size_t)k << UVS_PAGE_SHIFT)))
			return 0;
	return 1;
}

/*
 * Entries [i, i + 16), all claimed and copied into scratch, as one unit: their frame replaces
 * their scratch pages.  1 if made; 0 leaves them to be classified one by one (all same-filled,
 * or a frame that saves less than a page).  The frame is built in this thread's unit cache's
 * gather buffer, which only a uvs_populate on this same thread uses otherwise.
 */
static int compress_unit(struct uvs_ctx *ctx, uint8_t *scratch, uint32_t i, struct uvs_cresult *out)
{
	uint8_t *src = scratch + ((size_t)i << UVS_PAGE_SHIFT);
	struct uvs_unit_cache *uc;
	uint32_t len;

	if (unit_all_filled(src) || !(uc = uvs_unit_cache_tls()))
		return 0;
	if (uvs_codec_compress_unit(ctx, src, uc->frame, UNIT_FRAME_MAX, &len))
		return 0;
	memcpy(src, uc->frame, len);
	out[i].kind = UVS_CR_UNIT;
	out[i].len = len;
	out[i].fill = 0;
	for (uint32_t k = 1; k < UVS_UNIT_PAGES; k++) {
		out[i + k].kind = UVS_CR_UNIT_PAGE;
		out[i + k].len = 0;
		out[i + k].fill = 0;
	}
	return 1;
}

/* Whether entries [k, k + 16) were asked for as a unit and all 16 are claimed. */
static int unit_ready(uint32_t units, uint32_t k, uint32_t i, uint32_t j, const uint8_t *claimed)
{
	if (k % UVS_UNIT_PAGES || !(units & (1U << (k / UVS_UNIT_PAGES))) || k + UVS_UNIT_PAGES > j)
		return 0;
	for (uint32_t x = k; x < k + UVS_UNIT_PAGES; x++)
		if (!claimed[x - i])
			return 0;
	return 1;
}

static int64_t compress_batch(struct uvs_ctx *ctx, const uint64_t *vslots, uint32_t n, uint64_t staging_first,
			      int32_t codec, void *cctx, const void *cdict, uint32_t units, uint8_t *scratch,
			      struct uvs_cresult *out)
{
	uint8_t claimed[COPY_CHUNK];

	if (n > UVS_BATCH_MAX || (codec != UVS_CODEC_ZSTD && codec != UVS_CODEC_LZ4) ||
	    (units && codec != UVS_CODEC_ZSTD))
		return -EINVAL;
	_Static_assert(COPY_CHUNK % UVS_UNIT_PAGES == 0, "a unit lies within one copy chunk");
	_Static_assert(UVS_BATCH_MAX / UVS_UNIT_PAGES <= 32, "a batch's units fit the 32-bit mask");
	for (uint32_t i = 0; i < n; i += COPY_CHUNK) {
		uint32_t j = i + COPY_CHUNK < n ? i + COPY_CHUNK : n;

		claim_parked(ctx, vslots, staging_first, i, j, claimed);
		copy_parked(ctx, staging_first, i, j, claimed, scratch);
		/* The copies are ours: faults may take the pages back while we compress them. */
		release_parked(ctx, vslots, staging_first, i, j, claimed);
		for (uint32_t k = i; k < j; k++) {
			if (unit_ready(units, k, i, j, claimed) && compress_unit(ctx, scratch, k, out)) {
				k += UVS_UNIT_PAGES - 1;
				continue;
			}
			out[k].kind = UVS_CR_LOST;
			out[k].len = 0;
			out[k].fill = 0;
			if (!claimed[k - i])
				continue;
			int err = classify(ctx, codec, cctx, cdict, scratch + ((size_t)k << UVS_PAGE_SHIFT), &out[k]);
			if (err)
				return err;
		}
	}
	return n;
}

int64_t uvs_compress(struct uvs_ctx *ctx, const uint64_t *vslots, uint32_t n, uint64_t staging_first,
		     int32_t codec, int32_t dict, uint32_t units, uint8_t *scratch, struct uvs_cresult *out)
{
	const void *cdict = NULL;

	if (dict >= 0) {
		if (codec != UVS_CODEC_ZSTD || !(cdict = uvs_dict_cdict(ctx, dict)))
			return -EINVAL;
	}
	return compress_batch(ctx, vslots, n, staging_first, codec, NULL, cdict, units, scratch, out);
}

/*
 * uvs_compress with the caller's zstd context (NULL: this thread's) and dictionary (NULL: none),
 * and no units.  Direct reclaim passes none: its contexts serve signal handlers, which may not
 * allocate, and a dictionary's first use may grow a context's workspace.
 */
int64_t uvs_compress_with(struct uvs_ctx *ctx, const uint64_t *vslots, uint32_t n, uint64_t staging_first,
			  int32_t codec, void *cctx, const void *cdict, uint8_t *scratch, struct uvs_cresult *out)
{
	return compress_batch(ctx, vslots, n, staging_first, codec, cctx, cdict, 0, scratch, out);
}

int64_t uvs_unit_split(struct uvs_ctx *ctx, uint64_t header, int32_t codec, uint8_t *scratch, struct uvs_cresult *out)
{
	struct uvs_unit_cache *uc = uvs_unit_cache_tls();

	if (!ctx || (codec != UVS_CODEC_ZSTD && codec != UVS_CODEC_LZ4) || header % 8)
		return -EINVAL;
	for (uint32_t k = 0; k < UVS_UNIT_PAGES; k++) {
		uint8_t *page = scratch + ((size_t)k << UVS_PAGE_SHIFT);
		uint64_t h = uvs_handle_make(header, UVS_UNIT_LEN_BASE + k, UVS_FMT_ZSTD);
		int err = uvs_codec_decompress(ctx, h, page, NULL, uc);

		if (!err)
			err = classify(ctx, codec, NULL, NULL, page, &out[k]);
		if (err)
			return err;
	}
	return UVS_UNIT_PAGES;
}
