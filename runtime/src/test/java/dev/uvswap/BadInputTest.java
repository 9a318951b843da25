package dev.uvswap;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.*;

/** Bad arguments and misuse: a clear exception each time, and nothing already stored is lost. */
class BadInputTest {
    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    @Test
    void badSizes() {
        try (VSwap vswap = VSwap.builder().faultThreads(1).build()) {
            assertThrows(IllegalArgumentException.class, () -> vswap.allocate(0));
            assertThrows(IllegalArgumentException.class, () -> vswap.allocate(-4096));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> vswap.allocate(Long.MAX_VALUE));
            assertTrue(e.getMessage().contains("exceeds"), e.getMessage());
        }
    }

    @Test
    void allocationBeyondTheAddressSpaceFailsCleanly() {
        try (VSwap vswap = VSwap.builder().faultThreads(1).build(); Region keep = vswap.allocate(1 << 21)) {
            keep.segment().set(ValueLayout.JAVA_LONG, 0, 1234);
            keep.pageOut(0, keep.size());
            // 64 TiB each: the user address space (128 TiB) cannot hold two of them and our reservations.
            VSwapException e = assertThrows(VSwapException.class, () -> {
                Region a = vswap.allocate(1L << 46);
                try (Region b = vswap.allocate(1L << 46)) {
                    fail("two 64 TiB regions fit?");
                } finally {
                    a.close();
                }
            });
            assertTrue(e.getMessage().contains("mmap"), e.getMessage());
            assertEquals(1234, keep.segment().get(ValueLayout.JAVA_LONG, 0), "an earlier region is untouched");
        }
    }

    @Test
    void badRanges() {
        try (VSwap vswap = VSwap.builder().faultThreads(1).build(); Region r = vswap.allocate(1 << 21)) {
            long size = r.size();
            assertThrows(IndexOutOfBoundsException.class, () -> r.pageOut(-4096, 4096));
            assertThrows(IndexOutOfBoundsException.class, () -> r.pageOut(0, -1));
            assertThrows(IndexOutOfBoundsException.class, () -> r.pageOut(size, 4096));
            assertThrows(IndexOutOfBoundsException.class, () -> r.pageOut(4096, size));
            assertThrows(IndexOutOfBoundsException.class, () -> r.pageOut(Long.MAX_VALUE - 10, 100));
            assertThrows(IllegalArgumentException.class, () -> r.pageOut(100, 4096));
            assertThrows(IllegalArgumentException.class, () -> r.prefault(1, 4096));
            assertEquals(0, r.pageOut(size, 0), "an empty range at the end is fine");
        }
    }

    @Test
    void useAfterCloseThrowsAndDoubleCloseIsHarmless() {
        try (VSwap vswap = VSwap.builder().faultThreads(1).build()) {
            Region r = vswap.allocate(1 << 21);
            MemorySegment seg = r.segment();
            seg.set(ValueLayout.JAVA_LONG, 0, 1);
            r.pageOut(0, r.size());
            r.close();
            r.close();
            assertTrue(r.isClosed());
            assertThrows(IllegalStateException.class, () -> seg.get(ValueLayout.JAVA_LONG, 0));
            assertThrows(IllegalStateException.class, r::segment);
            assertThrows(IllegalStateException.class, () -> r.pageOut(0, 4096));
            assertThrows(IllegalStateException.class, () -> r.prefault(0, 4096));
            assertThrows(IllegalStateException.class, r::residentBytes);
            assertEquals(0, vswap.stats().slotsInUse(), "closing freed the slot");
        }
    }

    @Test
    void closedVSwapRefusesWorkAndClosesItsRegions() {
        VSwap vswap = VSwap.builder().faultThreads(1).build();
        Region r = vswap.allocate(1 << 21);
        vswap.close();
        vswap.close();
        assertTrue(r.isClosed());
        assertThrows(IllegalStateException.class, () -> vswap.allocate(4096));
        assertThrows(IllegalStateException.class, vswap::stats);
    }

    @Test
    void builderRejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> VSwap.builder().faultThreads(0));
        assertThrows(IllegalArgumentException.class, () -> VSwap.builder().faultThreads(65));
        assertThrows(IllegalArgumentException.class, () -> VSwap.builder().poolMaxBytes(100));
        assertThrows(IllegalArgumentException.class, () -> VSwap.builder().zstdLevel(99));
        assertThrows(NullPointerException.class, () -> VSwap.builder().compressor(null));
    }

    @Test
    void poolOverItsLimitKeepsPagesResidentAndIntact() {
        try (VSwap vswap = VSwap.builder().poolMaxBytes(1 << 20).faultThreads(1).build();
             Region r = vswap.allocate(8 << 20)) {
            MemorySegment seg = r.segment();
            long pages = r.size() / 4096;
            for (long p = 0; p < pages; p++) {
                PageData.RANDOM.fill(seg, p, 5);
            }
            long out = r.pageOut(0, r.size());
            VSwapStats s = vswap.stats();
            assertTrue(out > 0 && out < pages, "some pages fit, not all: " + out);
            assertEquals(pages - out, s.poolRejects());
            assertTrue(s.poolTotalBytes() <= 1 << 20, "the pool stays under its limit: " + s.poolTotalBytes());
            assertEquals((pages - out) * 4096, r.residentBytes(), "refused pages went back to the region");
            assertEquals(out, s.slotsInUse());
            for (long p = 0; p < pages; p++) {
                assertEquals(-1, PageData.RANDOM.check(seg, p, 5), "page " + p);
            }
            assertEquals(0, vswap.stats().slotsInUse());
        }
    }
}
