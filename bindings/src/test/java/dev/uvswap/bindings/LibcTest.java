package dev.uvswap.bindings;

import dev.uvswap.bindings.libc.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.uvswap.bindings.libc.libc_h.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** libc_h calls for real: the descriptors, variadic specializations and errno capture work. */
class LibcTest {

    @Test
    void anonymousPageRoundTrip() {
        long page = sysconf(_SC_PAGESIZE());
        assertTrue(page >= 4096 && Long.bitCount(page) == 1, "page size " + page);
        MemorySegment p = mmap(MemorySegment.NULL, page, PROT_READ() | PROT_WRITE(), MAP_PRIVATE() | MAP_ANONYMOUS(), -1, 0);
        assertFalse(mapFailed(p), () -> "mmap: " + Errno.describe(Errno.last()));
        MemorySegment seg = p.reinterpret(page);
        try (Arena arena = Arena.ofConfined()) {
            seg.set(JAVA_LONG, 8, 0x1122334455667788L);
            assertEquals(0x1122334455667788L, seg.get(JAVA_LONG, 8));

            MemorySegment vec = arena.allocate(1);
            assertEquals(0, mincore(p, page, vec), () -> "mincore: " + Errno.describe(Errno.last()));
            assertEquals(1, vec.get(JAVA_BYTE, 0) & 1, "mincore: a written page is resident");

            // Private anonymous memory reads back zero after MADV_DONTNEED.
            assertEquals(0, madvise(p, page, MADV_DONTNEED()), () -> "madvise: " + Errno.describe(Errno.last()));
            assertEquals(0L, seg.get(JAVA_LONG, 8));
        } finally {
            assertEquals(0, munmap(p, page), () -> "munmap: " + Errno.describe(Errno.last()));
        }
    }

    @Test
    void failuresReportErrno() {
        MemorySegment p = mmap(MemorySegment.NULL, 0, PROT_READ(), MAP_PRIVATE() | MAP_ANONYMOUS(), -1, 0);
        assertTrue(mapFailed(p), "mmap of 0 bytes must fail");
        assertEquals(EINVAL(), Errno.last(), () -> Errno.describe(Errno.last()));

        try (Arena arena = Arena.ofConfined()) {
            int fd = open(arena.allocateFrom("/nonexistent-uvswap-dir/no-such-file"), O_RDONLY() | O_CLOEXEC(), 0);
            assertEquals(-1, fd);
            assertEquals(ENOENT(), Errno.last(), () -> Errno.describe(Errno.last()));
        }
        assertEquals("ENOENT (No such file or directory)", Errno.describe(ENOENT()));
        assertEquals("EAGAIN (Resource temporarily unavailable)", Errno.describe(EAGAIN()));

        assertEquals(-1, close(-1));
        assertEquals(EBADF(), Errno.last());
    }

    @Test
    void errnoIsPerThread() throws InterruptedException {
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(-1, open(arena.allocateFrom("/nonexistent-uvswap-dir/x"), O_RDONLY(), 0));
        }
        AtomicInteger other = new AtomicInteger();
        Thread t = new Thread(() -> {
            close(-1);
            other.set(Errno.last());
        });
        t.start();
        t.join();
        assertEquals(EBADF(), other.get());
        assertEquals(ENOENT(), Errno.last(), "another thread's failure must not change this thread's errno");
    }

    @Test
    void fileCalls(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("data");
        try (Arena arena = Arena.ofConfined()) {
            int fd = open(arena.allocateFrom(file.toString()), O_RDWR() | O_CREAT() | O_EXCL() | O_TRUNC() | O_CLOEXEC(), 0600);
            assertTrue(fd >= 0, () -> "open: " + Errno.describe(Errno.last()));
            assertEquals(-1, open(arena.allocateFrom(file.toString()), O_RDWR() | O_CREAT() | O_EXCL(), 0600));
            assertEquals(EEXIST(), Errno.last());
            try {
                MemorySegment out = arena.allocate(4096);
                out.fill((byte) 0x5A);
                assertEquals(4096, pwrite(fd, out, 4096, 4096), () -> "pwrite: " + Errno.describe(Errno.last()));
                assertEquals(8192, Files.size(file));

                MemorySegment in = arena.allocate(4096);
                assertEquals(4096, pread(fd, in, 4096, 4096));
                assertEquals(-1, in.mismatch(out));
                assertEquals(4096, read(fd, in, 4096), "read from offset 0: the hole");
                assertEquals(0, in.get(JAVA_BYTE, 17));

                assertEquals(0, posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED()));
                assertEquals(EBADF(), posix_fadvise(-1, 0, 0, POSIX_FADV_DONTNEED()), "returns the error number itself");

                // ioctl (variadic) on a regular file: TCGETS (0x5401 on x86_64 and aarch64) is not for files.
                assertEquals(-1, ioctl(fd, 0x5401, arena.allocate(256)));
                assertEquals(ENOTTY(), Errno.last(), () -> Errno.describe(Errno.last()));
            } finally {
                assertEquals(0, close(fd));
            }
        }
    }

    @Test
    void processFacts() throws Exception {
        assertEquals(((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue(), getuid());
        assertTrue(sysconf(_SC_NPROCESSORS_ONLN()) >= 1);
        assertEquals(-1, sysconf(-12345));
        assertEquals(EINVAL(), Errno.last());
    }
}
