package dev.uvswap.examples.arrow;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.uvswap.FaultMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * ArrowLargerThanRam scaled down: 256 MiB of vectors in a group of 32 MiB max, in both fault
 * modes. Every value, both sums and the filter must match their closed forms, and the group must
 * have held its budget while eight times as much data went through it.
 */
class ArrowLargerThanRamTest {

    private static final long MIB = 1L << 20;
    private static final long DATA = 256 * MIB;
    private static final long MAX = 32 * MIB;
    /** The reclaimer's slack (two 2 MiB extents, or max/64) and the 40 MiB margin GroupThrottleTest allows. */
    private static final long PEAK_BOUND = MAX + Math.max(4 * MIB, MAX / 64) + 40 * MIB;

    @ParameterizedTest
    @EnumSource(FaultMode.class)
    void vectorsEightTimesTheGroupMaxComputeCorrectly(FaultMode mode) throws Exception {
        var r = ArrowLargerThanRam.run(new ArrowLargerThanRam.Options(DATA, MAX, ArrowLargerThanRam.DEFAULT_BATCH_ROWS, mode));

        assertAll(
                () -> assertEquals(0, r.badValues(), "values or validity bits read back wrong"),
                () -> assertTrue(r.idSumOk(), "sum of ids"),
                () -> assertTrue(r.priceSumOk(), "sum of prices"),
                () -> assertTrue(r.filterOk(), "filtered ids"),
                () -> assertTrue(r.keptRows() > 0, "the filter keeps rows"),
                () -> assertTrue(r.dataBytes() >= 8 * MAX, "data " + r.dataBytes() + " is 8x the group max"),
                () -> assertTrue(r.peakMemoryCurrent() <= PEAK_BOUND,
                        "peak memoryCurrent " + r.peakMemoryCurrent() + " within max + slack + 40 MiB = " + PEAK_BOUND
                                + "; " + r.events()),
                // The budget was used, not avoided: the group ran up to its max.
                () -> assertTrue(r.peakMemoryCurrent() >= MAX / 2, "peak memoryCurrent " + r.peakMemoryCurrent()),
                // All but what fits had to leave memory during the build ...
                // by the group reclaimer and by the faults themselves at max (direct reclaim)
                () -> assertTrue(r.events().reclaimedBytes() + r.events().directReclaimedBytes() >= r.dataBytes() - PEAK_BOUND,
                        "reclaimed " + r.events()),
                // ... and the pass over the data had to bring it back.
                () -> assertTrue(r.events().refaults() * 4096 >= r.dataBytes() - PEAK_BOUND,
                        "refaults " + r.events().refaults()),
                // Everything went back to uvswap once the vectors were closed.
                () -> assertEquals(0, r.usage().openRegions(), "dedicated regions left open"),
                () -> assertEquals(0, r.usage().usedSlots(), "slab slots left in use"));
    }
}
