package dev.uvswap;

import dev.uvswap.internal.region.RegionImpl;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** cold() advice is bounded: millions of calls keep a bounded record, and what was advised still goes first. */
class ColdAdviceBoundTest {
    private static final long MIB = 1 << 20;
    private static final long PAGE = 4096;
    private static final int CALLS = 200_000;

    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    /** No group, no reclaimer: nothing would ever take the advice, so nothing is kept for it. */
    @Test
    void adviceOnARegionWithoutAGroupKeepsNothing() {
        try (VSwap vswap = VSwap.builder().faultThreads(1).build();
             Region r = vswap.allocate(64 * MIB, RegionOption.SMALL_PAGES)) {
            long pages = r.size() / PAGE;
            for (int i = 0; i < CALLS; i++) {
                r.cold((2L * i % pages) * PAGE, PAGE);   // disjoint pages: nothing to coalesce
            }
            assertEquals(0, ((RegionImpl) r).coldRangeCount());
            assertThrows(IndexOutOfBoundsException.class, () -> r.cold(r.size(), PAGE), "ranges are still checked");
        }
    }

    /**
     * A group under its limits keeps the advice until it goes over: disjoint ranges past the cap
     * fold into coarser ones, so the record stays bounded and still covers every advised page.
     */
    @Test
    void adviceInAGroupStaysBoundedAndStillGoesFirst() {
        try (VSwap vswap = VSwap.builder().faultThreads(1).build()) {
            MemoryGroup g = vswap.createGroup("g");
            Region r = vswap.allocate(16 * MIB, g, RegionOption.SMALL_PAGES);
            RegionImpl impl = (RegionImpl) r;
            long pages = r.size() / PAGE;
            PageData.fillMixed(r, pages, 31);
            long advised = 1024;   // every other page of [2048, 4096)
            for (int i = 0; i < CALLS; i++) {
                r.cold((2048 + 2 * (i % advised)) * PAGE, PAGE);
                assertTrue(impl.coldRangeCount() <= RegionImpl.MAX_COLD_RANGES, () -> "cold ranges " + impl.coldRangeCount());
            }
            assertTrue(impl.coldRangeCount() > 0);
            // The same range again and again is one record.
            try (Region same = vswap.allocate(4 * MIB, g, RegionOption.SMALL_PAGES)) {
                for (int i = 0; i < CALLS; i++) {
                    same.cold(MIB, 2 * MIB);
                }
                assertEquals(1, ((RegionImpl) same).coldRangeCount());
            }
            long got = vswap.reclaim(g, 4 * MIB);
            assertTrue(got >= 4 * MIB, "reclaimed " + got);
            assertEquals(0, PageMapProbe.outIn(r, 0, 2048), "the advice went first: nothing else was taken");
            vswap.reclaim(g, 4 * MIB);
            for (long i = 0; i < advised; i++) {
                assertTrue(PageMapProbe.out(r, 2048 + 2 * i), "advised page " + (2048 + 2 * i) + " left");
            }
            PageData.assertMixed(r, pages, 31);
        }
    }
}
