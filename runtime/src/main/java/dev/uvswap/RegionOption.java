package dev.uvswap;

/** Per-region choices for {@link VSwap#allocate(long, RegionOption...)}. */
public enum RegionOption {
    /**
     * Map the region with 4 KiB pages only (MADV_NOHUGEPAGE): no 2 MiB first touch, no whole-extent
     * swap-in. For sparse random access, where bringing in 2 MiB for one touched page wastes memory.
     */
    SMALL_PAGES,
    /** Serve this region's faults on the faulting thread ({@link FaultMode#IN_THREAD}), whatever the VSwap's default. */
    FAULTS_IN_THREAD,
    /**
     * Serve this region's faults on uvswap's fault-server threads ({@link FaultMode#SERVER_THREADS}),
     * whatever the VSwap's default: for a region that the kernel reads or writes itself (file or
     * socket I/O on its buffers).
     */
    FAULTS_ON_SERVERS
}
