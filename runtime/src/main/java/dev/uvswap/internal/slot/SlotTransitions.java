package dev.uvswap.internal.slot;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Objects;

import static dev.uvswap.internal.slot.SlotDescriptor.NONE;
import static dev.uvswap.internal.slot.SlotDescriptor.TAG_BUSY;
import static dev.uvswap.internal.slot.SlotDescriptor.cache;
import static dev.uvswap.internal.slot.SlotDescriptor.file;
import static dev.uvswap.internal.slot.SlotDescriptor.swapoff;
import static dev.uvswap.internal.slot.SlotDescriptor.writeback;
import static dev.uvswap.internal.slot.SlotDescriptor.zero;
import static dev.uvswap.internal.slot.SlotDescriptor.zswap;

/**
 * Every descriptor transition Java makes, one method per edge of the state table in
 * docs/slots.md, and the only Java code that writes a published descriptor.  The C side's edges
 * (CAS to BUSY and its release, the publish of CACHE) are in {@code uvs_fault.c},
 * {@code uvs_thp.c} and {@code uvs_evict.c}; the table lists both.
 *
 * <p>Every edge is a volatile CAS from an exact expected word: the winner owns what the new
 * word names, and a loser (whose slot a swap-in, a free or the other side took meanwhile)
 * undoes its own side effects.  A slot C holds BUSY over the expected tag is waited out first
 * ({@link #edge}): the claim may end by putting the expected word back.  The CAS is a full fence: it releases what was written before it
 * (pool bytes, file bytes) to any server that acquires the word, and acquires what the word it
 * replaced named.  Java never sets BUSY and never waits on Java: its long transitions are
 * marked WRITEBACK and SWAPOFF, which the servers serve as ZSWAP and FILE.
 */
public final class SlotTransitions {

    /** (MemorySegment, long byteOffset) → long; aligned, so CAS and acquire/release are atomic. */
    private static final VarHandle DESCRIPTOR = ValueLayout.JAVA_LONG.varHandle();

    private final MemorySegment table;

    SlotTransitions(MemorySegment table) {
        this.table = Objects.requireNonNull(table, "table");
    }

    // --- swap-out (SwapOut), after uvs_evict published CACHE and uvs_compress released it ---

    /**
     * CACHE(stagingPage) → ZSWAP(poolHandle) (SwapOut.store).  The CAS releases the pool bytes
     * written before it to any server that acquires the word; it fails if a fault took the
     * parked page back while it was compressed, and then the caller frees its pool copy.
     */
    public boolean cacheToZswap(long vslot, long stagingPage, long poolHandle) {
        return edge(vslot, cache(stagingPage), zswap(poolHandle));
    }

    /** CACHE(stagingPage) → ZERO (SwapOut.store): nothing to release; fails as {@link #cacheToZswap}. */
    public boolean cacheToZero(long vslot, long stagingPage) {
        return edge(vslot, cache(stagingPage), zero());
    }

    /**
     * CACHE(stagingPage) → FILE(fileHandle) (SwapOut.writeRejected, a page the pool refused).
     * The CAS orders the finished pwritev before any server's acquire of FILE and its pread;
     * on failure the caller gives its file slot back.
     */
    public boolean cacheToFile(long vslot, long stagingPage, long fileHandle) {
        return edge(vslot, cache(stagingPage), file(fileHandle));
    }

    // --- compaction of the spans direct reclaim packs (DirectReclaim.rehome) ---

    /**
     * ZSWAP(from) → ZSWAP(to) (DirectReclaim.rehome): the object moved from a sparse packed span
     * into the size-class pool. The CAS releases the copied bytes; it fails if a swap-in (its
     * claim), a free or writeback took the slot first, and then the caller frees its new copy.
     */
    public boolean zswapRehome(long vslot, long from, long to) {
        return edge(vslot, zswap(from), zswap(to));
    }

    // --- writeback (Writeback): ZSWAP → WRITEBACK → FILE, or back to ZSWAP ---

    /**
     * ZSWAP(h) → WRITEBACK(h) (Writeback.claimOldest).  Only the writeback thread sets
     * WRITEBACK, so from here on only it, a swap-in or a free moves the slot; the servers keep
     * serving it from the pool.  The CAS acquires the pool bytes the caller is about to write.
     */
    public boolean zswapToWriteback(long vslot, long poolHandle) {
        return edge(vslot, zswap(poolHandle), writeback(poolHandle));
    }

    /**
     * WRITEBACK(h) → FILE(fh) (Writeback.publish).  The CAS orders the finished pwritev before
     * any server's acquire of FILE.  Success: the pool object is the writer's to free.  Failure:
     * a swap-in or a free took the slot (and frees the pool object); the writer frees its file slot.
     */
    public boolean writebackToFile(long vslot, long poolHandle, long fileHandle) {
        return edge(vslot, writeback(poolHandle), file(fileHandle));
    }

    /**
     * WRITEBACK(h) → ZSWAP(h) (Writeback.giveBackUnwritten): no room or a failed write; the
     * object never left the pool.  Fails only if a swap-in or a free took the slot.
     */
    public boolean writebackToZswap(long vslot, long poolHandle) {
        return edge(vslot, writeback(poolHandle), zswap(poolHandle));
    }

