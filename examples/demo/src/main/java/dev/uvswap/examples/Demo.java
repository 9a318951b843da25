package dev.uvswap.examples;

import dev.uvswap.Compressor;
import dev.uvswap.FaultKind;
import dev.uvswap.LatencyPercentiles;
import dev.uvswap.MemoryGroup;
import dev.uvswap.Region;
import dev.uvswap.UnsupportedPlatformException;
import dev.uvswap.VSwap;
import dev.uvswap.VSwapException;
import dev.uvswap.VSwapStats;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The main demo: a data set larger than the memory the process may use, streamed through a
 * memory group whose resident limit is a fraction of it. The fill writes every page; the group's
 * reclaimer swaps pages out behind it (and the fault path holds a writer that outruns it), so
 * resident memory stays near the group's max while the data grows past the cgroup's limit or
 * RAM. Then most pages are swapped out, every page is read back and checked, and a summary says
 * how large the data was next to the memory it ran in.
 *
 * <pre>
 *   ./uvs demo                      4 GiB of data, or 3x the memory cgroup's limit when smaller
 *   ./uvs demo --size=1g --lz4 --out=75
 *   ./uvs demo --help
 * </pre>
 * Exit status: 0 when every page came back, 1 when a page came back wrong or the run failed,
 * 2 for a bad option (one line on stderr).
 */
public final class Demo {
    private static final long PAGE = 4096;
    private static final long MIB = 1L << 20;

    private final Plan plan;
    private final int threads = Math.max(2, Runtime.getRuntime().availableProcessors());

    private Demo(Plan plan) {
        this.plan = plan;
    }

    /**
     * What to run, chosen from the options and the memory the process may use.
     *
     * @param poolMaxBytes the compressed pool's limit, 0 for uvswap's default
     */
    record Plan(long sizeBytes, long groupMaxBytes, long poolMaxBytes, Compressor codec, int outPercent,
                MemoryLimit limit) {

        static Plan of(DemoArgs.Run run, MemoryLimit limit) {
            boolean cgroup = limit.cgroup().isPresent();
            long budget = limit.bytes();
            // zstd stores this data about 5:1, lz4 about 2.6:1: the pool must hold it inside the cgroup too.
            long fits = run.codec() == Compressor.ZSTD ? budget * 3 : budget * 3 / 2;
            long size = run.sizeBytes() > 0 ? run.sizeBytes() : cgroup ? Math.min(4L << 30, fits) : 4L << 30;
            long max = run.maxBytes() > 0 ? run.maxBytes() : Math.clamp(budget / 8, 32 * MIB, 512 * MIB);
            long pool = cgroup ? budget * 5 / 8 : 0;
            return new Plan(size, max, pool, run.codec(), run.outPercent(), limit);
        }

        String budgetText() {
            return limit.cgroup().map(d -> Units.bytes(limit.bytes()) + " (the limit of memory cgroup " + d + ")")
                    .orElse(Units.bytes(limit.bytes()) + " (this machine's RAM; no memory cgroup limit)");
        }
    }

    public static void main(String[] args) throws InterruptedException {
        DemoArgs parsed;
        try {
            parsed = DemoArgs.parse(List.of(args));
        } catch (IllegalArgumentException e) {
            System.err.println("demo: " + e.getMessage() + " (./uvs demo --help for the options)");
            System.exit(2);
            return;
        }
        switch (parsed) {
            case DemoArgs.Help() -> System.out.print(DemoArgs.USAGE);
            case DemoArgs.Run run when run.cgroupBytes() > 0 -> {
                try {
                    System.exit(OwnCgroup.rerun(run.cgroupBytes(), List.of(args)));
                } catch (java.io.IOException e) {
                    System.err.println("demo: " + e.getMessage());
                    System.exit(1);
                }
            }
            case DemoArgs.Run run -> System.exit(runAndReport(Plan.of(run, MemoryLimit.ofThisProcess())) ? 0 : 1);
        }
    }

