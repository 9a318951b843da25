/* SPDX-License-Identifier: Apache-2.0 */
/*
 * uvs_swap_table.h - the slot descriptor table: every read, claim, restore and consume of a
 * descriptor in C goes through here (in the manner of the kernel's mm/swap_table.h).
 *
 * The encoding is public and lives in uvswap.h (Java's SlotDescriptor is generated from it);
 * this header gives it typed names, checks it at compile time, and holds the transitions C
 * makes, each with its memory order and why (docs/slots.md §3 numbers them; the number is in
 * each comment).  A .c file touches a descriptor only through these: no uvs_desc_make, no
 * tag compares, no CAS of its own.
 *
 * C's rules (docs/slots.md §2): only C sets BUSY, and a BUSY holder is C code that never waits
 * on Java, so everyone may spin on it (uvs_spin_pause).  Java only ever CASes from an exact
 * word, so a C plain store is safe under a claim: the descriptor's own (BUSY), or the page-map
 * word's (uvs_evict, while no reader can reach the slot).
 */
#ifndef UVS_SWAP_TABLE_H
#define UVS_SWAP_TABLE_H

#include "uvs_internal.h"

/* ------------------------------------------------------------------------------------------
 * The encoding, checked.
 * ------------------------------------------------------------------------------------------ */
#define UVS_DESC_PAYLOAD_BITS	(64 - UVS_DESC_TAG_BITS)
#define UVS_HANDLE_OFF_BITS	(UVS_DESC_PAYLOAD_BITS - UVS_HANDLE_OFF_SHIFT)
#define UVS_FH_OFF_BITS		(UVS_DESC_PAYLOAD_BITS - UVS_FH_OFF_SHIFT)

/* Java CASes the same words with VarHandles: one lock-free 64-bit word, no lock on either side. */
_Static_assert(sizeof(_Atomic uint64_t) == sizeof(uint64_t), "a descriptor is one 64-bit word");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "descriptor CAS must be lock-free");
/* A cluster's descriptors are one page, which an empty cluster gives back (MADV_DONTNEED). */
_Static_assert((1UL << UVS_CLUSTER_SHIFT) * sizeof(uint64_t) == UVS_PAGE_SIZE, "a cluster is one page");
/* A zero-filled (fresh or given back) page of the table reads as free slots. */
_Static_assert(UVS_TAG_NONE == 0, "NONE is the zero word");
/* Eight distinct tags, each fitting the tag bits; BUSY's payload is one of them. */
_Static_assert(UVS_DESC_TAG_MASK == (1ULL << UVS_DESC_TAG_BITS) - 1, "tag mask");
_Static_assert(((1U << UVS_TAG_NONE) | (1U << UVS_TAG_ZERO) | (1U << UVS_TAG_ZSWAP) | (1U << UVS_TAG_FILE) |
		(1U << UVS_TAG_CACHE) | (1U << UVS_TAG_BUSY) | (1U << UVS_TAG_WRITEBACK) |
		(1U << UVS_TAG_SWAPOFF)) == 0xffU, "tags are distinct and fit UVS_DESC_TAG_BITS");
/* Pool handle (ZSWAP, WRITEBACK): format, length 1..4096, 46-bit pool offset, in the payload. */
_Static_assert(UVS_FMT_FILL < (1U << UVS_HANDLE_FMT_BITS), "formats fit");
_Static_assert(UVS_PAGE_SIZE < (1UL << UVS_HANDLE_LEN_BITS), "a page's length fits");
_Static_assert(UVS_HANDLE_OFF_BITS == 46, "pool offset: bits 15..60 of the handle");
/* File handle (FILE, SWAPOFF): format and length where a pool handle has them, then the file. */
_Static_assert(UVS_FH_FILE_SHIFT == UVS_HANDLE_OFF_SHIFT, "file handle keeps the pool handle's low fields");
_Static_assert((1U << UVS_FH_FILE_BITS) == UVS_MAX_FILES, "file index fits");
_Static_assert(UVS_FH_OFF_BITS == 41, "file offset: 2 TiB, bits 20..60 of the handle");

/* The descriptor of @vslot: the table is one reserved range indexed by slot. */
static inline _Atomic uint64_t *uvs_desc_word(struct uvs_ctx *ctx, uint64_t vslot)
{
	return uvs_atomic64((uint64_t *)(uintptr_t)ctx->cfg.desc_base + vslot);
}

