package dev.uvswap.examples.cache;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where chunks go: inside the data area, never overlapping, and a chunk of up to a page inside one page. */
class ChunkLayoutTest {

    @Test
    void sizeClassesFitPagesUpTo4KiBAndReachTheLargestRecord() {
        SizeClasses c = SizeClasses.upTo(65536);
        assertEquals(65536, c.size(c.count() - 1));
        assertEquals(1024, c.size(c.classOf(1024)));
        assertEquals(1360, c.size(c.classOf(1025)), "1025..1360 bytes: three to a page");
        assertEquals(4096, c.size(c.classOf(2049)));
        for (int i = 0; i < c.count(); i++) {
            int s = c.size(i);
            assertEquals(0, s % 16, "class " + s);
            if (i + 1 < c.count() && c.size(i + 1) <= 4096) {
                assertTrue(4096 / c.size(i + 1) < 4096 / s, "classes " + s + " and " + c.size(i + 1) + " fit as many to a page");
            }
        }
    }

    @Test
    void chunksNeverOverlapAndSmallOnesStayInOnePage() {
        CacheSpec spec = new CacheSpec(32 << 20, 1000, 20000, 1);
        CacheLayout layout = CacheLayout.of(spec);
        ChunkAllocator chunks = new ChunkAllocator(layout, new SlabSource(layout));
        SplittableRandom rnd = new SplittableRandom(7);
        TreeMap<Long, Integer> taken = new TreeMap<>();
        long dataEnd = layout.dataOffset() + layout.slabCount() * layout.slabBytes();
        for (int i = 0; i < 4000; i++) {
            int record = 8 + rnd.nextInt(rnd.nextInt(8) == 0 ? 20000 - 8 : 1200);
            int cls = chunks.classOf(record);
            long at = chunks.allocate(cls, record);
            int size = layout.classes().size(cls);
            assertTrue(size >= record);
            assertTrue(at >= layout.dataOffset() && at + size <= dataEnd, "chunk outside the data area: " + at);
            if (size <= 4096) {
                assertEquals(at / 4096, (at + size - 1) / 4096, size + "-byte chunk at " + at + " crosses a page");
            }
            var below = taken.floorEntry(at);
            assertTrue(below == null || below.getKey() + below.getValue() <= at, "overlaps the chunk at " + below);
            var above = taken.ceilingEntry(at);
            assertTrue(above == null || at + size <= above.getKey(), "overlaps the chunk at " + above);
            taken.put(at, size);
            if (rnd.nextInt(4) == 0) {   // free one now and then: freed chunks are handed out again
                chunks.release(cls, at);
                taken.remove(at);
            }
        }
    }

    @Test
    void forRecordsHoldsThatManyRecords() {
        CacheSpec spec = CacheSpec.forRecords(5000, 1060);
        try (var arena = java.lang.foreign.Arena.ofConfined();
             OffHeapCache cache = OffHeapCache.over(arena.allocate(OffHeapCache.requiredBytes(spec)), spec)) {
            byte[] value = new byte[1060 - 8 - 8];
            for (int i = 0; i < 5000; i++) {
                cache.put(String.format("key%05d", i).getBytes(), value);   // 8-byte keys
            }
            assertEquals(5000, cache.size());
            assertThrows(IllegalArgumentException.class, () -> CacheSpec.forRecords(0, 100));
        }
    }
}
