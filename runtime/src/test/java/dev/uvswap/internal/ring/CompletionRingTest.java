package dev.uvswap.internal.ring;

import dev.uvswap.FaultMode;
import dev.uvswap.PageData;
import dev.uvswap.Platform;
import dev.uvswap.Region;
import dev.uvswap.RegionOption;
import dev.uvswap.VSwap;
import dev.uvswap.VSwapStats;
import dev.uvswap.internal.VSwapConfig;
import dev.uvswap.internal.VSwapImpl;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The completion rings with real fault servers: every swap-in consumes its slot and posts a
 * completion (uvs_ring.c); the drainer frees the slot and its backend. The forbidden outcomes:
 * a completion lost when a ring is full (a leaked slot: slotsInUse never returns to 0), one
 * delivered twice (a slot freed twice: SlotSpace refuses a slot that is not NONE, counted as a
 * background error), or a page that reads wrong.
 */
class CompletionRingTest {
    private static final long PAGE = 4096;

    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    /**
     * With the drainer held off, one fault context posts 1.5 rings' worth of completions: the
     * ring fills, the rest goes to the context's spill queue (three 64 KiB chunks, never a wait on
     * Java), and once the drainer runs again every slot is freed, from both. In-thread, the
     * context is the toucher's SIGBUS handler, which may not malloc: before the spill queue it
     * dropped what the ring could not take (8,192 leaked slots, counted as ENOSPC).
     */
    @ParameterizedTest
    @EnumSource(FaultMode.class)
    void aFullRingOverflowsAndLosesNoCompletion(FaultMode mode) throws Exception {
        long pages = VSwapConfig.RING_CAPACITY * 3L / 2;
        RegionOption served = mode == FaultMode.IN_THREAD ? RegionOption.FAULTS_IN_THREAD : RegionOption.FAULTS_ON_SERVERS;
        try (VSwap vswap = VSwap.builder().faultThreads(1).faultMode(mode).build();
             Region r = vswap.allocate(pages * PAGE, RegionOption.SMALL_PAGES, served)) {
            VSwapImpl impl = (VSwapImpl) vswap;
            PageData.fillMixed(r, pages, 41);
            assertEquals(pages, r.pageOut(0, r.size()));
            assertEquals(pages, vswap.stats().slotsInUse(), "a slot for every page out");
            long overflowsBefore = impl.nativeContext().ringOverflows();
            Throwable[] failure = new Throwable[1];
            impl.swapOut().slotReclaimer().holding(() -> {
                // Touched from another thread: the servers answer its faults while this one holds
                // the drainer, as they must (no fault waits for Java).
                Thread toucher = Thread.ofPlatform().start(() -> {
                    try {
                        PageData.assertMixed(r, pages, 41);
                    } catch (Throwable t) {
                        failure[0] = t;
                    }
                });
                try {
                    assertTrue(toucher.join(java.time.Duration.ofMinutes(5)), "the faults were served with the drainer held");
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                // A server installs, which wakes the toucher, before it posts the completions (a
                // readahead run's 16 at once): wait until it has posted them, still holding the drainer.
                impl.nativeContext().quiesce();
            });
            assertNull(failure[0], () -> "a page read wrong: " + failure[0]);
            long overflowed = impl.nativeContext().ringOverflows() - overflowsBefore;
            assertTrue(overflowed >= pages - VSwapConfig.RING_CAPACITY,
                    "completions past the ring's capacity went to the spill queue: " + overflowed);
            VSwapStats s = vswap.stats();   // drains, rings and overflow list
            assertEquals(0, s.slotsInUse(), "every completion arrived, none lost: " + s);
            assertEquals(pages, s.pswpin(), "each page's completion counted once: " + s);
            assertEquals(0, s.poolStoredPages(), "every pool object freed: " + s);
            assertEquals(0, s.backgroundErrors(), "none delivered twice: " + s);
            assertEquals(0, s.faultErrors(), "no completion dropped (ENOSPC/ENOMEM): " + s);
        }
    }

    /**
     * Round after round through one ring of 16,384 records: head and tail run past the capacity
     * many times (each round 0.75 of a ring, so the records land at every offset), and each
     * round every slot comes back.
     */
    @Test
    void theRingWrapsAroundRoundAfterRound() throws Exception {
        long pages = VSwapConfig.RING_CAPACITY * 3L / 4;
        try (VSwap vswap = VSwap.builder().faultThreads(1).faultMode(FaultMode.SERVER_THREADS).build();
             Region r = vswap.allocate(pages * PAGE, RegionOption.SMALL_PAGES)) {
            for (int round = 0; round < 6; round++) {
                PageData.fillMixed(r, pages, 100 + round);
                assertEquals(pages, r.pageOut(0, r.size()), "round " + round);
                PageData.assertMixed(r, pages, 100 + round);
                VSwapStats s = vswap.stats();
                assertEquals(0, s.slotsInUse(), "round " + round + ": every slot came back: " + s);
                assertEquals(0, s.backgroundErrors(), "round " + round + ": " + s);
            }
            assertEquals(0, vswap.stats().faultErrors());
        }
    }
}
