package dev.uvswap;

import java.util.Map;

/**
 * A snapshot of one {@link VSwap}'s counters. Names follow the kernel's /proc/vmstat where a
 * counterpart exists.
 *
 * @param pswpin              pages swapped in (faults and prefaults that consumed a slot)
 * @param pswpout             pages swapped out (stored in the pool or as zero pages)
 * @param zswpin              pages loaded from the compressed pool
 * @param zswpout             pages stored in the compressed pool (same-filled ones included)
 * @param swpinZero           zero pages swapped in (nothing was stored)
 * @param swpoutZero          zero pages swapped out
 * @param cacheHits           pages brought back from the staging area before they were compressed
 * @param poolRejects         pages the pool refused (over its limit): they went back to their region
 * @param faults              faults served, by kind (a THP_* fault brings in 512 pages)
 * @param faultLatency        service-time percentiles by kind
 * @param thpSwpout           whole 2 MiB extents swapped out in one move
 * @param thpSwpinFallback    faults on pages of such extents served 4 KiB at a time, by reason
 * @param readaheadPages      pages swapped in ahead of sequential 4 KiB faults
 * @param poolStoredPages     objects in the pool
 * @param poolCompressedBytes bytes of those objects
 * @param poolTotalBytes      bytes of memory the pool holds (its spans)
 * @param poolMaxBytes        the pool's limit
 * @param slotsInUse          virtual slots allocated
 * @param slotClusters        512-slot clusters with at least one slot allocated
 * @param stagingPages        pages parked in the staging area
 * @param faultErrors         unexpected failures inside the fault servers, each retried (should be 0)
 * @param faultLastErrno      errno of the last such failure (0 if none)
 * @param kernelFaultsHandled whether faults taken inside system calls are served too
 * @param swpinFile           pages read back from swap files (faults and prefaults)
 * @param swpoutFile          pages the pool refused that went to a swap file instead
 * @param zswpwb              pool pages written back to swap files
 * @param writebackBatches    pwritev calls made by writeback
 * @param fileSlotsUsed       swap-file slots (4 KiB each) holding a page
 * @param fileBytes           stored bytes of those pages (compressed, as the pool held them)
 * @param fileBadSlots        slots a write failed on, never used again
 * @param fileWriteErrors     failed swap-file writes (their pages stayed in the pool or in memory)
 * @param fileNoSpace         writes that found the file system full
 * @param fileReadErrors      swap-file reads that failed on the fault path
 * @param poisonedPages       pages whose data could not be read: touching them raises an error
 * @param swapoffPages        pages moved out of retired files
 * @param zswapMaxBytes       the pool size that starts writeback
 * @param backgroundErrors    unexpected failures uvswap's background threads (the group reclaimer,
 *                            the completion drainer, writeback, the willNeed prefetcher) caught
 *                            and survived; each is logged as a warning on logger "dev.uvswap", at
 *                            most one per thread every 10 s (should be 0)
 * @param moveMismatches      pages whose move the kernel reported wrongly (moved but reported
 *                            failed, or the reverse), caught by checking the page tables before
 *                            anything was freed: each is a page that was not lost
 * @param evictRefusedPages   resident pages the kernel would not let leave (shared copy-on-write
 *                            with another process, merged by KSM, pinned by I/O): they stayed
 *                            resident and intact
 * @param firstTouchAheadPages never-touched pages of small-page regions given their zero page
 *                            by first-touch windows ({@link RegionOption#FIRST_TOUCH_WINDOWS})
 */
public record VSwapStats(
        long pswpin, long pswpout, long zswpin, long zswpout, long swpinZero, long swpoutZero,
        long cacheHits, long poolRejects,
        Map<FaultKind, Long> faults, Map<FaultKind, LatencyPercentiles> faultLatency,
        long thpSwpout, Map<ThpFallback, Long> thpSwpinFallback, long readaheadPages,
        long poolStoredPages, long poolCompressedBytes, long poolTotalBytes, long poolMaxBytes,
        long slotsInUse, long slotClusters, long stagingPages, long faultErrors, int faultLastErrno,
        boolean kernelFaultsHandled,
        long swpinFile, long swpoutFile, long zswpwb, long writebackBatches, long fileSlotsUsed, long fileBytes,
        long fileBadSlots, long fileWriteErrors, long fileNoSpace, long fileReadErrors, long poisonedPages,
        long swapoffPages, long zswapMaxBytes, long backgroundErrors, long moveMismatches, long evictRefusedPages,
        long firstTouchAheadPages) {

    public VSwapStats {
        faults = Map.copyOf(faults);
        faultLatency = Map.copyOf(faultLatency);
        thpSwpinFallback = Map.copyOf(thpSwpinFallback);
    }

    /** Whole 2 MiB extents swapped back in as one huge page. */
    public long thpSwpin() {
        return faults(FaultKind.THP_SWAPIN);
    }

    /** Untouched 2 MiB extents first touched as one huge page. */
    public long thpFirstTouch() {
        return faults(FaultKind.THP_FIRST_TOUCH);
    }

    /** All THP swap-in fallbacks, whatever the reason. */
    public long thpSwpinFallbacks() {
        return thpSwpinFallback.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Uncompressed bytes per pool byte for the pages now in the pool (1.0 when it is empty). */
    public double compressionRatio() {
        return poolCompressedBytes == 0 ? 1.0 : (double) poolStoredPages * 4096 / poolCompressedBytes;
    }

    /** Faults served of one kind. */
    public long faults(FaultKind kind) {
        return faults.getOrDefault(kind, 0L);
    }
}
