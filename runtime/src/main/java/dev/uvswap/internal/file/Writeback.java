package dev.uvswap.internal.file;

import dev.uvswap.SwapFileEvent;
import dev.uvswap.internal.BackgroundErrors;
import dev.uvswap.internal.ctx.Doorbell;
import dev.uvswap.internal.file.RunWriter;
import dev.uvswap.internal.file.SwapFile;
import dev.uvswap.internal.file.SwapFiles;
import dev.uvswap.internal.far.FarTier;
import dev.uvswap.internal.group.Account;
import dev.uvswap.internal.pool.CompressedPool;
import dev.uvswap.internal.pool.PoolHandle;
import dev.uvswap.internal.pool.PoolUnits;
import dev.uvswap.internal.pool.WritebackLru;
import dev.uvswap.internal.slot.SlotDescriptor;
import dev.uvswap.internal.slot.SlotOwners;
import dev.uvswap.internal.slot.SlotSpace;

import java.util.concurrent.atomic.LongAdder;

/**
 * zswap writeback (architecture.md §5.3): when the pool holds more than its limit, the coldest pool
 * objects go to a swap file, packed back to back into whole blocks allocated only now, and
 * written with one {@code pwritev} a run; each descriptor flips ZSWAP → FILE and no region is
 * touched.
 *
 * <p>Per slot: CAS ZSWAP(h) → WRITEBACK(h) (faults still serve it from the pool), write,
 * then CAS WRITEBACK(h) → FILE(f). Only this thread sets WRITEBACK, so the last CAS succeeds
 * only if no fault or free took the slot meanwhile: then the pool object is ours to free; if
 * it fails, the object's file bytes are ours to free and the consumer frees the pool object. Pages are
 * written in the form the pool held them, so writeback never compresses or decompresses.
 *
 * <p>Sleeps when under the limit, when no file takes slots, or when writeback is off: it
 * never spins. Stops at 90% of the limit (zswap's accept threshold), so it works in batches.
 */
public final class Writeback implements AutoCloseable {
    static final int BATCH = 256;
    private static final long IDLE_NANOS = 1_000_000_000L;

    private final SlotSpace slots;
    private final CompressedPool pool;
    private final SwapFiles files;
    private final WritebackLru ages;
    private final FileEvents events;
    private final SlotOwners owners;
    private final RunWriter writer = new RunWriter();
    private final Demotion demotion;
    /** Compression units' pages get objects of their own before they leave the pool. */
    final UnitSplit split;
    private final Doorbell doorbell = new Doorbell();
    private final Thread thread;
    private volatile long maxBytes;
    private volatile boolean enabled;
    private volatile boolean stopping;
    /** When the files were last checked for deletion (nanoTime). */
    private long deletedCheckedAt = System.nanoTime() - IDLE_NANOS;

    private final long[] vslots = new long[BATCH];
    private final long[] handles = new long[BATCH];
    private final long[] offsets = new long[BATCH];
    private final int[] lengths = new int[BATCH];
    private final int[] fmts = new int[BATCH];
    private final long[] ids = new long[BATCH];
    private final long[] candidates = new long[BATCH];
    private final Account[] accounts = new Account[BATCH];
    /** Pages passed over (their group may not write back now), to go back at the young end. */
    private final long[] passed = new long[SCAN_BUDGET];
    /** Age-list entries one claim may look at: bounds the work when most pages may not be written back. */
    private static final int SCAN_BUDGET = 16 * BATCH;

    /** Failures the thread caught; it carries on (a dead writeback would let the pool grow past its limit). */
    final BackgroundErrors errors = new BackgroundErrors("uvswap-writeback");

    public final LongAdder zswpwb = new LongAdder();
    public final LongAdder batches = new LongAdder();

    Writeback(SlotSpace slots, CompressedPool pool, SwapFiles files, WritebackLru ages, FileEvents events,
              SlotOwners owners, long maxBytes, boolean enabled, UnitSplit split) {
        this.owners = owners;
        this.split = split;
        this.slots = slots;
        this.pool = pool;
        this.files = files;
        this.ages = ages;
        this.events = events;
        this.maxBytes = maxBytes;
        this.enabled = enabled;
        this.demotion = new Demotion(slots, files, owners);
        files.onFree(this::roomMade);
        this.thread = Thread.ofPlatform().daemon().name("uvswap-writeback").unstarted(this::run);
        thread.start();
    }

    public long maxBytes() {
        return maxBytes;
    }

    public void setMaxBytes(long bytes) {
        maxBytes = bytes;
        doorbell.ring();
    }

    public boolean enabled() {
        return enabled;
    }

    public void setEnabled(boolean on) {
        enabled = on;
        doorbell.ring();
    }

    /** The pool grew: write back if it, or a group's share of it, went over the limit. */
    public void poolGrew() {
        if (enabled && (pool.totalBytes() > maxBytes || owners.anyOverZswapMax())) {
            doorbell.ring();
        }
    }

