package dev.uvswap.bench;

import dev.uvswap.FaultMode;
import dev.uvswap.Region;
import dev.uvswap.RegionOption;
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
 * by a native fault server or on the faulting thread ({@code mode}), per kind of backing. The region uses small pages, and invocations
 * touch its pages in a scattered order (a prime stride), so neither a whole-extent swap-in nor
 * sequential readahead serves them; when all have been touched the region is prepared again,
 * outside the timing.
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
    @Param({"FIRST_TOUCH", "ZERO", "ZSWAP_ZSTD", "ZSWAP_LZ4", "CACHE", "FILE_WARM", "FILE_COLD"})
    public String kind;

    /** Native fault-server threads. */
    @Param({"2"})
    public int servers;

    /** Who serves the fault: the native servers, or the faulting thread in uvswap's SIGBUS handler. */
    @Param({"SERVER_THREADS", "IN_THREAD"})
    public String mode;

    private VSwap vswap;
    private Region region;
    private MemorySegment seg;
    private long next = PAGES;

    @Setup(Level.Trial)
    public void start() {
        vswap = Backing.valueOf(kind).configure(VSwap.builder()).faultThreads(servers).build();
        region = vswap.allocate(PAGES * PAGE, options());
        seg = region.segment();
    }

    private RegionOption[] options() {
        RegionOption served = FaultMode.valueOf(mode) == FaultMode.IN_THREAD
                ? RegionOption.FAULTS_IN_THREAD : RegionOption.FAULTS_ON_SERVERS;
        return new RegionOption[] {RegionOption.SMALL_PAGES, served};
    }

    @Setup(Level.Invocation)
    public void refillWhenUsedUp() {
        if (next < PAGES) {
            return;
        }
        region = Backing.valueOf(kind).prepare(vswap, region, options());
        seg = region.segment();
        next = 0;
    }

    /** A stride prime to PAGES visits every page once, never two neighbours in a row. */
    static final long STRIDE = 7919;

    @Benchmark
    public long touch() {
        return seg.get(ValueLayout.JAVA_LONG, ((next++) * STRIDE % PAGES) * PAGE);
    }

    @TearDown(Level.Trial)
    public void stop() {
        System.out.println();
        System.out.println("  " + kind + ": " + vswap.stats().faultLatency());
        region.close();
        vswap.close();
    }
}
