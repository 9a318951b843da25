package dev.uvswap.bench.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Latency distributions: one line per series over percentiles on a "nines" axis, latency on a log
 * axis. Floors are drawn dashed.
 */
record PercentileChart(String title, String yTitle, List<Series> series) implements Plot {
    /** The percentiles worth a point: JMH's list up to p99.99 (beyond that a short run only repeats its maximum). */
    static final List<Double> PERCENTILES = List.of(0.0, 50.0, 90.0, 95.0, 99.0, 99.9, 99.99);

    /** @param points percent to time; only positive times can go on a log axis */
    record Series(String label, Color color, boolean dashed, NavigableMap<Double, Double> points) {
        /**
         * The series from a result, stopping at the first percentile its sample count cannot resolve
         * (p99.99 of 4,000 samples is only the maximum again).
         */
        static Series of(String label, Color color, boolean dashed, JmhResult r) {
            NavigableMap<Double, Double> points = new TreeMap<>();
            for (double p : PERCENTILES) {
                double v = r.p(p);
                boolean resolved = r.samples() <= 0 || p == 0 || r.samples() * (1 - p / 100) >= 1;
                if (resolved && v > 0 && Double.isFinite(v)) {
                    points.put(p, v);
                }
            }
            return new Series(label, color, dashed, points);
        }
    }

    boolean isEmpty() {
        return series.stream().allMatch(s -> s.points().isEmpty());
    }

    @Override
    public BufferedImage render() {
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = Plot.canvas(img, title);
        List<LegendEntry> legend = series.stream()
                .map(s -> new LegendEntry(s.label(), s.color(), s.dashed() ? Mark.DASHED : Mark.LINE)).toList();
        int legendW = Plot.legendWidth(g, legend);
        Rectangle area = new Rectangle(90, 60, WIDTH - 90 - legendW - 30, HEIGHT - 60 - 75);

        double lastPercentile = series.stream().filter(s -> !s.points().isEmpty())
                .mapToDouble(s -> s.points().lastKey()).max().orElse(99.0);
        List<Double> shown = PERCENTILES.stream().filter(p -> p <= lastPercentile).toList();
        Scale.Nines x = new Scale.Nines(shown.size() < 2 ? List.of(0.0, 50.0) : shown);
        double min = series.stream().flatMap(s -> s.points().values().stream()).mapToDouble(Double::doubleValue).min().orElse(1);
        double max = series.stream().flatMap(s -> s.points().values().stream()).mapToDouble(Double::doubleValue).max().orElse(10);
        Scale.Log y = Scale.Log.covering(min, max);

        Plot.yAxis(g, y, area, yTitle);
        g.setFont(TICK);
        FontMetrics fm = g.getFontMetrics();
        for (Scale.Tick t : x.ticks()) {
            double px = area.x + x.fraction(t.value()) * area.width;
            g.setColor(GRID);
            g.draw(new Line2D.Double(px, area.y, px, area.getMaxY()));
            g.setColor(INK);
            g.drawString(t.label(), (float) (px - fm.stringWidth(t.label()) / 2.0), area.y + area.height + 20);
        }
        Plot.frame(g, area);
        Plot.xTitle(g, area, "percentile (spaced by nines: p90, p99, p99.9 equally apart)", HEIGHT - 22);

        // Floors first, so measured lines are drawn over them where they meet.
        for (boolean dashedPass : new boolean[] {true, false}) {
            for (Series s : series) {
                if (s.dashed() == dashedPass) {
                    draw(g, s, area, x, y);
                }
            }
        }
        Plot.legend(g, legend, area.x + area.width + 20, area.y);
        g.dispose();
        return img;
    }

    private static void draw(Graphics2D g, Series s, Rectangle area, Scale x, Scale y) {
        Path2D.Double line = new Path2D.Double();
        List<double[]> dots = new ArrayList<>();
        for (Map.Entry<Double, Double> p : s.points().entrySet()) {
            double px = area.x + x.fraction(p.getKey()) * area.width;
            double py = area.getMaxY() - y.fraction(p.getValue()) * area.height;
            if (dots.isEmpty()) {
                line.moveTo(px, py);
            } else {
                line.lineTo(px, py);
            }
            dots.add(new double[] {px, py});
        }
        g.setColor(s.color());
        g.setStroke(s.dashed() ? Plot.dashed(2) : new BasicStroke(2.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.draw(line);
        g.setStroke(new BasicStroke(1));
        double r = s.dashed() ? 2.5 : 4;
        for (double[] d : dots) {
            g.fill(new Ellipse2D.Double(d[0] - r, d[1] - r, 2 * r, 2 * r));
        }
    }
}
