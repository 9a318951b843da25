package dev.uvswap.bench.report;

import java.util.Map;
import java.util.NavigableMap;
import java.util.stream.Collectors;

/**
 * One JMH result (a benchmark method with one set of parameter values), its times already in
 * microseconds whatever unit the run reported, so floors and results from different runs add up.
 *
 * @param benchmark   simple class name and method, e.g. {@code FaultLatencyBench.touch}: a package rename must not lose the match
 * @param mode        JMH's short mode name: {@code sample}, {@code ss}, {@code avgt}...
 * @param params      parameter values in declaration order; empty when the benchmark has none
 * @param mean        JMH's score: the mean in every time-based mode
 * @param error       JMH's 99.9% confidence half-width (NaN with too few samples)
 * @param percentiles percent (0.0 to 100.0) to time
 * @param samples     how many times were measured, 0 if unknown
 * @param source      the file it came from
 */
record JmhResult(String benchmark, String mode, Map<String, String> params, double mean, double error,
                 NavigableMap<Double, Double> percentiles, long samples, String source) {

    /** The time at a percentile, NaN if JMH did not report that one. */
    double p(double percent) {
        return percentiles.getOrDefault(percent, Double.NaN);
    }

    double p50() {
        return p(50.0);
    }

    String param(String name) {
        return params.getOrDefault(name, "");
    }

    /** Whether every given parameter has the given value (parameters not named may be anything). */
    boolean matches(Map<String, String> wanted) {
        return wanted.entrySet().stream().allMatch(e -> e.getValue().equals(params.get(e.getKey())));
    }

    String className() {
        int dot = benchmark.indexOf('.');
        return dot < 0 ? benchmark : benchmark.substring(0, dot);
    }

    String id() {
        return params.isEmpty() ? benchmark
                : benchmark + params.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                        .collect(Collectors.joining(",", "[", "]"));
    }
}
