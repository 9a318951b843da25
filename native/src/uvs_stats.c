// SPDX-License-Identifier: Apache-2.0
/*
 * uvs_stats.c - per-server counters and log-linear latency histograms.
 *
 * One writer per struct (the server thread), so plain relaxed increments suffice; Java reads
 * them at any time and may see a count one behind, never a torn word (aligned 64-bit stores).
 */
#include "uvs_internal.h"

#include <time.h>

#define SUB (1U << UVS_HIST_SUB_BITS)

uint64_t uvs_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Values below SUB get a bucket each; above, each power of two is split in SUB buckets. */
static uint32_t hist_bucket(uint64_t ns)
{
	if (ns < SUB)
		return (uint32_t)ns;
	uint32_t e = 63 - (uint32_t)__builtin_clzll(ns);		/* ns >= 2^e */
	uint32_t sub = (uint32_t)(ns >> (e - UVS_HIST_SUB_BITS)) & (SUB - 1);
	uint32_t idx = (e - UVS_HIST_SUB_BITS + 1) * SUB + sub;

	return idx < UVS_HIST_BUCKETS ? idx : UVS_HIST_BUCKETS - 1;
}

uint64_t uvs_hist_bucket_floor(uint32_t idx)
{
	if (idx < SUB)
		return idx;
	if (idx >= UVS_HIST_BUCKETS)
		idx = UVS_HIST_BUCKETS - 1;
	uint32_t e = idx / SUB - 1 + UVS_HIST_SUB_BITS;
	uint64_t sub = idx % SUB;

	return (1ULL << e) + (sub << (e - UVS_HIST_SUB_BITS));
}

static inline void bump(uint64_t *p, uint64_t v)
{
	atomic_store_explicit(uvs_atomic64(p),
			      atomic_load_explicit(uvs_atomic64(p), memory_order_relaxed) + v,
			      memory_order_relaxed);
}

void uvs_stats_record(struct uvs_server_stats *st, int kind, uint64_t ns)
{
	bump(&st->faults[kind], 1);
	bump(&st->fault_ns[kind], ns);
	bump(&st->hist[kind][hist_bucket(ns)], 1);
}

void uvs_stats_error(struct uvs_server_stats *st, int err)
{
	bump(&st->errors, 1);
	atomic_store_explicit(uvs_atomic64(&st->last_errno), (uint64_t)(err < 0 ? -err : err),
			      memory_order_relaxed);
}
