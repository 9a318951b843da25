package dev.uvswap;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * 2 MiB extents as one huge page: first touch, whole-extent swap-out and swap-in (mixed
 * backends), and the partial cases that must split. /proc/self/smaps proves what is mapped huge.
 */
class ThpExtentTest {
    /** Who serves the faults; {@link ThpExtentInThreadTest} runs every test on the faulting thread. */
    FaultMode mode() {
        return FaultMode.SERVER_THREADS;
    }

    private VSwap.Builder builder() {
        return VSwap.builder().faultMode(mode());
    }
    private static final long EXTENT = 2L << 20;
    private static final int EXTENTS = 8;
    private static final long PAGES = EXTENTS * 512L;

    @BeforeEach
    void platform() {
        Platform.assumeSupported();
        assumeFalse(Smaps.thpMode().equals("never"), "transparent huge pages are disabled (transparent_hugepage/enabled = never)");
    }

    private static long hugeKb(Region r) {
        return Smaps.anonHugeKb(r.segment().address());
    }

    @Test
    void firstTouchOfAnUntouchedExtentIsOneHugePage() {
        try (VSwap vswap = builder().build(); Region r = vswap.allocate(EXTENTS * EXTENT)) {
            assertTrue(r.hugePages());
            for (int e = 0; e < EXTENTS; e++) {
                r.segment().set(ValueLayout.JAVA_BYTE, e * EXTENT + 4096 * 7, (byte) 1);
            }
            VSwapStats s = vswap.stats();
            assertEquals(EXTENTS, s.thpFirstTouch());
            assertEquals(0, s.faults(FaultKind.FIRST_TOUCH), "no 4 KiB first touches");
            assertEquals(EXTENTS * 2048, hugeKb(r), "every extent mapped huge");
            assertEquals(r.size(), r.residentBytes());
        }
    }

    @ParameterizedTest
    @EnumSource(Compressor.class)
    void anExtentThatLeftWholeComesBackAsOneHugePageFromMixedBackends(Compressor codec) {
        try (VSwap vswap = builder().compressor(codec).build(); Region r = vswap.allocate(EXTENTS * EXTENT)) {
            MemorySegment seg = r.segment();
            for (long p = 0; p < PAGES; p++) {
                PageData.mixed(p, 21).fill(seg, p, 21);   // zero, same-filled, random, heap, text: every backend kind of the pool
            }
            assertEquals(EXTENTS * 2048, hugeKb(r));
            assertEquals(PAGES, r.pageOut(0, r.size()));
            VSwapStats s = vswap.stats();
            assertEquals(EXTENTS, s.thpSwpout());
            assertEquals(0, hugeKb(r));
            assertEquals(0, r.residentBytes());
            assertTrue(s.swpoutZero() > 0 && s.zswpout() > 0, "the extents mix zero slots and pool objects");

            // One touch per extent, in order. The first has no recent access near it (the fill
            // ended in the last extents), so only its page comes back; from then on each touch
            // continues the run and brings its whole extent back as one huge page.
            for (int e = 0; e < EXTENTS; e++) {
                seg.get(ValueLayout.JAVA_BYTE, e * EXTENT + 4096 * (e * 61 % 512));
            }
            s = vswap.stats();
            assertEquals(EXTENTS - 1, s.thpSwpin(), "one fault per extent after the first");
            assertEquals((EXTENTS - 1) * 2048, hugeKb(r), "every extent but the first mapped huge again");
            assertEquals(1, s.thpSwpinFallbacks());
            assertEquals(1, s.thpSwpinFallback().get(ThpFallback.SCATTERED));
            for (long p = 0; p < PAGES; p++) {
                assertEquals(-1, PageData.mixed(p, 21).check(seg, p, 21), "page " + p);
            }
            s = vswap.stats();
            assertEquals(PAGES, s.pswpin());
            assertEquals(0, s.slotsInUse());
            assertEquals(0, s.poolStoredPages());
        }
    }

    /**
     * Scattered touches of extents that left whole bring back their page only: one touch each,
     * in an order where no touch lands next to one of the last few (stride 7 over 32 extents),
     * takes 32 x 4 KiB into memory, not 32 x 2 MiB (with whole-extent swap-in, a random reader
     * of data larger than its budget would swap 512 pages in and out again per touch).
     */
    @Test
    void scatteredTouchesBringBackTheirPageNotTheWholeExtent() {
        int extents = 32;
        long pages = extents * 512L;
        try (VSwap vswap = builder().build(); Region r = vswap.allocate(extents * EXTENT)) {
            MemorySegment seg = r.segment();
            for (long p = 0; p < pages; p++) {
                PageData.HEAP_LIKE.fill(seg, p, 5);
            }
            assertEquals(pages, r.pageOut(0, r.size()));
            assertEquals(extents, vswap.stats().thpSwpout());
            for (int i = 0; i < extents; i++) {
                int e = i * 7 % extents;
                seg.get(ValueLayout.JAVA_LONG, e * EXTENT + 4096 * 100);
            }
            VSwapStats s = vswap.stats();
            assertEquals(0, s.thpSwpin(), () -> "no whole extent came back: " + s);
            assertEquals(extents, s.thpSwpinFallback().get(ThpFallback.SCATTERED));
            assertEquals(extents * 4096L, r.residentBytes(), "a page per touch");
            assertEquals(extents, s.pswpin());
            for (long p = 0; p < pages; p++) {
                assertEquals(-1, PageData.HEAP_LIKE.check(seg, p, 5), "page " + p);
            }
            assertEquals(0, vswap.stats().slotsInUse());
        }
    }

