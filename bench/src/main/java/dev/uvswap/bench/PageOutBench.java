package dev.uvswap.bench;

import dev.uvswap.Compressor;
import dev.uvswap.Region;
import dev.uvswap.VSwap;
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

import java.util.concurrent.TimeUnit;

/**
 * pageOut throughput by page kind: one call swaps out one resident 2 MiB extent of a default
 * (huge-page) region, which leaves memory whole (one UFFDIO_MOVE of the PMD) and is then
 * stored page by page: zero pages as nothing, same-filled pages as their word, the rest
 * compressed into the pool. PARK moves the extent to the swap cache and stops there. MB/s is
 * 2 MiB over the time per call; the floor is RawMoveFloor plus 512 x CodecFloorBench.compress.
 * The region is refilled outside the timing when all its extents are out.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
public class PageOutBench {
    static final long EXTENT = 2L << 20;
    static final long EXTENTS = 32;

    /** What the pages hold and where they go. */
    public enum Kind {
        ZERO(null, Compressor.ZSTD), FILL(PagePattern.MEMHOG, Compressor.ZSTD),
        USEMEM_ZSTD(PagePattern.USEMEM, Compressor.ZSTD), HEAP_ZSTD(PagePattern.HEAP, Compressor.ZSTD),
        HEAP_LZ4(PagePattern.HEAP, Compressor.LZ4), PARK(PagePattern.HEAP, Compressor.ZSTD);

        final PagePattern pattern;
        final Compressor compressor;

        Kind(PagePattern pattern, Compressor compressor) {
            this.pattern = pattern;
            this.compressor = compressor;
        }
    }

    @Param({"ZERO", "FILL", "USEMEM_ZSTD", "HEAP_ZSTD", "HEAP_LZ4", "PARK"})
    public Kind kind;

    private VSwap vswap;
    private Region region;
    private long next = EXTENTS;
    private long calls;
    private long storedPages;

    @Setup(Level.Trial)
    public void start() {
        vswap = VSwap.builder().compressor(kind.compressor).build();
        region = vswap.allocate(EXTENTS * EXTENT);
        if (!region.hugePages()) {
            throw new IllegalStateException("no transparent huge pages for the region: the bench measures 2 MiB extents");
        }
    }

    @Setup(Level.Invocation)
    public void refillWhenUsedUp() {
        if (next < EXTENTS) {
            return;
        }
        region.close();
        region = vswap.allocate(EXTENTS * EXTENT);
        if (kind.pattern == null) {
            region.segment().fill((byte) 0);
        } else {
            kind.pattern.fill(region.segment(), EXTENTS * EXTENT / PagePattern.PAGE);
        }
        next = 0;
    }

    @Benchmark
    public long pageOut() {
        long off = (next++) * EXTENT;
        long n = kind == Kind.PARK ? region.park(off, EXTENT) : region.pageOut(off, EXTENT);
        calls++;
        storedPages += n;
        return n;
    }

    @TearDown(Level.Trial)
    public void stop() {
        var st = vswap.stats();
        System.out.printf("%n  %s: %d calls, %.1f pages out a call, %d extents left whole, pool ratio %.2f%n",
                kind, calls, (double) storedPages / calls, st.thpSwpout(), st.compressionRatio());
        region.close();
        vswap.close();
    }
}
