package dev.uvswap.internal.region;

import dev.uvswap.bindings.uvswap.uvswap_h;
import dev.uvswap.internal.evict.SwapOut;
import dev.uvswap.internal.os.PageBits;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The aging clock's policy, driven with a fake swap-out over a page map held on the heap: the
 * fake moves pages out by writing a slot into their page-map words, as uvs_evict does, and a
 * "fault" takes a page back by writing 0, as a fault server does.
 */
class AgingClockTest {
    private static final long PAGE = RegionImpl.PAGE;
    private static final int PAGES = 64;

    private final long[] words = new long[PAGES];
    private final MemorySegment pageMap = MemorySegment.ofArray(words);
    private final long[] nanos = {1_000};
    private final FakeEviction eviction = new FakeEviction(pageMap);
    private final AgingClock clock = new AgingClock(PAGES, pageMap, new PageBits(PAGES), eviction, () -> nanos[0]);
    private static final Runnable NO_PROGRESS = () -> { };

    /** Swap-out in memory: records what it was asked, moves pages out of the page map and back. */
    private static final class FakeEviction implements AgingClock.Eviction {
        private final MemorySegment pageMap;
        final List<String> calls = new ArrayList<>();
        final List<List<Long>> parkedBatches = new ArrayList<>();
        final List<Long> stored = new ArrayList<>();
        final List<SwapOut.Parked> dropped = new ArrayList<>();
        private long nextSlot = 1;

        FakeEviction(MemorySegment pageMap) {
            this.pageMap = pageMap;
        }

        @Override
        public long swapOut(long firstPage, long pages) {
            calls.add("swapOut " + firstPage + "+" + pages);
            long n = 0;
            for (long p = firstPage; p < firstPage + pages; p++) {
                n += moveOut(p) ? 1 : 0;
            }
            return n;
        }

        @Override
        public SwapOut.Parked park(SwapOut.Runs runs) {
            List<Long> pages = new ArrayList<>();
            for (int i = 0; i < runs.count(); i++) {
                for (long p = runs.runs()[2 * i]; p < runs.runs()[2 * i] + runs.runs()[2 * i + 1]; p++) {
                    if (moveOut(p)) {
                        pages.add(p);
                    }
                }
            }
            calls.add("park " + pages.size());
            parkedBatches.add(pages);
            long[] p = pages.stream().mapToLong(Long::longValue).toArray();
            return new SwapOut.Parked(0, null, 0, new long[p.length], p, p.length, p.length);
        }

        @Override
        public long store(SwapOut.Parked batch, LongConsumer touched) {
            calls.add("store " + batch.parked());
            long n = 0;
            for (long p : batch.pages()) {
                if (pageMap.getAtIndex(ValueLayout.JAVA_LONG, p) == 0) {
                    touched.accept(p);   // a fault took it back while it was parked
                } else {
                    stored.add(p);
                    n++;
                }
            }
            return n;
        }

        @Override
        public void drop(SwapOut.Parked batch) {
            calls.add("drop " + batch.parked());
            dropped.add(batch);
        }

        private boolean moveOut(long page) {
            if (pageMap.getAtIndex(ValueLayout.JAVA_LONG, page) != 0) {
                return false;   // already out
            }
            pageMap.setAtIndex(ValueLayout.JAVA_LONG, page, nextSlot++ << uvswap_h.UVS_PM_SHIFT());
            return true;
        }
    }

    private long word(long page) {
        return pageMap.getAtIndex(ValueLayout.JAVA_LONG, page);
    }

    /** A fault brings the page back: resident again, page-map word 0. */
    private void touch(long page) {
        words[(int) page] = 0;
    }

    private static List<Long> range(long from, long to) {
        return LongStream.range(from, to).boxed().toList();
    }

    @Test
    void coldRangesLeaveBeforeAnythingIsParked() {
        clock.cold(40, 4, true);
        long got = clock.step(8 * PAGE, 16, false, NO_PROGRESS);
        assertEquals(List.of("swapOut 40+4", "park 16"), eviction.calls, "the cold range first, then the hand parks");
        assertEquals(4 * PAGE, got, "the cold pages left; the parked ones wait in their window");
        assertEquals(range(0, 16), eviction.parkedBatches.getFirst());
        assertEquals(0, clock.coldRangeCount());
    }

    @Test
    void coldAdviceWithoutAGroupIsNotKept() {
        clock.cold(40, 4, false);
        assertEquals(0, clock.coldRangeCount(), "nothing would ever take it");
        assertTrue(clock.idle());
    }

