package dev.uvswap.internal.region;

import dev.uvswap.FaultMode;
import dev.uvswap.Region;
import dev.uvswap.internal.*;
import dev.uvswap.internal.VSwapImpl;
import dev.uvswap.internal.evict.SwapOut;
import dev.uvswap.internal.group.MemoryGroupImpl;
import dev.uvswap.internal.os.Mapping;
import dev.uvswap.internal.os.PageBits;
import dev.uvswap.internal.os.Pages;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.function.LongConsumer;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A region: an anonymous mapping registered on the userfaultfd, and its page map (one word per
 * page, shared with the fault servers). Operations hold the read side of a lock; close holds
 * the write side, so it never overlaps a pageOut or prefault in progress.
 */
public final class RegionImpl implements Region {
    public static final long PAGE = Pages.BYTES;
    public static final long EXTENT = 2L << 20;

    private final VSwapImpl owner;
    private final boolean hugePages;
    private final FaultMode faultMode;
    private final Mapping memory;
    private final Mapping pagemap;
    private final int id;
    private final Arena arena;
    private final MemorySegment segment;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile boolean closed;
    private final MemoryGroupImpl group;
    /** Pages {@link #pin}ned: never swapped out. */
    private final PageBits pinned;
    /** Reclaim in this region: cold advice, aging's window and the active list. */
    private final AgingClock clock;
    /** Cold ranges a region keeps at most (8 KiB of arrays). */
    public static final int MAX_COLD_RANGES = 256;

    public RegionImpl(VSwapImpl owner, Mapping memory, Mapping pagemap, int id, boolean hugePages, MemoryGroupImpl group,
               FaultMode faultMode) {
        this.owner = owner;
        this.faultMode = faultMode;
        this.group = group;
        this.hugePages = hugePages;
        this.memory = memory;
        this.pagemap = pagemap;
        this.id = id;
        this.arena = Arena.ofShared();
        this.segment = MemorySegment.ofAddress(memory.address()).reinterpret(memory.size(), arena, null);
        this.pinned = new PageBits(memory.size() / PAGE);
        this.clock = new AgingClock(memory.size() / PAGE, pagemap.segment(), pinned, new RegionEviction(), System::nanoTime);
    }

    /** The clock's way to swap-out: this region's pages, charged to its group. */
    private final class RegionEviction implements AgingClock.Eviction {
        @Override
        public long swapOut(long firstPage, long pages) {
            return unpinned(firstPage, pages, (f, k) -> owner.swapOut().swapOut(id, group.account(), f, k));
        }

        @Override
        public SwapOut.Parked park(SwapOut.Runs runs) {
            return owner.swapOut().parkForAging(id, group.account(), runs);
        }

        @Override
        public long store(SwapOut.Parked batch, LongConsumer touched) {
            group.agedPages.add(batch.parked());   // its window passed: the reclaimer's verdict on a stuck group counts these
            return owner.swapOut().compressParked(batch, touched);
        }

        @Override
        public void drop(SwapOut.Parked batch) {
            owner.swapOut().dropParked(batch);
        }
    }

    public int id() {
        return id;
    }

    public Mapping memory() {
        return memory;
    }

    public Mapping pagemap() {
        return pagemap;
    }

    @Override
    public MemorySegment segment() {
        ensureOpen();
        return segment;
    }

    @Override
    public long size() {
        return memory.size();
    }

    @Override
    public boolean hugePages() {
        return hugePages;
    }

    @Override
    public FaultMode faultMode() {
        return faultMode;
    }

    @Override
    public long pageOut(long offset, long length) {
        return withPages(offset, length, "pageOut", (first, n) -> unpinned(first, n,
                (f, k) -> owner.swapOut().swapOut(id, group.account(), f, k)));
    }

    @Override
    public long park(long offset, long length) {
        // Another caller short of staging may compress these pages later: it enters this region
        // as an operation does (the read lock, only tried), so never while it is being closed.
        SwapOut.RegionAccess access = new SwapOut.RegionAccess(lock.readLock(), this::isClosed);
        return withPages(offset, length, "park", (first, n) -> unpinned(first, n,
                (f, k) -> owner.swapOut().park(id, group.account(), f, k, access)));
    }

    @Override
    public void cold(long offset, long length) {
        // Without a group nothing reclaims this region (no limits, no reclaim(group)): keep nothing for it.
        boolean reclaimable = !group.isUngrouped();
        withPages(offset, length, "cold", (first, n) -> {
            clock.cold(first, n, reclaimable);
            return 0;
        });
        if (reclaimable) {
            owner.groupLimitChanged(group);   // the reclaimer takes them first if the group is over a limit
        }
    }

    @Override
    public void willNeed(long offset, long length) {
        checkRange(offset, length, "willNeed");
        ensureOpen();
        owner.prefetch(this, offset, length);
    }

    @Override
    public long pin(long offset, long length) {
        // The write lock waits out any pageOut that read the pins before this change.
        withPages(offset, length, "pin", lock.writeLock(), (first, n) -> {
            if (!pinned.everSet()) {
                // Pins are Java's: direct reclaim (C) cannot see them, so it leaves the region alone.
                owner.regionHasPins(this);
            }
            pinned.setRange(first, n, true);
            return 0;
        });
        return prefault(offset, length);
    }

    @Override
    public void unpin(long offset, long length) {
        withPages(offset, length, "unpin", (first, n) -> {
            pinned.setRange(first, n, false);
            return 0;
        });
    }

