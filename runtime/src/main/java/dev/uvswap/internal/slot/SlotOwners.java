package dev.uvswap.internal.slot;

import dev.uvswap.internal.group.Account;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The slot owner table (the kernel's swap_cgroup array, plus the workingset shadow's eviction
 * stamp): one 32-bit word per virtual slot, written when a swap-out allocates the slot and read
 * when the slot's backend is freed or moved, so charges go back to the account that paid them.
 *
 * <pre>
 *   bits  0..11  account id (0: no group)
 *   bits 12..31  eviction clock when the page left, in 2 MiB units (wraps at 2 TiB evicted)
 * </pre>
 *
 * Together with the 8-byte descriptor that is 12 bytes per swapped-out page. The table is a
 * MAP_NORESERVE reservation beside the descriptor table: memory only where slots were used. Only
 * Java reads it; C never does.
 */
public final class SlotOwners {
    public static final int ACCOUNT_BITS = 12;
    private static final int STAMP_BITS = 32 - ACCOUNT_BITS;
    private static final long STAMP_UNIT_SHIFT = 9;   // 512 pages
    private static final long STAMP_MASK = (1L << STAMP_BITS) - 1;

    private final MemorySegment table;
    private final AtomicReferenceArray<Account> accounts = new AtomicReferenceArray<>(Account.MAX_ACCOUNTS);
    private int nextId = 1;
    /** Ids given back (accounts of groups whose creation failed): taken before new ones. */
    private final java.util.ArrayDeque<Integer> freeIds = new java.util.ArrayDeque<>();
    /** nextId for lock-free readers. */
    private volatile int nextIdVolatile = 1;
    /** Pages that have left memory (swap-outs and parks): the workingset eviction clock. */
    private final AtomicLong evictions = new AtomicLong();

    public SlotOwners(MemorySegment table) {
        this.table = table;
        accounts.set(0, new Account(0, null));
    }

    /** The account of slots that belong to no group. */
    public Account none() {
        return accounts.get(0);
    }

    /** A new account under {@code parent} (null: top level). */
    public synchronized Account newAccount(Account parent) {
        Integer free = freeIds.poll();
        if (free == null && nextId == Account.MAX_ACCOUNTS) {
            throw new IllegalStateException("too many memory groups: at most " + (Account.MAX_ACCOUNTS - 1));
        }
        int id = free != null ? free : nextId++;
        Account a = new Account(id, parent);
        accounts.set(id, a);
        nextIdVolatile = nextId;
        return a;
    }

    /**
     * Gives an account's id back. Only for an account no slot was ever recorded to (its group
     * was never handed out): a slot naming the id would otherwise charge whoever gets it next.
     */
    public synchronized void release(Account a) {
        if (a.id() != 0 && accounts.compareAndSet(a.id(), a, null)) {
            freeIds.push(a.id());
        }
    }

    /**
     * Whether some group holds more pool bytes than its zswapMax and may write back: work for
     * the writeback thread even while the pool as a whole is under its limit.
     */
    public boolean anyOverZswapMax() {
        for (int i = 1; i < nextIdVolatile; i++) {
            Account a = accounts.get(i);
            if (a != null && a.zswapMax() != Long.MAX_VALUE && a.zswapBytes() > a.zswapMax() && a.fileSlotsAllowed(1) > 0) {
                return true;
            }
        }
        return false;
    }

    /** Records slots {@code vslots[0..n)} to {@code account}, stamped with the eviction clock, which advances by n. */
    public void record(Account account, long[] vslots, int n) {
        long now = evictions.getAndAdd(n);
        int word = (int) (((now >>> STAMP_UNIT_SHIFT) & STAMP_MASK) << ACCOUNT_BITS) | account.id();
        for (int i = 0; i < n; i++) {
            table.setAtIndex(ValueLayout.JAVA_INT, vslots[i], word);
        }
    }

    /**
     * The stamp bits of an owner word as of now, for owner words C writes itself (direct reclaim:
     * it adds the account id), and advances the clock by {@code pages} it reports as evicted.
     */
    public long stampBits() {
        return ((evictions.get() >>> STAMP_UNIT_SHIFT) & STAMP_MASK) << ACCOUNT_BITS;
    }

    /** Pages that left memory without {@link #record} (direct reclaim records its own owners). */
    public void advance(long pages) {
        evictions.getAndAdd(pages);
    }

    public Account of(long vslot) {
        int word = table.getAtIndex(ValueLayout.JAVA_INT, vslot);
        Account a = accounts.get(word & (Account.MAX_ACCOUNTS - 1));
        return a == null ? none() : a;
    }

    /** Pages evicted since the slot's page left (in 512-page steps): the refault distance. */
    long distance(long vslot) {
        int word = table.getAtIndex(ValueLayout.JAVA_INT, vslot);
        long then = (word >>> ACCOUNT_BITS) & STAMP_MASK;
        long now = (evictions.get() >>> STAMP_UNIT_SHIFT) & STAMP_MASK;
        return ((now - then) & STAMP_MASK) << STAMP_UNIT_SHIFT;
    }

    /** A swap-in consumed the slot: counts a refault against its account. */
    public void refault(long vslot) {
        of(vslot).refault(distance(vslot));
    }
}
