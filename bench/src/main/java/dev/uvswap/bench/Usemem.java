package dev.uvswap.bench;

import dev.uvswap.Compressor;
import dev.uvswap.MemoryGroup;
import dev.uvswap.Region;
import dev.uvswap.FaultMode;
import dev.uvswap.RegionOption;
import dev.uvswap.VSwap;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The usemem/memhog harness over uvswap: the workload bench/native/usemem.c runs under a kernel
 * memory cgroup, run in a uvswap memory group with the same resident budget. Each combination
 * {@code pattern:order:threads:ratio} writes a region of ratio x budget (small pages, as the
 * kernel run uses) with N threads, each owning a contiguous share of the pages and visiting it in
 * ascending or shuffled order, reads every word back and checks it, and frees the region. One CSV
 * row per round, in the kernel runner's columns:
 *
 * <pre>
 *   java -cp uvswap-bench.jar dev.uvswap.bench.Usemem --budget-mib 256 --codec lz4 --out usemem.csv \
 *        usemem:seq:1:1.75 usemem:rand:2:3
 * </pre>
 *
 * real is mmap to free; user and sys are the whole process's (getrusage), so they include the
 * fault servers, the reclaimer and compression, but also the JIT and GC, which the C program does
 * not have; a warm-up round of the first combination, not recorded, keeps the JIT out of most of it.
 */
public final class Usemem {
    static final String HEADER = "system,backend,codec,pattern,order,threads,ratio,budget_mib,size_mib,round,"
            + "real_s,user_s,sys_s,write_mbps,verify_mbps,free_ms,peak_mib,pages,errors";
    static final long PAGE = PagePattern.PAGE;

    /** One workload: what is written, in which order, by how many threads, over how much. */
    record Combo(PagePattern pattern, boolean random, int threads, String ratio) {
        static Combo parse(String s) {
            String[] f = s.split(":");
            if (f.length != 4) {
                throw new IllegalArgumentException("a combination is pattern:order:threads:ratio, not " + s);
            }
            boolean random = switch (f[1]) {
                case "seq" -> false;
                case "rand" -> true;
                default -> throw new IllegalArgumentException("order is seq or rand, not " + f[1]);
            };
            return new Combo(PagePattern.valueOf(f[0].toUpperCase(Locale.ROOT)), random, Integer.parseInt(f[2]), f[3]);
        }

        /** ratio x budget, rounded down to an even number of MiB (as the kernel runner rounds it). */
        long sizeMib(long budgetMib) {
            return (long) Math.floor(budgetMib * Double.parseDouble(ratio)) & ~1L;
        }
    }

    record Result(double realS, double userS, double sysS, double writeMbps, double verifyMbps, double freeMs,
                  long peakMib, long pages, long errors) {
    }

    private final VSwap vswap;
    private final MemoryGroup group;
    private final long budgetMib;
    /** Regions with first-touch windows (RegionOption.FIRST_TOUCH_WINDOWS): not what the kernel run does. */
    private final boolean windows;
    /** Regions with 2 MiB pages (uvswap's default), matched with the kernel's usemem --huge. */
    private final boolean huge;

    Usemem(VSwap vswap, long budgetMib, boolean windows, boolean huge) {
        this.huge = huge;
        this.vswap = vswap;
        this.budgetMib = budgetMib;
        this.windows = windows;
        this.group = vswap.createGroup("usemem");
        group.setMemoryMax(budgetMib << 20);
    }

    Result run(Combo c) throws InterruptedException {
        long bytes = c.sizeMib(budgetMib) << 20;
        long pages = bytes / PAGE;
        Rusage ru0 = Rusage.now();
        long t0 = System.nanoTime();
        Region region = huge ? vswap.allocate(bytes, group)
                : windows ? vswap.allocate(bytes, group, RegionOption.SMALL_PAGES, RegionOption.FIRST_TOUCH_WINDOWS)
                : vswap.allocate(bytes, group, RegionOption.SMALL_PAGES);
        MemorySegment seg = region.segment();
        AtomicLong peak = new AtomicLong();
        long t1 = System.nanoTime();
        inThreads(c.threads, t -> {
            long[] order = order(pages, c, t);
            for (int i = 0; i < order.length; i++) {
                c.pattern.fill(seg, order[i] * PAGE, order[i]);
                if (t == 0 && (i & 255) == 0) {
                    peak.accumulateAndGet(group.memoryCurrent(), Math::max);
                }
            }
            return 0;
        });
        long t2 = System.nanoTime();
        long errors = inThreads(c.threads, t -> {
            long bad = 0;
            for (long p : order(pages, c, t)) {
                bad += c.pattern.errors(seg, p * PAGE, p);
            }
            return bad;
        });
        long t3 = System.nanoTime();
        region.close();
        long t4 = System.nanoTime();
        Rusage ru = Rusage.now();
        return new Result((t4 - t0) / 1e9, ru.userS - ru0.userS, ru.sysS - ru0.sysS,
                bytes / 1e6 / ((t2 - t1) / 1e9), bytes / 1e6 / ((t3 - t2) / 1e9), (t4 - t3) / 1e6,
                peak.get() >> 20, pages, errors);
    }

    /** Thread t's share of the pages, ascending or shuffled as usemem.c shuffles it. */
    static long[] order(long pages, Combo c, int t) {
        long from = t * pages / c.threads;
        long to = (t + 1) * pages / c.threads;
        long[] a = new long[(int) (to - from)];
        for (int i = 0; i < a.length; i++) {
            a[i] = from + i;
        }
        if (c.random) {
            long[] state = {42 + t};
            for (int i = a.length - 1; i > 0; i--) {
                int j = (int) Long.remainderUnsigned(splitmix64(state), i + 1);
                long x = a[i];
                a[i] = a[j];
                a[j] = x;
            }
        }
        return a;
    }

