package dev.uvswap.internal;

import dev.uvswap.Compressor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The settings a {@link dev.uvswap.VSwap} was built with. */
public record VSwapConfig(Compressor compressor, int zstdLevel, int faultThreads, boolean pinFaultThreads,
                          boolean userModeOnly, long poolMaxBytes) {

    /** Virtual slots the descriptor table can index: 2^30 slots, 4 TiB of swapped pages, 8 GiB of address space. */
    public static final long SLOT_CAPACITY = 1L << 30;
    /** The staging area: where pages wait between leaving a region and being stored. 512 chunks of 2 MiB. */
    public static final long STAGING_BYTES = 1L << 30;
    public static final int RING_CAPACITY = 1 << 14;

    /** Half of physical memory. */
    public static long defaultPoolMaxBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return kb * 1024 / 2;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through to a fixed default
        }
        return 4L << 30;
    }
}
