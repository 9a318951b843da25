package dev.uvswap.internal.group;

import dev.uvswap.MemoryGroup;
import dev.uvswap.internal.VSwapImpl;
import dev.uvswap.internal.region.RegionImpl;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

/** A node of the group tree: its limits, its own regions, its children and its counters. */
public final class MemoryGroupImpl implements MemoryGroup {
    private final VSwapImpl owner;
    private final String name;
    private final MemoryGroupImpl parent;
    private final List<MemoryGroupImpl> children = new CopyOnWriteArrayList<>();
    private final List<RegionImpl> regions = new CopyOnWriteArrayList<>();
    private volatile long high = UNLIMITED;
    private volatile long max = UNLIMITED;
    private final Account account;
    private final long createdAt = System.nanoTime();
    /** Fault time of regions closed so far (their counters went with them). */
    private final LongAdder closedStallNanos = new LongAdder();
    /** Where the next reclaim of this subtree starts: a round robin over its regions. */
    private int nextRegion;
    /** After a reclaim that found nothing to take: no new try before this time (nanoTime); the reclaimer's thread only. */
    long retryAt;
    long backoffNanos;
    /**
     * The reclaimer found nothing it could take (a full pool, no file): the fault path stops
     * holding this group's faults, which would wait for reclaim that cannot come, until a
     * reclaim succeeds again or a limit changes. Written by the reclaimer thread.
     */
    public volatile boolean reclaimStuck;
    /** memoryCurrent when the reclaimer last changed reclaimStuck (what its event and warning report). */
    public volatile long currentAtVerdict;
    /** The subtree's direct-reclaimed pages at the reclaimer's last check (reclaimer thread only). */
    long directPagesSeen;
    /** Over memoryMax by more than the reclaimer's slack: faults wait for reclaim (reclaimer thread only). */
    public volatile boolean throttled;

    final LongAdder highEvents = new LongAdder();
    final LongAdder maxEvents = new LongAdder();
    final LongAdder reclaimFailures = new LongAdder();
    final LongAdder reclaimedBytes = new LongAdder();
    /** Parked pages whose window passed and that reclaim tried to compress (stored or not). */
    public final LongAdder agedPages = new LongAdder();

    public MemoryGroupImpl(VSwapImpl owner, String name, MemoryGroupImpl parent, Account account) {
        this.owner = owner;
        this.account = account;
        this.name = Objects.requireNonNull(name, "name");
        this.parent = parent;
    }

    public VSwapImpl owner() {
        return owner;
    }

    public Account account() {
        return account;
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
        Objects.requireNonNull(childName, "name");   // before an account id is taken: ids are finite
        Account a = owner.newAccount(account);
        try {
            MemoryGroupImpl child = new MemoryGroupImpl(owner, childName, this, a);
            owner.groupPlaced(child);
            children.add(child);
            owner.groupCreated(child);
            return child;
        } catch (RuntimeException | Error e) {
            owner.releaseAccount(a);
            throw e;
        }
    }

    /** The group of regions allocated without one: no limits, and nothing reclaims its regions. */
    public boolean isUngrouped() {
        return account.id() == 0;
    }

    @Override
    public void setMemoryHigh(long bytes) {
        high = checkLimit("memoryHigh", bytes);
        owner.groupLimitChanged(this);
    }

    @Override
    public void setMemoryMax(long bytes) {
        max = checkLimit("memoryMax", bytes);
        owner.groupPlaced(this);
        owner.groupLimitChanged(this);
    }

    /**
     * The resident pages past which the fault path makes this group's faults wait for reclaim:
     * memoryMax plus the reclaimer's slack (what it tolerates before it holds faults too); none
     * for an unlimited max.
     */
    public long holdAbovePages() {
        long m = max;
        if (m == UNLIMITED || reclaimStuck) {
            return Long.MAX_VALUE;
        }
        long slack = GroupReclaimer.throttleSlack(m);
        return (m > Long.MAX_VALUE - slack ? Long.MAX_VALUE : m + slack) / RegionImpl.PAGE;
    }

    /**
     * The installed pages past which a fault reclaims this subtree itself, in C, before it installs
     * (direct reclaim): memoryMax, against installed plus parked pages, both counted in C as
     * memoryCurrent counts them (parked pages are told as aging parks them, not at the next drain:
     * a limit that lags what aging parks lets a group run past max by what aging holds);
     * none for an unlimited max or while nothing can leave (a full pool, no file).
     */
    public long directMaxPages() {
        long m = max;
        if (m == UNLIMITED || reclaimStuck) {
            return Long.MAX_VALUE;
        }
        return m / RegionImpl.PAGE;
    }

    /** The fault path's id of the parent group, -1 for a top-level one. */
    public int parentId() {
        return parent == null ? -1 : parent.account.id();
    }