/* ------------------------------------------------------------------------------------------
 * Typed helpers: the only places C tests a tag or builds a word.
 * ------------------------------------------------------------------------------------------ */
static inline int uvs_desc_is_none(uint64_t d) { return uvs_desc_tag(d) == UVS_TAG_NONE; }
static inline int uvs_desc_is_zero(uint64_t d) { return uvs_desc_tag(d) == UVS_TAG_ZERO; }
static inline int uvs_desc_is_zswap(uint64_t d) { return uvs_desc_tag(d) == UVS_TAG_ZSWAP; }
static inline int uvs_desc_is_file(uint64_t d) { return uvs_desc_tag(d) == UVS_TAG_FILE; }
static inline int uvs_desc_is_cache(uint64_t d) { return uvs_desc_tag(d) == UVS_TAG_CACHE; }
static inline int uvs_desc_is_busy(uint64_t d) { return uvs_desc_tag(d) == UVS_TAG_BUSY; }
static inline int uvs_desc_is_writeback(uint64_t d) { return uvs_desc_tag(d) == UVS_TAG_WRITEBACK; }
static inline int uvs_desc_is_swapoff(uint64_t d) { return uvs_desc_tag(d) == UVS_TAG_SWAPOFF; }

/* The page is a pool object: ZSWAP, or WRITEBACK (served exactly as ZSWAP). */
static inline int uvs_desc_in_pool(uint64_t d) { return uvs_desc_is_zswap(d) || uvs_desc_is_writeback(d); }
/* The page is in a swap file: FILE, or SWAPOFF (served exactly as FILE). */
static inline int uvs_desc_in_file(uint64_t d) { return uvs_desc_is_file(d) || uvs_desc_is_swapoff(d); }

static inline uint64_t uvs_desc_to_pool_handle(uint64_t d) { return uvs_desc_payload(d); }	/* in_pool */
static inline uint64_t uvs_desc_to_file_handle(uint64_t d) { return uvs_desc_payload(d); }	/* in_file */
static inline uint64_t uvs_desc_to_staging(uint64_t d) { return uvs_desc_payload(d); }		/* CACHE */

static inline uint64_t uvs_desc_none(void) { return uvs_desc_make(UVS_TAG_NONE, 0); }
static inline uint64_t uvs_desc_zero(void) { return uvs_desc_make(UVS_TAG_ZERO, 0); }
static inline uint64_t uvs_desc_from_zswap(uint64_t h) { return uvs_desc_make(UVS_TAG_ZSWAP, h); }
static inline uint64_t uvs_desc_from_cache(uint64_t page) { return uvs_desc_make(UVS_TAG_CACHE, page); }
/* BUSY(tag of @d): what a claim of @d leaves in the table, for readers (no code decodes it). */
static inline uint64_t uvs_desc_busy_of(uint64_t d) { return uvs_desc_make(UVS_TAG_BUSY, uvs_desc_tag(d)); }

/* ------------------------------------------------------------------------------------------
 * Transitions.  @dw is uvs_desc_word(ctx, vslot).
 * ------------------------------------------------------------------------------------------ */

/* Read the word; acquire: pairs with the release that published what it names. */
static inline uint64_t uvs_desc_load(_Atomic uint64_t *dw)
{
	return atomic_load_explicit(dw, memory_order_acquire);
}

/*
 * (5) any but BUSY -> BUSY(tag), the swap-in's claim, under the page-map word's claim.  A BUSY
 * word belongs to other C code, which finishes in microseconds: spin it out (uvs_spin_pause).
 * Load acquire, then CAS acquire (relaxed on failure, which loads again): the backend the old
 * word names (pool bytes, file slot, staging page) is complete and ours until restore or
 * consume.  With @skip_none a NONE word is returned unclaimed.  Returns the old word.
 */
static inline uint64_t uvs_desc_do_claim(_Atomic uint64_t *dw, struct uvs_server_stats *st, int skip_none)
{
	for (;;) {
		uint64_t d = uvs_desc_load(dw);

		if (uvs_desc_is_busy(d)) {
			uvs_spin_pause(st);
			continue;
		}
		if (skip_none && uvs_desc_is_none(d))
			return d;
		if (atomic_compare_exchange_strong_explicit(dw, &d, uvs_desc_busy_of(d),
							    memory_order_acquire, memory_order_relaxed))
			return d;
	}
}

