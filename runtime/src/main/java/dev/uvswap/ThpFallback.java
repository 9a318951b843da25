package dev.uvswap;

/** Why a fault on a page that left with its whole 2 MiB extent was served 4 KiB at a time. */
public enum ThpFallback {
    /** Part of the extent was resident. */
    PRESENT,
    /** Not every page of the extent was still out as part of the whole. */
    MIXED,
    /** A page of the extent was being changed by someone else at that moment. */
    BUSY,
    /** A slot's backend cannot be assembled into a huge page (a swap file, for now). */
    BACKEND,
    /** Decompression or the move failed; served page by page instead. */
    ERROR,
    /**
     * The touch did not continue access to this extent or its neighbours (scattered, random
     * access): only the touched page came back, the rest of the extent stayed out. A whole
     * extent comes back for sequential access, a recently touched extent, or one parked whole.
     */
    SCATTERED,
    /**
     * The region's group was still at its memoryMax when the fault installed (direct reclaim
     * could not make room in time): the fault brought its one page back, not 2 MiB past the limit.
     */
    LIMIT
}
