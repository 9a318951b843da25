package dev.uvswap;

import dev.uvswap.bindings.uvswap.uvswap_h;
import dev.uvswap.internal.group.GroupReclaimer;
import dev.uvswap.internal.group.MemoryGroupImpl;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.*;

/**
 * memoryMax holds against a writer faster than reclaim: a fault that would install a page in a
 * group past its max (by more than the reclaimer's slack) waits, on the fault path, until reclaim
 * brings the group back; a group whose pages cannot leave is never held for good, and a safepoint
 * is never held up by a held fault.
 */
class GroupThrottleTest {
    private static final long MIB = 1 << 20;
    private static final long PAGE = 4096;

    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    /**
     * What a usemem writer saw: its group's peak charge (sampled every 64 pages), the pages it
     * wrote while the group was throttled, how often it saw the throttle engage, and how long it took.
     */
    private record Run(long peak, long pages, long pagesWhileHeld, long engaged, long nanos) {
        /**
         * The pages a correct throttle lets through while engaged: the fault already served when
         * it engaged (one each time), one fault each UVS_THROTTLE_MAX_NS (the most one waits),
         * and a sixteenth of the run for when the reclaimer blocks on a lock in the JVM or libc
         * whose holder is descheduled: to the servers that looks like a stop at a safepoint, so
         * the lease lapses (seen: up to 1,439 pages of 40,960 under two busy loops and a load
         * of 10). A lease that lapses whenever the reclaimer is slow lets ~35,000 through.
         */
        long allowedWhileHeld() {
            return engaged + nanos / uvswap_h.UVS_THROTTLE_MAX_NS() + pages / 16;
        }
    }

    /** usemem: each word its index; notes the group's charge every 64 pages and its throttle every page. */
    private static Run writeUsemem(Region r, MemoryGroup g) {
        MemoryGroupImpl group = (MemoryGroupImpl) g;
        MemorySegment seg = r.segment();
        long t0 = System.nanoTime();
        long peak = 0;
        long whileHeld = 0;
        long engaged = 0;
        boolean wasHeld = false;
        for (long p = 0; p < r.size() / PAGE; p++) {
            for (long w = 0; w < PAGE / 8; w++) {
                seg.set(ValueLayout.JAVA_LONG, p * PAGE + w * 8, p * (PAGE / 8) + w);
            }
            boolean held = group.throttled;   // read after the page went in: true means its fault passed a hold
            if (held) {
                whileHeld++;
                engaged += wasHeld ? 0 : 1;
            }
            wasHeld = held;
            if ((p & 63) == 0) {
                peak = Math.max(peak, g.memoryCurrent());
            }
        }
        return new Run(peak, r.size() / PAGE, whileHeld, engaged, System.nanoTime() - t0);
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

    /**
     * The most a group's charge (resident + parked) may reach: max + the slack the fault path
     * holds at, plus what is in memory but not resident, aging's parked window and the batches
     * being compressed (an extent each), and what gets through while the hold lapses because the
     * reclaimer is stopped at a safepoint (2-3 MiB seen under a load of 20).
     */
    private static long peakBound(long max) {
        return max + GroupReclaimer.throttleSlack(max) + 4 * GroupReclaimer.EXTENT;
    }

    /**
     * The most a group's charge may reach with direct reclaim (uvs_reclaim.c): a fault that would
     * install past max reclaims first, on the faulting path, so the group stays at max, plus one
     * batch aging may park between two refreshes of the limit C holds (max less what is parked,
     * renewed after each drain), plus the page or extent each of the two writers installs after
     * its check passed. Nothing here depends on the Java reclaimer running.
     */
    private static long directPeakBound(long max) {
        return max + 3 * GroupReclaimer.EXTENT;
    }

    /**
     * The promise, under the load it names: two writers in one group, three threads
     * spinning on the two CPUs and a System.gc() loop; the group's charge, sampled every
     * millisecond and after every 64 pages, never passes max + one batch, and every word reads
     * back as written. Faults reclaim for themselves (direct reclaim), in C.
     */
    @Test
    void twoWritersThreeSpinnersAndAGcLoopStayUnderMax() throws Exception {
        long peak = loaded(FaultMode.SERVER_THREADS, true);
        assertTrue(peak <= directPeakBound(16 * MIB), "peak " + (peak >> 20) + " MiB over a 16 MiB max");
    }

    /** The same with each fault served on the writer's own thread, no GC loop. */
    @Test
    void twoWritersAndThreeSpinnersStayUnderMaxInThread() throws Exception {
        long peak = loaded(FaultMode.IN_THREAD, false);
        assertTrue(peak <= directPeakBound(16 * MIB), "peak " + (peak >> 20) + " MiB over a 16 MiB max");
    }

    /**
     * In-thread faults with a System.gc() loop. The JVM spends most of the run at GC safepoints,
     * where the Java reclaimer is stopped; a hold that waited for it had to lapse (a held
     * in-thread fault keeps the safepoint from completing), and peaks of 38-99 MiB over the
     * 16 MiB max were seen. The faulting thread's own SIGBUS handler runs through a safepoint and
     * reclaims in C, so the limit now holds here too.
     */
    @Test
    void aGcLoopDoesNotLiftTheLimitInThread() throws Exception {
        long peak = loaded(FaultMode.IN_THREAD, true);
        assertTrue(peak <= directPeakBound(16 * MIB), "peak " + (peak >> 20) + " MiB over a 16 MiB max");
    }

    /**
     * Two writers fill two regions of a group with a 16 MiB max while three threads spin (and,
     * with {@code gcLoop}, one calls System.gc() every 5 ms); every word is checked and the group
     * must come back under its max once they stop. Returns the peak charge seen.
     */
    private static long loaded(FaultMode mode, boolean gcLoop) throws Exception {
        try (VSwap vswap = VSwap.builder().faultMode(mode).build()) {
            MemoryGroup g = vswap.createGroup("loaded");
            g.setMemoryMax(16 * MIB);
            Region a = vswap.allocate(64 * MIB, g, RegionOption.SMALL_PAGES);
            Region b = vswap.allocate(64 * MIB, g, RegionOption.SMALL_PAGES);
            var stop = new java.util.concurrent.atomic.AtomicBoolean();
            var peak = new java.util.concurrent.atomic.AtomicLong();
            java.util.List<Thread> helpers = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                helpers.add(Thread.ofPlatform().daemon().start(() -> {
                    long x = 0;
                    while (!stop.get()) {
                        x += System.nanoTime() & 1;
                    }
                    if (x == 42) {
                        System.out.print("");
                    }
                }));
            }
            helpers.add(Thread.ofPlatform().daemon().start(() -> {
                while (!stop.get() && gcLoop) {
                    System.gc();
                    java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
                }
            }));
            helpers.add(Thread.ofPlatform().daemon().start(() -> {
                while (!stop.get()) {
                    peak.accumulateAndGet(g.memoryCurrent(), Math::max);
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                }
            }));
            var wa = Thread.ofPlatform().start(() -> peak.accumulateAndGet(writeUsemem(a, g).peak(), Math::max));
            var wb = Thread.ofPlatform().start(() -> peak.accumulateAndGet(writeUsemem(b, g).peak(), Math::max));
            wa.join();
            wb.join();
            stop.set(true);
            for (Thread t : helpers) {
                t.join();
            }
            System.out.printf("loaded (%s, GC loop %s): peak %d MiB over a 16 MiB max (bound %d MiB); %s%n",
                    mode, gcLoop, peak.get() >> 20, directPeakBound(16 * MIB) >> 20, g.events());
            Await.until(() -> g.memoryCurrent() <= g.memoryMax(),
                    () -> "back under max after the writers: " + (g.memoryCurrent() >> 20) + " MiB");
            checkUsemem(a);
            checkUsemem(b);
            assertEquals(0, vswap.stats().faultErrors());
            assertTrue(g.events().directReclaimedBytes() > 0, "the faults reclaimed: " + g.events());
            return peak.get();
        }
    }

