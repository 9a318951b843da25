package dev.uvswap.examples.cache.bench;

import dev.uvswap.Compressor;
import dev.uvswap.MemoryGroup;
import dev.uvswap.VSwap;
import dev.uvswap.VSwapStats;
import dev.uvswap.examples.cache.CacheSpec;
import dev.uvswap.examples.cache.OffHeapCache;

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
     * @param cgroupBytes     the memory cgroup's charge (the whole process), -1 if not in one
     */
    record Memory(long residentBytes, long compressedBytes, long rssBytes, long cgroupBytes) {
    }

    static Store open(BenchArgs args, CacheSpec spec) {
        return switch (args.store()) {
            case UVSWAP, RESIDENT -> Uvswap.open(args, spec);
            case ANON -> Kernel.open(spec);
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
            return new Memory(group.memoryCurrent(), s.poolTotalBytes(), ProcMemory.status("VmRSS"),
                    ProcMemory.cgroupCharge());
        }

        @Override
        public long swapIns() {
            return vswap.stats().pswpin();
        }

        @Override
        public void close() {
            cache.close();
            vswap.close();
        }
    }

    record Kernel(AnonymousMemory memory0, OffHeapCache cache) implements Store {
        static Kernel open(CacheSpec spec) {
            AnonymousMemory mem = AnonymousMemory.map(OffHeapCache.requiredBytes(spec));
            return new Kernel(mem, OffHeapCache.over(mem.segment(), spec));
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
