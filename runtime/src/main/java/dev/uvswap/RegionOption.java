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
    FAULTS_ON_SERVERS,
    /**
     * With {@link #SMALL_PAGES}: a first touch that continues a sequential run also maps the next
     * never-touched pages (up to 16) with zeros, so a sequential writer faults once per 17 pages,
     * not once a page (the kernel's 64 KiB multi-size THP, in spirit). Pages past the last one
     * written may become resident (and count in {@link Region#residentBytes()}); off by default
     * for that reason, as the kernel's mTHP sizes are.
     */
    FIRST_TOUCH_WINDOWS
}
