package dev.uvswap.bindings;

import dev.uvswap.bindings.uvswap.UvswapInline;
import dev.uvswap.bindings.uvswap.UvswapLibrary;
import dev.uvswap.bindings.uvswap.uvs_config;
import dev.uvswap.bindings.uvswap.uvs_server_stats;
import dev.uvswap.bindings.uvswap.uvswap_h;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * libuvswap from the uvswap-native jar, through UvswapLibrary and NativeLibraryLoader: it loads, jextract's
 * uvswap_h finds its functions, and it speaks this contract.
 * No skip: the native jar is a dependency, so a library that does not load is a failure.
 */
class UvswapLibraryTest {

    @BeforeAll
    static void load() {
        UvswapLibrary.require();
    }

    @Test
    void abiVersionMatchesTheHeader() {
        assertEquals(uvswap_h.UVS_ABI_VERSION(), uvswap_h.uvs_abi_version(),
                "libuvswap implements another uvswap.h contract than the bindings ("
                        + NativeLibraryLoader.loadedFrom("uvswap").orElse("?") + ")");
        assertTrue(NativeLibraryLoader.loadedFrom("uvswap").isPresent());
    }

    @Test
    void histogramFloorsCrossThirtyTwoBits() {
        // uint32_t in, uint64_t out: bucket floors rise and the last ones need more than 32 bits.
        assertEquals(0L, uvswap_h.uvs_hist_bucket_floor(0));
        long prev = -1;
        for (int i = 0; i < uvswap_h.UVS_HIST_BUCKETS(); i++) {
            long f = uvswap_h.uvs_hist_bucket_floor(i);
            assertTrue(f > prev, "bucket " + i + " floor " + f + " after " + prev);
            prev = f;
        }
        assertTrue(prev > 0xFFFF_FFFFL, "last bucket floor " + prev);
    }

    /** In a fresh JVM: constants, layouts and the inline twins do not load libuvswap; UvswapLibrary.require() does. */
    @Test
    void theLibraryLoadsOnRequireNotWithTheClasses() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        LayoutTest.Run r = LayoutTest.run(List.of(java, "--enable-native-access=ALL-UNNAMED", "--illegal-native-access=deny",
                "-cp", System.getProperty("java.class.path"), Probe.class.getName()));
        assertEquals(0, r.status(), r.output());
        assertEquals("before=false after=true", r.output().strip());
    }

    /**
     * In fresh JVMs: a library that is not there, that does not open, or that lacks uvswap_h's functions
     * is an UnsatisfiedLinkError that says so, the same on a second call.
     */
    @Test
    void aLibraryThatDoesNotLoadOrDoesNotMatchIsAClearError(@TempDir Path dir) throws Exception {
        Optional<Path> gcc = LayoutTest.onPath("gcc");
        Assumptions.assumeTrue(gcc.isPresent(), "gcc not found on PATH: cannot build the test libraries");
        Path stale = dir.resolve("libstale.so");
        LayoutTest.Run cc = LayoutTest.run(List.of(gcc.get().toString(), "-shared", "-fPIC", "-o", stale.toString(),
                Files.writeString(dir.resolve("s.c"), "long uvs_abi_version(void) { return 1; }\n").toString()));
        assertEquals(0, cc.status(), cc.output());
        Path broken = dir.resolve("libbroken.so");
        cc = LayoutTest.run(List.of(gcc.get().toString(), "-shared", "-fPIC", "-o", broken.toString(),
                Files.writeString(dir.resolve("b.c"), "extern int uvswaptest_nowhere;\nint f(void) { return uvswaptest_nowhere; }\n").toString()));
        assertEquals(0, cc.status(), cc.output());

        String missing = failure(dir.resolve("nothing-here.so"));
        assertTrue(missing.contains("does not name a file") && missing.contains("nothing-here.so"), missing);
        String notOpened = failure(broken);
        assertTrue(notOpened.contains("could not be opened") && notOpened.contains("uvswaptest_nowhere"), notOpened);
        String mismatch = failure(stale);
        assertTrue(mismatch.contains("unresolved symbols: ") && mismatch.contains("uvs_create")
                && !mismatch.contains("uvs_abi_version") && mismatch.contains("another version of uvswap.h"), mismatch);
    }

    /** What UnsatisfiedLinkError UvswapLibrary.require() throws with -Duvswap.library.path=library (twice the same). */
    private static String failure(Path library) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        LayoutTest.Run r = LayoutTest.run(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Duvswap.library.path=" + library,
                "-cp", System.getProperty("java.class.path"), FailureProbe.class.getName()));
        assertEquals(0, r.status(), r.output());
        String[] lines = r.output().strip().split("\n");
        assertEquals(2, lines.length, r.output());
        assertEquals(lines[0].strip(), lines[1].strip(), "the second call reports the first failure");
        return lines[0].strip();
    }

    public static final class FailureProbe {
        public static void main(String[] args) {
            for (int i = 0; i < 2; i++) {
                try {
                    UvswapLibrary.require();
                    System.out.println("loaded");
                } catch (UnsatisfiedLinkError e) {
                    System.out.println(e.getMessage().replace('\n', ' '));
                }
            }
        }
    }

    public static final class Probe {
        public static void main(String[] args) {
            long touch = uvswap_h.UVS_PAGE_SIZE() + uvs_config.sizeof() + uvs_server_stats.hist$offset()
                    + UvswapInline.uvs_desc_make(1, 2);
            boolean before = NativeLibraryLoader.loadedFrom("uvswap").isPresent();
            UvswapLibrary.require();
            boolean after = NativeLibraryLoader.loadedFrom("uvswap").isPresent()
                    && uvswap_h.uvs_abi_version() == uvswap_h.UVS_ABI_VERSION();
            System.out.println("before=" + before + " after=" + after + (touch == 0 ? "!" : ""));
        }
    }
}