    @Override
    public void setZswapMax(long bytes) {
        account.setZswapMax(checkLimit("zswapMax", bytes));
        owner.swapLimitChanged();
    }

    @Override
    public void setSwapMax(long bytes) {
        account.setSwapMax(checkLimit("swapMax", bytes));
        owner.swapLimitChanged();
    }

    @Override
    public void setFarMax(long bytes) {
        account.setFarMax(checkLimit("farMax", bytes));
        owner.swapLimitChanged();
    }

    @Override
    public long farMax() {
        return account.farMax();
    }

    @Override
    public long farCurrent() {
        owner.drainCompletionsIfOpen();
        return account.farBytes();
    }

    @Override
    public void setZswapWriteback(boolean on) {
        account.setZswapWriteback(on);
        owner.swapLimitChanged();
    }

    @Override
    public long zswapMax() {
        return account.zswapMax();
    }

    @Override
    public long swapMax() {
        return account.swapMax();
    }

    @Override
    public boolean zswapWriteback() {
        return account.zswapWriteback();
    }

    @Override
    public long zswapCurrent() {
        owner.drainCompletionsIfOpen();   // swap-ins served so far give their charges back first
        return account.zswapBytes();
    }

    @Override
    public long swapCurrent() {
        owner.drainCompletionsIfOpen();
        return account.swapBytes();
    }

    @Override
    public double faultPressure() {
        long elapsed = System.nanoTime() - createdAt;
        return elapsed <= 0 ? 0 : (double) stallNanos() / elapsed;
    }

    private long stallNanos() {
        long sum = closedStallNanos.sum();
        for (RegionImpl r : regions) {
            sum += r.stallNanosOrZero();
        }
        for (MemoryGroupImpl c : children) {
            sum += c.stallNanos();
        }
        return sum;
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
        return residentBytes() + account.parkedPages() * RegionImpl.PAGE;   // parked: hierarchical already
    }

    private long residentBytes() {
        long sum = 0;
        for (RegionImpl r : regions) {
            sum += r.residentBytesOrZero();
        }
        for (MemoryGroupImpl c : children) {
            sum += c.residentBytes();
        }
        return sum;
    }

    @Override
    public Events events() {
        owner.drainCompletionsIfOpen();   // refaults are counted as swap-ins are drained
        return eventsSoFar();
    }

    @Override
    public java.util.Optional<dev.uvswap.CompressionDictionary> dictionary() {
        var d = owner.dictionaries();
        var g = d == null ? null : d.peek(account);
        return g == null ? java.util.Optional.empty() : g.dictionary();
    }

    @Override
    public java.util.concurrent.CompletableFuture<dev.uvswap.DictionaryTrial> trainDictionary() {
        return owner.trainDictionary(account);
    }

    /** Pages the faults of this subtree's groups reclaimed themselves, in C (direct reclaim). */
    long directReclaimedPagesOfSubtree() {
        long d = owner.directReclaimedPages(this);
        for (MemoryGroupImpl c : children) {
            d += c.directReclaimedPagesOfSubtree();
        }
        return d;
    }

    private Events eventsSoFar() {
        // Refault counters are hierarchical in the account already; the reclaimer's are summed here.
        long h = highEvents.sum();
        long m = maxEvents.sum();
        long f = reclaimFailures.sum();
        long r = reclaimedBytes.sum();
        long d = directReclaimedPagesOfSubtree() * RegionImpl.PAGE;
        for (MemoryGroupImpl c : children) {
            Events ce = c.eventsSoFar();
            h += ce.high();
            m += ce.max();
            f += ce.reclaimFailures();
            r += ce.reclaimedBytes();
        }
        return new Events(h, m, f, r, account.refaults.sum(), account.workingsetRefaults.sum(),
                account.zswapMaxRejects.sum(), d);
    }

    public void add(RegionImpl r) {
        regions.add(r);
    }

    public void remove(RegionImpl r) {
        closedStallNanos.add(r.stallNanosOrZero());
        regions.remove(r);
    }

    public List<MemoryGroupImpl> children() {
        return children;
    }

    /** Regions of this group and its children, starting where the last reclaim of this group stopped. */
    synchronized List<RegionImpl> regionsForReclaim() {
        List<RegionImpl> all = regionsOfSubtree();
        if (all.isEmpty()) {
            return all;
        }
        int start = Math.floorMod(nextRegion++, all.size());
        List<RegionImpl> rotated = new java.util.ArrayList<>(all.subList(start, all.size()));
        rotated.addAll(all.subList(0, start));
        return rotated;
    }

    /** Regions of this group and its children. */
    synchronized List<RegionImpl> regionsOfSubtree() {
        List<RegionImpl> all = new java.util.ArrayList<>();
        collect(all);
        return all;
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
