/* SPDX-License-Identifier: Apache-2.0 */
/*
 * uvswap.h - the contract between libuvswap (C, the fault path) and the Java vswap layer.
 *
 * Every word defined here lives in memory that both sides read and write: the region page
 * maps, the slot descriptor table, the compressed pool, the completion rings and the fault
 * servers' statistics.  Java reaches these layouts through dev.uvswap.bindings.uvswap (checked
 * against this file by LayoutTest); nothing here may change without changing both.
 *
 * Memory order, both languages: a word that hands ownership of other memory to another thread
 * is written with a release store (or a successful CAS) and read with an acquire load; pure
 * counters are relaxed.  Every acquire, release and CAS carries a comment saying what it orders.
 *
 * Every function returns >= 0 on success or -errno; Java turns a negative answer into an
 * exception naming the operation.
 */
#ifndef UVSWAP_H
#define UVSWAP_H

#include <stdint.h>

#define UVS_PAGE_SHIFT		12
#define UVS_PAGE_SIZE		(1UL << UVS_PAGE_SHIFT)
#define UVS_CLUSTER_SHIFT	9	/* 512 slots a cluster: one 4 KiB page of descriptors */
#define UVS_CLUSTER_SLOTS	(1U << UVS_CLUSTER_SHIFT)
#define UVS_MAX_SERVERS		64
#define UVS_MAX_REGIONS		4096
#define UVS_BATCH_MAX		512	/* pages per uvs_evict / uvs_compress / uvs_populate call */

/* ------------------------------------------------------------------------------------------
 * Region page map: one 64-bit word per 4 KiB page of a region.
 *
 *   0                      the page was never swapped out, or it is resident again: a missing
 *                          fault on it is a first touch and is served with zeroes
 *   vslot << PM_SHIFT      the page's data is owned by that virtual slot (the descriptor says
 *                          where it lives); the page is not in the region
 *   ... | PM_BUSY          claimed by C code that is changing the page's residency: a fault
 *                          server installing it, or uvs_evict moving it out.  The holder never
 *                          waits on Java, so others may spin on it (bounded by C code alone).
 *   ... | PM_EVICTING      with PM_BUSY: the claim is uvs_evict's.  An evictor waits for a
 *                          server's claim but skips another evictor's, so two evictors never
 *                          wait on each other while holding claims.
 *   ... | PM_THP           the page left with its whole 2 MiB extent in one move: a fault on any
 *                          of them may bring the extent back as one huge page (the kernel's
 *                          vswap_can_swapin_thp, per page instead of per folio).
 *
 * Writers: fault servers and uvs_populate (swap-in), uvs_evict (swap-out), Java only on a
 * closed region (free).  Every transition out of a non-BUSY value is a CAS.
 * ------------------------------------------------------------------------------------------ */
#define UVS_PM_BUSY		0x1ULL
#define UVS_PM_EVICTING		0x2ULL
#define UVS_PM_THP		0x4ULL
#define UVS_EXTENT_PAGES	512	/* a 2 MiB extent: one PMD, one THP */
#define UVS_PM_SHIFT		3	/* low bits reserved for flags (THP extents, pins) */

static inline uint64_t uvs_pm_from_vslot(uint64_t vslot) { return vslot << UVS_PM_SHIFT; }
static inline uint64_t uvs_pm_to_vslot(uint64_t pm) { return pm >> UVS_PM_SHIFT; }
static inline int uvs_pm_busy(uint64_t pm) { return (pm & UVS_PM_BUSY) != 0; }

/* ------------------------------------------------------------------------------------------
 * Slot descriptor: one 64-bit word per virtual slot, tag in the low 3 bits, payload above.
 * The descriptors live in one reserved virtual range indexed by vslot (desc_base + vslot * 8):
 * the MMU's page table is the two-level directory, a cluster's 512 descriptors are exactly one
 * page, and an empty cluster gives its page back with MADV_DONTNEED.  Slot 0 is never handed
 * out, so a page-map word of 0 can mean "no slot".
 * ------------------------------------------------------------------------------------------ */
#define UVS_DESC_TAG_BITS	3
#define UVS_DESC_TAG_MASK	((1ULL << UVS_DESC_TAG_BITS) - 1)

enum uvs_desc_tag {
	/* Free slot, or a slot allocated but not yet published. */
	UVS_TAG_NONE  = 0,
	/* The page was all zeroes: nothing is stored, swap-in maps zeroes. */
	UVS_TAG_ZERO  = 1,
	/* Compressed (or raw, or fill-value) object in the pool; payload = pool handle. */
	UVS_TAG_ZSWAP = 2,
	/* Physical slot in a swap file; payload = file handle (the page as the pool held it). */
	UVS_TAG_FILE  = 3,
	/* Swap cache: the page itself is parked in the staging area; payload = staging page index.
	 * Published before the page leaves the region, so a fault never sees "never swapped". */
	UVS_TAG_CACHE = 4,
	/* Claimed by C code in the middle of a transition (swap-in, compression).  The holder
	 * restores or replaces the word without ever waiting on Java. */
	UVS_TAG_BUSY  = 5,
	/* ZSWAP with a writeback in flight; payload = the pool handle.  Served exactly as ZSWAP.
	 * Only the writer that set it (Java, with a CAS) moves it on, to FILE or back to ZSWAP,
	 * and its CAS fails if a fault or a free took the slot first: no one ever waits on it. */
	UVS_TAG_WRITEBACK = 6,
	/* FILE whose file is being retired (swapoff); payload = the file handle.  Served exactly as
	 * FILE; only the retiring thread moves it on (to ZSWAP), as WRITEBACK above. */
	UVS_TAG_SWAPOFF = 7,
};

