package dev.uvswap.internal.ring;

import dev.uvswap.bindings.uvswap.uvs_completion;
import dev.uvswap.bindings.uvswap.uvswap_h;
import dev.uvswap.internal.BackgroundErrors;
import dev.uvswap.internal.ctx.NativeContext;
import dev.uvswap.internal.file.SwapFiles;
import dev.uvswap.internal.os.NativeErrors;
import dev.uvswap.internal.pool.CompressedPool;
import dev.uvswap.internal.pool.PoolHandle;
import dev.uvswap.internal.pool.PoolUnits;
import dev.uvswap.internal.reclaim.DirectReclaim;
import dev.uvswap.internal.slot.SlotDescriptor;
import dev.uvswap.internal.slot.SlotOwners;
import dev.uvswap.internal.slot.SlotSpace;
import dev.uvswap.internal.slot.SlotTag;
import dev.uvswap.internal.staging.StagingArea;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.LongAdder;

/**
 * Frees what swap-ins consumed, in batches (the kernel's batched free): a fault server reports
 * "slot S held descriptor D" through its completion ring; we free D's backend (pool object,
 * file slot or staging page) and then the slot. Runs on its own daemon thread, which sleeps in native code
 * until a server asks for it or 10 ms pass, and synchronously when stats or a close need exact
 * counts. Each slot is freed exactly once: only the swap-in that emptied it reports it.
 */
public final class CompletionDrainer implements AutoCloseable {
    private static final int BATCH = 1024;
    private static final int IDLE_WAIT_MILLIS = 10;

    private final NativeContext servers;
    private final SlotSpace slots;
    private final CompressedPool pool;
    private final StagingArea staging;
    private final SwapFiles files;
    private final SlotOwners owners;
    private final Object lock = new Object();
    private final long[] batch = new long[BATCH];
    private int batched;
    private final MemorySegment overflow;
    private final Arena arena = Arena.ofShared();
    private final Thread thread;
    private volatile boolean stopping;
    /** Failures the drainer thread caught (and records it could not free); it carries on. */
    private final BackgroundErrors errors = new BackgroundErrors("uvswap-reclaimer");

    /** Direct reclaim's Java half, once it is on: its records share the rings. */
    private volatile DirectReclaim direct;
    /** A drain adopted a page direct reclaim stored. */
    private boolean storedAny;
    /** Runs after each drain, on the drainer's lock (direct reclaim's group limits). */
    private volatile Runnable afterDrain = () -> { };

    public final LongAdder pswpin = new LongAdder();
    public final LongAdder zswpin = new LongAdder();
    public final LongAdder swpinZero = new LongAdder();
    public final LongAdder cacheHits = new LongAdder();
    /** Pages read back from a swap file. */
    public final LongAdder swpinFile = new LongAdder();

    public CompletionDrainer(NativeContext servers, SlotSpace slots, CompressedPool pool, StagingArea staging,
                         SwapFiles files, SlotOwners owners) {
        this.owners = owners;
        this.servers = servers;
        this.slots = slots;
        this.pool = pool;
        this.staging = staging;
        this.files = files;
        this.overflow = arena.allocate(uvs_completion.layout(), BATCH);
        this.thread = Thread.ofPlatform().daemon().name("uvswap-reclaimer").unstarted(this::run);
        thread.start();
    }

