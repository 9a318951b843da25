package dev.uvswap.internal.observe;

import dev.uvswap.FaultKind;
import dev.uvswap.LatencyPercentiles;
import dev.uvswap.bindings.uvswap.uvs_server_stats;
import dev.uvswap.bindings.uvswap.UvswapLibrary;
import dev.uvswap.bindings.uvswap.uvswap_h;
import dev.uvswap.internal.ctx.NativeContext;

import java.lang.foreign.MemorySegment;

/**
 * The fault servers' latency histograms, read raw for observability: two reads a period apart
 * give the faults of that period ({@link Snapshot#minus}), their percentiles and how many took
 * longer than a threshold. Reading is a few thousand plain loads of counters the servers publish;
 * nothing is added to the fault path. The caller keeps the VSwap open while it reads (the
 * counters live in the native context).
 */
public final class FaultHistograms {
    private static final int KINDS = FaultKind.values().length;
    private static final int BUCKETS = uvswap_h.UVS_HIST_BUCKETS();
    private static final long[] FLOOR = floors();

    private final MemorySegment[] stats;

    public FaultHistograms(NativeContext servers) {
        this.stats = new MemorySegment[servers.contexts()];
        for (int i = 0; i < stats.length; i++) {
            stats[i] = uvswap_h.uvs_server_stats(servers.context(), i).reinterpret(uvs_server_stats.sizeof());
        }
    }

    /** The counters now, summed over every fault context. */
    public Snapshot read() {
        long[][] buckets = new long[KINDS][BUCKETS];
        long[] counts = new long[KINDS];
        long[] nanos = new long[KINDS];
        for (FaultKind k : FaultKind.values()) {
            int kind = NativeContext.nativeKind(k);
            long[] h = buckets[k.ordinal()];
            for (MemorySegment s : stats) {
                counts[k.ordinal()] += uvs_server_stats.faults(s, kind);
                nanos[k.ordinal()] += uvs_server_stats.fault_ns(s, kind);
                for (int b = 0; b < BUCKETS; b++) {
                    h[b] += uvs_server_stats.hist(s, kind, b);
                }
            }
        }
        return new Snapshot(buckets, counts, nanos);
    }

    /** Where histogram bucket {@code b} starts, in ns. */
    public static long bucketFloor(int b) {
        return FLOOR[b];
    }

    private static long[] floors() {
        UvswapLibrary.require();
        long[] f = new long[BUCKETS + 1];
        for (int i = 0; i < BUCKETS; i++) {
            f[i] = uvswap_h.uvs_hist_bucket_floor(i);
        }
        f[BUCKETS] = f[BUCKETS - 1] * 2;
        return f;
    }

    /**
     * Cumulative (or, after {@link #minus}, per-period) fault counts, service nanoseconds and
     * histograms, indexed by {@link FaultKind#ordinal()}.
     */
    public record Snapshot(long[][] buckets, long[] counts, long[] nanos) {
        public static final Snapshot ZERO = new Snapshot(new long[KINDS][BUCKETS], new long[KINDS], new long[KINDS]);

        /** What happened between {@code earlier} and this snapshot. */
        public Snapshot minus(Snapshot earlier) {
            long[][] b = new long[KINDS][BUCKETS];
            long[] c = new long[KINDS];
            long[] n = new long[KINDS];
            for (int k = 0; k < KINDS; k++) {
                c[k] = counts[k] - earlier.counts[k];
                n[k] = nanos[k] - earlier.nanos[k];
                for (int i = 0; i < BUCKETS; i++) {
                    b[k][i] = buckets[k][i] - earlier.buckets[k][i];
                }
            }
            return new Snapshot(b, c, n);
        }

        public long count(FaultKind k) {
            return counts[k.ordinal()];
        }

        /** Percentiles as {@code VSwapStats.faultLatency} computes them (the middle of a bucket). */
        public LatencyPercentiles percentiles(FaultKind k) {
            return NativeContext.percentiles(buckets[k.ordinal()], counts[k.ordinal()], nanos[k.ordinal()]);
        }

        /** Faults of a kind that took at least {@code nanos}: those in buckets that start there or later. */
        public long atLeast(FaultKind k, long nanos) {
            long n = 0;
            long[] h = buckets[k.ordinal()];
            for (int b = 0; b < BUCKETS; b++) {
                if (FLOOR[b] >= nanos) {
                    n += h[b];
                }
            }
            return n;
        }

        /** The upper bound of the slowest non-empty bucket of a kind (0 when empty). */
        public long maxNanos(FaultKind k) {
            long[] h = buckets[k.ordinal()];
            for (int b = BUCKETS - 1; b >= 0; b--) {
                if (h[b] > 0) {
                    return FLOOR[b + 1];
                }
            }
            return 0;
        }
    }
}
