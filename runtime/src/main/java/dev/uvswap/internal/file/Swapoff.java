package dev.uvswap.internal.file;

import dev.uvswap.VSwapException;
import dev.uvswap.internal.file.FileHandle;
import dev.uvswap.internal.file.RunWriter;
import dev.uvswap.internal.file.SwapFile;
import dev.uvswap.internal.file.SwapFiles;
import dev.uvswap.internal.group.Account;
import dev.uvswap.internal.pool.CompressedPool;
import dev.uvswap.internal.pool.PoolHandle;
import dev.uvswap.internal.pool.WritebackLru;
import dev.uvswap.internal.slot.SlotDescriptor;
import dev.uvswap.internal.slot.SlotOwners;
import dev.uvswap.internal.slot.SlotSpace;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Retiring a swap file (architecture.md §5.4, the kernel's try_to_unuse under vswap): walk the
 * file's allocated slots through the reverse map, read each cluster once, and move every page
 * back to the pool (or to another file when the pool is full) by flipping its descriptor. No
 * region's page map is read, so the time depends on the file's pages alone.
 *
 * <p>Per page: CAS FILE(f) → SWAPOFF(f) (faults still read it from the file), store the bytes,
 * then CAS SWAPOFF(f) → ZSWAP(h). Only the retiring thread sets SWAPOFF, so that CAS fails
 * only if a fault or a free took the slot; then we drop our copy and the consumer frees the
 * file slot. Pages in flight (a writeback not yet published, a swap-in not yet drained) are
 * taken on a later pass.
 */
final class Swapoff {
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final SlotSpace slots;
    private final CompressedPool pool;
    private final SwapFiles files;
    private final WritebackLru ages;
    private final Runnable drain;
    private final SlotOwners owners;
    final LongAdder moved = new LongAdder();

    Swapoff(SlotSpace slots, CompressedPool pool, SwapFiles files, WritebackLru ages, SlotOwners owners, Runnable drain) {
        this.owners = owners;
        this.slots = slots;
        this.pool = pool;
        this.files = files;
        this.ages = ages;
        this.drain = drain;
    }

    /** One retire at a time: two would compete for the same room in the pool. */
    synchronized void retire(Path path) {
        SwapFile f = files.byPath(path);
        if (f == null) {
            throw new IllegalArgumentException(path + " is not a swap file of this VSwap");
        }
        f.retiring(true);
        try (Arena arena = Arena.ofConfined(); RunWriter writer = new RunWriter()) {
            Pass pass = new Pass(f, arena.allocate(SwapFile.SLOT_BYTES * 512, SwapFile.SLOT_BYTES), writer);
            long deadline = System.nanoTime() + DEADLINE_NANOS;
            for (;;) {
                drain.run();   // swap-ins already served free their file slots first
                if (f.used() == 0) {
                    break;
                }
                pass.run();
                if (pass.unreadable > 0 || (pass.noRoom > 0 && pass.moved == 0)) {
                    throw failure(f, pass);
                }
                if (pass.moved == 0) {
                    if (System.nanoTime() - deadline > 0) {
                        throw failure(f, pass);
                    }
                    Thread.onSpinWait();
                    Thread.yield();   // a page in flight: its writer or its consumer finishes soon
                }
            }
            files.remove(f);
        } catch (RuntimeException e) {
            f.retiring(false);
            throw e;
        }
    }

    private VSwapException failure(SwapFile f, Pass pass) {
        String why = pass.unreadable > 0 ? pass.unreadable + " pages could not be read (" + pass.readError + ")"
                : pass.noRoom > 0 ? pass.noRoom + " pages found no room: the pool is at its limit and no other swap file takes pages"
                : f.used() + " pages stayed in flight for 60 s";
        return new VSwapException("retire " + f.path() + ": " + why + "; the file stays in use and nothing was lost", 0);
    }

    /** One walk over the file's clusters. */
    private final class Pass {
        final SwapFile f;
        final MemorySegment buf;
        final RunWriter writer;
        final long[] allocated = new long[512];
        final long[] one = new long[1];
        int moved;
        int noRoom;
        int unreadable;
        String readError;

        Pass(SwapFile f, MemorySegment buf, RunWriter writer) {
            this.f = f;
            this.buf = buf;
            this.writer = writer;
        }

        void run() {
            moved = noRoom = unreadable = 0;
            for (int c = 0; c < f.clusterCount(); c++) {
                int n = f.allocatedIn(c, allocated);
                if (n == 0) {
                    continue;
                }
                long lo = allocated[0];
                long span = allocated[n - 1] + 1 - lo;
                int err = f.read(buf, span * SwapFile.SLOT_BYTES, lo * SwapFile.SLOT_BYTES);
                if (err != 0) {
                    unreadable += n;
                    readError = dev.uvswap.bindings.libc.Errno.describe(-err);
                    continue;
                }
                for (int i = 0; i < n; i++) {
                    moveSlot(allocated[i], (allocated[i] - lo) * SwapFile.SLOT_BYTES);
                }
            }
        }

        private void moveSlot(long slot, long at) {
            long v = f.vslot(slot);
            long d = v == 0 ? 0 : slots.descriptorAcquire(v);
            long fh = SlotDescriptor.payload(d);
            if (SlotDescriptor.tag(d) != SlotDescriptor.TAG_FILE || FileHandle.file(fh) != f.index()
                    || FileHandle.slot(fh) != slot) {
                return;   // in flight: a writeback not yet published, or a swap-in not yet drained
            }
            if (!slots.transitions().fileToSwapoff(v, fh)) {
                return;
            }
            int len = FileHandle.length(fh);
            int fmt = FileHandle.format(fh);
            long off = pool.allocate(len);
            long to;   // the new handle: a pool handle, or a file handle when run != null
            SwapFiles.Run run = null;
            if (off >= 0) {
                MemorySegment.copy(buf, at, pool.area(), off, len);
                to = PoolHandle.handle(off, len, fmt);
            } else {
                one[0] = v;
                run = files.allocate(1, one, 0);
                if (run == null || writer.write(run, buf, new long[] {at}, new int[] {len}, 0) != 0) {
                    if (run != null) {
                        run.file().unallocate(run.first(), 1);
                    }
                    slots.transitions().swapoffToFile(v, fh, fh);
                    noRoom++;
                    return;
                }
                to = run.handle(0, len, fmt);
            }
            // CAS (volatile): the new copy is complete before a server can acquire it.
            boolean won = run == null
                    ? slots.transitions().swapoffToZswap(v, fh, to)
                    : slots.transitions().swapoffToFile(v, fh, to);
            if (won) {
                files.free(fh);
                if (run == null) {
                    one[0] = v;
                    ages.add(one, 1);
                    Account a = owners.of(v);   // file slot → pool bytes
                    a.chargeSwap(-1);
                    a.chargeZswap(len);
                } else {
                    files.published(to);
                }
                moved++;
                Swapoff.this.moved.increment();
            } else if (run == null) {
                pool.free(off, len);   // a fault or a free took the page; it frees the file slot
            } else {
                run.file().unallocate(run.first(), 1);
            }
        }
    }
}
