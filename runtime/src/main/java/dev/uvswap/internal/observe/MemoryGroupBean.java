package dev.uvswap.internal.observe;

import dev.uvswap.MemoryGroup;

import java.util.function.Predicate;

import static java.lang.System.Logger.Level.INFO;

/** {@link MemoryGroupMXBean} over the public {@link MemoryGroup}; a limit set here is logged. */
final class MemoryGroupBean implements MemoryGroupMXBean {
    private final MemoryGroup g;
    private final Predicate<MemoryGroup> held;
    private final Predicate<MemoryGroup> stuck;

    MemoryGroupBean(MemoryGroup g, Predicate<MemoryGroup> held, Predicate<MemoryGroup> stuck) {
        this.g = g;
        this.held = held;
        this.stuck = stuck;
    }

    private void changed(String limit, Object value) {
        Observed.LOG.log(INFO, () -> "uvswap: group " + getPath() + " " + limit + " set to " + value + " through JMX");
    }

    @Override public String getName() { return g.name(); }
    @Override public String getPath() { return Observed.path(g); }
    @Override public long getMemoryCurrent() { return g.memoryCurrent(); }
    @Override public long getMemoryHigh() { return g.memoryHigh(); }
    @Override public void setMemoryHigh(long bytes) { g.setMemoryHigh(bytes); changed("memoryHigh", Observed.bytes(bytes)); }
    @Override public long getMemoryMax() { return g.memoryMax(); }
    @Override public void setMemoryMax(long bytes) { g.setMemoryMax(bytes); changed("memoryMax", Observed.bytes(bytes)); }
    @Override public long getZswapCurrent() { return g.zswapCurrent(); }
    @Override public long getZswapMax() { return g.zswapMax(); }
    @Override public void setZswapMax(long bytes) { g.setZswapMax(bytes); changed("zswapMax", Observed.bytes(bytes)); }
    @Override public long getSwapCurrent() { return g.swapCurrent(); }
    @Override public long getSwapMax() { return g.swapMax(); }
    @Override public void setSwapMax(long bytes) { g.setSwapMax(bytes); changed("swapMax", Observed.bytes(bytes)); }
    @Override public boolean isZswapWriteback() { return g.zswapWriteback(); }
    @Override public void setZswapWriteback(boolean on) { g.setZswapWriteback(on); changed("zswapWriteback", on); }
    @Override public double getFaultPressure() { return g.faultPressure(); }
    @Override public long getHighEvents() { return g.events().high(); }
    @Override public long getMaxEvents() { return g.events().max(); }
    @Override public long getReclaimFailures() { return g.events().reclaimFailures(); }
    @Override public long getReclaimedBytes() { return g.events().reclaimedBytes(); }
    @Override public long getDirectReclaimedBytes() { return g.events().directReclaimedBytes(); }
    @Override public long getRefaults() { return g.events().refaults(); }
    @Override public long getWorkingsetRefaults() { return g.events().workingsetRefaults(); }
    @Override public long getZswapMaxRejects() { return g.events().zswapMaxRejects(); }
    @Override public boolean isHeld() { return held.test(g); }
    @Override public boolean isReclaimStuck() { return stuck.test(g); }
}
