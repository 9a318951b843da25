package dev.uvswap;

import dev.uvswap.internal.VSwapConfig;
import dev.uvswap.internal.VSwapImpl;
import dev.uvswap.internal.group.MemoryBudget;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * One virtual swap space: a userfaultfd, its native fault servers, the slot space, the
 * compressed pool and the regions allocated from it. Build it once per process (or per
 * independent store) and close it last; closing it closes its regions.
 *
 * {@snippet :
 * try (VSwap vswap = VSwap.builder().compressor(Compressor.LZ4).faultThreads(2).build()) {
 *     Region r = vswap.allocate(8L << 30);
 *     // ... use r.segment(), r.pageOut(...)
 *     System.out.println(vswap.stats());
 * }
 * }
 *
 * <p>Implemented by uvswap alone (the implementation is internal to the module): an object of
 * another implementation handed to uvswap is refused with an {@link IllegalArgumentException}.
 */
public interface VSwap extends AutoCloseable {

    static Builder builder() {
        return new Builder();
    }

    /**
     * Allocates a zero-initialised region of {@code bytes} rounded up to 2 MiB. Regions use
     * transparent huge pages unless {@link RegionOption#SMALL_PAGES} is given: the first touch of
     * an untouched 2 MiB extent maps one huge page, and an extent swapped out whole comes back
     * whole on the first fault.
     */
    Region allocate(long bytes, RegionOption... options);

    /** As {@link #allocate(long, RegionOption...)}, in a memory group whose limits then cover the region. */
    Region allocate(long bytes, MemoryGroup group, RegionOption... options);

    /**
     * A new top-level memory group; see {@link MemoryGroup}. At most 4095 groups (children
     * included) per VSwap; a call that fails (a null name) uses none of them.
     *
     * @throws IllegalStateException when 4095 groups exist, or the VSwap is closed
     */
    MemoryGroup createGroup(String name);

    /**
     * Proactive reclaim (the kernel's memory.reclaim): swaps up to {@code bytes} (in whole 2 MiB
     * extents) of the group's resident pages out now, round robin over its regions, and returns
     * the bytes that left memory.
     */
    long reclaim(MemoryGroup group, long bytes);

    /** A snapshot of the counters (drains pending completions first, so counts are exact). */
    VSwapStats stats();

    /**
     * Whether faults taken inside system calls (a read(2) into a swapped-out page) are served.
     * When false (a user-mode-only userfaultfd), call {@link Region#prefault} before such I/O.
     */
    boolean kernelFaultsHandled();

    Compressor compressor();

    int faultThreads();

    /**
     * The name given to {@link Builder#name} (default {@code vswap-N}): in log lines, JFR events
     * and the MBean {@code dev.uvswap:type=VSwap,name=NAME}.
     */
    String name();

    /**
     * Adds a swap file while running (swapon): created with mode 0600 at {@code path}, which must
     * not exist, sparse, at most {@code maxBytes}; removed when retired or on close. Pages reach
     * it only by writeback (the pool over {@link Builder#zswapMaxBytes}) or when the pool refuses
     * them. Files with a higher priority fill first.
     */
    void addSwapFile(Path path, long maxBytes, int priority);

    /**
     * Swapoff: moves every page stored in the file back into the compressed pool (or into
     * another swap file when the pool is at its limit), then removes it. Regions stay usable
     * throughout, faults included; no region's page map is walked.
     *
     * @throws IllegalArgumentException if the path is not one of this VSwap's swap files
     * @throws VSwapException           if some pages could not be moved (unreadable, or no room);
     *                                  the file then stays in use and nothing is lost
     */
    void retire(Path path);

    /**
     * Adds a far tier on a Redis server: writeback sends pages there when the pool is over its
     * limit and no swap file has room (pool → files → far tier), and faults read them back in
     * C. The server is checked first (reachable, not evicting keys); a failure attaches nothing.
     *
     * @throws IllegalStateException if this VSwap has a far tier already
     * @throws VSwapException        if the server cannot be reached or may lose pages
     */
    void addFarTier(FarTierSpec spec);

    /**
     * Moves every page of the far tier back into the pool (or into a swap file when the pool is
     * at its limit), then removes the tier and its keys. Regions stay usable throughout.
     *
     * @throws IllegalStateException if there is no far tier
     * @throws VSwapException        if some pages could not be moved (the server unreachable, a
     *                               value damaged, or no room); the tier then stays and nothing is lost
     */
    void retireFarTier();

