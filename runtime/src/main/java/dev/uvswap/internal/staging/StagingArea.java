package dev.uvswap.internal.staging;

import dev.uvswap.internal.os.Pages;
import dev.uvswap.internal.pool.Discarder;

import java.util.BitSet;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The staging area's page accounting: where evicted pages are parked (the swap cache).
 *
 * <p>The area is handed out in chunks of 512 pages (2 MiB, one THP): a swap-out takes a chunk,
 * moves up to 512 pages into it and declares with {@link #use} how many it parked; each parked
 * page is {@linkplain #release released} once it has left (moved back by a fault, or stored
 * elsewhere and dropped).  When a chunk's last page is released the whole chunk is
 * {@linkplain Discarder discarded} before it can be handed out again: a later UFFDIO_MOVE into
 * it must find every page absent, or it fails with EEXIST.
 *
 * <p>A release may come before the {@code use} of its chunk (a fault can take a parked page back,
 * and its completion be drained, while the evicting thread is still on its way to {@code use}); the
 * chunk then owes those pages and {@code use} settles the count.
 *
 * <p><b>Locking.</b> One lock guards all chunk state; a condition on it wakes threads waiting for
 * a free chunk.  The discarder runs without the lock, on a chunk known only to the releasing
 * thread.
 */
public final class StagingArea {

    public static final int CHUNK_PAGES = 512;
    public static final long PAGE_BYTES = dev.uvswap.internal.os.Pages.BYTES;
    public static final long CHUNK_BYTES = CHUNK_PAGES * PAGE_BYTES;

    /** On the free list. */
    private static final byte FREE = 0;
    /** Handed out, its page count not declared yet. */
    private static final byte TAKEN = 1;
    /** Declared, with live pages. */
    private static final byte USED = 2;
    /** Last page gone; being discarded by the thread that released it. */
    private static final byte DISCARDING = 3;

    private final Discarder discarder;
    private final int chunkCount;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition chunkFreed = lock.newCondition();
    /** Guarded by lock, as are the arrays below. */
    private final BitSet freeChunks;
    private final byte[] state;
    /** USED: live pages and holds.  TAKEN: holds minus the pages released ahead of {@code use}. */
    private final int[] live;
    /** The {@link #hold}s counted in {@code live}: they keep the chunk but are not parked pages. */
    private final int[] holds;

    /** Written under lock, volatile for lock-free readers. */
    private volatile long pagesInUse;
    private volatile long chunksInUse;

    /**
     * @param pages     pages in the staging area; whole chunks of 512 are used
     * @param discarder releases a chunk's pages (offsets in bytes from the area's start)
     */
    public StagingArea(long pages, Discarder discarder) {
        if (pages < 0) {
            throw new IllegalArgumentException("pages < 0: " + pages);
        }
        this.discarder = Objects.requireNonNull(discarder, "discarder");
        this.chunkCount = Math.toIntExact(pages / CHUNK_PAGES);
        this.freeChunks = new BitSet(chunkCount);
        freeChunks.set(0, chunkCount);
        this.state = new byte[chunkCount];
        this.live = new int[chunkCount];
        this.holds = new int[chunkCount];
    }

    /**
     * Takes the lowest free chunk, waiting as long as it takes.
     *
     * @return the chunk's first page index, or -1 if the thread was interrupted while waiting
     *         (its interrupt status is then set again)
     */
    public long allocateChunk() {
        return allocateChunk(Long.MAX_VALUE);
    }

    /**
     * Takes the lowest free chunk (lowest keeps the touched part of the area small), waiting up
     * to {@code timeoutNanos} for one to be released.
     *
     * @return the chunk's first page index, or -1 on timeout or interrupt (the interrupt status
     *         is then set again)
     */
    public long allocateChunk(long timeoutNanos) {
        // Acquire: chunk state; also what a waiter re-acquires after each wake-up.
        lock.lock();
        try {
            long remaining = timeoutNanos;
            int chunk;
            while ((chunk = freeChunks.nextSetBit(0)) < 0) {
                if (remaining <= 0) {
                    return -1;
                }
                try {
                    remaining = chunkFreed.awaitNanos(remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -1;
                }
            }
            freeChunks.clear(chunk);
            state[chunk] = TAKEN;
            live[chunk] = 0;
            holds[chunk] = 0;
            chunksInUse = chunksInUse + 1;
            return (long) chunk * CHUNK_PAGES;
        } finally {
            // Release: the chunk is ours before anyone else looks at the free list.
            lock.unlock();
        }
    }

    /** {@link #allocateChunk(long)} with the timeout in any unit. */
    public long allocateChunk(long timeout, TimeUnit unit) {
        return allocateChunk(unit.toNanos(timeout));
    }

    /**
     * Declares how many pages of a chunk from {@link #allocateChunk} were parked; 0 gives the chunk
     * back at once.
     *
     * @throws IllegalStateException if the chunk is not awaiting its count, or more of its pages
     *                               were already released than {@code pages}
     */
    public void use(long chunkFirstPage, int pages) {
        int chunk = chunkOf(chunkFirstPage);
        if (chunkFirstPage % CHUNK_PAGES != 0) {
            throw new IllegalArgumentException("not the first page of a chunk: " + chunkFirstPage);
        }
        if (pages < 0 || pages > CHUNK_PAGES) {
            throw new IllegalArgumentException("pages out of 0.." + CHUNK_PAGES + ": " + pages);
        }
        boolean emptied;
        // Acquire: chunk state.
        lock.lock();
        try {
            if (state[chunk] != TAKEN) {
                throw new IllegalStateException("chunk at page " + chunkFirstPage + " is not awaiting use()");
            }
            int remaining = pages + live[chunk];
            if (remaining - holds[chunk] < 0) {
                throw new IllegalStateException("chunk at page " + chunkFirstPage + ": " + (holds[chunk] - live[chunk])
                        + " pages already released, but only " + pages + " used");
            }
            pagesInUse = pagesInUse + remaining - holds[chunk];
            live[chunk] = remaining;
            emptied = remaining == 0;
            state[chunk] = emptied ? DISCARDING : USED;
        } finally {
            // Release: the count is visible to the releasing threads.
            lock.unlock();
        }
        if (emptied) {
            returnChunk(chunk);
        }
    }

    /**
     * Holds a chunk from {@link #allocateChunk} (before its {@link #use}) as if it had one more
     * live page, so it is not freed and handed out again when its last parked page goes; the
     * holder knows that a page of it still holds what it parked there. {@link #unhold} ends it.
     * A hold is not a parked page: {@link #pagesInUse} does not count it.
     */
    public void hold(long chunkFirstPage) {
        int chunk = chunkOf(chunkFirstPage);
        lock.lock();
        try {
            if (state[chunk] != TAKEN) {
                throw new IllegalStateException("chunk at page " + chunkFirstPage + " is not awaiting use()");
            }
            live[chunk]++;
            holds[chunk]++;
        } finally {
            lock.unlock();
        }
    }

    /** Ends a {@link #hold}: the chunk is freed now if no parked page is left in it. */
    public void unhold(long chunkFirstPage) {
        int chunk = chunkOf(chunkFirstPage);
        boolean emptied = false;
        lock.lock();
        try {
            if ((state[chunk] != TAKEN && state[chunk] != USED) || holds[chunk] == 0) {
                throw new IllegalStateException("chunk at page " + chunkFirstPage + " is not held");
            }
            holds[chunk]--;
            live[chunk]--;
            if (state[chunk] == USED && live[chunk] == 0) {
                state[chunk] = DISCARDING;
                emptied = true;
            }
        } finally {
            lock.unlock();
        }
        if (emptied) {
            returnChunk(chunk);
        }
    }

    /** {@link #release(long, int)} of one page. */
    public void release(long page) {
        release(page, 1);
    }

    /**
     * Releases {@code n} parked pages starting at {@code firstPage}, all in one chunk; the chunk
     * is discarded and freed when its last page goes.
     *
     * @throws IllegalStateException if the chunk has fewer live pages than {@code n} (or is free)
     */
    public void release(long firstPage, int n) {
        if (n <= 0) {
            if (n == 0) {
                return;
            }
            throw new IllegalArgumentException("n < 0: " + n);
        }
        int chunk = chunkOf(firstPage);
        if (chunkOf(firstPage + n - 1) != chunk) {
            throw new IllegalArgumentException("pages " + firstPage + "+" + n + " span two chunks");
        }
        boolean emptied = false;
        // Acquire: chunk state.
        lock.lock();
        try {
            switch (state[chunk]) {
                case USED -> {
                    if (n > live[chunk] - holds[chunk]) {
                        throw new IllegalStateException("release of " + n + " pages at " + firstPage
                                + ": its chunk has only " + (live[chunk] - holds[chunk]) + " live");
                    }
                    live[chunk] -= n;
                    pagesInUse = pagesInUse - n;
                    if (live[chunk] == 0) {
                        state[chunk] = DISCARDING;
                        emptied = true;
                    }
                }
                case TAKEN -> {
                    if (n - (live[chunk] - holds[chunk]) > CHUNK_PAGES) {
                        throw new IllegalStateException("release of " + n + " pages at " + firstPage
                                + ": more than a chunk released before use()");
                    }
                    live[chunk] -= n;
                }
                default -> throw new IllegalStateException("release of " + n + " pages at " + firstPage
                        + ": its chunk is free");
            }
        } finally {
            // Release: the new count is visible to the next releaser and to use().
            lock.unlock();
        }
        if (emptied) {
            returnChunk(chunk);
        }
    }

    /** Pages declared parked and not yet released. */
    public long pagesInUse() {
        return pagesInUse;
    }

    /** Chunks not on the free list (taken, used, or being discarded). */
    public long chunksInUse() {
        return chunksInUse;
    }

    /** Chunks in the area. */
    public int chunks() {
        return chunkCount;
    }

    private int chunkOf(long page) {
        if (page < 0 || page >= (long) chunkCount * CHUNK_PAGES) {
            throw new IllegalArgumentException("staging page out of range: " + page);
        }
        return (int) (page / CHUNK_PAGES);
    }

    /**
     * Discards an emptied chunk, then frees it and wakes the waiters.  If the discard fails the
     * chunk stays out of circulation: handing out a chunk that may still hold pages would make a
     * later MOVE into it fail.
     */
    private void returnChunk(int chunk) {
        discarder.discard(chunk * CHUNK_BYTES, CHUNK_BYTES);
        // Acquire: the free list.
        lock.lock();
        try {
            state[chunk] = FREE;
            freeChunks.set(chunk);
            chunksInUse = chunksInUse - 1;
            chunkFreed.signalAll();
        } finally {
            // Release: a woken waiter re-acquires the lock and sees the chunk free.
            lock.unlock();
        }
    }
}
