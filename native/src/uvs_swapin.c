// SPDX-License-Identifier: Apache-2.0
/*
 * uvs_swapin.c - swap-in of one 4 KiB page (no Java peer of its own: the fault servers and
 * uvs_populate, SwapOut.populate on the Java side, both come here).
 *
 * A missing page gets its first-touch zero page, or comes back from where its slot says: the
 * zero page, the pool, a swap file, the swap cache.  uvs_resolve_page serves it for a fault
 * (uvs_fault.c: a server, or the in-thread path) and for uvs_populate (Region.prefault, and
 * pages the pool refused).  The per-tag read, uvs_swapin_read, is shared with the
 * whole-extent path (uvs_thp.c).
 *
 * Claim order: page-map word first, then the slot descriptor.  Both claims are CAS to a BUSY
 * value; the holder restores or replaces them with a release store (uvs_swap_table.h).
 */
#include "uvs_swap_table.h"

#include <string.h>
#include <sys/mman.h>

static const uint8_t zero_page[UVS_PAGE_SIZE] __attribute__((aligned(UVS_PAGE_SIZE)));

/* Decompression target and file-read page of uvs_populate callers; fault contexts use their own. */
static __thread uint8_t tls_bounce[UVS_PAGE_SIZE] __attribute__((aligned(64)));
static __thread uint8_t tls_fbuf[UVS_PAGE_SIZE] __attribute__((aligned(64)));

/* A write fault gets a private page at once (COPY); a read maps the shared zero page. */
static int install_zero(struct uvs_region *r, uint64_t addr, int write)
{
	if (write)
		return uvs_uffd_copy(r->uffd, addr, zero_page, UVS_PAGE_SIZE);
	return uvs_uffd_zeropage(r->uffd, addr, UVS_PAGE_SIZE);
}

/*
 * Move a parked page back from staging.  Success is what the page tables show, not what the
 * ioctl said: the slot is emptied and its staging page freed after this, so a page taken for
 * moved while it is still in staging would come back as zeroes on the next touch.  Returns 0
 * when the page is in the region and gone from staging, -EEXIST when the region has a page
 * already (staging keeps ours), or the move's error with the page still in staging.
 */
static int move_back(struct uvs_ctx *ctx, struct uvs_region *r, uint64_t addr, uint64_t parked)
{
	uint64_t moved;
	uint8_t where;
	int err = uvs_uffd_move(r->uffd, addr, parked, UVS_PAGE_SIZE, 0, &moved);
	int werr = uvs_page_whereabouts(parked, addr, 1, &where);

	if (werr)
		return err ? err : werr;
	if (!err != (where == UVS_AT_DST))
		atomic_fetch_add_explicit(&ctx->move_mismatches, 1, memory_order_relaxed);
	switch (where) {
	case UVS_AT_DST:
		if (err)
			/* moved, whatever the ioctl said: wake the toucher the move may not have woken */
			uvs_uffd_wake(r->uffd, addr, UVS_PAGE_SIZE);
		return 0;
	case UVS_AT_BOTH:
		return -EEXIST;
	case UVS_AT_SRC:
		return err ? err : -EAGAIN;
	default:
		/* In neither place after a move we made under both claims: nothing to map. */
		return -EUCLEAN;
	}
}

/*
 * Read the page that claimed descriptor @d names into @dst, from wherever the word says it is:
 * a pool object (ZSWAP, WRITEBACK) is decoded, a swap-file slot (FILE, SWAPOFF) is read through
 * @fbuf and decoded (@flags: UVS_READ_*; an -EIO's errno in *cause), a parked page (CACHE) is
 * copied.  ZERO leaves @dst as it is: the caller's buffer is zeroed already.  Returns 0 or
 * -errno, -EUCLEAN for a word that names no page (NONE).  The one per-tag load: swap_in uses it
 * for pool and file pages (ZERO and CACHE pages it maps without a copy), uvs_thp.c's assembly
 * for every page of an extent.
 */
