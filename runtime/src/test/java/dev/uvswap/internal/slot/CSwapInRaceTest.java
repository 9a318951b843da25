package dev.uvswap.internal.slot;

import dev.uvswap.Region;
import dev.uvswap.RegionOption;
import dev.uvswap.VSwap;
import dev.uvswap.VSwapStats;
import dev.uvswap.bindings.uvswap.uvswap_h;
import dev.uvswap.internal.os.Mapping;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real C claim against Java's writeback edges: a thread flips each swapped-out page's
 * descriptor ZSWAP → WRITEBACK → ZSWAP as fast as it can (what {@code Writeback} does to a slot
 * it claims and gives back) while another swaps the same pages in with {@code Region.prefault}
 * ({@code uvs_populate}: the page-map claim, then {@code claim_desc}'s CAS to BUSY, decompress,
 * NONE and a completion).  White-box: it reaches the VSwap's slot space and the region's page map
 * by reflection, as {@code FaultErrorTest} does.
 *
 * <p>Forbidden: a wrong byte (a swap-in served from a word the flipper moved under it), a
 * descriptor not NONE after its page came back (a lost claim), a pool object freed twice or
 * never (the pool's object count not back to zero), a slot not freed.
 */
class CSwapInRaceTest {

    private static final int PAGES = 256;
    private static final long PAGE = uvswap_h.UVS_PAGE_SIZE();
    private static final int ROUNDS = Integer.getInteger("uvswap.race.cRounds", 20);

    @Test
    void realSwapInAgainstWritebackClaimAndGiveBack() throws Exception {
        long flips = 0;
        long lostToSwapIn = 0;
        try (VSwap vswap = VSwap.builder().faultThreads(1).build();
             Region r = vswap.allocate(PAGES * PAGE, RegionOption.SMALL_PAGES)) {
            SlotSpace slots = slots(vswap);
            SlotTransitions t = slots.transitions();
            MemorySegment pagemap = pagemap(r);
            MemorySegment seg = r.segment();
            for (int round = 0; round < ROUNDS; round++) {
                fill(seg, round);
                assertEquals(PAGES, r.pageOut(0, r.size()), "every page left");
                long[] vslots = new long[PAGES];
                for (int p = 0; p < PAGES; p++) {
                    vslots[p] = pagemap.getAtIndex(ValueLayout.JAVA_LONG, p) >>> uvswap_h.UVS_PM_SHIFT();
                    long d = slots.descriptorAcquire(vslots[p]);
                    assertEquals(SlotDescriptor.TAG_ZSWAP, SlotDescriptor.tag(d), () -> SlotDescriptor.describe(d));
                }
                AtomicLong flipped = new AtomicLong();
                AtomicLong lost = new AtomicLong();
                CompletableFuture<Void> flipper = CompletableFuture.runAsync(() -> {
                    for (int p = 0; p < PAGES; p++) {
                        long v = vslots[p];
                        for (;;) {
                            long d = slots.descriptorAcquire(v);
                            if (d == SlotDescriptor.NONE) {
                                break;   // swapped in: the slot is the consumer's
                            }
                            if (SlotDescriptor.tag(d) != SlotDescriptor.TAG_ZSWAP) {
                                Thread.onSpinWait();   // BUSY: C holds it
                                continue;
                            }
                            long h = SlotDescriptor.payload(d);
                            if (t.zswapToWriteback(v, h)) {
                                flipped.incrementAndGet();
                                if (!t.writebackToZswap(v, h)) {
                                    lost.incrementAndGet();   // a swap-in took WRITEBACK: it frees the object
                                }
                            }
                        }
                    }
                }, task -> Thread.ofPlatform().daemon().name("writeback-flipper").start(task));
                for (int p = 0; p < PAGES; p++) {
                    r.prefault(p * PAGE, PAGE);
                }
                try {
                    flipper.get(1, TimeUnit.MINUTES);   // every page is back: the flipper only has to see NONE
                } catch (java.util.concurrent.TimeoutException e) {
                    StringBuilder b = new StringBuilder();
                    for (int p = 0; p < PAGES; p++) {
                        long d = slots.descriptorAcquire(vslots[p]);
                        if (d != SlotDescriptor.NONE) {
                            b.append(" page ").append(p).append(' ').append(SlotDescriptor.describe(d))
                                    .append(" pm 0x").append(Long.toHexString(pagemap.getAtIndex(ValueLayout.JAVA_LONG, p)));
                        }
                    }
                    throw new AssertionError("round " + round + ": the flipper is stuck; not NONE:" + b + "; " + vswap.stats(), e);
                }
                flips += flipped.get();
                lostToSwapIn += lost.get();
                for (int p = 0; p < PAGES; p++) {
                    long d = slots.descriptorAcquire(vslots[p]);
                    assertEquals(SlotDescriptor.NONE, d, "page " + p + " came back; its slot holds " + SlotDescriptor.describe(d));
                }
                check(seg, round);
                VSwapStats s = vswap.stats();   // quiesces and drains the completions
                assertEquals(0, s.poolStoredPages(), s::toString);
                assertEquals(0, s.slotsInUse(), s::toString);
            }
        }
        System.out.printf("real swap-in vs ZSWAP→WRITEBACK→ZSWAP: %d rounds x %d pages, %d flips, %d WRITEBACK taken by a swap-in%n",
                ROUNDS, PAGES, flips, lostToSwapIn);
        assertTrue(flips > 0, "the flipper never flipped: no race ran");
    }

    private static long word(int round, long page, long i) {
        long z = (round * 0x9E3779B97F4A7C15L) ^ (page << 20) ^ i;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        // Half of each page compressible (zeroes), so the pool holds both raw and compressed objects.
        return i % 2 == 0 ? z ^ (z >>> 31) : 0;
    }

    private static void fill(MemorySegment seg, int round) {
        for (long p = 0; p < PAGES; p++) {
            for (long i = 0; i < PAGE / Long.BYTES; i++) {
                seg.setAtIndex(ValueLayout.JAVA_LONG, p * (PAGE / Long.BYTES) + i, word(round, p, i));
            }
        }
    }

    private static void check(MemorySegment seg, int round) {
        for (long p = 0; p < PAGES; p++) {
            for (long i = 0; i < PAGE / Long.BYTES; i++) {
                long got = seg.getAtIndex(ValueLayout.JAVA_LONG, p * (PAGE / Long.BYTES) + i);
                if (got != word(round, p, i)) {
                    throw new AssertionError("round " + round + ", page " + p + ", word " + i + ": 0x"
                            + Long.toHexString(got) + ", wrote 0x" + Long.toHexString(word(round, p, i)));
                }
            }
        }
    }

    private static SlotSpace slots(VSwap vswap) throws ReflectiveOperationException {
        Field f = vswap.getClass().getDeclaredField("slots");
        f.setAccessible(true);
        return (SlotSpace) f.get(vswap);
    }

    private static MemorySegment pagemap(Region r) throws ReflectiveOperationException {
        Method m = r.getClass().getDeclaredMethod("pagemap");
        m.setAccessible(true);
        return ((Mapping) m.invoke(r)).segment();
    }
}
