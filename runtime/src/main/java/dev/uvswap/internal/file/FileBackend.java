package dev.uvswap.internal.file;

import dev.uvswap.SwapFileEvent;
import dev.uvswap.FarTierSpec;
import dev.uvswap.internal.ctx.NativeContext;
import dev.uvswap.internal.far.FarTier;
import dev.uvswap.internal.file.SwapFile;
import dev.uvswap.internal.file.SwapFiles;
import dev.uvswap.internal.pool.CompressedPool;
import dev.uvswap.internal.pool.WritebackLru;
import dev.uvswap.internal.slot.SlotOwners;
import dev.uvswap.internal.slot.SlotSpace;

import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The swap-file side of a VSwap: the files, the pool's age list, writeback, swapoff and the
 * counters of what went wrong. A VSwap without files has one too, empty: then writeback sleeps
 * and rejects go back to their regions.
 */
public final class FileBackend implements AutoCloseable {
    public final SwapFiles files;
    public final WritebackLru ages = new WritebackLru();
    public final FileEvents events;
    private final Writeback writeback;
    private final Swapoff swapoff;
    private final java.lang.foreign.MemorySegment ctx;

    public FileBackend(NativeContext servers, SlotSpace slots, CompressedPool pool, Runnable drain,
                       Consumer<SwapFileEvent> listener, SlotOwners owners, long zswapMaxBytes, boolean writeback,
                       int codec) {
        this.ctx = servers.context();
        this.files = new SwapFiles(ctx);
        this.events = new FileEvents(listener);
        this.writeback = new Writeback(slots, pool, files, ages, events, owners, zswapMaxBytes, writeback,
                new UnitSplit(slots, pool, owners, ctx, codec));
        this.swapoff = new Swapoff(slots, pool, files, ages, owners, drain);
    }

    public SwapFiles files() {
        return files;
    }

    public Writeback writeback() {
        return writeback;
    }

    /** Compression units writeback split into pages of their own. */
    public long unitsSplit() {
        return writeback.split.units.sum();
    }

    public SwapFile add(Path path, long maxBytes, int priority, boolean temporary) {
        SwapFile f = files.add(path, maxBytes, priority, temporary);
        writeback.setMaxBytes(writeback.maxBytes());   // wake it: there may be room now
        return f;
    }

    /** Adds the far tier (after every file in allocation order). */
    public FarTier addFar(FarTierSpec spec) {
        FarTier t = files.addFar(index -> FarTier.open(ctx, index, spec));
        writeback.setMaxBytes(writeback.maxBytes());   // wake it: there may be room now
        return t;
    }

    /** Swapoff of the far tier: every page back to the pool (or a file), then the tier and its keys go. */
    public void retireFar() {
        FarTier t = files.far();
        if (t == null) {
            throw new IllegalStateException("this VSwap has no far tier");
        }
        swapoff.retire(t);
    }

    /** Swapoff: moves every page of the file back to the pool (or another file), then removes it. */
    public void retire(Path path) {
        swapoff.retire(path);
    }

    public long zswapMaxBytes() {
        return writeback.maxBytes();
    }

    public void setZswapMaxBytes(long bytes) {
        writeback.setMaxBytes(bytes);
    }

    /** A group's zswap limit or writeback switch changed. */
    public void groupLimitChanged() {
        writeback.groupLimitChanged();
    }

    public void setWriteback(boolean on) {
        writeback.setEnabled(on);
    }

    public boolean writebackEnabled() {
        return writeback.enabled();
    }

    public long zswpwb() {
        return writeback.zswpwb.sum();
    }

    public long writebackBatches() {
        return writeback.batches.sum();
    }

    public long writeErrors() {
        return events.writeErrors.sum();
    }

    public long noSpace() {
        return events.noSpace.sum();
    }

    /** Failures the writeback thread caught and survived. */
    public long backgroundErrors() {
        FarTier far = files.far();
        return writeback.errors.count() + (far == null ? 0 : far.backgroundErrors());
    }

    /** Tests: the writeback thread's next iteration throws {@code failure}. */
    public void injectWritebackFailure(RuntimeException failure) {
        writeback.errors.injectOnce(failure);
        writeback.groupLimitChanged();   // wake it: the failure is thrown in the iteration this starts
    }

    public long swapoffPages() {
        return swapoff.moved.sum();
    }

    @Override
    public void close() {
        writeback.close();
        files.close();
    }
}
