package dev.uvswap.internal.pool;

/**
 * The pool's LRU, coarsely: runs of consecutive virtual slots in the order their pages were
 * stored. Loads are exclusive (a swap-in takes the page out of the pool), so the oldest run
 * still stored holds the coldest pages, as on zswap's LRU. An entry is a hint, not a claim: its
 * slot may have been swapped in and reused since, which the writer sees from the descriptor.
 * Bounded: past {@link #MAX_RUNS} the oldest hints are dropped.
 */
public final class WritebackLru {
    static final int MAX_RUNS = 1 << 20;
    private static final int LEN_BITS = 10;

    private long[] ring = new long[1024];
    private int head;
    private int size;
    private long dropped;

    /** Records the slots {@code vslots[0..n)} (stored just now) as runs of consecutive slots. */
    public synchronized void add(long[] vslots, int n) {
        for (int i = 0; i < n; ) {
            int len = 1;
            while (i + len < n && len < 512 && vslots[i + len] == vslots[i] + len) {
                len++;
            }
            push(vslots[i] << LEN_BITS | (len - 1));
            i += len;
        }
    }

    private void push(long run) {
        if (size == ring.length) {
            if (size == MAX_RUNS) {
                head = (head + 1) & (ring.length - 1);
                size--;
                dropped++;
            } else {
                long[] grown = new long[ring.length * 2];
                for (int i = 0; i < size; i++) {
                    grown[i] = ring[(head + i) & (ring.length - 1)];
                }
                ring = grown;
                head = 0;
            }
        }
        ring[(head + size) & (ring.length - 1)] = run;
        size++;
    }

    /** Puts slots taken by {@link #poll} but not written back at the cold end again, oldest first. */
    public synchronized void requeue(long[] vslots, int n) {
        for (int i = n - 1; i >= 0; i--) {
            if (size == ring.length) {
                push(vslots[i]);   // grows (or drops the oldest when at the bound), then move it to the head
                size--;
            }
            head = (head - 1) & (ring.length - 1);
            ring[head] = vslots[i] << LEN_BITS;
            size++;
        }
    }

    /** Takes up to {@code max} of the oldest slots into {@code out}; returns how many. */
    public synchronized int poll(long[] out, int max) {
        int n = 0;
        while (n < max && size > 0) {
            long run = ring[head];
            long first = run >>> LEN_BITS;
            int len = (int) (run & ((1 << LEN_BITS) - 1)) + 1;
            int take = Math.min(len, max - n);
            for (int i = 0; i < take; i++) {
                out[n++] = first + i;
            }
            if (take == len) {
                head = (head + 1) & (ring.length - 1);
                size--;
            } else {
                ring[head] = (first + take) << LEN_BITS | (len - take - 1);
            }
        }
        return n;
    }

    synchronized boolean isEmpty() {
        return size == 0;
    }

    synchronized long dropped() {
        return dropped;
    }
}
