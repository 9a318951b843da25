package dev.uvswap.bench;

import dev.uvswap.Region;
import dev.uvswap.RegionOption;
import dev.uvswap.VSwap;
import dev.uvswap.VSwapStats;
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
import org.openjdk.jmh.infra.BenchmarkParams;

import java.util.concurrent.TimeUnit;

/**
 * Throughput to the swap file, one shot per iteration over a 256 MiB region of heap-like data:
 * <ul>
 *   <li>{@code writeback}: the region is in the pool; the limit drops to 1 MiB and we time
 *       until the writeback thread has moved the pool into the file (LRU order, batches of 256
 *       pages, one pwritev a run, no recompression);</li>
 *   <li>{@code rejectToFile}: pageOut with a pool that refuses everything, so each batch goes
 *       from the staging area straight to the file;</li>
 *   <li>{@code retire}: swapoff of a file holding the region, back into the pool, while
 *       {@code unrelated} other regions (8 MiB each, swapped out to the pool) exist: its time
 *       must not depend on them.</li>
 * </ul>
 * MB/s (of uncompressed pages) = 256 / the score in seconds; the tear-down prints it.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
@Warmup(iterations = 1)
@Measurement(iterations = 5)
public class WritebackBench {
    static final long PAGE = 4096;
    static final long BYTES = 256L << 20;

    @Param({"0", "256"})
    public int unrelated;

    private VSwap vswap;
    private Region region;
    private Region[] others;
    private long shots;
    private double seconds;

    private static String method(BenchmarkParams params) {
        return params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
    }

    @Setup(Level.Trial)
    public void start(BenchmarkParams params) {
        VSwap.Builder b = VSwap.builder().zswapMaxBytes(1L << 40).swapFile(Backing.SWAP_FILE, 4L << 30);
        if (method(params).equals("rejectToFile")) {
            b.poolMaxBytes(64 << 10);   // refuses (nearly) everything
        }
        vswap = b.build();
        region = vswap.allocate(BYTES, RegionOption.SMALL_PAGES);
        // Unrelated regions with swapped-out (zero) pages: slots and page maps that swapoff must not walk.
        others = new Region[unrelated];
        for (int i = 0; i < unrelated; i++) {
            others[i] = vswap.allocate(8L << 20);
            others[i].prefault(0, others[i].size());
            others[i].pageOut(0, others[i].size());
        }
    }

    /** The region's pages all in the pool, the limit high again. */
    private void intoPool() {
        region.prefault(0, BYTES);
        PagePattern.HEAP.fill(region.segment(), BYTES / PAGE);
        vswap.setZswapMaxBytes(1L << 40);
        region.pageOut(0, BYTES);
    }

    @Setup(Level.Iteration)
    public void prepare(BenchmarkParams params) {
        switch (method(params)) {
            case "writeback" -> intoPool();
            case "rejectToFile" -> {
                region.prefault(0, BYTES);
                PagePattern.HEAP.fill(region.segment(), BYTES / PAGE);
            }
            case "retire" -> {
                intoPool();
                vswap.setZswapMaxBytes(1 << 20);
                awaitPoolBelow(1 << 20);
                vswap.setZswapMaxBytes(1L << 40);
            }
            default -> throw new IllegalStateException(params.getBenchmark());
        }
    }

    private void awaitPoolBelow(long bytes) {
        while (vswap.stats().poolTotalBytes() > bytes) {
            Thread.onSpinWait();
        }
    }

    @Benchmark
    public long writeback() {
        long t0 = System.nanoTime();
        long before = vswap.stats().zswpwb();
        vswap.setZswapMaxBytes(1 << 20);
        awaitPoolBelow(1 << 20);
        count(System.nanoTime() - t0);
        return vswap.stats().zswpwb() - before;
    }

    @Benchmark
    public long rejectToFile() {
        long t0 = System.nanoTime();
        vswap.setZswapMaxBytes(1L << 40);
        long n = region.pageOut(0, BYTES);
        count(System.nanoTime() - t0);
        return n;
    }

    @Benchmark
    public void retire() {
        long t0 = System.nanoTime();
        vswap.retire(Backing.SWAP_FILE);
        count(System.nanoTime() - t0);
        vswap.addSwapFile(Backing.SWAP_FILE, 4L << 30, 0);
    }

    private void count(long nanos) {
        shots++;
        seconds += nanos / 1e9;
    }

    @TearDown(Level.Trial)
    public void stop() {
        VSwapStats s = vswap.stats();
        System.out.printf("%n  %,.0f MB/s of pages over %d shots; written back %,d pages in %,d batches, file bytes %,d;"
                        + " now in the file: %,d pages, %,d stored bytes in %,d bytes of blocks (%.0f a page)%n",
                shots * (BYTES / 1e6) / seconds, shots, s.zswpwb(), s.writebackBatches(), s.fileBytes(),
                s.fileSlotsUsed(), s.fileBytes(), s.fileBlockBytes(),
                s.fileSlotsUsed() == 0 ? 0.0 : (double) s.fileBlockBytes() / s.fileSlotsUsed());
        region.close();
        for (Region r : others) {
            r.close();
        }
        vswap.close();
    }
}
