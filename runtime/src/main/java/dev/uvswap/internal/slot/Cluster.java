package dev.uvswap.internal.slot;

/**
 * 512 consecutive vslots, whose descriptors are exactly one 4 KiB page of the table.
 * All the Java-side state a slot needs is one bit here: the rest is its descriptor word.
 * Guarded by the owning {@link SlotSpace}'s lock.
 */
final class Cluster {

    static final int SHIFT = 9;
    static final int SLOTS = 1 << SHIFT;

    final int id;
    /** Set bits are allocated slots; in cluster 0, bit 0 (the invalid slot 0) is always set. */
    private final long[] allocated = new long[SLOTS / Long.SIZE];
    /** Slots this cluster can hand out: 511 for cluster 0, 512 for the others. */
    private final int capacity;
    private int count;

    Cluster(int id) {
        this.id = id;
        if (id == 0) {
            allocated[0] = 1L;
            capacity = SLOTS - 1;
        } else {
            capacity = SLOTS;
        }
    }

    long firstSlot() {
        return (long) id << SHIFT;
    }

    int count() {
        return count;
    }

    boolean isFull() {
        return count == capacity;
    }

    boolean isAllocated(int bit) {
        return (allocated[bit >>> 6] & (1L << bit)) != 0;
    }

    /** Takes up to {@code max} free slots in ascending order into {@code out[at..]}; returns how many. */
    int take(int max, long[] out, int at) {
        int taken = 0;
        long base = firstSlot();
        for (int w = 0; w < allocated.length && taken < max; w++) {
            long free = ~allocated[w];
            while (free != 0 && taken < max) {
                long lowest = free & -free;
                free ^= lowest;
                allocated[w] |= lowest;
                out[at + taken++] = base + ((long) w << 6) + Long.numberOfTrailingZeros(lowest);
            }
        }
        count += taken;
        return taken;
    }

    /** Frees one slot; false if it was not allocated. */
    boolean release(int bit) {
        int w = bit >>> 6;
        long mask = 1L << bit;
        if ((allocated[w] & mask) == 0 || (id == 0 && bit == 0)) {
            return false;
        }
        allocated[w] &= ~mask;
        count--;
        return true;
    }
}
