package dev.uvswap.internal.reclaim;

import dev.uvswap.bindings.uvswap.uvs_magazine;
import dev.uvswap.bindings.uvswap.uvswap_h;
import dev.uvswap.internal.ctx.NativeContext;
import dev.uvswap.internal.file.FileBackend;
import dev.uvswap.internal.os.NativeErrors;
import dev.uvswap.internal.pool.CompressedPool;
import dev.uvswap.internal.pool.PoolHandle;
import dev.uvswap.internal.pool.PoolUnits;
import dev.uvswap.internal.pool.WritebackLru;
import dev.uvswap.internal.slot.SlotDescriptor;
import dev.uvswap.internal.slot.SlotOwners;
import dev.uvswap.internal.slot.SlotSpace;
import dev.uvswap.internal.slot.SlotTag;
import dev.uvswap.internal.staging.StagingArea;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.LongAdder;

/**
 * The Java half of direct reclaim (uvs_reclaim.c): a fault that would take its group past
 * memoryMax reclaims that group's pages itself, in C, on the faulting path, so the limit holds
 * while the JVM is stopped at a safepoint. C cannot ask Java for slots or pool room there, so
 * this class keeps each fault context's magazine stocked with free slots and empty 64 KiB pool
 * spans, and adopts what C reports back through the completion rings: stored pages (their pool
 * charge, the age list, the counters) and spans C is done with.
 *
 * <p>Every method runs on the completion drainer's thread, under its lock ({@link CompletionDrainer}):
 * it is the magazines' only producer.
 */
public final class DirectReclaim {
    private static final long KIND_MASK = uvswap_h.UVS_COMP_KIND_MASK();
    private static final long STORED = uvswap_h.UVS_COMP_STORED();
    private static final long SPAN = uvswap_h.UVS_COMP_SPAN();
    private static final int MAG_SLOTS = uvswap_h.UVS_MAG_SLOTS();
    private static final int MAG_SPANS = uvswap_h.UVS_MAG_SPANS();
    private static final long DRY = uvswap_h.UVS_MAG_DRY();
    /** Slots a direct reclaim batch needs in hand before it starts (uvs_reclaim.c's ready). */
    private static final int BATCH = uvswap_h.UVS_BATCH_MAX();
    /** Spans a wanting magazine is filled to: two batches of pages that compress 3:1. */
    private static final int SPAN_TARGET = MAG_SPANS / 2;
    /** A slot refill smaller than this waits for the next one (slots come in clusters). */
    private static final int SLOT_REFILL_MIN = 512;
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final SlotSpace slots;
    private final CompressedPool pool;
    private final SlotOwners owners;
    private final WritebackLru ages;
    private final Runnable poolGrew;
    private final MemorySegment[] magazines;
    /** Contexts that asked once: kept stocked from then on. */
    private final boolean[] stocked;
    /** Staging chunks the contexts own, by chunk index: their pages are never Java's to release. */
    private final boolean[] ownedChunks;
    private final long[] slotBuffer = new long[MAG_SLOTS];
    private final long[] adopted = new long[1];

    public final LongAdder pswpout = new LongAdder();
    public final LongAdder zswpout = new LongAdder();
    public final LongAdder swpoutZero = new LongAdder();

    private DirectReclaim(SlotSpace slots, CompressedPool pool, SlotOwners owners, WritebackLru ages, Runnable poolGrew,
                          MemorySegment[] magazines, boolean[] ownedChunks) {
        this.slots = slots;
        this.pool = pool;
        this.owners = owners;
        this.ages = ages;
        this.poolGrew = poolGrew;
        this.magazines = magazines;
        this.stocked = new boolean[magazines.length];
        this.ownedChunks = ownedChunks;
    }

