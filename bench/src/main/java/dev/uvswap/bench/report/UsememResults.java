package dev.uvswap.bench.report;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * usemem-style runs (uvswap against the kernel's zram and zswap) from one or more CSV files, one
 * line per round, averaged per configuration and system.
 */
final class UsememResults {
    static final List<String> COLUMNS = List.of("system", "backend", "codec", "pattern", "order", "threads", "ratio",
            "budget_mib", "size_mib", "round", "real_s", "user_s", "sys_s", "write_mbps", "verify_mbps", "free_ms",
            "peak_mib", "pages", "errors");

    /** What was run: the workload and how far it overcommits its budget. */
    record Config(String pattern, String order, int threads, double ratio) implements Comparable<Config> {
        private static final List<String> PATTERNS = List.of("usemem", "memhog", "heap");
        private static final List<String> ORDERS = List.of("seq", "rand");
        private static final Comparator<Config> ORDERING = Comparator
                .comparingInt((Config c) -> rank(PATTERNS, c.pattern)).thenComparing(Config::pattern)
                .thenComparingInt(c -> rank(ORDERS, c.order)).thenComparing(Config::order)
                .thenComparingInt(Config::threads).thenComparingDouble(Config::ratio);

        String ratioText() {
            return BigDecimal.valueOf(ratio).stripTrailingZeros().toPlainString() + "x";
        }

        /** e.g. "usemem seq 1T 1.75x" */
        String label() {
            return pattern + " " + order + " " + threads + "T " + ratioText();
        }

        @Override
        public int compareTo(Config o) {
            return ORDERING.compare(this, o);
        }
    }

    /** Who ran it: uvswap or a kernel backend, with a codec. */
    record SystemId(String system, String backend, String codec) implements Comparable<SystemId> {
        private static final List<String> BACKENDS = List.of("uvswap", "uvswap-inthread", "zram", "zswap");
        private static final Comparator<SystemId> ORDERING = Comparator
                .comparingInt((SystemId s) -> rank(BACKENDS, s.backend)).thenComparing(SystemId::backend)
                .thenComparing(SystemId::codec).thenComparing(SystemId::system);

        /** uvswap in either fault mode: "uvswap" (server threads) or "uvswap-inthread". */
        boolean isUvswap() {
            return backend.startsWith("uvswap");
        }

        /** e.g. "uvswap-zstd", "zram-lz4"; also the colour key in the plots. */
        String label() {
            return codec.isEmpty() ? backend : backend + "-" + codec;
        }

        @Override
        public int compareTo(SystemId o) {
            return ORDERING.compare(this, o);
        }
    }

    /** Mean and sample standard deviation over rounds; NaN with no rounds, sd NaN with one. */
    record Stat(double mean, double sd, int n) {
        static Stat of(List<Double> values) {
            List<Double> v = values.stream().filter(x -> !Double.isNaN(x)).toList();
            double mean = v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
            double sd = v.size() < 2 ? Double.NaN
                    : Math.sqrt(v.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum() / (v.size() - 1));
            return new Stat(mean, sd, v.size());
        }
    }

    /** All rounds of one system on one configuration. */
    record Cell(Config config, SystemId system, int rounds, Stat real, Stat user, Stat sys, Stat write, Stat verify,
                Stat free, Stat peak, double sizeMib, double budgetMib, long errors) {}

    private record Row(Config config, SystemId system, Map<String, String> values) {
        double num(String column) {
            String v = values.getOrDefault(column, "").trim();
            try {
                return v.isEmpty() ? Double.NaN : Double.parseDouble(v);
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
    }

    private final Map<Config, Map<SystemId, Cell>> cells;

    private UsememResults(Map<Config, Map<SystemId, Cell>> cells) {
        this.cells = cells;
    }

    static UsememResults empty() {
        return new UsememResults(Map.of());
    }

    /** Reads every file; an unreadable file or line costs a note, not the report. */
    static UsememResults load(List<Path> files, List<String> notes) {
        List<Row> rows = new ArrayList<>();
        for (Path file : files) {
            List<String> lines;
            try {
                lines = Files.readAllLines(file);
            } catch (NoSuchFileException e) {
                notes.add("`" + file + "` does not exist (did the usemem run fail?)");
                continue;
            } catch (IOException e) {
                notes.add("`" + file + "` could not be read: " + e);
                continue;
            }
            List<String> header = null;
            int lineNo = 0;
            for (String line : lines) {
                lineNo++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                List<String> fields = split(line);
                if (fields.getFirst().trim().equals("system")) {
                    List<String> names = fields.stream().map(String::trim).toList();
                    header = names;
                    List<String> missing = COLUMNS.stream().filter(c -> !names.contains(c)).toList();
                    if (!missing.isEmpty()) {
                        notes.add("`" + file + "` has no column " + String.join(", ", missing));
                    }
                    continue;
                }
                if (header == null) {
                    notes.add("`" + file + "` has no header line (" + String.join(",", COLUMNS) + "); skipped");
                    break;
                }
                if (fields.size() < header.size()) {
                    notes.add("`" + file + "` line " + lineNo + " has " + fields.size() + " of " + header.size()
                            + " fields (a run cut short?); skipped");
                    continue;
                }
                Map<String, String> values = new LinkedHashMap<>();
                for (int i = 0; i < header.size(); i++) {
                    values.put(header.get(i), fields.get(i).trim());
                }
                try {
                    Config config = new Config(values.getOrDefault("pattern", "?"), values.getOrDefault("order", "?"),
                            Integer.parseInt(values.getOrDefault("threads", "")),
                            Double.parseDouble(values.getOrDefault("ratio", "")));
                    SystemId system = new SystemId(values.getOrDefault("system", ""),
                            values.getOrDefault("backend", ""), values.getOrDefault("codec", ""));
                    rows.add(new Row(config, system, values));
                } catch (NumberFormatException e) {
                    notes.add("`" + file + "` line " + lineNo + ": bad threads or ratio; skipped");
                }
            }
        }
        Map<Config, Map<SystemId, List<Row>>> grouped = new TreeMap<>();
        for (Row r : rows) {
            grouped.computeIfAbsent(r.config(), c -> new TreeMap<>()).computeIfAbsent(r.system(), s -> new ArrayList<>()).add(r);
        }
        Map<Config, Map<SystemId, Cell>> cells = new TreeMap<>();
        grouped.forEach((config, bySystem) -> bySystem.forEach((system, rs) ->
                cells.computeIfAbsent(config, c -> new TreeMap<>()).put(system, cell(config, system, rs))));
        return new UsememResults(cells);
    }

    private static Cell cell(Config config, SystemId system, List<Row> rs) {
        return new Cell(config, system, rs.size(), stat(rs, "real_s"), stat(rs, "user_s"), stat(rs, "sys_s"),
                stat(rs, "write_mbps"), stat(rs, "verify_mbps"), stat(rs, "free_ms"), stat(rs, "peak_mib"),
                max(rs, r -> r.num("size_mib")), max(rs, r -> r.num("budget_mib")),
                // An unparseable error count must not read as "no errors".
                rs.stream().mapToLong(r -> {
                    double e = r.num("errors");
                    return Double.isNaN(e) ? 1 : (long) e;
                }).sum());
    }

    private static Stat stat(List<Row> rs, String column) {
        return Stat.of(rs.stream().map(r -> r.num(column)).toList());
    }

    private static double max(List<Row> rs, ToDoubleFunction<Row> f) {
        return rs.stream().mapToDouble(f).filter(x -> !Double.isNaN(x)).max().orElse(Double.NaN);
    }

    /** CSV fields; quotes are allowed though the runners write none. */
    private static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder b = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                out.add(b.toString());
                b.setLength(0);
            } else {
                b.append(c);
            }
        }
        out.add(b.toString());
        return out;
    }

    private static int rank(List<String> order, String s) {
        int i = order.indexOf(s);
        return i < 0 ? order.size() : i;
    }

    boolean isEmpty() {
        return cells.isEmpty();
    }

    List<Config> configs() {
        return List.copyOf(cells.keySet());
    }

    List<Cell> cells(Config config) {
        return List.copyOf(cells.getOrDefault(config, Map.of()).values());
    }

    List<Cell> all() {
        return cells.values().stream().flatMap(m -> m.values().stream()).toList();
    }

    /** Every system that appears anywhere, in report order. */
    List<SystemId> systems() {
        return cells.values().stream().flatMap(m -> m.keySet().stream()).distinct().sorted().toList();
    }

    /**
     * The kernel result a uvswap codec is compared with on one configuration: the backend with the
     * same codec if it was run, otherwise its fastest writer (the harder comparison).
     */
    Optional<Cell> baseline(Config config, String backend, String codec) {
        List<Cell> candidates = cells(config).stream().filter(c -> c.system().backend().equals(backend)).toList();
        return candidates.stream().filter(c -> c.system().codec().equals(codec)).findFirst()
                .or(() -> candidates.stream().max(Comparator.comparingDouble(c -> c.write().mean())));
    }
}