int uvs_swapin_read(struct uvs_ctx *ctx, uint64_t d, void *dst, void *fbuf, void *dctx, struct uvs_unit_cache *uc,
		    int flags, int *cause)
{
	if (uvs_desc_in_pool(d))
		return uvs_codec_decompress(ctx, uvs_desc_to_pool_handle(d), dst, dctx, uc);
	if (uvs_desc_in_file(d))
		return uvs_file_read(ctx, uvs_desc_to_file_handle(d), dst, fbuf, dctx, flags, cause);
	if (uvs_desc_is_cache(d)) {
		memcpy(dst, uvs_staging_page(ctx, uvs_desc_to_staging(d)), UVS_PAGE_SIZE);
		return 0;
	}
	return uvs_desc_is_zero(d) ? 0 : -EUCLEAN;
}

static int swap_in(struct uvs_ctx *ctx, struct uvs_region *r, uint64_t addr, uint64_t pm, int write,
		   struct uvs_sink *sink, struct uvs_server_stats *st, int *kind)
{
	uint64_t vslot = uvs_pm_to_vslot(pm);
	_Atomic uint64_t *dw = uvs_desc_word(ctx, vslot);
	uint64_t d = uvs_desc_claim(dw, st);
	void *bounce = sink->server ? sink->server->bounce : tls_bounce;
	void *fbuf = sink->server ? sink->server->fbuf : tls_fbuf;
	void *dctx = sink->server ? sink->server->dctx : NULL;
	int err, cause = EIO;
	struct uvs_unit_cache *uc;

	if (uvs_desc_is_zero(d)) {
		*kind = UVS_FK_ZERO;
		err = install_zero(r, addr, write);
	} else if (uvs_desc_is_cache(d)) {
		/* no copy: the parked page itself moves back */
		*kind = UVS_FK_CACHE;
		err = move_back(ctx, r, addr, (uint64_t)(uintptr_t)uvs_staging_page(ctx, uvs_desc_to_staging(d)));
	} else if (uvs_desc_in_pool(d) || uvs_desc_in_file(d)) {
		*kind = uvs_desc_in_pool(d) ? UVS_FK_ZSWAP : UVS_FK_FILE;
		/* A Java thread's swap-in (uvs_populate) decodes a unit through its own cache. */
		uc = sink->server ? &sink->server->unit : uvs_unit_cache_tls();
		err = uvs_swapin_read(ctx, d, bounce, fbuf, dctx, uc, 0, &cause);
		if (!err)
			err = uvs_uffd_copy(r->uffd, addr, bounce, UVS_PAGE_SIZE);
	} else {
		/* NONE or a backend this build does not serve: the data is not ours to guess. */
		err = -EUCLEAN;
	}
	if (err) {
		/* the backend is untouched: hand the slot back exactly as it was */
		uvs_desc_restore(dw, d);
		if (err == -EIO && st) {
			st->read_errors++;
			st->last_errno = (uint64_t)cause;
		}
		return err;
	}
	/* The slot is empty now (loads are exclusive); Java frees what d names, then the slot. */
	uvs_desc_consume(dw);
	uvs_sink_push(ctx, sink, vslot, d);
	return 0;
}

/*
 * Serve one missing page.  Returns 0 when the page is present afterwards (installed by us, or
 * found present: a stale message), or -errno with the page map and descriptor unchanged.
 */
int uvs_resolve_page(struct uvs_ctx *ctx, struct uvs_region *r, uint64_t addr, int write,
		     struct uvs_sink *sink, struct uvs_server_stats *st, int *kind)
{
	_Atomic uint64_t *pm = uvs_atomic64(&r->pagemap[(addr - r->base) >> UVS_PAGE_SHIFT]);
	uint64_t w;
	int err;

	for (;;) {
		/* acquire: a slot named here has its descriptor published (uvs_evict's release) */
		w = atomic_load_explicit(pm, memory_order_acquire);
		if (uvs_pm_busy(w)) {
			uvs_spin_pause(st);
			continue;
		}
		/* acquire on success: we own the page's residency until our release store below */
		if (atomic_compare_exchange_weak_explicit(pm, &w, w | UVS_PM_BUSY,
							  memory_order_acquire, memory_order_relaxed))
			break;
	}
	/* Counted before the install wakes the toucher, so it never reads a count without its page. */
	uvs_charge(ctx, r, 1);
	if (w == 0) {
		*kind = UVS_FK_FIRST_TOUCH;
		err = install_zero(r, addr, write);
	} else {
		err = swap_in(ctx, r, addr, w, write, sink, st, kind);
	}
	/* release: the page is present (or untouched on error) before evictors may claim it */
	atomic_store_explicit(pm, err ? w : 0, memory_order_release);
	if (err)
		uvs_charge(ctx, r, -1);
	if (err == -EEXIST) {
		/* Present already: a duplicate message, or a kernel-mode access that raced us. */
		*kind = UVS_FK_STALE;
		if (st)
			st->wakes++;
		return uvs_uffd_wake(r->uffd, addr, UVS_PAGE_SIZE);
	}
	return err;
}


