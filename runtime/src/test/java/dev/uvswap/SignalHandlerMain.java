package dev.uvswap;

import dev.uvswap.internal.ctx.NativeContext;

import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A child JVM for {@link InThreadFaultTest}: what happens to uvswap's SIGBUS handler when an
 * application replaces it, or when libjsig interposes sigaction, must not leak into the test
 * JVM. Prints one line and exits 0 when every check held, else prints why and exits 1.
 */
public final class SignalHandlerMain {
    private static final long PAGES = 1024;

    public static void main(String[] args) throws Exception {
        try (VSwap vswap = VSwap.builder().build();
             Region r = vswap.allocate(PAGES * 4096, RegionOption.SMALL_PAGES, RegionOption.FAULTS_IN_THREAD)) {
            fillAndPageOut(r, 1);
            check(NativeContext.signalHandlerState().installed(), "uvswap's handler is the kernel's after the first in-thread region");
            check(isInternalError(truncatedMappedFileRead()), "a SIGBUS outside uvswap reaches the JVM: InternalError");
            verify(r, 1);
            switch (args[0]) {
                case "replaced" -> replaced(r);
                case "libjsig" -> check(System.getenv("LD_PRELOAD") != null, "runs under LD_PRELOAD");
                default -> throw new IllegalArgumentException(args[0]);
            }
            var s = NativeContext.signalHandlerState();
            System.out.println("OK " + args[0] + ": " + s + ", faults " + vswap.stats().faults());
        } catch (Throwable t) {
            System.out.println("FAILED: " + t);
            t.printStackTrace(System.out);
            System.exit(1);
        }
        System.exit(0);
    }

    /**
     * sun.misc.Signal.handle("BUS") replaces uvswap's handler; the watchdog must put it back in
     * front of the application's, and faults are served again. (From then on every other SIGBUS
     * goes to the application's Java-level handler, which cannot answer a synchronous one: that
     * is the application's choice, with or without uvswap.)
     */
    @SuppressWarnings("removal")
    private static void replaced(Region r) {
        fillAndPageOut(r, 2);
        long before = NativeContext.signalHandlerState().reinstalls();
        sun.misc.Signal.handle(new sun.misc.Signal("BUS"), sig -> { });
        check(!NativeContext.signalHandlerState().installed(), "the application's handler replaced uvswap's");
        verify(r, 2);   // spins in the application's handler until the watchdog reinstalls uvswap's
        check(NativeContext.signalHandlerState().installed(), "uvswap's handler is back");
        check(NativeContext.signalHandlerState().reinstalls() > before, "the watchdog reinstalled it");
        fillAndPageOut(r, 3);
        verify(r, 3);
    }

    private static void fillAndPageOut(Region r, long seed) {
        for (long p = 0; p < PAGES; p++) {
            PageData.RANDOM.fill(r.segment(), p, seed);
        }
        check(r.pageOut(0, r.size()) == PAGES, "every page left");
    }

    private static void verify(Region r, long seed) {
        MemorySegment seg = r.segment();
        for (long p = 0; p < PAGES; p++) {
            check(PageData.RANDOM.check(seg, p, seed) == -1, "page " + p + " came back exactly");
        }
    }

    private static boolean isInternalError(Throwable t) {
        return t instanceof InternalError;
    }

    /** A read past the end of a truncated mapped file (HotSpot turns its SIGBUS into InternalError). */
    private static Throwable truncatedMappedFileRead() throws Exception {
        Path file = Files.createTempFile("uvswap-truncated", ".bin");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(1 << 16);
            MappedByteBuffer map = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, 1 << 16);
            raf.setLength(0);
            try {
                map.get(1 << 15);
                return null;
            } catch (Throwable t) {
                return t;
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError("not true: " + what);
        }
    }
}
