package dev.uvswap.internal;

import dev.uvswap.Compressor;
import dev.uvswap.FaultMode;
import dev.uvswap.SwapFileEvent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/** The settings a {@link dev.uvswap.VSwap} was built with. */
public record VSwapConfig(Compressor compressor, int zstdLevel, int faultThreads, boolean pinFaultThreads,
                          boolean userModeOnly, long poolMaxBytes, long zswapMaxBytes, boolean zswapWriteback,
                          List<SwapFileSpec> swapFiles, Consumer<SwapFileEvent> swapFileEvents,
                          FaultMode faultMode, String name) {

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

    /** Half of physical memory. */
    public static long defaultPoolMaxBytes() {
        return memTotal() / 2;
    }

    /** A fifth of physical memory, zswap's max_pool_percent default. */
    public static long defaultZswapMaxBytes() {
        return memTotal() / 5;
    }

    private static long memTotal() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through to a fixed default
        }
        return 8L << 30;
    }
}
