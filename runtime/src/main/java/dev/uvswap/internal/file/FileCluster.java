package dev.uvswap.internal.file;

/**
 * 512 consecutive slots of one swap file (2 MiB of it): the allocated and bad bitmaps and the
 * reverse map (file slot to virtual slot) of the kernel's swap table. Exists only while at
 * least one of its slots is allocated or bad; a free cluster costs nothing. Guarded by its
 * file's lock.
 */
final class FileCluster {
    static final int SLOTS = 512;
    private static final int WORDS = SLOTS / Long.SIZE;

    final int index;
    private final long[] allocated = new long[WORDS];
    private final long[] bad = new long[WORDS];
    private final long[] rmap = new long[SLOTS];
    /** Slots of this cluster that exist in the file (the last cluster of a file may be short). */
    private final int limit;
    int used;
    int badCount;
    /** On the file's nonfull list. */
    boolean nonfull;

    FileCluster(int index, int limit) {
        this.index = index;
        this.limit = limit;
    }

    boolean full() {
        return used + badCount == limit;
    }

    boolean empty() {
        return used == 0 && badCount == 0;
    }

    private boolean taken(int i) {
        return ((allocated[i >>> 6] | bad[i >>> 6]) & (1L << i)) != 0;
    }

    /**
     * Allocates the first run of free slots, at most {@code n} long, to {@code vslots[from..]}
     * in order; returns the run's first slot within the cluster and its length packed as
     * {@code first << 32 | length}, or 0 if the cluster is full.
     */
    long allocateRun(int n, long[] vslots, int from) {
        int first = 0;
        while (first < limit && taken(first)) {
            first++;
        }
        int len = 0;
        while (first + len < limit && len < n && !taken(first + len)) {
            int i = first + len;
            allocated[i >>> 6] |= 1L << i;
            rmap[i] = vslots[from + len];
            len++;
        }
        used += len;
        return len == 0 ? 0 : ((long) first << 32) | len;
    }

    /** Frees an allocated slot; false if it was not allocated (a double free). */
    boolean free(int i) {
        long bit = 1L << i;
        if ((allocated[i >>> 6] & bit) == 0) {
            return false;
        }
        allocated[i >>> 6] &= ~bit;
        rmap[i] = 0;
        used--;
        return true;
    }

    /** Turns an allocated slot into a bad one: its block failed a write and is never used again. */
    void markBad(int i) {
        if (free(i)) {
            bad[i >>> 6] |= 1L << i;
            badCount++;
        }
    }

    boolean isAllocated(int i) {
        return (allocated[i >>> 6] & (1L << i)) != 0;
    }

    long vslot(int i) {
        return rmap[i];
    }
}
