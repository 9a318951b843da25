package dev.uvswap.bench.report;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.CombinedRangeCategoryPlot;
import org.jfree.chart.renderer.category.StatisticalBarRenderer;
import org.jfree.data.statistics.DefaultStatisticalCategoryDataset;

import java.awt.Color;
import java.awt.Paint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Grouped bars: one group per category (a configuration, a page kind), one bar per series in it
 * (a system, measured or floor), each series in its own paint, with an optional ± whisker and a
 * flag word before the value.
 */
final class BarCharts {
    private BarCharts() {}

    /** One bar; {@code sd} NaN draws no whisker, {@code flag} "" none. */
    record Bar(String series, String category, double value, double sd, String flag) {
        static Bar of(String series, String category, double value) {
            return new Bar(series, category, value, Double.NaN, "");
        }
    }

    /** Bars and the paint of each series, in the order series first appear. */
    static final class Data {
        private final List<Bar> bars = new ArrayList<>();
        private final Map<String, Paint> paints = new LinkedHashMap<>();

        Data add(Bar bar, Paint paint) {
            bars.add(bar);
            paints.putIfAbsent(bar.series(), paint);
            return this;
        }

        boolean isEmpty() {
            return bars.stream().noneMatch(b -> Double.isFinite(b.value()));
        }

        int slots() {
            return paints.size() * (int) bars.stream().map(Bar::category).distinct().count();
        }

        boolean hasWhiskers() {
            return bars.stream().anyMatch(b -> Double.isFinite(b.sd()) && b.sd() > 0);
        }

        boolean hasFlags() {
            return bars.stream().anyMatch(b -> !b.flag().isEmpty());
        }

        CategoryPlot plot(String xTitle, ValueAxis y) {
            DefaultStatisticalCategoryDataset data = new DefaultStatisticalCategoryDataset();
            Map<List<String>, String> flags = new LinkedHashMap<>();
            for (Bar b : bars) {
                if (Double.isFinite(b.value())) {
                    Double sd = Double.isFinite(b.sd()) ? b.sd() : null;   // null: no whisker
                    data.add(Double.valueOf(b.value()), sd, b.series(), b.category());
                    flags.put(List.of(b.series(), b.category()), b.flag());
                }
            }
            StatisticalBarRenderer r = new StatisticalBarRenderer();
            r.setErrorIndicatorPaint(ChartStyle.INK);
            ChartStyle.bars(r, (row, column) -> flags.getOrDefault(List.of(row.toString(), column.toString()), ""));
            for (int i = 0; i < data.getRowCount(); i++) {
                r.setSeriesPaint(i, paints.get(data.getRowKey(i).toString()));
            }
            CategoryAxis x = new CategoryAxis(xTitle.isEmpty() ? null : xTitle);
            x.setMaximumCategoryLabelLines(3);
            x.setCategoryLabelPositions(CategoryLabelPositions.STANDARD);
            CategoryPlot plot = new CategoryPlot(data, x, y, r);
            plot.setBackgroundPaint(Color.WHITE);
            plot.setRangeGridlinePaint(ChartStyle.GRID);
            return plot;
        }
    }

    /** One plot of grouped bars, wide enough for its bars; empty when no bar has a value. */
    static Optional<ChartStyle.Png> of(String title, String xTitle, ValueAxis y, Data data) {
        if (data.isEmpty()) {
            return Optional.empty();
        }
        JFreeChart chart = ChartStyle.chart(title, data.plot(xTitle, y));
        notes(chart, List.of(data));
        return Optional.of(new ChartStyle.Png(chart, ChartStyle.widthFor(data.slots()), ChartStyle.HEIGHT));
    }

    /** Side-by-side plots sharing one value axis, each as wide as its bars; empty when none has a value. */
    static Optional<ChartStyle.Png> sideBySide(String title, ValueAxis y, Map<String, Data> parts) {
        CombinedRangeCategoryPlot plot = new CombinedRangeCategoryPlot(y);
        List<Data> drawn = new ArrayList<>();
        parts.forEach((xTitle, data) -> {
            if (!data.isEmpty()) {
                plot.add(data.plot(xTitle, null), Math.max(1, data.slots()));
                drawn.add(data);
            }
        });
        if (drawn.isEmpty()) {
            return Optional.empty();
        }
        JFreeChart chart = ChartStyle.chart(title, plot);
        notes(chart, drawn);
        int slots = drawn.stream().mapToInt(Data::slots).sum();
        return Optional.of(new ChartStyle.Png(chart, ChartStyle.widthFor(slots), ChartStyle.HEIGHT));
    }

    private static void notes(JFreeChart chart, List<Data> data) {
        if (data.stream().anyMatch(Data::hasWhiskers)) {
            ChartStyle.note(chart, "whiskers: ± 1 sd over rounds", false);
        }
        if (data.stream().anyMatch(Data::hasFlags)) {
            ChartStyle.note(chart, "ERR: the run read back wrong data (verify errors)!", true);
        }
    }
}