    @Test
    void aParkedBatchStaysInItsWindowUntilItPasses() {
        assertEquals(0, clock.step(16 * PAGE, 16, false, NO_PROGRESS));
        assertEquals(List.of("park 16"), eviction.calls, "parked, not stored: its window has just begun");
        assertTrue(clock.hasParked());

        nanos[0] += AgingClock.WINDOW_NANOS - 1;
        assertEquals(0, clock.step(16 * PAGE, 16, false, NO_PROGRESS), "a nanosecond short of the window");
        assertEquals(List.of("park 16"), eviction.calls);

        nanos[0] += 1;
        assertEquals(16 * PAGE, clock.step(16 * PAGE, 16, false, NO_PROGRESS), "the window has passed");
        assertEquals(List.of("park 16", "store 16"), eviction.calls);
        assertEquals(range(0, 16), eviction.stored);
        assertFalse(clock.hasParked());
    }

    @Test
    void forceStoresABatchInsideItsWindow() {
        assertEquals(16 * PAGE, clock.step(16 * PAGE, 16, true, NO_PROGRESS));
        assertEquals(List.of("park 16", "store 16"), eviction.calls, "parked and stored in one step, no time passed");
    }

    @Test
    void aPageTouchedWhileParkedIsPassedOverUntilTheActiveListIsAged() {
        clock.step(16 * PAGE, 16, false, NO_PROGRESS);   // parks 0..15
        touch(5);
        nanos[0] += AgingClock.WINDOW_NANOS;
        assertEquals(15 * PAGE, clock.step(15 * PAGE, 16, false, NO_PROGRESS), "15 stored, page 5 came back");
        assertFalse(eviction.stored.contains(5L));
        assertTrue(clock.hasActive(), "page 5 is on the active list");

        // The hand goes on from 16 and round the region: page 5 is the only resident page of 0..15,
        // and it is passed over whether or not others are left.
        clock.step(PAGES * PAGE, PAGES, true, NO_PROGRESS);
        assertEquals(range(16, PAGES), eviction.parkedBatches.get(1), "the inactive pages, not page 5");
        assertEquals(2, eviction.parkedBatches.size(), "a full turn of the hand found nothing else to take");
        assertEquals(0, word(5), "page 5 stayed resident");

        clock.deactivate(PAGES);
        assertEquals(PAGE, clock.step(PAGE, PAGES, true, NO_PROGRESS));
        assertEquals(List.of(5L), eviction.parkedBatches.get(2), "aged off the active list, page 5 is taken");
        assertEquals(5L, eviction.stored.getLast());
    }

    @Test
    void deactivationAgesTheActiveListAPartAtATime() {
        clock.step(PAGES * PAGE, PAGES, false, NO_PROGRESS);   // parks them all
        touch(5);
        touch(40);
        nanos[0] += AgingClock.WINDOW_NANOS;
        clock.step(PAGES * PAGE, PAGES, false, NO_PROGRESS);   // both active now
        clock.deactivate(PAGES / 2);   // clears 0..31: page 5, not page 40
        clock.step(PAGES * PAGE, PAGES, true, NO_PROGRESS);
        assertEquals(List.of(5L), eviction.parkedBatches.getLast());
        clock.deactivate(PAGES / 2);   // the deactivation hand goes on: 32..63
        clock.step(PAGES * PAGE, PAGES, true, NO_PROGRESS);
        assertEquals(List.of(40L), eviction.parkedBatches.getLast());
    }

    @Test
    void aStepStopsAtItsByteBudgetABatchAtATime() {
        long pages = 2 * RegionImpl.EXTENT / PAGE;   // two extents: a step does not scan it all at once
        MemorySegment map = MemorySegment.ofArray(new long[(int) pages]);
        FakeEviction swapOut = new FakeEviction(map);
        AgingClock c = new AgingClock(pages, map, new PageBits(pages), swapOut, () -> nanos[0]);
        assertEquals(16 * PAGE, c.step(16 * PAGE, 16, true, NO_PROGRESS));
        assertEquals(List.of("park 16", "store 16"), swapOut.calls, "one batch made the budget: nothing more parked");

        assertEquals(32 * PAGE, c.step(17 * PAGE, 16, true, NO_PROGRESS), "a page short after one batch: a second");
        assertEquals(List.of("park 16", "store 16", "park 16", "store 16", "park 16", "store 16"), swapOut.calls);
    }

