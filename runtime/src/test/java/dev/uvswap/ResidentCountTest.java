package dev.uvswap;

import dev.uvswap.internal.region.RegionImpl;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Region.residentBytes is a counter the fault servers and uvs_evict keep; after every step of
 * a random mix of touches, pageOut, park and prefault (and once the servers are quiet: readahead
 * goes on after the toucher resumed) it must equal what mincore says.
 */
class ResidentCountTest {
    private static final long PAGES = 2048;

    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    private static long mincorePages(Region r) {
        long[] n = {0};
        ((RegionImpl) r).memory().forEachResidentPage(p -> n[0]++);
        return n[0];
    }

    @ParameterizedTest(name = "huge pages {0}")
    @ValueSource(booleans = {false, true})
    void theCounterMatchesMincoreThroughEveryKindOfStep(boolean huge) {
        RegionOption[] options = huge ? new RegionOption[0] : new RegionOption[] {RegionOption.SMALL_PAGES};
        try (VSwap vswap = VSwap.builder().faultThreads(2).build(); Region r = vswap.allocate(PAGES * 4096, options)) {
            MemorySegment seg = r.segment();
            SplittableRandom rnd = new SplittableRandom(42);
            assertEquals(0, r.residentBytes());
            for (int step = 0; step < 200; step++) {
                long first = rnd.nextLong(PAGES);
                long n = 1 + rnd.nextLong(Math.min(600, PAGES - first));
                switch (rnd.nextInt(5)) {
                    case 0, 1 -> {
                        for (long p = first; p < first + n; p++) {
                            seg.set(ValueLayout.JAVA_LONG, p * 4096 + 8, p ^ step);
                        }
                    }
                    case 2 -> r.pageOut(first * 4096, n * 4096);
                    case 3 -> r.park(first * 4096, n * 4096);
                    default -> r.prefault(first * 4096, n * 4096);
                }
                vswap.stats();   // quiesces the servers: readahead may still be installing after the last touch
                long want = mincorePages(r);
                assertEquals(want * 4096, r.residentBytes(), "after step " + step);
            }
        }
    }
}
