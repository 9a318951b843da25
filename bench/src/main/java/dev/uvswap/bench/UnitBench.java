package dev.uvswap.bench;

import dev.uvswap.Compressor;
import dev.uvswap.FaultKind;
import dev.uvswap.Region;
import dev.uvswap.RegionOption;
import dev.uvswap.VSwap;
import dev.uvswap.VSwapStats;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Extent compression in the runtime (issue 18, {@code VSwap.Builder.extentCompression}): per
 * data set, the same pages go through three VSwaps in one run, zstd-1 a page at a time (the
 * default), zstd-3 a page at a time (to tell the level's gain from the unit's), and units (16
 * pages in one zstd-3 frame). Prints pool bytes, swap-out MB/s, the p50 of a scattered 4 KiB
 * swap-in (each fault decodes its whole unit) and a sequential read-back's MB/s (readahead
 * decodes each unit once). Every page read back is compared byte for byte with what was written.
 */
@Command(name = "unit-bench", mixinStandardHelpOptions = true,
        description = "Pool size and speed of 16-page compression units against pages alone (issue 18).")
public final class UnitBench implements Callable<Integer> {
    private static final int PAGE = 4096;

    @Option(names = "--sets", split = ",", defaultValue = "demo,usemem,heap,jdk,records",
            description = "data sets (default: ${DEFAULT-VALUE})")
    List<String> sets;

    @Option(names = "--mib", defaultValue = "64", description = "MiB of pages per data set")
    int mib;

    @Option(names = "--fault-mode", defaultValue = "SERVER_THREADS",
            description = "who serves the faults: SERVER_THREADS or IN_THREAD (default: ${DEFAULT-VALUE})")
    dev.uvswap.FaultMode mode;

    public static void main(String[] args) {
        System.exit(new CommandLine(new UnitBench()).execute(args));
    }

    /** What one VSwap did with the pages. */
    record Run(long poolBytes, double outMBs, long p50Nanos, double seqMBs, long unitPages) { }

    @Override
    public Integer call() throws java.io.IOException {
        System.out.printf("%d MiB of 4 KiB pages a data set, small-page regions, faults %s%n%n", mib, mode);
        System.out.println("| data set | pool bytes: zstd-1 alone | zstd-3 alone | units | units / zstd-1 alone"
                + " | swap-out MB/s: zstd-1 / zstd-3 / units | scattered 4 KiB swap-in p50 µs | sequential read-back MB/s |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | --- | --- | --- |");
        for (String name : sets) {
            CompressionUnits.DataSet set = CompressionUnits.DataSet.valueOf(name.toUpperCase(Locale.ROOT));
            byte[] data = CompressionUnits.generate(set, mib);
            Run one = measure(VSwap.builder().faultMode(mode).compressor(Compressor.ZSTD).zstdLevel(1), data);
            Run three = measure(VSwap.builder().faultMode(mode).compressor(Compressor.ZSTD).zstdLevel(3), data);
            Run units = measure(VSwap.builder().faultMode(mode).compressor(Compressor.ZSTD).zstdLevel(1).extentCompression(true), data);
            System.out.printf("| %s | %,d | %,d | %,d (%d%% of pages in units) | %.1f%% | %.0f / %.0f / %.0f | %.1f / %.1f / %.1f | %.0f / %.0f / %.0f |%n",
                    set.label(), one.poolBytes(), three.poolBytes(), units.poolBytes(),
                    100 * units.unitPages() / (data.length / PAGE), 100.0 * units.poolBytes() / one.poolBytes(),
                    one.outMBs(), three.outMBs(), units.outMBs(),
                    one.p50Nanos() / 1e3, three.p50Nanos() / 1e3, units.p50Nanos() / 1e3,
                    one.seqMBs(), three.seqMBs(), units.seqMBs());
        }
        return 0;
    }

    /** Swaps the data out, reads it back scattered, swaps it out again and reads it back in order; checks both. */
    private static Run measure(VSwap.Builder builder, byte[] data) {
        int len = data.length;
        try (VSwap v = builder.build(); Region r = v.allocate(len, RegionOption.SMALL_PAGES)) {
            MemorySegment seg = r.segment();
            MemorySegment.copy(data, 0, seg, ValueLayout.JAVA_BYTE, 0, len);
            long t0 = System.nanoTime();
            r.pageOut(0, r.size());
            long t1 = System.nanoTime();
            VSwapStats out = v.stats();
            // Scattered, one word a page first, so each page is its own 4 KiB fault.
            long pages = len / PAGE;
            long sum = 0;
            for (long i = 0; i < pages; i++) {
                sum += seg.get(ValueLayout.JAVA_LONG, (i * 7919) % pages * PAGE);
            }
            check(data, seg);
            long p50 = v.stats().faultLatency().get(FaultKind.ZSWAP).p50Nanos();
            r.pageOut(0, r.size());
            long t2 = System.nanoTime();
            for (long p = 0; p < pages; p++) {
                sum += seg.get(ValueLayout.JAVA_LONG, p * PAGE);
            }
            long t3 = System.nanoTime();
            check(data, seg);
            return new Run(out.poolCompressedBytes(), len / 1e6 / ((t1 - t0) / 1e9), p50 + (sum == 42 ? 1 : 0),
                    len / 1e6 / ((t3 - t2) / 1e9), out.unitPages());
        }
    }

    private static void check(byte[] data, MemorySegment seg) {
        if (MemorySegment.ofArray(data).mismatch(seg) >= 0) {
            throw new AssertionError("a page came back wrong");
        }
    }
}
