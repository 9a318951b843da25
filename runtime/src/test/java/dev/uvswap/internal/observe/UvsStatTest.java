package dev.uvswap.internal.observe;

import dev.uvswap.Platform;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** {@code ./uvs stat PID} against another JVM running a VSwap: its stats and groups, read through JMX. */
class UvsStatTest {

    @Test
    void statShowsAnotherJvmsVSwapAndGroups() throws Exception {
        Platform.assumeSupported();
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(javaBin, "--enable-native-access=ALL-UNNAMED", "-Xmx128m",
                "-cp", String.join(":", classPath()), StatTargetMain.class.getName())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String ready = in.readLine();
            assertNotNull(ready, "the target JVM started");
            assertTrue(ready.startsWith("ready "), ready);
            String pid = ready.split(" ")[1];
            long pswpout = Long.parseLong(ready.split("pswpout=")[1]);

            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            assertEquals(0, UvsStat.run(pid, 0, new PrintStream(buf, true, StandardCharsets.UTF_8)));
            String out = buf.toString(StandardCharsets.UTF_8);
            assertTrue(out.contains("== VSwap stat-target (JVM " + pid + ")"), out);
            assertTrue(out.contains("swap out       " + String.format(java.util.Locale.ROOT, "%,d", pswpout) + " pages"), out);
            assertTrue(out.lines().anyMatch(l -> l.contains(" cache ") && l.contains("64.0 MiB") && l.endsWith("ok")), out);
        } finally {
            p.getOutputStream().close();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        assertEquals(0, p.exitValue(), "the target closed its VSwap cleanly");
    }

    /** Surefire runs tests from a manifest-only jar: expand its Class-Path. */
    private static List<String> classPath() throws Exception {
        List<String> out = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(":")) {
            Path p = Path.of(e);
            if (e.endsWith(".jar") && p.getFileName().toString().startsWith("surefirebooter")) {
                try (var jar = new java.util.jar.JarFile(p.toFile())) {
                    for (String u : jar.getManifest().getMainAttributes().getValue("Class-Path").split(" ")) {
                        if (!u.isBlank()) {
                            out.add(Path.of(java.net.URI.create(u)).toString());
                        }
                    }
                }
            } else {
                out.add(e);
            }
        }
        return out;
    }
}
