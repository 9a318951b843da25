package dev.uvswap;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;

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
 * handler deadlocks at the first safepoint (architecture.md §2); ours must finish, and faults must not
 * make safepoints slower to reach than the same loops over memory that never faults, run at the
 * same time (a control child JVM): a thread blocked in a fault delays a safepoint by one native
 * service time, tens of microseconds. What the machine adds (two vCPUs shared with busy loops:
 * 200-570 ms seen) both children see alike; a safepoint held up by faults waiting on Java, or
 * by throttled faults whose hold does not lapse, takes seconds.
 */
class GcSafepointTest {
    /** Faults may make the worst time to safepoint this many times the control's... */
    static final long RATIO = 4;
    /** ...or this much, when the control was lucky: still well under a second-long hold. */
    static final long FLOOR_MS = 1000;
    private static final Pattern REACHING = Pattern.compile("Reaching safepoint: (\\d+) ns");

    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    /** A child JVM running GcStressMain, its safepoint log, and what it reported. */
    private record Child(Process process, Path log) {
        static Child start(String gc, String mode) throws IOException {
            Path log = Files.createTempFile("uvswap-safepoint", ".log");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = new ArrayList<>(List.of(java, gc, "-Xmx256m",
                    "--enable-native-access=ALL-UNNAMED", "-Xlog:safepoint:file=" + log,
                    "-cp", System.getProperty("java.class.path"), GcStressMain.class.getName(), "4", mode));
            return new Child(new ProcessBuilder(cmd).redirectErrorStream(true).start(), log);
        }

        /** Waits for it; returns {safepoints, worst time to safepoint in ns} and its output. */
        long[] finish(StringBuilder out) throws Exception {
            try {
                boolean done = process.waitFor(90, TimeUnit.SECONDS);
                out.append(new String(process.getInputStream().readAllBytes()).strip());
                if (!done) {
                    process.destroyForcibly();
                    fail("child JVM did not finish in 90 s (a fault path waiting on the JVM would hang at a safepoint):\n" + out);
                }
                assertEquals(0, process.exitValue(), "child JVM failed:\n" + out);
                long worstNs = 0;
                long safepoints = 0;
                for (String line : Files.readAllLines(log)) {
                    Matcher m = REACHING.matcher(line);
                    if (m.find()) {
                        safepoints++;
                        worstNs = Math.max(worstNs, Long.parseLong(m.group(1)));
                    }
                }
                assertTrue(safepoints > 0, "the safepoint log recorded safepoints: " + out);
                return new long[] {safepoints, worstNs};
            } finally {
                try {
                    Files.deleteIfExists(log);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}, {1}")
    @org.junit.jupiter.params.provider.CsvSource({
            "-XX:+UseG1GC, faults", "-XX:+UseZGC, faults",
            "-XX:+UseG1GC, faults-in-thread", "-XX:+UseZGC, faults-in-thread"})
    void faultsUnderForcedGcNeverStallASafepoint(String gc, String mode) throws Exception {
        // Side by side, so both see the same load for the same seconds.
        Child faulting = Child.start(gc, mode);
        Child control = Child.start(gc, "control");
        StringBuilder faultOut = new StringBuilder();
        StringBuilder controlOut = new StringBuilder();
        long[] f;
        long[] c;
        try {
            f = faulting.finish(faultOut);
            c = control.finish(controlOut);
        } finally {
            faulting.process().destroyForcibly();   // finished already, unless a check failed
            control.process().destroyForcibly();
        }
        long boundNs = Math.max(RATIO * c[1], FLOOR_MS * 1_000_000);
        System.out.printf("%s %s: %s; %d safepoints, worst time to safepoint %.3f ms; control: %s; %d safepoints, worst %.3f ms (bound %.3f ms)%n",
                gc, mode, faultOut, f[0], f[1] / 1e6, controlOut, c[0], c[1] / 1e6, boundNs / 1e6);
        assertTrue(f[1] <= boundNs, "worst time to safepoint with faults " + f[1] / 1e6 + " ms, without "
                + c[1] / 1e6 + " ms (bound " + boundNs / 1e6 + " ms)");
    }
}
