package dev.uvswap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.*;

/** VSwapStats reads well; logger dev.uvswap says what an operator needs at start and for swap files. */
class ObserveTextAndLogTest {
    private final Logger jul = Logger.getLogger("dev.uvswap");
    private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override public void publish(LogRecord r) { logged.add(r); }
        @Override public void flush() { }
        @Override public void close() { }
    };

    @TempDir
    Path dir;

    @BeforeEach
    void setUp() {
        Platform.assumeSupported();
        jul.addHandler(handler);
    }

    @AfterEach
    void tearDown() {
        jul.removeHandler(handler);
    }

    @Test
    void statsReadWithUnits() {
        try (VSwap v = VSwap.builder().name("text-test").faultThreads(1).build();
             Region r = v.allocate(256 * 4096, RegionOption.SMALL_PAGES)) {
            PageData.fillMixed(r, 256, 9);
            assertEquals(256, r.pageOut(0, r.size()));
            PageData.assertMixed(r, 256, 9);
            VSwapStats s = v.stats();
            String text = s.toString();
            assertTrue(text.lines().count() >= 8, text);
            assertTrue(text.contains("swap out") && text.contains("swap in") && text.contains("pool"), text);
            assertTrue(text.contains(String.format(java.util.Locale.ROOT, "%,d pages", s.pswpout())), text);
            assertTrue(text.contains("ZSWAP"), "the kinds served are listed: " + text);
            assertFalse(text.contains("THP_SWAPIN"), "kinds never served are not: " + text);
            assertTrue(text.matches("(?s).*\\d (ns|µs|ms) .*"), "latencies carry a unit: " + text);
            assertTrue(text.matches("(?s).*\\d (KiB|MiB|GiB)\\b.*"), "sizes carry a unit: " + text);
            assertFalse(text.matches("(?s).*\\d{4,}\\.\\d+ .*"), "no long fractional numbers: " + text);
        }
    }

    @Test
    void unitsAreChosenForTheMagnitude() {
        assertEquals("850 ns", VSwapStats.nanos(850));
        assertEquals("37.7 µs", VSwapStats.nanos(37_748));
        assertEquals("1.50 ms", VSwapStats.nanos(1_500_000));
        assertEquals("2.00 s", VSwapStats.nanos(2_000_000_000));
        assertEquals("512 B", VSwapStats.bytes(512));
        assertEquals("1.00 MiB", VSwapStats.bytes(1 << 20));
        assertEquals("3.50 GiB", VSwapStats.bytes(3584L << 20));
        assertEquals("unlimited", VSwapStats.bytes(Long.MAX_VALUE));
    }

    @Test
    void startAndSwapFilesAreLogged() throws Exception {
        Path file = dir.resolve("log.swap");
        try (VSwap v = VSwap.builder().name("log-test").faultThreads(1).build()) {
            String start = message("uvswap log-test started");
            assertTrue(start.contains("fault servers: 1") && start.contains("userfaultfd features 0x")
                    && start.contains("pool max"), start);
            if (v.stats().kernelFaultsHandled()) {
                assertTrue(start.contains("kernel and user faults"), start);
            }
            try {
                v.addSwapFile(file, 8 << 20, 3);
            } catch (UnsupportedPlatformException noPoison) {
                org.junit.jupiter.api.Assumptions.abort("no swap files here: " + noPoison.getMessage());
            }
            assertTrue(message("swap file " + file + " added").contains("priority 3"));
            v.retire(file);
            assertEquals(Level.INFO, record("swap file " + file + " retired").getLevel());
        }
    }

    private LogRecord record(String part) {
        return logged.stream().filter(r -> r.getMessage().contains(part)).findFirst()
                .orElseThrow(() -> new AssertionError("nothing logged with '" + part + "': "
                        + logged.stream().map(LogRecord::getMessage).toList()));
    }

    private String message(String part) {
        return record(part).getMessage();
    }
}
