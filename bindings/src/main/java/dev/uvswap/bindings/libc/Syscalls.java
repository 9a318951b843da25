package dev.uvswap.bindings.libc;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static dev.uvswap.bindings.libc.libc_h.C_INT;
import static dev.uvswap.bindings.libc.libc_h.C_LONG;
import static dev.uvswap.bindings.libc.libc_h.C_POINTER;

/**
 * Hand-written: the libc calls uvswap makes, as jextract cannot write them.  {@link libc_h} is jextract's
 * output verbatim; this class adds what it lacks:
 * <ul>
 * <li>every function that reports failure through errno is linked with {@link Errno#CAPTURE} and passes
 *     this thread's capture segment, so {@link Errno#last()} reads the call's errno (the JVM's own native
 *     work in between cannot clobber it).  The descriptors and addresses are libc_h's;</li>
 * <li>the variadic {@code ioctl}, {@code syscall} and {@code open} are specialized to the one argument
 *     shape uvswap uses (jextract gives invoker factories);</li>
 * <li>{@link #strerror} returns a String; {@link #mapFailed} tests an mmap result;</li>
 * <li>{@link #SYS_userfaultfd()} and {@link #O_NOFOLLOW()} are chosen by {@code os.arch} (libc_h has the
 *     build machine's numbers).</li>
 * </ul>
 * Each handle is linked the first time its function is called.
 */
public final class Syscalls {

    private Syscalls() {}

    private static MethodHandle capturing(MemorySegment address, FunctionDescriptor descriptor, Linker.Option... more) {
        Linker.Option[] options = new Linker.Option[more.length + 1];
        options[0] = Errno.CAPTURE;
        System.arraycopy(more, 0, options, 1, more.length);
        return Linker.nativeLinker().downcallHandle(address, descriptor, options);
    }

    private static AssertionError unreachable(Throwable t) {
        return new AssertionError("should not reach here", t);
    }