    /**
     * Drains until closed. An iteration that throws is counted and logged and the loop goes on:
     * a dead drainer would leave every consumed slot (and its pool bytes) unfreed. After a failure
     * it waits its idle period, so a failure that repeats does not spin.
     */
    private void run() {
        while (!stopping) {
            try {
                servers.awaitDrainRequest(IDLE_WAIT_MILLIS);
                errors.throwIfInjected();
                drain();
            } catch (RuntimeException | Error e) {
                errors.report(e);
                pause();
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(IDLE_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Routes direct reclaim's records to it and stocks its magazines after each drain. */
    public void attach(DirectReclaim direct, Runnable afterDrain) {
        synchronized (lock) {
            this.direct = direct;
            this.afterDrain = afterDrain;
        }
    }

    /** Failures the drainer caught and survived. */
    public long backgroundErrors() {
        return errors.count();
    }

    /** Tests: the drainer thread's next iteration throws {@code failure}. */
    public void injectOnce(RuntimeException failure) {
        errors.injectOnce(failure);
    }

    /**
     * Tests: runs {@code body} holding the drainer's lock, so nothing is drained meanwhile and the
     * servers' completions pile up in their rings and then in the overflow list.
     */
    public void holding(Runnable body) {
        synchronized (lock) {
            body.run();
        }
    }

    /** Frees everything the servers have reported so far. */
    public void drain() {
        synchronized (lock) {
            for (int i = 0; i < servers.contexts(); i++) {
                servers.ring(i).drain(this::refaultedOrReport);
            }
            long n;
            while ((n = NativeErrors.check(uvswap_h.uvs_drain_overflow(servers.context(), overflow, BATCH),
                    "uvs_drain_overflow")) > 0) {
                releaseAll(overflow, n, true);
            }
            flush();
            DirectReclaim d = direct;
            if (d != null) {
                d.afterDrain(storedAny);
                storedAny = false;
                afterDrain.run();
            }
        }
    }

    /**
     * Frees the records a uvs_populate call returned in {@code records}; {@code refault} says
     * whether they were swap-ins the application asked for (counted as refaults) or pages the
     * pool refused that went straight back.
     */
    public void releaseAll(MemorySegment records, long n, boolean refault) {
        synchronized (lock) {
            long size = uvs_completion.sizeof();
            for (long i = 0; i < n; i++) {
                long vslot = records.get(ValueLayout.JAVA_LONG, i * size + uvs_completion.vslot$offset());
                long desc = records.get(ValueLayout.JAVA_LONG, i * size + uvs_completion.desc$offset());
                if (DirectReclaim.isDirect(vslot)) {
                    adoptDirect(vslot, desc);
                } else if (refault) {
                    refaulted(vslot, desc);
                } else {
                    release(vslot, desc);
                }
            }
            flush();
        }
    }

    /**
     * {@link #refaulted}, but a record that cannot be freed (its descriptor names no backend:
     * a bug) is counted and logged instead of thrown: the ring is consumed as a whole, and a
     * throw mid-ring would hand the records before it to the next drain again, freeing them twice.
     */
    private void refaultedOrReport(long vslot, long desc) {
        try {
            if (DirectReclaim.isDirect(vslot)) {
                adoptDirect(vslot, desc);
                return;
            }
            refaulted(vslot, desc);
        } catch (RuntimeException e) {
            errors.report(e);
        }
    }

    /** A record of direct reclaim (uvs_reclaim.c): a page it stored, or a span it is done with. */
    private void adoptDirect(long tagged, long desc) {
        DirectReclaim d = direct;
        if (d == null) {
            throw new IllegalStateException("direct reclaim record 0x" + Long.toHexString(tagged) + " with direct reclaim off");
        }
        d.adopt(tagged, desc);
        storedAny |= (tagged & uvswap_h.UVS_COMP_STORED()) != 0;
    }

    /** A swap-in consumed the slot: counts the refault (and its distance) to the slot's group, then frees it. */
    private void refaulted(long vslot, long desc) {
        owners.refault(vslot);
        release(vslot, desc);
    }

    /** Frees one slot whose data a swap-in consumed; {@code desc} is what it held then. */
    private void release(long vslot, long desc) {
        switch (freeBackend(vslot, desc)) {
            case ZSWAP, WRITEBACK -> zswpin.increment();
            case FILE, SWAPOFF -> swpinFile.increment();
            case CACHE -> cacheHits.increment();
            default -> swpinZero.increment();
        }
        pswpin.increment();
        batch[batched++] = vslot;
        if (batched == BATCH) {
            flush();
        }
    }

    /**
     * Frees what a descriptor taken out of its slot named (pool object, file slot or staging
     * page; a zero page names nothing) and returns its tag. A WRITEBACK or SWAPOFF taken this
     * way makes the writer's or the retirer's own CAS fail, and it frees its new copy itself.
     */
    public SlotTag freeBackend(long vslot, long desc) {
        long payload = SlotDescriptor.payload(desc);
        SlotTag tag = SlotTag.of(desc);
        switch (tag) {
            case ZSWAP, WRITEBACK -> {
                if (PoolUnits.isUnit(payload)) {
                    // A unit's page: its bit goes, and the unit with its last one. Not a WRITEBACK
                    // one: that bit is the writeback thread's (UnitSplit), whose CAS now fails.
                    if (tag == SlotTag.ZSWAP) {
                        int share = pool.units().release(PoolHandle.offset(payload), PoolUnits.index(payload));
                        owners.of(vslot).chargeZswap(-share);
                    }
                } else {
                    pool.free(PoolHandle.offset(payload), PoolHandle.length(payload));
                    owners.of(vslot).chargeZswap(-PoolHandle.length(payload));
                }
            }
            case FILE, SWAPOFF -> {
                if (files.isFar(payload)) {
                    owners.of(vslot).chargeFar(-dev.uvswap.internal.file.FileHandle.length(payload));
                }
                files.free(payload);
                owners.of(vslot).chargeSwap(-1);
            }
            case CACHE -> {
                // A page a fault took back from a direct-reclaim batch: that chunk is C's.
                DirectReclaim d = direct;
                if (d == null || !d.ownsStagingPage(payload)) {
                    staging.release(payload);
                }
            }
            case ZERO -> { }
            default -> throw new IllegalStateException("slot " + vslot + " held descriptor 0x"
                    + Long.toHexString(desc) + ", which names no backend");
        }
        return tag;
    }

    /** Frees the batched slots (their descriptors are already NONE). */
    private void flush() {
        if (batched > 0) {
            slots.free(batch, batched);
            batched = 0;
        }
    }

    @Override
    public void close() {
        stopping = true;
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        drain();
        arena.close();
    }
}
