package dev.uvswap.internal.slot;

import dev.uvswap.internal.file.FileHandle;
import dev.uvswap.internal.pool.PoolHandle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each Java edge of the state table (docs/slots.md), one thread: it moves exactly its own "from"
 * word to its "to" word, and from any other word (every other tag, and its own tag with another
 * payload) it fails and leaves the word as it was.
 */
class SlotTransitionsTest {

    private static final long V = 7;
    private static final long PAGE = 42;
    private static final long H = PoolHandle.handle(64 * 1024, 1234, PoolHandle.FMT_LZ4);
    private static final long FH = FileHandle.handle(3, 5 * 4096L, 1234, PoolHandle.FMT_LZ4);
    private static final long FH2 = FileHandle.handle(4, 9 * 4096L, 1234, PoolHandle.FMT_LZ4);

    private final Arena arena = Arena.ofConfined();
    private final SlotSpace space = new SlotSpace(
            arena.allocate((long) SlotSpace.CLUSTER_SLOTS * SlotSpace.DESCRIPTOR_BYTES, 4096), (o, l) -> { });
    private final SlotTransitions t = space.transitions();

    @AfterEach
    void close() {
        arena.close();
    }

    interface Edge {
        boolean take(SlotTransitions t);
    }

    /** Words that are not {@code from} (nor a claim over its tag): every tag with from's payload, and from's tag with others. */
    private static List<Long> others(long from) {
        List<Long> words = new ArrayList<>();
        for (long tag = 0; tag <= SlotDescriptor.TAG_MASK; tag++) {
            words.add(SlotDescriptor.make(tag, SlotDescriptor.payload(from)));
            words.add(SlotDescriptor.make(tag, SlotDescriptor.payload(from) + 1));
        }
        words.add(SlotDescriptor.make(SlotDescriptor.tag(from), 0));
        // A claim over from's own tag is waited out (it may give from back): ClaimRestoreTest.
        words.removeIf(w -> w == from || w == SlotDescriptor.busy(SlotDescriptor.tag(from)));
        return words;
    }

    private void check(long from, long to, Edge edge) {
        space.descriptorRelease(V, from);
        assertTrue(edge.take(t), () -> SlotDescriptor.describe(from) + " → " + SlotDescriptor.describe(to));
        assertEquals(to, space.descriptorAcquire(V), () -> SlotDescriptor.describe(space.descriptorAcquire(V)));
        for (long other : others(from)) {
            space.descriptorRelease(V, other);
            assertFalse(edge.take(t), () -> "taken from " + SlotDescriptor.describe(other));
            assertEquals(other, space.descriptorAcquire(V), "a failed transition leaves the word");
        }
    }

    @Test
    void swapOutEdges() {
        check(SlotDescriptor.cache(PAGE), SlotDescriptor.zswap(H), t -> t.cacheToZswap(V, PAGE, H));
        check(SlotDescriptor.cache(PAGE), SlotDescriptor.zero(), t -> t.cacheToZero(V, PAGE));
        check(SlotDescriptor.cache(PAGE), SlotDescriptor.file(FH), t -> t.cacheToFile(V, PAGE, FH));
    }

    @Test
    void writebackEdges() {
        check(SlotDescriptor.zswap(H), SlotDescriptor.writeback(H), t -> t.zswapToWriteback(V, H));
        check(SlotDescriptor.writeback(H), SlotDescriptor.file(FH), t -> t.writebackToFile(V, H, FH));
        check(SlotDescriptor.writeback(H), SlotDescriptor.zswap(H), t -> t.writebackToZswap(V, H));
    }

    @Test
    void swapoffEdges() {
        check(SlotDescriptor.file(FH), SlotDescriptor.swapoff(FH), t -> t.fileToSwapoff(V, FH));
        check(SlotDescriptor.swapoff(FH), SlotDescriptor.zswap(H), t -> t.swapoffToZswap(V, FH, H));
        check(SlotDescriptor.swapoff(FH), SlotDescriptor.file(FH2), t -> t.swapoffToFile(V, FH, FH2));
        check(SlotDescriptor.swapoff(FH), SlotDescriptor.file(FH), t -> t.swapoffToFile(V, FH, FH));
    }

    @Test
    void freeTakesEveryPublishedWordAndLeavesNone() {
        for (long tag = 0; tag <= SlotDescriptor.TAG_MASK; tag++) {
            if (tag == SlotDescriptor.TAG_BUSY) {
                continue;   // waited out: SlotRaceTest
            }
            long d = SlotDescriptor.make(tag, 99);
            space.descriptorRelease(V, d);
            assertEquals(d, t.takeForFree(V));
            assertEquals(SlotDescriptor.NONE, space.descriptorAcquire(V));
        }
    }
}
