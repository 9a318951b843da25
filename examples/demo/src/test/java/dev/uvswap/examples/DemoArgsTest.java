package dev.uvswap.examples;

import dev.uvswap.Compressor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo's options: good ones parsed, every bad one refused with a one-line message naming it. */
class DemoArgsTest {

    private static DemoArgs parse(String... args) {
        return DemoArgs.parse(List.of(args));
    }

    @Test
    void defaultsAreChosenFromTheBudgetWithZstdAndNinetyPercent() {
        assertEquals(new DemoArgs.Run(DemoArgs.AUTO, DemoArgs.AUTO, Compressor.ZSTD, 90, 0), parse());
    }

    @Test
    void optionsAreRead() {
        assertEquals(new DemoArgs.Run(1L << 30, 0, Compressor.LZ4, 75, 0), parse("--size=1g", "--lz4", "--out=75"));
        assertEquals(new DemoArgs.Run(256L << 20, 0, Compressor.ZSTD, 0, 0), parse("--size=256M", "--out=0"));
        assertEquals(new DemoArgs.Run(2L << 30, 64L << 20, Compressor.ZSTD, 100, 0), parse("--size=2GiB", "--max=64m", "--out=100"));
        assertEquals(new DemoArgs.Run(8192, 0, Compressor.ZSTD, 90, 0), parse("--size=8192"));
        assertEquals(new DemoArgs.Run(64L << 40, 0, Compressor.ZSTD, 90, 0), parse("--size=64t"));
        assertEquals(new DemoArgs.Run(0, 0, Compressor.ZSTD, 90, 1L << 30), parse("--cgroup=1g"));
    }

    @Test
    void helpWinsEvenNextToABadValue() {
        assertInstanceOf(DemoArgs.Help.class, parse("--help"));
        assertInstanceOf(DemoArgs.Help.class, parse("-h"));
        assertInstanceOf(DemoArgs.Help.class, parse("--out=150", "--help"));
    }

    @Test
    void outsideZeroToHundredPercentIsRefused() {
        refused("--out=150", "--out=150");
        refused("--out=-5", "--out=-5");
        refused("--out=abc", "--out=abc");
        refused("--out=", "--out");
        refused("--out", "--out");
    }

    @Test
    void badSizesAreRefused() {
        refused("--size=abc", "--size=abc");
        refused("--size=-1g", "--size=-1g");
        refused("--size=0", "--size=0");
        refused("--size=1x", "--size=1x");
        refused("--size=1.5g", "--size=1.5g");
        refused("--size=9999999999t", "too large");
        refused("--size=99999999999999999999", "too large");
        refused("--size", "--size");
        refused("--max=0", "--max=0");
        refused("--max=-1m", "--max=-1m");
        refused("--max=lots", "--max=lots");
        refused("--cgroup=0", "--cgroup=0");
        refused("--cgroup", "--cgroup");
    }

    @Test
    void unknownOptionsAreRefused() {
        refused("--frobnicate", "--frobnicate");
        refused("size=1g", "size=1g");
        refused("--lz4=yes", "--lz4");
    }

    private static void refused(String arg, String named) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(arg), arg);
        assertTrue(e.getMessage().contains(named), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void unitsAreWhatAPersonReads() {
        assertEquals("37.7 ms", Units.nanos(37_748_700));
        assertEquals("180 us", Units.nanos(180_200));
        assertEquals("1.44 ms", Units.nanos(1_441_800));
        assertEquals("850 ns", Units.nanos(850));
        assertEquals("2.50 s", Units.nanos(2.5e9));
        assertEquals("4.00 GiB", Units.bytes(4L << 30));
        assertEquals("256.0 MiB", Units.bytes(256L << 20));
        assertEquals("0 B", Units.bytes(0));
        assertEquals("1,000 MB/s", Units.rate(1_000_000_000L, 1_000_000_000L));
        assertEquals("too fast to time", Units.rate(4096, 0));
    }
}