    /**
     * Turns direct reclaim on: one staging chunk a fault context (taken from {@code staging} for
     * good), the owner table, the codec pages are stored with.
     *
     * @throws IllegalStateException if the staging area has no chunk for every context
     */
    public static DirectReclaim start(NativeContext servers, SlotSpace slots, CompressedPool pool, StagingArea staging,
                               SlotOwners owners, MemorySegment ownerTable, int codec, FileBackend files) {
        int contexts = servers.contexts();
        boolean[] owned = new boolean[staging.chunks()];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment chunks = arena.allocate(ValueLayout.JAVA_LONG, contexts);
            for (int i = 0; i < contexts; i++) {
                long chunk = staging.allocateChunk(0);
                if (chunk < 0) {
                    throw new IllegalStateException("no staging chunk for direct reclaim (" + contexts + " needed)");
                }
                owned[(int) (chunk / StagingArea.CHUNK_PAGES)] = true;
                chunks.setAtIndex(ValueLayout.JAVA_LONG, i, chunk);
            }
            NativeErrors.check(uvswap_h.uvs_direct_setup(servers.context(), ownerTable.address(), codec, chunks, contexts),
                    "uvs_direct_setup");
        }
        MemorySegment[] mags = new MemorySegment[contexts];
        for (int i = 0; i < contexts; i++) {
            mags[i] = uvswap_h.uvs_magazine(servers.context(), i).reinterpret(uvs_magazine.sizeof());
        }
        return new DirectReclaim(slots, pool, owners, files.ages, files.writeback()::poolGrew, mags, owned);
    }

    /** Whether a CACHE descriptor's staging page is in a chunk a fault context owns (not Java's to release). */
    public boolean ownsStagingPage(long page) {
        long chunk = page / StagingArea.CHUNK_PAGES;
        return chunk < ownedChunks.length && ownedChunks[(int) chunk];
    }

    /** Whether a completion record is direct reclaim's (not a swap-in's). */
    public static boolean isDirect(long vslot) {
        return (vslot & KIND_MASK) != 0;
    }

    /** Adopts one of direct reclaim's completion records. */
    public void adopt(long tagged, long desc) {
        long kind = tagged & KIND_MASK;
        long payload = tagged & ~KIND_MASK;
        if (kind == STORED) {
            adoptStored(payload, desc);
        } else if (kind == SPAN) {
            pool.sealPacked(payload, Math.toIntExact(desc));
        } else {
            throw new IllegalStateException("completion record of no kind: 0x" + Long.toHexString(tagged));
        }
    }

    /**
     * C stored the slot's page and published {@code desc}. The slot may be consumed already (a
     * fault in another ring): charges still balance (its free uncharged what this charges), and
     * the age list holds hints that writeback checks against the descriptor.
     */
    private void adoptStored(long vslot, long desc) {
        owners.advance(1);
        pswpout.increment();
        if (SlotTag.of(desc) == SlotTag.ZERO) {
            swpoutZero.increment();
            return;
        }
        long handle = SlotDescriptor.payload(desc);
        int length = PoolHandle.length(handle);
        pool.notePackedStore(PoolHandle.offset(handle), length, vslot);
        owners.of(vslot).chargeZswap(length);
        zswpout.increment();
        adopted[0] = vslot;
        ages.add(adopted, 1);
    }

    /** After adopting records: compacts sparse packed spans, grows writeback's work, stocks the magazines that asked. */
    public void afterDrain(boolean storedAny) {
        pool.compactPacked(this::rehome);
        if (storedAny) {
            poolGrew.run();
        }
        long stamp = owners.stampBits();
        for (int i = 0; i < magazines.length; i++) {
            MemorySegment m = magazines[i];
            if (m.get(ValueLayout.JAVA_LONG, uvs_magazine.want$offset()) != 0) {
                stocked[i] = true;
            }
            if (stocked[i]) {
                m.set(ValueLayout.JAVA_LONG, uvs_magazine.owner_high$offset(), stamp);
                boolean slotsOk = stockSlots(m);
                boolean spansOk = stockSpans(m);
                // Dry: C's faults stop waiting for a refill this drainer cannot give (the group
                // hold decides), until a drain stocks a batch again.
                m.set(ValueLayout.JAVA_LONG, uvs_magazine.want$offset(), slotsOk && spansOk ? 0L : DRY);
            }
        }
    }

    /** Fills the slot ring; whether it holds a batch's worth now. */
    private boolean stockSlots(MemorySegment m) {
        // acquire: C's reads of the entries before its head are done
        long head = (long) LONG.getAcquire(m, uvs_magazine.slot_head$offset());
        long tail = m.get(ValueLayout.JAVA_LONG, uvs_magazine.slot_tail$offset());
        int room = (int) (MAG_SLOTS - (tail - head));
        if (room < SLOT_REFILL_MIN) {
            return true;
        }
        int n = slots.allocate(room, slotBuffer);
        long base = uvs_magazine.slots$offset();
        for (int k = 0; k < n; k++) {
            m.set(ValueLayout.JAVA_LONG, base + ((tail + k) & (MAG_SLOTS - 1)) * Long.BYTES, slotBuffer[k]);
        }
        // release: the entries are written before C sees the new tail
        LONG.setRelease(m, uvs_magazine.slot_tail$offset(), tail + n);
        // C counts the slots it stashed from an earlier batch too (uvs_reclaim.c's ready)
        return tail + n - head + m.get(ValueLayout.JAVA_LONG, uvs_magazine.stashed$offset()) >= BATCH;
    }

    /** Fills the span ring; whether it holds a span now. */
    private boolean stockSpans(MemorySegment m) {
        long head = (long) LONG.getAcquire(m, uvs_magazine.span_head$offset());
        long tail = m.get(ValueLayout.JAVA_LONG, uvs_magazine.span_tail$offset());
        long base = uvs_magazine.spans$offset();
        while (tail - head < SPAN_TARGET) {
            long span = pool.takePackedSpan();
            if (span < 0) {
                break;
            }
            m.set(ValueLayout.JAVA_LONG, base + (tail & (MAG_SPANS - 1)) * Long.BYTES, span);
            tail++;
        }
        // release: the entries (and each span's PACKED mark) before C sees the new tail
        LONG.setRelease(m, uvs_magazine.span_tail$offset(), tail);
        return tail > head;
    }

    /**
     * Moves slot {@code vslot}'s object out of the packed span at {@code span} into the size-class
     * pool, if it is still there: copy, then a CAS ZSWAP(old) → ZSWAP(new) that a swap-in's claim,
     * a free or writeback makes fail (and then the copy is freed). The charge does not change.
     */
    private void rehome(long vslot, long span) {
        long desc = slots.descriptorAcquire(vslot);
        if (SlotTag.of(desc) != SlotTag.ZSWAP) {
            return;   // consumed, written back, or reused for another page
        }
        long from = SlotDescriptor.payload(desc);
        long offset = PoolHandle.offset(from);
        if (offset < span || offset >= span + CompressedPool.SPAN_BYTES || PoolUnits.isUnit(from)) {
            return;   // reused since, stored elsewhere (a unit's page, too: C never packs one)
        }
        int length = PoolHandle.length(from);
        long to = pool.allocate(length);
        if (to < 0) {
            return;   // the pool is full: it stays packed
        }
        MemorySegment.copy(pool.area(), offset, pool.area(), to, length);
        if (slots.transitions().zswapRehome(vslot, from, PoolHandle.handle(to, length, PoolHandle.format(from)))) {
            pool.free(offset, length);
        } else {
            pool.free(to, length);
        }
    }

    /** Slots the magazines hold for C and that hold no data (not in use, though allocated). */
    public long reservedSlots() {
        return ringEntries(uvs_magazine.slot_head$offset(), uvs_magazine.slot_tail$offset())
                + sum(uvs_magazine.stashed$offset());
    }

    /**
     * Pool bytes of the spans the magazines hold for C and C has not started: taken from the
     * pool's limit, but never written, so they hold no memory.
     */
    public long reservedSpanBytes() {
        return ringEntries(uvs_magazine.span_head$offset(), uvs_magazine.span_tail$offset()) * CompressedPool.SPAN_BYTES;
    }

    /**
     * Entries between head and tail of one of the rings, over all magazines. Head first: the tail
     * read after it is at least as new, so the difference is never negative.
     */
    private long ringEntries(long headOffset, long tailOffset) {
        long n = 0;
        for (MemorySegment m : magazines) {
            long head = (long) LONG.getAcquire(m, headOffset);
            n += (long) LONG.getAcquire(m, tailOffset) - head;
        }
        return n;
    }

    /** Direct reclaim passes that found a magazine or the pool short, over all contexts. */
    public long starvedPasses() {
        return sum(uvs_magazine.starved$offset());
    }

    /** Pages direct reclaim took out of memory, over all contexts. */
    public long reclaimedPages() {
        return sum(uvs_magazine.reclaimed$offset());
    }

    private long sum(long offset) {
        long n = 0;
        for (MemorySegment m : magazines) {
            n += (long) LONG.getOpaque(m, offset);
        }
        return n;
    }
}
