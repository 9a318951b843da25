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
 * @param poolStoredPages     pages stored in the pool (a compression unit counts its pages)
 * @param poolCompressedBytes bytes of those objects
 * @param poolTotalBytes      bytes of memory the pool holds (its spans; spans stocked for direct
 *                            reclaim that C has not written to yet hold none and are left out)
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
 * @param fileSlotsUsed       pages stored in swap files
 * @param fileBytes           stored bytes of those pages (compressed, as the pool held them)
 * @param fileBlockBytes      bytes of the swap files' 4 KiB blocks that hold those pages: pages
 *                            are packed back to back, so this is about {@code fileBytes} rounded up
 *                            to whole blocks per write, plus the blocks still shared with a page
 *                            that is gone; {@code fileBlockBytes / fileSlotsUsed} is what a page
 *                            costs in the file
 * @param fileBadSlots        4 KiB blocks a write failed on, never used again
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
 * @param directReclaimPages  pages faults swapped out themselves, on the faulting path, before they
 *                            installed a page that would have taken a group past its memoryMax
 *                            (direct reclaim; also counted in pswpout)
 * @param farPagesUsed        pages stored in the far tier ({@link VSwap#addFarTier}; 0 without one).
 *                            {@code swpinFile}, {@code zswpwb} and {@code fileReadErrors} count the
 *                            far tier's pages with the files'; {@link VSwap#farTier()} has the rest
 * @param farBytes            stored bytes of those pages
 * @param dictionaries        zstd dictionaries installed ({@link VSwap.Builder#dictionaries}; at most 16)
 * @param dictionaryPages     pages swap-out compressed with one of them
 * @param readaheadRuns       runs of pages read ahead and installed with one copy (their pages
 *                            count in {@code readaheadPages})
 * @param fileReadaheadReads  of those, runs whose swap-file pages were read with one read
 * @param unitPages           pages in the pool as part of a compression unit
 *                            ({@link VSwap.Builder#extentCompression}; counted in {@code poolStoredPages})
 * @param unitsStored         compression units stored since the VSwap was built (16 pages each)
 * @param unitsSplit          of those, units writeback split into pages of their own to write them back
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
        long fileBlockBytes, long fileBadSlots, long fileWriteErrors, long fileNoSpace, long fileReadErrors, long poisonedPages,
        long swapoffPages, long zswapMaxBytes, long backgroundErrors, long moveMismatches, long evictRefusedPages,
        long firstTouchAheadPages, long directReclaimPages, long farPagesUsed, long farBytes,
        int dictionaries, long dictionaryPages, long readaheadRuns, long fileReadaheadReads, long unitPages,
        long unitsStored, long unitsSplit) {

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
    /**
     * The counters for a person: one line per subsystem, sizes in KiB/MiB/GiB and fault latencies
     * in ns/µs/ms with three significant digits, and only the fault kinds that were served.
     */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("VSwapStats\n");
        line(b, "swap out", count(pswpout) + " pages: pool " + count(zswpout) + " (zero " + count(swpoutZero)
                + "), file " + count(swpoutFile) + ", refused by the pool " + count(poolRejects)
                + "; whole extents " + count(thpSwpout));
        line(b, "swap in", count(pswpin) + " pages: pool " + count(zswpin) + ", zero " + count(swpinZero)
                + ", swap cache " + count(cacheHits) + ", file " + count(swpinFile) + "; readahead "
                + count(readaheadPages) + " (" + count(readaheadRuns) + " runs in one install, " + count(fileReadaheadReads)
                + " with one file read), first-touch ahead "
                + count(firstTouchAheadPages));
        line(b, "pool", bytes(poolCompressedBytes) + " in " + count(poolStoredPages) + " pages, ratio "
                + String.format(java.util.Locale.ROOT, "%.2f", compressionRatio()) + "; holds " + bytes(poolTotalBytes)
                + " of " + bytes(poolMaxBytes) + ", writeback above " + bytes(zswapMaxBytes));
        line(b, "slots", count(slotsInUse) + " in use in " + count(slotClusters) + " clusters; staging "
                + count(stagingPages) + " pages");
        line(b, "files", count(fileSlotsUsed) + " pages, " + bytes(fileBytes) + " in " + bytes(fileBlockBytes)
                + " of blocks; written back " + count(zswpwb)
                + " in " + count(writebackBatches) + " writes; swapoff moved " + count(swapoffPages));
        if (farPagesUsed > 0 || farBytes > 0) {
            line(b, "far tier", count(farPagesUsed) + " pages, " + bytes(farBytes));
        }
        if (unitsStored > 0) {
            line(b, "units", count(unitPages) + " pages in 16-page compression units; " + count(unitsStored) + " units stored, "
                    + count(unitsSplit) + " split for writeback");
        }
        if (dictionaries > 0) {
            line(b, "dictionaries", dictionaries + " installed; " + count(dictionaryPages) + " pages compressed with one");
        }
        if (thpSwpinFallbacks() > 0) {
            StringBuilder reasons = new StringBuilder();
            thpSwpinFallback.entrySet().stream().filter(e -> e.getValue() > 0)
                    .sorted(Map.Entry.comparingByKey())
                    .forEach(e -> reasons.append(reasons.isEmpty() ? "" : ", ").append(e.getKey()).append(' ')
                            .append(count(e.getValue())));
            line(b, "thp fallback", count(thpSwpinFallbacks()) + " (" + reasons + ")");
        }
        line(b, "faults", String.format(java.util.Locale.ROOT, "%-16s %12s %9s %9s %9s %9s %9s",
                "kind", "count", "mean", "p50", "p90", "p99", "max"));
        for (FaultKind k : FaultKind.values()) {
            LatencyPercentiles l = faultLatency.getOrDefault(k, LatencyPercentiles.EMPTY);
            if (faults(k) == 0 && l.count() == 0) {
                continue;
            }
            line(b, "", String.format(java.util.Locale.ROOT, "%-16s %12s %9s %9s %9s %9s %9s", k, count(faults(k)),
                    nanos(Math.round(l.meanNanos())), nanos(l.p50Nanos()), nanos(l.p90Nanos()), nanos(l.p99Nanos()),
                    nanos(l.maxNanos())));
        }
        line(b, "errors", "fault " + count(faultErrors) + (faultErrors > 0 ? " (last errno " + faultLastErrno + ")" : "")
                + ", background " + count(backgroundErrors) + ", file write " + count(fileWriteErrors) + ", no space "
                + count(fileNoSpace) + ", file read " + count(fileReadErrors) + ", bad slots " + count(fileBadSlots)
                + ", poisoned pages " + count(poisonedPages) + ", move mismatches " + count(moveMismatches)
                + ", eviction refused " + count(evictRefusedPages));
        line(b, "kernel faults", kernelFaultsHandled ? "served (faults inside system calls too)"
                : "not served: user faults only, prefault before I/O");
        return b.toString();
    }

    private static void line(StringBuilder b, String label, String text) {
        b.append(String.format(java.util.Locale.ROOT, "  %-14s %s%n", label, text));
    }

    /** 1234567 as "1,234,567". */
    static String count(long n) {
        return String.format(java.util.Locale.ROOT, "%,d", n);
    }

    /** Bytes in B, KiB, MiB, GiB or TiB, three significant digits. */
    static String bytes(long n) {
        if (n == Long.MAX_VALUE) {
            return "unlimited";
        }
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = n;
        int u = 0;
        while (Math.abs(v) >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? n + " B" : significant(v) + " " + units[u];
    }

    /** Nanoseconds in ns, µs, ms or s, three significant digits: 37748 ns is "37.7 µs". */
    static String nanos(long ns) {
        if (ns < 1_000) {
            return ns + " ns";
        }
        if (ns < 1_000_000) {
            return significant(ns / 1e3) + " µs";
        }
        if (ns < 1_000_000_000) {
            return significant(ns / 1e6) + " ms";
        }
        return significant(ns / 1e9) + " s";
    }

    private static String significant(double v) {
        String f = Math.abs(v) >= 100 ? "%.0f" : Math.abs(v) >= 10 ? "%.1f" : "%.2f";
        return String.format(java.util.Locale.ROOT, f, v);
    }
}
