package dev.uvswap.examples.cache.bench;

import dev.uvswap.examples.cache.CacheSpec;
import dev.uvswap.examples.cache.OffHeapCache;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.IntFunction;

/**
 * A YCSB-style benchmark of {@link OffHeapCache}: load N records, then run workloads A, B and C for
 * a fixed time each on T threads, with keys drawn from YCSB's scrambled Zipfian distribution.
 * Every value read is checked byte for byte (outside the timed call). One CSV row per phase:
 * throughput, latency percentiles (HdrHistogram) and the memory the configuration uses. Exit
 * status 1 if any value read back wrong. See the module README and bench/cache/run.sh.
 */
public final class CacheBench {
    static final String CSV_HEADER = "label,store,fault_mode,workload,threads,records,value_bytes,budget_mib,data_mib,"
            + "seconds,ops,ops_per_s,read_p50_us,read_p99_us,update_p50_us,update_p99_us,p50_us,p99_us,p999_us,"
            + "resident_mib,compressed_mib,rss_mib,cgroup_mib,limit_mib,swapins,errors";

    private final BenchArgs args;
    private final long records;
    private final AtomicIntegerArray versions;

    private CacheBench(BenchArgs args) {
        this.args = args;
        this.records = args.records();
        this.versions = new AtomicIntegerArray(Math.toIntExact(records));
    }