    @Test
    void aParkedExtentComesBackWholeFromTheSwapCache() {
        try (VSwap vswap = builder().build(); Region r = vswap.allocate(2 * EXTENT)) {
            MemorySegment seg = r.segment();
            for (long p = 0; p < 1024; p++) {
                PageData.HEAP_LIKE.fill(seg, p, 3);
            }
            assertEquals(1024, r.park(0, r.size()));
            seg.get(ValueLayout.JAVA_LONG, 96);
            seg.get(ValueLayout.JAVA_LONG, EXTENT + 96);
            VSwapStats s = vswap.stats();
            assertEquals(2, s.thpSwpin());
            assertEquals(4096, hugeKb(r));
            assertEquals(1024, s.cacheHits());
            assertEquals(0, s.stagingPages());
            for (long p = 0; p < 1024; p++) {
                assertEquals(-1, PageData.HEAP_LIKE.check(seg, p, 3));
            }
        }
    }

    @Test
    void pageOutOfPartOfAHugePageSplitsItAndKeepsEveryByte() {
        try (VSwap vswap = builder().build(); Region r = vswap.allocate(2 * EXTENT)) {
            MemorySegment seg = r.segment();
            for (long p = 0; p < 1024; p++) {
                PageData.TEXT.fill(seg, p, 9);
            }
            assertEquals(4096, hugeKb(r));
            assertEquals(11, r.pageOut(10 * 4096, 11 * 4096));
            assertEquals(2048, hugeKb(r), "the first extent was split, the second is still huge");
            assertEquals(0, vswap.stats().thpSwpout());
            for (long p = 0; p < 1024; p++) {
                assertEquals(-1, PageData.TEXT.check(seg, p, 9), "page " + p);
            }
            assertEquals(11, vswap.stats().pswpin());
        }
    }

    @Test
    void aFaultOnAHalfResidentExtentFallsBackToSmallPagesAndReadahead() {
        try (VSwap vswap = builder().build(); Region r = vswap.allocate(EXTENT)) {
            MemorySegment seg = r.segment();
            for (long p = 0; p < 512; p++) {
                PageData.HEAP_LIKE.fill(seg, p, 5);
            }
            assertEquals(512, r.pageOut(0, r.size()));
            assertEquals(256, r.prefault(0, 256 * 4096), "the first half comes back page by page");
            for (long p = 256; p < 512; p++) {           // a sequential reader of the second half
                assertEquals(-1, PageData.HEAP_LIKE.check(seg, p, 5), "page " + p);
            }
            for (long p = 0; p < 256; p++) {
                assertEquals(-1, PageData.HEAP_LIKE.check(seg, p, 5), "page " + p);
            }
            VSwapStats s = vswap.stats();
            assertEquals(0, s.thpSwpin());
            // the first half came back on its own, so the extent is no longer out as a whole
            assertTrue(s.thpSwpinFallback().get(ThpFallback.MIXED) > 0, s.thpSwpinFallback().toString());
            assertTrue(s.readaheadPages() > 0, "the sequential reader was read ahead of");
            assertTrue(s.faults(FaultKind.ZSWAP) < 256 / 2, "readahead saved most faults: " + s);
            assertEquals(512, s.pswpin());
            assertEquals(0, s.slotsInUse());
        }
    }

    @Test
    void smallPagesRegionsNeverMapHugePages() {
        try (VSwap vswap = builder().build(); Region r = vswap.allocate(2 * EXTENT, RegionOption.SMALL_PAGES)) {
            assertFalse(r.hugePages());
            for (long p = 0; p < 1024; p++) {
                PageData.HEAP_LIKE.fill(r.segment(), p, 1);
            }
            assertEquals(1024, r.pageOut(0, r.size()));
            for (long p = 0; p < 1024; p++) {
                assertEquals(-1, PageData.HEAP_LIKE.check(r.segment(), p, 1));
            }
            VSwapStats s = vswap.stats();
            assertEquals(0, hugeKb(r));
            assertEquals(0, s.thpFirstTouch());
            assertEquals(0, s.thpSwpin());
            assertEquals(1024, s.faults(FaultKind.FIRST_TOUCH));
        }
    }
}