/* (5) Claim whatever the word holds (a 4 KiB swap-in: NONE is claimed too, and restored). */
static inline uint64_t uvs_desc_claim(_Atomic uint64_t *dw, struct uvs_server_stats *st)
{
	return uvs_desc_do_claim(dw, st, 0);
}

/* (5) Claim a slot in use; NONE is left alone and returned (a whole extent falls back). */
static inline uint64_t uvs_desc_claim_used(_Atomic uint64_t *dw, struct uvs_server_stats *st)
{
	return uvs_desc_do_claim(dw, st, 1);
}

/* (6) BUSY -> @old, the word the claim returned.  Release: the backend is untouched. */
static inline void uvs_desc_restore(_Atomic uint64_t *dw, uint64_t old)
{
	atomic_store_explicit(dw, old, memory_order_release);
}

/*
 * (7) BUSY -> NONE: the page is in the region (loads are exclusive).  Release: before the
 * completion that has Java free the old word's backend, then the slot.
 */
static inline void uvs_desc_consume(_Atomic uint64_t *dw)
{
	atomic_store_explicit(dw, uvs_desc_none(), memory_order_release);
}

/*
 * (1) NONE -> CACHE(@page), uvs_evict under the page-map word's claim (PM_BUSY|PM_EVICTING).
 * Relaxed: no one reaches the slot until the page-map word names it, and that word's release
 * store publishes the descriptor with it.
 */
static inline void uvs_desc_publish_cache(_Atomic uint64_t *dw, uint64_t page)
{
	atomic_store_explicit(dw, uvs_desc_from_cache(page), memory_order_relaxed);
}

/* (2) CACHE -> NONE, the page never left: relaxed, as (1); the page-map word is released to 0 next. */
static inline void uvs_desc_unpublish(_Atomic uint64_t *dw)
{
	atomic_store_explicit(dw, uvs_desc_none(), memory_order_relaxed);
}

/*
 * (3) CACHE(@page) -> BUSY(CACHE), uvs_compress's claim of a parked page, only on that exact
 * word: a slot a fault took back (and maybe reused for another batch) is skipped.  A BUSY word
 * is waited out (a server; it ends NONE or CACHE).  Load acquire, CAS acquire (relaxed on
 * failure): the parked page is complete and ours to read.  1 if claimed.
 */
static inline int uvs_desc_claim_parked(_Atomic uint64_t *dw, uint64_t page)
{
	uint64_t d;

	while (uvs_desc_is_busy(d = uvs_desc_load(dw)))
		uvs_spin_pause(NULL);
	if (d != uvs_desc_from_cache(page))
		return 0;
	return atomic_compare_exchange_strong_explicit(dw, &d, uvs_desc_busy_of(d),
						       memory_order_acquire, memory_order_relaxed);
}

/* (4) BUSY(CACHE) -> CACHE(@page).  Release: our reads of the page before a fault moves it. */
static inline void uvs_desc_release_parked(_Atomic uint64_t *dw, uint64_t page)
{
	atomic_store_explicit(dw, uvs_desc_from_cache(page), memory_order_release);
}

/*
 * (18, 19) CACHE(@page) -> @desc (ZSWAP or ZERO), direct reclaim storing a page of its own
 * chunk.  CAS release (relaxed on failure): the pool bytes and owner word written before it
 * come before the word naming them.  Over BUSY (a swap-in moving the page back, C) it waits
 * and tries again; CACHE(@page) may come back.  1 if stored, 0 if the page was taken.
 */
static inline int uvs_desc_store_parked(_Atomic uint64_t *dw, uint64_t page, uint64_t desc)
{
	for (;;) {
		uint64_t expect = uvs_desc_from_cache(page);

		if (atomic_compare_exchange_strong_explicit(dw, &expect, desc, memory_order_release,
							    memory_order_relaxed))
			return 1;
		if (!uvs_desc_is_busy(expect))
			return 0;
		uvs_spin_pause(NULL);
	}
}

#endif /* UVS_SWAP_TABLE_H */
