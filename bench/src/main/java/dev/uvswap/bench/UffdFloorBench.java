package dev.uvswap.bench;

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
 * The floor under FaultLatencyBench: the same read of a not-present page from a Java thread, in
 * the same order over a region of the same size, answered by a minimal C server (a blocking read
 * of one fault message and one ioctl, bench/native/uffd_floor.c) instead of uvswap's. ZEROPAGE is
 * the floor of a first touch or a ZERO slot, COPY (+ the codec) of a pool or file page, MOVE of a
 * page in the swap cache. KERNEL has no userfaultfd at all: the kernel's own first-touch fault
 * (a read: it maps the zero page too), the floor a fault served in the faulting thread is held
 * to; KERNEL_WRITE writes instead, so the kernel allocates and clears a page: the part of its own
 * swap-in that is not decompression, the floor of an in-thread pool, cache or file fault.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
public class UffdFloorBench {
    @Param({"ZEROPAGE", "COPY", "MOVE", "KERNEL", "KERNEL_WRITE"})
    public String ioctl;

    /** Server threads, as many as FaultLatencyBench's uvswap runs. */
    @Param({"2"})
    public int servers;

    private FloorLibrary.Floor floor;
    private boolean write;
    private MemorySegment seg;
    private long next;

    @Setup(Level.Trial)
    public void start() {
        write = ioctl.equals("KERNEL_WRITE");
        FloorLibrary.Ioctl kind = write ? FloorLibrary.Ioctl.KERNEL : FloorLibrary.Ioctl.valueOf(ioctl);
        floor = FloorLibrary.Floor.open(kind, FaultLatencyBench.PAGES, servers);
        seg = floor.region();
    }

    @Setup(Level.Invocation)
    public void resetWhenUsedUp() {
        if (next < FaultLatencyBench.PAGES) {
            return;
        }
        floor.reset();
        next = 0;
    }

    @Benchmark
    public long touch() {
        long offset = ((next++) * FaultLatencyBench.STRIDE % FaultLatencyBench.PAGES) * FaultLatencyBench.PAGE;
        if (write) {
            seg.set(ValueLayout.JAVA_LONG, offset, next);
            return next;
        }
        return seg.get(ValueLayout.JAVA_LONG, offset);
    }

    @TearDown(Level.Trial)
    public void stop() {
        if (!ioctl.startsWith("KERNEL")) {
            System.out.printf("%n  %s floor: %d faults served%n", ioctl, floor.served());
        }
        floor.close();
    }
}
