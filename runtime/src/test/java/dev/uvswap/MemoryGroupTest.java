package dev.uvswap;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;

/** Memory groups: limits the background reclaimer keeps, nesting, proactive reclaim; nothing lost. */
class MemoryGroupTest {
    private static final long MIB = 1 << 20;

    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    @Test
    void theReclaimerKeepsAGroupUnderItsHighLimit() throws Exception {
        try (VSwap vswap = VSwap.builder().build()) {
            MemoryGroup g = vswap.createGroup("cache");
            g.setMemoryHigh(16 * MIB);
            Region r = vswap.allocate(64 * MIB, g);
            PageData.fillMixed(r, r.size() / 4096, 1);
            Await.until(() -> g.memoryCurrent() <= 16 * MIB, () -> "the group is under its high limit: " + g.memoryCurrent());
            assertTrue(g.events().high() > 0);
            // The step in flight (one extent) is counted when its pageOut returns.
            Await.until(() -> g.events().reclaimedBytes() >= 48 * MIB, () -> "the reclaimed bytes are counted: " + g.events());
            // memoryCurrent also counts the pages aging holds parked: at most its window of 2 extents.
            long parked = g.memoryCurrent() - r.residentBytes();
            assertTrue(parked >= 0 && parked <= 2 * 2 * MIB, "parked bytes " + parked);
            PageData.assertMixed(r, r.size() / 4096, 1);   // touching it all back: the reclaimer keeps up while we read
            Await.until(() -> g.memoryCurrent() <= 16 * MIB, "back under the limit after the read");
            assertEquals(0, vswap.stats().faultErrors());
        }
    }

    @Test
    void aChildNeverHoldsMoreThanItsParentAllows() throws Exception {
        try (VSwap vswap = VSwap.builder().build()) {
            MemoryGroup parent = vswap.createGroup("parent");
            MemoryGroup a = parent.createChild("a");
            MemoryGroup b = parent.createChild("b");
            parent.setMemoryHigh(16 * MIB);
            b.setMemoryHigh(4 * MIB);
            Region ra = vswap.allocate(16 * MIB, a);
            Region rb = vswap.allocate(16 * MIB, b);
            PageData.fillMixed(ra, ra.size() / 4096, 2);
            PageData.fillMixed(rb, rb.size() / 4096, 3);
            Await.until(() -> parent.memoryCurrent() <= 16 * MIB && b.memoryCurrent() <= 4 * MIB,
                    "both limits hold: parent " + parent.memoryCurrent() + ", b " + b.memoryCurrent());
            assertEquals(a.memoryCurrent() + b.memoryCurrent(), parent.memoryCurrent());
            assertSame(parent, a.parent());
            PageData.assertMixed(ra, ra.size() / 4096, 2);
            PageData.assertMixed(rb, rb.size() / 4096, 3);
            assertTrue(parent.events().reclaimedBytes() >= b.events().reclaimedBytes(), "parent events include its children");
        }
    }

    @Test
    void limitsChangeWhileThreadsRun() throws Exception {
        try (VSwap vswap = VSwap.builder().build()) {
            MemoryGroup g = vswap.createGroup("busy");
            Region r = vswap.allocate(32 * MIB, g, RegionOption.SMALL_PAGES);
            PageData.fillMixed(r, r.size() / 4096, 4);
            AtomicBoolean stop = new AtomicBoolean();
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            List<Thread> readers = new java.util.ArrayList<>();
            for (int t = 0; t < 2; t++) {
                readers.add(Thread.ofPlatform().start(() -> {
                    try {
                        while (!stop.get()) {
                            PageData.assertMixed(r, r.size() / 4096, 4);
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            for (long high : new long[] {8 * MIB, 24 * MIB, 4 * MIB, MemoryGroup.UNLIMITED, 12 * MIB}) {
                g.setMemoryHigh(high);
                Thread.sleep(150);
            }
            g.setMemoryMax(6 * MIB);
            Thread.sleep(150);
            stop.set(true);
            for (Thread t : readers) {
                t.join();
            }
            assertTrue(failures.isEmpty(), failures::toString);
            Await.until(() -> g.memoryCurrent() <= 6 * MIB, "under the new max once the readers stopped");
            PageData.assertMixed(r, r.size() / 4096, 4);
            assertTrue(g.events().high() + g.events().max() > 0);
        }
    }

    @Test
    void atMaxWithNothingEvictableTheRegionStillWorks() throws Exception {
        // A pool that refuses everything and no swap file: nothing can leave memory.
        try (VSwap vswap = VSwap.builder().poolMaxBytes(64 << 10).build()) {
            MemoryGroup g = vswap.createGroup("stuck");
            g.setMemoryMax(4 * MIB);
            Region r = vswap.allocate(16 * MIB, g, RegionOption.SMALL_PAGES);
            MemorySegment seg = r.segment();
            for (long p = 0; p < r.size() / 4096; p++) {
                PageData.RANDOM.fill(seg, p, 5);
            }
            Await.until(() -> g.events().max() > 0 && g.events().reclaimFailures() > 0, "a max event and a failed reclaim");
            for (long p = 0; p < r.size() / 4096; p++) {
                assertEquals(-1, PageData.RANDOM.check(seg, p, 5), "page " + p);
            }
            // All but the pool's one span and the batch the reclaimer may have in flight stays.
            assertTrue(g.memoryCurrent() > 12 * MIB, "nothing could leave: " + g.memoryCurrent());
        }
    }

    @Test
    void proactiveReclaimTakesWholeExtentsRoundRobin() {
        try (VSwap vswap = VSwap.builder().build()) {
            MemoryGroup g = vswap.createGroup("proactive");
            Region r1 = vswap.allocate(8 * MIB, g);
            Region r2 = vswap.allocate(8 * MIB, g);
            PageData.fillMixed(r1, r1.size() / 4096, 6);
            PageData.fillMixed(r2, r2.size() / 4096, 7);
            assertEquals(16 * MIB, g.memoryCurrent());
            long got = vswap.reclaim(g, 5 * MIB);
            assertTrue(got >= 5 * MIB && got <= 8 * MIB, "whole extents: " + got);
            assertEquals(16 * MIB - got, g.memoryCurrent());
            assertTrue(r1.residentBytes() < 8 * MIB && r2.residentBytes() < 8 * MIB, "both regions gave some");
            assertEquals(16 * MIB - got, vswap.reclaim(g, 1L << 40), "the rest, and no more");
            assertEquals(0, g.memoryCurrent());
            PageData.assertMixed(r1, r1.size() / 4096, 6);
            PageData.assertMixed(r2, r2.size() / 4096, 7);
            assertThrows(IllegalArgumentException.class, () -> vswap.reclaim(g, -1));
            assertThrows(IllegalArgumentException.class, () -> g.setMemoryHigh(-1));
            try (VSwap other = VSwap.builder().build()) {
                assertThrows(IllegalArgumentException.class, () -> other.allocate(MIB, g));
            }
        }
    }
}
