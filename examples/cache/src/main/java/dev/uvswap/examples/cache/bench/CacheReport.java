package dev.uvswap.examples.cache.bench;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogarithmicAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Turns CacheBench's CSV into cache.json (the same rows as objects), cache.md (the table for
 * RESULTS.md) and two PNGs: throughput and p99 latency per workload, one bar per configuration.
 *
 * <pre>CacheReport --csv cache.csv --out DIR</pre>
 */
public final class CacheReport {
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0x2ca02c), new Color(0xd62728),
            new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b)};

    private CacheReport() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 4 || !args[0].equals("--csv") || !args[2].equals("--out")) {
            System.err.println("usage: CacheReport --csv FILE --out DIR");
            System.exit(2);
        }
        List<Map<String, String>> rows = read(Path.of(args[1]));
        Path out = Path.of(args[3]);
        Files.createDirectories(out);
        Files.writeString(out.resolve("cache.json"), json(rows));
        Files.writeString(out.resolve("cache.md"), markdown(rows));
        List<Map<String, String>> runs = rows.stream().filter(r -> !r.get("workload").equals("load")).toList();
        chart(runs, "Off-heap cache, YCSB workloads: throughput", "operations per second", r -> r.get("ops_per_s"), false)
                .map(c -> save(c, out.resolve("cache-throughput.png")));
        chart(runs, "Off-heap cache, YCSB workloads: p99 latency (log scale)", "p99 latency, µs", r -> r.get("p99_us"), true)
                .map(c -> save(c, out.resolve("cache-p99.png")));
        System.out.print(markdown(rows));
    }

    static List<Map<String, String>> read(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        String[] header = lines.getFirst().split(",", -1);
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank() || line.startsWith("label,")) {
                continue;
            }
            String[] f = line.split(",", -1);
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < header.length; i++) {
                row.put(header[i], i < f.length ? f[i] : "");
            }
            rows.add(row);
        }
        return rows;
    }

    static String json(List<Map<String, String>> rows) {
        StringBuilder sb = new StringBuilder("[\n");
        for (int i = 0; i < rows.size(); i++) {
            sb.append("  {");
            int j = 0;
            for (var e : rows.get(i).entrySet()) {
                String v = e.getValue();
                boolean number = v.matches("-?[0-9]+(\\.[0-9]+)?");
                sb.append(j++ == 0 ? "" : ", ").append('"').append(e.getKey()).append("\": ")
                        .append(v.isEmpty() ? "null" : number ? v : '"' + v.replace("\"", "\\\"") + '"');
            }
            sb.append(i + 1 < rows.size() ? "},\n" : "}\n");
        }
        return sb.append("]\n").toString();
    }

    /** Per configuration and workload: throughput, p50/p99 and memory; the load phase is left out. */
    static String markdown(List<Map<String, String>> rows) {
        StringBuilder sb = new StringBuilder("""
                | config | workload | ops/s | p50 µs | p99 µs | read p99 µs | update p99 µs | cache resident MiB | compressed MiB | process RSS MiB | cgroup MiB | limit MiB | swap-ins | bad reads |
                | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
                """);
        for (Map<String, String> r : rows) {
            if (r.get("workload").equals("load")) {
                continue;
            }
            sb.append("| ").append(String.join(" | ", r.get("label"), r.get("workload"),
                    String.format(Locale.ROOT, "%,.0f", Double.parseDouble(r.get("ops_per_s"))), dash(r.get("p50_us")), dash(r.get("p99_us")),
                    dash(r.get("read_p99_us")), dash(r.get("update_p99_us")), dash(r.get("resident_mib")),
                    dash(r.get("compressed_mib")), dash(r.get("rss_mib")), dash(r.get("cgroup_mib")), dash(r.get("limit_mib")), r.get("swapins"),
                    r.get("errors"))).append(" |\n");
        }
        return sb.toString();
    }

    private static String dash(String v) {
        return v == null || v.isEmpty() ? "-" : v;
    }

    private static Optional<JFreeChart> chart(List<Map<String, String>> rows, String title, String yTitle,
                                                        Function<Map<String, String>, String> value, boolean log) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Map<String, String> r : rows) {
            String v = value.apply(r);
            if (v != null && !v.isEmpty()) {
                data.addValue(Double.parseDouble(v), r.get("label"), "workload " + r.get("workload"));
            }
        }
        if (data.getRowCount() == 0) {
            return Optional.empty();
        }
        JFreeChart chart = ChartFactory.createBarChart(title, "", yTitle, data, PlotOrientation.VERTICAL, true, false, false);
        chart.setBackgroundPaint(Color.WHITE);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(0xd9d9d9));
        if (log) {
            LogarithmicAxis axis = new LogarithmicAxis(yTitle);
            axis.setStrictValuesFlag(false);   // a zero would not plot; nothing else is lost
            plot.setRangeAxis(axis);
        }
        BarRenderer renderer = (BarRenderer) plot.getRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        for (int i = 0; i < data.getRowCount(); i++) {
            renderer.setSeriesPaint(i, COLORS[i % COLORS.length]);
        }
        return Optional.of(chart);
    }

    private static Path save(JFreeChart chart, Path file) {
        try {
            ChartUtils.saveChartAsPNG(file.toFile(), chart, 1000, 600);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
