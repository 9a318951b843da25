package dev.uvswap.bench.report;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.util.List;
import java.util.Map;

/**
 * The parts of JMH's {@code -rf json} output the report reads, bound by Jackson. JMH writes a
 * NaN as the string "NaN" (a score error with too few samples); Jackson reads it into a double.
 */
final class JmhJson {
    private JmhJson() {}

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /** One benchmark with one set of parameter values. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Entry(String jmhVersion, String benchmark, String mode, String jdkVersion, String vmName, String vmVersion,
                 Map<String, String> params, Metric primaryMetric) {
        Entry {
            params = params == null ? Map.of() : params;
        }

        /** e.g. "JMH 1.37, JDK 25.0.3 (OpenJDK 64-Bit Server VM 25.0.3+9-LTS)" */
        String environment() {
            return "JMH " + jmhVersion + ", JDK " + jdkVersion + " (" + vmName + " " + vmVersion + ")";
        }
    }

    /**
     * @param rawDataHistogram SampleTime's histogram, [fork][iteration][bucket] = [value, count]
     * @param rawData          the other modes: [fork][one value per operation]
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Metric(double score, double scoreError, Map<String, Double> scorePercentiles, String scoreUnit,
                  List<List<List<List<Double>>>> rawDataHistogram, List<List<Double>> rawData) {
        Metric {
            scorePercentiles = scorePercentiles == null ? Map.of() : scorePercentiles;
            rawDataHistogram = rawDataHistogram == null ? List.of() : rawDataHistogram;
            rawData = rawData == null ? List.of() : rawData;
        }

        /** JMH writes no sample count: it is the histogram's counts, or the raw values without one. */
        long samples() {
            long n = rawDataHistogram.stream().flatMap(List::stream).flatMap(List::stream)
                    .mapToLong(bucket -> bucket.get(1).longValue()).sum();
            return n > 0 ? n : rawData.stream().mapToLong(List::size).sum();
        }
    }

    /** The entries of one file; an array is what JMH writes, anything else is an error with the parser's message. */
    static List<Entry> parse(String text) throws JsonProcessingException {
        return List.of(MAPPER.readValue(text, Entry[].class));
    }
}
