package dev.uvswap;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every page kind, with both codecs: out to the vswap layer and back on touch, byte for byte.
 * These regions use small pages so each fault is a 4 KiB one; ThpExtentTest covers 2 MiB extents.
 */
class RoundTripTest {
    /** Who serves the faults; {@link RoundTripInThreadTest} runs every test on the faulting thread. */
    FaultMode mode() {
        return FaultMode.SERVER_THREADS;
    }

    private VSwap.Builder builder() {
        return VSwap.builder().faultMode(mode());
    }
    private static final long PAGES = 2048;     // 8 MiB: four 512-page batches

    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    @ParameterizedTest
    @EnumSource(Compressor.class)
    void everyKindComesBackExactly(Compressor codec) {
        try (VSwap vswap = builder().compressor(codec).faultThreads(2).build();
             Region region = vswap.allocate(PAGES * 4096, RegionOption.SMALL_PAGES)) {
            MemorySegment seg = region.segment();
            long[] kinds = new long[PageData.values().length];
            for (long p = 0; p < PAGES; p++) {
                PageData k = PageData.mixed(p, 7);
                kinds[k.ordinal()]++;
                k.fill(seg, p, 7);
            }
            assertEquals(PAGES * 4096, region.residentBytes());

            long out = region.pageOut(0, region.size());
            assertEquals(PAGES, out, "every resident page leaves");
            assertEquals(0, region.residentBytes(), "nothing stays resident");

            VSwapStats s = vswap.stats();
            assertEquals(PAGES, s.pswpout());
            assertEquals(kinds[PageData.ZERO.ordinal()], s.swpoutZero());
            assertEquals(PAGES - kinds[PageData.ZERO.ordinal()], s.zswpout());
            assertEquals(PAGES - kinds[PageData.ZERO.ordinal()], s.poolStoredPages());
            assertEquals(PAGES, s.slotsInUse());
            assertTrue(s.poolCompressedBytes() < (PAGES - kinds[PageData.ZERO.ordinal()]) * 4096,
                    "heap-like, text and same-filled pages compress");
            assertEquals(0, s.stagingPages(), "nothing left parked");

            for (long p = 0; p < PAGES; p++) {
                PageData k = PageData.mixed(p, 7);
                assertEquals(-1, k.check(seg, p, 7), () -> "page " + " of kind " + k + " differs");
            }
            s = vswap.stats();
            assertEquals(PAGES, s.pswpin());
            assertEquals(kinds[PageData.ZERO.ordinal()], s.swpinZero());
            assertEquals(PAGES - kinds[PageData.ZERO.ordinal()], s.zswpin());
            assertEquals(PAGES, s.faults(FaultKind.ZSWAP) + s.faults(FaultKind.ZERO) + s.readaheadPages(),
                    "each page came back by its own fault or read ahead of a sequential one");
            assertEquals(0, s.slotsInUse(), "every slot freed after swap-in");
            assertEquals(0, s.poolStoredPages(), "loads are exclusive: the pool is empty again");
            assertEquals(0, s.poolTotalBytes(), "empty spans are given back");
            assertEquals(0, s.faultErrors());
            assertTrue(s.faultLatency().get(FaultKind.ZSWAP).p50Nanos() > 0);
        }
    }

    @ParameterizedTest
    @EnumSource(PageData.class)
    void writesAfterSwapInAreKeptAndSwapOutAgain(PageData kind) {
        try (VSwap vswap = builder().build(); Region region = vswap.allocate(64 * 4096, RegionOption.SMALL_PAGES)) {
            MemorySegment seg = region.segment();
            for (int round = 0; round < 3; round++) {
                for (long p = 0; p < 64; p++) {
                    kind.fill(seg, p, round);
                }
                // Every page leaves, except one a late fault message of the last round's reads may
                // swap straight back in (a server serves a message only after its reader resumed
                // through readahead): such a page is resident, never lost.
                long out = region.pageOut(0, region.size());
                assertEquals(64, out + region.residentBytes() / 4096, "out " + out);
                for (long p = 0; p < 64; p++) {
                    int r = round;
                    assertEquals(-1, kind.check(seg, p, round), () -> "round " + r);
                }
            }
            assertEquals(0, vswap.stats().slotsInUse());
        }
    }

    @ParameterizedTest
    @EnumSource(Compressor.class)
    void prefaultBringsEverythingBackWithoutFaults(Compressor codec) {
        try (VSwap vswap = builder().compressor(codec).build(); Region region = vswap.allocate(1024 * 4096, RegionOption.SMALL_PAGES)) {
            MemorySegment seg = region.segment();
            for (long p = 0; p < 1024; p++) {
                PageData.mixed(p, 3).fill(seg, p, 3);
            }
            assertEquals(1024, region.pageOut(0, region.size()));
            long faultsBefore = vswap.stats().faults().values().stream().mapToLong(Long::longValue).sum();
            assertEquals(1024, region.prefault(0, region.size()));
            assertEquals(region.size(), region.residentBytes());
            for (long p = 0; p < 1024; p++) {
                assertEquals(-1, PageData.mixed(p, 3).check(seg, p, 3));
            }
            VSwapStats s = vswap.stats();
            long faultsAfter = s.faults().values().stream().mapToLong(Long::longValue).sum();
            assertEquals(faultsBefore, faultsAfter, "prefault resolves in the caller, not through faults");
            assertEquals(0, s.slotsInUse());
        }
    }