static inline uint64_t uvs_desc_tag(uint64_t d) { return d & UVS_DESC_TAG_MASK; }
static inline uint64_t uvs_desc_payload(uint64_t d) { return d >> UVS_DESC_TAG_BITS; }
static inline uint64_t uvs_desc_make(uint64_t tag, uint64_t payload)
{
	return (payload << UVS_DESC_TAG_BITS) | tag;
}

/* ------------------------------------------------------------------------------------------
 * Pool handle (payload of a ZSWAP descriptor): where the bytes are, so C reads them without
 * asking Java.
 *   bits  0..1   format (enum uvs_pool_fmt)
 *   bits  2..14  stored length in bytes (1..4096)
 *   bits 15..60  byte offset from pool_base
 * ------------------------------------------------------------------------------------------ */
enum uvs_pool_fmt {
	UVS_FMT_RAW  = 0,	/* incompressible: the 4096 bytes as they were */
	UVS_FMT_ZSTD = 1,
	UVS_FMT_LZ4  = 2,
	UVS_FMT_FILL = 3,	/* same-filled page: one 8-byte word repeated */
};
#define UVS_HANDLE_FMT_BITS	2
#define UVS_HANDLE_LEN_BITS	13
#define UVS_HANDLE_OFF_SHIFT	(UVS_HANDLE_FMT_BITS + UVS_HANDLE_LEN_BITS)

static inline uint64_t uvs_handle_make(uint64_t off, uint64_t len, uint64_t fmt)
{
	return (off << UVS_HANDLE_OFF_SHIFT) | (len << UVS_HANDLE_FMT_BITS) | fmt;
}
static inline uint64_t uvs_handle_fmt(uint64_t h) { return h & ((1ULL << UVS_HANDLE_FMT_BITS) - 1); }
static inline uint64_t uvs_handle_len(uint64_t h)
{
	return (h >> UVS_HANDLE_FMT_BITS) & ((1ULL << UVS_HANDLE_LEN_BITS) - 1);
}
static inline uint64_t uvs_handle_off(uint64_t h) { return h >> UVS_HANDLE_OFF_SHIFT; }

/* ------------------------------------------------------------------------------------------
 * Compression units (issue 18, VSwap.Builder.extentCompression): 16 neighbouring pages that
 * leave together are compressed as one zstd frame, which compresses better than 16 frames of a
 * page each.  Each page keeps its own slot and descriptor; its pool handle names the unit's
 * header object, with a length field above 4096 that no single page has: 4097 + the page's
 * index in the unit.  The frame is stored in pieces of 4096 bytes (the last one shorter), each
 * an ordinary pool object, so the pool needs no larger size class.
 *
 *   0        8          16       20       22       24                152
 *   | live   | serial   | len    | pieces | pages  | vslot[16]      | piece offsets (8 bytes each) ...
 *
 * @live: a bit per page whose slot still names the unit, and a pin bit (16) while writeback
 * splits it; only Java changes it (CAS), and frees the pieces and the header when no page bit
 * and no pin is left.  @serial: unique per unit (Java's counter), so a fault context's cache of
 * its last decoded unit never serves another unit stored at the same offset.  @len: the frame's
 * bytes.  @vslot: each page's slot, for writeback's split.  All written before the first
 * descriptor names the unit.
 * ------------------------------------------------------------------------------------------ */
#define UVS_UNIT_PAGES		16
#define UVS_UNIT_BYTES		(UVS_UNIT_PAGES * 4096)
#define UVS_UNIT_PIECE		4096
#define UVS_UNIT_MAX_PIECES	17	/* a frame larger than 16 pieces is not kept as a unit */
#define UVS_UNIT_LEN_BASE	4097	/* handle length of the unit's page 0 */
#define UVS_UNIT_LEVEL		3	/* zstd level of a unit: measured best for 64 KiB (bench/RESULTS.md) */

struct uvs_unit {
	uint64_t live;
	uint64_t serial;
	uint32_t len;
	uint16_t pieces;
	uint16_t pages;
	uint64_t vslot[UVS_UNIT_PAGES];
	uint64_t piece[];
};

static inline int uvs_handle_is_unit(uint64_t h) { return uvs_handle_len(h) >= UVS_UNIT_LEN_BASE; }
static inline uint64_t uvs_handle_unit_page(uint64_t h) { return uvs_handle_len(h) - UVS_UNIT_LEN_BASE; }

/* ------------------------------------------------------------------------------------------
 * File handle (payload of a FILE or SWAPOFF descriptor): a page goes to a swap file in the form
 * the pool held it (compressed, raw or fill), one 4 KiB file slot a page, so writeback copies
 * bytes and never recompresses.  Format and length sit where a pool handle has them.
 *   bits  0..1   format (enum uvs_pool_fmt)
 *   bits  2..14  stored length in bytes (1..4096)
 *   bits 15..19  swap file index (uvs_file_attach)
 *   bits 20..60  byte offset in that file (2 TiB)
 * ------------------------------------------------------------------------------------------ */
