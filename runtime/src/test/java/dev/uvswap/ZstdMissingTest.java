package dev.uvswap;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Without the system's libzstd.so.1, choosing ZSTD says what to install or choose instead, and LZ4
 * still works. The library is hidden from a child JVM for real: in a private mount namespace
 * (unshare -m), /dev/null is bind-mounted over it, so dlopen fails as if it were absent.
 */
class ZstdMissingTest {
    @Test
    void missingLibzstdNamesThePackageAndTheAlternative() throws Exception {
        Platform.assumeSupported();
        assumeTrue(Platform.isRoot(), "needs root to bind-mount over libzstd.so.1 in a private mount namespace");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/unshare")), "needs /usr/bin/unshare (util-linux)");
        Path lib = null;
        for (String dir : new String[] {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
                "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"}) {
            Path p = Path.of(dir, "libzstd.so.1");
            if (Files.exists(p)) {
                lib = p.toRealPath();
                break;
            }
        }
        assumeTrue(lib != null, "no libzstd.so.1 found to hide (then the real case is already this machine's)");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder("/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c",
                "mount --bind /dev/null \"$0\" && exec \"$@\"", lib.toString(),
                java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                CodecMissingMain.class.getName()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child finished");
        String out = new String(p.getInputStream().readAllBytes());
        System.out.println("without libzstd.so.1: " + out.strip().replace("\n", " | "));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("zstd codec unavailable: libzstd.so.1"), out);
        assertTrue(out.contains("install libzstd1 (Debian/Ubuntu: apt-get install libzstd1), or use Compressor.LZ4"), out);
        assertTrue(out.contains("lz4: 512 pages out and back"), out);
    }
}
