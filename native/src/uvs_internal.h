/* SPDX-License-Identifier: Apache-2.0 */
/* uvs_internal.h - libuvswap's private structures; the shared ones are in uvswap.h. */
#ifndef UVS_INTERNAL_H
#define UVS_INTERNAL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "uvswap.h"
#include "uvs_uffd.h"

#define UVS_PAGE_MASK	(~(UVS_PAGE_SIZE - 1))
#define UVS_RECENT_EXTENTS	4

/* Atomic views of words that Java also reads and writes through VarHandles. */
static inline _Atomic uint64_t *uvs_atomic64(uint64_t *p) { return (_Atomic uint64_t *)p; }

/*
 * A region known to the servers.  Written by uvs_region_add/remove under ctx->region_lock;
 * read by servers without the lock: @end is published last with a release store and is the
 * "live" flag, so a server that sees a non-zero @end also sees @base and @pagemap.
 */
struct uvs_region {
	uint64_t base;
	_Atomic uint64_t end;		/* 0 = slot unused or removed */
	uint64_t *pagemap;
	uint32_t flags;			/* UVS_REGION_* */
	int uffd;			/* the userfaultfd it is registered on: resolve ioctls go there */
	_Atomic uint64_t ra_next;	/* readahead: the page a sequential reader faults on next */
	/*
	 * The extents of the region's last faults (+1; 0 = none), a small ring per region so that
	 * a few threads each scanning their own part still look sequential (uvs_thp.c).
	 */
	_Atomic uint64_t recent_ext[UVS_RECENT_EXTENTS];
	_Atomic uint32_t recent_next;
	_Atomic int64_t resident;	/* pages we installed minus pages we moved out (relaxed) */
	_Atomic uint64_t stall_ns;	/* summed service time of the region's faults (relaxed) */
	_Atomic int32_t group;		/* the group charged for its pages, or -1 */
	_Atomic uint64_t direct_hand;	/* direct reclaim's clock hand, in extents (relaxed) */
	_Atomic int direct_ok;		/* direct reclaim may take its pages (no pins; uvs_region_direct) */
};

/* How deep a group tree the fault path walks (a cycle set by mistake cannot loop it). */
#define UVS_GROUP_DEPTH_MAX	64

/* A memory group's charge and hold (uvs_group_set). */
struct uvs_group {
	_Atomic int64_t pages;		/* installed in the subtree (relaxed: a count) */
	_Atomic int64_t hold_above;	/* faults wait while pages is above this */
	_Atomic int32_t parent;		/* -1: top level */
	_Atomic int64_t throttle_until;	/* > 0: hold the subtree's faults until this time (uvs_group_throttle) */
	_Atomic int32_t throttle_tid;	/* the thread that set it: a lapsed lease holds while it is runnable */
	_Atomic int64_t direct_max;	/* faults reclaim first while pages + parked is above this (uvs_group_direct) */
	_Atomic int64_t parked;		/* pages Java's aging parked in staging, subtree (relaxed: a count) */
	_Atomic int64_t pool_room;	/* pool bytes direct reclaim may still store for this group */
	_Atomic int64_t direct_pages;	/* pages direct reclaim took from the subtree (relaxed) */
	_Atomic uint32_t direct_cursor;	/* where the next pass looks for a victim region (relaxed) */
};

/*
 * A fault context's direct reclaim state (uvs_reclaim.c): preallocated, so a signal handler
 * reclaims without allocating.  Only the context's holder touches it.
 */