    @Test
    void coldAdviceLeavesAnExtentAtATimeWithinTheBudget() {
        long pages = 3 * RegionImpl.EXTENT / PAGE;
        MemorySegment map = MemorySegment.ofArray(new long[(int) pages]);
        FakeEviction swapOut = new FakeEviction(map);
        AgingClock c = new AgingClock(pages, map, new PageBits(pages), swapOut, () -> nanos[0]);
        c.cold(0, pages, true);
        assertEquals(RegionImpl.EXTENT, c.step(10 * PAGE, 16, true, NO_PROGRESS), "ten pages wanted: their extent leaves whole");
        assertEquals(List.of("swapOut 0+512"), swapOut.calls, "and nothing else: not the rest, nothing parked");
        assertEquals(2 * RegionImpl.EXTENT, c.step(RegionImpl.EXTENT + PAGE, 16, true, NO_PROGRESS));
        assertEquals(List.of("swapOut 0+512", "swapOut 512+1024"), swapOut.calls, "an extent and a page: the rest");
    }

    @Test
    void theHandWrapsAroundTheRegion() {
        for (long p = 56; p < PAGES; p++) {
            words[(int) p] = (1000 + p) << uvswap_h.UVS_PM_SHIFT();   // swapped out on an earlier turn
        }
        for (int i = 0; i < 4; i++) {
            clock.step(16 * PAGE, 16, true, NO_PROGRESS);
        }
        assertEquals(List.of(range(0, 16), range(16, 32), range(32, 48), range(48, 56)), eviction.parkedBatches,
                "the hand moves on a window at a time, the last short of one at the region's end");
        for (long p = 0; p < 16; p++) {
            touch(p);   // faulted back in after they were stored
        }
        touch(60);
        clock.step(16 * PAGE, 16, true, NO_PROGRESS);
        assertEquals(range(0, 16), eviction.parkedBatches.getLast(), "past the region's end the hand starts again at page 0");
        clock.step(16 * PAGE, 16, true, NO_PROGRESS);
        assertEquals(List.of(60L), eviction.parkedBatches.getLast(), "and goes on from there round to page 60");
    }

    @Test
    void withoutAStagingChunkCandidatesAreSwappedOutAtOnce() {
        AgingClock.Eviction noChunk = new AgingClock.Eviction() {
            @Override
            public long swapOut(long firstPage, long pages) {
                return eviction.swapOut(firstPage, pages);
            }

            @Override
            public SwapOut.Parked park(SwapOut.Runs runs) {
                return null;
            }

            @Override
            public long store(SwapOut.Parked batch, LongConsumer touched) {
                return eviction.store(batch, touched);
            }

            @Override
            public void drop(SwapOut.Parked batch) {
                eviction.drop(batch);
            }
        };
        AgingClock c = new AgingClock(PAGES, pageMap, new PageBits(PAGES), noChunk, () -> nanos[0]);
        assertEquals(16 * PAGE, c.step(16 * PAGE, 16, false, NO_PROGRESS));
        assertEquals(List.of("swapOut 0+16"), eviction.calls, "no aging window for them");
        assertFalse(c.hasParked());
    }

    @Test
    void pinnedPagesAreNeverCandidates() {
        PageBits pins = new PageBits(PAGES);
        pins.setRange(2, 3, true);
        AgingClock c = new AgingClock(PAGES, pageMap, pins, eviction, () -> nanos[0]);
        c.step(8 * PAGE, 8, false, NO_PROGRESS);
        assertEquals(List.of(0L, 1L, 5L, 6L, 7L, 8L, 9L, 10L), eviction.parkedBatches.getFirst());
    }

    @Test
    void closingLetsGoOfEveryParkedBatchAndTheColdAdvice() {
        clock.step(16 * PAGE, 16, false, NO_PROGRESS);
        clock.step(32 * PAGE, 32, false, NO_PROGRESS);   // a wider window: a second batch
        clock.cold(60, 2, true);
        assertEquals(2, eviction.parkedBatches.size());
        clock.dropAll();
        assertEquals(2, eviction.dropped.size(), "no parked batch is lost");
        assertTrue(eviction.stored.isEmpty());
        assertFalse(clock.hasParked());
        assertTrue(clock.idle(), "the cold advice went with them");
    }

    @Test
    void progressRunsAfterEachBatchParkedOrStored() {
        int[] progress = {0};
        clock.step(16 * PAGE, 16, true, () -> progress[0]++);
        assertEquals(2, progress[0], "one batch parked, one stored");
    }
}