    /** Applies {@code body} to the runs of {@code [first, first + n)} that are not pinned. */
    private long unpinned(long first, long n, PageRangeOp body) {
        if (!pinned.everSet()) {
            return body.apply(first, n);
        }
        long total = 0;
        for (long p = first, end = first + n; p < end; ) {
            while (p < end && pinned.get(p)) {
                p++;
            }
            long start = p;
            while (p < end && !pinned.get(p)) {
                p++;
            }
            if (p > start) {
                total += body.apply(start, p - start);
            }
        }
        return total;
    }

    @Override
    public long prefault(long offset, long length) {
        return withPages(offset, length, "prefault", (first, n) -> owner.swapOut().populate(id, first, n));
    }

    @FunctionalInterface
    private interface PageRangeOp {
        long apply(long firstPage, long pages);
    }

    private long withPages(long offset, long length, String op, PageRangeOp body) {
        return withPages(offset, length, op, lock.readLock(), body);
    }

    /** Checks the range, then applies {@code body} to its pages under {@code held} (a side of the region lock). */
    private long withPages(long offset, long length, String op, java.util.concurrent.locks.Lock held, PageRangeOp body) {
        checkRange(offset, length, op);
        if (length == 0) {
            return 0;
        }
        held.lock();
        try {
            ensureOpen();
            long first = offset / PAGE;
            long last = (offset + length + PAGE - 1) / PAGE;
            return body.apply(first, last - first);
        } finally {
            held.unlock();
        }
    }

    private void checkRange(long offset, long length, String op) {
        if (offset < 0 || length < 0 || offset > size() || length > size() - offset) {
            throw new IndexOutOfBoundsException(op + ": range [" + offset + ", " + offset + " + " + length
                    + ") outside region of " + size() + " bytes");
        }
        if (offset % PAGE != 0) {
            throw new IllegalArgumentException(op + ": offset " + offset + " is not page aligned (4096)");
        }
    }

    @Override
    public long residentBytes() {
        lock.readLock().lock();
        try {
            ensureOpen();
            return owner.residentPages(id) * PAGE;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Resident bytes, 0 once closed (a group sums its regions without holding their locks). */
    public long residentBytesOrZero() {
        try {
            return closed ? 0 : residentBytes();
        } catch (IllegalStateException closedMeanwhile) {
            return 0;
        }
    }

    /** Time the servers spent on this region's faults; 0 once it is gone from the servers. */
    public long stallNanosOrZero() {
        try {
            return owner.stallNanos(id);
        } catch (RuntimeException gone) {
            return 0;
        }
    }

    MemoryGroupImpl group() {
        return group;
    }

    /**
     * One step of reclaim in this region (architecture.md §6), up to {@code bytes} (whole extents):
     * ranges advised {@linkplain #cold cold} go first, swapped out at once. Then aging, a clock
     * with second chance: the hand parks the next extent's resident pages that are neither
     * active nor pinned in the swap cache (a move, no compression), and once the region holds
     * {@code windowPages} parked pages the oldest batch is compressed. A page touched while
     * parked came back with one move; it is marked active and passed over until reclaim runs
     * out of inactive pages ({@link #deactivate}). Returns the bytes that left memory.
     * {@code progress} runs after each batch parked or compressed: a step takes tens of ms on a
     * loaded machine, and the group throttle's lease is renewed on progress, not per step.
     * The policy is {@link AgingClock}'s; this holds the region open (its read lock) meanwhile.
     */
    public long reclaimStep(long bytes, long windowPages, boolean force, Runnable progress) {
        lock.readLock().lock();
        try {
            if (closed || owner.residentPages(id) == 0 && clock.idle()) {
                return 0;
            }
            return clock.step(bytes, windowPages, force, progress);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Ages the active list by {@code pages} pages ({@link AgingClock#deactivate}). */
    public void deactivate(long pages) {
        clock.deactivate(pages);
    }

    /** Whether aging holds parked pages of this region (reclaim may take them once their window passes). */
    public boolean hasParked() {
        return clock.hasParked();
    }

    /** Whether any page is marked active (deactivation can free something). */
    public boolean hasActive() {
        return clock.hasActive();
    }

    /** Tests: cold ranges held for the reclaimer. */
    public int coldRangeCount() {
        return clock.coldRangeCount();
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(owner.isClosing() ? "VSwap closed" : "region closed");
        }
    }

    /**
     * Closes the arena first, and only then changes anything: the arena refuses to close while
     * its segment is acquired (kernel I/O on a buffer over it, a downcall given it), and a close
     * that fails there must leave the region exactly as it was, so a later close can finish.
     * Holds the VSwap's gate (its parts stay up meanwhile), then this region's write lock.
     */
    @Override
    public void close() {
        if (!owner.enterIfAlive()) {
            return;   // the VSwap is gone, and every region was closed before it went
        }
        try {
            lock.writeLock().lock();
            try {
                if (closed) {
                    return;
                }
                try {
                    arena.close();   // no Java access can fault on the region after this
                } catch (IllegalStateException acquired) {
                    throw new IllegalStateException(this + " cannot close: kernel I/O or a native call is in progress on"
                            + " its segment (" + acquired.getMessage() + "). The region stays open and usable;"
                            + " close it again once that has ended", acquired);
                }
                closed = true;
                try {
                    clock.dropAll();   // release() below frees the parked batches' slots and pages
                    group.remove(this);
                } finally {
                    owner.release(this);
                }
            } finally {
                lock.writeLock().unlock();
            }
        } finally {
            owner.exit();
        }
    }

    @Override
    public String toString() {
        return "Region[0x" + Long.toHexString(memory.address()) + ", " + size() + " bytes" + (closed ? ", closed]" : "]");
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(id) * 31 + Long.hashCode(memory.address());
    }
}
