package dev.uvswap.examples.arrow;

import dev.uvswap.FaultMode;
import dev.uvswap.MemoryGroup;
import dev.uvswap.VSwap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float8Vector;

/**
 * Arrow vectors several times larger than the memory they may use: batches of a BigIntVector
 * (id) and a Float8Vector (price) are built inside a uvswap memory group whose memoryMax is a
 * fraction of the data, then summed, filtered into new vectors, and every value checked. uvswap
 * swaps the cold batches out (compressed) behind Arrow's back; Arrow only sees addresses.
 *
 * <pre>
 *   java ... dev.uvswap.examples.arrow.ArrowLargerThanRam [--data-mib=4096] [--group-mib=256]
 *        [--batch-rows=1048576] [--fault-mode=server|in-thread]
 * </pre>
 * Exit status 0 when every result matched its closed form, 1 otherwise, 2 for a bad option.
 */
public final class ArrowLargerThanRam {

    /** Bytes of vector data per row: an 8-byte id and an 8-byte price (validity bits not counted). */
    static final long BYTES_PER_ROW = 16;
    /**
     * Arrow puts a fixed-width vector's validity bits and values in one buffer, rounded up to a
     * power of two: 1,000,000 rows make 8,000,000 + 125,000 bytes, just under 8 MiB, where 2^20
     * rows would take 16 MiB (half of it zeroed by allocateNew and never used).
     */
    static final int DEFAULT_BATCH_ROWS = 1_000_000;

    public record Options(long dataBytes, long groupMaxBytes, int batchRows, FaultMode faultMode) {
        public Options {
            if (dataBytes < BYTES_PER_ROW || groupMaxBytes < (4L << 20) || batchRows < 1) {
                throw new IllegalArgumentException("need data >= 16 B, group >= 4 MiB, batch rows >= 1");
            }
        }

        static Options parse(String[] args) {
            long data = 4096L << 20;
            long group = 256L << 20;
            int batch = DEFAULT_BATCH_ROWS;
            FaultMode mode = FaultMode.SERVER_THREADS;
            for (String a : args) {
                String[] kv = a.split("=", 2);
                String v = kv.length == 2 ? kv[1] : "";
                switch (kv[0]) {
                    case "--data-mib" -> data = Long.parseLong(v) << 20;
                    case "--group-mib" -> group = Long.parseLong(v) << 20;
                    case "--batch-rows" -> batch = Integer.parseInt(v);
                    case "--fault-mode" -> mode = switch (v) {
                        case "server" -> FaultMode.SERVER_THREADS;
                        case "in-thread" -> FaultMode.IN_THREAD;
                        default -> throw new IllegalArgumentException("--fault-mode is server or in-thread, not " + v);
                    };
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            return new Options(data, group, batch, mode);
        }
    }

    /**
     * What a run found. Each {@code *Ok} says a result equalled its closed form; {@code badValues}
     * counts values (or validity bits) read back wrong in the full check.
     */
    public record Result(long rows, long dataBytes, long arrowAllocatedPeak, long groupMaxBytes, long peakMemoryCurrent,
                         long memoryCurrentAfterBuild, MemoryGroup.Events events, boolean idSumOk, boolean priceSumOk,
                         boolean filterOk, long keptRows, long badValues, long buildNanos, long computeNanos,
                         long checkNanos, UvswapAllocationFactory.Usage usage) {
        public boolean ok() {
            return idSumOk && priceSumOk && filterOk && badValues == 0;
        }
    }

    private record Batch(long firstRow, BigIntVector id, Float8Vector price) { }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("ArrowLargerThanRam: " + e.getMessage());
            System.exit(2);
            return;
        }
        Result r = run(options);
        System.exit(r.ok() ? 0 : 1);
    }

    public static Result run(Options o) throws InterruptedException {
        long rows = o.dataBytes() / BYTES_PER_ROW;
        try (VSwap vswap = VSwap.builder().faultMode(o.faultMode()).build()) {
            MemoryGroup group = vswap.createGroup("arrow");
            group.setMemoryMax(o.groupMaxBytes());
            try (UvswapAllocationFactory factory = UvswapAllocationManager.factory(vswap, group);
                 BufferAllocator root = new RootAllocator(
                         RootAllocator.configBuilder().allocationManagerFactory(factory).build());
                 ResidentSampler sampler = new ResidentSampler(group)) {
                System.out.printf(Locale.ROOT, "ArrowLargerThanRam: %d rows, %s of vector data, group memoryMax %s, %s%n",
                        rows, mib(rows * BYTES_PER_ROW), mib(o.groupMaxBytes()), o.faultMode());

                long t0 = System.nanoTime();
                List<Batch> batches = build(root, rows, o.batchRows());
                long afterBuild = group.memoryCurrent();
                long t1 = System.nanoTime();

                Sums sums = new Sums();
                List<BigIntVector> kept = sumAndFilter(root, batches, sums);
                long t2 = System.nanoTime();
                long arrowPeak = root.getPeakMemoryAllocation();

                Rows.Filtered expected = Rows.filtered(rows);
                boolean filterOk = checkFiltered(kept, expected);
                long bad = checkEveryValue(batches);
                long t3 = System.nanoTime();
                kept.forEach(BigIntVector::close);
                batches.forEach(b -> { b.id().close(); b.price().close(); });

                Result r = new Result(rows, rows * BYTES_PER_ROW, arrowPeak, o.groupMaxBytes(), sampler.peak(), afterBuild,
                        group.events(), sums.id == Rows.idSum(rows), sums.price == Rows.priceSum(rows), filterOk,
                        expected.count(), bad, t1 - t0, t2 - t1, t3 - t2, factory.usage());
                report(r, vswap);
                return r;
            }
        }
    }

