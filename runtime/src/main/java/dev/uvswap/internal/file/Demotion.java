package dev.uvswap.internal.file;

import dev.uvswap.internal.far.FarTier;
import dev.uvswap.internal.group.Account;
import dev.uvswap.internal.slot.SlotOwners;
import dev.uvswap.internal.slot.SlotSpace;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Demotion, file → far tier (architecture.md §5.6): when every swap file is full and the pool is
 * still over its limit, writeback first moves one cluster of a file's pages on to the far tier,
 * so the pages leaving the pool now (warmer than the file's) take the local blocks freed, and the
 * far tier holds the coldest. A backend change under the slot, as vswap promises: the page map
 * is not read, the descriptor flips FILE(file) → SWAPOFF → FILE(far).
 *
 * <p>Clusters are taken in turn by a hand per file, so roughly in the order writeback filled
 * them (oldest first; holes reused since make it approximate). Per cluster: claim each published
 * object whose group lets it go to the far tier (FILE → SWAPOFF, the retirer's claim: a retire
 * running at the same time skips these, and this skips what it claimed), read them with one
 * {@code pread}, store them with one pipelined round, and flip each the server took to the far
 * handle; the rest go back to their file handle unchanged. Runs on writeback's thread only.
 */
final class Demotion implements AutoCloseable {
    private final SlotSpace slots;
    private final SwapFiles files;
    private final SlotOwners owners;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buf = arena.allocate(SwapFile.CLUSTER_BYTES, SwapFile.BLOCK_BYTES);
    private final Map<SwapFile, Integer> hands = new IdentityHashMap<>();
    private long[] vslots = new long[FileCluster.BLOCKS];
    private long[] offsets = new long[FileCluster.BLOCKS];
    private long[] handles = new long[FileCluster.BLOCKS];
    private long[] at = new long[FileCluster.BLOCKS];
    private long[] ids = new long[FileCluster.BLOCKS];
    private int[] lengths = new int[FileCluster.BLOCKS];
    private int[] fmts = new int[FileCluster.BLOCKS];
    private final String[] why = new String[1];

    Demotion(SlotSpace slots, SwapFiles files, SlotOwners owners) {
        this.slots = slots;
        this.files = files;
        this.owners = owners;
    }

    /**
     * Moves the pages of the next cluster that has any, of the first full file (by priority),
     * to {@code far}. Returns how many moved (0: nothing to take, or the tier took none).
     */
    int demoteOne(FarTier far) {
        for (SwapFile f : files.files()) {
            if (f.retiring() || !f.full()) {
                continue;
            }
            int clusters = f.clusterCount();
            int hand = hands.getOrDefault(f, 0);
            for (int step = 0; step < clusters; step++) {
                int c = (hand + step) % clusters;
                int moved = demoteCluster(f, c, far);
                if (moved > 0) {
                    hands.put(f, (c + 1) % clusters);
                    return moved;
                }
            }
        }
        return 0;
    }

    private int demoteCluster(SwapFile f, int cluster, FarTier far) {
        int n;
        while ((n = f.objectsIn(cluster, vslots, offsets)) < 0) {
            grow(-n);
        }
        int claimed = Swapoff.claim(slots, f.index(), vslots, offsets, handles, n,
                (v, fh) -> owners.of(v).farAllows(FileHandle.length(fh)));
        if (claimed == 0) {
            return 0;
        }
        if (f.readObjects(buf, handles, claimed, at, why) != 0) {
            restore(0, claimed);   // the bytes stay where they are; writeback sends pool pages instead
            return 0;
        }
        for (int i = 0; i < claimed; i++) {
            lengths[i] = FileHandle.length(handles[i]);
            fmts[i] = FileHandle.format(handles[i]);
        }
        far.store(buf, vslots, at, lengths, fmts, 0, claimed, ids);
        int moved = 0;
        for (int i = 0; i < claimed; i++) {
            if (ids[i] < 0) {
                restore(i, i + 1);
                continue;
            }
            long to = FileHandle.handle(far.index(), ids[i], lengths[i], fmts[i]);
            Account a = owners.of(vslots[i]);
            a.chargeFar(lengths[i]);   // before the CAS: a consumer may uncharge right after it
            // CAS (volatile): the server acknowledged the value before any fault can read the far handle.
            if (slots.transitions().swapoffToFile(vslots[i], handles[i], to)) {
                files.free(handles[i]);   // the file's bytes; the page's swap charge stays
                far.publishedFromFile(lengths[i]);
                moved++;
            } else {
                a.chargeFar(-lengths[i]);
                far.unpublish(ids[i]);   // a fault or a free took the page; it frees the file bytes
            }
        }
        return moved;
    }

    private void restore(int from, int to) {
        for (int i = from; i < to; i++) {
            slots.transitions().swapoffToFile(vslots[i], handles[i], handles[i]);
        }
    }

    private void grow(int count) {
        int size = Math.max(count, 2 * vslots.length);
        vslots = new long[size];
        offsets = new long[size];
        handles = new long[size];
        at = new long[size];
        ids = new long[size];
        lengths = new int[size];
        fmts = new int[size];
    }

    @Override
    public void close() {
        arena.close();
    }
}
