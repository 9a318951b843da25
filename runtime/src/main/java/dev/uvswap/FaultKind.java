package dev.uvswap;

/** How a fault (or a prefault) on a region page was served. */
public enum FaultKind {
    /** The page was never swapped out: zero fill. */
    FIRST_TOUCH,
    /** The page was all zeroes when swapped out: nothing stored, zero fill. */
    ZERO,
    /** Decompressed from the compressed pool. */
    ZSWAP,
    /** Read from a swap file. */
    FILE,
    /** Moved back from the staging area (swap cache), no copy. */
    CACHE,
    /** Already present when served: a duplicate message for the same page. */
    STALE
}
