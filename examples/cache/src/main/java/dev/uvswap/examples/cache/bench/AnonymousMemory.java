package dev.uvswap.examples.cache.bench;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Plain anonymous memory from mmap, the kernel's own: what the cache runs on without uvswap, so
 * that the kernel's swap (zram) is what moves its pages. Mapped as uvswap maps a small-page
 * region (MAP_NORESERVE, MADV_NOHUGEPAGE), so both sides page the same 4 KiB at a time.
 */
final class AnonymousMemory implements AutoCloseable {
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MAP_NORESERVE = 0x4000;
    private static final int MADV_NOHUGEPAGE = 15;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MMAP = LINKER.downcallHandle(LINKER.defaultLookup().find("mmap").orElseThrow(),
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MADVISE = LINKER.downcallHandle(LINKER.defaultLookup().find("madvise").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MUNMAP = LINKER.downcallHandle(LINKER.defaultLookup().find("munmap").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));

    private final MemorySegment segment;

    private AnonymousMemory(MemorySegment segment) {
        this.segment = segment;
    }

    static AnonymousMemory map(long bytes) {
        try {
            MemorySegment addr = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, bytes, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
            if (addr.address() == -1L) {
                throw new IllegalStateException("mmap of " + bytes + " bytes failed");
            }
            MemorySegment seg = addr.reinterpret(bytes);
            if ((int) MADVISE.invokeExact(seg, bytes, MADV_NOHUGEPAGE) != 0) {
                throw new IllegalStateException("madvise(MADV_NOHUGEPAGE) failed");
            }
            return new AnonymousMemory(seg);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    MemorySegment segment() {
        return segment;
    }

    @Override
    public void close() {
        try {
            int rc = (int) MUNMAP.invokeExact(segment, segment.byteSize());
            if (rc != 0) {
                throw new IllegalStateException("munmap failed");
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