/* A claimed run of pages: its page-map words, as claimed, and its descriptors. */
struct ahead_run {
	uint64_t pm[UVS_AHEAD_MAX];
	uint64_t desc[UVS_AHEAD_MAX];
	uint32_t raw[UVS_AHEAD_MAX];	/* a file page's stored bytes: at buf + raw[i] once read */
	uint32_t n;
	uint32_t nfile;		/* file pages in the run, all in one file: */
	uint32_t file;		/* its index */
	int far;		/* a far tier: one pipelined round of GETs, the objects anywhere */
	uint64_t start, end;	/* a local file: the pages' bytes in it, back to back */
};

/*
 * Whether descriptor @d (a page that is swapped out) may join @run: a pool page or a zero
 * page always; a file page when it is in the run's file (the first one sets it) and, for a
 * local file, its object follows the run's bytes there, so that one read gets them all; a far
 * tier's objects are keys of their own, read in one pipelined round wherever their ids are.  A
 * parked page (CACHE) moves back without a copy, so it ends the run.
 */
static int ahead_fits(const struct ahead_run *run, uint64_t d)
{
	uint64_t fh, len;

	if (uvs_desc_in_pool(d) || uvs_desc_is_zero(d))
		return 1;
	if (!uvs_desc_in_file(d))
		return 0;
	fh = uvs_desc_to_file_handle(d);
	len = uvs_handle_len(fh);
	if (len == 0 || len > UVS_PAGE_SIZE)
		return 0;
	if (!run->nfile)
		return 1;
	if (uvs_fh_file(fh) != run->file)
		return 0;
	return run->far || (uvs_fh_off(fh) == run->end &&
			    run->end + len - run->start <= UVS_AHEAD_MAX * UVS_PAGE_SIZE);
}

/* Hand entries [from, n) of @run back exactly as they were: descriptor first, then the word. */
static void ahead_unclaim(struct uvs_ctx *ctx, struct uvs_region *r, uint64_t first, struct ahead_run *run,
			  uint32_t from)
{
	for (uint32_t i = from; i < run->n; i++) {
		uvs_desc_restore(uvs_desc_word(ctx, uvs_pm_to_vslot(run->pm[i])), run->desc[i]);
		/* release: the slot is whole again before an evictor or a fault may claim the word */
		atomic_store_explicit(uvs_atomic64(&r->pagemap[first + i]), run->pm[i], memory_order_release);
	}
	run->n = from;
}

/* Claim pages first.. while they may join one run; the run may end up empty. */
static void ahead_claim(struct uvs_ctx *ctx, struct uvs_region *r, uint64_t first, uint64_t limit,
			struct uvs_server_stats *st, struct ahead_run *run)
{
	run->n = 0;
	run->nfile = 0;
	run->far = 0;
	run->start = run->end = 0;
	for (uint64_t p = first; p < limit && run->n < UVS_AHEAD_MAX; p++) {
		_Atomic uint64_t *m = uvs_atomic64(&r->pagemap[p]);
		/* acquire: a slot named here has its descriptor published (uvs_evict's release) */
		uint64_t w = atomic_load_explicit(m, memory_order_acquire);
		_Atomic uint64_t *dw;
		uint64_t d;

		if (w == 0 || uvs_pm_busy(w))
			return;
		dw = uvs_desc_word(ctx, uvs_pm_to_vslot(w));
		/* A look before any claim: a parked page, the common case that ends a run, costs none. */
		if (!ahead_fits(run, atomic_load_explicit(dw, memory_order_relaxed)))
			return;
		/* acquire on success: the page's residency is ours until ahead_unclaim or the install */
		if (!atomic_compare_exchange_strong_explicit(m, &w, w | UVS_PM_BUSY, memory_order_acquire,
							     memory_order_relaxed))
			return;
		d = uvs_desc_claim(dw, st);
		if (!ahead_fits(run, d)) {
			uvs_desc_restore(dw, d);
			atomic_store_explicit(m, w, memory_order_release);
			return;
		}
		if (uvs_desc_in_file(d)) {
			uint64_t fh = uvs_desc_to_file_handle(d);

			if (!run->nfile) {
				run->file = uvs_fh_file(fh);
				run->far = atomic_load_explicit(&ctx->files[run->file].far, memory_order_relaxed) != NULL;
				run->start = run->end = uvs_fh_off(fh);
			}
			/* local: where the object lies in the span read; far: its place in the round */
			run->raw[run->n] = run->far ? run->nfile << UVS_PAGE_SHIFT : (uint32_t)(run->end - run->start);
			run->end += uvs_handle_len(fh);
			run->nfile++;
		}
		run->pm[run->n] = w;
		run->desc[run->n] = d;
		run->n++;
	}
}

