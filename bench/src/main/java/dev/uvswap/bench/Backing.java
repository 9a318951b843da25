package dev.uvswap.bench;

import dev.uvswap.Compressor;
import dev.uvswap.Region;
import dev.uvswap.RegionOption;
import dev.uvswap.VSwap;
import dev.uvswap.bindings.libc.Syscalls;
import dev.uvswap.bindings.libc.Errno;
import dev.uvswap.bindings.libc.libc_h;

import java.lang.foreign.Arena;
import java.nio.file.Path;

/** How the pages a benchmark touches are backed, and how to get a region into that state. */
enum Backing {
    FIRST_TOUCH, ZERO, ZSWAP_ZSTD, ZSWAP_LZ4, CACHE,
    /** In a swap file (zstd-compressed, as the pool refused them), in the page cache. */
    FILE_WARM,
    /** In a swap file, written to disk and dropped from the page cache: every fault reads the disk. */
    FILE_COLD;

    /** Swap files go in -Duvswap.bench.dir (default: the working directory, on disk, unlike a tmpfs /tmp). */
    static final Path SWAP_DIR = Path.of(System.getProperty("uvswap.bench.dir", System.getProperty("user.dir")));
    static final Path SWAP_FILE = SWAP_DIR.resolve(".uvswap-bench-" + ProcessHandle.current().pid() + ".swap");

    Compressor compressor() {
        return this == ZSWAP_LZ4 ? Compressor.LZ4 : Compressor.ZSTD;
    }

    boolean inFile() {
        return this == FILE_WARM || this == FILE_COLD;
    }

    /** The VSwap this backing needs: file backings get a swap file and a pool that refuses everything. */
    VSwap.Builder configure(VSwap.Builder b) {
        b.compressor(compressor());
        if (inFile()) {
            b.poolMaxBytes(64 << 10).swapFile(SWAP_FILE, 4L << 30);
        }
        return b;
    }

    /** Writes the file's dirty pages to disk and drops them from the page cache. */
    static void dropFileCache(Path file) {
        try (Arena arena = Arena.ofConfined()) {
            int fd = Syscalls.open(arena.allocateFrom(file.toString()), libc_h.O_RDONLY(), 0);
            if (fd < 0) {
                throw new IllegalStateException("open " + file + ": " + Errno.describe(Errno.last()));
            }
            try {
                Syscalls.fdatasync(fd);
                Syscalls.posix_fadvise(fd, 0, 0, libc_h.POSIX_FADV_DONTNEED());
            } finally {
                Syscalls.close(fd);
            }
        }
    }

    /** Returns a region (this one, or a fresh one for FIRST_TOUCH) whose every page is not present and backed this way. */
    Region prepare(VSwap vswap, Region region, RegionOption... options) {
        switch (this) {
            case FIRST_TOUCH -> {
                long size = region.size();
                region.close();
                return vswap.allocate(size, options);
            }
            case ZERO -> {
                region.prefault(0, region.size());
                region.pageOut(0, region.size());
            }
            case ZSWAP_ZSTD, ZSWAP_LZ4, FILE_WARM -> {
                PagePattern.HEAP.fill(region.segment(), region.size() / PagePattern.PAGE);
                region.pageOut(0, region.size());
            }
            case FILE_COLD -> {
                PagePattern.HEAP.fill(region.segment(), region.size() / PagePattern.PAGE);
                region.pageOut(0, region.size());
                dropFileCache(SWAP_FILE);
            }
            case CACHE -> {
                PagePattern.HEAP.fill(region.segment(), region.size() / PagePattern.PAGE);
                region.park(0, region.size());
            }
        }
        return region;
    }
}