#define UVS_MAX_FILES		32
#define UVS_FH_FILE_BITS	5
#define UVS_FH_FILE_SHIFT	UVS_HANDLE_OFF_SHIFT
#define UVS_FH_OFF_SHIFT	(UVS_FH_FILE_SHIFT + UVS_FH_FILE_BITS)

static inline uint64_t uvs_fh_make(uint64_t file, uint64_t off, uint64_t len, uint64_t fmt)
{
	return (off << UVS_FH_OFF_SHIFT) | (file << UVS_FH_FILE_SHIFT) | (len << UVS_HANDLE_FMT_BITS) | fmt;
}
static inline uint64_t uvs_fh_file(uint64_t h) { return (h >> UVS_FH_FILE_SHIFT) & (UVS_MAX_FILES - 1); }
static inline uint64_t uvs_fh_off(uint64_t h) { return h >> UVS_FH_OFF_SHIFT; }

/* ------------------------------------------------------------------------------------------
 * Completion ring: one single-producer (a fault server) single-consumer (Java's drainer) ring
 * per server.  A record says "this slot's data was consumed by a swap-in; free what the old
 * descriptor pointed at, then the slot".  The server never waits on Java: when the ring is
 * full the record goes to the context's spill queue, drained by uvs_drain_overflow().
 *
 *   0        64        128        192
 *   | head   | tail    | capacity | records (16 bytes each) ...
 * ------------------------------------------------------------------------------------------ */
struct uvs_completion {
	uint64_t vslot;		/* the slot to free */
	uint64_t desc;		/* the descriptor it held when the swap-in claimed it */
};

struct uvs_ring {
	uint64_t head;		/* next record to consume; written by Java (release) */
	uint8_t  pad0[56];
	uint64_t tail;		/* next record to produce; written by the server (release) */
	uint8_t  pad1[56];
	uint64_t capacity;	/* records, a power of two; written once at creation */
	uint8_t  pad2[56];
	struct uvs_completion rec[];
};

/*
 * Completion records of direct reclaim (uvs_reclaim.c) share the rings with swap-ins; the high
 * bits of vslot say which kind a record is:
 *   UVS_COMP_STORED | vslot   direct reclaim stored the slot's page; desc is the descriptor it
 *                             published (ZSWAP or ZERO).  Java adopts it: charges the pool bytes
 *                             to the owner recorded in the owner table, puts the slot on the age
 *                             list, counts it.  A swap-in may consume the slot before Java
 *                             adopts it (other rings); adoption touches nothing a free undoes
 *                             wrongly (charges add, the age list holds hints).
 *   UVS_COMP_SPAN | offset    direct reclaim is done with the 64 KiB pool span at @offset; desc
 *                             is how many objects it put there.  The span goes back to the pool
 *                             once that many of them were freed.
 */
#define UVS_COMP_STORED		(1ULL << 63)
#define UVS_COMP_SPAN		(1ULL << 62)
#define UVS_COMP_KIND_MASK	(UVS_COMP_STORED | UVS_COMP_SPAN)

/* ------------------------------------------------------------------------------------------
 * Direct reclaim magazine: one per fault context.  A fault that would take its group past the
 * group's direct limit (uvs_group_direct) first reclaims on the faulting path, in C: it needs
 * free slots and empty pool spans without asking Java, so Java keeps them here in advance.
 * Two single-producer (Java's refiller) single-consumer (the context) rings of free entries;
 * what the context took comes back as completion records (above).  @want is set by the
 * context when it found a ring short: the refiller fills that context's rings (they start
 * empty, so contexts that never reclaim hold nothing).
 * ------------------------------------------------------------------------------------------ */
/*
 * Sized to outlast the refiller's absence: Java refills between safepoints, and a writer that
 * finds the magazine empty waits (capped) for it.  8192 slots are 16 batches, 32 MiB of pages;
 * Java stocks half the spans, 4 MiB of compressed objects.
 */
#define UVS_MAG_SLOTS		8192
#define UVS_MAG_SPANS		128
#define UVS_SPAN_BYTES		65536	/* CompressedPool.SPAN_BYTES */
/*
 * @want: 0 stocked, 1 C asked for a refill, UVS_MAG_DRY Java refilled what it could and a batch
 * still cannot run (the pool or the slot space is at its limit): a fault then does not wait for
 * a refill that will not come, and the group hold decides, as when nothing can leave.
 */
#define UVS_MAG_WANT		1
#define UVS_MAG_DRY		2

