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

    RegionImpl(VSwapImpl owner, Mapping memory, Mapping pagemap, int id, boolean hugePages) {
        this.owner = owner;
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
