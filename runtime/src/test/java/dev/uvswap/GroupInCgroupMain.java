package dev.uvswap;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Child-JVM body of {@link DirectReclaimTest}'s container case: writes {@code total} bytes of
 * heap-like pages into one group with memoryMax {@code max}, with a temporary swap file in
 * {@code dir} for what the pool cannot hold, while a thread calls System.gc() every 5 ms, then
 * reads every page back. Prints the group's peak and what direct reclaim did; exits 0 when every
 * page checked out, 1 on a wrong page.
 *
 * <p>Arguments: total MiB, max MiB, "in-thread" or "servers", swap-file directory.
 */
public final class GroupInCgroupMain {
    public static void main(String[] args) throws Exception {
        long total = Long.parseLong(args[0]) << 20;
        long max = Long.parseLong(args[1]) << 20;
        FaultMode mode = args[2].equals("in-thread") ? FaultMode.IN_THREAD : FaultMode.SERVER_THREADS;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong peak = new AtomicLong();
        java.nio.file.Path dir = java.nio.file.Path.of(args[3]);
        try (VSwap vswap = VSwap.builder().faultMode(mode).compressor(Compressor.LZ4)
                .temporarySwapFile(dir, 2 * total).build()) {
            MemoryGroup g = vswap.createGroup("capped");
            g.setMemoryMax(max);
            Region r = vswap.allocate(total, g);
            Thread gc = Thread.ofPlatform().daemon().start(() -> {
                while (!stop.get()) {
                    System.gc();
                    java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
                }
            });
            Thread sampler = Thread.ofPlatform().daemon().start(() -> {
                while (!stop.get()) {
                    peak.accumulateAndGet(g.memoryCurrent(), Math::max);
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                }
            });
            MemorySegment seg = r.segment();
            long pages = total / 4096;
            for (long p = 0; p < pages; p++) {
                PageData.HEAP_LIKE.fill(seg, p, p);
            }
            long writePeak = peak.get();
            long wrong = 0;
            for (long p = 0; p < pages; p++) {
                if (PageData.HEAP_LIKE.check(seg, p, p) >= 0) {
                    wrong++;
                }
            }
            stop.set(true);
            gc.join();
            sampler.join();
            System.out.printf("group-in-cgroup: %d MiB through a %d MiB max (%s): peak %d MiB (%d MiB while writing), direct reclaim %d MiB,"
                            + " pool %d MiB, wrong pages %d%n  %s%n  %s%n",
                    total >> 20, max >> 20, mode, peak.get() >> 20, writePeak >> 20, g.events().directReclaimedBytes() >> 20,
                    vswap.stats().poolTotalBytes() >> 20, wrong, g.events(), vswap.stats());
            System.exit(wrong == 0 ? 0 : 1);
        }
    }
}
