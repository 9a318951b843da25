package dev.uvswap.bench.report;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The PNGs of a real run's report: every one written, a PNG of the expected size, drawn in the report's colours. */
class ChartsTest {
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @TempDir
    static Path out;

    @BeforeAll
    static void write() throws IOException {
        System.setProperty("java.awt.headless", "true");
        Report.write(List.of(Fixtures.jmh()), List.of(Fixtures.usemem()), out);
    }

    private static BufferedImage png(String name) throws IOException {
        Path file = out.resolve(name);
        assertTrue(Files.isRegularFile(file), name + " not written");
        byte[] bytes = Files.readAllBytes(file);
        assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(bytes, 8), name + " is not a PNG");
        BufferedImage img = ImageIO.read(file.toFile());
        assertNotNull(img, name);
        return img;
    }

    /** Pixels of exactly this colour: the solid fill of a bar or the middle of a line. */
    private static long pixels(BufferedImage img, Color c) {
        long n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                n += (img.getRGB(x, y) & 0xffffff) == (c.getRGB() & 0xffffff) ? 1 : 0;
            }
        }
        return n;
    }

    @Test
    void latencyPlotsAreThousandBySixHundredWithALinePerKind() throws IOException {
        for (String name : List.of(Charts.FAULT, Charts.THP)) {
            BufferedImage img = png(name);
            assertEquals(1000, img.getWidth(), name);
            assertEquals(600, img.getHeight(), name);
            assertTrue(pixels(img, Palette.of("ZSWAP_ZSTD")) > 50, name + " has no ZSWAP_ZSTD line");
            assertTrue(pixels(img, Palette.of("CACHE")) > 50, name + " has no CACHE line");
        }
        // The fault plot's floors: the uffd ioctls, dashed.
        assertTrue(pixels(png(Charts.FAULT), Palette.of("MOVE")) > 20, "no uffd MOVE floor");
        assertTrue(pixels(png(Charts.FAULT), Palette.of("KERNEL_WRITE")) > 20, "no kernel first-write floor");
    }

    @Test
    void usememPlotsWidenForTheirManyBarsAndColourEachSystem() throws IOException {
        UsememResults usemem = UsememResults.load(List.of(Fixtures.usemem()), new java.util.ArrayList<>());
        int slots = usemem.systems().size() * usemem.configs().size();
        for (String name : List.of(Charts.USEMEM_WRITE, Charts.USEMEM_VERIFY)) {
            BufferedImage img = png(name);
            assertEquals(600, img.getHeight(), name);
            assertEquals(Math.clamp(400 + 20L * slots, 1000, 2400), img.getWidth(), name);
            assertTrue(img.getWidth() > 1000, name + " should be wider than the default for " + slots + " bars");
            for (UsememResults.SystemId s : usemem.systems()) {
                assertTrue(pixels(img, Palette.of(s.label())) > 20, name + ": no bar of " + s.label());
            }
        }
    }

    @Test
    void pageOutAndFreePlotsAreDrawn() throws IOException {
        BufferedImage pageOut = png(Charts.PAGE_OUT);
        assertEquals(600, pageOut.getHeight());
        assertEquals(1000, pageOut.getWidth(), "6 kinds x 2 bars fit the default width");
        assertTrue(pixels(pageOut, new Color(0x4e79a7)) > 500, "measured bars");

        BufferedImage free = png(Charts.FREE);
        assertEquals(600, free.getHeight());
        assertTrue(pixels(free, Palette.of("SWAPPED_ZSTD")) > 200, "FreeBench bar");
        assertTrue(pixels(free, Palette.of("zram-lz4")) > 200, "usemem's free time under zram");
    }
}
