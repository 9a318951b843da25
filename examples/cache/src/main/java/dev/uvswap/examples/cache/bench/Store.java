package dev.uvswap.examples.cache.bench;

import dev.uvswap.Compressor;
import dev.uvswap.MemoryGroup;
import dev.uvswap.VSwap;
import dev.uvswap.VSwapStats;
import dev.uvswap.examples.cache.CacheSpec;
import dev.uvswap.examples.cache.OffHeapCache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;

/** The cache and the memory under it, for one configuration; says how much memory it uses. */
sealed interface Store extends AutoCloseable {

    OffHeapCache cache();

    Memory memory();

    /** Pages swapped in so far (uvswap's pswpin, or the kernel's for kernel memory). */
    long swapIns();

    @Override
    void close();

    /**
     * @param residentBytes   the cache's memory in RAM now (uvswap: the group's memoryCurrent;
     *                        kernel: the mapping's Rss)
     * @param compressedBytes memory the swapped-out pages take (uvswap's pool; the zram device)
     * @param rssBytes        the process's VmRSS
     * @param cgroupBytes     the memory cgroup's charge (the whole process), -1 where no cgroup limits it
     */
    record Memory(long residentBytes, long compressedBytes, long rssBytes, long cgroupBytes) {
    }

    /** The memory limit this configuration runs under (bytes), -1 for none. */
    long limitBytes();

    /** Counters that explain the swap-ins (for the log; "" when there are none to give). */
    default String swapDetail() {
        return "";
    }

    static Store open(BenchArgs args, CacheSpec spec) {
        return switch (args.store()) {
            case UVSWAP, RESIDENT -> Uvswap.open(args, spec);
            case ANON -> Kernel.open(args, spec);
        };
    }

    record Uvswap(VSwap vswap, MemoryGroup group, OffHeapCache cache) implements Store {
        static Uvswap open(BenchArgs args, CacheSpec spec) {
            VSwap vswap = VSwap.builder().compressor(Compressor.LZ4).faultMode(args.faultMode()).build();
            MemoryGroup group = vswap.createGroup("cache");
            if (args.store() == BenchArgs.StoreKind.UVSWAP) {
                group.setMemoryMax(args.budgetMib() << 20);
            }
            return new Uvswap(vswap, group, OffHeapCache.allocate(vswap, group, spec));
        }

        @Override
        public Memory memory() {
            VSwapStats s = vswap.stats();
            return new Memory(group.memoryCurrent(), s.poolTotalBytes(), ProcMemory.status("VmRSS"), -1);
        }

        @Override
        public long limitBytes() {
            return group.memoryMax() == MemoryGroup.UNLIMITED ? -1 : group.memoryMax();
        }

        @Override
        public long swapIns() {
            return vswap.stats().pswpin();
        }

        @Override
        public String swapDetail() {
            VSwapStats s = vswap.stats();
            MemoryGroup.Events e = group.events();
            return "pool: " + s.poolStoredPages() + " pages in " + (s.poolCompressedBytes() >> 20) + " MiB of objects, "
                    + (s.poolTotalBytes() >> 20) + " MiB of spans (ratio " + String.format(Locale.ROOT, "%.2f",
                    s.compressionRatio()) + "), staging " + s.stagingPages() + " pages; "
                    + "faults " + s.faults() + ", readahead pages " + s.readaheadPages() + ", cache hits " + s.cacheHits()
                    + "; group: refaults " + e.refaults() + " (working set " + e.workingsetRefaults() + "), reclaimed "
                    + (e.reclaimedBytes() >> 20) + " MiB (+ " + (e.directReclaimedBytes() >> 20) + " MiB by faults at max), max events " + e.max() + ", fault pressure "
                    + String.format(Locale.ROOT, "%.2f", group.faultPressure());
        }

        @Override
        public void close() {
            cache.close();
            vswap.close();
        }
    }

    record Kernel(AnonymousMemory memory0, OffHeapCache cache, long limitBytes) implements Store {
        /**
         * With --cgroup-budget, first limits the process's own memory cgroup to what it is charged
         * now (the JVM, its heap pretouched) plus the budget, so the cache's pages get about the
         * budget, as the uvswap group gives them.
         */
        static Kernel open(BenchArgs args, CacheSpec spec) {
            long limit = -1;
            if (args.cgroupBudget()) {
                System.gc();
                long jvm = ProcMemory.cgroupCharge();
                if (jvm < 0) {
                    throw new IllegalStateException("--cgroup-budget: this process is not in a memory cgroup of its own");
                }
                limit = jvm + (args.budgetMib() << 20);
                try {
                    ProcMemory.setCgroupLimit(limit);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot set the cgroup limit to " + limit, e);
                }
                System.err.printf("cgroup: the JVM is charged %d MiB; limit set to %d MiB (+ the %d MiB budget)%n",
                        jvm >> 20, limit >> 20, args.budgetMib());
            }
            AnonymousMemory mem = AnonymousMemory.map(OffHeapCache.requiredBytes(spec));
            return new Kernel(mem, OffHeapCache.over(mem.segment(), spec), limit);
        }

        @Override
        public Memory memory() {
            return new Memory(ProcMemory.mapping(memory0.segment().address(), "Rss"), ProcMemory.zramUsed(),
                    ProcMemory.status("VmRSS"), ProcMemory.cgroupCharge());
        }

        @Override
        public long swapIns() {
            return ProcMemory.vmstat("pswpin");
        }

        @Override
        public void close() {
            cache.close();
            memory0.close();
        }
    }
}
