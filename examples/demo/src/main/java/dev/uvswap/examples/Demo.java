package dev.uvswap.examples;

import dev.uvswap.Compressor;
import dev.uvswap.FaultKind;
import dev.uvswap.LatencyPercentiles;
import dev.uvswap.Region;
import dev.uvswap.UnsupportedPlatformException;
import dev.uvswap.VSwap;
import dev.uvswap.VSwapException;
import dev.uvswap.VSwapStats;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The main demo: a region much larger than what we keep resident, filled like an off-heap
 * store, most of it swapped out to the vswap layer, then every page touched back and checked.
 *
 * <pre>
 *   ./uvs demo                      4 GiB region, zstd, 90% swapped out
 *   ./uvs demo --size=1g --lz4 --out=75
 *   ./uvs demo --help
 * </pre>
 * Exit status: 0 when every page came back, 1 when a page came back wrong or the run failed,
 * 2 for a bad option (one line on stderr).
 */
public final class Demo {
    private static final long PAGE = 4096;

    private final long size;
    private final Compressor codec;
    private final int outPercent;
    private final int threads = Math.max(2, Runtime.getRuntime().availableProcessors());

    private Demo(long size, Compressor codec, int outPercent) {
        this.size = size;
        this.codec = codec;
        this.outPercent = outPercent;
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
            case DemoArgs.Run(long size, Compressor codec, int out) -> {
                boolean ok;
                try {
                    ok = new Demo(size, codec, out).run();
                } catch (UnsupportedPlatformException | VSwapException | IllegalArgumentException e) {
                    // The platform or the size the runtime refused (e.g. past the largest region): one line says why.
                    System.err.println("demo: FAILED: " + e.getMessage());
                    ok = false;
                }
                System.exit(ok ? 0 : 1);
            }
        }
    }

    private boolean run() throws InterruptedException {
        try (VSwap vswap = VSwap.builder().compressor(codec).build(); Region region = vswap.allocate(size)) {
            long pages = region.size() / PAGE;
            long outPages = pages * outPercent / 100;
            System.out.printf("uvswap demo: %s region, %s, %d fault threads, %s%n", Units.bytes(region.size()), codec,
                    vswap.faultThreads(), vswap.kernelFaultsHandled() ? "kernel and user faults served"
                            : "user-mode faults only (prefault before I/O into the region)");

            MemorySegment seg = region.segment();
            long t0 = System.nanoTime();
            parallel("fill   ", pages, (p) -> StoreData.fill(seg, p));
            report("filled", pages, t0);
            System.out.printf("  resident: %s%n", Units.bytes(region.residentBytes()));

            t0 = System.nanoTime();
            long[] swapped = new long[1];
            parallelRanges("swap out", outPages, (first, n) -> {
                long got = region.pageOut(first * PAGE, n * PAGE);
                synchronized (swapped) {
                    swapped[0] += got;
                }
            });
            report(String.format("swapped out %,d pages (%d%%)", swapped[0], outPercent), outPages, t0);
            VSwapStats s = vswap.stats();
            System.out.printf("  resident: %s; pool holds %s for %,d pages (%s compressed, ratio %.2f:1); %,d zero pages stored as nothing%n",
                    Units.bytes(region.residentBytes()), Units.bytes(s.poolTotalBytes()), s.poolStoredPages(),
                    Units.bytes(s.poolCompressedBytes()), s.compressionRatio(), s.swpoutZero());

            AtomicLong bad = new AtomicLong();
            t0 = System.nanoTime();
            parallel("touch  ", pages, (p) -> {
                if (!StoreData.check(seg, p)) {
                    bad.incrementAndGet();
                }
            });
            report("touched and verified", pages, t0);
            s = vswap.stats();
            System.out.printf("  swap-ins: %,d pages (zswap %,d, zero %,d, cache %,d); %,d extents came back as one 2 MiB huge page, %,d pages read ahead%n",
                    s.pswpin(), s.zswpin(), s.swpinZero(), s.cacheHits(), s.thpSwpin(), s.readaheadPages());
            System.out.printf("  first touches: %,d extents as huge pages, %,d single pages; %,d extents went out whole%n",
                    s.thpFirstTouch(), s.faults(FaultKind.FIRST_TOUCH), s.thpSwpout());
            for (FaultKind k : List.of(FaultKind.THP_SWAPIN, FaultKind.THP_FIRST_TOUCH, FaultKind.ZSWAP, FaultKind.ZERO, FaultKind.CACHE)) {
                LatencyPercentiles l = s.faultLatency().get(k);
                if (l.count() > 0) {
                    System.out.printf("  %-15s fault service time: p50 %s, p90 %s, p99 %s (%,d faults)%n",
                            k, Units.nanos(l.p50Nanos()), Units.nanos(l.p90Nanos()), Units.nanos(l.p99Nanos()), l.count());
                }
            }
            System.out.printf("  slots in use: %,d; fault-server errors: %d%n", s.slotsInUse(), s.faultErrors());
            if (bad.get() != 0) {
                System.out.printf("FAILED: %,d pages came back wrong%n", bad.get());
                return false;
            }
            System.out.printf("OK: every one of %,d pages came back byte for byte%n", pages);
            return true;
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

    private static void report(String what, long pages, long t0) {
        long nanos = System.nanoTime() - t0;
        System.out.printf("  %s: %s in %s, %s%n", what, Units.bytes(pages * PAGE), Units.nanos(nanos), Units.rate(pages * PAGE, nanos));
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