    /** Runs {@code plan}; false (after one line saying why) when a page came back wrong or the run failed. */
    static boolean runAndReport(Plan plan) throws InterruptedException {
        if (plan.limit().cgroup().isPresent() && plan.sizeBytes() > 4 * plan.limit().bytes()) {
            System.err.printf("demo: note: %s of data in %s; if it compresses worse than 5:1 the pool will not fit%n",
                    Units.bytes(plan.sizeBytes()), plan.budgetText());
        }
        try {
            return new Demo(plan).run();
        } catch (UnsupportedPlatformException | VSwapException | IllegalArgumentException | IllegalStateException e) {
            // The platform or a size the runtime refused (e.g. past the largest region): one line says why.
            System.err.println("demo: FAILED: " + e.getMessage());
            return false;
        } catch (InternalError e) {
            System.err.println("demo: FAILED: a page could not be read back: " + e.getMessage());
            return false;
        }
    }

    private boolean run() throws InterruptedException {
        VSwap.Builder builder = VSwap.builder().compressor(plan.codec());
        if (plan.poolMaxBytes() > 0) {
            // No swap file here: the whole pool is the store, so nothing is to be written back below its max.
            builder.poolMaxBytes(plan.poolMaxBytes()).zswapMaxBytes(plan.poolMaxBytes());
        }
        try (VSwap vswap = builder.build()) {
            MemoryGroup group = vswap.createGroup("demo");
            group.setMemoryMax(plan.groupMaxBytes());
            group.setMemoryHigh(plan.groupMaxBytes() - plan.groupMaxBytes() / 8);
            try (Region region = vswap.allocate(plan.sizeBytes(), group);
                 PeakSampler peak = new PeakSampler(group)) {
                return run(vswap, group, region, peak);
            }
        }
    }

    private boolean run(VSwap vswap, MemoryGroup group, Region region, PeakSampler peak) throws InterruptedException {
        long pages = region.size() / PAGE;
        long outPages = pages * plan.outPercent() / 100;
        System.out.printf("uvswap demo: %s of data through a memory group of max %s, %s, %d fault threads%n",
                Units.bytes(region.size()), Units.bytes(plan.groupMaxBytes()), plan.codec(), vswap.faultThreads());
        System.out.printf("  this process may use %s%n", plan.budgetText());

        MemorySegment seg = region.segment();
        long t0 = System.nanoTime();
        parallel("fill   ", pages, (p) -> StoreData.fill(seg, p));
        long fillNanos = System.nanoTime() - t0;
        report("filled", pages * PAGE, fillNanos);
        System.out.printf("  resident in the group: %s (max %s); swapped out behind the writer so far: %s%n",
                Units.bytes(group.memoryCurrent()), Units.bytes(plan.groupMaxBytes()),
                Units.bytes(vswap.stats().pswpout() * PAGE));

        t0 = System.nanoTime();
        long[] swapped = new long[1];
        parallelRanges("swap out", outPages, (first, n) -> {
            long got = region.pageOut(first * PAGE, n * PAGE);
            synchronized (swapped) {
                swapped[0] += got;
            }
        });
        long outNanos = System.nanoTime() - t0;
        System.out.printf("  swap out %d%% of the pages: %,d were still resident and left in %s%s%n", plan.outPercent(),
                swapped[0], Units.nanos(outNanos), swapped[0] > 0 ? ", " + Units.rate(swapped[0] * PAGE, outNanos) : "");
        VSwapStats s = vswap.stats();
        System.out.printf("  resident: %s; pool holds %s for %,d pages (%s compressed, ratio %.2f:1); %,d zero pages stored as nothing%n",
                Units.bytes(region.residentBytes()), Units.bytes(s.poolTotalBytes()), s.poolStoredPages(),
                Units.bytes(s.poolCompressedBytes()), s.compressionRatio(), s.swpoutZero());

        AtomicLong bad = new AtomicLong();
        t0 = System.nanoTime();
        parallel("verify ", pages, (p) -> {
            if (!StoreData.check(seg, p)) {
                bad.incrementAndGet();
            }
        });
        long verifyNanos = System.nanoTime() - t0;
        report("read back and verified", pages * PAGE, verifyNanos);
        s = vswap.stats();
        System.out.printf("  swap-ins: %,d pages (zswap %,d, zero %,d, cache %,d); %,d extents came back as one 2 MiB huge page, %,d pages read ahead%n",
                s.pswpin(), s.zswpin(), s.swpinZero(), s.cacheHits(), s.thpSwpin(), s.readaheadPages());
        for (FaultKind k : List.of(FaultKind.THP_SWAPIN, FaultKind.THP_FIRST_TOUCH, FaultKind.ZSWAP, FaultKind.ZERO, FaultKind.CACHE)) {
            LatencyPercentiles l = s.faultLatency().get(k);
            if (l.count() > 0) {
                System.out.printf("  %-15s fault service time: p50 %s, p90 %s, p99 %s (%,d faults)%n",
                        k, Units.nanos(l.p50Nanos()), Units.nanos(l.p90Nanos()), Units.nanos(l.p99Nanos()), l.count());
            }
        }
        System.out.printf("  group: found over its max %,d times; its faults took %.2f s per second of the run"
                + " (threads waiting at once add up); fault-server errors: %d%n",
                group.events().max(), group.faultPressure(), s.faultErrors());
        peak.sample();
        summary(region.size(), s, peak.groupPeak(), fillNanos, verifyNanos, bad.get());
        if (bad.get() != 0) {
            System.out.printf("FAILED: %,d pages came back wrong%n", bad.get());
            return false;
        }
        System.out.printf("OK: every one of %,d pages came back byte for byte%n", pages);
        return true;
    }

