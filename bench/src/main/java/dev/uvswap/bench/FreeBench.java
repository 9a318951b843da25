package dev.uvswap.bench;

import dev.uvswap.Region;
import dev.uvswap.VSwap;
import dev.uvswap.bindings.libc.Syscalls;
import dev.uvswap.bindings.libc.libc_h;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * Free time of a 1 GiB region (the cover letter's "free time" column): Region.close() of a
 * region whose pages are all swapped out to the pool (SWAPPED_ZSTD: every slot, pool object and
 * owner record released), or all resident (RESIDENT). The floor, RAW_MUNMAP, is the kernel
 * freeing 1 GiB of populated anonymous small pages with one munmap.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
@Warmup(iterations = 1)
@Measurement(iterations = 5)
public class FreeBench {
    static final long SIZE = 1L << 30;
    static final int MADV_POPULATE_WRITE = 23;

    @Param({"SWAPPED_ZSTD", "RESIDENT", "RAW_MUNMAP"})
    public String kind;

    private VSwap vswap;
    private Region region;
    private MemorySegment raw;

    @Setup(Level.Trial)
    public void start() {
        vswap = VSwap.builder().build();
    }

    @Setup(Level.Iteration)
    public void prepare() {
        if (kind.equals("RAW_MUNMAP")) {
            raw = Syscalls.mmap(MemorySegment.NULL, SIZE, libc_h.PROT_READ() | libc_h.PROT_WRITE(),
                    libc_h.MAP_PRIVATE() | libc_h.MAP_ANONYMOUS(), -1, 0);
            Syscalls.madvise(raw, SIZE, libc_h.MADV_NOHUGEPAGE());
            if (Syscalls.madvise(raw, SIZE, MADV_POPULATE_WRITE) != 0) {
                throw new IllegalStateException("MADV_POPULATE_WRITE of 1 GiB failed");
            }
            return;
        }
        region = vswap.allocate(SIZE);
        PagePattern.HEAP.fill(region.segment(), SIZE / PagePattern.PAGE);
        if (kind.equals("SWAPPED_ZSTD")) {
            region.pageOut(0, SIZE);
            if (region.residentBytes() > SIZE / 100) {
                throw new IllegalStateException("pageOut left " + region.residentBytes() + " bytes resident");
            }
        }
    }

    @Benchmark
    public void free() {
        if (raw != null) {
            Syscalls.munmap(raw, SIZE);
            raw = null;
        } else {
            region.close();
        }
    }

    @TearDown(Level.Trial)
    public void stop() {
        vswap.close();
    }
}
