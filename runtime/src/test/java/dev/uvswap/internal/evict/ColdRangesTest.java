package dev.uvswap.internal.evict;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ColdRangesTest {
    @Test
    void overlappingAndAdjacentRangesMerge() {
        ColdRanges c = new ColdRanges(16);
        c.add(10, 5);    // [10, 15)
        c.add(20, 5);    // [20, 25)
        c.add(15, 2);    // touches [10, 15): [10, 17)
        c.add(0, 3);
        assertEquals(3, c.size());
        c.add(16, 5);    // bridges [10, 17) and [20, 25)
        assertEquals(2, c.size());
        assertArrayEquals(new long[] {0, 3}, c.poll(100, 1));
        assertArrayEquals(new long[] {10, 15}, c.poll(100, 1));
        assertNull(c.poll(100, 1));
        assertTrue(c.isEmpty());
    }

    @Test
    void pastTheCapTheClosestRangesMergeAndEveryAdvisedPageIsKept() {
        ColdRanges c = new ColdRanges(8);
        long[] starts = {0, 100, 102, 104, 500, 506, 1000, 5000, 5003, 9000};
        for (long s : starts) {
            c.add(s, 1);
            assertTrue(c.size() <= 8, "size " + c.size());
        }
        boolean[] covered = new boolean[10_000];
        for (long[] r; (r = c.poll(Long.MAX_VALUE / 4, 1)) != null; ) {
            for (long p = r[0]; p < r[0] + r[1]; p++) {
                covered[(int) p] = true;
            }
        }
        for (long s : starts) {
            assertTrue(covered[(int) s], "page " + s + " still cold");
        }
        assertFalse(covered[3000], "far gaps stay out");
    }

    @Test
    void pollCutsLongRangesAtAnAlignedBoundary() {
        ColdRanges c = new ColdRanges(4);
        c.add(100, 2000);   // [100, 2100)
        assertArrayEquals(new long[] {100, 412}, c.poll(1, 512), "up to the first extent boundary");
        assertArrayEquals(new long[] {512, 1024}, c.poll(600, 512));
        assertArrayEquals(new long[] {1536, 564}, c.poll(10_000, 512), "the rest");
        assertTrue(c.isEmpty());
    }
}
