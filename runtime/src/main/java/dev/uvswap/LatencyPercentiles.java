package dev.uvswap;

/**
 * Service-time percentiles of one fault kind, in nanoseconds, as measured by the fault servers
 * (from reading the fault to the page being installed). Histogram buckets are log-linear with
 * four per power of two, so a percentile is exact to within about 19%.
 */
public record LatencyPercentiles(long count, double meanNanos, long p50Nanos, long p90Nanos, long p99Nanos, long maxNanos) {
    public static final LatencyPercentiles EMPTY = new LatencyPercentiles(0, 0, 0, 0, 0, 0);
}
