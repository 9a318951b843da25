package dev.uvswap.internal.slot;

import dev.uvswap.internal.file.FileHandle;
import dev.uvswap.internal.pool.PoolHandle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Java edge whose CAS meets a C claim on its slot must wait the claim out, because a claim can
 * end by restoring the old word: {@code uvs_fault.c swap_in} on any error, and
 * {@code uvs_thp.c unclaim_descs} whenever a whole-extent swap-in falls back (an uncached FILE
 * page of the extent, a failed move), a normal path. An edge that took the BUSY word to mean "a
 * swap-in took the slot" left a WRITEBACK or SWAPOFF word that only its setter may move on, for
 * good: the page was never written back again, or the retiring file kept a slot until its
 * deadline. (Found by the slot race work; no data was lost: the servers serve those words.)
 * Here a second thread plays C: it claims, and puts the word back a few ms later.
 */
class ClaimRestoreTest {

    private static final long V = 9;
    private static final long H = PoolHandle.handle(4096, 700, PoolHandle.FMT_ZSTD);
    private static final long FH = FileHandle.handle(0, 8192, 700, PoolHandle.FMT_ZSTD);

    private final Arena arena = Arena.ofShared();
    private final SlotSpace space = new SlotSpace(
            arena.allocate((long) SlotSpace.CLUSTER_SLOTS * SlotSpace.DESCRIPTOR_BYTES, 4096), (o, l) -> { });
    private final SlotTransitions t = space.transitions();

    @AfterEach
    void close() {
        arena.close();
    }

    /** What C does: CAS to BUSY(tag) (claim_desc / claim_descs), returning the old word. */
    private long cClaim() {
        long d = space.descriptorAcquire(V);
        assertEquals(true, t.forTestsOnly(V, d, SlotDescriptor.busy(SlotDescriptor.tag(d))));
        return d;
    }

    /** What C does when it cannot finish: the old word back (swap_in on error, unclaim_descs), {@code afterMs} later. */
    private Thread cRestoreLater(long d, long afterMs) {
        return Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(afterMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            space.descriptorRelease(V, d);
        });
    }

    /** What C does when it consumed the slot: NONE, {@code afterMs} later. */
    private Thread cConsumeLater(long afterMs) {
        return cRestoreLater(SlotDescriptor.NONE, afterMs);
    }

    @Test
    void writebackGivenBackWhileAWholeExtentSwapInFallsBack() throws InterruptedException {
        space.descriptorRelease(V, SlotDescriptor.zswap(H));
        assertEquals(true, t.zswapToWriteback(V, H));      // Writeback.claimOldest
        long d = cClaim();                                  // uvs_thp.c claim_descs
        Thread c = cRestoreLater(d, 20);                    // uvs_thp.c unclaim_descs: the extent fell back
        assertTrue(t.writebackToZswap(V, H), "the give-back waits the claim out and succeeds");
        c.join();
        assertEquals(SlotDescriptor.zswap(H), space.descriptorAcquire(V));
    }

    @Test
    void swapoffMoveWhileASwapInFails() throws InterruptedException {
        space.descriptorRelease(V, SlotDescriptor.file(FH));
        assertEquals(true, t.fileToSwapoff(V, FH));         // Swapoff.Pass.claim
        long d = cClaim();                                  // uvs_fault.c claim_desc
        Thread c = cRestoreLater(d, 20);                    // swap_in: a transient error
        assertTrue(t.swapoffToZswap(V, FH, H), "the move waits the claim out and succeeds");
        c.join();
        assertEquals(SlotDescriptor.zswap(H), space.descriptorAcquire(V));
    }

    @Test
    void aClaimThatConsumesTheSlotStillMeansLost() throws InterruptedException {
        space.descriptorRelease(V, SlotDescriptor.zswap(H));
        assertEquals(true, t.zswapToWriteback(V, H));
        cClaim();
        Thread c = cConsumeLater(20);                       // the swap-in finished: NONE
        assertFalse(t.writebackToFile(V, H, FH), "consumed: the writer frees its file slot");
        c.join();
        assertEquals(SlotDescriptor.NONE, space.descriptorAcquire(V));
    }

    @Test
    void aBusyWordOverAnotherTagIsLeftAlone() {
        space.descriptorRelease(V, SlotDescriptor.zswap(H));
        cClaim();                                           // BUSY(ZSWAP): not the WRITEBACK expected
        assertFalse(t.writebackToFile(V, H, FH), "a claim over another tag cannot give WRITEBACK back");
        assertEquals(SlotDescriptor.busy(SlotDescriptor.tag(SlotDescriptor.zswap(H))), space.descriptorAcquire(V), "untouched");
    }
}
