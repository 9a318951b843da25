package dev.uvswap.internal.file;

/**
 * 512 consecutive 4 KiB blocks of one swap file (2 MiB of it). Pages are stored packed: a
 * writeback run is one range of blocks holding its objects back to back, so an object may
 * straddle two blocks and a block may hold parts of many objects. Per block, the number of
 * live objects that overlap it: a block is free again once that count falls to 0 (the objects
 * were read back, freed or moved), and the cluster is empty once every block is free.
 *
 * <p>The reverse map (object → virtual slot, for swapoff) is kept per run ({@link PackedRun}):
 * each block names the run it belongs to, a run is forgotten when its last object is freed, so
 * the map holds at most one entry per live object plus the freed entries of runs still alive
 * (a run has at most {@link #BLOCKS} objects). Runs never cross a cluster's end. Exists only
 * while at least one of its blocks is in use or bad; a free cluster costs nothing. Guarded by
 * its file's lock.
 */
final class FileCluster {
    static final int BLOCKS = 512;
    static final int BLOCK_BYTES = 4096;
    private static final int WORDS = BLOCKS / Long.SIZE;

    final int index;
    /** Live objects overlapping each block (0: free, unless bad). At most a run's 512 objects + 1. */
    private final short[] live = new short[BLOCKS];
    private final long[] bad = new long[WORDS];
    /** The run each block in use belongs to. */
    private final PackedRun[] runOf = new PackedRun[BLOCKS];
    /** Blocks of this cluster that exist in the file (the last cluster of a file may be short). */
    private final int limit;
    /** Blocks with live objects. */
    int usedBlocks;
    /** Live objects that start here (pages stored). */
    int objects;
    int badCount;
    /** Numbers the walks of {@link #objects}, so each run is listed once. */
    private int walks;
    /**
     * Blocks that fell free since their disk space was last given back: a block whose objects
     * are all gone is reused by a later run, but until then it holds 4 KiB of disk for nothing.
     * They are punched in batches ({@link #takeUnpunched}), not one {@code fallocate} a block.
     */
    private final long[] unpunched = new long[WORDS];
    private int unpunchedCount;

    FileCluster(int index, int limit) {
        this.index = index;
        this.limit = limit;
    }

    boolean full() {
        return usedBlocks + badCount == limit;
    }

    boolean empty() {
        return usedBlocks == 0 && badCount == 0;
    }

    private boolean taken(int b) {
        return live[b] != 0 || (bad[b >>> 6] & (1L << b)) != 0;
    }

    /**
     * Finds room for a run of {@code want} blocks: the first free range that long, else the
     * longest free range. Returns {@code first << 32 | length}, or 0 if the cluster is full.
     */
    long freeRange(int want) {
        int bestFirst = 0;
        int bestLen = 0;
        for (int b = 0; b < limit; ) {
            if (taken(b)) {
                b++;
                continue;
            }
            int first = b;
            while (b < limit && !taken(b)) {
                b++;
            }
            int len = b - first;
            if (len >= want) {
                return (long) first << 32 | want;
            }
            if (len > bestLen) {
                bestFirst = first;
                bestLen = len;
            }
        }
        return bestLen == 0 ? 0 : (long) bestFirst << 32 | bestLen;
    }

    /**
     * Records a run: objects {@code vslots[from..from+n)} of {@code lengths} stored back to back
     * from block {@code first}; each block they overlap counts them.
     */
    PackedRun allocate(int first, int blocks, long[] vslots, int[] lengths, int from, int n) {
        PackedRun run = new PackedRun(first, blocks, n);
        int at = first * BLOCK_BYTES;   // byte offset within the cluster
        for (int i = 0; i < n; i++) {
            int len = lengths[from + i];
            run.starts[i] = at;
            run.vslots[i] = vslots[from + i];
            count(at, len, +1);
            at += len;
        }
        run.end = at;
        for (int b = first; b < first + blocks; b++) {
            runOf[b] = run;
        }
        objects += n;
        return run;
    }

    /** Adds {@code delta} to the blocks the object at {@code at} (in the cluster) overlaps. */
    private void count(int at, int len, int delta) {
        for (int b = at / BLOCK_BYTES, last = (at + len - 1) / BLOCK_BYTES; b <= last; b++) {
            int was = live[b];
            live[b] = (short) (was + delta);
            if (was == 0) {
                usedBlocks++;
                forgetUnpunched(b);   // allocated again: its space is in use
            } else if (was + delta == 0) {
                usedBlocks--;
                unpunched[b >>> 6] |= 1L << b;
                unpunchedCount++;
            }
        }
    }

