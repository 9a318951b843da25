package dev.uvswap;


/**
 * A memory group, the memory cgroup's analogue: a budget for the resident memory of the regions
 * allocated in it and in its children. uvswap's background reclaimer swaps their pages out to
 * keep every group under its {@linkplain #setMemoryHigh high} limit, and treats
 * {@linkplain #setMemoryMax max} as the line it reclaims to at once. A fault never waits for
 * reclaim (no Java runs on the fault path): a group can pass its max for the moment it takes the
 * reclaimer to catch up, which is counted as a max event. Limits apply to the whole subtree, so
 * a child never holds more than its parent allows.
 *
 * <p>Created by {@link VSwap#createGroup} and {@link #createChild}; regions join one at
 * {@link VSwap#allocate(long, MemoryGroup, RegionOption...)} and stay in it until closed.
 *
 * <p>Implemented by uvswap alone (the implementation is internal to the module): an object of
 * another implementation handed to uvswap is refused with an {@link IllegalArgumentException}.
 */
public interface MemoryGroup {

    /** No limit. */
    long UNLIMITED = Long.MAX_VALUE;

    String name();

    /** The parent group, or null for a top-level group. */
    MemoryGroup parent();

    /**
     * A new group under this one; its regions count toward this group's limits too. Groups are
     * never removed; their ids (4095 per VSwap) are used only by calls that succeed.
     *
     * @throws IllegalStateException when 4095 groups exist, or the VSwap is closed
     */
    MemoryGroup createChild(String name);

    /** Resident bytes above which the reclaimer swaps this group's pages out ({@link #UNLIMITED} by default). */
    void setMemoryHigh(long bytes);

    /** Resident bytes the group must not keep: reclaimed at once when passed ({@link #UNLIMITED} by default). */
    void setMemoryMax(long bytes);

    /**
     * Compressed bytes the group's pages may hold in the pool ({@link #UNLIMITED} by default).
     * At the limit, further pages go straight to a swap file when writeback is allowed, or stay
     * in memory; when lowered below what the group holds, writeback moves its pages out.
     */
    void setZswapMax(long bytes);

    /** Swap-file bytes (4 KiB per file slot) the group's pages may hold ({@link #UNLIMITED} by default). */
    void setSwapMax(long bytes);

    /**
     * Stored bytes the group's pages may hold in the far tier ({@link VSwap#addFarTier};
     * {@link #UNLIMITED} by default). 0 keeps the group's pages on this machine: writeback sends
     * them to swap files only. Far pages count toward {@link #setSwapMax swapMax} too, 4 KiB a page.
     */
    void setFarMax(long bytes);

    long farMax();

    /** Stored bytes the group's pages (and its children's) hold in the far tier. */
    long farCurrent();

    /**
     * Whether the group's pages may go to swap files at all (default true; memory.zswap.writeback).
     * Off: no writeback of its pool pages, and pages the pool refuses stay in memory.
     */
    void setZswapWriteback(boolean on);

    long zswapMax();

    long swapMax();

    boolean zswapWriteback();

    /** Compressed bytes the group's pages (and its children's) hold in the pool. */
    long zswapCurrent();

    /** Swap-file bytes (4 KiB a file slot) the group's pages (and its children's) hold. */
    long swapCurrent();

    long memoryHigh();

    long memoryMax();

    /**
     * Memory the group's pages use: resident bytes of the regions in this group and its children,
     * plus the pages the reclaimer's aging holds parked in the swap cache (still in memory).
     */
    long memoryCurrent();

    /**
     * The fraction of wall time, since the group was created, that its regions' faults spent
     * being served: the PSI "some" analogue (above 1 when several threads wait at once).
     */
    double faultPressure();

    /** Event counters, for this group and its children together. */
    Events events();

    /**
     * The zstd dictionary this group's pages are compressed with now, if one was trained and
     * kept ({@link VSwap.Builder#dictionaries}); empty otherwise. A group's first round of
     * training starts with its first swap-out and needs 16 MiB of its pages to leave.
     */
    java.util.Optional<CompressionDictionary> dictionary();

    /**
     * Trains the group's dictionary again from the next 16 MiB of its pages to leave (or returns
     * the round in progress): judged against compression without one, and kept if it saves
     * (pages compressed with an older one decode as before). Completes when the trial is done;
     * fails if the VSwap closes first.
     *
     * @throws IllegalStateException when the VSwap was built without dictionaries, or is closed
     */
    java.util.concurrent.CompletableFuture<DictionaryTrial> trainDictionary();

    /**
     * @param high             times the reclaimer found the group above its high limit
     * @param max              times it found the group above its max limit
     * @param reclaimFailures  times reclaim found nothing more to swap out while over a limit
     * @param reclaimedBytes   bytes the reclaimer (and {@link VSwap#reclaim}) swapped out of the group
     * @param refaults         pages of the group swapped back in (by a fault or a prefault)
     * @param workingsetRefaults refaults of pages that left less than the group's memory ago (in
     *                         pages evicted since, the kernel's refault distance): the group is
     *                         thrashing rather than reading cold data
     * @param zswapMaxRejects  pages the pool refused because the group was at its zswapMax
     * @param directReclaimedBytes bytes the group's own faults swapped out on the faulting path
     *                         before they installed a page that would have taken the group past
     *                         its memoryMax (direct reclaim, the kernel's pgsteal_direct)
     */
    record Events(long high, long max, long reclaimFailures, long reclaimedBytes, long refaults,
                  long workingsetRefaults, long zswapMaxRejects, long directReclaimedBytes) { }
}
