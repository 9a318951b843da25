package dev.uvswap.internal.slot;

import dev.uvswap.internal.pool.Discarder;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The virtual slot space: hands out vslots, and reaches their descriptor words in the shared
 * descriptor table (slot N's word at byte N * 8).
 *
 * <p>Slots come in clusters of 512, one page of descriptors each, created on demand and given
 * back (page discarded, id reused) when their last slot is freed.  Slot 0 is never handed out, so
 * cluster 0 only ever holds 511.
 *
 * <p><b>Which slots {@link #allocate} picks.</b> While at least 512 slots are still wanted, it
 * takes a whole free cluster (never cluster 0), so a 2 MiB extent gets 512 contiguous, aligned
 * slots: on an empty space, {@code allocate(512)} returns 512..1023.  Smaller remainders come
 * from the current cluster in ascending order; when it is full, from the lowest-numbered
 * partly-used cluster (to refill holes and keep the table compact), then from the
 * lowest-numbered free cluster.
 *
 * <p><b>Locking.</b> One lock guards the clusters and counters, taken once per batch call.  The
 * discarder runs without it: an emptied cluster is known only to the freeing thread until its
 * page is discarded and its id goes back on the free list.  The descriptor accessors take no lock.
 */
public final class SlotSpace {

    public static final int CLUSTER_SLOTS = Cluster.SLOTS;
    public static final int DESCRIPTOR_BYTES = Long.BYTES;   // one uint64_t a slot
    private static final int CLUSTER_TABLE_BYTES = CLUSTER_SLOTS * DESCRIPTOR_BYTES;

    /** (MemorySegment, long byteOffset) → long; aligned, so acquire/release are atomic (the CAS: SlotTransitions). */
    private static final VarHandle DESCRIPTOR = ValueLayout.JAVA_LONG.varHandle();

    private final MemorySegment table;
    private final SlotTransitions transitions;
    private final Discarder discarder;
    private final int clusterCapacity;

    private final ReentrantLock lock = new ReentrantLock();
    /** Live clusters by id (null: free or never made); guarded by lock. */
    private Cluster[] directory = new Cluster[0];
    /** Free cluster ids below highWater; guarded by lock. */
    private final BitSet freeClusters = new BitSet();
    /** Clusters neither empty, full nor current; guarded by lock. */
    private final BitSet partialClusters = new BitSet();
    /** Cluster ids ever made; guarded by lock. */
    private int highWater;
    /** Where small requests are served from; guarded by lock. */
    private Cluster current;

    /** Written under lock, volatile for lock-free readers. */
    private volatile long inUse;
    private volatile long clusters;

    /**
     * @param descTable the descriptor table reservation, 8-byte aligned; whole 4 KiB pages of it
     *                  (512 descriptors each) are used
     * @param discarder releases the page of an emptied cluster
     */
    public SlotSpace(MemorySegment descTable, Discarder discarder) {
        this.table = Objects.requireNonNull(descTable, "descTable");
        this.discarder = Objects.requireNonNull(discarder, "discarder");
        this.transitions = new SlotTransitions(descTable);
        this.clusterCapacity = (int) Math.min(descTable.byteSize() / CLUSTER_TABLE_BYTES, Integer.MAX_VALUE);
    }

    /**
     * Allocates up to {@code n} free slots into {@code out[0..k)}, in ascending runs.
     *
     * @return k; less than {@code n} only when the table is exhausted
     */
    public int allocate(int n, long[] out) {
        Objects.checkFromIndexSize(0, n, out.length);
        int k = 0;
        // Acquire: clusters, free lists and counters are ours until unlock.
        lock.lock();
        try {
            while (n - k >= CLUSTER_SLOTS) {
                Cluster whole = takeFreeCluster(true);
                if (whole == null) {
                    break;
                }
                k += whole.take(CLUSTER_SLOTS, out, k);
            }
            while (k < n) {
                if (current == null && (current = nextCurrent()) == null) {
                    break;
                }
                k += current.take(n - k, out, k);
                if (current.isFull()) {
                    current = null;
                }
            }
            inUse = inUse + k;
            return k;
        } finally {
            // Release: the next allocator sees these slots taken.
            lock.unlock();
        }
    }

    /** {@link #free(long[], int)} of one slot. */
    public void free(long slot) {
        free(new long[] {slot}, 1);
    }

    /**
     * Frees {@code slots[0..n)}, any order.  Every descriptor must already be NONE (the caller
     * resets it: a slot is free only once nothing can reach its data).
     *
     * @throws IllegalStateException if a slot is not allocated (or listed twice) or its descriptor
     *                               is not NONE; nothing is freed when the first check fails, and
     *                               only the entries before a duplicate when the second does
     */
    public void free(long[] slots, int n) {
        Objects.checkFromIndexSize(0, n, slots.length);
        int[] emptied = null;
        int emptiedCount = 0;
        // Acquire: clusters and counters.
        lock.lock();
        try {
            for (int i = 0; i < n; i++) {
                long slot = slots[i];
                Cluster c = clusterOf(slot);
                if (c == null || !c.isAllocated(bitOf(slot))) {
                    throw new IllegalStateException("vslot " + slot + " is not allocated");
                }
                long d = descriptorAcquire(slot);
                if (d != SlotDescriptor.NONE) {
                    throw new IllegalStateException("vslot " + slot + " freed with descriptor 0x"
                            + Long.toHexString(d) + " (tag " + SlotDescriptor.tag(d) + "), not NONE");
                }
            }
            for (int i = 0; i < n; i++) {
                long slot = slots[i];
                Cluster c = clusterOf(slot);
                if (c == null || !c.release(bitOf(slot))) {
                    throw new IllegalStateException("vslot " + slot + " freed twice in one batch");
                }
                inUse = inUse - 1;
                if (c.count() == 0) {
                    // Unreachable from here on, so its page can be discarded without the lock.
                    directory[c.id] = null;
                    partialClusters.clear(c.id);
                    if (current == c) {
                        current = null;
                    }
                    clusters = clusters - 1;
                    if (emptied == null) {
                        emptied = new int[Math.min(n, 64)];
                    } else if (emptiedCount == emptied.length) {
                        emptied = Arrays.copyOf(emptied, emptiedCount * 2);
                    }
                    emptied[emptiedCount++] = c.id;
                } else if (c != current) {
                    partialClusters.set(c.id);
                }
            }
        } finally {
            // Release: the freed slots are visible to the next allocator.
            lock.unlock();
            if (emptiedCount > 0) {
                returnClusters(emptied, emptiedCount);
            }
        }
    }

    /** Slots allocated now. */
    public long inUse() {
        return inUse;
    }

    /** Clusters with at least one allocated slot. */
    public long clusters() {
        return clusters;
    }

    /** Slots the table can index (vslots 1 .. capacity - 1 can be handed out). */
    public long capacity() {
        return (long) clusterCapacity * CLUSTER_SLOTS;
    }

    /**
     * Acquire load of slot {@code vslot}'s descriptor: pairs with the release store or CAS that
     * published it, so whatever the word names (pool bytes, a staging page) is visible.
     */
    public long descriptorAcquire(long vslot) {
        return (long) DESCRIPTOR.getAcquire(table, vslot * DESCRIPTOR_BYTES);
    }

    /**
     * Release store of slot {@code vslot}'s descriptor, for a slot this thread owns and no one
     * else can reach (tests: a slot allocated and not published): everything written before is
     * visible to an acquire load of it.  A published slot changes only through {@link #transitions}.
     */
    void descriptorRelease(long vslot, long value) {
        DESCRIPTOR.setRelease(table, vslot * DESCRIPTOR_BYTES, value);
    }

    /** The descriptor transitions Java makes: the only Java code that changes a published descriptor. */
    public SlotTransitions transitions() {
        return transitions;
    }

    private Cluster clusterOf(long slot) {
        long id = slot >>> Cluster.SHIFT;
        return slot > 0 && id < directory.length ? directory[(int) id] : null;
    }

    private static int bitOf(long slot) {
        return (int) (slot & (CLUSTER_SLOTS - 1));
    }

    /** The lowest partly-used cluster, else the lowest free one; caller holds lock. */
    private Cluster nextCurrent() {
        int id = partialClusters.nextSetBit(0);
        if (id >= 0) {
            partialClusters.clear(id);
            return directory[id];
        }
        return takeFreeCluster(false);
    }

    /**
     * The lowest free cluster id, or a new one, as a fresh cluster; null if the table is full.
     * A whole cluster is never cluster 0, which lacks slot 0.  Caller holds lock.
     */
    private Cluster takeFreeCluster(boolean whole) {
        int id = freeClusters.nextSetBit(whole ? 1 : 0);
        if (id >= 0) {
            freeClusters.clear(id);
        } else {
            if (whole && highWater == 0 && clusterCapacity > 0) {
                // Leave cluster 0 for the small requests that can use its 511 slots.
                freeClusters.set(0);
                highWater = 1;
            }
            if (highWater >= clusterCapacity) {
                return null;
            }
            id = highWater++;
        }
        if (id >= directory.length) {
            directory = Arrays.copyOf(directory, (int) Math.min(clusterCapacity, Math.max(64L, 2L * directory.length)));
        }
        Cluster c = new Cluster(id);
        directory[id] = c;
        clusters = clusters + 1;
        return c;
    }

    /** Discards the emptied clusters' pages, then makes their ids reusable. */
    private void returnClusters(int[] ids, int count) {
        try {
            for (int i = 0; i < count; i++) {
                discarder.discard((long) ids[i] * CLUSTER_TABLE_BYTES, CLUSTER_TABLE_BYTES);
            }
        } finally {
            // Even undiscarded, the pages are reusable: every descriptor in them was checked NONE.
            // Acquire: the free-cluster list.
            lock.lock();
            try {
                for (int i = 0; i < count; i++) {
                    freeClusters.set(ids[i]);
                }
            } finally {
                // Release: hands the ids to the next allocator.
                lock.unlock();
            }
        }
    }
}