    @ParameterizedTest
    @EnumSource(Compressor.class)
    void untouchedAndPartlySwappedRangesStayZeroAndIntact(Compressor codec) {
        // Small pages: with huge pages the first touch of page 100 maps its whole extent.
        try (VSwap vswap = builder().compressor(codec).build();
             Region region = vswap.allocate(3 << 20, RegionOption.SMALL_PAGES)) {
            MemorySegment seg = region.segment();
            assertEquals(4L << 20, region.size(), "rounded up to 2 MiB");
            for (long p = 100; p < 200; p++) {
                PageData.HEAP_LIKE.fill(seg, p, 1);
            }
            assertEquals(0, region.pageOut(0, 100 * 4096), "untouched pages are not resident, nothing to swap");
            assertEquals(50, region.pageOut(150 * 4096, 50 * 4096 - 1), "length rounds up to whole pages");
            for (long p = 0; p < region.size() / 4096; p++) {
                PageData expect = p >= 100 && p < 200 ? PageData.HEAP_LIKE : PageData.ZERO;
                assertEquals(-1, expect.check(seg, p, 1), "page " + p);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void parkedPagesComeBackByMoveAndCanBeCompressedLater() {
        try (VSwap vswap = builder().build(); Region region = vswap.allocate(4 << 20, RegionOption.SMALL_PAGES)) {
            MemorySegment seg = region.segment();
            long pages = region.size() / 4096;
            for (long p = 0; p < pages; p++) {
                PageData.mixed(p, 11).fill(seg, p, 11);
            }
            assertEquals(pages, region.park(0, region.size()));
            assertEquals(0, region.residentBytes());
            VSwapStats s = vswap.stats();
            assertEquals(pages, s.stagingPages(), "parked pages wait in the swap cache");
            assertEquals(0, s.poolStoredPages(), "nothing compressed");
            for (long p = pages / 2 - 1; p >= 0; p--) {   // backwards: no readahead beyond the first half
                assertEquals(-1, PageData.mixed(p, 11).check(seg, p, 11));
            }
            s = vswap.stats();
            assertEquals(pages / 2, s.faults(FaultKind.CACHE));
            assertEquals(pages / 2, s.cacheHits());
            // pageOut takes the resident first half; the parked half stays parked until touched
            assertEquals(pages / 2, region.pageOut(0, region.size()));
            for (long p = 0; p < pages; p++) {
                assertEquals(-1, PageData.mixed(p, 11).check(seg, p, 11), "page " + p);
            }
            s = vswap.stats();
            assertEquals(0, s.stagingPages());
            assertEquals(0, s.slotsInUse());
        }
    }

    @org.junit.jupiter.api.Test
    void closingARegionFreesParkedAndStoredPages() {
        try (VSwap vswap = builder().build()) {
            Region region = vswap.allocate(4 << 20);
            long pages = region.size() / 4096;
            for (long p = 0; p < pages; p++) {
                PageData.mixed(p, 12).fill(region.segment(), p, 12);
            }
            region.pageOut(0, region.size() / 2);
            region.park(region.size() / 2, region.size() / 2);
            VSwapStats s = vswap.stats();
            assertEquals(pages, s.slotsInUse());
            region.close();
            s = vswap.stats();
            assertEquals(0, s.slotsInUse());
            assertEquals(0, s.stagingPages());
            assertEquals(0, s.poolStoredPages());
            assertEquals(0, s.poolTotalBytes());
        }
    }

    /**
     * A sequential writer filling a small-page region with first-touch windows: after the first
     * faults show the order, each fault also serves the next never-touched pages (a window of
     * 16), so the writer faults about once per 17 pages instead of once a page. Every byte is
     * checked; without the option the same writer faults once a page (the control).
     */
    @org.junit.jupiter.api.Test
    void aSequentialFirstTouchIsServedAWindowAtATime() {
        long pages = 4096;
        try (VSwap vswap = builder().build();
             Region windows = vswap.allocate(pages * 4096, RegionOption.SMALL_PAGES, RegionOption.FIRST_TOUCH_WINDOWS)) {
            MemorySegment seg = windows.segment();
            for (long p = 0; p < pages; p++) {
                PageData.TEXT.fill(seg, p, 8);
            }
            VSwapStats s = vswap.stats();
            assertTrue(s.faults(FaultKind.FIRST_TOUCH) < pages / 8, () -> "faults a window at a time: " + s);
            assertTrue(s.firstTouchAheadPages() > pages / 2, () -> "the windows served most pages: " + s);
            assertEquals(0, s.readaheadPages(), "nothing was swapped in");
            assertEquals(pages * 4096, windows.residentBytes());
            for (long p = 0; p < pages; p++) {
                assertEquals(-1, PageData.TEXT.check(seg, p, 8), "page " + p);
            }
            long faultsBefore = s.faults(FaultKind.FIRST_TOUCH);
            long aheadBefore = s.firstTouchAheadPages();
            try (Region plain = vswap.allocate(pages * 4096, RegionOption.SMALL_PAGES)) {
                for (long p = 0; p < pages; p++) {
                    PageData.TEXT.fill(plain.segment(), p, 8);
                }
                VSwapStats t = vswap.stats();
                assertEquals(pages, t.faults(FaultKind.FIRST_TOUCH) - faultsBefore, () -> "no windows: a fault a page: " + t);
                assertEquals(aheadBefore, t.firstTouchAheadPages());
            }
        }
    }

    @org.junit.jupiter.api.Test
    void firstTouchWindowsNeedSmallPages() {
        try (VSwap vswap = builder().build()) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> vswap.allocate(4 << 20, RegionOption.FIRST_TOUCH_WINDOWS));
            assertTrue(e.getMessage().contains("SMALL_PAGES"), e.getMessage());
        }
    }
}