    public static void main(String[] argv) throws Exception {
        BenchArgs args;
        try {
            args = BenchArgs.parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        long errors = new CacheBench(args).run();
        System.exit(errors == 0 ? 0 : 1);
    }

    private long run() throws InterruptedException {
        int keyBytes = "user".length() + 19;   // the longest key: "user" + a 63-bit hash in decimal
        int record = 8 + keyBytes + args.valueBytes();
        CacheSpec spec = CacheSpec.forRecords(records, record);
        long errors = 0;
        try (Store store = Store.open(args, spec)) {
            say("%s: %d records of %d B (%d MiB of values, %d MiB of cache memory), budget %d MiB, %d threads",
                    args.label(), records, args.valueBytes(), args.dataMib(),
                    OffHeapCache.requiredBytes(spec) >> 20, args.budgetMib(), args.threads());
            errors += phase(store, "load", Phase.load(this, store.cache()));
            for (Workload w : args.workloads()) {
                errors += phase(store, w.name(), Phase.workload(this, store.cache(), w));
            }
        }
        return errors;
    }

    private long phase(Store store, String name, IntFunction<Phase.Result> perThread) throws InterruptedException {
        long swapIns0 = store.swapIns();
        List<Phase.Result> results = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int t = 0; t < args.threads(); t++) {
            int id = t;
            threads.add(Thread.ofPlatform().name("cache-bench-" + t).start(() -> {
                Phase.Result r = perThread.apply(id);
                synchronized (results) {
                    results.add(r);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (results.size() != args.threads()) {
            throw new IllegalStateException(name + ": " + (args.threads() - results.size()) + " thread(s) failed");
        }
        Phase.Result all = Phase.Result.merge(results);
        Store.Memory m = store.memory();
        long swapIns = store.swapIns() - swapIns0;
        String row = String.join(",", args.label(), args.store().name().toLowerCase(),
                args.store() == BenchArgs.StoreKind.ANON ? "kernel" : args.faultMode().name().toLowerCase(), name,
                str(args.threads()), str(records), str(args.valueBytes()), str(args.budgetMib()), str(args.dataMib()),
                fmt(seconds), str(all.ops()), fmt(all.ops() / seconds),
                us(all.reads(), 50), us(all.reads(), 99), us(all.updates(), 50), us(all.updates(), 99),
                us(all.both(), 50), us(all.both(), 99), us(all.both(), 99.9),
                mib(m.residentBytes()), mib(m.compressedBytes()), mib(m.rssBytes()), mib(m.cgroupBytes()),
                mib(store.limitBytes()), str(swapIns), str(all.errors()));
        say("%s %s: %.0f ops/s, p50 %s us, p99 %s us; resident %s MiB, compressed %s MiB, RSS %s MiB, %d swap-ins%s",
                args.label(), name, all.ops() / seconds, us(all.both(), 50), us(all.both(), 99),
                mib(m.residentBytes()), mib(m.compressedBytes()), mib(m.rssBytes()), swapIns,
                all.errors() == 0 ? "" : ", " + all.errors() + " VALUES READ BACK WRONG");
        String detail = store.swapDetail();
        if (!detail.isEmpty()) {
            say("  %s (totals so far)", detail);
        }
        if (args.csv() != null) {
            appendCsv(row);
        } else {
            System.out.println(row);
        }
        return all.errors();
    }

    /** One phase's per-thread loop and what it measured. */
    static final class Phase {
        record Result(long ops, Histogram reads, Histogram updates, Histogram both, long errors) {
            static Result merge(List<Result> rs) {
                Histogram r = new Histogram(3);
                Histogram u = new Histogram(3);
                Histogram b = new Histogram(3);
                long ops = 0;
                long errors = 0;
                for (Result x : rs) {
                    r.add(x.reads());
                    u.add(x.updates());
                    b.add(x.both());
                    ops += x.ops();
                    errors += x.errors();
                }
                return new Result(ops, r, u, b, errors);
            }
        }

        /** Thread t inserts its share of the records, version 0 each. */
        static IntFunction<Result> load(CacheBench b, OffHeapCache cache) {
            return t -> {
                Histogram h = new Histogram(3);
                long from = b.records * t / b.args.threads();
                long to = b.records * (t + 1) / b.args.threads();
                for (long rec = from; rec < to; rec++) {
                    byte[] key = Ycsb.key(rec);
                    byte[] value = Ycsb.value(rec, 0, b.args.valueBytes());
                    long t0 = System.nanoTime();
                    cache.put(key, value);
                    h.recordValue(System.nanoTime() - t0);
                }
                return new Result(to - from, new Histogram(3), h, h, 0);
            };
        }

        /** Thread t runs the workload until the phase's time is up; reads are checked byte for byte. */
        static IntFunction<Result> workload(CacheBench b, OffHeapCache cache, Workload w) {
            return t -> {
                SplittableRandom rnd = new SplittableRandom(0x5eed + 31L * t + w.name().hashCode());
                ScrambledZipfian keys = new ScrambledZipfian(b.records, rnd.split());
                Histogram reads = new Histogram(3);
                Histogram updates = new Histogram(3);
                Histogram both = new Histogram(3);
                long ops = 0;
                long errors = 0;
                long end = System.nanoTime() + b.args.seconds() * 1_000_000_000L;
                while (System.nanoTime() < end) {
                    long rec = keys.next();
                    byte[] key = Ycsb.key(rec);
                    if (rnd.nextDouble() < w.readProportion()) {
                        long t0 = System.nanoTime();
                        byte[] v = cache.get(key);
                        long dt = System.nanoTime() - t0;
                        reads.recordValue(dt);
                        both.recordValue(dt);
                        if (!Ycsb.check(v, rec, b.args.valueBytes())) {
                            errors++;
                        }
                    } else {
                        byte[] v = Ycsb.value(rec, b.versions.incrementAndGet((int) rec), b.args.valueBytes());
                        long t0 = System.nanoTime();
                        cache.put(key, v);
                        long dt = System.nanoTime() - t0;
                        updates.recordValue(dt);
                        both.recordValue(dt);
                    }
                    ops++;
                }
                return new Result(ops, reads, updates, both, errors);
            };
        }
    }

    private void appendCsv(String row) {
        try {
            boolean fresh = !Files.exists(args.csv()) || Files.size(args.csv()) == 0;
            Files.writeString(args.csv(), (fresh ? CSV_HEADER + "\n" : "") + row + "\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String us(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? "" : fmt(h.getValueAtPercentile(percentile) / 1000.0);
    }

    private static String mib(long bytes) {
        return bytes < 0 ? "" : fmt(bytes / 1048576.0);
    }

    private static String str(long v) {
        return Long.toString(v);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static void say(String format, Object... a) {
        System.err.printf(Locale.ROOT, format + "%n", a);
    }
}
