package dev.uvswap;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

/** A node of the group tree: its limits, its own regions, its children and its counters. */
final class MemoryGroupImpl implements MemoryGroup {
    private final VSwapImpl owner;
    private final String name;
    private final MemoryGroupImpl parent;
    private final List<MemoryGroupImpl> children = new CopyOnWriteArrayList<>();
    private final List<RegionImpl> regions = new CopyOnWriteArrayList<>();
    private volatile long high = UNLIMITED;
    private volatile long max = UNLIMITED;
    /** Where the next reclaim of this subtree starts: a round robin over its regions. */
    private int nextRegion;
    /** After a reclaim that found nothing to take: no new try before this time (nanoTime); the reclaimer's thread only. */
    long retryAt;
    long backoffNanos;

    final LongAdder highEvents = new LongAdder();
    final LongAdder maxEvents = new LongAdder();
    final LongAdder reclaimFailures = new LongAdder();
    final LongAdder reclaimedBytes = new LongAdder();

    MemoryGroupImpl(VSwapImpl owner, String name, MemoryGroupImpl parent) {
        this.owner = owner;
        this.name = Objects.requireNonNull(name, "name");
        this.parent = parent;
    }

    VSwapImpl owner() {
        return owner;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public MemoryGroup parent() {
        return parent;
    }

    @Override
    public MemoryGroup createChild(String childName) {
        MemoryGroupImpl child = new MemoryGroupImpl(owner, childName, this);
        children.add(child);
        return child;
    }

    @Override
    public void setMemoryHigh(long bytes) {
        high = checkLimit("memoryHigh", bytes);
        owner.groupLimitChanged(this);
    }

    @Override
    public void setMemoryMax(long bytes) {
        max = checkLimit("memoryMax", bytes);
        owner.groupLimitChanged(this);
    }

    private static long checkLimit(String what, long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException(what + " must not be negative: " + bytes);
        }
        return bytes;
    }

    @Override
    public long memoryHigh() {
        return high;
    }

    @Override
    public long memoryMax() {
        return max;
    }

    @Override
    public long memoryCurrent() {
        long sum = 0;
        for (RegionImpl r : regions) {
            sum += r.residentBytesOrZero();
        }
        for (MemoryGroupImpl c : children) {
            sum += c.memoryCurrent();
        }
        return sum;
    }

    @Override
    public Events events() {
        Events e = new Events(highEvents.sum(), maxEvents.sum(), reclaimFailures.sum(), reclaimedBytes.sum());
        for (MemoryGroupImpl c : children) {
            Events ce = c.events();
            e = new Events(e.high() + ce.high(), e.max() + ce.max(), e.reclaimFailures() + ce.reclaimFailures(),
                    e.reclaimedBytes() + ce.reclaimedBytes());
        }
        return e;
    }

    void add(RegionImpl r) {
        regions.add(r);
    }

    void remove(RegionImpl r) {
        regions.remove(r);
    }

    List<MemoryGroupImpl> children() {
        return children;
    }

    /** Regions of this group and its children, starting where the last reclaim of this group stopped. */
    synchronized List<RegionImpl> regionsForReclaim() {
        List<RegionImpl> all = new java.util.ArrayList<>();
        collect(all);
        if (all.isEmpty()) {
            return all;
        }
        int start = Math.floorMod(nextRegion++, all.size());
        List<RegionImpl> rotated = new java.util.ArrayList<>(all.subList(start, all.size()));
        rotated.addAll(all.subList(0, start));
        return rotated;
    }

    private void collect(List<RegionImpl> out) {
        out.addAll(regions);
        for (MemoryGroupImpl c : children) {
            c.collect(out);
        }
    }

    @Override
    public String toString() {
        return "MemoryGroup[" + (parent == null ? "" : parent.name + "/") + name + "]";
    }
}
