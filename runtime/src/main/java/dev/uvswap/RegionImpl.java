package dev.uvswap;

import dev.uvswap.internal.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A region: an anonymous mapping registered on the userfaultfd, and its page map (one word per
 * page, shared with the fault servers). Operations hold the read side of a lock; close holds
 * the write side, so it never overlaps a pageOut or prefault in progress.
 */
final class RegionImpl implements Region {
    static final long PAGE = 4096;
    static final long EXTENT = 2L << 20;

    private final VSwapImpl owner;
    private final boolean hugePages;
    private final Mapping memory;
    private final Mapping pagemap;
    private final int id;
    private final Arena arena;
    private final MemorySegment segment;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile boolean closed;
    private final MemoryGroupImpl group;
    /** The reclaim clock hand: the page where the next reclaim step starts (extent aligned). */
    private final java.util.concurrent.atomic.AtomicLong hand = new java.util.concurrent.atomic.AtomicLong();

    RegionImpl(VSwapImpl owner, Mapping memory, Mapping pagemap, int id, boolean hugePages, MemoryGroupImpl group) {
        this.owner = owner;
        this.group = group;
        this.hugePages = hugePages;
        this.memory = memory;
        this.pagemap = pagemap;
        this.id = id;
        this.arena = Arena.ofShared();
        this.segment = MemorySegment.ofAddress(memory.address()).reinterpret(memory.size(), arena, null);
    }

    int id() {
        return id;
    }

    Mapping memory() {
        return memory;
    }

    Mapping pagemap() {
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
    public long pageOut(long offset, long length) {
        return withPages(offset, length, "pageOut", (first, n) -> owner.swapOut().swapOut(id, first, n));
    }

    @Override
    public long park(long offset, long length) {
        return withPages(offset, length, "park", (first, n) -> owner.swapOut().park(id, first, n));
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
        checkRange(offset, length, op);
        if (length == 0) {
            return 0;
        }
        lock.readLock().lock();
        try {
            ensureOpen();
            long first = offset / PAGE;
            long last = (offset + length + PAGE - 1) / PAGE;
            return body.apply(first, last - first);
        } finally {
            lock.readLock().unlock();
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
    long residentBytesOrZero() {
        try {
            return closed ? 0 : residentBytes();
        } catch (IllegalStateException closedMeanwhile) {
            return 0;
        }
    }

    MemoryGroupImpl group() {
        return group;
    }

    /**
     * One step of the reclaim clock: swaps out the extents from the hand on, up to {@code bytes}
     * (at least one extent), and advances the hand past them. Returns the bytes that left
     * memory; 0 when the region is closed or has nothing resident.
     */
    long reclaimStep(long bytes) {
        if (closed || residentBytesOrZero() == 0) {
            return 0;
        }
        long pages = size() / PAGE;
        long want = Math.max(EXTENT, (bytes + EXTENT - 1) & -EXTENT) / PAGE;
        long got = 0;
        for (long scanned = 0; scanned < pages && got * PAGE < bytes; ) {
            long first = hand.get() % pages;
            long n = Math.min(want, pages - first);
            try {
                got += pageOut(first * PAGE, n * PAGE);
            } catch (IllegalStateException closedMeanwhile) {
                return got * PAGE;
            }
            hand.set((first + n) % pages);
            scanned += n;
        }
        return got * PAGE;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("region closed");
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            // Invalidate the segment first: no new Java access can fault after this.
            arena.close();
            group.remove(this);
            owner.release(this);
        } finally {
            lock.writeLock().unlock();
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
