package dev.uvswap.internal.pool;

/**
 * One 64 KiB span of the pool area: while it holds live objects it belongs to one size class
 * and is cut into {@code 65536 / classSize} equal objects.
 *
 * <p>Every field but {@link #index} and {@link #offset} is guarded by the lock of the size class
 * the span belongs to; a free span (on the pool's free-span list or on its way there) is touched
 * only by the thread that holds it.
 */
final class Span {

    static final int NO_CLASS = -1;
    /**
     * Handed whole to direct reclaim, which packs objects of any length into it from C
     * (uvs_reclaim.c): no object table, only counts, guarded by the span's monitor.
     */
    static final int PACKED = -2;
    /** PACKED: objects freed so far. */
    int packedFreed;
    /** PACKED: objects C put in it, once it said it is done with the span; -1 before. */
    int packedObjects = -1;
    /** PACKED: the slots adopted into it (hints: each may have been consumed and reused since). */
    long[] packedSlots = new long[0];
    int packedSlotCount;
    /** PACKED: queued for compaction once. */
    boolean compactQueued;
    /** Not on any partial list: full, or empty and about to leave its class. */
    static final int NO_GROUP = -1;

    final int index;
    final long offset;
    /** One bit per object, set while the object is live: the double-free and bad-offset check. */
    final long[] live = new long[CompressedPool.SPAN_BYTES / SizeClass.GRANULE / Long.SIZE];

    int sizeClass = NO_CLASS;
    int liveObjects;
    int group = NO_GROUP;
    /** Links of the owning class's partial list for {@link #group}. */
    Span prev;
    Span next;

    Span(int index) {
        this.index = index;
        this.offset = (long) index * CompressedPool.SPAN_BYTES;
    }

    /**
     * Marks the lowest free object live and returns its number.  The caller knows the span is
     * not full, so a free object exists below {@code objectsPerSpan}, and the scan finds it before
     * any bit past the end of the span.
     */
    int takeObject() {
        for (int w = 0; ; w++) {
            long free = ~live[w];
            if (free != 0) {
                int bit = Long.numberOfTrailingZeros(free);
                live[w] |= 1L << bit;
                liveObjects++;
                return (w << 6) | bit;
            }
        }
    }

    /** Marks object {@code i} free; false if it was not live (a double free). */
    boolean releaseObject(int i) {
        int w = i >>> 6;
        long mask = 1L << i;
        if ((live[w] & mask) == 0) {
            return false;
        }
        live[w] &= ~mask;
        liveObjects--;
        return true;
    }
}
