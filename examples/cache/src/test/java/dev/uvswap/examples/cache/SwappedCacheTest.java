package dev.uvswap.examples.cache;

import dev.uvswap.Compressor;
import dev.uvswap.FaultMode;
import dev.uvswap.MemoryGroup;
import dev.uvswap.UnsupportedPlatformException;
import dev.uvswap.VSwap;
import dev.uvswap.VSwapStats;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cache in a uvswap region whose group may keep a small part of the data resident: every value
 * is read back byte for byte after it was swapped out, in both fault modes, through overwrites
 * (same and other size classes) and deletes.
 */
class SwappedCacheTest {
    static final long MIB = 1 << 20;
    static final int KEYS = 6000;
    static final int MAX_VALUE = 8000;   // ~4 KiB average: ~24 MiB of values

    static VSwap start(FaultMode mode) {
        try {
            return VSwap.builder().compressor(Compressor.LZ4).faultThreads(2).faultMode(mode).build();
        } catch (UnsupportedPlatformException e) {
            Assumptions.abort("uvswap cannot run on this machine: " + e.getMessage());
            throw e;
        }
    }

    @ParameterizedTest
    @EnumSource(FaultMode.class)
    void everyValueComesBackAfterSwapOut(FaultMode mode) {
        try (VSwap vswap = start(mode)) {
            MemoryGroup group = vswap.createGroup("cache-test");
            group.setMemoryMax(4 * MIB);   // the values are ~24 MiB
            try (OffHeapCache cache = OffHeapCache.allocate(vswap, group, CacheSpec.of(40 * MIB, KEYS))) {
                int[] version = new int[KEYS];
                for (int id = 0; id < KEYS; id++) {
                    assertTrue(cache.put(TestValues.key(id), TestValues.value(id, 0, MAX_VALUE)));
                }
                assertEquals(KEYS, cache.size());
                long dataPages = cache.slabBytesUsed() / 4096;
                assertTrue(dataPages * 4096 > 5 * 4 * MIB, "the data is over 5x the group's max: " + dataPages + " pages");

                readAllBack(vswap, group, cache, version, dataPages / 2, "after the first load");

                // Overwrite two thirds (new lengths: some keep their chunk, some move), delete every fifth key.
                for (int id = 0; id < KEYS; id++) {
                    if (id % 5 == 0) {
                        assertTrue(cache.delete(TestValues.key(id)));
                        version[id] = -1;
                    } else if (id % 3 != 0) {
                        version[id]++;
                        assertFalse(cache.put(TestValues.key(id), TestValues.value(id, version[id], MAX_VALUE)));
                    }
                }
                readAllBack(vswap, group, cache, version, dataPages / 2, "after overwrites and deletes");

                // Put the deleted keys back: their records reuse freed chunks, pages of which are swapped out.
                for (int id = 0; id < KEYS; id += 5) {
                    version[id] = 7;
                    assertTrue(cache.put(TestValues.key(id), TestValues.value(id, 7, MAX_VALUE)));
                }
                readAllBack(vswap, group, cache, version, dataPages / 2, "after re-inserting deleted keys");
                assertNull(cache.get(TestValues.key(KEYS + 1)));
            }
            assertEquals(0, vswap.stats().faultErrors());
        }
    }

    /**
     * Swaps everything out (VSwap.reclaim, the kernel's memory.reclaim), then reads every key and
     * checks each byte; the swap-in counters show the reads were served from swap.
     */
    private static void readAllBack(VSwap vswap, MemoryGroup group, OffHeapCache cache, int[] version,
                                    long minSwapIns, String when) {
        long out = vswap.reclaim(group, Long.MAX_VALUE);
        assertTrue(out > 0, when + ": reclaim swapped nothing out");
        VSwapStats before = vswap.stats();
        long refaultsBefore = group.events().refaults();
        for (int id = 0; id < version.length; id++) {
            byte[] v = cache.get(TestValues.key(id));
            if (version[id] < 0) {
                assertNull(v, when + ": deleted key " + id);
            } else {
                TestValues.check(v, id, version[id], MAX_VALUE);
            }
        }
        VSwapStats after = vswap.stats();
        long swappedIn = after.pswpin() - before.pswpin();
        assertTrue(swappedIn >= minSwapIns, when + ": only " + swappedIn + " pages came back from swap, expected at least "
                + minSwapIns + " (" + out + " bytes had been reclaimed)");
        assertTrue(group.events().refaults() > refaultsBefore, when + ": the group saw no refaults");
    }
}