    /** The far tier's counters, or empty when there is none. */
    java.util.Optional<FarTierStats> farTier();

    /** The pool size above which writeback moves the coldest pages to swap files. */
    void setZswapMaxBytes(long bytes);

    /** Turns writeback on or off (a full pool then refuses pages, which go to a file directly). */
    void setZswapWriteback(boolean on);

    /**
     * Closes every region, stops the fault servers and frees all memory. Idempotent once it has
     * completed.
     *
     * <p>Calls racing it on other threads (on this VSwap, its regions and its groups) either
     * complete first, since close waits for the ones in flight before it frees anything, or throw
     * {@code IllegalStateException("VSwap closed")}, as every call after it does (a group's
     * counters then read as they were).
     *
     * <p>A region whose segment is in use by the kernel (a read(2) into a buffer over it, blocked
     * on a pipe, say) or by a downcall given it cannot be closed: the kernel may still fault on
     * its memory. Close then closes all that region does not need (every other region, the group
     * reclaimer, the prefetch thread), keeps what its faults need (the fault servers, the
     * userfaultfd, the pool, the staging area, the swap files), and throws an
     * IllegalStateException naming the busy regions, with any other failure suppressed in it.
     * The VSwap takes no new calls from then on; the busy regions stay open and usable. It does
     * not wait for the I/O, which may never end; call close again once it has (or close those
     * regions), and it finishes and frees the rest.
     *
     * @throws IllegalStateException if a region is busy as above; close again later
     */
    @Override
    void close();

