package dev.uvswap.internal.observe;

/**
 * A memory group over JMX ({@code dev.uvswap:type=MemoryGroup,vswap=NAME,name=PATH}): its usage,
 * its limits (settable, as {@link dev.uvswap.MemoryGroup}'s setters; {@code Long.MAX_VALUE} is
 * unlimited) and its event counters, for its subtree.
 */
public interface MemoryGroupMXBean {
    String getName();

    /** parent/child from the top. */
    String getPath();

    long getMemoryCurrent();

    long getMemoryHigh();

    void setMemoryHigh(long bytes);

    long getMemoryMax();

    void setMemoryMax(long bytes);

    long getZswapCurrent();

    long getZswapMax();

    void setZswapMax(long bytes);

    long getSwapCurrent();

    long getSwapMax();

    void setSwapMax(long bytes);

    boolean isZswapWriteback();

    void setZswapWriteback(boolean on);

    double getFaultPressure();

    long getHighEvents();

    long getMaxEvents();

    long getReclaimFailures();

    long getReclaimedBytes();

    /** Bytes the group's own faults swapped out at memoryMax (direct reclaim). */
    long getDirectReclaimedBytes();

    long getRefaults();

    long getWorkingsetRefaults();

    long getZswapMaxRejects();

    /** Its faults wait for reclaim now (over memoryMax by more than the slack). */
    boolean isHeld();

    /** Reclaim found nothing it could take while it was over a limit. */
    boolean isReclaimStuck();
}
