package dev.uvswap.bench.report;

import com.fasterxml.jackson.core.JsonProcessingException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/** The results of one or more JMH {@code -rf json} files, looked up by simple benchmark name and parameters. */
final class JmhResults {
    private final Map<String, JmhResult> byId;
    private final String environment;

    private JmhResults(Map<String, JmhResult> byId, String environment) {
        this.byId = byId;
        this.environment = environment;
    }

    static JmhResults empty() {
        return new JmhResults(Map.of(), "");
    }

    /**
     * Reads every file; a file that is missing or unreadable (a crashed run leaves none, or an empty
     * one) costs its results and a note, not the report. A result repeated in a later file replaces
     * the earlier one, so a rerun of one benchmark can be appended to the command line.
     */
    static JmhResults load(List<Path> files, List<String> notes) {
        Map<String, JmhResult> byId = new LinkedHashMap<>();
        String environment = "";
        for (Path file : files) {
            List<JmhJson.Entry> entries;
            try {
                String text = Files.readString(file);
                if (text.isBlank()) {
                    notes.add("`" + file + "` is empty (did the JMH run fail?)");
                    continue;
                }
                entries = JmhJson.parse(text);
            } catch (NoSuchFileException e) {
                notes.add("`" + file + "` does not exist (did the JMH run fail?)");
                continue;
            } catch (JsonProcessingException e) {
                notes.add("`" + file + "` could not be read: " + e.getOriginalMessage());
                continue;
            } catch (IOException e) {
                notes.add("`" + file + "` could not be read: " + e.getMessage());
                continue;
            }
            if (entries.isEmpty()) {
                notes.add("`" + file + "` holds no JMH results");
            }
            for (JmhJson.Entry entry : entries) {
                Optional<JmhResult> r = result(entry, file.getFileName().toString(), notes);
                if (r.isEmpty()) {
                    continue;
                }
                JmhResult previous = byId.remove(r.get().id());
                if (previous != null && !previous.source().equals(r.get().source())) {
                    notes.add("`" + r.get().id() + "` is in both `" + previous.source() + "` and `"
                            + r.get().source() + "`; the later is used");
                }
                byId.put(r.get().id(), r.get());
                if (environment.isEmpty()) {
                    environment = entry.environment();
                }
            }
        }
        return new JmhResults(Collections.unmodifiableMap(byId), environment);
    }

    /** The entry in microseconds, keyed by its simple name; empty (with a note) if it is not a time per operation. */
    private static Optional<JmhResult> result(JmhJson.Entry entry, String source, List<String> notes) {
        String[] parts = entry.benchmark() == null ? new String[0] : entry.benchmark().split("\\.");
        if (parts.length < 2 || entry.primaryMetric() == null) {
            notes.add("`" + source + "`: an entry without a benchmark name or score was skipped");
            return Optional.empty();
        }
        String name = parts[parts.length - 2] + "." + parts[parts.length - 1];
        JmhJson.Metric metric = entry.primaryMetric();
        double toMicros = microsPer(metric.scoreUnit());
        if (Double.isNaN(toMicros)) {
            notes.add("`" + name + "` in `" + source + "` is in " + metric.scoreUnit() + ", not a time per operation; skipped");
            return Optional.empty();
        }
        NavigableMap<Double, Double> percentiles = new TreeMap<>();
        metric.scorePercentiles().forEach((k, v) -> {
            try {
                percentiles.put(Double.parseDouble(k), v * toMicros);
            } catch (NumberFormatException ignored) {
                // Not a percentile key; JMH writes none, so nothing to keep.
            }
        });
        return Optional.of(new JmhResult(name, entry.mode(), Collections.unmodifiableMap(new LinkedHashMap<>(entry.params())),
                metric.score() * toMicros, metric.scoreError() * toMicros,
                Collections.unmodifiableNavigableMap(percentiles), metric.samples(), source));
    }

    private static double microsPer(String unit) {
        return switch (unit == null ? "" : unit) {
            case "ns/op" -> 1e-3;
            case "us/op" -> 1;
            case "ms/op" -> 1e3;
            case "s/op" -> 1e6;
            case "min/op" -> 60e6;
            default -> Double.NaN;
        };
    }

    boolean isEmpty() {
        return byId.isEmpty();
    }

    /** e.g. "JMH 1.37, JDK 25.0.3 (OpenJDK 64-Bit Server VM 25.0.3+9-LTS)", or "" with no results. */
    String environment() {
        return environment;
    }

    List<JmhResult> all() {
        return List.copyOf(byId.values());
    }

    /** Every result of one benchmark method ({@code Class.method}), in file order. */
    List<JmhResult> of(String benchmark) {
        List<JmhResult> out = new ArrayList<>();
        for (JmhResult r : byId.values()) {
            if (r.benchmark().equals(benchmark)) {
                out.add(r);
            }
        }
        return out;
    }

    /** The first result of a benchmark method whose parameters include the given values. */
    Optional<JmhResult> find(String benchmark, Map<String, String> params) {
        return byId.values().stream().filter(r -> r.benchmark().equals(benchmark) && r.matches(params)).findFirst();
    }
}