    /** Settings for {@link VSwap}; every one has a sensible default. */
    final class Builder {
        private Compressor compressor = Compressor.ZSTD;
        private int zstdLevel = 1;
        private int faultThreads = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), 8));
        private boolean pinFaultThreads;
        private boolean userModeOnly;
        private long poolMaxBytes = -1;
        private long zswapMaxBytes = -1;
        private boolean zswapWriteback = true;
        private final List<VSwapConfig.SwapFileSpec> swapFiles = new ArrayList<>();
        private Consumer<SwapFileEvent> swapFileEvents;
        private FaultMode faultMode;
        private String name;
        private boolean dictionaries;
        private boolean extentCompression;
        /** Numbers the default names, vswap-1, vswap-2, ... */
        private static final java.util.concurrent.atomic.AtomicInteger UNNAMED = new java.util.concurrent.atomic.AtomicInteger();

        private Builder() {
        }

        /**
         * Who serves the faults of regions that do not choose ({@link RegionOption#FAULTS_IN_THREAD},
         * {@link RegionOption#FAULTS_ON_SERVERS}). Default: {@link FaultMode#SERVER_THREADS}, which
         * works with any I/O; with a user-mode-only userfaultfd, where faults inside system calls
         * fail either way, {@link FaultMode#IN_THREAD}.
         */
        public Builder faultMode(FaultMode mode) {
            this.faultMode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * Train a zstd dictionary per memory group from the group's own pages as they leave, and
         * compress its pages with it where a trial on its pages shows a gain (default off; zstd
         * only). See {@link MemoryGroup#dictionary()} and {@link MemoryGroup#trainDictionary()}.
         * A VSwap keeps up to 16 dictionaries, each until it closes.
         */
        public Builder dictionaries(boolean on) {
            this.dictionaries = on;
            return this;
        }

        /**
         * Compress pages that leave with their neighbours in units of 16 (default off; zstd only).
         * An aligned 64 KiB run of a region's pages that moves out in one batch (a whole extent, a
         * {@link Region#pageOut} of a range, aging's cold extents) is stored as one zstd frame at
         * level 3 instead of 16 frames of a page: fewer pool bytes for data whose neighbouring
         * pages resemble each other. A 4 KiB fault on such a page decodes its unit (a fault
         * context keeps the last unit it decoded, so a sequential reader, readahead and a
         * whole-extent swap-in decode each unit once). Units stay in the pool: writeback to a
         * swap file or the far tier passes them over. Pages that leave alone, and every page
         * direct reclaim stores, are compressed alone as before. See {@link VSwapStats#unitPages()}.
         */
        public Builder extentCompression(boolean on) {
            this.extentCompression = on;
            return this;
        }

        public Builder compressor(Compressor c) {
            this.compressor = Objects.requireNonNull(c, "compressor");
            return this;
        }

        /** zstd level for {@link Compressor#ZSTD}: 1 (default, fast) to 19; negative levels are faster still. */
        public Builder zstdLevel(int level) {
            if (level < -7 || level > 19) {
                throw new IllegalArgumentException("zstd level " + level + " outside -7..19");
            }
            this.zstdLevel = level;
            return this;
        }

        /** Native fault-server threads (default: the number of CPUs, at most 8). */
        public Builder faultThreads(int n) {
            if (n < 1 || n > 64) {
                throw new IllegalArgumentException("faultThreads " + n + " outside 1..64");
            }
            this.faultThreads = n;
            return this;
        }

        /** Pin fault server i to CPU i (mod the CPU count). */
        public Builder pinFaultThreads(boolean pin) {
            this.pinFaultThreads = pin;
            return this;
        }

        /**
         * Use a user-mode-only userfaultfd even when a kernel-mode one is available, as an
         * unprivileged process gets: system calls touching swapped-out pages then fail with EFAULT.
         */
        public Builder userModeOnly(boolean userModeOnly) {
            this.userModeOnly = userModeOnly;
            return this;
        }

        /** The most memory the compressed pool may hold (default: half of RAM); beyond it pages stay resident. */
        public Builder poolMaxBytes(long bytes) {
            this.poolMaxBytes = VSwapConfig.checkPoolLimit("poolMaxBytes", bytes);
            return this;
        }

        /**
         * A swap file at {@code path} (which must not exist), at most {@code maxBytes} (2 MiB ..
         * 2 TiB), created sparse with mode 0600 and removed on close; see {@link VSwap#addSwapFile}.
         */
        public Builder swapFile(Path path, long maxBytes) {
            return swapFile(path, maxBytes, 0);
        }

        /** As {@link #swapFile(Path, long)}; files with a higher priority fill first. */
        public Builder swapFile(Path path, long maxBytes, int priority) {
            swapFiles.add(new VSwapConfig.SwapFileSpec(Objects.requireNonNull(path, "path"), maxBytes, priority, false));
            return this;
        }

        /** A swap file in {@code directory} that is unlinked at once: nothing is left behind, even after a crash. */
        public Builder temporarySwapFile(Path directory, long maxBytes) {
            swapFiles.add(new VSwapConfig.SwapFileSpec(Objects.requireNonNull(directory, "directory"), maxBytes, 0, true));
            return this;
        }

        /**
         * The pool size above which writeback moves the coldest pool pages to swap files
         * (default: a fifth of RAM, zswap's max_pool_percent, and at most {@link #poolMaxBytes}).
         * Writeback stops at 90% of it.
         */
        public Builder zswapMaxBytes(long bytes) {
            this.zswapMaxBytes = VSwapConfig.checkPoolLimit("zswapMaxBytes", bytes);
            return this;
        }

        /** Whether writeback runs (default true); without it only pool rejects reach the files. */
        public Builder zswapWriteback(boolean on) {
            this.zswapWriteback = on;
            return this;
        }

        /** Receives swap-file events (write errors, no space, full, deleted); must not block. */
        public Builder swapFileEvents(Consumer<SwapFileEvent> listener) {
            this.swapFileEvents = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * What operators see it as: log lines, JFR events and the MBean
         * {@code dev.uvswap:type=VSwap,name=NAME} (default {@code vswap-N}, N counting the VSwaps
         * built in this JVM). See docs/observability.md.
         */
        public Builder name(String name) {
            if (Objects.requireNonNull(name, "name").isBlank()) {
                throw new IllegalArgumentException("a VSwap's name must not be blank");
            }
            this.name = name;
            return this;
        }

        /** Checks the platform, creates the swap files and starts the fault servers. */
        public VSwap build() {
            MemoryBudget budget = MemoryBudget.ofThisProcess();   // read once: both defaults and the start line
            long pool = poolMaxBytes > 0 ? poolMaxBytes : VSwapConfig.defaultPoolMaxBytes(budget);
            long zswap = zswapMaxBytes > 0 ? zswapMaxBytes : Math.min(pool, VSwapConfig.defaultZswapMaxBytes(budget));
            return VSwapImpl.create(new VSwapConfig(compressor, zstdLevel, faultThreads, pinFaultThreads, userModeOnly,
                    pool, zswap, zswapWriteback, swapFiles, swapFileEvents, faultMode,
                    name != null ? name : "vswap-" + UNNAMED.incrementAndGet(), budget, dictionaries, extentCompression));
        }
    }
}