struct uvs_direct {
	struct uvs_magazine *mag;	/* shared with Java */
	uint64_t staging_first;		/* the context's own 512-page staging chunk */
	uint64_t vslots[UVS_BATCH_MAX];	/* the batch's slots */
	uint64_t pages[UVS_BATCH_MAX];	/* uvs_evict's out_pages */
	struct uvs_cresult res[UVS_BATCH_MAX];
	uint64_t stash[UVS_BATCH_MAX];	/* slots taken from the magazine and not used yet */
	uint32_t nstash;
	uint64_t span;			/* the span being filled (offset from pool_base), or ~0 */
	uint32_t span_used;		/* bytes of it used */
	uint32_t span_objects;		/* objects put in it */
	void *cctx;			/* zstd compression context, made and warmed at setup */
	uint8_t *scratch;		/* UVS_DIRECT_SCRATCH pages: what uvs_compress copies and compresses into */
};
/*
 * Pages compressed at a time by direct reclaim: its own scratch, never the context's THP
 * buffer, which the whole-extent path needs empty (a zero page there is a page not written).
 */
#define UVS_DIRECT_SCRATCH	64

/* Where completions of swap-ins go: a server's ring, or uvs_populate's caller array. */
struct uvs_sink {
	struct uvs_server *server;	/* NULL: write to out[] */
	struct uvs_completion *out;
	uint32_t n;
	uint32_t cap;
};

/* A swap file the fault path may read (uvs_file.c). */
struct uvs_file {
	_Atomic int fd;			/* -1: not attached */
	_Atomic int readers;		/* reads in progress; a detach waits for 0 */
	_Atomic int inject_err;		/* tests: errno of injected read failures */
	_Atomic int inject_count;	/* tests: how many reads still fail */
	struct uvs_far *_Atomic far;	/* non-NULL: a far tier (uvs_far.c), not a file */
};

struct uvs_overflow_node {
	struct uvs_overflow_node *next;
	struct uvs_completion rec;
};

/*
 * A fault context's spill queue (uvs_ring.c): the completions its full ring cannot take.  An
 * unbounded single-producer (whoever holds the context) single-consumer (uvs_drain_overflow,
 * under Java's drainer lock) queue of 64 KiB chunks, in the manner of JCTools'
 * SpscUnboundedArrayQueue.  A signal handler may push: a chunk comes from a raw mmap, or from
 * the one the consumer last finished, never from malloc.
 */
#define UVS_SPILL_CHUNK_BYTES	(64UL << 10)

struct uvs_spill_chunk {
	_Atomic(struct uvs_spill_chunk *) next;	/* set (release) when the producer moves on */
	_Atomic uint32_t n;			/* records written (release by the producer) */
	uint32_t pad;
	struct uvs_completion rec[];
};

#define UVS_SPILL_RECS	((UVS_SPILL_CHUNK_BYTES - sizeof(struct uvs_spill_chunk)) / sizeof(struct uvs_completion))

struct uvs_spill {
	struct uvs_spill_chunk *tail;		/* the producer's chunk */
	struct uvs_spill_chunk *head;		/* the consumer's chunk */
	uint32_t pos;				/* records of head the consumer took */
	_Atomic(struct uvs_spill_chunk *) spare;	/* a consumed chunk, for the producer's next */
};

/*
 * A fault context's last decoded compression unit (uvs_codec.c): @pages holds its 16 pages,
 * valid for the unit whose header sits at pool offset @off with serial @serial.  @frame is
 * where its pieces are gathered before the decode.  Both made in advance: a signal handler
 * decodes into them.
 */
struct uvs_unit_cache {
	uint8_t *pages;			/* UVS_UNIT_BYTES */
	uint8_t *frame;			/* UVS_UNIT_BYTES: a frame is never kept larger */
	uint64_t off;
	uint64_t serial;
	int valid;
};

/* What a fault context last saw of a throttle lease's renewer (uvs_fault.c). */
struct uvs_renewer_view {
	pid_t tid;
	uint64_t at;
	int runnable;
};

