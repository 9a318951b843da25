package dev.uvswap.bench;

import dev.uvswap.DictionaryTrial;
import dev.uvswap.FaultKind;
import dev.uvswap.MemoryGroup;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * zstd dictionaries in the runtime (issue 18): per data set, a group trains its dictionary on
 * the first part of the data (swapped out), then the rest is swapped out with it and read back;
 * the same pages go through a VSwap without dictionaries in the same run. Prints pool bytes,
 * swap-out MB/s and the 4 KiB swap-in p50 of both, and the trial's own verdict. Every page read
 * back is compared byte for byte with what was written.
 */
@Command(name = "dictionary-bench", mixinStandardHelpOptions = true,
        description = "Pool size and speed with and without per-group zstd dictionaries (issue 18).")
public final class DictionaryBench implements Callable<Integer> {
    private static final int PAGE = 4096;

    @Option(names = "--sets", split = ",", defaultValue = "demo,usemem,heap,jdk,records",
            description = "data sets (default: ${DEFAULT-VALUE})")
    List<String> sets;

    @Option(names = "--train-mib", defaultValue = "24", description = "MiB swapped out while the group trains (16 MiB of compressible pages fill a round)")
    int trainMib;

    @Option(names = "--mib", defaultValue = "64", description = "MiB measured with and without the dictionary")
    int mib;

    @Option(names = "--level", defaultValue = "1", description = "zstd level")
    int level;

    public static void main(String[] args) {
        System.exit(new CommandLine(new DictionaryBench()).execute(args));
    }

    /** What one VSwap did with the measured pages. */
    record Run(long poolBytes, double outMBs, long p50Nanos, long dictPages) { }

    @Override
    public Integer call() throws Exception {
        System.out.printf("zstd-%d; trained on %d MiB, measured on %d MiB of 4 KiB pages (small-page regions)%n%n",
                level, trainMib, mib);
        System.out.println("| data set | trial (judged pages: with / without) | kept | pool bytes without | with | with/without"
                + " | swap-out MB/s without / with | 4 KiB swap-in p50 µs without / with |");
        System.out.println("| --- | --- | --- | ---: | ---: | ---: | --- | --- |");
        for (String name : sets) {
            CompressionUnits.DataSet set = CompressionUnits.DataSet.valueOf(name.toUpperCase(Locale.ROOT));
            byte[] data = CompressionUnits.generate(set, trainMib + mib);
            int trainBytes = Math.min(trainMib << 20, data.length / 2) / (2 << 20) * (2 << 20);
            int measured = data.length - trainBytes;
            Run without;
            try (VSwap v = VSwap.builder().zstdLevel(level).build()) {
                without = measure(v, null, data, trainBytes, measured);
            }
            DictionaryTrial trial;
            Run with;
            try (VSwap v = VSwap.builder().zstdLevel(level).dictionaries(true).build()) {
                MemoryGroup g = v.createGroup(name);
                CompletableFuture<DictionaryTrial> round = g.trainDictionary();
                try (Region r = v.allocate(trainBytes, g, RegionOption.SMALL_PAGES)) {
                    MemorySegment.copy(data, 0, r.segment(), ValueLayout.JAVA_BYTE, 0, trainBytes);
                    r.pageOut(0, r.size());
                    trial = round.get(10, TimeUnit.MINUTES);
                }
                with = measure(v, g, data, trainBytes, measured);
            }
            System.out.printf("| %s | %s | %s | %,d | %,d | %.1f%% | %.0f / %.0f | %.1f / %.1f |%n", set.label(),
                    trial.bytesWith() == 0 ? trial.verdict() : String.format("%.1f%%", 100 * trial.ratio()),
                    trial.kept() ? "yes" : "no", without.poolBytes(), with.poolBytes(),
                    100.0 * with.poolBytes() / without.poolBytes(), without.outMBs(), with.outMBs(),
                    without.p50Nanos() / 1e3, with.p50Nanos() / 1e3);
        }
        return 0;
    }

    /** Swaps out {@code len} bytes of data from {@code off}, reads them back, checks them. */
    private static Run measure(VSwap v, MemoryGroup g, byte[] data, int off, int len) {
        try (Region r = g == null ? v.allocate(len, RegionOption.SMALL_PAGES) : v.allocate(len, g, RegionOption.SMALL_PAGES)) {
            MemorySegment seg = r.segment();
            MemorySegment.copy(data, off, seg, ValueLayout.JAVA_BYTE, 0, len);
            VSwapStats before = v.stats();
            long t0 = System.nanoTime();
            r.pageOut(0, r.size());
            long t1 = System.nanoTime();
            VSwapStats out = v.stats();
            // Read back in a scattered order, one word a page first, so each page is its own 4 KiB fault.
            long pages = len / PAGE;
            long sum = 0;
            for (long i = 0; i < pages; i++) {
                long p = (i * 7919) % pages;
                sum += seg.get(ValueLayout.JAVA_LONG, p * PAGE);
            }
            if (MemorySegment.ofArray(data).asSlice(off, len).mismatch(seg) >= 0) {
                throw new AssertionError("a page came back wrong");
            }
            VSwapStats after = v.stats();
            return new Run(out.poolCompressedBytes() - before.poolCompressedBytes(), len / 1e6 / ((t1 - t0) / 1e9),
                    after.faultLatency().get(FaultKind.ZSWAP).p50Nanos() + (sum == 42 ? 1 : 0),
                    out.dictionaryPages() - before.dictionaryPages());
        }
    }
}
