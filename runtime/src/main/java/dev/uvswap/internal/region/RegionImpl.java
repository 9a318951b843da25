package dev.uvswap.internal.region;

import dev.uvswap.FaultMode;
import dev.uvswap.Region;
import dev.uvswap.internal.*;
import dev.uvswap.internal.VSwapImpl;
import dev.uvswap.internal.evict.ColdRanges;
import dev.uvswap.internal.evict.SwapOut;
import dev.uvswap.internal.group.GroupReclaimer;
import dev.uvswap.internal.group.MemoryGroupImpl;
import dev.uvswap.internal.os.Mapping;
import dev.uvswap.internal.os.PageBits;
import dev.uvswap.internal.os.Pages;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
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
    /** The reclaim clock hand: the page where the next reclaim step starts (mid-extent when a window filled there). */
    private final java.util.concurrent.atomic.AtomicLong hand = new java.util.concurrent.atomic.AtomicLong();
    /** Where the next deactivation starts (extent aligned). */
    private final java.util.concurrent.atomic.AtomicLong activeHand = new java.util.concurrent.atomic.AtomicLong();
    /** Pages touched while parked by aging: the active list. Reclaim passes them over while it has others. */
    private final PageBits active;
    /** Pages {@link #pin}ned: never swapped out. */
    private final PageBits pinned;
    /** Aging's parked batches, oldest first: the inactive list's window. */
    private final java.util.concurrent.ConcurrentLinkedDeque<Aging> parked = new java.util.concurrent.ConcurrentLinkedDeque<>();

    /** A parked batch and when it was parked (nanoTime). */
    private record Aging(SwapOut.Parked batch, long parkedAt) { }

    /**
     * How long a parked batch stays in the window before it may be compressed: one period of
     * the group reclaimer, so a page touched more often than that is always found touched.
     */
    static final long WINDOW_NANOS = GroupReclaimer.PERIOD_NANOS;
    /**
     * Ranges advised cold, swapped out before anything else: bounded (coalesced, coarsened past
     * {@link #MAX_COLD_RANGES}), since a group under its limits may never take them.
     */
    private final ColdRanges coldRanges = new ColdRanges(MAX_COLD_RANGES);
    /** Cold ranges a region keeps at most (8 KiB of arrays). */
    public static final int MAX_COLD_RANGES = 256;
    /** Pages aging holds parked in this region (its share of the group's window). */
    private final java.util.concurrent.atomic.AtomicLong parkedPages = new java.util.concurrent.atomic.AtomicLong();

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
        this.active = new PageBits(memory.size() / PAGE);
        this.pinned = new PageBits(memory.size() / PAGE);
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
            active.setRange(first, n, false);
            if (reclaimable) {
                coldRanges.add(first, n);
            }
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
     */
    public long reclaimStep(long bytes, long windowPages, boolean force, Runnable progress) {
        lock.readLock().lock();
        try {
            if (closed || owner.residentPages(id) == 0 && parked.isEmpty() && coldRanges.isEmpty()) {
                return 0;
            }
            long[] got = {swapOutColdRanges(bytes)};
            long pages = size() / PAGE;
            for (long scanned = 0; got[0] < bytes; ) {
                long room = windowPages - parkedPages.get();
                if (room > 0 && scanned < pages) {
                    scanned += parkNext(pages - scanned, (int) Math.min(room, EXTENT_PAGES), got);
                    progress.run();
                    continue;
                }
                Aging aging = parked.poll();
                if (aging == null) {
                    break;
                }
                if (!force && System.nanoTime() - aging.parkedAt() < WINDOW_NANOS) {
                    parked.offerFirst(aging);   // still in its window: the next step takes it
                    break;
                }
                SwapOut.Parked oldest = aging.batch();
                parkedPages.addAndGet(-oldest.parked());
                group.agedPages.add(oldest.parked());
                got[0] += owner.swapOut().compressParked(oldest, active::set) * PAGE;
                progress.run();
            }
            return got[0];
        } finally {
            lock.readLock().unlock();
        }
    }

    private long swapOutColdRanges(long bytes) {
        long got = 0;
        long[] range;
        // At most what is still wanted (up to an extent boundary), so coarse advice leaves a bit at a time.
        while (got < bytes && (range = coldRanges.poll((bytes - got) / PAGE, EXTENT_PAGES)) != null) {
            got += unpinned(range[0], range[1], (f, k) -> owner.swapOut().swapOut(id, group.account(), f, k)) * PAGE;
        }
        return got;
    }

    /**
     * Parks the candidates of the next extent from the hand that has any (resident-looking:
     * page-map word 0, not active, not pinned), at most {@code max} of them, scanning at most
     * {@code budget} pages. Returns the pages scanned. Without a staging chunk to hold, the candidates are swapped out directly and
     * their bytes added to {@code got[0]}.
     */
    private long parkNext(long budget, int max, long[] got) {
        long pages = size() / PAGE;
        MemorySegment pm = pagemap.segment();
        long[] runs = new long[2 * (int) EXTENT_PAGES];
        long scanned = 0;
        while (scanned < budget) {
            long first = Math.floorMod(hand.get(), pages);
            long n = Math.min(EXTENT_PAGES - first % EXTENT_PAGES, pages - first);   // within one extent
            hand.set((first + n) % pages);
            scanned += n;
            int count = 0;
            int candidates = 0;
            for (long p = first, end = first + n; p < end; ) {
                while (p < end && !candidate(pm, p)) {
                    p++;
                }
                long start = p;
                while (p < end && candidate(pm, p)) {
                    p++;
                }
                if (p > start) {
                    long len = Math.min(p - start, max - candidates);
                    runs[2 * count] = start;
                    runs[2 * count + 1] = len;
                    count++;
                    candidates += (int) len;
                    if (candidates == max) {
                        hand.set((start + len) % pages);   // the rest of the extent is next
                        break;
                    }
                }
            }
            if (candidates == 0) {
                continue;
            }
            SwapOut.Runs r = new SwapOut.Runs(runs, count, candidates);
            SwapOut.Parked batch = owner.swapOut().parkForAging(id, group.account(), r);
            if (batch == null) {
                for (int i = 0; i < count; i++) {   // no chunk to hold: no aging window for these
                    got[0] += owner.swapOut().swapOut(id, group.account(), runs[2 * i], runs[2 * i + 1]) * PAGE;
                }
                return scanned;
            }
            if (batch.parked() > 0) {
                parkedPages.addAndGet(batch.parked());
                parked.add(new Aging(batch, System.nanoTime()));
                return scanned;
            }
        }
        return scanned;
    }

    private static final long EXTENT_PAGES = EXTENT / PAGE;

    private boolean candidate(MemorySegment pm, long page) {
        return pm.getAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG, page) == 0
                && !(active.everSet() && active.get(page)) && !(pinned.everSet() && pinned.get(page));
    }

    /**
     * Ages the active list: clears the active bits of the next {@code pages} pages from the
     * deactivation hand, so the clock may take them. The group reclaimer calls it when a round
     * over its regions found nothing inactive to take.
     */
    public void deactivate(long pages) {
        long total = size() / PAGE;
        long first = Math.floorMod(activeHand.get(), total);
        long n = Math.min(pages, total - first);
        active.setRange(first, n, false);
        activeHand.set((first + n) % total);
    }

    /** Whether aging holds parked pages of this region (reclaim may take them once their window passes). */
    public boolean hasParked() {
        return parkedPages.get() > 0;
    }

    /** Whether any page is marked active (deactivation can free something). */
    public boolean hasActive() {
        return active.everSet();
    }

    /** Tests: cold ranges held for the reclaimer. */
    public int coldRangeCount() {
        return coldRanges.size();
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
                    for (Aging a; (a = parked.poll()) != null; ) {
                        parkedPages.addAndGet(-a.batch().parked());
                        owner.swapOut().dropParked(a.batch());   // release() below frees their slots and pages
                    }
                    coldRanges.clear();
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
