package dev.uvswap;

/** Per-region choices for {@link VSwap#allocate(long, RegionOption...)}. */
public enum RegionOption {
    /**
     * Map the region with 4 KiB pages only (MADV_NOHUGEPAGE): no 2 MiB first touch, no whole-extent
     * swap-in. For sparse random access, where bringing in 2 MiB for one touched page wastes memory.
     */
    SMALL_PAGES
}
