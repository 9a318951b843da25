package dev.uvswap;

import dev.uvswap.internal.ctx.NativeContext;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Faults served on the faulting thread, in uvswap's SIGBUS handler chained in front of the
 * JVM's: every backend round trips byte for byte, a whole extent comes back as one huge page,
 * other SIGBUS still reach the JVM, and a replaced handler is put back.
 */
class InThreadFaultTest {
    private static final long PAGES = 2048;

    @TempDir
    Path dir;

    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Compressor.class)
    void everyBackendRoundTripsOnTheFaultingThread(Compressor codec) {
        try (VSwap vswap = VSwap.builder().compressor(codec).build();
             Region r = vswap.allocate(PAGES * 4096, RegionOption.SMALL_PAGES, RegionOption.FAULTS_IN_THREAD)) {
            assertEquals(FaultMode.IN_THREAD, r.faultMode());
            PageData.fillMixed(r, PAGES, 31);
            assertEquals(PAGES, r.pageOut(0, r.size()));
            assertEquals(0, r.residentBytes());
            PageData.assertMixed(r, PAGES, 31);
            // Parked pages come back from the swap cache with a move.
            assertEquals(PAGES, r.park(0, r.size()));
            PageData.assertMixed(r, PAGES, 31);
            VSwapStats s = vswap.stats();
            assertEquals(2 * PAGES, s.pswpin(), s::toString);
            assertEquals(PAGES, s.cacheHits(), s::toString);
            assertTrue(s.faults(FaultKind.ZSWAP) + s.faults(FaultKind.ZERO) > 0, s::toString);
            assertTrue(s.faults(FaultKind.CACHE) > 0, s::toString);
            assertEquals(0, s.faultErrors(), s::toString);
            assertEquals(0, s.slotsInUse(), "every consumed slot freed: the in-thread rings were drained");
            assertTrue(NativeContext.signalHandlerState().installed());
        }
    }

    @Test
    void aWholeExtentComesBackAsOneHugePageInThread() {
        try (VSwap vswap = VSwap.builder().build();
             Region r = vswap.allocate(4L << 20, RegionOption.FAULTS_IN_THREAD)) {
            PageData.fillMixed(r, 1024, 32);
            assertEquals(2, vswap.stats().thpFirstTouch(), "first touch of each extent: one huge page");
            assertEquals(1024, r.pageOut(0, r.size()));
            PageData.assertMixed(r, 1024, 32);
            assertEquals(2, vswap.stats().thpSwpin());
        }
    }

    @Test
    void swapFilePagesComeBackInThread() {
        try (VSwap vswap = VSwap.builder().poolMaxBytes(1 << 16).temporarySwapFile(dir, 64L << 20).build();
             Region r = vswap.allocate(PAGES * 4096, RegionOption.SMALL_PAGES, RegionOption.FAULTS_IN_THREAD)) {
            PageData.fillMixed(r, PAGES, 33);
            assertEquals(PAGES, r.pageOut(0, r.size()));
            assertTrue(vswap.stats().swpoutFile() > 0);
            PageData.assertMixed(r, PAGES, 33);
            assertTrue(vswap.stats().faults(FaultKind.FILE) > 0);
        }
    }

    @Test
    void aSigbusOutsideUvswapStillReachesTheJvm() throws IOException {
        try (VSwap vswap = VSwap.builder().build();
             Region r = vswap.allocate(1 << 21, RegionOption.FAULTS_IN_THREAD)) {
            r.segment().set(ValueLayout.JAVA_LONG, 0, 1);   // the handler is installed now
            assertInstanceOf(InternalError.class, truncatedMappedFileRead(dir.resolve("truncated")),
                    "HotSpot's own answer to a SIGBUS in a mapped-file access");
            assertTrue(NativeContext.signalHandlerState().forwarded() > 0);
            assertEquals(1, r.segment().get(ValueLayout.JAVA_LONG, 0));
        }
    }

    /**
     * An application's sun.misc.Signal.handle("BUS") replaces uvswap's handler; the watchdog puts
     * it back, and faults are served again. In a child JVM: the replacement must not outlive it.
     */
    @Test
    void aReplacedHandlerIsPutBack() throws Exception {
        String out = child("replaced", Map.of());
        assertTrue(out.contains("OK replaced"), out);
    }

    /** libjsig interposes sigaction; uvswap installs through libc's own and checks with the kernel. */
    @Test
    void libjsigCannotSwallowTheHandler() throws Exception {
        Path jsig = Path.of(System.getProperty("java.home"), "lib", "libjsig.so");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(jsig), "this JDK has no " + jsig);
        String out = child("libjsig", Map.of("LD_PRELOAD", jsig.toString()));
        assertTrue(out.contains("OK libjsig"), out);
    }

    private static String child(String scenario, Map<String, String> env) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), SignalHandlerMain.class.getName(), scenario)
                .redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes());
        if (!done) {
            p.destroyForcibly();
            fail("child JVM (" + scenario + ") did not finish in 120 s:\n" + out);
        }
        assertEquals(0, p.exitValue(), () -> "child JVM (" + scenario + ") failed:\n" + out);
        System.out.println("child " + scenario + ": " + out.strip());
        return out;
    }

    /** What a read past the end of a truncated mapped file throws (HotSpot turns its SIGBUS into InternalError). */
    private static Throwable truncatedMappedFileRead(Path file) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(1 << 16);
            MappedByteBuffer map = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, 1 << 16);
            raf.setLength(0);   // the mapping now reaches past the end of the file: SIGBUS
            return assertThrows(Throwable.class, () -> map.get(1 << 15));
        }
    }

    @Test
    void kernelIoIntoAnInThreadRegionNeedsItsPagesPresent() throws Exception {
        try (VSwap vswap = VSwap.builder().build();
             Region in = vswap.allocate(1 << 21, RegionOption.SMALL_PAGES, RegionOption.FAULTS_IN_THREAD);
             Region servers = vswap.allocate(1 << 21, RegionOption.SMALL_PAGES, RegionOption.FAULTS_ON_SERVERS)) {
            assertEquals(FaultMode.SERVER_THREADS, servers.faultMode());
            for (Region r : new Region[] {in, servers}) {
                r.segment().fill((byte) 7);
                r.pageOut(0, r.size());
            }
            // A write to a pipe from a swapped-out in-thread buffer: the kernel's copy cannot be served.
            Pipe pipe = Pipe.open();
            ByteBuffer src = in.segment().asSlice(0, 4096).asByteBuffer();
            IOException refused = assertThrows(IOException.class, () -> pipe.sink().write(src));
            assertTrue(refused.getMessage().contains("Bad address"), refused.getMessage());
            // After prefault the same write works; a server-mode region needs nothing.
            in.prefault(0, 4096);
            assertEquals(4096, pipe.sink().write(in.segment().asSlice(0, 4096).asByteBuffer()));
            if (vswap.kernelFaultsHandled()) {
                assertEquals(4096, pipe.sink().write(servers.segment().asSlice(0, 4096).asByteBuffer()));
            }
            pipe.sink().close();
            ByteBuffer got = ByteBuffer.allocate(8192);
            while (pipe.source().read(got) > 0) {
                // drain
            }
            for (int i = 0; i < got.position(); i++) {
                assertEquals(7, got.get(i));
            }
        }
    }
}
