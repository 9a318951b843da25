package dev.uvswap.bench.report;

import dev.uvswap.bench.report.UsememCsv.Round;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
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

    private final Map<Config, Map<SystemId, Cell>> cells;

    private UsememResults(Map<Config, Map<SystemId, Cell>> cells) {
        this.cells = cells;
    }

    static UsememResults empty() {
        return new UsememResults(Map.of());
    }

    /** Reads every file; an unreadable file or line costs a note, not the report. */
    static UsememResults load(List<Path> files, List<String> notes) {
        return of(UsememCsv.read(files, notes));
    }

    /** Rounds grouped by configuration and system, each group averaged into a cell. */
    static UsememResults of(List<Round> rounds) {
        Map<Config, Map<SystemId, List<Round>>> grouped = new TreeMap<>();
        for (Round r : rounds) {
            grouped.computeIfAbsent(r.config(), c -> new TreeMap<>()).computeIfAbsent(r.system(), s -> new ArrayList<>()).add(r);
        }
        Map<Config, Map<SystemId, Cell>> cells = new TreeMap<>();
        grouped.forEach((config, bySystem) -> bySystem.forEach((system, rs) ->
                cells.computeIfAbsent(config, c -> new TreeMap<>()).put(system, cell(config, system, rs))));
        return new UsememResults(cells);
    }

    private static Cell cell(Config config, SystemId system, List<Round> rs) {
        return new Cell(config, system, rs.size(), stat(rs, "real_s"), stat(rs, "user_s"), stat(rs, "sys_s"),
                stat(rs, "write_mbps"), stat(rs, "verify_mbps"), stat(rs, "free_ms"), stat(rs, "peak_mib"),
                max(rs, r -> r.num("size_mib")), max(rs, r -> r.num("budget_mib")),
                // An unparseable error count must not read as "no errors".
                rs.stream().mapToLong(r -> {
                    double e = r.num("errors");
                    return Double.isNaN(e) ? 1 : (long) e;
                }).sum());
    }

    private static Stat stat(List<Round> rs, String column) {
        return Stat.of(rs.stream().map(r -> r.num(column)).toList());
    }

    private static double max(List<Round> rs, ToDoubleFunction<Round> f) {
        return rs.stream().mapToDouble(f).filter(x -> !Double.isNaN(x)).max().orElse(Double.NaN);
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
