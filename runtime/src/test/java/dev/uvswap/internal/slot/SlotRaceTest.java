package dev.uvswap.internal.slot;

import dev.uvswap.internal.file.FileHandle;
import dev.uvswap.internal.pool.PoolHandle;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Two-actor races on one descriptor (jcstress style, {@link TwoActors}): each Java edge of
 * {@link SlotTransitions} against a swap-in or a free, with the forbidden outcomes spelled out.
 *
 * <p>The swap-in actor is a model of the C fault server, {@code uvs_fault.c swap_in}: it claims
 * the descriptor (CAS to {@code BUSY(old tag)}, spinning while another holder has it: C's
 * {@code claim_desc}), serves it, and either hands it back unchanged (an error: release store
 * of the old word) or consumes it (release store of NONE and a completion, which the drainer
 * turns into "free what the old word named").  A unit test cannot reach the static C function,
 * so the model makes the same accesses on the same table through the test hooks.
 *
 * <p>Every backend a slot's story creates (its pool object, staging page, file slots) is
 * counted in a ledger when it is made and when it is freed; the arbiter requires each to be
 * freed exactly once, and the slot to end NONE with its data served by whoever took it.
 */
class SlotRaceTest {

    private static final int WIDTH = 64;

    /** Backends a slot's story can own: the ledger's columns. */
    private static final int POOL = 0;
    private static final int STAGING = 1;
    private static final int FILE_OLD = 2;
    private static final int FILE_NEW = 3;
    private static final int KINDS = 4;
    private static final String[] KIND = {"pool object", "staging page", "file slot (old)", "file slot (new)"};

    private final Arena arena = Arena.ofShared();
    private final SlotSpace space = new SlotSpace(
            arena.allocate((long) SlotSpace.CLUSTER_SLOTS * SlotSpace.DESCRIPTOR_BYTES, 4096), (o, l) -> { });
    private final SlotTransitions t = space.transitions();

    /** Per slot and kind: made, freed. */
    private final AtomicIntegerArray made = new AtomicIntegerArray(WIDTH * KINDS);
    private final AtomicIntegerArray freed = new AtomicIntegerArray(WIDTH * KINDS);
    /** Per slot: the word the consumer (swap-in or free) took; what the other actor's transition did. */
    private final AtomicLongArray taken = new AtomicLongArray(WIDTH);
    private final AtomicIntegerArray won = new AtomicIntegerArray(WIDTH);
    /** Outcome counts, printed: how often each side won (a race that never raced proves nothing). */
    private long aWon;
    private long bWon;
    private int races;

    @AfterEach
    void close() {
        arena.close();
    }

    // --- the slot's identities: one vslot, one of each backend, all distinct per slot ---

    private static long vslot(int i) {
        return 1 + i;   // slot 0 is never handed out
    }

    private static long page(int i) {
        return 1000 + i;
    }

    private static long pool(int i) {
        return PoolHandle.handle(65536L * (i + 1), 100 + i, PoolHandle.FMT_LZ4);
    }

    private static long oldFile(int i) {
        return FileHandle.handle(1, 4096L * i, 100 + i, PoolHandle.FMT_LZ4);
    }

    private static long newFile(int i) {
        return FileHandle.handle(2, 4096L * i, 100 + i, PoolHandle.FMT_LZ4);
    }

    private void reset(int i, long word, int... initiallyMade) {
        for (int k = 0; k < KINDS; k++) {
            made.set(i * KINDS + k, 0);
            freed.set(i * KINDS + k, 0);
        }
        for (int k : initiallyMade) {
            made.set(i * KINDS + k, 1);
        }
        taken.set(i, -1);
        won.set(i, 0);
        space.descriptorRelease(vslot(i), word);
    }

    private void make(int i, int kind) {
        made.incrementAndGet(i * KINDS + kind);
    }

    private void free(int i, int kind) {
        freed.incrementAndGet(i * KINDS + kind);
    }

    /** The drainer: frees what a word taken out of slot i named (CompletionDrainer.freeBackend). */
    private void freeWhatItNamed(int i, long d) {
        long p = SlotDescriptor.payload(d);
        switch (SlotTag.of(d)) {
            case ZSWAP, WRITEBACK -> {
                expect(pool(i), p, i, d);
                free(i, POOL);
            }
            case FILE, SWAPOFF -> {
                if (p == oldFile(i)) {
                    free(i, FILE_OLD);
                } else {
                    expect(newFile(i), p, i, d);
                    free(i, FILE_NEW);
                }
            }
            case CACHE -> {
                expect(page(i), p, i, d);
                free(i, STAGING);
            }
            case ZERO -> { }
            default -> throw new AssertionError("slot " + i + ": took " + SlotDescriptor.describe(d)
                    + ", which names no data: a lost descriptor");
        }
    }

