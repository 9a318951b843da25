package dev.uvswap.bindings;

import dev.uvswap.bindings.libc.Errno;
import dev.uvswap.bindings.uffd.uffd_msg;
import dev.uvswap.bindings.uffd.uffdio_api;
import dev.uvswap.bindings.uffd.uffdio_copy;
import dev.uvswap.bindings.uffd.uffdio_move;
import dev.uvswap.bindings.uffd.uffdio_range;
import dev.uvswap.bindings.uffd.uffdio_register;
import dev.uvswap.bindings.uffd.uffdio_zeropage;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.atomic.AtomicReference;

import static dev.uvswap.bindings.libc.libc_h.*;
import static dev.uvswap.bindings.libc.Syscalls.ioctl;
import static dev.uvswap.bindings.libc.Syscalls.close;
import static dev.uvswap.bindings.libc.Syscalls.mmap;
import static dev.uvswap.bindings.libc.Syscalls.mapFailed;
import static dev.uvswap.bindings.libc.Syscalls.munmap;
import static dev.uvswap.bindings.libc.Syscalls.read;
import static dev.uvswap.bindings.libc.Syscalls.syscall;
import static dev.uvswap.bindings.libc.Syscalls.SYS_userfaultfd;
import static dev.uvswap.bindings.uffd.userfaultfd_h.*;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The uffd bindings against the running kernel: API handshake, REGISTER, COPY, ZEROPAGE, MOVE, a real
 * fault message read and resolved, UNREGISTER.  Only pages already populated are touched from Java; the
 * fault is taken inside a native memset (the thread is then in native state, so it cannot hold up a
 * safepoint), and closing the uffd in {@code finally} releases it whatever happens.
 */
@ExtendWith(PrintSkipReasons.class)
class UffdTest {

    static final long PAGE = 4096;

    @Test
    void userfaultfdProtocol() throws Exception {
        long probe = newUffd();
        long supported;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment api = uffdio_api.allocate(arena);
            uffdio_api.api(api, UFFD_API());
            assertEquals(0, ioctl((int) probe, UFFDIO_API(), api), () -> "UFFDIO_API: " + Errno.describe(Errno.last()));
            supported = uffdio_api.features(api);
        } finally {
            close((int) probe);
        }
        boolean move = (supported & UFFD_FEATURE_MOVE()) != 0;
        long wanted = UFFD_FEATURE_THREAD_ID() | (move ? UFFD_FEATURE_MOVE() : 0);

        int uffd = (int) newUffd();
        MemorySegment region = MemorySegment.NULL;
        MemorySegment src = MemorySegment.NULL;
        Thread faulter = null;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment api = uffdio_api.allocate(arena);
            uffdio_api.api(api, UFFD_API());
            uffdio_api.features(api, wanted);
            assertEquals(0, ioctl(uffd, UFFDIO_API(), api), () -> "UFFDIO_API: " + Errno.describe(Errno.last()));
            assertEquals(UFFD_API(), uffdio_api.api(api));
            long ioctls = uffdio_api.ioctls(api);
            for (int bit : new int[] {_UFFDIO_REGISTER(), _UFFDIO_UNREGISTER(), _UFFDIO_API()}) {
                assertTrue((ioctls & (1L << bit)) != 0, "UFFDIO_API ioctls lacks bit " + bit + ": 0x" + Long.toHexString(ioctls));
            }

            region = mmap(MemorySegment.NULL, 4 * PAGE, PROT_READ() | PROT_WRITE(), MAP_PRIVATE() | MAP_ANONYMOUS(), -1, 0);
            assertFalse(mapFailed(region));
            MemorySegment r = region.reinterpret(4 * PAGE);

            MemorySegment reg = uffdio_register.allocate(arena);
            uffdio_range.start(uffdio_register.range(reg), r.address());
            uffdio_range.len(uffdio_register.range(reg), 4 * PAGE);
            uffdio_register.mode(reg, UFFDIO_REGISTER_MODE_MISSING());
            assertEquals(0, ioctl(uffd, UFFDIO_REGISTER(), reg), () -> "UFFDIO_REGISTER: " + Errno.describe(Errno.last()));
            long rangeIoctls = uffdio_register.ioctls(reg);
            for (int bit : new int[] {_UFFDIO_WAKE(), _UFFDIO_COPY(), _UFFDIO_ZEROPAGE()}) {
                assertTrue((rangeIoctls & (1L << bit)) != 0, "UFFDIO_REGISTER ioctls lacks bit " + bit);
            }
            assertEquals(move, (rangeIoctls & (1L << _UFFDIO_MOVE())) != 0, "UFFDIO_MOVE offered iff FEATURE_MOVE");

            // Page 0: UFFDIO_COPY.
            MemorySegment data = arena.allocate(PAGE, PAGE);
            data.fill((byte) 0x5A);
            MemorySegment copy = uffdio_copy.allocate(arena);
            uffdio_copy.dst(copy, r.address());
            uffdio_copy.src(copy, data.address());
            uffdio_copy.len(copy, PAGE);
            uffdio_copy.mode(copy, 0);
            assertEquals(0, ioctl(uffd, UFFDIO_COPY(), copy), () -> "UFFDIO_COPY: " + Errno.describe(Errno.last()));
            assertEquals(PAGE, uffdio_copy.copy(copy));
            assertEquals((byte) 0x5A, r.get(JAVA_BYTE, 100));