struct uvs_magazine {
	uint64_t slot_head;	/* next slot to take; written by C (release) */
	uint8_t  pad0[56];
	uint64_t slot_tail;	/* next entry to fill; written by Java (release) */
	uint8_t  pad1[56];
	uint64_t span_head;	/* next span to take; written by C (release) */
	uint8_t  pad2[56];
	uint64_t span_tail;	/* next entry to fill; written by Java (release) */
	uint8_t  pad3[56];
	uint64_t owner_high;	/* bits 12..31 of the owner words C writes: Java's eviction stamp (relaxed) */
	uint64_t want;		/* C sets UVS_MAG_WANT when a ring was short; Java 0 or UVS_MAG_DRY (relaxed) */
	uint64_t passes;	/* direct reclaim passes this context ran (relaxed, C) */
	uint64_t reclaimed;	/* pages they took out of memory (relaxed, C) */
	uint64_t starved;	/* passes that found the magazine or the pool short (relaxed, C) */
	uint64_t put_back;	/* pages that went back in for want of pool room (relaxed, C) */
	uint64_t scanned;	/* extents looked at (relaxed, C) */
	uint64_t reclaim_ns;	/* time spent in direct reclaim (relaxed, C) */
	uint64_t stashed;	/* slots taken from the ring and kept for the next batch (relaxed, C) */
	uint64_t slots[UVS_MAG_SLOTS];
	uint64_t spans[UVS_MAG_SPANS];	/* byte offsets of empty spans from pool_base */
};

/* ------------------------------------------------------------------------------------------
 * Fault-server statistics: written by one server thread (relaxed), read by Java at any time.
 * ------------------------------------------------------------------------------------------ */
enum uvs_fault_kind {
	UVS_FK_FIRST_TOUCH = 0,	/* never-swapped page: zero fill */
	UVS_FK_ZERO        = 1,	/* ZERO slot */
	UVS_FK_ZSWAP       = 2,	/* decompressed from the pool */
	UVS_FK_FILE        = 3,	/* read from a swap file */
	UVS_FK_CACHE       = 4,	/* moved back from the staging area */
	UVS_FK_STALE       = 5,	/* page already present when served (a duplicate message) */
	UVS_FK_THP_FIRST_TOUCH = 6,	/* untouched 2 MiB extent: one zeroed huge page moved in */
	UVS_FK_THP_SWAPIN  = 7,	/* whole extent assembled from its slots, moved in as one huge page */
	UVS_FK_NR          = 8,
};

/* Why a fault on a page that went out with its whole extent was served 4 KiB at a time. */
enum uvs_thp_fallback {
	UVS_THP_FB_PRESENT = 0,	/* part of the extent is resident */
	UVS_THP_FB_MIXED   = 1,	/* not every page of it is still out as part of the whole */
	UVS_THP_FB_BUSY    = 2,	/* a page of it was being changed by someone else */
	UVS_THP_FB_BACKEND = 3,	/* a slot names no backend (NONE): not ours to guess */
	UVS_THP_FB_ERROR   = 4,	/* decompression or the move failed; retried page by page */
	/*
	 * The fault did not continue a run over this extent or its neighbours (a scattered,
	 * random access): only its page came back, the rest stay out.  Bringing 2 MiB back for
	 * one random touch costs 512 decompressions and 2 MiB of the budget, which must then be
	 * reclaimed again (the kernel's large-folio swap-in is as careful).
	 */
	UVS_THP_FB_SCATTERED = 5,
	/*
	 * A group above the region was still at its memoryMax when the fault installed (direct
	 * reclaim waited out its cap for a refill): one page passes the limit, not 512.  An
	 * untouched extent's first touch takes the same 4 KiB path then, uncounted here.
	 */
	UVS_THP_FB_LIMIT   = 6,
	UVS_THP_FB_NR      = 7,
};

#define UVS_HIST_SUB_BITS	2	/* 4 buckets per power of two: <= 19% error */
#define UVS_HIST_BUCKETS	128	/* covers 0 .. 2^33 ns */

struct uvs_server_stats {
	uint64_t faults[UVS_FK_NR];	/* messages served, by kind */
	uint64_t fault_ns[UVS_FK_NR];	/* summed service time, by kind */
	uint64_t busy_spins;		/* times a claim found BUSY and yielded */
	uint64_t wakes;			/* explicit UFFDIO_WAKE after EEXIST */
	uint64_t errors;		/* unexpected ioctl failures (also last_errno) */
	uint64_t last_errno;		/* errno of the last unexpected failure */
	uint64_t ring_overflows;	/* completions sent to the spill queue */
	uint64_t reads;			/* read() calls that returned messages */
	uint64_t readahead;		/* pages swapped in ahead of sequential 4 KiB faults */
	uint64_t thp_fallback[UVS_THP_FB_NR];	/* by enum uvs_thp_fallback */
	uint64_t read_errors;		/* swap-file reads or decodes that failed (also last_errno) */
	uint64_t poisoned;		/* pages whose data could not be read: poisoned, the toucher gets SIGBUS */
	uint64_t hist[UVS_FK_NR][UVS_HIST_BUCKETS];	/* service time, log-linear ns buckets */
	uint64_t first_touch_ahead;	/* never-touched pages given their zero page by a first-touch window */
	uint64_t ahead_runs;		/* readahead runs installed with one UFFDIO_COPY (their pages count in readahead) */
	uint64_t file_ahead_reads;	/* of those, runs whose file pages were read with one pread */
};

/* ------------------------------------------------------------------------------------------
 * Codec entry points, resolved by Java and handed over: lz4 from lz4-java's library, zstd from
 * a loaded library that exports ZSTD_* (zstd-jni's keeps them local, so in practice the
 * system's libzstd.so.1).  C and Java share one codec build.  NULL = absent.
 * ------------------------------------------------------------------------------------------ */
