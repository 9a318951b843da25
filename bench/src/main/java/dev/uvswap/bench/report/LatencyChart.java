package dev.uvswap.bench.report;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.geom.Ellipse2D;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/** Latency distributions: one line per result over percentiles on a nines axis, latency on a log axis; floors dashed. */
final class LatencyChart {
    private LatencyChart() {}

    /** The percentiles worth a point: JMH's list up to p99.99 (beyond that a short run only repeats its maximum). */
    static final List<Double> PERCENTILES = List.of(0.0, 50.0, 90.0, 95.0, 99.0, 99.9, 99.99);

    /** @param points percent to time; only positive times can go on a log axis */
    record Series(String label, Color color, boolean floor, NavigableMap<Double, Double> points) {
        /**
         * The series of a result, stopping at the first percentile its sample count cannot resolve
         * (p99.99 of 4,000 samples is only the maximum again).
         */
        static Series of(String label, Color color, boolean floor, JmhResult r) {
            NavigableMap<Double, Double> points = new TreeMap<>();
            for (double p : PERCENTILES) {
                double v = r.p(p);
                boolean resolved = r.samples() <= 0 || p == 0 || r.samples() * (1 - p / 100) >= 1;
                if (resolved && v > 0 && Double.isFinite(v)) {
                    points.put(p, v);
                }
            }
            return new Series(label, color, floor, points);
        }
    }

    /** The chart, or empty when no series has a point. */
    static Optional<ChartStyle.Png> of(String title, List<Series> series) {
        List<Series> drawn = series.stream().filter(s -> !s.points().isEmpty()).toList();
        if (drawn.isEmpty()) {
            return Optional.empty();
        }
        XYSeriesCollection data = new XYSeriesCollection();
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (Series s : drawn) {
            XYSeries xy = new XYSeries(unique(data, s.label()), false, false);
            s.points().forEach((p, us) -> xy.add(NinesAxis.nines(p), us));
            int i = data.getSeriesCount();
            data.addSeries(xy);
            renderer.setSeriesPaint(i, s.color());
            renderer.setSeriesStroke(i, s.floor()
                    ? new BasicStroke(2, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10, new float[] {9, 6}, 0)
                    : new BasicStroke(2.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            double r = s.floor() ? 2.5 : 4;
            renderer.setSeriesShape(i, new Ellipse2D.Double(-r, -r, 2 * r, 2 * r));
        }
        double last = drawn.stream().mapToDouble(s -> s.points().lastKey()).max().orElseThrow();
        List<Double> shown = PERCENTILES.stream().filter(p -> p <= last).toList();
        NinesAxis x = new NinesAxis("percentile (spaced by nines: p90, p99, p99.9 equally apart)",
                shown.size() < 2 ? List.of(0.0, 50.0) : shown);
        // XYPlot draws the last series first: the floors, added last, lie under the measured lines.
        XYPlot plot = new XYPlot(data, x, ChartStyle.log("latency (µs, log scale)"), renderer);
        JFreeChart chart = ChartStyle.chart(title, plot);
        return Optional.of(new ChartStyle.Png(chart, ChartStyle.WIDTH, ChartStyle.HEIGHT));
    }

    /** Series keys must differ; two results with one label (they differ in nothing shown) get a number. */
    private static String unique(XYSeriesCollection data, String label) {
        String key = label;
        for (int n = 2; data.getSeriesIndex(key) >= 0; n++) {
            key = label + " (" + n + ")";
        }
        return key;
    }
}
