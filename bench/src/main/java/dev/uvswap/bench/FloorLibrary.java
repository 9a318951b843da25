package dev.uvswap.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * libuvsfloor.so (bench/native/uffd_floor.c), the raw userfaultfd round trip: extracted from the
 * bench jar once per JVM and bound with the FFM linker.
 */
final class FloorLibrary {
    /** The ioctl the floor's server answers a fault with (uffd_floor.c's enum floor_ioctl). */
    enum Ioctl { ZEROPAGE, COPY, MOVE, KERNEL }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = SymbolLookup.libraryLookup(extract(), Arena.global());
    private static final MethodHandle OPEN = bind("floor_open", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle BASE = bind("floor_base", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
    private static final MethodHandle RESET = bind("floor_reset", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
    private static final MethodHandle SERVED = bind("floor_served", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
    private static final MethodHandle CLOSE = bind("floor_close", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));

    private FloorLibrary() {
    }

    private static Path extract() {
        try (InputStream in = FloorLibrary.class.getResourceAsStream("/native/libuvsfloor.so")) {
            if (in == null) {
                throw new IllegalStateException("native/libuvsfloor.so is not in the bench jar: build it with ./uvs bench");
            }
            Path lib = Files.createTempFile("libuvsfloor", ".so");
            Files.copy(in, lib, StandardCopyOption.REPLACE_EXISTING);
            lib.toFile().deleteOnExit();
            return lib;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static MethodHandle bind(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LOOKUP.findOrThrow(name), fd);
    }

    /** A registered region of {@code pages} small pages whose faults {@code servers} minimal C servers answer with {@code ioctl}. */
    record Floor(MemorySegment handle, MemorySegment region) implements AutoCloseable {
        static Floor open(Ioctl ioctl, long pages, int servers) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
                long r = (long) OPEN.invokeExact(ioctl.ordinal(), pages, servers, out);
                if (r != 0) {
                    throw new IllegalStateException("floor_open(" + ioctl + "): errno " + -r
                            + " (userfaultfd" + (ioctl == Ioctl.MOVE ? " with UFFD_FEATURE_MOVE" : "") + " unavailable?)");
                }
                MemorySegment h = out.get(ValueLayout.ADDRESS, 0);
                long base = (long) BASE.invokeExact(h);
                return new Floor(h, MemorySegment.ofAddress(base).reinterpret(pages * 4096));
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        /** Empties the region again (and repopulates MOVE's source pages). */
        void reset() {
            check("floor_reset", call(RESET));
        }

        /** Faults served so far; fails if the server's ioctl ever failed. */
        long served() {
            return check("floor_served (a fault's ioctl failed)", call(SERVED));
        }

        @Override
        public void close() {
            call(CLOSE);
        }

        private long call(MethodHandle mh) {
            try {
                return (long) mh.invokeExact(handle);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        private static long check(String what, long r) {
            if (r < 0) {
                throw new IllegalStateException(what + ": " + -r);
            }
            return r;
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException re) {
            return re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
