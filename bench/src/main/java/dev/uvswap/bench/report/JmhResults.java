package dev.uvswap.bench.report;

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
            Json root;
            try {
                String text = Files.readString(file);
                if (text.isBlank()) {
                    notes.add("`" + file + "` is empty (did the JMH run fail?)");
                    continue;
                }
                root = Json.parse(text);
            } catch (NoSuchFileException e) {
                notes.add("`" + file + "` does not exist (did the JMH run fail?)");
                continue;
            } catch (IOException | IllegalArgumentException e) {
                notes.add("`" + file + "` could not be read: " + e.getMessage());
                continue;
            }
            if (root.items().isEmpty()) {
                notes.add("`" + file + "` holds no JMH results");
            }
            for (Json entry : root.items()) {
                Optional<JmhResult> r = parse(entry, file.getFileName().toString(), notes);
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
                    environment = "JMH " + entry.get("jmhVersion").asString() + ", JDK "
                            + entry.get("jdkVersion").asString() + " (" + entry.get("vmName").asString() + " "
                            + entry.get("vmVersion").asString() + ")";
                }
            }
        }
        return new JmhResults(Collections.unmodifiableMap(byId), environment);
    }

    private static Optional<JmhResult> parse(Json entry, String source, List<String> notes) {
        String fullName = entry.get("benchmark").asString();
        String[] parts = fullName.split("\\.");
        if (parts.length < 2) {
            notes.add("`" + source + "`: an entry without a benchmark name was skipped");
            return Optional.empty();
        }
        String name = parts[parts.length - 2] + "." + parts[parts.length - 1];
        Json metric = entry.get("primaryMetric");
        String unit = metric.get("scoreUnit").asString();
        double toMicros = microsPer(unit);
        if (Double.isNaN(toMicros)) {
            notes.add("`" + name + "` in `" + source + "` is in " + unit + ", not a time per operation; skipped");
            return Optional.empty();
        }
        Map<String, String> params = new LinkedHashMap<>();
        entry.get("params").members().forEach((k, v) -> params.put(k, v.asString()));
        NavigableMap<Double, Double> percentiles = new TreeMap<>();
        metric.get("scorePercentiles").members().forEach((k, v) -> {
            try {
                percentiles.put(Double.parseDouble(k), v.asDouble() * toMicros);
            } catch (NumberFormatException ignored) {
                // Not a percentile key; JMH writes none, so nothing to keep.
            }
        });
        return Optional.of(new JmhResult(name, entry.get("mode").asString(), Collections.unmodifiableMap(params),
                metric.get("score").asDouble() * toMicros, metric.get("scoreError").asDouble() * toMicros,
                Collections.unmodifiableNavigableMap(percentiles), samples(metric), source));
    }

    /**
     * JMH reports no sample count in the JSON: SampleTime keeps a histogram per fork and iteration
     * ([fork][iteration][[value, count]...]), the other modes one raw value per operation.
     */
    private static long samples(Json metric) {
        long n = 0;
        for (Json fork : metric.get("rawDataHistogram").items()) {
            for (Json iteration : fork.items()) {
                for (Json bucket : iteration.items()) {
                    n += (long) bucket.items().get(1).asDouble();
                }
            }
        }
        if (n > 0) {
            return n;
        }
        for (Json fork : metric.get("rawData").items()) {
            n += fork.items().size();
        }
        return n;
    }

    private static double microsPer(String unit) {
        return switch (unit) {
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
