// SPDX-License-Identifier: Apache-2.0
/*
 * uvs_smoke.c - libuvswap against the real kernel, without Java: first touch, evict to CACHE and
 * fault back (MOVE), compress to the pool (raw, through a stand-in codec) and fault back (COPY),
 * zero and same-filled pages, populate.  Every page's bytes are checked.  Run by `make check`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "uvswap.h"
#include "uvs_uffd.h"

#define PG 4096UL
#define NPAGES 1024UL
#define CHECK(c, ...) do { if (!(c)) { fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); fprintf(stderr, " (errno %d)\n", errno); exit(1); } } while (0)

/* Stand-in codec: never compresses, so every page goes the RAW way. */
static int fake_compress(const char *src, char *dst, int n, int cap) { (void)src; (void)dst; (void)n; (void)cap; return 0; }

static void *map_aligned(size_t len)
{
	char *p = mmap(NULL, len + (2UL << 20), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(p != MAP_FAILED, "mmap");
	char *a = (char *)(((uintptr_t)p + (2UL << 20) - 1) & ~((2UL << 20) - 1));
	madvise(a, len, MADV_NOHUGEPAGE);
	return a;
}

static uint64_t word_of(uint64_t page, uint64_t k) { return page * 1000003ULL + k * 7919ULL + 1; }

static void fill(char *region, uint64_t p)
{
	uint64_t *w = (uint64_t *)(region + p * PG);
	if (p % 4 == 1) return;				/* zero page (stays as first-touched) */
	for (uint64_t k = 0; k < PG / 8; k++)
		w[k] = p % 4 == 2 ? 0xabababababababab : word_of(p, k);
}

static int verify(char *region, uint64_t p)
{
	uint64_t *w = (uint64_t *)(region + p * PG);
	for (uint64_t k = 0; k < PG / 8; k++) {
		uint64_t want = p % 4 == 1 ? 0 : p % 4 == 2 ? 0xabababababababab : word_of(p, k);
		if (w[k] != want) return 0;
	}
	return 1;
}

/* The install wakes the faulting thread before the server posts the completion: wait for it. */
static uint64_t drain_once(struct uvs_ctx *ctx, int nservers, int want_tag);
static uint64_t drain(struct uvs_ctx *ctx, int nservers, int want_tag, uint64_t want)
{
	uint64_t n = 0;
	for (int tries = 0; tries < 2000 && n < want; tries++) {
		n += drain_once(ctx, nservers, want_tag);
		if (n < want) usleep(1000);
	}
	return n;
}

static uint64_t drain_once(struct uvs_ctx *ctx, int nservers, int want_tag)
{
	uint64_t n = 0;
	for (int s = 0; s < nservers; s++) {
		struct uvs_ring *r = uvs_server_ring(ctx, s);
		uint64_t tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		for (uint64_t h = r->head; h < tail; h++, n++)
			CHECK(want_tag < 0 || uvs_desc_tag(r->rec[h & (r->capacity - 1)].desc) == (uint64_t)want_tag,
			      "completion tag %llu", (unsigned long long)uvs_desc_tag(r->rec[h & (r->capacity - 1)].desc));
		__atomic_store_n(&r->head, tail, __ATOMIC_RELEASE);
	}
	return n;
}

int main(void)
{
	int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	CHECK(uffd >= 0, "userfaultfd");
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_MOVE };
	CHECK(!ioctl(uffd, UFFDIO_API, &api), "UFFDIO_API (UFFD_FEATURE_MOVE needs Linux >= 6.8)");

	char *region = map_aligned(NPAGES * PG), *staging = map_aligned(2 * NPAGES * PG);
	uint64_t *pagemap = calloc(NPAGES, 8), *desc = map_aligned(1 << 20);
	char *pool = map_aligned(NPAGES * PG * 2);
	struct uffdio_register reg = { .range = { (uintptr_t)region, NPAGES * PG }, .mode = UFFDIO_REGISTER_MODE_MISSING };
	CHECK(!ioctl(uffd, UFFDIO_REGISTER, &reg), "register region");
	reg.range.start = (uintptr_t)staging; reg.range.len = 2 * NPAGES * PG;
	CHECK(!ioctl(uffd, UFFDIO_REGISTER, &reg), "register staging");

	struct uvs_config cfg = { .uffd = uffd, .nr_servers = 2, .ring_capacity = 4096,
		.desc_base = (uintptr_t)desc, .desc_slots = (1 << 20) / 8, .pool_base = (uintptr_t)pool,
		.pool_bytes = NPAGES * PG * 2, .staging_base = (uintptr_t)staging, .staging_pages = 2 * NPAGES };
	cfg.codec.lz4_compress_default = (void *)fake_compress;
	struct uvs_ctx *ctx;
	CHECK(uvs_create(&cfg, &ctx) == 0, "create");
	CHECK(uvs_start(ctx) == 0, "start");
	int rid = (int)uvs_region_add(ctx, (uintptr_t)region, NPAGES * PG, pagemap, 0);
	CHECK(rid >= 0, "region add %d", rid);

	for (uint64_t p = 0; p < NPAGES; p++) {
		volatile char c = region[p * PG];	/* read first touch: zero page */
		(void)c;
		fill(region, p);
	}
	for (uint64_t p = 0; p < NPAGES; p++) CHECK(verify(region, p), "first touch page %llu", (unsigned long long)p);
	printf("first touch: ok\n");

	/* Round 1: evict everything to CACHE, fault it back by touching. */
	uint64_t vslots[512], out[512], next_slot = 1;
	for (uint64_t b = 0; b < NPAGES; b += 512) {
		for (int i = 0; i < 512; i++) vslots[i] = next_slot++;
		int64_t n = uvs_evict(ctx, rid, b, 512, vslots, b, out);
		CHECK(n == 512, "evict returned %lld", (long long)n);
		for (int i = 0; i < 512; i++) CHECK(out[i] == b + i, "out %d", i);
	}
	unsigned char vec[NPAGES];
	mincore(region, NPAGES * PG, vec);
	for (uint64_t p = 0; p < NPAGES; p++) CHECK(!(vec[p] & 1), "page %llu still resident", (unsigned long long)p);
	for (uint64_t p = 0; p < NPAGES; p++) CHECK(verify(region, p), "cache round trip page %llu", (unsigned long long)p);
	{ uint64_t c = drain(ctx, 2, UVS_TAG_CACHE, NPAGES); CHECK(c == NPAGES, "completions %llu", (unsigned long long)c); }
	for (uint64_t p = 0; p < NPAGES; p++) CHECK(pagemap[p] == 0, "pagemap not cleared");
	madvise(staging, 2 * NPAGES * PG, MADV_DONTNEED);
	printf("cache round trip: ok\n");

	/*
	 * A fault message can outlive its fault (a duplicate for a page already served, "stale"):
	 * served after round 2's evict, it would take a page back that round 2 is about to store,
	 * and the CAS below would rightly fail.  Let the servers read and finish every message.
	 */
	for (int idle = 0; idle < 3;) {
		struct pollfd pfd = { .fd = cfg.uffd, .events = POLLIN };

		idle = poll(&pfd, 1, 0) == 0 ? idle + 1 : 0;
		usleep(2000);
	}
	CHECK(uvs_quiesce(ctx) == 0, "quiesce");

	/* Round 2: evict, compress (zero/fill/raw), store in the pool, fault back. */
	static uint8_t scratch[512 * PG];
	struct uvs_cresult res[512];
	uint64_t pool_off = 0, kinds[6] = { 0 };
	for (uint64_t b = 0; b < NPAGES; b += 512) {
		for (int i = 0; i < 512; i++) vslots[i] = next_slot++;
		CHECK(uvs_evict(ctx, rid, b, 512, vslots, b, out) == 512, "evict 2");
		CHECK(uvs_compress(ctx, vslots, 512, b, UVS_CODEC_LZ4, -1, 0, scratch, res) == 512, "compress");
		for (int i = 0; i < 512; i++) {
			uint64_t d;
			kinds[res[i].kind]++;
			if (res[i].kind == UVS_CR_ZERO) {
				d = uvs_desc_make(UVS_TAG_ZERO, 0);
			} else {
				uint64_t fmt = res[i].kind == UVS_CR_FILL ? UVS_FMT_FILL : UVS_FMT_RAW;
				if (fmt == UVS_FMT_FILL) memcpy(pool + pool_off, &res[i].fill, 8);
				else memcpy(pool + pool_off, scratch + i * PG, res[i].len);
				d = uvs_desc_make(UVS_TAG_ZSWAP, uvs_handle_make(pool_off, res[i].len, fmt));
				pool_off += (res[i].len + 31) & ~31UL;
			}
			uint64_t expect = uvs_desc_make(UVS_TAG_CACHE, b + i);
			CHECK(__atomic_compare_exchange_n(&desc[vslots[i]], &expect, d, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED), "cas");
		}
		madvise(staging + b * PG, 512 * PG, MADV_DONTNEED);
	}
	CHECK(kinds[UVS_CR_ZERO] == NPAGES / 4 && kinds[UVS_CR_FILL] == NPAGES / 4 && kinds[UVS_CR_RAW] == NPAGES / 2,
	      "kinds zero=%llu fill=%llu raw=%llu", (unsigned long long)kinds[1], (unsigned long long)kinds[2], (unsigned long long)kinds[5]);
	/* half back by populate (the caller's completions), half by faults */
	struct uvs_completion comp[512];
	CHECK(uvs_populate(ctx, rid, 0, 512, comp) == 512, "populate");
	for (uint64_t p = 0; p < NPAGES; p++) CHECK(verify(region, p), "pool round trip page %llu", (unsigned long long)p);
	CHECK(drain(ctx, 2, -1, 512) == 512, "completions 2");
	printf("pool round trip: ok\n");

	/* Stats were counted. */
	uint64_t faults[UVS_FK_NR] = { 0 };
	for (int s = 0; s < 2; s++)
		for (int k = 0; k < UVS_FK_NR; k++) faults[k] += uvs_server_stats(ctx, s)->faults[k];
	printf("faults: first=%llu zero=%llu zswap=%llu cache=%llu stale=%llu\n",
	       (unsigned long long)faults[0], (unsigned long long)faults[1], (unsigned long long)faults[2],
	       (unsigned long long)faults[4], (unsigned long long)faults[5]);
	uint64_t ra = uvs_server_stats(ctx, 0)->readahead + uvs_server_stats(ctx, 1)->readahead;
	printf("readahead: %llu pages\n", (unsigned long long)ra);
	/* every page came back exactly once (the completion counts above); a sequential scan mostly by readahead */
	CHECK(faults[UVS_FK_CACHE] > 0 && ra > NPAGES / 2, "sequential swap-in used readahead");
	CHECK(uvs_hist_bucket_floor(0) == 0 && uvs_hist_bucket_floor(4) == 4 && uvs_hist_bucket_floor(8) == 8 &&
	      uvs_hist_bucket_floor(9) == 10, "hist floors");

	struct uffdio_range rg = { (uintptr_t)region, NPAGES * PG };
	CHECK(!ioctl(uffd, UFFDIO_UNREGISTER, &rg), "unregister");
	CHECK(uvs_region_remove(ctx, rid) == 0, "remove");
	CHECK(uvs_destroy(ctx) == 0, "destroy");
	printf("1 passed, 0 failed\n");
	return 0;
}
