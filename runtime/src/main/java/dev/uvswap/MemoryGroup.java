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
 */
public sealed interface MemoryGroup permits MemoryGroupImpl {

    /** No limit. */
    long UNLIMITED = Long.MAX_VALUE;

    String name();

    /** The parent group, or null for a top-level group. */
    MemoryGroup parent();

    /** A new group under this one; its regions count toward this group's limits too. */
    MemoryGroup createChild(String name);

    /** Resident bytes above which the reclaimer swaps this group's pages out ({@link #UNLIMITED} by default). */
    void setMemoryHigh(long bytes);

    /** Resident bytes the group must not keep: reclaimed at once when passed ({@link #UNLIMITED} by default). */
    void setMemoryMax(long bytes);

    long memoryHigh();

    long memoryMax();

    /** Resident bytes of the regions in this group and its children. */
    long memoryCurrent();

    /** Event counters, for this group and its children together. */
    Events events();

    /**
     * @param high             times the reclaimer found the group above its high limit
     * @param max              times it found the group above its max limit
     * @param reclaimFailures  times reclaim found nothing more to swap out while over a limit
     * @param reclaimedBytes   bytes the reclaimer (and {@link VSwap#reclaim}) swapped out of the group
     */
    record Events(long high, long max, long reclaimFailures, long reclaimedBytes) { }
}