struct uvs_server {
	struct uvs_ctx *ctx;
	int id;
	pthread_t thread;
	int started;
	/*
	 * Quiescence for region removal: odd while the server handles a batch of messages.
	 * Incremented with release (end of batch: our reads of a region are done) and
	 * acquire-read by uvs_region_remove.
	 */
	_Atomic uint64_t seq;
	struct uvs_ring *ring;		/* shared with Java */
	struct uvs_spill spill;		/* what the ring cannot take */
	struct uvs_server_stats *stats;	/* shared with Java */
	void *bounce;			/* one page, decompression target for UFFDIO_COPY */
	void *fbuf;			/* one page, a compressed page read from a swap file */
	void *thp_buf;			/* 2 MiB, unregistered: a huge page is assembled here */
	struct extent *thp_extent;	/* claim state of the extent being assembled */
	void *dctx;			/* zstd decompression context, made with the context */
	struct uvs_unit_cache unit;	/* the last compression unit it decoded */
	void *ra_buf;			/* UVS_AHEAD_MAX pages read + as many decoded: readahead in one install */
	int inthread;			/* an in-thread fault context (uvs_sigbus.c), not a server thread */
	_Atomic int claimed;		/* in-thread: 1 while a signal handler uses it */
	struct uvs_renewer_view renewer;	/* in-thread: its throttle waits' view (servers keep theirs) */
	struct uvs_direct *direct;	/* direct reclaim state, NULL until uvs_direct_setup */
};

/* A zstd dictionary slot: id is stored last (release), and the pointers never change after. */
struct uvs_dict {
	_Atomic uint32_t id;		/* 0: free */
	void *cdict;			/* ZSTD_CDict made at the codec's level */
	void *ddict;			/* ZSTD_DDict */
};

struct uvs_ctx {
	struct uvs_config cfg;
	int stop_fd;			/* eventfd: servers exit when it is readable */
	int drain_fd;			/* eventfd: servers ask Java's drainer to run */
	int nr_cpus;
	_Atomic int stopping;		/* servers give up retrying a failing fault */
	/*
	 * [0, nr_servers): the server threads; [nr_servers, nr_ctx): in-thread fault contexts,
	 * claimed by signal handlers.  Each has its own ring, stats and buffers.
	 */
	struct uvs_server servers[UVS_MAX_SERVERS];
	int nr_inthread;
	int nr_ctx;
	int live_slot;			/* uvs_sigbus.c's slot for this context, -1 if none */
	pthread_mutex_t region_lock;	/* serialises add/remove; servers never take it */
	_Atomic int32_t region_hwm;	/* regions[0..hwm) may be live */
	struct uvs_region regions[UVS_MAX_REGIONS];
	_Atomic(struct uvs_overflow_node *) overflow;	/* Treiber stack: sinks of Java's calls push, Java pops all */
	struct uvs_file files[UVS_MAX_FILES];
	_Atomic uint64_t move_mismatches;	/* pages a UFFDIO_MOVE misreported (relaxed) */
	_Atomic int32_t reclaimer_tid;		/* whose runnability keeps a group hold (0: none) */
	_Atomic int reclaimer_waiting;		/* 1 while it waits in uvs_reclaimer_wait: a hold wakes it */
	int reclaim_fd;				/* eventfd the reclaimer waits on */
	struct uvs_group groups[UVS_MAX_GROUPS];
	_Atomic uint64_t evict_refused;		/* resident pages uvs_evict could not move (relaxed) */
	uint32_t *owner_base;			/* slot owner table (uvs_direct_setup) */
	int32_t direct_codec;			/* enum uvs_codec_id of what direct reclaim stores */
	_Atomic int direct_on;			/* uvs_direct_setup done (release: the state above is set) */
	struct uvs_dict dicts[UVS_DICT_MAX];	/* uvs_dict_add; set once each */
};

/* uvs_ctx.c */
struct uvs_region *uvs_region_of_addr(struct uvs_ctx *ctx, uint64_t addr);
struct uvs_region *uvs_region_get(struct uvs_ctx *ctx, int32_t id);
static inline void *uvs_staging_page(struct uvs_ctx *ctx, uint64_t idx)
{
	return (void *)(uintptr_t)(ctx->cfg.staging_base + (idx << UVS_PAGE_SHIFT));
}
/* Errors that may pass: the kernel was short of memory, or a page was busy for a moment. */
static inline int uvs_err_transient(int err)
{
	return err == -ENOMEM || err == -EAGAIN || err == -EBUSY || err == -EINTR;
}

