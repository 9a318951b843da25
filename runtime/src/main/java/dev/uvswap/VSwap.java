package dev.uvswap;

import dev.uvswap.internal.VSwapConfig;

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
 */
public sealed interface VSwap extends AutoCloseable permits VSwapImpl {

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

    /** A snapshot of the counters (drains pending completions first, so counts are exact). */
    VSwapStats stats();

    /**
     * Whether faults taken inside system calls (a read(2) into a swapped-out page) are served.
     * When false (a user-mode-only userfaultfd), call {@link Region#prefault} before such I/O.
     */
    boolean kernelFaultsHandled();

    Compressor compressor();

    int faultThreads();

    /** Closes every region, stops the fault servers and frees all memory. Idempotent. */
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

        private Builder() {
        }

        public Builder compressor(Compressor c) {
            this.compressor = java.util.Objects.requireNonNull(c, "compressor");
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
            if (bytes < 65536) {
                throw new IllegalArgumentException("poolMaxBytes " + bytes + " below one 64 KiB span");
            }
            this.poolMaxBytes = bytes;
            return this;
        }

        /** Checks the platform and starts the fault servers. */
        public VSwap build() {
            return VSwapImpl.create(new VSwapConfig(compressor, zstdLevel, faultThreads, pinFaultThreads, userModeOnly,
                    poolMaxBytes > 0 ? poolMaxBytes : VSwapConfig.defaultPoolMaxBytes()));
        }
    }
}
