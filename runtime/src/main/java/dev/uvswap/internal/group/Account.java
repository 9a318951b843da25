package dev.uvswap.internal.group;

import dev.uvswap.internal.os.Pages;
import dev.uvswap.internal.slot.SlotOwners;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One memory group's swap charges and swap limits (the memcg's zswap and swap page counters,
 * architecture.md §6). Charges are hierarchical the way the kernel's page_counter is: a charge adds to
 * this account and every ancestor, so {@link #zswapBytes()} of a parent is its whole subtree at
 * no cost to read, and a limit anywhere up the chain binds every account below it.
 *
 * <p>The vswap charging rules: a slot is recorded to its account when it is allocated (the slot
 * owner table) but charges nothing; pool bytes are charged to zswap while the pool holds them; a
 * file slot backing a slot is charged to swap, 4 KiB, while it does. {@code swapMax} counts file
 * slots only, so a group with no swap left still reclaims into the pool.
 */
public final class Account {
    /** Ids fit the 12 bits the slot owner table gives them. */
    public static final int MAX_ACCOUNTS = 1 << SlotOwners.ACCOUNT_BITS;
    private static final long FILE_SLOT = Pages.BYTES;

    private final int id;
    private final Account parent;
    private final AtomicLong zswapBytes = new AtomicLong();
    private final AtomicLong swapBytes = new AtomicLong();
    /** Stored bytes of the account's pages in the far tier (they are charged to swap too, 4 KiB a page). */
    private final AtomicLong farBytes = new AtomicLong();
    private volatile long farMax = Long.MAX_VALUE;
    private final AtomicLong parkedPages = new AtomicLong();
    private volatile long zswapMax = Long.MAX_VALUE;
    private volatile long swapMax = Long.MAX_VALUE;
    private volatile boolean zswapWriteback = true;
    /** Refault distances up to this many pages count as working-set refaults (set by the group reclaimer). */
    private volatile long workingsetPages;

    public final LongAdder refaults = new LongAdder();
    public final LongAdder workingsetRefaults = new LongAdder();
    /** Pages the pool refused because this account (or an ancestor) was at its zswapMax. */
    public final LongAdder zswapMaxRejects = new LongAdder();

    public Account(int id, Account parent) {
        this.id = id;
        this.parent = parent;
    }

    public int id() {
        return id;
    }

    public Account parent() {
        return parent;
    }

    public long zswapBytes() {
        return zswapBytes.get();
    }

    public long swapBytes() {
        return swapBytes.get();
    }

    /** Pages parked by the group reclaimer's aging and not yet compressed: still in memory. */
    public long parkedPages() {
        return parkedPages.get();
    }

    public long zswapMax() {
        return zswapMax;
    }

    public void setZswapMax(long bytes) {
        zswapMax = bytes;
    }

    public long swapMax() {
        return swapMax;
    }

    public void setSwapMax(long bytes) {
        swapMax = bytes;
    }

    public boolean zswapWriteback() {
        return zswapWriteback;
    }

    public void setZswapWriteback(boolean on) {
        zswapWriteback = on;
    }

    public void setWorkingsetPages(long pages) {
        workingsetPages = pages;
    }

    public void chargeZswap(long bytes) {
        for (Account a = this; a != null; a = a.parent) {
            a.zswapBytes.addAndGet(bytes);
        }
    }

    public void chargeSwap(long fileSlots) {
        for (Account a = this; a != null; a = a.parent) {
            a.swapBytes.addAndGet(fileSlots * FILE_SLOT);
        }
    }

    public long farBytes() {
        return farBytes.get();
    }

    public long farMax() {
        return farMax;
    }

    public void setFarMax(long bytes) {
        farMax = bytes;
    }

    public void chargeFar(long bytes) {
        for (Account a = this; a != null; a = a.parent) {
            a.farBytes.addAndGet(bytes);
        }
    }

    /** Whether the far tier may take {@code bytes} more of this account's pages: no farMax up the chain passed. */
    public boolean farAllows(long bytes) {
        for (Account a = this; a != null; a = a.parent) {
            if (a.farMax != Long.MAX_VALUE && a.farBytes.get() + bytes > a.farMax) {
                return false;
            }
        }
        return true;
    }

    public void chargeParked(long pages) {
        for (Account a = this; a != null; a = a.parent) {
            a.parkedPages.addAndGet(pages);
        }
    }

    /** Pool bytes this account may still take before it or an account up the chain reaches its zswapMax. */
    public long zswapRoom() {
        long room = Long.MAX_VALUE;
        for (Account a = this; a != null; a = a.parent) {
            if (a.zswapMax != Long.MAX_VALUE) {
                room = Math.min(room, Math.max(0, a.zswapMax - a.zswapBytes.get()));
            }
        }
        return room;
    }

    /** Whether the pool may take {@code bytes} more for this account: no account up the chain would pass its zswapMax. */
    public boolean zswapAllows(long bytes) {
        for (Account a = this; a != null; a = a.parent) {
            if (a.zswapBytes.get() + bytes > a.zswapMax) {
                return false;
            }
        }
        return true;
    }

    /** Whether some account up the chain holds more pool bytes than its zswapMax (writeback should take its pages). */
    public boolean overZswapMax() {
        for (Account a = this; a != null; a = a.parent) {
            if (a.zswapBytes.get() > a.zswapMax) {
                return true;
            }
        }
        return false;
    }

    /**
     * How many file slots this account may take now, at most {@code wanted}: 0 when writeback is
     * off anywhere up the chain (the kernel's memory.zswap.writeback = 0 also keeps pool rejects
     * out of swap), else what the tightest swapMax up the chain leaves.
     */
    public int fileSlotsAllowed(int wanted) {
        long room = wanted;
        for (Account a = this; a != null; a = a.parent) {
            if (!a.zswapWriteback) {
                return 0;
            }
            if (a.swapMax != Long.MAX_VALUE) {
                room = Math.min(room, Math.max(0, (a.swapMax - a.swapBytes.get()) / FILE_SLOT));
            }
        }
        return (int) room;
    }

    /** The pool refused a page because this account or an ancestor was at its zswapMax. */
    public void rejectedAtZswapMax() {
        for (Account a = this; a != null; a = a.parent) {
            a.zswapMaxRejects.increment();
        }
    }

    /** A swap-in of a page that left {@code distancePages} evictions ago. */
    public void refault(long distancePages) {
        for (Account a = this; a != null; a = a.parent) {
            a.refaults.increment();
            if (distancePages <= a.workingsetPages) {
                a.workingsetRefaults.increment();
            }
        }
    }
}
