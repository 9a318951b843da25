package dev.uvswap.internal.slot;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

import static dev.uvswap.internal.slot.SlotDescriptor.TAG_CACHE;
import static dev.uvswap.internal.slot.SlotDescriptor.TAG_ZERO;
import static dev.uvswap.internal.slot.SlotDescriptor.TAG_ZSWAP;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SlotSpaceTest {

    private static final int C = SlotSpace.CLUSTER_SLOTS;

    private final Arena arena = Arena.ofShared();
    private final List<long[]> discards = new CopyOnWriteArrayList<>();
    private MemorySegment table;

    @AfterEach
    void closeArena() {
        arena.close();
    }

    private SlotSpace space(int clusters) {
        table = arena.allocate((long) clusters * C * SlotSpace.DESCRIPTOR_BYTES, 4096);
        MemorySegment t = table;
        return new SlotSpace(t, (offset, length) -> {
            discards.add(new long[] {offset, length});
            t.asSlice(offset, length).fill((byte) 0);
        });
    }

    private static long[] range(long from, int n) {
        long[] r = new long[n];
        for (int i = 0; i < n; i++) {
            r[i] = from + i;
        }
        return r;
    }

    private static long[] take(SlotSpace space, int n) {
        long[] out = new long[n];
        assertEquals(n, space.allocate(n, out));
        return out;
    }

    @Test
    void descriptorAccessorsReadAndWriteTheTableWord() {
        SlotSpace space = space(2);
        long d = SlotDescriptor.make(TAG_CACHE, 77);
        space.descriptorRelease(700, d);
        assertEquals(d, table.get(ValueLayout.JAVA_LONG, 700L * SlotSpace.DESCRIPTOR_BYTES));
        assertEquals(d, space.descriptorAcquire(700));
        long busy = SlotDescriptor.busy(TAG_CACHE);
        assertFalse(space.transitions().forTestsOnly(700, SlotDescriptor.NONE, busy));
        assertEquals(d, space.descriptorAcquire(700));
        assertTrue(space.transitions().forTestsOnly(700, d, busy));
        assertEquals(busy, space.descriptorAcquire(700));
        assertEquals(0, space.descriptorAcquire(699));
        assertThrows(IndexOutOfBoundsException.class, () -> space.descriptorAcquire(2L * C));
    }

    @Test
    void freshWholeClusterRequestGetsAnAlignedCluster() {
        SlotSpace space = space(8);
        // Chosen: a request for 512 takes a whole aligned cluster, never cluster 0 (slot 0 is
        // reserved there), so a THP-sized batch on an empty space gets 512..1023.
        assertArrayEquals(range(C, C), take(space, C));
        // Small requests fill cluster 0 from slot 1, ascending.
        assertArrayEquals(range(1, 10), take(space, 10));
        assertArrayEquals(range(11, 5), take(space, 5));
        // 600 = one whole free cluster (the lowest, 2) + 88 from the current cluster (0).
        long[] mixed = take(space, 600);
        for (int i = 0; i < C; i++) {
            assertEquals(2L * C + i, mixed[i]);
        }
        for (int i = 0; i < 88; i++) {
            assertEquals(16 + i, mixed[C + i]);
        }
        assertEquals(C + 15 + 600, space.inUse());
        assertEquals(3, space.clusters());
    }

    @Test
    void slotZeroIsNeverHandedOut() {
        SlotSpace space = space(4);
        BitSet seen = new BitSet();
        long[] out = new long[37];
        int total = 0;
        int k;
        while ((k = space.allocate(37, out)) > 0) {
            for (int i = 0; i < k; i++) {
                assertTrue(out[i] > 0 && out[i] < 4L * C, "slot " + out[i]);
                assertFalse(seen.get((int) out[i]), "slot " + out[i] + " handed out twice");
                seen.set((int) out[i]);
            }
            total += k;
            if (k < 37) {
                break;
            }
        }
        assertEquals(4 * C - 1, total);
        assertFalse(seen.get(0));
        assertEquals(0, space.allocate(5, out), "exhausted");
        assertEquals(4, space.clusters());
        assertThrows(IllegalStateException.class, () -> space.free(0));
    }

    @Test
    void returnsFewerOnlyWhenExhausted() {
        SlotSpace space = space(2);
        long[] out = new long[2000];
        assertEquals(2 * C - 1, space.allocate(2000, out));
        for (int i = 0; i < C; i++) {
            assertEquals(C + i, out[i]);
        }
        for (int i = 0; i < C - 1; i++) {
            assertEquals(1 + i, out[C + i]);
        }
        assertEquals(0, space.allocate(1, out));
    }

    @Test
    void emptiedClusterIsDiscardedAndReusedLowestFirst() {
        SlotSpace space = space(8);
        long[] c1 = take(space, C);
        long[] c2 = take(space, C);
        long[] c3 = take(space, C);
        assertEquals(3, space.clusters());
        for (long s : c2) {
            space.descriptorRelease(s, SlotDescriptor.make(TAG_ZERO, 0));
        }
        for (long s : c2) {
            space.descriptorRelease(s, SlotDescriptor.NONE);
        }
        List<Long> order = new ArrayList<>();
        for (long s : c2) {
            order.add(s);
        }
        Collections.shuffle(order, new Random(3));
        for (int i = 0; i < C - 1; i++) {
            space.free(order.get(i));
        }
        assertTrue(discards.isEmpty(), "discarded with one slot still allocated");
        assertEquals(3, space.clusters());
        space.free(order.get(C - 1));
        assertEquals(1, discards.size());
        assertArrayEquals(new long[] {2L * 4096, 4096}, discards.get(0));
        assertEquals(2, space.clusters());
        assertEquals(2L * C, space.inUse());

        space.free(c1, C);
        assertArrayEquals(new long[] {4096, 4096}, discards.get(1));
        // Lowest free cluster first: 1, then 2, then a new one (4).
        assertArrayEquals(c1, take(space, C));
        assertArrayEquals(c2, take(space, C));
        assertArrayEquals(range(4L * C, C), take(space, C));
        assertEquals(4, space.clusters());
        assertEquals(c3[0], 3L * C);
    }

    @Test
    void smallRequestsRefillHolesBeforeOpeningFreeClusters() {
        SlotSpace space = space(8);
        assertArrayEquals(range(1, C - 1), take(space, C - 1)); // cluster 0 full
        long[] holes = {5, 6, 300};
        space.free(holes, 3);
        assertArrayEquals(holes, take(space, 3));
        assertArrayEquals(range(C, 4), take(space, 4));  // cluster 0 full again: a free cluster
        space.free(new long[] {100}, 1);
        // The current cluster (1) comes first, then the hole in cluster 0 once 1 is full.
        assertArrayEquals(range(C + 4, C - 4), take(space, C - 4));
        assertArrayEquals(new long[] {100, 2L * C}, take(space, 2));
    }

    @Test
    void freeChecksDescriptorAndAllocation() {
        SlotSpace space = space(4);
        long[] s = take(space, 10);
        space.descriptorRelease(s[4], SlotDescriptor.make(TAG_ZSWAP, 123));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> space.free(s, 10));
        assertTrue(e.getMessage().contains("not NONE"), e.getMessage());
        assertEquals(10, space.inUse(), "a failed check frees nothing");
        space.descriptorRelease(s[4], SlotDescriptor.NONE);
        space.free(s, 10);
        assertEquals(0, space.inUse());
        assertThrows(IllegalStateException.class, () -> space.free(s[3]), "already free");
        assertThrows(IllegalStateException.class, () -> space.free(3L * C), "never allocated");
        assertThrows(IllegalStateException.class, () -> space.free(100L * C), "beyond the table");
        assertThrows(IllegalStateException.class, () -> space.free(-1));
        long[] t = take(space, 2);
        assertThrows(IllegalStateException.class, () -> space.free(new long[] {t[0], t[1], t[0]}, 3));
        assertEquals(0, space.inUse());
    }

    /**
     * Heap bytes per allocated slot, measured with the thread's allocation counter over 256k slots
     * (512 full clusters, including the directory's growth): 0.24 bytes per slot, i.e. one
     * Cluster of ~104 bytes (long[8] bitmap, count, id) per 512 slots plus a directory reference.
     */
    @Test
    void metadataPerSlotStaysTiny() {
        int clusters = 512;
        SlotSpace space = space(clusters + 1);
        long[] out = new long[C];
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        long slots = 0;
        for (int i = 0; i < clusters; i++) {
            slots += space.allocate(C, out);
        }
        long bytes = mx.getCurrentThreadAllocatedBytes() - before;
        double perSlot = (double) bytes / slots;
        System.out.printf("slot metadata: %d heap bytes for %d slots = %.3f bytes per slot%n", bytes, slots, perSlot);
        assertEquals((long) clusters * C, slots);
        assertTrue(perSlot < 0.5, "bytes per slot " + perSlot);
    }

    /**
     * Two threads allocate batches, publish and reset descriptors, and free in random order; a
     * slot must never be handed out while another thread owns it.
     */
    @Test
    void twoThreadsNeverShareASlot() throws Exception {
        int clusters = 16;
        SlotSpace space = space(clusters);
        AtomicLongArray owned = new AtomicLongArray(clusters * C / 64);
        int threads = 2;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService exec = Executors.newFixedThreadPool(threads);
        try {
            List<Future<long[]>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int me = t;
                results.add(exec.submit(() -> {
                    Random rnd = new Random(10 + me);
                    List<Long> mine = new ArrayList<>();
                    long[] out = new long[700];
                    start.await();
                    for (int round = 0; round < 20_000; round++) {
                        if (mine.size() < 2000 && (mine.isEmpty() || rnd.nextBoolean())) {
                            int n = rnd.nextInt(10) == 0 ? 512 + rnd.nextInt(188) : 1 + rnd.nextInt(40);
                            int k = space.allocate(n, out);
                            for (int i = 0; i < k; i++) {
                                long s = out[i];
                                long bit = 1L << s;
                                // Set our ownership bit; it must have been clear.
                                long prev = owned.getAndUpdate((int) (s >>> 6), w -> w | bit);
                                if ((prev & bit) != 0) {
                                    throw new AssertionError("slot " + s + " handed out while owned");
                                }
                                if (space.descriptorAcquire(s) != SlotDescriptor.NONE) {
                                    throw new AssertionError("slot " + s + " handed out with a descriptor");
                                }
                                space.descriptorRelease(s, SlotDescriptor.make(TAG_ZERO, me));
                                mine.add(s);
                            }
                        } else {
                            Collections.shuffle(mine, rnd);
                            int n = 1 + rnd.nextInt(Math.min(mine.size(), 600));
                            long[] batch = new long[n];
                            for (int i = 0; i < n; i++) {
                                long s = mine.remove(mine.size() - 1);
                                if (space.descriptorAcquire(s) != SlotDescriptor.make(TAG_ZERO, me)) {
                                    throw new AssertionError("slot " + s + " descriptor changed under its owner");
                                }
                                space.descriptorRelease(s, SlotDescriptor.NONE);
                                long bit = 1L << s;
                                owned.getAndUpdate((int) (s >>> 6), w -> w & ~bit);
                                batch[i] = s;
                            }
                            space.free(batch, n);
                        }
                    }
                    return mine.stream().mapToLong(Long::longValue).toArray();
                }));
            }
            List<long[]> rests = new ArrayList<>();
            long live = 0;
            for (Future<long[]> f : results) {
                long[] rest = f.get(5, TimeUnit.MINUTES);
                rests.add(rest);
                live += rest.length;
            }
            assertEquals(live, space.inUse());
            for (long[] rest : rests) {
                for (long s : rest) {
                    space.descriptorRelease(s, SlotDescriptor.NONE);
                }
                space.free(rest, rest.length);
            }
            assertEquals(0, space.inUse());
            assertEquals(0, space.clusters());
            assertTrue(discards.size() > 0);
            for (long i = 0; i < clusters * C; i++) {
                assertEquals(0, table.get(ValueLayout.JAVA_LONG, i * SlotSpace.DESCRIPTOR_BYTES));
            }
        } finally {
            exec.shutdownNow();
        }
    }
}