    /** The table at the end: the data next to every memory figure it ran in. */
    private void summary(long data, VSwapStats s, long groupPeak, long fillNanos, long verifyNanos, long bad) {
        long rss = MemoryLimit.peakRssBytes();
        long cgroupPeak = MemoryLimit.cgroupPeakBytes();
        long budget = plan.limit().bytes();
        System.out.println();
        System.out.println("  summary");
        row("data", Units.bytes(data), data >= budget
                ? String.format(Locale.ROOT, "%.1fx the memory this process may use", data / (double) budget)
                : String.format(Locale.ROOT, "%.0f%% of the memory this process may use", 100.0 * data / budget));
        boolean cgroup = plan.limit().cgroup().isPresent();
        row(cgroup ? "memory cgroup limit" : "RAM (no cgroup limit)", Units.bytes(budget),
                cgroup && cgroupPeak > 0 ? "peak use of the cgroup " + Units.bytes(cgroupPeak) : "");
        row("memory group max", Units.bytes(plan.groupMaxBytes()), "peak resident in the group " + Units.bytes(groupPeak)
                + " (sampled every 50 ms)");
        row("process peak RSS", rss > 0 ? Units.bytes(rss) : "?", "JVM, compressed pool and the group's pages together");
        row("compressed pool", Units.bytes(s.poolTotalBytes()), String.format(Locale.ROOT, "ratio %.2f:1", s.compressionRatio()));
        row("fill", Units.nanos(fillNanos), Units.rate(data, fillNanos));
        row("read back, verify", Units.nanos(verifyNanos), Units.rate(data, verifyNanos));
        row("pages wrong", String.format(Locale.ROOT, "%,d", bad), "");
        if (data > budget && (rss <= 0 || rss < data)) {
            System.out.printf("  larger than RAM: %s of data went through a process allowed %s%s.%n", Units.bytes(data),
                    Units.bytes(budget), rss > 0 ? ", whose resident set never passed " + Units.bytes(rss) : "");
        } else if (data <= budget) {
            System.out.printf("  the data fits in the %s this process may use; to see it go through less memory than it needs,"
                    + " run ./uvs demo --cgroup=1g (as root) or in a container with a memory limit.%n", Units.bytes(budget));
        }
    }

    private static void row(String what, String value, String note) {
        System.out.println(String.format(Locale.ROOT, "  %-22s %12s  %s", what, value, note).stripTrailing());
    }

    /** Samples the group's resident bytes every 50 ms in the background, for the summary's peak. */
    private static final class PeakSampler implements AutoCloseable {
        private final MemoryGroup group;
        private final AtomicLong peak = new AtomicLong();
        private final Thread thread;

