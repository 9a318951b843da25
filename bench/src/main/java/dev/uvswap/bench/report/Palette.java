package dev.uvswap.bench.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Paint;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.TexturePaint;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;

/**
 * One colour per backing kind or system, the same in every plot: zstd work is blue, lz4 orange,
 * the swap cache purple, zram red, zswap teal, floors grey to black.
 */
final class Palette {
    private Palette() {}

    private static final Map<String, Color> KNOWN = Map.ofEntries(
            Map.entry("FIRST_TOUCH", rgb(0x79706e)),
            Map.entry("ZERO", rgb(0x59a14f)),
            Map.entry("ZSWAP_ZSTD", rgb(0x4e79a7)),
            Map.entry("HEAP_ZSTD", rgb(0x4e79a7)),
            Map.entry("uvswap-zstd", rgb(0x4e79a7)),
            Map.entry("ZSWAP_LZ4", rgb(0xf28e2b)),
            Map.entry("HEAP_LZ4", rgb(0xf28e2b)),
            Map.entry("uvswap-lz4", rgb(0xf28e2b)),
            Map.entry("USEMEM_ZSTD", rgb(0x2c4d75)),
            Map.entry("CACHE", rgb(0xb07aa1)),
            Map.entry("PARK", rgb(0xb07aa1)),
            Map.entry("FILL", rgb(0xb6992d)),
            Map.entry("FILE_WARM", rgb(0x9c755f)),
            Map.entry("FILE_COLD", rgb(0xd37295)),
            Map.entry("SWAPPED_ZSTD", rgb(0x499894)),
            Map.entry("RESIDENT", rgb(0x8cd17d)),
            Map.entry("RAW_MUNMAP", rgb(0x555555)),
            Map.entry("ZEROPAGE", rgb(0x8c8c8c)),
            Map.entry("COPY", rgb(0x000000)),
            Map.entry("MOVE", rgb(0x6b3a8c)),
            Map.entry("KERNEL", rgb(0x17becf)),
            Map.entry("KERNEL_WRITE", rgb(0x0e6f7a)),
            Map.entry("THP move", rgb(0x000000)),
            Map.entry("floor", rgb(0x555555)));

    /** Shades per kernel backend, handed out by codec so zram-lz4 and zram-zstd differ but both read as zram. */
    private static final Map<String, List<Color>> FAMILIES = Map.of(
            "zram", List.of(rgb(0xe15759), rgb(0x9e2a2b), rgb(0xff9d9a)),
            "zswap", List.of(rgb(0x76b7b2), rgb(0x3b7a74), rgb(0xa6d8d3)),
            "uvswap", List.of(rgb(0xf28e2b), rgb(0x4e79a7), rgb(0xffbe7d), rgb(0xa0cbe8)));

    private static final List<String> CODECS = List.of("lz4", "zstd", "lzo-rle", "lzo", "842", "deflate");

    private static final List<Color> OTHERS = List.of(rgb(0xedc948), rgb(0xff9da7), rgb(0xbab0ac), rgb(0xd4a6c8),
            rgb(0x86bcb6), rgb(0xf1ce63));

    private static Color rgb(int v) {
        return new Color(v);
    }

    /** How a system ran besides its backend and codec ("uvswap-inthread-thp-lz4"): each gets its own shade. */
    private static final List<String> MODES = List.of("", "inthread", "thp", "inthread-thp");

    static Color of(String key) {
        Color c = KNOWN.get(key);
        if (c != null) {
            return c;
        }
        int dash = key.indexOf('-');
        List<Color> family = dash > 0 ? FAMILIES.get(key.substring(0, dash)) : null;
        if (family == null) {
            return OTHERS.get(Math.floorMod(key.hashCode(), OTHERS.size()));
        }
        // backend[-mode]-codec, where a codec may have a dash of its own (lzo-rle).
        String rest = key.substring(dash + 1);
        String codec = CODECS.stream().filter(x -> rest.equals(x) || rest.endsWith("-" + x)).findFirst().orElse("");
        String mode = codec.isEmpty() ? rest : rest.substring(0, Math.max(0, rest.length() - codec.length() - 1));
        int i = CODECS.indexOf(codec);
        Color base = family.get(Math.floorMod(i >= 0 ? i : key.hashCode(), family.size()));
        int m = MODES.indexOf(mode);
        return variant(base, m >= 0 ? m : 1 + Math.floorMod(mode.hashCode(), SHADES.length));
    }

    /** Darker (below 1) or towards white (above 1, by the fraction above 1) for variants 1, 2, 3... */
    private static final double[] SHADES = {0.55, 1.4, 0.3, 1.65};

    /**
     * The n-th shade of a colour, for results of one kind that differ in another parameter
     * (servers=1 and servers=2, in-thread or not): the kind stays recognisable, the variants tell apart.
     */
    static Color variant(Color c, int n) {
        if (n == 0) {
            return c;
        }
        double f = SHADES[(n - 1) % SHADES.length];
        return f < 1
                ? new Color((int) (c.getRed() * f), (int) (c.getGreen() * f), (int) (c.getBlue() * f))
                : new Color((int) (c.getRed() + (255 - c.getRed()) * (f - 1)),
                        (int) (c.getGreen() + (255 - c.getGreen()) * (f - 1)), (int) (c.getBlue() + (255 - c.getBlue()) * (f - 1)));
    }

    /** The colour washed towards white, for the background of hatched bars. */
    static Color light(Color c) {
        return new Color((c.getRed() + 2 * 255) / 3, (c.getGreen() + 2 * 255) / 3, (c.getBlue() + 2 * 255) / 3);
    }

    /** A light fill crossed with diagonal lines of the colour: "the floor", beside the solid measured bar. */
    static Paint hatched(Color c) {
        BufferedImage tile = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = tile.createGraphics();
        g.setColor(light(c));
        g.fillRect(0, 0, 8, 8);
        g.setColor(c);
        g.setStroke(new BasicStroke(1.5f));
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.drawLine(0, 8, 8, 0);
        g.drawLine(-1, 1, 1, -1);
        g.drawLine(7, 9, 9, 7);
        g.dispose();
        return new TexturePaint(tile, new Rectangle(0, 0, 8, 8));
    }
}
