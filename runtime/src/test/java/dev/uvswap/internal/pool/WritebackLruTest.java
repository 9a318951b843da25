package dev.uvswap.internal.pool;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class WritebackLruTest {

    private static long[] poll(WritebackLru a, int max) {
        long[] out = new long[max];
        int n = a.poll(out, max);
        return java.util.Arrays.copyOf(out, n);
    }

    @Test
    void oldestFirstAcrossRunsAndPartialPolls() {
        WritebackLru a = new WritebackLru();
        a.add(new long[] {10, 11, 12, 40, 41, 7}, 6);
        a.add(new long[] {100, 101}, 2);
        assertArrayEquals(new long[] {10, 11}, poll(a, 2));
        assertArrayEquals(new long[] {12, 40, 41, 7, 100}, poll(a, 5));
        assertArrayEquals(new long[] {101}, poll(a, 9));
        assertTrue(a.isEmpty());
    }

    @Test
    void requeuedSlotsComeOutFirstInTheirOrder() {
        WritebackLru a = new WritebackLru();
        a.add(new long[] {1, 2, 3, 4}, 4);
        long[] taken = poll(a, 3);
        a.requeue(taken, 2);   // 1 and 2 were not written back
        assertArrayEquals(new long[] {1, 2, 4}, poll(a, 10));
    }

    @Test
    void growsAndStaysInOrder() {
        WritebackLru a = new WritebackLru();
        for (long i = 0; i < 5000; i++) {
            a.add(new long[] {i * 2}, 1);   // no two consecutive: one run each
        }
        long[] all = poll(a, 6000);
        assertEquals(5000, all.length);
        for (int i = 0; i < all.length; i++) {
            assertEquals(i * 2L, all[i]);
        }
    }
}
