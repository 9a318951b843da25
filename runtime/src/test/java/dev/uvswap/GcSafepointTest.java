package dev.uvswap;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Faults under forced GCs, on G1 and ZGC, in a child JVM with -Xlog:safepoint. A Java fault
 * handler deadlocks at the first safepoint (DESIGN.md §2); ours must finish, and no safepoint
 * may take longer than {@link #MAX_TIME_TO_SAFEPOINT_MS} to reach: a thread blocked in a fault
 * delays it by one native service time (tens of microseconds), so the bound is generous for a
 * loaded two-vCPU VM and still three orders of magnitude below a hang.
 */
class GcSafepointTest {
    static final long MAX_TIME_TO_SAFEPOINT_MS = 200;
    private static final Pattern REACHING = Pattern.compile("Reaching safepoint: (\\d+) ns");

    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    @ParameterizedTest
    @ValueSource(strings = {"-XX:+UseG1GC", "-XX:+UseZGC"})
    void faultsUnderForcedGcNeverStallASafepoint(String gc) throws Exception {
        Path log = Files.createTempFile("uvswap-safepoint", ".log");
        try {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = new ArrayList<>(List.of(java, gc, "-Xmx256m",
                    "--enable-native-access=ALL-UNNAMED", "-Xlog:safepoint:file=" + log,
                    "-cp", System.getProperty("java.class.path"), GcStressMain.class.getName(), "4"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            boolean done = p.waitFor(90, TimeUnit.SECONDS);
            String out = new String(p.getInputStream().readAllBytes());
            if (!done) {
                p.destroyForcibly();
                fail("child JVM did not finish in 90 s (a fault path waiting on the JVM would hang at a safepoint):\n" + out);
            }
            assertEquals(0, p.exitValue(), "child JVM failed:\n" + out);
            long worstNs = 0;
            int safepoints = 0;
            for (String line : Files.readAllLines(log)) {
                Matcher m = REACHING.matcher(line);
                if (m.find()) {
                    safepoints++;
                    worstNs = Math.max(worstNs, Long.parseLong(m.group(1)));
                }
            }
            System.out.printf("%s: %s; %d safepoints, worst time to safepoint %.3f ms (bound %d ms)%n",
                    gc, out.strip(), safepoints, worstNs / 1e6, MAX_TIME_TO_SAFEPOINT_MS);
            assertTrue(safepoints > 0, "the safepoint log recorded safepoints");
            assertTrue(worstNs < MAX_TIME_TO_SAFEPOINT_MS * 1_000_000, "worst time to safepoint " + worstNs / 1e6 + " ms");
        } finally {
            try {
                Files.deleteIfExists(log);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }
}
