package dev.uvswap.bench;

import dev.uvswap.bindings.libc.Syscalls;
import dev.uvswap.bindings.libc.libc_h;
import dev.uvswap.bindings.uffd.uffdio_api;
import dev.uvswap.bindings.uffd.uffdio_move;
import dev.uvswap.bindings.uffd.uffdio_range;
import dev.uvswap.bindings.uffd.uffdio_register;
import dev.uvswap.bindings.uffd.userfaultfd_h;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * The floor under a 2 MiB swap-in: one UFFDIO_MOVE of an already populated THP from a private
 * buffer into a registered MADV_HUGEPAGE range, straight through the bindings (no fault, no
 * server, no codec). The buffer is refilled outside the timing.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
public class RawMoveFloor {
    static final long EXTENT = 2L << 20;
    static final long EXTENTS = 64;
    static final int MADV_POPULATE_WRITE = 23;

    private final Arena arena = Arena.ofConfined();
    private int uffd;
    private long dst;
    private long buf;
    private long next = EXTENTS;
    private MemorySegment move;

    private static long map(long bytes) {
        MemorySegment p = Syscalls.mmap(MemorySegment.NULL, bytes + EXTENT, libc_h.PROT_READ() | libc_h.PROT_WRITE(),
                libc_h.MAP_PRIVATE() | libc_h.MAP_ANONYMOUS() | libc_h.MAP_NORESERVE(), -1, 0);
        long a = (p.address() + EXTENT - 1) & -EXTENT;
        Syscalls.madvise(MemorySegment.ofAddress(a), bytes, libc_h.MADV_HUGEPAGE());
        return a;
    }

    @Setup(Level.Trial)
    public void start() {
        uffd = (int) Syscalls.syscall(Syscalls.SYS_userfaultfd(), libc_h.O_CLOEXEC() | (int) userfaultfd_h.UFFD_USER_MODE_ONLY());
        MemorySegment api = uffdio_api.allocate(arena);
        uffdio_api.api(api, userfaultfd_h.UFFD_API());
        uffdio_api.features(api, userfaultfd_h.UFFD_FEATURE_MOVE());
        if (uffd < 0 || Syscalls.ioctl(uffd, userfaultfd_h.UFFDIO_API(), api) != 0) {
            throw new IllegalStateException("userfaultfd with UFFD_FEATURE_MOVE unavailable");
        }
        buf = map(EXTENT);
        dst = map(EXTENTS * EXTENT);
        MemorySegment reg = uffdio_register.allocate(arena);
        uffdio_range.start(uffdio_register.range(reg), dst);
        uffdio_range.len(uffdio_register.range(reg), EXTENTS * EXTENT);
        uffdio_register.mode(reg, userfaultfd_h.UFFDIO_REGISTER_MODE_MISSING());
        if (Syscalls.ioctl(uffd, userfaultfd_h.UFFDIO_REGISTER(), reg) != 0) {
            throw new IllegalStateException("UFFDIO_REGISTER failed");
        }
        move = uffdio_move.allocate(arena);
    }

    @Setup(Level.Invocation)
    public void populate() {
        if (next == EXTENTS) {
            Syscalls.madvise(MemorySegment.ofAddress(dst), EXTENTS * EXTENT, libc_h.MADV_DONTNEED());
            next = 0;
        }
        Syscalls.madvise(MemorySegment.ofAddress(buf), EXTENT, MADV_POPULATE_WRITE);
        uffdio_move.dst(move, dst + next * EXTENT);
        uffdio_move.src(move, buf);
        uffdio_move.len(move, EXTENT);
        uffdio_move.mode(move, 0);
        next++;
    }

    @Benchmark
    public int moveThp() {
        return Syscalls.ioctl(uffd, userfaultfd_h.UFFDIO_MOVE(), move);
    }

    @TearDown(Level.Trial)
    public void stop() {
        Syscalls.close(uffd);
        arena.close();
    }
}
