package dev.uvswap.bench.report;

import dev.uvswap.bench.report.Plot.LegendEntry;
import dev.uvswap.bench.report.Plot.Mark;
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

/** Which plots the results make: file name to chart, leaving out any that would be empty. */
final class Charts {
    static final String FAULT = "fault-latency.png";
    static final String THP = "thp-latency.png";
    static final String PAGE_OUT = "pageout-throughput.png";
    static final String USEMEM_WRITE = "usemem-throughput.png";
    static final String USEMEM_VERIFY = "usemem-verify.png";
    static final String FREE = "free-time.png";
    static final List<String> ALL = List.of(FAULT, THP, PAGE_OUT, USEMEM_WRITE, USEMEM_VERIFY, FREE);

    private static final String LATENCY_AXIS = "latency (µs, log scale)";

    private Charts() {}

    static Map<String, Plot> of(JmhResults jmh, UsememResults usemem) {
        Map<String, Plot> out = new LinkedHashMap<>();
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

    /** Label of a result in a legend: its kind (or ioctl), plus other parameters when they vary between results. */
    private static String label(JmhResult r, List<JmhResult> all, String primary) {
        StringBuilder b = new StringBuilder(r.params().isEmpty() ? r.className() : r.param(primary));
        r.params().forEach((k, v) -> {
            if (!k.equals(primary) && all.stream().map(x -> x.param(k)).distinct().count() > 1) {
                b.append(' ').append(k).append('=').append(v);
            }
        });
        return b.toString();
    }

    private static Optional<Plot> latency(JmhResults jmh, String benchmark, String floorBenchmark, String title) {
        List<JmhResult> rs = JmhSections.ordered(jmh.of(benchmark));
        if (rs.isEmpty()) {
            return Optional.empty();
        }
        List<PercentileChart.Series> series = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (JmhResult r : rs) {
            int variant = seen.merge(r.param("kind"), 1, Integer::sum) - 1;
            Color c = Palette.variant(Palette.of(r.param("kind")), variant);
            series.add(PercentileChart.Series.of(label(r, rs, "kind"), c, false, r));
        }
        List<JmhResult> floors = JmhSections.ordered(jmh.of(floorBenchmark));
        for (JmhResult f : floors) {
            String key = f.params().isEmpty() ? "THP move" : f.param("ioctl");
            String name = f.params().isEmpty() ? "UFFDIO_MOVE of a THP" : "uffd " + label(f, floors, "ioctl");
            series.add(PercentileChart.Series.of("floor: " + name, Palette.of(key), true, f));
        }
        PercentileChart c = new PercentileChart(title, LATENCY_AXIS, series);
        return c.isEmpty() ? Optional.empty() : Optional.of(c);
    }

    private static Optional<Plot> pageOut(JmhResults jmh) {
        List<JmhResult> rs = JmhSections.ordered(jmh.of(JmhSections.PAGE_OUT));
        if (rs.isEmpty()) {
            return Optional.empty();
        }
        List<BarChart.Group> groups = new ArrayList<>();
        for (JmhResult r : rs) {
            Color c = Palette.of(r.param("kind"));
            double floor = Floors.known(r, jmh).map(k -> JmhSections.extentMBps(k.p50())).orElse(Double.NaN);
            groups.add(new BarChart.Group(label(r, rs, "kind"), List.of(
                    BarChart.Bar.solid(JmhSections.extentMBps(r.p50()), c), BarChart.Bar.floor(floor, c))));
        }
        Color neutral = new Color(0x666666);
        List<LegendEntry> legend = List.of(new LegendEntry("measured (at p50)", neutral, Mark.BOX),
                new LegendEntry("floor (at its p50)", neutral, Mark.HATCHED),
                new LegendEntry("colour: kind", neutral, Mark.NONE));
        return Optional.of(new BarChart("Page-out throughput of a 2 MiB extent (PageOutBench)",
                "MB/s (2 MiB ÷ p50 time)", "kind", groups, legend));
    }

    private static Optional<Plot> usemem(UsememResults usemem, String title, String yTitle, Function<Cell, Stat> metric) {
        if (usemem.isEmpty()) {
            return Optional.empty();
        }
        List<BarChart.Group> groups = new ArrayList<>();
        for (Config c : usemem.configs()) {
            List<BarChart.Bar> bars = new ArrayList<>();
            for (Cell x : usemem.cells(c)) {
                Stat s = metric.apply(x);
                bars.add(new BarChart.Bar(s.mean(), s.n() > 1 ? s.sd() : Double.NaN,
                        Palette.of(x.system().label()), false, x.errors() > 0 ? "ERR" : ""));
            }
            groups.add(new BarChart.Group(c.label(), bars));
        }
        List<LegendEntry> legend = new ArrayList<>(usemem.systems().stream()
                .map(s -> new LegendEntry(s.label(), Palette.of(s.label()), Mark.BOX)).toList());
        if (usemem.all().stream().anyMatch(x -> x.rounds() > 1)) {
            legend.add(new LegendEntry("whiskers: ± 1 sd", Plot.INK, Mark.NONE));
        }
        if (usemem.all().stream().anyMatch(x -> x.errors() > 0)) {
            legend.add(new LegendEntry("ERR: verify errors!", new Color(0xc00000), Mark.NONE));
        }
        BarChart chart = new BarChart(title, yTitle, "configuration (pattern, order, threads, size ÷ budget)",
                groups, legend);
        return chart.isEmpty() ? Optional.empty() : Optional.of(chart);
    }

    /** FreeBench's kinds and, beside them, what usemem's largest configuration took to free per system. */
    private static Optional<Plot> free(JmhResults jmh, UsememResults usemem) {
        List<BarChart.Group> groups = new ArrayList<>();
        List<LegendEntry> legend = new ArrayList<>();
        List<JmhResult> rs = JmhSections.ordered(jmh.of(JmhSections.FREE));
        if (!rs.isEmpty()) {
            List<BarChart.Bar> bars = new ArrayList<>();
            for (JmhResult r : rs) {
                String kind = r.param("kind");
                boolean floor = kind.equals(Floors.RAW_MUNMAP);
                bars.add(new BarChart.Bar(r.mean() / 1000, Double.NaN, Palette.of(kind), floor, ""));
                legend.add(new LegendEntry(label(r, rs, "kind") + (floor ? " (floor)" : ""), Palette.of(kind),
                        floor ? Mark.HATCHED : Mark.BOX));
            }
            groups.add(new BarChart.Group("FreeBench, 1 GiB", bars));
        }
        Optional<Config> largest = UsememSection.largest(usemem);
        if (largest.isPresent()) {
            List<Cell> cells = usemem.cells(largest.get());
            List<BarChart.Bar> bars = new ArrayList<>();
            for (Cell x : cells) {
                Color c = Palette.of(x.system().label());
                bars.add(new BarChart.Bar(x.free().mean(), x.free().n() > 1 ? x.free().sd() : Double.NaN, c, false,
                        x.errors() > 0 ? "ERR" : ""));
                legend.add(new LegendEntry(x.system().label(), c, Mark.BOX));
            }
            double size = cells.stream().mapToDouble(Cell::sizeMib).filter(Double::isFinite).max().orElse(Double.NaN);
            groups.add(new BarChart.Group(largest.get().label()
                    + (Double.isFinite(size) ? ", " + Fmt.tick(size) + " MiB" : ""), bars));
        }
        if (groups.isEmpty()) {
            return Optional.empty();
        }
        BarChart chart = new BarChart("Time to free memory", "ms (mean)", "", groups, legend);
        return chart.isEmpty() ? Optional.empty() : Optional.of(chart);
    }
}
