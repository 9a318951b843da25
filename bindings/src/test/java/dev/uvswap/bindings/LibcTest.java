package dev.uvswap.bindings;

import dev.uvswap.bindings.libc.Errno;
import dev.uvswap.bindings.libc.iovec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.uvswap.bindings.libc.libc_h.*;
import static dev.uvswap.bindings.libc.Syscalls.mmap;
import static dev.uvswap.bindings.libc.Syscalls.mapFailed;
import static dev.uvswap.bindings.libc.Syscalls.mincore;
import static dev.uvswap.bindings.libc.Syscalls.madvise;
import static dev.uvswap.bindings.libc.Syscalls.munmap;
import static dev.uvswap.bindings.libc.Syscalls.open;
import static dev.uvswap.bindings.libc.Syscalls.close;
import static dev.uvswap.bindings.libc.Syscalls.read;
import static dev.uvswap.bindings.libc.Syscalls.pread;
import static dev.uvswap.bindings.libc.Syscalls.pwrite;
import static dev.uvswap.bindings.libc.Syscalls.preadv;
import static dev.uvswap.bindings.libc.Syscalls.pwritev;
import static dev.uvswap.bindings.libc.Syscalls.posix_fadvise;
import static dev.uvswap.bindings.libc.Syscalls.fallocate;
import static dev.uvswap.bindings.libc.Syscalls.ftruncate;
import static dev.uvswap.bindings.libc.Syscalls.fdatasync;
import static dev.uvswap.bindings.libc.Syscalls.ioctl;
import static dev.uvswap.bindings.libc.Syscalls.sysconf;
import static dev.uvswap.bindings.libc.Syscalls.O_NOFOLLOW;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * libc calls for real: jextract's libc_h descriptors, and Syscalls' variadic specializations and errno
 * capture, work.  (Syscalls' names shadow libc_h's: these calls are the capturing ones.)
 */
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
    void vectoredAndSpaceCalls(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("swap");
        Path link = dir.resolve("link");
        Files.createSymbolicLink(link, file);
        try (Arena arena = Arena.ofConfined()) {
            int fd = open(arena.allocateFrom(file.toString()), O_RDWR() | O_CREAT() | O_EXCL() | O_NOFOLLOW() | O_CLOEXEC(), 0600);
            assertTrue(fd >= 0, () -> "open: " + Errno.describe(Errno.last()));
            assertEquals(-1, open(arena.allocateFrom(link.toString()), O_RDWR() | O_NOFOLLOW() | O_CLOEXEC(), 0));
            assertEquals("ELOOP", Errno.name(Errno.last()), () -> "O_NOFOLLOW on a symlink: " + Errno.describe(Errno.last()));
            try {
                assertEquals(0, ftruncate(fd, 4 * 4096), () -> "ftruncate: " + Errno.describe(Errno.last()));
                assertEquals(4 * 4096, Files.size(file));

                // Two buffers, one call: 3 bytes then 4096, written at offset 4096.
                MemorySegment a = arena.allocate(3);
                a.fill((byte) 0x11);
                MemorySegment b = arena.allocate(4096);
                b.fill((byte) 0x22);
                MemorySegment iov = iovec.allocateArray(2, arena);
                iovec.iov_base(iovec.asSlice(iov, 0), a);
                iovec.iov_len(iovec.asSlice(iov, 0), a.byteSize());
                iovec.iov_base(iovec.asSlice(iov, 1), b);
                iovec.iov_len(iovec.asSlice(iov, 1), b.byteSize());
                assertEquals(4099, pwritev(fd, iov, 2, 4096), () -> "pwritev: " + Errno.describe(Errno.last()));
                assertEquals(0, fdatasync(fd), () -> "fdatasync: " + Errno.describe(Errno.last()));

                MemorySegment c = arena.allocate(4099);
                iovec.iov_base(iov, c);
                iovec.iov_len(iov, c.byteSize());
                assertEquals(4099, preadv(fd, iov, 1, 4096), () -> "preadv: " + Errno.describe(Errno.last()));
                assertEquals(-1, c.asSlice(0, 3).mismatch(a));
                assertEquals(-1, c.asSlice(3).mismatch(b));

                assertEquals(-1, pwritev(fd, iov, IOV_MAX() + 1, 0), "more than IOV_MAX entries");
                assertEquals(EINVAL(), Errno.last(), () -> Errno.describe(Errno.last()));
                assertEquals(-1, ftruncate(-1, 0));
                assertEquals(EBADF(), Errno.last());

                int rc = fallocate(fd, FALLOC_FL_PUNCH_HOLE() | FALLOC_FL_KEEP_SIZE(), 4096, 4096);
                if (rc != 0) {
                    assertEquals(EOPNOTSUPP(), Errno.last(), () -> "fallocate: " + Errno.describe(Errno.last()));
                } else {
                    assertEquals(4 * 4096, Files.size(file), "KEEP_SIZE");
                    assertEquals(4099, pread(fd, c, 4099, 4096));
                    assertEquals(0, c.get(JAVA_BYTE, 0), "the punched page reads back zero");
                    assertEquals(0x22, c.get(JAVA_BYTE, 4098), "the next page is untouched");
                }
                assertEquals(-1, fallocate(fd, FALLOC_FL_PUNCH_HOLE(), 0, 4096), "PUNCH_HOLE needs KEEP_SIZE");
                assertTrue(Errno.last() == EINVAL() || Errno.last() == EOPNOTSUPP(), () -> Errno.describe(Errno.last()));
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
