package dev.uvswap.bench.report;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogarithmicAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.Plot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.CategoryDataset;

import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.Locale;
import java.util.function.BiFunction;

/** The look every plot shares (white, light grid, legend on the right) and how a chart becomes a PNG file. */
final class ChartStyle {
    private ChartStyle() {}

    static final int WIDTH = 1000;
    static final int HEIGHT = 600;
    static final int MAX_WIDTH = 2400;
    static final Color GRID = new Color(0xd9d9d9);
    static final Color INK = new Color(0x222222);
    static final Color ALARM = new Color(0xc00000);
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 20);
    private static final Font SMALL = new Font(Font.SANS_SERIF, Font.PLAIN, 11);

    /** A chart and the size it is drawn at. */
    record Png(JFreeChart chart, int width, int height) {
        void write(Path file) {
            try {
                ChartUtils.saveChartAsPNG(file.toFile(), chart, width, height);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static JFreeChart chart(String title, Plot plot) {
        JFreeChart chart = new JFreeChart(title, TITLE, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        chart.getLegend().setPosition(RectangleEdge.RIGHT);
        chart.getLegend().setMargin(4, 4, 4, 12);   // the longest label must not touch the image's edge
        plot.setBackgroundPaint(Color.WHITE);
        switch (plot) {
            case CategoryPlot p -> p.setRangeGridlinePaint(GRID);
            case XYPlot p -> {
                p.setRangeGridlinePaint(GRID);
                p.setDomainGridlinePaint(GRID);
            }
            default -> { }
        }
        return chart;
    }

    /** A line under the title, e.g. what the whiskers mean; red when it warns. */
    static void note(JFreeChart chart, String text, boolean alarm) {
        TextTitle t = new TextTitle(text, SMALL.deriveFont(alarm ? Font.BOLD : Font.PLAIN));
        t.setPaint(alarm ? ALARM : INK);
        chart.addSubtitle(t);
    }

    /** A width that leaves each bar about 20 pixels, between {@link #WIDTH} and {@link #MAX_WIDTH}. */
    static int widthFor(int bars) {
        return Math.clamp(400 + 20L * bars, WIDTH, MAX_WIDTH);
    }

    /** Numbers on axes as in the tables: grouped thousands, no trailing zeros. */
    static DecimalFormat axisFormat() {
        return new DecimalFormat("#,##0.###", DecimalFormatSymbols.getInstance(Locale.ROOT));
    }

    /** A value axis from zero. */
    static NumberAxis linear(String label) {
        NumberAxis axis = new NumberAxis(label);
        axis.setNumberFormatOverride(axisFormat());
        axis.setUpperMargin(0.12);   // room for the labels over the bars
        return axis;
    }

    /** Whole decades around the data: latencies and throughputs span several, a linear axis would hide the small ones. */
    static LogarithmicAxis log(String label) {
        LogarithmicAxis axis = new LogarithmicAxis(label);
        axis.setStrictValuesFlag(false);
        axis.setAutoRangeNextLogFlag(true);
        axis.setNumberFormatOverride(axisFormat());
        return axis;
    }

    /**
     * Flat bars with their value above them, turned upright so a crowded chart stays readable;
     * {@code flag} puts a word before a value (e.g. "ERR" for a run that read back wrong data).
     */
    static void bars(BarRenderer r, BiFunction<Comparable<?>, Comparable<?>, String> flag) {
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        r.setItemMargin(0.02);
        r.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator() {
            @Override
            public String generateLabel(CategoryDataset data, int row, int column) {
                Number v = data.getValue(row, column);
                if (v == null) {
                    return null;
                }
                String f = flag.apply(data.getRowKey(row), data.getColumnKey(column));
                return (f.isEmpty() ? "" : f + " ") + Fmt.compact(v.doubleValue());
            }
        });
        r.setDefaultItemLabelFont(SMALL);
        r.setDefaultItemLabelPaint(INK);
        r.setDefaultItemLabelsVisible(true);
        r.setDefaultPositiveItemLabelPosition(new ItemLabelPosition(ItemLabelAnchor.OUTSIDE12, TextAnchor.CENTER_LEFT,
                TextAnchor.CENTER_LEFT, -Math.PI / 2));
    }
}