    /** Frees the object at byte {@code at} of the cluster; false if there is none (a double free). */
    boolean free(int at, int len) {
        PackedRun run = runOf[at / BLOCK_BYTES];
        int i = run == null ? -1 : run.find(at);
        if (i < 0) {
            return false;
        }
        run.vslots[i] = 0;
        run.starts[i] = -1 - at;   // kept sorted for find; never matches a live object again
        count(at, len, -1);
        objects--;
        if (--run.live == 0) {
            forget(run);
        }
        return true;
    }

    /** The run's blocks no longer name it: its last object is gone, or its blocks went bad. */
    private void forget(PackedRun run) {
        for (int b = run.first; b < run.first + run.blocks; b++) {
            if (runOf[b] == run) {
                runOf[b] = null;
            }
        }
    }

    /**
     * A write to a run failed: its blocks are never used again. Returns how many of its objects
     * were still allocated (all of them: nothing of a failed run was published).
     */
    int markBad(PackedRun run) {
        for (int b = run.first; b < run.first + run.blocks; b++) {
            if (live[b] != 0) {
                live[b] = 0;
                usedBlocks--;
            }
            bad[b >>> 6] |= 1L << b;
            badCount++;
            forgetUnpunched(b);   // a bad block is never read or reused: leave it as it is
        }
        int dropped = run.live;
        objects -= dropped;
        run.live = 0;
        java.util.Arrays.fill(run.vslots, 0);
        forget(run);
        return dropped;
    }

    private void forgetUnpunched(int b) {
        if ((unpunched[b >>> 6] & (1L << b)) != 0) {
            unpunched[b >>> 6] &= ~(1L << b);
            unpunchedCount--;
        }
    }

    /** Blocks freed and not yet given back to the file system. */
    int unpunchedCount() {
        return unpunchedCount;
    }

    /**
     * Hands the free blocks not yet punched to {@code punch}, as maximal ranges (first block,
     * count), and forgets them. Called under the file's lock: a block listed here is free at that
     * moment, and an allocation (which takes the same lock) can only come after the punch.
     */
    void takeUnpunched(java.util.function.BiConsumer<Integer, Integer> punch) {
        for (int b = 0; b < limit; ) {
            if ((unpunched[b >>> 6] & (1L << b)) == 0 || taken(b)) {
                b++;
                continue;
            }
            int first = b;
            while (b < limit && (unpunched[b >>> 6] & (1L << b)) != 0 && !taken(b)) {
                b++;
            }
            punch.accept(first, b - first);
        }
        java.util.Arrays.fill(unpunched, 0);
        unpunchedCount = 0;
    }

    /** Blocks with live objects. */
    boolean inUse(int b) {
        return live[b] != 0;
    }

    /**
     * The live objects starting in this cluster, in file order within each run: their virtual
     * slots and byte offsets in the cluster; returns how many (at most {@link #objectCount()}).
     */
    int objects(long[] vslotsOut, int[] startsOut) {
        int n = 0;
        int walk = ++walks;   // a run's blocks need not be contiguous in runOf: a freed block may be another run's now
        for (int b = 0; b < limit; b++) {
            PackedRun run = runOf[b];
            if (run == null || run.walk == walk) {
                continue;
            }
            run.walk = walk;
            for (int i = 0; i < run.vslots.length; i++) {
                if (run.vslots[i] != 0) {
                    vslotsOut[n] = run.vslots[i];
                    startsOut[n] = run.starts[i];
                    n++;
                }
            }
        }
        return n;
    }

    int objectCount() {
        return objects;
    }

    /**
     * One run's objects: where each starts in the cluster and the virtual slot it holds (0 once
     * freed). Starts are ascending; a freed object's start is kept as {@code -1 - start}, so
     * the array stays searchable by magnitude.
     */
    static final class PackedRun {
        final int first;
        final int blocks;
        final int[] starts;
        final long[] vslots;
        int live;
        int walk;
        /** Byte offset in the cluster just past the last object. */
        int end;

        PackedRun(int first, int blocks, int n) {
            this.first = first;
            this.blocks = blocks;
            this.starts = new int[n];
            this.vslots = new long[n];
            this.live = n;
        }

        /** The index of the live object starting at {@code at}, or -1. */
        int find(int at) {
            int lo = 0;
            int hi = starts.length - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                int s = starts[mid] < 0 ? -1 - starts[mid] : starts[mid];
                if (s < at) {
                    lo = mid + 1;
                } else if (s > at) {
                    hi = mid - 1;
                } else {
                    return starts[mid] == at ? mid : -1;
                }
            }
            return -1;
        }
    }
}