    private static void expect(long want, long got, int i, long d) {
        if (want != got) {
            throw new AssertionError("slot " + i + ": took " + SlotDescriptor.describe(d) + ", not its own backend");
        }
    }

    // --- the C fault server, modelled (uvs_fault.c claim_desc and swap_in) ---

    /** claim_desc: wait out another C holder, then CAS the word to BUSY(its tag); returns the old word. */
    private long claim(long v) {
        for (;;) {
            long d = space.descriptorAcquire(v);   // acquire: the backend it names is complete
            if (SlotDescriptor.tag(d) == SlotDescriptor.TAG_BUSY) {
                Thread.onSpinWait();
                continue;
            }
            if (t.forTestsOnly(v, d, SlotDescriptor.busy(SlotDescriptor.tag(d)))) {
                return d;
            }
        }
    }

    /** swap_in: one failed attempt handed back unchanged (as on -EIO), then a claim consumed. */
    private void swapIn(int i) {
        long v = vslot(i);
        long first = claim(v);
        space.descriptorRelease(v, first);   // release: the backend is untouched
        long d = claim(v);
        space.descriptorRelease(v, SlotDescriptor.NONE);   // release: the slot is empty
        taken.set(i, d);
        freeWhatItNamed(i, d);   // the completion, drained
    }

    /** Region close: VSwapImpl.emptySlot. */
    private void freeSlot(int i) {
        long d = t.takeForFree(vslot(i));
        taken.set(i, d);
        freeWhatItNamed(i, d);
    }

    // --- the Java actors, as their call sites use the edges ---

    /** SwapOut.store of a compressed page (slot i even) or SwapOut.writeRejected to a file (odd). */
    private void store(int i) {
        long v = vslot(i);
        if (i % 2 == 0) {
            make(i, POOL);   // pool.allocate + copy
            if (t.cacheToZswap(v, page(i), pool(i))) {
                free(i, STAGING);   // staging.release(stagingPage)
                won.set(i, 1);
            } else {
                free(i, POOL);   // a fault took the page back: drop our copy
            }
        } else {
            make(i, FILE_NEW);   // files.allocate + pwritev
            if (t.cacheToFile(v, page(i), newFile(i))) {
                free(i, STAGING);
                won.set(i, 1);
            } else {
                free(i, FILE_NEW);   // run.file().unallocate
            }
        }
    }

    /** Writeback.claimOldest, write, publish or give back (every third slot: the write failed). */
    private void writeback(int i) {
        long v = vslot(i);
        if (!t.zswapToWriteback(v, pool(i))) {
            return;   // a consumer took it first
        }
        make(i, FILE_NEW);
        if (i % 3 == 2) {
            free(i, FILE_NEW);   // the write failed: the file slot back, the page back to ZSWAP
            if (t.writebackToZswap(v, pool(i))) {
                won.set(i, 2);
            }
            return;
        }
        if (t.writebackToFile(v, pool(i), newFile(i))) {
            free(i, POOL);   // pool.free(h): the object is ours now
            won.set(i, 1);
        } else {
            free(i, FILE_NEW);   // run.file().free: the consumer frees the pool object
        }
    }

    /** Swapoff (claim, then toPool or toFiles): to the pool (i % 3 == 0), to another file (1), or no room: back (2). */
    private void swapoff(int i) {
        long v = vslot(i);
        if (!t.fileToSwapoff(v, oldFile(i))) {
            return;
        }
        switch (i % 3) {
            case 0 -> {
                make(i, POOL);
                if (t.swapoffToZswap(v, oldFile(i), pool(i))) {
                    free(i, FILE_OLD);   // files.free(fh)
                    won.set(i, 1);
                } else {
                    free(i, POOL);   // a fault or a free took the page; it frees the file slot
                }
            }
            case 1 -> {
                make(i, FILE_NEW);
                if (t.swapoffToFile(v, oldFile(i), newFile(i))) {
                    free(i, FILE_OLD);
                    won.set(i, 1);
                } else {
                    free(i, FILE_NEW);
                }
            }
            default -> {
                if (t.swapoffToFile(v, oldFile(i), oldFile(i))) {
                    won.set(i, 2);
                }
            }
        }
    }

    // --- the arbiter ---

    /** Forbidden: the slot not NONE at the end, or any backend freed other than exactly once. */
    private void settled(int i, String race) {
        long d = space.descriptorAcquire(vslot(i));
        if (d != SlotDescriptor.NONE) {
            fail(race + ", slot " + i + ": left " + SlotDescriptor.describe(d) + " after both actors: a lost descriptor");
        }
        for (int k = 0; k < KINDS; k++) {
            int m = made.get(i * KINDS + k);
            int f = freed.get(i * KINDS + k);
            if (m != f) {
                fail(race + ", slot " + i + ": " + KIND[k] + " made " + m + "x, freed " + f + "x (took "
                        + SlotDescriptor.describe(taken.get(i)) + ", transition " + won.get(i) + ")");
            }
        }
        if (won.get(i) != 0) {
            aWon++;
        } else {
            bWon++;
        }
    }