struct uvs_codec {
	void *zstd_create_dctx;		/* ZSTD_DCtx *ZSTD_createDCtx(void) */
	void *zstd_decompress_dctx;	/* size_t ZSTD_decompressDCtx(dctx, dst, cap, src, n) */
	void *zstd_create_cctx;		/* ZSTD_CCtx *ZSTD_createCCtx(void) */
	void *zstd_cctx_set_parameter;	/* size_t ZSTD_CCtx_setParameter(cctx, param, value) */
	void *zstd_compress2;		/* size_t ZSTD_compress2(cctx, dst, cap, src, n) */
	void *zstd_is_error;		/* unsigned ZSTD_isError(size_t) */
	void *lz4_compress_default;	/* int LZ4_compress_default(src, dst, n, cap) */
	void *lz4_decompress_safe;	/* int LZ4_decompress_safe(src, dst, n, cap) */
	void *zstd_free_dctx;		/* size_t ZSTD_freeDCtx(dctx): fault contexts' own are freed with them */
	void *zstd_compress_cdict;	/* size_t ZSTD_compress_usingCDict(cctx, dst, cap, src, n, cdict) */
	void *zstd_decompress_ddict;	/* size_t ZSTD_decompress_usingDDict(dctx, dst, cap, src, n, ddict) */
	void *zstd_frame_dict_id;	/* unsigned ZSTD_getDictID_fromFrame(src, n): 0 = made without one */
	int32_t zstd_level;		/* compression level for ZSTD (1 = fast default) */
	int32_t pad;
};

struct uvs_config {
	int32_t  uffd;			/* userfaultfd, O_NONBLOCK, UFFDIO_API done with FEATURE_MOVE */
	int32_t  nr_servers;		/* fault-server threads, 1..UVS_MAX_SERVERS */
	uint32_t ring_capacity;		/* completion records per server, power of two */
	uint32_t flags;			/* UVS_CFG_* */
	uint64_t desc_base;		/* slot descriptor table (reserved range) */
	uint64_t desc_slots;		/* slots the table can index */
	uint64_t pool_base;		/* compressed pool (reserved range) */
	uint64_t pool_bytes;
	uint64_t staging_base;		/* staging area: registered on uffd, 2 MiB aligned */
	uint64_t staging_pages;
	struct uvs_codec codec;
	int32_t  sigbus_uffd;		/* userfaultfd with FEATURE_SIGBUS for in-thread regions, or -1 */
	int32_t  inthread_contexts;	/* fault contexts for signal handlers, 0..UVS_MAX_SERVERS - nr_servers */
};
#define UVS_CFG_PIN_SERVERS	0x1	/* pin server i to CPU i % nr_cpus */
#define UVS_CFG_NO_BATCH_AHEAD	0x2	/* readahead page by page, not a run in one install (a benchmark's control) */

/* Result of compressing one parked page (uvs_compress). */
enum uvs_cresult_kind {
	UVS_CR_LOST = 0,	/* no longer CACHE: a fault took the page back first */
	UVS_CR_ZERO = 1,
	UVS_CR_FILL = 2,	/* same-filled; fill holds the word */
	UVS_CR_ZSTD = 3,	/* len compressed bytes in scratch */
	UVS_CR_LZ4  = 4,
	UVS_CR_RAW  = 5,	/* did not compress well: 4096 raw bytes in scratch */
	UVS_CR_UNIT = 6,	/* first page of a unit: its frame (len bytes) in scratch from this page on */
	UVS_CR_UNIT_PAGE = 7,	/* a later page of the unit begun UVS_UNIT_PAGES-aligned before it */
};

struct uvs_cresult {
	uint32_t kind;
	uint32_t len;
	uint64_t fill;
};

enum uvs_codec_id {
	UVS_CODEC_ZSTD = 0,
	UVS_CODEC_LZ4  = 1,
};

/* No page at this index: uvs_evict's out_pages entry for a slot it could not use. */
#define UVS_NO_PAGE		(~0ULL)

struct uvs_ctx;

#define UVS_API __attribute__((visibility("default")))

/*
 * In-thread fault service.  uvs_sigbus_attach installs uvswap's SIGBUS handler (through libc's
 * own sigaction, verified with the kernel; the handler it replaces gets every SIGBUS that is not
 * a fault in an in-thread region) and starts a watchdog that reinstalls it if it is replaced.
 * Detach before uvs_destroy.  uvs_sigbus_counters fills out[0] = 1 if the kernel has our handler
 * now, out[1] = reinstalls by the watchdog, out[2] = signals forwarded.
 */
UVS_API int64_t uvs_sigbus_attach(struct uvs_ctx *ctx);
UVS_API int64_t uvs_sigbus_detach(struct uvs_ctx *ctx);
UVS_API int64_t uvs_sigbus_counters(int64_t *out, int32_t n);

/* Version of this contract; Java refuses a library with another. */
UVS_API int64_t uvs_abi_version(void);
#define UVS_ABI_VERSION		14

/* Create the context (does not start threads).  *out receives the context pointer. */
UVS_API int64_t uvs_create(const struct uvs_config *cfg, struct uvs_ctx **out);
/* Start the fault-server threads. */
UVS_API int64_t uvs_start(struct uvs_ctx *ctx);
/* Stop and join the servers, free the context.  The uffd is left for the caller to close. */
UVS_API int64_t uvs_destroy(struct uvs_ctx *ctx);

