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
 * file's stored objects through the reverse map, read each cluster once, and move every page
 * back to the pool (or to another file when the pool is full) by flipping its descriptor. No
 * region's page map is read, so the time depends on the file's pages alone.
 *
 * <p>Per page: CAS FILE(f) → SWAPOFF(f) (faults still read it from the file), store the bytes,
 * then CAS SWAPOFF(f) → ZSWAP(h). Only the retiring thread sets SWAPOFF, so that CAS fails
 * only if a fault or a free took the slot; then we drop our copy and the consumer frees the
 * file bytes. Pages in flight (a writeback not yet published, a swap-in not yet drained) are
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
        retire(f);
    }

    /** Empties {@code f} (a swap file or the far tier), then removes it from {@code files}. */
    synchronized void retire(Retirable f) {
        f.retiring(true);
        try (Arena arena = Arena.ofConfined(); RunWriter writer = new RunWriter()) {
            Pass pass = new Pass(f, arena.allocate(SwapFile.CLUSTER_BYTES, SwapFile.BLOCK_BYTES), writer);
            long deadline = System.nanoTime() + DEADLINE_NANOS;
            for (;;) {
                drain.run();   // swap-ins already served free their file objects first
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

    /** Which claimable objects a claim takes (demotion: those whose group lets them go far). */
    @FunctionalInterface
    interface Eligible {
        boolean test(long vslot, long fileHandle);
    }

    /**
     * Claims (FILE → SWAPOFF) those of {@code vslots[0..n)} published FILE in file {@code index}
     * at {@code offsets[i]} and {@code eligible}; compacts them to the front, their handles into
     * {@code handles}; returns how many. Others are in flight (a writeback not yet published, a
     * swap-in not yet drained, another claimer's) and are left alone.
     */
    static int claim(SlotSpace slots, int index, long[] vslots, long[] offsets, long[] handles, int n, Eligible eligible) {
        int claimed = 0;
        for (int i = 0; i < n; i++) {
            long v = vslots[i];
            long d = slots.descriptorAcquire(v);
            long fh = SlotDescriptor.payload(d);
            if (SlotDescriptor.tag(d) != SlotDescriptor.TAG_FILE || FileHandle.file(fh) != index
                    || FileHandle.offset(fh) != offsets[i] || !eligible.test(v, fh)) {
                continue;
            }
            if (slots.transitions().fileToSwapoff(v, fh)) {
                vslots[claimed] = v;
                handles[claimed] = fh;
                claimed++;
            }
        }
        return claimed;
    }

    private VSwapException failure(Retirable f, Pass pass) {
        String why = pass.unreadable > 0 ? pass.unreadable + " pages could not be read (" + pass.readError + ")"
                : pass.noRoom > 0 ? pass.noRoom + " pages found no room: the pool is at its limit and no other swap file takes pages"
                : f.used() + " pages stayed in flight for 60 s";
        return new VSwapException("retire " + f.name() + ": " + why + "; it stays in use and nothing was lost", 0);
    }

    /**
     * One walk over the file's clusters. Per cluster: take the live objects that start in it
     * from the reverse map, claim each (FILE → SWAPOFF), and only then read the bytes they span
     * with one {@code pread}: a claimed object was published, so its write had returned, while
     * an object of a run still being written (allocated before the retire began) is not FILE
     * yet, is not claimed, and waits for a later pass.
     */
    private final class Pass {
        final Retirable f;
        final MemorySegment buf;
        final RunWriter writer;
        long[] vslots = new long[FileCluster.BLOCKS];
        long[] offsets = new long[FileCluster.BLOCKS];
        long[] handles = new long[FileCluster.BLOCKS];
        long[] at = new long[FileCluster.BLOCKS];
        final String[] why = new String[1];
        /** Claimed objects the pool had no room for: their vslots, bytes in buf, lengths, old handles. */
        long[] spillSlots = new long[FileCluster.BLOCKS];
        long[] spillAt = new long[FileCluster.BLOCKS];
        int[] spillLengths = new int[FileCluster.BLOCKS];
        long[] spillHandles = new long[FileCluster.BLOCKS];
        final long[] one = new long[1];
        int moved;
        int noRoom;
        int unreadable;
        String readError;

        Pass(Retirable f, MemorySegment buf, RunWriter writer) {
            this.f = f;
            this.buf = buf;
            this.writer = writer;
        }

        void run() {
            moved = noRoom = unreadable = 0;
            for (int c = 0; c < f.groupCount(); c++) {
                int n;
                while ((n = f.objectsIn(c, vslots, offsets)) < 0) {
                    grow(-n);
                }
                int claimed = claim(n);
                if (claimed > 0) {
                    moveCluster(claimed);
                }
            }
        }

        private void grow(int count) {
            if (vslots.length < count) {
                int size = Math.max(count, 2 * vslots.length);
                vslots = new long[size];
                offsets = new long[size];
                handles = new long[size];
                at = new long[size];
                spillSlots = new long[size];
                spillAt = new long[size];
                spillLengths = new int[size];
                spillHandles = new long[size];
            }
        }

        private int claim(int n) {
            return Swapoff.claim(slots, f.index(), vslots, offsets, handles, n, (v, fh) -> true);
        }

        /** Reads the claimed objects, then moves each to the pool, or to another file. */
        private void moveCluster(int claimed) {
            int err = f.readObjects(buf, handles, claimed, at, why);
            if (err != 0) {
                for (int i = 0; i < claimed; i++) {
                    slots.transitions().swapoffToFile(vslots[i], handles[i], handles[i]);
                }
                unreadable += claimed;
                readError = why[0];
                return;
            }
            int spilled = 0;
            for (int i = 0; i < claimed; i++) {
                if (!toPool(vslots[i], handles[i], at[i])) {
                    spillSlots[spilled] = vslots[i];
                    spillAt[spilled] = at[i];
                    spillLengths[spilled] = FileHandle.length(handles[i]);
                    spillHandles[spilled] = handles[i];
                    spilled++;
                }
            }
            toFiles(spilled);
        }

        /** Moves one claimed object into the pool; false when the pool has no room (it stays claimed). */
        private boolean toPool(long v, long fh, long at) {
            int len = FileHandle.length(fh);
            long off = pool.allocate(len);
            if (off < 0) {
                return false;
            }
            MemorySegment.copy(buf, at, pool.area(), off, len);
            // CAS (volatile): the new copy is complete before a server can acquire it.
            if (slots.transitions().swapoffToZswap(v, fh, PoolHandle.handle(off, len, FileHandle.format(fh)))) {
                files.free(fh);
                one[0] = v;
                ages.add(one, 1);
                Account a = owners.of(v);   // file bytes → pool bytes
                if (files.isFar(fh)) {
                    a.chargeFar(-len);
                }
                a.chargeSwap(-1);
                a.chargeZswap(len);
                moved();
            } else {
                pool.free(off, len);   // a fault or a free took the page; it frees the file bytes
            }
            return true;
        }

        /** The pool is full: the claimed objects go to other files, packed as writeback packs them. */
        private void toFiles(int n) {
            for (int done = 0; done < n; ) {
                SwapFiles.Run run = files.allocate(spillSlots, spillLengths, done, n - done);
                if (run == null || writer.write(run, buf, spillAt, spillLengths, done) != 0) {
                    if (run != null) {
                        run.file().unallocate(run);
                    }
                    for (int i = done; i < n; i++) {
                        slots.transitions().swapoffToFile(spillSlots[i], spillHandles[i], spillHandles[i]);
                    }
                    noRoom += n - done;
                    return;
                }
                for (int k = 0; k < run.length(); k++) {
                    int i = done + k;
                    long to = run.handle(k, spillLengths[i], FileHandle.format(spillHandles[i]));
                    // CAS (volatile): the pwritev returned before a server can acquire the new FILE.
                    if (slots.transitions().swapoffToFile(spillSlots[i], spillHandles[i], to)) {
                        if (files.isFar(spillHandles[i])) {
                            owners.of(spillSlots[i]).chargeFar(-spillLengths[i]);   // far → a file: swap stays charged
                        }
                        files.free(spillHandles[i]);
                        files.published(to);
                        moved();
                    } else {
                        run.free(k, spillLengths[i]);   // a fault or a free took the page
                    }
                }
                done += run.length();
            }
        }

        private void moved() {
            moved++;
            Swapoff.this.moved.increment();
        }
    }
}
