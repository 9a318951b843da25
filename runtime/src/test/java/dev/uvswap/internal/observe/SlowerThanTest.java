package dev.uvswap.internal.observe;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The slowerThan setting reads JFR's time spans; several recordings get the lowest. */
class SlowerThanTest {
    @Test
    void parsesSpansAndCombinesToTheLowest() {
        assertEquals(10_000_000, SlowerThan.parse("10 ms"));
        assertEquals(500_000, SlowerThan.parse("500us"));
        assertEquals(2_000_000_000L, SlowerThan.parse("2 s"));
        assertEquals(0, SlowerThan.parse("0 ns"));
        assertEquals(10_000_000, SlowerThan.parse("soon"), "unreadable: the default");
        assertEquals("1 ms", new SlowerThan().combine(Set.of("20 ms", "1 ms", "1 s")));
    }
}