/*
 * Make a registered region known to the servers; returns its id.  pagemap has len/4096 words.
 * With UVS_REGION_THP (base and len 2 MiB aligned, the mapping MADV_HUGEPAGE) an untouched
 * extent's first touch and a whole-extent swap-in are served with one huge page.
 */
UVS_API int64_t uvs_region_add(struct uvs_ctx *ctx, uint64_t base, uint64_t len, uint64_t *pagemap,
			       uint32_t flags);
#define UVS_REGION_THP		0x1
/*
 * Registered on cfg.sigbus_uffd: a fault raises SIGBUS on the faulting thread, and uvswap's
 * handler serves it there (uvs_sigbus_attach).  Faults taken inside the kernel (read(2) into the
 * region, socket writes from it) fail with EFAULT instead: such regions stay with the servers.
 */
#define UVS_REGION_INTHREAD	0x2
/*
 * First-touch windows: a sequential first touch of a 4 KiB page also gives the next
 * never-touched pages (up to 16) their zero page, so a sequential writer faults once per 17
 * pages.  Pages it never writes may become resident, as with the kernel's 64 KiB mTHP.
 */
#define UVS_REGION_FT_WINDOW	0x4
/*
 * Pages of the region that are present: counted as they are installed (faults, prefaults) and
 * moved out (uvs_evict), so it costs nothing to ask.  Pages the application itself discards
 * (MADV_DONTNEED) are not seen.
 */
UVS_API int64_t uvs_region_resident(struct uvs_ctx *ctx, int32_t id);
/*
 * Pages whose UFFDIO_MOVE reported something else than what the page tables showed after it
 * (moved but reported failed, or the reverse).  Every move that can lead to a page being
 * destroyed is checked with mincore on both sides; this counts what the check caught.
 */
UVS_API int64_t uvs_move_mismatches(struct uvs_ctx *ctx);
/*
 * Resident pages uvs_evict claimed but could not move out: the kernel refused them (shared with
 * another process copy-on-write, merged by KSM, pinned by I/O), so they stayed in the region.
 */
UVS_API int64_t uvs_evict_refused(struct uvs_ctx *ctx);
/* Summed time, in ns, the servers spent serving the region's faults (its threads' stall time). */
UVS_API int64_t uvs_region_stall_ns(struct uvs_ctx *ctx, int32_t id);
/*
 * Hold the faults of every region in group @id's subtree while the group is over its memory limit, as the kernel makes a task
 * that charges a page to a full memcg wait for reclaim: a server sets such a fault aside (it goes
 * on serving others) and serves it when the throttle is lifted, when until_ns (CLOCK_MONOTONIC,
 * Java's System.nanoTime) passes while the calling thread is not runnable, or after
 * UVS_THROTTLE_MAX_NS.  until_ns is a lease the reclaimer renews while it makes progress: when Java
 * is stopped (a safepoint waits for the very thread whose fault is held, or a GC) the reclaimer
 * blocks, the lease runs out and faults flow again, so the hold never waits on a JVM that is
 * waiting on it.  A reclaimer that is only descheduled or slow (a loaded machine) stays runnable
 * and keeps the hold.  0 lifts the throttle.
 */
UVS_API int64_t uvs_group_throttle(struct uvs_ctx *ctx, int32_t id, int64_t until_ns);

/*
 * Memory groups as the fault path sees them: each counts the pages installed in its regions
 * and its children's (charged on install, uncharged on eviction, as memcg charges a folio), and
 * a fault that would install while any group above its region is past hold_above_pages waits,
 * on the faulting path, before it charges: the check is made when the page is charged, not
 * when a reclaimer next looks.  The wait follows the throttle's rules: it lasts while the
 * reclaimer thread (uvs_set_reclaimer) is runnable, at most UVS_THROTTLE_MAX_NS a fault, so it
 * never waits on a JVM that waits on it.  Parked pages are not counted here (Java adds them).
 * Ids are the groups' account ids; parent -1 for a top-level group; INT64_MAX: no hold.
 */
#define UVS_MAX_GROUPS		4096
UVS_API int64_t uvs_group_set(struct uvs_ctx *ctx, int32_t id, int32_t parent, int64_t hold_above_pages);
/* Pages installed in the group's subtree, as the fault path counts them. */
UVS_API int64_t uvs_group_pages(struct uvs_ctx *ctx, int32_t id);
/* Puts region @region in group @group; only while it has no resident page (-EBUSY). */
UVS_API int64_t uvs_region_set_group(struct uvs_ctx *ctx, int32_t region, int32_t group);
/* The calling thread is the reclaimer whose runnability keeps group holds (see uvs_group_set). */
UVS_API int64_t uvs_set_reclaimer(struct uvs_ctx *ctx);
/*
 * The reclaimer's idle wait, up to timeout_ns: 1 when woken (uvs_reclaimer_wake, or a fault held
 * by a group past its hold), 0 on timeout.  A reclaimer waiting here keeps holds like a runnable
 * one: the held fault wakes it, and it is back at work within a wake-up.
 */