    // One holder a function: its handle is linked when first needed.
    private static final class Mmap { static final MethodHandle H = capturing(libc_h.mmap$address(), libc_h.mmap$descriptor()); }
    private static final class Munmap { static final MethodHandle H = capturing(libc_h.munmap$address(), libc_h.munmap$descriptor()); }
    private static final class Madvise { static final MethodHandle H = capturing(libc_h.madvise$address(), libc_h.madvise$descriptor()); }
    private static final class Mincore { static final MethodHandle H = capturing(libc_h.mincore$address(), libc_h.mincore$descriptor()); }
    private static final class Close { static final MethodHandle H = capturing(libc_h.close$address(), libc_h.close$descriptor()); }
    private static final class Read { static final MethodHandle H = capturing(libc_h.read$address(), libc_h.read$descriptor()); }
    private static final class Pread { static final MethodHandle H = capturing(libc_h.pread$address(), libc_h.pread$descriptor()); }
    private static final class Pwrite { static final MethodHandle H = capturing(libc_h.pwrite$address(), libc_h.pwrite$descriptor()); }
    private static final class Preadv { static final MethodHandle H = capturing(libc_h.preadv$address(), libc_h.preadv$descriptor()); }
    private static final class Pwritev { static final MethodHandle H = capturing(libc_h.pwritev$address(), libc_h.pwritev$descriptor()); }
    private static final class Fallocate { static final MethodHandle H = capturing(libc_h.fallocate$address(), libc_h.fallocate$descriptor()); }
    private static final class Ftruncate { static final MethodHandle H = capturing(libc_h.ftruncate$address(), libc_h.ftruncate$descriptor()); }
    private static final class Sysconf { static final MethodHandle H = capturing(libc_h.sysconf$address(), libc_h.sysconf$descriptor()); }
    private static final class Fdatasync { static final MethodHandle H = capturing(libc_h.fdatasync$address(), libc_h.fdatasync$descriptor()); }
    // posix_fadvise returns the error number instead of setting errno: no capture.
    private static final class PosixFadvise {
        static final MethodHandle H = Linker.nativeLinker().downcallHandle(libc_h.posix_fadvise$address(), libc_h.posix_fadvise$descriptor());
    }
    private static final class Ioctl {   // int ioctl(int fd, unsigned long request, void *arg)
        static final MethodHandle H = capturing(libc_h.ioctl.address(),
                FunctionDescriptor.of(C_INT, C_INT, C_LONG, C_POINTER), Linker.Option.firstVariadicArg(2));
    }
    private static final class Syscall { // long syscall(long number, long arg1)
        static final MethodHandle H = capturing(libc_h.syscall.address(),
                FunctionDescriptor.of(C_LONG, C_LONG, C_LONG), Linker.Option.firstVariadicArg(1));
    }
    private static final class Open {    // int open(const char *path, int flags, int mode)
        static final MethodHandle H = capturing(libc_h.open.address(),
                FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT), Linker.Option.firstVariadicArg(2));
    }

    /** On failure returns MAP_FAILED (test with {@link #mapFailed}). The result is unbounded: reinterpret it to {@code len}. */
    public static MemorySegment mmap(MemorySegment addr, long len, int prot, int flags, int fd, long off) {
        try {
            return (MemorySegment) Mmap.H.invokeExact(Errno.state(), addr, len, prot, flags, fd, off);
        } catch (Error | RuntimeException e) { throw e; } catch (Throwable t) { throw unreachable(t); }
    }

    /** Whether an {@link #mmap} result is MAP_FAILED (address -1). */
    public static boolean mapFailed(MemorySegment addr) {
        return addr.address() == libc_h.MAP_FAILED().address();
    }

    public static int munmap(MemorySegment addr, long len) {
        try {
            return (int) Munmap.H.invokeExact(Errno.state(), addr, len);
        } catch (Error | RuntimeException e) { throw e; } catch (Throwable t) { throw unreachable(t); }
    }

    public static int madvise(MemorySegment addr, long len, int advice) {
        try {
            return (int) Madvise.H.invokeExact(Errno.state(), addr, len, advice);
        } catch (Error | RuntimeException e) { throw e; } catch (Throwable t) { throw unreachable(t); }
    }

    public static int mincore(MemorySegment addr, long len, MemorySegment vec) {
        try {
            return (int) Mincore.H.invokeExact(Errno.state(), addr, len, vec);
        } catch (Error | RuntimeException e) { throw e; } catch (Throwable t) { throw unreachable(t); }
    }

    /** {@code ioctl(fd, request, arg)} with one pointer argument. */
    public static int ioctl(int fd, long request, MemorySegment arg) {
        try {
            return (int) Ioctl.H.invokeExact(Errno.state(), fd, request, arg);
        } catch (Error | RuntimeException e) { throw e; } catch (Throwable t) { throw unreachable(t); }
    }

    /** {@code syscall(number, arg1)} with one argument, e.g. {@code syscall(SYS_userfaultfd(), O_CLOEXEC())}. */
    public static long syscall(long number, long arg1) {
        try {
            return (long) Syscall.H.invokeExact(Errno.state(), number, arg1);
        } catch (Error | RuntimeException e) { throw e; } catch (Throwable t) { throw unreachable(t); }
    }

    /** {@code open(path, flags, mode)}; pass mode 0 when flags has no O_CREAT. */
    public static int open(MemorySegment path, int flags, int mode) {
        try {
            return (int) Open.H.invokeExact(Errno.state(), path, flags, mode);
        } catch (Error | RuntimeException e) { throw e; } catch (Throwable t) { throw unreachable(t); }
    }

    public static int close(int fd) {
        try {
            return (int) Close.H.invokeExact(Errno.state(), fd);
        } catch (Error | RuntimeException e) { throw e; } catch (Throwable t) { throw unreachable(t); }
    }

    public static long read(int fd, MemorySegment buf, long count) {
        try {
            return (long) Read.H.invokeExact(Errno.state(), fd, buf, count);
        } catch (Error | RuntimeException e) { throw e; } catch (Throwable t) { throw unreachable(t); }
    }

    public static long pread(int fd, MemorySegment buf, long count, long offset) {
        try {
            return (long) Pread.H.invokeExact(Errno.state(), fd, buf, count, offset);
        } catch (Error | RuntimeException e) { throw e; } catch (Throwable t) { throw unreachable(t); }
    }

    public static long pwrite(int fd, MemorySegment buf, long count, long offset) {
        try {
            return (long) Pwrite.H.invokeExact(Errno.state(), fd, buf, count, offset);
        } catch (Error | RuntimeException e) { throw e; } catch (Throwable t) { throw unreachable(t); }
    }

    public static long preadv(int fd, MemorySegment iov, int iovcnt, long offset) {
        try {
            return (long) Preadv.H.invokeExact(Errno.state(), fd, iov, iovcnt, offset);
        } catch (Error | RuntimeException e) { throw e; } catch (Throwable t) { throw unreachable(t); }
    }

    public static long pwritev(int fd, MemorySegment iov, int iovcnt, long offset) {
        try {
            return (long) Pwritev.H.invokeExact(Errno.state(), fd, iov, iovcnt, offset);
        } catch (Error | RuntimeException e) { throw e; } catch (Throwable t) { throw unreachable(t); }
    }

    /** Returns 0 or the error number itself (posix_fadvise does not set errno). */
    public static int posix_fadvise(int fd, long offset, long len, int advice) {
        try {
            return (int) PosixFadvise.H.invokeExact(fd, offset, len, advice);
        } catch (Error | RuntimeException e) { throw e; } catch (Throwable t) { throw unreachable(t); }
    }

    public static int fallocate(int fd, int mode, long offset, long len) {
        try {
            return (int) Fallocate.H.invokeExact(Errno.state(), fd, mode, offset, len);
        } catch (Error | RuntimeException e) { throw e; } catch (Throwable t) { throw unreachable(t); }
    }

    public static int ftruncate(int fd, long length) {
        try {
            return (int) Ftruncate.H.invokeExact(Errno.state(), fd, length);
        } catch (Error | RuntimeException e) { throw e; } catch (Throwable t) { throw unreachable(t); }
    }

    public static int fdatasync(int fd) {
        try {
            return (int) Fdatasync.H.invokeExact(Errno.state(), fd);
        } catch (Error | RuntimeException e) { throw e; } catch (Throwable t) { throw unreachable(t); }
    }

    /** -1 with errno EINVAL for an unknown {@code name}. */
    public static long sysconf(int name) {
        try {
            return (long) Sysconf.H.invokeExact(Errno.state(), name);
        } catch (Error | RuntimeException e) { throw e; } catch (Throwable t) { throw unreachable(t); }
    }

    /** libc's message for {@code errnum} ("Resource temporarily unavailable"), copied into a Java string. */
    public static String strerror(int errnum) {
        MemorySegment s = libc_h.strerror(errnum);
        return s.address() == 0L ? "errno " + errnum : s.getString(0L);
    }

    private static final int SYS_userfaultfd = switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> 323;
        case "aarch64", "arm64", "riscv64", "loongarch64" -> 282;  // asm-generic/unistd.h
        default -> -1;
    };

    /** {@code SYS_userfaultfd} of this JVM's architecture ({@code os.arch}); -1 where unknown. */
    public static int SYS_userfaultfd() {
        return SYS_userfaultfd;
    }

    private static final int O_NOFOLLOW = switch (System.getProperty("os.arch")) {
        case "aarch64", "arm64" -> 0100000;  // arm64 <asm/fcntl.h>
        case "amd64", "x86_64", "riscv64", "loongarch64" -> 0400000;  // asm-generic/fcntl.h
        default -> -1;
    };

    /** {@code O_NOFOLLOW} of this JVM's architecture ({@code os.arch}); -1 where unknown. */
    public static int O_NOFOLLOW() {
        return O_NOFOLLOW;
    }
}