/* Decode entry @i of @run into @dst; the file pages' bytes are in @bytes (the run's read). */
static int ahead_decode(struct uvs_ctx *ctx, const struct ahead_run *run, uint32_t i, const uint8_t *bytes,
			uint8_t *dst, void *dctx, struct uvs_unit_cache *uc)
{
	uint64_t d = run->desc[i], fh;

	if (uvs_desc_is_zero(d)) {
		memset(dst, 0, UVS_PAGE_SIZE);
		return 0;
	}
	if (uvs_desc_in_pool(d))
		return uvs_codec_decompress(ctx, uvs_desc_to_pool_handle(d), dst, dctx, uc);
	fh = uvs_desc_to_file_handle(d);
	return uvs_codec_decode(ctx, uvs_handle_fmt(fh), bytes + run->raw[i], uvs_handle_len(fh), dst, dctx);
}

/* Read the run's file pages into @buf (at their raw[] places): one pread, or one round of GETs. */
static int ahead_read(struct uvs_ctx *ctx, const struct ahead_run *run, uint8_t *buf)
{
	uint64_t ids[UVS_AHEAD_MAX], lens[UVS_AHEAD_MAX], fmts[UVS_AHEAD_MAX];
	uint32_t k = 0;

	if (!run->nfile)
		return 0;
	if (!run->far)
		return uvs_file_read_span(ctx, run->file, run->start, run->end - run->start, buf);
	for (uint32_t i = 0; i < run->n; i++) {
		uint64_t fh;

		if (!uvs_desc_in_file(run->desc[i]))
			continue;
		fh = uvs_desc_to_file_handle(run->desc[i]);
		ids[k] = uvs_fh_off(fh);
		lens[k] = uvs_handle_len(fh);
		fmts[k] = uvs_handle_fmt(fh);
		k++;
	}
	return uvs_file_read_far(ctx, run->file, ids, lens, fmts, k, buf);
}

/*
 * Readahead in one install (issue 18): the pages from @first (below @limit) that are in the
 * pool, zero, in one local swap file with their objects back to back (a packed run: pages that
 * left together), or in the far tier, are claimed; the file ones are read with one pread, the
 * far ones with one pipelined round of GETs; all are decoded into the second half of @buf and
 * installed with one UFFDIO_COPY, where page by page each would take its own ioctl (and a file
 * page its own pread, a far page its own round trip).  Returns the pages installed; 0 leaves
 * everything to the page-by-page path, which also reports any error: a run that cannot be
 * read or decoded is handed back whole or from its first bad page, unchanged.
 */
uint32_t uvs_swapin_ahead(struct uvs_ctx *ctx, struct uvs_region *r, uint64_t first, uint64_t limit,
			  struct uvs_sink *sink, struct uvs_server_stats *st, uint8_t *buf, void *dctx,
			  struct uvs_unit_cache *uc, int *file_read)
{
	struct ahead_run run;
	uint8_t *out = buf + UVS_AHEAD_MAX * UVS_PAGE_SIZE;
	uint64_t done = 0;
	uint32_t installed;
	int err;