            // Page 1: UFFDIO_ZEROPAGE.
            MemorySegment zp = uffdio_zeropage.allocate(arena);
            uffdio_range.start(uffdio_zeropage.range(zp), r.address() + PAGE);
            uffdio_range.len(uffdio_zeropage.range(zp), PAGE);
            assertEquals(0, ioctl(uffd, UFFDIO_ZEROPAGE(), zp), () -> "UFFDIO_ZEROPAGE: " + Errno.describe(Errno.last()));
            assertEquals(PAGE, uffdio_zeropage.zeropage(zp));
            assertEquals(0L, r.get(JAVA_LONG, PAGE + 64));

            // Page 2: UFFDIO_MOVE from a private anonymous page.
            if (move) {
                src = mmap(MemorySegment.NULL, PAGE, PROT_READ() | PROT_WRITE(), MAP_PRIVATE() | MAP_ANONYMOUS(), -1, 0);
                assertFalse(mapFailed(src));
                src.reinterpret(PAGE).fill((byte) 0xA5);
                MemorySegment mv = uffdio_move.allocate(arena);
                uffdio_move.dst(mv, r.address() + 2 * PAGE);
                uffdio_move.src(mv, src.address());
                uffdio_move.len(mv, PAGE);
                uffdio_move.mode(mv, 0);
                assertEquals(0, ioctl(uffd, UFFDIO_MOVE(), mv), () -> "UFFDIO_MOVE: " + Errno.describe(Errno.last()));
                assertEquals(PAGE, uffdio_move.move(mv));
                assertEquals((byte) 0xA5, r.get(JAVA_BYTE, 2 * PAGE + 7));
            }

            // Page 3: a real missing fault, taken by a native memset on another thread.
            long target = r.address() + 3 * PAGE + 40;
            AtomicReference<Throwable> failure = new AtomicReference<>();
            faulter = Thread.ofPlatform().daemon().name("uffd-faulter").start(() -> {
                try {
                    MemorySegment ignored = (MemorySegment) MEMSET.invokeExact(MemorySegment.ofAddress(target), 0x77, 1L);
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            MemorySegment msg = uffd_msg.allocate(arena);
            long deadline = System.nanoTime() + 10_000_000_000L;
            long n;
            while ((n = read(uffd, msg, uffd_msg.sizeof())) < 0) {
                assertEquals(EAGAIN(), Errno.last(), () -> "read(uffd): " + Errno.describe(Errno.last()));
                assertTrue(System.nanoTime() < deadline, "no fault message within 10 s");
                Thread.sleep(1);
            }
            assertEquals(uffd_msg.sizeof(), n);
            assertEquals(UFFD_EVENT_PAGEFAULT(), uffd_msg.event(msg) & 0xff);
            assertEquals(r.address() + 3 * PAGE, uffd_msg.pagefault_address(msg), "page-aligned fault address");
            assertTrue((uffd_msg.pagefault_flags(msg) & UFFD_PAGEFAULT_FLAG_WRITE()) != 0, "memset faults for write");
            assertNotEquals(0, uffd_msg.pagefault_ptid(msg), "UFFD_FEATURE_THREAD_ID gives the faulting tid");

            data.fill((byte) 0x11);
            uffdio_copy.dst(copy, r.address() + 3 * PAGE);
            uffdio_copy.src(copy, data.address());
            uffdio_copy.len(copy, PAGE);
            uffdio_copy.mode(copy, 0); // wakes the faulter
            assertEquals(0, ioctl(uffd, UFFDIO_COPY(), copy), () -> "UFFDIO_COPY: " + Errno.describe(Errno.last()));
            faulter.join(10_000);
            assertFalse(faulter.isAlive(), "the faulting thread was not woken by UFFDIO_COPY");
            assertEquals(null, failure.get());
            assertEquals((byte) 0x77, r.get(JAVA_BYTE, 3 * PAGE + 40));
            assertEquals((byte) 0x11, r.get(JAVA_BYTE, 3 * PAGE + 41));

            MemorySegment wake = uffdio_range.allocate(arena);
            uffdio_range.start(wake, r.address());
            uffdio_range.len(wake, 4 * PAGE);
            assertEquals(0, ioctl(uffd, UFFDIO_WAKE(), wake), () -> "UFFDIO_WAKE: " + Errno.describe(Errno.last()));
            assertEquals(0, ioctl(uffd, UFFDIO_UNREGISTER(), wake), () -> "UFFDIO_UNREGISTER: " + Errno.describe(Errno.last()));
        } finally {
            close(uffd); // releases a faulter still waiting, whatever failed above
            if (faulter != null) {
                faulter.join(10_000);
            }
            if (!region.equals(MemorySegment.NULL)) {
                munmap(region, 4 * PAGE);
            }
            if (!src.equals(MemorySegment.NULL)) {
                munmap(src, PAGE);
            }
        }
    }

    static final MethodHandle MEMSET = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("memset").orElseThrow(),
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG));

    /** A userfaultfd (O_CLOEXEC | O_NONBLOCK), or the test is skipped with the reason. */
    static long newUffd() {
        long fd = syscall(SYS_userfaultfd(), O_CLOEXEC() | O_NONBLOCK());
        if (fd < 0) {
            int err = Errno.last();
            Assumptions.assumeTrue(err != EPERM() && err != ENOSYS(),
                    "userfaultfd(2) not available to this process: " + Errno.describe(err)
                            + " (needs vm.unprivileged_userfaultfd=1, CAP_SYS_PTRACE, or UFFD_USER_MODE_ONLY)");
        }
        assertTrue(fd >= 0, () -> "userfaultfd: " + Errno.describe(Errno.last()));
        return fd;
    }
}
