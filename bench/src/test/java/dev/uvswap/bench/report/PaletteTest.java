package dev.uvswap.bench.report;

import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PaletteTest {
    /** Bars of two systems in one colour would make the usemem plots lie. */
    @Test
    void everySystemOfARealRunHasItsOwnColour() {
        List<String> systems = UsememResults.load(List.of(Fixtures.usemem()), new ArrayList<>()).systems().stream()
                .map(UsememResults.SystemId::label).toList();
        Map<Color, List<String>> byColour = systems.stream().collect(Collectors.groupingBy(Palette::of));
        assertEquals(systems.size(), byColour.size(), "shared colours: " + byColour);
    }

    @Test
    void aSystemKeepsItsFamilyHue() {
        // uvswap lz4 is orange in every mode: red is the largest channel.
        for (String s : List.of("uvswap-lz4", "uvswap-inthread-lz4", "uvswap-thp-lz4", "uvswap-inthread-thp-lz4")) {
            Color c = Palette.of(s);
            assertEquals(true, c.getRed() > c.getBlue(), s + " " + c);
        }
        Color zswap = Palette.of("zswap-lzo-rle");
        assertEquals(true, zswap.getGreen() > zswap.getRed(), "zswap is teal: " + zswap);
    }
}
