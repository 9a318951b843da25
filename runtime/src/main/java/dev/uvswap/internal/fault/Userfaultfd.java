package dev.uvswap.internal.fault;

import dev.uvswap.UnsupportedPlatformException;
import dev.uvswap.bindings.libc.Syscalls;
import dev.uvswap.bindings.libc.Errno;
import dev.uvswap.bindings.libc.libc_h;
import dev.uvswap.bindings.uffd.uffdio_api;
import dev.uvswap.bindings.uffd.uffdio_range;
import dev.uvswap.bindings.uffd.uffdio_register;
import dev.uvswap.bindings.uffd.userfaultfd_h;
import dev.uvswap.internal.os.NativeErrors;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's userfaultfd: opened once per VSwap, handshaken with UFFD_FEATURE_MOVE, and the
 * descriptor every region and the staging area are registered on (a MOVE's source and
 * destination must be registered on the same one).
 *
 * <p>Two kinds exist. One opened through /dev/userfaultfd, or by a process allowed to, also
 * catches faults taken inside the kernel (a read(2) into a swapped-out page); one opened with
 * UFFD_USER_MODE_ONLY does not, and such a system call fails with EFAULT. We prefer the first
 * and say which we got. UFFD_FEATURE_SIGBUS is requested only on the second descriptor
 * ({@link #openInThread}), whose SIGBUS uvswap's own handler serves before HotSpot's sees it.
 */
public final class Userfaultfd implements AutoCloseable {
    /** USERFAULTFD_IOC_NEW, _IO(0xAA, 0x00) in linux/userfaultfd.h since 6.1. */
    static final long USERFAULTFD_IOC_NEW = 0xAA00L;

    private final int fd;
    private final boolean kernelFaults;
    private final long features;
    private boolean closed;

    private Userfaultfd(int fd, boolean kernelFaults, long features) {
        this.fd = fd;
        this.kernelFaults = kernelFaults;
        this.features = features;
    }

    public int fd() {
        return fd;
    }

    /** Whether faults taken inside system calls reach us (false: user-mode-only descriptor). */
    public boolean kernelFaults() {
        return kernelFaults;
    }

    public long features() {
        return features;
    }

    /** Whether UFFDIO_POISON works: a fault server can fail an access it cannot serve with SIGBUS. */
    public boolean poison() {
        return (features & userfaultfd_h.UFFD_FEATURE_POISON()) != 0;
    }

    /** Opens and handshakes; throws UnsupportedPlatformException naming what is missing. */
    public static Userfaultfd open(boolean userModeOnly) {
        checkTransparentHugePages();
        int flags = libc_h.O_CLOEXEC() | libc_h.O_NONBLOCK();
        int fd = -1;
        boolean kernel = false;
        String kernelModeRefusal = "user-mode-only requested";
        if (!userModeOnly) {
            fd = openThroughDevice(flags);
            if (fd < 0) {
                kernelModeRefusal = "/dev/userfaultfd: " + Errno.describe(-fd);
                fd = (int) Syscalls.syscall(Syscalls.SYS_userfaultfd(), flags);
                if (fd < 0) {
                    kernelModeRefusal += "; userfaultfd(2) without UFFD_USER_MODE_ONLY: " + Errno.describe(Errno.last());
                }
            }
            kernel = fd >= 0;
        }
        if (fd < 0) {
            fd = (int) Syscalls.syscall(Syscalls.SYS_userfaultfd(), flags | (int) userfaultfd_h.UFFD_USER_MODE_ONLY());
            if (fd < 0) {
                int errno = Errno.last();
                throw new UnsupportedPlatformException("userfaultfd is not available: userfaultfd(2) failed with "
                        + Errno.describe(errno) + " (" + kernelModeRefusal + "). uvswap needs a kernel built with"
                        + " CONFIG_USERFAULTFD (Linux >= 6.8), and vm.unprivileged_userfaultfd=1 or access to"
                        + " /dev/userfaultfd for non-root users.");
            }
        }
        long features = handshake(fd, 0);
        return new Userfaultfd(fd, kernel, features);
    }

    /**
     * The second descriptor, for regions whose faults are served on the faulting thread: a
     * missing-page fault raises SIGBUS there instead of queueing a message (UFFD_FEATURE_SIGBUS).
     * User mode only: a fault inside a system call cannot be served by a signal handler, and
     * fails with EFAULT either way.
     */
    public static Userfaultfd openInThread() {
        int flags = libc_h.O_CLOEXEC() | libc_h.O_NONBLOCK() | (int) userfaultfd_h.UFFD_USER_MODE_ONLY();
        int fd = (int) Syscalls.syscall(Syscalls.SYS_userfaultfd(), flags);
        if (fd < 0) {
            throw new UnsupportedPlatformException("userfaultfd for in-thread faults: userfaultfd(2) failed with "
                    + Errno.describe(Errno.last()));
        }
        return new Userfaultfd(fd, false, handshake(fd, userfaultfd_h.UFFD_FEATURE_SIGBUS()));
    }

    /** Returns the new descriptor, or -errno. */
    private static int openThroughDevice(int flags) {
        try (Arena arena = Arena.ofConfined()) {
            int dev = Syscalls.open(arena.allocateFrom("/dev/userfaultfd"), libc_h.O_RDWR() | libc_h.O_CLOEXEC(), 0);
            if (dev < 0) {
                return -Errno.last();
            }
            try {
                int fd = Syscalls.ioctl(dev, USERFAULTFD_IOC_NEW, MemorySegment.ofAddress(flags));
                return fd < 0 ? -Errno.last() : fd;
            } finally {
                Syscalls.close(dev);
            }
        }
    }

    private static long handshake(int fd, long extra) {
        long want = userfaultfd_h.UFFD_FEATURE_MOVE() | extra;
        // POISON when offered (Linux >= 6.6): a page whose data cannot be read is poisoned.
        long optional = supportedFeatures() & userfaultfd_h.UFFD_FEATURE_POISON();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment api = uffdio_api.allocate(arena);
            uffdio_api.api(api, userfaultfd_h.UFFD_API());
            uffdio_api.features(api, want | optional);
            if (Syscalls.ioctl(fd, userfaultfd_h.UFFDIO_API(), api) < 0) {
                int errno = Errno.last();
                Syscalls.close(fd);
                throw new UnsupportedPlatformException("userfaultfd lacks UFFD_FEATURE_MOVE (the UFFDIO_MOVE ioctl, Linux >= 6.8; this kernel is "
                        + kernelRelease() + "): UFFDIO_API failed with " + Errno.describe(errno)
                        + "; the kernel offers features 0x" + Long.toHexString(supportedFeatures()));
            }
            long got = uffdio_api.features(api);
            long ioctls = uffdio_api.ioctls(api);
            long needed = (1L << userfaultfd_h._UFFDIO_REGISTER()) | (1L << userfaultfd_h._UFFDIO_UNREGISTER());
            if ((ioctls & needed) != needed || (got & want) != want) {
                Syscalls.close(fd);
                throw new UnsupportedPlatformException("userfaultfd handshake incomplete: features 0x" + Long.toHexString(got)
                        + ", ioctls 0x" + Long.toHexString(ioctls) + " (need UFFD_FEATURE_MOVE and REGISTER/UNREGISTER)");
            }
            return got;
        }
    }

    /** What a fresh descriptor would offer (for messages); 0 if it cannot be asked. */
    private static long supportedFeatures() {
        int fd = (int) Syscalls.syscall(Syscalls.SYS_userfaultfd(), libc_h.O_CLOEXEC() | (int) userfaultfd_h.UFFD_USER_MODE_ONLY());
        if (fd < 0) {
            return 0;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment api = uffdio_api.allocate(arena);
            uffdio_api.api(api, userfaultfd_h.UFFD_API());
            return Syscalls.ioctl(fd, userfaultfd_h.UFFDIO_API(), api) < 0 ? 0 : uffdio_api.features(api);
        } finally {
            Syscalls.close(fd);
        }
    }

    private static void checkTransparentHugePages() {
        Path thp = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        if (!Files.isReadable(thp)) {
            throw new UnsupportedPlatformException("transparent huge pages are missing (" + thp
                    + " not readable): uvswap needs a kernel with CONFIG_TRANSPARENT_HUGEPAGE");
        }
    }

    static String kernelRelease() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /**
     * Registers {@code [address, address + length)} for missing faults and checks that the
     * resolve ioctls uvswap uses are offered there.
     */
    public void register(long address, long length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment reg = uffdio_register.allocate(arena);
            MemorySegment range = uffdio_register.range(reg);
            uffdio_range.start(range, address);
            uffdio_range.len(range, length);
            uffdio_register.mode(reg, userfaultfd_h.UFFDIO_REGISTER_MODE_MISSING());
            NativeErrors.checkLibc(Syscalls.ioctl(fd, userfaultfd_h.UFFDIO_REGISTER(), reg), "UFFDIO_REGISTER");
            long ioctls = uffdio_register.ioctls(reg);
            long needed = (1L << userfaultfd_h._UFFDIO_COPY()) | (1L << userfaultfd_h._UFFDIO_ZEROPAGE())
                    | (1L << userfaultfd_h._UFFDIO_MOVE()) | (1L << userfaultfd_h._UFFDIO_WAKE());
            if ((ioctls & needed) != needed) {
                unregister(address, length);
                throw new UnsupportedPlatformException("userfaultfd registration offers ioctls 0x" + Long.toHexString(ioctls)
                        + " but uvswap needs COPY, ZEROPAGE, MOVE and WAKE (0x" + Long.toHexString(needed) + ")");
            }
        }
    }

    public void unregister(long address, long length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment range = uffdio_range.allocate(arena);
            uffdio_range.start(range, address);
            uffdio_range.len(range, length);
            NativeErrors.checkLibc(Syscalls.ioctl(fd, userfaultfd_h.UFFDIO_UNREGISTER(), range), "UFFDIO_UNREGISTER");
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Syscalls.close(fd);
        }
    }
}
