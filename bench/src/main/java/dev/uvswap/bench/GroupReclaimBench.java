package dev.uvswap.bench;

import dev.uvswap.MemoryGroup;
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
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * usemem over a memory group (issue 6): one thread writes each word's index into a region of
 * {@code factor} times the group's 256 MiB memoryMax, in sequential or random page order, while
 * the background reclaimer keeps the group at its budget; the shot ends when the group is back
 * under it and every word has been read back and checked. The tear-down prints MB/s, the peak
 * over the budget, and the reclaimer's CPU time per GB it reclaimed (its thread's CPU time,
 * from ThreadMXBean; the fault servers' and compression's time on the writing thread are not in
 * it: compression runs on the reclaimer's thread).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class GroupReclaimBench {
    static final long PAGE = 4096;
    static final long BUDGET = 256L << 20;

    @Param({"1.75", "3"})
    public double factor;

    @Param({"sequential", "random"})
    public String order;

    private VSwap vswap;
    private MemoryGroup group;
    private Region region;
    private long[] pages;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private long shots;
    private double seconds;
    private long cpuNanos;
    private long reclaimed;
    private long peak;

    @Setup(Level.Trial)
    public void setUp() {
        vswap = VSwap.builder().build();
        group = vswap.createGroup("usemem");
        group.setMemoryMax(BUDGET);
        long bytes = (long) (BUDGET * factor) & -(2L << 20);
        pages = new long[(int) (bytes / PAGE)];
        for (int i = 0; i < pages.length; i++) {
            pages[i] = i;
        }
        if (order.equals("random")) {
            SplittableRandom rnd = new SplittableRandom(42);
            for (int i = pages.length - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                long t = pages[i];
                pages[i] = pages[j];
                pages[j] = t;
            }
        }
    }

    @Setup(Level.Invocation)
    public void allocate() {
        region = vswap.allocate(pages.length * PAGE, group, RegionOption.SMALL_PAGES);
    }

    @Benchmark
    public long usemem() throws InterruptedException {
        long t0 = System.nanoTime();
        long cpu0 = reclaimerCpu();
        long rec0 = group.events().reclaimedBytes() + group.events().directReclaimedBytes();
        MemorySegment seg = region.segment();
        for (int i = 0; i < pages.length; i++) {
            long p = pages[i];
            for (long w = 0; w < PAGE / 8; w++) {
                long word = p * (PAGE / 8) + w;
                seg.set(ValueLayout.JAVA_LONG, word * 8, word);
            }
            if ((i & 1023) == 0) {
                peak = Math.max(peak, group.memoryCurrent());
            }
        }
        while (group.memoryCurrent() > BUDGET) {
            Thread.sleep(1);
        }
        for (long word = 0; word < pages.length * PAGE / 8; word++) {
            if (seg.get(ValueLayout.JAVA_LONG, word * 8) != word) {
                throw new AssertionError("word " + word + " lost");
            }
        }
        seconds += (System.nanoTime() - t0) / 1e9;
        cpuNanos += reclaimerCpu() - cpu0;
        reclaimed += group.events().reclaimedBytes() + group.events().directReclaimedBytes() - rec0;
        shots++;
        return region.residentBytes();
    }

    @TearDown(Level.Invocation)
    public void free() {
        region.close();
    }

    private long reclaimerCpu() {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("uvswap-group-reclaim")) {
                return threads.getThreadCpuTime(t.threadId());
            }
        }
        return 0;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        double mb = shots * pages.length * PAGE / 1e6;
        System.out.printf("%n[usemem %sx %s] %.0f MB/s written+verified, peak %d MiB over a %d MiB budget, "
                        + "reclaimer CPU %.0f ms per GB reclaimed (%.2f GB), pressure %.3f, %s%n",
                factor, order, mb / seconds, peak >> 20, BUDGET >> 20, cpuNanos / 1e6 / (reclaimed / 1e9),
                reclaimed / 1e9, group.faultPressure(), group.events());
        vswap.close();
    }
}
