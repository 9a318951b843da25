package dev.uvswap;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.*;

/**
 * memoryMax holds against a writer faster than reclaim: faults of a group past its max (by more
 * than the reclaimer's slack) wait in the fault servers until reclaim brings it back, and a
 * group whose pages cannot leave is never held for good.
 */
class GroupThrottleTest {
    private static final long MIB = 1 << 20;
    private static final long PAGE = 4096;

    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    /** usemem: each word its index, sampling the group's charge every 64 pages; returns the peak. */
    private static long writeUsemem(Region r, MemoryGroup g) {
        MemorySegment seg = r.segment();
        long peak = 0;
        for (long p = 0; p < r.size() / PAGE; p++) {
            for (long w = 0; w < PAGE / 8; w++) {
                seg.set(ValueLayout.JAVA_LONG, p * PAGE + w * 8, p * (PAGE / 8) + w);
            }
            if ((p & 63) == 0) {
                peak = Math.max(peak, g.memoryCurrent());
            }
        }
        return peak;
    }

    private static void checkUsemem(Region r) {
        MemorySegment seg = r.segment();
        for (long word = 0; word < r.size() / 8; word++) {
            long v = seg.get(ValueLayout.JAVA_LONG, word * 8);
            if (v != word) {
                fail("word " + word + " reads " + v);
            }
        }
    }

    @Test
    void aWriterFasterThanReclaimIsHeldNearMemoryMax() {
        // zstd compresses a usemem page in ~16 us, a Java loop writes one in ~2: unthrottled, the
        // writer ends 60% over the max (GroupReclaimBench measured 416 MiB over a 256 MiB max).
        try (VSwap vswap = VSwap.builder().build()) {
            MemoryGroup g = vswap.createGroup("writer");
            g.setMemoryMax(16 * MIB);
            Region r = vswap.allocate(160 * MIB, g, RegionOption.SMALL_PAGES);
            long peak = writeUsemem(r, g);
            // The slack (2 extents) plus what the writer adds before the reclaimer next looks: a
            // 5 ms period or one reclaim step, more while that thread's first steps are still
            // interpreted or it is descheduled on 2 vCPUs (up to ~30 MiB seen). Unthrottled, the
            // writer ends with most of the 160 MiB still resident.
            long bound = 16 * MIB + GroupReclaimer.throttleSlack(16 * MIB) + 40 * MIB;
            assertTrue(peak <= bound, "peak " + (peak >> 20) + " MiB over a 16 MiB max (bound " + (bound >> 20) + " MiB)");
            assertTrue(g.faultPressure() > 0, "the held faults count as the group's stall: " + g.faultPressure());
            checkUsemem(r);
            assertEquals(0, vswap.stats().faultErrors());
        }
    }

    /**
     * A safepoint waits for a thread whose fault is held, and the reclaimer that would lift the
     * hold is stopped by that safepoint: the throttle is a lease only the running reclaimer
     * renews, so it lapses and the fault goes through. memhog's page fill is a counted loop that
     * C2 polls for safepoints only every ~1000 pages; with a fixed 50 ms hold each page, a
     * System.gc() took minutes to start (found by the usemem harness).
     */
    @Test
    void aSafepointIsNotHeldUpByThrottledFaults() throws Exception {
        try (VSwap vswap = VSwap.builder().build()) {
            MemoryGroup g = vswap.createGroup("gc");
            g.setMemoryMax(16 * MIB);
            Region r = vswap.allocate(192 * MIB, g, RegionOption.SMALL_PAGES);
            MemorySegment seg = r.segment();
            long pages = r.size() / PAGE;
            int[] order = new int[(int) pages];   // random page order: reclaim is slowest, the hold longest
            var rnd = new java.util.SplittableRandom(7);
            for (int i = 0; i < order.length; i++) {
                int j = rnd.nextInt(i + 1);
                order[i] = order[j];
                order[j] = i;
            }
            Runnable fill = () -> {
                for (int i = 0; i < order.length; i++) {
                    seg.asSlice(order[i] * PAGE, PAGE).fill((byte) (order[i] * 7 + 1));
                }
            };
            var writer = Thread.ofPlatform().start(fill);
            var writer2 = Thread.ofPlatform().start(fill);
            long worstGc = 0;
            while (writer.isAlive() || writer2.isAlive()) {
                long t0 = System.nanoTime();
                System.gc();
                worstGc = Math.max(worstGc, System.nanoTime() - t0);
                writer.join(20);
            }
            assertTrue(worstGc < 5_000_000_000L, "a System.gc() took " + worstGc / 1e6 + " ms");
            for (long p = 0; p < pages; p += 97) {
                assertEquals((byte) (p * 7 + 1), seg.get(java.lang.foreign.ValueLayout.JAVA_BYTE, p * PAGE + 4095), "page " + p);
            }
        }
    }

    @Test
    void aGroupWhosePagesCannotLeaveIsNotHeldForGood() throws InterruptedException {
        try (VSwap vswap = VSwap.builder().build()) {
            MemoryGroup g = vswap.createGroup("stuck");
            g.setMemoryMax(8 * MIB);
            g.setZswapMax(0);   // no pool, no swap file: nothing can leave
            Region r = vswap.allocate(32 * MIB, g, RegionOption.SMALL_PAGES);
            long t0 = System.nanoTime();
            writeUsemem(r, g);
            checkUsemem(r);
            double seconds = (System.nanoTime() - t0) / 1e9;
            // Held for good would be 8,192 faults x the 50 ms most a fault waits, minutes.
            assertTrue(seconds < 60, "took " + seconds + " s");
            assertTrue(g.memoryCurrent() > 8 * MIB, "the pages stayed: " + g.memoryCurrent());
            // The reclaimer counts the failure when its round ends, which may be after our last write.
            Await.until(() -> g.events().reclaimFailures() > 0, () -> "a reclaim failure is counted: " + g.events());
        }
    }
}
