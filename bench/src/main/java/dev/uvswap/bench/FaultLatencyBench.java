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

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

/**
 * 4 KiB fault latency as a Java thread sees it: one read of a page that is not present, served
 * by a native fault server, per kind of backing. Each invocation touches the next page of a
 * 64 MiB region; when all have been touched the region is prepared again, outside the timing.
 *
 * <pre>
 *   ./uvs bench FaultLatencyBench
 * </pre>
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
public class FaultLatencyBench {
    static final long PAGE = 4096;
    static final long PAGES = 16384;

    /** How the touched page is backed. */
    @Param({"FIRST_TOUCH", "ZERO", "ZSWAP_ZSTD", "ZSWAP_LZ4", "CACHE"})
    public String kind;

    /** Native fault-server threads. */
    @Param({"2"})
    public int servers;

    private VSwap vswap;
    private Region region;
    private MemorySegment seg;
    private long next = PAGES;

    @Setup(Level.Trial)
    public void start() {
        vswap = VSwap.builder().compressor(kind.equals("ZSWAP_LZ4") ? Compressor.LZ4 : Compressor.ZSTD)
                .faultThreads(servers).build();
        region = vswap.allocate(PAGES * PAGE);
        seg = region.segment();
    }

    @Setup(Level.Invocation)
    public void refillWhenUsedUp() {
        if (next < PAGES) {
            return;
        }
        switch (kind) {
            case "FIRST_TOUCH" -> {
                region.close();
                region = vswap.allocate(PAGES * PAGE);
                seg = region.segment();
            }
            case "ZERO" -> {
                region.prefault(0, region.size());
                region.pageOut(0, region.size());
            }
            case "ZSWAP_ZSTD", "ZSWAP_LZ4" -> {
                fill();
                region.pageOut(0, region.size());
            }
            case "CACHE" -> {
                fill();
                region.park(0, region.size());
            }
            default -> throw new IllegalArgumentException(kind);
        }
        next = 0;
    }

    /** Heap-like contents: headers, pointers sharing high bits, small ints, zero padding. */
    private void fill() {
        for (long p = 0; p < PAGES; p++) {
            for (long w = 0; w < PAGE / 8; w++) {
                long v = switch ((int) (w & 3)) {
                    case 0 -> 0x0000000100000001L;
                    case 1 -> 0x00007F3A00000000L | ((p * 31 + w) & 0xFFFF) << 4;
                    case 2 -> (p + w) & 0xFF;
                    default -> (w & 31) == 3 ? p * 0x9E3779B97F4A7C15L + w : 0;
                };
                seg.set(ValueLayout.JAVA_LONG, p * PAGE + w * 8, v);
            }
        }
    }

    @Benchmark
    public long touch() {
        return seg.get(ValueLayout.JAVA_LONG, (next++) * PAGE);
    }

    @TearDown(Level.Trial)
    public void stop() {
        System.out.println();
        System.out.println("  " + kind + ": " + vswap.stats().faultLatency());
        region.close();
        vswap.close();
    }
}
