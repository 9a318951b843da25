package dev.uvswap.internal.pool;

import dev.uvswap.internal.os.Pages;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The compressed pool (zswap's zsmalloc, reduced): objects of 1..4096 bytes packed into 64 KiB
 * spans of a reserved area, one size class per 32-byte granule.
 *
 * <p>Objects are named by their byte offset from the area's start, which is what a
 * {@link PoolHandle} carries to the fault servers; the pool never moves an object, so a handle
 * stays valid until {@link #free}.  A span serves one class while it holds live objects; when its
 * last object is freed its pages are {@linkplain Discarder discarded} and the span goes back to a
 * free-span list shared by all classes, lowest offset first so the area's touched prefix stays
 * short.
 *
 * <p><b>Locking.</b> One lock per size class guards that class's spans; {@code spanLock} guards
 * the free-span list, the span directory and the span count.  Lock order: a class lock, then
 * {@code spanLock}; never two class locks.  The discarder runs with no lock held.  The statistics
 * are atomics or volatiles, readable from any thread without a lock.
 */
public final class CompressedPool {

    public static final int SPAN_BYTES = 64 * 1024;
    public static final int SPAN_SHIFT = 16;
    public static final int MAX_OBJECT_BYTES = (int) dev.uvswap.internal.os.Pages.BYTES;   // a stored page is never larger than the page
    public static final int SIZE_CLASSES = MAX_OBJECT_BYTES / SizeClass.GRANULE;

    private final MemorySegment area;
    private final Discarder discarder;
    private final SizeClass[] classes = new SizeClass[SIZE_CLASSES];
    /** Spans the area (and the handle's offset field) can hold. */
    private final int spanCapacity;

    private final ReentrantLock spanLock = new ReentrantLock();
    /** Free spans below {@link #highWater}; guarded by spanLock. */
    private final BitSet freeSpans = new BitSet();
    /** No free span below this index; guarded by spanLock. */
    private int freeHint;
    /** Spans ever carved from the area; guarded by spanLock. */
    private int highWater;
    /**
     * Span objects by index, grown by copying under spanLock.  Volatile so that a reader without
     * spanLock gets an array at least as new as the one that held its span when the span was
     * handed to its class (see {@link #spanAt}).
     */
    private volatile Span[] directory = new Span[0];

    private volatile long maxBytes;
    /** Spans out of the free list; written under spanLock, volatile for lock-free readers. */
    private volatile long spansInUse;
    /** Packed spans found sparse, for {@link #compactPacked}. */
    private final java.util.concurrent.ConcurrentLinkedQueue<Span> sparse = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final AtomicLong storedObjects = new AtomicLong();
    private final AtomicLong storedBytes = new AtomicLong();
    /** Compression units: frames of 16 pages kept as pieces of this pool. */
    private final PoolUnits units;

    /**
     * @param area      the pool reservation; offsets are relative to its start, and only whole
     *                  64 KiB spans of it are used
     * @param discarder releases a span's physical pages when it becomes empty
     * @param maxBytes  ceiling for {@link #totalBytes()}
     */
    public CompressedPool(MemorySegment area, Discarder discarder, long maxBytes) {
        this.area = Objects.requireNonNull(area, "area");
        this.discarder = Objects.requireNonNull(discarder, "discarder");
        long spans = Math.min(area.byteSize() >>> SPAN_SHIFT, (PoolHandle.MAX_OFFSET + 1) >>> SPAN_SHIFT);
        this.spanCapacity = (int) Math.min(spans, Integer.MAX_VALUE);
        setMaxBytes(maxBytes);
        for (int i = 0; i < SIZE_CLASSES; i++) {
            classes[i] = new SizeClass(i);
        }
        this.units = new PoolUnits(this);
    }

    /** The compression units stored in this pool. */
    public PoolUnits units() {
        return units;
    }

    /** The bytes an object of {@code length} really takes: the length rounded up to 32. */
    public static int classSize(int length) {
        checkLength(length);
        return (length + SizeClass.GRANULE - 1) & -SizeClass.GRANULE;
    }

    /**
     * Reserves room for an object of {@code length} bytes; the caller writes the bytes through
     * {@link #area()} before it publishes the handle.
     *
     * @return the object's byte offset from the area's start (32-byte aligned), or -1 when the
     *         area is exhausted or a new span would take {@link #totalBytes()} past
     *         {@link #maxBytes()}
     */
    public long allocate(int length) {
        SizeClass sc = classes[(classSize(length) / SizeClass.GRANULE) - 1];
        // Acquire: the class's spans and partial lists are ours until unlock.
        sc.lock.lock();
        try {
            Span span = sc.fullestPartial();
            if (span == null) {
                span = takeSpan();
                if (span == null) {
                    return -1;
                }
                span.sizeClass = sc.index;
            }
            int object = span.takeObject();
            sc.regroup(span);
            storedObjects.getAndIncrement();
            storedBytes.getAndAdd(length);
            return span.offset + (long) object * sc.size;
        } finally {
            // Release: publishes the span's new state to the next holder of this class lock.
            sc.lock.unlock();
        }
    }

    /**
     * Returns the object at {@code offset}; {@code length} is the length it was allocated with.
     *
     * @throws IllegalStateException if no live object of that size class starts at {@code offset}
     *                               (a double free, or a bad offset or length)
     */
    public void free(long offset, int length) {
        checkLength(length);
        // No lock: a span's PACKED mark was written before its objects reached anyone who frees them.
        Span packed = offset < 0 ? null : spanAt(offset >>> SPAN_SHIFT);
        if (packed != null && packed.sizeClass == Span.PACKED) {
            freePacked(packed, offset, length);
            return;
        }
        SizeClass sc = classes[(classSize(length) / SizeClass.GRANULE) - 1];
        Span emptied = null;
        // Acquire: the spans of this class, and the sizeClass field of any span that was or will
        // be in this class, are only written under this lock.
        sc.lock.lock();
        try {
            Span span = offset < 0 ? null : spanAt(offset >>> SPAN_SHIFT);
            if (span == null || span.sizeClass != sc.index) {
                throw new IllegalStateException("no live pool object of size " + sc.size + " at offset " + offset);
            }
            long within = offset - span.offset;
            if (within % sc.size != 0 || within / sc.size >= sc.objectsPerSpan) {
                throw new IllegalStateException("offset " + offset + " is not an object of size " + sc.size);
            }
            if (!span.releaseObject((int) (within / sc.size))) {
                throw new IllegalStateException("double free of pool object at offset " + offset);
            }
            storedObjects.getAndDecrement();
            storedBytes.getAndAdd(-length);
            if (span.liveObjects == 0) {
                // Off the class's lists while still under its lock: from now on only this
                // thread knows the span, so it can be discarded without a lock.
                sc.unlink(span);
                span.sizeClass = Span.NO_CLASS;
                emptied = span;
            } else {
                sc.regroup(span);
            }
        } finally {
            // Release: publishes the freed bit (and a span leaving the class) to the next holder.
            sc.lock.unlock();
        }
        if (emptied != null) {
            returnSpan(emptied);
        }
    }

    /**
     * An empty span for direct reclaim (uvs_reclaim.c), which packs objects of any length into it
     * from C and says when it is done with it ({@link #sealPacked}); -1 when the area is exhausted
     * or a span would take {@link #totalBytes()} past {@link #maxBytes()}.
     */
    public long takePackedSpan() {
        Span span = takeSpan();
        if (span == null) {
            return -1;
        }
        // Known only to this thread until its offset is handed to C (a release store).
        span.packedFreed = 0;
        span.packedObjects = -1;
        span.packedSlots = new long[0];
        span.packedSlotCount = 0;
        span.compactQueued = false;
        span.sizeClass = Span.PACKED;
        return span.offset;
    }

    /**
     * Direct reclaim stored slot {@code vslot}'s object of {@code length} bytes at {@code offset}
     * in a packed span: counted, and the slot noted so a sparse span can be compacted.
     */
    public void notePackedStore(long offset, int length, long vslot) {
        storedObjects.getAndIncrement();
        storedBytes.getAndAdd(length);
        Span span = spanAt(offset >>> SPAN_SHIFT);
        if (span != null && span.sizeClass == Span.PACKED) {
            synchronized (span) {
                if (span.packedSlotCount == span.packedSlots.length) {
                    span.packedSlots = Arrays.copyOf(span.packedSlots, Math.max(16, 2 * span.packedSlotCount));
                }
                span.packedSlots[span.packedSlotCount++] = vslot;
            }
        }
    }

    /** Moves one object out of a packed span (or declines); see {@link #compactPacked}. */
    @FunctionalInterface
    public interface Rehomer {
        /** The slot's object, if it is still in the span at {@code spanOffset}, to the size-class pool. */
        void rehome(long vslot, long spanOffset);
    }

    /**
     * Compacts the packed spans that became sparse: a span C is done with, whose objects are
     * freed in random order (a cache's), would otherwise hold 64 KiB for its last live object.
     * Once half of a span's objects are freed, {@code rehomer} is offered each slot noted in it
     * and moves what is still there into the size-class pool (zsmalloc's compaction); the span
     * goes back when the last one leaves. Returns the spans looked at.
     */
    public int compactPacked(Rehomer rehomer) {
        int n = 0;
        Span span;
        while ((span = sparse.poll()) != null) {
            long[] slots;
            synchronized (span) {
                slots = Arrays.copyOf(span.packedSlots, span.packedSlotCount);
            }
            for (long vslot : slots) {
                rehomer.rehome(vslot, span.offset);
            }
            n++;
        }
        return n;
    }

    /** A sealed packed span with at most half its objects live goes on the compaction queue, once. Under its monitor. */
    private void queueIfSparse(Span span) {
        if (!span.compactQueued && span.packedObjects >= 4 && 2 * (span.packedObjects - span.packedFreed) <= span.packedObjects
                && span.packedFreed < span.packedObjects) {
            span.compactQueued = true;
            sparse.add(span);
        }
    }

    /**
     * Direct reclaim is done with the packed span at {@code offset} and put {@code objects} objects
     * in it: the span goes back once as many were freed (perhaps now).
     */
    public void sealPacked(long offset, int objects) {
        Span span = offset < 0 || (offset & (SPAN_BYTES - 1)) != 0 ? null : spanAt(offset >>> SPAN_SHIFT);
        if (span == null || span.sizeClass != Span.PACKED || objects < 0) {
            throw new IllegalStateException("no packed span at offset " + offset);
        }
        boolean empty;
        synchronized (span) {
            if (span.packedObjects >= 0 || span.packedFreed > objects) {
                throw new IllegalStateException("packed span at offset " + offset + " sealed twice or over-freed ("
                        + span.packedFreed + " freed, " + objects + " put there)");
            }
            span.packedObjects = objects;
            empty = span.packedFreed == objects;
            queueIfSparse(span);
        }
        if (empty) {
            retirePacked(span);
        }
    }

    private void freePacked(Span span, long offset, int length) {
        boolean empty;
        synchronized (span) {
            if (span.packedObjects >= 0 && span.packedFreed >= span.packedObjects) {
                throw new IllegalStateException("double free in packed span at offset " + offset);
            }
            span.packedFreed++;
            empty = span.packedFreed == span.packedObjects;
            queueIfSparse(span);
        }
        storedObjects.getAndDecrement();
        storedBytes.getAndAdd(-length);
        if (empty) {
            retirePacked(span);
        }
    }

    /** A packed span whose objects are all freed: only this thread knows it now. */
    private void retirePacked(Span span) {
        span.sizeClass = Span.NO_CLASS;
        returnSpan(span);
    }

    public long storedObjects() {
        return storedObjects.get();
    }

    /** Sum of the lengths of the stored objects, as passed to {@link #allocate}. */
    public long storedBytes() {
        return storedBytes.get();
    }

    /** Area bytes held by spans in use (64 KiB each), the pool's footprint. */
    public long totalBytes() {
        return spansInUse * SPAN_BYTES;
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** Takes effect for the next span taken; spans already held are kept. */
    public void setMaxBytes(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes < 0: " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    /** The area this pool carves; callers copy objects in and out through it. */
    public MemorySegment area() {
        return area;
    }

    /** A free span, lowest offset first, or a new one; null if refused.  Caller holds a class lock, or no lock. */
    private Span takeSpan() {
        // Acquire: the free-span list, directory and span count (class lock → spanLock order).
        spanLock.lock();
        try {
            if ((spansInUse + 1) * SPAN_BYTES > maxBytes) {
                return null;
            }
            Span span;
            int index = freeSpans.nextSetBit(freeHint);
            if (index >= 0) {
                freeSpans.clear(index);
                freeHint = index + 1;
                span = directory[index];
            } else if (highWater < spanCapacity) {
                freeHint = highWater + 1;
                span = carveSpan();
            } else {
                return null;
            }
            spansInUse = spansInUse + 1;
            return span;
        } finally {
            // Release: the span's directory entry is visible before the span reaches its class.
            spanLock.unlock();
        }
    }

    /** The next never-used span; caller holds spanLock. */
    private Span carveSpan() {
        Span[] dir = directory;
        int index = highWater++;
        if (index == dir.length) {
            int grown = (int) Math.min(spanCapacity, Math.max(64L, 2L * dir.length));
            dir = Arrays.copyOf(dir, grown);
        }
        Span span = new Span(index);
        dir[index] = span;
        // Volatile store after the entry: a reader that sees the new array sees the entry too.
        directory = dir;
        return span;
    }

    /**
     * Discards an emptied span, then puts it on the free list.  The span is known only to this
     * thread meanwhile, so no allocation can land in it before the discard returns.
     */
    private void returnSpan(Span span) {
        try {
            discarder.discard(span.offset, SPAN_BYTES);
        } finally {
            // Even if the discard failed, the span's old bytes are harmless: a new object is
            // always written whole before its handle is published.  Only its RSS stays.
            // Acquire: the free-span list and span count.
            spanLock.lock();
            try {
                freeSpans.set(span.index);
                freeHint = Math.min(freeHint, span.index);
                spansInUse = spansInUse - 1;
            } finally {
                // Release: hands the span to the next taker.
                spanLock.unlock();
            }
        }
    }

    /**
     * The span with this index, or null.  Called without spanLock: an offset the caller got from
     * {@link #allocate} was returned after its span's entry was stored, and the caller's own
     * hand-off of the offset orders that store before this read; the volatile read of
     * {@link #directory} then yields that array or a later copy, which keeps the entry.
     */
    private Span spanAt(long index) {
        Span[] dir = directory;
        return index < dir.length ? dir[(int) index] : null;
    }

    private static void checkLength(int length) {
        if (length < 1 || length > MAX_OBJECT_BYTES) {
            throw new IllegalArgumentException("pool object length out of range 1.." + MAX_OBJECT_BYTES + ": " + length);
        }
    }
}
