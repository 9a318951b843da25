package dev.uvswap.internal.observe;

import dev.uvswap.FaultKind;
import dev.uvswap.LatencyPercentiles;
import dev.uvswap.bindings.uvswap.uvswap_h;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Per-period histograms: a difference of two reads, its percentiles and the faults over a threshold. */
class FaultHistogramsTest {
    private static final int KINDS = FaultKind.values().length;
    private static final int BUCKETS = uvswap_h.UVS_HIST_BUCKETS();

    private static FaultHistograms.Snapshot snapshot(FaultKind k, int[] bucketIdx, long[] counts) {
        long[][] b = new long[KINDS][BUCKETS];
        long[] c = new long[KINDS];
        long[] n = new long[KINDS];
        for (int i = 0; i < bucketIdx.length; i++) {
            b[k.ordinal()][bucketIdx[i]] += counts[i];
            c[k.ordinal()] += counts[i];
            n[k.ordinal()] += counts[i] * FaultHistograms.bucketFloor(bucketIdx[i]);
        }
        return new FaultHistograms.Snapshot(b, c, n);
    }

    @Test
    void aPeriodIsTheDifferenceAndCountsWhatReachedTheThreshold() {
        int fast = 40, slow = 90;   // bucket indices: slow is several powers of two above fast
        assertTrue(FaultHistograms.bucketFloor(slow) > FaultHistograms.bucketFloor(fast) * 16);
        FaultHistograms.Snapshot before = snapshot(FaultKind.ZSWAP, new int[] {fast, slow}, new long[] {100, 1});
        FaultHistograms.Snapshot after = snapshot(FaultKind.ZSWAP, new int[] {fast, slow}, new long[] {1000, 11});
        FaultHistograms.Snapshot period = after.minus(before);

        assertEquals(910, period.count(FaultKind.ZSWAP));
        assertEquals(0, period.count(FaultKind.ZERO));
        assertEquals(10, period.atLeast(FaultKind.ZSWAP, FaultHistograms.bucketFloor(slow)), "the slow bucket's 10");
        assertEquals(0, period.atLeast(FaultKind.ZSWAP, FaultHistograms.bucketFloor(slow) + 1),
                "a threshold inside a bucket rounds up to the next boundary");
        assertEquals(910, period.atLeast(FaultKind.ZSWAP, 0));
        assertEquals(FaultHistograms.bucketFloor(slow + 1), period.maxNanos(FaultKind.ZSWAP));
        assertEquals(0, period.maxNanos(FaultKind.ZERO));

        LatencyPercentiles p = period.percentiles(FaultKind.ZSWAP);
        assertEquals(910, p.count());
        assertTrue(p.p50Nanos() >= FaultHistograms.bucketFloor(fast) && p.p50Nanos() < FaultHistograms.bucketFloor(fast + 1));
        assertTrue(p.p99Nanos() >= FaultHistograms.bucketFloor(slow), "1.1% are slow: p99 is in the slow bucket");
        assertEquals(LatencyPercentiles.EMPTY, period.percentiles(FaultKind.ZERO));
    }
}
