package dev.uvswap.internal.pool;

import dev.uvswap.bindings.uvswap.UvswapInline;
import dev.uvswap.internal.slot.SlotDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompressedPoolTest {

    private static final int SPAN = CompressedPool.SPAN_BYTES;

    private final Arena arena = Arena.ofShared();
    /** Discarded ranges, in call order, as {offset, length}. */
    private final List<long[]> discards = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeArena() {
        arena.close();
    }

    private CompressedPool pool(long areaBytes, long maxBytes) {
        MemorySegment area = arena.allocate(areaBytes, SPAN);
        return new CompressedPool(area, (offset, length) -> {
            discards.add(new long[] {offset, length});
            // Stands in for MADV_DONTNEED: the range reads as zeroes afterwards.
            area.asSlice(offset, length).fill((byte) 0);
        }, maxBytes);
    }

    /** Deterministic bytes for object {@code id}, never all zero. */
    private static void writeObject(MemorySegment area, long offset, int length, long id) {
        for (int i = 0; i < length; i++) {
            area.set(ValueLayout.JAVA_BYTE, offset + i, patternByte(id, i));
        }
    }

    private static void checkObject(MemorySegment area, long offset, int length, long id) {
        for (int i = 0; i < length; i++) {
            byte got = area.get(ValueLayout.JAVA_BYTE, offset + i);
            if (got != patternByte(id, i)) {
                throw new AssertionError("object " + id + " at " + offset + " corrupted at byte " + i);
            }
        }
    }

    private static byte patternByte(long id, int i) {
        long x = id * 0x9E3779B97F4A7C15L + i * 0xBF58476D1CE4E5B9L;
        return (byte) ((x >>> 29) | 1);
    }

    @Test
    void objectsSurviveUnrelatedFreesAndReuse() {
        CompressedPool pool = pool(512L * SPAN, Long.MAX_VALUE);
        Random rnd = new Random(1);
        Map<Long, long[]> live = new HashMap<>(); // offset -> {length, id}
        long id = 0;
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < 300; i++) {
                int length = 1 + rnd.nextInt(4096);
                long off = pool.allocate(length);
                assertTrue(off >= 0);
                writeObject(pool.area(), off, length, ++id);
                assertEquals(null, live.put(off, new long[] {length, id}), "offset handed out twice");
            }
            List<Long> offsets = new ArrayList<>(live.keySet());
            for (int i = 0; i < offsets.size(); i += 2) {
                long[] o = live.remove(offsets.get(i));
                pool.free(offsets.get(i), (int) o[0]);
            }
            for (Map.Entry<Long, long[]> e : live.entrySet()) {
                checkObject(pool.area(), e.getKey(), (int) e.getValue()[0], e.getValue()[1]);
            }
        }
    }

    @Test
    void lengthsRoundUpTo32ByteClasses() {
        assertEquals(32, CompressedPool.classSize(1));
        assertEquals(32, CompressedPool.classSize(32));
        assertEquals(64, CompressedPool.classSize(33));
        assertEquals(2208, CompressedPool.classSize(2200));
        assertEquals(4096, CompressedPool.classSize(4096));
        assertThrows(IllegalArgumentException.class, () -> CompressedPool.classSize(0));
        assertThrows(IllegalArgumentException.class, () -> CompressedPool.classSize(4097));

        CompressedPool pool = pool(8L * SPAN, Long.MAX_VALUE);
        assertEquals(0, pool.allocate(33));
        assertEquals(64, pool.allocate(64));   // same class: next object of the span
        assertEquals(128, pool.allocate(40));
        long other = pool.allocate(65);        // class 96: its own span
        assertEquals(SPAN, other);
        assertEquals(SPAN + 96, pool.allocate(96));
        // 4096-byte class: 16 objects a span, the 17th opens a new span.
        long first = pool.allocate(4096);
        assertEquals(2L * SPAN, first);
        for (int i = 1; i < 16; i++) {
            assertEquals(first + i * 4096L, pool.allocate(4065));
        }
        assertEquals(3L * SPAN, pool.allocate(4096));
        // 2208-byte class: 29 objects a span.
        long a = pool.allocate(2200);
        for (int i = 1; i < 29; i++) {
            assertEquals(a + i * 2208L, pool.allocate(2177));
        }
        assertEquals(a + SPAN, pool.allocate(2200));
        assertEquals(6L * SPAN, pool.totalBytes());
    }

    @Test
    void emptySpanIsDiscardedAndReusedByAnotherClass() {
        CompressedPool pool = pool(8L * SPAN, Long.MAX_VALUE);
        long[] offs = new long[16];
        for (int i = 0; i < 16; i++) {
            offs[i] = pool.allocate(4096);
            writeObject(pool.area(), offs[i], 4096, i);
        }
        long keep = pool.allocate(100); // second span, keeps the high-water mark at 2
        assertEquals(SPAN, keep);
        for (int i = 0; i < 15; i++) {
            pool.free(offs[i], 4096);
        }
        assertTrue(discards.isEmpty(), "span discarded while it still had a live object");
        pool.free(offs[15], 4096);
        assertEquals(1, discards.size());
        assertArrayEquals(new long[] {0, SPAN}, discards.get(0));
        assertTrue(pool.area().asSlice(0, SPAN).mismatch(MemorySegment.ofArray(new byte[SPAN])) < 0,
                "discarded span not zero");
        assertEquals(SPAN, pool.totalBytes());
        // Lowest free span first, whatever the class.
        assertEquals(0, pool.allocate(1000));
        assertEquals(2L * SPAN, pool.totalBytes());
    }

    @Test
    void freeSpansAreReusedLowestOffsetFirst() {
        CompressedPool pool = pool(8L * SPAN, Long.MAX_VALUE);
        long[] spanObject = new long[4];
        for (int s = 0; s < 4; s++) {
            spanObject[s] = pool.allocate(4096 - s * 32 * 8); // four classes, one span each
            assertEquals((long) s * SPAN, spanObject[s]);
        }
        pool.free(spanObject[2], 4096 - 2 * 32 * 8);
        pool.free(spanObject[1], 4096 - 32 * 8);
        assertEquals(2, discards.size());
        assertEquals(SPAN, pool.allocate(17));
        assertEquals(2L * SPAN, pool.allocate(700));
        assertEquals(4L * SPAN, pool.allocate(1500));
    }

    @Test
    void refusesASpanBeyondMaxBytes() {
        CompressedPool pool = pool(8L * SPAN, SPAN);
        assertEquals(SPAN, pool.maxBytes());
        long[] offs = new long[16];
        for (int i = 0; i < 16; i++) {
            offs[i] = pool.allocate(4096);
            assertTrue(offs[i] >= 0);
        }
        assertEquals(-1, pool.allocate(4096), "a 17th object needs a second span");
        assertEquals(-1, pool.allocate(100), "a new class needs a span too");
        pool.free(offs[3], 4096);
        assertEquals(offs[3], pool.allocate(4096), "room in a held span needs no new span");
        pool.setMaxBytes(2L * SPAN);
        assertEquals(SPAN, pool.allocate(100));
        assertEquals(2L * SPAN, pool.totalBytes());
        // Lowering the ceiling keeps what is held and refuses further spans.
        pool.setMaxBytes(0);
        assertEquals(2L * SPAN, pool.totalBytes());
        assertEquals(SPAN + 128, pool.allocate(128));
        assertEquals(-1, pool.allocate(200));
        assertEquals(18, pool.storedObjects());
        assertThrows(IllegalArgumentException.class, () -> pool.setMaxBytes(-1));
    }

    @Test
    void refusesWhenTheAreaIsExhausted() {
        CompressedPool pool = pool(2L * SPAN + 4096, Long.MAX_VALUE); // the partial span is not used
        for (int i = 0; i < 32; i++) {
            assertTrue(pool.allocate(4096) >= 0);
        }
        assertEquals(-1, pool.allocate(4096));
        assertEquals(-1, pool.allocate(1));
        assertEquals(32, pool.storedObjects());
    }

    @Test
    void doubleFreeAndBadOffsetsThrow() {
        CompressedPool pool = pool(8L * SPAN, Long.MAX_VALUE);
        long a = pool.allocate(100);
        long b = pool.allocate(100);
        long c = pool.allocate(3000);
        pool.free(a, 100);
        assertThrows(IllegalStateException.class, () -> pool.free(a, 100), "double free");
        assertThrows(IllegalStateException.class, () -> pool.free(b + 32, 100), "inside an object");
        assertThrows(IllegalStateException.class, () -> pool.free(b, 64), "another class's length");
        assertThrows(IllegalStateException.class, () -> pool.free(c, 100), "a span of another class");
        assertThrows(IllegalStateException.class, () -> pool.free(5L * SPAN, 100), "beyond the high-water mark");
        assertThrows(IllegalStateException.class, () -> pool.free(-64, 100), "negative");
        // 3008-byte class: 21 objects a span; the 22nd slot would cross the span's end.
        assertThrows(IllegalStateException.class, () -> pool.free(c + 21L * 3008, 3000), "past the span's last object");
        assertThrows(IllegalArgumentException.class, () -> pool.free(b, 0));
        assertEquals(2, pool.storedObjects());
        assertEquals(3100, pool.storedBytes());
        pool.free(b, 100);
        pool.free(c, 3000);
        assertEquals(0, pool.storedObjects());
        assertEquals(0, pool.totalBytes());
    }

    @Test
    void handleMatchesUvsHandleMake() {
        long[] offsets = {0, 32, 65536 + 2208, (1L << 36) + 96, PoolHandle.MAX_OFFSET};
        int[] lengths = {1, 800, 2200, 4095, 4096};
        for (long off : offsets) {
            for (int len : lengths) {
                for (int fmt = 0; fmt < 1 << PoolHandle.FMT_BITS; fmt++) {
                    long h = PoolHandle.handle(off, len, fmt);
                    assertEquals(UvswapInline.uvs_handle_make(off, len, fmt), h);
                    assertEquals(off, PoolHandle.offset(h));
                    assertEquals(len, PoolHandle.length(h));
                    assertEquals(fmt, PoolHandle.format(h));
                    assertEquals(0, h & ~SlotDescriptor.MAX_PAYLOAD, "a handle must fit a descriptor payload");
                }
            }
        }
        long allOnes = SlotDescriptor.MAX_PAYLOAD; // the widest payload a descriptor carries
        assertEquals(PoolHandle.MAX_OFFSET, PoolHandle.offset(allOnes));
        assertEquals((1 << PoolHandle.LEN_BITS) - 1, PoolHandle.length(allOnes));
        assertEquals((1 << PoolHandle.FMT_BITS) - 1, PoolHandle.format(allOnes));
        assertThrows(IllegalArgumentException.class, () -> PoolHandle.handle(PoolHandle.MAX_OFFSET + 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> PoolHandle.handle(0, 4097, 0));
        assertThrows(IllegalArgumentException.class, () -> PoolHandle.handle(0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> PoolHandle.handle(0, 1, 4));
        assertThrows(IllegalArgumentException.class, () -> PoolHandle.handle(-1, 1, 0));
    }

    @Test
    void statsMatchAModelUnderARandomWorkload() {
        CompressedPool pool = pool(512L * SPAN, Long.MAX_VALUE);
        Random rnd = new Random(42);
        TreeMap<Long, Integer> model = new TreeMap<>();
        long modelBytes = 0;
        for (int op = 0; op < 200_000; op++) {
            boolean alloc = model.isEmpty() || rnd.nextInt(100) < (op < 100_000 ? 60 : 40);
            if (alloc) {
                int length = rnd.nextInt(10) == 0 ? 1 + rnd.nextInt(4096) : 800 + rnd.nextInt(1401);
                long off = pool.allocate(length);
                assertTrue(off >= 0);
                assertEquals(0, off % 32);
                assertEquals(null, model.put(off, length));
                modelBytes += length;
            } else {
                Long off = model.floorKey((long) rnd.nextInt((int) (model.lastKey() + 1)));
                if (off == null) {
                    off = model.firstKey();
                }
                int length = model.remove(off);
                pool.free(off, length);
                modelBytes -= length;
            }
            if (op % 1000 == 0 || op == 199_999) {
                assertEquals(model.size(), pool.storedObjects());
                assertEquals(modelBytes, pool.storedBytes());
                assertEquals(spansHolding(model.keySet()) * SPAN, pool.totalBytes());
            }
        }
        for (Map.Entry<Long, Integer> e : model.entrySet()) {
            pool.free(e.getKey(), e.getValue());
        }
        assertEquals(0, pool.storedObjects());
        assertEquals(0, pool.storedBytes());
        assertEquals(0, pool.totalBytes());
    }

    private static long spansHolding(Set<Long> offsets) {
        Set<Long> spans = new HashSet<>();
        for (long off : offsets) {
            spans.add(off >>> CompressedPool.SPAN_SHIFT);
        }
        return spans.size();
    }

    /**
     * Space overhead for the realistic mix of compressed pages (800..2200 bytes).  Measured on
     * this build: 100k objects → totalBytes / storedBytes = 1.032 (class rounding and span tails);
     * after replacing a random half, 1.049.  The Java heap adds the Span objects and their
     * directory, also measured here (about 330 bytes per 64 KiB span, 0.5%), not in totalBytes.
     */
    @Test
    void overheadStaysWithinTenPercent() {
        CompressedPool pool = pool(256L * 1024 * 1024, Long.MAX_VALUE);
        Random rnd = new Random(7);
        int n = 100_000;
        long[] offs = new long[n];
        int[] lens = new int[n];
        for (int i = 0; i < n; i++) {
            lens[i] = 800 + rnd.nextInt(1401);
        }
        long heapBefore = threadAllocatedBytes();
        for (int i = 0; i < n; i++) {
            offs[i] = pool.allocate(lens[i]);
        }
        long heapBytes = threadAllocatedBytes() - heapBefore;
        for (int i = 0; i < n; i++) {
            assertTrue(offs[i] >= 0);
        }
        long spans = pool.totalBytes() / SPAN;
        System.out.printf("pool heap metadata: %d bytes for %d spans = %.0f bytes per span%n",
                heapBytes, spans, (double) heapBytes / spans);
        assertTrue(heapBytes < spans * 512L, "heap metadata per span " + heapBytes / spans);
        double filled = (double) pool.totalBytes() / pool.storedBytes();
        System.out.printf("pool overhead, %d objects of 800..2200 bytes: totalBytes/storedBytes = %.4f%n", n, filled);
        assertTrue(filled <= 1.10, "overhead " + filled);

        for (int i = 0; i < n; i++) {
            if (rnd.nextBoolean()) {
                pool.free(offs[i], lens[i]);
                lens[i] = 800 + rnd.nextInt(1401);
                offs[i] = pool.allocate(lens[i]);
                assertTrue(offs[i] >= 0);
            }
        }
        double churned = (double) pool.totalBytes() / pool.storedBytes();
        System.out.printf("pool overhead after replacing a random half: %.4f%n", churned);
        assertTrue(churned <= 1.10, "overhead after churn " + churned);
    }

    private static long threadAllocatedBytes() {
        return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
                .getCurrentThreadAllocatedBytes();
    }

    /**
     * Two threads allocate, write, verify and free their own objects against one pool; at the
     * end every live object's bytes are intact, no two overlap, and the stats equal the models.
     */
    @Test
    void twoThreadsAllocateAndFreeConcurrently() throws Exception {
        CompressedPool pool = pool(4096L * SPAN, Long.MAX_VALUE);
        int threads = 2;
        int ops = 150_000;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService exec = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Map<Long, long[]>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int me = t;
                results.add(exec.submit(() -> {
                    Random rnd = new Random(100 + me);
                    Map<Long, long[]> mine = new HashMap<>(); // offset -> {length, id}
                    List<Long> order = new ArrayList<>();
                    long id = (long) me << 40;
                    start.await();
                    for (int op = 0; op < ops; op++) {
                        if (order.isEmpty() || rnd.nextInt(100) < 52) {
                            int length = 1 + rnd.nextInt(4096);
                            long off = pool.allocate(length);
                            if (off < 0) {
                                throw new AssertionError("pool refused with room left");
                            }
                            writeObject(pool.area(), off, length, ++id);
                            if (mine.put(off, new long[] {length, id}) != null) {
                                throw new AssertionError("offset " + off + " handed out twice");
                            }
                            order.add(off);
                        } else {
                            int pick = rnd.nextInt(order.size());
                            long off = order.get(pick);
                            order.set(pick, order.get(order.size() - 1));
                            order.remove(order.size() - 1);
                            long[] o = mine.remove(off);
                            checkObject(pool.area(), off, (int) o[0], o[1]);
                            pool.free(off, (int) o[0]);
                        }
                    }
                    return mine;
                }));
            }
            long objects = 0;
            long bytes = 0;
            TreeMap<Long, Integer> all = new TreeMap<>();
            for (Future<Map<Long, long[]>> f : results) {
                for (Map.Entry<Long, long[]> e : f.get(5, TimeUnit.MINUTES).entrySet()) {
                    int length = (int) e.getValue()[0];
                    checkObject(pool.area(), e.getKey(), length, e.getValue()[1]);
                    assertEquals(null, all.put(e.getKey(), length));
                    objects++;
                    bytes += length;
                }
            }
            long end = -1;
            for (Map.Entry<Long, Integer> e : all.entrySet()) {
                assertTrue(e.getKey() >= end, "objects overlap at " + e.getKey());
                end = e.getKey() + CompressedPool.classSize(e.getValue());
            }
            assertEquals(objects, pool.storedObjects());
            assertEquals(bytes, pool.storedBytes());
            assertEquals(spansHolding(all.keySet()) * SPAN, pool.totalBytes());
            assertNotEquals(0, discards.size(), "the workload should have emptied spans");
        } finally {
            exec.shutdownNow();
        }
    }
}
