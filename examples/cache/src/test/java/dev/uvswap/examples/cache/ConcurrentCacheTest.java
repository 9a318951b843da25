package dev.uvswap.examples.cache;

import dev.uvswap.FaultMode;
import dev.uvswap.MemoryGroup;
import dev.uvswap.VSwap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Writers and readers at once on a cache mostly swapped out. Each writer owns a set of keys and
 * steps each through versions (every fifth step a delete); readers check that every value they
 * get is exactly the bytes of one version, and a version no older than the last operation
 * finished before the read and no newer than the last one started after it.
 */
class ConcurrentCacheTest {
    static final long MIB = 1 << 20;
    static final int KEYS = 3000;
    static final int WRITERS = 2;
    static final int READERS = 2;
    static final int STEPS_PER_WRITER = 12_000;
    static final int MAX_VALUE = 6000;

    @ParameterizedTest
    @EnumSource(FaultMode.class)
    void readersSeeWholeCurrentValues(FaultMode mode) throws Exception {
        try (VSwap vswap = SwappedCacheTest.start(mode)) {
            MemoryGroup group = vswap.createGroup("cache-concurrent");
            group.setMemoryMax(2 * MIB);   // ~9 MiB of values
            try (OffHeapCache cache = OffHeapCache.allocate(vswap, group, CacheSpec.of(24 * MIB, KEYS))) {
                // started[k]: the last step begun on key k; done[k]: the last step finished (-1: none).
                AtomicIntegerArray started = new AtomicIntegerArray(KEYS);
                AtomicIntegerArray done = new AtomicIntegerArray(KEYS);
                for (int k = 0; k < KEYS; k++) {
                    started.set(k, -1);
                    done.set(k, -1);
                }
                AtomicBoolean writing = new AtomicBoolean(true);
                AtomicLong reads = new AtomicLong();
                AtomicLong hits = new AtomicLong();
                ExecutorService pool = Executors.newFixedThreadPool(WRITERS + READERS);
                try {
                    List<Future<?>> writers = new ArrayList<>();
                    for (int w = 0; w < WRITERS; w++) {
                        int writer = w;
                        writers.add(pool.submit(() -> write(cache, writer, started, done)));
                    }
                    List<Future<?>> readers = new ArrayList<>();
                    for (int r = 0; r < READERS; r++) {
                        long seed = r;
                        readers.add(pool.submit(() -> read(cache, seed, started, done, writing, reads, hits)));
                    }
                    for (Future<?> f : writers) {
                        f.get();
                    }
                    writing.set(false);
                    for (Future<?> f : readers) {
                        f.get();
                    }
                } finally {
                    pool.shutdownNow();
                }
                assertTrue(hits.get() > 0 && reads.get() > hits.get() / 2, "reads " + reads + ", hits " + hits);

                // The final state, after everything is swapped out: each key at its writer's last step.
                vswap.reclaim(group, Long.MAX_VALUE);
                long present = 0;
                for (int k = 0; k < KEYS; k++) {
                    int last = done.get(k);
                    byte[] v = cache.get(TestValues.key(k));
                    if (last < 0 || isDelete(last)) {
                        assertNull(v, "key " + k + " ended deleted at step " + last);
                    } else {
                        TestValues.check(v, k, last, MAX_VALUE);
                        present++;
                    }
                }
                assertEquals(present, cache.size());
                assertTrue(vswap.stats().pswpin() > 0, "nothing was ever swapped in");
            }
        }
    }

    private static boolean isDelete(int step) {
        return step % 5 == 4;
    }

    /** Writer w owns the keys k with k % WRITERS == w; it visits them in a shuffled order, step by step. */
    private static void write(OffHeapCache cache, int w, AtomicIntegerArray started, AtomicIntegerArray done) {
        SplittableRandom rnd = new SplittableRandom(100 + w);
        int owned = KEYS / WRITERS;
        for (int i = 0; i < STEPS_PER_WRITER; i++) {
            int k = rnd.nextInt(owned) * WRITERS + w;
            int step = done.get(k) + 1;
            started.set(k, step);
            if (isDelete(step)) {
                cache.delete(TestValues.key(k));
            } else {
                cache.put(TestValues.key(k), TestValues.value(k, step, MAX_VALUE));
            }
            done.set(k, step);
        }
    }

    private static void read(OffHeapCache cache, long seed, AtomicIntegerArray started, AtomicIntegerArray done,
                             AtomicBoolean writing, AtomicLong reads, AtomicLong hits) {
        SplittableRandom rnd = new SplittableRandom(seed);
        while (writing.get()) {
            int k = rnd.nextInt(KEYS);
            int before = done.get(k);
            byte[] v = cache.get(TestValues.key(k));
            int after = started.get(k);
            reads.incrementAndGet();
            if (v == null) {
                // Absent is right only if no put finished before the read, or a delete falls in the window.
                boolean deleteInWindow = before < 0;
                for (int s = Math.max(before, 0); s <= after && !deleteInWindow; s++) {
                    deleteInWindow = isDelete(s);
                }
                assertTrue(deleteInWindow, "key " + k + " absent, but steps " + before + ".." + after + " hold no delete");
                continue;
            }
            hits.incrementAndGet();
            int version = TestValues.versionOf(v);
            assertEquals(k, TestValues.idOf(v), "value of another key under key " + k);
            assertTrue(version >= before && version <= after && !isDelete(version),
                    "key " + k + ": read version " + version + ", steps done before " + before + ", started after " + after);
            TestValues.check(v, k, version, MAX_VALUE);
        }
    }
}