    private static List<Batch> build(BufferAllocator root, long rows, int batchRows) {
        List<Batch> batches = new ArrayList<>();
        for (long first = 0; first < rows; first += batchRows) {
            int n = (int) Math.min(batchRows, rows - first);
            BigIntVector id = new BigIntVector("id", root);
            Float8Vector price = new Float8Vector("price", root);
            id.allocateNew(n);
            price.allocateNew(n);
            for (int i = 0; i < n; i++) {
                id.set(i, Rows.id(first + i));
                price.set(i, Rows.price(first + i));
            }
            id.setValueCount(n);
            price.setValueCount(n);
            batches.add(new Batch(first, id, price));
        }
        return batches;
    }

    private static final class Sums {
        long id;
        double price;
    }

    /**
     * One pass over the data: sums both columns into {@code sums} and returns the ids of the rows
     * the filter keeps, a new vector per input batch (allocated in the same group).
     */
    private static List<BigIntVector> sumAndFilter(BufferAllocator root, List<Batch> batches, Sums sums) {
        List<BigIntVector> out = new ArrayList<>();
        for (Batch b : batches) {
            BigIntVector kept = new BigIntVector("kept", root);
            kept.allocateNew(b.id().getValueCount() / Rows.ID_MODULUS + 1);
            int k = 0;
            for (int i = 0; i < b.id().getValueCount(); i++) {
                long id = b.id().get(i);
                double price = b.price().get(i);
                sums.id += id;
                sums.price += price;
                if (Rows.kept(id, price)) {
                    kept.setSafe(k++, id);
                }
            }
            kept.setValueCount(k);
            out.add(kept);
        }
        return out;
    }

    /** Kept ids rise strictly, all pass the filter, and their count and sum are the closed forms: exactly the set. */
    private static boolean checkFiltered(List<BigIntVector> kept, Rows.Filtered expected) {
        long count = 0;
        long sum = 0;
        long last = -1;
        for (BigIntVector v : kept) {
            for (int i = 0; i < v.getValueCount(); i++) {
                long id = v.get(i);
                if (v.isNull(i) || id <= last || !Rows.kept(id, Rows.price(id))) {
                    return false;
                }
                last = id;
                count++;
                sum += id;
            }
        }
        return count == expected.count() && sum == expected.idSum();
    }

    /** Every id, price and validity bit against its closed form. */
    private static long checkEveryValue(List<Batch> batches) {
        long bad = 0;
        for (Batch b : batches) {
            for (int i = 0; i < b.id().getValueCount(); i++) {
                long row = b.firstRow() + i;
                if (b.id().isNull(i) || b.price().isNull(i) || b.id().get(i) != Rows.id(row)
                        || b.price().get(i) != Rows.price(row)) {
                    bad++;
                }
            }
        }
        return bad;
    }

    private static void report(Result r, VSwap vswap) {
        System.out.printf(Locale.ROOT, "  data %s (Arrow peak allocation %s) in a group of memoryMax %s: peak memoryCurrent %s"
                        + " (%.2fx max), %s after the build%n",
                mib(r.dataBytes()), mib(r.arrowAllocatedPeak()), mib(r.groupMaxBytes()), mib(r.peakMemoryCurrent()),
                (double) r.peakMemoryCurrent() / r.groupMaxBytes(), mib(r.memoryCurrentAfterBuild()));
        System.out.printf(Locale.ROOT, "  build %.2f s, sums + filter %.2f s, check of every value %.2f s; reclaimed %s, refaults %d pages,"
                        + " max events %d, reclaim failures %d (direct %s)%n",
                r.buildNanos() / 1e9, r.computeNanos() / 1e9, r.checkNanos() / 1e9,
                mib(r.events().reclaimedBytes() + r.events().directReclaimedBytes()),
                r.events().refaults(), r.events().max(), r.events().reclaimFailures(),
                mib(r.events().directReclaimedBytes()));
        System.out.printf(Locale.ROOT, "  regions: %d large + %d slabs made; idSum %s, priceSum %s, filter (%d rows) %s,"
                        + " values wrong %d -> %s%n",
                r.usage().regionAllocations(), r.usage().slabsMade(), r.idSumOk() ? "ok" : "WRONG",
                r.priceSumOk() ? "ok" : "WRONG", r.keptRows(), r.filterOk() ? "ok" : "WRONG", r.badValues(),
                r.ok() ? "OK" : "FAILED");
        System.out.println("  " + vswap.stats());
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
}
