package dev.uvswap.bench;

import dev.uvswap.FaultKind;
import dev.uvswap.Region;
import dev.uvswap.RegionOption;
import dev.uvswap.VSwap;
import dev.uvswap.VSwapStats;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A sequential reader of a small-page region swapped out to the pool, or moved on to a swap file
 * by writeback (warm: in the page cache), in both fault modes: readahead a run at a time (one
 * UFFDIO_COPY a run, one pread for its file pages; issue 18) against the same readahead page by
 * page (property {@code dev.uvswap.batchReadahead=false}), all in one run. Every 64th word is
 * checked. Prints MB/s of pages and the faults taken.
 */
public final class ReadaheadBench {
    private static final long PAGE = 4096;

    public static void main(String[] args) throws Exception {
        long bytes = (args.length > 0 ? Long.parseLong(args[0]) : 256) << 20;
        int shots = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path dir = Files.createTempDirectory("uvswap-readahead");
        System.out.printf("%d MiB of heap-like pages, sequential 8-byte reads, best of %d shots%n%n", bytes >> 20, shots);
        System.out.println("| fault mode | source | MB/s | faults | pages read ahead | runs in one install | with one file read |");
        System.out.println("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
        for (RegionOption mode : new RegionOption[] {RegionOption.FAULTS_IN_THREAD, RegionOption.FAULTS_ON_SERVERS}) {
            row(mode, "pool, page by page", bytes, shots, dir, false, false);
            row(mode, "pool, a run at a time", bytes, shots, dir, false, true);
            row(mode, "file, page by page", bytes, shots, dir, true, false);
            row(mode, "file, a run at a time", bytes, shots, dir, true, true);
        }
    }

    private static void row(RegionOption mode, String what, long bytes, int shots, Path dir, boolean file, boolean ahead)
            throws Exception {
        System.setProperty("dev.uvswap.batchReadahead", Boolean.toString(ahead));
        double best = 0;
        long faults = 0;
        long readahead = 0;
        long runs = 0;
        long fileRuns = 0;
        for (int shot = 0; shot < shots; shot++) {
            try (VSwap v = VSwap.builder().zswapMaxBytes(file ? 1 << 20 : 1L << 40).temporarySwapFile(dir, bytes * 2).build();
                 Region r = v.allocate(bytes, RegionOption.SMALL_PAGES, mode)) {
                MemorySegment seg = r.segment();
                PagePattern.HEAP.fill(seg, bytes / PAGE);
                r.pageOut(0, bytes);
                if (file) {
                    long deadline = System.nanoTime() + 120_000_000_000L;
                    while (v.stats().poolTotalBytes() > 1 << 20 && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                }
                VSwapStats before = v.stats();
                long t0 = System.nanoTime();
                long sum = 0;
                for (long off = 0; off < bytes; off += 8) {
                    sum += seg.get(ValueLayout.JAVA_LONG, off);
                }
                long t1 = System.nanoTime();
                VSwapStats after = v.stats();
                for (long p = 0; p < bytes / PAGE; p++) {
                    for (long w = 0; w < PAGE / 8; w += 64) {
                        if (seg.get(ValueLayout.JAVA_LONG, p * PAGE + w * 8) != PagePattern.HEAP.word(p, w)) {
                            throw new AssertionError("page " + p + " came back wrong");
                        }
                    }
                }
                double mbs = bytes / 1e6 / ((t1 - t0) / 1e9) + (sum == 42 ? 1e-9 : 0);
                if (mbs > best) {
                    best = mbs;
                    faults = after.faults().values().stream().mapToLong(Long::longValue).sum()
                            - before.faults().values().stream().mapToLong(Long::longValue).sum()
                            - (after.faults(FaultKind.STALE) - before.faults(FaultKind.STALE));
                    readahead = after.readaheadPages() - before.readaheadPages();
                    runs = after.readaheadRuns() - before.readaheadRuns();
                    fileRuns = after.fileReadaheadReads() - before.fileReadaheadReads();
                }
            }
        }
        System.out.printf("| %s | %s | %.0f | %,d | %,d | %,d | %,d |%n", mode == RegionOption.FAULTS_IN_THREAD ? "in-thread" : "servers",
                what, best, faults, readahead, runs, fileRuns);
    }
}
