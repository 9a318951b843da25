package dev.uvswap;

import dev.uvswap.internal.VSwapImpl;
import dev.uvswap.internal.group.GroupReclaimer;
import dev.uvswap.internal.group.MemoryGroupImpl;
import dev.uvswap.internal.ring.CompletionDrainer;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * uvswap's background threads survive an unexpected failure: each is made to throw once (a
 * test hook standing in for a bug), and afterwards it is still alive and still does its job,
 * and the failure is counted in {@link VSwapStats#backgroundErrors()}. Before, the first
 * exception ended the thread for good: a group's limits, the freeing of consumed slots, or
 * writeback silently stopped.
 */
class BackgroundThreadsTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    @Test
    void theGroupReclaimerStillKeepsMaxAfterAFailure() throws Exception {
        try (VSwap vswap = VSwap.builder().build()) {
            MemoryGroup g = vswap.createGroup("after-a-failure");
            GroupReclaimer.injectOnce((MemoryGroupImpl) g, new IllegalStateException("injected: a bug in a check"));
            Await.until(() -> vswap.stats().backgroundErrors() == 1, "the reclaimer's next check of the group failed");

            g.setMemoryMax(8 * MIB);
            Region r = vswap.allocate(32 * MIB, g, RegionOption.SMALL_PAGES);
            r.pin(r.size() - 4096, 4096);   // a region with pins is the Java reclaimer's alone (no direct reclaim)
            PageData.fillMixed(r, r.size() / 4096, 21);
            Await.until(() -> g.memoryCurrent() <= 8 * MIB,
                    () -> "the reclaimer, still running, brought the group under its max: " + g.memoryCurrent());
            assertTrue(g.events().reclaimedBytes() >= 16 * MIB, () -> "reclaimed: " + g.events());
            PageData.assertMixed(r, r.size() / 4096, 21);
            assertEquals(1, vswap.stats().backgroundErrors(), "the one injected failure, counted once");
        }
    }

    @Test
    void theCompletionDrainerStillFreesSlotsAfterAFailure() throws Exception {
        long pages = 2048;
        try (VSwap vswap = VSwap.builder().build(); Region r = vswap.allocate(pages * 4096, RegionOption.SMALL_PAGES)) {
            CompletionDrainer drainer = ((VSwapImpl) vswap).swapOut().slotReclaimer();
            drainer.injectOnce(new IllegalStateException("injected: a bug in a drain"));
            Await.until(() -> drainer.backgroundErrors() == 1, "the drainer's next iteration failed");

            PageData.fillMixed(r, pages, 22);
            assertEquals(pages, r.pageOut(0, r.size()));
            PageData.assertMixed(r, pages, 22);   // every page faults back in: a completion each
            // Nothing here drains in the caller (stats() would): only the drainer thread counts these.
            Await.until(() -> drainer.pswpin.sum() == pages,
                    () -> "the drainer thread, still running, freed every consumed slot: " + drainer.pswpin.sum());
            VSwapStats s = vswap.stats();
            assertEquals(0, s.slotsInUse());
            assertEquals(0, s.poolStoredPages());
            assertEquals(1, s.backgroundErrors());
        }
    }

    @Test
    void thePrefetcherStillServesWillNeedAfterAFailure() throws Exception {
        long pages = 256;
        try (VSwap vswap = VSwap.builder().build(); Region r = vswap.allocate(pages * 4096, RegionOption.SMALL_PAGES)) {
            VSwapImpl impl = (VSwapImpl) vswap;
            PageData.fillMixed(r, pages, 24);
            assertEquals(pages, r.pageOut(0, r.size()));
            impl.prefetchErrors().injectOnce(new IllegalStateException("injected: a bug in a prefetch"));
            r.willNeed(0, r.size());
            impl.awaitPrefetch();
            assertEquals(1, vswap.stats().backgroundErrors(), "the failed prefetch, counted");
            assertEquals(0, r.residentBytes(), "the failed prefetch brought nothing back");
            r.willNeed(0, r.size());
            impl.awaitPrefetch();
            assertEquals(r.size(), r.residentBytes(), "the next willNeed is served (the untouched rest first-touched)");
            PageData.assertMixed(r, pages, 24);
            assertEquals(1, vswap.stats().backgroundErrors());
        }
    }

    @Test
    void writebackStillWritesBackAfterAFailure() throws Exception {
        long pages = 4096;   // 16 MiB of heap-like data: several MiB in the pool, over a 1 MiB limit
        try (VSwap vswap = VSwap.builder().zswapMaxBytes(1 << 20).temporarySwapFile(dir, 64 * MIB).build();
             Region r = vswap.allocate(pages * 4096, RegionOption.SMALL_PAGES)) {
            ((VSwapImpl) vswap).fileBackend().injectWritebackFailure(new IllegalStateException("injected: a bug in writeback"));
            Await.until(() -> vswap.stats().backgroundErrors() == 1, "writeback's next iteration failed");
            assertEquals(0, vswap.stats().zswpwb());

            MemorySegment seg = r.segment();
            for (long p = 0; p < pages; p++) {
                PageData.HEAP_LIKE.fill(seg, p, 23);
            }
            assertEquals(pages, r.pageOut(0, r.size()));
            Await.until(() -> vswap.stats().poolTotalBytes() <= (1 << 20),
                    () -> "writeback, still running, brought the pool under its limit: " + vswap.stats().poolTotalBytes()
                            + " bytes, " + vswap.stats().zswpwb() + " pages written back");
            assertTrue(vswap.stats().zswpwb() > 0);
            for (long p = 0; p < pages; p++) {
                assertEquals(-1, PageData.HEAP_LIKE.check(seg, p, 23), "page " + p);
            }
            VSwapStats s = vswap.stats();
            assertEquals(0, s.fileSlotsUsed());
            assertEquals(0, s.slotsInUse());
            assertEquals(1, s.backgroundErrors());
        }
    }
}
