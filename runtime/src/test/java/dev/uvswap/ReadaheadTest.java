package dev.uvswap;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Readahead a run at a time (issue 18): a sequential reader's next pages, from the pool, zero,
 * or packed back to back into a swap file by writeback, are installed with one UFFDIO_COPY, the
 * file ones read with one pread. Every byte is checked, in both fault modes, alone and with a
 * second reader going the other way and a writer changing pages meanwhile.
 */
class ReadaheadTest {
    private static final long POOL_LIMIT = 1 << 20;
    private static final long PAGES = 8192;

    @TempDir
    Path dir;

    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    /** Heap-like pages, an incompressible one every 7th (stored RAW), a zero page every 11th. */
    private static PageData kind(long page) {
        return page % 11 == 5 ? PageData.ZERO : page % 7 == 3 ? PageData.RANDOM : PageData.HEAP_LIKE;
    }

    private static VSwap vswap(FaultMode mode, Path dir) {
        return VSwap.builder().faultMode(mode).zswapMaxBytes(POOL_LIMIT).temporarySwapFile(dir, 256L << 20).build();
    }

    /** Fills, pages out and waits until writeback has taken the pool under its limit and stopped. */
    private static void toFile(VSwap vswap, Region r, long seed) throws InterruptedException {
        for (long p = 0; p < PAGES; p++) {
            kind(p).fill(r.segment(), p, seed);
        }
        assertEquals(PAGES, r.pageOut(0, r.size()));
        Await.writebackSettled(vswap, POOL_LIMIT);
    }

    @ParameterizedTest
    @EnumSource(FaultMode.class)
    void aSequentialReaderOfThePoolGetsRunsInOneInstall(FaultMode mode) throws Exception {
        try (VSwap vswap = VSwap.builder().faultMode(mode).build();
             Region r = vswap.allocate(PAGES * 4096, RegionOption.SMALL_PAGES)) {
            for (long p = 0; p < PAGES; p++) {
                kind(p).fill(r.segment(), p, 5);
            }
            assertEquals(PAGES, r.pageOut(0, r.size()));
            for (long p = 0; p < PAGES; p++) {
                assertEquals(-1, kind(p).check(r.segment(), p, 5), "page " + p);
            }
            VSwapStats s = vswap.stats();
            assertTrue(s.readaheadRuns() > 0, s::toString);
            assertTrue(s.readaheadPages() >= 2 * s.readaheadRuns(), s::toString);
            assertEquals(0, s.fileReadaheadReads(), s::toString);
            assertEquals(PAGES, s.pswpin(), s::toString);
            assertEquals(0, s.slotsInUse(), s::toString);
            assertEquals(0, s.faultErrors(), s::toString);
        }
    }

    @ParameterizedTest
    @EnumSource(FaultMode.class)
    void aSequentialReaderGetsPackedRunsInOneRead(FaultMode mode) throws Exception {
        try (VSwap vswap = vswap(mode, dir); Region r = vswap.allocate(PAGES * 4096, RegionOption.SMALL_PAGES)) {
            toFile(vswap, r, 3);
            VSwapStats before = vswap.stats();
            assertTrue(before.fileSlotsUsed() > PAGES / 2, before::toString);
            for (long p = 0; p < PAGES; p++) {
                assertEquals(-1, kind(p).check(r.segment(), p, 3), "page " + p);
            }
            VSwapStats s = vswap.stats();
            long runs = s.fileReadaheadReads() - before.fileReadaheadReads();
            assertTrue(runs > 0, "runs read in one read: " + s);
            assertTrue(s.readaheadPages() - before.readaheadPages() >= 2 * runs, "each run has 2 pages or more: " + s);
            assertEquals(0, s.faultErrors(), s::toString);
            assertEquals(0, s.fileReadErrors(), s::toString);
            assertEquals(0, s.slotsInUse(), "every page came back and its slot was freed: " + s);
            assertEquals(0, s.fileSlotsUsed(), s::toString);
            System.out.printf("%s: %d pages from the file, %d read ahead in %d runs%n", mode,
                    s.swpinFile() - before.swpinFile(), s.readaheadPages() - before.readaheadPages(), runs);
        }
    }

    /**
     * Two readers in opposite directions and a writer rewriting every fifth page, all at once:
     * a page read ahead while another thread faults on it, or writes it, is installed once and
     * keeps the last write.
     */
    @ParameterizedTest
    @EnumSource(FaultMode.class)
    void readersAndAWriterMeetInARun(FaultMode mode) throws Exception {
        try (VSwap vswap = vswap(mode, dir); Region r = vswap.allocate(PAGES * 4096, RegionOption.SMALL_PAGES)) {
            toFile(vswap, r, 4);
            CompletableFuture<Void> up = CompletableFuture.runAsync(() -> {
                for (long p = 0; p < PAGES; p++) {
                    if (p % 5 != 0) {
                        assertEquals(-1, kind(p).check(r.segment(), p, 4), "page " + p);
                    }
                }
            });
            CompletableFuture<Void> down = CompletableFuture.runAsync(() -> {
                for (long p = PAGES - 1; p >= 0; p--) {
                    if (p % 5 != 0) {
                        assertEquals(-1, kind(p).check(r.segment(), p, 4), "page " + p);
                    }
                }
            });
            for (long p = 0; p < PAGES; p += 5) {
                PageData.HEAP_LIKE.fill(r.segment(), p, 99);
            }
            up.get(5, TimeUnit.MINUTES);
            down.get(5, TimeUnit.MINUTES);
            for (long p = 0; p < PAGES; p++) {
                long page = p;
                if (p % 5 == 0) {
                    assertEquals(-1, PageData.HEAP_LIKE.check(r.segment(), p, 99), () -> "rewritten page " + page);
                } else {
                    assertEquals(-1, kind(p).check(r.segment(), p, 4), () -> "page " + page);
                }
            }
            VSwapStats s = vswap.stats();
            assertEquals(0, s.faultErrors(), s::toString);
            assertEquals(0, s.slotsInUse(), s::toString);
        }
    }
}
