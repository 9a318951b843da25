package dev.uvswap.internal.slot;

import dev.uvswap.internal.file.FileHandle;
import dev.uvswap.internal.pool.PoolHandle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Repro of a gap in the protocol (docs/slots.md §4, "known gap"), step by step and without
 * timing: a Java edge whose CAS fails because C holds the slot BUSY takes the failure to mean
 * "a swap-in or a free took the slot", but a C claim can end by restoring the old word:
 * {@code uvs_fault.c swap_in} on any error, and {@code uvs_thp.c unclaim_descs} whenever a
 * whole-extent swap-in falls back (an uncached FILE page of the extent, a failed move), a normal
 * path.  Then a WRITEBACK or SWAPOFF word, which only its setter may move on, stays forever:
 * the page is never written back again (and is gone from the age list), or the retiring file
 * keeps a SWAPOFF slot and the retire runs into its deadline.  No data is lost: the servers
 * serve those words as ZSWAP and FILE.
 *
 * <p>Skipped by default (the runtime is not this helper's to change);
 * {@code -Duvswap.repro.claimRestore=true} runs it, and it fails until the Java edges wait out a
 * BUSY word (C never waits on Java, so the wait is bounded) before concluding they lost.
 */
class ClaimRestoreGapTest {

    private static final long V = 9;
    private static final long H = PoolHandle.handle(4096, 700, PoolHandle.FMT_ZSTD);
    private static final long FH = FileHandle.handle(0, 8192, 700, PoolHandle.FMT_ZSTD);

    private final Arena arena = Arena.ofConfined();
    private final SlotSpace space = new SlotSpace(
            arena.allocate((long) SlotSpace.CLUSTER_SLOTS * SlotSpace.DESCRIPTOR_BYTES, 4096), (o, l) -> { });
    private final SlotTransitions t = space.transitions();

    @AfterEach
    void close() {
        arena.close();
    }

    private static void assumeReproRequested() {
        assumeTrue(Boolean.getBoolean("uvswap.repro.claimRestore"),
                "known gap, reported by h-slots: a Java edge that loses its CAS to a C claim which then restores "
                        + "the word leaves WRITEBACK/SWAPOFF forever; -Duvswap.repro.claimRestore=true to run");
    }

    /** What C does: CAS to BUSY(tag) (claim_desc / claim_descs), returning the old word. */
    private long cClaim() {
        long d = space.descriptorAcquire(V);
        assertEquals(true, t.forTestsOnly(V, d, SlotDescriptor.busy(SlotDescriptor.tag(d))));
        return d;
    }

    /** What C does when it cannot finish: the old word back (swap_in on error, unclaim_descs). */
    private void cRestore(long d) {
        space.descriptorRelease(V, d);
    }

    @Test
    void writebackGivenBackWhileAWholeExtentSwapInFallsBack() {
        assumeReproRequested();
        space.descriptorRelease(V, SlotDescriptor.zswap(H));
        assertEquals(true, t.zswapToWriteback(V, H));      // Writeback.claimOldest
        long d = cClaim();                                  // uvs_thp.c claim_descs
        assertFalse(t.writebackToZswap(V, H));              // Writeback.giveBackUnwritten: "a consumer took it"
        cRestore(d);                                        // uvs_thp.c unclaim_descs: the extent fell back
        assertNotEquals(SlotDescriptor.writeback(H), space.descriptorAcquire(V),
                "WRITEBACK with its writer gone: no one will ever move it on");
    }

    @Test
    void swapoffMoveWhileASwapInFails() {
        assumeReproRequested();
        space.descriptorRelease(V, SlotDescriptor.file(FH));
        assertEquals(true, t.fileToSwapoff(V, FH));         // Swapoff.moveSlot
        long d = cClaim();                                  // uvs_fault.c claim_desc
        assertFalse(t.swapoffToZswap(V, FH, H));            // the retirer frees its copy, not the file slot
        cRestore(d);                                        // swap_in: a transient error
        assertNotEquals(SlotDescriptor.swapoff(FH), space.descriptorAcquire(V),
                "SWAPOFF with its retirer gone: the file keeps a slot it can never retire");
    }
}
