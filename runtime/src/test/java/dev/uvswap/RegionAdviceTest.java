package dev.uvswap;

import dev.uvswap.internal.VSwapImpl;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Advice from the application: pin, cold, willNeed. */
class RegionAdviceTest {
    private static final long MIB = 1 << 20;
    private static final long PAGE = 4096;

    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    @Test
    void pinnedPagesNeverLeave() throws Exception {
        try (VSwap vswap = VSwap.builder().build()) {
            MemoryGroup g = vswap.createGroup("g");
            Region r = vswap.allocate(8 * MIB, g, RegionOption.SMALL_PAGES);
            long pages = r.size() / PAGE;
            PageData.fillMixed(r, pages, 1);
            r.pageOut(0, r.size());
            assertEquals(256, r.pin(MIB, MIB), "pin brings the range back");
            assertEquals(0, PageMapProbe.outIn(r, 256, 256));
            assertEquals(0, r.pageOut(0, 2 * MIB), "pageOut passes over pinned pages");
            PageData.fillMixed(r, pages, 2);
            assertEquals(pages - 256, r.pageOut(0, r.size()));
            assertEquals(0, PageMapProbe.outIn(r, 256, 256));
            g.setMemoryMax(0);
            vswap.reclaim(g, r.size());
            assertEquals(MIB, g.memoryCurrent(), "reclaim leaves the pinned MiB: the group stays over its max");
            r.unpin(MIB, MIB);
            assertEquals(256, r.pageOut(MIB, MIB));
            PageData.assertMixed(r, pages, 2);
            assertThrows(IllegalArgumentException.class, () -> r.pin(1, PAGE));
            assertThrows(IndexOutOfBoundsException.class, () -> r.pin(0, r.size() + PAGE));
        }
    }

    @Test
    void coldRangesAreReclaimedFirst() throws Exception {
        try (VSwap vswap = VSwap.builder().build()) {
            MemoryGroup g = vswap.createGroup("g");
            Region r = vswap.allocate(16 * MIB, g, RegionOption.SMALL_PAGES);
            long pages = r.size() / PAGE;
            PageData.fillMixed(r, pages, 3);
            r.cold(12 * MIB, 4 * MIB);
            assertEquals(0, PageMapProbe.outIn(r, 0, pages), "advice alone moves nothing");
            long got = vswap.reclaim(g, 4 * MIB);
            assertTrue(got >= 4 * MIB, "reclaimed " + got);
            assertEquals(1024, PageMapProbe.outIn(r, 3 * 1024, 1024), "the cold range went first");
            assertEquals(0, PageMapProbe.outIn(r, 0, 1024), "the clock's start was passed over: the cold range went instead");
            PageData.assertMixed(r, pages, 3);
        }
    }

    @Test
    void willNeedBringsTheRangeBackInTheBackground() throws Exception {
        try (VSwap vswap = VSwap.builder().build()) {
            Region r = vswap.allocate(8 * MIB, RegionOption.SMALL_PAGES);
            long pages = r.size() / PAGE;
            PageData.fillMixed(r, pages, 4);
            assertEquals(pages, r.pageOut(0, r.size()));
            long faultsBefore = vswap.stats().faults().values().stream().mapToLong(Long::longValue).sum();
            r.willNeed(2 * MIB, 4 * MIB);
            ((VSwapImpl) vswap).awaitPrefetch();
            assertEquals(4 * MIB, r.residentBytes());
            assertEquals(0, PageMapProbe.outIn(r, 512, 1024));
            assertEquals(pages - 1024, PageMapProbe.outIn(r, 0, pages));
            long faultsAfter = vswap.stats().faults().values().stream().mapToLong(Long::longValue).sum();
            assertEquals(faultsBefore, faultsAfter, "prefetched without faults");
            PageData.assertMixed(r, pages, 4);
            assertThrows(IndexOutOfBoundsException.class, () -> r.willNeed(0, r.size() + PAGE));
            r.close();
            assertThrows(IllegalStateException.class, () -> r.willNeed(0, PAGE));
            assertThrows(IllegalStateException.class, () -> r.cold(0, PAGE));
        }
    }
}
