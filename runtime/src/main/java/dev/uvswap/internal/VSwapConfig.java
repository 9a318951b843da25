package dev.uvswap.internal;

import dev.uvswap.Compressor;
import dev.uvswap.FaultMode;
import dev.uvswap.SwapFileEvent;
import dev.uvswap.internal.group.MemoryBudget;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/** The settings a {@link dev.uvswap.VSwap} was built with. */
public record VSwapConfig(Compressor compressor, int zstdLevel, int faultThreads, boolean pinFaultThreads,
                          boolean userModeOnly, long poolMaxBytes, long zswapMaxBytes, boolean zswapWriteback,
                          List<SwapFileSpec> swapFiles, Consumer<SwapFileEvent> swapFileEvents,
                          FaultMode faultMode, String name, MemoryBudget budget,
                          boolean dictionaries, boolean extentCompression) {

    /** Virtual slots the descriptor table can index: 2^30 slots, 4 TiB of swapped pages, 8 GiB of address space. */
    public static final long SLOT_CAPACITY = 1L << 30;
    /** The staging area: where pages wait between leaving a region and being stored. 512 chunks of 2 MiB. */
    public static final long STAGING_BYTES = 1L << 30;
    public static final int RING_CAPACITY = 1 << 14;
    /**
     * Fault contexts for faults served on the faulting thread: as many threads can be inside a
     * fault at once before the next one waits (microseconds) for a context. Each holds a 2 MiB
     * assembly buffer (memory only while in use), two pages, a zstd context and a ring.
     */
    public static final int IN_THREAD_CONTEXTS = 16;

    public VSwapConfig {
        swapFiles = List.copyOf(swapFiles);
    }

    /** A swap file asked for: a path (a directory when temporary), its size and priority. */
    public record SwapFileSpec(Path path, long maxBytes, int priority, boolean temporary) { }

    /** The smallest pool limit: one 64 KiB span. */
    public static long checkPoolLimit(String what, long bytes) {
        if (bytes < 65536) {
            throw new IllegalArgumentException(what + " " + bytes + " below one 64 KiB span");
        }
        return bytes;
    }

    /**
     * Half of the memory this process may use off the Java heap: MemTotal, or its memory cgroup's
     * limit when tighter (the tightest over its ancestors, v1 or v2; see {@link MemoryBudget}),
     * less the heap's maximum.
     */
    public static long defaultPoolMaxBytes() {
        return defaultPoolMaxBytes(MemoryBudget.ofThisProcess());
    }

    /** {@link #defaultPoolMaxBytes()} of a budget already read. */
    public static long defaultPoolMaxBytes(MemoryBudget budget) {
        return chosen(budget, "pool limit", 2);
    }

    /** A fifth of the memory this process may use off the heap (as for the pool), zswap's max_pool_percent default. */
    public static long defaultZswapMaxBytes() {
        return defaultZswapMaxBytes(MemoryBudget.ofThisProcess());
    }

    /** {@link #defaultZswapMaxBytes()} of a budget already read. */
    public static long defaultZswapMaxBytes(MemoryBudget budget) {
        return chosen(budget, "zswap limit (pool writeback above it)", 5);
    }

    /** {@code 1/divisor} of the budget, with a DEBUG line on logger "dev.uvswap" saying what it came from. */
    private static long chosen(MemoryBudget budget, String what, int divisor) {
        long bytes = budget.offHeapBytes() / divisor;
        System.getLogger("dev.uvswap").log(System.Logger.Level.DEBUG, () -> "default " + what + " " + (bytes >> 20)
                + " MiB: 1/" + divisor + " of the " + (budget.offHeapBytes() >> 20) + " MiB besides the heap of "
                + (budget.bytes() >> 20) + " MiB, from " + budget.source());
        return bytes;
    }
}