        PeakSampler(MemoryGroup group) {
            this.group = group;
            this.thread = Thread.ofPlatform().daemon().name("demo-peak-sampler").start(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        sample();
                        Thread.sleep(50);
                    }
                } catch (InterruptedException | IllegalStateException e) {
                    // closed
                }
            });
        }

        void sample() {
            peak.accumulateAndGet(group.memoryCurrent(), Math::max);
        }

        long groupPeak() {
            return peak.get();
        }

        @Override
        public void close() throws InterruptedException {
            thread.interrupt();
            thread.join();
        }
    }

    @FunctionalInterface
    private interface PageTask {
        void run(long page);
    }

    @FunctionalInterface
    private interface RangeTask {
        void run(long firstPage, long pages);
    }

    /**
     * Splits [0, pages) into 2 MiB steps handed out to the worker threads, with a progress bar.
     * A worker's failure stops the others and is thrown here, so a failed step never ends in "OK".
     */
    private void parallelRanges(String label, long pages, RangeTask task) throws InterruptedException {
        AtomicLong next = new AtomicLong();
        AtomicLong done = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long step = 512;
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(Thread.ofPlatform().start(() -> {
                try {
                    long first;
                    while (failure.get() == null && (first = next.getAndAdd(step)) < pages) {
                        long n = Math.min(step, pages - first);
                        task.run(first, n);
                        done.addAndGet(n);
                    }
                } catch (RuntimeException | Error e) {   // e.g. an InternalError for a poisoned page
                    if (!failure.compareAndSet(null, e)) {
                        failure.get().addSuppressed(e);
                    }
                }
            }));
        }
        Progress bar = new Progress(label, pages);
        for (Thread w : workers) {
            while (w.isAlive()) {
                bar.show(done.get());
                w.join(200);
            }
        }
        if (failure.get() != null) {
            bar.abandon();
            if (failure.get() instanceof Error e) {
                throw e;
            }
            throw (RuntimeException) failure.get();
        }
        bar.finish();
    }

    private void parallel(String label, long pages, PageTask task) throws InterruptedException {
        parallelRanges(label, pages, (first, n) -> {
            for (long p = first; p < first + n; p++) {
                task.run(p);
            }
        });
    }

    private static void report(String what, long bytes, long nanos) {
        System.out.printf("  %s: %s in %s, %s%n", what, Units.bytes(bytes), Units.nanos(nanos), Units.rate(bytes, nanos));
    }

    /** A one-line progress bar on a terminal; a line every 25% otherwise (CI logs). */
    private static final class Progress {
        private final String label;
        private final long total;
        private final boolean tty = System.console() != null;
        private int lastQuarter = -1;

        Progress(String label, long total) {
            this.label = label;
            this.total = total;
        }

        void show(long done) {
            int pct = (int) (100 * done / Math.max(1, total));
            if (tty) {
                int fill = pct / 4;
                System.out.printf("\r  %s [%s%s] %3d%%", label, "#".repeat(fill), " ".repeat(25 - fill), pct);
                System.out.flush();
            } else if (pct / 25 > lastQuarter) {
                lastQuarter = pct / 25;
                System.out.printf("  %s %3d%%%n", label, pct);
            }
        }

        void finish() {
            show(total);
            abandon();
        }

        /** Ends the bar's line where it stands, so what follows starts on a line of its own. */
        void abandon() {
            if (tty) {
                System.out.println();
            }
        }
    }

    /**
     * Contents like an off-heap store's: index pages of sorted keys, value pages of text and
     * small integers, some empty (zero) pages and a few incompressible (already compressed or
     * encrypted) ones. Every word is a function of its position, so any page can be checked.
     */
    static final class StoreData {
        static void fill(MemorySegment seg, long page) {
            long base = page * PAGE;
            for (long w = 0; w < PAGE / 8; w++) {
                seg.set(ValueLayout.JAVA_LONG, base + w * 8, word(page, w));
            }
        }

        static boolean check(MemorySegment seg, long page) {
            long base = page * PAGE;
            for (long w = 0; w < PAGE / 8; w++) {
                if (seg.get(ValueLayout.JAVA_LONG, base + w * 8) != word(page, w)) {
                    return false;
                }
            }
            return true;
        }

        static long word(long page, long w) {
            int kind = (int) (mix(page) & 15);
            if (kind < 2) {
                return 0;                                           // empty
            }
            if (kind < 3) {
                return mix(page * 512 + w);                         // incompressible
            }
            if (kind < 8) {
                return page * 65536 + w * 97;                       // index: sorted keys
            }
            long r = mix(page * 7 + w / 8);                         // values: text and small ints
            return (w & 1) == 0 ? 0x2065756c61762041L + (r & 0x0F0F) : r & 0xFFFF;
        }

        static long mix(long z) {
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }
    }
}
