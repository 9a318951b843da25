package dev.uvswap.bench.report;

import org.jfree.chart.axis.AxisState;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTick;
import org.jfree.chart.axis.Tick;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;

import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.util.List;

/**
 * Percentiles spaced by their number of nines, -log10(1 - p): p0 at 0, p90 at 1, p99 at 2, so the
 * tail gets as much room as the body. Data go in as {@link #nines(double)}; the ticks are the
 * percentiles themselves, labelled as JMH names them.
 */
final class NinesAxis extends NumberAxis {
    private final List<Double> percentiles;

    /** @param percentiles the ticks, ascending; the axis ends at the last */
    NinesAxis(String label, List<Double> percentiles) {
        super(label);
        this.percentiles = List.copyOf(percentiles);
        setAutoRange(false);
        // A little room either side so the first and last points are not cut in half.
        double last = nines(percentiles.getLast());
        setRange(-0.03 * last, 1.03 * last);
    }

    static double nines(double percent) {
        return -Math.log10(1 - percent / 100);
    }

    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public List refreshTicks(Graphics2D g2, AxisState state, Rectangle2D dataArea, RectangleEdge edge) {
        List<Tick> ticks = new java.util.ArrayList<>();
        for (double p : percentiles) {
            ticks.add(new NumberTick(nines(p), p == 0 ? "min" : Fmt.percentile(p), TextAnchor.TOP_CENTER,
                    TextAnchor.CENTER, 0.0));
        }
        return ticks;
    }
}
