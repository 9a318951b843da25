package dev.uvswap.bench.report;

import dev.uvswap.bench.report.BarCharts.Bar;
import dev.uvswap.bench.report.UsememResults.Cell;
import dev.uvswap.bench.report.UsememResults.Config;
import dev.uvswap.bench.report.UsememResults.Stat;

import java.awt.Color;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** Which plots the results make: file name (the ones RESULTS.md links) to chart, leaving out any that would be empty. */
final class Charts {
    static final String FAULT = "fault-latency.png";
    static final String THP = "thp-latency.png";
    static final String PAGE_OUT = "pageout-throughput.png";
    static final String USEMEM_WRITE = "usemem-throughput.png";
    static final String USEMEM_VERIFY = "usemem-verify.png";
    static final String FREE = "free-time.png";
    static final List<String> ALL = List.of(FAULT, THP, PAGE_OUT, USEMEM_WRITE, USEMEM_VERIFY, FREE);

    private static final Color MEASURED = new Color(0x4e79a7);
    private static final Color FLOOR = new Color(0x555555);

    private Charts() {}

    static Map<String, ChartStyle.Png> of(JmhResults jmh, UsememResults usemem) {
        Map<String, ChartStyle.Png> out = new LinkedHashMap<>();
        latency(jmh, JmhSections.FAULT, Floors.UFFD, "4 KiB fault latency seen by a Java thread (FaultLatencyBench)")
                .ifPresent(c -> out.put(FAULT, c));
        latency(jmh, JmhSections.THP, Floors.THP_MOVE, "2 MiB extent swap-in latency (ThpSwapInBench)")
                .ifPresent(c -> out.put(THP, c));
        pageOut(jmh).ifPresent(c -> out.put(PAGE_OUT, c));
        usemem(usemem, "usemem write throughput", "write MB/s (mean over rounds)", Cell::write)
                .ifPresent(c -> out.put(USEMEM_WRITE, c));
        usemem(usemem, "usemem verify throughput", "verify MB/s (mean over rounds)", Cell::verify)
                .ifPresent(c -> out.put(USEMEM_VERIFY, c));
        free(jmh, usemem).ifPresent(c -> out.put(FREE, c));
        return out;
    }

    /** Label of a result: its kind (or ioctl), plus other parameters when they vary between results. */
    static String label(JmhResult r, List<JmhResult> all, String primary) {
        StringBuilder b = new StringBuilder(r.params().isEmpty() ? r.className() : r.param(primary));
        r.params().forEach((k, v) -> {
            if (!k.equals(primary) && all.stream().map(x -> x.param(k)).distinct().count() > 1) {
                b.append(' ').append(k).append('=').append(v);
            }
        });
        return b.toString();
    }

    private static Optional<ChartStyle.Png> latency(JmhResults jmh, String benchmark, String floorBenchmark, String title) {
        List<JmhResult> rs = JmhSections.ordered(jmh.of(benchmark));
        if (rs.isEmpty()) {
            return Optional.empty();
        }
        List<LatencyChart.Series> series = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (JmhResult r : rs) {
            int variant = seen.merge(r.param("kind"), 1, Integer::sum) - 1;
            Color c = Palette.variant(Palette.of(r.param("kind")), variant);
            series.add(LatencyChart.Series.of(label(r, rs, "kind"), c, false, r));
        }
        List<JmhResult> floors = JmhSections.ordered(jmh.of(floorBenchmark));
        for (JmhResult f : floors) {
            String key = f.params().isEmpty() ? "THP move" : f.param("ioctl");
            String name = f.params().isEmpty() ? "UFFDIO_MOVE of a THP" : "uffd " + label(f, floors, "ioctl");
            series.add(LatencyChart.Series.of("floor: " + name, Palette.of(key), true, f));
        }
        return LatencyChart.of(title, series);
    }

    /** Measured and floor throughput side by side per kind, on a log axis: a bare THP move is 100x any real page-out. */
    private static Optional<ChartStyle.Png> pageOut(JmhResults jmh) {
        List<JmhResult> rs = JmhSections.ordered(jmh.of(JmhSections.PAGE_OUT));
        BarCharts.Data data = new BarCharts.Data();
        for (JmhResult r : rs) {
            String kind = label(r, rs, "kind");
            double floor = Floors.known(r, jmh).map(k -> JmhSections.extentMBps(k.p50())).orElse(Double.NaN);
            data.add(Bar.of("measured (at p50)", kind, JmhSections.extentMBps(r.p50())), MEASURED);
            data.add(Bar.of("floor (at its p50)", kind, floor), Palette.hatched(FLOOR));
        }
        return BarCharts.of("Page-out throughput of a 2 MiB extent (PageOutBench)", "kind",
                ChartStyle.log("MB/s (2 MiB ÷ p50 time, log scale)"), data);
    }

    private static Optional<ChartStyle.Png> usemem(UsememResults usemem, String title, String yTitle,
                                                   Function<Cell, Stat> metric) {
        BarCharts.Data data = new BarCharts.Data();
        for (Config c : usemem.configs()) {
            for (Cell x : usemem.cells(c)) {
                data.add(bar(x, c.label(), metric.apply(x)), Palette.of(x.system().label()));
            }
        }
        return BarCharts.of(title, "configuration (pattern, order, threads, size ÷ budget)", ChartStyle.linear(yTitle), data);
    }

    private static Bar bar(Cell x, String category, Stat s) {
        return new Bar(x.system().label(), category, s.mean(), s.n() > 1 ? s.sd() : Double.NaN, x.errors() > 0 ? "ERR" : "");
    }

    /** FreeBench's kinds and, beside them, what usemem's largest configuration took to free per system. */
    private static Optional<ChartStyle.Png> free(JmhResults jmh, UsememResults usemem) {
        Map<String, BarCharts.Data> parts = new LinkedHashMap<>();
        List<JmhResult> rs = JmhSections.ordered(jmh.of(JmhSections.FREE));
        if (!rs.isEmpty()) {
            BarCharts.Data bench = new BarCharts.Data();
            for (JmhResult r : rs) {
                String kind = r.param("kind");
                boolean floor = kind.equals(Floors.RAW_MUNMAP);
                bench.add(Bar.of(label(r, rs, "kind") + (floor ? " (floor)" : ""), "FreeBench, 1 GiB", r.mean() / 1000),
                        floor ? Palette.hatched(Palette.of(kind)) : Palette.of(kind));
            }
            parts.put("FreeBench (JMH, single shot)", bench);
        }
        UsememSection.largest(usemem).ifPresent(largest -> {
            List<Cell> cells = usemem.cells(largest);
            double size = cells.stream().mapToDouble(Cell::sizeMib).filter(Double::isFinite).max().orElse(Double.NaN);
            String group = largest.label() + (Double.isFinite(size) ? ", " + Fmt.tick(size) + " MiB" : "");
            BarCharts.Data runs = new BarCharts.Data();
            cells.forEach(x -> runs.add(bar(x, group, x.free()), Palette.of(x.system().label())));
            parts.put("usemem, its largest configuration", runs);
        });
        return BarCharts.sideBySide("Time to free memory", ChartStyle.linear("ms (mean)"), parts);
    }
}