/* How long a page whose service fails with an error that may pass is retried, in ms. */
#define UVS_RETRY_MAX_MS	10000

/* Sleep @ms milliseconds (nanosleep: async-signal-safe). */
static inline void uvs_sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static inline int uvs_in_staging(struct uvs_ctx *ctx, uint64_t addr)
{
	return addr >= ctx->cfg.staging_base &&
	       addr < ctx->cfg.staging_base + (ctx->cfg.staging_pages << UVS_PAGE_SHIFT);
}
/* A range uvs_evict or uvs_populate may work on: -EINVAL unless inside a live region. */
static inline int uvs_region_check_range(struct uvs_region *r, uint64_t first_page, uint32_t npages)
{
	uint64_t end = atomic_load_explicit(&r->end, memory_order_acquire);
	uint64_t pages = (end - r->base) >> UVS_PAGE_SHIFT;

	if (!end || npages == 0 || npages > UVS_BATCH_MAX || first_page >= pages || npages > pages - first_page)
		return -EINVAL;
	return 0;
}
uint64_t uvs_now_ns(void);
void uvs_charge(struct uvs_ctx *ctx, struct uvs_region *r, int64_t pages);
int uvs_group_over(struct uvs_ctx *ctx, struct uvs_region *r);

/* uvs_ring.c */
void uvs_sink_push(struct uvs_ctx *ctx, struct uvs_sink *sink, uint64_t vslot, uint64_t desc);
struct uvs_ring *uvs_ring_create(uint32_t capacity);
int uvs_spill_init(struct uvs_spill *sp);
void uvs_spill_free(struct uvs_spill *sp);

/* uvs_codec.c */
int uvs_codec_decompress(struct uvs_ctx *ctx, uint64_t handle, void *dst, void *dctx, struct uvs_unit_cache *uc);
int uvs_codec_compress_unit(struct uvs_ctx *ctx, const void *src, void *dst, uint32_t cap, uint32_t *len);
int uvs_unit_cache_init(struct uvs_unit_cache *uc);
void uvs_unit_cache_free(struct uvs_unit_cache *uc);
struct uvs_unit_cache *uvs_unit_cache_tls(void);

/* uvs_swapin.c: a run of pages read ahead with one UFFDIO_COPY (and one pread for its file pages) */
#define UVS_AHEAD_MAX	16
#define UVS_AHEAD_BUF	(2 * UVS_AHEAD_MAX * UVS_PAGE_SIZE)
uint32_t uvs_swapin_ahead(struct uvs_ctx *ctx, struct uvs_region *r, uint64_t first, uint64_t limit,
			  struct uvs_sink *sink, struct uvs_server_stats *st, uint8_t *buf, void *dctx,
			  struct uvs_unit_cache *uc, int *file_read);
int uvs_codec_decode(struct uvs_ctx *ctx, uint64_t fmt, const void *src, uint64_t len, void *dst, void *dctx);

/* uvs_file.c */
void uvs_files_init(struct uvs_ctx *ctx);
int uvs_file_read_span(struct uvs_ctx *ctx, uint32_t idx, uint64_t off, uint64_t len, void *buf);
int uvs_file_read_far(struct uvs_ctx *ctx, uint32_t idx, const uint64_t *ids, const uint64_t *lens,
		      const uint64_t *fmts, uint32_t n, uint8_t *dst);
#define UVS_READ_NOWAIT	0x1	/* only from the page cache, else -EAGAIN */
int uvs_file_read(struct uvs_ctx *ctx, uint64_t fh, void *dst, void *stage, void *dctx, int flags, int *cause);