    /**
     * WRITEBACK(unit page) → ZSWAP(h) (UnitSplit): the page writeback claimed leaves its
     * compression unit for an object of its own, written before the CAS (which releases it).
     * Fails only if a swap-in or a free took the slot; the splitter then frees its copy.
     */
    public boolean writebackToZswap(long vslot, long unitPage, long poolHandle) {
        return edge(vslot, writeback(unitPage), zswap(poolHandle));
    }

    // --- swapoff (Swapoff): FILE → SWAPOFF → ZSWAP, or FILE in another file, or back ---

    /**
     * FILE(fh) → SWAPOFF(fh) (Swapoff.Pass.claim).  Only the retiring thread sets SWAPOFF; the
     * servers keep reading the page from the file.
     */
    public boolean fileToSwapoff(long vslot, long fileHandle) {
        return edge(vslot, file(fileHandle), swapoff(fileHandle));
    }

    /**
     * SWAPOFF(fh) → ZSWAP(h) (Swapoff.Pass.toPool): the CAS releases the pool copy written before
     * it.  Success: the old file slot is the retirer's to free.  Failure: a swap-in or a free
     * took the slot (and frees the file slot); the retirer frees its pool copy.
     */
    public boolean swapoffToZswap(long vslot, long fileHandle, long poolHandle) {
        return edge(vslot, swapoff(fileHandle), zswap(poolHandle));
    }

    /**
     * SWAPOFF(fh) → FILE(to) (Swapoff.Pass.toFiles): to another file when the pool is full (the CAS
     * orders that file's pwritev before any server's pread), or back to {@code to == fh} when no
     * copy could be made.  Fails as {@link #swapoffToZswap}.
     */
    public boolean swapoffToFile(long vslot, long fileHandle, long to) {
        return edge(vslot, swapoff(fileHandle), file(to));
    }

    // --- free (region close) ---

    /**
     * Any published word → NONE (VSwapImpl.emptySlot, a closed region's slot): spins while C
     * holds the slot BUSY (it never waits on Java, so the wait is bounded), then takes whatever
     * the word holds.  Returns the word taken: the caller frees what it names, then the slot.
     * A WRITEBACK or SWAPOFF taken here makes the writer's or retirer's next CAS fail.
     */
    public long takeForFree(long vslot) {
        for (;;) {
            long d = (long) DESCRIPTOR.getAcquire(table, offset(vslot));
            if (SlotDescriptor.tag(d) == TAG_BUSY) {
                Thread.onSpinWait();   // C code mid-transition; it never waits on us
                continue;
            }
            // CAS (volatile): the slot is empty before the allocator may hand it out again, and
            // what d names (pool bytes, a staging page) is ours to free
            if (cas(vslot, d, NONE)) {
                return d;
            }
        }
    }

    /**
     * Tests only: replaces {@code expected} with {@code value}, outside the table (to corrupt a
     * descriptor and see how the servers cope, or to model a C claim).  No runtime code calls it.
     */
    public boolean forTestsOnly(long vslot, long expected, long value) {
        return cas(vslot, expected, value);
    }

    /** How long an edge waits out a C claim on its slot before it concludes it lost (C never waits on Java). */
    private static final long CLAIM_WAIT_NANOS = 5_000_000_000L;

    /**
     * An edge: the CAS, and if C holds the word BUSY over the very tag we expect, waits for the
     * claim to end and tries again. A claim ends in NONE (a swap-in consumed the slot: we lost)
     * or in the old word put back (a swap-in failed, or a whole-extent swap-in fell back to 4
     * KiB pages, a normal path): concluding "lost" from the BUSY alone would leave a WRITEBACK or
     * SWAPOFF word that no one moves on again. Claims last microseconds (a 2 MiB assembly a few
     * ms), so the wait spins, then yields, then sleeps briefly; past CLAIM_WAIT_NANOS the edge
     * reports a loss as before.
     */
    private boolean edge(long vslot, long expected, long value) {
        long busy = SlotDescriptor.busy(SlotDescriptor.tag(expected));
        long start = 0;
        for (int round = 0; ; round++) {
            if (cas(vslot, expected, value)) {
                return true;
            }
            long d = (long) DESCRIPTOR.getAcquire(table, offset(vslot));
            if (d == expected) {
                continue;   // restored between our CAS and this read
            }
            if (d != busy) {
                return false;   // consumed, freed, or moved on by someone else
            }
            if (round == 0) {
                start = System.nanoTime();
            } else if (System.nanoTime() - start > CLAIM_WAIT_NANOS) {
                return false;
            }
            if (round < 1_000) {
                Thread.onSpinWait();
            } else if (round < 2_000) {
                Thread.yield();
            } else {
                java.util.concurrent.locks.LockSupport.parkNanos(20_000);
            }
        }
    }

    /** The one descriptor CAS in Java: volatile, a full fence in both directions. */
    private boolean cas(long vslot, long expected, long value) {
        return DESCRIPTOR.compareAndSet(table, offset(vslot), expected, value);
    }

    private static long offset(long vslot) {
        return vslot * SlotSpace.DESCRIPTOR_BYTES;
    }
}
