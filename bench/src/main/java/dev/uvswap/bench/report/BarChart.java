package dev.uvswap.bench.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * Grouped bars on a linear axis from zero. Bars may be hatched (a floor), carry a ± whisker (the
 * spread over rounds) and a flag in red above them (errors). Wider than {@link Plot#WIDTH} when
 * there are too many bars to read at that size. A bar far above the solid ones (a floor that is a
 * single THP move, say) is cut with a break mark and its value printed, so it does not flatten the rest.
 */
record BarChart(String title, String yTitle, String xTitle, List<Group> groups, List<LegendEntry> legend) implements Plot {
    private static final int MIN_BAR = 14;
    private static final int MAX_WIDTH = 2400;

    record Group(String label, List<Bar> bars) {}

    /**
     * @param sd   half the whisker, NaN for none
     * @param flag drawn in red above the bar ("" for none)
     */
    record Bar(double value, double sd, Color color, boolean hatched, String flag) {
        static Bar solid(double value, Color color) {
            return new Bar(value, Double.NaN, color, false, "");
        }

        static Bar floor(double value, Color color) {
            return new Bar(value, Double.NaN, color, true, "");
        }
    }

    boolean isEmpty() {
        return groups.stream().flatMap(gr -> gr.bars().stream()).noneMatch(b -> Double.isFinite(b.value()));
    }

    @Override
    public BufferedImage render() {
        Graphics2D probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
        int legendW = Plot.legendWidth(probe, legend);
        probe.dispose();
        int bars = groups.stream().mapToInt(gr -> gr.bars().size()).sum();
        int needed = 90 + legendW + 50 + (int) (bars * MIN_BAR / 0.75);
        int width = Math.min(MAX_WIDTH, Math.max(WIDTH, needed));

        BufferedImage img = new BufferedImage(width, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = Plot.canvas(img, title);
        int below = 18 + labelLines(g, width - 90 - legendW - 30) * 15 + (xTitle.isEmpty() ? 10 : 36);
        Rectangle area = new Rectangle(90, 60, width - 90 - legendW - 30, HEIGHT - 60 - below);

        double cap = cap();
        double top = 0;
        for (Group gr : groups) {
            for (Bar b : gr.bars()) {
                double v = Math.min(cap, b.value() + (Double.isNaN(b.sd()) ? 0 : b.sd()));
                if (Double.isFinite(v)) {
                    top = Math.max(top, v);
                }
            }
        }
        Scale.Linear y = Scale.Linear.covering(top);
        Plot.yAxis(g, y, area, yTitle);
        Plot.frame(g, area);

        double groupW = (double) area.width / Math.max(1, groups.size());
        for (int i = 0; i < groups.size(); i++) {
            Group gr = groups.get(i);
            double left = area.x + i * groupW;
            int n = Math.max(1, gr.bars().size());
            double barW = Math.min(70, groupW * 0.78 / n);
            double x0 = left + (groupW - barW * n) / 2;
            for (int j = 0; j < gr.bars().size(); j++) {
                drawBar(g, gr.bars().get(j), new Rectangle2D.Double(x0 + j * barW + 1, 0, barW - 2, 0), area, y, cap);
            }
            groupLabel(g, gr.label(), left, groupW, area.y + area.height + 18);
        }
        Plot.xTitle(g, area, xTitle, HEIGHT - 18);
        Plot.legend(g, legend, area.x + area.width + 20, area.y);
        g.dispose();
        return img;
    }

    /** Where bars are cut: a little above the tallest solid bar when some bar is over three times it, else nowhere. */
    private double cap() {
        List<Bar> all = groups.stream().flatMap(gr -> gr.bars().stream()).filter(b -> Double.isFinite(b.value())).toList();
        double solid = all.stream().filter(b -> !b.hatched()).mapToDouble(Bar::value).max().orElse(Double.NaN);
        double max = all.stream().mapToDouble(Bar::value).max().orElse(Double.NaN);
        return solid > 0 && max > 3 * solid ? 1.25 * solid : Double.POSITIVE_INFINITY;
    }

    /** How many lines the longest group label wraps to (at most three). */
    private int labelLines(Graphics2D g, int areaWidth) {
        double groupW = (double) areaWidth / Math.max(1, groups.size());
        return groups.stream().mapToInt(gr -> wrap(g, gr.label(), groupW).size()).max().orElse(1);
    }

    /** One bar in its horizontal slot; values go on top when they fit. */
    private static void drawBar(Graphics2D g, Bar b, Rectangle2D slot, Rectangle area, Scale y, double cap) {
        double x = slot.getX();
        double w = slot.getWidth();
        double base = area.getMaxY();
        g.setFont(SMALL);
        FontMetrics fm = g.getFontMetrics();
        if (!Double.isFinite(b.value())) {
            label(g, "n/a", x, w, base - 4, INK, fm);
            return;
        }
        boolean cut = b.value() > cap;
        double h = Math.max(1, y.fraction(Math.min(cap, b.value())) * area.height);
        Rectangle2D bar = new Rectangle2D.Double(x, base - h, w, h);
        if (b.hatched()) {
            Plot.hatch(g, bar, b.color());
        } else {
            g.setColor(b.color());
            g.fill(bar);
        }
        if (cut) {
            // Two white slashes across the bar: the axis does not reach its value.
            g.setColor(Color.WHITE);
            g.setStroke(new BasicStroke(3));
            for (int k = 0; k < 2; k++) {
                double by = base - h + 14 + k * 7;
                g.draw(new Line2D.Double(x - 2, by + 4, x + w + 2, by - 4));
            }
            g.setStroke(new BasicStroke(1));
        }
        double labelY = base - h - 4;
        if (Double.isFinite(b.sd()) && b.sd() > 0) {
            double hi = base - y.fraction(b.value() + b.sd()) * area.height;
            double lo = base - Math.max(0, y.fraction(b.value() - b.sd())) * area.height;
            double cx = x + w / 2;
            g.setColor(INK);
            g.setStroke(new BasicStroke(1.2f));
            g.draw(new Line2D.Double(cx, hi, cx, lo));
            g.draw(new Line2D.Double(cx - Math.min(5, w / 3), hi, cx + Math.min(5, w / 3), hi));
            g.draw(new Line2D.Double(cx - Math.min(5, w / 3), lo, cx + Math.min(5, w / 3), lo));
            g.setStroke(new BasicStroke(1));
            labelY = Math.min(labelY, hi - 4);
        }
        String value = Fmt.compact(b.value());
        if (fm.stringWidth(value) <= w + 8) {
            label(g, value, x, w, labelY, INK, fm);
            labelY -= fm.getHeight();
        }
        if (!b.flag().isEmpty()) {
            g.setFont(SMALL.deriveFont(Font.BOLD));
            label(g, b.flag(), x, w, labelY, new Color(0xc00000), g.getFontMetrics());
        }
    }

    private static void label(Graphics2D g, String s, double x, double w, double baseline, Color c, FontMetrics fm) {
        g.setColor(c);
        g.drawString(s, (float) (x + (w - fm.stringWidth(s)) / 2), (float) baseline);
    }

    /** The group's name under its bars, broken at spaces to stay within the group. */
    private static void groupLabel(Graphics2D g, String text, double left, double width, int y) {
        List<String> lines = wrap(g, text, width);
        FontMetrics fm = g.getFontMetrics();
        g.setColor(INK);
        for (int i = 0; i < lines.size(); i++) {
            String s = lines.get(i);
            g.drawString(s, (float) (left + (width - fm.stringWidth(s)) / 2), y + i * 15);
        }
    }

    /** Words of {@code text} in lines that fit {@code width} in the tick font, three lines at most. */
    private static List<String> wrap(Graphics2D g, String text, double width) {
        g.setFont(TICK);
        FontMetrics fm = g.getFontMetrics();
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            String candidate = line.isEmpty() ? word : line + " " + word;
            if (fm.stringWidth(candidate) > width - 6 && !line.isEmpty()) {
                lines.add(line.toString());
                line = new StringBuilder(word);
            } else {
                line = new StringBuilder(candidate);
            }
        }
        lines.add(line.toString());
        return lines.subList(0, Math.min(3, lines.size()));
    }
}