	*file_read = 0;
	ahead_claim(ctx, r, first, limit, st, &run);
	if (run.n < 2 || ahead_read(ctx, &run, buf)) {
		ahead_unclaim(ctx, r, first, &run, 0);	/* one page gains nothing; errors are the page path's */
		return 0;
	}
	for (uint32_t i = 0; i < run.n; i++) {
		if (ahead_decode(ctx, &run, i, buf, out + ((size_t)i << UVS_PAGE_SHIFT), dctx, uc)) {
			ahead_unclaim(ctx, r, first, &run, i);
			break;
		}
	}
	if (!run.n)
		return 0;
	/* Counted before the install wakes a toucher; what did not go in is taken back below. */
	uvs_charge(ctx, r, run.n);
	err = uvs_uffd_copy_part(r->uffd, r->base + (first << UVS_PAGE_SHIFT), out,
				 (uint64_t)run.n << UVS_PAGE_SHIFT, &done);
	installed = (uint32_t)(done >> UVS_PAGE_SHIFT);
	if (installed > run.n)
		installed = run.n;
	for (uint32_t i = 0; i < installed; i++) {
		uint64_t vslot = uvs_pm_to_vslot(run.pm[i]);

		/* The slot is empty now (loads are exclusive); Java frees what the word named. */
		uvs_desc_consume(uvs_desc_word(ctx, vslot));
		uvs_sink_push(ctx, sink, vslot, run.desc[i]);
		/* release: the page is present before evictors may claim it */
		atomic_store_explicit(uvs_atomic64(&r->pagemap[first + i]), 0, memory_order_release);
	}
	if (installed < run.n) {
		ahead_unclaim(ctx, r, first, &run, installed);
		uvs_charge(ctx, r, -(int64_t)(run.n - installed));
		/*
		 * EEXIST: the toucher mapped one itself.  ENOENT: the range is no longer registered,
		 * its region is being closed (Java unregisters before uvs_region_remove, which waits
		 * for this batch).  Neither is a failure: a run is a guess, and its pages are back.
		 */
		if (err && err != -EEXIST && err != -ENOENT)
			uvs_stats_error(st, err);
	}
	*file_read = installed && run.nfile;
	return installed;
}

/*
 * Resolve one page for uvs_populate.  An error that passes (a page busy for a moment, the kernel
 * short of memory) is retried, as a fault server would, for at most UVS_RETRY_MAX_MS: the caller
 * asked for the page, and the data stays where it was meanwhile.
 */
static int populate_page(struct uvs_ctx *ctx, struct uvs_region *r, uint64_t addr, struct uvs_sink *sink, int *kind)
{
	long backoff = 1, waited_ms = 0;

	for (;;) {
		int err = uvs_resolve_page(ctx, r, addr, 1, sink, NULL, kind);

		if (!err || !uvs_err_transient(err) || waited_ms >= UVS_RETRY_MAX_MS)
			return err;
		uvs_sleep_ms(backoff);
		waited_ms += backoff;
		if (backoff < 100)
			backoff *= 2;
	}
}

int64_t uvs_populate(struct uvs_ctx *ctx, int32_t region, uint64_t first_page, uint32_t npages,
		     struct uvs_completion *out)
{
	struct uvs_region *r = uvs_region_get(ctx, region);
	struct uvs_sink sink = { .server = NULL, .out = out, .n = 0, .cap = npages };
	unsigned char vec[UVS_BATCH_MAX];

	if (!r)
		return -ENOENT;
	if (uvs_region_check_range(r, first_page, npages))
		return -EINVAL;
	if (mincore((void *)(uintptr_t)(r->base + (first_page << UVS_PAGE_SHIFT)),
		    (size_t)npages << UVS_PAGE_SHIFT, vec))
		return -errno;
	for (uint32_t i = 0; i < npages; i++) {
		int kind;

		if (vec[i] & 1)
			continue;
		int err = populate_page(ctx, r, r->base + ((first_page + i) << UVS_PAGE_SHIFT), &sink, &kind);
		if (err) {
			/* Hand what was consumed so far to the drainer, so no slot leaks. */
			for (uint32_t k = 0; k < sink.n; k++) {
				struct uvs_sink spill = { .server = NULL, .cap = 0 };

				uvs_sink_push(ctx, &spill, out[k].vslot, out[k].desc);
			}
			return err;
		}
	}
	return sink.n;
}
