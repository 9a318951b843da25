package dev.uvswap.bench.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** A chart that renders itself to a PNG; the drawing pieces they share are the static helpers below. */
sealed interface Plot permits PercentileChart, BarChart {
    int WIDTH = 1000;
    int HEIGHT = 600;
    Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 20);
    Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
    Font TICK = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    Font SMALL = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    Color GRID = new Color(0xd9d9d9);
    Color MINOR_GRID = new Color(0xf0f0f0);
    Color INK = new Color(0x222222);

    BufferedImage render();

    default void write(Path file) {
        try {
            ImageIO.write(render(), "png", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    enum Mark { LINE, DASHED, BOX, HATCHED, NONE }

    record LegendEntry(String label, Color color, Mark mark) {}

    /** A white, antialiased canvas with the title drawn. */
    static Graphics2D canvas(BufferedImage img, String title) {
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setColor(INK);
        g.setFont(TITLE);
        FontMetrics fm = g.getFontMetrics();
        g.drawString(title, (img.getWidth() - fm.stringWidth(title)) / 2, 34);
        return g;
    }

    static BasicStroke dashed(float width) {
        return new BasicStroke(width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10, new float[] {9, 6}, 0);
    }

    static int legendWidth(Graphics2D g, List<LegendEntry> entries) {
        g.setFont(LABEL);
        int text = entries.stream().mapToInt(e -> g.getFontMetrics().stringWidth(e.label())).max().orElse(0);
        return text + 60;
    }

    /** The legend as a boxed column at (x, y): it sits beside the plot area, never over the data. */
    static void legend(Graphics2D g, List<LegendEntry> entries, int x, int y) {
        if (entries.isEmpty()) {
            return;
        }
        int row = 22;
        int w = legendWidth(g, entries) - 10;
        g.setColor(new Color(0xfafafa));
        g.fillRect(x, y, w, entries.size() * row + 12);
        g.setColor(GRID);
        g.drawRect(x, y, w, entries.size() * row + 12);
        g.setFont(LABEL);
        FontMetrics fm = g.getFontMetrics();
        for (int i = 0; i < entries.size(); i++) {
            LegendEntry e = entries.get(i);
            int cy = y + 6 + i * row + row / 2;
            switch (e.mark()) {
                case LINE -> {
                    g.setColor(e.color());
                    g.setStroke(new BasicStroke(2.5f));
                    g.draw(new Line2D.Double(x + 8, cy, x + 38, cy));
                    g.fillOval(x + 19, cy - 4, 8, 8);
                }
                case DASHED -> {
                    g.setColor(e.color());
                    g.setStroke(dashed(2));
                    g.draw(new Line2D.Double(x + 8, cy, x + 38, cy));
                }
                case BOX -> {
                    g.setColor(e.color());
                    g.fillRect(x + 14, cy - 7, 18, 14);
                }
                case HATCHED -> hatch(g, new Rectangle(x + 14, cy - 7, 18, 14), e.color());
                case NONE -> { }
            }
            g.setStroke(new BasicStroke(1));
            g.setColor(INK);
            g.drawString(e.label(), x + (e.mark() == Mark.NONE ? 10 : 46), cy + fm.getAscent() / 2 - 2);
        }
    }

    /** A lighter fill crossed with diagonal lines of the colour: "the floor", next to the solid measured bar. */
    static void hatch(Graphics2D g, Rectangle2D r, Color c) {
        g.setColor(Palette.light(c));
        g.fill(r);
        Shape clip = g.getClip();
        g.clip(r);
        g.setColor(c);
        g.setStroke(new BasicStroke(1.5f));
        for (double d = -r.getHeight(); d < r.getWidth(); d += 7) {
            g.draw(new Line2D.Double(r.getX() + d, r.getMaxY(), r.getX() + d + r.getHeight(), r.getY()));
        }
        g.setClip(clip);
        g.draw(r);
        g.setStroke(new BasicStroke(1));
    }

    /** Horizontal grid lines and labels of a value axis along the left edge of {@code area}, with its title. */
    static void yAxis(Graphics2D g, Scale scale, Rectangle area, String title) {
        g.setFont(TICK);
        FontMetrics fm = g.getFontMetrics();
        for (Scale.Tick t : scale.ticks()) {
            double y = area.getMaxY() - scale.fraction(t.value()) * area.height;
            g.setColor(t.major() ? GRID : MINOR_GRID);
            g.draw(new Line2D.Double(area.x, y, area.getMaxX(), y));
            if (!t.label().isEmpty()) {
                g.setColor(INK);
                g.drawString(t.label(), area.x - 8 - fm.stringWidth(t.label()), (float) (y + fm.getAscent() / 2.0 - 2));
            }
        }
        g.setFont(LABEL);
        AffineTransform saved = g.getTransform();
        g.rotate(-Math.PI / 2);
        g.setColor(INK);
        g.drawString(title, -(area.y + area.height / 2 + g.getFontMetrics().stringWidth(title) / 2), 24);
        g.setTransform(saved);
    }

    /** The x axis title, centred under the plot area. */
    static void xTitle(Graphics2D g, Rectangle area, String title, int y) {
        g.setFont(LABEL);
        g.setColor(INK);
        g.drawString(title, area.x + (area.width - g.getFontMetrics().stringWidth(title)) / 2, y);
    }

    static void frame(Graphics2D g, Rectangle area) {
        g.setColor(new Color(0x888888));
        g.setStroke(new BasicStroke(1));
        g.drawLine(area.x, area.y + area.height, area.x + area.width, area.y + area.height);
        g.drawLine(area.x, area.y, area.x, area.y + area.height);
    }
}