UVS_API int64_t uvs_reclaimer_wait(struct uvs_ctx *ctx, int64_t timeout_ns);
UVS_API int64_t uvs_reclaimer_wake(struct uvs_ctx *ctx);
#define UVS_THROTTLE_MAX_NS	50000000
/*
 * Direct reclaim (uvs_reclaim.c).  uvs_direct_setup turns it on: @owner_base is the slot owner
 * table (32-bit words: account id in bits 0..11), @codec the codec of stored pages
 * (enum uvs_codec_id), staging_chunks[i] the first page of a 512-page staging chunk that fault
 * context i owns for its batches (Java never parks there).  Call once, before any group has a
 * direct limit.  uvs_magazine is context i's magazine (shared memory, valid until uvs_destroy).
 */
UVS_API int64_t uvs_direct_setup(struct uvs_ctx *ctx, uint64_t owner_base, int32_t codec,
				 const uint64_t *staging_chunks, int32_t n);
UVS_API struct uvs_magazine *uvs_magazine(struct uvs_ctx *ctx, int32_t i);
/*
 * A fault that would install a page while group @id's subtree holds more than @max_pages
 * (installed plus parked, uvs_group_parked) first reclaims that subtree's pages on the faulting
 * path (INT64_MAX: never).  @pool_room: pool bytes direct reclaim may still store for regions
 * of this very group (Java keeps it at the group's zswapMax room, the tightest up the chain);
 * C takes from it as it stores.
 */
UVS_API int64_t uvs_group_direct(struct uvs_ctx *ctx, int32_t id, int64_t max_pages, int64_t pool_room);
/* Whether direct reclaim may take pages of the region (0: it has pinned pages Java guards). */
UVS_API int64_t uvs_region_direct(struct uvs_ctx *ctx, int32_t id, int32_t allowed);
/* Pages direct reclaim took from group @id's subtree (relaxed count). */
UVS_API int64_t uvs_group_direct_pages(struct uvs_ctx *ctx, int32_t id);
/*
 * Adds @delta to the pages aging keeps parked for group @id and every group above it: they are
 * memory the group still uses, so direct reclaim counts them with the installed pages.
 */
UVS_API int64_t uvs_group_parked(struct uvs_ctx *ctx, int32_t id, int64_t delta);

/* Forget a region (already unregistered from the uffd) and wait until no server still reads it. */
UVS_API int64_t uvs_region_remove(struct uvs_ctx *ctx, int32_t id);

/*
 * Swap out the resident pages among [first_page, first_page + npages) of a region: claim each
 * page-map word, publish CACHE(staging_first + i) in vslots[i]'s descriptor, move the pages into
 * the staging area (UFFDIO_MOVE, one ioctl per contiguous run), release the claims.
 * vslots[] holds npages free slots; entry i of out_pages gets the page that used vslots[i] and
 * staging page staging_first + i, or UVS_NO_PAGE when it could not be moved (left unpublished).
 * Returns how many entries were used (a prefix of vslots[]; the rest stay free).  When a whole
 * 2 MiB extent moves in one run its page-map words get UVS_PM_THP.
 */
UVS_API int64_t uvs_evict(struct uvs_ctx *ctx, int32_t region, uint64_t first_page, uint32_t npages,
			  const uint64_t *vslots, uint64_t staging_first, uint64_t *out_pages);

/*
 * For each slot still holding exactly CACHE(staging_first + i) (what uvs_evict published for
 * it): claim it, classify its parked page (zero, same-filled) or compress it into
 * scratch + i * 4096 with the given codec, and put the descriptor back.  Java then stores the
 * result in the pool and replaces CACHE with a CAS; a fault may win meanwhile.  The exact match
 * matters: a slot taken back by a fault can be freed and reused by another batch, whose CACHE
 * is published before its page has moved.
 * @dict: -1, or a dictionary slot from uvs_dict_add to compress with (zstd only).
 * @units: bit u asks for entries [16u, 16u + 16) as one unit (zstd only): when all 16 are still
 * parked and not all same-filled, and their frame at UVS_UNIT_LEVEL fits 16 pieces, entry 16u is
 * UVS_CR_UNIT (the frame in scratch from page 16u on) and the 15 after it UVS_CR_UNIT_PAGE;
 * otherwise each entry is classified alone, as without the bit.
 */
UVS_API int64_t uvs_compress(struct uvs_ctx *ctx, const uint64_t *vslots, uint32_t n, uint64_t staging_first,
			     int32_t codec, int32_t dict, uint32_t units, uint8_t *scratch, struct uvs_cresult *out);

/*
 * Writeback's split of a unit (issue 18): decode the unit whose header is at pool offset
 * @header and classify or compress each of its 16 pages alone, as uvs_compress does, into
 * scratch + i * 4096 and out[i].  Java pins the unit first (its live word's pin bit), so the
 * header and pieces stay while this reads them; it then moves each page that is still named
 * by its slot to its own pool object with a CAS.  -EIO if the unit does not decode.
 */
UVS_API int64_t uvs_unit_split(struct uvs_ctx *ctx, uint64_t header, int32_t codec, uint8_t *scratch,
			       struct uvs_cresult *out);