    /**
     * Where direct reclaim cannot take a region's pages (the region has pins, which only Java
     * sees), the fault path falls back to holding the fault while the Java reclaimer works.
     */
    @Test
    void aWriterFasterThanReclaimIsHeldNearMemoryMax() {
        // zstd compresses a usemem page in ~16 us, a Java loop writes one in ~2: unthrottled, the
        // writer ends 60% over the max (GroupReclaimBench measured 416 MiB over a 256 MiB max).
        try (VSwap vswap = VSwap.builder().build()) {
            MemoryGroup g = vswap.createGroup("writer");
            g.setMemoryMax(16 * MIB);
            Region r = vswap.allocate(160 * MIB, g, RegionOption.SMALL_PAGES);
            r.pin(r.size() - PAGE, PAGE);   // one pin: direct reclaim leaves the region to the hold
            Run run = writeUsemem(r, g);
            System.out.printf("throttle: peak %d MiB over a 16 MiB max; %d pages written while held (%d allowed), "
                    + "engaged %d times, %.1f s; %s%n", run.peak() >> 20, run.pagesWhileHeld(), run.allowedWhileHeld(),
                    run.engaged(), run.nanos() / 1e9, g.events());
            // What the product controls: once engaged, the hold holds. A lease that lapsed whenever
            // the reclaimer was slow (steps of 20-170 ms against a 10 ms lease under two busy loops)
            // let the writer through at full speed, ~35,000 of 40,960 pages, to peaks of 67-116 MiB.
            // The Java throttle need not engage at all: C's charge check holds each fault at
            // max + slack (uvs_group_over), so a reclaimer that samples after the hold caught the
            // writer never sees the group past its slack (engaged 0, peak 20.5 MiB, seen under two
            // busy loops). What either hold promises is the peak bound below.
            assertTrue(run.pagesWhileHeld() <= run.allowedWhileHeld(),
                    run.pagesWhileHeld() + " pages got through the hold (at most " + run.allowedWhileHeld() + " may)");
            // The charge is checked on the fault path, in C, before each page is installed: a
            // writer gets past max + slack only by what aging keeps parked and the batch in flight
            // (before, the Java reclaimer noticed after each batch: 21-30 MiB peaks under two
            // busy loops, 62-67 MiB at a load of 10).
            long bound = peakBound(16 * MIB);
            assertTrue(run.peak() <= bound, "peak " + (run.peak() >> 20) + " MiB over a 16 MiB max (bound " + (bound >> 20) + " MiB)");
            assertTrue(g.faultPressure() > 0, "the held faults count as the group's stall: " + g.faultPressure());
            checkUsemem(r);
            assertEquals(0, vswap.stats().faultErrors());
            assertEquals(0, g.events().directReclaimedBytes(), "a region with pins is not direct reclaim's");
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
