package dev.uvswap.examples.cache;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cache's own logic on plain native memory (no uvswap): limits, errors, chunk reuse. */
class CacheCapacityTest {

    @Test
    void oversizedRecordIsRefusedAndNamesTheLimit() {
        CacheSpec spec = new CacheSpec(1 << 20, 100, 4096, 1);
        try (Arena arena = Arena.ofConfined(); OffHeapCache cache = OffHeapCache.over(arena.allocate(OffHeapCache.requiredBytes(spec)), spec)) {
            byte[] key = {1, 2, 3, 4};
            cache.put(key, new byte[4096 - 8 - 4]);   // exactly the largest record
            var e = assertThrows(IllegalArgumentException.class, () -> cache.put(key, new byte[4096 - 8 - 3]));
            assertTrue(e.getMessage().contains("maxRecordBytes is 4096"), e.getMessage());
            assertEquals(4096 - 12, cache.get(key).length, "the refused put left the old value");
        }
    }

    @Test
    void fullDataAreaThrowsAndLeavesTheCacheUnchanged() {
        // 4 slabs of 64 KiB, one shard: 1 KiB values fill them, then the next new key is refused.
        CacheSpec spec = new CacheSpec(4 * 65536, 10_000, 65536, 1);
        try (Arena arena = Arena.ofConfined(); OffHeapCache cache = OffHeapCache.over(arena.allocate(OffHeapCache.requiredBytes(spec)), spec)) {
            int stored = 0;
            CacheFullException full = null;
            while (full == null) {
                try {
                    cache.put(TestValues.key(stored), fill(stored, 1000));
                    stored++;
                } catch (CacheFullException e) {
                    full = e;
                }
            }
            assertTrue(full.getMessage().contains("data area full"), full.getMessage());
            assertTrue(stored > 200 && stored < 262, "4 x 64 KiB of ~1 KiB chunks: " + stored);
            assertEquals(stored, cache.size());
            assertNull(cache.get(TestValues.key(stored)), "the refused key is absent");
            // Overwriting a key with a value of another size class needs a new chunk: refused, old value kept.
            assertThrows(CacheFullException.class, () -> cache.put(TestValues.key(0), fill(7, 3000)));
            assertArrayEquals(fill(0, 1000), cache.get(TestValues.key(0)));
            // A delete frees a chunk that the next put of the same class reuses.
            assertTrue(cache.delete(TestValues.key(1)));
            assertTrue(cache.put(TestValues.key(stored), fill(stored, 1000)));
            for (int i = 0; i <= stored; i++) {
                if (i == 1) {
                    assertNull(cache.get(TestValues.key(i)));
                } else {
                    assertArrayEquals(fill(i, 1000), cache.get(TestValues.key(i)), "key " + i);
                }
            }
        }
    }

    @Test
    void fullIndexThrows() {
        CacheSpec spec = new CacheSpec(1 << 20, 20, 256, 1);   // a 32-slot table, 28 live keys at most
        try (Arena arena = Arena.ofConfined(); OffHeapCache cache = OffHeapCache.over(arena.allocate(OffHeapCache.requiredBytes(spec)), spec)) {
            for (int i = 0; i < 28; i++) {
                cache.put(TestValues.key(i), fill(i, 10));
            }
            var e = assertThrows(CacheFullException.class, () -> cache.put(TestValues.key(28), fill(28, 10)));
            assertTrue(e.getMessage().contains("index shard full"), e.getMessage());
            // Deleting and inserting other keys many times churns deleted slots; the table purges them.
            for (int round = 0; round < 50; round++) {
                int gone = round % 28;
                assertTrue(cache.delete(TestValues.key(gone)));
                assertFalse(cache.delete(TestValues.key(gone)));
                assertTrue(cache.put(TestValues.key(1000 + round), fill(round, 10)));
                assertTrue(cache.delete(TestValues.key(1000 + round)));
                assertTrue(cache.put(TestValues.key(gone), fill(gone, 10)));
            }
            assertEquals(28, cache.size());
            for (int i = 0; i < 28; i++) {
                assertArrayEquals(fill(i, 10), cache.get(TestValues.key(i)), "key " + i);
            }
        }
    }

    @Test
    void closedCacheRefusesCalls() {
        CacheSpec spec = new CacheSpec(1 << 20, 100, 4096, 4);
        try (Arena arena = Arena.ofConfined()) {
            OffHeapCache cache = OffHeapCache.over(arena.allocate(OffHeapCache.requiredBytes(spec)), spec);
            cache.close();
            assertThrows(IllegalStateException.class, () -> cache.get(new byte[1]));
        }
    }

    private static byte[] fill(int seed, int length) {
        byte[] v = new byte[length];
        Arrays.fill(v, (byte) seed);
        v[0] = (byte) (seed >> 8);
        return v;
    }
}
