package dev.uvswap.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The test inputs: jmh.json and usemem.csv from one real {@code ./uvs bench-all} run (the JSON
 * with each iteration's histogram folded into one bucket of the same count, and the profilers'
 * secondary metrics dropped after the first entry, to keep it small). Expected values are read from
 * them here by other means (Jackson's tree, a plain split) than the report's own readers.
 */
final class Fixtures {
    private Fixtures() {}

    static Path jmh() {
        return path("jmh.json");
    }

    static Path usemem() {
        return path("usemem.csv");
    }

    private static Path path(String name) {
        try {
            return Path.of(Fixtures.class.getResource(name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The JSON entries as a tree. */
    static List<JsonNode> jmhTree() {
        try (InputStream in = Files.newInputStream(jmh())) {
            List<JsonNode> out = new ArrayList<>();
            new ObjectMapper().readTree(in).forEach(out::add);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The entry whose benchmark ends with {@code simpleName} and whose params include {@code params}. */
    static JsonNode entry(String simpleName, Map<String, String> params) {
        return jmhTree().stream()
                .filter(e -> e.get("benchmark").asText().endsWith("." + simpleName))
                .filter(e -> params.entrySet().stream().allMatch(p -> e.has("params")
                        && p.getValue().equals(e.get("params").path(p.getKey()).asText())))
                .findFirst().orElseThrow(() -> new AssertionError("no " + simpleName + " " + params + " in jmh.json"));
    }

    static double p50(JsonNode entry) {
        return entry.get("primaryMetric").get("scorePercentiles").get("50.0").asDouble();
    }

    /** The CSV's lines as column name to value, split by hand. */
    static List<Map<String, String>> usememRows() {
        try {
            List<String> lines = Files.readAllLines(usemem());
            String[] header = lines.getFirst().split(",");
            List<Map<String, String>> rows = new ArrayList<>();
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.split(",", -1);
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 0; i < header.length; i++) {
                    row.put(header[i], f[i]);
                }
                rows.add(row);
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static double mean(List<Map<String, String>> rows, String column) {
        return rows.stream().mapToDouble(r -> Double.parseDouble(r.get(column))).average().orElseThrow();
    }

    /** Rows with these values (e.g. backend=zram, pattern=usemem, order=seq, threads=1, ratio=1.75). */
    static List<Map<String, String>> usememRows(String... keyValues) {
        List<String> kv = Arrays.asList(keyValues);
        return usememRows().stream().filter(r -> {
            for (int i = 0; i < kv.size(); i += 2) {
                if (!r.get(kv.get(i)).equals(kv.get(i + 1))) {
                    return false;
                }
            }
            return true;
        }).toList();
    }
}