    /** A group's zswap limit or writeback switch changed: look again. */
    public void groupLimitChanged() {
        doorbell.ring();
    }

    /** A page in a file was freed: a writer waiting for room may go on. Cheap when nobody waits. */
    private void roomMade() {
        if (enabled && pool.totalBytes() > maxBytes) {
            doorbell.ring();
        }
    }

    /**
     * Writes back until closed. An iteration that throws is counted and logged and the loop goes
     * on; the batch it was writing is given back to the pool first ({@link #writeBatch}). After a
     * failure it sleeps until rung or an idle period passes, as when there is nothing to do, so
     * a failure that repeats does not spin.
     */
    private void run() {
        while (!stopping) {
            try {
                doorbell.await(IDLE_NANOS);
            } catch (InterruptedException e) {
                return;
            }
            try {
                errors.throwIfInjected();
                writeBack();
            } catch (RuntimeException | Error e) {
                errors.report(e);
            }
        }
    }

    private void writeBack() {
        checkDeleted();
        long low = maxBytes / 10 * 9;
        // The pool as a whole: from over the limit down to the low mark. A group: while over its zswapMax.
        boolean global = pool.totalBytes() > maxBytes;
        while (enabled && !stopping) {
            global = global && pool.totalBytes() > low;
            if (!global && !owners.anyOverZswapMax() || writeBatch(global) == 0) {
                break;
            }
        }
    }

    /** At most once per idle period: the pool may ring many times a second. */
    private void checkDeleted() {
        long now = System.nanoTime();
        if (now - deletedCheckedAt < IDLE_NANOS) {
            return;
        }
        deletedCheckedAt = now;
        for (SwapFile f : files.files()) {
            if (f.checkDeleted() && events.deletedOnce(f)) {
                events.emit(new SwapFileEvent.Deleted(f.path()));
            }
        }
    }

    /**
     * Writes back up to one batch of the oldest pool objects; returns how many pages went to a
     * file, 0 when there was nothing to take or no room (the loop then sleeps until rung).
     */
    int writeBatch(boolean global) {
        if (!files.accepting()) {
            events.noRoom(files);
            return 0;   // sleep until a slot is freed, a file is added, or a second passes
        }
        int written = 0;
        try {
            // Every file full: demote the coldest file pages to the far tier first, so the pages
            // leaving the pool now (warmer) stay on this machine in the blocks freed.
            boolean filesRoom = files.filesAccepting();
            FarTier far = files.far();
            if (!filesRoom && far != null && far.accepting() && demotion.demoteOne(far) > 0) {
                filesRoom = files.filesAccepting();
            }
            // No file has room: the batch goes to the far tier, so only pages their group lets go there.
            int n = claimOldest(global, !filesRoom);
            for (int done = 0; done < n; ) {
                SwapFiles.Run run = files.allocate(vslots, lengths, done, n - done);
                if (run == null) {
                    if (far != null && far.accepting()) {
                        // pool → files → far tier: what the tier does not take goes back to the pool below
                        written += writeFar(far, done, n - done);
                    } else {
                        events.noRoom(files);
                    }
                    break;
                }
                int err = writer.write(run, pool.area(), offsets, lengths, done);
                if (err == 0) {
                    written += publish(run, done);
                } else {
                    events.writeFailed(run, -err);
                }
                done += run.length();
                batches.increment();
            }
        } finally {
            // Also when something above threw: a page left WRITEBACK would never be written back again.
            giveBackUnwritten();
        }
        return written;
    }

    /**
     * The claimed pages not written (no room, a failed write, or a failure): back to the pool,
     * unless a consumer took them, and back at the cold end of the age list.
     */
    private void giveBackUnwritten() {
        int unwritten = 0;
        for (int i = 0; i < BATCH; i++) {
            if (handles[i] == 0) {
                continue;
            }
            accounts[i].chargeSwap(-1);   // the reservation claimOldest made
            if (slots.transitions().writebackToZswap(vslots[i], handles[i])) {
                candidates[unwritten++] = vslots[i];
            }
            handles[i] = 0;
        }
        ages.requeue(candidates, unwritten);
    }

