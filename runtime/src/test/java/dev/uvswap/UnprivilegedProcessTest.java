package dev.uvswap;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The fallback a real unprivileged user gets: without /dev/userfaultfd access and with
 * vm.unprivileged_userfaultfd=0, only a user-mode-only userfaultfd. Runs a child JVM as
 * "nobody" (setpriv) on a copy of the class path it can read.
 */
class UnprivilegedProcessTest {
    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    @Test
    void anUnprivilegedProcessFallsBackToUserModeOnly() throws Exception {
        assumeTrue(Platform.isRoot(), "needs root to start a child process as an unprivileged user");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs /usr/bin/setpriv (util-linux) to drop privileges");
        String sysctl = Files.readString(Path.of("/proc/sys/vm/unprivileged_userfaultfd")).strip();
        Path dir = Files.createTempDirectory("uvswap-unpriv");
        try {
            List<String> cp = new ArrayList<>();
            int i = 0;
            for (String entry : classPath()) {
                Path src = Path.of(entry);
                Path dst = dir.resolve((i++) + "-" + src.getFileName());
                if (Files.isDirectory(src)) {
                    copyTree(src, dst);
                } else {
                    Files.copy(src, dst);
                }
                cp.add(dst.toString());
            }
            openUp(dir);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder("/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                    "--inh-caps=-all", java, "--enable-native-access=ALL-UNNAMED", "-Djava.io.tmpdir=" + dir,
                    "-cp", String.join(":", cp), UnprivilegedMain.class.getName(), dir.toString())
                    .redirectErrorStream(true).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child finished");
            String out = new String(p.getInputStream().readAllBytes());
            System.out.println("unprivileged child (vm.unprivileged_userfaultfd=" + sysctl + "): " + out.strip().replace('\n', ' '));
            assertEquals(0, p.exitValue(), out);
            if (sysctl.equals("0")) {
                assertTrue(out.contains("kernelFaultsHandled=false"), out);
            }
            assertTrue(out.contains("swapped out and back: 512"), out);
            assertFalse(out.contains("through the file: 0"), "pages went through the swap file too: " + out);
            assertTrue(out.contains("at max: every page back"), "a group at its max, its faults reclaiming: " + out);
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** Surefire runs tests from a manifest-only jar: expand its Class-Path. */
    private static List<String> classPath() throws IOException {
        List<String> out = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(":")) {
            Path p = Path.of(e);
            if (e.endsWith(".jar") && p.getFileName().toString().startsWith("surefirebooter")) {
                try (var jar = new java.util.jar.JarFile(p.toFile())) {
                    String cp = jar.getManifest().getMainAttributes().getValue("Class-Path");
                    for (String u : cp.split(" ")) {
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

    private static void copyTree(Path src, Path dst) throws IOException {
        try (Stream<Path> s = Files.walk(src)) {
            for (Path f : (Iterable<Path>) s::iterator) {
                Path t = dst.resolve(src.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(f, t);
                }
            }
        }
    }

    private static void openUp(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) s::iterator) {
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(Files.isDirectory(f) ? "rwxrwxrwx" : "rw-r--r--"));
            }
        }
    }
}
