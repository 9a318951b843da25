package dev.uvswap;

import dev.uvswap.internal.VSwapConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The staging area (the swap cache, {@link VSwapConfig#STAGING_BYTES}) is never a choke point:
 * parking more than it holds compresses the oldest parked pages to make room instead of filling
 * it for good, so another region's pageOut and park still find chunks, and a range with nothing
 * resident needs none at all. Before, a park of 1 GiB filled every chunk, parked pages left only
 * when touched, and every later pageOut waited 30 s for a chunk and then threw.
 */
class StagingPressureTest {
    private static final long MIB = 1 << 20;
    private static final long STAGING_PAGES = VSwapConfig.STAGING_BYTES / 4096;
    /** How long a call may take before the test calls it stuck: far beyond any honest run. */
    private static final long STUCK_SECONDS = 120;

    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    @Test
    void parkingMoreThanTheSwapCacheHoldsStallsNoOne() throws Exception {
        try (VSwap vswap = VSwap.builder().compressor(Compressor.LZ4).build();
             Region big = vswap.allocate(VSwapConfig.STAGING_BYTES + 16 * MIB);
             Region other = vswap.allocate(8 * MIB, RegionOption.SMALL_PAGES);
             Region late = vswap.allocate(4 * MIB, RegionOption.SMALL_PAGES);
             Region untouched = vswap.allocate(4 * MIB)) {
            long bigPages = big.size() / 4096;
            long otherPages = other.size() / 4096;
            long latePages = late.size() / 4096;
            // The oldest parked batches belong to a region closed since: making room only drops them.
            Region closedEarly = vswap.allocate(4 * MIB, RegionOption.SMALL_PAGES);
            PageData.fillMixed(closedEarly, closedEarly.size() / 4096, 30);
            assertEquals(closedEarly.size() / 4096, closedEarly.park(0, closedEarly.size()));
            closedEarly.close();
            fillCheaply(big, bigPages);
            PageData.fillMixed(other, otherPages, 32);
            PageData.fillMixed(late, latePages, 33);

            long parked = big.park(0, big.size());

            // An unrelated region's pageOut finds a chunk (it used to wait 30 s, then throw).
            assertEquals(otherPages, promptly(() -> other.pageOut(0, other.size())), "every page of the other region left");
            // Nothing resident, nothing to move: no chunk needed, and no parked page compressed to get one.
            long storedBefore = vswap.stats().pswpout();
            assertEquals(0, promptly(() -> big.pageOut(0, 64 * MIB)), "the parked range has nothing resident");
            assertEquals(0, promptly(() -> untouched.pageOut(0, untouched.size())), "a never-touched region neither");
            assertEquals(storedBefore, vswap.stats().pswpout(), "no parked page was compressed for an empty range");
            // Another region can still park: the oldest parked pages make room.
            assertEquals(latePages, promptly(() -> late.park(0, late.size())), "every page of a later park moved");

            assertEquals(bigPages, parked, "every page moved: the oldest were compressed to make room, none refused");
            VSwapStats s = vswap.stats();
            assertTrue(s.stagingPages() <= STAGING_PAGES / 2, "parked pages keep to half of the swap cache: " + s.stagingPages());
            assertTrue(s.stagingPages() > 0, "the newest parked pages are still parked");
            // Each page is either still parked or was stored (none was touched or refused; the closed region's were freed).
            assertEquals(bigPages + latePages - s.stagingPages() + otherPages, s.pswpout(),
                    "every page not parked any more was compressed");

            assertCheaplyFilled(big, bigPages);     // from the swap cache and from the pool, byte for byte
            PageData.assertMixed(other, otherPages, 32);
            PageData.assertMixed(late, latePages, 33);
            s = vswap.stats();
            assertEquals(0, s.stagingPages());
            assertEquals(0, s.slotsInUse());
            assertEquals(0, s.poolStoredPages());
            assertEquals(0, s.faultErrors());
            assertEquals(0, s.backgroundErrors());
        }
    }

    /**
     * 1 GiB of pages of every stored form (raw, compressed, zero, same-filled), quick to write and
     * to check: a page of incompressible or heap-like data is a copy of one template page with
     * its own page number in its first word (so a page that came back in the wrong place shows).
     */
    private static final MemorySegment TEMPLATES = Arena.global().allocate(2 * 4096, 4096);

    static {
        PageData.RANDOM.fill(TEMPLATES, 0, 31);
        PageData.HEAP_LIKE.fill(TEMPLATES, 1, 31);
    }

    private static void fillCheaply(Region r, long pages) {
        MemorySegment seg = r.segment();
        for (long p = 0; p < pages; p++) {
            switch ((int) (p % 4)) {
                case 0, 1 -> {
                    MemorySegment.copy(TEMPLATES, (p % 4) * 4096, seg, p * 4096, 4096);
                    seg.set(ValueLayout.JAVA_LONG, p * 4096, p);
                }
                case 2 -> seg.set(ValueLayout.JAVA_LONG, p * 4096, 0);   // touched: a resident zero page
                default -> PageData.SAME_FILLED.fill(seg, p, 31);
            }
        }
    }

    private static void assertCheaplyFilled(Region r, long pages) {
        MemorySegment seg = r.segment();
        for (long p = 0; p < pages; p++) {
            MemorySegment page = seg.asSlice(p * 4096, 4096);
            long where = switch ((int) (p % 4)) {
                case 0, 1 -> page.get(ValueLayout.JAVA_LONG, 0) != p ? 0
                        : TEMPLATES.asSlice((p % 4) * 4096 + 8, 4088).mismatch(page.asSlice(8));
                case 2 -> ZERO_PAGE.mismatch(page);
                default -> PageData.SAME_FILLED.check(seg, p, 31);
            };
            assertEquals(-1, where, "page " + p + " differs");
        }
    }

    private static final MemorySegment ZERO_PAGE = Arena.global().allocate(4096, 4096);

    /** Runs {@code call} on another thread and returns its result, failing if it is stuck. */
    private static long promptly(LongSupplier call) throws Exception {
        return CompletableFuture.supplyAsync(call::getAsLong).get(STUCK_SECONDS, TimeUnit.SECONDS);
    }
}
