package dev.uvswap.internal.staging;

import dev.uvswap.internal.pool.Discarder;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.*;

/** A hold keeps a chunk out of circulation without counting as a parked page. */
class StagingHoldTest {
    private static final int P = StagingArea.CHUNK_PAGES;

    private final List<Long> discarded = new CopyOnWriteArrayList<>();
    private final Discarder discarder = (offset, length) -> discarded.add(offset);

    @Test
    void aHeldChunkOutlivesItsPagesAndIsNotCountedAsOne() {
        StagingArea staging = new StagingArea(2L * P, discarder);
        long chunk = staging.allocateChunk(0);
        staging.hold(chunk);
        staging.use(chunk, 3);
        assertEquals(3, staging.pagesInUse(), "the hold is no parked page");
        staging.release(chunk, 3);
        assertEquals(0, staging.pagesInUse());
        assertEquals(1, staging.chunksInUse(), "held: not freed with its last page");
        assertTrue(discarded.isEmpty());
        assertThrows(IllegalStateException.class, () -> staging.release(chunk), "the hold is not a page to release");
        staging.unhold(chunk);
        assertEquals(0, staging.chunksInUse());
        assertEquals(List.of(0L), discarded, "discarded once, when the hold ended");
        assertThrows(IllegalStateException.class, () -> staging.unhold(chunk), "no hold left");
    }

    @Test
    void endingAHoldWhilePagesAreParkedLeavesTheChunkToThem() {
        StagingArea staging = new StagingArea(2L * P, discarder);
        long chunk = staging.allocateChunk(0);
        staging.hold(chunk);
        staging.release(chunk + 5);   // a fault took a page back before use()
        staging.use(chunk, 2);
        assertEquals(1, staging.pagesInUse());
        staging.unhold(chunk);
        assertEquals(1, staging.chunksInUse(), "a parked page is left");
        staging.release(chunk + 1);
        assertEquals(0, staging.chunksInUse());
        assertEquals(0, staging.pagesInUse());
    }
}