    static long splitmix64(long[] state) {
        long z = (state[0] += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    interface Share {
        long run(int thread) throws Exception;
    }

    /** Runs {@code share} on {@code n} platform threads and sums what they return. */
    static long inThreads(int n, Share share) throws InterruptedException {
        long[] sums = new long[n];
        Throwable[] failed = new Throwable[1];
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            int id = t;
            threads.add(Thread.ofPlatform().name("usemem-" + t).start(() -> {
                try {
                    sums[id] = share.run(id);
                } catch (Throwable e) {
                    synchronized (failed) {
                        failed[0] = e;
                    }
                }
            }));
        }
        long sum = 0;
        for (int t = 0; t < n; t++) {
            threads.get(t).join();
            sum += sums[t];
        }
        if (failed[0] != null) {
            throw new IllegalStateException("a usemem thread failed", failed[0]);
        }
        return sum;
    }

    /** The process's CPU time so far, from getrusage(RUSAGE_SELF): every thread, the fault servers' included. */
    record Rusage(double userS, double sysS) {
        private static final MethodHandle GETRUSAGE = Linker.nativeLinker().downcallHandle(
                Linker.nativeLinker().defaultLookup().findOrThrow("getrusage"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));

        static Rusage now() {
            try (Arena arena = Arena.ofConfined()) {
                // struct rusage begins with two struct timevals (ru_utime, ru_stime) of two longs each.
                MemorySegment ru = arena.allocate(144, 8);
                int r = (int) GETRUSAGE.invokeExact(0, ru);
                if (r != 0) {
                    throw new IllegalStateException("getrusage failed");
                }
                return new Rusage(ru.get(ValueLayout.JAVA_LONG, 0) + ru.get(ValueLayout.JAVA_LONG, 8) / 1e6,
                        ru.get(ValueLayout.JAVA_LONG, 16) + ru.get(ValueLayout.JAVA_LONG, 24) / 1e6);
            } catch (Throwable t) {
                throw t instanceof RuntimeException re ? re : new IllegalStateException(t);
            }
        }
    }

    /** The backend column: which fault mode served the run. */
    static String backend(FaultMode mode) {
        return mode == FaultMode.IN_THREAD ? "uvswap-inthread" : "uvswap";
    }

    static String row(String backend, String codec, Combo c, long budgetMib, int round, Result r) {
        return String.format(Locale.ROOT, "uvswap,%s,%s,%s,%s,%d,%s,%d,%d,%d,%.3f,%.3f,%.3f,%.1f,%.1f,%.1f,%d,%d,%d",
                backend, codec, c.pattern.name().toLowerCase(Locale.ROOT), c.random ? "rand" : "seq", c.threads, c.ratio,
                budgetMib, c.sizeMib(budgetMib), round, r.realS, r.userS, r.sysS, r.writeMbps, r.verifyMbps, r.freeMs,
                r.peakMib, r.pages, r.errors);
    }

    public static void main(String[] args) throws Exception {
        long budgetMib = 256;
        int rounds = 1;
        String codec = "zstd";
        FaultMode faultMode = FaultMode.SERVER_THREADS;
        boolean windows = false;
        boolean huge = false;
        Path out = null;
        List<Combo> combos = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--budget-mib" -> budgetMib = Long.parseLong(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--codec" -> codec = args[++i];
                case "--out" -> out = Path.of(args[++i]);
                case "--first-touch-windows" -> windows = true;
                case "--huge-pages" -> huge = true;
                case "--fault-mode" -> faultMode = args[++i].equals("in-thread") ? FaultMode.IN_THREAD : FaultMode.SERVER_THREADS;
                default -> combos.add(Combo.parse(args[i]));
            }
        }
        if (combos.isEmpty()) {
            System.err.println("usage: Usemem [--budget-mib B] [--codec zstd|lz4] [--rounds R] [--fault-mode servers|in-thread] [--first-touch-windows] [--huge-pages] [--out FILE.csv] pattern:order:threads:ratio...");
            System.exit(2);
        }
        Compressor compressor = codec.equals("lz4") ? Compressor.LZ4 : Compressor.ZSTD;
        PrintStream csv = System.out;
        if (out != null) {
            boolean fresh = !Files.exists(out) || Files.size(out) == 0;
            csv = new PrintStream(Files.newOutputStream(out, StandardOpenOption.CREATE, StandardOpenOption.APPEND), true);
            if (fresh) {
                csv.println(HEADER);
            }
        } else {
            csv.println(HEADER);
        }
        long errors = 0;
        try (VSwap vswap = VSwap.builder().compressor(compressor).faultMode(faultMode).build()) {
            Usemem usemem = new Usemem(vswap, budgetMib, windows, huge);
            usemem.run(combos.getFirst()); // warm-up: the JIT, the pool's first spans
            for (Combo c : combos) {
                for (int round = 1; round <= rounds; round++) {
                    Result r = usemem.run(c);
                    errors += r.errors;
                    csv.println(row(backend(faultMode) + (windows ? "-windows" : "") + (huge ? "-thp" : ""), codec, c, budgetMib, round, r));
                    System.err.printf(Locale.ROOT, "%s-%s %s: write %.0f MB/s, verify %.0f MB/s, free %.0f ms, peak %d MiB, %d errors; group so far %s; slots %d staging %d%n",
                            backend(faultMode), codec, c, r.writeMbps, r.verifyMbps, r.freeMs, r.peakMib, r.errors, usemem.group.events(),
                            vswap.stats().slotsInUse(), vswap.stats().stagingPages());
                }
            }
        }
        if (errors > 0) {
            System.err.println("usemem: " + errors + " words did not read back as written");
            System.exit(1);
        }
    }
}