/*
 * zstd dictionaries (issue 18).  Java trains a dictionary per memory group (zstd-jni's trainer),
 * makes its ZSTD_CDict and ZSTD_DDict with the libzstd it handed over, and installs them in a
 * free slot here.  A frame made with a dictionary carries the dictionary's id in its header, so
 * every decoder (pool, swap file, far tier) finds the dictionary by that id without a new
 * handle format; a frame whose id is not installed is refused (-EIO), never decoded without it.
 * A slot, once set, stays set until uvs_destroy (objects made with it may live that long);
 * Java frees the dictionaries after that, and serialises the calls.  -EINVAL: bad slot, id 0 or a missing pointer or
 * codec entry point; -EEXIST: the slot is taken or the id is installed already.
 */
#define UVS_DICT_MAX		16
UVS_API int64_t uvs_dict_add(struct uvs_ctx *ctx, int32_t slot, uint32_t id, void *cdict, void *ddict);

/*
 * Make [first_page, first_page + npages) of a region present, serving each missing page exactly
 * as a fault would (first touch, or swap-in from its slot).  Consumed slots are written to
 * out[] (not to a ring) for the caller to free.  Returns the number of records in out[], or
 * -EIO when a slot's data could not be read (that page and its slot are left as they were).
 */
UVS_API int64_t uvs_populate(struct uvs_ctx *ctx, int32_t region, uint64_t first_page, uint32_t npages,
			     struct uvs_completion *out);

/*
 * Attach swap file idx (0..UVS_MAX_FILES-1) so faults can read its FILE slots with pread(fd),
 * or detach it with fd -1, which returns once no reader is still using the old fd (the caller
 * may close it then).  The caller keeps ownership of the fd.
 */
UVS_API int64_t uvs_file_attach(struct uvs_ctx *ctx, int32_t idx, int32_t fd);
/* Fault injection (tests): the next count reads of file idx fail with errno err; count 0 clears. */
UVS_API int64_t uvs_file_inject(struct uvs_ctx *ctx, int32_t idx, int32_t err, int32_t count);

/*
 * Far tier (a Redis server): its objects have file handles whose file index is the tier's and
 * whose offset is the object's id (Java allocates ids once and never reuses them).  The object
 * is the value of key <prefix><id as 16 lowercase hex digits>: a uvs_far_rec, then the page's
 * stored form.  C reads with GET and uses the bytes only if the record names this tier (tag),
 * this id, the handle's length and format, and the CRC-32C (Castagnoli, as java.util.zip.CRC32C)
 * of the stored bytes matches.  All fields little-endian.
 */
#define UVS_FAR_MAGIC		0x46535655U	/* "UVSF" */
struct uvs_far_rec {
	uint32_t magic;		/* UVS_FAR_MAGIC */
	uint32_t len;		/* stored bytes after the record */
	uint64_t tag;		/* the tier instance: random, drawn at attach */
	uint64_t id;		/* the object id, as in its file handle */
	uint32_t crc;		/* CRC-32C of the stored bytes */
	uint32_t fmt;		/* UVS_FMT_* */
};
/*
 * Attach a far tier at file index idx: host is an IPv4 or IPv6 address literal, prefix the key
 * prefix (1..95 bytes), tag the instance's record tag, timeout_ms each socket operation's limit,
 * hello (hello_len bytes, at most 1024; 0 for none) the RESP command sent on each new connection
 * (an AUTH), to which the server must answer "+OK".  Connections are made by the first reads.  -EBUSY if the index is in use.  A read that cannot
 * reach the server fails with -EAGAIN, which the fault path retries for UVS_RETRY_MAX_MS.
 */
UVS_API int64_t uvs_far_attach(struct uvs_ctx *ctx, int32_t idx, const char *host, int32_t port,
			       const char *prefix, uint64_t tag, int32_t timeout_ms, const void *hello,
			       int32_t hello_len);
/* Detach it: returns once no reader still uses it, with its connections closed. */
UVS_API int64_t uvs_far_detach(struct uvs_ctx *ctx, int32_t idx);

/* The server's completion ring and statistics (shared memory, valid until uvs_destroy). */
/*
 * Fault contexts: the servers, then the in-thread contexts.  Each has a completion ring and
 * stats; uvs_server_ring and uvs_server_stats take an index below this.
 */
UVS_API int64_t uvs_fault_contexts(struct uvs_ctx *ctx);
UVS_API struct uvs_ring *uvs_server_ring(struct uvs_ctx *ctx, int32_t server);
UVS_API struct uvs_server_stats *uvs_server_stats(struct uvs_ctx *ctx, int32_t server);
/* Move up to max records from the spill queues and the overflow list into buf; returns how many. */
UVS_API int64_t uvs_drain_overflow(struct uvs_ctx *ctx, struct uvs_completion *buf, int64_t max);
/* Block up to timeout_ms until a server asks for a drain (ring filling up); 1 = asked, 0 = timeout. */
UVS_API int64_t uvs_wait_drain(struct uvs_ctx *ctx, int32_t timeout_ms);
/*
 * Wait until every server has finished the batch of faults it was serving: afterwards the
 * completions of every fault whose thread already resumed are in the rings (a server wakes the
 * faulting thread before it posts the completion).
 */
UVS_API int64_t uvs_quiesce(struct uvs_ctx *ctx);
/* Lower bound, in ns, of histogram bucket idx. */
UVS_API uint64_t uvs_hist_bucket_floor(uint32_t idx);

#endif /* UVSWAP_H */