/* uvs_far.c */
struct uvs_far;
int uvs_far_read(struct uvs_far *far, uint64_t id, uint64_t len, uint64_t fmt, void *dst);
int uvs_far_read_many(struct uvs_far *far, const uint64_t *ids, const uint64_t *lens, const uint64_t *fmts,
		      uint32_t n, uint8_t *dst);
void uvs_far_free_all(struct uvs_ctx *ctx);

int uvs_codec_compress(struct uvs_ctx *ctx, int codec, void *cctx, const void *cdict, const void *src, void *dst,
		       uint32_t *len);
void *uvs_codec_cctx_create(struct uvs_ctx *ctx);
const void *uvs_dict_cdict(struct uvs_ctx *ctx, int32_t slot);
void uvs_codec_cctx_free(struct uvs_ctx *ctx, void *cctx);

/* uvs_evict.c: uvs_compress with a given zstd context (NULL: the thread's own) and dictionary */
int64_t uvs_compress_with(struct uvs_ctx *ctx, const uint64_t *vslots, uint32_t n, uint64_t staging_first,
			  int32_t codec, void *cctx, const void *cdict, uint8_t *scratch, struct uvs_cresult *out);

/* uvs_reclaim.c: direct reclaim on the faulting path */
int uvs_direct_reclaim(struct uvs_server *s, struct uvs_region *r, uint64_t addr);
int uvs_direct_over(struct uvs_ctx *ctx, struct uvs_region *r);
void uvs_direct_free(struct uvs_ctx *ctx);

/* uvs_stats.c */
void uvs_stats_record(struct uvs_server_stats *st, int kind, uint64_t ns);
void uvs_stats_error(struct uvs_server_stats *st, int err);

/* uvs_swapin.c */
int uvs_resolve_page(struct uvs_ctx *ctx, struct uvs_region *r, uint64_t addr, int write,
		     struct uvs_sink *sink, struct uvs_server_stats *st, int *kind);
int uvs_swapin_read(struct uvs_ctx *ctx, uint64_t d, void *dst, void *fbuf, void *dctx, struct uvs_unit_cache *uc,
		    int flags, int *cause);

/* uvs_fault.c */
int uvs_servers_start(struct uvs_ctx *ctx);
void uvs_servers_stop(struct uvs_ctx *ctx);
void uvs_spin_pause(struct uvs_server_stats *st);

/* uvs_sigbus.c / uvs_fault.c: the in-thread fault path */
int uvs_inthread_fault(struct uvs_ctx *ctx, uint64_t addr, int write);

/* uvs_thp.c */
int uvs_thp_serve(struct uvs_server *s, struct uvs_region *r, uint64_t addr, int *kind);
int uvs_thp_buffer_init(struct uvs_server *s);
void uvs_thp_buffer_free(struct uvs_server *s);

/* uvs_uffdio.c: the ioctls, retrying EAGAIN; return 0 or -errno */
int uvs_uffd_copy(int uffd, uint64_t dst, const void *src, uint64_t len);
int uvs_uffd_copy_part(int uffd, uint64_t dst, const void *src, uint64_t len, uint64_t *done);
int uvs_uffd_zeropage(int uffd, uint64_t dst, uint64_t len);
int uvs_uffd_move(int uffd, uint64_t dst, uint64_t src, uint64_t len, uint64_t mode, uint64_t *moved);
int uvs_uffd_wake(int uffd, uint64_t start, uint64_t len);
int uvs_uffd_poison(int uffd, uint64_t start, uint64_t len);

/* Where a page of a move is (uvs_page_whereabouts): bit 0 at the source, bit 1 at the destination. */
enum uvs_where { UVS_AT_NEITHER = 0, UVS_AT_SRC = 1, UVS_AT_DST = 2, UVS_AT_BOTH = 3 };
int uvs_page_whereabouts(uint64_t src, uint64_t dst, uint32_t npages, uint8_t *where);

#endif /* UVS_INTERNAL_H */
