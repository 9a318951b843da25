package dev.uvswap.internal.file;

import dev.uvswap.bindings.uvswap.uvs_cresult;
import dev.uvswap.bindings.uvswap.uvswap_h;
import dev.uvswap.internal.group.Account;
import dev.uvswap.internal.os.NativeErrors;
import dev.uvswap.internal.pool.CompressedPool;
import dev.uvswap.internal.pool.PoolHandle;
import dev.uvswap.internal.pool.PoolUnits;
import dev.uvswap.internal.slot.SlotOwners;
import dev.uvswap.internal.slot.SlotSpace;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.LongAdder;

/**
 * Writeback's split of a compression unit ({@code uvs_unit_split}): before a unit's page can
 * leave the pool for a file or the far tier, each live page of the unit moves to a pool object
 * of its own, compressed alone (a sixteenth of a frame cannot be read back alone). Only the
 * writeback thread runs it.
 *
 * <p>It starts from a page whose slot it claimed, ZSWAP(unit, k) → WRITEBACK(unit, k): a
 * WRITEBACK unit page's live bit belongs to the writeback thread (the drainer and a close leave
 * it alone), so the unit cannot be freed under the pin that follows. Every other page moves
 * with its own CAS ZSWAP(unit, j) → ZSWAP(single), which a fault's claim or a free makes fail;
 * a page the CAS did not move keeps its bit, for whoever took it.
 */
final class UnitSplit {
    private final SlotSpace slots;
    private final CompressedPool pool;
    private final SlotOwners owners;
    private final MemorySegment ctx;
    private final int codec;
    private final MemorySegment scratch;
    private final MemorySegment results;
    /** Units split, pages moved to objects of their own. */
    final LongAdder units = new LongAdder();
    final LongAdder pages = new LongAdder();

    UnitSplit(SlotSpace slots, CompressedPool pool, SlotOwners owners, MemorySegment ctx, int codec) {
        this.slots = slots;
        this.pool = pool;
        this.owners = owners;
        this.ctx = ctx;
        this.codec = codec;
        Arena arena = Arena.ofAuto();
        this.scratch = arena.allocate((long) PoolUnits.PAGES * 4096, 4096);
        this.results = arena.allocate(uvs_cresult.layout(), PoolUnits.PAGES);
    }

    /**
     * Splits the unit that slot {@code vslot}'s descriptor {@code handle} (a unit page, ZSWAP)
     * names, charged to {@code account}. Returns whether the slot now names an object of its
     * own; false when a fault or a free took it first, or the pool had no room (the slot then
     * names the unit as before, or nothing).
     */
    boolean split(long vslot, long handle, Account account) {
        if (!slots.transitions().zswapToWriteback(vslot, handle)) {
            return false;   // a fault or a free took it
        }
        PoolUnits u = pool.units();
        long header = PoolHandle.offset(handle);
        int mine = PoolUnits.index(handle);
        boolean pinned = u.pin(header);   // cannot fail: our WRITEBACK page keeps a bit set, and only this thread pins
        try {
            NativeErrors.check(uvswap_h.uvs_unit_split(ctx, header, codec, scratch, results), "uvs_unit_split");
            int moved = 0;
            for (int j = 0; j < PoolUnits.PAGES; j++) {
                if (j == mine || !u.isLive(header, j)) {
                    continue;
                }
                long other = u.vslot(header, j);
                // Its owner before the CAS: once the page moves, a fault may free and reuse the slot.
                if (moveAlone(u, header, j, other, false, owners.of(other))) {
                    moved++;
                }
            }
            boolean ours = moveAlone(u, header, mine, vslot, true, account);
            pages.add(moved + (ours ? 1 : 0));
            units.increment();
            return ours;
        } finally {
            if (pinned) {
                u.unpin(header);
            }
        }
    }

    /**
     * Page {@code j} of the unit to an object of its own: allocate, copy, CAS from the unit page
     * (WRITEBACK for the page writeback claimed, ZSWAP for the others). The charge moves from the
     * page's share of the unit to its own object. The claimed page's bit is this thread's to
     * release whatever happens; another page's only if its CAS moved it.
     */
    private boolean moveAlone(PoolUnits u, long header, int j, long vslot, boolean claimed, Account account) {
        long from = PoolUnits.handle(header, j);
        long rec = j * uvs_cresult.sizeof();
        int kind = results.get(ValueLayout.JAVA_INT, rec + uvs_cresult.kind$offset());
        int length;
        int fmt;
        if (kind == uvswap_h.UVS_CR_ZERO() || kind == uvswap_h.UVS_CR_FILL()) {
            length = Long.BYTES;   // a zero page is the word 0 repeated
            fmt = PoolHandle.FMT_FILL;
        } else {
            length = results.get(ValueLayout.JAVA_INT, rec + uvs_cresult.len$offset());
            fmt = kind == uvswap_h.UVS_CR_RAW() ? PoolHandle.FMT_RAW : PoolHandle.FMT_ZSTD;
        }
        long to = pool.allocate(length);
        if (to < 0) {
            if (claimed && !slots.transitions().writebackToZswap(vslot, from)) {
                account.chargeZswap(-u.release(header, j));   // a fault took it while claimed
            }
            return false;
        }
        if (fmt == PoolHandle.FMT_FILL) {
            pool.area().set(ValueLayout.JAVA_LONG_UNALIGNED, to,
                    kind == uvswap_h.UVS_CR_ZERO() ? 0L : results.get(ValueLayout.JAVA_LONG, rec + uvs_cresult.fill$offset()));
        } else {
            MemorySegment.copy(scratch, (long) j * 4096, pool.area(), to, length);
        }
        long single = PoolHandle.handle(to, length, fmt);
        // CAS (volatile): the object's bytes are written before a server can acquire its handle.
        boolean won = claimed ? slots.transitions().writebackToZswap(vslot, from, single)
                : slots.transitions().zswapRehome(vslot, from, single);
        if (won || claimed) {
            int share = u.release(header, j);
            account.chargeZswap((won ? length : 0) - share);
        }
        if (!won) {
            pool.free(to, length);
        }
        return won;
    }
}