    /**
     * Marks up to BATCH of the oldest stored pages WRITEBACK and reserves a page's swap charge
     * for each; returns how many. With {@code global} (the pool is over its limit) any page whose
     * group allows writeback qualifies; otherwise only pages of groups over their zswapMax. Pages
     * passed over go back at the young end, so the next claim looks at others first.
     */
    private int claimOldest(boolean global, boolean toFar) {
        int n = 0;
        int scanned = 0;
        int nPassed = 0;
        while (n < BATCH && scanned < SCAN_BUDGET) {
            int got = ages.poll(candidates, Math.min(BATCH - n, SCAN_BUDGET - scanned));
            if (got == 0) {
                break;
            }
            scanned += got;
            for (int i = 0; i < got; i++) {
                long v = candidates[i];
                long d = slots.descriptorAcquire(v);
                long h = SlotDescriptor.payload(d);
                // A same-filled page is 8 bytes in the pool and 4 KiB in a file: it stays.
                if (SlotDescriptor.tag(d) != SlotDescriptor.TAG_ZSWAP || PoolHandle.format(h) == PoolHandle.FMT_FILL) {
                    continue;
                }
                Account a = owners.of(v);
                if (!(global || a.overZswapMax()) || a.fileSlotsAllowed(1) == 0) {
                    passed[nPassed++] = v;
                    continue;
                }
                if (PoolUnits.isUnit(h)) {
                    // A sixteenth of a frame cannot leave alone: the unit's pages get objects of their own first.
                    if (!split.split(v, h, a)) {
                        continue;   // taken by a fault or a free, or no room in the pool to split
                    }
                    d = slots.descriptorAcquire(v);
                    h = SlotDescriptor.payload(d);
                    if (SlotDescriptor.tag(d) != SlotDescriptor.TAG_ZSWAP || PoolHandle.format(h) == PoolHandle.FMT_FILL) {
                        continue;
                    }
                }
                if (toFar && !a.farAllows(PoolHandle.length(h))) {
                    passed[nPassed++] = v;
                    continue;
                }
                a.chargeSwap(1);
                if (slots.transitions().zswapToWriteback(v, h)) {
                    vslots[n] = v;
                    handles[n] = h;
                    accounts[n] = a;
                    offsets[n] = PoolHandle.offset(h);
                    lengths[n] = PoolHandle.length(h);
                    n++;
                } else {
                    a.chargeSwap(-1);
                }
            }
        }
        ages.add(passed, nPassed);
        return n;
    }

    /**
     * Stores objects {@code from..from+n} in the far tier and flips each one the server took to
     * FILE (a file handle with the tier's index and the object's id); one the server did not
     * take stays claimed, for {@link #giveBackUnwritten}.
     */
    private int writeFar(FarTier far, int from, int n) {
        int allowed = from;
        for (int i = from; i < from + n; i++) {
            if (accounts[i].farAllows(lengths[i])) {
                swap(i, allowed++);   // the pages their group lets go to the far tier, first
            }
        }
        n = allowed - from;
        for (int i = from; i < from + n; i++) {
            fmts[i] = PoolHandle.format(handles[i]);
        }
        if (n == 0) {
            return 0;
        }
        far.store(pool.area(), vslots, offsets, lengths, fmts, from, n, ids);
        batches.increment();
        int published = 0;
        for (int i = from; i < from + n; i++) {
            if (ids[i] < 0) {
                continue;
            }
            long h = handles[i];
            long fh = FileHandle.handle(far.index(), ids[i], lengths[i], fmts[i]);
            accounts[i].chargeFar(lengths[i]);   // before the CAS: a consumer may uncharge right after it
            // CAS (volatile): the server acknowledged the value before any fault can read FILE.
            if (slots.transitions().writebackToFile(vslots[i], h, fh)) {
                far.published(lengths[i]);
                pool.free(PoolHandle.offset(h), PoolHandle.length(h));
                accounts[i].chargeZswap(-PoolHandle.length(h));
                zswpwb.increment();
                published++;
            } else {
                far.unpublish(ids[i]);   // a fault or a free took the page from the pool
                accounts[i].chargeFar(-lengths[i]);
                accounts[i].chargeSwap(-1);
            }
            handles[i] = 0;
        }
        return published;
    }

    /** Swaps entries {@code i} and {@code j} of the batch's parallel arrays. */
    private void swap(int i, int j) {
        if (i == j) {
            return;
        }
        long v = vslots[i]; vslots[i] = vslots[j]; vslots[j] = v;
        long h = handles[i]; handles[i] = handles[j]; handles[j] = h;
        long o = offsets[i]; offsets[i] = offsets[j]; offsets[j] = o;
        int l = lengths[i]; lengths[i] = lengths[j]; lengths[j] = l;
        Account a = accounts[i]; accounts[i] = accounts[j]; accounts[j] = a;
    }

    /** The run was written: flip each slot to FILE, or give its file bytes back if a consumer won. */
    private int publish(SwapFiles.Run run, int from) {
        int published = 0;
        for (int i = 0; i < run.length(); i++) {
            int k = from + i;
            long h = handles[k];
            long fh = run.handle(i, lengths[k], PoolHandle.format(h));
            // CAS (volatile): the file bytes are written (pwritev returned) before any server
            // can acquire FILE and pread them.
            if (slots.transitions().writebackToFile(vslots[k], h, fh)) {
                files.published(fh);
                pool.free(PoolHandle.offset(h), PoolHandle.length(h));
                accounts[k].chargeZswap(-PoolHandle.length(h));   // its swap charge was reserved at the claim
                zswpwb.increment();
                published++;
            } else {
                run.free(i, lengths[k]);
                accounts[k].chargeSwap(-1);
            }
            handles[k] = 0;
        }
        return published;
    }

    @Override
    public void close() {
        stopping = true;
        doorbell.ring();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writer.close();
        demotion.close();
    }

}
