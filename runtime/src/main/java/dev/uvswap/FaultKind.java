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
    STALE,
    /** First touch of an untouched 2 MiB extent: one zeroed huge page moved in. */
    THP_FIRST_TOUCH,
    /** A 2 MiB extent that left whole, assembled from its slots and moved in as one huge page. */
    THP_SWAPIN
}
