package dev.uvswap.bench;

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

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

/**
 * 2 MiB swap-in latency as a Java thread sees it: one touch of an extent that left memory whole,
 * assembled by a fault server from its 512 slots and moved in as one huge page. Divide by 512
 * for the per-4-KiB cost. {@link RawMoveFloor} measures the floor, one UFFDIO_MOVE of a
 * populated THP, in the same run.
 *
 * <pre>
 *   ./uvs bench 'ThpSwapInBench|RawMoveFloor'
 * </pre>
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
public class ThpSwapInBench {
    static final long EXTENT = 2L << 20;
    static final long EXTENTS = 64;

    /** How the extent's pages are backed. */
    @Param({"FIRST_TOUCH", "ZERO", "ZSWAP_ZSTD", "ZSWAP_LZ4", "CACHE"})
    public String kind;

    private VSwap vswap;
    private Region region;
    private MemorySegment seg;
    private long next = EXTENTS;

    @Setup(Level.Trial)
    public void start() {
        vswap = VSwap.builder().compressor(Backing.valueOf(kind).compressor())
                .faultThreads(2).build();
        region = vswap.allocate(EXTENTS * EXTENT);
        seg = region.segment();
    }

    @Setup(Level.Invocation)
    public void refillWhenUsedUp() {
        if (next < EXTENTS) {
            return;
        }
        region = Backing.valueOf(kind).prepare(vswap, region);
        seg = region.segment();
        next = 0;
    }

    @Benchmark
    public long touchExtent() {
        return seg.get(ValueLayout.JAVA_LONG, (next++) * EXTENT + 4096 * 17);
    }

    @TearDown(Level.Trial)
    public void stop() {
        var s = vswap.stats();
        System.out.printf("%n  %s: THP swap-ins %d, THP first touches %d, fallbacks %s%n", kind, s.thpSwpin(),
                s.thpFirstTouch(), s.thpSwpinFallback());
        region.close();
        vswap.close();
    }
}