    private void report(String race) {
        System.out.printf("%s: %d races, the transition won %d, the consumer first %d%n",
                race, races, aWon, bWon);
        assertEquals(races, aWon + bWon, "every race judged");
    }

    @Test
    void swapInAgainstStoreOfAParkedPage() throws Exception {
        String race = "swap-in vs CACHE→ZSWAP/FILE";
        races = TwoActors.race(WIDTH, i -> reset(i, SlotDescriptor.cache(page(i)), STAGING), this::store, this::swapIn, i -> {
            settled(i, race);
            // Exactly one wins: the store's CAS succeeded iff the swap-in served its new word.
            long d = taken.get(i);
            boolean storeWon = won.get(i) == 1;
            long stored = i % 2 == 0 ? SlotDescriptor.zswap(pool(i)) : SlotDescriptor.file(newFile(i));
            if (storeWon ? d != stored : d != SlotDescriptor.cache(page(i))) {
                fail(race + ", slot " + i + ": store " + (storeWon ? "won" : "lost") + " but the swap-in served "
                        + SlotDescriptor.describe(d) + ": both won, or the data was served from a freed backend");
            }
        });
        report(race);
    }

    @Test
    void swapInAgainstWriteback() throws Exception {
        String race = "swap-in vs ZSWAP→WRITEBACK→FILE";
        races = TwoActors.race(WIDTH, i -> reset(i, SlotDescriptor.zswap(pool(i)), POOL), this::writeback, this::swapIn, i -> {
            settled(i, race);
            long d = taken.get(i);
            // Published FILE iff the swap-in read the file; otherwise it read the pool object,
            // whichever of ZSWAP and WRITEBACK it found. Forbidden: published, yet served from
            // the pool (the writer freed that object: a use after free and a double free).
            boolean published = won.get(i) == 1;
            boolean servedFromFile = d == SlotDescriptor.file(newFile(i));
            boolean servedFromPool = d == SlotDescriptor.zswap(pool(i)) || d == SlotDescriptor.writeback(pool(i));
            if (published != servedFromFile || (!published && !servedFromPool)) {
                fail(race + ", slot " + i + ": publish " + (published ? "won" : "lost") + ", swap-in served "
                        + SlotDescriptor.describe(d));
            }
        });
        report(race);
    }

    @Test
    void swapInAgainstSwapoff() throws Exception {
        String race = "swap-in vs FILE→SWAPOFF→ZSWAP/FILE";
        races = TwoActors.race(WIDTH, i -> reset(i, SlotDescriptor.file(oldFile(i)), FILE_OLD), this::swapoff, this::swapIn, i -> {
            settled(i, race);
            long d = taken.get(i);
            boolean moved = won.get(i) == 1;
            long to = i % 3 == 0 ? SlotDescriptor.zswap(pool(i)) : SlotDescriptor.file(newFile(i));
            boolean servedOld = d == SlotDescriptor.file(oldFile(i)) || d == SlotDescriptor.swapoff(oldFile(i));
            if (moved ? d != to : !servedOld) {
                fail(race + ", slot " + i + ": move " + (moved ? "won" : "lost") + ", swap-in served "
                        + SlotDescriptor.describe(d));
            }
        });
        report(race);
    }

    @Test
    void freeAgainstStore() throws Exception {
        String race = "free vs CACHE→ZSWAP/FILE";
        races = TwoActors.race(WIDTH, i -> reset(i, SlotDescriptor.cache(page(i)), STAGING), this::store, this::freeSlot, i -> {
            settled(i, race);
            long stored = i % 2 == 0 ? SlotDescriptor.zswap(pool(i)) : SlotDescriptor.file(newFile(i));
            assertEquals(won.get(i) == 1 ? stored : SlotDescriptor.cache(page(i)), taken.get(i),
                    () -> race + ", slot " + i + ": the free took " + SlotDescriptor.describe(taken.get(i)));
        });
        report(race);
    }

    @Test
    void freeAgainstWriteback() throws Exception {
        String race = "free vs ZSWAP→WRITEBACK→FILE";
        races = TwoActors.race(WIDTH, i -> reset(i, SlotDescriptor.zswap(pool(i)), POOL), this::writeback, this::freeSlot, i -> {
            settled(i, race);
            boolean published = won.get(i) == 1;
            if (published != (taken.get(i) == SlotDescriptor.file(newFile(i)))) {
                fail(race + ", slot " + i + ": publish " + (published ? "won" : "lost") + ", the free took "
                        + SlotDescriptor.describe(taken.get(i)));
            }
        });
        report(race);
    }
}
